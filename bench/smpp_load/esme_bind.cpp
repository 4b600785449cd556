#include "bench/smpp_load/esme_bind.h"

#include <boost/asio/write.hpp>

#include <utility>

#include "bench/smpp_load/complaint_texts.h"
#include "channels/sms/smpp_status.h"
#include "channels/sms/text_decoding.h"

namespace lapor::bench {

namespace net = boost::asio;
using tcp = net::ip::tcp;

esme_bind::esme_bind(net::io_context& io, const load_options& options, load_plan& plan,
                     std::function<void()> on_closed)
    : opt_(options), plan_(plan), on_closed_(std::move(on_closed)), socket_(io), timer_(io), pause_(io), read_buf_(64 * 1024) {
  stats_.latencies_us.reserve(1 << 16);
  in_flight_.reserve(static_cast<std::size_t>(options.window) * 2);
}

std::uint32_t esme_bind::next_sequence() noexcept {
  sequence_ = sequence_ >= 0x7FFFFFFFu ? 1 : sequence_ + 1;
  return sequence_;
}

void esme_bind::deadline(std::chrono::milliseconds after, void (esme_bind::*then)()) {
  timer_.expires_after(after);
  timer_.async_wait([self = shared_from_this(), then](const boost::system::error_code& ec) {
    if (!ec) ((*self).*then)();
  });
}

void esme_bind::start() {
  boost::system::error_code ec;
  auto address = net::ip::make_address(opt_.host, ec);
  if (ec) {
    close("bad host address " + opt_.host + " (give an IP address)");
    return;
  }
  deadline(opt_.connect_timeout, &esme_bind::on_connect_timeout);
  socket_.async_connect(tcp::endpoint(address, opt_.port),
                        [self = shared_from_this()](const boost::system::error_code& e) { self->on_connect(e); });
}

void esme_bind::on_connect_timeout() {
  close(phase_ == phase::connecting ? "connect timed out" : "no bind_transceiver_resp in time");
}

void esme_bind::on_connect(const boost::system::error_code& ec) {
  if (phase_ == phase::closed) return;
  if (ec) {
    close("connect failed: " + ec.message());
    return;
  }
  socket_.set_option(tcp::no_delay(true));
  phase_ = phase::binding;
  sms::bind_body b;
  b.system_id = opt_.system_id;
  b.password = opt_.password;
  b.system_type = opt_.system_type;
  bind_sequence_ = next_sequence();
  queue(sms::make_bind(sms::bind_kind::transceiver, bind_sequence_, std::move(b)));
  flush();
  deadline(opt_.connect_timeout, &esme_bind::on_connect_timeout);
  do_read();
}

void esme_bind::do_read() {
  socket_.async_read_some(net::buffer(read_buf_),
                          [self = shared_from_this()](const boost::system::error_code& ec, std::size_t n) {
                            self->on_read(ec, n);
                          });
}

void esme_bind::on_read(const boost::system::error_code& ec, std::size_t n) {
  if (phase_ == phase::closed) return;
  if (ec) {
    if (phase_ == phase::unbinding) close();
    else close("connection lost: " + ec.message());
    return;
  }
  sms::bytes_view in(read_buf_.data(), n);
  while (!in.empty() && phase_ != phase::closed) {
    auto step = decoder_.feed(in);
    in = in.subspan(step.consumed);
    if (step.result == sms::frame_decoder::progress::frame_ready) {
      auto p = sms::decode_pdu(decoder_.frame());
      if (p) {
        on_pdu(*p);
      } else {
        ++stats_.undecodable;
        queue(sms::make_error_reply(p.error()));
        if (p.error().fatal) close_after_write_ = true;
      }
    } else if (step.result == sms::frame_decoder::progress::bad_length) {
      ++stats_.undecodable;
      queue(sms::make_error_reply(*decoder_.error()));
      close_after_write_ = true;
      stats_.failure = "the server sent a PDU with a bad command_length";
      break;
    }
  }
  fill_window();
  flush();
  if (phase_ != phase::closed && !close_after_write_) do_read();
}

void esme_bind::on_pdu(const sms::pdu& p) {
  using sms::command_id;
  switch (p.id) {
    case command_id::submit_sm_resp:
      on_submit_resp(p);
      break;
    case command_id::generic_nack:
      if (in_flight_.count(p.sequence)) {
        ++stats_.nacked;
        on_submit_resp(p);
      } else {
        ++stats_.other_pdus;
      }
      break;
    case command_id::deliver_sm: {
      ++stats_.deliver_sm;
      queue(sms::make_message_resp(command_id::deliver_sm, p.sequence, sms::status::esme_rok, {}));
      if (stats_.sample_reply.empty()) {
        if (const auto* sm = p.get<sms::sm_body>()) {
          sms::bytes_view text = sm->short_message;
          if (text.empty())
            if (auto payload = sm->tlvs.message_payload()) text = *payload;
          if (auto t = sms::decode_text(text, sm->data_coding, {}, sms::decode_mode::lossy)) stats_.sample_reply = *t;
        }
      }
      if (phase_ == phase::awaiting_replies && stats_.deliver_sm >= stats_.accepted) unbind();
      break;
    }
    case command_id::data_sm:
      ++stats_.other_pdus;
      queue(sms::make_message_resp(command_id::data_sm, p.sequence, sms::status::esme_rok, "0"));
      break;
    case command_id::enquire_link:
      ++stats_.enquire_link;
      queue(sms::make_header_only(command_id::enquire_link_resp, p.sequence));
      break;
    case command_id::enquire_link_resp:
      break;
    case command_id::unbind:
      queue(sms::make_header_only(command_id::unbind_resp, p.sequence));
      if (phase_ == phase::sending || phase_ == phase::draining) stats_.failure = "unbound by the server";
      close_after_write_ = true;
      break;
    case command_id::unbind_resp:
      if (phase_ == phase::unbinding && p.sequence == unbind_sequence_) close();
      else ++stats_.other_pdus;
      break;
    case command_id::bind_transceiver_resp:
      if (phase_ != phase::binding || p.sequence != bind_sequence_) {
        ++stats_.other_pdus;
        break;
      }
      if (p.status != sms::status::esme_rok) {
        auto name = sms::status::name(p.status);
        close("bind refused: " + (name.empty() ? std::to_string(p.status) : std::string(name)));
        break;
      }
      stats_.bound = true;
      phase_ = phase::sending;
      timer_.cancel();
      if (opt_.seconds > 0) {
        send_until_ = steady::now() + std::chrono::duration_cast<steady::duration>(
                                          std::chrono::duration<double>(opt_.seconds));
        timer_.expires_at(send_until_);
        timer_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
          if (!ec) self->stop_sending();
        });
      }
      break;
    default:
      ++stats_.other_pdus;
      if (!sms::is_response(p.id)) queue(sms::make_generic_nack(p.sequence, sms::status::esme_rinvcmdid));
      break;
  }
}

