#include "store/pg_session.h"

#include <algorithm>
#include <stdexcept>
#include <string_view>
#include <type_traits>
#include <utility>

#include "store/pg_leases.h"
#include "store/promise_index.h"
#include "store/pg_schema.h"

namespace lapor::store {

namespace {

constexpr std::string_view dispatcher_destination = "dispatcher";
// How often the "related" tail reads other nodes' rows at most (the lag of "related" marks
// between nodes is this plus the longest transaction in flight).
constexpr auto tail_interval = std::chrono::milliseconds(200);

std::int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::int64_t idempotency_lock(const std::string& key) { return pg::key_hash("idem:" + key); }

constexpr const char* enqueue_sql =
    "INSERT INTO outbox(complaint_id, destination, state, attempts, next_attempt_ms, created_ms, updated_ms, payload,"
    " lease_node) VALUES ($1::bigint, $2, 0, 0, 0, $3::bigint, $3::bigint, $4, $5::integer) RETURNING id";

// The warning PostgreSQL sends when a COMMIT returned without the synchronous standby's
// confirmation (cancelled wait, or the backend was told to terminate): the transaction is
// durable on the primary only, which is not what we promise.
bool replication_unconfirmed(const std::vector<std::string>& notices) {
  for (const auto& n : notices)
    if (n.find("synchronous replication") != std::string::npos || n.find("might not have been replicated") != std::string::npos)
      return true;
  return false;
}

}  // namespace

// What one group carries between its steps.
struct pg_session::group_state {
  explicit group_state(pg::connection& c) : writes(c) {}
  struct stored_key {
    std::string fingerprint, tracking_id, duplicate_of;
    std::int64_t complaint_id = 0;
  };
  std::unordered_map<std::string, stored_key> db_keys;          // under the locks
  std::unordered_map<std::string, std::size_t> group_keys;      // key -> request index, stored in this group
  std::vector<insert_request*> batch;                           // stored rows, written by queue_writes()
  struct promise {
    std::int64_t key = 0;  // 0 = never deduplicated
    std::string destination, payload, tracking_id;
    std::int64_t complaint_id = 0;
    write_result* answer = nullptr;
  };
  std::vector<promise> promises;
  std::vector<std::pair<std::string, std::string>> parts_done;  // (group, answered tracking ID)
  std::vector<std::int64_t> outbox_ids;                         // allocated for the rows' destinations
  std::vector<transition_request*> sent;                        // the group's mark_sent requests
  std::size_t next_id = 0;
  // The group's writes and COMMIT, sent at once; each statement's result goes to its handler.
  pg::pipeline writes;
  std::vector<std::function<void(const pg::result&)>> handlers;
  void write(const char* sql, pg::params p, std::function<void(const pg::result&)> h = {}) {
    writes.add(sql, std::move(p));
    handlers.push_back(std::move(h));
  }
};

pg_session::pg_session(const options& opts) : opts_(opts), conn_(opts.postgres_conninfo) {
  std::string error;
  if (!conn_.connect(error)) throw std::runtime_error("cannot connect to PostgreSQL: " + error);
  pg::migrate(conn_);
  pg::check_key_fingerprint(conn_, opts_.key_fingerprint);
  pg::acquire_node_lease(conn_, opts_);
}

pg_session::~pg_session() = default;

pg::result pg_session::run(const char* sql, const pg::params& p, std::string& error) {
  auto r = conn_.exec(sql, p);
  if (!r.ok()) {
    error = r.error();
    if (pg::connection_lost(r)) lost_ = true;
  }
  return r;
}

bool pg_session::check(const std::vector<pg::result>& results, std::string& error) {
  // 25P02: skipped because an earlier statement of the pipeline failed; the failure named is
  // that earlier one (or, if only skips came back, the first skip).
  for (const auto& r : results) {
    if (r.ok()) continue;
    if (pg::connection_lost(r)) lost_ = true;
    if (r.sqlstate() != "25P02") {
      error = r.error();
      return false;
    }
    if (error.empty()) error = r.error();
  }
  return error.empty();
}

std::uint32_t pg_session::max_sequence(std::uint8_t node) {
  std::string error;
  if (!conn_.connected() && !conn_.connect(error)) throw std::runtime_error("max_sequence: " + error);
  pg::params p;
  const std::int64_t lo = static_cast<std::int64_t>(node) << 32;
  p.add(lo).add(lo + (std::int64_t{1} << 32));
  auto r = conn_.exec("SELECT max(id) FROM complaints WHERE id >= $1::bigint AND id < $2::bigint", p);
  if (!r.ok()) throw std::runtime_error("max_sequence: " + r.error());
  if (r.is_null(0, 0)) return 0;
  return static_cast<std::uint32_t>(r.int64(0, 0) & 0xffffffff);
}

namespace {

constexpr const char* lock_sql =
    "SELECT count(pg_advisory_xact_lock(k)) FROM (SELECT unnest($1::bigint[]) AS k ORDER BY 1) s";
constexpr const char* links_sql =
    "SELECT a, b, a_hash, b_hash, complaint_id FROM identity_links"
    " WHERE a_hash = ANY($1::bigint[]) OR b_hash = ANY($1::bigint[]) ORDER BY id";
constexpr const char* keys_sql =
    "SELECT i.key, i.fingerprint, i.complaint_id, c.tracking_id, coalesce(c.duplicate_of, '')"
    " FROM idempotency i JOIN complaints c ON c.id = i.complaint_id WHERE i.key = ANY($1::text[])";
constexpr const char* matches_sql =
    "SELECT DISTINCT s.complaint_id, s.received_at_ms, coalesce(c.duplicate_of, ''), s.sketch"
    " FROM match_identities k JOIN match_sketches s ON s.complaint_id = k.complaint_id"
    " JOIN complaints c ON c.id = k.complaint_id"
    " WHERE k.key_hash = ANY($1::bigint[]) AND k.received_at_ms >= $2::bigint"
    " AND (k.complaint_id >> 32) <> $3::bigint ORDER BY s.complaint_id";
// The rows of transactions that ended between the last tail and this statement's snapshot
// xmin (all of them visible to this snapshot), and that xmin (every row carries it; one row
// with NULLs when there is nothing new).
constexpr const char* tail_sql =
    "WITH x AS (SELECT pg_snapshot_xmin(pg_current_snapshot()) AS m)"
    " SELECT t.complaint_id, t.received_at_ms, t.dup, t.sketch, x.m::text FROM x LEFT JOIN LATERAL"
    " (SELECT s.complaint_id, s.received_at_ms, coalesce(c.duplicate_of, '') AS dup, s.sketch FROM match_sketches s"
    "  JOIN complaints c ON c.id = s.complaint_id WHERE s.xid >= $1::xid8 AND s.xid < x.m"
    "  AND (s.complaint_id >> 32) <> $2::bigint AND s.received_at_ms >= $3::bigint ORDER BY s.complaint_id) t ON true";

constexpr const char* relinks_sql =
    "SELECT complaint_id, coalesce(duplicate_of, '') FROM relinks"
    " WHERE xid >= $1::xid8 AND xid < pg_snapshot_xmin(pg_current_snapshot()) ORDER BY id";

std::vector<std::int64_t> sorted_unique(std::vector<std::int64_t> v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
  return v;
}

}  // namespace

session::group_outcome pg_session::apply(std::vector<write_request>& group, std::vector<outbox_item>* created) {
  group_outcome out;
  for (const write_request& req : group)
    if (!std::holds_alternative<probe_request>(req)) ++out.size;
  if (out.size == 0) return out;

  const auto started = std::chrono::steady_clock::now();
  const std::size_t created_before = created ? created->size() : 0;
  lost_ = false;
  auto fail = [&](std::string error) {
    out.took = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - started);
    out.ok = false;
    out.error = std::move(error);
    if (lost_) conn_.close();  // reconnect before the next group
    else (void)conn_.exec("ROLLBACK");
    (void)conn_.take_notices();
    if (created) created->resize(created_before);
    relinked_.clear();
    if (decider_) decider_->group_failed();
    fail_requests(group, out.error);
    group_ = nullptr;
    return out;
  };

