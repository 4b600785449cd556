#include "gateway/region/resolver.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <tuple>
#include <utility>

#include "gateway/region/place_words.h"

namespace lapor::region {

std::string_view to_string(source s) noexcept {
  switch (s) {
    case source::location: return "location";
    case source::text: return "text";
    case source::geo: return "geo";
  }
  return "text";
}

namespace {

// How much a mention counts. The form's or app's location field is what the citizen said the
// place is; the text may mention other places in passing.
constexpr float field_weight = 3.0f;
constexpr float problem_weight = 2.0f;  // "kejadiannya di Karawang"
constexpr float near_weight = 0.5f;     // "dekat Kopelma Darussalam": a landmark nearby
constexpr float weak_weight = 0.5f;     // a level word that names no unit of that level
constexpr float typo_weight = 0.8f;
constexpr float reporter_support = 0.2f;  // the reporter's own place, containing a named one
// Readings whose scores differ by less than this are ties (sums of the weights above).
constexpr float tie = 0.001f;
constexpr std::size_t max_words_in_name = 5;
constexpr std::size_t max_candidates = 256;  // more is no place at all
constexpr std::size_t max_mentions = 64;     // mentions are bits of a 64-bit mask
constexpr std::size_t min_typo_letters = 7;  // "typos of one letter in long names"
constexpr std::size_t min_glued_typo_letters = 10;
constexpr std::size_t min_typo_alone = 7;  // a regency or province misspelt counts alone from here

struct token {
  std::string_view text;
  std::uint16_t clause = 0;
  std::uint16_t roles = 0;
  bool field = false;
  bool capital = false;      // capitalised or a hashtag: written as a name, or a sentence's first word
  bool dash_before = false;  // "Curup - Kepahiang"
  bool sentence_before = false;
  std::uint8_t roles2 = 0;
  bool from_alias = false;  // written as a short form ("sby" → kota surabaya)
  bool hashtag = false;
};

struct mention {
  std::uint32_t begin = 0, end = 0;  // candidates in scratch::cands
  std::uint32_t first_token = 0, end_token = 0;
  float weight = 1;
  bool field = false;
  bool marked = false;        // a level word came before it
  bool village_only = false;  // unmarked, and every candidate is a village
  bool common = false;        // an ordinary word, or too many units
  bool typo = false;
  bool reporter = false;      // the reporter's own place ("saya tinggal di ...")
  bool proper = false;
  bool span = false;          // one end of a stretch, merged with the other end
  bool route_end = false;     // after "dari", or after "ke" with a "dari" before: a stretch's end
  bool hashtag = false;       // written as #Name
  bool participates = false;
  std::uint32_t key_letters = 0;
  [[nodiscard]] std::size_t size() const { return end - begin; }
};

struct scored {
  unit_id unit;
  std::uint64_t own = 0;  // mentions that may be this unit
  std::uint64_t up = 0;   // mentions that may be a unit containing it
};

struct scratch {
  input_words input;  // resolve(place_input) splits into it
  std::string glue;
  std::vector<token> tokens;
  std::vector<unit_id> cands;
  std::vector<unit_id> merged;
  std::vector<unit_id> near;
  std::vector<mention> mentions;
  std::vector<scored> units;
};

constexpr std::array<std::string_view, 10> glued_prefixes = {"kabupaten", "kecamatan", "kelurahan", "provinsi", "kab",
                                                             "kota",      "kec",       "kel",       "desa",     "prov"};

// Indonesian verbs and pronoun forms (diperbaiki, berlubang, tertutup, menumpuk, rusaknya,
// laporkan): almost no unit name has these affixes (a few dozen of 6,000 long names do), and
// they are most of the long words of a complaint, so they are not tried as misspelt names.
bool inflected(std::string_view w) {
  using namespace std::string_view_literals;
  if (w.size() < 3) return w == "di"sv;
  // By first and last letter before any comparison (this runs for most long words of a text).
  switch (w.front()) {
    case 'd': if (w[1] == 'i') return true; break;
    case 'b': if (w.starts_with("ber"sv)) return true; break;
    case 't': if (w.starts_with("ter"sv)) return true; break;
    case 'm': if (w.starts_with("mem"sv) || w.starts_with("men"sv)) return true; break;  // meng… too
    case 'p': if (w.starts_with("peng"sv)) return true; break;
    default: break;
  }
  switch (w.back()) {
    case 'a': return w.ends_with("nya"sv);
    case 'n': return w.ends_with("kan"sv) || w.ends_with("pun"sv);
    case 'h': return w.ends_with("lah"sv);
    default: return false;
  }
}

bool level_matches(const unit& u, std::uint16_t roles) {
  switch (u.lvl) {
    case level::province: return roles & role_province;
    case level::regency: return roles & (u.city ? role_city : role_regency);
    case level::district: return roles & role_district;
    case level::village: return roles & role_village;
  }
  return false;
}

// What scan() knows about the words before a mention.
struct context {
  float cue = 1;  // problem_weight after "kejadiannya", else 1
  bool reporter = false;
  bool near = false;
  bool toward = false;  // after "ke", "menuju" in this clause, before the next mention
  bool from = false;    // "dari" earlier in this clause
  bool just_from = false;  // set at "dari", moved to after_from at the next word
  bool after_from = false; // the word before this one is "dari"
  bool route = false;
};

class reading {
 public:
  reading(const region_table& t, const lexicon& lx, const name_index& names, scratch& s)
      : t_(t), lx_(lx), names_(names), s_(s) {}

