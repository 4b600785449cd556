// One bind_transceiver of smpp_load: an ESME that keeps `window` submit_sm outstanding at
// full speed, matches submit_sm_resp by sequence number, answers what the SMSC pushes
// (deliver_sm with the reply SMS, enquire_link, unbind) and unbinds at the end.
//
// Single-threaded: every handler of one bind runs on the io_context it was made with (run
// that context on one thread). The shared `load_plan` hands out message numbers to all binds
// of all threads.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "bench/smpp_load/complaint_texts.h"
#include "channels/sms/frame_decoder.h"
#include "channels/sms/pdu.h"

namespace lapor::bench {

using steady = std::chrono::steady_clock;

struct load_options {
  std::string host = "127.0.0.1";
  std::uint16_t port = 2775;
  std::string system_id = "bench";
  std::string password = "bench";
  std::string system_type;
  std::string short_code = "1708";
  int binds = 4;
  int window = 50;
  double seconds = 10;        // sending time per bind, from its bind_resp; 0 = until `messages`
  std::uint64_t messages = 0;  // total over all binds; 0 = no limit (then `seconds` counts)
  std::uint64_t number_base = 0;  // first sender number offset (distinct across runs)
  text_style texts = text_style::templates;
  std::chrono::milliseconds throttle_pause{5};   // no new submit_sm on a bind after ESME_RTHROTTLED
  std::chrono::milliseconds drain{5000};         // wait for outstanding resps after sending stops
  std::chrono::milliseconds reply_wait{2000};    // then wait for missing deliver_sm replies
  std::chrono::milliseconds connect_timeout{5000};
};

// Shared by every bind: message numbers (distinct texts and senders) and the total budget.
class load_plan {
 public:
  explicit load_plan(std::uint64_t messages) : limit_(messages) {}
  // The next message number, or false when the budget is spent.
  [[nodiscard]] bool take(std::uint64_t& index) noexcept {
    index = next_.fetch_add(1, std::memory_order_relaxed);
    return limit_ == 0 || index < limit_;
  }

 private:
  std::uint64_t limit_;
  std::atomic<std::uint64_t> next_{0};
};

// What one bind saw. Latencies are submit_sm write request -> submit_sm_resp read, in µs.
struct bind_stats {
  bool bound = false;
  std::string failure;  // empty when the bind bound, ran and unbound cleanly
  std::uint64_t submitted = 0, accepted = 0, throttled = 0, rejected = 0, nacked = 0, unanswered = 0;
  std::uint64_t deliver_sm = 0, enquire_link = 0, other_pdus = 0, undecodable = 0, unmatched_resps = 0;
  std::map<std::uint32_t, std::uint64_t> reject_statuses;  // status -> count (not 0, not throttled)
  std::vector<std::uint32_t> latencies_us;                 // of every matched submit_sm_resp
  steady::time_point first_submit{}, last_resp{};
  std::string sample_reply;  // the text of the first deliver_sm (decoded), for the report
};

class esme_bind : public std::enable_shared_from_this<esme_bind> {
 public:
  // `on_closed` runs once, on this bind's thread, when the bind is done (cleanly or not).
  esme_bind(boost::asio::io_context& io, const load_options& options, load_plan& plan,
            std::function<void()> on_closed);

  void start();
  [[nodiscard]] const bind_stats& stats() const noexcept { return stats_; }

 private:
  enum class phase { connecting, binding, sending, draining, awaiting_replies, unbinding, closed };

  void on_connect(const boost::system::error_code& ec);
  void do_read();
  void on_read(const boost::system::error_code& ec, std::size_t n);
  void on_pdu(const sms::pdu& p);
  void on_submit_resp(const sms::pdu& p);
  void fill_window();
  void queue(const sms::pdu& p);
  void flush();
  void stop_sending();
  void after_drain();
  void unbind();
  void close(std::string failure = {});
  void deadline(std::chrono::milliseconds after, void (esme_bind::*then)());
  void on_connect_timeout();
  void on_drain_timeout();
  void on_unbind_timeout();
  [[nodiscard]] std::uint32_t next_sequence() noexcept;

  const load_options& opt_;
  load_plan& plan_;
  std::function<void()> on_closed_;
  boost::asio::ip::tcp::socket socket_;
  boost::asio::steady_timer timer_;   // connect / bind / drain / reply / unbind deadlines
  boost::asio::steady_timer pause_;   // throttle pause
  phase phase_ = phase::connecting;
  sms::frame_decoder decoder_;
  std::vector<std::uint8_t> read_buf_;
  sms::bytes out_, writing_;  // queued PDUs; the octets of the write in flight
  bool write_in_flight_ = false;
  bool paused_ = false;
  bool close_after_write_ = false;  // close once the queued octets are written
  std::uint32_t sequence_ = 0;
  std::uint32_t bind_sequence_ = 0, unbind_sequence_ = 0;
  std::unordered_map<std::uint32_t, steady::time_point> in_flight_;
  steady::time_point send_until_{};
  bind_stats stats_;
};

}  // namespace lapor::bench
