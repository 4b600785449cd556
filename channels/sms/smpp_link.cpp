#include "channels/sms/smpp_link.h"

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>

#include "gateway/log.h"

namespace lapor::sms {

namespace log = gateway::log;
namespace net = boost::asio;
using namespace std::chrono_literals;

namespace {
constexpr auto tick_period = 250ms;

template <class... F>
struct overloaded : F... {
  using F::operator()...;
};
template <class... F>
overloaded(F...) -> overloaded<F...>;
}  // namespace

smpp_link::smpp_link(tcp::socket socket, session_options fsm_options, link_timing timing, link_events& events,
                     std::uint64_t id)
    : socket_(std::move(socket)),
      strand_(net::make_strand(socket_.get_executor())),
      tick_(strand_),
      fsm_(std::move(fsm_options)),
      timing_(timing),
      events_(events),
      id_(id),
      client_(fsm_.is_client()),
      decoder_(timing.max_pdu_length) {
  decode_options_.max_pdu_length = timing.max_pdu_length;
  boost::system::error_code ec;
  auto ep = socket_.remote_endpoint(ec);
  if (!ec) peer_ = ep.address().to_string() + ":" + std::to_string(ep.port());
  socket_.set_option(tcp::no_delay(true), ec);
  connected_at_ = last_read_ = std::chrono::steady_clock::now();
}

void smpp_link::start() {
  net::post(strand_, [self = shared_from_this()] {
    self->apply(self->fsm_.start_bind());
    self->do_read();
    self->arm_tick();
  });
}

void smpp_link::answer(std::uint64_t token, core_answer a) {
  net::post(strand_, [self = shared_from_this(), token, a = std::move(a)] {
    self->answering_core_ = true;
    self->apply(self->fsm_.on_core_answer(token, a));
    self->answering_core_ = false;
  });
}

void smpp_link::push(pdu request, std::uint64_t token) {
  net::post(strand_, [self = shared_from_this(), request = std::move(request), token]() mutable {
    auto r = self->fsm_.push(std::move(request), token);
    if (!r) {
      self->events_.on_push_refused(self, token, r.error().retry_later);
      return;
    }
    self->apply(std::move(*r));
  });
}

void smpp_link::unbind() {
  net::post(strand_, [self = shared_from_this()] {
    if (self->fsm_.state() == session_state::unbinding) return;
    self->apply(self->fsm_.request_unbind());
    if (self->fsm_.state() == session_state::unbinding)
      self->unbind_deadline_ = std::chrono::steady_clock::now() + self->timing_.unbind_timeout;
  });
}

void smpp_link::close() {
  net::post(strand_, [self = shared_from_this()] { self->apply(self->fsm_.on_transport_closed()); });
}

void smpp_link::do_read() {
  if (read_in_flight_ || finished_ || close_after_flush_) return;
  if (pending_.size() + writing_.size() > timing_.max_write_backlog) return;  // resumed by on_written
  read_in_flight_ = true;
  socket_.async_read_some(net::buffer(read_buffer_),
                          net::bind_executor(strand_, [self = shared_from_this()](boost::system::error_code ec,
                                                                                  std::size_t n) {
                            self->on_read(ec, n);
                          }));
}

void smpp_link::on_read(boost::system::error_code ec, std::size_t n) {
  read_in_flight_ = false;
  if (finished_) return;
  if (ec) {
    if (ec != net::error::eof && ec != net::error::operation_aborted && ec != net::error::connection_reset)
      log::debug("smpp_read_failed", {{"link", id_}, {"error", ec.message()}});
    apply(fsm_.on_transport_closed());
    return;
  }
  handle_frames(n);
  do_read();
}

void smpp_link::handle_frames(std::size_t n) {
  bytes_view in(read_buffer_.data(), n);
  while (!in.empty() && fsm_.state() != session_state::closed) {
    const auto step = decoder_.feed(in);
    in = in.subspan(step.consumed);
    if (step.result == frame_decoder::progress::need_more) break;
    last_read_ = std::chrono::steady_clock::now();
    if (step.result == frame_decoder::progress::bad_length) {
      apply(fsm_.on_decode_error(*decoder_.error()));
      break;
    }
    auto decoded = decode_pdu(decoder_.frame(), decode_options_);
    if (!decoded) {
      apply(fsm_.on_decode_error(decoded.error()));
      continue;
    }
    if (is_response(decoded->id)) response_deadlines_.erase(decoded->sequence);
    apply(fsm_.on_pdu(*decoded));
  }
  flush();
}

void smpp_link::apply(session_actions actions) {
  const auto self = shared_from_this();
  bool wrote = false;
  for (auto& action : actions) {
    std::visit(overloaded{
                   [&](send_pdu& s) {
                     if (close_after_flush_ || finished_) return;
                     if (auto err = append_pdu(s.message, pending_)) {
                       // Our own PDUs are built from checked fields; this is a bug worth a log line.
                       log::error("smpp_encode_failed", {{"link", id_}, {"reason", err->reason}});
                       return;
                     }
                     wrote = true;
                     if (!is_response(s.message.id) && s.message.id != command_id::unbind)
                       response_deadlines_[s.message.sequence] =
                           std::chrono::steady_clock::now() + timing_.response_timeout;
                     if (is_response(s.message.id) && s.message.status != status::esme_rok && !answering_core_)
                       events_.on_refused(self, s.message.id, s.message.status);
                   },
                   [&](submit_to_core& m) { events_.on_message(self, std::move(m)); },
                   [&](receipt_received& r) { events_.on_receipt(self, r); },
                   [&](session_bound& b) {
                     log::info("smpp_bound", {{"link", id_},
                                              {"role", client_ ? "client" : "server"},
                                              {"bind", to_string(b.kind)},
                                              {"system_id", b.system_id},
                                              {"operator", b.operator_name},
                                              {"peer", peer_}});
                     events_.on_bound(self, b);
                   },
                   [&](request_finished& f) { events_.on_request_finished(self, f); },
                   [&](close_session& c) {
                     close_after_flush_ = true;
                     close_reason_ = c.reason;
                   },
                   [&](session_note& n) {
                     log::debug("smpp_note", {{"link", id_}, {"what", n.what}, {"sequence", n.sequence}});
                   },
               },
               action);
  }
  if (wrote || close_after_flush_) flush();
}

void smpp_link::flush() {
  if (finished_ || write_in_flight_) return;
  if (pending_.empty()) {
    if (close_after_flush_) finish(close_reason_);
    return;
  }
  writing_.swap(pending_);
  pending_.clear();
  write_in_flight_ = true;
  net::async_write(socket_, net::buffer(writing_),
                   net::bind_executor(strand_, [self = shared_from_this()](boost::system::error_code ec, std::size_t n) {
                     self->on_written(ec, n);
                   }));
}

void smpp_link::on_written(boost::system::error_code ec, std::size_t) {
  write_in_flight_ = false;
  writing_.clear();
  if (finished_) return;
  if (ec) {
    apply(fsm_.on_transport_closed());
    pending_.clear();
    finish("write failed");
    return;
  }
  flush();
  do_read();
}

void smpp_link::arm_tick() {
  if (finished_) return;
  tick_.expires_after(tick_period);
  tick_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
    if (!ec) self->on_tick();
  });
}

