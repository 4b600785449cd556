#include "store/database.h"

#include <sqlite3.h>

#include <string>
#include <utility>

namespace lapor::store {

static_assert(db_ok == SQLITE_OK && db_row == SQLITE_ROW && db_done == SQLITE_DONE &&
              db_constraint == SQLITE_CONSTRAINT);

namespace {

std::string describe(sqlite3* db, int rc) {
  std::string s = sqlite3_errstr(rc);
  if (db != nullptr) {
    const char* msg = sqlite3_errmsg(db);
    if (msg != nullptr && s != msg) {
      s += ": ";
      s += msg;
    }
  }
  return s;
}

// SQLite counts every allocation and free (for sqlite3_memory_used() and a soft heap limit)
// under one process-wide mutex unless told not to: two lock/unlock pairs per allocation, ~4-5k
// instructions per message on the writer thread. Nothing here reads those counters. Only
// possible before SQLite initialises (the first connection opens): after that the call is
// refused and nothing changes.
void stop_counting_allocations_once() noexcept {
  static const int rc = sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
  (void)rc;
}

}  // namespace

database::database(const connection_options& opts) : memory_(opts.path == ":memory:" || opts.path.empty()) {
  stop_counting_allocations_once();
  int flags = SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE;
  flags |= opts.read_only ? SQLITE_OPEN_READWRITE : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  const std::string path = opts.path.empty() ? std::string(":memory:") : opts.path;
  int rc = sqlite3_open_v2(path.c_str(), &db_, flags, opts.vfs.empty() ? nullptr : opts.vfs.c_str());
  if (rc != SQLITE_OK) {
    std::string what = "cannot open " + path + ": " + describe(db_, rc);
    sqlite3_close_v2(db_);
    db_ = nullptr;
    throw db_error(rc, what);
  }
  sqlite3_busy_timeout(db_, opts.busy_timeout_ms);
  try {
    exec_or_throw("PRAGMA foreign_keys=OFF");
    // Only takes effect while the file is empty, so before journal_mode=WAL writes to it.
    if (opts.page_size > 0 && !opts.read_only)
      exec_or_throw(("PRAGMA page_size=" + std::to_string(opts.page_size)).c_str());
    if (!opts.read_only) {
      // Retention (store/retention.h): freed pages go back to the file system, and deleted or
      // overwritten content is zeroed in the pages, so an erased report leaves no bytes
      // behind. auto_vacuum only takes effect on a new database (before its first table);
      // ensure_incremental_vacuum() converts an older one.
      exec_or_throw("PRAGMA auto_vacuum=INCREMENTAL");
      exec_or_throw("PRAGMA secure_delete=ON");
    }
    if (opts.read_only) {
      exec_or_throw("PRAGMA query_only=ON");
    } else if (!memory_) {
      // journal_mode answers with a row; exec() ignores it. Check the mode actually took.
      statement wal(*this, "PRAGMA journal_mode=WAL");
      const int step_rc = wal.step();
      if (step_rc != SQLITE_ROW) throw db_error(step_rc, "journal_mode=WAL: " + error_text(step_rc));
      if (wal.column_text(0) != "wal")
        throw db_error(SQLITE_ERROR, "journal_mode=WAL refused (got " + std::string(wal.column_text(0)) + ")");
    }
    exec_or_throw(opts.synchronous_full ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL");
    if (opts.max_page_count > 0)
      exec_or_throw(("PRAGMA max_page_count=" + std::to_string(opts.max_page_count)).c_str());
    if (opts.temp_store_memory) exec_or_throw("PRAGMA temp_store=MEMORY");
    if (opts.cache_kib > 0) exec_or_throw(("PRAGMA cache_size=-" + std::to_string(opts.cache_kib)).c_str());
    if (opts.wal_autocheckpoint > 0)
      exec_or_throw(("PRAGMA wal_autocheckpoint=" + std::to_string(opts.wal_autocheckpoint)).c_str());
  } catch (...) {
    sqlite3_close_v2(db_);
    db_ = nullptr;
    throw;
  }
}

int database::checkpoint_truncate() noexcept {
  int log = 0, copied = 0;
  return sqlite3_wal_checkpoint_v2(db_, "main", SQLITE_CHECKPOINT_TRUNCATE, &log, &copied);
}

std::string database::wal_path() const {
  if (memory_) return {};
  const char* wal = sqlite3_filename_wal(sqlite3_db_filename(db_, "main"));
  return wal != nullptr ? std::string(wal) : std::string();
}

database::~database() {
  // Statements are owned elsewhere and must be finalized first; close_v2 defers otherwise.
  if (db_ != nullptr) sqlite3_close_v2(db_);
}

void database::on_wal_commit(std::function<void(int frames)> f) {
  wal_hook_ = std::move(f);
  sqlite3_wal_hook(
      db_,
      [](void* self, sqlite3*, const char*, int frames) {
        auto* d = static_cast<database*>(self);
        if (d->wal_hook_) d->wal_hook_(frames);
        return SQLITE_OK;
      },
      this);
}

int database::exec(const char* sql) noexcept { return sqlite3_exec(db_, sql, nullptr, nullptr, nullptr); }

void database::exec_or_throw(const char* sql) {
  const int rc = exec(sql);
  if (rc != SQLITE_OK) throw db_error(rc, std::string(sql) + ": " + error_text(rc));
}

std::string database::error_text(int rc) const { return describe(db_, rc); }

std::int64_t database::changes() const noexcept { return sqlite3_changes64(db_); }

std::int64_t database::last_insert_rowid() const noexcept { return sqlite3_last_insert_rowid(db_); }

bool database::in_transaction() const noexcept { return sqlite3_get_autocommit(db_) == 0; }

statement::statement(database& db, std::string_view sql) {
  const int rc = sqlite3_prepare_v3(db.handle(), sql.data(), static_cast<int>(sql.size()),
                                    SQLITE_PREPARE_PERSISTENT, &stmt_, nullptr);
  if (rc != SQLITE_OK) {
    sqlite3_finalize(stmt_);
    stmt_ = nullptr;
    throw db_error(rc, "prepare \"" + std::string(sql) + "\": " + db.error_text(rc));
  }
}

statement::~statement() { sqlite3_finalize(stmt_); }

statement::statement(statement&& other) noexcept : stmt_(std::exchange(other.stmt_, nullptr)) {}

statement& statement::operator=(statement&& other) noexcept {
  if (this != &other) {
    sqlite3_finalize(stmt_);
    stmt_ = std::exchange(other.stmt_, nullptr);
  }
  return *this;
}

statement& statement::bind(int i, std::int64_t v) noexcept {
  sqlite3_bind_int64(stmt_, i, v);
  return *this;
}

statement& statement::bind(int i, std::string_view v) noexcept {
  // A non-null pointer even for "" so the value is '' rather than NULL.
  sqlite3_bind_text64(stmt_, i, v.data() != nullptr ? v.data() : "", v.size(), SQLITE_STATIC, SQLITE_UTF8);
  return *this;
}

statement& statement::bind_null(int i) noexcept {
  sqlite3_bind_null(stmt_, i);
  return *this;
}

statement& statement::bind_or_null(int i, std::string_view v) noexcept {
  return v.empty() ? bind_null(i) : bind(i, v);
}

statement& statement::bind_blob(int i, std::string_view bytes) noexcept {
  sqlite3_bind_blob64(stmt_, i, bytes.data() != nullptr ? bytes.data() : "", bytes.size(), SQLITE_STATIC);
  return *this;
}

int statement::step() noexcept { return sqlite3_step(stmt_); }

void statement::reset() noexcept {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

std::int64_t statement::column_int64(int i) const noexcept { return sqlite3_column_int64(stmt_, i); }

std::string_view statement::column_text(int i) const noexcept {
  const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, i));
  if (p == nullptr) return {};
  return {p, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, i))};
}

std::string_view statement::column_blob(int i) const noexcept {
  const auto* p = static_cast<const char*>(sqlite3_column_blob(stmt_, i));
  if (p == nullptr) return {};
  return {p, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, i))};
}

bool statement::column_is_null(int i) const noexcept { return sqlite3_column_type(stmt_, i) == SQLITE_NULL; }

bool needs_reopen(int rc) noexcept {
  switch (rc & 0xff) {
    case SQLITE_IOERR:
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
    case SQLITE_CANTOPEN:
    case SQLITE_PROTOCOL:
      return true;
    default:
      return false;
  }
}

}  // namespace lapor::store
