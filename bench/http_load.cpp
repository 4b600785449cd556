// http_load: durable, signed mobile-API submissions over keep-alive HTTP/1.1, side by side
// with a bare "200 OK" handler on the same Beast listener (the ceiling of the HTTP layer).
//
//   http_load [--seconds S] [--connections C] [--server-threads T] [--dir PATH] [--sync full|normal]
//             [--texts varied|campaign] [--target HOST:PORT [--key-id ID] [--secret S] [--daemon-pid PID]]
//             [--reporter-offset N]
//
// Without --target it needs no daemon binary: in one process, the real store (group writer,
// SQLite WAL, synchronous=FULL by default), the real pipeline and the real mobile API routes
// on an http_server. With --target the durable run goes to a running lapor-gateway instead
// (bench/run_http_load.sh starts one; its mobile.api_keys must hold the key). Either way a
// second http_server in this process, whose handler answers 200 "OK", is measured first in
// the same run as the ceiling of the HTTP layer on this machine. A closed-loop client
// (one Asio thread, C keep-alive connections, one request in flight each) signs every POST
// (LAPOR-HMAC-SHA256) with a fresh Idempotency-Key and a distinct body, so each one is a new
// complaint committed and fsync'd before its 201. Prints req/s and p50/p99/max latency of
// both runs. Everything shares the machine's cores: the client's cost is in the figures.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include <sys/resource.h>
#include <unistd.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "channels/mobile/mobile_api.h"
#include "gateway/digest.h"
#include "gateway/http_router.h"
#include "gateway/http_server.h"
#include "gateway/metrics.h"
#include "gateway/pipeline.h"
#include "gateway/sla.h"
#include "store/store.h"

namespace net = boost::asio;
using tcp = net::ip::tcp;
using steady = std::chrono::steady_clock;
namespace g = lapor::gateway;

namespace {

struct args {
  std::string target;  // host:port of a running daemon; empty = in-process
  int daemon_pid = 0;  // with --target: whose CPU time to count too (Linux /proc)
  std::string key_id = "bench";
  std::string secret = "bench-secret";
  int seconds = 5;
  int connections = 64;
  int server_threads = 2;
  std::string dir;
  bool sync_full = true;
  bool campaign = false;  // near-identical texts from different reporters
  // Added to the connection number in the reporters' phone numbers: two load generators
  // against two cluster nodes give them different people (the same person on two nodes at
  // the same instant serialises both nodes on that person's lock, which real traffic rarely does).
  int reporter_offset = 0;
};

struct run_result {
  std::uint64_t ok = 0, errors = 0;
  double seconds = 0;
  double cpu_seconds = 0;  // this process (server and client), plus the daemon's with --target
  std::vector<double> latencies_ms;
  std::map<int, std::uint64_t> statuses;
};

double percentile(std::vector<double>& v, double p) {
  if (v.empty()) return 0;
  auto k = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1));
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
  return v[k];
}

// Words for report texts: every report gets its own mix (and its own reporter), as citizens'
// reports do. Near-identical texts from many people (a campaign) are the dedup index's
// costliest case (each is compared with the newest of its SimHash buckets); --texts campaign
// measures that instead.
constexpr const char* words[] = {
    "jalan", "rusak", "lubang", "banjir", "lampu", "mati", "sampah", "menumpuk", "pungli", "kelurahan", "sekolah",
    "guru", "puskesmas", "antre", "obat", "habis", "jembatan", "retak", "air", "PDAM", "keruh", "listrik", "padam",
    "pasar", "becek", "parkir", "liar", "trotoar", "pedagang", "izin", "KTP", "lambat", "pelayanan", "petugas",
    "kasar", "bansos", "tidak", "tepat", "sasaran", "drainase", "tersumbat", "pohon", "tumbang", "kabel", "menjuntai",
    "angkot", "ngetem", "macet", "bau", "limbah", "pabrik", "sungai", "tercemar", "rumah", "sakit", "menolak",
    "pasien", "BPJS", "desa", "dana", "transparan", "irigasi", "sawah", "kering", "pupuk", "langka", "harga", "naik"};

