// dedup_bench: cross-channel duplicate detection at scale, on one core.
//
//   dedup_bench [N=1000000] [LOOKUPS=200000] [--no-rebuild]
//
// 1. sketches N synthetic Indonesian complaints (normalise + sketch: the pipeline's share,
//    per submission, on the submitting thread) and fills the index with them, all within
//    the window: ~40% of reporters send more than one complaint;
// 2. looks up LOOKUPS new complaints (a third reworded repeats of an indexed reporter, the
//    rest new reporters) and prints lookups/s and the p50/p99/max of one lookup: the writer
//    thread's share per row;
// 3. unless --no-rebuild: writes the N sketches into a scratch SQLite database through the
//    group writer (synchronous=OFF) and times dedup_engine::attach, the start-up rebuild.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <future>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <time.h>
#include <unistd.h>

#include "gateway/dedup_engine.h"
#include "store/store.h"

using namespace lapor::gateway;
using namespace lapor::dedup;
using steady = std::chrono::steady_clock;

namespace {

const char* const problems[] = {
    "jalan rusak berlubang", "lampu jalan mati", "sampah menumpuk tidak diangkut", "banjir drainase tersumbat",
    "air pdam tidak mengalir", "listrik padam tanpa pemberitahuan", "ektp belum jadi blangko habis",
    "gaji guru honorer belum dibayar", "puskesmas antre lama obat kosong", "pasien bpjs ditolak rumah sakit",
    "bansos tidak tepat sasaran", "jembatan rusak hampir putus", "parkir liar tanpa karcis",
    "atap sekolah bocor plafon runtuh", "pohon tumbang menutup jalan", "debu truk tambang",
    "irigasi jebol sawah kering", "pupuk subsidi langka", "karaoke bising sampai pagi", "sertifikat ptsl belum terbit"};
const char* const extras[] = {"parah", "sudah lama", "mohon segera", "warga resah", "anak sekolah", "motor jatuh",
                              "malam gelap", "bau menyengat", "tagihan tetap", "petugas tidak datang", "berbahaya",
                              "sering terjadi", "tidak ada tindakan", "mohon ditindak", "sangat mengganggu"};

std::string place(std::mt19937_64& rng) {
  static const char* const syl[] = {"ba", "ma", "ng", "su", "ka", "ra", "ti", "lo", "we", "da", "pu", "sa", "jo", "ri"};
  std::string p;
  const int n = 2 + static_cast<int>(rng() % 3);
  for (int i = 0; i < n; ++i) p += syl[rng() % std::size(syl)];
  return p;
}

std::string complaint_text(std::mt19937_64& rng, const std::string& desa, const std::string& kab, int problem) {
  std::string t = problems[problem];
  t += " di desa " + desa + " kabupaten " + kab + " sudah " + std::to_string(1 + rng() % 9) + " bulan";
  const int n = static_cast<int>(rng() % 6);
  for (int i = 0; i < n; ++i) t += std::string(" ") + extras[rng() % std::size(extras)];
  return t;
}

struct person {
  std::string phone, desa, kab;
  int problem;
};

// CPU time of this thread: the machine is shared, wall time would count other processes.
double cpu_seconds() {
  timespec ts{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

// CPU time of the whole process (the rebuild runs on the store's writer thread).
double process_cpu_seconds() {
  timespec ts{};
  ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

double percentile(std::vector<double>& v, double p) {
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size())))];
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t n = 1'000'000, lookups = 200'000;
  bool rebuild = true;
  int pos = 0;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--no-rebuild") == 0) rebuild = false;
    else if (pos++ == 0) n = std::stoul(argv[i]);
    else lookups = std::stoul(argv[i]);
  }
  std::mt19937_64 rng(1708);
  const std::int64_t now = 1'795'000'000'000;
  const std::int64_t window = 7LL * 86'400'000;

  // Reporters: 60% send one complaint, the rest several.
  std::vector<person> people;
  people.reserve(n);
  for (std::size_t i = 0; people.size() < n * 7 / 10; ++i)
    people.push_back({"+62812" + std::to_string(10'000'000 + i), place(rng), place(rng), static_cast<int>(rng() % 20)});

  dedup_index idx;
  std::vector<std::string> blobs;
  if (rebuild) blobs.reserve(n);
  std::vector<std::int64_t> times;
  if (rebuild) times.reserve(n);
  std::size_t total_tokens = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const person& p = people[i < people.size() ? i : rng() % people.size()];
    const std::string text = complaint_text(rng, p.desa, p.kab, p.problem);
    auto s = make_sketch(normalize_for_matching(text));
    add_verbatim_words(s, text, lexicon::embedded());  // as the daemon keeps them (sketch version 5)
    s.identities.push_back(stable_hash64("tel:" + p.phone));
    total_tokens += s.distinct_words;
    const std::int64_t at = now - window + static_cast<std::int64_t>(i) * (window / static_cast<std::int64_t>(n));
    if (rebuild) {
      blobs.push_back(serialize_sketch(s));
      times.push_back(at);
    }
    idx.add(static_cast<std::int64_t>(i + 1), static_cast<std::int64_t>(i + 1), at, std::move(s));
    if (i % 1024 == 0) idx.commit();
  }
  idx.commit();
  const double fill_s = cpu_seconds();
  std::printf("index: %zu complaints in the window (%.1f distinct words each), sketched and added in %.2f s CPU "
              "(%.0f /s incl. normalisation), memory %.0f MB (%.0f bytes per complaint)\n",
              idx.size(), static_cast<double>(total_tokens) / static_cast<double>(n), fill_s,
              static_cast<double>(n) / fill_s, static_cast<double>(idx.memory_bytes()) / 1e6,
              static_cast<double>(idx.memory_bytes()) / static_cast<double>(n));

  // The pipeline's share per submission: normalise + sketch a typical web text.
  {
    const std::string web =
        "Jalan Ahmad Yani di Desa Baamang Hulu, Kecamatan Baamang, Kabupaten Kotawaringin Timur rusak parah dan "
        "berlubang besar. Sudah 3 bulan tidak diperbaiki, banyak pengendara motor jatuh terutama saat hujan karena "
        "lubang tertutup genangan air. Mohon dinas PU segera memperbaiki jalan tersebut. Terima kasih.";
    const int reps = 50'000;
    const double c0 = cpu_seconds();
    std::size_t sink = 0;
    for (int i = 0; i < reps; ++i) sink += make_sketch(normalize_for_matching(web)).words.size();
    const double per = (cpu_seconds() - c0) * 1e6 / reps;
    std::printf("sketch: %.1f us CPU per 300-character web report (%.0f /s per core) [%zu]\n", per, 1e6 / per, sink % 10);
  }

  // Lookups: a third are reworded repeats by an indexed reporter, two thirds new reporters.
  std::vector<match_sketch> queries;
  queries.reserve(lookups);
  for (std::size_t i = 0; i < lookups; ++i) {
    if (i % 3 == 0) {
      const person& p = people[rng() % people.size()];
      const std::string text = "tolong " + complaint_text(rng, p.desa, p.kab, p.problem) + " lagi";
      auto s = make_sketch(normalize_for_matching(text));
      add_verbatim_words(s, text, lexicon::embedded());
      s.identities.push_back(stable_hash64("tel:" + p.phone));
      queries.push_back(std::move(s));
    } else {
      const std::string text = complaint_text(rng, place(rng), place(rng), static_cast<int>(rng() % 20));
      auto s = make_sketch(normalize_for_matching(text));
      add_verbatim_words(s, text, lexicon::embedded());
      s.identities.push_back(stable_hash64("tel:+62857" + std::to_string(rng() % 100'000'000)));
      queries.push_back(std::move(s));
    }
  }
  std::vector<double> lat;
  lat.reserve(lookups);
  std::size_t dup = 0, rel = 0;
  const auto l0 = steady::now();
  const double lc0 = cpu_seconds();
  for (const auto& q : queries) {
    const auto a = steady::now();
    const auto d = idx.lookup(q, now);
    lat.push_back(std::chrono::duration<double, std::micro>(steady::now() - a).count());
    dup += d.what == dedup_decision::kind::duplicate;
    rel += d.what == dedup_decision::kind::related;
  }
  const double cpu = cpu_seconds() - lc0;
  const double secs = std::chrono::duration<double>(steady::now() - l0).count();
  const double p50 = percentile(lat, 0.50), p99 = percentile(lat, 0.99), p999 = percentile(lat, 0.999);
  std::printf("lookup: %zu lookups, %.2f s CPU (%.2f s wall) = %.0f lookups/s per core; wall latency p50 %.2f us, "
              "p99 %.2f us, p99.9 %.2f us (%zu duplicates, %zu related)\n",
              lookups, cpu, secs, static_cast<double>(lookups) / cpu, p50, p99, p999, dup, rel);

  if (!rebuild) return 0;
  // Start-up rebuild: the same N sketches read back from SQLite.
  const auto dir = std::filesystem::temp_directory_path() / ("lapor-dedup-bench-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  {
    lapor::store::options so;
    so.path = (dir / "lapor.db").string();
    so.synchronous_full = false;
    lapor::store::group_writer w(so);
    auto w0 = steady::now();
    std::promise<void> last;
    for (std::size_t i = 0; i < n; ++i) {
      lapor::store::complaint_row row;
      row.id = static_cast<std::int64_t>(i + 1);
      row.tracking_id = "LPR-" + std::to_string(i + 1);
      row.channel = "sms";
      row.received_at_ms = times[i];
      row.document = "{}";
      row.status_meta = "{}";
      row.outbox_destinations.clear();
      row.match_sketch = std::move(blobs[i]);
      while (w.queued() > 10'000) std::this_thread::sleep_for(std::chrono::milliseconds(1));
      w.insert_complaint(std::move(row), i + 1 == n ? lapor::store::group_writer::completion(
                                                          [&last](lapor::store::write_result) { last.set_value(); })
                                                    : lapor::store::group_writer::completion{});
    }
    last.get_future().wait();
    std::printf("rebuild: wrote %zu rows with sketches in %.1f s (setup)\n", n,
                std::chrono::duration<double>(steady::now() - w0).count());
    lapor::gateway::metrics m;
    tracking_key key{};
    tracking_id_codec ids(key);
    dedup_engine engine(dedup_options{}, ids, m);
    auto r0 = steady::now();
    const double pc0 = process_cpu_seconds();
    const std::size_t loaded = engine.attach(w, now);
    std::printf("rebuild: dedup_engine::attach loaded %zu complaints from SQLite in %.2f s CPU (%.2f s wall), "
                "index %.0f MB\n",
                loaded, process_cpu_seconds() - pc0, std::chrono::duration<double>(steady::now() - r0).count(),
                static_cast<double>(engine.index().memory_bytes()) / 1e6);
    w.set_insert_decider(nullptr);
    w.stop();
  }
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  return 0;
}
