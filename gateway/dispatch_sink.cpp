#include "gateway/dispatch_sink.h"

#include <curl/curl.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <stdexcept>
#include <string_view>
#include <thread>
#include <unordered_set>

namespace lapor::gateway {

namespace {

bool starts_with_nocase(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    char a = s[i], b = prefix[i];
    if (a >= 'A' && a <= 'Z') a = static_cast<char>(a - 'A' + 'a');
    if (b >= 'A' && b <= 'Z') b = static_cast<char>(b - 'A' + 'a');
    if (a != b) return false;
  }
  return true;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r' || s.front() == '\n')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) s.remove_suffix(1);
  return s;
}

// Printable ASCII only, at most `max` characters: safe inside an error text and a log line.
std::string printable(std::string_view s, std::size_t max) {
  std::string out;
  for (char c : s) {
    if (out.size() >= max) break;
    const auto u = static_cast<unsigned char>(c);
    out.push_back(u >= 0x20 && u < 0x7f ? c : ' ');
  }
  return std::string(trim(out));
}

std::string errno_text(const char* what, int err) { return std::string("file: ") + what + ": " + std::strerror(err); }

// ---------------------------------------------------------------------------------------------
// HTTP(S): one libcurl multi handle, `connections` easy handles reused for keep-alive.

std::once_flag curl_global_once;

class http_sink final : public dispatch_sink {
 public:
  explicit http_sink(const forwarder_options& o)
      : url_(o.url),
        batch_(o.batch),
        capacity_(static_cast<std::size_t>(std::max(1, o.connections))),
        batch_size_(o.batch ? static_cast<std::size_t>(std::max(1, o.batch_size)) : 1),
        connect_timeout_ms_(std::max<long>(1, static_cast<long>(o.connect_timeout.count()))),
        timeout_ms_(std::max<long>(1, static_cast<long>(o.request_timeout.count()))) {
    std::call_once(curl_global_once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
    if (!o.token.empty()) auth_header_ = "Authorization: Bearer " + o.token;
    multi_ = curl_multi_init();
    if (!multi_) throw std::runtime_error("libcurl: curl_multi_init failed");
    const long n = static_cast<long>(capacity_);
    curl_multi_setopt(multi_, CURLMOPT_MAXCONNECTS, n);
    curl_multi_setopt(multi_, CURLMOPT_MAX_HOST_CONNECTIONS, n);
    curl_multi_setopt(multi_, CURLMOPT_MAX_TOTAL_CONNECTIONS, n);
  }

  ~http_sink() override {
    abandon_all();
    for (auto& s : slots_) curl_easy_cleanup(s->easy);
    curl_multi_cleanup(multi_);
    std::fill(auth_header_.begin(), auth_header_.end(), '\0');
  }

  std::size_t capacity() const noexcept override { return capacity_; }
  std::size_t max_documents() const noexcept override { return batch_size_; }
  std::size_t in_flight() const noexcept override { return in_flight_; }
  const char* kind() const noexcept override { return "http"; }

  void set_token(std::string token) override {
    std::fill(auth_header_.begin(), auth_header_.end(), '\0');
    auth_header_ = token.empty() ? std::string() : "Authorization: Bearer " + token;
    std::fill(token.begin(), token.end(), '\0');
  }

  void begin(dispatch_request r) override {
    slot& s = free_slot();
    s.busy = true;
    s.tag = r.tag;
    s.body = http_body(r.documents, batch_);
    s.retry_after.clear();
    s.response.clear();
    s.errbuf[0] = '\0';
    // Header values must not carry CR/LF: keep the key printable.
    std::string key = printable(r.idempotency_key, 200);
    s.headers = curl_slist_append(s.headers, "Content-Type: application/json");
    s.headers = curl_slist_append(s.headers, "Accept: application/json");
    s.headers = curl_slist_append(s.headers, ("Idempotency-Key: " + key).c_str());
    s.headers = curl_slist_append(s.headers, "Expect:");  // no 100-continue round trip for large batches
    if (!auth_header_.empty()) s.headers = curl_slist_append(s.headers, auth_header_.c_str());
    curl_easy_setopt(s.easy, CURLOPT_HTTPHEADER, s.headers);
    curl_easy_setopt(s.easy, CURLOPT_POSTFIELDS, s.body.data());
    curl_easy_setopt(s.easy, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(s.body.size()));
    if (curl_multi_add_handle(multi_, s.easy) != CURLM_OK) {
      // Reported as a network failure by the next run_once.
      failed_to_start_.push_back(s.tag);
      curl_slist_free_all(s.headers);
      s.headers = nullptr;
      s.busy = false;
      return;
    }
    ++in_flight_;
  }

  void run_once(std::chrono::milliseconds timeout, std::vector<dispatch_result>& done) override {
    for (auto tag : failed_to_start_) {
      dispatch_result r;
      r.tag = tag;
      r.outcome = delivery_outcome::retry;
      r.error = "network: libcurl refused the transfer";
      done.push_back(std::move(r));
    }
    if (!failed_to_start_.empty()) {
      failed_to_start_.clear();
      timeout = std::chrono::milliseconds(0);
    }
    const int wait_ms = static_cast<int>(std::clamp<std::int64_t>(timeout.count(), 0, 60000));
    if (curl_multi_poll(multi_, nullptr, 0, wait_ms, nullptr) != CURLM_OK)
      std::this_thread::sleep_for(std::chrono::milliseconds(std::min(wait_ms, 10)));
    int running = 0;
    curl_multi_perform(multi_, &running);
    collect(done);
  }

  void abandon_all() override {
    for (auto& s : slots_)
      if (s->busy) release(*s);
  }

  void wakeup() noexcept override { curl_multi_wakeup(multi_); }

 private:
  struct slot {
    CURL* easy = nullptr;
    curl_slist* headers = nullptr;
    std::string body;
    std::string retry_after;
    std::string response;  // the first bytes of the answer, for the error text
    char errbuf[CURL_ERROR_SIZE]{};
    std::uint64_t tag = 0;
    bool busy = false;
  };

  // Response headers, one line per call, including the status line of every response
  // (an interim 1xx too): remember the last Retry-After of the final response.
  static std::size_t on_header(char* data, std::size_t size, std::size_t n, void* user) {
    auto* s = static_cast<slot*>(user);
    const std::string_view line(data, size * n);
    if (starts_with_nocase(line, "HTTP/")) s->retry_after.clear();
    else if (starts_with_nocase(line, "retry-after:")) s->retry_after = std::string(trim(line.substr(12)));
    return size * n;
  }

  static std::size_t on_body(char* data, std::size_t size, std::size_t n, void* user) {
    auto* s = static_cast<slot*>(user);
    const std::size_t len = size * n;
    if (s->response.size() < 512) s->response.append(data, std::min(len, 512 - s->response.size()));
    return len;
  }

  slot& free_slot() {
    for (auto& s : slots_)
      if (!s->busy) return *s;
    auto s = std::make_unique<slot>();
    s->easy = curl_easy_init();
    if (!s->easy) throw std::runtime_error("libcurl: curl_easy_init failed");
    CURL* e = s->easy;
    curl_easy_setopt(e, CURLOPT_URL, url_.c_str());
    curl_easy_setopt(e, CURLOPT_POST, 1L);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, connect_timeout_ms_);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, timeout_ms_);
    curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_USERAGENT, "lapor-gateway/1");
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, &http_sink::on_header);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, s.get());
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, &http_sink::on_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, s.get());
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, s->errbuf);
    slots_.push_back(std::move(s));
    return *slots_.back();
  }

  void release(slot& s) {
    curl_multi_remove_handle(multi_, s.easy);
    curl_slist_free_all(s.headers);
    s.headers = nullptr;
    s.body.clear();
    s.busy = false;
    --in_flight_;
  }

  void collect(std::vector<dispatch_result>& done) {
    int left = 0;
    while (CURLMsg* m = curl_multi_info_read(multi_, &left)) {
      if (m->msg != CURLMSG_DONE) continue;
      CURL* easy = m->easy_handle;
      const CURLcode rc = m->data.result;  // read before remove_handle invalidates m
      auto it = std::find_if(slots_.begin(), slots_.end(), [easy](const auto& s) { return s->easy == easy && s->busy; });
      if (it == slots_.end()) continue;
      slot& s = **it;
      dispatch_result r;
      r.tag = s.tag;
      if (rc == CURLE_OK) {
        long status = 0;
        curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
        r.http_status = status;
        r.outcome = classify_http_status(status);
        if (!s.retry_after.empty()) r.retry_after_s = parse_retry_after(s.retry_after, std::chrono::system_clock::now());
        if (r.outcome != delivery_outcome::delivered) {
          r.error = "http " + std::to_string(status);
          if (auto text = printable(s.response, 200); !text.empty()) r.error += ": " + text;
        }
      } else {
        r.outcome = delivery_outcome::retry;
        r.error = std::string("network: ") + curl_easy_strerror(rc);
        if (s.errbuf[0] != '\0') r.error += " (" + printable(s.errbuf, 200) + ")";
      }
      release(s);
      done.push_back(std::move(r));
    }
  }

  std::string url_;
  std::string auth_header_;  // "Authorization: Bearer …": never logged
  bool batch_;
  std::size_t capacity_;
  std::size_t batch_size_;
  long connect_timeout_ms_;
  long timeout_ms_;
  CURLM* multi_ = nullptr;
  std::vector<std::unique_ptr<slot>> slots_;
  std::vector<std::uint64_t> failed_to_start_;
  std::size_t in_flight_ = 0;
};

