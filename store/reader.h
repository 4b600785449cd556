// What read_pool's thread needs from a backend: the read-only queries on one connection.
// SQLite (read_queries.h) and PostgreSQL (pg_reader.h). Not thread-safe: read_pool
// serialises. A database error answers like "nothing found" (the read API has no error
// channel; the writer's commit observer is where storage trouble shows).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "store/store.h"

namespace lapor::store {

class reader {
 public:
  virtual ~reader() = default;
  [[nodiscard]] virtual std::optional<complaint_summary> find_complaint(std::int64_t id) = 0;
  [[nodiscard]] virtual std::optional<complaint_summary> find_by_idempotency_key(const std::string& key) = 0;
  [[nodiscard]] virtual std::vector<outbox_item> list_outbox(std::optional<outbox_state> state, std::int64_t after_id,
                                                             int limit) = 0;
  // Cluster mode: only rows this node holds or may take (unclaimed, or claimed by a node
  // whose lease expired), and they are claimed for this node as they are returned.
  [[nodiscard]] virtual std::vector<outbox_item> pending_outbox(const std::string& destination, std::int64_t after_id,
                                                                int limit) = 0;
  // Cluster mode: like pending_outbox, but only rows not yet this node's (unclaimed, or of a
  // node whose lease expired): the periodic claim, which must not re-read what the forwarder
  // holds. One node: nothing to take over.
  [[nodiscard]] virtual std::vector<outbox_item> take_over_outbox(const std::string& /*destination*/,
                                                                  std::int64_t /*after_id*/, int /*limit*/) {
    return {};
  }
  // Cluster mode: the long-SMS parts that nodes whose lease expired held (open ones, and
  // done ones with done_ms >= done_since_ms), made this node's as they are returned, in
  // arrival order. One node: nothing to take over.
  [[nodiscard]] virtual std::vector<stored_part> take_over_parts(std::int64_t /*done_since_ms*/) { return {}; }
  [[nodiscard]] virtual outbox_counts counts() = 0;
  [[nodiscard]] virtual std::optional<std::string> get_cursor(const std::string& name) = 0;
  // Rows taken over from a node whose lease had expired (cluster mode; a metric).
  [[nodiscard]] virtual std::uint64_t claims_taken_over() const noexcept { return 0; }
};

[[nodiscard]] std::unique_ptr<reader> make_reader(const options& opts);

}  // namespace lapor::store
