#include "gateway/dedup/sketch.h"

#include <algorithm>
#include <array>
#include <cstring>

#include "gateway/region/place_words.h"
#include "gateway/word_map.h"


namespace lapor::dedup {

namespace {

// 1: text only; 2: + the event (problems, place, cues); 3: + the main problems and the loose
// facets; 4: + the objects. Version 1 rows still load (no event), version 2 rows with their
// problems as the main ones and no loose facets, version 3 rows with no objects; 5: + the words
// as written; 6: + the region's name, the confidential flag and the tweet's id.
constexpr std::uint8_t sketch_version = 6;

std::uint64_t mix64(std::uint64_t x) noexcept {  // the SplitMix64 / Murmur3 finaliser
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}

std::uint16_t h16(std::uint64_t h) noexcept { return static_cast<std::uint16_t>(h >> 48); }

// Sorted, unique, at most sketch_k: the bottom-k sample.
void bottom_k(std::vector<std::uint16_t>& v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
  if (v.size() > sketch_k) v.resize(sketch_k);
}

// The sample's limit: every hash <= it is in the sample (all of them when not truncated).
std::uint32_t limit_of(const std::vector<std::uint16_t>& v) noexcept {
  return v.size() < sketch_k ? 0xffffu : v.back();
}

// Little-endian values into a string sized beforehand (serialized_size): one allocation and
// no std::string call per value (an append per value was ~100 calls per sketch).
class writer {
 public:
  explicit writer(std::string& out) noexcept : p_(out.data()) {}
  template <class T>
  void put(T v) noexcept {
    for (std::size_t i = 0; i < sizeof(T); ++i) *p_++ = static_cast<char>((static_cast<std::uint64_t>(v) >> (8 * i)) & 0xff);
  }
  // Its length (one byte), then its elements.
  template <class T>
  void array(const std::vector<T>& v) noexcept {
    put<std::uint8_t>(static_cast<std::uint8_t>(v.size()));
    for (const T x : v) put<T>(x);
  }

 private:
  char* p_;
};

class reader {
 public:
  explicit reader(std::string_view b) : b_(b) {}
  template <class T>
  bool get(T& v) {
    if (b_.size() < sizeof(T)) return false;
    std::uint64_t x = 0;
    for (std::size_t i = 0; i < sizeof(T); ++i) x |= static_cast<std::uint64_t>(static_cast<unsigned char>(b_[i])) << (8 * i);
    v = static_cast<T>(x);
    b_.remove_prefix(sizeof(T));
    return true;
  }
  template <class T>
  bool array(std::vector<T>& v, std::size_t max) {
    std::uint8_t n = 0;
    if (!get(n) || n > max) return false;
    v.resize(n);
    for (auto& x : v)
      if (!get(x)) return false;
    return true;
  }
  [[nodiscard]] bool done() const noexcept { return b_.empty(); }

 private:
  std::string_view b_;
};

}  // namespace

std::uint64_t stable_hash64(std::string_view s) noexcept {
  std::uint64_t h = 0xcbf29ce484222325ULL;  // FNV-1a 64
  for (unsigned char c : s) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return mix64(h ^ s.size());
}

namespace {

// stable_hash64(consonant_skeleton(word)), without building the skeleton: it is taken for
// every word of every submission.
std::uint64_t skeleton_hash64(std::string_view word) noexcept {
  std::uint64_t h = 0xcbf29ce484222325ULL;  // stable_hash64's FNV-1a, fed letter by letter
  std::size_t n = 0;
  for_each_skeleton_letter(word, [&](char c) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001b3ULL;
    ++n;
  });
  return mix64(h ^ n);
}

}  // namespace

