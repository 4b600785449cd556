// Where a complaint is about: the most specific Kemendagri unit that what the citizen wrote
// determines without doubt (SPEC §4 location.region). Pure and sans-I/O: text in, a unit out.
//
//   resolve({.location = "Kel. Sukajadi, Kec. Sukarame", .body = "..."})
//     → village 18.71.xx.xxxx, source location
//   resolve({.body = "jln rusak dkt pasar kota sby"})            → regency 35.78, source text
//   resolve({.body = "jalan desa Sukamaju rusak"})               → nothing (65 villages)
//
// How: the words are read once; every run of words that is a unit's name is a mention with
// the units it may be (a level word before it — kab, kota, kec, desa, nagari … — keeps the
// units of that level). Each unit a mention may be scores the mentions it agrees with (it is
// the unit, or inside it); the answer is the deepest unit that all the best-scoring readings
// share. So "Sukajadi" alone is nothing, "Sukajadi, Sukarame" is the one village in that
// district, and "Bogor" alone is Jawa Barat (a Kabupaten and a Kota). The location field
// weighs more than the text; a name after "tinggal di" (the reporter's home) weighs less, one
// after "kejadiannya di" more. Names after a street, shop or person word are not places.
// Latitude/longitude are not used: the dataset has no boundaries (see the README).
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>

#include "gateway/region/lexicon.h"
#include "gateway/region/name_index.h"
#include "gateway/region/place_words.h"
#include "gateway/region/region_table.h"

namespace lapor::region {

enum class source { location, text, geo };
[[nodiscard]] std::string_view to_string(source s) noexcept;

struct place_input {
  std::string_view location;  // the form/app location field, a tweet's place
  std::string_view title;
  std::string_view body;
  std::optional<double> lat, lon;
};

struct resolution {
  unit_id unit = no_unit;  // no_unit: nothing determined without doubt
  source from = source::text;
  // Every place the text names as the problem's, certain or not: each counted mention's
  // units when it has up to four, else the unit holding all of them (none across provinces).
  // Duplicate detection compares these: two reports naming only places that neither contain
  // nor lie in each other's are about different places ("Jl. Pramuka Rajabasa" / "… Kemiling").
  std::array<unit_id, 6> places{};
  std::uint8_t place_count = 0;
  [[nodiscard]] explicit operator bool() const noexcept { return unit != no_unit; }
};

class resolver {
 public:
  // Both must outlive the resolver.
  resolver(const region_table& table, const lexicon& words);
  // Over region_table::embedded() and lexicon::embedded(); built once, on first use.
  [[nodiscard]] static const resolver& embedded();

  // Thread-safe (scratch space is per thread); allocates nothing once warm for inputs of a
  // size seen before.
  [[nodiscard]] resolution resolve(const place_input& in) const;
  // The same for texts already split (split_input of the location, title and body), for a
  // caller that reads their words again (the dedup event reader): the same resolution.
  [[nodiscard]] resolution resolve(const input_words& in) const;

  // How the answer came about, for people (the admin view, a failing evaluation case): every
  // mention with its words, weight, whether it counted, and its first candidates.
  [[nodiscard]] std::string explain(const place_input& in) const;

  [[nodiscard]] const region_table& table() const noexcept { return table_; }

 private:
  const region_table& table_;
  const lexicon& words_;
  name_index names_;
};

}  // namespace lapor::region