void smpp_link::on_tick() {
  if (finished_) return;
  const auto now = std::chrono::steady_clock::now();
  session_actions actions;
  auto take = [&](session_actions more) {
    for (auto& a : more) actions.push_back(std::move(a));
  };
  if (fsm_.state() == session_state::open && now - connected_at_ >= timing_.bind_timeout) take(fsm_.on_bind_timeout());
  if (now - last_read_ >= timing_.idle_timeout) {
    log::info("smpp_idle_timeout", {{"link", id_}, {"peer", peer_}});
    take(fsm_.on_transport_closed());
  } else if (fsm_.bound() && now - last_read_ >= timing_.enquire_link_interval && now - last_enquire_ >= timing_.enquire_link_interval) {
    last_enquire_ = now;
    take(fsm_.on_idle_timeout());
  }
  for (auto it = response_deadlines_.begin(); it != response_deadlines_.end();) {
    if (it->second <= now) {
      take(fsm_.on_response_timeout(it->first));
      it = response_deadlines_.erase(it);
    } else {
      ++it;
    }
  }
  // The peer's unbind waits for answers still with the core: bounded like our own unbind.
  if (fsm_.state() == session_state::unbinding && unbind_deadline_ == time_point::max())
    unbind_deadline_ = now + timing_.unbind_timeout;
  if (fsm_.state() == session_state::unbinding && now >= unbind_deadline_) take(fsm_.on_unbind_timeout());
  if (!actions.empty()) apply(std::move(actions));
  arm_tick();
}

void smpp_link::finish(std::string_view reason) {
  if (finished_) return;
  finished_ = true;
  closed_.store(true, std::memory_order_release);
  boost::system::error_code ec;
  socket_.shutdown(tcp::socket::shutdown_both, ec);
  socket_.close(ec);
  tick_.cancel();
  log::info("smpp_closed", {{"link", id_}, {"role", client_ ? "client" : "server"}, {"reason", reason}, {"peer", peer_}});
  events_.on_closed(shared_from_this(), reason);
}

}  // namespace lapor::sms
