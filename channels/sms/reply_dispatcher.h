// Which bind carries which reply SMS, and when (sans-I/O; the caller passes the time and does
// the I/O).
//
// Replies are durable outbox rows (SPEC §2: written with the complaint); the outbox forwarder
// hands each to the channel, which queues it here until a bind of its operator can take it,
// and reports one final outcome per reply: delivered, or dead with a reason (expired, refused
// for good, attempts used up). Nothing is dropped without an outcome.
//
// Per bind: at most `max_in_flight` of our PDUs wait for their resp, and at most `rate_per_s`
// start per second (a token bucket, so an operator's TPS limit is met before it throttles).
// A reply answered ESME_RTHROTTLED is "later", not a failure: it goes back to the front, the
// bind pauses (throttle_pause_initial, doubling to throttle_pause_max, reset by a success),
// and the attempt is not counted. One throttle episode is one pause: the resps of PDUs that
// were already sent when the bind paused neither lengthen the pause nor reset it (a burst
// of 13 throttled resps once doubled the pause 13 times, to 30 s, and the replies expired).
// A reply whose resp never came (the response timer) moves to another bind of the operator
// when there is one. Other transient failures retry on any bind up to max_attempts;
// permanent refusals (e.g. ESME_RINVDSTADR) end it.
//
// Not thread-safe: the SMPP channel guards it with its mutex.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "channels/sms/text_encoding.h"

namespace lapor::sms {

using reply_clock = std::chrono::steady_clock;

struct outgoing_sms {
  std::uint64_t tag = 0;             // the caller's (the outbox request), returned in the outcome
  std::string operator_name;
  std::string to;                    // destination_addr, in the form the operator expects
  std::uint8_t to_ton = 1, to_npi = 1;
  std::string text;                  // UTF-8
  reply_clock::time_point expires_at = reply_clock::time_point::max();
  int attempts = 0;                  // failed sends so far (throttling not counted)
  reply_clock::time_point not_before{};  // after a failed send: not again before this (back-off)
  std::uint64_t avoid_link = 0;      // a bind that never answered this reply
  std::uint64_t order = 0;           // set by queue(): a requeued reply goes back to its place
  std::size_t part_count = 0;        // SMS parts its text needs, once take() has encoded it (0: not yet)
};

struct reply_outcome {
  std::uint64_t tag = 0;
  bool delivered = false;
  std::string reason;                // why not, when not delivered
};

struct reply_dispatcher_options {
  std::size_t max_in_flight = 50;    // our PDUs per bind waiting for their resp
  int max_attempts = 5;              // failed sends (not throttling) before giving up
  // After a failed send (a transient error, no answer), the next waits this long, doubling up
  // to the max: five attempts within a millisecond gave an operator's SMSC that had a hiccup
  // no time to recover, and the citizen no tracking ID.
  std::chrono::milliseconds retry_backoff_initial{1000};
  std::chrono::milliseconds retry_backoff_max{60000};
  std::chrono::milliseconds throttle_pause_initial{1000};
  std::chrono::milliseconds throttle_pause_max{30000};
};

struct reply_send {
  std::uint64_t link_id = 0;
  std::uint64_t token = 0;  // the same for every part: push(pdu, token) each, then part_done() each
  outgoing_sms sms;
  sms_parts parts;
};

// How one of our reply PDUs ended.
enum class part_result { ok, permanent, throttled, timed_out, transient };

class reply_dispatcher {
 public:
  using clock = reply_clock;
  explicit reply_dispatcher(reply_dispatcher_options o = {});

  // A bind is up (can_push: it can take our reply PDUs; rate_per_s: 0 = unpaced) / gone.
  void link_up(std::uint64_t link_id, std::string operator_name, bool can_push, double rate_per_s = 0);
  void link_down(std::uint64_t link_id);
  [[nodiscard]] std::size_t binds(const std::string& operator_name) const;

  // Queues a reply at the back of its operator's queue.
  void queue(outgoing_sms m);
  // Sends to start now for `operator_name`, oldest first, while a bind has room and pace;
  // replies that expired on the way are appended to `finished`.
  [[nodiscard]] std::vector<reply_send> take(const std::string& operator_name, clock::time_point now,
                                             std::vector<reply_outcome>& finished);
  // One part of `token` is over. Returns the operator whose replies may now go; a reply whose
  // last part this was may be appended to `finished`.
  std::optional<std::string> part_done(std::uint64_t token, part_result r, clock::time_point now,
                                       std::vector<reply_outcome>& finished);
  // Ends every queued reply that expired (all operators).
  void expire(clock::time_point now, std::vector<reply_outcome>& finished);
  // Ends every queued reply (shutdown: the caller leaves their rows pending instead).
  std::vector<std::uint64_t> abandon();
  // The earliest moment a paced or paused bind can take a queued reply; nullopt when nothing
  // waits for time (empty queues, or waiting for a bind).
  [[nodiscard]] std::optional<clock::time_point> next_wakeup() const;
  [[nodiscard]] std::vector<std::string> operators_waiting() const;
  // True while a bind of the operator can take our reply PDUs.
  [[nodiscard]] bool can_send(const std::string& operator_name) const;
  // Removes the replies of the operator still queued (not those in flight) and returns them
  // (cluster mode: handed on to a node that has a bind of the operator).
  [[nodiscard]] std::vector<outgoing_sms> take_queued(const std::string& operator_name);

  [[nodiscard]] std::size_t queued() const noexcept;
  [[nodiscard]] std::size_t in_flight() const noexcept { return sending_.size(); }
  [[nodiscard]] std::uint64_t throttled() const noexcept { return throttled_; }

 private:
  struct link {
    std::string operator_name;
    bool can_push = false;
    std::size_t in_flight = 0;
    double rate = 0;                       // starts per second, 0 = unpaced
    double tokens = 0;
    clock::time_point refilled{};
    clock::time_point paused_until{};      // after a throttle
    clock::time_point pause_began = clock::time_point::min();  // when the last pause was decided
    std::chrono::milliseconds pause{0};    // the last pause (doubles while throttled)
  };
  struct sending {
    outgoing_sms sms;
    std::uint64_t link_id = 0;
    std::size_t parts_left = 0;
    part_result worst = part_result::ok;
    clock::time_point sent_at{};  // when take() handed it out
  };
  void refill(link& l, clock::time_point now) const;
  void requeue(outgoing_sms m);
  [[nodiscard]] std::optional<std::uint64_t> pick(const outgoing_sms& m, std::size_t parts, clock::time_point now);

  reply_dispatcher_options options_;
  std::map<std::string, std::deque<outgoing_sms>> queues_;  // by operator
  std::map<std::uint64_t, link> links_;
  std::map<std::uint64_t, sending> sending_;
  std::uint64_t next_token_ = 1;
  std::uint64_t next_order_ = 1;
  std::uint64_t throttled_ = 0;
};

}  // namespace lapor::sms