  std::string explain(const place_input& in) {
    const auto r = run(in);
    std::string out;
    for (const auto& m : s_.mentions) {
      out += "[";
      for (auto i = m.first_token; i < m.end_token; ++i) out += std::string(s_.tokens[i].text) + " ";
      out += std::string(m.field ? "field" : "text") + " w=" + std::to_string(m.weight).substr(0, 4) +
             (m.participates ? " counted" : " ignored") + (m.marked ? " marked" : "") +
             (m.village_only ? " villages" : "") + (m.common ? " common" : "") + (m.typo ? " typo" : "") +
             (m.reporter ? " reporter" : "") + (m.span ? " span" : "") + (m.proper ? " proper" : "") +
             " n=" + std::to_string(m.size()) + ":";
      for (auto i = m.begin; i < m.end && i < m.begin + 4; ++i)
        out += " " + t_.at(s_.cands[i]).code + " " + std::string(t_.at(s_.cands[i]).name);
      out += "] ";
    }
    out += "=> " + (r ? t_.at(r.unit).code : std::string("null"));
    return out;
  }

  resolution run(const place_input& in) {
    split_input(in.location, in.title, in.body, s_.input);
    return run(s_.input);
  }

  resolution run(const input_words& in) {
    s_.tokens.clear();
    s_.cands.clear();
    s_.mentions.clear();
    for (std::size_t i = 0; i < in.words.size(); ++i) add_token(in.words[i], i < in.title_begin);
    scan();
    return decide();
  }

 private:
  [[nodiscard]] bool is_name(std::string_view w) const {
    return !names_.exact(name_index::extend(name_index::start, w)).empty();
  }

  void push(std::string_view text, const word& w, bool field, const lexicon::entry* e) {
    s_.tokens.push_back({text, w.clause, e ? e->roles : std::uint16_t{0}, field, w.hashtag || w.capital,
                         w.dash_before, w.sentence_before, e ? e->roles2 : std::uint8_t{0}, false, w.hashtag});
  }
  void push(std::string_view text, const word& w, bool field) { push(text, w, field, lx_.find(text)); }

  void add_token(const word& w, bool field) {
    const auto* e = lx_.find(w.text);
    if (e && !e->alias.empty()) {
      // "kec bjm timur": after a level word the short form's own level word ("bjm" = kota
      // banjarmasin) would be read as a name of the written level (a district "Kota").
      const bool after_level = !s_.tokens.empty() && (s_.tokens.back().roles & level_roles) &&
                               s_.tokens.back().clause == w.clause && s_.tokens.back().field == field;
      bool first = true;
      for (const auto& x : e->alias) {
        if (std::exchange(first, false) && after_level && e->alias.size() > 1 && (lx_.roles(x) & level_roles)) continue;
        push(x, w, field);
        s_.tokens.back().from_alias = true;
      }
      return;
    }
    // Glued level words: "kabmojokerto", "#KecSukarame" typed as one word.
    if (!e && w.text.size() >= 7 && !is_name(w.text)) {
      for (auto p : glued_prefixes) {
        if (w.text.front() != p.front() || w.text.size() < p.size() + 4 || !w.text.starts_with(p)) continue;
        const auto rest = w.text.substr(p.size());
        const auto* a = lx_.alias(rest);
        if (!a && !is_name(rest)) continue;
        push(p, w, field);
        if (a)
          for (const auto& x : *a) push(x, w, field);
        else
          push(rest, w, field);
        return;
      }
    }
    push(w.text, w, field, e);
  }

