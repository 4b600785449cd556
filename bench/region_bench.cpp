// region_bench: the region resolver's speed on one core, its start-up cost and its memory.
//
//   region_bench [CASES=tests/data/region/region_cases.jsonl] [SECONDS=3]
//
// 1. loads the embedded index (idn-area-data) and builds the name index: wall time and the
//    resident memory it adds (/proc/self/statm) — the daemon pays these once at start;
// 2. resolves the corpus' SMS-length texts (location + title + body cut to 160 bytes) on
//    this thread for SECONDS: resolutions/s by the wall clock and CPU ns per resolution by
//    the thread's CPU clock (which holds on a busy machine);
// 3. the ceiling, in the same run: only splitting the same texts into words (what any
//    resolver must do at least), so the ratio says how much the lookups and the decision cost.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <tuple>
#include <string>
#include <vector>

#include <time.h>
#include <unistd.h>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include "gateway/region/place_words.h"
#include "gateway/region/resolver.h"

using namespace lapor::region;
using steady = std::chrono::steady_clock;

namespace {

double thread_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

double resident_mb() {
  std::ifstream f("/proc/self/statm");
  long pages = 0, resident = 0;
  f >> pages >> resident;
  return static_cast<double>(resident) * static_cast<double>(sysconf(_SC_PAGESIZE)) / (1024.0 * 1024.0);
}

struct text {
  std::string location, title, body;
};

// Runs `fn` over the texts until `seconds` pass; returns {calls, wall s, cpu s}.
template <class F>
std::tuple<std::size_t, double, double> run(const std::vector<text>& texts, double seconds, F&& fn) {
  std::size_t calls = 0;
  const auto start = steady::now();
  const double cpu0 = thread_cpu_seconds();
  double wall = 0;
  while (wall < seconds) {
    for (const auto& t : texts) fn(t);
    calls += texts.size();
    wall = std::chrono::duration<double>(steady::now() - start).count();
  }
  return {calls, wall, thread_cpu_seconds() - cpu0};
}

}  // namespace

int main(int argc, char** argv) {
  const std::string path = argc > 1 ? argv[1] : "tests/data/region/region_cases.jsonl";
  const double seconds = argc > 2 ? std::stod(argv[2]) : 3.0;
  std::ifstream in(path);
  if (!in) {
    std::fprintf(stderr, "region_bench: cannot read %s (run from the source tree or pass the path)\n", path.c_str());
    return 2;
  }
  std::vector<text> texts;
  std::size_t bytes = 0;
  for (std::string line; std::getline(in, line);) {
    if (line.empty()) continue;
    const auto c = boost::json::parse(line).as_object();
    text t{std::string(c.at("location").as_string()), std::string(c.at("title").as_string()),
           std::string(c.at("body").as_string())};
    // SMS length: at most 160 bytes of text in all (cut at a byte; the resolver takes any bytes).
    std::size_t room = 160;
    for (auto* s : {&t.location, &t.title, &t.body}) {
      if (s->size() > room) s->resize(room);
      room -= s->size();
    }
    bytes += t.location.size() + t.title.size() + t.body.size();
    texts.push_back(std::move(t));
  }

  const double rss0 = resident_mb();
  const auto t0 = steady::now();
  const auto& r = resolver::embedded();
  const double load_ms = std::chrono::duration<double, std::milli>(steady::now() - t0).count();
  const double rss1 = resident_mb();
  std::printf("region_bench: %s, %zu units; %zu texts, %.0f bytes each on average\n",
              std::string(r.table().dataset()).c_str(), r.table().size(), texts.size(),
              static_cast<double>(bytes) / static_cast<double>(texts.size()));
  std::printf("  start-up: index loaded in %.0f ms, +%.1f MB resident\n", load_ms, rss1 - rss0);

  std::size_t found = 0;
  // REGION_BENCH_PASSES=N: exactly N passes over the texts and nothing else, for counting
  // instructions per resolution (bench/instructions_per_call.sh), which do not move with the
  // machine's other load.
  if (const char* passes = std::getenv("REGION_BENCH_PASSES")) {
    const auto n = std::strtoul(passes, nullptr, 10);
    for (unsigned long p = 0; p < n; ++p)
      for (const auto& t : texts) found += r.resolve({t.location, t.title, t.body, {}, {}}).unit != no_unit;
    std::printf("  calls: %lu\n", n * texts.size());
    return found == 0 ? 1 : 0;
  }
  run(texts, 0.3, [&](const text& t) { found += r.resolve({t.location, t.title, t.body, {}, {}}).unit != no_unit; });  // warm
  const auto [n, wall, cpu] =
      run(texts, seconds, [&](const text& t) { found += r.resolve({t.location, t.title, t.body, {}, {}}).unit != no_unit; });
  std::string buf;
  std::vector<word> words;
  std::size_t word_count = 0;
  // REGION_BENCH_NO_CEILING=1: the resolver alone (for a profiler).
  const double ceiling_seconds = std::getenv("REGION_BENCH_NO_CEILING") ? 0.01 : seconds;
  const auto [cn, cwall, ccpu] = run(texts, ceiling_seconds, [&](const text& t) {
    buf.clear();
    words.clear();
    buf.reserve(t.location.size() + t.title.size() + t.body.size());
    split_words(t.location, buf, words);
    split_words(t.title, buf, words);
    split_words(t.body, buf, words);
    word_count += words.size();
  });
  std::printf("  resolve:  %.0f resolutions/s (wall), %.0f ns CPU each\n", static_cast<double>(n) / wall,
              cpu / static_cast<double>(n) * 1e9);
  std::printf("  ceiling:  %.0f texts/s split into words only (wall), %.0f ns CPU each\n",
              static_cast<double>(cn) / cwall, ccpu / static_cast<double>(cn) * 1e9);
  std::printf("  resolve costs %.1fx the word split; target >= 200000 resolutions/s: %s\n",
              (cpu / static_cast<double>(n)) / (ccpu / static_cast<double>(cn)),
              static_cast<double>(n) / cpu >= 200000 ? "met (by CPU time)" : "NOT met");
  return found == 0 && word_count == 0 ? 1 : 0;
}