std::uint64_t mix(std::uint64_t x) {  // splitmix64
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

// Builds request i of connection c: signed POST with a distinct body, or a plain GET.
std::string make_request(const args& a, bool signed_post, int c, std::uint64_t i) {
  if (!signed_post) return "GET / HTTP/1.1\r\nHost: bench\r\n\r\n";
  std::string text;
  if (a.campaign) {
    text = "Jalan rusak parah di Jl. Ahmad Yani km " + std::to_string(i) + ", sudah 3 bulan tidak diperbaiki (koneksi " +
           std::to_string(c) + ")";
  } else {
    std::uint64_t r = mix((static_cast<std::uint64_t>(c) << 40) ^ i ^ (static_cast<std::uint64_t>(::getpid()) << 20));
    for (int w = 0; w < 14; ++w) {
      r = mix(r);
      if (!text.empty()) text += ' ';
      text += words[r % std::size(words)];
    }
    text += " di RT " + std::to_string(i % 20 + 1) + " RW " + std::to_string(c % 15 + 1);
  }
  const std::string body = "{\"title\":\"Laporan " + std::to_string(c) + "-" + std::to_string(i) + "\",\"body\":\"" + text +
                           "\",\"kind\":\"complaint\",\"reporter\":{\"name\":\"Budi\",\"phone\":\"+62812" +
                           std::to_string(100 + (c + a.reporter_offset) % 900) + std::to_string(10000 + i % 90000) +
                           "\"},\"location\":{\"text\":\"Sampit\",\"lat\":-2.53,\"lon\":112.95}}";
  const auto ts = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  const auto sig = lapor::mobile::sign_request(a.secret, "POST", "/api/v1/reports", ts, g::sha256_hex(body));
  std::string r = "POST /api/v1/reports HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\n";
  r += "Authorization: LAPOR-HMAC-SHA256 key_id=" + a.key_id + ", ts=" + std::to_string(ts) + ", sig=" + sig + "\r\n";
  r += "Idempotency-Key: bench-" + std::to_string(::getpid()) + "-" + std::to_string(c) + "-" + std::to_string(i) + "\r\n";
  r += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  return r;
}

// Requests are signed before the clock starts (up to 30,000 req/s worth), so the figures
// measure the server, not the client's HMAC; beyond that they are signed on the fly.
net::awaitable<void> client(const args& a, tcp::endpoint ep, bool signed_post, int c, steady::time_point until,
                            run_result& out, std::atomic<int>& live, const std::vector<std::string>& prepared) {
  try {
    tcp::socket s(co_await net::this_coro::executor);
    co_await s.async_connect(ep, net::use_awaitable);
    s.set_option(tcp::no_delay(true));
    net::streambuf buf;
    for (std::uint64_t i = 0; steady::now() < until; ++i) {
      const std::string req = i < prepared.size() ? prepared[i] : make_request(a, signed_post, c, i);
      auto t0 = steady::now();
      co_await net::async_write(s, net::buffer(req), net::use_awaitable);
      auto n = co_await net::async_read_until(s, buf, "\r\n\r\n", net::use_awaitable);
      std::string head(net::buffers_begin(buf.data()), net::buffers_begin(buf.data()) + static_cast<std::ptrdiff_t>(n));
      buf.consume(n);
      int status = std::atoi(head.c_str() + 9);
      std::size_t len = 0;
      if (auto at = head.find("Content-Length: "); at != std::string::npos) len = std::strtoull(head.c_str() + at + 16, nullptr, 10);
      if (buf.size() < len) co_await net::async_read(s, buf, net::transfer_exactly(len - buf.size()), net::use_awaitable);
      buf.consume(len);
      out.latencies_ms.push_back(std::chrono::duration<double, std::milli>(steady::now() - t0).count());
      ++out.statuses[status];
      if (status == (signed_post ? 201 : 200)) ++out.ok;
      else ++out.errors;
    }
  } catch (const std::exception& e) {
    ++out.errors;
    std::fprintf(stderr, "connection %d: %s\n", c, e.what());
  }
  --live;
}

// CPU time (user + system) of this process and, when known, of the daemon. The machine is
// shared, so req/s depends on what else runs; CPU per request does not, and cores divided by
// it is what this code could do with the machine to itself.
double cpu_seconds(int daemon_pid) {
  rusage u{};
  ::getrusage(RUSAGE_SELF, &u);
  double t = static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
             static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
  if (daemon_pid > 0) {
    if (FILE* f = std::fopen(("/proc/" + std::to_string(daemon_pid) + "/stat").c_str(), "r")) {
      char buf[1024];
      const std::size_t n = std::fread(buf, 1, sizeof buf - 1, f);
      std::fclose(f);
      buf[n] = '\0';
      // Fields after the ")" that ends the command name: state is field 3, utime 14, stime 15.
      if (const char* p = std::strrchr(buf, ')')) {
        unsigned long long ut = 0, st = 0;
        if (std::sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) == 2)
          t += static_cast<double>(ut + st) / static_cast<double>(::sysconf(_SC_CLK_TCK));
      }
    }
  }
  return t;
}

