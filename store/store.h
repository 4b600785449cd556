// lapor::store — SQLite (WAL) as both the complaint store and the outbox.
//
// Threading: one `group_writer` thread owns the only write connection and commits queued
// requests in groups (one BEGIN IMMEDIATE … COMMIT, synchronous=FULL, one fsync per group).
// Completions run on the writer thread *after* the commit returned; callers post them back
// to their own executor. `read_pool` runs read-only queries on its own connection and thread
// so readers never block the writer (WAL) and never block an Asio thread. WAL checkpoints run
// on a third thread with its own connection (store/checkpointer.h), off the commit path.
//
// Idempotency keys are indexed in memory by the writer (store/key_index.h: ~24-48 bytes per
// keyed complaint, rebuilt from the database at open) instead of by a random-key b-tree,
// which would cost 2-3x commit throughput. Only this process may write the database.
//
// Nothing here knows Asio, JSON or channels: rows are opaque strings chosen by the gateway.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace lapor::store {

enum class outbox_state { pending = 0, sent = 1, dead = 2 };
[[nodiscard]] const char* to_string(outbox_state s) noexcept;

enum class backend_kind { sqlite, postgres };

struct options {
  backend_kind backend = backend_kind::sqlite;
  std::string path;                      // SQLite: database file; ":memory:" for tests
  // PostgreSQL (cluster mode, SPEC §9): the libpq connection string, this node's id (its
  // outbox claims and its lease "node:<id>"), who holds the lease (stable across restarts of
  // one installation, so a restarted node takes its own lease back at once; another holder
  // is refused while the lease lives), the lease time, the tracking key's fingerprint (equal
  // on every node, checked at open), and the dedup window (rows of other nodes read before a
  // decision).
  std::string postgres_conninfo;
  std::uint8_t node_id = 0;
  std::string instance_id;
  std::int64_t lease_ttl_ms = 10000;
  std::string key_fingerprint;
  std::int64_t match_window_ms = 7LL * 24 * 3600 * 1000;
  std::size_t queue_limit = 20000;       // insert_complaint() refuses beyond this many queued requests
  std::size_t max_group = 2048;          // requests per transaction at most
  bool synchronous_full = true;          // FULL: the WAL is fsync'd at every commit
  // With synchronous_full, a file database: the writer commits with synchronous=NORMAL and
  // its syncer thread fsyncs the WAL, overlapping the next group's statements; answers still
  // wait for that fsync (store/wal_sync.h). false = SQLite's own fsync inside COMMIT.
  bool pipelined_sync = true;
  // With pipelined_sync: while the WAL's fsync takes less than this (a running average), the
  // writer fsyncs and answers a group itself whenever the syncer is idle, as SQLite's FULL
  // commit would. A fast fsync leaves little to overlap, and handing every group to a second
  // thread lets the writer commit groups a third the size (more COMMITs, more WAL page
  // rewrites, two more wake-ups a group): ~10-25 % more CPU per HTTP request on a 0.3-0.7 ms
  // disk (bench/RESULTS.md run N). 0 = always hand groups to the syncer.
  std::chrono::microseconds inline_sync_below{1000};
  // Tuning and fault injection (tests, benchmarks).
  std::int64_t max_page_count = 0;       // caps the file in pages, 0 = no cap; beyond it groups fail (SQLITE_FULL)
  int wal_autocheckpoint = 0;            // WAL pages between checkpoints; 0 = 1000 (SQLite's default)
  // Checkpoints run on a background thread and connection instead of inside the COMMIT that
  // crosses wal_autocheckpoint (store/checkpointer.h). false = SQLite's inline checkpoints.
  bool background_checkpoints = true;
  // Page cache of the write connection. A group's dirty pages must fit, or SQLite spills
  // them into the WAL mid-transaction (2048 rows of ~1 KiB need ~3 MiB).
  std::int64_t cache_kib = 65536;
  // Page size of a new database (an existing one keeps its own). 16 KiB pages hold a dozen
  // ~1 KiB complaints and cut the WAL's write calls per commit by 4 compared with 4 KiB.
  int page_size = 16384;
  std::string vfs;                       // SQLite VFS name (tests: store/fault_vfs.h)
  // Tests: called on the writer thread with each group's size after the group was taken from
  // the queue and before it is applied; blocking in it holds the writer, so requests
  // submitted meanwhile form the next group, deterministically. Empty in production.
  std::function<void(std::size_t group_size)> before_apply;
  // Tests: called on the syncer thread (pipelined_sync) before each fsync of the WAL; blocking
  // in it holds committed groups unsynced and unanswered. Empty in production.
  std::function<void()> before_sync;
  // How long a promise to a recipient (promised_message) suppresses another for the same
  // answered tracking ID. Kept in memory (16-40 bytes a promise), rebuilt at open.
  std::int64_t promise_window_ms = 7LL * 24 * 3600 * 1000;
};