  // The longest run of words from `i` that is a name: its length (0 = none) and hash.
  [[nodiscard]] std::pair<std::size_t, std::uint64_t> longest_name(std::size_t i) const {
    const auto& tk = s_.tokens;
    std::size_t best = 0;
    std::uint64_t best_hash = 0;
    auto h = name_index::start;
    for (std::size_t n = 1; n <= max_words_in_name && i + n <= tk.size(); ++n) {
      const auto& w = tk[i + n - 1];
      if (w.clause != tk[i].clause || w.field != tk[i].field) break;
      h = name_index::extend(h, w.text);
      // Every name is also the beginning of a name: most words begin none and stop here,
      // without a look at the names themselves.
      if (!names_.starts_name(h)) break;
      if (!names_.exact(h).empty()) best = n, best_hash = h;
    }
    return {best, best_hash};
  }

  // "batu bara" (coal) is Kabupaten Batu Bara only after a level word.
  [[nodiscard]] bool common_phrase(std::size_t i, std::size_t n) {
    s_.glue.clear();
    for (std::size_t k = i; k < i + n; ++k) s_.glue.append(s_.tokens[k].text);
    return lx_.roles(s_.glue) & role_common;
  }

  // "Kec. Lembang": a level word after a level word is a name when it is one of that level.
  [[nodiscard]] bool pending_names(std::uint16_t pending, std::uint64_t h) const {
    if (!pending) return false;
    for (auto id : names_.exact(h))
      if (level_matches(t_.at(id), pending)) return true;
    return false;
  }

  // At a level word that also begins a longer name: whether the level word reading wins.
  // "Kota Batu" is the city Batu, not the villages called "Kota Batu"; but "Kampung Melayu"
  // is the district of that name, not a village Melayu. The level word wins when it names a
  // level above the village, the longer name is only villages, and a unit of its level
  // follows it.
  [[nodiscard]] bool prefer_level_word(std::size_t i, std::uint64_t long_hash) const {
    const auto roles = s_.tokens[i].roles & level_roles & ~role_village;
    if (!roles) return false;
    for (auto id : names_.exact(long_hash))
      if (t_.at(id).lvl != level::village) return false;
    if (i + 1 >= s_.tokens.size() || s_.tokens[i + 1].clause != s_.tokens[i].clause) return false;
    const auto [n, h] = longest_name(i + 1);
    if (!n) return false;
    for (auto id : names_.exact(h))
      if (level_matches(t_.at(id), roles)) return true;
    return false;
  }