  if (!conn_.connected()) {
    std::string error;
    if (!conn_.connect(error)) {
      lost_ = true;
      return fail("database unavailable: " + error);
    }
  }
  now_ms_ = wall_ms();
  group_ = &group;
  relinked_.clear();
  (void)conn_.take_notices();

  std::string error;
  group_state g(conn_);
  if (error = read_phase(group, g); !error.empty()) return fail(error);

  for (std::size_t i = 0; i < group.size() && error.empty(); ++i) {
    error = std::visit(
        [&](auto& r) -> std::string {
          using T = std::decay_t<decltype(r)>;
          if constexpr (std::is_same_v<T, insert_request>) {
            stage_insert(r, i, g);
            return {};
          } else if constexpr (std::is_same_v<T, probe_request>) {
            return {};
          } else if constexpr (std::is_same_v<T, relink_request>) {
            return apply_one(r, created);  // an operator's action: reads, then writes
          } else if constexpr (std::is_same_v<T, transition_request>) {
            // Every mark_sent of the group becomes one statement (queue_sent): one update of
            // this node's counter row per transaction, not one per request (PostgreSQL walks
            // a row's versions made in one transaction: hundreds cost seconds, measured).
            if (r.what == transition_request::kind::sent) {
              g.sent.push_back(&r);
              return {};
            }
            return queue_one(r, g, created);
          } else {
            return queue_one(r, g, created);
          }
        },
        group[i]);
  }
  if (!error.empty()) return fail(error);
  queue_writes(g, created);
  queue_sent(g);
  const std::size_t commit = g.writes.add("COMMIT");
  g.handlers.emplace_back();
  auto results = g.writes.run();
  if (results.size() <= commit || !results[commit].ok()) {
    // An earlier statement failed (the COMMIT was skipped: nothing written), or the
    // connection broke: then whether COMMIT happened is unknown. Either way: refuse.
    if (!check(results, error) && !lost_ && error.empty()) error = "commit failed";
    if (results.size() <= commit || pg::connection_lost(results[commit])) {
      lost_ = true;
      out.in_doubt = true;
      return fail("commit outcome unknown: " + (error.empty() ? std::string("connection lost") : error));
    }
    return fail(error.empty() ? results[commit].error() : error);
  }
  if (replication_unconfirmed(conn_.take_notices())) {
    lost_ = true;
    out.in_doubt = true;  // committed on the primary: visible there, perhaps not on the standby
    return fail("commit not confirmed by the synchronous standby");
  }
  for (std::size_t i = 0; i < commit; ++i)
    if (g.handlers[i]) g.handlers[i](results[i]);
  out.took = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - started);
  group_ = nullptr;
  if (decider_) {
    for (const auto& [id, dup] : relinked_) decider_->relinked(id, dup);
    decider_->group_committed();
  }
  relinked_.clear();
  return out;
}

