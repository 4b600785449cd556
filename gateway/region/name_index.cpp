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

std::vector<std::string> name_keys(std::string_view official, level lvl) {
  std::vector<std::string> keys;
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
    keys.push_back(joined(w));
    // "Kepulauan Tanimbar" is called Tanimbar, "Kepulauan Mentawai" Mentawai.
    if (lvl == level::regency && w.size() >= 2 && w.front() == "kepulauan") {
      auto rest = std::vector<std::string>(w.begin() + 1, w.end());
      if (joined(rest).size() >= 4) keys.push_back(joined(rest));
    }
    bool changed = false;
    auto digits = with_digits(w, changed);
    if (changed) keys.push_back(joined(digits));
  }
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  std::erase(keys, std::string());
  return keys;
}

name_index::name_index(const region_table& t) {
  std::vector<std::pair<std::uint64_t, unit_id>> exact, deleted;
  exact.reserve(t.size() * 11 / 10);
  keys_.resize(t.size());
  for (unit_id id = 0; id < t.size(); ++id) {
    const auto& u = t.at(id);
    const auto keys = name_keys(u.name, u.lvl);
    for (const auto& k : keys) exact.emplace_back(extend(start, k), id);
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
  build(exact_, exact);
  build(deleted_, deleted);
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
  const auto first = out.size();
  const auto take = [&](std::span<const unit_id> ids) {
    for (auto id : ids)
      if (keys_[id].size() >= 6 && within_one_edit(w, keys_[id])) out.push_back(id);
  };
  take(deleted(extend(start, w)));  // w lacks a letter
  std::string d(w);
  for (std::size_t i = 0; i < w.size(); ++i) {
    if (i > 0 && w[i] == w[i - 1]) continue;  // deleting either of a double letter is the same
    d.assign(w.substr(0, i));
    d.append(w.substr(i + 1));
    const auto h = extend(start, d);
    take(exact(h));    // w has a letter too many
    take(deleted(h));  // a letter changed, or two swapped
  }
  std::sort(out.begin() + static_cast<std::ptrdiff_t>(first), out.end());
  out.erase(std::unique(out.begin() + static_cast<std::ptrdiff_t>(first), out.end()), out.end());
}

}  // namespace lapor::region
