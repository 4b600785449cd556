// store_bench: the group writer against a raw SQLite loop doing the same writes.
//
//   store_bench [--rows N] [--producers K] [--window W] [--group G] [--max-group M]
//               [--checkpoint PAGES] [--cache-kib K] [--page-size B] [--sync full|normal]
//               [--inline-checkpoints] [--side writer|raw|both] [--dir PATH]
//
// (b) group_writer: K producer threads (default 4) submit complaint rows (a ~800-byte canonical
//     JSON document, an idempotency key and fingerprint, one 'dispatcher' outbox row), each
//     keeping at most W submissions in flight; latency is measured from insert_complaint()
//     to its completion. The commit observer counts groups; an outbox listener is installed,
//     as in the daemon.
// (a) raw: one thread, the same rows, the same schema (store migrations), the same pragmas
//     (WAL, synchronous, wal_autocheckpoint, cache_size, page_size), prepared statements,
//     BEGIN IMMEDIATE ... COMMIT every G rows, G defaulting to the writer's average group
//     size. The raw loop knows its keys are new, so it does no idempotency lookup: the
//     writer's lookup cost is in the ratio. SQLite checkpoints inside its COMMITs; the writer
//     checkpoints on a background thread unless --inline-checkpoints.
// Rows are built before the clock starts on both sides. Each side gets a fresh database in
// a temporary directory (under --dir, default the system's), removed afterwards. Exit status
// 0 when the target is met (writer >= 60% of raw and >= 50,000 rows/s), 1 when not.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <sys/resource.h>
#include <unistd.h>

#include "store/database.h"
#include "store/migrations.h"
#include "store/store.h"