run_result drive(const tcp::endpoint& ep, bool signed_post, const args& a) {
  net::io_context io(1);
  run_result r;
  std::atomic<int> live{a.connections};
  std::vector<std::vector<std::string>> prepared(static_cast<std::size_t>(a.connections));
  const std::size_t per_connection = static_cast<std::size_t>(30000) * static_cast<std::size_t>(a.seconds) /
                                     static_cast<std::size_t>(a.connections) + 1;
  for (int c = 0; c < a.connections; ++c)
    for (std::size_t i = 0; i < per_connection; ++i) prepared[static_cast<std::size_t>(c)].push_back(make_request(a, signed_post, c, i));
  r.latencies_ms.reserve(per_connection * static_cast<std::size_t>(a.connections));
  const double cpu0 = cpu_seconds(a.daemon_pid);
  const auto start = steady::now();
  const auto until = start + std::chrono::seconds(a.seconds);
  for (int c = 0; c < a.connections; ++c)
    net::co_spawn(io, client(a, ep, signed_post, c, until, r, live, prepared[static_cast<std::size_t>(c)]), net::detached);
  io.run();
  r.seconds = std::chrono::duration<double>(steady::now() - start).count();
  r.cpu_seconds = cpu_seconds(a.daemon_pid) - cpu0;
  return r;
}

void report(const char* name, run_result r) {
  const double rps = static_cast<double>(r.ok) / r.seconds;
  auto p50 = percentile(r.latencies_ms, 0.50), p99 = percentile(r.latencies_ms, 0.99);
  double max = r.latencies_ms.empty() ? 0 : *std::max_element(r.latencies_ms.begin(), r.latencies_ms.end());
  std::printf("%-34s %10.0f req/s   p50 %7.2f ms   p99 %7.2f ms   max %7.2f ms   ok %llu  errors %llu\n", name, rps, p50,
              p99, max, static_cast<unsigned long long>(r.ok), static_cast<unsigned long long>(r.errors));
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  const double cpu_us = r.ok ? r.cpu_seconds * 1e6 / static_cast<double>(r.ok) : 0;
  std::printf("%-34s cpu %.0f%% of %u cores, %.1f us CPU per request (server + client) -> %.0f req/s with the cores to itself\n",
              "", 100.0 * r.cpu_seconds / r.seconds / cores, cores, cpu_us,
              cpu_us > 0 ? 1e6 * static_cast<double>(cores) / cpu_us : 0.0);
  if (r.errors)
    for (auto [st, n] : r.statuses) std::printf("    status %d: %llu\n", st, static_cast<unsigned long long>(n));
}

// The ceiling: a bare Beast listener in this process whose handler answers 200 "OK".
void run_ceiling(const args& a) {
  net::io_context io(a.server_threads);
  g::http_limits limits;
  g::http_server bare(io, "bare", {"127.0.0.1", 0}, limits, [](g::http_request&&, g::http_responder s) {
    s(g::http_response::text(200, "OK"));
  });
  bare.start();
  std::vector<std::thread> threads;
  for (int i = 0; i < a.server_threads; ++i) threads.emplace_back([&io] { io.run(); });
  args own = a;
  own.daemon_pid = 0;  // the ceiling is all in this process
  report("bare Beast 200 OK (ceiling)", drive({net::ip::make_address("127.0.0.1"), bare.port()}, false, own));
  bare.stop();
  io.stop();
  for (auto& t : threads) t.join();
}

// Durable submissions to a running daemon at a.target.
int run_against_daemon(const args& a) {
  const auto colon = a.target.rfind(':');
  if (colon == std::string::npos) {
    std::fprintf(stderr, "--target wants HOST:PORT\n");
    return 2;
  }
  net::io_context resolver_io;
  tcp::resolver resolver(resolver_io);
  boost::system::error_code ec;
  auto found = resolver.resolve(a.target.substr(0, colon), a.target.substr(colon + 1), ec);
  if (ec || found.empty()) {
    std::fprintf(stderr, "cannot resolve %s: %s\n", a.target.c_str(), ec.message().c_str());
    return 2;
  }
  std::printf("http_load: %d connections, %d s per run, ceiling with %d server threads, daemon at %s, %s texts, %u cores\n",
              a.connections, a.seconds, a.server_threads, a.target.c_str(), a.campaign ? "campaign" : "varied",
              std::thread::hardware_concurrency());
  run_ceiling(a);
  auto durable = drive(found.begin()->endpoint(), true, a);
  const bool failed = durable.ok == 0;
  report("durable signed POST /api/v1/reports", std::move(durable));
  return failed ? 1 : 0;
}