// What the gateway attaches to a row for its insert_decider (below); opaque to the store,
// which only carries it to decide() on the writer thread.
struct row_context {
  virtual ~row_context() = default;
};

struct write_result;

// A message the daemon promises because of a row (a reply SMS, a reply post): an outbox row
// of `destination` written in the same transaction as the row, or as part of a replay's
// answer, so that a crash loses none (SPEC §2). At most one per (answered tracking ID,
// recipient) within options::promise_window_ms: a retry or a merged duplicate of something
// already answered to that recipient promises nothing new.
struct promised_message {
  std::string destination;
  std::string recipient;  // e.g. "sms:telkomsel:6281234567890"; empty = never deduplicated
  // The payload, from what the row turned out to be (`answer`: stored, or replay with the
  // first answer). Runs on the writer thread inside the transaction: pure, must not throw or
  // block. An empty payload promises nothing.
  std::function<std::string(const write_result& answer)> payload;
};

// One part of a message that arrives in pieces (a long SMS): kept from its commit until the
// whole message is stored (complaint_row::completes_parts), then marked done with the answer
// so that a late copy of a part gets the same answer, and purged later (purge_parts()).
struct message_part {
  std::string group;              // opaque, chosen by the channel (one message)
  int seq = 0;
  std::string data;               // opaque bytes
  std::int64_t received_at_ms = 0;
};
struct stored_part {
  message_part part;
  std::string answer;             // empty while the message is open; else the tracking ID given
  std::int64_t done_ms = 0;
};

// One complaint row plus its outbox rows, written in one transaction.
struct complaint_row {
  std::int64_t id = 0;                   // node << 32 | sequence (see gateway/tracking_id.h)
  std::string tracking_id;
  std::string channel;
  std::string idempotency_key;           // channel-scoped; empty = none
  std::string request_fingerprint;       // empty = not compared
  std::int64_t received_at_ms = 0;
  std::string duplicate_of;              // original tracking ID when a duplicate, else empty
  std::string document;                  // the JSON forwarded to the dispatcher
  std::string status_meta;               // small JSON shown by status pages (no content, no PII)
  std::vector<std::string> outbox_destinations{"dispatcher"};
  // What the outbox rows carry instead of `document` (e.g. a duplicate's link); empty = the
  // document. `document` is stored either way.
  std::string outbox_payload;
  // Opaque bytes kept in match_sketches with received_at_ms (empty = none), read back by
  // scan_match_state() to rebuild the gateway's in-memory duplicate index at start-up.
  std::string match_sketch;
  // Pairs of identity keys this row links (table identity_links), read back by scan_match_state().
  std::vector<std::pair<std::string, std::string>> identity_links;
  // Who the row is from ("tel:+62…", "mailto:…"): cluster mode serialises the decisions for
  // one identity across nodes (advisory locks) and finds other nodes' rows of it by these.
  std::vector<std::string> identity_keys;
  std::shared_ptr<row_context> context;  // for the insert_decider; never stored
  // Promised messages (see promised_message), written with the row or with its replay.
  std::vector<promised_message> promises;
  // The message_parts group this row completes (empty = none): its open parts are marked done
  // with the answered tracking ID in the same transaction (stored or replay).
  std::string completes_parts;
};

struct match_record;

