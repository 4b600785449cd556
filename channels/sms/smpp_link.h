// One SMPP connection over TCP, either role: an operator bound to our listener (server) or
// our bind to an operator's SMSC (client, smpp.clients). It only carries out what its
// session_fsm decides: reads frames (frame_decoder, bounded), decodes PDUs, feeds the fsm,
// writes what the fsm sends and runs its timers.
//
// Threading: everything runs on the link's strand; the public functions are thread-safe and
// post there. The link lives while a handler holds shared_from_this(); the channel keeps
// weak pointers. Writes are batched: PDUs produced while a write is in flight are appended
// to the next one, so a burst of commits becomes one write(2) of many *_resp. Reading stops
// while more than `max_write_backlog` octets wait to be written (a peer that does not read).
//
// Timers (one 250 ms tick per link, no timer per request): bind deadline from connect,
// enquire_link after `enquire_link_interval` without a PDU read (the fsm closes when that one
// is not answered), close after `idle_timeout` without a PDU read, a response deadline for
// each request we send, and a deadline for unbinding.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "channels/sms/frame_decoder.h"
#include "channels/sms/link_timing.h"
#include "channels/sms/session_fsm.h"

namespace lapor::sms {

class smpp_link;

// What a link reports to its owner (the SMPP channel). Called on the link's strand; must not
// block.
class link_events {
 public:
  virtual void on_bound(const std::shared_ptr<smpp_link>& link, const session_bound& b) = 0;
  virtual void on_message(const std::shared_ptr<smpp_link>& link, submit_to_core m) = 0;
  virtual void on_receipt(const std::shared_ptr<smpp_link>& link, const receipt_received& r) = 0;
  virtual void on_request_finished(const std::shared_ptr<smpp_link>& link, const request_finished& f) = 0;
  // push() was refused (not bound for pushing any more, or its window is full).
  virtual void on_push_refused(const std::shared_ptr<smpp_link>& link, std::uint64_t token, bool retry_later) = 0;
  // The link answered a request with an error status of its own (bind refusals, bad PDUs,
  // window full); refusals the core decided through answer() are not reported (the core
  // counted them). For metrics; no PDU content.
  virtual void on_refused(const std::shared_ptr<smpp_link>& link, command_id answer, std::uint32_t status) = 0;
  virtual void on_closed(const std::shared_ptr<smpp_link>& link, std::string_view reason) = 0;

 protected:
  ~link_events() = default;
};

class smpp_link : public std::enable_shared_from_this<smpp_link> {
 public:
  using tcp = boost::asio::ip::tcp;

  // `socket` is connected; its executor must be an io_context executor (the link makes its
  // own strand on it).
  smpp_link(tcp::socket socket, session_options fsm_options, link_timing timing, link_events& events,
            std::uint64_t id);

  // Starts reading (and, in the client role, sends the bind).
  void start();
  // The core's verdict on one message the link reported with on_message().
  void answer(std::uint64_t token, core_answer a);
  // Sends one request (deliver_sm as server, submit_sm as client; data_sm either) through
  // session_fsm::push(); a refusal comes back as on_push_refused(token).
  void push(pdu request, std::uint64_t token);
  // Graceful: unbind (the fsm finishes in-flight answers first), then close.
  void unbind();
  // Immediate close (no unbind).
  void close();

  [[nodiscard]] std::uint64_t id() const noexcept { return id_; }
  [[nodiscard]] bool is_client() const noexcept { return client_; }
  [[nodiscard]] const std::string& peer_address() const noexcept { return peer_; }
  [[nodiscard]] bool closed() const noexcept { return closed_.load(std::memory_order_acquire); }

 private:
  void do_read();
  void on_read(boost::system::error_code ec, std::size_t n);
  void handle_frames(std::size_t n);
  void apply(session_actions actions);
  void flush();
  void on_written(boost::system::error_code ec, std::size_t n);
  void arm_tick();
  void on_tick();
  void finish(std::string_view reason);

  tcp::socket socket_;
  boost::asio::strand<tcp::socket::executor_type> strand_;
  boost::asio::steady_timer tick_;
  session_fsm fsm_;
  link_timing timing_;
  link_events& events_;
  std::uint64_t id_;
  bool client_;
  std::string peer_;
  frame_decoder decoder_;
  decode_options decode_options_;
  std::array<std::uint8_t, 16 * 1024> read_buffer_{};
  bytes pending_;  // PDUs waiting for the next write
  bytes writing_;  // the write in flight
  bool write_in_flight_ = false;
  bool read_in_flight_ = false;
  bool close_after_flush_ = false;
  bool answering_core_ = false;  // apply() runs the core's answer
  bool finished_ = false;
  std::string_view close_reason_ = "closed";
  std::atomic<bool> closed_{false};
  using time_point = std::chrono::steady_clock::time_point;
  time_point connected_at_;
  time_point last_read_;
  time_point last_enquire_{};
  time_point unbind_deadline_ = time_point::max();
  std::map<std::uint32_t, time_point> response_deadlines_;  // our requests by sequence
};

}  // namespace lapor::sms
