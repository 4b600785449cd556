// outbox_drain: the two halves of bench/run_outbox_drain.sh (issue 16, "outbox drain after an
// outage"), which starts the real daemon between them.
//
//   outbox_drain fill --data-dir DIR [--rows N]
//       Writes N complaints, each with its pending 'dispatcher' outbox row, into DIR/lapor.db
//       through the store's own group writer (the daemon's schema and migrations): the backlog
//       a dispatcher outage of some hours leaves. The documents are ~800-byte canonical
//       complaints of tracking node 1, as the pipeline stores them.
//
//   outbox_drain serve --port-file FILE [--threads T]
//       A dispatcher that answers at once: every POST gets 200 {"accepted":true} over
//       keep-alive, a JSON array (dispatcher.batch = true) as well as one document. It counts
//       requests and documents; GET /_stats answers {"requests":R,"documents":D}. Writes its
//       port to FILE once it listens; runs until SIGTERM/SIGINT. The daemon's own Beast server
//       (gateway/http_server), so the fake costs what the daemon's HTTP layer costs.
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <latch>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include "gateway/http_server.h"
#include "store/store.h"

namespace {

namespace g = lapor::gateway;
namespace s = lapor::store;

std::string tracking_for(std::int64_t n) {
  static const char alphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
  std::string t = "LPR-";
  std::uint64_t x = static_cast<std::uint64_t>(n) * 0x9e3779b97f4a7c15ull;
  for (int i = 0; i < 9; ++i, x >>= 5) {
    if (i == 4) t += '-';
    t += alphabet[x & 31];
  }
  return t + "-Z";
}

std::string document_for(std::int64_t n, const std::string& tracking_id) {
  return R"({"schema":"lapor.complaint/v1","tracking_id":")" + tracking_id +
         R"(","channel":"sms","channel_ref":{"operator":"telkomsel","source_addr":"+62812)" + std::to_string(10000000 + n % 90000000) +
         R"(","destination_addr":"1708","message_id":")" + tracking_id +
         R"("},"received_at":"2026-12-01T10:15:30.123Z","reporter":{"name":null,"phone":"+62812)" +
         std::to_string(10000000 + n % 90000000) +
         R"(","email":null,"twitter":null},"anonymous":false,"confidential":false,"kind":"complaint",)"
         R"("title":"Jalan rusak parah di Jl. Ahmad Yani km 5, sudah 3 bulan tidak diperbaiki",)"
         R"("body":"Jalan rusak parah di Jl. Ahmad Yani km 5, sudah 3 bulan tidak diperbaiki. Lubang besar )"
         R"(membahayakan pengendara motor, sudah dua orang jatuh minggu ini. Laporan nomor )" +
         std::to_string(n) +
         R"(.","location":{"text":null,"lat":null,"lon":null,"region":{"code":"62.02","level":"regency",)"
         R"("province":"Kalimantan Tengah","regency":"Kabupaten Kotawaringin Timur","district":null,)"
         R"("village":null,"source":"text"}},"attachments":[],"sla":{"verify_by":"2026-12-04",)"
         R"("respond_within_working_days":14}})";
}