void esme_bind::on_submit_resp(const sms::pdu& p) {
  auto it = in_flight_.find(p.sequence);
  if (it == in_flight_.end()) {
    ++stats_.unmatched_resps;
    return;
  }
  const auto now = steady::now();
  stats_.last_resp = now;
  stats_.latencies_us.push_back(static_cast<std::uint32_t>(
      std::chrono::duration_cast<std::chrono::microseconds>(now - it->second).count()));
  in_flight_.erase(it);
  if (p.id == sms::command_id::generic_nack) {
    // counted in nacked
  } else if (p.status == sms::status::esme_rok) {
    ++stats_.accepted;
  } else if (p.status == sms::status::esme_rthrottled) {
    ++stats_.throttled;
    if (opt_.throttle_pause.count() > 0 && !paused_ && phase_ == phase::sending) {
      paused_ = true;
      pause_.expires_after(opt_.throttle_pause);
      pause_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
        self->paused_ = false;
        if (ec) return;
        self->fill_window();
        self->flush();
      });
    }
  } else {
    ++stats_.rejected;
    ++stats_.reject_statuses[p.status];
  }
  if (phase_ == phase::draining && in_flight_.empty()) after_drain();
}

void esme_bind::fill_window() {
  if (phase_ != phase::sending || paused_) return;
  const auto window = static_cast<std::size_t>(opt_.window);
  if (in_flight_.size() >= window) return;
  auto now = steady::now();
  if (opt_.seconds > 0 && now >= send_until_) {
    stop_sending();
    return;
  }
  while (in_flight_.size() < window) {
    std::uint64_t index = 0;
    if (!plan_.take(index)) {
      stop_sending();
      return;
    }
    sms::sm_body body;
    body.source_addr_ton = 1;  // international
    body.source_addr_npi = 1;  // E.164
    body.source_addr = source_number(opt_.number_base, index);
    body.dest_addr_ton = 3;  // network specific: a short code
    body.dest_addr_npi = 0;
    body.destination_addr = opt_.short_code;
    body.data_coding = 0;
    body.short_message = complaint_septets(index, opt_.texts);
    const auto seq = next_sequence();
    queue(sms::make_submit_sm(seq, std::move(body)));
    in_flight_.emplace(seq, now);
    if (stats_.submitted++ == 0) stats_.first_submit = now;
  }
}

