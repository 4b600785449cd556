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

int state_index(outbox_state s) { return static_cast<int>(s); }

std::int64_t idempotency_lock(const std::string& key) { return pg::key_hash("idem:" + key); }

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
  struct stored_key {
    std::string fingerprint, tracking_id, duplicate_of;
    std::int64_t complaint_id = 0;
  };
  std::unordered_map<std::string, stored_key> db_keys;          // under the locks
  std::unordered_map<std::string, std::size_t> group_keys;      // key -> request index, stored in this group
  std::vector<insert_request*> batch;                           // stored rows not yet written
  struct promise {
    std::int64_t key = 0;  // 0 = never deduplicated
    std::string destination, payload, tracking_id;
    std::int64_t complaint_id = 0;
    write_result* answer = nullptr;
  };
  std::vector<promise> promises;
  std::vector<std::pair<std::string, std::string>> parts_done;  // (group, answered tracking ID)
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
    unavailable_ = lost_;
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
  count_delta_[0] = count_delta_[1] = count_delta_[2] = 0;
  relinked_.clear();
  (void)conn_.take_notices();

  std::string error;
  {
    auto r = run("BEGIN", {}, error);
    if (!r.ok()) return fail(error);
  }
  group_state g;
  bool has_inserts = false;
  for (const write_request& req : group) has_inserts = has_inserts || std::holds_alternative<insert_request>(req);
  if (has_inserts) {
    if (error = prepare_inserts(group, g); !error.empty()) return fail(error);
  }

  for (std::size_t i = 0; i < group.size() && error.empty(); ++i) {
    write_request& req = group[i];
    if (auto* ins = std::get_if<insert_request>(&req)) {
      stage_insert(*ins, i, g);
      continue;
    }
    if (std::holds_alternative<probe_request>(req)) continue;
    // Anything else may read what an earlier insert of the group wrote: write those first.
    if (error = flush(g, created); !error.empty()) break;
    error = std::visit(
        [&](auto& r) -> std::string {
          using T = std::decay_t<decltype(r)>;
          if constexpr (std::is_same_v<T, enqueue_request>) return apply_one(r, created);
          else if constexpr (std::is_same_v<T, transition_request>) return apply_one(r);
          else if constexpr (std::is_same_v<T, cursor_request>) return apply_one(r);
          else if constexpr (std::is_same_v<T, relink_request>) return apply_one(r, created);
          else if constexpr (std::is_same_v<T, part_request>) return apply_one(r);
          else if constexpr (std::is_same_v<T, complete_parts_request>) return apply_one(r);
          else if constexpr (std::is_same_v<T, purge_parts_request>) return apply_one(r);
          else return {};
        },
        req);
  }
  if (error.empty()) error = flush(g, created);
  if (!error.empty()) return fail(error);

  for (int s = 0; s < 3; ++s) {
    if (count_delta_[s] == 0) continue;
    pg::params p;
    p.add(std::int64_t{opts_.node_id}).add(std::int64_t{s}).add(count_delta_[s]);
    auto r = run("INSERT INTO outbox_counts(node, state, n) VALUES ($1::integer, $2::smallint, $3::bigint)"
                 " ON CONFLICT (node, state) DO UPDATE SET n = outbox_counts.n + excluded.n",
                 p, error);
    if (!r.ok()) return fail(error);
  }

  auto commit = run("COMMIT", {}, error);
  if (!commit.ok()) {
    lost_ = true;  // whatever the reason, the outcome is not known to be a commit
    return fail("commit outcome unknown: " + error);
  }
  if (replication_unconfirmed(conn_.take_notices())) {
    lost_ = true;
    return fail("commit not confirmed by the synchronous standby");
  }
  out.took = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - started);
  unavailable_ = false;
  group_ = nullptr;
  if (decider_) {
    for (const auto& [id, dup] : relinked_) decider_->relinked(id, dup);
    decider_->group_committed();
  }
  relinked_.clear();
  return out;
}

