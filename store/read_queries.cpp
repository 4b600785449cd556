#include "store/read_queries.h"

#include "store/migrations.h"

namespace lapor::store {

namespace {

// Columns of an outbox row joined with its complaint; the payload resolved.
#define LAPOR_OUTBOX_COLUMNS                                                                         \
  "o.id, o.complaint_id, c.tracking_id, o.destination, coalesce(o.payload, c.document), o.state," \
  " o.attempts, o.next_attempt_ms, o.created_ms, o.updated_ms, o.last_error"                      \
  " FROM outbox o LEFT JOIN complaints c ON c.id = o.complaint_id "

#define LAPOR_COMPLAINT_COLUMNS                                                                   \
  "c.id, c.tracking_id, c.channel, c.received_at_ms, c.duplicate_of, c.status_meta, o.state,"  \
  " o.updated_ms FROM complaints c LEFT JOIN outbox o ON o.id = c.dispatch_outbox_id "

outbox_state to_state(std::int64_t v) {
  switch (v) {
    case 1: return outbox_state::sent;
    case 2: return outbox_state::dead;
    default: return outbox_state::pending;
  }
}

outbox_item outbox_row(const statement& q) {
  outbox_item i;
  i.id = q.column_int64(0);
  i.complaint_id = q.column_int64(1);
  i.tracking_id = q.column_text(2);
  i.destination = q.column_text(3);
  i.payload = q.column_text(4);
  i.state = to_state(q.column_int64(5));
  i.attempts = static_cast<int>(q.column_int64(6));
  i.next_attempt_ms = q.column_int64(7);
  i.created_ms = q.column_int64(8);
  i.updated_ms = q.column_int64(9);
  i.last_error = q.column_text(10);
  return i;
}

complaint_summary complaint_row_of(const statement& q) {
  complaint_summary s;
  s.id = q.column_int64(0);
  s.tracking_id = q.column_text(1);
  s.channel = q.column_text(2);
  s.received_at_ms = q.column_int64(3);
  s.duplicate_of = q.column_text(4);
  s.status_meta = q.column_text(5);
  s.dispatch_state = q.column_is_null(6) ? outbox_state::pending : to_state(q.column_int64(6));
  s.dispatch_updated_ms = q.column_int64(7);
  return s;
}

std::vector<outbox_item> outbox_rows(statement& q) {
  std::vector<outbox_item> out;
  int rc;
  while ((rc = q.step()) == db_row) out.push_back(outbox_row(q));
  if (rc != db_done) out.clear();
  return out;
}

std::optional<complaint_summary> one_complaint(statement& q) {
  if (q.step() != db_row) return std::nullopt;
  return complaint_row_of(q);
}

}  // namespace

struct read_queries::statements {
  explicit statements(database& db)
      : complaint(db, "SELECT " LAPOR_COMPLAINT_COLUMNS "WHERE c.id = ?1"),
        by_key(db,
               "SELECT " LAPOR_COMPLAINT_COLUMNS
               "WHERE c.id = (SELECT complaint_id FROM idempotency WHERE key = ?1 LIMIT 1)"),
        all_outbox(db, "SELECT " LAPOR_OUTBOX_COLUMNS "WHERE o.id > ?1 ORDER BY o.id LIMIT ?2"),
        // `state <> 1` lets SQLite use the partial index of open rows.
        open_outbox(db,
                    "SELECT " LAPOR_OUTBOX_COLUMNS
                    "WHERE o.state = ?1 AND o.state <> 1 AND o.id > ?2 ORDER BY o.id LIMIT ?3"),
        sent_outbox(db, "SELECT " LAPOR_OUTBOX_COLUMNS "WHERE o.state = 1 AND o.id > ?1 ORDER BY o.id LIMIT ?2"),
        pending(db,
                "SELECT " LAPOR_OUTBOX_COLUMNS
                "WHERE o.state = 0 AND o.state <> 1 AND o.destination = ?1 AND o.id > ?2"
                " ORDER BY o.id LIMIT ?3"),
        counts(db, "SELECT state, n FROM outbox_counts"),
        // Skip-scan over the destinations of pending rows: each step is one index seek.
        first_pending(db,
                      "SELECT destination, created_ms FROM outbox WHERE state = 0 AND state <> 1"
                      " ORDER BY destination, id LIMIT 1"),
        next_pending(db,
                     "SELECT destination, created_ms FROM outbox WHERE state = 0 AND state <> 1"
                     " AND destination > ?1 ORDER BY destination, id LIMIT 1"),
        cursor(db, "SELECT value FROM cursors WHERE name = ?1") {}