  void scan() {
    const auto& tk = s_.tokens;
    std::uint16_t pending = 0;  // level words waiting for a name
    int skip = 0;               // words still to skip after a street/shop/person word
    context cx;
    bool between = false;  // "antara" seen: its "dan" joins two ends
    bool office = false;   // "kantor" just before
    constexpr auto none = static_cast<std::size_t>(-1);
    std::size_t last_end = none;  // the token after the last mention
    for (std::size_t i = 0; i < tk.size();) {
      const auto& t = tk[i];
      cx.after_from = std::exchange(cx.just_from, false);
      if (t.dash_before && last_end == i) cx.route = true;
      if (t.sentence_before || (i > 0 && tk[i - 1].clause != t.clause)) close_reporter_cue();
      if (t.sentence_before) {
        cx.reporter = cx.route = cx.near = cx.toward = cx.from = between = false;
        skip = 0;
      }
      if (t.hashtag) skip = 0;  // #Jaksel is a tag the citizen chose: never a street's name
      if (i > 0 && tk[i - 1].clause != t.clause) {
        skip = 0;
        pending = 0;
        cx.reporter = cx.route = cx.near = cx.toward = cx.from = between = false;
        if (tk[i - 1].field != t.field) cx.cue = 1;
      }
      std::size_t best = 0;
      std::uint64_t best_hash = 0;
      // A street, shop or person word starts no name, unless a level word came before it
      // ("Kab. Banjar" is a regency; "banjar" alone is a Balinese hamlet) or the name has
      // several words ("Pasar Minggu").
      if (pending || !(t.roles & (role_below | role_not_place | role_stop))) {
        std::tie(best, best_hash) = longest_name(i);
      } else if (t.roles & role_not_place) {
        std::tie(best, best_hash) = longest_name(i);
        if (best < 2) best = 0;
      }
      if (best) {
        // A level word alone is its role ("kota", "desa"), even where a village bears its name;
        // and "Kota Batu" is the city Batu, not the villages called "Kota Batu".
        if (best >= 1 && (t.roles & level_roles) && !pending_names(pending, best_hash) &&
            (best == 1 || prefer_level_word(i, best_hash)))
          best = 0;
        else if (best == 1 && !pending && (t.roles & ~role_common))
          best = 0;
      }
      if (best) {
        if (skip > 0 && !pending) {
          // A street, shop or person named after a place; a title word ("Jl. Raya …") is not
          // yet the name.
          if (!(t.roles2 & role2_street_prefix) || best > 1) --skip;
        } else {
          const bool common = best == 1 ? (t.roles & role_common) != 0 : common_phrase(i, best);
          add_mention(names_.exact(best_hash), pending, common, false, i, i + best, cx);
          last_end = i + best;
          skip = 0;
          cx.route = cx.near = cx.toward = false;
        }
        pending = 0;
        i += best;
        continue;
      }
      const auto r = t.roles;
      const auto r2 = t.roles2;
      ++i;
      // Before the words that skip a name: "dr" is also a doctor's title (not_place).
      if (r2 & role2_from) cx.from = cx.just_from = true;
      if ((r & level_roles) && office) {
        // "Kantor Kecamatan Kejaksan": the office someone went to, not where the problem is.
        office = false;
        skip = 2;
        continue;
      }
      if (r & level_roles) {
        // A level word inside a short form ("Bank Jatim" = bank jawa timur, "bus … sby") does
        // not end the words skipped after a shop or bus: the short form is part of its name.
        if (t.from_alias && skip > 0) continue;
        pending |= r & level_roles;
        skip = 0;
        continue;
      }
      pending = 0;
      office = (r2 & role2_office) != 0;
      if (office) continue;
      if (r & (role_below | role_not_place)) {
        // "Jalan Curup - Kepahiang", "Jalan Trans Papua Jayapura–Wamena": a road named by its
        // ends names places. Otherwise the street's name is one word ("Jl. Pramuka Rajabasa":
        // Rajabasa is a place) after any title words ("Jl. Jenderal Sudirman Pekanbaru",
        // "Jalan Raya Bogor"); a shop's or person's name up to two ("Toko Bandung Jaya").
        skip = route_ahead(i) ? 0 : (r & role_below) ? 1 : 2;
        continue;
      }
      if (r & role_stop) {
        skip = 0;
        if (!(r2 & role2_toward)) cx.toward = false;  // "ke rumah saya di Sukajadi": at it, not toward it
      }
      if ((r & role_route) && last_end != none && i - 1 <= last_end + 1) cx.route = true;
      if (r & role_between) between = true;
      if (between && (r2 & role2_between_end)) cx.route = true, between = false;
      if (r2 & role2_near) cx.near = true;
      if (r2 & role2_toward) {
        cx.toward = true;
        // "dari Bogor ke Sukabumi": ke after a "dari" end joins the two ends, as "sampai" does.
        if (cx.from && last_end != none && i - 1 <= last_end + 1) cx.route = true;
      }
      if (!t.field) {
        const bool self_beside =
            (i < tk.size() && (tk[i].roles & role_self)) || (i >= 2 && (tk[i - 2].roles & role_self));
        if ((r & role_reporter) || ((r & role_reporter_pair) && self_beside)) {
          cx.reporter = true, cx.cue = 1;
          if (r2 & role2_address) {
            mentions_at_cue_ = s_.mentions.size();
            reporter_cue_open_ = true;
          }
        }
        if (r & role_problem) cx.cue = problem_weight, cx.reporter = false;
        if (r & role_contrast) cx.reporter = false;
      }
      if ((r2 & role2_street_prefix) && skip > 0) continue;  // "Jl. Jenderal …": the name follows
      if (r & ~role_common) continue;
      if (skip > 0) {
        --skip;
        continue;
      }
      if (const auto end = typo_mention(i - 1, cx)) {
        last_end = end;
        cx.route = cx.near = cx.toward = false;
        i = end;
      }
    }
    close_reporter_cue();
  }