match_sketch make_sketch(const match_text& t) {
  match_sketch s;
  // Scratch of the submitting thread, reused: no allocation per text once warm.
  thread_local std::vector<std::uint64_t> word_hashes;
  word_hashes.clear();
  word_hashes.reserve(t.tokens.size());
  s.words.reserve(t.tokens.size());
  s.skeletons.reserve(t.tokens.size());
  auto skeleton_hash = [](const std::string& w) {
    return h16(skeleton_hash64(w) ^ 0x5bd1e9955bd1e995ULL);
  };
  for (const auto& p : t.places) {
    s.places.push_back(h16(stable_hash64(p)));
    s.place_skeletons.push_back(skeleton_hash(p));
  }
  bottom_k(s.places);
  bottom_k(s.place_skeletons);
  for (const auto& w : t.tokens) {
    const std::uint64_t h = stable_hash64(w);
    word_hashes.push_back(h);
    if (std::binary_search(s.places.begin(), s.places.end(), h16(h))) continue;
    s.words.push_back(h16(h));
    s.skeletons.push_back(skeleton_hash(w));
  }
  std::sort(word_hashes.begin(), word_hashes.end());
  word_hashes.erase(std::unique(word_hashes.begin(), word_hashes.end()), word_hashes.end());
  s.distinct_words = static_cast<std::uint16_t>(std::min<std::size_t>(word_hashes.size(), 0xffff));
  // SimHash: each distinct word votes on each of the 64 bits.
  // Counted as set bits (branch-free, vectorisable): bit b is 1 when more than half the
  // words have it.
  // Eight bits at a time: a table spreads a byte's bits over the eight bytes of a word, so
  // one add counts eight bits (byte counters, emptied into `ones` before they could overflow).
  static constexpr auto spread = [] {
    std::array<std::uint64_t, 256> t{};
    for (std::size_t v = 0; v < 256; ++v)
      for (std::size_t j = 0; j < 8; ++j)
        if (v >> j & 1) t[v] |= std::uint64_t{1} << (8 * j);
    return t;
  }();
  std::array<std::int32_t, 64> ones{};
  std::array<std::uint64_t, 8> lanes{};
  const auto empty_lanes = [&] {
    for (std::size_t k = 0; k < 8; ++k) {
      for (std::size_t j = 0; j < 8; ++j) ones[8 * k + j] += static_cast<std::int32_t>(lanes[k] >> (8 * j) & 0xff);
      lanes[k] = 0;
    }
  };
  std::size_t counted = 0;
  for (const std::uint64_t h : word_hashes) {
    for (std::size_t k = 0; k < 8; ++k) lanes[k] += spread[h >> (8 * k) & 0xff];
    if (++counted == 255) empty_lanes(), counted = 0;
  }
  empty_lanes();
  const auto half = static_cast<std::int32_t>(word_hashes.size());
  for (std::size_t b = 0; b < 64; ++b)
    if (2 * ones[b] > half) s.simhash |= std::uint64_t{1} << b;
  bottom_k(s.words);
  bottom_k(s.skeletons);
  for (const auto& f : t.facets) {
    const auto type = static_cast<std::uint32_t>(static_cast<unsigned char>(f.front()));
    // The value's skeleton: "Jl. Hsnddn" and "Jalan Hasanuddin" state the same street.
    const std::uint64_t value = skeleton_hash64(std::string_view(f).substr(2));
    s.facets.push_back(type << 24 | static_cast<std::uint32_t>(value & 0xffffff));
  }
  for (const auto& f : t.facets) {
    const auto type = static_cast<std::uint32_t>(static_cast<unsigned char>(f.front()));
    if (canonical_facet(f.front())) continue;  // no loose form: only an equal value agrees
    const std::string_view value = std::string_view(f).substr(2);
    const std::string_view first = value.substr(0, value.find('_'));
    if (first.empty() || (first.front() >= '0' && first.front() <= '9')) continue;  // km 40 / km 44: two posts
    std::size_t vowels = 0;
    for (std::size_t i = 1; i < first.size(); ++i)
      vowels += first[i] == 'a' || first[i] == 'e' || first[i] == 'i' || first[i] == 'o' || first[i] == 'u';
    const bool abbreviated = first.size() <= 3 || vowels <= 1;
    s.loose_facets.push_back(type << 24 | static_cast<std::uint32_t>(abbreviated) << 23 |
                             (static_cast<std::uint32_t>(static_cast<unsigned char>(first.front())) & 0x7f) << 16 |
                             h16(skeleton_hash64(first)));
  }
  std::sort(s.facets.begin(), s.facets.end());
  s.facets.erase(std::unique(s.facets.begin(), s.facets.end()), s.facets.end());
  if (s.facets.size() > 32) s.facets.resize(32);
  std::sort(s.loose_facets.begin(), s.loose_facets.end());
  s.loose_facets.erase(std::unique(s.loose_facets.begin(), s.loose_facets.end()), s.loose_facets.end());
  if (s.loose_facets.size() > 32) s.loose_facets.resize(32);
  return s;
}

