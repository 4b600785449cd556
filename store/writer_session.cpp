#include "store/writer_session.h"

#include <string_view>
#include <type_traits>
#include <utility>

#include "store/erase_apply.h"
#include "store/migrations.h"
#include "store/row_batch.h"

namespace lapor::store {

namespace {

constexpr std::string_view dispatcher_destination = "dispatcher";

std::int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

int state_index(outbox_state s) { return static_cast<int>(s); }

}  // namespace

// Every statement the writer runs, prepared once per connection.
struct writer_session::statements {
  explicit statements(database& db)
      : begin(db, "BEGIN IMMEDIATE"),
        commit(db, "COMMIT"),
        insert_complaint(db,
                         "INSERT INTO complaints(id, tracking_id, channel, received_at_ms, duplicate_of,"
                         " dispatch_outbox_id, status_meta, document) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"),
        insert_outbox(db,
                      "INSERT INTO outbox(id, complaint_id, destination, state, attempts, next_attempt_ms,"
                      " created_ms, updated_ms, last_error, payload) VALUES (?1, ?2, ?3, 0, 0, 0, ?4, ?4, NULL, ?5)"),
        find_key(db,
                 "SELECT i.key, i.fingerprint, c.tracking_id, c.duplicate_of FROM idempotency i"
                 " JOIN complaints c ON c.id = i.complaint_id WHERE i.complaint_id = ?1"),
        complaint_document(db, "SELECT tracking_id, document FROM complaints WHERE id = ?1"),
        transition(db,
                   "UPDATE outbox SET state = ?1, attempts = coalesce(?2, attempts),"
                   " next_attempt_ms = coalesce(?3, next_attempt_ms),"
                   " last_error = CASE WHEN ?4 THEN ?5 ELSE last_error END, updated_ms = ?6"
                   " WHERE id = ?7 AND state = ?8"),
        outbox_state_of(db, "SELECT state FROM outbox WHERE id = ?1"),
        mark_sent_many(db,
                       "UPDATE outbox SET state = 1, updated_ms = ?1"
                       " WHERE id IN (SELECT value FROM json_each(?2)) AND state = 0"),
        count_delta(db, "UPDATE outbox_counts SET n = n + ?1 WHERE state = ?2"),
        set_cursor(db,
                   "INSERT INTO cursors(name, value) VALUES (?1, ?2)"
                   " ON CONFLICT(name) DO UPDATE SET value = excluded.value"),
        max_id(db, "SELECT max(id) FROM complaints WHERE id >= ?1 AND id < ?2"),
        insert_link(db, "INSERT INTO identity_links(a, b, complaint_id, created_ms) VALUES (?1, ?2, ?3, ?4)"),
        relink_read(db, "SELECT coalesce(duplicate_of, ''), document FROM complaints WHERE id = ?1"),
        relink_update(db, "UPDATE complaints SET duplicate_of = ?1, status_meta = ?2 WHERE id = ?3"),
        insert_part(db, "INSERT INTO message_parts(group_key, seq, part, received_at_ms) VALUES (?1, ?2, ?3, ?4)"),
        complete_parts(db, "UPDATE message_parts SET answer = ?1, done_ms = ?2 WHERE group_key = ?3 AND answer IS NULL"),
        purge_parts(db,
                    "DELETE FROM message_parts WHERE (answer IS NOT NULL AND done_ms < ?1)"
                    " OR (answer IS NULL AND received_at_ms < ?2)"),
        keys(db, "INSERT INTO idempotency(complaint_id, key, fingerprint) VALUES ", "(#1, #2, #3)", 3),
        sketches(db, "INSERT INTO match_sketches(complaint_id, received_at_ms, sketch) VALUES ", "(#1, #2, #3)", 3),
        outbox_rows(db,
                    "INSERT INTO outbox(id, complaint_id, destination, state, attempts, next_attempt_ms,"
                    " created_ms, updated_ms, last_error, payload, promise_key) VALUES ",
                    "(#1, #2, #3, 0, 0, 0, #4, #4, NULL, #5, #6)", 6) {}