// Decides, on the writer thread and inside the group's transaction, what depends on every row
// committed before (cross-channel duplicates): the writer is the one place that sees every
// new row in commit order, so two near-duplicates in one group cannot both become originals.
// Not called for replays or conflicts. Implementations must not throw and must not block.
class insert_decider {
 public:
  virtual ~insert_decider() = default;
  // Before `row` is inserted: may set duplicate_of, status_meta, outbox_payload, match_sketch
  // and identity_links, and stage what later rows must see (in this group too).
  virtual void decide(complaint_row& row) noexcept = 0;
  // The row decided last was not stored after all (its id was already stored).
  virtual void undo_last() noexcept = 0;
  // A relink() of complaint `id` to `duplicate_of` (empty = standalone) committed; called
  // before group_committed().
  virtual void relinked(std::int64_t id, const std::string& duplicate_of) noexcept = 0;
  // The group's transaction committed (staged state becomes durable) or rolled back (forget it).
  virtual void group_committed() noexcept = 0;
  virtual void group_failed() noexcept = 0;
  // Cluster mode: what other nodes committed, read inside the group's transaction before the
  // rows that share their identities are decided (under the identities' advisory locks), and
  // by the "related" tail. Committed state, as at start-up (scan_match_state). Called before
  // decide() for the group's rows.
  virtual void absorb_link(std::string_view /*a*/, std::string_view /*b*/) noexcept {}
  virtual void absorb_match(const match_record& /*m*/) noexcept {}
};

// One row of match_sketches joined with its complaint, for scan_match_state().
struct match_record {
  std::int64_t complaint_id = 0;
  std::int64_t received_at_ms = 0;
  std::string_view duplicate_of;  // empty when an original
  std::string_view sketch;
};

// Idempotency keys are compared exactly, across channels (the caller scopes them, e.g.
// "mobile:<key>"). Fingerprints are compared only when both the stored and the new one are
// non-empty. A later request in the same group sees a key stored earlier in that group.
enum class write_status {
  stored,        // committed now
  replay,        // the idempotency key was already stored with the same fingerprint: nothing new
  conflict,      // the key is known with a different fingerprint: nothing stored (id/tracking_id empty)
  overloaded,    // queue full: nothing stored, caller must refuse (throttle / 503)
  failed,        // SQLite error: nothing stored, caller must refuse; `error` says why. The whole
                 // group failed and rolled back, or (this request only) its id was already stored,
                 // or "stopping" after stop().
};
[[nodiscard]] const char* to_string(write_status s) noexcept;

struct write_result {
  write_status status = write_status::failed;
  std::int64_t id = 0;                   // the stored (or previously stored) complaint id
  std::string tracking_id;               // the stored (or previously stored) tracking id
  std::string duplicate_of;              // as stored with the original, for replays
  std::string error;
  // The tracking ID the reporter is given: the original's for a duplicate, else tracking_id.
  [[nodiscard]] const std::string& answered_id() const noexcept {
    return duplicate_of.empty() ? tracking_id : duplicate_of;
  }
  std::uint32_t promises_written = 0;    // promised_message rows written with this answer
  std::uint32_t promises_skipped = 0;    // already promised to that recipient: not again
};

struct outbox_item {
  std::int64_t id = 0;
  std::int64_t complaint_id = 0;         // 0 when not tied to a complaint
  std::string tracking_id;               // of the complaint, when tied to one
  std::string destination;
  std::string payload;                   // the complaint's document or the item's own payload
  outbox_state state = outbox_state::pending;
  int attempts = 0;
  std::int64_t next_attempt_ms = 0;
  std::int64_t created_ms = 0;
  std::int64_t updated_ms = 0;
  std::string last_error;
};

struct complaint_summary {
  std::int64_t id = 0;
  std::string tracking_id;
  std::string channel;
  std::int64_t received_at_ms = 0;
  std::string duplicate_of;
  std::string status_meta;
  // State of the 'dispatcher' outbox row created with the complaint: pending / sent / dead,
  // and when it last changed (pending and 0 when the complaint had no such destination).
  outbox_state dispatch_state = outbox_state::pending;
  std::int64_t dispatch_updated_ms = 0;
};

