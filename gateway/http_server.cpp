// The Beast listener and session. Modelled on Beast's advanced server example: one class per
// role, a strand per connection, the session alive as long as a handler holds it.
#include "gateway/http_server.h"

#include <array>
#include <atomic>
#include <filesystem>
#include <mutex>
#include <unordered_set>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "gateway/digest.h"
#include "gateway/http_framing.h"
#include "gateway/log.h"

namespace lapor::gateway {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

class session;

// Field names lowercased for lookup: ASCII case folding, what std::tolower does in the "C"
// locale the daemon runs in (it never calls setlocale), without a call per byte.
void ascii_lowercase(std::string& s) noexcept {
  for (auto& c : s)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
}

// A response's bytes as Beast writes them (status line, fields in order, the blank line, the
// body), serialised by Beast into one string: sent as one buffer, where http::async_write
// walked Beast's nested buffer sequences again for each size, prefix and send (~8k
// instructions per answer). Beast's own serialiser makes the bytes the same by construction.
std::string wire_bytes(http::response<http::string_body>& res) {
  std::string out;
  out.reserve(256 + res.body().size());
  http::serializer<false, http::string_body> sr{res};
  beast::error_code ec;
  do {
    sr.next(ec, [&](beast::error_code&, const auto& buffers) {
      for (const auto b : beast::buffers_range_ref(buffers)) out.append(static_cast<const char*>(b.data()), b.size());
      sr.consume(beast::buffer_bytes(buffers));
    });
  } while (!ec && !sr.is_done());
  return out;
}

constexpr std::size_t max_refusals = 1024;
// Room in a session's read buffer beyond the header limit: one read (Beast reads 64 KiB at a
// time) and a chunk-size line or trailer section up to the header limit.
constexpr std::size_t max_unparsed_beyond_head = 64 * 1024 + 4096;

struct shared_state {
  std::string name;
  http_limits limits;
  http_handler handler;
  refusal_hook on_refusal;  // set before start(); may be empty
  std::atomic<std::size_t> connections{0};
  std::atomic<std::size_t> refusals{0};  // busy_refusal in flight
  std::atomic<bool> stopping{false};
  std::mutex sessions_mutex;
  std::unordered_set<session*> sessions;  // to close idle ones at stop()
};

// The request line and header fields; the body is the caller's business.
// An absolute-form target ("http://host:port/path") is served as its origin-form, with its
// authority standing in for Host (RFC 9112 §3.2.2).
template <class Fields>
http_request head_of(const http::header<true, Fields>& req, const std::string& remote, bool keep_alive) {
  http_request r;
  r.method = std::string(req.method_string());
  r.target = std::string(req.target());
  std::string absolute_authority;
  if (auto split = split_request_target(r.target)) {
    r.target = std::move(split->origin_form);
    absolute_authority = std::move(split->authority);
  }
  auto q = r.target.find('?');
  r.path = r.target.substr(0, q);
  if (q != std::string::npos) r.query = r.target.substr(q + 1);
  r.headers.reserve(16);
  for (const auto& f : req) {
    std::string name(f.name_string());
    ascii_lowercase(name);
    r.headers.emplace_back(std::move(name), std::string(f.value()));
  }
  if (!absolute_authority.empty()) r.authority = std::move(absolute_authority);
  else if (auto h = r.header("host")) r.authority = std::string(*h);
  r.keep_alive = keep_alive;
  r.remote_ip = remote;
  return r;
}

// What can be read of a head Beast refused or was never given (a bare LF, obs-fold, a
// conflicting Content-Length): the request line and the field lines, so the refusal is still
// counted for its route and worded for a browser. Never used to serve anything.
http_request rough_head(std::string_view raw, const std::string& remote) {
  http_request r;
  r.remote_ip = remote;
  std::size_t at = 0;
  bool first = true;
  while (at < raw.size()) {
    auto eol = raw.find('\n', at);
    auto line = raw.substr(at, eol == std::string_view::npos ? std::string_view::npos : eol - at);
    at = eol == std::string_view::npos ? raw.size() : eol + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) {
      if (first) continue;
      break;
    }
    if (first) {
      first = false;
      auto sp1 = line.find(' ');
      auto sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
      if (sp1 == std::string_view::npos || sp2 == std::string_view::npos) break;
      r.method = std::string(line.substr(0, sp1));
      r.target = std::string(line.substr(sp1 + 1, sp2 - sp1 - 1));
      if (auto split = split_request_target(r.target)) r.target = std::move(split->origin_form);
      auto q = r.target.find('?');
      r.path = r.target.substr(0, q);
      continue;
    }
    auto colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    std::string name(line.substr(0, colon));
    ascii_lowercase(name);
    auto value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
    r.headers.emplace_back(std::move(name), std::string(value));
  }
  return r;
}

