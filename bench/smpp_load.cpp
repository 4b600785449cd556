// smpp_load: an SMPP 3.4 load generator (ESME) for lapor-gateway's SMPP server.
//
//   smpp_load --port P [--host 127.0.0.1] [--binds 4] [--window 50] [--seconds 10 | --messages N]
//             [--system-id bench] [--password bench] [--short-code 1708] [--threads 1]
//             [--throttle-pause-ms 5] [--drain-ms 5000] [--reply-wait-ms 2000] [--number-base N]
//             [--texts templates|varied]
//   smpp_load --self-test [--seconds 2 | --messages N]   (against an in-process fake SMSC)
//
// Opens `binds` bind_transceiver sessions; each keeps `window` submit_sm outstanding at full
// speed (a new one as soon as a submit_sm_resp comes back) for `seconds` from its
// bind_transceiver_resp, or until `messages` were sent in all. Every MO has its own sender
// number and its own Indonesian complaint text (GSM 03.38, data_coding 0, one SMS): by
// default from 12 templates (campaign-like: the daemon's dedup marks many as related), with
// --texts varied from independent pools of phrases (unrelated citizens).
// Responses are matched by sequence number and counted: status 0, ESME_RTHROTTLED (then the
// bind pauses --throttle-pause-ms before sending more), other statuses, generic_nack. The
// deliver_sm replies the server pushes on the transceiver binds (the tracking ID SMS) are
// answered with deliver_sm_resp and counted; enquire_link is answered. After sending stops,
// each bind waits for its outstanding responses (--drain-ms), then for the replies still
// missing (--reply-wait-ms), then unbinds.
//
// Prints MO/s (status 0 responses per second, from the first submit_sm to the last response)
// and p50/p99/max of submit_sm -> submit_sm_resp latency (from handing the PDU to the socket
// to reading its response), then a RESULT line for scripts. With --threads T the binds are
// spread over T io_contexts, one thread each. Exit status: 0 when every bind bound, ran and
// unbound cleanly (and, with --self-test, every count matched the fake SMSC's), 1 otherwise,
// 2 on bad arguments.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_set>
#include <vector>

#include <sys/resource.h>

#include <boost/asio/io_context.hpp>

#include "bench/smpp_load/esme_bind.h"
#include "bench/smpp_load/fake_smsc.h"
#include "channels/sms/smpp_status.h"

namespace net = boost::asio;
namespace b = lapor::bench;
using b::steady;

