// mo_smsc: an SMPP 3.4 load SMSC that pushes mobile-originated SMS (deliver_sm) to the ESMEs
// that bind to it, for comparing SMPP gateways in client mode (lapor-gateway's smpp.clients
// against Kannel's bearerbox + smsbox) on the same work.
//
//   mo_smsc [--port 0] [--port-file F] [--binds 2] [--window 50] [--seconds 10]
//           [--system-id bench] [--password bench] [--short-code 1708] [--go-file F]
//           [--bind-wait-ms 60000] [--drain-ms 10000] [--reply-wait-ms 5000]
//           [--number-base N] [--texts templates|varied] [--label NAME]
//
// Listens on 127.0.0.1 (--port 0: an ephemeral port, written with a newline to --port-file
// once listening) and accepts bind_receiver / bind_transceiver (and bind_transmitter, which
// gets no MO) with the one system_id/password. When `binds` MO-capable binds are up (and,
// with --go-file, once that file exists: a runner creates it when the ESME's back end is
// ready), every bind pushes deliver_sm at full speed for `seconds`, keeping `window`
// outstanding: a new one as soon as a deliver_sm_resp comes back. Every MO is GSM 03.38
// unpacked text (data_coding 0, one SMS) from its own Indonesian mobile number (TON 1,
// NPI 1) to the short code, with its own complaint text (bench/smpp_load/complaint_texts).
//
// deliver_sm_resp is matched by sequence number and counted: status 0, ESME_RTHROTTLED (the
// bind then pauses 5 ms), other statuses, generic_nack. The ESME's own submit_sm (its reply
// SMS) gets submit_sm_resp with status 0 and is counted; enquire_link is answered. After
// sending stops each bind waits for its outstanding deliver_sm_resp (--drain-ms), then until
// the ESME sent as many replies as MO were accepted over all binds (--reply-wait-ms; 0 to
// skip), then unbinds; the listener closes when sending stops, so ESMEs that reconnect find
// nobody. Every wait is bounded; the whole run is bounded by the sum of them plus 30 s.
//
// Prints MO/s (deliver_sm answered with status 0 per second, from the first deliver_sm to
// the last response, over all binds), p50/p99/max of deliver_sm -> deliver_sm_resp (from
// handing the PDU to the socket to reading its response), replies received, and a RESULT
// line for scripts. Exit status: 0 when `binds` binds bound, MO were accepted and none went
// unanswered; 1 otherwise; 2 on bad arguments.
//
// The codec is channels/sms (frame_decoder, decode_pdu, append_pdu); single-threaded, on one
// io_context.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <sys/resource.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>

#include "bench/smpp_load/complaint_texts.h"
#include "channels/sms/frame_decoder.h"
#include "channels/sms/pdu.h"
#include "channels/sms/smpp_status.h"
#include "channels/sms/text_decoding.h"

namespace net = boost::asio;
namespace sms = lapor::sms;
namespace b = lapor::bench;
using tcp = net::ip::tcp;
using steady = std::chrono::steady_clock;
using ms = std::chrono::milliseconds;

namespace {

struct options {
  std::uint16_t port = 0;
  std::string port_file, go_file, label = "mo_smsc";
  int binds = 2;
  int window = 50;
  double seconds = 10;
  std::string system_id = "bench", password = "bench", short_code = "1708";
  ms bind_wait{60000}, drain{10000}, reply_wait{5000};
  ms throttle_pause{5}, unbind_wait{5000};
  std::uint64_t number_base = 0;
  b::text_style texts = b::text_style::templates;
};

// What one bind saw; summed over binds for the report.
struct bind_stats {
  std::string kind;  // "receiver", "transceiver", "transmitter"
  bool bound = false, unbound_cleanly = false;
  std::uint64_t sent = 0, accepted = 0, throttled = 0, rejected = 0, nacked = 0, unanswered = 0;
  std::uint64_t replies = 0, enquire_links = 0, undecodable = 0, unmatched = 0;
  std::map<std::uint32_t, std::uint64_t> statuses;  // deliver_sm_resp status -> count (not 0)
  std::vector<std::uint32_t> latencies_us;
  steady::time_point first_send{steady::time_point::max()}, last_resp{}, last_reply{};
  std::string sample_reply;
};

class server;

// One accepted connection: answers the bind, then (when the server says go) pushes MO.
class session : public std::enable_shared_from_this<session> {
 public:
  session(tcp::socket socket, const options& o, server& srv)
      : socket_(std::move(socket)), opt_(o), srv_(srv), timer_(socket_.get_executor()),
        pause_(socket_.get_executor()), buf_(64 * 1024) {
    stats_.latencies_us.reserve(1 << 18);
  }

