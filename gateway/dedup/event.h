// The event a complaint describes, as far as duplicate detection needs it (SPEC §6): which
// problem (a taxonomy of public-service problems, data/dedup/events-id.txt), where (the
// region the resolver found, gateway/region/), and whether the report follows up an earlier
// one or reports a new incident. Two reports of one person are the same complaint only when
// their events agree; a conflict on the problem, the place or the incident is decisive
// against a merge, whatever words they share.
//
//   "Air PDAM mati 4 hari di Lamgugob"                 problems {water}, region 11.71.04.2001
//   "Lampu jalan mati 5 hari"                          problems {street_light}
//   "Jalan rusak parah di km 5"                        problems {road}           — no merge
//   "sudah saya laporkan kemarin, belum ada tanggapan" cues {followup}
//   "banjir lagi untuk kedua kalinya minggu ini"       problems {flood}, cues {new_incident}
//
// Pure; the taxonomy is embedded at build time.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/data_lines.h"
#include "gateway/region/place_words.h"
#include "gateway/word_map.h"

namespace lapor::dedup {

// A region code packed for comparison: its digits as one number (padded to 10: "32.71" →
// 3271000000) and its level (1 province … 4 village); level 0 = none.
struct place_code {
  std::uint64_t digits = 0;
  std::uint8_t level = 0;
  [[nodiscard]] static place_code parse(std::string_view dotted) noexcept;  // "32.71.01.1001"
  // True when this unit is `other` or contains it.
  [[nodiscard]] bool contains(const place_code& other) const noexcept;
  [[nodiscard]] explicit operator bool() const noexcept { return level != 0; }
};

// cue_elsewhere: the report compares with another place ("sama seperti di SDI Oepura", "lebih
// parah dari Kuta", "jg sama"): the same problem somewhere else.
// cue_vague_problem: the problems were read from fallback words only ("padam": electricity or a
// street light); they conflict with others but add nothing to an earlier report's.
enum cue : std::uint8_t {
  cue_followup = 1,
  cue_new_incident = 2,
  cue_changed = 4,
  cue_other_household = 8,
  cue_elsewhere = 16,
  cue_vague_problem = 32,
  cue_information = 64  // asks for information ("mohon informasi jadwal …"), or was sent as INFO
};

struct event {
  std::uint64_t problems = 0;  // bits of event_taxonomy problems
  // The problems the text names most often (ties all kept): what it is about, as opposed to
  // what a long text mentions on the way ("… antrean truk mengular" in a road report).
  std::uint64_t main = 0;
  // The things it is about ("atap", "pintu gerbang", "tiang", "kabel"), bits of the taxonomy's
  // objects: two problems of one kind at one place ("building": a collapsed gate, a leaking
  // roof) differ by what they are about.
  std::uint64_t objects = 0;
  place_code place;            // the resolved region
  std::array<place_code, 6> named{};  // every place the text names (region::resolution::places)
  std::uint8_t named_count = 0;
  std::uint8_t cues = 0;
  // Days it names: bit 0 Senin … bit 5 Sabtu, bit 6 Minggu (only where it cannot mean "week":
  // "hari Minggu", "malam Minggu", "Minggu pagi"); bit 7 (only_relative_days) when every one of
  // them came from "hari ini"/"kemarin" and none was named.
  std::uint8_t weekdays = 0;
  // Days it names relative to its own sending (not stored): relative_today ("hari ini"),
  // relative_yesterday ("kemarin"). with_sent_day() turns them into weekdays.
  std::uint8_t relative_days = 0;
};

inline constexpr std::uint8_t relative_today = 1, relative_yesterday = 2;
inline constexpr std::uint8_t only_relative_days = 0x80, weekday_bits = 0x7f;

// Adds the weekdays that "hari ini" and "kemarin" name, for a text sent on `sent_weekday`
// (0 Senin … 6 Minggu, in the reporter's time zone): "Jumat kmrn … dipungut" and "Hari ini …
// dipungut" sent on a Tuesday are two days, a reminder on Wednesday saying "kemarin" of an
// incident reported on Tuesday as "hari ini" is the same one. Two texts
// whose days are both only relative do not conflict by them: a report copied to another
// channel a day later still says "kemarin".
void with_sent_day(event& e, int sent_weekday) noexcept;

class event_taxonomy {
 public:
  // nullopt and `error` ("line N: …") on a malformed line, more than 64 problems, 64 objects or
  // 64 pairs.
  [[nodiscard]] static std::optional<event_taxonomy> parse(std::string_view text, std::string& error);
  [[nodiscard]] static const event_taxonomy& embedded();