  statement complaint, by_key, all_outbox, open_outbox, sent_outbox, pending, counts, first_pending, next_pending,
      cursor;
};

read_queries::read_queries(const std::string& path) {
  connection_options co;
  co.path = path;
  co.read_only = !(path.empty() || path == ":memory:");
  db_ = std::make_unique<database>(co);
  if (!co.read_only) {
    migrate(*db_);
  } else {
    const int v = schema_version(*db_);
    if (v != latest_schema_version())
      throw db_error(1, "database " + path + " has schema version " + std::to_string(v) + ", this build reads " +
                            std::to_string(latest_schema_version()));
  }
  st_ = std::make_unique<statements>(*db_);
}

read_queries::~read_queries() {
  st_.reset();
  db_.reset();
}

std::optional<complaint_summary> read_queries::find_complaint(std::int64_t id) {
  reset_guard g(st_->complaint);
  st_->complaint.bind(1, id);
  return one_complaint(st_->complaint);
}

std::optional<complaint_summary> read_queries::find_by_idempotency_key(const std::string& key) {
  reset_guard g(st_->by_key);
  st_->by_key.bind(1, key);
  return one_complaint(st_->by_key);
}

std::vector<outbox_item> read_queries::list_outbox(std::optional<outbox_state> state, std::int64_t after_id,
                                                   int limit) {
  if (limit <= 0) return {};
  if (!state) {
    reset_guard g(st_->all_outbox);
    st_->all_outbox.bind(1, after_id).bind(2, std::int64_t{limit});
    return outbox_rows(st_->all_outbox);
  }
  if (*state == outbox_state::sent) {
    reset_guard g(st_->sent_outbox);
    st_->sent_outbox.bind(1, after_id).bind(2, std::int64_t{limit});
    return outbox_rows(st_->sent_outbox);
  }
  reset_guard g(st_->open_outbox);
  st_->open_outbox.bind(1, std::int64_t{static_cast<int>(*state)}).bind(2, after_id).bind(3, std::int64_t{limit});
  return outbox_rows(st_->open_outbox);
}

std::vector<outbox_item> read_queries::pending_outbox(const std::string& destination, std::int64_t after_id,
                                                      int limit) {
  if (limit <= 0) return {};
  reset_guard g(st_->pending);
  st_->pending.bind(1, destination).bind(2, after_id).bind(3, std::int64_t{limit});
  return outbox_rows(st_->pending);
}

outbox_counts read_queries::counts() {
  outbox_counts c;
  {
    reset_guard g(st_->counts);
    while (st_->counts.step() == db_row) {
      const std::int64_t n = st_->counts.column_int64(1);
      switch (to_state(st_->counts.column_int64(0))) {
        case outbox_state::pending: c.pending = n; break;
        case outbox_state::sent: c.sent = n; break;
        case outbox_state::dead: c.dead = n; break;
      }
    }
  }
  // created_ms of the oldest pending row: the first (lowest id) pending row of each destination.
  std::string destination;
  bool first = true;
  for (;;) {
    statement& q = first ? st_->first_pending : st_->next_pending;
    reset_guard g(q);
    if (!first) q.bind(1, destination);
    if (q.step() != db_row) break;
    destination = q.column_text(0);
    const std::int64_t created = q.column_int64(1);
    if (c.oldest_pending_ms == 0 || created < c.oldest_pending_ms) c.oldest_pending_ms = created;
    first = false;
  }
  return c;
}

std::optional<std::string> read_queries::get_cursor(const std::string& name) {
  reset_guard g(st_->cursor);
  st_->cursor.bind(1, name);
  if (st_->cursor.step() != db_row) return std::nullopt;
  return std::string(st_->cursor.column_text(0));
}

}  // namespace lapor::store
