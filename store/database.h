// A SQLite connection and prepared statements, the only place that opens one.
//
// `database` owns a connection configured for the store: WAL, synchronous=FULL (or NORMAL),
// a busy timeout, foreign keys off. `statement` is an RAII prepared statement with
// bind/step/reset; text binds are SQLITE_STATIC, so the bound bytes must stay alive until
// the next reset(). Errors are values (SQLite result codes plus the connection's message);
// only open() and statement construction throw, and those happen at start-up (or when the
// writer reopens after an I/O error, where the caller catches).
//
// This header does not include sqlite3.h, so tests can use it; only store/*.cpp do.
#pragma once

#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>
#include <string_view>

struct sqlite3;
struct sqlite3_stmt;

namespace lapor::store {

// A SQLite failure with its primary/extended result code and the connection's message.
class db_error : public std::runtime_error {
 public:
  db_error(int code, const std::string& what) : std::runtime_error(what), code_(code) {}
  [[nodiscard]] int code() const noexcept { return code_; }

 private:
  int code_;
};

struct connection_options {
  std::string path;                  // file name or ":memory:"
  bool read_only = false;            // opens an existing database, PRAGMA query_only=ON
  bool synchronous_full = true;      // FULL: the WAL is fsync'd at every commit
  int busy_timeout_ms = 5000;
  std::int64_t max_page_count = 0;   // 0 = unlimited; tests use it to provoke SQLITE_FULL
  int wal_autocheckpoint = 0;        // pages; 0 = SQLite's default (1000)
  std::int64_t cache_kib = 0;        // page cache size; 0 = SQLite's default (2000 KiB)
  int page_size = 0;                 // bytes, for a new database only; 0 = SQLite's default (4096)
  std::string vfs;                   // empty = the default VFS (tests: the fault-injection VFS)
  // PRAGMA temp_store=MEMORY: statement journals (and temporary tables) stay in memory. The
  // group writer's multi-row statements each keep a statement journal of the pages they
  // change; past 64 KiB (four 16 KiB pages) SQLite spills it to a temporary file, created and
  // unlinked each time (openat, unlink, writes, close: ~60 a second under load). The writer's
  // journal is bounded by one group's pages, which the page cache holds anyway.
  bool temp_store_memory = false;
};

class database {
 public:
  // Opens and configures; throws db_error when the file cannot be opened or configured.
  explicit database(const connection_options& opts);
  ~database();
  database(const database&) = delete;
  database& operator=(const database&) = delete;

  // Runs one or more statements without results. Returns the SQLite result code.
  [[nodiscard]] int exec(const char* sql) noexcept;
  // Like exec() but throws db_error on failure (start-up and migrations).
  void exec_or_throw(const char* sql);

  // The connection's last error message, prefixed by the result code name.
  [[nodiscard]] std::string error_text(int rc) const;
  [[nodiscard]] std::int64_t changes() const noexcept;
  [[nodiscard]] std::int64_t last_insert_rowid() const noexcept;
  [[nodiscard]] bool in_transaction() const noexcept;
  [[nodiscard]] bool is_memory() const noexcept { return memory_; }
  // Calls `f(frames)` after every commit on this connection with the WAL's size in frames
  // (sqlite3_wal_hook). Replaces SQLite's automatic checkpoints on this connection.
  void on_wal_commit(std::function<void(int frames)> f);
  [[nodiscard]] sqlite3* handle() const noexcept { return db_; }
  // PRAGMA wal_checkpoint(TRUNCATE): every committed frame into the database file, both
  // synced, the WAL emptied. SQLITE_BUSY when readers kept it from completing.
  [[nodiscard]] int checkpoint_truncate() noexcept;
  // The WAL file's path (empty for a memory database).
  [[nodiscard]] std::string wal_path() const;

 private:
  sqlite3* db_ = nullptr;
  bool memory_ = false;
  std::function<void(int)> wal_hook_;
};

class statement {
 public:
  // Prepares `sql` (persistent: the statement is reused for the life of the connection).
  // Throws db_error when it does not compile.
  statement(database& db, std::string_view sql);
  ~statement();
  statement(statement&& other) noexcept;
  statement& operator=(statement&& other) noexcept;
  statement(const statement&) = delete;
  statement& operator=(const statement&) = delete;

  // Parameters are 1-based. Text is bound without copying: keep it alive until reset().
  statement& bind(int i, std::int64_t v) noexcept;
  statement& bind(int i, std::string_view v) noexcept;
  statement& bind_null(int i) noexcept;
  // Binds NULL for an empty string, the text otherwise.
  statement& bind_or_null(int i, std::string_view v) noexcept;
  // Binds bytes as a BLOB (not copied: keep them alive until reset()).
  statement& bind_blob(int i, std::string_view bytes) noexcept;

  // SQLITE_ROW, SQLITE_DONE or an error code.
  [[nodiscard]] int step() noexcept;
  // Resets for reuse and clears bindings.
  void reset() noexcept;

  // Columns are 0-based; text of a NULL column is empty.
  [[nodiscard]] std::int64_t column_int64(int i) const noexcept;
  [[nodiscard]] std::string_view column_text(int i) const noexcept;
  // The bytes of a BLOB (or TEXT) column; empty for NULL.
  [[nodiscard]] std::string_view column_blob(int i) const noexcept;
  [[nodiscard]] bool column_is_null(int i) const noexcept;

  [[nodiscard]] sqlite3_stmt* handle() const noexcept { return stmt_; }

 private:
  sqlite3_stmt* stmt_ = nullptr;
};

// Resets a statement when leaving a scope, whatever the path.
class reset_guard {
 public:
  explicit reset_guard(statement& s) noexcept : s_(s) {}
  ~reset_guard() { s_.reset(); }
  reset_guard(const reset_guard&) = delete;
  reset_guard& operator=(const reset_guard&) = delete;

 private:
  statement& s_;
};

// True for result codes after which the connection must be closed and reopened before the
// next write (fsyncgate: an I/O error is never retried on the same connection and acked).
[[nodiscard]] bool needs_reopen(int rc) noexcept;

// SQLITE_DONE / SQLITE_ROW / SQLITE_OK values without including sqlite3.h.
inline constexpr int db_ok = 0;
inline constexpr int db_row = 100;
inline constexpr int db_done = 101;
inline constexpr int db_constraint = 19;

}  // namespace lapor::store
