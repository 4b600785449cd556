// Reply SMS waiting for a bind that can carry them (sans-I/O; the caller passes the time).
//
// Why in memory and not an outbox row: a reply is derived from state that is already durable
// (the complaint and its tracking ID, or a status the citizen can ask for again), it must go
// out on a live bind of one operator within minutes to be useful, and a retry-forever outbox
// would SMS a citizen hours or days late. So replies wait here while no RX/TRX bind of their
// operator is up, are retried a few times when a send fails, and are dropped (counted, logged
// without the number) after `ttl` or `max_attempts`, or when `max_items` are already waiting.
// A restart loses the replies waiting at that moment; the citizen can send CEK <id> or
// resend the message, which the redelivery key answers with the same tracking ID.
//
// Not thread-safe: the SMPP channel guards it with its mutex.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>

namespace lapor::sms {

struct outgoing_sms {
  std::string operator_name;
  std::string to;                    // destination_addr (the citizen's source_addr as received)
  std::uint8_t to_ton = 0, to_npi = 0;
  std::string text;                  // UTF-8
  std::uint64_t via_link = 0;        // the bind the MO came on (preferred), 0 = any
  int attempts = 0;                  // sends that failed so far
  std::chrono::steady_clock::time_point queued_at{};
};

struct reply_queue_options {
  std::size_t max_items = 10'000;
  std::chrono::seconds ttl{std::chrono::hours(6)};
  int max_attempts = 5;
};

class reply_queue {
 public:
  using clock = std::chrono::steady_clock;
  explicit reply_queue(reply_queue_options o = {}) : options_(o) {}

  // Queues at the back. False (not queued) when max_items already wait.
  [[nodiscard]] bool push(outgoing_sms m, clock::time_point now);
  // Queues a failed send again at the front (attempts + 1). False when it has used its
  // attempts or outlived its ttl: dropped.
  [[nodiscard]] bool retry(outgoing_sms m, clock::time_point now);
  // Puts a reply pop() returned back at the front, unchanged (no bind could take it).
  void unpop(outgoing_sms m);
  // The oldest live reply for `operator_name`; expired ones are dropped on the way (counted).
  [[nodiscard]] std::optional<outgoing_sms> pop(const std::string& operator_name, clock::time_point now);
  // Drops every expired reply (all operators); returns how many.
  std::size_t expire(clock::time_point now);

  [[nodiscard]] std::size_t size() const noexcept { return size_; }
  [[nodiscard]] std::size_t size(const std::string& operator_name) const;
  [[nodiscard]] std::uint64_t dropped() const noexcept { return dropped_; }

 private:
  [[nodiscard]] bool expired(const outgoing_sms& m, clock::time_point now) const {
    return now - m.queued_at >= options_.ttl;
  }
  reply_queue_options options_;
  std::map<std::string, std::deque<outgoing_sms>> by_operator_;
  std::size_t size_ = 0;
  std::uint64_t dropped_ = 0;
};

}  // namespace lapor::sms