namespace {

int usage(const char* why) {
  std::fprintf(stderr,
               "smpp_load: %s\n"
               "usage: smpp_load --port P [--host IP] [--binds N] [--window W] [--seconds S | --messages N]\n"
               "                 [--system-id ID] [--password PW] [--short-code C] [--threads T]\n"
               "                 [--throttle-pause-ms MS] [--drain-ms MS] [--reply-wait-ms MS] [--number-base N]\n"
               "                 [--texts templates|varied]\n"
               "       smpp_load --self-test [--seconds S | --messages N] [--binds N] [--window W]\n",
               why);
  return 2;
}

struct totals {
  int binds = 0, bound = 0;
  std::vector<std::string> failures;
  std::uint64_t submitted = 0, accepted = 0, throttled = 0, rejected = 0, nacked = 0, unanswered = 0;
  std::uint64_t deliver_sm = 0, enquire_link = 0, other_pdus = 0, undecodable = 0, unmatched = 0;
  std::map<std::uint32_t, std::uint64_t> reject_statuses;
  std::vector<std::uint32_t> latencies_us;
  steady::time_point first{steady::time_point::max()}, last{};
  std::string sample_reply;
};

totals sum(const std::vector<std::shared_ptr<b::esme_bind>>& binds) {
  totals t;
  for (std::size_t i = 0; i < binds.size(); ++i) {
    const auto& s = binds[i]->stats();
    ++t.binds;
    if (s.bound) ++t.bound;
    if (!s.failure.empty()) t.failures.push_back("bind " + std::to_string(i) + ": " + s.failure);
    t.submitted += s.submitted;
    t.accepted += s.accepted;
    t.throttled += s.throttled;
    t.rejected += s.rejected;
    t.nacked += s.nacked;
    t.unanswered += s.unanswered;
    t.deliver_sm += s.deliver_sm;
    t.enquire_link += s.enquire_link;
    t.other_pdus += s.other_pdus;
    t.undecodable += s.undecodable;
    t.unmatched += s.unmatched_resps;
    for (auto [st, n] : s.reject_statuses) t.reject_statuses[st] += n;
    t.latencies_us.insert(t.latencies_us.end(), s.latencies_us.begin(), s.latencies_us.end());
    if (s.submitted) t.first = std::min(t.first, s.first_submit);
    t.last = std::max(t.last, s.last_resp);
    if (t.sample_reply.empty()) t.sample_reply = s.sample_reply;
  }
  return t;
}

double percentile_ms(std::vector<std::uint32_t>& v, double p) {
  if (v.empty()) return 0;
  auto k = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
  return v[k] / 1000.0;
}

std::string status_text(std::uint32_t st) {
  auto name = lapor::sms::status::name(st);
  char hex[16];
  std::snprintf(hex, sizeof hex, "0x%08X", st);
  return name.empty() ? std::string(hex) : std::string(name);
}

// Prints the report; returns the MO/s.
double report(const b::load_options& o, totals& t) {
  const double secs = t.last > t.first ? std::chrono::duration<double>(t.last - t.first).count() : 0;
  const double mo_s = secs > 0 ? static_cast<double>(t.accepted) / secs : 0;
  const double p50 = percentile_ms(t.latencies_us, 0.50);
  const double p99 = percentile_ms(t.latencies_us, 0.99);
  const double max = t.latencies_us.empty() ? 0 : *std::max_element(t.latencies_us.begin(), t.latencies_us.end()) / 1000.0;
  std::printf("smpp_load: %d bind_transceiver x window %d to %s:%u as %s (%d bound)\n", o.binds, o.window,
              o.host.c_str(), o.port, o.system_id.c_str(), t.bound);
  std::printf("  submit_sm sent        %10llu in %.2f s\n", static_cast<unsigned long long>(t.submitted), secs);
  std::printf("  accepted (ESME_ROK)   %10llu   %.0f MO/s\n", static_cast<unsigned long long>(t.accepted), mo_s);
  std::printf("  throttled             %10llu\n", static_cast<unsigned long long>(t.throttled));
  std::printf("  other statuses        %10llu", static_cast<unsigned long long>(t.rejected));
  for (auto [st, n] : t.reject_statuses)
    std::printf("  %s x%llu", status_text(st).c_str(), static_cast<unsigned long long>(n));
  std::printf("\n  generic_nack          %10llu\n", static_cast<unsigned long long>(t.nacked));
  std::printf("  unanswered            %10llu\n", static_cast<unsigned long long>(t.unanswered));
  std::printf("  deliver_sm answered   %10llu   (reply SMS pushed by the server)\n",
              static_cast<unsigned long long>(t.deliver_sm));
  if (t.enquire_link || t.other_pdus || t.undecodable || t.unmatched)
    std::printf("  enquire_link %llu, other PDUs %llu, undecodable %llu, unmatched resps %llu\n",
                static_cast<unsigned long long>(t.enquire_link), static_cast<unsigned long long>(t.other_pdus),
                static_cast<unsigned long long>(t.undecodable), static_cast<unsigned long long>(t.unmatched));
  std::printf("  submit_sm -> resp     p50 %.2f ms   p99 %.2f ms   max %.2f ms   (%zu samples)\n", p50, p99, max,
              t.latencies_us.size());
  if (!t.sample_reply.empty()) std::printf("  sample reply: %s\n", t.sample_reply.c_str());
  rusage ru{};
  if (::getrusage(RUSAGE_SELF, &ru) == 0) {
    const double cpu = static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
                       static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
    std::printf("  generator CPU         %.2f s (%.1f us per submit_sm, its own cost in the figures)\n", cpu,
                t.submitted ? cpu * 1e6 / static_cast<double>(t.submitted) : 0.0);
  }
  for (const auto& f : t.failures) std::printf("  FAILED %s\n", f.c_str());
  std::printf("RESULT binds=%d window=%d submitted=%llu accepted=%llu throttled=%llu errors=%llu unanswered=%llu "
              "deliver_sm=%llu seconds=%.3f mo_per_s=%.0f p50_ms=%.3f p99_ms=%.3f max_ms=%.3f\n",
              o.binds, o.window, static_cast<unsigned long long>(t.submitted),
              static_cast<unsigned long long>(t.accepted), static_cast<unsigned long long>(t.throttled),
              static_cast<unsigned long long>(t.rejected + t.nacked), static_cast<unsigned long long>(t.unanswered),
              static_cast<unsigned long long>(t.deliver_sm), secs, mo_s, p50, p99, max);
  std::fflush(stdout);
  return mo_s;
}

// Runs the binds over `threads` io_contexts (one thread each; the first runs on this one)
// and returns them once every io_context ran out of work or `limit` passed.
std::vector<std::shared_ptr<b::esme_bind>> run_load(const b::load_options& o,
                                                    const std::vector<net::io_context*>& ios) {
  const auto threads = ios.size();
  b::load_plan plan(o.messages);
  // The run ends when the last bind closes (a fake SMSC's acceptor would keep it going).
  std::atomic<int> open{o.binds};
  auto on_closed = [&] {
    if (open.fetch_sub(1) == 1)
      for (auto* io : ios) io->stop();
  };
  std::vector<std::shared_ptr<b::esme_bind>> binds;
  for (int i = 0; i < o.binds; ++i) {
    auto& io = *ios[static_cast<std::size_t>(i) % threads];
    binds.push_back(std::make_shared<b::esme_bind>(io, o, plan, on_closed));
  }
  for (auto& bind : binds) bind->start();
  // Every phase has its own deadline; this is the backstop for the whole run.
  const auto limit = std::chrono::duration_cast<steady::duration>(
      std::chrono::duration<double>(o.seconds > 0 ? o.seconds : 3600) + o.connect_timeout * 2 + o.drain +
      o.reply_wait + std::chrono::seconds(10));
  std::vector<std::thread> workers;
  for (std::size_t i = 1; i < threads; ++i) workers.emplace_back([&, i] { ios[i]->run_for(limit); });
  ios[0]->run_for(limit);
  for (auto& w : workers) w.join();
  return binds;
}

int self_test(b::load_options o) {
  net::io_context io;
  b::fake_smsc smsc(io, b::fake_smsc_options{o.system_id, o.password, o.short_code, 10, 997});
  o.host = "127.0.0.1";
  o.port = smsc.port();
  o.throttle_pause = std::chrono::milliseconds(1);
  auto binds = run_load(o, {&io});
  smsc.stop();
  auto t = sum(binds);
  (void)report(o, t);

  const auto& c = smsc.counts();
  int failed = 0;
  auto check = [&](bool ok, const char* what, std::uint64_t ours, std::uint64_t theirs) {
    if (ok) return;
    ++failed;
    std::printf("SELF-TEST FAILED: %s (generator %llu, fake SMSC %llu)\n", what, static_cast<unsigned long long>(ours),
                static_cast<unsigned long long>(theirs));
  };
  check(t.failures.empty() && t.bound == o.binds, "every bind bound and unbound cleanly", t.bound, c.binds);
  check(t.submitted > 0 && t.submitted == c.submits, "submit_sm count", t.submitted, c.submits);
  check(o.messages == 0 || t.submitted == o.messages, "--messages budget", t.submitted, o.messages);
  check(t.accepted == c.accepted, "accepted", t.accepted, c.accepted);
  check(t.throttled == c.throttled && c.throttled > 0, "throttled", t.throttled, c.throttled);
  check(t.rejected == 0 && t.nacked == 0 && t.unanswered == 0 && t.unmatched == 0 && t.undecodable == 0,
        "no errors, unanswered or unmatched responses", t.rejected + t.nacked + t.unanswered + t.unmatched, 0);
  check(t.latencies_us.size() == t.submitted, "one latency sample per response", t.latencies_us.size(), t.submitted);
  check(t.deliver_sm == c.deliver_sent && c.deliver_resps == c.deliver_sent, "deliver_sm answered", t.deliver_sm,
        c.deliver_resps);
  check(t.enquire_link == c.enquire_sent && c.enquire_resps == c.enquire_sent, "enquire_link answered",
        t.enquire_link, c.enquire_resps);
  check(c.bad_submits == 0, "every submit_sm is GSM text to the short code", c.bad_submits, 0);
  check(c.senders.size() == c.submits, "one sender per message", c.senders.size(), c.submits);
  check(c.texts.size() == c.submits, "one text per message", c.texts.size(), c.submits);
  check(c.unbinds == static_cast<std::uint64_t>(o.binds), "every bind unbound", c.unbinds, o.binds);
  // Both text styles: one SMS each, and (nearly) all distinct.
  for (auto style : {b::text_style::templates, b::text_style::varied}) {
    std::unordered_set<std::string> distinct;
    std::uint64_t bad = 0;
    constexpr std::uint64_t n = 100000;
    for (std::uint64_t i = 0; i < n; ++i) {
      auto septets = b::complaint_septets(i, style);
      if (septets.empty() || septets.size() > 160 || b::complaint_text(i, style).size() > 160) ++bad;
      distinct.insert(b::complaint_text(i, style));
    }
    check(bad == 0, "texts fit one SMS without cutting", bad, 0);
    check(distinct.size() >= n - n / 1000, "texts are distinct", distinct.size(), n);
  }

  // A wrong password is refused, and said so.
  {
    net::io_context io2;
    b::fake_smsc smsc2(io2, b::fake_smsc_options{o.system_id, o.password + "x", o.short_code, 0, 0});
    auto o2 = o;
    o2.port = smsc2.port();
    o2.binds = 1;
    o2.messages = 10;
    auto binds2 = run_load(o2, {&io2});
    auto t2 = sum(binds2);
    const bool refused = t2.bound == 0 && t2.failures.size() == 1 &&
                         t2.failures[0].find("ESME_RINVPASWD") != std::string::npos && t2.submitted == 0;
    check(refused, "a wrong password is reported as a refused bind", t2.bound, smsc2.counts().refused_binds);
  }
  std::printf(failed ? "SELF-TEST FAILED\n" : "SELF-TEST OK\n");
  return failed ? 1 : 0;
}

}  // namespace

