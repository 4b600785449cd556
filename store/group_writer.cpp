// group_writer: the queue and the one thread that commits it in groups.
//
// Producers append to a vector under a mutex; a producer notifies the condition variable only
// when the writer is idle, so a busy writer costs producers no syscalls and a group costs one
// notify at most. The writer takes everything queued (up to max_group) in one swap and applies
// it in one transaction through its writer_session. Only once the group is durable, and
// without holding the queue lock, do its completions run in order, the outbox listener hear
// which rows were created and the observer see the commit. Checkpoints run on their own thread
// (checkpointer.h), off the writer's path.
//
// Durable is an fsync of the WAL after COMMIT returned. By default (options::pipelined_sync)
// the writer commits with synchronous=NORMAL and hands the group to the syncer thread, which
// fsyncs the WAL once for every group handed to it since its last fsync (wal_sync.h) and then
// answers them, while the writer already runs the next group's statements — unless the fsync
// is fast (a running average under options::inline_sync_below) and the syncer idle: then the
// writer fsyncs and answers the group itself, and the requests that arrive meanwhile make the
// next group larger. Otherwise SQLite syncs inside COMMIT (synchronous=FULL) and the writer
// answers at once.
//
// A group that failed, or that holds a probe, is answered on the writer thread after the
// syncer answered everything before it, so answers keep the queue's order. After a failed
// fsync nothing more is written or acknowledged: the kernel may have dropped the pages it
// could not write (fsyncgate), a later fsync that succeeds proves nothing about them, and
// every later transaction in the WAL would sit behind a hole. The groups waiting for that
// fsync, and every request after it, are answered `failed` (failure() says why) until a
// TRUNCATE checkpoint succeeds: it copies every committed frame into the database file and
// fsyncs that, and the WAL starts empty (recover()). The groups refused at the failure were
// committed all the same: a retry of one gets its stored answer, never a second row, and
// their outbox rows go out once the checkpoint made them durable.
//
// Measured on the 2-core dev VM (WAL + FULL, 200k rows of ~1 KiB plus an outbox row, ~1000
// rows per transaction), what decided the design:
//  - idempotency: no idempotency data ~110-150k rows/s; an append-only idempotency table
//    (rowid = complaint id) about the same; a random 64-bit hash as INTEGER PRIMARY KEY
//    42-61k; the key text as a WITHOUT ROWID primary key ~32k. A random key dirties a page
//    per row per commit, hence the in-memory index (key_index.h).
//  - of the raw loop's wall time, ~1/3 is COMMIT's fsync and ~1/4 the checkpoints SQLite
//    runs inside COMMIT; moving checkpoints to a background connection gave the writer
//    +10-30%; acknowledging after an fdatasync of our own, pipelined with the next group,
//    another +15-25%.
#include <pthread.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <future>
#include <limits>
#include <mutex>
#include <thread>
#include <type_traits>
#include <utility>
#include <variant>

#include "store/checkpointer.h"
#include "store/store.h"
#include "store/wal_sync.h"
#include "store/write_request.h"
#include "store/writer_session.h"

