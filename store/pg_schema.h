// The PostgreSQL backend's schema and its migrations (cluster mode).
#pragma once

#include <string>

#include "store/pg_connection.h"

namespace lapor::store::pg {

// Creates or migrates the schema, serialised across nodes starting at once by a session
// advisory lock. Throws std::runtime_error when it fails or when the schema is newer than
// this build.
void migrate(connection& c);

// Refuses (std::runtime_error starting "tracking_key_mismatch:") a node whose tracking key
// fingerprint differs from the one the cluster recorded first.
void check_key_fingerprint(connection& c, const std::string& fingerprint);

}  // namespace lapor::store::pg
