// The words around place names (data/region/lexicon-id.txt): level words ("kec", "desa"),
// words that introduce what is not a unit (a street, a shop, a person), whose place a name
// is (the reporter's home or the problem's), ordinary words that are also village names,
// and short forms ("Jaksel" = "kota jakarta selatan"). Immutable once parsed.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/data_lines.h"
#include "gateway/word_map.h"

namespace lapor::region {

// Roles are bits: a word may have several ("kota" is a level word and a common word).
enum role : std::uint16_t {
  role_province = 1 << 0,
  role_regency = 1 << 1,  // a Kabupaten
  role_city = 1 << 2,     // a Kota
  role_district = 1 << 3,
  role_village = 1 << 4,
  role_below = 1 << 5,      // a hamlet, street or estate follows
  role_not_place = 1 << 6,  // a shop, dish or person follows
  role_stop = 1 << 7,       // ends the words skipped after role_below/role_not_place
  role_reporter = 1 << 8,   // the reporter's own place follows
  role_problem = 1 << 9,    // the problem's place follows
  role_contrast = 1 << 10,  // ends a reporter clause
  role_common = 1 << 11,    // an ordinary word that is also some unit's name
  role_reporter_pair = 1 << 12,  // the reporter's place when followed by role_self ("alamat saya")
  role_self = 1 << 13,
  role_route = 1 << 14,  // joins the two ends of a stretch ("Cisarua sampai Tugu Utara")
  role_between = 1 << 15,  // "antara": a role_between_end word later joins two ends
};
// Roles above 16 bits do not fit the common word table; "dan" after "antara" is looked up
// by the resolver from this second set.
// role2_toward: "ke", "menuju": a village named after it is where the road or trip leads, a
// reference point like one after role2_near.
enum role2 : std::uint8_t {
  role2_between_end = 1, role2_near = 2, role2_address = 4, role2_office = 8, role2_street_prefix = 16, role2_toward = 32,
  role2_from = 64  // "dari": with a later "ke" the two ends of a trip or a road
};
inline constexpr std::uint16_t level_roles = role_province | role_regency | role_city | role_district | role_village;


class lexicon {
 public:
  // Parses the lexicon text (format in data/region/lexicon-id.txt). nullopt with `error` set
  // on an unknown role or a malformed alias.
  [[nodiscard]] static std::optional<lexicon> parse(std::string_view text, std::string& error);
  // data/region/lexicon-id.txt as built into the binary. Throws at start-up if broken.
  [[nodiscard]] static const lexicon& embedded();

  // Everything the lexicon says about one word, in one lookup (the resolver asks per word).
  struct entry {
    std::uint16_t roles = 0;
    std::uint8_t roles2 = 0;
    std::vector<std::string> alias;  // empty: not a short form
  };
  [[nodiscard]] const entry* find(std::string_view word) const noexcept {
    auto it = words_.find(word);
    return it == words_.end() ? nullptr : &it->second;
  }
  [[nodiscard]] std::uint16_t roles(std::string_view word) const noexcept {
    const auto* e = find(word);
    return e ? e->roles : 0;
  }
  [[nodiscard]] std::uint8_t roles2(std::string_view word) const noexcept {
    const auto* e = find(word);
    return e ? e->roles2 : 0;
  }
  // The words a short form stands for; nullptr when `word` is none.
  [[nodiscard]] const std::vector<std::string>* alias(std::string_view word) const noexcept {
    const auto* e = find(word);
    return e && !e->alias.empty() ? &e->alias : nullptr;
  }

 private:
  data::word_map<entry> words_;
};

}  // namespace lapor::region
