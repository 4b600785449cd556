#include "channels/twitter/twitter_api.h"

#include <curl/curl.h>

#include <algorithm>
#include <mutex>
#include <stdexcept>

namespace lapor::twitter {

namespace {

constexpr const char* tweet_fields =
    "created_at,author_id,conversation_id,in_reply_to_user_id,referenced_tweets,entities,attachments,geo,lang,"
    "note_tweet,edit_history_tweet_ids";
constexpr const char* expansions = "author_id,attachments.media_keys,geo.place_id";
constexpr const char* user_fields = "id,name,username";
constexpr const char* media_fields = "media_key,type,url,preview_image_url,alt_text";
constexpr const char* place_fields = "id,full_name,name,country_code,geo";

std::once_flag curl_global_once;

// Query values are percent-encoded (RFC 3986 unreserved characters kept).
std::string encode(std::string_view s) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if ((u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || (u >= '0' && u <= '9') || c == '-' || c == '.' || c == '_' ||
        c == '~') {
      out.push_back(c);
    } else {
      out.push_back('%');
      out.push_back(hex[u >> 4]);
      out.push_back(hex[u & 15]);
    }
  }
  return out;
}

}  // namespace

std::string mentions_url(const std::string& api_base, std::uint64_t user_id, const fetch_params& p) {
  std::string base = api_base;
  while (!base.empty() && base.back() == '/') base.pop_back();
  std::string u = base + "/2/users/" + std::to_string(user_id) + "/mentions?max_results=" + std::to_string(p.max_results);
  if (p.since_id) u += "&since_id=" + std::to_string(*p.since_id);
  if (!p.pagination_token.empty()) u += "&pagination_token=" + encode(p.pagination_token);
  u += "&tweet.fields=" + encode(tweet_fields);
  u += "&expansions=" + encode(expansions);
  u += "&user.fields=" + encode(user_fields);
  u += "&media.fields=" + encode(media_fields);
  u += "&place.fields=" + encode(place_fields);
  return u;
}

namespace {

// What one transfer collects; the callbacks' user data.
struct transfer {
  std::string body;
  std::size_t max_body = 0;
  bool too_large = false;
  rate_limit_info limits;
  std::string content_type;
  const std::atomic<bool>* abort = nullptr;

  static std::size_t on_body(char* data, std::size_t size, std::size_t n, void* user) {
    auto* t = static_cast<transfer*>(user);
    const std::size_t len = size * n;
    if (t->body.size() + len > t->max_body) {
      t->too_large = true;
      return 0;  // ends the transfer with CURLE_WRITE_ERROR
    }
    t->body.append(data, len);
    return len;
  }
  static std::size_t on_header(char* data, std::size_t size, std::size_t n, void* user) {
    auto* t = static_cast<transfer*>(user);
    const std::string_view line(data, size * n);
    read_rate_limit_header(line, t->limits);
    constexpr std::string_view ct = "content-type:";
    if (line.size() > ct.size() &&
        std::equal(ct.begin(), ct.end(), line.begin(), [](char a, char b) { return a == (b >= 'A' && b <= 'Z' ? b + 32 : b); })) {
      std::string_view v = line.substr(ct.size());
      while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
      while (!v.empty() && (v.back() == '\r' || v.back() == '\n' || v.back() == ' ')) v.remove_suffix(1);
      t->content_type = std::string(v.substr(0, 100));
    }
    return size * n;
  }
  static int on_progress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
    return static_cast<transfer*>(user)->abort->load(std::memory_order_relaxed) ? 1 : 0;
  }
};

CURL* new_handle(const api_client_options& o) {
  CURL* e = curl_easy_init();
  if (!e) throw std::runtime_error("libcurl: curl_easy_init failed");
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(std::max<std::int64_t>(1, o.connect_timeout.count())));
  curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, static_cast<long>(std::max<std::int64_t>(1, o.request_timeout.count())));
  curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(e, CURLOPT_USERAGENT, "lapor-gateway/1");
  curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
  curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, &transfer::on_header);
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, &transfer::on_body);
  curl_easy_setopt(e, CURLOPT_XFERINFOFUNCTION, &transfer::on_progress);
  curl_easy_setopt(e, CURLOPT_NOPROGRESS, 0L);
  return e;
}