// ---------------------------------------------------------------------------------------------
// file://PATH: JSON lines, appended and fsync'd on the forwarder thread.

bool write_all(int fd, std::string_view data, int& err) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      err = errno;
      return false;
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

class file_sink final : public dispatch_sink {
 public:
  file_sink(std::string path, std::size_t per_request) : path_(std::move(path)), per_request_(std::max<std::size_t>(1, per_request)) {}
  ~file_sink() override {
    if (fd_ >= 0) ::close(fd_);
  }

  std::size_t capacity() const noexcept override { return 16; }
  std::size_t max_documents() const noexcept override { return per_request_; }
  std::size_t in_flight() const noexcept override { return queued_.size(); }
  const char* kind() const noexcept override { return "file"; }

  void begin(dispatch_request r) override { queued_.push_back(std::move(r)); }

  void run_once(std::chrono::milliseconds timeout, std::vector<dispatch_result>& done) override {
    if (queued_.empty()) {
      std::unique_lock lock(mutex_);
      cv_.wait_for(lock, timeout, [this] { return woken_; });
      woken_ = false;
      return;
    }
    std::string error;
    const bool ok = append(error);
    for (auto& r : queued_) {
      dispatch_result res;
      res.tag = r.tag;
      res.outcome = ok ? delivery_outcome::delivered : delivery_outcome::retry;
      res.error = error;
      done.push_back(std::move(res));
    }
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
  bool open_file(std::string& error) {
    if (fd_ >= 0) return true;
    namespace fs = std::filesystem;
    const fs::path p(path_);
    std::error_code ec;
    const fs::path parent = p.parent_path();
    if (!parent.empty()) {
      fs::create_directories(parent, ec);
      if (ec) {
        error = "file: create folder: " + ec.message();
        return false;
      }
    }
    const bool existed = fs::exists(p, ec);
    if (existed && !tail_read_) read_tail();
    fd_ = ::open(path_.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
    if (fd_ < 0) {
      error = errno_text("open", errno);
      return false;
    }
    if (!existed) {
      // The new file's name must survive a crash too: sync its folder once.
      const int dir = ::open(parent.empty() ? "." : parent.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      if (dir >= 0) {
        (void)::fsync(dir);
        ::close(dir);
      }
    }
    return true;
  }

  // The lines at the end of the file the last process wrote. After a kill -9 between the
  // append and the store's "sent", the next process sends those rows again; a file has no
  // Idempotency-Key, so the sink itself leaves out a document whose line is already there.
  // The rows in doubt are the last ones written (at most the in-flight ones), well inside the
  // last tail_bytes.
  static constexpr std::size_t tail_bytes = 4u << 20;
  void read_tail() {
    tail_read_ = true;
    const int fd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return;
    struct stat st {};
    if (::fstat(fd, &st) == 0 && st.st_size > 0) {
      const auto size = static_cast<std::size_t>(st.st_size);
      const std::size_t from = size > tail_bytes ? size - tail_bytes : 0;
      std::string tail(size - from, '\0');
      const ssize_t n = ::pread(fd, tail.data(), tail.size(), static_cast<off_t>(from));
      if (n > 0) {
        tail.resize(static_cast<std::size_t>(n));
        std::string_view rest(tail);
        if (from > 0) rest.remove_prefix(std::min(rest.size(), rest.find('\n') + 1));  // a line cut by the window
        while (!rest.empty()) {
          const auto nl = rest.find('\n');
          if (nl == std::string_view::npos) break;  // a torn last line: no document's
          written_.emplace(rest.substr(0, nl));
          rest.remove_prefix(nl + 1);
        }
      }
    }
    ::close(fd);
  }

  bool append(std::string& error) {
    if (!open_file(error)) return false;
    std::string buf;
    if (torn_line_) buf += '\n';  // ends the partial line a failed cut left (see below)
    for (const auto& r : queued_)
      for (const auto& d : r.documents) {
        const std::size_t at = buf.size();
        buf += d;
        // Documents are JSON: raw newlines are rare (only as whitespace), so look for them
        // with memchr before touching bytes one by one.
        if (std::memchr(d.data(), '\n', d.size()) != nullptr || std::memchr(d.data(), '\r', d.size()) != nullptr)
          std::replace_if(buf.begin() + static_cast<std::ptrdiff_t>(at), buf.end(), [](char c) { return c == '\n' || c == '\r'; }, ' ');
        if (!written_.empty() && written_.contains(std::string_view(buf).substr(at))) {
          buf.resize(at);  // written before the last process stopped
          continue;
        }
        buf += '\n';
      }
    struct stat st {};
    const bool know_size = ::fstat(fd_, &st) == 0;
    int err = 0;
    bool ok = write_all(fd_, buf, err);
    if (!ok) error = errno_text("write", err);
    if (ok && ::fsync(fd_) != 0) {
      ok = false;
      error = errno_text("fsync", errno);
    }
    if (!ok) {
      // Cut a partial line so the retry appends whole lines; after a failed fsync the page
      // cache cannot be trusted (the error may be reported once), so reopen and write again.
      if (know_size && ::ftruncate(fd_, st.st_size) != 0) {
        // The partial line stays. The next append ends it first, so the retried documents
        // start on lines of their own: a reader skips one malformed line instead of losing
        // the first document glued to it.
        error += "; " + errno_text("ftruncate", errno);
        torn_line_ = true;
      }
      ::close(fd_);
      fd_ = -1;
    } else {
      torn_line_ = false;
    }
    return ok;
  }

  std::string path_;
  std::size_t per_request_;
  int fd_ = -1;
  bool torn_line_ = false;  // a failed write left a partial line that ftruncate could not cut
  bool tail_read_ = false;
  struct line_hash {
    using is_transparent = void;  // looked up by string_view: no copy per document
    std::size_t operator()(std::string_view v) const noexcept { return std::hash<std::string_view>{}(v); }
  };
  std::unordered_set<std::string, line_hash, std::equal_to<>> written_;  // the lines at the file's end at start
  std::vector<dispatch_request> queued_;
  std::mutex mutex_;
  std::condition_variable cv_;
  bool woken_ = false;
};

}  // namespace

std::string http_body(const std::vector<std::string>& documents, bool batch) {
  if (!batch && documents.size() == 1) return documents.front();
  std::size_t n = 2;
  for (const auto& d : documents) n += d.size() + 1;
  std::string out;
  out.reserve(n);
  out += '[';
  for (std::size_t i = 0; i < documents.size(); ++i) {
    if (i) out += ',';
    out += documents[i];
  }
  out += ']';
  return out;
}

std::string file_url_path(const std::string& url) {
  constexpr std::string_view scheme = "file://";
  if (!starts_with_nocase(url, scheme)) return {};
  std::string rest = url.substr(scheme.size());
  if (starts_with_nocase(rest, "localhost/")) rest.erase(0, 9);
  return rest;
}

std::unique_ptr<dispatch_sink> make_http_sink(const forwarder_options& opts) { return std::make_unique<http_sink>(opts); }

std::unique_ptr<dispatch_sink> make_file_sink(std::string path, std::size_t documents_per_request) {
  return std::make_unique<file_sink>(std::move(path), documents_per_request);
}

std::unique_ptr<dispatch_sink> make_dispatch_sink(const forwarder_options& opts) {
  if (starts_with_nocase(opts.url, "http://") || starts_with_nocase(opts.url, "https://")) return make_http_sink(opts);
  if (starts_with_nocase(opts.url, "file://")) {
    auto path = file_url_path(opts.url);
    if (path.empty()) throw std::invalid_argument("dispatcher.url: file:// needs a path");
    return make_file_sink(std::move(path), static_cast<std::size_t>(std::max(1, opts.batch_size)));
  }
  throw std::invalid_argument("dispatcher.url: must be http://, https:// or file://");
}

}  // namespace lapor::gateway
