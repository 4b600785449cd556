#include "gateway/dedup/event.h"

#include <algorithm>
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
  if (w.size() < 4) return;  // every affix leaves at least three letters of a longer word
  const auto add = [&](std::string_view v) {
    if (v.size() >= 3 && n < out.size()) out[n++] = v;
  };
  // The affixes a word's last or first letter allows, in the order they are tried (the first
  // that fits is taken): a letter is looked at before any comparison, as this runs for most
  // words of every text.
  const auto suffix = [&](std::initializer_list<std::string_view> xs) {
    for (std::string_view x : xs)
      if (w.size() > x.size() + 2 && w.ends_with(x)) return add(w.substr(0, w.size() - x.size()));
  };
  switch (w.back()) {
    case 'a': suffix({"nya"}); break;
    case 'n': suffix({"kan", "an"}); break;
    default: break;
  }
  const auto prefix = [&](std::initializer_list<std::string_view> ps) {
    for (std::string_view p : ps)
      if (w.size() > p.size() + 2 && w.starts_with(p)) return add(w.substr(p.size()));
  };
  switch (w.front()) {
    case 'm': prefix({"meng", "meny", "mem", "men", "me"}); break;
    case 'p': prefix({"peng", "pem", "pen"}); break;
    case 'b': prefix({"ber"}); break;
    case 't': prefix({"ter"}); break;
    case 'd': prefix({"di"}); break;
    case 'k': prefix({"ke"}); break;
    case 's': prefix({"se"}); break;
    default: break;
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
    if (!e.has_colon) return "expected 'problem NAME: words', 'fallback NAME: words', 'object NAME: words', 'followup: …', 'incident: …', 'changed: …', 'household: …', 'information: …' or 'plain: …'";
    const auto head = e.head;
    meaning m;
    // The head is trimmed: "problem" or "object" alone is the one way to give no name.
    if (head == "problem" || head == "object") return head == "object" ? "an object needs a name" : "a problem needs a name";
    if (head.starts_with("problem ")) {
      if (t.names_.size() >= 64) return "more than 64 problems";
      m.problems = std::uint64_t{1} << t.names_.size();
      t.names_.emplace_back(data::trim(head.substr(8)));
    } else if (head.starts_with("fallback ")) {
      const auto name = data::trim(head.substr(9));
      const auto it = std::find(t.names_.begin(), t.names_.end(), name);
      if (it == t.names_.end()) return "fallback of a problem not listed before it: '" + std::string(name) + "'";
      m.fallback = std::uint64_t{1} << (it - t.names_.begin());
    } else if (head.starts_with("object ")) {
      if (t.objects_ >= 64) return "more than 64 objects";
      m.objects = std::uint64_t{1} << t.objects_++;
    } else if (head == "followup") {
      m.cues = cue_followup;
    } else if (head == "incident") {
      m.cues = cue_new_incident;
    } else if (head == "changed") {
      m.cues = cue_changed;
    } else if (head == "household") {
      m.cues = cue_other_household;
    } else if (head == "elsewhere") {
      m.cues = cue_elsewhere;
    } else if (head == "information") {
      m.cues = cue_information;
    } else if (head == "plain") {
      // Read as themselves: no meaning, and never as a listed word's affixed or vowel-dropped
      // form ("gang" is an alley, not "genang"; "mengular" a queue, not "ular").
    } else {
      return "unknown entry '" + std::string(head) + "'";
    }
    auto rest = e.rest;
    while (!rest.empty()) {
      rest = data::trim(rest);
      const auto sp = std::min(rest.find(' '), rest.size());
      const auto token = rest.substr(0, sp);
      rest.remove_prefix(sp);
      if (token.empty()) continue;
      // "rumah|kebun_mertua|tetangga_saya|sa": every choice of one alternative per slot.
      std::vector<std::string> choices{std::string()};
      for (std::size_t from = 0; from <= token.size();) {
        const auto to = std::min(token.find('_', from), token.size());
        const auto slot = token.substr(from, to - from);
        std::vector<std::string> next;
        for (std::size_t a = 0; a <= slot.size();) {
          const auto b = std::min(slot.find('|', a), slot.size());
          if (b == a && slot.size() > 0) return "an empty alternative in '" + std::string(token) + "'";
          for (const auto& c : choices) next.push_back(c.empty() ? std::string(slot.substr(a, b - a)) : c + "_" + std::string(slot.substr(a, b - a)));
          a = b + 1;
        }
        if (next.size() > 1024) return "more than 1024 phrases from one word with '|'";
        choices = std::move(next);
        from = to + 1;
      }
      for (const std::string& phrase : choices) {
        const std::string_view w = phrase;
        for (char c : w)
          if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '+'))
            return "words are lowercase a-z, 0-9, _, +";
        if (const auto plus = w.find('+'); plus != std::string_view::npos) {
          if (plus == 0 || plus + 1 >= w.size() || w.find('+', plus + 1) != std::string_view::npos)
            return "a pair is word+word";
          if (t.pairs_.size() >= 64) return "more than 64 pairs";
          const std::uint64_t bit = std::uint64_t{1} << t.pairs_.size();
          t.pairs_.push_back(m);
          t.words_[std::string(w.substr(0, plus))].pair_first |= bit;
          t.words_[std::string(w.substr(plus + 1))].pair_second |= bit;
          continue;
        }
        auto& entry = t.words_[std::string(w)];
        entry.m.problems |= m.problems;
        entry.m.fallback |= m.fallback;
        entry.m.objects |= m.objects;
        entry.m.cues |= m.cues;
        entry.listed = true;
        for (auto us = w.find('_'); us != std::string_view::npos; us = w.find('_', us + 1))
          t.words_[std::string(w.substr(0, us))].prefix = true;
      }
    }
    return {};
  });
  if (!error.empty()) return std::nullopt;
  for (const auto& [w, entry] : t.words_) {
    const meaning& m = entry.m;
    if (!entry.listed || !m.problems || w.find('_') != std::string::npos || w.size() < 5) continue;
    const std::string sk = consonant_skeleton(w);
    if (sk.size() < 3 || (sk.size() == 3 && w.size() < 6)) continue;  // "bansos" -> "bns", but not "antri" -> "antr"
    auto [it, fresh] = t.skeletons_.try_emplace(sk);
    auto& s = it->second;
    if (fresh) s.m = m, s.shortest = w.size();
    else if (s.m != m) s.ambiguous = true;
    else s.shortest = std::min(s.shortest, w.size());
  }
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