namespace lapor::store {

namespace {

// Beyond this many times the checkpoint threshold, the writer waits for a checkpoint pass so
// the WAL can restart (see checkpointer.h).
constexpr int wal_cap_factor = 4;

// The hooks a group was committed with (set_commit_observer, set_outbox_listener,
// set_outbox_rescan).
struct hooks {
  commit_observer observer;
  outbox_listener listener;
  outbox_rescan rescan;
};

// Runs a group's completions in submission order, then tells the outbox listener (only if
// the group committed) and the observer. `s` runs the group's probes.
void answer_group(std::vector<write_request>& group, session& s, const std::vector<outbox_item>& created,
                  const session::group_outcome& outcome, const hooks& h) {
  for (write_request& req : group) {
    std::visit(
        [&](auto& r) {
          using T = std::decay_t<decltype(r)>;
          try {
            if constexpr (std::is_same_v<T, insert_request> || std::is_same_v<T, part_request>) {
              if (r.done) r.done(std::move(r.result));
            } else if constexpr (std::is_same_v<T, probe_request>) {
              r.fn(s);
            } else {
              if (r.done) r.done(r.answer.ok, std::move(r.answer.error));
            }
          } catch (...) {
            // A throwing callback must not take the writer (and every later ack) down.
          }
        },
        req);
  }
  try {
    if (outcome.ok && h.listener && !created.empty()) h.listener(created);
  } catch (...) {
  }
  try {
    if (h.observer && outcome.size > 0) h.observer(outcome.size, outcome.took, outcome.ok);
  } catch (...) {
  }
}

// A committed group waiting for the WAL's fsync.
struct unsynced_group {
  std::vector<write_request> requests;
  std::vector<outbox_item> created;
  session::group_outcome outcome;
  std::shared_ptr<const hooks> with;
  std::uint64_t generation = 0;  // of the connection that committed it (wal_sync.h)
  std::int64_t last_outbox_id = 0;  // after it
  std::chrono::steady_clock::time_point committed_at;  // COMMIT returned
};

// The observer's `took` runs from BEGIN until the group is durable: with the fsync on the
// syncer, COMMIT's return is not the end (lapor_commit_latency_seconds is what an operator
// reads for disk latency).
void add_sync_time(session::group_outcome& outcome, std::chrono::steady_clock::time_point committed_at) {
  outcome.took += std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - committed_at);
}

}  // namespace

struct group_writer::impl {
  explicit impl(options o) : opts(std::move(o)), session(make_session(opts)) {
    if (opts.max_group == 0) opts.max_group = 1;
    group.reserve(opts.max_group);
    sqlite = dynamic_cast<writer_session*>(session.get());
    if (sqlite != nullptr && !sqlite->is_memory() && opts.background_checkpoints) {
      connection_options co;
      co.path = opts.path;
      co.vfs = opts.vfs;
      co.synchronous_full = opts.synchronous_full;  // a checkpoint syncs the WAL before, the file after
      const int threshold = opts.wal_autocheckpoint > 0 ? opts.wal_autocheckpoint : 1000;
      wal_cap = threshold * wal_cap_factor;
      ckpt = std::make_unique<checkpointer>(co, threshold, wal_cap);
      sqlite->set_wal_listener([c = ckpt.get()](int frames) { c->wal_grew(frames); });
    }
    pipelined = sqlite != nullptr && sqlite->caller_syncs();
    if (pipelined) {
      wal_path = sqlite->wal_path();
      // What this open found in the WAL may be a previous process's commits that it never
      // synced (nor acknowledged): make them durable before anything is sent on from them.
      if (wal.sync(wal_path, sqlite->generation()) != 0 && wal.error().find("cannot open") == std::string::npos)
        failure = wal.error();
      durable_outbox.store(sqlite->last_outbox_id(), std::memory_order_release);
    }
  }

  ~impl() {
    if (ckpt) ckpt->stop();
  }

  // Why every write is refused (after a failed fsync), or empty.
  std::string failure_text() const {
    std::lock_guard lk(sync_mu);
    return failure;
  }

  // Queues `req` unless stopping. Returns false (and leaves `req` intact) when stopping.
  bool push(write_request&& req) {
    std::unique_lock lk(mu);
    if (stopping) return false;
    queue.push_back(std::move(req));
    accepted.fetch_add(1, std::memory_order_relaxed);
    const bool wake = writer_idle;
    writer_idle = false;
    lk.unlock();
    if (wake) cv.notify_one();
    return true;
  }

  void run() {
    std::vector<outbox_item> created;
    ::pthread_setname_np(::pthread_self(), "lapor-writer");
    auto with = std::make_shared<const hooks>();
    for (;;) {
      {
        std::unique_lock lk(mu);
        while (queue.size() == head && !stopping) {
          writer_idle = true;
          cv.wait(lk);
        }
        writer_idle = false;
        if (queue.size() == head) break;  // stopping and drained
        take_group();
        if (hooks_changed) {
          with = std::make_shared<const hooks>(hooks{observer_, listener_, rescan_});
          hooks_changed = false;
        }
      }
      process(with, created);
    }
    wait_synced();
  }

