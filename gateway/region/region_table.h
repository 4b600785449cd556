// The Kemendagri administrative units (province, regency/city, district, village) with their
// codes and official names, as published in idn-area-data and compacted at build time by
// make_region_index.py. Immutable once loaded; safe to share between threads.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lapor::region {

enum class level : std::uint8_t { province = 1, regency = 2, district = 3, village = 4 };
[[nodiscard]] std::string_view to_string(level l) noexcept;

using unit_id = std::uint32_t;
inline constexpr unit_id no_unit = 0xffffffffu;

struct unit {
  std::string code;          // "32.71.01.1001"
  std::string_view name;     // official name, "Kota Bogor"; views the table's text
  unit_id parent = no_unit;  // no_unit for a province
  level lvl = level::province;
  bool city = false;  // a regency that is a Kota (not a Kabupaten)
};

class region_table {
 public:
  // Parses the compact index. The table keeps its own copy of `text` (names view into it).
  // nullopt with `error` set when a line is malformed or a unit has no parent.
  //   # idn-area-data 4.0.1 ...
  //   P 32 Jawa Barat
  //   R 71 Kota Bogor
  //   D 01 Bogor Selatan
  //   V 1003 Batutulis
  [[nodiscard]] static std::optional<region_table> parse(std::string text, std::string& error);

  // The index built into the binary (gateway/region/embedded_index.cpp); parsed once, on
  // first use. Throws std::runtime_error at start-up if the embedded index is broken.
  [[nodiscard]] static const region_table& embedded();

  [[nodiscard]] std::size_t size() const noexcept { return units_.size(); }
  [[nodiscard]] const unit& at(unit_id id) const { return units_[id]; }
  [[nodiscard]] const std::vector<unit>& units() const noexcept { return units_; }
  // "idn-area-data 4.0.1": the dataset the index was built from.
  [[nodiscard]] std::string_view dataset() const noexcept { return dataset_; }

  // True when `ancestor` is `id` or one of the units that contain it.
  [[nodiscard]] bool contains(unit_id ancestor, unit_id id) const noexcept;
  // The smallest unit that contains both; no_unit when they are in different provinces.
  [[nodiscard]] unit_id common_ancestor(unit_id a, unit_id b) const noexcept;
  // The unit with this exact code, no_unit if none.
  [[nodiscard]] unit_id find(std::string_view code) const noexcept;

 private:
  std::shared_ptr<const std::string> text_;  // shared, so moving the table keeps names valid
  std::string dataset_;
  std::vector<unit> units_;  // sorted by code: a unit's descendants follow it
};

}  // namespace lapor::region
