// Online backup and the checks a restore makes (lapor-gateway backup / restore).
//
// A backup is SQLite's online backup API run in one step: the copy is the database exactly as
// of one read transaction, taken while the daemon keeps committing (WAL: the reader blocks no
// writer; commits after the snapshot began are not in the copy). A file copy of a WAL database
// is never consistent, so nothing here copies lapor.db with cp. The copy is one
// self-contained file (rollback-journal mode, no -wal beside it), fsync'd, written under a
// temporary name and renamed, so a crash never leaves a half copy under the final name.
//
// No threads; each call blocks its caller (the backup/restore commands, not the daemon).
#pragma once

#include <optional>
#include <string>

namespace lapor::store {

// Copies the database `source` into the new file `dest` (which must not exist). nullopt on
// success, else what failed (the partial file is removed).
[[nodiscard]] std::optional<std::string> backup_database(const std::string& source, const std::string& dest);

// Opens `path` read-only and runs PRAGMA integrity_check and the schema version check:
// nullopt when the file is a sound database this build can open, else the problems found.
[[nodiscard]] std::optional<std::string> check_database(const std::string& path);

}  // namespace lapor::store
