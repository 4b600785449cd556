#include "store/pg_reader.h"

#include <algorithm>
#include <utility>

#include "store/pg_schema.h"

namespace lapor::store {

namespace {

#define LAPOR_PG_OUTBOX_COLUMNS                                                                       \
  "o.id, o.complaint_id, coalesce(c.tracking_id, ''), o.destination, coalesce(o.payload, c.document, ''), o.state," \
  " o.attempts, o.next_attempt_ms, o.created_ms, o.updated_ms, coalesce(o.last_error, '')"

// A row this node handed on (lease_node = -(node + 1), group_writer::hand_on) is left to the
// others for a minute, then this node may take it back (say it has a bind of the operator by
// then, or it is the only node left). `me`: the parameter number of this node's id.
#define LAPOR_PG_NOT_HANDED_ON_BY(me) \
  "(lease_node <> -$" me "::integer - 1 OR updated_ms < (extract(epoch from clock_timestamp()) * 1000)::bigint - 60000)"

#define LAPOR_PG_COMPLAINT_COLUMNS                                                                            \
  "c.id, c.tracking_id, c.channel, c.received_at_ms, coalesce(c.duplicate_of, ''), c.status_meta, o.state," \
  " coalesce(o.updated_ms, 0) FROM complaints c LEFT JOIN outbox o ON o.id = c.dispatch_outbox_id "

outbox_state to_state(std::int64_t v) {
  switch (v) {
    case 1: return outbox_state::sent;
    case 2: return outbox_state::dead;
    default: return outbox_state::pending;
  }
}

std::vector<outbox_item> outbox_rows(const pg::result& r) {
  std::vector<outbox_item> out;
  out.reserve(static_cast<std::size_t>(r.rows()));
  for (int i = 0; i < r.rows(); ++i) {
    outbox_item& o = out.emplace_back();
    o.id = r.int64(i, 0);
    o.complaint_id = r.int64(i, 1);
    o.tracking_id = r.text(i, 2);
    o.destination = r.text(i, 3);
    o.payload = r.text(i, 4);
    o.state = to_state(r.int64(i, 5));
    o.attempts = static_cast<int>(r.int64(i, 6));
    o.next_attempt_ms = r.int64(i, 7);
    o.created_ms = r.int64(i, 8);
    o.updated_ms = r.int64(i, 9);
    o.last_error = r.text(i, 10);
  }
  return out;
}

std::optional<complaint_summary> one_complaint(const pg::result& r) {
  if (r.rows() == 0) return std::nullopt;
  complaint_summary s;
  s.id = r.int64(0, 0);
  s.tracking_id = r.text(0, 1);
  s.channel = r.text(0, 2);
  s.received_at_ms = r.int64(0, 3);
  s.duplicate_of = r.text(0, 4);
  s.status_meta = r.text(0, 5);
  s.dispatch_state = r.is_null(0, 6) ? outbox_state::pending : to_state(r.int64(0, 6));
  s.dispatch_updated_ms = r.int64(0, 7);
  return s;
}

}  // namespace

pg_reader::pg_reader(const options& opts) : opts_(opts), conn_(opts.postgres_conninfo) {}

pg::result pg_reader::query(const char* sql, const pg::params& p) {
  std::string error;
  if (!conn_.connected() && !conn_.connect(error)) return pg::result(nullptr, error);
  auto r = conn_.exec(sql, p);
  if (pg::connection_lost(r)) conn_.close();
  return r;
}

std::optional<complaint_summary> pg_reader::find_complaint(std::int64_t id) {
  pg::params p;
  p.add(id);
  return one_complaint(query("SELECT " LAPOR_PG_COMPLAINT_COLUMNS "WHERE c.id = $1::bigint", p));
}

std::optional<complaint_summary> pg_reader::find_by_idempotency_key(const std::string& key) {
  pg::params p;
  p.add(key);
  return one_complaint(query("SELECT " LAPOR_PG_COMPLAINT_COLUMNS
                             "WHERE c.id = (SELECT complaint_id FROM idempotency WHERE key = $1)",
                             p));
}

std::vector<outbox_item> pg_reader::list_outbox(std::optional<outbox_state> state, std::int64_t after_id, int limit) {
  if (limit <= 0) return {};
  pg::params p;
  p.add(after_id).add(std::int64_t{limit});
  if (!state)
    return outbox_rows(query("SELECT " LAPOR_PG_OUTBOX_COLUMNS " FROM outbox o LEFT JOIN complaints c ON c.id = o.complaint_id"
                             " WHERE o.id > $1::bigint ORDER BY o.id LIMIT $2::integer",
                             p));
  p.add(std::int64_t{static_cast<int>(*state)});
  const char* sql = *state == outbox_state::sent
                        ? "SELECT " LAPOR_PG_OUTBOX_COLUMNS " FROM outbox o LEFT JOIN complaints c ON c.id = o.complaint_id"
                          " WHERE o.state = $3::smallint AND o.id > $1::bigint ORDER BY o.id LIMIT $2::integer"
                        : "SELECT " LAPOR_PG_OUTBOX_COLUMNS " FROM outbox o LEFT JOIN complaints c ON c.id = o.complaint_id"
                          " WHERE o.state = $3::smallint AND o.state <> 1 AND o.id > $1::bigint ORDER BY o.id LIMIT $2::integer";
  return outbox_rows(query(sql, p));
}

std::vector<outbox_item> pg_reader::pending_outbox(const std::string& destination, std::int64_t after_id, int limit) {
  return claim(destination, after_id, limit, true);
}

std::vector<outbox_item> pg_reader::take_over_outbox(const std::string& destination, std::int64_t after_id, int limit) {
  // Every row is created claimed by its node, so there is something to take over only from
  // nodes whose lease expired. Without such a node, or once a whole pass found nothing of the
  // same dead nodes, the poll costs one small query instead of a walk over every open row
  // (measured: that walk, twice a second per forwarder, made long runs slower and slower).
  const std::string dead = dead_nodes();
  auto& done = drained_[destination];
  if ((dead.empty() || (after_id == 0 && done == dead)) && !handed_on(destination)) return {};
  auto rows = claim(destination, after_id, limit, false);
  if (static_cast<int>(rows.size()) < limit) done = dead;  // a whole pass: nothing more of these nodes
  return rows;
}

bool pg_reader::handed_on(const std::string& destination) {
  // Rows another node handed on (it could not deliver them), or that this node handed on
  // long enough ago: few, and found through their partial index (outbox_handed_on), never by
  // walking the open rows (a backlog of a million after an outage, every claim poll).
  pg::params p;
  p.add(destination).add(std::int64_t{opts_.node_id});
  auto r = query("SELECT EXISTS (SELECT 1 FROM outbox WHERE destination = $1 AND lease_node < 0 AND state = 0"
                 " AND " LAPOR_PG_NOT_HANDED_ON_BY("2") ")",
                 p);
  return r.ok() && r.rows() == 1 && r.text(0, 0) == "t";
}

std::string pg_reader::dead_nodes() {
  auto d = query("SELECT coalesce(string_agg(substr(name, 6), ',' ORDER BY name), '') FROM leases"
                 " WHERE name LIKE 'node:%' AND expires_at < clock_timestamp()",
                 {});
  if (!d.ok() || d.rows() != 1) return {};
  return std::string(d.text(0, 0));
}

std::vector<stored_part> pg_reader::take_over_parts(std::int64_t done_since_ms) {
  // Parts of a long SMS that a node stored and then died with (kill -9, a lost machine):
  // the operator's SMSC sends the rest to another node, which must join them (SPEC §9: no
  // state that decides an answer lives in one node only). Skipped, as for the outbox, while
  // no node is dead or the same dead nodes were taken over completely.
  const std::string dead = dead_nodes();
  if (dead.empty() || dead == parts_drained_) return {};
  pg::params p;
  p.add(std::int64_t{opts_.node_id}).add(done_since_ms);
  // FOR UPDATE in id order: two nodes taking over at once queue on the same first row, and
  // the second then finds the rows no longer of a dead node (re-checked after the wait), so
  // one message's parts never end up split between them.
  auto r = query(
      "WITH live AS (SELECT substr(name, 6)::integer AS node FROM leases"
      "              WHERE name LIKE 'node:%' AND expires_at >= clock_timestamp()),"
      " picked AS (SELECT id FROM message_parts WHERE node <> $1::integer AND node NOT IN (SELECT node FROM live)"
      "            AND (answer IS NULL OR done_ms >= $2::bigint) ORDER BY id FOR UPDATE)"
      " UPDATE message_parts m SET node = $1::integer FROM picked WHERE m.id = picked.id"
      " RETURNING m.id, " LAPOR_PG_PART_COLUMNS,
      p);
  if (!r.ok()) return {};
  std::vector<std::pair<std::int64_t, stored_part>> rows;
  rows.reserve(static_cast<std::size_t>(r.rows()));
  for (int i = 0; i < r.rows(); ++i) rows.emplace_back(r.int64(i, 0), pg::part_row(r, i, 1));
  std::sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  parts_drained_ = dead;
  std::vector<stored_part> out;
  out.reserve(rows.size());
  for (auto& [id, s] : rows) out.push_back(std::move(s));
  return out;
}

std::vector<outbox_item> pg_reader::claim(const std::string& destination, std::int64_t after_id, int limit, bool mine_too) {
  if (limit <= 0) return {};
  pg::params p;
  p.add(destination).add(after_id).add(std::int64_t{limit}).add(std::int64_t{opts_.node_id}).add_bool(mine_too);
  // Autocommit: the claim is committed when the statement ends. Only rows not yet ours are
  // written (a claim poll runs every claim_poll_ms over all pending rows: rewriting the ones
  // already held made a new row version each time — measured 5-6 dead versions per row).
  auto r = query(
      "WITH live AS (SELECT substr(name, 6)::integer AS node FROM leases"
      "              WHERE name LIKE 'node:%' AND expires_at >= clock_timestamp()),"
      " picked AS (SELECT id, lease_node AS was FROM outbox"
      "            WHERE state = 0 AND state <> 1 AND destination = $1 AND id > $2::bigint"
      "              AND (lease_node IS NULL OR (lease_node = $4::integer AND $5::boolean)"
      "                   OR (lease_node NOT IN (SELECT node FROM live) AND " LAPOR_PG_NOT_HANDED_ON_BY("4") "))"
      "            ORDER BY id LIMIT $3::integer FOR UPDATE SKIP LOCKED),"
      " taken AS (UPDATE outbox o SET lease_node = $4::integer FROM picked"
      "           WHERE o.id = picked.id AND o.lease_node IS DISTINCT FROM $4::integer RETURNING o.id)"
      " SELECT " LAPOR_PG_OUTBOX_COLUMNS ", coalesce(p.was, -1) FROM picked p JOIN outbox o ON o.id = p.id"
      " LEFT JOIN complaints c ON c.id = o.complaint_id ORDER BY o.id",
      p);
  for (int i = 0; i < r.rows(); ++i) {
    const auto was = r.int64(i, 11);
    if (was >= 0 && was != opts_.node_id) taken_.fetch_add(1, std::memory_order_relaxed);
  }
  return outbox_rows(r);
}

outbox_counts pg_reader::counts() {
  // Open rows are counted through the partial index (small unless the dispatcher is away);
  // sent rows by the per-node counters their transitions keep (pg_session).
  outbox_counts c;
  auto r = query("SELECT state, count(*) FROM outbox WHERE state <> 1 GROUP BY state", {});
  for (int i = 0; i < r.rows(); ++i) {
    if (r.int64(i, 0) == 2) c.dead = r.int64(i, 1);
    else c.pending = r.int64(i, 1);
  }
  auto s = query("SELECT coalesce(sum(n), 0)::bigint FROM outbox_counts WHERE state = 1", {});
  if (s.rows() == 1) c.sent = s.int64(0, 0);
  auto o = query("SELECT coalesce(min(created_ms), 0) FROM outbox WHERE state = 0 AND state <> 1", {});
  if (o.rows() == 1) c.oldest_pending_ms = o.int64(0, 0);
  return c;
}

std::optional<std::string> pg_reader::get_cursor(const std::string& name) {
  pg::params p;
  p.add(name);
  auto r = query("SELECT value FROM cursors WHERE name = $1", p);
  if (r.rows() == 0) return std::nullopt;
  return std::string(r.text(0, 0));
}

}  // namespace lapor::store
