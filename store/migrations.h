// The store's schema, as an ordered list of migrations recorded in `schema_version`.
//
// Each migration runs in its own transaction together with the version bump, so a crash
// leaves the database at one version or the next, never between. Opening a database whose
// version is newer than this build knows is refused: an older binary must not write into a
// schema it does not understand.
#pragma once

#include "store/database.h"

namespace lapor::store {

// The version this build creates and understands.
[[nodiscard]] int latest_schema_version() noexcept;

// The version recorded in `db` (0 for an empty database).
[[nodiscard]] int schema_version(database& db);

// Brings `db` to latest_schema_version(). Throws db_error (with a readable message) when a
// migration fails or the database is newer than this build.
void migrate(database& db);

}  // namespace lapor::store
