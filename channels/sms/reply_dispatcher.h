// Which bind carries which reply SMS (sans-I/O; the caller passes the time and does the I/O).
//
// Knows the bound links of each operator and how many of our reply PDUs wait on each, keeps
// the replies no link can take now in a reply_queue, and turns them into sends: one reply
// whole (all its parts) on one link that can push and has room for all its parts, preferring
// the link the MO came on. A reply whose send failed for a transient reason (timeout, the
// bind closed, a transient status) is queued again for any link of its operator; a permanent
// refusal (e.g. ESME_RINVDSTADR) drops it.
//
// Not thread-safe: the SMPP channel guards it with its mutex.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "channels/sms/reply_queue.h"
#include "channels/sms/text_encoding.h"

namespace lapor::sms {

struct reply_send {
  std::uint64_t link_id = 0;
  std::uint64_t token = 0;  // the same for every part: push(pdu, token) each, then part_done() each
  outgoing_sms sms;
  sms_parts parts;
};

class reply_dispatcher {
 public:
  using clock = reply_queue::clock;
  reply_dispatcher(reply_queue_options queue, std::size_t max_in_flight_per_link);

  // A bind is up (can_push: it can take our reply PDUs) / gone.
  void link_up(std::uint64_t link_id, std::string operator_name, bool can_push);
  void link_down(std::uint64_t link_id);
  [[nodiscard]] std::size_t binds(const std::string& operator_name) const;

  // Queues a reply; false when the queue is full (dropped). A text that needs more parts than
  // one link takes at once (or 8) is dropped by take().
  [[nodiscard]] bool queue(outgoing_sms m, clock::time_point now);
  // Sends to start now for `operator_name`, oldest reply first, as long as a link has room.
  [[nodiscard]] std::vector<reply_send> take(const std::string& operator_name, clock::time_point now);
  // One part of `token` is over (answered with status 0 = ok). Returns the operator whose
  // replies may now go (room freed or a reply requeued), for take().
  std::optional<std::string> part_done(std::uint64_t token, bool ok, bool permanent, clock::time_point now);

  std::size_t expire(clock::time_point now) { return queue_.expire(now); }
  [[nodiscard]] std::size_t queued() const noexcept { return queue_.size(); }
  [[nodiscard]] std::size_t in_flight() const noexcept { return sending_.size(); }
  [[nodiscard]] std::uint64_t dropped() const noexcept { return queue_.dropped() + dropped_here_; }

 private:
  struct link {
    std::string operator_name;
    bool can_push = false;
    std::size_t in_flight = 0;
  };
  struct sending {
    outgoing_sms sms;
    std::uint64_t link_id = 0;
    std::size_t parts_left = 0;
    bool failed = false;
    bool permanent = false;
  };
  [[nodiscard]] std::optional<std::uint64_t> pick(const outgoing_sms& m, std::size_t parts) const;

  reply_queue queue_;
  std::size_t max_in_flight_;
  std::map<std::uint64_t, link> links_;
  std::map<std::uint64_t, sending> sending_;
  std::uint64_t next_token_ = 1;
  std::uint64_t dropped_here_ = 0;
};

}  // namespace lapor::sms