int fill(const std::string& data_dir, std::int64_t rows) {
  std::filesystem::create_directories(data_dir);
  s::options o;
  o.path = (std::filesystem::path(data_dir) / "lapor.db").string();
  o.queue_limit = 1 << 20;  // the window below bounds what is queued; no refusals for a fill
  s::group_writer w(o);
  const auto t0 = std::chrono::steady_clock::now();
  constexpr std::int64_t window = 4096;
  std::atomic<std::int64_t> in_flight{0}, failed{0};
  for (std::int64_t seq = 1; seq <= rows; ++seq) {
    while (in_flight.load(std::memory_order_acquire) >= window) std::this_thread::sleep_for(std::chrono::microseconds(200));
    s::complaint_row r;
    r.id = (std::int64_t{1} << 32) | seq;  // tracking node 1, sequence seq (the daemon continues after it)
    r.tracking_id = tracking_for(seq);
    r.channel = "sms";
    r.received_at_ms = 1'795'000'000'000 + seq;
    r.document = document_for(seq, r.tracking_id);
    r.status_meta = R"({"kind":"complaint","verify_by":"2026-12-04","respond_within_working_days":14,"anonymous":false,"confidential":false,"region":null})";
    in_flight.fetch_add(1, std::memory_order_acq_rel);
    w.insert_complaint(std::move(r), [&](s::write_result res) {
      if (res.status != s::write_status::stored && failed.fetch_add(1, std::memory_order_relaxed) < 3)
        std::fprintf(stderr, "fill: a row was not stored: status %d %s\n", static_cast<int>(res.status), res.error.c_str());
      in_flight.fetch_sub(1, std::memory_order_acq_rel);
    });
  }
  while (in_flight.load(std::memory_order_acquire) > 0) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("fill: %lld complaints with a pending dispatcher row in %.1f s (%.0f/s), %lld failed\n",
              static_cast<long long>(rows), secs, static_cast<double>(rows) / secs, static_cast<long long>(failed.load()));
  return failed.load() == 0 ? 0 : 1;
}

// Documents in a body: a lapor.*/v1 object per "schema" key (one, or an array of them).
std::int64_t documents_in(std::string_view body) {
  std::int64_t n = 0;
  for (auto at = body.find("\"schema\":"); at != std::string_view::npos; at = body.find("\"schema\":", at + 9)) ++n;
  return n;
}

int serve(const std::string& port_file, int threads) {
  boost::asio::io_context io(threads);
  std::atomic<std::int64_t> requests{0}, documents{0};
  g::http_limits limits;
  limits.body_limit = limits.memory_body_limit = 64 * 1024 * 1024;  // batches of many documents
  limits.idle_timeout_ms = 600000;
  g::http_server server(io, "dispatcher", {"127.0.0.1", 0}, limits, [&](g::http_request&& r, g::http_responder answer) {
    if (r.method == "GET") {
      answer(g::http_response::json(200, "{\"requests\":" + std::to_string(requests.load()) +
                                             ",\"documents\":" + std::to_string(documents.load()) + "}"));
      return;
    }
    requests.fetch_add(1, std::memory_order_relaxed);
    documents.fetch_add(documents_in(r.body), std::memory_order_relaxed);
    answer(g::http_response::json(200, "{\"accepted\":true}"));
  });
  server.start();
  {
    std::ofstream f(port_file + ".tmp");
    f << server.port() << "\n";
  }
  std::filesystem::rename(port_file + ".tmp", port_file);
  boost::asio::signal_set stop(io, SIGTERM, SIGINT);
  stop.async_wait([&](auto, int) {
    server.stop();
    io.stop();
  });
  std::vector<std::thread> pool;
  for (int i = 1; i < threads; ++i) pool.emplace_back([&io] { io.run(); });
  io.run();
  for (auto& t : pool) t.join();
  return 0;
}

int usage() {
  std::fprintf(stderr,
               "usage: outbox_drain fill --data-dir DIR [--rows N]\n"
               "       outbox_drain serve --port-file FILE [--threads T]\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return usage();
  const std::string mode = argv[1];
  std::string data_dir, port_file;
  std::int64_t rows = 1'000'000;
  int threads = 1;
  for (int i = 2; i + 1 < argc; i += 2) {
    const std::string k = argv[i], v = argv[i + 1];
    if (k == "--data-dir") data_dir = v;
    else if (k == "--rows") rows = std::atoll(v.c_str());
    else if (k == "--port-file") port_file = v;
    else if (k == "--threads") threads = std::atoi(v.c_str());
    else return usage();
  }
  if (mode == "fill" && !data_dir.empty() && rows > 0) return fill(data_dir, rows);
  if (mode == "serve" && !port_file.empty() && threads > 0) return serve(port_file, threads);
  return usage();
}
