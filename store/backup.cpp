#include "store/backup.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "store/database.h"
#include "store/migrations.h"

namespace lapor::store {

namespace {

std::optional<std::string> fsync_path(const std::string& path, bool directory) {
  const int fd = ::open(path.c_str(), (directory ? O_DIRECTORY : 0) | O_RDONLY | O_CLOEXEC);
  if (fd < 0) return "cannot open " + path + " to sync it: " + std::strerror(errno);
  const int rc = ::fsync(fd);
  const int err = errno;
  ::close(fd);
  if (rc != 0) return "fsync " + path + ": " + std::strerror(err);
  return std::nullopt;
}

// The copy's own connection: a plain file, no WAL (it is an archive, not a live database).
class destination {
 public:
  explicit destination(const std::string& path) {
    rc_ = sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_EXCLUSIVE, nullptr);
  }
  ~destination() { sqlite3_close_v2(db_); }
  destination(const destination&) = delete;
  destination& operator=(const destination&) = delete;
  [[nodiscard]] int open_rc() const noexcept { return rc_; }
  [[nodiscard]] sqlite3* handle() const noexcept { return db_; }
  [[nodiscard]] std::string error() const { return db_ ? sqlite3_errmsg(db_) : "out of memory"; }

 private:
  sqlite3* db_ = nullptr;
  int rc_ = SQLITE_OK;
};

std::optional<std::string> copy_snapshot(const std::string& source, const std::string& partial) {
  connection_options co;
  co.path = source;
  co.read_only = true;
  database src(co);  // throws db_error: caught by the caller
  destination dst(partial);
  if (dst.open_rc() != SQLITE_OK) return "cannot create " + partial + ": " + dst.error();
  sqlite3_backup* b = sqlite3_backup_init(dst.handle(), "main", src.handle(), "main");
  if (b == nullptr) return "backup_init: " + dst.error();
  // -1: every page in one step, under one read transaction, so commits made meanwhile cannot
  // restart the copy (they would, between smaller steps, for as long as the daemon is busy).
  const int step = sqlite3_backup_step(b, -1);
  const int finish = sqlite3_backup_finish(b);
  if (step != SQLITE_DONE) return std::string("backup_step: ") + sqlite3_errstr(step);
  if (finish != SQLITE_OK) return "backup_finish: " + dst.error();
  // The copied header says WAL; the archive is one file, so switch it to a rollback journal.
  char* err = nullptr;
  if (sqlite3_exec(dst.handle(), "PRAGMA journal_mode=DELETE", nullptr, nullptr, &err) != SQLITE_OK) {
    std::string e = err ? err : "journal_mode=DELETE failed";
    sqlite3_free(err);
    return e;
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> backup_database(const std::string& source, const std::string& dest) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (fs::exists(dest, ec)) return dest + " exists; a backup never overwrites";
  if (!fs::exists(source, ec)) return "no database at " + source;
  const std::string partial = dest + ".partial";
  fs::remove(partial, ec);
  std::optional<std::string> failed;
  try {
    failed = copy_snapshot(source, partial);
  } catch (const std::exception& e) {
    failed = e.what();
  }
  if (!failed) failed = fsync_path(partial, false);
  if (!failed && std::rename(partial.c_str(), dest.c_str()) != 0)
    failed = "rename " + partial + ": " + std::strerror(errno);
  if (!failed) {
    const auto dir = fs::path(dest).parent_path();
    failed = fsync_path(dir.empty() ? "." : dir.string(), true);
  }
  if (failed) fs::remove(partial, ec);
  return failed;
}

std::optional<std::string> check_database(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) return "no such file: " + path;
  try {
    connection_options co;
    co.path = path;
    co.read_only = true;
    database db(co);
    std::string problems;
    {
      statement q(db, "PRAGMA integrity_check");
      int rc;
      while ((rc = q.step()) == db_row)
        if (q.column_text(0) != "ok") problems.append(problems.empty() ? "" : "; ").append(q.column_text(0));
      if (rc != db_done) return "integrity_check: " + db.error_text(rc);
    }
    if (!problems.empty()) return "integrity_check: " + problems;
    const int version = schema_version(db);
    if (version == 0) return path + " is not a lapor-gateway database (no schema_version)";
    if (version > latest_schema_version())
      return "schema version " + std::to_string(version) + " is newer than this build (" +
             std::to_string(latest_schema_version()) + ")";
  } catch (const std::exception& e) {
    return e.what();
  }
  return std::nullopt;
}

}  // namespace lapor::store