  // Moves up to max_group requests from the queue into `group`. Called under `mu`.
  void take_group() {
    const std::size_t available = queue.size() - head;
    if (head == 0 && available <= opts.max_group) {
      group.swap(queue);  // the common case: both vectors keep their capacity
      return;
    }
    const std::size_t n = std::min(available, opts.max_group);
    for (std::size_t i = 0; i < n; ++i) group.push_back(std::move(queue[head + i]));
    head += n;
    if (head == queue.size()) {
      queue.clear();
      head = 0;
    } else if (head * 2 > queue.size()) {
      queue.erase(queue.begin(), queue.begin() + static_cast<std::ptrdiff_t>(head));
      head = 0;
    }
  }

  void process(const std::shared_ptr<const hooks>& with, std::vector<outbox_item>& created) {
    if (opts.before_apply) opts.before_apply(group.size());
    // Under sustained load the background passes never catch up with the WAL's end; past the
    // cap, pause for one pass so the next transaction can restart the WAL from its start.
    if (ckpt && sqlite->wal_frames() >= wal_cap) ckpt->wait_for_pass(std::chrono::seconds(2));
    created.clear();
    session::group_outcome outcome;
    if (std::string why = pipelined ? failure_text() : std::string(); !why.empty() && !recover(*with)) {
      fail_requests(group, why);  // nothing more goes into a WAL that failed to sync
      outcome.ok = false;
      outcome.error = std::move(why);
      outcome.size = static_cast<std::size_t>(std::count_if(
          group.begin(), group.end(), [](const write_request& r) { return !std::holds_alternative<probe_request>(r); }));
    } else {
      outcome = session->apply(group, with->listener ? &created : nullptr);
    }
    accepted.fetch_sub(group.size(), std::memory_order_relaxed);  // committed (or failed)
    const bool has_probe = std::any_of(group.begin(), group.end(),
                                       [](const write_request& r) { return std::holds_alternative<probe_request>(r); });
    if (pipelined && outcome.ok && outcome.size > 0 && !has_probe && !sync_inline()) {
      hand_to_syncer(with, created, outcome);
      return;
    }
    if (pipelined) {
      wait_synced();  // every earlier group answered first: answers keep the queue's order
      if (outcome.ok && outcome.size > 0) sync_here(outcome, created);
    }
    answer_group(group, *session, created, outcome, *with);
    group.clear();
    note_doubt(outcome, *with);
  }

  // A group in doubt may have left rows in the store that no listener heard of. Once a later
  // group commits (the database answers again, on a new connection), the rescan hook sends
  // whoever forwards rows back to the store for them. Not before: a read while the database
  // is away finds nothing, and one from before the failover could miss the promoted copy.
  void note_doubt(const session::group_outcome& outcome, const hooks& with) {
    if (outcome.in_doubt) {
      in_doubt = true;
      return;
    }
    if (!in_doubt || !outcome.ok || outcome.size == 0) return;
    in_doubt = false;
    try {
      if (with.rescan) with.rescan();
    } catch (...) {
    }
  }

  // Whether the writer fsyncs this group itself (options::inline_sync_below): the fsync is fast
  // and the syncer idle, so nothing is waiting that an overlap would help.
  bool sync_inline() {
    if (opts.inline_sync_below.count() <= 0 || sync_average_us.load(std::memory_order_relaxed) >= opts.inline_sync_below.count())
      return false;
    std::lock_guard lk(sync_mu);
    return unsynced.empty() && !syncing;
  }