namespace {

using namespace lapor::store;
using steady = std::chrono::steady_clock;

// CPU seconds (user + system) used so far by every thread of this process.
double cpu_seconds() {
  rusage u{};
  ::getrusage(RUSAGE_SELF, &u);
  auto sec = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
  return sec(u.ru_utime) + sec(u.ru_stime);
}

struct bench_args {
  std::int64_t rows = 200000;
  int producers = 4;
  int window = 512;          // in flight per producer
  std::int64_t group = 0;    // raw loop rows per transaction; 0 = the writer's average
  std::size_t max_group = 2048;
  int checkpoint = 0;        // wal_autocheckpoint pages; 0 = SQLite's default
  std::int64_t cache_kib = options{}.cache_kib;  // the store's defaults, for both sides
  int page_size = options{}.page_size;
  bool sync_full = true;
  std::string dir;
  std::string side = "both";  // writer | raw | both (profiling one side)
  bool inline_checkpoints = false;  // the writer checkpoints inside COMMIT, like the raw loop
};

[[noreturn]] void usage(const char* why) {
  std::fprintf(stderr,
               "store_bench: %s\nusage: store_bench [--rows N] [--producers K] [--window W] [--group G]"
               " [--max-group M] [--checkpoint PAGES] [--cache-kib K] [--page-size B] [--sync full|normal] [--inline-checkpoints] [--side writer|raw|both] [--dir PATH]\n",
               why);
  std::exit(2);
}

bench_args parse(int argc, char** argv) {
  bench_args a;
  for (int i = 1; i < argc; ++i) {
    const std::string k = argv[i];
    if (k == "--help" || k == "-h") usage("benchmark of the store's group writer");
    if (k == "--inline-checkpoints") {
      a.inline_checkpoints = true;
      continue;
    }
    if (i + 1 >= argc) usage(("missing value for " + k).c_str());
    const std::string v = argv[++i];
    auto num = [&](std::int64_t lo) {
      char* end = nullptr;
      const long long n = std::strtoll(v.c_str(), &end, 10);
      if (end == v.c_str() || *end != '\0' || n < lo) usage(("bad value for " + k).c_str());
      return static_cast<std::int64_t>(n);
    };
    if (k == "--rows") a.rows = num(1);
    else if (k == "--producers") a.producers = static_cast<int>(num(1));
    else if (k == "--window") a.window = static_cast<int>(num(1));
    else if (k == "--group") a.group = num(1);
    else if (k == "--max-group") a.max_group = static_cast<std::size_t>(num(1));
    else if (k == "--checkpoint") a.checkpoint = static_cast<int>(num(0));
    else if (k == "--cache-kib") a.cache_kib = num(0);
    else if (k == "--page-size") a.page_size = static_cast<int>(num(512));
    else if (k == "--sync") {
      if (v != "full" && v != "normal") usage("--sync is full or normal");
      a.sync_full = v == "full";
    } else if (k == "--dir") a.dir = v;
    else if (k == "--side") {
      if (v != "writer" && v != "raw" && v != "both") usage("--side is writer, raw or both");
      a.side = v;
    }
    else usage(("unknown option " + k).c_str());
  }
  return a;
}

// A canonical complaint document of ~800 bytes (SPEC §4), varied by `n`.
std::string document_for(std::int64_t n, const std::string& tracking_id) {
  std::string d = R"({"schema":"lapor.complaint/v1","tracking_id":")" + tracking_id +
                  R"(","channel":"mobile","channel_ref":{"device_id":"a1b2c3d4-e5f6-4711-8899-)" +
                  std::to_string(100000000000 + n) +
                  R"("},"received_at":"2026-11-22T10:15:30.123Z","reporter":{"name":"Budi Santoso",)"
                  R"("phone":"+6281234567890","email":"budi@example.id","twitter":null},"anonymous":false,)"
                  R"("confidential":false,"kind":"complaint","title":"Jalan rusak di Jl. Ahmad Yani",)"
                  R"("body":"Jalan rusak parah di Jl. Ahmad Yani km 5, sudah 3 bulan tidak diperbaiki. )"
                  R"(Lubang besar membahayakan pengendara motor. Laporan nomor )" +
                  std::to_string(n) +
                  R"(.","location":{"text":"Sampit, Kotawaringin Timur","lat":-2.5312,"lon":112.9484},)"
                  R"("attachments":[{"sha256":"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",)"
                  R"("mime":"image/jpeg","size":123456,"name":"foto.jpg"}],)"
                  R"("sla":{"verify_by":"2026-11-25","respond_within_working_days":14}})";
  return d;
}

std::string hex16(std::uint64_t v) {
  char b[17];
  std::snprintf(b, sizeof b, "%016" PRIx64, v);
  return b;
}

std::uint64_t mix(std::uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ULL;
  return x ^ (x >> 33);
}

std::string tracking_for(std::int64_t n) {
  const std::string h = hex16(mix(static_cast<std::uint64_t>(n)));
  std::string t = "LPR-" + h.substr(0, 4) + "-" + h.substr(4, 4) + "-" + h.substr(8, 1);
  for (char& c : t) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return t;
}

std::string key_for(std::int64_t n) { return "mobile:" + hex16(mix(static_cast<std::uint64_t>(n) ^ 0x5bd1e995)) + hex16(n); }
std::string fingerprint_for(std::int64_t n) {
  return hex16(mix(n + 1)) + hex16(mix(n + 2)) + hex16(mix(n + 3)) + hex16(mix(n + 4));
}

constexpr const char* status_meta = R"({"kind":"complaint","channel":"mobile","anonymous":false,"confidential":false})";

complaint_row make_row(std::int64_t seq) {
  complaint_row r;
  r.id = (std::int64_t{1} << 32) | seq;
  r.tracking_id = tracking_for(seq);
  r.channel = "mobile";
  r.idempotency_key = key_for(seq);
  r.request_fingerprint = fingerprint_for(seq);
  r.received_at_ms = 1'795'000'000'000 + seq;
  r.document = document_for(seq, r.tracking_id);
  r.status_meta = status_meta;
  return r;
}

