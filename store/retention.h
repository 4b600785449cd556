// Retention of personal data, the store's half (gateway/retention.h drives it).
//
// The gateway is a transit point: once the dispatcher confirmed a complaint (its 'dispatcher'
// outbox row is sent) and retention.days have passed, the complaint's content and identity go
// (group_writer::erase_personal_data). What stays is what status pages and CEK need: the
// tracking ID, the state, the dates, the channel and the status metadata the gateway rewrites
// (kind, SLA dates, region code; no identity).
//
// This file holds what runs off the writer thread, each on its own connection: finding the
// candidates (a read-only scan, so the writer is never held by it), scrubbing the WAL after an
// erasure (old page images of erased rows stay in the WAL until it is rewritten), and
// converting an old database to incremental auto-vacuum once.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <set>
#include <vector>

#include "store/store.h"

namespace lapor::store {

class retention_scanner {
 public:
  // SQLite: opens `path` read-only; throws db_error (start-up).
  explicit retention_scanner(const std::string& path);
  // The backend `opts` names (PostgreSQL: a connection of its own, made at the first query).
  explicit retention_scanner(const options& opts);
  ~retention_scanner();
  retention_scanner(const retention_scanner&) = delete;
  retention_scanner& operator=(const retention_scanner&) = delete;

  struct candidate {
    std::int64_t id = 0;
    std::string status_meta;
    std::string document;
  };
  // Up to `limit` complaints with id > after_id, in id order, not erased, whose 'dispatcher'
  // row was marked sent before `confirmed_before_ms`. nullopt with `error` on a database error.
  [[nodiscard]] std::optional<std::vector<candidate>> next(std::int64_t after_id, std::int64_t confirmed_before_ms,
                                                           int limit, std::string& error);
  // Highest outbox id (0 when empty); nullopt on a database error.
  [[nodiscard]] std::optional<std::int64_t> max_outbox_id();
  // Removes from `photos` (attachment file names) every one a complaint not yet erased still
  // lists. false on a database error.
  [[nodiscard]] bool keep_listed(std::set<std::string>& photos);

  // What one backend answers (retention.cpp: SQLite; pg_retention.cpp: PostgreSQL).
  struct source {
    virtual ~source() = default;
    virtual std::optional<std::vector<candidate>> next(std::int64_t after_id, std::int64_t confirmed_before_ms,
                                                       int limit, std::string& error) = 0;
    virtual std::optional<std::int64_t> max_outbox_id() = 0;
    virtual bool keep_listed(std::set<std::string>& photos) = 0;
  };

 private:
  std::unique_ptr<source> src_;
};

[[nodiscard]] std::unique_ptr<retention_scanner::source> make_pg_retention_source(const options& opts);

// PRAGMA wal_checkpoint(TRUNCATE) on a connection of its own: copies the WAL into the database
// and cuts it to zero bytes, so no page image from before an erasure survives in it. It waits
// (up to `busy_ms`) for the writer's current transaction and holds the write lock while it
// copies. nullopt when done, else why not (SQLITE_BUSY under load: try at the next pass).
[[nodiscard]] std::optional<std::string> truncate_wal(const std::string& path, int busy_ms);

// Converts a database created before auto_vacuum=INCREMENTAL (one VACUUM, which rewrites the
// whole file: minutes for gigabytes, and as much free disk again). Run it before the writer
// opens the database. `converted` says whether it did anything. nullopt on success.
[[nodiscard]] std::optional<std::string> ensure_incremental_vacuum(const std::string& path, bool& converted);

}  // namespace lapor::store