// Kept per state by the writer in the same transactions as the rows: O(1) to read.
struct outbox_counts {
  std::int64_t pending = 0, sent = 0, dead = 0;
  std::int64_t oldest_pending_ms = 0;    // created_ms of the oldest pending row; 0 if none
};

// Retention (store/retention.h, gateway/retention.h): one complaint whose personal data goes.
struct erasure {
  std::int64_t id = 0;
  std::string expected_meta;  // its status_meta as scanned: erased only if still the same
  std::string erased_meta;    // what status pages keep (state, dates, kind, region code)
};
struct erase_batch {
  std::vector<erasure> entries;
  std::int64_t confirmed_before_ms = 0;  // the 'dispatcher' row was marked sent before this
  // Finished outbox rows with id in [outbox_from, outbox_to) and last changed before
  // confirmed_before_ms lose their payload (replies, duplicate links, corrections).
  std::int64_t outbox_from = 0, outbox_to = 0;
  struct counts {
    std::size_t complaints = 0;  // erased
    std::size_t payloads = 0;    // outbox payloads scrubbed
  };
  std::shared_ptr<counts> done;  // filled when the batch committed (may be null)
};

class session;  // store/session.h: the writer thread's connection (SQLite or PostgreSQL)

// Observes every commit (batch size, wall time of BEGIN…COMMIT) for metrics. Writer thread,
// after the group's completions.
using commit_observer = std::function<void(std::size_t group_size, std::chrono::microseconds took, bool ok)>;
// Told which outbox rows a commit created (payload resolved), after the commit and the
// group's completions, on the writer thread (the forwarder's fast path). Not called for a
// failed group.
using outbox_listener = std::function<void(const std::vector<outbox_item>& created)>;
// Told, on the writer thread after the first group that commits after one whose outcome was
// unknown (session::group_outcome::in_doubt: PostgreSQL lost during COMMIT), that the store
// may hold outbox rows the listener never heard of: created by that COMMIT, claimed by this
// node, so no other node takes them while it lives. Whoever sends rows reads the store again.
using outbox_rescan = std::function<void()>;

class group_writer {
 public:
  using completion = std::function<void(write_result)>;
  using done = std::function<void(bool ok, std::string error)>;

  // Opens (creating and migrating) the database; throws std::runtime_error at start-up only
  // (also when the database's schema is newer than this build).
  explicit group_writer(options opts);
  ~group_writer();  // drains the queue, commits, joins the thread
  group_writer(const group_writer&) = delete;
  group_writer& operator=(const group_writer&) = delete;

  // Thread-safe; take effect from the next group.
  // Why every write is now refused, or empty: set when an fsync of the WAL failed after
  // COMMIT, cleared once a checkpoint has made everything committed durable again (see
  // group_writer.cpp). Nothing is written or acknowledged meanwhile.
  [[nodiscard]] std::string failure() const;
  // Outbox rows up to this id are durable. Readers see a group's rows from its COMMIT, which
  // with pipelined_sync comes before its fsync: whatever sends rows it read from the store
  // (the forwarders' scans) sends only those up to here; later ones reach it through the
  // outbox listener, which hears of them once they are durable.
  [[nodiscard]] std::int64_t durable_outbox_id() const noexcept;

  void set_commit_observer(commit_observer o);
  void set_outbox_listener(outbox_listener l);
  void set_outbox_rescan(outbox_rescan r);

  // Thread-safe. Queues the row; `on_done` runs on the writer thread after the group's
  // commit (or with `overloaded` immediately on the caller's thread when the queue is full,
  // or with `failed` "stopping" there after stop()). The row's outbox rows (one per
  // destination, pending, payload = its document, stored once) are created in the same
  // transaction.
  void insert_complaint(complaint_row row, completion on_done);

