// What the duplicate index keeps of one complaint: small sketches of its normalised text and
// the hashes of its reporter's identities, never the text itself.
//
// Two measures, each suited to one question:
//  - same reporter, reworded (SMS vs long web text): the *overlap* |A∩B| / min(|A|,|B|) of
//    the word sets and of their consonant skeletons, estimated from bottom-k MinHash samples
//    (the k smallest 16-bit hashes of each set; below the smaller of the two sample limits
//    both samples are complete, so the estimate is unbiased even when one text is 10x
//    longer). Exact for texts of up to k distinct words.
//  - different reporters, near-identical text (campaigns): a 64-bit SimHash of the word set,
//    looked up in four 16-bit-block tables (Hamming distance <= 3 implies one equal block).
//
// Hashes are fixed (FNV-1a + a 64-bit finaliser, no per-process key): sketches are stored in
// SQLite and must compare equal after a restart.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/dedup/event.h"
#include "gateway/dedup/text.h"
#include "gateway/region/place_words.h"

namespace lapor::dedup {

inline constexpr std::size_t sketch_k = 48;  // bottom-k sample size per set

[[nodiscard]] std::uint64_t stable_hash64(std::string_view s) noexcept;

struct match_sketch {
  std::vector<std::uint16_t> words;      // bottom-k of the distinct words' hashes, ascending
  std::vector<std::uint16_t> skeletons;  // bottom-k of the distinct consonant skeletons' hashes
  std::vector<std::uint32_t> facets;     // type << 24 | 24-bit hash of the value's skeleton, ascending
  // The same facets loosely, for abbreviations ("Kel Gn Samarinda", "kab gtlo", "Tatura Sltn"):
  // type << 24 | abbreviated << 23 | first letter << 16 | 16-bit hash of the first word's
  // skeleton, ascending. Empty for sketches of version 2 (then every difference is a conflict).
  std::vector<std::uint32_t> loose_facets;
  std::vector<std::uint16_t> places;     // word hashes of the place words (left out of `words`), ascending
  std::vector<std::uint16_t> place_skeletons;  // their skeletons' hashes (left out of `skeletons`)
  std::vector<std::uint64_t> identities; // stable_hash64 of each identity key, e.g. "tel:+62…"
  std::uint64_t simhash = 0;
  std::uint16_t distinct_words = 0;
  event what;  // the problem, the place and the cues (event.h)
  // Every word as written, in order, stop words, one-letter words and place words included (an
  // SMS form the lexicon knows read as its words: "yg" as "yang"; number words as digits):
  // h16(word) << 16 | 15 bits of its skeleton's hash << 1 | whether it names one thing among
  // others (a capitalised name, a number that is no duration, a letter, a Roman numeral, an
  // ordinal). Empty for a text of more than verbatim_max words, and for sketches before
  // version 5 (then no verbatim doubt arises against them).
  std::vector<std::uint32_t> verbatim;
  // The name of the district or village it was placed in, coded as `verbatim` is ("Karang Anyar
  // Pantai": karang, anyar, pantai; the low bit: a word long enough to be matched as a typo);
  // empty when placed coarser or not at all, and for sketches before version 6.
  std::vector<std::uint32_t> region_name;
  // Anonim or Rahasia (SPEC §4): a later report merged into it would be told its tracking ID,
  // so only one from an identity its channel proves may be (dedup_index::lookup). False for
  // sketches before version 6.
  bool confidential = false;
  // A tweet's own id (stable_hash64 of it), 0 for the other channels: a reply in the
  // conversation this tweet began is about it.
  std::uint64_t tweet = 0;
  // Not stored: the conversation a tweet replies in (the id of the tweet that began it), 0
  // when it began none or is no tweet. What a lookup asks of the incoming report.
  std::uint64_t conversation = 0;
  // Not stored: a short reminder that names a tracking ID ("LPR-3KQ7-W8ND-2 kapan?", at most
  // four other words), and the complaints its IDs decode to (rows of this node's codec).
  bool tracking_reminder = false;
  std::vector<std::int64_t> cites;
  // Not stored: bit i set when identities[i] is one the channel proves (an SMS's sender, a
  // tweet's author), as opposed to one a form, an app or a tweet's text only states. What a
  // lookup asks of the incoming report.
  std::uint16_t proven = 0;
};

inline constexpr std::size_t verbatim_max = 48;

// Fills s.verbatim from what the citizen wrote: the body's words, then the location field's
// (region::split_input's; @handles left out), or a text split here.
void add_verbatim_words(match_sketch& s, std::span<const region::word> body, std::span<const region::word> location,
                        const lexicon& lex);
void add_verbatim_words(match_sketch& s, std::string_view text, const lexicon& lex);

// Fills s.region_name from the name of the unit the complaint was placed in (a district or a
// village; leave it empty for a coarser one).
void set_region_name(match_sketch& s, std::string_view name);

// True when `naming`'s words as written hold every word of `placed`'s region name, each as
// written or, from seven letters, as a typo of it (the same consonant skeleton: "Sumpang
// Binange" for Sumpang Binangae); a name of short words only is never found. A short
// SMS names its village without a marker ("Token PLN gak masuk, Karang Anyar Pantai"), which
// the resolver does not read as a place on its own; the other report, placed in that village,
// tells that it is one.
[[nodiscard]] bool sketch_names_region_of(const match_sketch& naming, const match_sketch& placed) noexcept;

// Sketches normalised text (identities are left empty for the caller).
[[nodiscard]] match_sketch make_sketch(const match_text& t);

// Estimated overlap coefficient of two bottom-k samples, in [0, 1]; 0 when either is empty.
// Hashes in `skip_a` / `skip_b` (sorted) are left out of the other side (place words one text
// names and the other uses unmarked). Sets of fewer than 3 sampled elements count as 3, so
// that two or three shared words never make a certain match.
[[nodiscard]] double sample_overlap(const std::vector<std::uint16_t>& a, const std::vector<std::uint16_t>& b,
                                    const std::vector<std::uint16_t>& skip_a = {},
                                    const std::vector<std::uint16_t>& skip_b = {}) noexcept;

// The text score of two sketches: the mean of the word and the skeleton overlaps of what is
// not a place (the problem as described; where it is, is the facets' business).
[[nodiscard]] double text_score(const match_sketch& a, const match_sketch& b) noexcept;

// How far the places both state agree: `place` when they share a village, hamlet, school,
// landmark, km post, RT/RW, kecamatan or kabupaten; `street` when they share only a street name
// (every city has a Jalan Sudirman); `none` otherwise.
enum class place_agreement : std::uint8_t { none, street, place };
[[nodiscard]] place_agreement sketch_places_agree(const match_sketch& a, const match_sketch& b) noexcept;

// True when `later` names a km post, RT, RW or day of the month besides those `earlier` names
// of the same type ("… km 37, sepuluh kilo setelah yang di km 27" after "km 27"): it is (also)
// about another post or another day.
[[nodiscard]] bool sketch_adds_number(const match_sketch& earlier, const match_sketch& later) noexcept;

// True when both name the spot along the way ("depan masjid" / "depan SMAN 5") and no spot in
// common: perhaps two places on one street, perhaps one described twice.
// A civil-registry document, and one names whose it is ("KTP ibu saya") where the other names
// no one: perhaps the reporter's own KTP and a relative's, two applications.
// True when one names a relative ("istri saya", "anak saya") and the other none.
[[nodiscard]] bool sketch_names_kin_once(const match_sketch& a, const match_sketch& b) noexcept;
[[nodiscard]] bool sketch_names_document_holder_once(const match_sketch& a, const match_sketch& b) noexcept;
[[nodiscard]] bool sketch_spots_differ(const match_sketch& a, const match_sketch& b) noexcept;
// Each text holds one or two words (or place words) the other lacks, not all of them a typo or
// an SMS form of the other's (their consonant skeletons differ), both texts short enough for
// their samples to hold every word: in two nearly identical texts, a word
// swapped for another ("Hiang Tinggi" / "Hiang Karya", "Nozzle 2" / "Nozzle 4", "bulan Maret" /
// "bulan April", "anak pertama" / "anak kedua") is what the second report is about. A typo or
// an SMS abbreviation keeps the skeleton ("gelap" / "glp") and is no swap.
[[nodiscard]] bool sketch_swaps_word(const match_sketch& a, const match_sketch& b) noexcept;

// The same question asked of the words as written, in order: the two texts are one sequence of
// words but for one to three on each side, at least one of them on each side naming one thing
// among others (see `verbatim`), none a typo or an SMS form of one on the other side (a word of
// three letters or fewer must match exactly). Stop words and one-letter words count here, and
// carry what the second report is about as often as names do: "Talang Rimbo Baru" / "Lama" ("baru" and
// "lama" are stop words), "Tomon I" / "II", "trayek B" / "D". A citizen who sends the same
// complaint again copies it, or rewrites it; a copy with one word changed is another one.
[[nodiscard]] bool sketch_substitutes_word(const match_sketch& a, const match_sketch& b) noexcept;

// True when one text is the other's words as written with one or two words put in after the
// first, each of them a word that extends a place's name ("Jatibening" / "Jatibening Baru",
// "Bailo" / "Bailo Baru", "Sako" / "Sako Baru", "Tomon" / "Tomon II"): another village or
// hamlet of that name, told in the same words.
[[nodiscard]] bool sketch_extends_name(const match_sketch& a, const match_sketch& b) noexcept;

// How much of `of`'s text (place words left out) is in `in`'s, in [0, 1]: the containment
// |of ∩ in| / |of| of words and skeletons, averaged. A report that does not say where must say
// nothing the other does not: one word more may name another town ("Jalan Sultan Thaha, Kuala
// Tungkal" against "Jalan Sultan Thaha, Kota Jambi").
[[nodiscard]] double text_containment(const match_sketch& of, const match_sketch& in) noexcept;

// True when both state a fact of the same type with no value in common (see facets_conflict),
// not even loosely: two values of one type that share their first word, or whose first letters
// agree where one is abbreviated ("gn" / "gunung", "gtlo" / "gorontalo"), are no conflict.
[[nodiscard]] bool sketch_facets_conflict(const match_sketch& a, const match_sketch& b) noexcept;

// True when both state a fact of the same type whose values share only the first word of the
// name ("Karang Baru" / "Karang Baru Timur"): perhaps one place, perhaps two neighbourhoods. A
// doubt, not a conflict. (Values that differ as an abbreviation, "Gn" / "Gunung", are neither.)
[[nodiscard]] bool sketch_facets_loosely_differ(const match_sketch& a, const match_sketch& b) noexcept;

[[nodiscard]] inline int hamming(std::uint64_t a, std::uint64_t b) noexcept { return __builtin_popcountll(a ^ b); }

// A versioned little-endian byte string (stored in match_sketches.sketch), and back; nullopt
// for bytes this build cannot read.
[[nodiscard]] std::string serialize_sketch(const match_sketch& s);
[[nodiscard]] std::optional<match_sketch> parse_sketch(std::string_view bytes);

}  // namespace lapor::dedup
