// http_load: durable, signed mobile-API submissions over keep-alive HTTP/1.1, side by side
// with a bare "200 OK" handler on the same Beast listener (the ceiling of the HTTP layer).
//
//   http_load [--seconds S] [--connections C] [--server-threads T] [--dir PATH] [--sync full|normal]
//
// In one process, so it needs no daemon binary: the real store (group writer, SQLite WAL,
// synchronous=FULL by default), the real pipeline and the real mobile API routes on an
// http_server, plus a second http_server whose handler answers 200 "OK". A closed-loop client
// (one Asio thread, C keep-alive connections, one request in flight each) signs every POST
// (LAPOR-HMAC-SHA256) with a fresh Idempotency-Key and a distinct body, so each one is a new
// complaint committed and fsync'd before its 201. Prints req/s and p50/p99/max latency of
// both runs. Everything shares the machine's cores: the client's cost is in the figures.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

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
  int seconds = 5;
  int connections = 64;
  int server_threads = 2;
  std::string dir;
  bool sync_full = true;
};

struct run_result {
  std::uint64_t ok = 0, errors = 0;
  double seconds = 0;
  std::vector<double> latencies_ms;
  std::map<int, std::uint64_t> statuses;
};

double percentile(std::vector<double>& v, double p) {
  if (v.empty()) return 0;
  auto k = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1));
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
  return v[k];
}

// Builds request i of connection c: signed POST with a distinct body, or a plain GET.
std::string make_request(bool signed_post, int c, std::uint64_t i) {
  if (!signed_post) return "GET / HTTP/1.1\r\nHost: bench\r\n\r\n";
  const std::string body = "{\"title\":\"Jalan rusak " + std::to_string(c) + "-" + std::to_string(i) +
                           "\",\"body\":\"Jalan rusak parah di Jl. Ahmad Yani km " + std::to_string(i) +
                           ", sudah 3 bulan tidak diperbaiki (koneksi " + std::to_string(c) +
                           ")\",\"kind\":\"complaint\",\"reporter\":{\"name\":\"Budi\",\"phone\":\"0812-3456-" +
                           std::to_string(1000 + c) + "\"},\"location\":{\"text\":\"Sampit\",\"lat\":-2.53,\"lon\":112.95}}";
  const auto ts = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  const auto sig = lapor::mobile::sign_request("bench-secret", "POST", "/api/v1/reports", ts, g::sha256_hex(body));
  std::string r = "POST /api/v1/reports HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\n";
  r += "Authorization: LAPOR-HMAC-SHA256 key_id=bench, ts=" + std::to_string(ts) + ", sig=" + sig + "\r\n";
  r += "Idempotency-Key: bench-" + std::to_string(c) + "-" + std::to_string(i) + "\r\n";
  r += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  return r;
}

// Requests are signed before the clock starts (up to 30,000 req/s worth), so the figures
// measure the server, not the client's HMAC; beyond that they are signed on the fly.
net::awaitable<void> client(tcp::endpoint ep, bool signed_post, int c, steady::time_point until, run_result& out,
                            std::atomic<int>& live, const std::vector<std::string>& prepared) {
  try {
    tcp::socket s(co_await net::this_coro::executor);
    co_await s.async_connect(ep, net::use_awaitable);
    s.set_option(tcp::no_delay(true));
    net::streambuf buf;
    for (std::uint64_t i = 0; steady::now() < until; ++i) {
      const std::string req = i < prepared.size() ? prepared[i] : make_request(signed_post, c, i);
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

run_result drive(std::uint16_t port, bool signed_post, const args& a) {
  net::io_context io(1);
  run_result r;
  std::atomic<int> live{a.connections};
  tcp::endpoint ep(net::ip::make_address("127.0.0.1"), port);
  std::vector<std::vector<std::string>> prepared(static_cast<std::size_t>(a.connections));
  const std::size_t per_connection = static_cast<std::size_t>(30000) * static_cast<std::size_t>(a.seconds) /
                                     static_cast<std::size_t>(a.connections) + 1;
  for (int c = 0; c < a.connections; ++c)
    for (std::size_t i = 0; i < per_connection; ++i) prepared[static_cast<std::size_t>(c)].push_back(make_request(signed_post, c, i));
  r.latencies_ms.reserve(per_connection * static_cast<std::size_t>(a.connections));
  const auto start = steady::now();
  const auto until = start + std::chrono::seconds(a.seconds);
  for (int c = 0; c < a.connections; ++c)
    net::co_spawn(io, client(ep, signed_post, c, until, r, live, prepared[static_cast<std::size_t>(c)]), net::detached);
  io.run();
  r.seconds = std::chrono::duration<double>(steady::now() - start).count();
  return r;
}

void report(const char* name, run_result r) {
  const double rps = static_cast<double>(r.ok) / r.seconds;
  auto p50 = percentile(r.latencies_ms, 0.50), p99 = percentile(r.latencies_ms, 0.99);
  double max = r.latencies_ms.empty() ? 0 : *std::max_element(r.latencies_ms.begin(), r.latencies_ms.end());
  std::printf("%-34s %10.0f req/s   p50 %7.2f ms   p99 %7.2f ms   max %7.2f ms   ok %llu  errors %llu\n", name, rps, p50,
              p99, max, static_cast<unsigned long long>(r.ok), static_cast<unsigned long long>(r.errors));
  if (r.errors)
    for (auto [st, n] : r.statuses) std::printf("    status %d: %llu\n", st, static_cast<unsigned long long>(n));
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
    else {
      std::fprintf(stderr, "usage: http_load [--seconds S] [--connections C] [--server-threads T] [--dir PATH] [--sync full|normal]\n");
      return 2;
    }
  }
  const bool own_dir = a.dir.empty();
  if (own_dir) a.dir = (std::filesystem::temp_directory_path() / ("lapor-http-load-" + std::to_string(::getpid()))).string();
  std::filesystem::create_directories(a.dir);

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

    net::io_context io(a.server_threads);
    std::vector<g::mobile_api_key> keys{{"bench", "bench-secret"}};
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
    g::http_server bare(io, "bare", {"127.0.0.1", 0}, limits, [](g::http_request&&, g::http_responder s) {
      s(g::http_response::text(200, "OK"));
    });
    server.start();
    bare.start();
    std::vector<std::thread> threads;
    for (int i = 0; i < a.server_threads; ++i) threads.emplace_back([&io] { io.run(); });

    std::printf("http_load: %d connections, %d s per run, %d server threads, synchronous=%s, %u cores\n", a.connections,
                a.seconds, a.server_threads, a.sync_full ? "FULL" : "NORMAL", std::thread::hardware_concurrency());
    report("bare Beast 200 OK (ceiling)", drive(bare.port(), false, a));
    auto durable = drive(server.port(), true, a);
    const auto groups = stats.commit_groups.load(), rows = stats.commit_rows.load();
    report("durable signed POST /api/v1/reports", std::move(durable));
    std::printf("store: %llu rows in %llu commits (%.1f rows per fsync'd commit)\n", static_cast<unsigned long long>(rows),
                static_cast<unsigned long long>(groups), groups ? static_cast<double>(rows) / static_cast<double>(groups) : 0.0);

    server.stop();
    bare.stop();
    io.stop();
    for (auto& t : threads) t.join();
    writer.stop();
    reader.stop();
  }
  if (own_dir) std::filesystem::remove_all(a.dir);
  return 0;
}
