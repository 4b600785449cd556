// The one narrow interface between the core and a channel (STYLE §2).
//
// A channel turns its protocol into `submission`s and hands each to the sink with a
// completion. It answers its peer only inside that completion, which runs after the
// complaint (or the fact that it is a retry/duplicate) is committed — or with a refusal
// that stored nothing.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "gateway/complaint.h"

namespace lapor::gateway {

struct submit_result {
  enum class status {
    received,    // a new complaint, committed
    duplicate,   // a retry or duplicate of `duplicate_of`/`tracking_id`, committed earlier
    rejected,    // bad input: `field` and `message` say what; nothing stored
    conflict,    // idempotency key reused with a different request; nothing stored
    overloaded,  // the store cannot keep up: refuse (SMPP throttled, HTTP 503); nothing stored
    failed,      // the store failed: refuse; nothing stored
  };
  status code = status::failed;
  std::string tracking_id;   // the ID to give the citizen (the original for duplicates)
  std::string duplicate_of;  // set for cross-channel duplicates
  std::string field;         // for rejections, e.g. "body", "reporter.phone"
  std::string message;       // human-readable reason (Bahasa Indonesia for citizen-facing fields)
  // For rejections: the other fields found wrong in the same submission, (field, message), so
  // that one answer names everything to correct.
  std::vector<std::pair<std::string, std::string>> more_errors{};
  std::uint32_t promises_written = 0;  // reply_promise rows written with this answer
  std::uint32_t promises_skipped = 0;  // already promised to that recipient: not again
  // A retry of a submission already committed (same idempotency key and request): `code` is
  // duplicate (nothing new stored), but the peer must get the answer it got the first time —
  // "received" when `duplicate_of` is empty (see submit_answer()).
  bool retry = false;

  [[nodiscard]] bool acknowledged() const noexcept { return code == status::received || code == status::duplicate; }
};
[[nodiscard]] std::string_view to_string(submit_result::status s) noexcept;

// Where channels put submissions. Thread-safe.
class submission_sink {
 public:
  // `done` is invoked exactly once, on the store's writer thread (or the caller's thread for
  // immediate refusals). It must not block: post to your own strand.
  using completion = std::function<void(submit_result)>;
  virtual void submit(submission s, completion done) = 0;

  // Validates and normalises without storing; the rejection a submit() would give, if any.
  [[nodiscard]] virtual std::optional<submit_result> check(const submission& s) const = 0;

 protected:
  ~submission_sink() = default;
};

// Parts of a message that arrives in pieces (a long SMS), durable from their commit so that
// each part can be acknowledged on its own and a restart resumes the reassembly (SPEC §7).
// The whole message is then submitted with submission::completes_parts = the group. Thread-safe.
class part_store {
 public:
  struct part {
    std::string group;               // opaque, the channel's name for one message
    int seq = 0;
    std::string data;                // opaque bytes
    std::int64_t received_at_ms = 0;
    std::string answer;              // loaded parts: the tracking ID once the message was stored
  };
  // `done` runs on the store's writer thread after the commit (received), or at once with
  // overloaded / failed (nothing stored).
  virtual void store_part(part p, std::function<void(submit_result)> done) = 0;
  // Marks a group's parts done with `answer` without a complaint (e.g. a status query).
  virtual void finish_parts(std::string group, std::string answer) = 0;
  // Deletes parts done before `done_before_ms` and open parts received before `open_before_ms`.
  virtual void purge_parts(std::int64_t done_before_ms, std::int64_t open_before_ms) = 0;
  // Start-up: every stored part in arrival order. Blocks.
  virtual void load_parts(const std::function<void(const part&)>& each) = 0;
  // Cluster mode: the parts that nodes whose lease expired held (open ones, and done ones
  // since `done_since_ms`), now this node's, in arrival order; `done` runs on a store thread.
  // One node: nothing.
  virtual void take_over_parts(std::int64_t /*done_since_ms*/, std::function<void(std::vector<part>)> done) {
    done({});
  }
  // Queues a message to send that no submission caused (e.g. the answer to a status query);
  // `done(ok)` after its commit. Thread-safe.
  virtual void queue_message(std::string destination, std::string payload, std::function<void(bool)> done) = 0;

 protected:
  ~part_store() = default;
};

// What the core asks of every channel.
class channel {
 public:
  virtual ~channel() = default;
  [[nodiscard]] virtual std::string_view name() const = 0;
  virtual void start(submission_sink& sink) = 0;
  // Stops taking new work; in-flight acknowledgements still complete.
  virtual void stop() = 0;
};

}  // namespace lapor::gateway