bool is_multipart(std::string_view content_type) {
  constexpr std::string_view prefix = "multipart/form-data";
  if (content_type.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(content_type[i])) != prefix[i]) return false;
  return true;
}

// RFC 9110 §10.1.1: an HTTP/1.0 client's 100-continue is ignored (it cannot read a 1xx).
bool expects_continue(const http::request_header<>& h) {
  auto e = h[http::field::expect];
  return h.version() >= 11 && e.size() == 12 && beast::iequals(e, "100-continue");
}

// Whether the connection stays open after this request, from every Connection field line
// (Beast reads the first only: "Connection: keep-alive" then "Connection: close" kept it
// open, and RFC 9112 §9.6 says a "close" anywhere ends it).
bool keeps_alive(const http::request_header<>& h) {
  bool close = false, keep = false;
  for (const auto& f : h) {
    if (f.name() != http::field::connection) continue;
    std::string_view v = f.value();
    while (!v.empty()) {
      const auto comma = std::min(v.find(','), v.size());
      std::string_view t = v.substr(0, comma);
      v.remove_prefix(std::min(comma + 1, v.size()));
      while (!t.empty() && (t.front() == ' ' || t.front() == '\t')) t.remove_prefix(1);
      while (!t.empty() && (t.back() == ' ' || t.back() == '\t')) t.remove_suffix(1);
      if (beast::iequals(t, "close")) close = true;
      if (beast::iequals(t, "keep-alive")) keep = true;
    }
  }
  if (close) return false;
  return h.version() >= 11 || keep;
}

class session : public std::enable_shared_from_this<session> {
 public:
  session(tcp::socket&& socket, std::shared_ptr<shared_state> state)
      : stream_(std::move(socket)), state_(std::move(state)) {
    // Bytes waiting to be parsed: a head, then a chunk-size line with its extensions, or a
    // trailer section, which Beast keeps until their line ends, without a limit of its own (a
    // chunk header that never ends grew the process by a gigabyte). Bounded here: past it the
    // read fails with buffer_overflow, a 400. Chunk data never waits here (the body takes it).
    buffer_.max_size(limits().header_limit + max_unparsed_beyond_head);
    beast::error_code ec;
    auto ep = stream_.socket().remote_endpoint(ec);
    if (!ec) remote_ = ep.address().to_string();
  }

  ~session() {
    discard_spool();
    state_->connections.fetch_sub(1);
    std::lock_guard lock(state_->sessions_mutex);
    state_->sessions.erase(this);
  }