std::string pg_session::read_phase(std::vector<write_request>& group, group_state& g) {
  std::vector<std::int64_t> identities, locks;
  std::vector<std::string> keys;
  std::size_t destinations = 0;
  for (write_request& req : group) {
    auto* ins = std::get_if<insert_request>(&req);
    if (ins == nullptr) continue;
    for (const auto& k : ins->row.identity_keys) identities.push_back(pg::key_hash(k));
    if (!ins->row.idempotency_key.empty()) {
      keys.push_back(ins->row.idempotency_key);
      locks.push_back(idempotency_lock(ins->row.idempotency_key));
    }
    destinations += ins->row.outbox_destinations.size();
  }
  identities = sorted_unique(std::move(identities));
  locks.insert(locks.end(), identities.begin(), identities.end());
  locks = sorted_unique(std::move(locks));
  const bool tail = decider_ != nullptr && !tail_xmin_.empty() && std::chrono::steady_clock::now() >= next_tail_;

  // One round trip: BEGIN, the locks (in one global order, so two nodes never deadlock on
  // them), then under the locks every read the decisions need.
  pg::pipeline reads(conn_);
  reads.add("BEGIN");
  constexpr std::size_t none = ~std::size_t{0};
  std::size_t at_links = none, at_keys = none, at_matches = none, at_tail = none, at_ids = none;
  if (!locks.empty()) {
    pg::params p;
    p.add_array(locks);
    reads.add(lock_sql, std::move(p));
  }
  if (!identities.empty()) {
    pg::params p;
    p.add_array(identities);
    at_links = reads.add(links_sql, std::move(p));
  }
  if (!keys.empty()) {
    pg::params p;
    p.add_array(keys);
    at_keys = reads.add(keys_sql, std::move(p));
  }
  if (decider_ != nullptr && !identities.empty()) {
    pg::params p;
    p.add_array(identities).add(now_ms_ - opts_.match_window_ms).add(std::int64_t{opts_.node_id});
    at_matches = reads.add(matches_sql, std::move(p));
  }
  std::size_t at_relinks = none;
  if (tail) {
    pg::params p;
    p.add(tail_xmin_).add(std::int64_t{opts_.node_id}).add(now_ms_ - opts_.match_window_ms);
    at_tail = reads.add(tail_sql, std::move(p));
    // Merges and unmerges since the last tail, this node's too (applying one again changes
    // nothing). Its own snapshot may end later than the tail's: what it reads beyond is read
    // again next time, which is harmless.
    pg::params rp;
    rp.add(tail_xmin_);
    at_relinks = reads.add(relinks_sql, std::move(rp));
  }
  if (destinations > 0) {
    pg::params p;
    p.add(static_cast<std::int64_t>(destinations));
    at_ids = reads.add("SELECT nextval('outbox_id_seq') FROM generate_series(1, $1::integer)", std::move(p));
  }
  auto rs = reads.run();
  std::string error;
  if (!check(rs, error)) return error;

  if (at_links != none) {
    // Identities linked to the group's by earlier reports: lock them too and read their
    // rows (a second round trip, only for reporters who gave two identities). Taken after
    // the first locks, so two nodes may deadlock here; PostgreSQL then fails one group,
    // which is refused and retried by its senders.
    const auto& links = rs[at_links];
    std::vector<std::int64_t> more;
    for (int i = 0; i < links.rows(); ++i)
      for (int col : {2, 3})
        if (!std::binary_search(identities.begin(), identities.end(), links.int64(i, col))) more.push_back(links.int64(i, col));
    more = sorted_unique(std::move(more));
    if (!more.empty()) {
      pg::pipeline again(conn_);
      pg::params lp;
      lp.add_array(more);
      again.add(lock_sql, std::move(lp));
      if (decider_ != nullptr) {
        pg::params mp;
        mp.add_array(more).add(now_ms_ - opts_.match_window_ms).add(std::int64_t{opts_.node_id});
        again.add(matches_sql, std::move(mp));
      }
      auto rs2 = again.run();
      if (!check(rs2, error)) return error;
      if (decider_ != nullptr) absorb(rs2[1]);
    }
    if (decider_ != nullptr)
      for (int i = 0; i < links.rows(); ++i)
        if ((links.int64(i, 4) >> 32) != opts_.node_id) decider_->absorb_link(links.text(i, 0), links.text(i, 1));
  }
  if (at_keys != none) {
    const auto& r = rs[at_keys];
    for (int i = 0; i < r.rows(); ++i) {
      auto& k = g.db_keys[std::string(r.text(i, 0))];
      k.fingerprint = r.text(i, 1);
      k.complaint_id = r.int64(i, 2);
      k.tracking_id = r.text(i, 3);
      k.duplicate_of = r.text(i, 4);
    }
  }
  if (at_matches != none) absorb(rs[at_matches]);
  if (at_tail != none) {
    const auto& r = rs[at_tail];
    absorb(r);
    if (r.rows() > 0) tail_xmin_ = std::string(r.text(0, 4));
    next_tail_ = std::chrono::steady_clock::now() + tail_interval;
    const auto& rl = rs[at_relinks];
    for (int i = 0; i < rl.rows(); ++i) decider_->relinked(rl.int64(i, 0), std::string(rl.text(i, 1)));
  }
  if (at_ids != none) {
    const auto& r = rs[at_ids];
    for (int i = 0; i < r.rows(); ++i) g.outbox_ids.push_back(r.int64(i, 0));
    std::sort(g.outbox_ids.begin(), g.outbox_ids.end());
  }
  return {};
}

void pg_session::absorb(const pg::result& r) {
  for (int i = 0; i < r.rows(); ++i) {
    if (r.is_null(i, 0)) continue;  // the tail's "nothing new" row
    const std::int64_t id = r.int64(i, 0);
    if (!absorbed_.emplace(id, r.int64(i, 1)).second) continue;
    const std::string sketch = r.bytes(i, 3);
    match_record m;
    m.complaint_id = id;
    m.received_at_ms = r.int64(i, 1);
    m.duplicate_of = r.text(i, 2);
    m.sketch = sketch;
    decider_->absorb_match(m);
  }
  // Forget what left the window (the decider expires it too).
  if (absorbed_.size() > 4096 && absorbed_.size() % 1024 == 0) {
    const std::int64_t oldest = now_ms_ - opts_.match_window_ms;
    for (auto it = absorbed_.begin(); it != absorbed_.end();)
      it = it->second < oldest ? absorbed_.erase(it) : std::next(it);
  }
}

