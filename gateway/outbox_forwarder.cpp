#include "gateway/outbox_forwarder.h"

#include <algorithm>
#include <atomic>
#include <charconv>
#include <cmath>
#include <mutex>
#include <optional>
#include <random>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include "gateway/dispatch_queue.h"
#include "gateway/dispatch_sink.h"
#include "gateway/log.h"

namespace lapor::gateway {

// ---------------------------------------------------------------------------------------------
// Pure pieces.

delivery_outcome classify_http_status(long status) noexcept {
  if (status >= 200 && status <= 299) return delivery_outcome::delivered;
  if (status == 408 || status == 429) return delivery_outcome::retry;
  if (status >= 400 && status <= 499) return delivery_outcome::dead;
  // 5xx, and anything a dispatcher should never answer (1xx left over, 3xx we do not follow,
  // nonsense): retrying keeps the row, an operator can fix the URL.
  return delivery_outcome::retry;
}

namespace {

// A tiny cursor over an HTTP-date.
struct date_cursor {
  std::string_view s;
  std::size_t p = 0;

  bool lit(std::string_view t) {
    if (s.substr(p, t.size()) != t) return false;
    p += t.size();
    return true;
  }
  // Exactly `n` digits (n <= 4).
  bool digits(std::size_t n, int& out) {
    if (p + n > s.size()) return false;
    int v = 0;
    for (std::size_t i = 0; i < n; ++i) {
      const char c = s[p + i];
      if (c < '0' || c > '9') return false;
      v = v * 10 + (c - '0');
    }
    out = v;
    p += n;
    return true;
  }
  std::string_view alpha() {
    const std::size_t start = p;
    while (p < s.size() && ((s[p] >= 'A' && s[p] <= 'Z') || (s[p] >= 'a' && s[p] <= 'z'))) ++p;
    return s.substr(start, p - start);
  }
  bool month(int& out) {
    static constexpr std::string_view names[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    const auto w = alpha();
    for (int i = 0; i < 12; ++i)
      if (w == names[i]) {
        out = i + 1;
        return true;
      }
    return false;
  }
  bool time_of_day(int& h, int& m, int& sec) {
    return digits(2, h) && lit(":") && digits(2, m) && lit(":") && digits(2, sec) && h < 24 && m < 60 && sec <= 60;
  }
  bool day_name(bool full) {
    static constexpr std::string_view shorts[] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
    static constexpr std::string_view longs[] = {"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"};
    const auto w = alpha();
    for (int i = 0; i < 7; ++i)
      if (w == (full ? longs[i] : shorts[i])) return true;
    return false;
  }
  bool end() const { return p == s.size(); }
};

std::optional<std::chrono::system_clock::time_point> to_time(int y, int mo, int d, int h, int mi, int sec) {
  using namespace std::chrono;
  const year_month_day ymd{year{y}, month{static_cast<unsigned>(mo)}, day{static_cast<unsigned>(d)}};
  if (!ymd.ok()) return std::nullopt;
  return sys_days{ymd} + hours{h} + minutes{mi} + seconds{sec};
}

// IMF-fixdate "Sun, 06 Nov 1994 08:49:37 GMT", obsolete RFC 850 "Sunday, 06-Nov-94 08:49:37 GMT"
// and asctime "Sun Nov  6 08:49:37 1994" (RFC 9110 §5.6.7).
std::optional<std::chrono::system_clock::time_point> parse_http_date(std::string_view s) {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0;
  {
    date_cursor c{s};
    if (c.day_name(false) && c.lit(", ") && c.digits(2, d) && c.lit(" ") && c.month(mo) && c.lit(" ") && c.digits(4, y) &&
        c.lit(" ") && c.time_of_day(h, mi, sec) && c.lit(" GMT") && c.end())
      return to_time(y, mo, d, h, mi, sec);
  }
  {
    date_cursor c{s};
    if (c.day_name(true) && c.lit(", ") && c.digits(2, d) && c.lit("-") && c.month(mo) && c.lit("-") && c.digits(2, y) &&
        c.lit(" ") && c.time_of_day(h, mi, sec) && c.lit(" GMT") && c.end())
      return to_time(y < 70 ? 2000 + y : 1900 + y, mo, d, h, mi, sec);
  }
  {
    date_cursor c{s};
    if (c.day_name(false) && c.lit(" ") && c.month(mo) && c.lit(" ")) {
      bool day_ok = c.lit(" ") ? c.digits(1, d) : c.digits(2, d);
      if (day_ok && c.lit(" ") && c.time_of_day(h, mi, sec) && c.lit(" ") && c.digits(4, y) && c.end())
        return to_time(y, mo, d, h, mi, sec);
    }
  }
  return std::nullopt;
}

}  // namespace

long parse_retry_after(const std::string& value, std::chrono::system_clock::time_point now) {
  std::string_view v = value;
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t' || v.back() == '\r' || v.back() == '\n')) v.remove_suffix(1);
  if (v.empty()) return -1;
  if (std::all_of(v.begin(), v.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    // delta-seconds; absurdly long values are clamped rather than refused
    if (v.size() > 9) return 999999999L;
    long secs = 0;
    std::from_chars(v.data(), v.data() + v.size(), secs);
    return secs;
  }
  const auto when = parse_http_date(v);
  if (!when) return -1;
  if (*when <= now) return 0;
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(*when - now).count();
  return static_cast<long>((ms + 999) / 1000);
}

std::chrono::milliseconds backoff_delay(int attempt, std::chrono::milliseconds initial, std::chrono::milliseconds max,
                                        double rnd01) noexcept {
  using ms = std::chrono::milliseconds;
  const std::int64_t lo = std::max<std::int64_t>(0, initial.count());
  const std::int64_t hi = std::max<std::int64_t>(0, max.count());
  const int shift = std::max(0, attempt - 1);
  std::int64_t cap;
  if (lo == 0) cap = 0;
  else if (shift >= 62 || lo > (hi >> shift)) cap = hi;
  else cap = std::min(hi, lo << shift);
  if (!(rnd01 >= 0.0)) rnd01 = 0.0;  // also NaN
  if (rnd01 >= 1.0) rnd01 = std::nextafter(1.0, 0.0);
  return ms(static_cast<std::int64_t>(std::floor(static_cast<double>(cap) * rnd01)));
}

// ---------------------------------------------------------------------------------------------
// The forwarder.

namespace {

constexpr int unhealthy_after = 5;              // consecutive transient failures
constexpr std::size_t scan_page = 500;          // rows per pending_outbox_now page
constexpr int scan_pages_per_round = 4;         // keeps the loop responsive to transfers
constexpr std::size_t min_resident = 10000;     // rows held in memory at most (at least this many)
constexpr auto idle_wait = std::chrono::milliseconds(1000);
constexpr auto scan_retry_delay = std::chrono::seconds(5);
constexpr auto not_durable_delay = std::chrono::milliseconds(5);  // about one group's fsync

// Gauges are refreshed from the store elsewhere; between refreshes the forwarder nudges them,
// never below zero (rows counted by the refresh may not have been counted here).
void gauge_add(std::atomic<std::int64_t>& g, std::int64_t d) {
  auto v = g.load(std::memory_order_relaxed);
  while (!g.compare_exchange_weak(v, std::max<std::int64_t>(0, v + d), std::memory_order_relaxed)) {
  }
}

std::int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// What other threads hand to the forwarder thread. Shared with the writer's completion
// callbacks, which may run after the forwarder object is gone, hence a shared_ptr.
struct inbox {
  std::mutex mutex;
  std::vector<store::outbox_item> created;  // fast path: rows just committed
  std::vector<std::int64_t> retry_ids;      // operator requeued these
  std::vector<std::int64_t> committed;      // the store recorded sent/dead for these
  bool overflow = false;                    // rows were dropped: scan the store again
  bool stop = false;
  std::optional<std::string> token;         // a reload's new dispatcher token
};

}  // namespace

struct outbox_forwarder::impl {
  impl(forwarder_options o, std::unique_ptr<dispatch_sink> s, store::group_writer& w, store::read_pool& r, metrics& m)
      : opts(std::move(o)),
        writer(w),
        reader(r),
        stats(m),
        sink(s ? std::move(s) : make_dispatch_sink(opts)),
        resident_limit(std::max<std::size_t>(
            min_resident, 4 * static_cast<std::size_t>(std::max(1, opts.connections)) * static_cast<std::size_t>(std::max(1, opts.batch_size)))),
        queue(resident_limit),
        rng(std::random_device{}()) {
    policy.initial = opts.backoff_initial;
    policy.max = opts.backoff_max;
    policy.max_attempts = opts.max_attempts;
  }

  forwarder_options opts;
  store::group_writer& writer;
  store::read_pool& reader;
  metrics& stats;
  std::unique_ptr<dispatch_sink> sink;
  std::size_t resident_limit;
  std::vector<std::int64_t> handing_on;  // rows this round of results hands on (forwarder thread)
  std::shared_ptr<inbox> box = std::make_shared<inbox>();
  std::thread thread;
  std::atomic<bool> started{false};
  std::atomic<bool> stopped{false};
  std::atomic<int> consecutive_failures{0};
  std::atomic<bool> crashed{false};
  std::atomic<bool> resumed{false};  // the first scan of pending rows has ended

  // Forwarder thread only.
  dispatch_queue queue;
  retry_policy policy;
  std::mt19937_64 rng;
  std::unordered_map<std::uint64_t, std::vector<std::int64_t>> requests;  // tag -> row ids in flight
  // Rows this process committed and has not attempted yet (dispatch_request::may_have_reached):
  // a row read from the store instead may have been in flight when an earlier process died.
  std::unordered_set<std::int64_t> never_begun;
  std::uint64_t next_tag = 1;
  bool stopping = false;
  std::chrono::steady_clock::time_point stop_deadline{};
  bool scanning = true;        // a pass over the pending rows is under way
  bool rescan = false;         // start another pass when this one ends
  std::int64_t scan_after = 0;
  std::size_t scan_found = 0;  // rows the first pass brought in
  bool first_pass = true;
  std::chrono::steady_clock::time_point scan_retry_at{};
  std::chrono::steady_clock::time_point next_claim{};  // cluster mode: the next claiming pass

  double rnd01() { return std::uniform_real_distribution<double>(0.0, 1.0)(rng); }

  void run() {
    set_health_gauge(true);
    try {
      loop();
    } catch (const std::exception& e) {
      crashed = true;
      log::error("forwarder_failed", {{"error", e.what()}});
      set_health_gauge(false);
    }
  }

  void loop() {
    log::info("forwarder_started", {{"destination", opts.destination},
                                    {"sink", sink->kind()},
                                    {"url", redact_url(opts.url)},
                                    {"connections", static_cast<std::int64_t>(sink->capacity())},
                                    {"batch", opts.batch},
                                    {"resident_limit", static_cast<std::int64_t>(resident_limit)}});
    std::vector<dispatch_result> done;
    for (;;) {
      drain_inbox();
      if (!stopping) {
        claim_when_due();
        scan();
        launch_due();
      } else if (sink->in_flight() == 0) {
        break;
      } else if (std::chrono::steady_clock::now() >= stop_deadline) {
        log::warn("forwarder_abandoned", {{"in_flight", static_cast<std::int64_t>(sink->in_flight())}});
        sink->abandon_all();  // the rows stay pending in the store
        requests.clear();
        break;
      }
      done.clear();
      sink->run_once(wait_time(), done);
      for (auto& r : done) apply(r);
      if (!handing_on.empty()) {
        auto ids = std::exchange(handing_on, {});
        auto committed = on_committed(ids, "handed_on");
        writer.hand_on(std::move(ids), std::move(committed));
      }
    }
    log::info("forwarder_stopped", {{"resident", static_cast<std::int64_t>(queue.resident())}});
  }

  std::size_t allowed_in_flight() const {
    // While the dispatcher fails every attempt, probe with one request at a time.
    return consecutive_failures.load(std::memory_order_relaxed) >= unhealthy_after ? 1 : sink->capacity();
  }

  std::chrono::milliseconds wait_time() const {
    if (stopping) return std::chrono::milliseconds(100);
    const auto now_steady = std::chrono::steady_clock::now();
    if (scanning && queue.room() >= scan_page && now_steady >= scan_retry_at) return std::chrono::milliseconds(0);
    auto wait = idle_wait;
    if (scanning && now_steady < scan_retry_at)
      wait = std::min(wait, std::chrono::duration_cast<std::chrono::milliseconds>(scan_retry_at - now_steady) +
                                std::chrono::milliseconds(1));
    if (opts.claim_poll.count() > 0) {
      const auto until = std::chrono::duration_cast<std::chrono::milliseconds>(next_claim - now_steady);
      wait = std::min(wait, std::max(until, std::chrono::milliseconds(0)));
    }
    if (sink->in_flight() < allowed_in_flight()) {
      if (auto due = queue.next_due_ms()) {
        const auto until = std::max<std::int64_t>(0, *due - wall_ms());
        wait = std::min(wait, std::chrono::milliseconds(until));
      }
    }
    return wait;
  }

  void drain_inbox() {
    std::vector<store::outbox_item> created;
    std::vector<std::int64_t> retry_ids, committed;
    bool overflow = false, stop = false;
    {
      std::lock_guard lock(box->mutex);
      created.swap(box->created);
      retry_ids.swap(box->retry_ids);
      committed.swap(box->committed);
      overflow = std::exchange(box->overflow, false);
      stop = box->stop;
      if (box->token) {
        // On this thread, between transfers: requests begun from now on carry it.
        sink->set_token(std::move(*box->token));
        box->token.reset();
      }
    }
    // New rows before commit confirmations: a scan may have found, sent and finished a row
    // before the writer got round to announcing it, and the writer announces a row before it
    // confirms our sent/dead for it. In this order such a late announcement meets the row
    // still "finishing" and is ignored instead of sending it a second time.
    for (auto& item : created) {
      const std::int64_t id = item.id;
      const bool untried = item.attempts == 0;
      const auto admitted = queue.add(std::move(item));
      if (admitted == dispatch_queue::admit::full) overflow = true;
      // Committed by this process and admitted now: no attempt of it can have been made.
      else if (admitted == dispatch_queue::admit::added && untried) never_begun.insert(id);
    }
    for (auto id : committed) queue.committed(id);
    if (overflow) request_rescan();
    if (stop && !stopping) {
      stopping = true;
      stop_deadline = std::chrono::steady_clock::now() + opts.request_timeout + std::chrono::seconds(1);
      return;  // no new work once stopping
    }
    for (auto id : retry_ids) retry_row(id);
  }

  // Cluster mode: takes the due rows of dead nodes (and rows nobody holds) into the queue,
  // a page at a time, without re-reading the rows this node already holds.
  void claim_when_due() {
    if (opts.claim_poll.count() <= 0) return;
    const auto now_steady = std::chrono::steady_clock::now();
    if (now_steady < next_claim) return;
    next_claim = now_steady + opts.claim_poll;
    std::int64_t after = 0;
    for (int page = 0; page < scan_pages_per_round && queue.room() >= scan_page; ++page) {
      std::vector<store::outbox_item> rows;
      try {
        rows = reader.take_over_outbox_now(opts.destination, after, static_cast<int>(scan_page));
      } catch (const std::exception& e) {
        log::error("outbox_claim_failed", {{"error", e.what()}});
        return;
      }
      for (auto& r : rows) {
        after = std::max(after, r.id);
        if (queue.add(std::move(r)) == dispatch_queue::admit::full) rescan = true;
      }
      if (rows.size() < scan_page) return;
    }
  }

  void request_rescan() {
    if (scanning) {
      rescan = true;
    } else {
      scanning = true;
      scan_after = 0;
    }
  }

  // Reads pending rows of our destination in id order, a few pages per round, while there is
  // room; rows already held (or just finished) are skipped by the queue.
  void scan() {
    for (int page = 0; page < scan_pages_per_round && scanning && queue.room() >= scan_page; ++page) {
      if (std::chrono::steady_clock::now() < scan_retry_at) return;
      std::vector<store::outbox_item> rows;
      try {
        rows = reader.pending_outbox_now(opts.destination, scan_after, static_cast<int>(scan_page));
      } catch (const std::exception& e) {
        log::error("outbox_scan_failed", {{"error", e.what()}});
        scan_retry_at = std::chrono::steady_clock::now() + scan_retry_delay;
        return;
      }
      const bool last_page = rows.size() < scan_page;
      // A row read from the store may be committed but not yet durable (store.h,
      // durable_outbox_id): never send one before it is. The pass stops short of it and
      // goes on from there a moment later (notify() may well bring it first).
      const std::int64_t durable = writer.durable_outbox_id();
      bool early = false;
      for (auto& r : rows) {
        if (r.id > durable) {
          early = true;
          break;
        }
        scan_after = std::max(scan_after, r.id);
        if (r.destination != opts.destination) continue;
        switch (queue.add(std::move(r))) {
          case dispatch_queue::admit::added: ++scan_found; break;
          case dispatch_queue::admit::full: rescan = true; break;
          case dispatch_queue::admit::known: break;
        }
      }
      if (early) {
        scan_retry_at = std::chrono::steady_clock::now() + not_durable_delay;
        return;
      }
      if (last_page) {
        if (first_pass) {
          first_pass = false;
          resumed.store(true, std::memory_order_release);
          log::info("outbox_resumed", {{"destination", opts.destination}, {"pending_rows", static_cast<std::int64_t>(scan_found)}});
        }
        scanning = false;
        if (std::exchange(rescan, false)) {
          scanning = true;
          scan_after = 0;
        }
        return;
      }
    }
  }

  void retry_row(std::int64_t id) {
    if (queue.in_flight(id)) return;  // the attempt under way decides; its outcome is recorded
    queue.forget_finished(id);        // the operator's requeue came after our sent/dead commit
    std::vector<store::outbox_item> rows;
    try {
      rows = reader.pending_outbox_now(opts.destination, id - 1, 1);
    } catch (const std::exception& e) {
      log::error("outbox_retry_read_failed", {{"outbox_id", id}, {"error", e.what()}});
      return;
    }
    if (rows.empty() || rows.front().id != id || id > writer.durable_outbox_id()) {
      log::info("outbox_retry_not_pending", {{"outbox_id", id}});
      return;
    }
    auto row = std::move(rows.front());
    const auto now = wall_ms();
    row.next_attempt_ms = std::min(row.next_attempt_ms, now);
    if (queue.find(id)) {
      queue.expedite(std::move(row), now);
    } else if (queue.add(std::move(row)) == dispatch_queue::admit::full) {
      request_rescan();  // it is pending and due in the store; a scan brings it
    }
    log::info("outbox_retry_now", {{"outbox_id", id}});
  }

  void launch_due() {
    const auto limit = allowed_in_flight();
    const auto now = wall_ms();
    while (sink->in_flight() < limit) {
      auto ids = queue.take_due(now, sink->max_documents());
      if (ids.empty()) return;
      dispatch_request r;
      r.tag = next_tag++;
      r.documents.reserve(ids.size());
      for (auto id : ids) r.documents.push_back(queue.find(id)->payload);
      r.may_have_reached = std::any_of(ids.begin(), ids.end(), [this](std::int64_t id) { return !never_begun.count(id); });
      if (opts.batch) {
        std::vector<std::string> keys;
        keys.reserve(ids.size());
        for (auto id : ids) keys.push_back(idempotency_key_of(*queue.find(id)));
        r.idempotency_key = batch_idempotency_key(keys);
      } else {
        r.idempotency_key = idempotency_key_of(*queue.find(ids.front()));
      }
      requests.emplace(r.tag, std::move(ids));
      sink->begin(std::move(r));
    }
  }

  // lapor_forwarder_healthy{destination}: 0 from the unhealthy_after-th failure in a row to
  // the next success (what /readyz lists as a warning), for an alert that needs no log search.
  // Set on transitions only, so the hot path takes no gauge lock.
  void set_health_gauge(bool healthy) {
    stats.set_gauge("lapor_forwarder_healthy{destination=\"" + opts.destination + "\"}", healthy ? 1 : 0);
  }

  void note_health(const dispatch_result& r) {
    if (r.outcome == delivery_outcome::retry) {
      const int n = consecutive_failures.fetch_add(1, std::memory_order_relaxed) + 1;
      if (n == unhealthy_after) {
        log::warn("dispatcher_unhealthy", {{"consecutive_failures", n}, {"http_status", r.http_status}, {"error", r.error}});
        set_health_gauge(false);
      }
    } else {
      const int before = consecutive_failures.exchange(0, std::memory_order_relaxed);
      if (before >= unhealthy_after) {
        // Rows backed off while the dispatcher was down need not wait out their backoff now
        // that it answers again (a Retry-After it asked for is still honoured).
        const auto moved = queue.pull_in(wall_ms());
        log::info("dispatcher_recovered", {{"failed_attempts", before}, {"rows_due_now", static_cast<std::int64_t>(moved)}});
        set_health_gauge(true);
      }
    }
  }

  // Tells the forwarder thread, from the writer thread, that the store recorded these rows.
  std::function<void(bool, std::string)> on_committed(std::vector<std::int64_t> ids, const char* what) {
    return [weak_box = std::weak_ptr<inbox>(box), ids = std::move(ids), what](bool ok, std::string error) {
      if (!ok) log::warn("outbox_mark_failed", {{"mark", what}, {"rows", static_cast<std::int64_t>(ids.size())}, {"error", error}});
      auto b = weak_box.lock();
      if (!b) return;
      std::lock_guard lock(b->mutex);
      b->committed.insert(b->committed.end(), ids.begin(), ids.end());
      // Not recorded: the rows are still pending in the store; read them again.
      if (!ok) b->overflow = true;
    };
  }

  void apply(const dispatch_result& r) {
    auto it = requests.find(r.tag);
    if (it == requests.end()) return;
    const std::vector<std::int64_t> ids = std::move(it->second);
    requests.erase(it);
    for (auto id : ids) never_begun.erase(id);  // attempted: from now on it may have arrived
    note_health(r);
    const auto now = wall_ms();

    if (r.outcome == delivery_outcome::delivered) {
      std::vector<std::int64_t> sent;
      sent.reserve(ids.size());
      for (auto id : ids) {
        const auto* item = queue.find(id);
        if (!item) continue;
        if (opts.channel_metrics) stats.add(counter::forwarded, channel_of_document(item->payload));
        queue.finish(id);
        sent.push_back(id);
      }
      gauge_add(stats.outbox_pending, -static_cast<std::int64_t>(sent.size()));
      auto done = on_committed(sent, "sent");
      writer.mark_sent(std::move(sent), std::move(done));
      return;
    }

    if (r.outcome == delivery_outcome::elsewhere) {
      // Left pending for another node; this one forgets it (its claims skip it for a while).
      // Written in one statement per round of results (the loop over sink->run_once's).
      for (auto id : ids) {
        const auto* item = queue.find(id);
        if (!item) continue;
        log::info("outbox_handed_on", {{"outbox_id", id}, {"destination", opts.destination}, {"reason", r.error}});
        queue.finish(id);
        handing_on.push_back(id);
      }
      return;
    }

    for (auto id : ids) {
      const auto* item = queue.find(id);
      if (!item) continue;
      const auto ch = channel_of_document(item->payload);
      const auto step = next_step(r.outcome, item->attempts, policy, now, r.retry_after_s, rnd01());
      if (step.what == dispatch_step::action::retry) {
        if (opts.channel_metrics) stats.add(counter::retried, ch);
        log::debug("dispatch_retry", {{"outbox_id", id},
                                      {"tracking_id", item->tracking_id},
                                      {"attempts", step.attempts},
                                      {"delay_ms", step.next_attempt_ms - now},
                                      {"error", r.error}});
        writer.mark_retry(id, step.attempts, step.next_attempt_ms, r.error);
        const std::int64_t not_before =
            r.retry_after_s >= 0 ? now + std::min(r.retry_after_s, max_retry_after_seconds) * 1000 : 0;
        queue.defer(id, step.attempts, step.next_attempt_ms, r.error, not_before);
      } else {
        std::string error = r.outcome == delivery_outcome::retry
                                ? "gave up after " + std::to_string(step.attempts) + " attempts: " + r.error
                                : r.error;
        if (opts.channel_metrics) stats.add(counter::dead_lettered, ch);
        gauge_add(stats.outbox_pending, -1);
        gauge_add(stats.outbox_dead, 1);
        log::warn("dispatch_dead_letter", {{"outbox_id", id},
                                           {"tracking_id", item->tracking_id},
                                           {"attempts", step.attempts},
                                           {"http_status", r.http_status},
                                           {"error", error}});
        writer.mark_dead(id, step.attempts, std::move(error), on_committed({id}, "dead"));
        queue.finish(id);
      }
    }
  }
};

outbox_forwarder::outbox_forwarder(forwarder_options opts, store::group_writer& writer, store::read_pool& reader, metrics& m)
    : impl_(std::make_unique<impl>(std::move(opts), nullptr, writer, reader, m)) {}

outbox_forwarder::outbox_forwarder(forwarder_options opts, std::unique_ptr<dispatch_sink> sink, store::group_writer& writer,
                                   store::read_pool& reader, metrics& m)
    : impl_(std::make_unique<impl>(std::move(opts), std::move(sink), writer, reader, m)) {}

outbox_forwarder::~outbox_forwarder() { stop(); }

void outbox_forwarder::start() {
  if (impl_->started.exchange(true) || impl_->stopped.load()) return;
  impl_->thread = std::thread([i = impl_.get()] { i->run(); });
}

void outbox_forwarder::notify(const std::vector<store::outbox_item>& created) {
  if (impl_->stopped.load(std::memory_order_relaxed)) return;  // the next process scans them
  std::int64_t ours = 0;
  {
    std::lock_guard lock(impl_->box->mutex);
    for (const auto& item : created) {
      if (item.destination != impl_->opts.destination) continue;
      ++ours;
      // Bounded: beyond the limit rows stay in the store only and a scan brings them later.
      if (impl_->box->created.size() >= impl_->resident_limit) impl_->box->overflow = true;
      else impl_->box->created.push_back(item);
    }
  }
  if (ours == 0) return;
  gauge_add(impl_->stats.outbox_pending, ours);
  impl_->sink->wakeup();
}

void outbox_forwarder::rescan() {
  if (impl_->stopped.load(std::memory_order_relaxed)) return;  // the next process scans them
  {
    std::lock_guard lock(impl_->box->mutex);
    impl_->box->overflow = true;  // drain_inbox: request_rescan()
  }
  impl_->sink->wakeup();
}

void outbox_forwarder::set_token(std::string token) {
  {
    std::lock_guard lock(impl_->box->mutex);
    impl_->box->token = std::move(token);
  }
  impl_->sink->wakeup();
}

void outbox_forwarder::retry_now(std::int64_t outbox_id) {
  {
    std::lock_guard lock(impl_->box->mutex);
    impl_->box->retry_ids.push_back(outbox_id);
  }
  impl_->sink->wakeup();
}

void outbox_forwarder::stop() {
  if (impl_->stopped.exchange(true)) return;
  {
    std::lock_guard lock(impl_->box->mutex);
    impl_->box->stop = true;
  }
  impl_->sink->wakeup();
  if (impl_->thread.joinable()) impl_->thread.join();
}

bool outbox_forwarder::resumed() const noexcept { return impl_->resumed.load(std::memory_order_acquire); }

bool outbox_forwarder::healthy() const noexcept {
  return !impl_->crashed.load(std::memory_order_relaxed) &&
         impl_->consecutive_failures.load(std::memory_order_relaxed) < unhealthy_after;
}

}  // namespace lapor::gateway