  void run() {
    {
      std::lock_guard lock(state_->sessions_mutex);
      state_->sessions.insert(this);
    }
    net::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->do_read(true); });
  }

  // Called from stop(): close the connection if it is only waiting for the next request.
  void close_if_idle() {
    net::post(stream_.get_executor(), [self = shared_from_this()] {
      if (self->idle_) {
        beast::error_code ec;
        self->stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
        self->stream_.close();
      }
    });
  }

 private:
  const http_limits& limits() const { return state_->limits; }

  void do_read(bool first) {
    if (state_->stopping && !first) return close();
    string_parser_.reset();
    file_parser_.reset();
    header_parser_.emplace();
    header_parser_->header_limit(static_cast<std::uint32_t>(limits().header_limit));
    // A declared Content-Length is checked against the largest body of any kind in on_header
    // (once the whole head is known, so the refusal can be worded for its route); the body's own
    // parser narrows the limit below.
    header_parser_->body_limit(boost::none);
    body_limit_ = limits().body_limit;
    idle_ = true;
    request_head_ = http_request{};
    // Idle wait and header read share one deadline; the body gets its own once the header is in.
    stream_.expires_after(std::chrono::milliseconds(first ? limits().header_timeout_ms : limits().idle_timeout_ms));
    read_head();
  }

  // Reads until the blank line that ends the head, so the raw bytes can be checked for what
  // Beast would repair silently (bare LF, obs-fold: see check_raw_head) before Beast parses
  // them. Bytes of a pipelined next request may already sit in buffer_: they are looked at first.
  void read_head() {
    // Empty lines before a request line are ignored (RFC 9112 §2.2: some clients send a CRLF after a body).
    while (buffer_.size() >= 2 && std::string_view(static_cast<const char*>(buffer_.data().data()), 2) == "\r\n")
      buffer_.consume(2);
    const std::string_view have(static_cast<const char*>(buffer_.data().data()), buffer_.size());
    if (auto end = find_head_end(have)) {
      idle_ = false;
      if (auto bad = check_raw_head(have.substr(0, end))) {
        request_head_ = rough_head(have.substr(0, end), remote_);
        return refuse_framing(*bad);
      }
      const auto version = check_request_version(have.substr(0, end));
      if (version.refusal) {
        request_head_ = rough_head(have.substr(0, end), remote_);
        return refuse_framing(*version.refusal);
      }
      if (version.downgrade_minor_at) static_cast<char*>(buffer_.data().data())[*version.downgrade_minor_at] = '1';
      beast::error_code ec;
      const auto used = header_parser_->put(buffer_.data(), ec);
      if (!ec && !header_parser_->is_header_done()) ec = http::error::partial_message;
      if (ec) request_head_ = rough_head(have.substr(0, end), remote_);
      buffer_.consume(used);
      return on_header(ec);
    }
    if (!have.empty()) {
      idle_ = false;
      if (auto bad = check_raw_head(have)) {
        request_head_ = rough_head(have, remote_);
        return refuse_framing(*bad);
      }
      if (auto bad = check_request_line_length(have)) {
        request_head_ = rough_head(have.substr(0, std::min<std::size_t>(have.size(), 64)), remote_);
        return refuse_framing(*bad);
      }
      if (have.size() >= limits().header_limit) return on_error(http::error::header_limit);
    }
    const std::size_t room = std::min<std::size_t>(4096, limits().header_limit + 4 - have.size());
    stream_.async_read_some(buffer_.prepare(room), [self = shared_from_this()](beast::error_code ec, std::size_t n) {
      self->buffer_.commit(n);
      if (ec) {
        if (ec == net::error::eof && self->buffer_.size() > 0) ec = http::error::partial_message;
        if (ec == net::error::eof) ec = http::error::end_of_stream;
        return self->on_error(ec);
      }
      self->read_head();
    });
  }

  void refuse_framing(const framing_refusal& bad) {
    keep_alive_ = false;
    log::debug("http_bad_framing", {{"listener", state_->name}, {"status", std::to_string(bad.status)}});
    const char* title = bad.status == 414   ? "URI Too Long"
                        : bad.status == 501 ? "Not Implemented"
                        : bad.status == 413 ? "Content Too Large"
                        : bad.status == 415 ? "Unsupported Media Type"
                        : bad.status == 505 ? "HTTP Version Not Supported"
                                            : "Bad Request";
    write(http_response::problem(bad.status, title, bad.reason), true);
  }

  void on_header(beast::error_code ec) {
    idle_ = false;
    if (ec) return on_error(ec);
    const auto& h = header_parser_->get();
    {
      version_ = h.version();
      // Parsed once: checked here, handed to the handler in on_read (a chunked body's trailer
      // fields are deliberately not added: nothing may change the head after it was checked).
      request_head_ = head_of(h, remote_, keeps_alive(h));
      const request_head_view view{h.method_string(), h.target(), h.version(), &request_head_.headers};
      if (auto bad = check_request_head(view)) return refuse_framing(*bad);
    }
    head_ = h.method() == http::verb::head;
    version_ = h.version();
    keep_alive_ = keeps_alive(h);
    const bool expect_continue = expects_continue(h);
    const auto length = header_parser_->content_length();
    const std::size_t memory_limit = std::min(limits().memory_body_limit, limits().body_limit);
    if (length && *length > limits().body_limit) {
      keep_alive_ = false;
      return write(http_response::problem(413, "Content Too Large",
                                          "the body exceeds " + std::to_string(limits().body_limit) + " bytes"),
                   true);
    }
    const bool spool = !limits().spool_dir.empty() && is_multipart(h[http::field::content_type]) &&
                       (header_parser_->chunked() || (length && *length > limits().spool_threshold));
    if (!spool && length && *length > memory_limit) {
      keep_alive_ = false;
      return write(http_response::problem(413, "Content Too Large",
                                          "the body exceeds " + std::to_string(memory_limit) +
                                              " bytes (larger uploads: multipart/form-data)"),
                   true);
    }
    if (spool) {
      file_parser_.emplace(std::move(*header_parser_));
      file_parser_->body_limit(limits().body_limit);
      body_limit_ = limits().body_limit;
      unsigned char r[12];
      random_bytes(r, sizeof r);
      spool_path_ = (std::filesystem::path(limits().spool_dir) / ("upload-body-" + to_hex(r, sizeof r) + ".part")).string();
      beast::error_code fec;
      file_parser_->get().body().open(spool_path_.c_str(), beast::file_mode::write_new, fec);
      if (fec) {
        log::error("http_spool_open_failed", {{"listener", state_->name}, {"error", fec.message()}});
        spool_path_.clear();
        keep_alive_ = false;
        auto busy = http_response::problem(503, "Service Unavailable", "the upload cannot be stored right now");
        busy.headers.emplace_back("Retry-After", "5");
        return write(std::move(busy), true);
      }
    } else {
      string_parser_.emplace(std::move(*header_parser_));
      string_parser_->body_limit(memory_limit);
      body_limit_ = memory_limit;
    }
    header_parser_.reset();
    if (!expect_continue) return read_body();
    // The client waits for this before it sends the body (curl does for large uploads).
    auto cont = std::make_shared<http::response<http::empty_body>>(http::status::continue_, 11);
    stream_.expires_after(std::chrono::milliseconds(limits().write_timeout_ms));
    http::async_write(stream_, *cont, [self = shared_from_this(), cont](beast::error_code wec, std::size_t) {
      if (wec) return self->close();
      self->read_body();
    });
  }

  void read_body() {
    stream_.expires_after(std::chrono::milliseconds(limits().body_timeout_ms));
    if (file_parser_)
      http::async_read(stream_, buffer_, *file_parser_, beast::bind_front_handler(&session::on_read, shared_from_this()));
    else
      http::async_read(stream_, buffer_, *string_parser_, beast::bind_front_handler(&session::on_read, shared_from_this()));
  }

  void on_read(beast::error_code ec, std::size_t) {
    if (ec) {
      discard_spool();
      return on_error(ec);
    }
    stream_.expires_never();
    http_request request;
    if (file_parser_) {
      auto req = file_parser_->release();
      req.body().close();
      std::error_code fec;
      const auto size = std::filesystem::file_size(spool_path_, fec);
      request = std::move(request_head_);
      request.keep_alive = request.keep_alive && keeps_alive(req);
      request.spooled = std::make_shared<spooled_body>(std::move(spool_path_), fec ? 0 : size);
      spool_path_.clear();
    } else {
      auto req = string_parser_->release();
      request = std::move(request_head_);
      request.keep_alive = request.keep_alive && keeps_alive(req);
      request.body = std::move(req.body());
    }
    file_parser_.reset();
    string_parser_.reset();
    keep_alive_ = request.keep_alive;
    auto self = shared_from_this();
    http_responder respond = [self](http_response r) {
      net::post(self->stream_.get_executor(), [self, r = std::move(r)]() mutable { self->write(std::move(r)); });
    };
    try {
      state_->handler(std::move(request), std::move(respond));
    } catch (const std::exception& e) {
      log::error("http_handler_exception", {{"listener", state_->name}, {"what", e.what()}});
      write(http_response::problem(500, "Internal Server Error", "the request could not be handled"));
    }
  }

  // A spool file that never reached a handler (the body failed or the connection died).
  void discard_spool() {
    if (spool_path_.empty()) return;
    if (file_parser_) {
      beast::error_code ec;
      file_parser_->get().body().file().close(ec);
    }
    std::error_code ec;
    std::filesystem::remove(spool_path_, ec);
    spool_path_.clear();
  }

  // Some of a request arrived (a timeout is then worth a log line; an idle keep-alive is not).
  [[nodiscard]] bool mid_request() const { return header_parser_ ? buffer_.size() > 0 : true; }

  void on_error(beast::error_code ec) {
    if (ec == http::error::end_of_stream || ec == net::error::operation_aborted || ec == net::error::eof ||
        ec == net::error::connection_reset)
      return close();
    if (ec == beast::error::timeout) {
      // beast::tcp_stream closes the socket when its deadline passes, so a client that stalls
      // mid-request (a slowloris) or idles past the keep-alive time is simply disconnected.
      if (mid_request()) log::debug("http_request_timeout", {{"listener", state_->name}});
      return close();
    }
    keep_alive_ = false;
    if (ec == http::error::body_limit)
      return write(http_response::problem(413, "Content Too Large",
                                          "the body exceeds " + std::to_string(body_limit_) + " bytes"),
                   true);
    if (ec == http::error::buffer_overflow)
      return write(http_response::problem(400, "Bad Request", "a chunk-size line or the trailer section is too long"),
                   true);
    if (ec == http::error::header_limit) {
      // A request line that alone fills the header limit is a target too long (414), not a
      // header too large (431).
      const std::string_view have(static_cast<const char*>(buffer_.data().data()), buffer_.size());
      if (auto long_line = check_request_line_length(have)) return refuse_framing(*long_line);
      // What of the head has arrived names the route and Accept: a browser gets a page.
      request_head_ = rough_head(have, remote_);
      return write(http_response::problem(431, "Request Header Fields Too Large", "the header is too large"), true);
    }
    log::debug("http_bad_request", {{"listener", state_->name}, {"error", ec.message()}});
    write(http_response::problem(400, "Bad Request", "malformed HTTP request: " + ec.message()), true);
  }

  // `refusal`: the listener's own answer (no handler saw the request): the refusal hook may
  // reword it for the route (an HTML page for a browser) and count it; then the connection
  // closes, after the client has had a moment to read the answer (graceful_close).
  void write(http_response r, bool refusal = false) {
    if (refusal) {
      closing_after_refusal_ = true;
      if (state_->on_refusal) {
        try {
          state_->on_refusal(request_head_, r);
        } catch (const std::exception& e) {
          log::error("http_refusal_hook_exception", {{"listener", state_->name}, {"what", e.what()}});
        }
      }
    }
    // HTTP/1.1 also to an HTTP/1.0 request: the highest version we conform to with the
    // request's major version (RFC 9110 §2.5). Such a client reads a persistent connection only
    // from "Connection: keep-alive", which Beast leaves out of a 1.1 answer.
    http::response<http::string_body> res{static_cast<http::status>(r.status), 11u};
    res.set(http::field::server, "lapor-gateway");
    if (!r.content_type.empty()) res.set(http::field::content_type, r.content_type);
    for (auto& [k, v] : r.headers) res.set(k, v);
    res.keep_alive(keep_alive_ && !state_->stopping);
    if (version_ == 10 && res.keep_alive()) res.set(http::field::connection, "keep-alive");
    if (head_ || r.head_only) {
      res.content_length(r.body.size());
    } else {
      res.body() = std::move(r.body);
      res.prepare_payload();
    }
    const bool keep_alive = res.keep_alive();
    auto wire = std::make_shared<std::string>(wire_bytes(res));
    stream_.expires_after(std::chrono::milliseconds(state_->limits.write_timeout_ms));
    const net::const_buffer bytes = net::buffer(*wire);
    net::async_write(stream_, bytes, [self = shared_from_this(), wire, keep_alive](beast::error_code ec, std::size_t) {
      if (ec) return self->close();
      if (self->closing_after_refusal_) return self->graceful_close();
      if (!keep_alive) return self->close();
      self->buffer_.consume(0);
      self->do_read(false);
    });
  }

  void close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream_.close();
  }

  // After a refusal the client may still be sending (a body we will not read, a smuggled
  // second request): closing with unread data would reset the connection and could destroy
  // our answer in flight. So: stop sending, then read and drop for at most a second.
  void graceful_close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    buffer_.consume(buffer_.size());
    stream_.expires_after(std::chrono::seconds(1));
    drain();
  }
  void drain() {
    stream_.async_read_some(net::buffer(scratch_), [self = shared_from_this()](beast::error_code ec, std::size_t n) {
      self->drained_ += n;
      if (ec || self->drained_ > 4 * 1024 * 1024) return self->stream_.close();
      self->drain();
    });
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  // One request at a time: the header, then its body in memory or in a spool file.
  std::optional<http::request_parser<http::empty_body>> header_parser_;
  std::optional<http::request_parser<http::string_body>> string_parser_;
  std::optional<http::request_parser<http::file_body>> file_parser_;
  std::string spool_path_;
  std::size_t body_limit_ = 0;  // of the parser reading the current request (for the 413's text)
  std::shared_ptr<shared_state> state_;
  std::string remote_;
  http_request request_head_;  // the current request's head once parsed (for the refusal hook)
  bool closing_after_refusal_ = false;
  std::array<char, 4096> scratch_{};
  std::size_t drained_ = 0;
  unsigned version_ = 11;
  bool keep_alive_ = true;
  bool head_ = false;
  bool idle_ = false;
};

