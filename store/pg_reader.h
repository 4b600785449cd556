// The read queries on PostgreSQL (cluster mode), and the outbox claim.
#pragma once

#include <atomic>
#include <string>
#include <unordered_map>

#include "store/pg_connection.h"
#include "store/reader.h"

namespace lapor::store {

class pg_reader final : public reader {
 public:
  // Connects at the first query (and again after a failure).
  explicit pg_reader(const options& opts);

  std::optional<complaint_summary> find_complaint(std::int64_t id) override;
  std::optional<complaint_summary> find_by_idempotency_key(const std::string& key) override;
  std::vector<outbox_item> list_outbox(std::optional<outbox_state> state, std::int64_t after_id, int limit) override;
  // Claims as it reads: rows unclaimed, claimed by this node, or claimed by a node whose
  // lease ("node:<id>") has expired, FOR UPDATE SKIP LOCKED (two nodes never take one row),
  // committed at once so the delivery holds no lock.
  std::vector<outbox_item> pending_outbox(const std::string& destination, std::int64_t after_id, int limit) override;
  std::vector<outbox_item> take_over_outbox(const std::string& destination, std::int64_t after_id, int limit) override;
  std::vector<stored_part> take_over_parts(std::int64_t done_since_ms) override;
  outbox_counts counts() override;
  std::optional<std::string> get_cursor(const std::string& name) override;
  [[nodiscard]] std::uint64_t claims_taken_over() const noexcept override { return taken_.load(); }

 private:
  pg::result query(const char* sql, const pg::params& p);
  [[nodiscard]] std::string dead_nodes();
  [[nodiscard]] bool handed_on(const std::string& destination);
  std::vector<outbox_item> claim(const std::string& destination, std::int64_t after_id, int limit, bool mine_too);

  options opts_;
  pg::connection conn_;
  std::atomic<std::uint64_t> taken_{0};
  // Per destination: the dead nodes (their ids, joined) whose rows a whole take-over pass
  // found all taken; the next pass is skipped until that set changes.
  std::unordered_map<std::string, std::string> drained_;
  std::string parts_drained_;  // the same for take_over_parts

};

}  // namespace lapor::store