  void start() { do_read(); }
  void go(steady::time_point until);           // start pushing until `until`
  void replies_complete();                     // the server has every reply it waited for
  void close();
  [[nodiscard]] bool mo_capable() const noexcept { return stats_.bound && stats_.kind != "transmitter"; }
  [[nodiscard]] bool closed() const noexcept { return phase_ == phase::closed; }
  [[nodiscard]] bool awaiting_replies() const noexcept { return phase_ == phase::awaiting_replies; }
  [[nodiscard]] const bind_stats& stats() const noexcept { return stats_; }

 private:
  enum class phase { binding, bound, pushing, draining, awaiting_replies, unbinding, closed };

  void do_read();
  void on_pdu(const sms::pdu& p);
  void on_deliver_resp(const sms::pdu& p);
  void fill();
  void stop_pushing();
  void after_drain();
  void unbind();
  void send(const sms::pdu& p) { (void)sms::append_pdu(p, out_); }
  void flush();
  [[nodiscard]] std::uint32_t next_sequence() noexcept {
    sequence_ = sequence_ >= 0x7FFFFFFFu ? 1 : sequence_ + 1;
    return sequence_;
  }

  tcp::socket socket_;
  const options& opt_;
  server& srv_;
  net::steady_timer timer_, pause_;
  std::vector<std::uint8_t> buf_;
  sms::frame_decoder decoder_;
  sms::bytes out_, writing_;
  bool writing_now_ = false, paused_ = false, close_after_write_ = false;
  phase phase_ = phase::binding;
  std::uint32_t sequence_ = 0, unbind_sequence_ = 0, message_ids_ = 0;
  steady::time_point until_{};
  std::unordered_map<std::uint32_t, steady::time_point> in_flight_;
  bind_stats stats_;
};

class server {
 public:
  server(net::io_context& io, const options& o)
      : io_(io), opt_(o), acceptor_(io, tcp::endpoint(net::ip::make_address("127.0.0.1"), o.port)),
        poll_(io), deadline_(io), port_(acceptor_.local_endpoint().port()) {}

  [[nodiscard]] std::uint16_t port() const noexcept { return port_; }

  void start() {
    do_accept();
    // No bind (or no go-file) within bind_wait: give up.
    deadline_.expires_after(opt_.bind_wait);
    deadline_.async_wait([this](const boost::system::error_code& ec) {
      if (ec || started_) return;
      std::fprintf(stderr, "%s: only %d of %d binds up (go-file %s) after %lld ms; giving up\n", opt_.label.c_str(),
                   mo_binds(), opt_.binds, go_ready() ? "present" : "absent",
                   static_cast<long long>(opt_.bind_wait.count()));
      shutdown();
    });
  }

  void on_bound() { maybe_go(); }

  [[nodiscard]] std::uint64_t next_index() noexcept { return next_index_++; }

  // Called on every reply and when a bind reaches the reply phase: once the ESME sent as
  // many replies as MO were accepted (over all binds), every bind waiting for them unbinds.
  void check_replies() {
    std::uint64_t accepted = 0, replies = 0;
    for (auto& s : sessions_) {
      accepted += s->stats().accepted;
      replies += s->stats().replies;
    }
    if (replies < accepted) return;
    for (auto& s : sessions_)
      if (s->awaiting_replies()) s->replies_complete();
  }

  // Sending is over: no new connections (ESMEs that reconnect after our unbind find nobody).
  void stop_accepting() {
    boost::system::error_code ignored;
    acceptor_.close(ignored);
  }

