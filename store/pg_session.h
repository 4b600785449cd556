// The writer's session on PostgreSQL (cluster mode, SPEC §9): one transaction per group,
// READ COMMITTED, acknowledged only after COMMIT returned without a replication warning.
//
// A group's inserts are decided as on one node, with what other nodes committed made
// visible first:
//  1. the identities of the group's rows are widened by the stored links that touch them;
//  2. transaction-scoped advisory locks are taken on their hashes and on the idempotency
//     keys' hashes, sorted (so two nodes lock in the same order);
//  3. under the locks: the stored idempotency keys of the group, and the rows other nodes
//     stored for those identities within the dedup window, are read; the rows and links go
//     to the decider (absorb_*) — a node blocked on an identity resumes only after the other
//     node's commit, so it sees that commit;
//  4. the "related" tail (rows of other identities that other nodes stored) is read by
//     transaction id below the snapshot's xmin, at most every tail_interval;
//  5. the rows are decided in order and written with multi-row statements (unnest), sent
//     with the group's other changes and COMMIT in one pipeline: a group costs two round
//     trips (three when linked identities must be locked too), whatever its size. Measured
//     on the 2-core box: one round trip per statement cost ~0.7 ms each, ~15 per group.
// An unreachable server, a lost connection or a COMMIT that warned "canceled wait for
// synchronous replication" fails the whole group: nothing of it is acknowledged, the
// senders' retries carry the same keys and are answered as retries if it did commit.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "store/pg_connection.h"
#include "store/session.h"

namespace lapor::store {

class pg_session final : public session {
 public:
  // Connects, migrates, checks the tracking key fingerprint and takes this node's lease.
  // Throws std::runtime_error ("node_id_in_use: …", "tracking_key_mismatch: …", or the
  // server's error) at start-up.
  explicit pg_session(const options& opts);
  ~pg_session() override;

  group_outcome apply(std::vector<write_request>& group, std::vector<outbox_item>* created) override;
  [[nodiscard]] std::uint32_t max_sequence(std::uint8_t node) override;
  void set_insert_decider(insert_decider* d) noexcept override { decider_ = d; }
  void scan_match_state(std::int64_t since_ms, const std::function<void(std::string_view, std::string_view)>& on_link,
                        const std::function<void(const match_record&)>& on_match) override;
  void scan_parts(const std::function<void(const stored_part&)>& on_part) override;

 private:
  struct group_state;
  // BEGIN, the locks and every read under them, in one round trip (two when the group's
  // identities have stored links to others). Returns the error, or empty.
  std::string read_phase(std::vector<write_request>& group, group_state& g);
  void absorb(const pg::result& r);
  void stage_insert(insert_request& r, std::size_t index, group_state& g);
  void after_answer(complaint_row& row, write_result& answer, group_state& g);
  // The group's rows as multi-row statements, queued for the write round trip.
  void queue_writes(group_state& g, std::vector<outbox_item>* created);
  void queue_promises(group_state& g, std::vector<outbox_item>* created);
  // The group's mark_sent requests as one statement.
  void queue_sent(group_state& g);
  // The other requests, queued with a handler that reads their answer from their result.
  std::string queue_one(enqueue_request& r, group_state& g, std::vector<outbox_item>* created);
  std::string queue_one(transition_request& r, group_state& g, std::vector<outbox_item>* created);
  std::string queue_one(cursor_request& r, group_state& g, std::vector<outbox_item>* created);
  std::string queue_one(part_request& r, group_state& g, std::vector<outbox_item>* created);
  std::string queue_one(complete_parts_request& r, group_state& g, std::vector<outbox_item>* created);
  std::string queue_one(purge_parts_request& r, group_state& g, std::vector<outbox_item>* created);
  // Retention's erasure is SQLite's only (store/erase_apply.h): refused here, nothing changes.
  std::string queue_one(erase_request& r, group_state& g, std::vector<outbox_item>* created);
  void created_item(const enqueue_request& r, const pg::result& res, std::vector<outbox_item>* created,
                    const std::string& tracking_id, const std::string& payload);
  // An operator's relink: read and written at once (a few statements).
  std::string apply_one(relink_request& r, std::vector<outbox_item>* created);
  // Runs `sql` now; on failure records whether the connection was lost and returns the error.
  pg::result run(const char* sql, const pg::params& p, std::string& error);
  // false at the first failed result (error set; lost_ when the connection failed).
  bool check(const std::vector<pg::result>& results, std::string& error);

  options opts_;
  pg::connection conn_;
  insert_decider* decider_ = nullptr;
  std::vector<write_request>* group_ = nullptr;  // the group being applied
  bool lost_ = false;  // the current group's connection failed
  std::int64_t now_ms_ = 0;
  std::vector<std::pair<std::int64_t, std::string>> relinked_;
  // Other nodes' complaints already given to the decider (id -> received_at_ms).
  std::unordered_map<std::int64_t, std::int64_t> absorbed_;
  std::string tail_xmin_;  // xid8 below which the tail has read everything; empty = not started
  std::chrono::steady_clock::time_point next_tail_{};
};

}  // namespace lapor::store
