// The forwarder's bookkeeping, without I/O: which outbox rows are held in memory, which are
// due, which are in flight, and what an attempt's outcome means for a row (sent, retry at a
// given time, dead letter). The outbox_forwarder thread owns one dispatch_queue and carries
// out its decisions with libcurl (or the file sink) and the store's group_writer.
//
// Not thread-safe: one thread uses it. Times are wall-clock milliseconds since the epoch, the
// unit the store keeps in outbox.next_attempt_ms.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "gateway/complaint.h"
#include "gateway/outbox_forwarder.h"
#include "store/store.h"

namespace lapor::gateway {

// The Idempotency-Key of one row: its complaint's tracking ID, or "outbox-<id>" for a row not
// tied to a complaint (or stored without a tracking ID).
[[nodiscard]] std::string idempotency_key_of(const store::outbox_item& item);
// The Idempotency-Key of a batch request: "batch-<first key>-<last key>-<16 hex digits of the
// SHA-256 of every key, in order>". A batch's rows change between retries (backoff with
// jitter), and a key must name one body: a dispatcher that keeps keys refuses (or, worse,
// replays its answer to) a known key with other documents.
[[nodiscard]] std::string batch_idempotency_key(const std::vector<std::string>& keys);

// The channel named by a document's top-level "channel" member, found by a cheap scan of the
// canonical JSON ({"schema":…,"tracking_id":…,"channel":"sms",…}); channel_kind::test when the
// document names none or an unknown one. Used only to label metrics.
[[nodiscard]] channel_kind channel_of_document(std::string_view json) noexcept;

// The tracking IDs a lapor.* document must be delivered in order with (SPEC §4): its own, and
// for a lapor.duplicate/v1 or lapor.unmerge/v1 the original's ("duplicate_of",
// "was_duplicate_of"). Read from the document's head; empty for other payloads (reply rows).
[[nodiscard]] std::vector<std::string> document_order_keys(std::string_view json);

// "http://user:secret@host:8080/path?token=x" -> "http://host:8080/path": safe to log.
[[nodiscard]] std::string redact_url(std::string_view url);

struct retry_policy {
  std::chrono::milliseconds initial{500};
  std::chrono::milliseconds max{300000};
  int max_attempts = 0;  // 0 = retry transient failures forever
};

// What to record for one row after one attempt.
struct dispatch_step {
  enum class action { sent, retry, dead };
  action what = action::retry;
  int attempts = 0;                  // attempts made so far, this one included
  std::int64_t next_attempt_ms = 0;  // for retry: when to try again
};

// Longest Retry-After honoured; a larger value is taken as this (a day).
inline constexpr long max_retry_after_seconds = 86400;

// delivered -> sent; dead -> dead; retry -> retry after max(backoff_delay(attempts), Retry-After),
// or dead once `max_attempts` (> 0) attempts have been made. `attempts_before` is the row's
// attempt count before this attempt; `retry_after_s` is -1 when the answer carried none.
[[nodiscard]] dispatch_step next_step(delivery_outcome outcome, int attempts_before, const retry_policy& policy,
                                      std::int64_t now_ms, long retry_after_s, double rnd01) noexcept;

// The rows the forwarder holds in memory ("resident"), each either waiting for its due time or
// in flight. At most `max_resident` rows are held; the rest stay in the store and are read
// again by a scan when room frees up, so a long dispatcher outage costs disk, not memory.
//
// A row that finished (sent or dead) is remembered as "finishing" until the store confirms the
// change (`committed`), so that a scan reading a snapshot taken before that commit does not
// bring it back and send it twice.
//
// Order: a row is not taken while a resident row of a smaller id (older) shares one of its
// document_order_keys. So a lapor.duplicate/v1 waits for its original's lapor.complaint/v1
// (a dispatcher may refuse a link to a ticket it does not know yet), and a lapor.unmerge/v1
// for the duplicate link it corrects (sent after it, it would be undone by it). Rows not
// resident (beyond max_resident, or another node's in cluster mode) are not waited for.
class dispatch_queue {
 public:
  explicit dispatch_queue(std::size_t max_resident) : max_resident_(max_resident == 0 ? 1 : max_resident) {}

  enum class admit {
    added,  // now resident, due at item.next_attempt_ms
    known,  // already resident or finishing: ignored
    full,   // no room: ignored, the caller must read it from the store again later
  };
  [[nodiscard]] admit add(store::outbox_item item);

  // Replaces a resident, waiting row with `fresh` (as read again from the store) and makes it
  // due at `now_ms`. False when the row is not resident or is in flight.
  bool expedite(store::outbox_item fresh, std::int64_t now_ms);

  // Up to `n` rows due at `now_ms` (next_attempt_ms <= now_ms), earliest due first (ties by id);
  // they are in flight until finish() or defer().
  [[nodiscard]] std::vector<std::int64_t> take_due(std::int64_t now_ms, std::size_t n);

  // The resident row, or nullptr.
  [[nodiscard]] const store::outbox_item* find(std::int64_t id) const;

  // An in-flight row is done for good (sent or dead): it leaves the queue and is "finishing".
  void finish(std::int64_t id);
  // An in-flight row waits again until `next_attempt_ms`, with its new attempt count and error.
  // `not_before_ms` is the dispatcher's own Retry-After deadline (0 = none), kept by pull_in().
  void defer(std::int64_t id, int attempts, std::int64_t next_attempt_ms, std::string last_error,
             std::int64_t not_before_ms = 0);
  // The dispatcher is back: every waiting row is due at `now_ms` (or at its Retry-After
  // deadline, if later) instead of at the end of its backoff. Returns how many moved.
  std::size_t pull_in(std::int64_t now_ms);
  // The store committed the change for `id` (or failed to): it is no longer "finishing".
  void committed(std::int64_t id) { finishing_.erase(id); }
  // An operator requeued `id`: forget that it was finishing, so it may be added again.
  void forget_finished(std::int64_t id) { finishing_.erase(id); }

  // When the earliest waiting row not held back by an older one is due; nullopt when none.
  // A row held back becomes takeable when the older row finishes (finish(): the caller takes
  // due rows after every outcome).
  [[nodiscard]] std::optional<std::int64_t> next_due_ms() const;

  [[nodiscard]] bool in_flight(std::int64_t id) const;
  [[nodiscard]] bool finishing(std::int64_t id) const { return finishing_.contains(id); }
  [[nodiscard]] std::size_t resident() const noexcept { return rows_.size(); }
  [[nodiscard]] std::size_t waiting() const noexcept { return due_.size(); }
  [[nodiscard]] std::size_t in_flight_count() const noexcept { return rows_.size() - due_.size(); }
  [[nodiscard]] std::size_t finishing_count() const noexcept { return finishing_.size(); }
  [[nodiscard]] std::size_t room() const noexcept { return rows_.size() >= max_resident_ ? 0 : max_resident_ - rows_.size(); }
  [[nodiscard]] std::size_t max_resident() const noexcept { return max_resident_; }

 private:
  struct row {
    store::outbox_item item;
    bool in_flight = false;
    std::int64_t not_before_ms = 0;
    std::vector<std::string> order_keys;
  };
  [[nodiscard]] bool held_back(const row& r) const;
  void release_keys(const row& r);
  std::size_t max_resident_;
  std::unordered_map<std::int64_t, row> rows_;
  std::unordered_map<std::string, std::set<std::int64_t>> holders_;  // order key -> resident ids
  std::set<std::pair<std::int64_t, std::int64_t>> due_;  // (next_attempt_ms, id) of waiting rows
  std::unordered_set<std::int64_t> finishing_;
};

}  // namespace lapor::gateway