namespace {

struct sample_counts {
  std::size_t na = 0, nb = 0, both = 0;  // within the common limit, place words left out
};

sample_counts count_samples(const std::vector<std::uint16_t>& a, const std::vector<std::uint16_t>& b,
                            const std::vector<std::uint16_t>& skip_a, const std::vector<std::uint16_t>& skip_b) noexcept {
  sample_counts c;
  if (a.empty() || b.empty()) return c;
  const std::uint32_t limit = std::min(limit_of(a), limit_of(b));
  auto skipped = [&](std::uint16_t h) {
    return std::binary_search(skip_a.begin(), skip_a.end(), h) || std::binary_search(skip_b.begin(), skip_b.end(), h);
  };
  std::size_t i = 0, j = 0, na = 0, nb = 0, both = 0;
  while (i < a.size() || j < b.size()) {
    if (i < a.size() && a[i] <= limit && skipped(a[i])) {
      ++i;
      continue;
    }
    if (j < b.size() && b[j] <= limit && skipped(b[j])) {
      ++j;
      continue;
    }
    const bool take_a = i < a.size() && a[i] <= limit;
    const bool take_b = j < b.size() && b[j] <= limit;
    if (!take_a && !take_b) break;
    if (take_a && take_b && a[i] == b[j]) {
      ++both, ++na, ++nb, ++i, ++j;
    } else if (take_a && (!take_b || a[i] < b[j])) {
      ++na, ++i;
    } else {
      ++nb, ++j;
    }
  }
  c.na = na, c.nb = nb, c.both = both;
  return c;
}

}  // namespace

double sample_overlap(const std::vector<std::uint16_t>& a, const std::vector<std::uint16_t>& b,
                      const std::vector<std::uint16_t>& skip_a, const std::vector<std::uint16_t>& skip_b) noexcept {
  const auto c = count_samples(a, b, skip_a, skip_b);
  if (c.na == 0 || c.nb == 0) return 0.0;
  const std::size_t denom = std::max<std::size_t>(std::min(c.na, c.nb), 3);
  return static_cast<double>(c.both) / static_cast<double>(denom);
}

double text_containment(const match_sketch& of, const match_sketch& in) noexcept {
  const auto w = count_samples(of.words, in.words, of.places, in.places);
  const auto k = count_samples(of.skeletons, in.skeletons, of.place_skeletons, in.place_skeletons);
  const auto part = [](const sample_counts& c) {
    return c.na == 0 || c.nb == 0 ? 0.0 : static_cast<double>(c.both) / static_cast<double>(std::max<std::size_t>(c.na, 3));
  };
  return 0.5 * (part(w) + part(k));
}

double text_score(const match_sketch& a, const match_sketch& b) noexcept {
  return 0.5 * (sample_overlap(a.words, b.words, a.places, b.places) +
                sample_overlap(a.skeletons, b.skeletons, a.place_skeletons, b.place_skeletons));
}

place_agreement sketch_places_agree(const match_sketch& a, const match_sketch& b) noexcept {
  place_agreement found = place_agreement::none;
  for (const std::uint32_t f : a.facets) {
    const char type = static_cast<char>(f >> 24);
    if (type == 't' || type == spot_facet) continue;  // a date, a spot: not which place
    if (!std::binary_search(b.facets.begin(), b.facets.end(), f)) continue;
    if (type != 'j') return place_agreement::place;
    found = place_agreement::street;
  }
  return found;
}

bool sketch_adds_number(const match_sketch& earlier, const match_sketch& later) noexcept {
  for (const std::uint32_t f : later.facets) {
    const auto type = static_cast<char>(f >> 24);
    if (type != 'm' && type != 'r' && type != 'w' && type != 't') continue;
    if (std::binary_search(earlier.facets.begin(), earlier.facets.end(), f)) continue;
    for (const std::uint32_t g : earlier.facets)
      if ((g >> 24) == (f >> 24)) return true;
  }
  return false;
}