void esme_bind::queue(const sms::pdu& p) {
  if (auto err = sms::append_pdu(p, out_)) {
    close("cannot encode " + std::string(sms::to_string(p.id)) + ": " + std::string(err->reason));
  }
}

void esme_bind::flush() {
  if (write_in_flight_ || phase_ == phase::closed) return;
  if (out_.empty()) {
    if (close_after_write_) close(stats_.failure);
    return;
  }
  std::swap(out_, writing_);
  out_.clear();
  write_in_flight_ = true;
  net::async_write(socket_, net::buffer(writing_),
                   [self = shared_from_this()](const boost::system::error_code& ec, std::size_t) {
                     self->write_in_flight_ = false;
                     self->writing_.clear();
                     if (self->phase_ == phase::closed) return;
                     if (ec) {
                       self->close("write failed: " + ec.message());
                       return;
                     }
                     self->flush();
                   });
}

void esme_bind::stop_sending() {
  if (phase_ != phase::sending) return;
  phase_ = phase::draining;
  pause_.cancel();
  if (in_flight_.empty()) {
    after_drain();
    return;
  }
  deadline(opt_.drain, &esme_bind::on_drain_timeout);
}

void esme_bind::on_drain_timeout() {
  if (phase_ != phase::draining) return;
  stats_.unanswered += in_flight_.size();
  in_flight_.clear();
  after_drain();
}

void esme_bind::after_drain() {
  phase_ = phase::awaiting_replies;
  if (stats_.deliver_sm >= stats_.accepted || opt_.reply_wait.count() == 0) {
    unbind();
    return;
  }
  deadline(opt_.reply_wait, &esme_bind::unbind);
}

void esme_bind::unbind() {
  if (phase_ == phase::unbinding || phase_ == phase::closed) return;
  phase_ = phase::unbinding;
  unbind_sequence_ = next_sequence();
  queue(sms::make_header_only(sms::command_id::unbind, unbind_sequence_));
  flush();
  deadline(std::chrono::milliseconds(3000), &esme_bind::on_unbind_timeout);
}

void esme_bind::on_unbind_timeout() { close("no unbind_resp in time"); }

void esme_bind::close(std::string failure) {
  if (phase_ == phase::closed) return;
  phase_ = phase::closed;
  if (!failure.empty() && stats_.failure.empty()) stats_.failure = std::move(failure);
  stats_.unanswered += in_flight_.size();
  in_flight_.clear();
  timer_.cancel();
  pause_.cancel();
  boost::system::error_code ignored;
  socket_.shutdown(tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);
  if (on_closed_) std::exchange(on_closed_, nullptr)();
}

}  // namespace lapor::bench