  // The problems and cues of a text (title, body and location, any UTF-8).
  [[nodiscard]] event read(std::string_view text) const;
  // The same for a complaint's texts already split (region::split_input), read as the title,
  // the body and the location in that order: for valid UTF-8 the event read() gives for
  // "title\nbody\nlocation" (the same words in the same clauses), without splitting again.
  [[nodiscard]] event read(const region::input_words& words) const;
  // The name of problem bit `i` ("water"), for the admin's evidence.
  [[nodiscard]] std::string_view problem_name(unsigned i) const noexcept {
    return i < names_.size() ? std::string_view(names_[i]) : std::string_view();
  }
  // "water,street_light": the problems of a mask, for people.
  [[nodiscard]] std::string problem_names(std::uint64_t mask) const;

 private:
  struct meaning {
    std::uint64_t problems = 0;
    std::uint64_t fallback = 0;  // problems named only when the text names no other ("padam")
    std::uint64_t objects = 0;
    std::uint8_t cues = 0;
    [[nodiscard]] bool operator==(const meaning&) const = default;
  };
  std::vector<std::string> names_;
  std::size_t objects_ = 0;  // objects listed (bits of event::objects); their names are for the data file's reader
  // Every listed word and phrase ("mengalir", "lampu_jalan"), the first words of each longer
  // phrase ("sudah_saya" of "sudah_saya_laporkan"), and the words of pair rules: one lookup
  // per word of a text tells all it takes part in.
  struct entry {
    meaning m;
    bool listed = false;   // m is this key's own meaning
    bool prefix = false;   // a longer phrase begins with this key
    std::uint64_t pair_first = 0, pair_second = 0;  // bit i: word a / word b of pairs_[i]
  };
  data::word_map<entry> words_;
  // Consonant skeletons of the listed single words ("bns" for bansos), for SMS forms that drop
  // vowels ("bnsos", "antrn"); a skeleton two words with different meanings share is left out.
  struct skeleton_meaning {
    meaning m;
    std::size_t shortest = 0;  // the shortest listed word with this skeleton
    bool ambiguous = false;
  };
  data::word_map<skeleton_meaning> skeletons_;
  std::vector<meaning> pairs_;  // "jalan+rusak": both words somewhere in one clause (at most 64)

  // The event of words in order, each with its clause (SMS shorthand already expanded).
  using clause_word = std::pair<std::string_view, std::uint16_t>;
  [[nodiscard]] event read_expanded(const std::vector<clause_word>& seq) const;
};

// How two events compare: what the index's decision needs and the admin's evidence shows.
struct event_comparison {
  bool problem_conflict = false;  // both name problems, none in common
  bool problem_agrees = false;    // a problem in common
  bool place_conflict = false;    // both resolved, neither place contains the other
  bool place_agrees = false;      // both resolved, one contains the other
  bool place_agrees_closely = false;  // …and both to a district or a village
  bool named_conflict = false;    // both name places, none containing or inside another
  bool named_agrees = false;      // both name places, one containing or inside another
  bool adds_problem = false;      // the later one is mainly about a problem the earlier one does not name
  bool mentions_other = false;    // the later one names a problem the earlier one does not
  bool day_conflict = false;      // both name weekdays, none in common: two incidents
  bool household_differs = false; // one speaks of a relative's or neighbour's house, the other not
  bool elsewhere = false;         // the later one compares with another place
  bool objects_differ = false;    // both name objects (roof, gate, pole, cable …), none in common
  bool kind_differs = false;      // one asks for information, the other does not
};
[[nodiscard]] event_comparison compare(const event& earlier, const event& later) noexcept;

}  // namespace lapor::dedup
