#include "gateway/region/name_index.h"

#include <algorithm>
#include <array>

#include "gateway/region/place_words.h"

namespace lapor::region {

namespace {

constexpr std::uint64_t mix(std::uint64_t h) noexcept {
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdull;
  h ^= h >> 33;
  return h;
}

constexpr std::array<std::string_view, 10> units_words = {"", "satu", "dua", "tiga", "empat",
                                                          "lima", "enam", "tujuh", "delapan", "sembilan"};

int unit_value(std::string_view w) {
  for (std::size_t i = 1; i < units_words.size(); ++i)
    if (units_words[i] == w) return static_cast<int>(i);
  return 0;
}

// "lima belas ulu" → "15 ulu", "dua puluh" → "20", "sebelas" → "11"; other words unchanged.
std::vector<std::string> with_digits(const std::vector<std::string>& ws, bool& changed) {
  std::vector<std::string> out;
  changed = false;
  for (std::size_t i = 0; i < ws.size(); ++i) {
    int v = unit_value(ws[i]);
    if (ws[i] == "sepuluh") v = 10;
    else if (ws[i] == "sebelas") v = 11;
    else if (v && i + 1 < ws.size() && ws[i + 1] == "belas") v += 10, ++i;
    else if (v && i + 1 < ws.size() && ws[i + 1] == "puluh") {
      v *= 10, ++i;
      if (i + 1 < ws.size() && unit_value(ws[i + 1])) v += unit_value(ws[++i]);
    }
    if (v) {
      out.push_back(std::to_string(v));
      changed = true;
    } else {
      out.push_back(ws[i]);
    }
  }
  return out;
}

std::string joined(const std::vector<std::string>& ws) {
  std::string k;
  for (const auto& w : ws) k += w;
  return k;
}

}  // namespace

// The word lists a name is known by: each side of a slash, prefixes stripped, number
// words also as digits, a "Kepulauan X" regency also as X.
std::vector<std::vector<std::string>> name_word_lists(std::string_view official, level lvl,
                                                      const name_index::word_reading& reading) {
  std::vector<std::vector<std::string>> lists;
  std::vector<std::string_view> parts{official};
  if (official.find('/') != std::string_view::npos) {
    for (std::size_t p = 0; p <= official.size();) {
      auto q = std::min(official.find('/', p), official.size());
      parts.push_back(official.substr(p, q - p));
      p = q + 1;
    }
  }
  for (auto part : parts) {
    std::string buf;
    std::vector<word> ws;
    split_words(part, buf, ws);
    std::vector<std::string> w;
    for (const auto& x : ws) w.emplace_back(x.text);
    const auto strip = [&](std::initializer_list<std::string_view> prefix) {
      if (w.size() <= prefix.size()) return false;
      std::size_t i = 0;
      for (auto p : prefix)
        if (w[i++] != p) return false;
      w.erase(w.begin(), w.begin() + static_cast<std::ptrdiff_t>(prefix.size()));
      return true;
    };
    if (lvl == level::regency) {
      (void)(strip({"kabupaten", "administrasi"}) || strip({"kota", "administrasi"}) || strip({"kabupaten"}) ||
             strip({"kota"}));
    } else if (lvl == level::province) {
      (void)(strip({"daerah", "khusus", "ibukota"}) || strip({"daerah", "istimewa"}));
    }
    if (w.empty()) continue;
    lists.push_back(w);
    // "Kepulauan Tanimbar" is called Tanimbar, "Kepulauan Mentawai" Mentawai.
    if (lvl == level::regency && w.size() >= 2 && w.front() == "kepulauan") {
      std::vector<std::string> rest(w.begin() + 1, w.end());
      if (joined(rest).size() >= 4) lists.push_back(std::move(rest));
    }
    bool changed = false;
    auto digits = with_digits(w, changed);
    if (changed) lists.push_back(std::move(digits));
    // Roman numerals as digits too: "IV Koto" is written "4 Koto" (and the lexicon reads a
    // citizen's "iv" as 4).
    bool roman = false;
    auto arabic = w;
    for (auto& x : arabic) {
      static constexpr std::string_view numerals[] = {"i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x"};
      for (std::size_t n = 0; n < std::size(numerals); ++n)
        if (x == numerals[n]) x = std::to_string(n + 1), roman = true;
    }
    if (roman) lists.push_back(std::move(arabic));
  }
  if (reading) {
    for (std::size_t n = lists.size(), k = 0; k < n; ++k) {
      auto read = lists[k];
      bool changed = false;
      for (auto& x : read)
        if (const auto r = reading(x); !r.empty() && r != x) x = std::string(r), changed = true;
      if (changed) lists.push_back(std::move(read));
    }
  }
  return lists;
}

std::vector<std::string> name_keys(std::string_view official, level lvl, const name_index::word_reading& reading) {
  std::vector<std::string> keys;
  for (const auto& w : name_word_lists(official, lvl, reading)) keys.push_back(joined(w));
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  std::erase(keys, std::string());
  return keys;
}

// The beginnings of a name's keys ("tanj", "tanjung" … for "Tanjung Priok"), for
// name_index::starts_name. Computed from the same words as name_keys.
std::vector<std::string> word_prefixes(std::string_view official, level lvl, const name_index::word_reading& reading) {
  // Every prefix of three letters or more, not only those at the dataset's word boundaries:
  // "Demang-Lebardaun" is written "Demang Lebar Daun" too.
  std::vector<std::string> out;
  for (const auto& ws : name_word_lists(official, lvl, reading)) {
    const auto k = joined(ws);
    for (std::size_t n = 3; n < k.size(); ++n) out.push_back(k.substr(0, n));
    if (!ws.empty() && ws.front().size() < 3) out.push_back(ws.front());
  }
  return out;
}

name_index::name_index(const region_table& t, const word_reading& reading) {
  std::vector<std::pair<std::uint64_t, unit_id>> exact, deleted, prefixes;
  exact.reserve(t.size() * 11 / 10);
  keys_.resize(t.size());
  for (unit_id id = 0; id < t.size(); ++id) {
    const auto& u = t.at(id);
    const auto keys = name_keys(u.name, u.lvl, reading);
    for (const auto& k : keys) {
      exact.emplace_back(extend(start, k), id);
      prefixes.emplace_back(extend(start, k), 0);
    }
    for (const auto& p : word_prefixes(u.name, u.lvl, reading)) prefixes.emplace_back(extend(start, p), 0);
    if (u.lvl == level::village || keys.empty()) continue;
    keys_[id] = keys.front();
    for (const auto& k : keys) {
      if (k.size() < 6) continue;
      for (std::size_t i = 0; i < k.size(); ++i) {
        std::string d = k;
        d.erase(i, 1);
        deleted.emplace_back(extend(start, d), id);
      }
    }
  }
  const auto filter_of = [](filter& f, const std::vector<std::pair<std::uint64_t, unit_id>>& entries) {
    std::vector<std::uint64_t> hs;
    hs.reserve(entries.size());
    for (const auto& e : entries) hs.push_back(e.first);
    f.build(hs);
  };
  std::vector<std::uint64_t> begins, ends;
  for (const auto& k : keys_) {
    if (k.size() < 6) continue;
    for (std::size_t j = 0; j <= k.size(); ++j) {
      begins.push_back(extend(start, std::string_view(k).substr(0, j)));
      ends.push_back(extend(start, std::string_view(k).substr(j)));
    }
  }
  key_begin_filter_.build(begins);
  key_end_filter_.build(ends);
  filter_of(exact_filter_, exact);
  filter_of(deleted_filter_, deleted);
  filter_of(prefix_filter_, prefixes);
  build(exact_, exact);
  build(deleted_, deleted);
}

void name_index::filter::build(const std::vector<std::uint64_t>& hashes) {
  // ~10 bits per distinct key: with 6 probes in one block, about 1% false positives.
  std::vector<std::uint64_t> hs = hashes;
  std::sort(hs.begin(), hs.end());
  hs.erase(std::unique(hs.begin(), hs.end()), hs.end());
  blocks_.assign(std::max<std::size_t>(1, hs.size() * 10 / 512 + 1), {});
  for (auto h : hs) {
    const auto m = mixed(h);
    auto& b = blocks_[block_of(m)];
    for (int k = 0; k < 6; ++k) b[(m >> (9 * k)) & 7] |= std::uint64_t{1} << ((m >> (9 * k + 3)) & 63);
  }
}

void name_index::build(table& t, std::vector<std::pair<std::uint64_t, unit_id>>& entries) {
  for (auto& e : entries) e.first = mix(e.first);
  std::sort(entries.begin(), entries.end());
  entries.erase(std::unique(entries.begin(), entries.end()), entries.end());
  std::size_t distinct = 0;
  for (std::size_t i = 0; i < entries.size(); ++i)
    if (i == 0 || entries[i].first != entries[i - 1].first) ++distinct;
  std::size_t cap = 16;
  while (cap < distinct * 2) cap *= 2;
  t.slots.assign(cap, slot{});
  t.mask = cap - 1;
  t.postings.reserve(entries.size());
  for (std::size_t i = 0; i < entries.size();) {
    const auto h = entries[i].first;
    slot s{h, static_cast<std::uint32_t>(t.postings.size()), 0};
    for (; i < entries.size() && entries[i].first == h; ++i) {
      t.postings.push_back(entries[i].second);
      ++s.count;
    }
    auto at = h & t.mask;
    while (t.slots[at].count) at = (at + 1) & t.mask;
    t.slots[at] = s;
  }
}

std::span<const unit_id> name_index::lookup(const table& t, std::uint64_t h) noexcept {
  h = mix(h);
  for (auto at = h & t.mask;; at = (at + 1) & t.mask) {
    const auto& s = t.slots[at];
    if (!s.count) return {};
    if (s.hash == h) return {t.postings.data() + s.begin, s.count};
  }
}

namespace {

// Damerau (optimal string alignment) distance at most one.
bool within_one_edit(std::string_view a, std::string_view b) {
  if (a.size() > b.size()) std::swap(a, b);
  if (b.size() - a.size() > 1) return false;
  std::size_t i = 0;
  while (i < a.size() && a[i] == b[i]) ++i;
  if (i == a.size()) return true;
  if (a.size() == b.size()) {
    if (a.substr(i + 1) == b.substr(i + 1)) return true;  // substitution
    return i + 1 < a.size() && a[i] == b[i + 1] && a[i + 1] == b[i] && a.substr(i + 2) == b.substr(i + 2);
  }
  return a.substr(i) == b.substr(i + 1);  // b has one letter more
}

}  // namespace

void name_index::near(std::string_view w, std::vector<unit_id>& out) const {
  // One edit leaves w[0, n/2) at a key's beginning or w[n/2 + 1, n) at its end (see
  // key_begin_filter_): when neither is, no key is near.
  const auto half = w.size() / 2;
  if (!key_begin_filter_.may_contain(extend(start, w.substr(0, half))) &&
      !key_end_filter_.may_contain(extend(start, w.substr(std::min(half + 1, w.size())))))
    return;
  const auto first = out.size();
  const auto take = [&](std::span<const unit_id> ids) {
    for (auto id : ids)
      if (keys_[id].size() >= 6 && within_one_edit(w, keys_[id])) out.push_back(id);
  };
  take(deleted(extend(start, w)));  // w lacks a letter
  auto prefix = start;              // hash of w[0, i)
  for (std::size_t i = 0; i < w.size(); ++i) {
    // Deleting either letter of a double gives the same word: once is enough.
    if (i == 0 || w[i] != w[i - 1]) {
      const auto h = extend(prefix, w.substr(i + 1));  // w without its letter i
      take(exact(h));    // w has a letter too many
      take(deleted(h));  // a letter changed, or two swapped
    }
    prefix = extend(prefix, w.substr(i, 1));
  }
  std::sort(out.begin() + static_cast<std::ptrdiff_t>(first), out.end());
  out.erase(std::unique(out.begin() + static_cast<std::ptrdiff_t>(first), out.end()), out.end());
}

}  // namespace lapor::region