  // "Alamat di atas domisili saya." — an address word followed by no place in its sentence
  // speaks of the location field: the field is the reporter's address, not
  // necessarily the problem's.
  void close_reporter_cue() {
    if (reporter_cue_open_ && s_.mentions.size() == mentions_at_cue_) field_is_reporter_ = true;
    reporter_cue_open_ = false;
  }

  // Whether a stretch (a dash between words, "sampai", "hingga") follows within a few words.
  [[nodiscard]] bool route_ahead(std::size_t i) const {
    const auto& tk = s_.tokens;
    for (std::size_t k = i; k < tk.size() && k < i + 5 && tk[k].clause == tk[i - 1].clause; ++k)
      if (tk[k].dash_before || (tk[k].roles & role_route)) return true;
    return false;
  }

  // An unknown word, or two (a name split by a space: "pelabuhan ratu" for Palabuhanratu):
  // a province, regency or district with one letter wrong? The token after it, or 0.
  std::size_t typo_mention(std::size_t i, const context& cx) {
    const auto& tk = s_.tokens;
    const auto& t = tk[i];
    if ((t.text.front() >= '0' && t.text.front() <= '9') || inflected(t.text)) return 0;
    if (i + 1 < tk.size() && tk[i + 1].clause == t.clause && tk[i + 1].field == t.field &&
        !(t.roles & ~role_common) && !(tk[i + 1].roles & ~role_common) &&
        t.text.size() + tk[i + 1].text.size() >= min_glued_typo_letters) {
      s_.glue.assign(t.text);
      s_.glue.append(tk[i + 1].text);
      s_.near.clear();
      names_.near(s_.glue, s_.near);
      if (!s_.near.empty()) {
        add_mention(s_.near, 0, false, true, i, i + 2, cx);
        return i + 2;
      }
    }
    if (t.text.size() < min_typo_letters) return 0;
    s_.near.clear();
    names_.near(t.text, s_.near);
    if (s_.near.empty()) return 0;
    add_mention(s_.near, 0, false, true, i, i + 1, cx);
    return i + 1;
  }

