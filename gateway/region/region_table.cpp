#include "gateway/region/region_table.h"

#include <algorithm>
#include <array>

namespace lapor::region {

std::string_view to_string(level l) noexcept {
  switch (l) {
    case level::province: return "province";
    case level::regency: return "regency";
    case level::district: return "district";
    case level::village: return "village";
  }
  return "province";
}

namespace {

bool all_digits(std::string_view s, std::size_t n) {
  return s.size() == n && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

std::optional<region_table> region_table::parse(std::string text, std::string& error) {
  region_table t;
  t.text_ = std::make_shared<const std::string>(std::move(text));
  const std::string_view all(*t.text_);
  std::array<unit_id, 4> open{no_unit, no_unit, no_unit, no_unit};  // the last unit seen per level
  t.units_.reserve(std::count(all.begin(), all.end(), '\n') + 1);
  std::size_t line_no = 0;
  for (std::size_t pos = 0; pos < all.size();) {
    auto end = all.find('\n', pos);
    if (end == std::string_view::npos) end = all.size();
    const auto line = all.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    if (line.empty()) continue;
    if (line.front() == '#') {
      if (t.dataset_.empty()) {
        auto d = line.substr(1);
        d.remove_prefix(std::min(d.find_first_not_of(' '), d.size()));
        t.dataset_ = std::string(d.substr(0, d.find(" (")));
      }
      continue;
    }
    const auto bad = [&](std::string_view why) {
      error = "region index line " + std::to_string(line_no) + ": " + std::string(why);
      return std::nullopt;
    };
    static constexpr std::string_view letters = "PRDV";
    const auto depth = letters.find(line.front());
    if (depth == std::string_view::npos || line.size() < 4 || line[1] != ' ') return bad("unknown level");
    const auto sp = line.find(' ', 2);
    if (sp == std::string_view::npos || sp + 1 >= line.size()) return bad("no name");
    const auto rel = line.substr(2, sp - 2);
    if (!all_digits(rel, depth == 3 ? 4 : 2)) return bad("malformed code");
    unit u;
    u.lvl = static_cast<level>(depth + 1);
    u.name = line.substr(sp + 1);
    if (depth > 0) {
      u.parent = open[depth - 1];
      if (u.parent == no_unit) return bad("unit without a parent");
      u.code = t.units_[u.parent].code + "." + std::string(rel);
    } else {
      u.code = std::string(rel);
    }
    u.city = u.lvl == level::regency && u.name.starts_with("Kota ");
    const auto id = static_cast<unit_id>(t.units_.size());
    if (id > 0 && !(t.units_.back().code < u.code)) return bad("codes out of order");
    open[depth] = id;
    for (std::size_t d = depth + 1; d < open.size(); ++d) open[d] = no_unit;
    t.units_.push_back(std::move(u));
  }
  if (t.units_.empty()) {
    error = "region index is empty";
    return std::nullopt;
  }
  return t;
}

bool region_table::contains(unit_id ancestor, unit_id id) const noexcept {
  for (; id != no_unit; id = units_[id].parent)
    if (id == ancestor) return true;
  return false;
}

unit_id region_table::common_ancestor(unit_id a, unit_id b) const noexcept {
  if (a == no_unit || b == no_unit) return no_unit;
  while (units_[a].lvl > units_[b].lvl) a = units_[a].parent;
  while (units_[b].lvl > units_[a].lvl) b = units_[b].parent;
  while (a != b && a != no_unit) {
    a = units_[a].parent;
    b = units_[b].parent;
  }
  return a;
}

unit_id region_table::find(std::string_view code) const noexcept {
  auto it = std::lower_bound(units_.begin(), units_.end(), code, [](const unit& u, std::string_view c) {
    // Codes compare as text: every level has a fixed width, so text order is code order.
    return u.code < c;
  });
  if (it == units_.end() || it->code != code) return no_unit;
  return static_cast<unit_id>(it - units_.begin());
}

}  // namespace lapor::region