  void on_session_closed() {
    if (!started_) return;
    for (auto& s : sessions_)
      if (s->mo_capable() && !s->closed()) return;
    shutdown();
  }

  void shutdown() {
    if (stopping_) return;
    stopping_ = true;
    stop_accepting();
    poll_.cancel();
    deadline_.cancel();
    for (auto& s : sessions_) s->close();
    io_.stop();
  }

  [[nodiscard]] const std::vector<std::shared_ptr<session>>& sessions() const noexcept { return sessions_; }
  [[nodiscard]] bool started() const noexcept { return started_; }

 private:
  [[nodiscard]] int mo_binds() const {
    return static_cast<int>(std::count_if(sessions_.begin(), sessions_.end(), [](const auto& s) {
      return s->mo_capable() && !s->closed();
    }));
  }
  [[nodiscard]] bool go_ready() const {
    std::error_code ec;
    return opt_.go_file.empty() || std::filesystem::exists(opt_.go_file, ec);
  }

  void maybe_go() {
    if (started_ || mo_binds() < opt_.binds) return;
    if (!go_ready()) {
      poll_.expires_after(ms(50));
      poll_.async_wait([this](const boost::system::error_code& ec) {
        if (!ec) maybe_go();
      });
      return;
    }
    started_ = true;
    deadline_.cancel();
    const auto until =
        steady::now() + std::chrono::duration_cast<steady::duration>(std::chrono::duration<double>(opt_.seconds));
    for (auto& s : sessions_)
      if (s->mo_capable() && !s->closed()) s->go(until);
  }

  void do_accept() {
    acceptor_.async_accept([this](const boost::system::error_code& ec, tcp::socket socket) {
      if (ec) return;  // closed
      socket.set_option(tcp::no_delay(true));
      auto s = std::make_shared<session>(std::move(socket), opt_, *this);
      sessions_.push_back(s);
      s->start();
      do_accept();
    });
  }