// Beyond max_connections: a 503 with Retry-After at once, then whatever the client sends is
// read and dropped until it closes (at most 1 s), so the answer is not lost to the TCP reset
// a close with unread data would cause.
class busy_refusal : public std::enable_shared_from_this<busy_refusal> {
 public:
  busy_refusal(tcp::socket&& socket, std::shared_ptr<shared_state> state)
      : stream_(std::move(socket)), state_(std::move(state)) {}
  ~busy_refusal() { state_->refusals.fetch_sub(1); }

  void run() {
    static constexpr std::string_view busy =
        "HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\nContent-Type: text/plain\r\nContent-Length: 45\r\n"
        "Connection: close\r\n\r\ntoo many connections; retry after one second\n";
    stream_.expires_after(std::chrono::seconds(1));
    net::async_write(stream_, net::buffer(busy), [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) return self->stream_.close();
      self->stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
      self->drain();
    });
  }

 private:
  void drain() {
    stream_.async_read_some(net::buffer(scratch_), [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) return self->stream_.close();  // EOF, timeout or reset: done
      self->drain();
    });
  }

  beast::tcp_stream stream_;
  std::shared_ptr<shared_state> state_;
  std::array<char, 2048> scratch_{};
};

}  // namespace

struct http_server::impl : std::enable_shared_from_this<http_server::impl> {
  net::io_context& io;
  tcp::acceptor acceptor;
  std::shared_ptr<shared_state> state = std::make_shared<shared_state>();