  // wal.sync(), timed into a running average of the WAL's fsync (1/8 weight to the newest) for
  // sync_inline(); by the syncer, or by the writer while the syncer is idle.
  int timed_sync(std::uint64_t generation) {
    const auto started = std::chrono::steady_clock::now();
    const int rc = wal.sync(wal_path, generation);
    const auto us = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - started).count();
    const auto avg = sync_average_us.load(std::memory_order_relaxed);
    sync_average_us.store(avg + (us - avg) / 8, std::memory_order_relaxed);
    return rc;
  }

  // Moves the committed group to the syncer and takes emptied vectors back for the next one.
  void hand_to_syncer(const std::shared_ptr<const hooks>& with, std::vector<outbox_item>& created,
                      const session::group_outcome& outcome) {
    {
      std::lock_guard lk(sync_mu);
      unsynced.push_back(unsynced_group{std::move(group), std::move(created), outcome, with, sqlite->generation(),
                                        sqlite->last_outbox_id(), std::chrono::steady_clock::now()});
      group.clear();
      created.clear();
      if (!spare_groups.empty()) {
        group.swap(spare_groups.back());
        spare_groups.pop_back();
      }
      if (!spare_created.empty()) {
        created.swap(spare_created.back());
        spare_created.pop_back();
      }
    }
    sync_cv.notify_one();
  }

  // After a failed fsync, on the writer thread: a TRUNCATE checkpoint copies every committed
  // frame (the unsynced groups' too) from the WAL into the database file and fsyncs it, so
  // the WAL holds no hole any more. When it succeeds the store writes again, and the rows of
  // the groups refused at the failure, committed after all, are durable now: the listener
  // hears of them. Tried at most every recovery_pause while it fails.
  bool recover(const hooks& with) {
    const auto now = std::chrono::steady_clock::now();
    if (now < next_recovery) return false;
    wait_synced();
    std::string error;
    if (sqlite->checkpoint_truncate(error) != 0) {
      next_recovery = std::chrono::steady_clock::now() + recovery_pause;
      return false;
    }
    std::vector<outbox_item> rows;
    {
      std::lock_guard lk(sync_mu);
      failure.clear();
      rows.swap(parked);
    }
    durable_outbox.store(sqlite->last_outbox_id(), std::memory_order_release);
    try {
      if (with.listener && !rows.empty()) with.listener(rows);
    } catch (...) {
    }
    return true;
  }

  // Called under sync_mu when the fsync of committed groups failed: the writer refuses from
  // now on (until recover()), and their outbox rows wait for the recovery.
  void fail_sync_locked(std::string why, std::vector<outbox_item>& created) {
    if (failure.empty()) failure = std::move(why);
    for (outbox_item& item : created) parked.push_back(std::move(item));
    created.clear();
  }

  // On the writer thread while the syncer is idle (wait_synced() returned, and only the
  // writer hands it work): the fsync of a group that is answered here.
  void sync_here(session::group_outcome& outcome, std::vector<outbox_item>& created_here) {
    const auto committed_at = std::chrono::steady_clock::now();
    const int rc = timed_sync(sqlite->generation());
    add_sync_time(outcome, committed_at);
    if (rc == 0) {
      durable_outbox.store(sqlite->last_outbox_id(), std::memory_order_release);
      return;
    }
    std::string why = wal.error();
    {
      std::lock_guard lk(sync_mu);
      fail_sync_locked(why, created_here);
    }
    fail_requests(group, why);
    outcome.ok = false;
    outcome.error = std::move(why);
  }

  // Blocks until the syncer answered every group handed to it.
  void wait_synced() {
    std::unique_lock lk(sync_mu);
    synced_cv.wait(lk, [&] { return unsynced.empty() && !syncing; });
  }

  void run_syncer() {
    ::pthread_setname_np(::pthread_self(), "lapor-sync");
    std::vector<unsynced_group> batch;
    for (;;) {
      std::string why;
      {
        std::unique_lock lk(sync_mu);
        sync_cv.wait(lk, [&] { return !unsynced.empty() || sync_stopping; });
        if (unsynced.empty()) break;  // stopping and drained
        batch.swap(unsynced);
        syncing = true;
        why = failure;
      }
      if (opts.before_sync) opts.before_sync();
      // One fsync covers every group committed before it started. (A batch holds one
      // generation: a reopen follows a failed group, which is answered only after a drain.)
      std::uint64_t synced = 0;
      for (unsynced_group& g : batch) {
        if (why.empty() && g.generation != synced) {
          if (timed_sync(g.generation) == 0) {
            synced = g.generation;
          } else {
            why = wal.error();
          }
        }
        if (!why.empty()) {
          {
            std::lock_guard lk(sync_mu);
            fail_sync_locked(why, g.created);  // the writer refuses before applying from now on
          }
          fail_requests(g.requests, why);
          g.outcome.ok = false;
          g.outcome.error = why;
        } else {
          durable_outbox.store(g.last_outbox_id, std::memory_order_release);  // before the listener hears of them
        }
        add_sync_time(g.outcome, g.committed_at);
        answer_group(g.requests, *session, g.created, g.outcome, *g.with);
      }
      std::lock_guard lk(sync_mu);
      for (unsynced_group& g : batch) {
        g.requests.clear();  // the requests' destruction happens here, off the writer
        g.created.clear();
        spare_groups.push_back(std::move(g.requests));
        spare_created.push_back(std::move(g.created));
      }
      batch.clear();
      syncing = false;
      synced_cv.notify_all();
    }
  }

  void stop_syncer() {
    {
      std::lock_guard lk(sync_mu);
      sync_stopping = true;
    }
    sync_cv.notify_one();
    if (syncer.joinable()) syncer.join();
  }

  options opts;
  std::unique_ptr<store::session> session;
  writer_session* sqlite = nullptr;  // the SQLite backend's session (checkpoints), else null
  std::unique_ptr<checkpointer> ckpt;
  int wal_cap = 4000;

  mutable std::mutex mu;
  std::condition_variable cv;
  std::vector<write_request> queue;   // [head, size) waiting
  std::size_t head = 0;
  bool stopping = false;
  bool writer_idle = false;
  bool hooks_changed = false;
  commit_observer observer_;
  outbox_listener listener_;
  outbox_rescan rescan_;
  bool in_doubt = false;  // the writer's: a group in doubt, and none committed since
  std::atomic<std::size_t> accepted{0};  // queued or being committed

  std::vector<write_request> group;   // the writer thread's
  std::thread thread;

  // The syncer (options::pipelined_sync): committed groups waiting for their fsync.
  bool pipelined = false;
  std::string wal_path;
  wal_sync wal{opts.vfs};                 // the syncer's; the writer's only while it is idle
  mutable std::mutex sync_mu;
  std::condition_variable sync_cv;        // work for the syncer, or stopping
  std::condition_variable synced_cv;      // the syncer answered everything handed to it
  std::vector<unsynced_group> unsynced;
  bool syncing = false;
  bool sync_stopping = false;
  std::atomic<std::int64_t> sync_average_us{0};  // of the WAL's fsync (sync_inline())
  std::string failure;                    // set by a failed fsync: writes are refused until recover()
  std::vector<outbox_item> parked;        // rows of the groups committed but refused at the failure
  std::chrono::steady_clock::time_point next_recovery{};  // the writer's
  static constexpr std::chrono::milliseconds recovery_pause{200};
  std::vector<std::vector<write_request>> spare_groups;  // emptied, capacity kept
  std::vector<std::vector<outbox_item>> spare_created;
  std::thread syncer;                     // when pipelined
  // Not pipelined: everything committed is durable.
  std::atomic<std::int64_t> durable_outbox{std::numeric_limits<std::int64_t>::max()};
  std::once_flag stopped;
  std::mutex direct_mu;  // serialises use of the session after the thread stopped
};

