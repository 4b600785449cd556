#include "gateway/dedup/event.h"

#include <array>
#include <stdexcept>

#include "gateway/data_lines.h"
#include "gateway/dedup/text.h"
#include "gateway/region/place_words.h"

namespace lapor::dedup {

namespace {

constexpr std::uint64_t pow10(int n) {
  std::uint64_t p = 1;
  while (n-- > 0) p *= 10;
  return p;
}

// Digits of each level: province 2, regency 2, district 2, village 4 (10 in all).
constexpr std::array<int, 5> digits_through = {0, 2, 4, 6, 10};


// The word with one common Indonesian affix removed, for a stem lookup: di-, ke-, se-, ber-,
// ter-, me(ng|m|n|ny)-, pe(ng|m|n)- in front; -nya, -kan, -an, -i behind. Empty when none
// applies. Not a full stemmer (Sastrawi's rules go further): enough to find "diperbaiki",
// "tergenang", "berlubang", "sampahnya" under their listed forms.
void affix_variants(std::string_view w, std::array<std::string_view, 2>& out, std::size_t& n) {
  n = 0;
  const auto add = [&](std::string_view v) {
    if (v.size() >= 3 && n < out.size()) out[n++] = v;
  };
  for (std::string_view suffix : {"nya", "kan", "an"})
    if (w.size() > suffix.size() + 2 && w.ends_with(suffix)) {
      add(w.substr(0, w.size() - suffix.size()));
      break;
    }
  for (std::string_view prefix : {"meng", "meny", "mem", "men", "me", "peng", "pem", "pen", "ber", "ter", "di", "ke", "se"})
    if (w.size() > prefix.size() + 2 && w.starts_with(prefix)) {
      add(w.substr(prefix.size()));
      break;
    }
}

}  // namespace

place_code place_code::parse(std::string_view dotted) noexcept {
  place_code p;
  std::uint64_t digits = 0;
  int count = 0;
  for (char c : dotted) {
    if (c == '.') continue;
    if (c < '0' || c > '9' || count >= 10) return {};
    digits = digits * 10 + static_cast<std::uint64_t>(c - '0');
    ++count;
  }
  for (std::uint8_t l = 1; l < digits_through.size(); ++l)
    if (digits_through[l] == count) {
      p.level = l;
      p.digits = digits * pow10(10 - count);
      return p;
    }
  return {};
}

bool place_code::contains(const place_code& o) const noexcept {
  if (!level || !o.level || level > o.level) return false;
  const auto scale = pow10(10 - digits_through[level]);
  return digits / scale == o.digits / scale;
}

std::optional<event_taxonomy> event_taxonomy::parse(std::string_view text, std::string& error) {
  event_taxonomy t;
  error = data::for_each_entry(text, "event taxonomy", [&](const data::entry_line& e) -> std::string {
    if (!e.has_colon) return "expected 'problem NAME: words', 'followup: …', 'incident: …', 'changed: …' or 'household: …'";
    const auto head = e.head;
    meaning m;
    if (head.starts_with("problem ")) {
      if (t.names_.size() >= 64) return "more than 64 problems";
      const auto name = data::trim(head.substr(8));
      if (name.empty()) return "a problem needs a name";
      m.problems = std::uint64_t{1} << t.names_.size();
      t.names_.emplace_back(name);
    } else if (head == "followup") {
      m.cues = cue_followup;
    } else if (head == "incident") {
      m.cues = cue_new_incident;
    } else if (head == "changed") {
      m.cues = cue_changed;
    } else if (head == "household") {
      m.cues = cue_other_household;
    } else {
      return "unknown entry '" + std::string(head) + "'";
    }
    auto rest = e.rest;
    while (!rest.empty()) {
      rest = data::trim(rest);
      const auto sp = std::min(rest.find(' '), rest.size());
      const auto w = rest.substr(0, sp);
      rest.remove_prefix(sp);
      if (w.empty()) continue;
      for (char c : w)
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '+'))
          return "words are lowercase a-z, 0-9, _, +";
      if (const auto plus = w.find('+'); plus != std::string_view::npos) {
        if (plus == 0 || plus + 1 >= w.size() || w.find('+', plus + 1) != std::string_view::npos)
          return "a pair is word+word";
        t.pairs_.push_back({std::string(w.substr(0, plus)), std::string(w.substr(plus + 1)), m});
        continue;
      }
      for (auto us = w.find('_'); us != std::string_view::npos; us = w.find('_', us + 1))
        t.phrase_starts_.emplace(w.substr(0, us));
      auto& entry = t.words_[std::string(w)];
      entry.problems |= m.problems;
      entry.cues |= m.cues;
    }
    return {};
  });
  if (!error.empty()) return std::nullopt;
  return t;
}