  void add_mention(std::span<const unit_id> ids, std::uint16_t pending, bool common, bool typo, std::size_t first,
                   std::size_t end, const context& cx) {
    if (s_.mentions.size() >= max_mentions) return;
    // An ordinary word ("yang", "pasar") is a name only after a level word: no need to weigh
    // the villages it could be.
    if (common && !pending) return;
    const auto& t = s_.tokens[first];
    mention m;
    m.first_token = static_cast<std::uint32_t>(first);
    m.end_token = static_cast<std::uint32_t>(end);
    m.field = t.field;
    m.typo = typo;
    m.proper = t.capital;
    m.hashtag = t.hashtag;
    m.reporter = cx.reporter && !t.field;
    m.route_end = !pending && (cx.after_from || (cx.from && cx.toward));
    for (auto k = first; k < end; ++k) m.key_letters += static_cast<std::uint32_t>(s_.tokens[k].text.size());
    m.begin = static_cast<std::uint32_t>(s_.cands.size());
    bool weak = false;
    if (pending) {
      for (auto id : ids)
        if (level_matches(t_.at(id), pending)) s_.cands.push_back(id);
      weak = s_.cands.size() == m.begin;
      m.marked = !weak;
    }
    if (!m.marked) {
      // Unmarked: a name that is a unit and also a unit inside it ("Ubud" the district and
      // its village) is the larger one; a name that is a province or regency is that, not
      // the villages that bear it elsewhere ("Surabaya" is the city, not the kelurahan
      // Surabaya in Bandar Lampung).
      bool has_upper = false;
      for (auto id : ids) has_upper |= t_.at(id).lvl <= level::regency;
      for (auto id : ids) {
        if (has_upper && t_.at(id).lvl == level::village) continue;
        bool nested = false;
        for (auto p = t_.at(id).parent; p != no_unit && !nested; p = t_.at(p).parent)
          nested = std::binary_search(ids.begin(), ids.end(), p);
        if (!nested) s_.cands.push_back(id);
      }
    }
    m.end = static_cast<std::uint32_t>(s_.cands.size());
    if (m.end == m.begin) return;
    m.village_only = !m.marked;
    for (auto i = m.begin; i < m.end && m.village_only; ++i) m.village_only = t_.at(s_.cands[i]).lvl == level::village;
    // "jalan ke Tanjung Merah", "dekat Tablolong": a village the road leads to or a landmark
    // is near is a reference point; the problem may lie outside it. It decides nothing (the
    // answer stays at the district or regency named), rather than guess the village.
    if (m.village_only && (cx.near || cx.toward)) {
      s_.cands.resize(m.begin);
      return;
    }
    m.common = common || m.size() > max_candidates;
    m.weight = (m.field ? field_weight : cx.cue) * (weak ? weak_weight : 1.0f) * (typo ? typo_weight : 1.0f) *
               (cx.near ? near_weight : 1.0f);
    if (cx.route && !s_.mentions.empty() && !s_.mentions.back().span && s_.mentions.back().field == m.field &&
        m.first_token <= s_.mentions.back().end_token + 3) {
      if (merge_span(m)) return;
      across_provinces_ = true;  // "Jayapura–Wamena": a stretch across provinces is no one place
    }
    s_.mentions.push_back(m);
  }

  // The two ends of a stretch ("Cisarua sampai Tugu Utara", "antara Adiwerna dan Slawi",
  // "Curup - Kepahiang") are one mention: the smallest unit holding both ends. False when
  // the ends are in different provinces (two places, not one stretch).
  bool merge_span(const mention& far) {
    auto& near = s_.mentions.back();
    auto& merged = s_.merged;
    merged.clear();
    for (auto i = near.begin; i < near.end; ++i)
      for (auto j = far.begin; j < far.end; ++j) {
        const auto u = t_.common_ancestor(s_.cands[i], s_.cands[j]);
        if (u != no_unit) merged.push_back(u);
      }
    if (merged.empty()) return false;
    std::sort(merged.begin(), merged.end());
    merged.erase(std::unique(merged.begin(), merged.end()), merged.end());
    // The readings where the ends lie closest together: a unit that holds another reading
    // is a looser one (units are sorted by code, so a unit's descendants follow it).
    std::erase_if(merged, [&](unit_id u) {
      const auto next = std::upper_bound(merged.begin(), merged.end(), u);
      return next != merged.end() && t_.contains(u, *next);
    });
    // The near end's candidates are followed only by the far end's: replace both.
    s_.cands.resize(near.begin);
    s_.cands.insert(s_.cands.end(), merged.begin(), merged.end());
    near.end = static_cast<std::uint32_t>(s_.cands.size());
    near.end_token = far.end_token;
    near.weight = std::max(near.weight, far.weight);
    near.span = true;
    near.marked = near.marked || far.marked;
    near.common = near.common && far.common;
    near.typo = near.typo && far.typo;
    near.village_only = false;
    near.route_end = false;
    near.proper = near.proper || far.proper;
    near.reporter = near.reporter && far.reporter;
    return true;
  }

  scored* find(unit_id u) {
    auto it = std::lower_bound(s_.units.begin(), s_.units.end(), u,
                               [](const scored& a, unit_id b) { return a.unit < b; });
    return it != s_.units.end() && it->unit == u ? &*it : nullptr;
  }