std::vector<complaint_row> make_rows(std::int64_t n) {
  std::vector<complaint_row> rows;
  rows.reserve(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) rows.push_back(make_row(i + 1));
  return rows;
}

struct writer_result {
  double seconds = 0, cpu = 0, in_transaction = 0;
  std::size_t groups = 0, rows = 0;
  std::int64_t failed = 0, overloaded = 0;
  std::vector<double> latency_us;
};

writer_result run_writer(const bench_args& a, const std::string& path) {
  options o;
  o.path = path;
  o.max_group = a.max_group;
  o.synchronous_full = a.sync_full;
  o.wal_autocheckpoint = a.checkpoint;
  o.cache_kib = a.cache_kib;
  o.page_size = a.page_size;
  o.background_checkpoints = !a.inline_checkpoints;
  group_writer w(o);
  std::atomic<std::size_t> groups{0}, rows{0};
  std::atomic<std::int64_t> in_transaction_us{0};
  w.set_commit_observer([&](std::size_t n, std::chrono::microseconds took, bool) {
    groups.fetch_add(1, std::memory_order_relaxed);
    rows.fetch_add(n, std::memory_order_relaxed);
    in_transaction_us.fetch_add(took.count(), std::memory_order_relaxed);
  });
  std::atomic<std::int64_t> listened{0};
  // The daemon's forwarder listens; count the rows to include the listener's cost.
  w.set_outbox_listener([&](const std::vector<outbox_item>& created) {
    listened.fetch_add(static_cast<std::int64_t>(created.size()), std::memory_order_relaxed);
  });

  writer_result out;
  out.latency_us.assign(static_cast<std::size_t>(a.rows), 0.0);
  std::atomic<std::int64_t> next_seq{0}, failed{0}, overloaded{0};
  std::atomic<std::int64_t> remaining{a.rows};

  struct producer_state {
    alignas(64) std::atomic<int> in_flight{0};
  };
  std::vector<producer_state> states(static_cast<std::size_t>(a.producers));

  // Rows are built before the clock starts (as for the raw loop): the benchmark measures the
  // store, not string building. Producers move them in.
  std::vector<complaint_row> rows_in = make_rows(a.rows);

  const double cpu_started = cpu_seconds();
  const auto started = steady::now();
  std::vector<std::thread> producers;
  for (int p = 0; p < a.producers; ++p) {
    producers.emplace_back([&, p] {
      producer_state& st = states[static_cast<std::size_t>(p)];
      for (;;) {
        const std::int64_t i = next_seq.fetch_add(1, std::memory_order_relaxed);
        if (i >= a.rows) break;
        int f = st.in_flight.load(std::memory_order_acquire);
        while (f >= a.window) {
          st.in_flight.wait(f, std::memory_order_acquire);
          f = st.in_flight.load(std::memory_order_acquire);
        }
        complaint_row row = std::move(rows_in[static_cast<std::size_t>(i)]);
        for (;;) {
          st.in_flight.fetch_add(1, std::memory_order_relaxed);
          const auto t0 = steady::now();
          bool refused = false;
          w.insert_complaint(std::move(row), [&, i, t0](write_result r) {
            if (r.status == write_status::overloaded) {
              refused = true;  // on this thread, synchronously
            } else {
              if (r.status != write_status::stored) failed.fetch_add(1, std::memory_order_relaxed);
              out.latency_us[static_cast<std::size_t>(i)] =
                  std::chrono::duration<double, std::micro>(steady::now() - t0).count();
              remaining.fetch_sub(1, std::memory_order_release);
            }
            if (st.in_flight.fetch_sub(1, std::memory_order_acq_rel) == a.window) st.in_flight.notify_one();
          });
          if (!refused) break;
          overloaded.fetch_add(1, std::memory_order_relaxed);
          row = make_row(i + 1);
          std::this_thread::sleep_for(std::chrono::microseconds(200));
        }
      }
    });
  }
  for (auto& t : producers) t.join();
  while (remaining.load(std::memory_order_acquire) > 0) std::this_thread::sleep_for(std::chrono::microseconds(100));
  out.seconds = std::chrono::duration<double>(steady::now() - started).count();
  out.cpu = cpu_seconds() - cpu_started;
  (void)w.max_sequence(1);  // a probe through the queue: the last observer call has run
  out.groups = groups.load();
  out.in_transaction = static_cast<double>(in_transaction_us.load()) / 1e6;
  out.rows = rows.load();
  out.failed = failed.load();
  out.overloaded = overloaded.load();
  if (listened.load() != a.rows) std::fprintf(stderr, "warning: listener saw %" PRId64 " rows\n", listened.load());
  return out;
}