  net::io_context& io_;
  const options& opt_;
  tcp::acceptor acceptor_;
  net::steady_timer poll_, deadline_;
  std::uint16_t port_;
  std::vector<std::shared_ptr<session>> sessions_;
  std::uint64_t next_index_ = 0;
  bool started_ = false, stopping_ = false;
};

void session::do_read() {
  socket_.async_read_some(net::buffer(buf_), [self = shared_from_this()](const boost::system::error_code& ec,
                                                                        std::size_t n) {
    if (self->phase_ == phase::closed) return;
    if (ec) {  // the ESME went away (after our unbind, that is the normal end)
      self->close();
      return;
    }
    sms::bytes_view in(self->buf_.data(), n);
    while (!in.empty() && self->phase_ != phase::closed) {
      auto step = self->decoder_.feed(in);
      in = in.subspan(step.consumed);
      if (step.result == sms::frame_decoder::progress::frame_ready) {
        auto p = sms::decode_pdu(self->decoder_.frame());
        if (p) {
          self->on_pdu(*p);
        } else {
          ++self->stats_.undecodable;
          self->send(sms::make_error_reply(p.error()));
        }
      } else if (step.result == sms::frame_decoder::progress::bad_length) {
        ++self->stats_.undecodable;
        self->close();
        return;
      }
    }
    self->flush();
    if (self->phase_ != phase::closed) self->do_read();
  });
}

void session::on_pdu(const sms::pdu& p) {
  using sms::command_id;
  namespace st = sms::status;
  switch (p.id) {
    case command_id::bind_receiver:
    case command_id::bind_transceiver:
    case command_id::bind_transmitter: {
      const auto kind = *sms::bind_kind_of(p.id);
      const auto* body = p.get<sms::bind_body>();
      if (phase_ != phase::binding) {
        send(sms::make_bind_resp(kind, p.sequence, st::esme_ralybnd, {}, {}));
      } else if (!body || body->system_id != opt_.system_id || body->password != opt_.password) {
        send(sms::make_bind_resp(kind, p.sequence, st::esme_rinvpaswd, {}, {}));
      } else {
        send(sms::make_bind_resp(kind, p.sequence, st::esme_rok, "MOSMSC", sms::interface_version_34));
        stats_.bound = true;
        stats_.kind = std::string(sms::to_string(kind));
        phase_ = phase::bound;
        srv_.on_bound();
      }
      break;
    }
    case command_id::deliver_sm_resp: on_deliver_resp(p); break;
    case command_id::generic_nack: on_deliver_resp(p); break;
    case command_id::submit_sm: {
      if (!stats_.bound) {
        send(sms::make_message_resp(p.id, p.sequence, st::esme_rinvbndsts, {}));
        break;
      }
      ++stats_.replies;
      stats_.last_reply = steady::now();
      if (stats_.sample_reply.empty())
        if (const auto* sm = p.get<sms::sm_body>())
          if (auto text = sms::decode_text(sm->short_message, sm->data_coding)) stats_.sample_reply = *text;
      char id[16];
      std::snprintf(id, sizeof id, "%08X", ++message_ids_);
      send(sms::make_message_resp(p.id, p.sequence, st::esme_rok, id));
      srv_.check_replies();
      break;
    }
    case command_id::enquire_link:
      ++stats_.enquire_links;
      send(sms::make_header_only(command_id::enquire_link_resp, p.sequence));
      break;
    case command_id::enquire_link_resp: break;
    case command_id::unbind:
      send(sms::make_header_only(command_id::unbind_resp, p.sequence));
      if (phase_ == phase::pushing || phase_ == phase::draining) stop_pushing();
      stats_.unanswered += in_flight_.size();
      in_flight_.clear();
      stats_.unbound_cleanly = phase_ == phase::awaiting_replies || phase_ == phase::unbinding;
      phase_ = phase::unbinding;
      close_after_write_ = true;  // the unbind_resp goes out first
      break;
    case command_id::unbind_resp:
      if (p.sequence == unbind_sequence_) {
        stats_.unbound_cleanly = true;
        close();
      }
      break;
    default:
      if (!sms::is_response(p.id)) send(sms::make_generic_nack(p.sequence, st::esme_rinvcmdid));
      break;
  }
}

void session::on_deliver_resp(const sms::pdu& p) {
  auto it = in_flight_.find(p.sequence);
  if (it == in_flight_.end()) {
    ++stats_.unmatched;
    return;
  }
  const auto now = steady::now();
  stats_.latencies_us.push_back(static_cast<std::uint32_t>(
      std::min<std::int64_t>(std::chrono::duration_cast<std::chrono::microseconds>(now - it->second).count(),
                             0xFFFFFFFF)));
  in_flight_.erase(it);
  stats_.last_resp = now;
  if (p.id == sms::command_id::generic_nack) {
    ++stats_.nacked;
  } else if (p.status == sms::status::esme_rok) {
    ++stats_.accepted;
  } else if (p.status == sms::status::esme_rthrottled) {
    ++stats_.throttled;
    if (!paused_ && phase_ == phase::pushing) {
      paused_ = true;
      pause_.expires_after(opt_.throttle_pause);
      pause_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
        self->paused_ = false;
        if (!ec && self->phase_ == phase::pushing) {
          self->fill();
          self->flush();
        }
      });
    }
  } else {
    ++stats_.rejected;
    ++stats_.statuses[p.status];
  }
  if (phase_ == phase::pushing) fill();
  else if (phase_ == phase::draining && in_flight_.empty()) after_drain();
}

void session::go(steady::time_point until) {
  if (phase_ != phase::bound) return;
  phase_ = phase::pushing;
  until_ = until;
  timer_.expires_at(until);
  timer_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
    if (!ec && self->phase_ == phase::pushing) self->stop_pushing();
  });
  fill();
  flush();
}

void session::fill() {
  if (paused_) return;
  const auto now = steady::now();
  if (now >= until_) {
    stop_pushing();
    return;
  }
  while (in_flight_.size() < static_cast<std::size_t>(opt_.window)) {
    const auto index = srv_.next_index();
    sms::sm_body mo;
    mo.source_addr_ton = 1;  // international
    mo.source_addr_npi = 1;  // E.164
    mo.source_addr = b::source_number(opt_.number_base, index);
    mo.destination_addr = opt_.short_code;
    mo.data_coding = 0;  // SMSC default alphabet: GSM 03.38, unpacked
    mo.short_message = b::complaint_septets(index, opt_.texts);
    const auto seq = next_sequence();
    send(sms::make_deliver_sm(seq, std::move(mo)));
    in_flight_.emplace(seq, now);
    if (stats_.first_send == steady::time_point::max()) stats_.first_send = now;
    ++stats_.sent;
  }
}