std::string curl_error(CURLcode rc, const char* errbuf) {
  std::string e = curl_easy_strerror(rc);
  if (errbuf[0] != '\0') e += std::string(" (") + errbuf + ")";
  return e;
}

}  // namespace

api_client::api_client(api_client_options opts, const std::atomic<bool>& abort) : opts_(std::move(opts)), abort_(abort) {
  std::call_once(curl_global_once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  auth_header_ = "Authorization: Bearer " + opts_.bearer_token;
  api_ = new_handle(opts_);
  media_ = new_handle(opts_);
  curl_easy_setopt(api_, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(media_, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(media_, CURLOPT_MAXREDIRS, 3L);
  curl_easy_setopt(media_, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
}

api_client::~api_client() {
  curl_easy_cleanup(api_);
  curl_easy_cleanup(media_);
  std::fill(auth_header_.begin(), auth_header_.end(), '\0');
  std::fill(opts_.bearer_token.begin(), opts_.bearer_token.end(), '\0');
}

api_response api_client::get_mentions(std::uint64_t user_id, const fetch_params& p) {
  api_response r;
  transfer t;
  t.max_body = opts_.max_body_bytes;
  t.abort = &abort_;
  const std::string url = mentions_url(opts_.api_base, user_id, p);
  char errbuf[CURL_ERROR_SIZE] = {};
  curl_slist* headers = nullptr;
  headers = curl_slist_append(headers, auth_header_.c_str());
  headers = curl_slist_append(headers, "Accept: application/json");
  curl_easy_setopt(api_, CURLOPT_URL, url.c_str());
  curl_easy_setopt(api_, CURLOPT_HTTPGET, 1L);
  curl_easy_setopt(api_, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(api_, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt(api_, CURLOPT_HEADERDATA, &t);
  curl_easy_setopt(api_, CURLOPT_WRITEDATA, &t);
  curl_easy_setopt(api_, CURLOPT_XFERINFODATA, &t);
  const CURLcode rc = curl_easy_perform(api_);
  curl_easy_setopt(api_, CURLOPT_HTTPHEADER, nullptr);
  curl_easy_setopt(api_, CURLOPT_ERRORBUFFER, nullptr);
  curl_slist_free_all(headers);
  r.limits = t.limits;
  if (rc != CURLE_OK) {
    r.error = t.too_large ? "response larger than " + std::to_string(opts_.max_body_bytes) + " bytes" : curl_error(rc, errbuf);
    return r;
  }
  r.transport_ok = true;
  curl_easy_getinfo(api_, CURLINFO_RESPONSE_CODE, &r.status);
  r.body = std::move(t.body);
  return r;
}

twitter_api::download api_client::fetch_media(const std::string& url, std::size_t max_bytes) {
  download d;
  if (!(url.starts_with("https://") || url.starts_with("http://"))) {
    d.error = "not an http(s) URL";
    return d;
  }
  transfer t;
  t.max_body = max_bytes;
  t.abort = &abort_;
  char errbuf[CURL_ERROR_SIZE] = {};
  curl_easy_setopt(media_, CURLOPT_URL, url.c_str());
  curl_easy_setopt(media_, CURLOPT_HTTPGET, 1L);
  curl_easy_setopt(media_, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt(media_, CURLOPT_HEADERDATA, &t);
  curl_easy_setopt(media_, CURLOPT_WRITEDATA, &t);
  curl_easy_setopt(media_, CURLOPT_XFERINFODATA, &t);
  const CURLcode rc = curl_easy_perform(media_);
  curl_easy_setopt(media_, CURLOPT_ERRORBUFFER, nullptr);
  if (rc != CURLE_OK) {
    d.error = t.too_large ? "larger than " + std::to_string(max_bytes) + " bytes" : curl_error(rc, errbuf);
    return d;
  }
  long status = 0;
  curl_easy_getinfo(media_, CURLINFO_RESPONSE_CODE, &status);
  if (status < 200 || status > 299) {
    d.error = "http " + std::to_string(status);
    return d;
  }
  d.bytes = std::move(t.body);
  d.content_type = std::move(t.content_type);
  return d;
}

}  // namespace lapor::twitter
