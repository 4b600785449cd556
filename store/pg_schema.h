// The PostgreSQL backend's schema and its migrations (cluster mode).
#pragma once

#include <string>

#include "store/pg_connection.h"
#include "store/store.h"

namespace lapor::store::pg {

// Creates or migrates the schema, serialised across nodes starting at once by a session
// advisory lock. Throws std::runtime_error when it fails or when the schema is newer than
// this build.
void migrate(connection& c);

// Refuses (std::runtime_error starting "tracking_key_mismatch:") a node whose tracking key
// fingerprint differs from the one the cluster recorded first.
void check_key_fingerprint(connection& c, const std::string& fingerprint);

// The message_parts columns every reader of parts selects, in this order.
#define LAPOR_PG_PART_COLUMNS "group_key, seq, part, received_at_ms, coalesce(answer, ''), coalesce(done_ms, 0)"
// One row of LAPOR_PG_PART_COLUMNS, starting at column `col`.
[[nodiscard]] stored_part part_row(const result& r, int row, int col = 0);

}  // namespace lapor::store::pg