std::string pg_session::prepare_inserts(std::vector<write_request>& group, group_state& g) {
  std::vector<std::int64_t> identities, locks;
  std::vector<std::string> keys;
  for (write_request& req : group) {
    auto* ins = std::get_if<insert_request>(&req);
    if (ins == nullptr) continue;
    for (const auto& k : ins->row.identity_keys) identities.push_back(pg::key_hash(k));
    if (!ins->row.idempotency_key.empty()) {
      keys.push_back(ins->row.idempotency_key);
      locks.push_back(idempotency_lock(ins->row.idempotency_key));
    }
  }
  std::sort(identities.begin(), identities.end());
  identities.erase(std::unique(identities.begin(), identities.end()), identities.end());
  std::string error;

  // 1. Widen the identities by the links stored for them (read before the locks; a link
  //    written meanwhile joins identities that are then both locked by its writer).
  pg::result links;
  if (!identities.empty()) {
    pg::params p;
    p.add_array(identities);
    links = run("SELECT a, b, a_hash, b_hash, complaint_id FROM identity_links"
                " WHERE a_hash = ANY($1::bigint[]) OR b_hash = ANY($1::bigint[]) ORDER BY id",
                p, error);
    if (!links.ok()) return error;
    for (int i = 0; i < links.rows(); ++i) {
      identities.push_back(links.int64(i, 2));
      identities.push_back(links.int64(i, 3));
    }
    std::sort(identities.begin(), identities.end());
    identities.erase(std::unique(identities.begin(), identities.end()), identities.end());
  }

  // 2. Lock, in one global order.
  locks.insert(locks.end(), identities.begin(), identities.end());
  std::sort(locks.begin(), locks.end());
  locks.erase(std::unique(locks.begin(), locks.end()), locks.end());
  if (!locks.empty()) {
    pg::params p;
    p.add_array(locks);
    auto r = run("SELECT count(pg_advisory_xact_lock(k)) FROM (SELECT unnest($1::bigint[]) AS k ORDER BY 1) s", p, error);
    if (!r.ok()) return error;
  }

  // 3. Under the locks: stored keys, other nodes' rows and links of these identities.
  if (!keys.empty()) {
    pg::params p;
    p.add_array(keys);
    auto r = run("SELECT i.key, i.fingerprint, i.complaint_id, c.tracking_id, coalesce(c.duplicate_of, '')"
                 " FROM idempotency i JOIN complaints c ON c.id = i.complaint_id WHERE i.key = ANY($1::text[])",
                 p, error);
    if (!r.ok()) return error;
    for (int i = 0; i < r.rows(); ++i) {
      auto& k = g.db_keys[std::string(r.text(i, 0))];
      k.fingerprint = r.text(i, 1);
      k.complaint_id = r.int64(i, 2);
      k.tracking_id = r.text(i, 3);
      k.duplicate_of = r.text(i, 4);
    }
  }
  if (decider_ != nullptr && !identities.empty()) {
    for (int i = 0; i < links.rows(); ++i)
      if ((links.int64(i, 4) >> 32) != opts_.node_id) decider_->absorb_link(links.text(i, 0), links.text(i, 1));
    pg::params p;
    p.add_array(identities).add(now_ms_ - opts_.match_window_ms).add(std::int64_t{opts_.node_id});
    auto r = run("SELECT DISTINCT s.complaint_id, s.received_at_ms, coalesce(c.duplicate_of, ''), s.sketch"
                 " FROM match_identities k JOIN match_sketches s ON s.complaint_id = k.complaint_id"
                 " JOIN complaints c ON c.id = k.complaint_id"
                 " WHERE k.key_hash = ANY($1::bigint[]) AND k.received_at_ms >= $2::bigint"
                 " AND (k.complaint_id >> 32) <> $3::bigint ORDER BY s.complaint_id",
                 p, error);
    if (!r.ok()) return error;
    absorb(r);
  }
  // 4. The related tail.
  if (decider_ != nullptr && std::chrono::steady_clock::now() >= next_tail_) {
    if (error = absorb_tail(); !error.empty()) return error;
    next_tail_ = std::chrono::steady_clock::now() + tail_interval;
  }
  return {};
}