bool sketch_swaps_word(const match_sketch& a, const match_sketch& b) noexcept {
  // A full sample has lost words: its differences say nothing.
  if (a.words.size() >= sketch_k || b.words.size() >= sketch_k) return false;
  // How many of x's hashes (of its words and place words) y has in neither set.
  const auto lacking = [](const std::vector<std::uint16_t>& xs, const std::vector<std::uint16_t>& xp,
                          const std::vector<std::uint16_t>& ys, const std::vector<std::uint16_t>& yp) {
    int n = 0;
    for (const auto* v : {&xs, &xp})
      for (const std::uint16_t h : *v)
        n += !std::binary_search(ys.begin(), ys.end(), h) && !std::binary_search(yp.begin(), yp.end(), h);
    return n;
  };
  const int ab = lacking(a.words, a.places, b.words, b.places), ba = lacking(b.words, b.places, a.words, a.places);
  if (ab < 1 || ba < 1 || ab > 2 || ba > 2) return false;
  // Words that differ only as a typo or an SMS form does ("gelap" / "glp") keep their skeletons.
  return lacking(a.skeletons, a.place_skeletons, b.skeletons, b.place_skeletons) > 0 ||
         lacking(b.skeletons, b.place_skeletons, a.skeletons, a.place_skeletons) > 0;
}

namespace {

// What a word as written is to the copy check, from one table lookup per word.
struct written_word {
  std::string_view as_digits;  // a number word read as its digits ("dua" -> "2"), else empty
  bool names_one = false;      // an ordinal or a Roman numeral: names one thing among others
  bool duration_unit = false;  // after a number, a duration ("3 hari"), which a reminder updates
};

const data::word_map<written_word>& written_words() {
  static const data::word_map<written_word> table = [] {
    data::word_map<written_word> t;
    constexpr std::array<std::pair<std::string_view, std::string_view>, 10> numbers = {{
        {"satu", "1"}, {"dua", "2"}, {"tiga", "3"}, {"empat", "4"}, {"lima", "5"},
        {"enam", "6"}, {"tujuh", "7"}, {"delapan", "8"}, {"sembilan", "9"}, {"sepuluh", "10"}}};
    for (const auto& [word, digits] : numbers) t[word].as_digits = digits;
    for (std::string_view w : {"pertama", "kedua", "ketiga", "keempat", "kelima", "keenam", "ketujuh", "kedelapan",
                               "kesembilan", "kesepuluh", "i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x",
                               "xi", "xii", "xiii", "xiv", "xv", "xvi", "xvii", "xviii", "xix", "xx"})
      t[w].names_one = true;
    for (std::string_view w : {"hari", "minggu", "pekan", "bulan", "tahun", "jam", "menit"}) t[w].duration_unit = true;
    return t;
  }();
  return table;
}

// A word coded for `verbatim`: its hash, and its consonant skeleton's (without the low bit).
// Short words keep themselves as skeleton: "i" and "ii", "b" and "d" are no typos.
std::uint32_t verbatim_code(std::string_view w) noexcept {
  const std::uint64_t h = stable_hash64(w);
  const std::uint16_t sk = w.size() <= 3 ? static_cast<std::uint16_t>(h16(h) ^ 2) : h16(skeleton_hash64(w) ^ 0x5bd1e9955bd1e995ULL);
  return std::uint32_t{h16(h)} << 16 | (sk & 0xfffeu);
}

}  // namespace

void add_verbatim_words(match_sketch& s, std::string_view text, const lexicon& lex) {
  thread_local std::string buf;
  thread_local std::vector<region::word> words;
  buf.clear();
  words.clear();
  buf.reserve(text.size());
  region::split_words(text, buf, words);
  add_verbatim_words(s, words, {}, lex);
}