  // A complaint's key, sketch, outbox and promise rows, written before the next request of
  // another kind and before COMMIT (row_batch.h).
  int flush_rows() noexcept {
    int rc = keys.flush();
    if (const int r = sketches.flush(); rc == db_ok) rc = r;
    if (const int r = outbox_rows.flush(); rc == db_ok) rc = r;
    return rc;
  }
  void drop_rows() noexcept {
    keys.clear();
    sketches.clear();
    outbox_rows.clear();
  }

  statement begin, commit, insert_complaint, insert_outbox, find_key, complaint_document, transition,
      outbox_state_of, mark_sent_many, count_delta, set_cursor, max_id, insert_link, relink_read, relink_update,
      insert_part, complete_parts, purge_parts;
  row_batch keys, sketches, outbox_rows;
};

writer_session::writer_session(const options& opts) : opts_(opts) { open(); }

writer_session::~writer_session() { close(); }

void writer_session::close() noexcept {
  st_.reset();  // statements are finalized before their connection closes
  db_.reset();
}

void writer_session::open() {
  close();
  connection_options co;
  co.path = opts_.path;
  co.synchronous_full = opts_.synchronous_full && !caller_syncs();
  co.max_page_count = opts_.max_page_count;
  co.wal_autocheckpoint = opts_.wal_autocheckpoint;
  co.cache_kib = opts_.cache_kib;
  co.page_size = opts_.page_size;
  co.vfs = opts_.vfs;
  co.temp_store_memory = true;
  auto db = std::make_unique<database>(co);
  migrate(*db);
  auto st = std::make_unique<statements>(*db);

  // The idempotency index and the next outbox id live in memory; rebuild both from disk.
  keys_.clear();
  {
    statement all(*db, "SELECT complaint_id, key FROM idempotency");
    int rc;
    while ((rc = all.step()) == db_row) keys_.insert(keys_.hash(all.column_text(1)), all.column_int64(0));
    if (rc != db_done) throw db_error(rc, "loading idempotency keys: " + db->error_text(rc));
  }
  promises_.clear();
  {
    statement all(*db,
                  "SELECT promise_key, created_ms FROM outbox WHERE promise_key IS NOT NULL AND created_ms >= ?1"
                  " ORDER BY id");
    all.bind(1, wall_ms() - opts_.promise_window_ms);
    int rc;
    while ((rc = all.step()) == db_row)
      promises_.insert(static_cast<std::uint64_t>(all.column_int64(0)), all.column_int64(1));
    if (rc != db_done) throw db_error(rc, "loading promise keys: " + db->error_text(rc));
  }
  {
    statement last(*db, "SELECT coalesce(max(id), 0) FROM outbox");
    const int rc = last.step();
    if (rc != db_row) throw db_error(rc, "reading outbox ids: " + db->error_text(rc));
    next_outbox_id_ = last.column_int64(0) + 1;
  }
  db_ = std::move(db);
  st_ = std::move(st);
  if (!db_->is_memory() && opts_.background_checkpoints) {
    // Replaces SQLite's automatic checkpoints: the checkpointer thread does them.
    db_->on_wal_commit([this](int frames) {
      wal_frames_ = frames;
      if (wal_listener_) wal_listener_(frames);
    });
  }
  wal_frames_ = 0;
  reopen_needed_ = false;
  ++generation_;
  if (!db_->is_memory()) wal_path_ = db_->wal_path();
}

int writer_session::checkpoint_truncate(std::string& error) {
  const int rc = db_->checkpoint_truncate();
  if (rc != db_ok) error = db_->error_text(rc);
  return rc;
}

bool writer_session::caller_syncs() const noexcept {
  return opts_.synchronous_full && opts_.pipelined_sync && opts_.path != ":memory:" && !opts_.path.empty();
}

void writer_session::set_wal_listener(std::function<void(int frames)> f) { wal_listener_ = std::move(f); }

bool writer_session::is_memory() const noexcept { return db_ && db_->is_memory(); }

std::uint32_t writer_session::max_sequence(std::uint8_t node) {
  if (reopen_needed_) open();
  statement& q = st_->max_id;
  reset_guard g(q);
  const std::int64_t lo = static_cast<std::int64_t>(node) << 32;
  q.bind(1, lo).bind(2, lo + (std::int64_t{1} << 32));
  const int rc = q.step();
  if (rc != db_row) throw db_error(rc, "max_sequence: " + db_->error_text(rc));
  if (q.column_is_null(0)) return 0;
  return static_cast<std::uint32_t>(q.column_int64(0) & 0xffffffff);
}

writer_session::group_outcome writer_session::apply(std::vector<write_request>& group,
                                                    std::vector<outbox_item>* created) {
  group_outcome out;
  for (const write_request& req : group)
    if (!std::holds_alternative<probe_request>(req)) ++out.size;
  if (out.size == 0) return out;

  if (reopen_needed_) {
    try {
      open();
    } catch (const std::exception& e) {
      out.ok = false;
      out.error = std::string("database unavailable: ") + e.what();
      fail_requests(group, out.error);
      return out;
    }
  }

  const auto started = std::chrono::steady_clock::now();
  now_ms_ = wall_ms();
  const std::int64_t first_outbox_id = next_outbox_id_;
  const std::size_t created_before = created ? created->size() : 0;
  count_delta_[0] = count_delta_[1] = count_delta_[2] = 0;
  group_keys_.clear();
  group_promises_.clear();
  group_promise_keys_.clear();
  relinked_.clear();
  group_ = &group;

  auto finish = [&](int rc) {
    out.took = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - started);
    group_ = nullptr;
    if (rc == db_ok) return;
    out.ok = false;
    out.error = db_->error_text(rc);
    // A failed statement may already have rolled the transaction back; make sure.
    if (db_->in_transaction()) (void)db_->exec("ROLLBACK");
    st_->drop_rows();
    next_outbox_id_ = first_outbox_id;
    group_keys_.clear();
    group_promises_.clear();
    group_promise_keys_.clear();
    if (created) created->resize(created_before);
    relinked_.clear();
    if (decider_) decider_->group_failed();
    fail_requests(group, out.error);
    if (needs_reopen(rc) && !db_->is_memory()) reopen_needed_ = true;
  };

