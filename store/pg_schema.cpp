#include "store/pg_schema.h"

#include <stdexcept>

namespace lapor::store::pg {

namespace {

struct migration {
  int version;
  const char* sql;
};

// Append only, like the SQLite migrations (store/migrations.cpp), whose tables these mirror.
// What differs, and why:
// - idempotency: key is the PRIMARY KEY. The SQLite writer keeps keys in memory because it
//   is the only writer; here every node must see every key, so the database is the index.
// - outbox.id: a sequence (every node inserts). One partial index of open rows serves the
//   claims (destination, pending, id order), the counts and the admin listings; each index
//   costs every row an insert and its update to "sent" (measured: the group's write round
//   trip is most of a commit on the 2-core box). lease_node: the node whose forwarder holds
//   the row; another node takes it only when that node's lease ("node:<id>" in leases) has
//   expired, so a live node's claims need no per-row renewal.
// - outbox_counts: rows sent, one counter per node (nodes never wait on one another's
//   counter row; the sum is the cluster's). Open rows are counted through the partial index.
// - match_sketches.xid: the writing transaction, so the "related" tail reads exactly the
//   rows whose transactions ended below the snapshot's xmin (no row is skipped because a
//   lower id committed later).
// - match_identities: identity hash -> complaint, so the rows another node stored for an
//   identity are found (under its advisory lock) before this node decides on it.
// - message_parts.node: the node that reassembles the message; a node with SMPP takes over
//   the rows of a node whose lease expired (pg_reader::take_over_parts).
// - outbox.lease_node < 0: handed on by node -(lease_node + 1), for the others to claim;
//   found through their own partial index (3), so the claim poll never walks a backlog.
// - promises: one reply per (answered tracking ID, recipient) across nodes.
// - leases: the node leases, the Twitter poller and SMPP client binds (fencing token).
// - cluster_settings: the tracking key fingerprint every node must share.
// - relinks (2): an operator's merge/unmerge, read by every node's "related" tail so that its
//   in-memory dedup index follows (pruned after the dedup window).
constexpr migration migrations[] = {
    {1, R"sql(
CREATE TABLE complaints(
  id bigint PRIMARY KEY,
  tracking_id text NOT NULL,
  channel text NOT NULL,
  received_at_ms bigint NOT NULL,
  duplicate_of text,
  dispatch_outbox_id bigint,
  status_meta text NOT NULL,
  document text NOT NULL);
CREATE TABLE idempotency(
  key text PRIMARY KEY,
  complaint_id bigint NOT NULL,
  fingerprint text NOT NULL);
CREATE TABLE outbox(
  id bigserial PRIMARY KEY,
  complaint_id bigint NOT NULL,
  destination text NOT NULL,
  state smallint NOT NULL,
  attempts integer NOT NULL,
  next_attempt_ms bigint NOT NULL,
  created_ms bigint NOT NULL,
  updated_ms bigint NOT NULL,
  last_error text,
  payload text,
  promise_key bigint,
  lease_node integer);
CREATE INDEX outbox_open ON outbox(destination, state, id) WHERE state <> 1;
CREATE TABLE outbox_counts(node integer NOT NULL, state smallint NOT NULL, n bigint NOT NULL, PRIMARY KEY(node, state));
CREATE TABLE cursors(name text PRIMARY KEY, value text NOT NULL);
CREATE TABLE match_sketches(
  complaint_id bigint PRIMARY KEY,
  received_at_ms bigint NOT NULL,
  sketch bytea NOT NULL,
  xid xid8 NOT NULL DEFAULT pg_current_xact_id());
CREATE INDEX match_sketches_xid ON match_sketches(xid);
CREATE TABLE match_identities(
  key_hash bigint NOT NULL,
  complaint_id bigint NOT NULL,
  received_at_ms bigint NOT NULL,
  PRIMARY KEY(key_hash, complaint_id));
CREATE TABLE identity_links(
  id bigserial PRIMARY KEY,
  a text NOT NULL,
  b text NOT NULL,
  a_hash bigint NOT NULL,
  b_hash bigint NOT NULL,
  complaint_id bigint NOT NULL,
  created_ms bigint NOT NULL);
CREATE INDEX identity_links_a ON identity_links(a_hash);
CREATE INDEX identity_links_b ON identity_links(b_hash);
CREATE TABLE promises(key bigint PRIMARY KEY, created_ms bigint NOT NULL);
CREATE TABLE message_parts(
  id bigserial PRIMARY KEY,
  node integer NOT NULL,
  group_key text NOT NULL,
  seq integer NOT NULL,
  part bytea NOT NULL,
  received_at_ms bigint NOT NULL,
  answer text,
  done_ms bigint);
CREATE INDEX message_parts_group ON message_parts(group_key);
CREATE TABLE leases(
  name text PRIMARY KEY,
  holder text NOT NULL,
  token bigint NOT NULL,
  expires_at timestamptz NOT NULL);
CREATE TABLE cluster_settings(name text PRIMARY KEY, value text NOT NULL);
)sql"},
    {2, R"sql(
CREATE TABLE relinks(
  id bigserial PRIMARY KEY,
  complaint_id bigint NOT NULL,
  duplicate_of text,
  created_ms bigint NOT NULL,
  xid xid8 NOT NULL DEFAULT pg_current_xact_id());
CREATE INDEX relinks_xid ON relinks(xid);
)sql"},
    {3, R"sql(
CREATE INDEX outbox_handed_on ON outbox(destination, id) WHERE lease_node < 0 AND state = 0;
)sql"},
};

constexpr int latest = migrations[std::size(migrations) - 1].version;

// Session advisory lock key for migrations: any constant the other keys (FNV hashes of
// "idem:…" and identity keys) are unlikely to hit; a hit only serialises.
constexpr const char* migration_lock = "SELECT pg_advisory_lock(7170800001)";
constexpr const char* migration_unlock = "SELECT pg_advisory_unlock(7170800001)";

void must(const result& r, const char* what) {
  if (!r.ok()) throw std::runtime_error(std::string(what) + ": " + r.error());
}

int read_version(connection& c) {
  auto r = c.exec("SELECT coalesce(max(version), 0) FROM schema_version");
  must(r, "reading schema_version");
  return static_cast<int>(r.int64(0, 0));
}

}  // namespace

void migrate(connection& c) {
  must(c.exec(migration_lock), "locking for migrations");
  struct unlock {
    connection& c;
    ~unlock() { (void)c.exec(migration_unlock); }
  } guard{c};
  must(c.exec("CREATE TABLE IF NOT EXISTS schema_version(version integer NOT NULL)"), "creating schema_version");
  const int current = read_version(c);
  if (current > latest)
    throw std::runtime_error("database schema version " + std::to_string(current) + " is newer than this build supports (" +
                             std::to_string(latest) + "); refusing to open it");
  for (const migration& m : migrations) {
    if (current >= m.version) continue;
    must(c.exec("BEGIN"), "BEGIN");
    auto r = c.exec(m.sql);
    if (!r.ok()) {
      (void)c.exec("ROLLBACK");
      throw std::runtime_error("migration " + std::to_string(m.version) + ": " + r.error());
    }
    params p;
    p.add(std::int64_t{m.version});
    must(c.exec("INSERT INTO schema_version(version) VALUES ($1::integer)", p), "recording the schema version");
    must(c.exec("COMMIT"), "COMMIT");
  }
}

void check_key_fingerprint(connection& c, const std::string& fingerprint) {
  if (fingerprint.empty()) return;
  params p;
  p.add(fingerprint);
  must(c.exec("INSERT INTO cluster_settings(name, value) VALUES ('tracking_key_fingerprint', $1)"
              " ON CONFLICT (name) DO NOTHING",
              p),
       "recording the tracking key fingerprint");
  auto r = c.exec("SELECT value FROM cluster_settings WHERE name = 'tracking_key_fingerprint'");
  must(r, "reading the tracking key fingerprint");
  if (r.rows() != 1 || r.text(0, 0) != fingerprint)
    throw std::runtime_error("tracking_key_mismatch: tracking.key differs from the key the cluster's other nodes use "
                             "(fingerprint " + std::string(r.rows() == 1 ? r.text(0, 0) : "?") + ", this node " +
                             fingerprint + ")");
}

stored_part part_row(const result& r, int row, int col) {
  stored_part s;
  s.part.group = r.text(row, col);
  s.part.seq = static_cast<int>(r.int64(row, col + 1));
  s.part.data = r.bytes(row, col + 2);
  s.part.received_at_ms = r.int64(row, col + 3);
  s.answer = r.text(row, col + 4);
  s.done_ms = r.int64(row, col + 5);
  return s;
}

}  // namespace lapor::store::pg