void pg_session::stage_insert(insert_request& r, std::size_t index, group_state& g) {
  complaint_row& row = r.row;
  r.result = write_result{};
  auto answer_with = [&](std::int64_t id, const std::string& fingerprint, const std::string& tracking_id,
                         const std::string& duplicate_of) {
    r.result = stored_key_answer(row, id, fingerprint, tracking_id, duplicate_of);
    if (r.result.status == write_status::replay) after_answer(row, r.result, g);
  };
  if (!row.idempotency_key.empty()) {
    if (auto it = g.group_keys.find(row.idempotency_key); it != g.group_keys.end()) {
      // The group's requests are not moved while it is applied: the index stays valid.
      const auto& first = std::get<insert_request>((*group_)[it->second]);
      answer_with(first.row.id, first.row.request_fingerprint, first.row.tracking_id, first.row.duplicate_of);
      return;
    }
    if (auto it = g.db_keys.find(row.idempotency_key); it != g.db_keys.end()) {
      answer_with(it->second.complaint_id, it->second.fingerprint, it->second.tracking_id, it->second.duplicate_of);
      return;
    }
  }
  if (decider_) decider_->decide(row);
  r.result.status = write_status::stored;
  r.result.id = row.id;
  r.result.tracking_id = row.tracking_id;
  r.result.duplicate_of = row.duplicate_of;
  if (!row.idempotency_key.empty()) g.group_keys.emplace(row.idempotency_key, index);
  g.batch.push_back(&r);
  after_answer(row, r.result, g);
}

void pg_session::after_answer(complaint_row& row, write_result& answer, group_state& g) {
  const std::string& answered = answer.answered_id();
  if (!row.completes_parts.empty()) g.parts_done.emplace_back(row.completes_parts, answered);
  for (promised_message& p : row.promises) {
    group_state::promise pr;
    if (!p.recipient.empty()) pr.key = static_cast<std::int64_t>(promise_index::key(answered, p.recipient));
    pr.payload = p.payload ? p.payload(answer) : std::string();
    if (pr.payload.empty()) continue;
    pr.destination = p.destination;
    pr.tracking_id = answered;
    pr.complaint_id = answer.id;
    pr.answer = &answer;
    g.promises.push_back(std::move(pr));
  }
}

void pg_session::queue_writes(group_state& g, std::vector<outbox_item>* created) {
  std::vector<std::int64_t> c_id, c_recv, c_disp, s_id, s_recv, mi_hash, mi_id, mi_recv, l_ah, l_bh, l_id, o_id, o_cid;
  std::vector<std::string> c_tid, c_chan, c_dup, c_meta, c_doc, s_sketch, l_a, l_b, o_dest, o_payload, k_key, k_fp;
  std::vector<std::int64_t> k_id;
  for (insert_request* r : g.batch) {
    complaint_row& row = r->row;
    const std::size_t first = g.next_id;
    std::int64_t dispatch = 0;
    for (std::size_t i = 0; i < row.outbox_destinations.size(); ++i) {
      const std::int64_t id = g.outbox_ids[g.next_id++];
      if (dispatch == 0 && row.outbox_destinations[i] == dispatcher_destination) dispatch = id;
      o_id.push_back(id);
      o_cid.push_back(row.id);
      o_dest.push_back(row.outbox_destinations[i]);
      o_payload.push_back(row.outbox_payload);  // empty -> NULL: the complaint's document
    }
    c_id.push_back(row.id);
    c_tid.push_back(row.tracking_id);
    c_chan.push_back(row.channel);
    c_recv.push_back(row.received_at_ms);
    c_dup.push_back(row.duplicate_of);
    c_disp.push_back(dispatch);
    c_meta.push_back(row.status_meta);
    c_doc.push_back(row.document);
    if (!row.idempotency_key.empty()) {
      k_key.push_back(row.idempotency_key);
      k_id.push_back(row.id);
      k_fp.push_back(row.request_fingerprint);
    }
    if (!row.match_sketch.empty()) {
      s_id.push_back(row.id);
      s_recv.push_back(row.received_at_ms);
      s_sketch.push_back(row.match_sketch);
      for (const auto& key : row.identity_keys) {
        mi_hash.push_back(pg::key_hash(key));
        mi_id.push_back(row.id);
        mi_recv.push_back(row.received_at_ms);
      }
    }
    for (const auto& [a, b] : row.identity_links) {
      l_a.push_back(a);
      l_b.push_back(b);
      l_ah.push_back(pg::key_hash(a));
      l_bh.push_back(pg::key_hash(b));
      l_id.push_back(row.id);
    }
    // The row's text went into the statement's parameters above: the items may take it.
    if (created != nullptr)
      append_created(row, [&](std::size_t i) { return g.outbox_ids[first + i]; }, now_ms_, *created);
  }

  if (!c_id.empty()) {
    pg::params p;
    p.add_array(c_id).add_array(c_tid).add_array(c_chan).add_array(c_recv).add_array(c_dup, true).add_array(c_disp)
        .add_array(c_meta).add_array(c_doc);
    // A conflict is not ignored: two nodes with one tracking.node_id (the node lease makes it
    // near impossible) fail the group rather than answer with someone else's complaint.
    g.write("INSERT INTO complaints(id, tracking_id, channel, received_at_ms, duplicate_of, dispatch_outbox_id,"
            " status_meta, document) SELECT u.id, u.t, u.ch, u.r, u.d, nullif(u.o, 0), u.m, u.doc FROM"
            " unnest($1::bigint[], $2::text[], $3::text[], $4::bigint[], $5::text[], $6::bigint[], $7::text[],"
            " $8::text[]) AS u(id, t, ch, r, d, o, m, doc)",
            std::move(p));
  }
  if (!k_key.empty()) {
    pg::params p;
    p.add_array(k_key).add_array(k_id).add_array(k_fp);
    g.write("INSERT INTO idempotency(key, complaint_id, fingerprint) SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[])",
            std::move(p));
  }
  if (!s_id.empty()) {
    pg::params p;
    p.add_array(s_id).add_array(s_recv).add_bytea_array(s_sketch);
    g.write("INSERT INTO match_sketches(complaint_id, received_at_ms, sketch)"
            " SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::bytea[])",
            std::move(p));
  }
  if (!mi_hash.empty()) {
    pg::params p;
    p.add_array(mi_hash).add_array(mi_id).add_array(mi_recv);
    g.write("INSERT INTO match_identities(key_hash, complaint_id, received_at_ms)"
            " SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::bigint[]) ON CONFLICT DO NOTHING",
            std::move(p));
  }
  if (!l_a.empty()) {
    pg::params p;
    p.add_array(l_a).add_array(l_b).add_array(l_ah).add_array(l_bh).add_array(l_id).add(now_ms_);
    g.write("INSERT INTO identity_links(a, b, a_hash, b_hash, complaint_id, created_ms)"
            " SELECT u.a, u.b, u.ah, u.bh, u.c, $6::bigint FROM"
            " unnest($1::text[], $2::text[], $3::bigint[], $4::bigint[], $5::bigint[]) AS u(a, b, ah, bh, c)",
            std::move(p));
  }
  if (!o_id.empty()) {
    pg::params p;
    p.add_array(o_id).add_array(o_cid).add_array(o_dest).add_array(o_payload, true).add(now_ms_)
        .add(std::int64_t{opts_.node_id});
    // Created claimed by this node: its forwarder sends them from memory at once, and the
    // others take them only if this node's lease expires first.
    g.write("INSERT INTO outbox(id, complaint_id, destination, state, attempts, next_attempt_ms, created_ms,"
            " updated_ms, payload, lease_node) SELECT u.id, u.c, u.d, 0, 0, 0, $5::bigint, $5::bigint, u.p, $6::integer"
            " FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[]) AS u(id, c, d, p)",
            std::move(p));
  }
  queue_promises(g, created);
  if (!g.parts_done.empty()) {
    std::vector<std::string> groups, answers;
    for (auto& [grp, ans] : g.parts_done) {
      groups.push_back(grp);
      answers.push_back(ans);
    }
    pg::params p;
    p.add_array(groups).add_array(answers).add(now_ms_);
    g.write("UPDATE message_parts m SET answer = u.a, done_ms = $3::bigint FROM unnest($1::text[], $2::text[])"
            " AS u(g, a) WHERE m.group_key = u.g AND m.answer IS NULL",
            std::move(p));
  }
}

