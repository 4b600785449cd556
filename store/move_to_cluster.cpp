#include "store/move_to_cluster.h"

#include <functional>
#include <stdexcept>
#include <unordered_set>
#include <vector>

#include "store/database.h"
#include "store/migrations.h"
#include "store/pg_connection.h"
#include "store/pg_schema.h"

namespace lapor::store {

namespace {

void must(const pg::result& r, const char* what) {
  if (!r.ok()) throw std::runtime_error(std::string(what) + ": " + r.error());
}

// Rows are sent in chunks of this many per multi-row statement.
constexpr std::size_t chunk = 2000;

}  // namespace

move_report move_to_cluster(const std::string& sqlite_path, const options& cluster, std::int64_t since_ms) {
  connection_options co;
  co.path = sqlite_path;
  co.read_only = true;
  database db(co);
  if (schema_version(db) != latest_schema_version())
    throw std::runtime_error(sqlite_path + ": schema version " + std::to_string(schema_version(db)) + ", this build reads " +
                             std::to_string(latest_schema_version()));

  pg::connection pc(cluster.postgres_conninfo);
  std::string error;
  if (!pc.connect(error)) throw std::runtime_error("cannot connect to PostgreSQL: " + error);
  pg::migrate(pc);
  pg::check_key_fingerprint(pc, cluster.key_fingerprint);
  must(pc.exec("BEGIN"), "BEGIN");
  move_report rep;
  const std::int64_t node = cluster.node_id;

  // Complaints: the window's, and every one an open outbox row needs.
  std::vector<std::int64_t> c_id, c_recv, c_disp;
  std::vector<std::string> c_tid, c_chan, c_dup, c_meta, c_doc;
  auto flush_complaints = [&] {
    if (c_id.empty()) return;
    pg::params p;
    p.add_array(c_id).add_array(c_tid).add_array(c_chan).add_array(c_recv).add_array(c_dup, true).add_array(c_disp)
        .add_array(c_meta).add_array(c_doc);
    auto r = pc.exec("INSERT INTO complaints(id, tracking_id, channel, received_at_ms, duplicate_of, dispatch_outbox_id,"
                     " status_meta, document) SELECT u.id, u.t, u.ch, u.r, u.d, nullif(u.o, 0), u.m, u.doc FROM"
                     " unnest($1::bigint[], $2::text[], $3::text[], $4::bigint[], $5::text[], $6::bigint[], $7::text[],"
                     " $8::text[]) AS u(id, t, ch, r, d, o, m, doc) ON CONFLICT (id) DO NOTHING",
                     p);
    must(r, "copying complaints");
    rep.complaints += r.affected();
    rep.skipped += static_cast<std::int64_t>(c_id.size()) - r.affected();
    for (auto* v : {&c_id, &c_recv, &c_disp}) v->clear();
    for (auto* v : {&c_tid, &c_chan, &c_dup, &c_meta, &c_doc}) v->clear();
  };
  {
    // Every complaint: status pages and CEK answer for old tracking IDs on any node.
    statement q(db,
                "SELECT id, tracking_id, channel, received_at_ms, coalesce(duplicate_of, ''), coalesce(dispatch_outbox_id, 0),"
                " status_meta, document FROM complaints ORDER BY id");
    int rc;
    while ((rc = q.step()) == db_row) {
      c_id.push_back(q.column_int64(0));
      c_tid.emplace_back(q.column_text(1));
      c_chan.emplace_back(q.column_text(2));
      c_recv.push_back(q.column_int64(3));
      c_dup.emplace_back(q.column_text(4));
      c_disp.push_back(q.column_int64(5));
      c_meta.emplace_back(q.column_text(6));
      c_doc.emplace_back(q.column_text(7));
      if (c_id.size() >= chunk) flush_complaints();
    }
    if (rc != db_done) throw std::runtime_error("reading complaints: " + db.error_text(rc));
    flush_complaints();
  }

  // Outbox rows still to deliver (their ids kept: the dispatcher knows "outbox-<id>" keys),
  // claimed by this node.
  {
    statement q(db,
                "SELECT id, complaint_id, destination, state, attempts, next_attempt_ms, created_ms, updated_ms,"
                " coalesce(last_error, ''), payload, coalesce(promise_key, 0) FROM outbox WHERE state <> 1 ORDER BY id");
    int rc;
    while ((rc = q.step()) == db_row) {
      pg::params p;
      p.add(q.column_int64(0)).add(q.column_int64(1)).add(q.column_text(2)).add(q.column_int64(3)).add(q.column_int64(4));
      p.add(q.column_int64(5)).add(q.column_int64(6)).add(q.column_int64(7)).add_or_null(q.column_text(8));
      if (q.column_is_null(9)) p.add_null();
      else p.add(q.column_text(9));
      p.add(q.column_int64(10)).add(node);
      must(pc.exec("INSERT INTO outbox(id, complaint_id, destination, state, attempts, next_attempt_ms, created_ms,"
                   " updated_ms, last_error, payload, promise_key, lease_node) VALUES ($1::bigint, $2::bigint, $3,"
                   " $4::smallint, $5::integer, $6::bigint, $7::bigint, $8::bigint, $9, $10, nullif($11::bigint, 0),"
                   " $12::integer) ON CONFLICT (id) DO NOTHING",
                   p),
           "copying outbox rows");
      ++rep.outbox_open;
    }
    if (rc != db_done) throw std::runtime_error("reading outbox: " + db.error_text(rc));
  }

  // The delivered 'dispatcher' rows the complaints point at (their state is the complaint's
  // forwarding state on status pages), without payload, counted as sent for this node.
  {
    std::vector<std::int64_t> o_id, o_cid, o_created, o_updated;
    std::int64_t sent = 0;
    auto flush_sent = [&] {
      if (o_id.empty()) return;
      pg::params p;
      p.add_array(o_id).add_array(o_cid).add_array(o_created).add_array(o_updated).add(node);
      auto r = pc.exec("INSERT INTO outbox(id, complaint_id, destination, state, attempts, next_attempt_ms, created_ms,"
                       " updated_ms, lease_node) SELECT u.id, u.c, 'dispatcher', 1, 0, 0, u.cr, u.up, $5::integer FROM"
                       " unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::bigint[]) AS u(id, c, cr, up)"
                       " ON CONFLICT (id) DO NOTHING",
                       p);
      must(r, "copying delivered dispatcher rows");
      sent += r.affected();
      for (auto* v : {&o_id, &o_cid, &o_created, &o_updated}) v->clear();
    };
    statement q(db,
                "SELECT o.id, o.complaint_id, o.created_ms, o.updated_ms FROM outbox o"
                " JOIN complaints c ON c.dispatch_outbox_id = o.id WHERE o.state = 1 ORDER BY o.id");
    int rc;
    while ((rc = q.step()) == db_row) {
      o_id.push_back(q.column_int64(0));
      o_cid.push_back(q.column_int64(1));
      o_created.push_back(q.column_int64(2));
      o_updated.push_back(q.column_int64(3));
      if (o_id.size() >= chunk) flush_sent();
    }
    if (rc != db_done) throw std::runtime_error("reading delivered rows: " + db.error_text(rc));
    flush_sent();
    if (sent > 0) {
      pg::params p;
      p.add(node).add(sent);
      must(pc.exec("INSERT INTO outbox_counts(node, state, n) VALUES ($1::integer, 1, $2::bigint)"
                   " ON CONFLICT (node, state) DO UPDATE SET n = outbox_counts.n + excluded.n",
                   p),
           "counting delivered rows");
    }
    rep.outbox_sent = sent;
  }

  // Idempotency keys and sketches of the window's complaints; links; promises; cursors; parts.
  // Row by row: `to_params` turns one SQLite row into the PostgreSQL statement's parameters.
  auto copy_rows = [&](const char* select, bool bind_since, const char* insert, std::int64_t& counted,
                       const std::function<void(const statement&, pg::params&)>& to_params) {
    statement q(db, select);
    if (bind_since) q.bind(1, since_ms);
    int rc;
    while ((rc = q.step()) == db_row) {
      pg::params p;
      to_params(q, p);
      auto r = pc.exec(insert, p);
      must(r, insert);
      counted += r.affected();
    }
    if (rc != db_done) throw std::runtime_error(std::string("reading: ") + db.error_text(rc));
  };
  auto texts = [](int n) {
    return [n](const statement& q, pg::params& p) {
      for (int i = 0; i < n; ++i) p.add(q.column_text(i));
    };
  };
  copy_rows("SELECT i.key, i.complaint_id, i.fingerprint FROM idempotency i JOIN complaints c ON c.id = i.complaint_id"
            " WHERE c.received_at_ms >= ?1",
            true, "INSERT INTO idempotency(key, complaint_id, fingerprint) VALUES ($1, $2::bigint, $3) ON CONFLICT DO NOTHING",
            rep.keys, texts(3));
  copy_rows("SELECT complaint_id, received_at_ms, sketch FROM match_sketches WHERE received_at_ms >= ?1", true,
            "INSERT INTO match_sketches(complaint_id, received_at_ms, sketch) VALUES ($1::bigint, $2::bigint, $3::bytea)"
            " ON CONFLICT DO NOTHING",
            rep.sketches, [](const statement& q, pg::params& p) {
              p.add(q.column_text(0)).add(q.column_text(1)).add_bytea(q.column_blob(2));
            });
  // With the hashes pg_session finds links by (FNV-1a of the key text).
  copy_rows("SELECT a, b, complaint_id, created_ms FROM identity_links ORDER BY id", false,
            "INSERT INTO identity_links(a, b, a_hash, b_hash, complaint_id, created_ms) SELECT $1, $2, $3::bigint,"
            " $4::bigint, $5::bigint, $6::bigint WHERE NOT EXISTS (SELECT 1 FROM identity_links WHERE a = $1 AND b = $2)",
            rep.links, [](const statement& q, pg::params& p) {
              p.add(q.column_text(0)).add(q.column_text(1)).add(pg::key_hash(q.column_text(0)))
                  .add(pg::key_hash(q.column_text(1))).add(q.column_text(2)).add(q.column_text(3));
            });
  copy_rows("SELECT promise_key, created_ms FROM outbox WHERE promise_key IS NOT NULL AND created_ms >= ?1", true,
            "INSERT INTO promises(key, created_ms) VALUES ($1::bigint, $2::bigint) ON CONFLICT (key) DO UPDATE"
            " SET created_ms = greatest(promises.created_ms, excluded.created_ms)",
            rep.promises, texts(2));
  copy_rows("SELECT name, value FROM cursors", false,
            "INSERT INTO cursors(name, value) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET value = excluded.value",
            rep.cursors, texts(2));
  copy_rows("SELECT group_key, seq, received_at_ms, coalesce(answer, ''), coalesce(done_ms, 0), part FROM message_parts"
            " ORDER BY id",
            false,
            "INSERT INTO message_parts(group_key, seq, received_at_ms, answer, done_ms, part, node) VALUES ($1,"
            " $2::integer, $3::bigint, nullif($4, ''), nullif($5::bigint, 0), $6::bytea, $7::integer)",
            rep.parts, [node](const statement& q, pg::params& p) {
              for (int i = 0; i < 5; ++i) p.add(q.column_text(i));
              p.add_bytea(q.column_blob(5)).add(node);
            });
  // The copied rows kept their ids: the sequence moves past them.
  must(pc.exec("SELECT setval('outbox_id_seq', greatest((SELECT coalesce(max(id), 1) FROM outbox),"
               " (SELECT last_value FROM outbox_id_seq)))"),
       "moving the outbox sequence");
  must(pc.exec("COMMIT"), "COMMIT");
  return rep;
}

}  // namespace lapor::store