  int rc;
  {
    reset_guard g(st_->begin);
    rc = st_->begin.step();
  }
  if (rc != db_done) {
    finish(rc);
    return out;
  }

  std::uint32_t index = 0;
  for (write_request& req : group) {
    // Requests of other kinds may read or change what the batched rows write: flush first.
    if (!std::holds_alternative<insert_request>(req)) {
      rc = st_->flush_rows();
      if (rc != db_ok) break;
    }
    rc = std::visit(
        [&](auto& r) -> int {
          using T = std::decay_t<decltype(r)>;
          if constexpr (std::is_same_v<T, insert_request>) return apply_one(r, index, created);
          else if constexpr (std::is_same_v<T, enqueue_request>) return apply_one(r, created);
          else if constexpr (std::is_same_v<T, transition_request>) return apply_one(r);
          else if constexpr (std::is_same_v<T, cursor_request>) return apply_one(r);
          else if constexpr (std::is_same_v<T, relink_request>) return apply_one(r, created);
          else if constexpr (std::is_same_v<T, part_request>) return apply_one(r);
          else if constexpr (std::is_same_v<T, purge_parts_request>) return apply_one(r);
          else if constexpr (std::is_same_v<T, complete_parts_request>) return apply_one(r);
          else if constexpr (std::is_same_v<T, erase_request>) return apply_erase(*db_, r);  // retention
          else return db_ok;  // probes run outside the transaction
        },
        req);
    if (rc != db_ok) break;
    ++index;
  }
  if (rc == db_ok) rc = st_->flush_rows();