group_writer::group_writer(options opts) : impl_(std::make_unique<impl>(std::move(opts))) {
  if (impl_->pipelined) impl_->syncer = std::thread([m = impl_.get()] { m->run_syncer(); });
  impl_->thread = std::thread([m = impl_.get()] { m->run(); });
}

std::string group_writer::failure() const { return impl_->failure_text(); }

std::int64_t group_writer::durable_outbox_id() const noexcept {
  return impl_->durable_outbox.load(std::memory_order_acquire);
}

group_writer::~group_writer() { stop(); }

void group_writer::set_commit_observer(commit_observer o) {
  std::lock_guard lk(impl_->mu);
  impl_->observer_ = std::move(o);
  impl_->hooks_changed = true;
}

void group_writer::set_outbox_listener(outbox_listener l) {
  std::lock_guard lk(impl_->mu);
  impl_->listener_ = std::move(l);
  impl_->hooks_changed = true;
}

void group_writer::set_outbox_rescan(outbox_rescan r) {
  std::lock_guard lk(impl_->mu);
  impl_->rescan_ = std::move(r);
  impl_->hooks_changed = true;
}

namespace {

// Queues a request the writer may refuse for load (complaints, parts): `overloaded` beyond
// queue_limit, `failed` "stopping" after stop(), answered at once on the caller's thread.
// `head` and `stopping` are references read under the lock: passed by value, they were read
// before the lock (argument evaluation is unordered), and a head the writer had just reset to 0
// made queue.size() - head wrap around: "store queue full" with an empty queue.
template <class Request>
void push_bounded(Request req, std::unique_lock<std::mutex> lk, const options& opts, std::vector<write_request>& queue,
                  const std::size_t& head, const bool& stopping, std::atomic<std::size_t>& accepted, bool& writer_idle,
                  std::condition_variable& cv) {
  write_result refused;
  if (stopping) {
    refused.status = write_status::failed;
    refused.error = "stopping";
  } else if (queue.size() - head >= opts.queue_limit) {
    refused.status = write_status::overloaded;
    refused.error = "store queue full";
  } else {
    queue.push_back(std::move(req));
    accepted.fetch_add(1, std::memory_order_relaxed);
    const bool wake = writer_idle;
    writer_idle = false;
    lk.unlock();
    if (wake) cv.notify_one();
    return;
  }
  lk.unlock();
  if (req.done) req.done(std::move(refused));
}

}  // namespace