namespace {

// SMS shorthand read as the words it stands for ("lmp jln" → lampu jalan), through the
// duplicate lexicon; its stop words stay (cues need "sudah", "belum", "tidak"). Appends to `seq`.
void expand_shorthand(std::span<const region::word> words, std::vector<std::pair<std::string_view, std::uint16_t>>& seq) {
  const auto& lex = lexicon::embedded();
  for (const auto& w : words) {
    // "anjing2 liar", "papan patah2": the 2 of a reduplication would part a phrase's words.
    if (w.glued && w.text == "2") continue;
    lex.for_each_reading(w.text, [&](std::string_view x, bool) { seq.emplace_back(x, w.clause); });
  }
}

}  // namespace

event event_taxonomy::read(std::string_view text) const {
  thread_local std::string buf;
  thread_local std::vector<region::word> words;
  thread_local std::vector<clause_word> seq;
  buf.clear();
  words.clear();
  buf.reserve(text.size());
  region::split_words(text, buf, words);
  seq.clear();
  expand_shorthand(words, seq);
  return read_expanded(seq);
}

event event_taxonomy::read(const region::input_words& words) const {
  thread_local std::vector<clause_word> seq;
  seq.clear();
  // The order of read(title + "\n" + body + "\n" + location). Clause numbers compare only for
  // equality, and split_input gives no two texts a clause in common.
  expand_shorthand(words.title(), seq);
  expand_shorthand(words.body(), seq);
  expand_shorthand(words.location(), seq);
  return read_expanded(seq);
}