void session::stop_pushing() {
  if (phase_ != phase::pushing) return;
  phase_ = phase::draining;
  srv_.stop_accepting();
  if (in_flight_.empty()) {
    after_drain();
    return;
  }
  timer_.expires_after(opt_.drain);
  timer_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
    if (ec || self->phase_ != phase::draining) return;
    self->stats_.unanswered += self->in_flight_.size();
    self->in_flight_.clear();
    self->after_drain();
  });
}

void session::after_drain() {
  timer_.cancel();
  if (opt_.reply_wait.count() == 0) {
    unbind();
    return;
  }
  phase_ = phase::awaiting_replies;
  timer_.expires_after(opt_.reply_wait);
  timer_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
    if (!ec && self->phase_ == phase::awaiting_replies) self->unbind();
  });
  srv_.check_replies();
}

void session::replies_complete() {
  if (phase_ == phase::awaiting_replies) unbind();
}

void session::unbind() {
  if (phase_ == phase::closed || phase_ == phase::unbinding) return;
  phase_ = phase::unbinding;
  unbind_sequence_ = next_sequence();
  send(sms::make_header_only(sms::command_id::unbind, unbind_sequence_));
  flush();
  timer_.expires_after(opt_.unbind_wait);
  timer_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
    if (!ec) self->close();
  });
}

void session::close() {
  if (phase_ == phase::closed) return;
  phase_ = phase::closed;
  boost::system::error_code ignored;
  timer_.cancel();
  pause_.cancel();
  socket_.close(ignored);
  srv_.on_session_closed();
}

void session::flush() {
  if (writing_now_ || phase_ == phase::closed) return;
  if (out_.empty()) {
    if (close_after_write_) close();
    return;
  }
  std::swap(out_, writing_);
  out_.clear();
  writing_now_ = true;
  net::async_write(socket_, net::buffer(writing_),
                   [self = shared_from_this()](const boost::system::error_code& ec, std::size_t) {
                     self->writing_now_ = false;
                     self->writing_.clear();
                     if (ec) {
                       self->close();
                       return;
                     }
                     self->flush();
                   });
}

double percentile_ms(std::vector<std::uint32_t>& v, double p) {
  if (v.empty()) return 0;
  auto k = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
  return v[k] / 1000.0;
}

std::string status_text(std::uint32_t st) {
  auto name = sms::status::name(st);
  char hex[16];
  std::snprintf(hex, sizeof hex, "0x%08X", st);
  return name.empty() ? std::string(hex) : std::string(name);
}

using ull = unsigned long long;