  for (int s = 0; s < 3 && rc == db_ok; ++s) {
    if (count_delta_[s] == 0) continue;
    statement& q = st_->count_delta;
    reset_guard g(q);
    q.bind(1, count_delta_[s]).bind(2, std::int64_t{s});
    rc = q.step();
    if (rc == db_done) rc = db_ok;
  }

  if (rc == db_ok) {
    reset_guard g(st_->commit);
    rc = st_->commit.step();
    if (rc == db_done) rc = db_ok;
  }
  finish(rc);
  if (out.ok) {
    // Durable now: the group's keys join the index.
    for (const group_keys::entry& e : group_keys_.entries()) keys_.insert(e.hash, e.complaint_id);
    group_keys_.clear();
    for (const auto& [k, ms] : group_promises_) promises_.insert(k, ms);
    group_promises_.clear();
    group_promise_keys_.clear();
    promises_.expire(now_ms_ - opts_.promise_window_ms);
    if (decider_) {
      for (const auto& [id, dup] : relinked_) decider_->relinked(id, dup);
      decider_->group_committed();
    }
    relinked_.clear();
  }
  return out;
}

int writer_session::lookup_key(insert_request& r, std::uint64_t hash, std::vector<write_request>& group,
                               bool& found) {
  found = false;
  const complaint_row& row = r.row;
  auto answer = [&](std::int64_t id, std::string_view fingerprint, std::string_view tracking_id,
                    std::string_view duplicate_of) {
    found = true;
    r.result = stored_key_answer(row, id, fingerprint, tracking_id, duplicate_of);
  };

  if (const group_keys::entry* e = group_keys_.find(hash, row.idempotency_key)) {
    const complaint_row& first = std::get<insert_request>(group[e->request]).row;
    answer(first.id, first.request_fingerprint, first.tracking_id, first.duplicate_of);
    return db_ok;
  }

  int rc = db_ok;
  keys_.find(hash, [&](std::int64_t id) {
    statement& q = st_->find_key;
    reset_guard g(q);
    q.bind(1, id);
    const int step = q.step();
    if (step == db_done) return false;  // the row is gone: not this key
    if (step != db_row) {
      rc = step;
      return true;  // stop probing: the group fails
    }
    if (q.column_text(0) != row.idempotency_key) return false;  // a hash collision
    answer(id, q.column_text(1), q.column_text(2), q.column_text(3));
    return true;
  });
  return rc;
}