  impl(net::io_context& io_, const listen_address& where) : io(io_), acceptor(net::make_strand(io_)) {
    beast::error_code ec;
    auto addr = net::ip::make_address(where.host, ec);
    if (ec) throw std::runtime_error("cannot parse listen address " + where.to_string() + ": " + ec.message());
    tcp::endpoint ep(addr, where.port);
    acceptor.open(ep.protocol(), ec);
    if (!ec) acceptor.set_option(net::socket_base::reuse_address(true), ec);
    if (!ec) acceptor.bind(ep, ec);
    if (!ec) acceptor.listen(net::socket_base::max_listen_connections, ec);
    if (ec) throw std::runtime_error("cannot listen on " + where.to_string() + ": " + ec.message());
  }

  void do_accept() {
    acceptor.async_accept(net::make_strand(io), [self = shared_from_this()](beast::error_code ec, tcp::socket socket) {
      if (ec == net::error::operation_aborted || !self->acceptor.is_open()) return;
      if (!ec) self->on_accept(std::move(socket));
      self->do_accept();
    });
  }

  void on_accept(tcp::socket socket) {
    beast::error_code ec;
    socket.set_option(tcp::no_delay(true), ec);
    if (state->connections.fetch_add(1) >= state->limits.max_connections) {
      state->connections.fetch_sub(1);
      // Refusals are bounded too: past that, the connection is just closed.
      if (state->refusals.fetch_add(1) >= max_refusals) {
        state->refusals.fetch_sub(1);
        socket.close(ec);
        return;
      }
      std::make_shared<busy_refusal>(std::move(socket), state)->run();
      return;
    }
    std::make_shared<session>(std::move(socket), state)->run();
  }
};