// Prints the report; returns the exit status.
int report(const options& o, const server& srv) {
  bind_stats t;
  int bound = 0, mo_binds = 0, clean = 0;
  std::map<std::string, int> kinds;
  for (const auto& s : srv.sessions()) {
    const auto& x = s->stats();
    if (!x.bound) continue;
    ++bound;
    ++kinds[x.kind];
    if (x.sent) ++mo_binds;
    if (x.unbound_cleanly) ++clean;
    t.sent += x.sent;
    t.accepted += x.accepted;
    t.throttled += x.throttled;
    t.rejected += x.rejected;
    t.nacked += x.nacked;
    t.unanswered += x.unanswered;
    t.replies += x.replies;
    t.enquire_links += x.enquire_links;
    t.undecodable += x.undecodable;
    t.unmatched += x.unmatched;
    for (auto [st, n] : x.statuses) t.statuses[st] += n;
    t.latencies_us.insert(t.latencies_us.end(), x.latencies_us.begin(), x.latencies_us.end());
    t.first_send = std::min(t.first_send, x.first_send);
    t.last_resp = std::max(t.last_resp, x.last_resp);
    t.last_reply = std::max(t.last_reply, x.last_reply);
    if (t.sample_reply.empty()) t.sample_reply = x.sample_reply;
  }
  const double secs = t.last_resp > t.first_send ? std::chrono::duration<double>(t.last_resp - t.first_send).count() : 0;
  const double mo_s = secs > 0 ? static_cast<double>(t.accepted) / secs : 0;
  // Replies per second over the same start: how fast MO were handled all the way to the
  // reply SMS (an ESME that answers deliver_sm before handling it shows the difference here).
  const double reply_secs =
      t.last_reply > t.first_send ? std::chrono::duration<double>(t.last_reply - t.first_send).count() : 0;
  const double replies_s = reply_secs > 0 ? static_cast<double>(t.replies) / reply_secs : 0;
  const double p50 = percentile_ms(t.latencies_us, 0.50);
  const double p99 = percentile_ms(t.latencies_us, 0.99);
  const double max = t.latencies_us.empty() ? 0 : *std::max_element(t.latencies_us.begin(), t.latencies_us.end()) / 1000.0;
  std::string kind_list;
  for (const auto& [k, n] : kinds) kind_list += (kind_list.empty() ? "" : ", ") + std::to_string(n) + " " + k;
  std::printf("%s: %d binds (%s) x window %d for %.1f s on 127.0.0.1:%u, %d pushed MO, %d unbound cleanly\n",
              o.label.c_str(), bound, kind_list.empty() ? "none" : kind_list.c_str(), o.window, o.seconds,
              static_cast<unsigned>(srv.port()), mo_binds, clean);
  std::printf("  deliver_sm sent       %10llu in %.2f s\n", static_cast<ull>(t.sent), secs);
  std::printf("  accepted (ESME_ROK)   %10llu   %.0f MO/s\n", static_cast<ull>(t.accepted), mo_s);
  std::printf("  throttled             %10llu\n", static_cast<ull>(t.throttled));
  std::printf("  other statuses        %10llu", static_cast<ull>(t.rejected));
  for (auto [st, n] : t.statuses) std::printf("  %s x%llu", status_text(st).c_str(), static_cast<ull>(n));
  std::printf("\n  generic_nack          %10llu\n", static_cast<ull>(t.nacked));
  std::printf("  unanswered            %10llu\n", static_cast<ull>(t.unanswered));
  std::printf("  replies (submit_sm)   %10llu   %.0f/s, the last %.2f s after the first deliver_sm\n",
              static_cast<ull>(t.replies), replies_s, reply_secs);
  if (t.enquire_links || t.undecodable || t.unmatched)
    std::printf("  enquire_link %llu, undecodable %llu, unmatched resps %llu\n", static_cast<ull>(t.enquire_links),
                static_cast<ull>(t.undecodable), static_cast<ull>(t.unmatched));
  std::printf("  deliver_sm -> resp    p50 %.2f ms   p99 %.2f ms   max %.2f ms   (%zu samples)\n", p50, p99, max,
              t.latencies_us.size());
  if (!t.sample_reply.empty()) std::printf("  sample reply: %s\n", t.sample_reply.c_str());
  rusage ru{};
  if (::getrusage(RUSAGE_SELF, &ru) == 0) {
    const double cpu = static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
                       static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
    std::printf("  generator CPU         %.2f s (%.1f us per deliver_sm, its own cost in the figures)\n", cpu,
                t.sent ? cpu * 1e6 / static_cast<double>(t.sent) : 0.0);
  }
  std::printf("RESULT label=%s binds=%d window=%d sent=%llu accepted=%llu throttled=%llu errors=%llu unanswered=%llu "
              "replies=%llu reply_seconds=%.3f replies_per_s=%.0f seconds=%.3f mo_per_s=%.0f p50_ms=%.3f p99_ms=%.3f max_ms=%.3f\n",
              o.label.c_str(), mo_binds, o.window, static_cast<ull>(t.sent), static_cast<ull>(t.accepted),
              static_cast<ull>(t.throttled), static_cast<ull>(t.rejected + t.nacked), static_cast<ull>(t.unanswered),
              static_cast<ull>(t.replies), reply_secs, replies_s, secs, mo_s, p50, p99, max);
  std::fflush(stdout);
  return srv.started() && mo_binds >= o.binds && t.accepted > 0 && t.unanswered == 0 ? 0 : 1;
}

