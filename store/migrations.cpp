#include "store/migrations.h"

#include <string>

namespace lapor::store {

namespace {

struct migration {
  int version;
  const char* sql;
};

// Append only: a released migration is never edited, a change is a new entry.
//
// complaints: id = node << 32 | sequence. No index on tracking_id: the gateway recovers the
//   id from a tracking ID by inverting its keyed permutation. `document` comes last so that
//   reading the small columns never touches its overflow pages. dispatch_outbox_id points at
//   the 'dispatcher' outbox row created with the complaint (its state is the complaint's
//   forwarding state) so no index on outbox.complaint_id is needed.
// idempotency: appended in complaint id order (rowid = complaint id), no index on the key:
//   a random-key b-tree costs 2-3x throughput at group commit (measured, see
//   group_writer.cpp). The writer keeps a hash index of the keys in memory, rebuilt from
//   this narrow table at open.
// outbox: `payload` NULL means "the complaint's document" (stored once). The partial index
//   holds only open rows (pending, dead): it stays small however many rows were sent, and it
//   serves "pending rows of destination X in id order", per-state listings and the oldest
//   pending row. sent is final.
// outbox_counts: per-state row counts kept by the writer in the same transactions, so
//   counting is O(1) whatever the table size.
constexpr migration migrations[] = {
    {1, R"sql(
CREATE TABLE complaints(
  id INTEGER PRIMARY KEY,
  tracking_id TEXT NOT NULL,
  channel TEXT NOT NULL,
  received_at_ms INTEGER NOT NULL,
  duplicate_of TEXT,
  dispatch_outbox_id INTEGER,
  status_meta TEXT NOT NULL,
  document TEXT NOT NULL);
CREATE TABLE idempotency(
  complaint_id INTEGER PRIMARY KEY,
  key TEXT NOT NULL,
  fingerprint TEXT NOT NULL);
CREATE TABLE outbox(
  id INTEGER PRIMARY KEY,
  complaint_id INTEGER NOT NULL,
  destination TEXT NOT NULL,
  state INTEGER NOT NULL,
  attempts INTEGER NOT NULL,
  next_attempt_ms INTEGER NOT NULL,
  created_ms INTEGER NOT NULL,
  updated_ms INTEGER NOT NULL,
  last_error TEXT,
  payload TEXT);
CREATE INDEX outbox_open ON outbox(state, destination, id) WHERE state <> 1;
CREATE TABLE outbox_counts(state INTEGER PRIMARY KEY, n INTEGER NOT NULL);
INSERT INTO outbox_counts(state, n) VALUES (0, 0), (1, 0), (2, 0);
CREATE TABLE cursors(name TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
)sql"},
    // match_sketches: the gateway's opaque per-complaint sketch (cross-channel duplicate
    //   detection, gateway/dedup_engine.h), written in the complaint's transaction and read back
    //   for the duplicate window at start-up, in complaint id order, to rebuild the in-memory
    //   index. No index on received_at_ms: every commit would pay for it, and only the start-up
    //   scan (which prunes rows older than the window) filters on it.
    // identity_links: pairs of reporter identities (tel:/mailto:/twitter: keys) that one
    //   report stated together; the gateway unions them at start-up. Only links that joined two
    //   different groups are written, so the table grows with people, not with reports.
    {2, R"sql(
CREATE TABLE match_sketches(
  complaint_id INTEGER PRIMARY KEY,
  received_at_ms INTEGER NOT NULL,
  sketch BLOB NOT NULL);
CREATE TABLE identity_links(
  id INTEGER PRIMARY KEY,
  a TEXT NOT NULL,
  b TEXT NOT NULL,
  complaint_id INTEGER NOT NULL,
  created_ms INTEGER NOT NULL);
)sql"},
    // message_parts: each part of a long SMS, committed before its *_resp (SPEC §7: every part
    //   acknowledged as soon as it is durable), so a restart resumes the reassembly. `answer`
    //   is NULL while the message is open and the tracking ID it was given once it is stored
    //   (a late copy of a part gets that answer). The index serves the one UPDATE per completed
    //   message; only long messages pay for it.
    // outbox.promise_key: a promised message's (answered tracking ID, recipient) hash, so that
    //   the writer's in-memory set of promises (one reply per complaint and number) is rebuilt
    //   at open. No index: only that start-up scan reads it.
    {3, R"sql(
CREATE TABLE message_parts(
  id INTEGER PRIMARY KEY,
  group_key TEXT NOT NULL,
  seq INTEGER NOT NULL,
  part BLOB NOT NULL,
  received_at_ms INTEGER NOT NULL,
  answer TEXT,
  done_ms INTEGER);
CREATE INDEX message_parts_group ON message_parts(group_key);
ALTER TABLE outbox ADD COLUMN promise_key INTEGER;
)sql"},
    // identity_links_complaint: retention deletes the links an erased complaint stated
    //   (store/erase_apply.cpp); links are written rarely (only those that join two groups), so
    //   the index costs the commit path next to nothing. A complaint's erasure itself is
    //   `document = ''` with the erased status_meta: no column is added behind the document.
    {4, R"sql(
CREATE INDEX identity_links_complaint ON identity_links(complaint_id);
)sql"},
};

constexpr int latest = migrations[std::size(migrations) - 1].version;

int read_version(database& db) {
  statement exists(db, "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'schema_version'");
  if (const int rc = exists.step(); rc != db_row) throw db_error(rc, "cannot read sqlite_schema: " + db.error_text(rc));
  if (exists.column_int64(0) == 0) return 0;
  statement q(db, "SELECT max(version) FROM schema_version");
  const int rc = q.step();
  if (rc != db_row) throw db_error(rc, "cannot read schema_version: " + db.error_text(rc));
  return static_cast<int>(q.column_int64(0));
}

// Rolls back an open transaction unless commit() was reached.
class transaction {
 public:
  explicit transaction(database& db) : db_(db) { db_.exec_or_throw("BEGIN IMMEDIATE"); }
  ~transaction() {
    if (!done_ && db_.in_transaction()) (void)db_.exec("ROLLBACK");
  }
  transaction(const transaction&) = delete;
  transaction& operator=(const transaction&) = delete;
  void commit() {
    db_.exec_or_throw("COMMIT");
    done_ = true;
  }

 private:
  database& db_;
  bool done_ = false;
};

}  // namespace

int latest_schema_version() noexcept { return latest; }

int schema_version(database& db) { return read_version(db); }

void migrate(database& db) {
  {
    transaction t(db);
    db.exec_or_throw("CREATE TABLE IF NOT EXISTS schema_version(version INTEGER NOT NULL)");
    const int current = read_version(db);
    if (current > latest)
      throw db_error(1, "database schema version " + std::to_string(current) +
                            " is newer than this build supports (" + std::to_string(latest) +
                            "); refusing to open it");
    t.commit();
  }
  for (const migration& m : migrations) {
    transaction t(db);
    // Re-read inside the write lock: another process may have migrated meanwhile.
    if (read_version(db) >= m.version) continue;
    db.exec_or_throw(m.sql);
    db.exec_or_throw(("INSERT INTO schema_version(version) VALUES (" + std::to_string(m.version) + ")").c_str());
    t.commit();
  }
}

}  // namespace lapor::store