struct raw_result {
  double seconds = 0, cpu = 0;
};

// The raw loop: the same statements the writer runs, without queue, threads or lookups.
raw_result run_raw(const bench_args& a, const std::string& path, std::int64_t group) {
  connection_options co;
  co.path = path;
  co.synchronous_full = a.sync_full;
  co.wal_autocheckpoint = a.checkpoint;
  co.cache_kib = a.cache_kib;
  co.page_size = a.page_size;
  database db(co);
  migrate(db);
  statement begin(db, "BEGIN IMMEDIATE"), commit(db, "COMMIT");
  statement insert_complaint(db,
                             "INSERT INTO complaints(id, tracking_id, channel, received_at_ms, duplicate_of,"
                             " dispatch_outbox_id, status_meta, document) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
  statement insert_key(db, "INSERT INTO idempotency(complaint_id, key, fingerprint) VALUES (?1, ?2, ?3)");
  statement insert_outbox(db,
                          "INSERT INTO outbox(id, complaint_id, destination, state, attempts, next_attempt_ms,"
                          " created_ms, updated_ms, last_error, payload) VALUES (?1, ?2, ?3, 0, 0, 0, ?4, ?4, NULL, ?5)");
  statement count_delta(db, "UPDATE outbox_counts SET n = n + ?1 WHERE state = ?2");
  auto must = [&](statement& s, int want) {
    const int rc = s.step();
    if (rc != want) {
      std::fprintf(stderr, "raw loop: %s\n", db.error_text(rc).c_str());
      std::exit(1);
    }
    s.reset();
  };

  // Pre-built rows, so the loop measures SQLite rather than string building.
  const std::vector<complaint_row> rows = make_rows(a.rows);

  const double cpu_started = cpu_seconds();
  const auto started = steady::now();
  std::int64_t outbox_id = 1;
  for (std::int64_t i = 0; i < a.rows;) {
    const std::int64_t now_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
            .count();
    must(begin, db_done);
    std::int64_t n = 0;
    for (; n < group && i < a.rows; ++n, ++i) {
      const complaint_row& r = rows[static_cast<std::size_t>(i)];
      insert_complaint.bind(1, r.id)
          .bind(2, r.tracking_id)
          .bind(3, r.channel)
          .bind(4, r.received_at_ms)
          .bind_null(5)
          .bind(6, outbox_id)
          .bind(7, r.status_meta)
          .bind(8, r.document);
      must(insert_complaint, db_done);
      insert_key.bind(1, r.id).bind(2, r.idempotency_key).bind(3, r.request_fingerprint);
      must(insert_key, db_done);
      insert_outbox.bind(1, outbox_id++).bind(2, r.id).bind(3, std::string_view("dispatcher")).bind(4, now_ms).bind_null(5);
      must(insert_outbox, db_done);
    }
    count_delta.bind(1, n).bind(2, std::int64_t{0});
    must(count_delta, db_done);
    must(commit, db_done);
  }
  return {std::chrono::duration<double>(steady::now() - started).count(), cpu_seconds() - cpu_started};
}

double percentile(std::vector<double>& v, double p) {
  if (v.empty()) return 0;
  const auto k = static_cast<std::size_t>(std::min<double>(static_cast<double>(v.size() - 1),
                                                           std::ceil(p / 100.0 * static_cast<double>(v.size())) - 1));
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
  return v[k];
}

}  // namespace