void add_verbatim_words(match_sketch& s, std::span<const region::word> body, std::span<const region::word> location,
                        const lexicon& lex) {
  s.verbatim.clear();
  // A mention ("@lapor1708" in every tweet to the gateway) is no word of the complaint.
  thread_local std::vector<const region::word*> words;
  words.clear();
  for (const auto* part : {&body, &location})
    for (const auto& w : *part)
      if (!w.mention) words.push_back(&w);
  if (words.size() > verbatim_max) return;  // a lexicon entry never makes fewer words
  // Names are capitalised only where the text is written in ordinary mixed case.
  std::size_t capitals = 0;
  for (const auto* w : words) capitals += w->capital;
  const bool mixed_case = capitals * 5 < words.size() * 3;
  // The words, an SMS form the lexicon knows read as its words, each with whether it was
  // written as a name.
  thread_local std::vector<std::pair<std::string_view, bool>> seq;
  seq.clear();
  for (std::size_t i = 0; i < words.size() && seq.size() <= verbatim_max; ++i) {
    const region::word& w = *words[i];
    const bool name = mixed_case && w.capital && i > 0 && !w.sentence_before;
    lex.for_each_reading(w.text, [&](std::string_view x, bool as_written) { seq.emplace_back(x, name && as_written); });
  }
  if (seq.size() > verbatim_max) return;
  const auto& table = written_words();
  const auto is_digits = [](std::string_view w) { return w.front() >= '0' && w.front() <= '9'; };
  s.verbatim.reserve(seq.size());
  for (std::size_t i = 0; i < seq.size(); ++i) {
    auto [w, marked] = seq[i];
    const auto it = table.find(w);
    const written_word* known = it == table.end() ? nullptr : &it->second;
    if (known != nullptr && !known->as_digits.empty()) w = known->as_digits;
    const bool digits = is_digits(w);
    if (w == "x" && i > 0 && is_digits(seq[i - 1].first)) {  // "2x" is "dua kali"
      w = "kali";
      known = nullptr;
    }
    // What names one thing among others: a number, a letter or Roman numeral, an ordinal, a
    // name. Not a duration, which a reminder updates ("sudah 3 hari" / "sudah 4 hari").
    bool duration = false;
    if (digits && i + 1 < seq.size()) {
      const auto next = table.find(seq[i + 1].first);
      duration = next != table.end() && next->second.duration_unit;
    }
    marked = marked || (digits ? !duration : w.size() == 1 || (known != nullptr && known->names_one));
    s.verbatim.push_back(verbatim_code(w) | (marked ? 1u : 0u));
  }
}

void set_region_name(match_sketch& s, std::string_view name) {
  s.region_name.clear();
  thread_local std::string buf;
  thread_local std::vector<region::word> words;
  buf.clear();
  words.clear();
  region::split_words(name, buf, words);
  // A name of short words only ("Air", "Ie") is no evidence in another text.
  if (words.size() > verbatim_max ||
      std::none_of(words.begin(), words.end(), [](const region::word& w) { return w.text.size() >= 4; }))
    return;
  // The low bit: a word long enough for its skeleton to tell a typo of it (a shorter one shares
  // its consonants with common words: "karang" / "kurang").
  for (const auto& w : words) s.region_name.push_back(verbatim_code(w.text) | (w.text.size() >= 7 ? 1u : 0u));
}

bool sketch_names_region_of(const match_sketch& naming, const match_sketch& placed) noexcept {
  if (placed.region_name.empty() || naming.verbatim.empty()) return false;
  for (const std::uint32_t n : placed.region_name) {
    const bool typo_allowed = (n & 1u) != 0;
    bool found = false;
    for (const std::uint32_t v : naming.verbatim)
      if ((v >> 16) == (n >> 16) || (typo_allowed && (v & 0xfffeu) == (n & 0xfffeu))) {
        found = true;
        break;
      }
    if (!found) return false;
  }
  return true;
}