int writer_session::apply_one(insert_request& r, std::uint32_t index, std::vector<outbox_item>* created) {
  complaint_row& row = r.row;
  std::uint64_t hash = 0;
  if (!row.idempotency_key.empty()) {
    hash = keys_.hash(row.idempotency_key);
    bool found = false;
    if (const int rc = lookup_key(r, hash, *group_, found); rc != db_ok) return rc;
    if (found) return r.result.status == write_status::replay ? after_answer(row, r.result, created) : db_ok;
  }

  if (decider_) decider_->decide(row);

  // Outbox ids are assigned here (max + 1 at open, restored on rollback) so the complaint
  // row can point at its dispatcher row without an index on outbox.complaint_id.
  const std::int64_t first_outbox = next_outbox_id_;
  std::int64_t dispatch_outbox = 0;
  for (std::size_t i = 0; i < row.outbox_destinations.size(); ++i)
    if (row.outbox_destinations[i] == dispatcher_destination) {
      dispatch_outbox = first_outbox + static_cast<std::int64_t>(i);
      break;
    }

  {
    statement& q = st_->insert_complaint;
    reset_guard g(q);
    q.bind(1, row.id)
        .bind(2, row.tracking_id)
        .bind(3, row.channel)
        .bind(4, row.received_at_ms)
        .bind_or_null(5, row.duplicate_of);
    if (dispatch_outbox != 0) q.bind(6, dispatch_outbox);
    else q.bind_null(6);
    q.bind(7, row.status_meta).bind(8, row.document);
    const int rc = q.step();
    if ((rc & 0xff) == db_constraint) {
      // This request only (the statement wrote nothing); the group goes on.
      r.result = write_result{};
      r.result.status = write_status::failed;
      r.result.error = "complaint id " + std::to_string(row.id) + " is already stored";
      if (decider_) decider_->undo_last();
      return db_ok;
    }
    if (rc != db_done) return rc;
  }

  if (!row.idempotency_key.empty()) {
    st_->keys.add(row.id).add_text(row.idempotency_key).add_text(row.request_fingerprint);
    group_keys_.insert(hash, row.idempotency_key, row.id, index);
  }

  if (!row.match_sketch.empty()) st_->sketches.add(row.id).add(row.received_at_ms).add_blob(row.match_sketch);
  for (const auto& [a, b] : row.identity_links) {
    statement& q = st_->insert_link;
    reset_guard g(q);
    q.bind(1, a).bind(2, b).bind(3, row.id).bind(4, now_ms_);
    if (const int rc = q.step(); rc != db_done) return rc;
  }

  const std::size_t n = row.outbox_destinations.size();
  for (std::size_t i = 0; i < n; ++i) {
    // Copies: append_created below moves the destinations and the payload into `created`.
    auto& b = st_->outbox_rows;
    b.add(next_outbox_id_).add(row.id).add_text(b.keep(row.outbox_destinations[i])).add(now_ms_);
    if (row.outbox_payload.empty()) b.add_null();
    else b.add_text(b.keep(row.outbox_payload));
    b.add_null();  // promise_key
    ++next_outbox_id_;
  }
  count_delta_[state_index(outbox_state::pending)] += static_cast<std::int64_t>(n);

  r.result.status = write_status::stored;
  r.result.id = row.id;
  r.result.tracking_id = row.tracking_id;
  r.result.duplicate_of = row.duplicate_of;
  r.result.error.clear();

  if (created != nullptr) {
    created->reserve(created->size() + n + row.promises.size());
    append_created(row, [&](std::size_t i) { return first_outbox + static_cast<std::int64_t>(i); }, now_ms_, *created);
  }
  return after_answer(row, r.result, created);
}

int writer_session::after_answer(complaint_row& row, write_result& answer, std::vector<outbox_item>* created) {
  const std::string& answered = answer.answered_id();
  if (!row.completes_parts.empty()) {
    statement& q = st_->complete_parts;
    reset_guard g(q);
    q.bind(1, answered).bind(2, now_ms_).bind(3, row.completes_parts);
    if (const int rc = q.step(); rc != db_done) return rc;
  }
  for (promised_message& p : row.promises) {
    std::uint64_t key = 0;
    if (!p.recipient.empty()) {
      key = promise_index::key(answered, p.recipient);
      if (promises_.contains(key) || group_promise_keys_.count(key) != 0) {
        ++answer.promises_skipped;
        continue;
      }
    }
    std::string payload = p.payload ? p.payload(answer) : std::string();
    if (payload.empty()) continue;
    auto& b = st_->outbox_rows;
    b.add(next_outbox_id_).add(answer.id).add_text(b.keep(p.destination)).add(now_ms_);
    b.add_text(created != nullptr ? b.keep(payload) : b.keep(std::move(payload)));  // `created` takes the original
    if (key != 0) b.add(static_cast<std::int64_t>(key));
    else b.add_null();
    if (key != 0) {
      group_promises_.emplace_back(key, now_ms_);
      group_promise_keys_.insert(key);
    }
    ++count_delta_[state_index(outbox_state::pending)];
    ++answer.promises_written;
    if (created != nullptr) {
      outbox_item& item = created->emplace_back();
      item.id = next_outbox_id_;
      item.complaint_id = answer.id;
      item.tracking_id = answered;
      item.destination = p.destination;
      item.payload = std::move(payload);
      item.created_ms = item.updated_ms = now_ms_;
    }
    ++next_outbox_id_;
  }
  return db_ok;
}