  // Outbox state changes, batched with everything else and never refused for load (after
  // stop(): false, "stopping" on the caller's thread). `on_done` may be empty; it runs on the
  // writer thread after the commit; a failed group answers false with the error.
  //
  // enqueue_outbox: a new pending row; an empty payload with a complaint id means "that
  //   complaint's document"; false when complaint_id is not 0 and unknown.
  // mark_sent: sent is final. false ("unknown outbox id N") when an id is unknown; the known
  //   ones are marked anyway.
  // mark_retry / mark_dead: pending|dead -> pending / dead with attempts, time and error; on
  //   a sent row they change nothing and answer true; false when unknown.
  // requeue: dead/pending -> pending, next_attempt_ms = 0, attempts kept; false when unknown
  //   ("unknown outbox id N") or already sent.
  void enqueue_outbox(std::string destination, std::string payload, std::int64_t complaint_id, done on_done = {});
  void mark_sent(std::vector<std::int64_t> outbox_ids, done on_done = {});
  void mark_retry(std::int64_t outbox_id, int attempts, std::int64_t next_attempt_ms, std::string error, done on_done = {});
  void mark_dead(std::int64_t outbox_id, int attempts, std::string error, done on_done = {});
  void requeue(std::int64_t outbox_id, done on_done);  // dead/pending -> pending now; false if unknown
  // Cluster mode: this node cannot deliver the pending row (e.g. a reply SMS for an operator
  // it has no bind of): it stays pending, unclaimed, for the other nodes; this node claims it
  // again only after a while (store/pg_reader.cpp). One node: changes nothing, true.
  void hand_on(std::vector<std::int64_t> outbox_ids, done on_done = {});
  void set_cursor(std::string name, std::string value, done on_done);
  // Fenced (cluster mode): written only while this node holds lease `fence_lease` with
  // `fence_token` (store::leases); otherwise false, "fenced: …", and nothing changes.
  // SQLite (one node): the same as unfenced.
  void set_cursor(std::string name, std::string value, std::string fence_lease, std::int64_t fence_token, done on_done);

  // Queues one part of a message (message_part); `on_done` after the commit: stored, or
  // overloaded / failed like insert_complaint (refused for load the same way).
  void insert_part(message_part part, completion on_done);
  // Marks the open parts of `group` done with `tracking_id` (no complaint: e.g. a status query).
  void complete_parts(std::string group, std::string tracking_id, done on_done = {});
  // Deletes parts marked done before `done_before_ms`, and open parts received before
  // `open_before_ms` (0 = none). `on_done` may be empty.
  void purge_parts(std::int64_t done_before_ms, std::int64_t open_before_ms, done on_done = {});
  // Start-up: every stored part whose group is open, and every done part, in id order.
  // Blocks (runs on the writer's connection after what was queued); throws
  // std::runtime_error on a SQLite error.
  void scan_parts(const std::function<void(const stored_part&)>& on_part);

  // Sets complaint `id`'s duplicate_of (empty = NULL) and status_meta, and queues one pending
  // 'dispatcher' outbox row (complaint_id 0, so its Idempotency-Key is its own) whose payload
  // is payload_prefix + the complaint's stored document + payload_suffix — all in one
  // transaction, and only when the stored duplicate_of equals `expected_duplicate_of`
  // (compare-and-set: two operators cannot undo one merge twice). The insert_decider is told
  // (relinked) once the transaction committed. false: "unknown complaint id N", or "complaint N is not a
  // duplicate of X" when the comparison failed; nothing changed then.
  void relink(std::int64_t id, std::string expected_duplicate_of, std::string duplicate_of, std::string status_meta,
              std::string payload_prefix, std::string payload_suffix, done on_done);

  // Retention: for each entry still eligible (not erased, its 'dispatcher' row sent before
  // confirmed_before_ms, status_meta unchanged since the scan) the document becomes empty and
  // status_meta the erased one; its idempotency key, match sketch and identity links are
  // deleted. Then the batch's outbox range is scrubbed and free pages go back to the file
  // system (incremental vacuum). Entries no longer eligible are skipped (not an error). Queued
  // like the outbox changes (never refused for load); `on_done` after the commit.
  void erase_personal_data(erase_batch batch, done on_done);

  // Installs the decider every later group consults (nullptr = none). Set it before the
  // first insert; `d` must outlive the writer or be reset first. Thread-safe.
  void set_insert_decider(insert_decider* d);