void group_writer::insert_complaint(complaint_row row, completion on_done) {
  impl& m = *impl_;
  push_bounded(insert_request{std::move(row), std::move(on_done), {}}, std::unique_lock(m.mu), m.opts, m.queue, m.head,
               m.stopping, m.accepted, m.writer_idle, m.cv);
}

void group_writer::insert_part(message_part part, completion on_done) {
  impl& m = *impl_;
  push_bounded(part_request{std::move(part), std::move(on_done), {}}, std::unique_lock(m.mu), m.opts, m.queue, m.head,
               m.stopping, m.accepted, m.writer_idle, m.cv);
}

namespace {

void refuse(group_writer::done& d) {
  if (d) d(false, "stopping");
}

}  // namespace

void group_writer::enqueue_outbox(std::string destination, std::string payload, std::int64_t complaint_id,
                                  done on_done) {
  write_request req = enqueue_request{std::move(destination), std::move(payload), complaint_id, std::move(on_done), {}};
  if (!impl_->push(std::move(req))) refuse(std::get<enqueue_request>(req).done);
}

void group_writer::mark_sent(std::vector<std::int64_t> outbox_ids, done on_done) {
  transition_request t;
  t.what = transition_request::kind::sent;
  t.ids = std::move(outbox_ids);
  t.done = std::move(on_done);
  write_request req = std::move(t);
  if (!impl_->push(std::move(req))) refuse(std::get<transition_request>(req).done);
}

void group_writer::mark_retry(std::int64_t outbox_id, int attempts, std::int64_t next_attempt_ms, std::string error,
                              done on_done) {
  transition_request t;
  t.what = transition_request::kind::retry;
  t.id = outbox_id;
  t.attempts = attempts;
  t.next_attempt_ms = next_attempt_ms;
  t.error = std::move(error);
  t.done = std::move(on_done);
  write_request req = std::move(t);
  if (!impl_->push(std::move(req))) refuse(std::get<transition_request>(req).done);
}

void group_writer::mark_dead(std::int64_t outbox_id, int attempts, std::string error, done on_done) {
  transition_request t;
  t.what = transition_request::kind::dead;
  t.id = outbox_id;
  t.attempts = attempts;
  t.error = std::move(error);
  t.done = std::move(on_done);
  write_request req = std::move(t);
  if (!impl_->push(std::move(req))) refuse(std::get<transition_request>(req).done);
}

void group_writer::requeue(std::int64_t outbox_id, done on_done) {
  transition_request t;
  t.what = transition_request::kind::requeue;
  t.id = outbox_id;
  t.done = std::move(on_done);
  write_request req = std::move(t);
  if (!impl_->push(std::move(req))) refuse(std::get<transition_request>(req).done);
}

void group_writer::hand_on(std::vector<std::int64_t> outbox_ids, done on_done) {
  transition_request t;
  t.what = transition_request::kind::hand_on;
  t.ids = std::move(outbox_ids);
  t.done = std::move(on_done);
  write_request req = std::move(t);
  if (!impl_->push(std::move(req))) refuse(std::get<transition_request>(req).done);
}

void group_writer::set_cursor(std::string name, std::string value, done on_done) {
  set_cursor(std::move(name), std::move(value), {}, 0, std::move(on_done));
}

void group_writer::set_cursor(std::string name, std::string value, std::string fence_lease, std::int64_t fence_token,
                              done on_done) {
  write_request req = cursor_request{std::move(name), std::move(value), std::move(fence_lease), fence_token,
                                     std::move(on_done), {}};
  if (!impl_->push(std::move(req))) refuse(std::get<cursor_request>(req).done);
}

