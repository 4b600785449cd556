// Text normalisation for duplicate matching (SPEC §6): the same complaint written as an SMS
// with abbreviations, as a tweet with hashtags and @lapor1708, or as a long web form text
// should come out as nearly the same bag of words.
//
//   "INFO jln ahmad yani km 5 rusakkk parah sdh 3bln gak diperbaiki!! @lapor1708 #JalanRusak"
//   -> tokens: jalan ahmad yani kilometer 5 rusak parah 3 bulan tidak perbaiki jalan rusak
//      facets: m:5   ("km 5": a kilometre post)
//
// Everything here is pure (no I/O, no globals but the embedded lexicon) and deterministic.
#pragma once

#include <cstddef>
#include <algorithm>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/word_map.h"

namespace lapor::dedup {

// The facet type of a spot along the way ("depan masjid"): two spots that differ are a doubt,
// not a conflict.
inline constexpr char spot_facet = 'o';

// Facet types whose values the reader writes in a canonical form (D a document kind, V a
// relative, Y a part of the day, F a numbered facility, Q a kind of health post): two values
// never abbreviate one another ("ktp" and "kk", "ibu" and "istri" share only a first letter).
[[nodiscard]] constexpr bool canonical_facet(char type) noexcept {
  return type == 'D' || type == 'V' || type == 'Y' || type == 'F' || type == 'Q';
}

// Facet types that say where (a street, village, school, km post, RT, a landmark, a spot), as
// against when or about what (t a date, Y a part of the day, D a document, V a relative, F a
// numbered facility, Q a kind of health post): only these make a text state a place.
[[nodiscard]] constexpr bool place_facet(char type) noexcept {
  return type != 't' && type != 'Y' && type != 'D' && type != 'V' && type != 'F' && type != 'Q';
}

// Abbreviations, slang and stop words: data/dedup-lexicon-id.txt, embedded at build time.
//
//   # comment
//   yg = yang        an abbreviation and what it stands for (one or more words)
//   yang =           a stop word: dropped
class lexicon {
 public:
  // nullopt and `error` ("line N: …") when a line is not "token = words" or a token is not
  // lowercase letters/digits. A later entry for the same token replaces an earlier one.
  [[nodiscard]] static std::optional<lexicon> parse(std::string_view text, std::string& error);
  // The embedded data/dedup-lexicon-id.txt, parsed once (thread-safe).
  [[nodiscard]] static const lexicon& embedded();

  // The replacement of `token` (empty for a stop word), or nullptr when `token` is unknown.
  [[nodiscard]] const std::string* find(std::string_view token) const noexcept;
  [[nodiscard]] std::size_t size() const noexcept { return map_.size(); }

  // `token` read as the words it stands for ("lmp" -> "lampu"), each passed to emit(word,
  // as_written): the token itself (as_written true) when it is unknown or a stop word (which
  // readers of cues and of the words as written keep), else its replacement's words.
  template <class Emit>
  void for_each_reading(std::string_view token, Emit&& emit) const {
    const std::string* rep = find(token);
    if (rep == nullptr || rep->empty()) return emit(token, true);
    std::string_view r(*rep);
    while (!r.empty()) {
      const auto sp = std::min(r.find(' '), r.size());
      if (sp > 0) emit(r.substr(0, sp), false);
      r.remove_prefix(std::min(sp + 1, r.size()));
    }
  }

 private:
  data::word_map<std::string> map_;
};

struct match_text {
  // Content words in order: lowercase ASCII where the script allows (accents stripped), numbers
  // without leading zeros, abbreviations expanded, stop words, URLs, mentions, e-mail
  // addresses, long digit runs (phone numbers, IDs) and a leading INFO/ASPIRASI keyword
  // dropped, letters repeated 3+ times collapsed, hashtags split at camelCase, the particle
  // -nya removed, reduplication ("jalan2", "jalan-jalan") folded, consecutive repeats dropped.
  std::vector<std::string> tokens;
  // Facts that tell two incidents apart, as "<type>:<value>": k: kabupaten/kota, c: kecamatan,
  // d: desa/kelurahan/kampung, j: street (after "jalan"/"jl"/"gang"), s: school ("SDN 3",
  // "SD Negeri Romangloe"), t: day of
  // the month ("tgl 12", "12 November"), m: kilometre post, r: RT, w: RW; each word of a
  // landmark's name by its kind (P: pasar, B: pantai, H: puskesmas/RSUD, … see landmark_kind);
  // o: the spot along the way ("depan masjid", "dekat SMAN 5": its first word); V: who it
  // happened to (anak, istri …), Y: the part of today, D: the civil-registry document, F: a
  // numbered facility (posyandu3), Q: the kind of health post (puskesmas, pustu, poskesdes,
  // polindes, posyandu), K: a vessel's whole name ("KM Sinar Peling" → sinar_peling).
  std::vector<std::string> facets;
  // Where, not what: the marker words (desa, kecamatan, kabupaten, kota, jalan, …) and the up
  // to three words naming the place after each. Compared through facets, and left out of the
  // text score, so that two different problems in one village do not look alike.
  std::vector<std::string> places;
};

// Normalises valid UTF-8 text (any invalid byte is treated as a separator).
[[nodiscard]] match_text normalize_for_matching(std::string_view text, const lexicon& lex = lexicon::embedded());

// The consonant skeleton of a lowercase word: its first letter, then its consonants with
// repeats collapsed ("jalan" -> "jln", "rusak" -> "rsk", "diperbaiki" -> "dprbk"). SMS
// abbreviations not in the lexicon are mostly skeletons of the word they stand for.
[[nodiscard]] std::string consonant_skeleton(std::string_view word);

// The same skeleton a letter at a time, for callers that hash it rather than keep it: calls
// emit(c) for each of its letters in order.
template <class Emit>
void for_each_skeleton_letter(std::string_view word, Emit&& emit) {
  if (word.empty()) return;
  if (word.front() >= '0' && word.front() <= '9') {  // a number is its own skeleton
    for (const char c : word) emit(c);
    return;
  }
  char last = word.front();
  emit(last);
  for (std::size_t i = 1; i < word.size(); ++i) {
    const char c = word[i];
    if (c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u' || c == last) continue;
    emit(c);
    last = c;
  }
}

// True when both texts state a fact of the same type and no value of that type is shared
// (e.g. "k:sampit" against "k:palangkaraya"): two different incidents, whatever the wording.
[[nodiscard]] bool facets_conflict(const std::vector<std::string>& a, const std::vector<std::string>& b);

}  // namespace lapor::dedup