bool sketch_substitutes_word(const match_sketch& a, const match_sketch& b) noexcept {
  const auto& x = a.verbatim;
  const auto& y = b.verbatim;
  if (x.empty() || y.empty()) return false;
  // At most three words a side outside the common sequence: the lengths differ by three at most.
  constexpr std::size_t most_swapped = 3, least_shared = 4;
  if (x.size() > y.size() + most_swapped || y.size() > x.size() + most_swapped) return false;
  const auto word = [](std::uint32_t v) { return v >> 16; };
  // The longest common subsequence of the two word sequences (at most verbatim_max each).
  std::array<std::array<std::uint8_t, verbatim_max + 1>, verbatim_max + 1> lcs{};
  for (std::size_t i = 1; i <= x.size(); ++i)
    for (std::size_t j = 1; j <= y.size(); ++j)
      lcs[i][j] = word(x[i - 1]) == word(y[j - 1]) ? static_cast<std::uint8_t>(lcs[i - 1][j - 1] + 1)
                                                    : std::max(lcs[i - 1][j], lcs[i][j - 1]);
  const std::size_t common = lcs[x.size()][y.size()];
  const std::size_t only_x = x.size() - common, only_y = y.size() - common;
  // A copy: one sequence but for a few words, on both sides (words only added are detail).
  // Chosen on the tune halves: up to three words a side turned four of their seven false
  // merges into hints and no duplicate; four cost three duplicates (dialect rewrites).
  if (common < least_shared || only_x == 0 || only_y == 0 || only_x > most_swapped || only_y > most_swapped) return false;
  // The words outside the common sequence, walked back from the end of the table.
  std::array<std::uint16_t, verbatim_max> skel_x{}, skel_y{};
  std::size_t nx = 0, ny = 0;
  bool marked_x = false, marked_y = false;
  for (std::size_t i = x.size(), j = y.size(); i > 0 || j > 0;) {
    if (i > 0 && j > 0 && word(x[i - 1]) == word(y[j - 1])) {
      --i, --j;
    } else if (j > 0 && (i == 0 || lcs[i][j - 1] >= lcs[i - 1][j])) {
      marked_y |= (y[--j] & 1u) != 0;
      skel_y[ny++] = static_cast<std::uint16_t>(y[j] & 0xfffeu);
    } else {
      marked_x |= (x[--i] & 1u) != 0;
      skel_x[nx++] = static_cast<std::uint16_t>(x[i] & 0xfffeu);
    }
  }
  // What was swapped names one thing for another on both sides: a name, a number, a letter.
  // (Without this, dialect rewrites of short texts, "rusak nian, idak bisa lewat" / "rusak
  // berat, tidak bisa dilalui", read as copies.)
  if (!(marked_x && marked_y)) return false;
  // A word retyped as a typo or a short form of the other's ("trsumbat" / "tersumbat"): the
  // text was written again, not copied with a word changed.
  for (std::size_t i = 0; i < nx; ++i)
    for (std::size_t j = 0; j < ny; ++j)
      if (skel_x[i] == skel_y[j]) return false;
  return true;
}

bool sketch_extends_name(const match_sketch& a, const match_sketch& b) noexcept {
  const auto& shorter = a.verbatim.size() <= b.verbatim.size() ? a.verbatim : b.verbatim;
  const auto& longer = a.verbatim.size() <= b.verbatim.size() ? b.verbatim : a.verbatim;
  if (shorter.empty() || longer.size() - shorter.size() < 1 || longer.size() - shorter.size() > 2) return false;
  const auto word = [](std::uint32_t v) { return v >> 16; };
  std::size_t prefix = 0, suffix = 0;
  while (prefix < shorter.size() && word(shorter[prefix]) == word(longer[prefix])) ++prefix;
  while (suffix < shorter.size() - prefix && word(shorter[shorter.size() - 1 - suffix]) == word(longer[longer.size() - 1 - suffix]))
    ++suffix;
  if (prefix + suffix != shorter.size() || prefix == 0) return false;
  // The words that extend a name: its new or old part, a direction, a part of a river's
  // course, an upper or lower part, a Roman numeral.
  static const std::array<std::uint16_t, 20> extensions = [] {
    std::array<std::uint16_t, 20> h{};
    std::size_t i = 0;
    for (std::string_view w : {"baru", "lama", "utara", "selatan", "timur", "barat", "tengah", "hilir", "hulu", "ilir",
                               "ulu", "atas", "bawah", "dalam", "luar", "induk", "ii", "iii", "iv", "satu"})
      h[i++] = static_cast<std::uint16_t>(verbatim_code(w) >> 16);
    return h;
  }();
  for (std::size_t k = prefix; k < longer.size() - suffix; ++k)
    if (std::find(extensions.begin(), extensions.end(), word(longer[k])) == extensions.end()) return false;
  return true;
}