void pg_session::queue_promises(group_state& g, std::vector<outbox_item>* created) {
  // At most one per (answered tracking ID, recipient) within the window, across nodes: a
  // key is written only if absent or expired (ON CONFLICT … WHERE), and its outbox row only
  // with it, in one statement. Within the group, the first of equal keys wins.
  std::vector<std::int64_t> keys, cids;
  std::vector<std::string> dests, payloads;
  std::vector<const group_state::promise*> sent;
  std::unordered_set<std::int64_t> in_group;
  for (const auto& p : g.promises) {
    if (p.key != 0 && !in_group.insert(p.key).second) {
      ++p.answer->promises_skipped;
      continue;
    }
    keys.push_back(p.key);
    cids.push_back(p.complaint_id);
    dests.push_back(p.destination);
    payloads.push_back(p.payload);
    sent.push_back(&p);
  }
  if (sent.empty()) return;
  pg::params p;
  p.add_array(keys).add_array(cids).add_array(dests).add_array(payloads).add(now_ms_)
      .add(now_ms_ - opts_.promise_window_ms).add(std::int64_t{opts_.node_id});
  g.write(
      "WITH cand AS (SELECT u.*, row_number() OVER () AS ord FROM"
      "   unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[]) AS u(k, c, d, p)),"
      " fresh AS (INSERT INTO promises(key, created_ms) SELECT k, $5::bigint FROM cand WHERE k <> 0"
      "   ON CONFLICT (key) DO UPDATE SET created_ms = excluded.created_ms WHERE promises.created_ms < $6::bigint"
      "   RETURNING key)"
      " INSERT INTO outbox(complaint_id, destination, state, attempts, next_attempt_ms, created_ms, updated_ms, payload,"
      "   promise_key, lease_node)"
      " SELECT c, d, 0, 0, 0, $5::bigint, $5::bigint, p, nullif(k, 0), $7::integer FROM cand"
      " WHERE k = 0 OR k IN (SELECT key FROM fresh) ORDER BY ord RETURNING id, coalesce(promise_key, 0)",
      std::move(p), [this, sent = std::move(sent), created](const pg::result& r) {
        // RETURNING follows the insertion order (ORDER BY ord): match the rows to the
        // candidates in order, by key.
        int row = 0;
        for (const auto* pr : sent) {
          if (row < r.rows() && r.int64(row, 1) == pr->key) {
            ++pr->answer->promises_written;
            if (created != nullptr) {
              outbox_item& item = created->emplace_back();
              item.id = r.int64(row, 0);
              item.complaint_id = pr->complaint_id;
              item.tracking_id = pr->tracking_id;
              item.destination = pr->destination;
              item.payload = pr->payload;
              item.created_ms = item.updated_ms = now_ms_;
            }
            ++row;
          } else {
            ++pr->answer->promises_skipped;  // already promised to that recipient
          }
        }
      });
}