int writer_session::apply_one(part_request& r) {
  statement& q = st_->insert_part;
  reset_guard g(q);
  q.bind(1, r.part.group).bind(2, std::int64_t{r.part.seq}).bind_blob(3, r.part.data).bind(4, r.part.received_at_ms);
  if (const int rc = q.step(); rc != db_done) return rc;
  r.result = write_result{};
  r.result.status = write_status::stored;
  r.result.id = db_->last_insert_rowid();
  return db_ok;
}

int writer_session::apply_one(purge_parts_request& r) {
  statement& q = st_->purge_parts;
  reset_guard g(q);
  q.bind(1, r.done_before_ms).bind(2, r.open_before_ms);
  if (const int rc = q.step(); rc != db_done) return rc;
  r.answer = {true, {}};
  return db_ok;
}

int writer_session::apply_one(complete_parts_request& r) {
  statement& q = st_->complete_parts;
  reset_guard g(q);
  q.bind(1, r.tracking_id).bind(2, now_ms_).bind(3, r.group);
  if (const int rc = q.step(); rc != db_done) return rc;
  r.answer = {true, {}};
  return db_ok;
}

void writer_session::scan_parts(const std::function<void(const stored_part&)>& on_part) {
  if (reopen_needed_) open();
  statement q(*db_,
              "SELECT group_key, seq, part, received_at_ms, coalesce(answer, ''), coalesce(done_ms, 0)"
              " FROM message_parts ORDER BY id");
  int rc;
  while ((rc = q.step()) == db_row) {
    stored_part p;
    p.part.group = q.column_text(0);
    p.part.seq = static_cast<int>(q.column_int64(1));
    p.part.data = q.column_blob(2);
    p.part.received_at_ms = q.column_int64(3);
    p.answer = q.column_text(4);
    p.done_ms = q.column_int64(5);
    on_part(p);
  }
  if (rc != db_done) throw db_error(rc, "reading message_parts: " + db_->error_text(rc));
}

int writer_session::apply_one(enqueue_request& r, std::vector<outbox_item>* created) {
  std::string tracking_id, document;
  if (r.complaint_id != 0) {
    statement& q = st_->complaint_document;
    reset_guard g(q);
    q.bind(1, r.complaint_id);
    const int rc = q.step();
    if (rc == db_done) {
      r.answer = {false, "unknown complaint id " + std::to_string(r.complaint_id)};
      return db_ok;
    }
    if (rc != db_row) return rc;
    tracking_id = q.column_text(0);
    if (r.payload.empty() && created != nullptr) document = q.column_text(1);
  }
  {
    statement& q = st_->insert_outbox;
    reset_guard g(q);
    q.bind(1, next_outbox_id_).bind(2, r.complaint_id).bind(3, r.destination).bind(4, now_ms_);
    // An empty payload tied to a complaint means "the complaint's document" (stored once).
    if (r.payload.empty() && r.complaint_id != 0) q.bind_null(5);
    else q.bind(5, r.payload);
    if (const int rc = q.step(); rc != db_done) return rc;
  }
  ++count_delta_[state_index(outbox_state::pending)];
  if (created != nullptr) {
    outbox_item& item = created->emplace_back();
    item.id = next_outbox_id_;
    item.complaint_id = r.complaint_id;
    item.tracking_id = std::move(tracking_id);
    item.destination = r.destination;
    item.payload = r.payload.empty() ? std::move(document) : r.payload;
    item.created_ms = item.updated_ms = now_ms_;
  }
  ++next_outbox_id_;
  r.answer = {true, {}};
  return db_ok;
}