event event_taxonomy::read_expanded(const std::vector<clause_word>& seq) const {
  thread_local std::string joined;
  thread_local std::string skeleton_buf;
  event e;
  std::array<std::uint8_t, 64> hits{};  // per problem bit: how often the text names it
  std::uint64_t fallback = 0;
  const auto add = [&](const meaning& m) {
    e.problems |= m.problems;
    fallback |= m.fallback;
    e.objects |= m.objects;
    e.cues |= m.cues;
    for (std::uint64_t bits = m.problems; bits; bits &= bits - 1) {
      auto& h = hits[static_cast<std::size_t>(__builtin_ctzll(bits))];
      if (h < 255) ++h;
    }
  };
  // The entry of `key`, its meaning taken when it has one of its own.
  const auto look = [&](std::string_view key) -> const entry* {
    auto it = words_.find(key);
    if (it == words_.end()) return nullptr;
    if (it->second.listed) add(it->second.m);
    return &it->second;
  };
  // Words inside a follow-up phrase do not count as a new incident on their own: "lapor lagi",
  // "mengingatkan lagi" is a reminder, "mati lagi" a new occurrence.
  std::size_t quiet_until = 0;
  // Pairs: the pair words seen in the current clause.
  std::uint64_t firsts = 0, seconds = 0;
  const auto end_clause = [&] {
    for (std::uint64_t both = firsts & seconds; both; both &= both - 1)
      add(pairs_[static_cast<std::size_t>(__builtin_ctzll(both))]);
    firsts = seconds = 0;
  };
  // "bnsos", "antrn": an SMS form without its vowels (at most one left after the first
  // letter), shorter than the listed word whose skeleton it is.
  const auto take_skeleton = [&](std::string_view w) {
    if (skeletons_.empty() || w.size() < 3) return false;
    std::size_t vowels = 0;
    for (std::size_t k = 1; k < w.size(); ++k) {
      const char c = w[k];
      if (c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u') ++vowels;
      else if (c < 'a' || c > 'z') return false;
    }
    if (vowels > 1) return false;
    skeleton_buf.clear();
    skeleton_buf.push_back(w.front());
    for (std::size_t k = 1; k < w.size(); ++k) {
      const char c = w[k];
      if (c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u' || c == skeleton_buf.back()) continue;
      skeleton_buf.push_back(c);
    }
    auto it = skeletons_.find(std::string_view(skeleton_buf));
    if (it == skeletons_.end() || it->second.ambiguous || w.size() >= it->second.shortest) return false;
    add(it->second.m);
    return true;
  };
  std::array<std::string_view, 2> variants;  // one suffix, one prefix removed
  std::size_t n = 0;
  static constexpr std::array<std::string_view, 6> days = {"senin", "selasa", "rabu", "kamis", "jumat", "sabtu"};
  // The words around a day word (within its clause) that say which day it names, if any.
  const auto weekday = [](std::string_view x) {
    for (const auto d : days)
      if (x == d) return true;
    return x == "minggu";
  };
  const auto spans = [](std::string_view x) {  // "sampai hari ini", "sudah 3 hari ini"
    return x == "sampai" || x == "hingga" || x == "sampe" || x == "smpe" || x == "sd" || x == "per" ||
           (!x.empty() && x.front() >= '0' && x.front() <= '9');
  };
  for (std::size_t i = 0; i < seq.size(); ++i) {
    const auto w = seq[i].first;
    if (i > 0 && seq[i].second != seq[i - 1].second) end_clause();
    const auto in_clause = [&](std::size_t k) { return k < seq.size() && seq[k].second == seq[i].second; };
    const std::string_view before = i > 0 && in_clause(i - 1) ? seq[i - 1].first : std::string_view{};
    const std::string_view after = in_clause(i + 1) ? seq[i + 1].first : std::string_view{};
    // "malam Jumat" is Thursday night: both days, so that "Kamis malam" agrees with it.
    const auto name_day = [&](std::size_t d) {
      e.weekdays |= static_cast<std::uint8_t>(1u << d);
      if (before == "malam") e.weekdays |= static_cast<std::uint8_t>(1u << (d + 6) % 7);
    };
    if (w.size() >= 4 && w.size() <= 6 && (w[0] == 's' || w[0] == 'r' || w[0] == 'k' || w[0] == 'j'))
      for (std::size_t d = 0; d < days.size(); ++d)
        if (w == days[d]) name_day(d);
    // Minggu is Sunday only where it cannot be "week": "hari/malam Minggu", "Minggu pagi".
    if (w == "minggu" && (before == "hari" || before == "malam" || after == "pagi" || after == "siang" ||
                          after == "sore" || after == "malam"))
      name_day(6);
    // "hari ini", "kemarin" date the incident, unless they end a span ("sampai hari ini belum
    // diperbaiki", "sudah 3 hari ini"), a weekday is named with them ("Jumat kemarin") or
    // they date a report ("laporan kemarin").
    if (w == "ini" && before == "hari" && !(i >= 2 && in_clause(i - 2) && spans(seq[i - 2].first)))
      e.relative_days |= relative_today;
    const bool of_report = before == "laporan" || before == "lapor" || before == "melapor" || before == "dilaporkan";
    if (w == "kemarin" && !spans(before) && !weekday(before) && !weekday(after) && !of_report)
      e.relative_days |= relative_yesterday;
    const std::uint8_t cues_before = e.cues;
    const entry* found = look(w);
    if (found == nullptr || !found->listed) {
      affix_variants(w, variants, n);
      bool listed = false;
      for (std::size_t k = 0; k < n && !listed; ++k) {
        const entry* v = look(variants[k]);
        listed = v != nullptr && v->listed;
      }
      if (!listed) (void)take_skeleton(w);
    }
    if (i < quiet_until && !(cues_before & cue_new_incident)) e.cues &= static_cast<std::uint8_t>(~cue_new_incident);
    if (found == nullptr) continue;
    firsts |= found->pair_first;
    seconds |= found->pair_second;
    // Two to four words in a row, while they begin a listed phrase: "lampu_jalan",
    // "tidak_ada_petugas", "sudah_saya_laporkan".
    if (!found->prefix) continue;
    joined.assign(w);
    for (std::size_t k = 1; k <= 3 && i + k < seq.size() && seq[i + k].second == seq[i].second; ++k) {
      joined.push_back('_');
      joined.append(seq[i + k].first);
      const entry* phrase = look(joined);
      if (phrase == nullptr) break;
      if (phrase->listed && (phrase->m.cues & cue_followup)) quiet_until = std::max(quiet_until, i + k + 1);
      if (!phrase->prefix) break;
    }
  }
  end_clause();
  // "utk laporan padam di Tompotikka": a word that says something is out tells what is out only
  // when nothing else does ("PJU padam" is a street light).
  if (e.problems == 0 && fallback != 0) {
    e.problems = e.main = fallback;
    e.cues |= cue_vague_problem;
    return e;
  }
  std::uint8_t most = 0;
  for (const auto h : hits) most = std::max(most, h);
  if (most > 0)
    for (std::size_t i = 0; i < hits.size(); ++i)
      if (hits[i] == most) e.main |= std::uint64_t{1} << i;
  return e;
}

void with_sent_day(event& e, int sent_weekday) noexcept {
  std::uint8_t days = 0;
  const auto add = [&](int weekday) {
    if (weekday >= 0 && weekday < 7) days |= static_cast<std::uint8_t>(1u << weekday);
  };
  if (e.relative_days & relative_today) add(sent_weekday);
  if (e.relative_days & relative_yesterday) add((sent_weekday + 6) % 7);
  e.relative_days = 0;
  if (days == 0) return;
  if ((e.weekdays & weekday_bits) == 0) e.weekdays = only_relative_days;
  e.weekdays |= days;
}

event_comparison compare(const event& a, const event& b) noexcept {
  event_comparison c;
  if (a.problems && b.problems) {
    c.problem_agrees = (a.problems & b.problems) != 0;
    c.problem_conflict = !c.problem_agrees;
    // Problems read from a fallback word ("padam": electricity or a street light) are what the
    // earlier one names, or a conflict; never one added.
    const bool vague = b.cues & cue_vague_problem;
    c.mentions_other = !vague && (b.problems & ~a.problems) != 0;
    c.adds_problem = !vague && (b.main & ~a.problems) != 0;
  }
  c.objects_differ = a.objects && b.objects && !(a.objects & b.objects);
  c.elsewhere = (b.cues & ~a.cues & cue_elsewhere) != 0;
  const std::uint8_t da = a.weekdays & weekday_bits, db = b.weekdays & weekday_bits;
  if (da && db && !((a.weekdays & b.weekdays) & only_relative_days)) c.day_conflict = (da & db) == 0;
  c.household_differs = ((a.cues ^ b.cues) & cue_other_household) != 0;
  c.kind_differs = ((a.cues ^ b.cues) & cue_information) != 0;
  if (a.named_count && b.named_count) {
    bool related = false;
    for (std::uint8_t i = 0; i < a.named_count && !related; ++i)
      for (std::uint8_t j = 0; j < b.named_count && !related; ++j)
        related = a.named[i].contains(b.named[j]) || b.named[j].contains(a.named[i]);
    c.named_conflict = !related;
    c.named_agrees = related;
  }
  if (a.place && b.place) {
    c.place_agrees = a.place.contains(b.place) || b.place.contains(a.place);
    c.place_conflict = !c.place_agrees;
    c.place_agrees_closely = c.place_agrees && a.place.level >= 3 && b.place.level >= 3;
  }
  return c;
}

}  // namespace lapor::dedup