bool sketch_names_document_holder_once(const match_sketch& a, const match_sketch& b) noexcept {
  const auto has = [](const match_sketch& x, char type) {
    for (const std::uint32_t f : x.facets)
      if ((f >> 24) == static_cast<std::uint32_t>(type)) return true;
    return false;
  };
  return (has(a, 'D') || has(b, 'D')) && has(a, 'V') != has(b, 'V');
}

bool sketch_names_kin_once(const match_sketch& a, const match_sketch& b) noexcept {
  const auto has = [](const match_sketch& x) {
    for (const std::uint32_t f : x.facets)
      if ((f >> 24) == static_cast<std::uint32_t>('V')) return true;
    return false;
  };
  return has(a) != has(b);
}

bool sketch_spots_differ(const match_sketch& a, const match_sketch& b) noexcept {
  bool a_has = false, b_has = false;
  for (const std::uint32_t f : a.facets)
    if ((f >> 24) == static_cast<std::uint32_t>(spot_facet)) {
      a_has = true;
      if (std::binary_search(b.facets.begin(), b.facets.end(), f)) return false;
    }
  for (const std::uint32_t f : b.facets) b_has |= (f >> 24) == static_cast<std::uint32_t>(spot_facet);
  return a_has && b_has;
}

namespace {

// agree: a value in common; abbreviated: one written short ("gn" / "gunung"); longer_name: one
// name is the other's first word and more ("karang_baru" / "karang_baru_timur": perhaps
// another neighbourhood); conflict: nothing in common.
enum class facet_relation { agree, abbreviated, longer_name, conflict };

facet_relation loosely(std::uint32_t x, std::uint32_t y) noexcept {
  const bool abbreviated = ((x | y) >> 23) & 1;
  if (abbreviated && ((x >> 16) & 0x7f) == ((y >> 16) & 0x7f)) return facet_relation::abbreviated;
  if ((x & 0xffff) == (y & 0xffff)) return facet_relation::longer_name;
  return facet_relation::conflict;
}

// The worst relation over the fact types both sketches state.
facet_relation relate_facets(const match_sketch& a, const match_sketch& b) noexcept {
  facet_relation worst = facet_relation::agree;
  // Both sorted: types group together.
  std::size_t i = 0, j = 0;
  while (i < a.facets.size() && j < b.facets.size()) {
    const std::uint32_t ta = a.facets[i] >> 24, tb = b.facets[j] >> 24;
    if (ta == static_cast<std::uint32_t>(spot_facet)) {  // a doubt, not a conflict (sketch_spots_differ)
      ++i;
      continue;
    }
    if (tb == static_cast<std::uint32_t>(spot_facet)) {
      ++j;
      continue;
    }
    if (ta < tb) {
      ++i;
      continue;
    }
    if (tb < ta) {
      ++j;
      continue;
    }
    std::size_t ie = i, je = j;
    while (ie < a.facets.size() && (a.facets[ie] >> 24) == ta) ++ie;
    while (je < b.facets.size() && (b.facets[je] >> 24) == tb) ++je;
    bool shared = false;
    for (std::size_t x = i; x < ie && !shared; ++x)
      for (std::size_t y = j; y < je; ++y)
        if (a.facets[x] == b.facets[y]) {
          shared = true;
          break;
        }
    if (!shared) {
      facet_relation best = facet_relation::conflict;
      for (const std::uint32_t x : a.loose_facets)
        if ((x >> 24) == ta)
          for (const std::uint32_t y : b.loose_facets)
            if ((y >> 24) == ta) best = std::min(best, loosely(x, y));
      if (best == facet_relation::conflict) return best;
      worst = std::max(worst, best);
    }
    i = ie;
    j = je;
  }
  return worst;
}

}  // namespace

bool sketch_facets_conflict(const match_sketch& a, const match_sketch& b) noexcept {
  return relate_facets(a, b) == facet_relation::conflict;
}

bool sketch_facets_loosely_differ(const match_sketch& a, const match_sketch& b) noexcept {
  return relate_facets(a, b) == facet_relation::longer_name;
}

