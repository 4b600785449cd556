// The write connection and everything one group transaction does with it.
//
// No threads here: `group_writer` owns one session and calls it from its writer thread. A
// session opens (creating and migrating) the database, prepares every statement once, and
// loads the in-memory idempotency index. apply() runs a group in one BEGIN IMMEDIATE ...
// COMMIT and fills each request's answer; if anything fails, it rolls back and every request
// is answered `failed` with the error text: nothing of the group is acknowledged. After an
// I/O error (or corruption) the connection is closed and reopened before the next group,
// never retried-and-acked (fsyncgate).

#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <unordered_set>
#include <vector>

#include "store/database.h"
#include "store/key_index.h"
#include "store/promise_index.h"
#include "store/store.h"
#include "store/session.h"
#include "store/write_request.h"

namespace lapor::store {

class writer_session final : public session {
 public:
  // Throws db_error when the database cannot be opened, migrated or is newer than the code.
  explicit writer_session(const options& opts);
  ~writer_session();
  writer_session(const writer_session&) = delete;
  writer_session& operator=(const writer_session&) = delete;

  // Applies every request of `group` except probes in one transaction and sets each one's
  // answer. When `created` is not null it receives the outbox rows the group created
  // (payload resolved), only if the group committed. Never throws.
  group_outcome apply(std::vector<write_request>& group, std::vector<outbox_item>* created) override;

  // Highest sequence stored for `node`, 0 when none. Throws db_error.
  [[nodiscard]] std::uint32_t max_sequence(std::uint8_t node) override;

  // The decider consulted for every new row (nullptr = none); see store.h.
  void set_insert_decider(insert_decider* d) noexcept override { decider_ = d; }

  // See group_writer::scan_match_state. Throws db_error.
  void scan_match_state(std::int64_t since_ms, const std::function<void(std::string_view, std::string_view)>& on_link,
                        const std::function<void(const match_record&)>& on_match) override;

  // See group_writer::scan_parts. Throws db_error.
  void scan_parts(const std::function<void(const stored_part&)>& on_part) override;

  // Keys in the in-memory idempotency index (for tests and metrics).
  [[nodiscard]] std::size_t indexed_keys() const noexcept { return keys_.size(); }

  [[nodiscard]] bool is_memory() const noexcept;
  // Whether COMMIT leaves the WAL's fsync to the caller (options::pipelined_sync), the WAL's
  // path, and a number that changes whenever the connection is reopened (wal_sync.h).
  [[nodiscard]] bool caller_syncs() const noexcept;
  [[nodiscard]] const std::string& wal_path() const noexcept { return wal_path_; }
  [[nodiscard]] std::uint64_t generation() const noexcept { return generation_; }
  // Copies every committed frame of the WAL into the database file, fsyncs it and empties the
  // WAL (a TRUNCATE checkpoint); SQLITE_BUSY when a reader kept it from completing. Returns
  // a result code; `error` says what failed. Between groups only.
  [[nodiscard]] int checkpoint_truncate(std::string& error);
  // The highest outbox id committed so far (0 when none).
  [[nodiscard]] std::int64_t last_outbox_id() const noexcept { return next_outbox_id_ - 1; }
  // WAL size in frames after the last commit, and a callback told after each commit.
  [[nodiscard]] int wal_frames() const noexcept { return wal_frames_; }
  void set_wal_listener(std::function<void(int frames)> f);

 private:
  struct statements;

  void open();                                   // throws db_error
  void close() noexcept;
  [[nodiscard]] int apply_one(insert_request& r, std::uint32_t index, std::vector<outbox_item>* created);
  [[nodiscard]] int apply_one(enqueue_request& r, std::vector<outbox_item>* created);
  [[nodiscard]] int apply_one(transition_request& r);
  [[nodiscard]] int apply_one(cursor_request& r);
  [[nodiscard]] int apply_one(relink_request& r, std::vector<outbox_item>* created);
  [[nodiscard]] int apply_one(part_request& r);
  [[nodiscard]] int apply_one(purge_parts_request& r);
  [[nodiscard]] int apply_one(complete_parts_request& r);
  // What every insert does after its answer is known (stored or replay): marks the parts it
  // completes, writes its promised messages. `complaint_id`: the row the promises hang on.
  [[nodiscard]] int after_answer(complaint_row& row, write_result& answer, std::vector<outbox_item>* created);
  // Moves `id` to state `to` (fields per `r`); sets `known`/`was_sent`. Returns an rc.
  [[nodiscard]] int transition(const transition_request& r, std::int64_t id, bool& known, bool& was_sent);
  // Looks the key up in this group, then in the index (verifying the stored key).
  // Returns an rc; `found` tells whether `r.result` was set (replay or conflict).
  [[nodiscard]] int lookup_key(insert_request& r, std::uint64_t hash, std::vector<write_request>& group, bool& found);

  options opts_;
  std::unique_ptr<database> db_;
  std::unique_ptr<statements> st_;
  key_index keys_;
  group_keys group_keys_;
  std::int64_t next_outbox_id_ = 1;
  std::int64_t count_delta_[3] = {0, 0, 0};
  std::int64_t now_ms_ = 0;
  bool reopen_needed_ = false;
  std::string wal_path_;
  std::uint64_t generation_ = 0;
  int wal_frames_ = 0;
  std::function<void(int)> wal_listener_;
  std::vector<write_request>* group_ = nullptr;  // the group being applied
  insert_decider* decider_ = nullptr;
  std::vector<std::pair<std::int64_t, std::string>> relinked_;  // this group's, told after commit
  promise_index promises_;        // committed promise keys within the window
  std::vector<std::pair<std::uint64_t, std::int64_t>> group_promises_;  // this group's, joined after commit
  std::unordered_set<std::uint64_t> group_promise_keys_;  // the same keys, for lookups within the group
};

}  // namespace lapor::store