  // Start-up: deletes match_sketches rows received before `since_ms`, then calls `on_link`
  // for every identity link in insertion order and `on_match` for every sketch received at
  // or after `since_ms` in complaint id order (commit order on one node: a sequential scan). Blocks; runs on the writer's connection
  // after everything queued before it (so ":memory:" works). Throws std::runtime_error on a
  // SQLite error. The views are valid during the call only.
  void scan_match_state(std::int64_t since_ms,
                        const std::function<void(std::string_view a, std::string_view b)>& on_link,
                        const std::function<void(const match_record&)>& on_match);

  // Highest sequence stored for `node` (0 when none): the pipeline continues after it.
  // Blocks until everything queued before it was committed and answered; runs on the
  // writer's connection (so ":memory:" works). Throws std::runtime_error on a SQLite error.
  [[nodiscard]] std::uint32_t max_sequence(std::uint8_t node);
  // Requests accepted and not yet committed (queued or in the group being committed).
  [[nodiscard]] std::size_t queued() const noexcept;
  // Stops accepting, commits what is queued, joins. Idempotent.
  void stop();

 private:
  struct impl;
  // Runs `fn` on the writer thread with its session and waits; rethrows what it threw.
  void run_on_session(const std::function<void(session&)>& fn);
  std::unique_ptr<impl> impl_;
};

// Read-only queries on their own connection and thread. Callbacks run on that thread (after
// stop(): on the caller's thread, synchronously). They see what was committed when the query
// started. A SQLite error answers like "nothing found" (nullopt, empty, zero counts).
class read_pool {
 public:
  // Opens an existing database (the group_writer creates it); throws std::runtime_error when
  // it is missing or its schema is not this build's.
  explicit read_pool(std::string path);
  // The backend `opts` names (PostgreSQL: its own connection; pending_outbox claims rows
  // for opts.node_id, see store/reader.h).
  explicit read_pool(const options& opts);
  ~read_pool();
  read_pool(const read_pool&) = delete;
  read_pool& operator=(const read_pool&) = delete;

  void find_complaint(std::int64_t id, std::function<void(std::optional<complaint_summary>)> cb);
  // Scans the idempotency table (no index on keys, by design): for diagnostics, not hot paths.
  void find_by_idempotency_key(std::string key, std::function<void(std::optional<complaint_summary>)> cb);
  // Rows with id > after_id in id order, at most `limit` (<= 0: none); all states when nullopt.
  void list_outbox(std::optional<outbox_state> state, std::int64_t after_id, int limit,
                   std::function<void(std::vector<outbox_item>)> cb);
  // Pending rows of `destination` with id > after_id in id order (whatever next_attempt_ms),
  // payload resolved and tracking_id joined.
  void pending_outbox(std::string destination, std::int64_t after_id, int limit,
                      std::function<void(std::vector<outbox_item>)> cb);
  void counts(std::function<void(outbox_counts)> cb);
  // Cluster mode: long-SMS parts of nodes whose lease expired, now this node's (reader.h).
  void take_over_parts(std::int64_t done_since_ms, std::function<void(std::vector<stored_part>)> cb);
  void get_cursor(std::string name, std::function<void(std::optional<std::string>)> cb);

  // Synchronous variants for start-up and tests (run on the caller's thread, serialised).
  [[nodiscard]] std::vector<outbox_item> pending_outbox_now(const std::string& destination, std::int64_t after_id, int limit);
  // Cluster mode: pending rows of `destination` unclaimed or of a node whose lease expired,
  // claimed for this node (store/reader.h); one node: none.
  [[nodiscard]] std::vector<outbox_item> take_over_outbox_now(const std::string& destination, std::int64_t after_id, int limit);
  [[nodiscard]] outbox_counts counts_now();
  [[nodiscard]] std::optional<complaint_summary> find_complaint_now(std::int64_t id);
  [[nodiscard]] std::optional<std::string> get_cursor_now(const std::string& name);

  // Outbox rows taken over from a node whose lease had expired (cluster mode).
  [[nodiscard]] std::uint64_t claims_taken_over() const noexcept;

  void stop();

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace lapor::store