int main(int argc, char** argv) {
  b::load_options o;
  int threads = 1;
  bool self = false, port_given = false, seconds_given = false;
  o.number_base = static_cast<std::uint64_t>(std::chrono::system_clock::now().time_since_epoch().count() / 1000) %
                  1000000000ull;
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    if (a == "--self-test") {
      self = true;
      continue;
    }
    if (i + 1 >= argc) return usage(("missing value after " + std::string(a)).c_str());
    std::string v = argv[++i];
    char* end = nullptr;
    const double num = std::strtod(v.c_str(), &end);
    const bool is_num = end && *end == '\0' && !v.empty();
    auto need_num = [&](double lo, double hi) { return is_num && num >= lo && num <= hi; };
    if (a == "--host") o.host = v;
    else if (a == "--port" && need_num(1, 65535)) o.port = static_cast<std::uint16_t>(num), port_given = true;
    else if (a == "--binds" && need_num(1, 1000)) o.binds = static_cast<int>(num);
    else if (a == "--window" && need_num(1, 100000)) o.window = static_cast<int>(num);
    else if (a == "--seconds" && need_num(0, 86400)) o.seconds = num, seconds_given = true;
    else if (a == "--messages" && need_num(0, 1e12)) o.messages = static_cast<std::uint64_t>(num);
    else if (a == "--system-id") o.system_id = v;
    else if (a == "--password") o.password = v;
    else if (a == "--system-type") o.system_type = v;
    else if (a == "--short-code") o.short_code = v;
    else if (a == "--threads" && need_num(1, 64)) threads = static_cast<int>(num);
    else if (a == "--throttle-pause-ms" && need_num(0, 60000)) o.throttle_pause = std::chrono::milliseconds(static_cast<int>(num));
    else if (a == "--drain-ms" && need_num(0, 600000)) o.drain = std::chrono::milliseconds(static_cast<int>(num));
    else if (a == "--reply-wait-ms" && need_num(0, 600000)) o.reply_wait = std::chrono::milliseconds(static_cast<int>(num));
    else if (a == "--number-base" && need_num(0, 1e18)) o.number_base = static_cast<std::uint64_t>(num);
    else if (a == "--texts" && (v == "templates" || v == "varied"))
      o.texts = v == "varied" ? b::text_style::varied : b::text_style::templates;
    else return usage(("bad option or value: " + std::string(a) + " " + v).c_str());
  }
  if (!seconds_given) o.seconds = o.messages > 0 ? 0 : self ? 2 : 10;  // a count alone decides
  if (o.seconds == 0 && o.messages == 0) return usage("give --seconds or --messages");
  if (self) return self_test(o);
  if (!port_given) return usage("--port is required (the daemon's ports.json \"smpp\")");

  std::vector<std::unique_ptr<net::io_context>> owned;
  std::vector<net::io_context*> ios;
  for (int i = 0; i < std::min(threads, o.binds); ++i) {
    owned.push_back(std::make_unique<net::io_context>(1));
    ios.push_back(owned.back().get());
  }
  auto binds = run_load(o, ios);
  auto t = sum(binds);
  (void)report(o, t);
  return t.failures.empty() && t.bound == o.binds ? 0 : 1;
}