int main(int argc, char** argv) {
  const bench_args a = parse(argc, argv);
  namespace fs = std::filesystem;
  std::random_device rd;
  const fs::path base = a.dir.empty() ? fs::temp_directory_path() : fs::path(a.dir);
  const fs::path dir = base / ("lapor-store-bench-" + std::to_string(::getpid()) + "-" + std::to_string(rd()));
  fs::create_directories(dir);
  int status = 0;
  try {
    std::printf("store_bench: rows=%" PRId64 " producers=%d window=%d max_group=%zu synchronous=%s"
                " wal_autocheckpoint=%d cache_kib=%" PRId64 " page_size=%d writer_checkpoints=%s dir=%s\n",
                a.rows, a.producers, a.window, a.max_group, a.sync_full ? "FULL" : "NORMAL", a.checkpoint,
                a.cache_kib, a.page_size, a.inline_checkpoints ? "inline" : "background", dir.c_str());
    const complaint_row sample = make_row(1);
    std::printf("row: document %zu bytes, idempotency key %zu, fingerprint %zu, status_meta %zu\n",
                sample.document.size(), sample.idempotency_key.size(), sample.request_fingerprint.size(),
                sample.status_meta.size());
    std::int64_t group = a.group > 0 ? a.group : static_cast<std::int64_t>(a.max_group);
    double writer_rate = 0;
    writer_result w;
    if (a.side != "raw") {
      w = run_writer(a, (dir / "writer.db").string());
      writer_rate = static_cast<double>(a.rows) / w.seconds;
      const double avg_group = w.groups ? static_cast<double>(w.rows) / static_cast<double>(w.groups) : 0;
      if (a.group == 0) group = std::max<std::int64_t>(1, std::llround(avg_group));
      const double p50 = percentile(w.latency_us, 50), p99 = percentile(w.latency_us, 99),
                   p999 = percentile(w.latency_us, 99.9);
      std::printf("writer: %.0f rows/s (%.2f s), %zu commits, average group %.1f, latency p50 %.2f ms"
                  " p99 %.2f ms p99.9 %.2f ms, failed %" PRId64 ", overloaded retries %" PRId64 "\n",
                  writer_rate, w.seconds, w.groups, avg_group, p50 / 1000, p99 / 1000, p999 / 1000, w.failed,
                  w.overloaded);
      // CPU use is steadier than wall time on a shared machine: rows per CPU-second of the process.
      std::printf("        cpu %.2f s, %.0f rows per cpu-second (producers included); BEGIN..COMMIT %.2f s (summed)\n", w.cpu,
                  static_cast<double>(a.rows) / w.cpu, w.in_transaction);
    }
    if (a.side != "writer") {
      const raw_result raw = run_raw(a, (dir / "raw.db").string(), group);
      const double raw_rate = static_cast<double>(a.rows) / raw.seconds;
      std::printf("raw:    %.0f rows/s (%.2f s), %" PRId64 " rows per transaction\n", raw_rate, raw.seconds, group);
      std::printf("        cpu %.2f s, %.0f rows per cpu-second\n", raw.cpu, static_cast<double>(a.rows) / raw.cpu);
      if (a.side == "both") {
        const double ratio = writer_rate / raw_rate;
        std::printf("ratio writer/raw: %.2f\n", ratio);
        const bool pass = ratio >= 0.60 && writer_rate >= 50000 && w.failed == 0;
        std::printf("target (writer >= 60%% of raw and >= 50000 durable rows/s): %s\n", pass ? "PASS" : "MISS");
        status = pass ? 0 : 1;
      }
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "store_bench: %s\n", e.what());
    status = 2;
  }
  std::error_code ec;
  fs::remove_all(dir, ec);
  return status;
}