http_server::http_server(net::io_context& io, std::string name, const listen_address& where, http_limits limits,
                         http_handler handler)
    : impl_(std::make_shared<impl>(io, where)) {
  impl_->state->name = std::move(name);
  impl_->state->limits = limits;
  impl_->state->handler = std::move(handler);
}

http_server::~http_server() { stop(); }

std::uint16_t http_server::port() const noexcept {
  beast::error_code ec;
  auto ep = impl_->acceptor.local_endpoint(ec);
  return ec ? 0 : ep.port();
}

void http_server::start() {
  net::dispatch(impl_->acceptor.get_executor(), [i = impl_] { i->do_accept(); });
}

void http_server::stop() {
  if (impl_->state->stopping.exchange(true)) return;
  net::post(impl_->acceptor.get_executor(), [i = impl_] {
    beast::error_code ec;
    i->acceptor.close(ec);
  });
  std::vector<std::shared_ptr<session>> idle;
  {
    std::lock_guard lock(impl_->state->sessions_mutex);
    for (auto* s : impl_->state->sessions) {
      // weak lookup: a session being destroyed is skipped
      if (auto sp = std::static_pointer_cast<session>(s->weak_from_this().lock())) idle.push_back(std::move(sp));
    }
  }
  for (auto& s : idle) s->close_if_idle();
}

void http_server::on_refusal(refusal_hook hook) { impl_->state->on_refusal = std::move(hook); }

std::size_t http_server::open_connections() const noexcept { return impl_->state->connections.load(); }

}  // namespace lapor::gateway