int writer_session::transition(const transition_request& r, std::int64_t id, bool& known, bool& was_sent) {
  using kind = transition_request::kind;
  known = was_sent = false;
  const outbox_state to = r.what == kind::sent ? outbox_state::sent
                          : r.what == kind::dead ? outbox_state::dead
                                                 : outbox_state::pending;
  auto update_from = [&](outbox_state from, bool& changed) -> int {
    statement& q = st_->transition;
    reset_guard g(q);
    q.bind(1, std::int64_t{state_index(to)});
    if (r.what == kind::retry || r.what == kind::dead) q.bind(2, std::int64_t{r.attempts});
    else q.bind_null(2);
    if (r.what == kind::retry) q.bind(3, r.next_attempt_ms);
    else if (r.what == kind::requeue) q.bind(3, std::int64_t{0});
    else q.bind_null(3);
    const bool set_error = r.what == kind::retry || r.what == kind::dead;
    q.bind(4, std::int64_t{set_error ? 1 : 0}).bind_or_null(5, r.error);
    q.bind(6, now_ms_).bind(7, id).bind(8, std::int64_t{state_index(from)});
    const int rc = q.step();
    if (rc != db_done) return rc;
    changed = db_->changes() > 0;
    if (changed) {
      --count_delta_[state_index(from)];
      ++count_delta_[state_index(to)];
    }
    return db_ok;
  };

  bool changed = false;
  if (const int rc = update_from(outbox_state::pending, changed); rc != db_ok || changed) {
    known = changed;
    return rc;
  }
  // Not pending: dead, sent (final) or unknown.
  std::int64_t state = -1;
  {
    statement& q = st_->outbox_state_of;
    reset_guard g(q);
    q.bind(1, id);
    const int rc = q.step();
    if (rc == db_row) state = q.column_int64(0);
    else if (rc != db_done) return rc;
  }
  if (state < 0) return db_ok;
  known = true;
  if (state == state_index(outbox_state::sent)) {
    was_sent = true;
    return db_ok;
  }
  return update_from(outbox_state::dead, changed);
}

int writer_session::apply_one(transition_request& r) {
  using kind = transition_request::kind;
  r.answer = {true, {}};
  if (r.what == kind::hand_on) return db_ok;  // one node: nobody else to hand a row to
  auto one = [&](std::int64_t id) -> int {
    bool known = false, was_sent = false;
    if (const int rc = transition(r, id, known, was_sent); rc != db_ok) return rc;
    if (!known) {
      if (r.answer.ok) r.answer = {false, "unknown outbox id " + std::to_string(id)};
    } else if (was_sent && r.what == kind::requeue) {
      r.answer = {false, "outbox row " + std::to_string(id) + " was already sent"};
    }
    // mark_retry/mark_dead on a sent row change nothing (sent is final) and report ok.
    return db_ok;
  };
  if (r.what == kind::sent) {
    // The forwarder's common case: every row of the batch pending, one statement for all
    // (a statement per row was a fifth of the writer's work per message). When some row is
    // not pending (already sent, dead, unknown), the per-row path below says which; the rows
    // this statement changed are then sent and pass through it unchanged.
    if (r.ids.size() > 1) {
      std::string list = "[";
      for (const std::int64_t id : r.ids) {
        if (list.size() > 1) list += ',';
        list += std::to_string(id);
      }
      list += ']';
      statement& q = st_->mark_sent_many;
      reset_guard g(q);
      q.bind(1, now_ms_).bind(2, list);
      if (const int rc = q.step(); rc != db_done) return rc;
      const auto changed = db_->changes();
      count_delta_[state_index(outbox_state::pending)] -= changed;
      count_delta_[state_index(outbox_state::sent)] += changed;
      if (changed == static_cast<std::int64_t>(r.ids.size())) return db_ok;
    }
    for (const std::int64_t id : r.ids)
      if (const int rc = one(id); rc != db_ok) return rc;
    return db_ok;
  }
  return one(r.id);
}