std::string pg_session::queue_one(enqueue_request& r, group_state& g, std::vector<outbox_item>* created) {
  if (r.complaint_id != 0) {
    // Tied to a complaint (not used by the daemon's channels today): read it first.
    std::string error;
    pg::params p;
    p.add(r.complaint_id);
    auto q = run("SELECT tracking_id, document FROM complaints WHERE id = $1::bigint", p, error);
    if (!q.ok()) return error;
    if (q.rows() == 0) {
      r.answer = {false, "unknown complaint id " + std::to_string(r.complaint_id)};
      return {};
    }
    const std::string tracking_id(q.text(0, 0));
    std::string document = r.payload.empty() ? std::string(q.text(0, 1)) : r.payload;
    pg::params w;
    w.add(r.complaint_id).add(r.destination).add(now_ms_);
    if (r.payload.empty()) w.add_null();  // "the complaint's document", stored once
    else w.add(r.payload);
    w.add(std::int64_t{opts_.node_id});
    g.write(enqueue_sql, std::move(w), [this, &r, created, tracking_id, document = std::move(document)](const pg::result& res) {
      created_item(r, res, created, tracking_id, document);
    });
    r.answer = {true, {}};
    return {};
  }
  pg::params w;
  w.add(std::int64_t{0}).add(r.destination).add(now_ms_).add(r.payload).add(std::int64_t{opts_.node_id});
  g.write(enqueue_sql, std::move(w), [this, &r, created](const pg::result& res) { created_item(r, res, created, {}, r.payload); });
  r.answer = {true, {}};
  return {};
}

void pg_session::created_item(const enqueue_request& r, const pg::result& res, std::vector<outbox_item>* created,
                              const std::string& tracking_id, const std::string& payload) {
  if (created == nullptr || res.rows() == 0) return;
  outbox_item& item = created->emplace_back();
  item.id = res.int64(0, 0);
  item.complaint_id = r.complaint_id;
  item.tracking_id = tracking_id;
  item.destination = r.destination;
  item.payload = payload;
  item.created_ms = item.updated_ms = now_ms_;
}

namespace {

// Moves rows `$1` to state `$2` (sent is final; pending and dead rows move, as
// writer_session does in two steps) and counts the ones marked sent in this node's
// outbox_counts row. Per id: whether it moved, and whether it exists (not moved + exists =
// already sent).
constexpr const char* transition_sql =
    "WITH moved AS (UPDATE outbox SET state = $2::smallint, attempts = coalesce($3::integer, attempts),"
    "   next_attempt_ms = coalesce($4::bigint, next_attempt_ms),"
    "   last_error = CASE WHEN $5::boolean THEN $6 ELSE last_error END, updated_ms = $7::bigint,"
    "   lease_node = coalesce($8::integer, lease_node)"
    "   WHERE id = ANY($1::bigint[]) AND state <> 1 RETURNING id),"
    " counted AS (INSERT INTO outbox_counts(node, state, n) SELECT $9::integer, 1, count(*) FROM moved"
    "   WHERE $2::smallint = 1 HAVING count(*) > 0"
    "   ON CONFLICT (node, state) DO UPDATE SET n = outbox_counts.n + excluded.n)"
    " SELECT i.id, m.id IS NOT NULL, EXISTS (SELECT 1 FROM outbox x WHERE x.id = i.id)"
    " FROM unnest($1::bigint[]) AS i(id) LEFT JOIN moved m ON m.id = i.id";

// How a transition's result answers its request: unknown ids are an error; a requeue of a
// sent row too; mark_retry/mark_dead on a sent row change nothing (sent is final) and are ok.
void answer_transition(transition_request& r, const std::unordered_map<std::int64_t, std::pair<bool, bool>>& outcome,
                       const std::vector<std::int64_t>& ids) {
  for (const auto id : ids) {
    auto it = outcome.find(id);
    const bool moved = it != outcome.end() && it->second.first;
    const bool exists = it != outcome.end() && it->second.second;
    if (moved) continue;
    if (!exists) {
      if (r.answer.ok) r.answer = {false, "unknown outbox id " + std::to_string(id)};
    } else if (r.what == transition_request::kind::requeue) {
      r.answer = {false, "outbox row " + std::to_string(id) + " was already sent"};
    }
  }
}

std::unordered_map<std::int64_t, std::pair<bool, bool>> transition_outcome(const pg::result& res) {
  std::unordered_map<std::int64_t, std::pair<bool, bool>> out;
  for (int i = 0; i < res.rows(); ++i) out[res.int64(i, 0)] = {res.text(i, 1) == "t", res.text(i, 2) == "t"};
  return out;
}

}  // namespace

void pg_session::queue_sent(group_state& g) {
  if (g.sent.empty()) return;
  std::vector<std::int64_t> ids;
  for (auto* r : g.sent) {
    r->answer = {true, {}};
    ids.insert(ids.end(), r->ids.begin(), r->ids.end());
  }
  if (ids.empty()) return;
  pg::params p;
  p.add_array(ids).add(std::int64_t{static_cast<int>(outbox_state::sent)}).add_null().add_null().add_bool(false)
      .add_null().add(now_ms_).add_null().add(std::int64_t{opts_.node_id});
  g.write(transition_sql, std::move(p), [sent = g.sent](const pg::result& res) {
    const auto outcome = transition_outcome(res);
    for (auto* r : sent) answer_transition(*r, outcome, r->ids);
  });
}

std::string pg_session::queue_one(transition_request& r, group_state& g, std::vector<outbox_item>*) {
  using kind = transition_request::kind;
  const outbox_state to = r.what == kind::dead ? outbox_state::dead : outbox_state::pending;  // sent: queue_sent
  r.answer = {true, {}};
  std::vector<std::int64_t> ids = r.what == kind::hand_on ? r.ids : std::vector<std::int64_t>{r.id};
  pg::params p;
  p.add_array(ids).add(std::int64_t{static_cast<int>(to)});
  if (r.what == kind::retry || r.what == kind::dead) p.add(std::int64_t{r.attempts});
  else p.add_null();
  if (r.what == kind::retry) p.add(r.next_attempt_ms);
  else if (r.what == kind::requeue) p.add(std::int64_t{0});  // due now
  else p.add_null();
  const bool set_error = r.what == kind::retry || r.what == kind::dead;
  p.add_bool(set_error).add_or_null(r.error).add(now_ms_);
  // A requeue from this node's admin API: this node's forwarder sends it. A hand-on leaves
  // the row to the others: claimed by -(node + 1), which no live node is (pg_reader::claim).
  if (r.what == kind::requeue) p.add(std::int64_t{opts_.node_id});
  else if (r.what == kind::hand_on) p.add(-std::int64_t{opts_.node_id} - 1);
  else p.add_null();
  p.add(std::int64_t{opts_.node_id});
  g.write(transition_sql, std::move(p), [&r, ids = std::move(ids)](const pg::result& res) {
    answer_transition(r, transition_outcome(res), ids);
  });
  return {};
}