int usage(const std::string& why) {
  std::fprintf(stderr,
               "mo_smsc: %s\n"
               "usage: mo_smsc [--port P] [--port-file F] [--binds N] [--window W] [--seconds S]\n"
               "               [--system-id ID] [--password PW] [--short-code C] [--go-file F]\n"
               "               [--bind-wait-ms MS] [--drain-ms MS] [--reply-wait-ms MS]\n"
               "               [--number-base N] [--texts templates|varied] [--label NAME]\n",
               why.c_str());
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  options o;
  o.number_base = static_cast<std::uint64_t>(std::chrono::system_clock::now().time_since_epoch().count() / 1000) %
                  1000000000ull;
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    if (i + 1 >= argc) return usage("missing value after " + std::string(a));
    std::string v = argv[++i];
    char* end = nullptr;
    const double num = std::strtod(v.c_str(), &end);
    const bool is_num = end && *end == '\0' && !v.empty();
    auto num_in = [&](double lo, double hi) { return is_num && num >= lo && num <= hi; };
    if (a == "--port" && num_in(0, 65535)) o.port = static_cast<std::uint16_t>(num);
    else if (a == "--port-file") o.port_file = v;
    else if (a == "--go-file") o.go_file = v;
    else if (a == "--label") o.label = v;
    else if (a == "--binds" && num_in(1, 1000)) o.binds = static_cast<int>(num);
    else if (a == "--window" && num_in(1, 100000)) o.window = static_cast<int>(num);
    else if (a == "--seconds" && num_in(0.1, 86400)) o.seconds = num;
    else if (a == "--system-id") o.system_id = v;
    else if (a == "--password") o.password = v;
    else if (a == "--short-code") o.short_code = v;
    else if (a == "--bind-wait-ms" && num_in(1, 3600000)) o.bind_wait = ms(static_cast<int>(num));
    else if (a == "--drain-ms" && num_in(0, 600000)) o.drain = ms(static_cast<int>(num));
    else if (a == "--reply-wait-ms" && num_in(0, 600000)) o.reply_wait = ms(static_cast<int>(num));
    else if (a == "--number-base" && num_in(0, 1e18)) o.number_base = static_cast<std::uint64_t>(num);
    else if (a == "--texts" && (v == "templates" || v == "varied"))
      o.texts = v == "varied" ? b::text_style::varied : b::text_style::templates;
    else return usage("bad option or value: " + std::string(a) + " " + v);
  }

  net::io_context io(1);
  std::unique_ptr<server> srv;
  try {
    srv = std::make_unique<server>(io, o);
  } catch (const boost::system::system_error& e) {
    std::fprintf(stderr, "%s: cannot listen on 127.0.0.1:%u: %s\n", o.label.c_str(), o.port, e.what());
    return 1;
  }
  if (!o.port_file.empty()) {
    // Written whole under a temporary name, then renamed: a reader never sees half a number.
    const std::string tmp = o.port_file + ".tmp";
    {
      std::ofstream f(tmp, std::ios::trunc);
      f << srv->port() << '\n';
      if (!f) return usage("cannot write " + tmp);
    }
    std::error_code ec;
    std::filesystem::rename(tmp, o.port_file, ec);
    if (ec) return usage("cannot rename " + tmp + ": " + ec.message());
  }
  std::printf("%s: listening on 127.0.0.1:%u for %d bind(s) as %s\n", o.label.c_str(), srv->port(), o.binds,
              o.system_id.c_str());
  std::fflush(stdout);
  srv->start();
  const auto limit = std::chrono::duration_cast<steady::duration>(std::chrono::duration<double>(o.seconds)) +
                     o.bind_wait + o.drain + o.reply_wait + o.unbind_wait + std::chrono::seconds(30);
  io.run_for(limit);
  if (!io.stopped()) {
    std::fprintf(stderr, "%s: the run did not end within its overall limit; stopping\n", o.label.c_str());
  }
  srv->shutdown();
  return report(o, *srv);
}