namespace {

// The bytes serialize_sketch writes for `s`.
std::size_t serialized_size(const match_sketch& s, std::size_t identities) noexcept {
  const auto array = [](const auto& v) { return 1 + sizeof(v.front()) * v.size(); };
  return 1 + 8 + 2 + array(s.words) + array(s.skeletons) + array(s.facets) + array(s.places) +
         array(s.place_skeletons) + 1 + 8 * identities + 8 + 8 + 1 + 1 + 1 + 1 + 9 * std::size_t{s.what.named_count} +
         8 + array(s.loose_facets) + 8 + array(s.verbatim) + array(s.region_name) + 1 + 8;
}

}  // namespace

std::string serialize_sketch(const match_sketch& s) {
  const std::size_t identities = std::min<std::size_t>(s.identities.size(), 16);
  std::string bytes(serialized_size(s, identities), '\0');
  writer out(bytes);
  out.put<std::uint8_t>(sketch_version);
  out.put<std::uint64_t>(s.simhash);
  out.put<std::uint16_t>(s.distinct_words);
  out.array(s.words);
  out.array(s.skeletons);
  out.array(s.facets);
  out.array(s.places);
  out.array(s.place_skeletons);
  out.put<std::uint8_t>(static_cast<std::uint8_t>(identities));
  for (std::size_t i = 0; i < identities; ++i) out.put<std::uint64_t>(s.identities[i]);
  out.put<std::uint64_t>(s.what.problems);
  out.put<std::uint64_t>(s.what.place.digits);
  out.put<std::uint8_t>(s.what.place.level);
  out.put<std::uint8_t>(s.what.cues);
  out.put<std::uint8_t>(s.what.weekdays);
  out.put<std::uint8_t>(s.what.named_count);
  for (std::uint8_t i = 0; i < s.what.named_count; ++i) {
    out.put<std::uint64_t>(s.what.named[i].digits);
    out.put<std::uint8_t>(s.what.named[i].level);
  }
  out.put<std::uint64_t>(s.what.main);
  out.array(s.loose_facets);
  out.put<std::uint64_t>(s.what.objects);
  out.array(s.verbatim);
  out.array(s.region_name);
  out.put<std::uint8_t>(s.confidential ? 1 : 0);
  out.put<std::uint64_t>(s.tweet);
  return bytes;
}

std::optional<match_sketch> parse_sketch(std::string_view bytes) {
  reader r(bytes);
  std::uint8_t version = 0;
  if (!r.get(version) || version < 1 || version > sketch_version) return std::nullopt;
  match_sketch s;
  if (!r.get(s.simhash) || !r.get(s.distinct_words)) return std::nullopt;
  if (!r.array(s.words, sketch_k) || !r.array(s.skeletons, sketch_k) || !r.array(s.facets, 32) ||
      !r.array(s.places, sketch_k) || !r.array(s.place_skeletons, sketch_k) || !r.array(s.identities, 16))
    return std::nullopt;
  if (version >= 2) {
    if (!r.get(s.what.problems) || !r.get(s.what.place.digits) || !r.get(s.what.place.level) || !r.get(s.what.cues) ||
        !r.get(s.what.weekdays) || !r.get(s.what.named_count) || s.what.named_count > s.what.named.size())
      return std::nullopt;
    for (std::uint8_t i = 0; i < s.what.named_count; ++i)
      if (!r.get(s.what.named[i].digits) || !r.get(s.what.named[i].level) || s.what.named[i].level > 4) return std::nullopt;
    if (s.what.place.level > 4) return std::nullopt;
    s.what.main = s.what.problems;
    if (version >= 3 && (!r.get(s.what.main) || !r.array(s.loose_facets, 32))) return std::nullopt;
    // Version 3 named no objects: they never differ.
    if (version >= 4 && !r.get(s.what.objects)) return std::nullopt;
    // Version 4 kept no words as written: no verbatim doubt against it.
    if (version >= 5 && !r.array(s.verbatim, verbatim_max)) return std::nullopt;
    // Version 5 kept no region name: a place named in words is not established against it.
    if (version >= 6) {
      std::uint8_t flags = 0;
      if (!r.array(s.region_name, verbatim_max) || !r.get(flags) || flags > 1 || !r.get(s.tweet)) return std::nullopt;
      s.confidential = flags & 1;
    }
  }
  if (!r.done()) return std::nullopt;
  return s;
}

}  // namespace lapor::dedup