std::string pg_session::queue_one(cursor_request& r, group_state& g, std::vector<outbox_item>*) {
  // Fenced: written only while the lease row says this node holds the token; FOR SHARE makes
  // a takeover of the lease wait for this transaction, so the check holds until COMMIT.
  pg::params p;
  p.add(r.name).add(r.value).add(r.fence_lease).add(r.fence_token).add(opts_.instance_id);
  r.answer = {true, {}};
  g.write("INSERT INTO cursors(name, value) SELECT $1, $2 WHERE $3 = '' OR EXISTS (SELECT 1 FROM leases"
          " WHERE name = $3 AND token = $4::bigint AND holder = $5 FOR SHARE)"
          " ON CONFLICT (name) DO UPDATE SET value = excluded.value",
          std::move(p), [&r](const pg::result& res) {
            if (res.affected() == 0)
              r.answer = {false, "fenced: lease " + r.fence_lease + " token " + std::to_string(r.fence_token) +
                                     " is no longer held by this node"};
          });
  return {};
}

std::string pg_session::queue_one(part_request& r, group_state& g, std::vector<outbox_item>*) {
  pg::params p;
  p.add(std::int64_t{opts_.node_id}).add(r.part.group).add(std::int64_t{r.part.seq}).add_bytea(r.part.data)
      .add(r.part.received_at_ms);
  r.result = write_result{};
  r.result.status = write_status::stored;
  g.write("INSERT INTO message_parts(node, group_key, seq, part, received_at_ms)"
          " VALUES ($1::integer, $2, $3::integer, $4::bytea, $5::bigint) RETURNING id",
          std::move(p), [&r](const pg::result& res) {
            if (res.rows() > 0) r.result.id = res.int64(0, 0);
          });
  return {};
}

std::string pg_session::queue_one(complete_parts_request& r, group_state& g, std::vector<outbox_item>*) {
  pg::params p;
  p.add(r.tracking_id).add(now_ms_).add(r.group);
  r.answer = {true, {}};
  g.write("UPDATE message_parts SET answer = $1, done_ms = $2::bigint WHERE group_key = $3 AND answer IS NULL", std::move(p));
  return {};
}

std::string pg_session::queue_one(purge_parts_request& r, group_state& g, std::vector<outbox_item>*) {
  pg::params p;
  p.add(r.done_before_ms).add(r.open_before_ms).add(std::int64_t{opts_.node_id});
  r.answer = {true, {}};
  // Done rows of any node (a node that never came back leaves its own); open rows only ours.
  g.write("DELETE FROM message_parts WHERE (answer IS NOT NULL AND done_ms < $1::bigint)"
          " OR (node = $3::integer AND answer IS NULL AND received_at_ms < $2::bigint)",
          std::move(p));
  return {};
}

std::string pg_session::queue_one(erase_request& r, group_state& g, std::vector<outbox_item>*) {
  // The SQLite erasure (store/erase_apply.cpp) as two statements of the group: each entry is
  // erased only if still eligible and unchanged since the scan, and with it go its
  // idempotency key, sketch, identity hashes and links.
  const erase_batch& b = r.batch;
  r.answer = {true, {}};
  // Handlers run after the COMMIT, before the request's `done`: its caller reads the counts then.
  const auto counted = b.done;
  if (!b.entries.empty()) {
    std::vector<std::int64_t> ids;
    std::vector<std::string> erased, expected;
    for (const erasure& e : b.entries) {
      ids.push_back(e.id);
      erased.push_back(e.erased_meta);
      expected.push_back(e.expected_meta);
    }
    pg::params p;
    p.add_array(ids).add_array(erased).add_array(expected).add(b.confirmed_before_ms);
    g.write("WITH e AS (UPDATE complaints c SET document = '', status_meta = u.m"
            "   FROM unnest($1::bigint[], $2::text[], $3::text[]) AS u(id, m, x)"
            "   WHERE c.id = u.id AND c.document <> '' AND c.status_meta = u.x AND EXISTS (SELECT 1 FROM outbox o"
            "     WHERE o.id = c.dispatch_outbox_id AND o.state = 1 AND o.updated_ms < $4::bigint) RETURNING c.id),"
            " k AS (DELETE FROM idempotency WHERE complaint_id IN (SELECT id FROM e)),"
            " s AS (DELETE FROM match_sketches WHERE complaint_id IN (SELECT id FROM e)),"
            " i AS (DELETE FROM match_identities WHERE complaint_id IN (SELECT id FROM e)),"
            " l AS (DELETE FROM identity_links WHERE complaint_id IN (SELECT id FROM e))"
            " SELECT count(*) FROM e",
            std::move(p), [counted](const pg::result& res) {
              if (counted && res.ok() && res.rows() == 1) counted->complaints = static_cast<std::size_t>(res.int64(0, 0));
            });
  }
  if (b.outbox_to > b.outbox_from) {
    // Finished rows only, as on SQLite: a dead 'dispatcher' row keeps its payload for a retry.
    pg::params p;
    p.add(b.outbox_from).add(b.outbox_to).add(b.confirmed_before_ms);
    g.write("UPDATE outbox SET payload = '', last_error = NULL WHERE id >= $1::bigint AND id < $2::bigint"
            " AND updated_ms < $3::bigint AND (state = 1 OR (state = 2 AND destination <> 'dispatcher'))"
            " AND payload IS NOT NULL AND payload <> ''",
            std::move(p), [counted](const pg::result& res) {
              if (counted && res.ok()) counted->payloads = static_cast<std::size_t>(res.affected());
            });
  }
  return {};
}

