#include "channels/twitter/reply_sink.h"

#include <curl/curl.h>

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <stdexcept>
#include <vector>

#include "channels/twitter/mentions_walk.h"
#include "gateway/text.h"

namespace lapor::twitter {

std::string reply_text(std::string_view template_text, std::string_view tracking_id) {
  std::string out(template_text);
  constexpr std::string_view slot = "{tracking_id}";
  std::size_t at = 0;
  while ((at = out.find(slot, at)) != std::string::npos) {
    out.replace(at, slot.size(), tracking_id);
    at += tracking_id.size();
  }
  return out;
}

std::string mention_reply_text(std::string_view template_text, std::string_view tracking_id, std::uint64_t tweet_id) {
  constexpr std::size_t max_chars = 280;
  const std::string ref = " (ref. " + std::to_string(tweet_id) + ")";
  std::string text = reply_text(template_text, tracking_id);
  if (gateway::utf8_length(text) + ref.size() > max_chars) text = gateway::utf8_prefix_chars(text, max_chars - ref.size());
  return text + ref;
}

std::string reply_body(std::string_view text, std::uint64_t in_reply_to_tweet_id) {
  boost::json::object reply;
  reply["in_reply_to_tweet_id"] = std::to_string(in_reply_to_tweet_id);
  boost::json::object o;
  o["text"] = text;
  o["reply"] = std::move(reply);
  return boost::json::serialize(o);
}

gateway::delivery_outcome classify_reply(long status, std::string_view body, bool may_have_reached) {
  using gateway::delivery_outcome;
  if (status >= 200 && status <= 299) return delivery_outcome::delivered;
  if (status == 403 && body.find("duplicate content") != std::string_view::npos)
    return may_have_reached ? delivery_outcome::delivered : delivery_outcome::dead;
  if (status == 408 || status == 429 || status >= 500 || status < 200) return delivery_outcome::retry;
  return delivery_outcome::dead;
}

namespace {

std::string printable(std::string_view s, std::size_t max) {
  std::string out;
  for (char c : s) {
    if (out.size() >= max) break;
    const auto u = static_cast<unsigned char>(c);
    out.push_back(u >= 0x20 && u < 0x7f ? c : ' ');
  }
  return out;
}

struct response {
  std::string body;
  rate_limit_info limits;
  static std::size_t on_body(char* data, std::size_t size, std::size_t n, void* user) {
    auto* r = static_cast<response*>(user);
    if (r->body.size() < 4096) r->body.append(data, std::min(size * n, 4096 - r->body.size()));
    return size * n;
  }
  static std::size_t on_header(char* data, std::size_t size, std::size_t n, void* user) {
    read_rate_limit_header(std::string_view(data, size * n), static_cast<response*>(user)->limits);
    return size * n;
  }
};

class reply_sink final : public gateway::dispatch_sink {
 public:
  explicit reply_sink(reply_options o) : opts_(std::move(o)) {
    static std::once_flag curl_global_once;
    std::call_once(curl_global_once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
    std::string base = opts_.api_base;
    while (!base.empty() && base.back() == '/') base.pop_back();
    url_ = base + "/2/tweets";
    easy_ = curl_easy_init();
    if (!easy_) throw std::runtime_error("libcurl: curl_easy_init failed");
    curl_easy_setopt(easy_, CURLOPT_URL, url_.c_str());
    curl_easy_setopt(easy_, CURLOPT_POST, 1L);
    curl_easy_setopt(easy_, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(easy_, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(std::max<std::int64_t>(1, opts_.connect_timeout.count())));
    curl_easy_setopt(easy_, CURLOPT_TIMEOUT_MS, static_cast<long>(std::max<std::int64_t>(1, opts_.request_timeout.count())));
    curl_easy_setopt(easy_, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(easy_, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(easy_, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(easy_, CURLOPT_USERAGENT, "lapor-gateway/1");
    curl_easy_setopt(easy_, CURLOPT_WRITEFUNCTION, &response::on_body);
    curl_easy_setopt(easy_, CURLOPT_HEADERFUNCTION, &response::on_header);
  }
  ~reply_sink() override {
    curl_easy_cleanup(easy_);
    for (auto* s : {&opts_.credentials.consumer_secret, &opts_.credentials.access_token_secret})
      std::fill(s->begin(), s->end(), '\0');
  }

  std::size_t capacity() const noexcept override { return 1; }
  std::size_t max_documents() const noexcept override { return 1; }
  std::size_t in_flight() const noexcept override { return queued_.size(); }
  const char* kind() const noexcept override { return "twitter_reply"; }

  void begin(gateway::dispatch_request r) override { queued_.push_back(std::move(r)); }

  void run_once(std::chrono::milliseconds timeout, std::vector<gateway::dispatch_result>& done) override {
    if (queued_.empty()) {
      std::unique_lock lock(mutex_);
      cv_.wait_for(lock, timeout, [this] { return woken_; });
      woken_ = false;
      return;
    }
    for (auto& r : queued_) done.push_back(post(r));
    queued_.clear();
  }

  void abandon_all() override { queued_.clear(); }

  void wakeup() noexcept override {
    {
      std::lock_guard lock(mutex_);
      woken_ = true;
    }
    cv_.notify_one();
  }

 private:
  gateway::dispatch_result post(const gateway::dispatch_request& r) {
    gateway::dispatch_result res;
    res.tag = r.tag;
    const std::string& body = r.documents.front();
    const std::string auth =
        "Authorization: " + oauth1_authorization("POST", url_, {}, opts_.credentials, oauth1_nonce(),
                                                 std::chrono::duration_cast<std::chrono::seconds>(
                                                     std::chrono::system_clock::now().time_since_epoch())
                                                     .count());
    curl_slist* headers = nullptr;
    headers = curl_slist_append(headers, "Content-Type: application/json");
    headers = curl_slist_append(headers, auth.c_str());
    response resp;
    char errbuf[CURL_ERROR_SIZE] = {};
    curl_easy_setopt(easy_, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(easy_, CURLOPT_POSTFIELDS, body.data());
    curl_easy_setopt(easy_, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
    curl_easy_setopt(easy_, CURLOPT_WRITEDATA, &resp);
    curl_easy_setopt(easy_, CURLOPT_HEADERDATA, &resp);
    curl_easy_setopt(easy_, CURLOPT_ERRORBUFFER, errbuf);
    const CURLcode rc = curl_easy_perform(easy_);
    curl_easy_setopt(easy_, CURLOPT_HTTPHEADER, nullptr);
    curl_easy_setopt(easy_, CURLOPT_ERRORBUFFER, nullptr);
    curl_slist_free_all(headers);
    if (rc != CURLE_OK) {
      res.outcome = gateway::delivery_outcome::retry;
      res.error = std::string("network: ") + curl_easy_strerror(rc);
      if (errbuf[0] != '\0') res.error += " (" + printable(errbuf, 200) + ")";
      return res;
    }
    curl_easy_getinfo(easy_, CURLINFO_RESPONSE_CODE, &res.http_status);
    res.outcome = classify_reply(res.http_status, resp.body, r.may_have_reached);
    if (res.http_status == 429 && resp.limits.reset_epoch_s) {
      const auto now_s =
          std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
      res.retry_after_s = static_cast<long>(std::clamp<std::int64_t>(*resp.limits.reset_epoch_s - now_s + 1, 1, 900));
    }
    if (res.outcome != gateway::delivery_outcome::delivered || res.http_status == 403)
      res.error = "http " + std::to_string(res.http_status) + ": " + printable(problem_kind(resp.body), 100);
    if (res.http_status == 403 && res.outcome == gateway::delivery_outcome::dead &&
        resp.body.find("duplicate content") != std::string::npos)
      res.error += " (duplicate content: this text was never posted for this reply)";
    return res;
  }

  reply_options opts_;
  std::string url_;
  CURL* easy_ = nullptr;
  std::vector<gateway::dispatch_request> queued_;
  std::mutex mutex_;
  std::condition_variable cv_;
  bool woken_ = false;
};

}  // namespace

std::unique_ptr<gateway::dispatch_sink> make_reply_sink(reply_options opts) {
  return std::make_unique<reply_sink>(std::move(opts));
}

}  // namespace lapor::twitter