// The store, pipeline and mobile API in this process.
int run_in_process(args a) {
  const bool own_dir = a.dir.empty();
  if (own_dir) a.dir = (std::filesystem::temp_directory_path() / ("lapor-http-load-" + std::to_string(::getpid()))).string();
  std::filesystem::create_directories(a.dir);
  bool failed = false;
  {
    lapor::store::options so;
    so.path = a.dir + "/lapor.db";
    so.synchronous_full = a.sync_full;
    lapor::store::group_writer writer(so);
    lapor::store::read_pool reader(so.path);
    g::tracking_key key{};
    g::random_bytes(key.data(), key.size());
    g::tracking_id_codec ids(key);
    auto calendar = g::holiday_calendar::embedded();
    g::metrics stats;
    writer.set_commit_observer([&stats](std::size_t n, std::chrono::microseconds took, bool ok) {
      stats.commit_latency.observe(took);
      stats.commit_groups.fetch_add(1, std::memory_order_relaxed);
      if (ok) stats.commit_rows.fetch_add(n, std::memory_order_relaxed);
    });
    g::pipeline core({}, ids, calendar, writer, stats);

    std::printf("http_load: %d connections, %d s per run, %d server threads, in-process store synchronous=%s, %s texts, %u cores\n",
                a.connections, a.seconds, a.server_threads, a.sync_full ? "FULL" : "NORMAL",
                a.campaign ? "campaign" : "varied", std::thread::hardware_concurrency());
    run_ceiling(a);

    net::io_context io(a.server_threads);
    std::vector<g::mobile_api_key> keys{{a.key_id, a.secret}};
    g::rate_limiter limiter(0);
    g::attachment_store files(a.dir);
    g::blocking_pool uploads("uploads", 1, 64);
    g::store_status_source statuses(ids, reader);
    lapor::mobile::mobile_api api({}, {keys, statuses, limiter, uploads, files});
    g::http_router routes;
    api.add_routes(routes);
    api.start(core);
    g::http_limits limits;
    g::http_server server(io, "api", {"127.0.0.1", 0}, limits,
                          [&routes](g::http_request&& r, g::http_responder s) { routes.handle(std::move(r), std::move(s)); });
    server.start();
    std::vector<std::thread> threads;
    for (int i = 0; i < a.server_threads; ++i) threads.emplace_back([&io] { io.run(); });
    auto durable = drive({net::ip::make_address("127.0.0.1"), server.port()}, true, a);
    failed = durable.ok == 0;
    const auto groups = stats.commit_groups.load(), rows = stats.commit_rows.load();
    report("durable signed POST /api/v1/reports", std::move(durable));
    std::printf("store: %llu rows in %llu commits (%.1f rows per fsync'd commit)\n", static_cast<unsigned long long>(rows),
                static_cast<unsigned long long>(groups), groups ? static_cast<double>(rows) / static_cast<double>(groups) : 0.0);

    api.stop();
    server.stop();
    io.stop();
    for (auto& t : threads) t.join();
    writer.stop();
    reader.stop();
  }
  if (own_dir) std::filesystem::remove_all(a.dir);
  return failed ? 1 : 0;
}

}  // namespace

int main(int argc, char** argv) {
  args a;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i], v = argv[i + 1];
    if (k == "--seconds") a.seconds = std::atoi(v.c_str());
    else if (k == "--connections") a.connections = std::atoi(v.c_str());
    else if (k == "--server-threads") a.server_threads = std::atoi(v.c_str());
    else if (k == "--dir") a.dir = v;
    else if (k == "--sync") a.sync_full = v != "normal";
    else if (k == "--target") a.target = v;
    else if (k == "--key-id") a.key_id = v;
    else if (k == "--secret") a.secret = v;
    else if (k == "--daemon-pid") a.daemon_pid = std::atoi(v.c_str());
    else if (k == "--texts") a.campaign = v == "campaign";
    else if (k == "--reporter-offset") a.reporter_offset = std::atoi(v.c_str());
    else {
      std::fprintf(stderr,
                   "usage: http_load [--seconds S] [--connections C] [--server-threads T] [--dir PATH] [--sync full|normal]\n"
                   "                 [--texts varied|campaign] [--target HOST:PORT [--key-id ID] [--secret S] [--daemon-pid PID]]\n"
                   "                 [--reporter-offset N]\n");
      return 2;
    }
  }
  if ((argc - 1) % 2 != 0 || a.seconds < 1 || a.connections < 1 || a.server_threads < 1) {
    std::fprintf(stderr, "http_load: options take one value each; seconds, connections and threads are >= 1\n");
    return 2;
  }
  return a.target.empty() ? run_in_process(a) : run_against_daemon(a);
}