std::string pg_session::apply_one(relink_request& r, std::vector<outbox_item>* created) {
  std::string error, payload;
  {
    pg::params p;
    p.add(r.id);
    auto q = run("SELECT coalesce(duplicate_of, ''), document FROM complaints WHERE id = $1::bigint FOR UPDATE", p, error);
    if (!q.ok()) return error;
    if (q.rows() == 0) {
      r.answer = {false, "unknown complaint id " + std::to_string(r.id)};
      return {};
    }
    if (q.text(0, 0) != r.expected_duplicate_of) {
      r.answer = {false, "complaint " + std::to_string(r.id) + " is not a duplicate of " +
                             (r.expected_duplicate_of.empty() ? std::string("nothing") : r.expected_duplicate_of)};
      return {};
    }
    const auto document = q.text(0, 1);
    payload.reserve(r.payload_prefix.size() + document.size() + r.payload_suffix.size());
    payload.append(r.payload_prefix).append(document).append(r.payload_suffix);
  }
  {
    pg::params p;
    p.add_or_null(r.duplicate_of).add(r.status_meta).add(r.id);
    auto q = run("UPDATE complaints SET duplicate_of = $1, status_meta = $2 WHERE id = $3::bigint", p, error);
    if (!q.ok()) return error;
  }
  pg::params p;
  p.add(std::string(dispatcher_destination)).add(now_ms_).add(payload).add(std::int64_t{opts_.node_id});
  // complaint_id 0: the correction has its own Idempotency-Key ("outbox-<id>").
  auto q = run("INSERT INTO outbox(complaint_id, destination, state, attempts, next_attempt_ms, created_ms, updated_ms,"
               " payload, lease_node) VALUES (0, $1, 0, 0, 0, $2::bigint, $2::bigint, $3, $4::integer) RETURNING id",
               p, error);
  if (!q.ok()) return error;
  if (created != nullptr) {
    outbox_item& item = created->emplace_back();
    item.id = q.int64(0, 0);
    item.destination = dispatcher_destination;
    item.payload = std::move(payload);
    item.created_ms = item.updated_ms = now_ms_;
  }
  {
    // Every node's dedup index follows (the tail reads relinks, read_phase); older entries than
    // the window concern complaints no index holds any more.
    pg::params lp;
    lp.add(r.id).add_or_null(r.duplicate_of).add(now_ms_).add(now_ms_ - opts_.match_window_ms);
    auto l = run("WITH old AS (DELETE FROM relinks WHERE created_ms < $4::bigint)"
                 " INSERT INTO relinks(complaint_id, duplicate_of, created_ms) VALUES ($1::bigint, $2, $3::bigint)",
                 lp, error);
    if (!l.ok()) return error;
  }
  relinked_.emplace_back(r.id, r.duplicate_of);
  r.answer = {true, {}};
  return {};
}

void pg_session::scan_parts(const std::function<void(const stored_part&)>& on_part) {
  pg::params p;
  p.add(std::int64_t{opts_.node_id});
  auto q = conn_.exec("SELECT " LAPOR_PG_PART_COLUMNS " FROM message_parts WHERE node = $1::integer ORDER BY id", p);
  if (!q.ok()) throw std::runtime_error("reading message_parts: " + q.error());
  for (int i = 0; i < q.rows(); ++i) on_part(pg::part_row(q, i));
}

void pg_session::scan_match_state(std::int64_t since_ms,
                                  const std::function<void(std::string_view, std::string_view)>& on_link,
                                  const std::function<void(const match_record&)>& on_match) {
  auto must = [](const pg::result& r, const char* what) {
    if (!r.ok()) throw std::runtime_error(std::string(what) + ": " + r.error());
  };
  {
    pg::params p;
    p.add(since_ms);
    must(conn_.exec("DELETE FROM match_sketches WHERE received_at_ms < $1::bigint", p), "pruning match_sketches");
    must(conn_.exec("DELETE FROM match_identities WHERE received_at_ms < $1::bigint", p), "pruning match_identities");
  }
  // The tail starts below what this scan sees: everything of a transaction that ends later
  // has an xid at or above this xmin.
  auto x = conn_.exec("SELECT pg_snapshot_xmin(pg_current_snapshot())::text");
  must(x, "reading the snapshot");
  tail_xmin_ = std::string(x.text(0, 0));
  {
    auto q = conn_.exec("SELECT a, b FROM identity_links ORDER BY id");
    must(q, "reading identity_links");
    for (int i = 0; i < q.rows(); ++i) on_link(q.text(i, 0), q.text(i, 1));
  }
  pg::params p;
  p.add(since_ms);
  auto q = conn_.exec("SELECT s.complaint_id, s.received_at_ms, coalesce(c.duplicate_of, ''), s.sketch FROM match_sketches s"
                      " JOIN complaints c ON c.id = s.complaint_id WHERE s.received_at_ms >= $1::bigint"
                      " ORDER BY s.complaint_id",
                      p);
  must(q, "reading match_sketches");
  for (int i = 0; i < q.rows(); ++i) {
    const std::int64_t id = q.int64(i, 0);
    if ((id >> 32) != opts_.node_id) absorbed_.emplace(id, q.int64(i, 1));
    const std::string sketch = q.bytes(i, 3);
    match_record m;
    m.complaint_id = id;
    m.received_at_ms = q.int64(i, 1);
    m.duplicate_of = q.text(i, 2);
    m.sketch = sketch;
    on_match(m);
  }
}

}  // namespace lapor::store
