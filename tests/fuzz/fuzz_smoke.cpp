// fuzz_smoke: the fuzz targets without libFuzzer, for the normal (gcc) build and CTest.
//
//   fuzz_smoke [--seconds S] [--seed N] [--corpus DIR] [--target NAME] [FILE...]
//
// For each target: runs every file of DIR/<target>/, then seeded random mutations of them
// (bit flips, interesting octets, truncation, splices, insertions, deletions, 16- and
// 32-bit big-endian length-field tweaks) until its share of S seconds (default 15) is used.
// With FILE arguments, runs just those files through --target (reproducing a crash).
// A broken property traps; the input being run is then written to
// fuzz_smoke-crash-<target>-<seed>.bin in the working directory before the process dies.
// Exit status: 0 when every input ran, 2 on a usage or corpus error.
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "tests/fuzz/fuzz_targets.h"

namespace fs = std::filesystem;
using bytes = std::vector<std::uint8_t>;

namespace {

// What the crash handler writes out (set before each run; plain globals: read in a handler).
const std::uint8_t* g_current = nullptr;
std::size_t g_current_size = 0;
char g_crash_path[512] = "fuzz_smoke-crash.bin";

extern "C" void on_crash(int sig) {
  int fd = ::open(g_crash_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd >= 0) {
    if (g_current && g_current_size > 0) (void)!::write(fd, g_current, g_current_size);
    ::close(fd);
  }
  static const char msg[] = "fuzz_smoke: crash; input written to ";
  (void)!::write(2, msg, sizeof msg - 1);
  (void)!::write(2, g_crash_path, std::strlen(g_crash_path));
  (void)!::write(2, "\n", 1);
  ::signal(sig, SIG_DFL);
  ::raise(sig);
}

void install_crash_handler() {
  for (int sig : {SIGILL, SIGSEGV, SIGABRT, SIGBUS, SIGFPE, SIGTRAP}) ::signal(sig, on_crash);
}

void run(lapor::fuzz::entry_fn fn, const bytes& input) {
  g_current = input.data();
  g_current_size = input.size();
  (void)fn(input.data(), input.size());
  g_current = nullptr;
  g_current_size = 0;
}

bool read_file(const fs::path& p, bytes& out) {
  std::ifstream f(p, std::ios::binary);
  if (!f) return false;
  out.assign(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
  return true;
}

class mutator {
 public:
  explicit mutator(std::uint64_t seed) : rng_(seed) {}

  std::size_t below(std::size_t n) { return n == 0 ? 0 : std::uniform_int_distribution<std::size_t>(0, n - 1)(rng_); }

  bytes next(const std::vector<bytes>& pool) {
    bytes b = pool.empty() ? bytes{} : pool[below(pool.size())];
    const std::size_t rounds = 1 + below(5);
    for (std::size_t r = 0; r < rounds; ++r) mutate(b, pool);
    if (b.size() > max_size) b.resize(max_size);
    return b;
  }

 private:
  static constexpr std::size_t max_size = 64 * 1024;

  void mutate(bytes& b, const std::vector<bytes>& pool) {
    static const std::uint8_t interesting[] = {0x00, 0x01, 0x05, 0x08, 0x0A, 0x0D, 0x1B, 0x20, 0x22, 0x2D,
                                               0x3D, 0x40, 0x5B, 0x5C, 0x7B, 0x7F, 0x80, 0xC0, 0xD8, 0xDC,
                                               0xE0, 0xEF, 0xF0, 0xFE, 0xFF};
    switch (below(10)) {
      case 0:  // flip a bit
        if (!b.empty()) b[below(b.size())] ^= static_cast<std::uint8_t>(1u << below(8));
        break;
      case 1:  // an interesting octet
        if (!b.empty()) b[below(b.size())] = interesting[below(std::size(interesting))];
        break;
      case 2:  // a random octet
        if (!b.empty()) b[below(b.size())] = static_cast<std::uint8_t>(below(256));
        break;
      case 3:  // truncate
        b.resize(below(b.size() + 1));
        break;
      case 4: {  // splice: our head, another input's tail
        if (pool.empty()) break;
        const bytes& other = pool[below(pool.size())];
        b.resize(below(b.size() + 1));
        const std::size_t from = below(other.size() + 1);
        b.insert(b.end(), other.begin() + static_cast<std::ptrdiff_t>(from), other.end());
        break;
      }
      case 5: {  // insert a run of random or repeated octets
        const std::size_t at = below(b.size() + 1), n = 1 + below(16);
        const auto fill = static_cast<std::uint8_t>(below(256));
        const bool same = below(2) == 0;
        bytes run(n);
        for (auto& x : run) x = same ? fill : static_cast<std::uint8_t>(below(256));
        b.insert(b.begin() + static_cast<std::ptrdiff_t>(at), run.begin(), run.end());
        break;
      }
      case 6: {  // delete a range
        if (b.empty()) break;
        const std::size_t at = below(b.size()), n = 1 + below(std::min<std::size_t>(16, b.size() - at));
        b.erase(b.begin() + static_cast<std::ptrdiff_t>(at), b.begin() + static_cast<std::ptrdiff_t>(at + n));
        break;
      }
      case 7: {  // duplicate a range
        if (b.empty() || b.size() > max_size / 2) break;
        const std::size_t at = below(b.size()), n = 1 + below(b.size() - at);
        bytes copy(b.begin() + static_cast<std::ptrdiff_t>(at), b.begin() + static_cast<std::ptrdiff_t>(at + n));
        b.insert(b.begin() + static_cast<std::ptrdiff_t>(below(b.size() + 1)), copy.begin(), copy.end());
        break;
      }
      case 8:  // a 32-bit big-endian length field (SMPP command_length, ...)
        tweak_length(b, 4);
        break;
      default:  // a 16-bit big-endian length field (TLV length, ...) or an 8-bit one
        tweak_length(b, below(2) == 0 ? 2 : 1);
        break;
    }
  }

  void tweak_length(bytes& b, std::size_t width) {
    if (b.size() < width) return;
    // Length fields of the SMPP seeds sit at octet 1 (after the control octet) and in TLVs.
    const std::size_t at = below(3) == 0 ? std::min<std::size_t>(1, b.size() - width) : below(b.size() - width + 1);
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < width; ++i) v = (v << 8) | b[at + i];
    const std::uint64_t max = width == 4 ? 0xFFFFFFFFu : width == 2 ? 0xFFFFu : 0xFFu;
    switch (below(6)) {
      case 0: v = v + 1; break;
      case 1: v = v - 1; break;
      case 2: v = 0; break;
      case 3: v = max; break;
      case 4: v = b.size() - at + below(3) - 1; break;  // "the rest of the input", off by one
      default: v = v + below(64) - 32; break;
    }
    v &= max;
    for (std::size_t i = 0; i < width; ++i) b[at + i] = static_cast<std::uint8_t>(v >> (8 * (width - 1 - i)));
  }

  std::mt19937_64 rng_;
};

int usage() {
  std::fprintf(stderr, "usage: fuzz_smoke [--seconds S] [--seed N] [--corpus DIR] [--target NAME] [FILE...]\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  double seconds = 15;
  std::uint64_t seed = 1708;
  if (const char* s = std::getenv("LAPOR_FUZZ_SEED")) seed = std::strtoull(s, nullptr, 10);
  std::string corpus = LAPOR_FUZZ_CORPUS_DIR;
  std::string only;
  std::vector<std::string> files;
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    auto value = [&]() -> const char* { return i + 1 < argc ? argv[++i] : nullptr; };
    if (a == "--seconds") {
      const char* v = value();
      if (!v) return usage();
      seconds = std::strtod(v, nullptr);
    } else if (a == "--seed") {
      const char* v = value();
      if (!v) return usage();
      seed = std::strtoull(v, nullptr, 10);
    } else if (a == "--corpus") {
      const char* v = value();
      if (!v) return usage();
      corpus = v;
    } else if (a == "--target") {
      const char* v = value();
      if (!v) return usage();
      only = v;
    } else if (a.starts_with("--")) {
      return usage();
    } else {
      files.emplace_back(a);
    }
  }
  if (!(seconds > 0 && seconds <= 3600)) return usage();
  if (!files.empty() && only.empty()) {
    std::fprintf(stderr, "fuzz_smoke: FILE arguments need --target\n");
    return 2;
  }
  install_crash_handler();

  std::vector<const lapor::fuzz::target*> targets;
  for (const auto& t : lapor::fuzz::all_targets)
    if (only.empty() || t.name == only) targets.push_back(&t);
  if (targets.empty()) {
    std::fprintf(stderr, "fuzz_smoke: no target named %s\n", only.c_str());
    return 2;
  }

  const auto budget = std::chrono::duration<double>(seconds / static_cast<double>(targets.size()));
  for (std::size_t ti = 0; ti < targets.size(); ++ti) {
    const auto& t = *targets[ti];
    std::snprintf(g_crash_path, sizeof g_crash_path, "fuzz_smoke-crash-%.*s-%llu.bin", static_cast<int>(t.name.size()),
                  t.name.data(), static_cast<unsigned long long>(seed));
    std::vector<bytes> pool;
    std::vector<fs::path> paths;
    if (!files.empty()) {
      for (const auto& f : files) paths.emplace_back(f);
    } else {
      const fs::path dir = fs::path(corpus) / std::string(t.name);
      std::error_code ec;
      for (const auto& e : fs::directory_iterator(dir, ec))
        if (e.is_regular_file()) paths.push_back(e.path());
      if (ec || paths.empty()) {
        std::fprintf(stderr, "fuzz_smoke: no seed corpus in %s\n", dir.c_str());
        return 2;
      }
      std::sort(paths.begin(), paths.end());
    }
    for (const auto& p : paths) {
      bytes b;
      if (!read_file(p, b)) {
        std::fprintf(stderr, "fuzz_smoke: cannot read %s\n", p.c_str());
        return 2;
      }
      run(t.run, b);
      pool.push_back(std::move(b));
    }
    if (!files.empty()) {
      std::printf("%-13s %zu file(s) ran\n", std::string(t.name).c_str(), pool.size());
      continue;
    }

    mutator m(seed + ti);
    std::uint64_t runs = 0;
    const auto start = std::chrono::steady_clock::now();
    const auto deadline = start + std::chrono::duration_cast<std::chrono::steady_clock::duration>(budget);
    while (std::chrono::steady_clock::now() < deadline) {
      for (int k = 0; k < 64; ++k, ++runs) run(t.run, m.next(pool));
    }
    const double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("%-13s %3zu seeds, %8llu mutations in %.1f s (seed %llu)\n", std::string(t.name).c_str(), pool.size(),
                static_cast<unsigned long long>(runs), took, static_cast<unsigned long long>(seed + ti));
    std::fflush(stdout);
  }
  return 0;
}
