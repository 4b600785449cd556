#include "store/retention.h"

#include <sqlite3.h>

#include <filesystem>

#include "store/database.h"

namespace lapor::store {

namespace {

// SQLite: a read-only connection beside the writer (WAL), so the scan never holds it.
class sqlite_source final : public retention_scanner::source {
 public:
  explicit sqlite_source(const std::string& path) {
    connection_options co;
    co.path = path;
    co.read_only = true;
    db_ = std::make_unique<database>(co);
  }

  std::optional<std::vector<retention_scanner::candidate>> next(std::int64_t after_id, std::int64_t confirmed_before_ms,
                                                                int limit, std::string& error) override {
    statement q(*db_,
                "SELECT c.id, c.status_meta, c.document FROM complaints c JOIN outbox o ON o.id = c.dispatch_outbox_id"
                " WHERE c.id > ?1 AND o.state = 1 AND o.updated_ms < ?2 AND c.document <> '' ORDER BY c.id LIMIT ?3");
    q.bind(1, after_id).bind(2, confirmed_before_ms).bind(3, std::int64_t{limit});
    std::vector<retention_scanner::candidate> out;
    int rc;
    while ((rc = q.step()) == db_row)
      out.push_back(retention_scanner::candidate{q.column_int64(0), std::string(q.column_text(1)),
                                                 std::string(q.column_text(2))});
    if (rc != db_done) {
      error = "retention scan: " + db_->error_text(rc);
      return std::nullopt;
    }
    return out;
  }

  std::optional<std::int64_t> max_outbox_id() override {
    statement q(*db_, "SELECT coalesce(max(id), 0) FROM outbox");
    if (q.step() != db_row) return std::nullopt;
    return q.column_int64(0);
  }

  bool keep_listed(std::set<std::string>& photos) override {
    if (photos.empty()) return true;
    statement q(*db_, "SELECT document FROM complaints WHERE document <> ''");
    int rc;
    while ((rc = q.step()) == db_row) {
      const std::string_view doc = q.column_text(0);
      for (auto it = photos.begin(); it != photos.end();) it = doc.find(*it) != std::string_view::npos ? photos.erase(it) : ++it;
      if (photos.empty()) return true;
    }
    return rc == db_done;
  }

 private:
  std::unique_ptr<database> db_;
};

}  // namespace

retention_scanner::retention_scanner(const std::string& path) : src_(std::make_unique<sqlite_source>(path)) {}

retention_scanner::retention_scanner(const options& opts)
    : src_(opts.backend == backend_kind::postgres ? make_pg_retention_source(opts)
                                                  : std::make_unique<sqlite_source>(opts.path)) {}

retention_scanner::~retention_scanner() = default;

std::optional<std::vector<retention_scanner::candidate>> retention_scanner::next(std::int64_t after_id,
                                                                                 std::int64_t confirmed_before_ms,
                                                                                 int limit, std::string& error) {
  return src_->next(after_id, confirmed_before_ms, limit, error);
}

std::optional<std::int64_t> retention_scanner::max_outbox_id() { return src_->max_outbox_id(); }

bool retention_scanner::keep_listed(std::set<std::string>& photos) { return src_->keep_listed(photos); }

std::optional<std::string> truncate_wal(const std::string& path, int busy_ms) {
  try {
    connection_options co;
    co.path = path;
    co.busy_timeout_ms = busy_ms;
    database db(co);
    int log = 0, copied = 0;
    const int rc = sqlite3_wal_checkpoint_v2(db.handle(), "main", SQLITE_CHECKPOINT_TRUNCATE, &log, &copied);
    if (rc != SQLITE_OK) return "wal_checkpoint(TRUNCATE): " + db.error_text(rc);
  } catch (const std::exception& e) {
    return e.what();
  }
  return std::nullopt;
}

std::optional<std::string> ensure_incremental_vacuum(const std::string& path, bool& converted) {
  converted = false;
  std::error_code ec;
  if (!std::filesystem::exists(path, ec) || std::filesystem::file_size(path, ec) == 0) return std::nullopt;  // new: born so
  try {
    connection_options co;
    co.path = path;
    database db(co);
    {
      statement mode(db, "PRAGMA auto_vacuum");
      if (const int rc = mode.step(); rc != db_row) return "auto_vacuum: " + db.error_text(rc);
      if (mode.column_int64(0) == 2) return std::nullopt;  // INCREMENTAL already
    }  // finalized: VACUUM refuses to run beside an open statement
    // The connection asked for INCREMENTAL when it opened (database.cpp); VACUUM makes it so.
    db.exec_or_throw("PRAGMA auto_vacuum=INCREMENTAL");
    db.exec_or_throw("VACUUM");
    converted = true;
  } catch (const std::exception& e) {
    return std::string("converting to incremental auto-vacuum: ") + e.what();
  }
  return std::nullopt;
}

}  // namespace lapor::store