void pg_session::absorb(const pg::result& r) {
  for (int i = 0; i < r.rows(); ++i) {
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

std::string pg_session::absorb_tail() {
  std::string error;
  auto x = run("SELECT pg_snapshot_xmin(pg_current_snapshot())::text", {}, error);
  if (!x.ok()) return error;
  std::string xmin(x.text(0, 0));
  if (!tail_xmin_.empty()) {
    pg::params p;
    p.add(tail_xmin_).add(xmin).add(std::int64_t{opts_.node_id}).add(now_ms_ - opts_.match_window_ms);
    auto r = run("SELECT s.complaint_id, s.received_at_ms, coalesce(c.duplicate_of, ''), s.sketch FROM match_sketches s"
                 " JOIN complaints c ON c.id = s.complaint_id WHERE s.xid >= $1::xid8 AND s.xid < $2::xid8"
                 " AND (s.complaint_id >> 32) <> $3::bigint AND s.received_at_ms >= $4::bigint ORDER BY s.complaint_id",
                 p, error);
    if (!r.ok()) return error;
    absorb(r);
  }
  tail_xmin_ = std::move(xmin);
  return {};
}

void pg_session::stage_insert(insert_request& r, std::size_t index, group_state& g) {
  complaint_row& row = r.row;
  r.result = write_result{};
  auto answer_with = [&](std::int64_t id, const std::string& fingerprint, const std::string& tracking_id,
                         const std::string& duplicate_of) {
    if (!row.request_fingerprint.empty() && !fingerprint.empty() && fingerprint != row.request_fingerprint) {
      r.result.status = write_status::conflict;
      r.result.error = "idempotency key already used for a different request";
      return;
    }
    r.result.status = write_status::replay;
    r.result.id = id;
    r.result.tracking_id = tracking_id;
    r.result.duplicate_of = duplicate_of;
    after_answer(row, r.result, g);
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

std::string pg_session::flush(group_state& g, std::vector<outbox_item>* created) {
  if (g.batch.empty() && g.promises.empty() && g.parts_done.empty()) return {};
  std::string error;

  // Promises: at most one per (answered tracking ID, recipient) within the window, across
  // nodes (the identities' locks serialise the writers of one answer).
  std::vector<const group_state::promise*> promises;
  {
    std::unordered_set<std::int64_t> promised;
    std::vector<std::int64_t> keys;
    for (const auto& p : g.promises)
      if (p.key != 0) keys.push_back(p.key);
    if (!keys.empty()) {
      pg::params p;
      p.add_array(keys).add(now_ms_ - opts_.promise_window_ms);
      auto r = run("SELECT key FROM promises WHERE key = ANY($1::bigint[]) AND created_ms >= $2::bigint", p, error);
      if (!r.ok()) return error;
      for (int i = 0; i < r.rows(); ++i) promised.insert(r.int64(i, 0));
    }
    for (const auto& p : g.promises) {
      if (p.key != 0 && !promised.insert(p.key).second) {
        ++p.answer->promises_skipped;
        continue;
      }
      ++p.answer->promises_written;
      promises.push_back(&p);
    }
  }

  std::size_t outbox_rows = promises.size();
  for (const insert_request* r : g.batch) outbox_rows += r->row.outbox_destinations.size();
  std::vector<std::int64_t> ids;
  if (outbox_rows > 0) {
    pg::params p;
    p.add(static_cast<std::int64_t>(outbox_rows));
    auto r = run("SELECT nextval('outbox_id_seq') FROM generate_series(1, $1::integer)", p, error);
    if (!r.ok()) return error;
    for (int i = 0; i < r.rows(); ++i) ids.push_back(r.int64(i, 0));
    std::sort(ids.begin(), ids.end());
  }
  std::size_t next_id = 0;

  std::vector<std::int64_t> c_id, c_recv, c_disp, s_id, s_recv, mi_hash, mi_id, mi_recv, l_ah, l_bh, l_id, o_id, o_cid,
      o_pkey, k_id;
  std::vector<std::string> c_tid, c_chan, c_dup, c_meta, c_doc, s_sketch, l_a, l_b, o_dest, o_payload, k_key, k_fp;
  for (insert_request* r : g.batch) {
    complaint_row& row = r->row;
    const std::size_t first = next_id;
    std::int64_t dispatch = 0;
    for (std::size_t i = 0; i < row.outbox_destinations.size(); ++i) {
      const std::int64_t id = ids[next_id++];
      if (dispatch == 0 && row.outbox_destinations[i] == dispatcher_destination) dispatch = id;
      o_id.push_back(id);
      o_cid.push_back(row.id);
      o_dest.push_back(row.outbox_destinations[i]);
      o_payload.push_back(row.outbox_payload);  // empty -> NULL: the complaint's document
      o_pkey.push_back(0);
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
    count_delta_[state_index(outbox_state::pending)] += static_cast<std::int64_t>(row.outbox_destinations.size());
    if (created != nullptr) {
      const std::size_t n = row.outbox_destinations.size();
      for (std::size_t i = 0; i < n; ++i) {
        outbox_item& item = created->emplace_back();
        item.id = ids[first + i];
        item.complaint_id = row.id;
        item.tracking_id = row.tracking_id;
        item.destination = std::move(row.outbox_destinations[i]);
        std::string& source = row.outbox_payload.empty() ? row.document : row.outbox_payload;
        item.payload = i + 1 == n ? std::move(source) : source;
        item.created_ms = item.updated_ms = now_ms_;
      }
    }
  }
  std::vector<std::int64_t> pr_key;
  for (const auto* p : promises) {
    const std::int64_t id = ids[next_id++];
    o_id.push_back(id);
    o_cid.push_back(p->complaint_id);
    o_dest.push_back(p->destination);
    o_payload.push_back(p->payload);
    o_pkey.push_back(p->key);
    if (p->key != 0) pr_key.push_back(p->key);
    ++count_delta_[state_index(outbox_state::pending)];
    if (created != nullptr) {
      outbox_item& item = created->emplace_back();
      item.id = id;
      item.complaint_id = p->complaint_id;
      item.tracking_id = p->tracking_id;
      item.destination = p->destination;
      item.payload = p->payload;
      item.created_ms = item.updated_ms = now_ms_;
    }
  }

  if (!c_id.empty()) {
    pg::params p;
    p.add_array(c_id).add_array(c_tid).add_array(c_chan).add_array(c_recv).add_array(c_dup, true).add_array(c_disp)
        .add_array(c_meta).add_array(c_doc);
    auto r = run("INSERT INTO complaints(id, tracking_id, channel, received_at_ms, duplicate_of, dispatch_outbox_id,"
                 " status_meta, document) SELECT u.id, u.t, u.ch, u.r, u.d, nullif(u.o, 0), u.m, u.doc FROM"
                 " unnest($1::bigint[], $2::text[], $3::text[], $4::bigint[], $5::text[], $6::bigint[], $7::text[],"
                 " $8::text[]) AS u(id, t, ch, r, d, o, m, doc) ON CONFLICT (id) DO NOTHING",
                 p, error);
    if (!r.ok()) return error;
    if (r.affected() != static_cast<std::int64_t>(c_id.size()))
      return "a complaint id of this group is already stored (two nodes with one tracking.node_id?)";
  }
  if (!k_key.empty()) {
    pg::params p;
    p.add_array(k_key).add_array(k_id).add_array(k_fp);
    auto r = run("INSERT INTO idempotency(key, complaint_id, fingerprint)"
                 " SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[])",
                 p, error);
    if (!r.ok()) return error;
  }
  if (!s_id.empty()) {
    pg::params p;
    p.add_array(s_id).add_array(s_recv).add_bytea_array(s_sketch);
    auto r = run("INSERT INTO match_sketches(complaint_id, received_at_ms, sketch)"
                 " SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::bytea[])",
                 p, error);
    if (!r.ok()) return error;
  }
  if (!mi_hash.empty()) {
    pg::params p;
    p.add_array(mi_hash).add_array(mi_id).add_array(mi_recv);
    auto r = run("INSERT INTO match_identities(key_hash, complaint_id, received_at_ms)"
                 " SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::bigint[]) ON CONFLICT DO NOTHING",
                 p, error);
    if (!r.ok()) return error;
  }
  if (!l_a.empty()) {
    pg::params p;
    p.add_array(l_a).add_array(l_b).add_array(l_ah).add_array(l_bh).add_array(l_id).add(now_ms_);
    auto r = run("INSERT INTO identity_links(a, b, a_hash, b_hash, complaint_id, created_ms)"
                 " SELECT u.a, u.b, u.ah, u.bh, u.c, $6::bigint FROM"
                 " unnest($1::text[], $2::text[], $3::bigint[], $4::bigint[], $5::bigint[]) AS u(a, b, ah, bh, c)",
                 p, error);
    if (!r.ok()) return error;
  }
  if (!o_id.empty()) {
    pg::params p;
    p.add_array(o_id).add_array(o_cid).add_array(o_dest).add_array(o_payload, true).add_array(o_pkey).add(now_ms_)
        .add(std::int64_t{opts_.node_id});
    // Created claimed by this node: its forwarder sends them from memory at once, and the
    // others take them only if this node's lease expires first.
    auto r = run("INSERT INTO outbox(id, complaint_id, destination, state, attempts, next_attempt_ms, created_ms,"
                 " updated_ms, payload, promise_key, lease_node) SELECT u.id, u.c, u.d, 0, 0, 0, $6::bigint, $6::bigint,"
                 " u.p, nullif(u.k, 0), $7::integer FROM"
                 " unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[], $5::bigint[]) AS u(id, c, d, p, k)",
                 p, error);
    if (!r.ok()) return error;
  }
  if (!pr_key.empty()) {
    pg::params p;
    p.add_array(pr_key).add(now_ms_);
    auto r = run("INSERT INTO promises(key, created_ms) SELECT unnest($1::bigint[]), $2::bigint"
                 " ON CONFLICT (key) DO UPDATE SET created_ms = excluded.created_ms",
                 p, error);
    if (!r.ok()) return error;
  }
  if (!g.parts_done.empty()) {
    std::vector<std::string> groups, answers;
    for (auto& [grp, ans] : g.parts_done) {
      groups.push_back(grp);
      answers.push_back(ans);
    }
    pg::params p;
    p.add_array(groups).add_array(answers).add(now_ms_);
    auto r = run("UPDATE message_parts m SET answer = u.a, done_ms = $3::bigint FROM unnest($1::text[], $2::text[])"
                 " AS u(g, a) WHERE m.group_key = u.g AND m.answer IS NULL",
                 p, error);
    if (!r.ok()) return error;
  }
  g.batch.clear();
  g.promises.clear();
  g.parts_done.clear();
  return {};
}

std::string pg_session::apply_one(enqueue_request& r, std::vector<outbox_item>* created) {
  std::string error, tracking_id, document;
  if (r.complaint_id != 0) {
    pg::params p;
    p.add(r.complaint_id);
    auto q = run("SELECT tracking_id, document FROM complaints WHERE id = $1::bigint", p, error);
    if (!q.ok()) return error;
    if (q.rows() == 0) {
      r.answer = {false, "unknown complaint id " + std::to_string(r.complaint_id)};
      return {};
    }
    tracking_id = q.text(0, 0);
    if (r.payload.empty()) document = q.text(0, 1);
  }
  pg::params p;
  p.add(r.complaint_id).add(r.destination).add(now_ms_);
  // An empty payload tied to a complaint means "the complaint's document" (stored once).
  if (r.payload.empty() && r.complaint_id != 0) p.add_null();
  else p.add(r.payload);
  p.add(std::int64_t{opts_.node_id});
  auto q = run("INSERT INTO outbox(complaint_id, destination, state, attempts, next_attempt_ms, created_ms, updated_ms,"
               " payload, lease_node) VALUES ($1::bigint, $2, 0, 0, 0, $3::bigint, $3::bigint, $4, $5::integer) RETURNING id",
               p, error);
  if (!q.ok()) return error;
  ++count_delta_[state_index(outbox_state::pending)];
  if (created != nullptr) {
    outbox_item& item = created->emplace_back();
    item.id = q.int64(0, 0);
    item.complaint_id = r.complaint_id;
    item.tracking_id = std::move(tracking_id);
    item.destination = r.destination;
    item.payload = r.payload.empty() ? std::move(document) : r.payload;
    item.created_ms = item.updated_ms = now_ms_;
  }
  r.answer = {true, {}};
  return {};
}

std::string pg_session::apply_one(transition_request& r) {
  using kind = transition_request::kind;
  const outbox_state to = r.what == kind::sent ? outbox_state::sent
                          : r.what == kind::dead ? outbox_state::dead
                                                 : outbox_state::pending;
  std::vector<std::int64_t> ids = r.what == kind::sent ? r.ids : std::vector<std::int64_t>{r.id};
  r.answer = {true, {}};
  if (ids.empty()) return {};
  std::string error;
  pg::params p;
  p.add_array(ids).add(std::int64_t{state_index(to)});
  if (r.what == kind::retry || r.what == kind::dead) p.add(std::int64_t{r.attempts});
  else p.add_null();
  if (r.what == kind::retry) p.add(r.next_attempt_ms);
  else if (r.what == kind::requeue) p.add(std::int64_t{0});
  else p.add_null();
  const bool set_error = r.what == kind::retry || r.what == kind::dead;
  p.add_bool(set_error).add_or_null(r.error).add(now_ms_);
  // A requeue from this node's admin API: this node's forwarder sends it.
  if (r.what == kind::requeue) p.add(std::int64_t{opts_.node_id});
  else p.add_null();
  // Sent is final; pending and dead rows move (SQLite's writer_session does the same in two steps).
  auto q = run("UPDATE outbox o SET state = $2::smallint, attempts = coalesce($3::integer, o.attempts),"
               " next_attempt_ms = coalesce($4::bigint, o.next_attempt_ms),"
               " last_error = CASE WHEN $5::boolean THEN $6 ELSE o.last_error END, updated_ms = $7::bigint,"
               " lease_node = coalesce($8::integer, o.lease_node)"
               " FROM (SELECT id, state AS old FROM outbox WHERE id = ANY($1::bigint[]) AND state <> 1 FOR UPDATE) s"
               " WHERE o.id = s.id RETURNING o.id, s.old",
               p, error);
  if (!q.ok()) return error;
  std::unordered_set<std::int64_t> moved;
  for (int i = 0; i < q.rows(); ++i) {
    moved.insert(q.int64(i, 0));
    --count_delta_[q.int64(i, 1)];
    ++count_delta_[state_index(to)];
  }
  if (moved.size() == ids.size()) return {};
  std::vector<std::int64_t> rest;
  for (auto id : ids)
    if (moved.count(id) == 0) rest.push_back(id);
  pg::params rp;
  rp.add_array(rest);
  auto s = run("SELECT id FROM outbox WHERE id = ANY($1::bigint[])", rp, error);  // sent ones
  if (!s.ok()) return error;
  std::unordered_set<std::int64_t> sent;
  for (int i = 0; i < s.rows(); ++i) sent.insert(s.int64(i, 0));
  for (auto id : rest) {
    if (sent.count(id) == 0) {
      if (r.answer.ok) r.answer = {false, "unknown outbox id " + std::to_string(id)};
    } else if (r.what == kind::requeue) {
      r.answer = {false, "outbox row " + std::to_string(id) + " was already sent"};
    }
  }
  return {};
}

std::string pg_session::apply_one(cursor_request& r) {
  std::string error;
  if (!r.fence_lease.empty()) {
    // FOR SHARE: a takeover of the lease waits for this transaction, so the check holds
    // until the commit.
    pg::params p;
    p.add(r.fence_lease).add(r.fence_token).add(opts_.instance_id);
    auto q = run("SELECT 1 FROM leases WHERE name = $1 AND token = $2::bigint AND holder = $3 FOR SHARE", p, error);
    if (!q.ok()) return error;
    if (q.rows() == 0) {
      r.answer = {false, "fenced: lease " + r.fence_lease + " token " + std::to_string(r.fence_token) +
                             " is no longer held by this node"};
      return {};
    }
  }
  pg::params p;
  p.add(r.name).add(r.value);
  auto q = run("INSERT INTO cursors(name, value) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET value = excluded.value",
               p, error);
  if (!q.ok()) return error;
  r.answer = {true, {}};
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
  ++count_delta_[state_index(outbox_state::pending)];
  relinked_.emplace_back(r.id, r.duplicate_of);
  r.answer = {true, {}};
  return {};
}

std::string pg_session::apply_one(part_request& r) {
  std::string error;
  pg::params p;
  p.add(std::int64_t{opts_.node_id}).add(r.part.group).add(std::int64_t{r.part.seq}).add_bytea(r.part.data)
      .add(r.part.received_at_ms);
  auto q = run("INSERT INTO message_parts(node, group_key, seq, part, received_at_ms)"
               " VALUES ($1::integer, $2, $3::integer, $4::bytea, $5::bigint) RETURNING id",
               p, error);
  if (!q.ok()) return error;
  r.result = write_result{};
  r.result.status = write_status::stored;
  r.result.id = q.int64(0, 0);
  return {};
}

std::string pg_session::apply_one(complete_parts_request& r) {
  std::string error;
  pg::params p;
  p.add(r.tracking_id).add(now_ms_).add(r.group);
  auto q = run("UPDATE message_parts SET answer = $1, done_ms = $2::bigint WHERE group_key = $3 AND answer IS NULL", p,
               error);
  if (!q.ok()) return error;
  r.answer = {true, {}};
  return {};
}

std::string pg_session::apply_one(purge_parts_request& r) {
  std::string error;
  pg::params p;
  p.add(r.done_before_ms).add(r.open_before_ms).add(std::int64_t{opts_.node_id});
  auto q = run("DELETE FROM message_parts WHERE node = $3::integer AND ((answer IS NOT NULL AND done_ms < $1::bigint)"
               " OR (answer IS NULL AND received_at_ms < $2::bigint))",
               p, error);
  if (!q.ok()) return error;
  r.answer = {true, {}};
  return {};
}

void pg_session::scan_parts(const std::function<void(const stored_part&)>& on_part) {
  pg::params p;
  p.add(std::int64_t{opts_.node_id});
  auto q = conn_.exec("SELECT group_key, seq, part, received_at_ms, coalesce(answer, ''), coalesce(done_ms, 0)"
                      " FROM message_parts WHERE node = $1::integer ORDER BY id",
                      p);
  if (!q.ok()) throw std::runtime_error("reading message_parts: " + q.error());
  for (int i = 0; i < q.rows(); ++i) {
    stored_part s;
    s.part.group = q.text(i, 0);
    s.part.seq = static_cast<int>(q.int64(i, 1));
    s.part.data = q.bytes(i, 2);
    s.part.received_at_ms = q.int64(i, 3);
    s.answer = q.text(i, 4);
    s.done_ms = q.int64(i, 5);
    on_part(s);
  }
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