void group_writer::relink(std::int64_t id, std::string expected_duplicate_of, std::string duplicate_of,
                          std::string status_meta, std::string payload_prefix, std::string payload_suffix,
                          done on_done) {
  relink_request r;
  r.id = id;
  r.expected_duplicate_of = std::move(expected_duplicate_of);
  r.duplicate_of = std::move(duplicate_of);
  r.status_meta = std::move(status_meta);
  r.payload_prefix = std::move(payload_prefix);
  r.payload_suffix = std::move(payload_suffix);
  r.done = std::move(on_done);
  write_request req = std::move(r);
  if (!impl_->push(std::move(req))) refuse(std::get<relink_request>(req).done);
}

void group_writer::purge_parts(std::int64_t done_before_ms, std::int64_t open_before_ms, done on_done) {
  write_request req = purge_parts_request{done_before_ms, open_before_ms, std::move(on_done), {}};
  if (!impl_->push(std::move(req))) refuse(std::get<purge_parts_request>(req).done);
}

void group_writer::erase_personal_data(erase_batch batch, done on_done) {
  write_request req = erase_request{std::move(batch), std::move(on_done), {}};
  if (!impl_->push(std::move(req))) refuse(std::get<erase_request>(req).done);
}

void group_writer::complete_parts(std::string group, std::string tracking_id, done on_done) {
  write_request req = complete_parts_request{std::move(group), std::move(tracking_id), std::move(on_done), {}};
  if (!impl_->push(std::move(req))) refuse(std::get<complete_parts_request>(req).done);
}

void group_writer::scan_parts(const std::function<void(const stored_part&)>& on_part) {
  run_on_session([&](session& s) { s.scan_parts(on_part); });
}

void group_writer::set_insert_decider(insert_decider* d) {
  run_on_session([d](session& s) { s.set_insert_decider(d); });
}

void group_writer::scan_match_state(std::int64_t since_ms,
                                    const std::function<void(std::string_view, std::string_view)>& on_link,
                                    const std::function<void(const match_record&)>& on_match) {
  run_on_session([&](session& s) { s.scan_match_state(since_ms, on_link, on_match); });
}

void group_writer::run_on_session(const std::function<void(session&)>& fn) {
  // Like max_sequence: through the queue, on the writer's thread and connection, after
  // everything queued before it; here when the thread has stopped.
  auto answer = std::make_shared<std::promise<void>>();
  auto result = answer->get_future();
  write_request req = probe_request{[&fn, answer](session& s) {
    try {
      fn(s);
      answer->set_value();
    } catch (...) {
      answer->set_exception(std::current_exception());
    }
  }};
  if (!impl_->push(std::move(req))) {
    stop();
    std::lock_guard lk(impl_->direct_mu);
    fn(*impl_->session);
    return;
  }
  result.get();
}

std::uint32_t group_writer::max_sequence(std::uint8_t node) {
  // Through the queue, so it runs on the writer's connection (":memory:" included), after
  // everything queued before it was committed and answered. After stop() the thread is gone:
  // run it here.
  auto answer = std::make_shared<std::promise<std::uint32_t>>();
  auto result = answer->get_future();
  write_request req = probe_request{[node, answer](session& s) {
    try {
      answer->set_value(s.max_sequence(node));
    } catch (...) {
      answer->set_exception(std::current_exception());
    }
  }};
  if (!impl_->push(std::move(req))) {
    stop();  // returns once the thread has joined, whoever started stopping
    std::lock_guard lk(impl_->direct_mu);
    return impl_->session->max_sequence(node);
  }
  return result.get();
}

std::size_t group_writer::queued() const noexcept { return impl_->accepted.load(std::memory_order_relaxed); }

void group_writer::stop() {
  std::call_once(impl_->stopped, [this] {
    {
      std::lock_guard lk(impl_->mu);
      impl_->stopping = true;
    }
    impl_->cv.notify_one();
    if (impl_->thread.joinable()) impl_->thread.join();  // it drained the syncer
    impl_->stop_syncer();
    if (impl_->ckpt) impl_->ckpt->stop();
  });
}

}  // namespace lapor::store