const event_taxonomy& event_taxonomy::embedded() {
  static const event_taxonomy t = [] {
    static constexpr std::string_view text =
#include "embedded_events.inc"
        ;
    std::string error;
    auto parsed = parse(text, error);
    if (!parsed) throw std::runtime_error("embedded " + error);
    return std::move(*parsed);
  }();
  return t;
}

std::string event_taxonomy::problem_names(std::uint64_t mask) const {
  std::string out;
  for (unsigned i = 0; i < names_.size(); ++i)
    if (mask >> i & 1) {
      if (!out.empty()) out += ',';
      out += names_[i];
    }
  return out;
}

event event_taxonomy::read(std::string_view text) const {
  thread_local std::string buf;
  thread_local std::vector<region::word> words;
  thread_local std::string joined;
  buf.clear();
  words.clear();
  buf.reserve(text.size());
  region::split_words(text, buf, words);
  // SMS shorthand read as the words it stands for ("lmp jln" → lampu jalan), through the
  // duplicate lexicon; its stop words stay (cues need "sudah", "belum", "tidak").
  thread_local std::vector<std::pair<std::string_view, std::uint16_t>> seq;  // word, clause
  seq.clear();
  const auto& lex = lexicon::embedded();
  for (const auto& w : words) {
    const std::string* rep = lex.find(w.text);
    if (rep == nullptr || rep->empty()) {
      seq.emplace_back(w.text, w.clause);
      continue;
    }
    std::string_view r(*rep);
    while (!r.empty()) {
      const auto sp = std::min(r.find(' '), r.size());
      if (sp > 0) seq.emplace_back(r.substr(0, sp), w.clause);
      r.remove_prefix(std::min(sp + 1, r.size()));
    }
  }
  event e;
  const auto take = [&](std::string_view key) {
    auto it = words_.find(key);
    if (it == words_.end()) return false;
    e.problems |= it->second.problems;
    e.cues |= it->second.cues;
    return true;
  };
  std::array<std::string_view, 2> variants;  // one suffix, one prefix removed
  std::size_t n = 0;
  static constexpr std::array<std::string_view, 6> days = {"senin", "selasa", "rabu", "kamis", "jumat", "sabtu"};
  for (std::size_t i = 0; i < seq.size(); ++i) {
    const auto w = seq[i].first;
    for (std::size_t d = 0; d < days.size(); ++d)
      if (w == days[d]) e.weekdays |= static_cast<std::uint8_t>(1u << d);
    if (!take(w)) {
      affix_variants(w, variants, n);
      for (std::size_t k = 0; k < n; ++k)
        if (take(variants[k])) break;
    }
    // Two and three words in a row: "lampu_jalan", "tidak_ada_petugas", "sudah_saya_laporkan".
    joined.assign(w);
    for (std::size_t k = 1; k <= 3 && i + k < seq.size() && seq[i + k].second == seq[i].second; ++k) {
      if (!phrase_starts_.contains(joined)) break;
      joined.push_back('_');
      joined.append(seq[i + k].first);
      take(joined);
    }
  }
  // Pairs: both words in one clause ("jalan di desa X rusak").
  if (!pairs_.empty()) {
    for (std::size_t start = 0; start < seq.size();) {
      std::size_t end = start;
      while (end < seq.size() && seq[end].second == seq[start].second) ++end;
      for (const auto& p : pairs_) {
        bool a = false, b = false;
        for (std::size_t k = start; k < end; ++k) a |= seq[k].first == p.a, b |= seq[k].first == p.b;
        if (a && b) e.problems |= p.m.problems, e.cues |= p.m.cues;
      }
      start = end;
    }
  }
  return e;
}

event_comparison compare(const event& a, const event& b) noexcept {
  event_comparison c;
  if (a.problems && b.problems) {
    c.problem_agrees = (a.problems & b.problems) != 0;
    c.problem_conflict = !c.problem_agrees;
    c.adds_problem = (b.problems & ~a.problems) != 0;
  }
  if (a.weekdays && b.weekdays) c.day_conflict = (a.weekdays & b.weekdays) == 0;
  c.household_differs = ((a.cues ^ b.cues) & cue_other_household) != 0;
  if (a.named_count && b.named_count) {
    bool related = false;
    for (std::uint8_t i = 0; i < a.named_count && !related; ++i)
      for (std::uint8_t j = 0; j < b.named_count && !related; ++j)
        related = a.named[i].contains(b.named[j]) || b.named[j].contains(a.named[i]);
    c.named_conflict = !related;
  }
  if (a.place && b.place) {
    c.place_agrees = a.place.contains(b.place) || b.place.contains(a.place);
    c.place_conflict = !c.place_agrees;
    c.place_agrees_closely = c.place_agrees && a.place.level >= 3 && b.place.level >= 3;
  }
  return c;
}

}  // namespace lapor::dedup
