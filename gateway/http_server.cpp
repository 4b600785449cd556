// The Beast listener and session. Modelled on Beast's advanced server example: one class per
// role, a strand per connection, the session alive as long as a handler holds it.
#include "gateway/http_server.h"

#include <atomic>
#include <mutex>
#include <unordered_set>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "gateway/log.h"

namespace lapor::gateway {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

class session;

struct shared_state {
  std::string name;
  http_limits limits;
  http_handler handler;
  std::atomic<std::size_t> connections{0};
  std::atomic<bool> stopping{false};
  std::mutex sessions_mutex;
  std::unordered_set<session*> sessions;  // to close idle ones at stop()
};

http_request to_request(http::request<http::string_body>&& req, const std::string& remote) {
  http_request r;
  r.method = std::string(req.method_string());
  r.target = std::string(req.target());
  auto q = r.target.find('?');
  r.path = r.target.substr(0, q);
  if (q != std::string::npos) r.query = r.target.substr(q + 1);
  r.headers.reserve(16);
  for (const auto& f : req) {
    std::string name(f.name_string());
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    r.headers.emplace_back(std::move(name), std::string(f.value()));
  }
  r.keep_alive = req.keep_alive();
  r.body = std::move(req.body());
  r.remote_ip = remote;
  return r;
}

class session : public std::enable_shared_from_this<session> {
 public:
  session(tcp::socket&& socket, std::shared_ptr<shared_state> state)
      : stream_(std::move(socket)), state_(std::move(state)) {
    beast::error_code ec;
    auto ep = stream_.socket().remote_endpoint(ec);
    if (!ec) remote_ = ep.address().to_string();
  }

  ~session() {
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
  void do_read(bool first) {
    if (state_->stopping && !first) return close();
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(state_->limits.header_limit));
    parser_->body_limit(state_->limits.body_limit);
    idle_ = true;
    // Idle wait and header read share one deadline; the body gets its own once the header is in.
    stream_.expires_after(std::chrono::milliseconds(first ? state_->limits.header_timeout_ms
                                                          : state_->limits.idle_timeout_ms));
    http::async_read_header(stream_, buffer_, *parser_,
                            beast::bind_front_handler(&session::on_header, shared_from_this()));
  }

  void on_header(beast::error_code ec, std::size_t) {
    idle_ = false;
    if (ec) return on_error(ec);
    stream_.expires_after(std::chrono::milliseconds(state_->limits.body_timeout_ms));
    http::async_read(stream_, buffer_, *parser_, beast::bind_front_handler(&session::on_read, shared_from_this()));
  }

  void on_read(beast::error_code ec, std::size_t) {
    if (ec) return on_error(ec);
    stream_.expires_never();
    auto req = parser_->release();
    head_ = req.method() == http::verb::head;
    version_ = req.version();
    auto request = to_request(std::move(req), remote_);
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

  void on_error(beast::error_code ec) {
    if (ec == http::error::end_of_stream || ec == net::error::operation_aborted || ec == net::error::eof ||
        ec == net::error::connection_reset)
      return close();
    if (ec == beast::error::timeout) {
      // A client that stalls mid-request gets 408; an idle keep-alive is simply closed.
      if (parser_ && parser_->got_some()) {
        keep_alive_ = false;
        return write(http_response::problem(408, "Request Timeout", "the request was not received in time"));
      }
      return close();
    }
    keep_alive_ = false;
    if (ec == http::error::body_limit)
      return write(http_response::problem(413, "Content Too Large",
                                          "the body exceeds " + std::to_string(state_->limits.body_limit) + " bytes"));
    if (ec == http::error::header_limit)
      return write(http_response::problem(431, "Request Header Fields Too Large", "the header is too large"));
    log::debug("http_bad_request", {{"listener", state_->name}, {"error", ec.message()}});
    write(http_response::problem(400, "Bad Request", "malformed HTTP request: " + ec.message()));
  }

  void write(http_response r) {
    auto res = std::make_shared<http::response<http::string_body>>(static_cast<http::status>(r.status), version_ ? version_ : 11);
    res->set(http::field::server, "lapor-gateway");
    res->set(http::field::content_type, r.content_type);
    for (auto& [k, v] : r.headers) res->set(k, v);
    res->keep_alive(keep_alive_ && !state_->stopping);
    if (head_ || r.head_only) {
      res->content_length(r.body.size());
    } else {
      res->body() = std::move(r.body);
      res->prepare_payload();
    }
    stream_.expires_after(std::chrono::milliseconds(state_->limits.write_timeout_ms));
    http::async_write(stream_, *res, [self = shared_from_this(), res](beast::error_code ec, std::size_t) {
      if (ec) return self->close();
      if (!res->keep_alive()) return self->close();
      self->buffer_.consume(0);
      self->do_read(false);
    });
  }

  void close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream_.close();
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::shared_ptr<shared_state> state_;
  std::string remote_;
  unsigned version_ = 11;
  bool keep_alive_ = true;
  bool head_ = false;
  bool idle_ = false;
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
      static const char busy[] =
          "HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
      socket.write_some(net::buffer(busy, sizeof busy - 1), ec);
      socket.close(ec);
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

std::size_t http_server::open_connections() const noexcept { return impl_->state->connections.load(); }

}  // namespace lapor::gateway