int writer_session::apply_one(cursor_request& r) {
  statement& q = st_->set_cursor;
  reset_guard g(q);
  q.bind(1, r.name).bind(2, r.value);
  if (const int rc = q.step(); rc != db_done) return rc;
  r.answer = {true, {}};
  return db_ok;
}

int writer_session::apply_one(relink_request& r, std::vector<outbox_item>* created) {
  std::string current, payload;
  {
    statement& q = st_->relink_read;
    reset_guard g(q);
    q.bind(1, r.id);
    const int rc = q.step();
    if (rc == db_done) {
      r.answer = {false, "unknown complaint id " + std::to_string(r.id)};
      return db_ok;
    }
    if (rc != db_row) return rc;
    current = q.column_text(0);
    const std::string_view document = q.column_text(1);
    payload.reserve(r.payload_prefix.size() + document.size() + r.payload_suffix.size());
    payload.append(r.payload_prefix).append(document).append(r.payload_suffix);
  }
  if (current != r.expected_duplicate_of) {
    r.answer = {false, "complaint " + std::to_string(r.id) + " is not a duplicate of " +
                           (r.expected_duplicate_of.empty() ? std::string("nothing") : r.expected_duplicate_of)};
    return db_ok;
  }
  {
    statement& q = st_->relink_update;
    reset_guard g(q);
    q.bind_or_null(1, r.duplicate_of).bind(2, r.status_meta).bind(3, r.id);
    if (const int rc = q.step(); rc != db_done) return rc;
  }
  {
    // complaint_id 0: the correction has its own Idempotency-Key ("outbox-<id>"), distinct
    // from the tracking ID the complaint's first payload was sent under.
    statement& q = st_->insert_outbox;
    reset_guard g(q);
    q.bind(1, next_outbox_id_).bind(2, std::int64_t{0}).bind(3, dispatcher_destination).bind(4, now_ms_).bind(5, payload);
    if (const int rc = q.step(); rc != db_done) return rc;
  }
  if (created != nullptr) {
    outbox_item& item = created->emplace_back();
    item.id = next_outbox_id_;
    item.destination = dispatcher_destination;
    item.payload = std::move(payload);
    item.created_ms = item.updated_ms = now_ms_;
  }
  ++count_delta_[state_index(outbox_state::pending)];
  ++next_outbox_id_;
  relinked_.emplace_back(r.id, r.duplicate_of);
  r.answer = {true, {}};
  return db_ok;
}

void writer_session::scan_match_state(std::int64_t since_ms,
                                      const std::function<void(std::string_view, std::string_view)>& on_link,
                                      const std::function<void(const match_record&)>& on_match) {
  if (reopen_needed_) open();
  {
    statement del(*db_, "DELETE FROM match_sketches WHERE received_at_ms < ?1");
    del.bind(1, since_ms);
    if (const int rc = del.step(); rc != db_done) throw db_error(rc, "pruning match_sketches: " + db_->error_text(rc));
  }
  {
    statement q(*db_, "SELECT a, b FROM identity_links ORDER BY id");
    int rc;
    while ((rc = q.step()) == db_row) on_link(q.column_text(0), q.column_text(1));
    if (rc != db_done) throw db_error(rc, "reading identity_links: " + db_->error_text(rc));
  }
  statement q(*db_,
              "SELECT s.complaint_id, s.received_at_ms, coalesce(c.duplicate_of, ''), s.sketch FROM match_sketches s"
              " JOIN complaints c ON c.id = s.complaint_id WHERE s.received_at_ms >= ?1 ORDER BY s.complaint_id");
  q.bind(1, since_ms);
  int rc;
  while ((rc = q.step()) == db_row) {
    match_record m;
    m.complaint_id = q.column_int64(0);
    m.received_at_ms = q.column_int64(1);
    m.duplicate_of = q.column_text(2);
    m.sketch = q.column_blob(3);
    on_match(m);
  }
  if (rc != db_done) throw db_error(rc, "reading match_sketches: " + db_->error_text(rc));
}

}  // namespace lapor::store