  resolution decide() {
    auto& ms = s_.mentions;
    if (ms.empty()) return {};
    // Every unit some mention may be, with the mentions that may be it.
    s_.units.clear();
    for (std::size_t k = 0; k < ms.size(); ++k)
      for (auto i = ms[k].begin; i < ms[k].end; ++i) s_.units.push_back({s_.cands[i], std::uint64_t{1} << k, 0});
    std::sort(s_.units.begin(), s_.units.end(), [](const scored& a, const scored& b) { return a.unit < b.unit; });
    std::size_t out = 0;
    for (std::size_t i = 0; i < s_.units.size(); ++i) {
      if (out > 0 && s_.units[out - 1].unit == s_.units[i].unit) s_.units[out - 1].own |= s_.units[i].own;
      else s_.units[out++] = s_.units[i];
    }
    s_.units.resize(out);
    std::uint64_t agreeing = 0;     // mentions inside or around another's regency or district
    std::uint64_t in_district = 0;  // mentions inside another's district
    for (auto& u : s_.units) {
      std::uint64_t strong = 0, district = 0;
      for (auto p = t_.at(u.unit).parent; p != no_unit; p = t_.at(p).parent) {
        const auto* a = find(p);
        if (!a) continue;
        u.up |= a->own;
        if (t_.at(p).lvl >= level::regency) strong |= a->own;
        if (t_.at(p).lvl == level::district) district |= a->own;
      }
      strong &= ~u.own;
      district &= ~u.own;
      if (strong) agreeing |= u.own | strong;
      if (district) in_district |= u.own;
    }

    // Which mentions count. An ordinary word counts only after a level word ("desa Baru").
    // A name that is only villages, or a near miss of a district, counts when a regency or
    // district named beside it agrees (it lies inside it): alone it is too likely a word, a
    // namesake or a person (a village name, even a unique one, is often an ordinary word).
    std::uint64_t counted = 0, counted_not_reporter = 0;
    for (std::size_t k = 0; k < ms.size(); ++k) {
      auto& m = ms[k];
      const auto bit = std::uint64_t{1} << k;
      const bool agrees = agreeing & bit;
      bool upper = false;  // may be a province or regency
      for (auto i = m.begin; i < m.end; ++i) upper |= t_.at(s_.cands[i]).lvl <= level::regency;
      bool ok;
      if (m.route_end && !m.span) ok = false;  // one end of a stretch whose other end is no unit
      else if (m.common) ok = m.marked;
      else if (m.typo) ok = agrees || (upper && m.size() == 1 && m.key_letters >= min_typo_alone);
      else if (m.marked || upper || m.span) ok = true;
      else if (m.village_only) ok = agrees && (m.proper || (in_district & bit));
      else ok = m.proper || agrees;  // a district: written as a name, or agreed
      m.participates = ok;
      if (ok) counted |= bit;
      if (ok && !m.reporter && !(m.field && field_is_reporter_)) counted_not_reporter |= bit;
    }
    // The reporter's home or work counts only when nothing else is named; then it may still
    // narrow a name inside it ("warga Bekasi, kerja di Jaksel … perempatan Pancoran"), weakly.
    std::uint64_t support = 0;
    if (counted_not_reporter) support = counted & ~counted_not_reporter, counted = counted_not_reporter;
    if (!counted) return {};
    resolution res;
    for (std::size_t k = 0; k < ms.size() && res.place_count < res.places.size(); ++k) {
      if (!(counted >> k & 1)) continue;
      const auto& m = ms[k];
      const auto add = [&](unit_id u) {
        if (u == no_unit) return;
        for (std::uint8_t i = 0; i < res.place_count; ++i)
          if (res.places[i] == u) return;
        if (res.place_count < res.places.size()) res.places[res.place_count++] = u;
      };
      if (m.size() <= 4) {
        for (auto i = m.begin; i < m.end; ++i) add(s_.cands[i]);
      } else {
        auto u = s_.cands[m.begin];
        for (auto i = m.begin + 1; i < m.end && u != no_unit; ++i) u = t_.common_ancestor(u, s_.cands[i]);
        add(u);
      }
    }
    // A stretch across provinces in the text, and no location field: nowhere in particular.
    if (across_provinces_) {
      bool field = false;
      for (auto bits = counted; bits; bits &= bits - 1) field |= ms[std::countr_zero(bits)].field;
      if (!field) return res;
    }

    // A stretch is not narrowed by a hashtag: "Jalan Curup - Kepahiang … #RejangLebong" is the
    // province both ends lie in (the tag names one end's regency); "Jalan Cirebon-Kuningan di
    // Kec. Mandirancan" is that district (the text names the point on the road).
    std::uint64_t spans = 0, tags = 0;
    for (std::size_t k = 0; k < ms.size(); ++k) {
      if (ms[k].span && (counted >> k & 1)) spans |= std::uint64_t{1} << k;
      if (ms[k].hashtag) tags |= std::uint64_t{1} << k;
    }
    const std::uint64_t answers = spans ? counted & ~tags : counted;  // mentions whose units may be the answer
    std::array<float, max_mentions> w{};
    for (std::size_t k = 0; k < ms.size(); ++k) w[k] = ms[k].weight;
    const auto score = [&](const scored& u) {
      float s = 0;
      for (auto bits = (u.own | u.up) & counted; bits; bits &= bits - 1) s += w[std::countr_zero(bits)];
      for (auto bits = u.up & ~u.own & support; bits; bits &= bits - 1) s += reporter_support * w[std::countr_zero(bits)];
      return s;
    };
    float best = 0;
    for (const auto& u : s_.units)
      if (u.own & answers) best = std::max(best, score(u));
    unit_id answer = no_unit;
    bool first = true, from_field = false;
    for (const auto& u : s_.units) {
      if (!(u.own & answers) || score(u) < best - tie) continue;
      answer = first ? u.unit : t_.common_ancestor(answer, u.unit);
      first = false;
      for (auto bits = (u.own | u.up) & counted; bits; bits &= bits - 1) from_field |= ms[std::countr_zero(bits)].field;
      if (answer == no_unit) return res;
    }
    // The location field is what the citizen states on purpose. When it contradicts itself —
    // the answer rests on one of its places and it names another, one unit of district level or
    // coarser, that lies neither inside nor around the answer ("Pasar Kliwon, Kudus": the
    // market, read as the district of Surakarta, against the regency Kudus) — only what both
    // agree on is without doubt.
    bool answer_from_field = false;
    for (const auto& u : s_.units)
      if (t_.contains(u.unit, answer))
        for (auto bits = u.own & counted; bits; bits &= bits - 1) answer_from_field |= ms[std::countr_zero(bits)].field;
    for (std::size_t k = 0; k < ms.size() && answer != no_unit && answer_from_field; ++k) {
      const auto& m = ms[k];
      if (!m.field || !(counted >> k & 1) || m.reporter || m.size() != 1) continue;
      const unit_id c = s_.cands[m.begin];
      if (t_.at(c).lvl == level::village || t_.contains(c, answer) || t_.contains(answer, c)) continue;
      answer = t_.common_ancestor(answer, c);
    }
    if (answer == no_unit) return res;
    res.unit = answer;
    res.from = from_field ? source::location : source::text;
    return res;
  }

  const region_table& t_;
  const lexicon& lx_;
  const name_index& names_;
  scratch& s_;
  bool reporter_cue_open_ = false;
  std::size_t mentions_at_cue_ = 0;
  bool field_is_reporter_ = false;
  bool across_provinces_ = false;
};

}  // namespace

resolver::resolver(const region_table& table, const lexicon& words)
    : table_(table), words_(words), names_(table, [&words](std::string_view w) -> std::string_view {
        const auto* a = words.alias(w);
        return a && a->size() == 1 ? std::string_view(a->front()) : std::string_view();
      }) {}

namespace {

// Scratch space of the readings on this thread: reused, so a warm reading allocates nothing.
scratch& thread_scratch() {
  thread_local scratch s;
  return s;
}

}  // namespace

std::string resolver::explain(const place_input& in) const {
  return reading(table_, words_, names_, thread_scratch()).explain(in);
}

resolution resolver::resolve(const place_input& in) const {
  return reading(table_, words_, names_, thread_scratch()).run(in);
}

resolution resolver::resolve(const input_words& in) const {
  return reading(table_, words_, names_, thread_scratch()).run(in);
}

}  // namespace lapor::region
