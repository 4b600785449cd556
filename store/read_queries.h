// The read-only queries, on one connection with statements prepared once.
//
// Not thread-safe: read_pool serialises access. A SQLite error answers like "nothing found"
// (nullopt / empty / zero counts): the read API has no error channel, and readers must not
// take the daemon down; the writer's commit observer is where storage trouble shows.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "store/database.h"
#include "store/reader.h"
#include "store/store.h"

namespace lapor::store {

class read_queries final : public reader {
 public:
  // Opens `path` read-only (query_only); ":memory:" gets its own empty, migrated database.
  // Throws db_error when the database does not exist or has no (or a newer) schema.
  explicit read_queries(const std::string& path);
  ~read_queries();
  read_queries(const read_queries&) = delete;
  read_queries& operator=(const read_queries&) = delete;

  [[nodiscard]] std::optional<complaint_summary> find_complaint(std::int64_t id) override;
  // Scans the idempotency table (it has no index by design: see migrations.cpp).
  [[nodiscard]] std::optional<complaint_summary> find_by_idempotency_key(const std::string& key) override;
  [[nodiscard]] std::vector<outbox_item> list_outbox(std::optional<outbox_state> state, std::int64_t after_id, int limit) override;
  [[nodiscard]] std::vector<outbox_item> pending_outbox(const std::string& destination, std::int64_t after_id, int limit) override;
  [[nodiscard]] outbox_counts counts() override;
  [[nodiscard]] std::optional<std::string> get_cursor(const std::string& name) override;

 private:
  struct statements;
  std::unique_ptr<database> db_;
  std::unique_ptr<statements> st_;
};

}  // namespace lapor::store
