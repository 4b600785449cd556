#include "gateway/region/lexicon.h"

#include <utility>

#include "gateway/data_lines.h"
#include "gateway/region/place_words.h"

namespace lapor::region {

namespace {

struct role_name {
  std::string_view name;
  std::uint16_t bits;
};
constexpr role_name role_names[] = {
    {"province", role_province}, {"regency", role_regency},     {"city", role_city},
    {"district", role_district}, {"village", role_village},     {"below", role_below},
    {"not_place", role_not_place}, {"stop", role_stop},         {"reporter", role_reporter},
    {"problem", role_problem},   {"contrast", role_contrast},   {"common", role_common},
    {"reporter_pair", role_reporter_pair}, {"self", role_self}, {"route", role_route},
    {"between", role_between},
};


// The resolver's words for `text` ("Kota Jakarta Selatan" → kota, jakarta, selatan).
std::vector<std::string> words_of(std::string_view text) {
  std::string buf;
  std::vector<word> ws;
  split_words(text, buf, ws);
  std::vector<std::string> out;
  for (const auto& w : ws) out.emplace_back(w.text);
  return out;
}

}  // namespace

std::optional<lexicon> lexicon::parse(std::string_view text, std::string& error) {
  lexicon lx;
  error = data::for_each_entry(text, "region lexicon", [&](const data::entry_line& e) -> std::string {
    if (!e.has_colon) return "expected ROLE: words or alias: SHORT = WORDS";
    const auto role = e.head;
    const auto rest = e.rest;
    if (role == "alias") {
      const auto eq = rest.find('=');
      if (eq == std::string_view::npos) return "alias without '='";
      auto from = words_of(rest.substr(0, eq));
      auto to = words_of(rest.substr(eq + 1));
      if (from.size() != 1 || to.empty()) return "an alias is one word for one or more words";
      auto& entry = lx.words_[std::move(from.front())];
      if (!entry.alias.empty()) return "alias defined twice";
      entry.alias = std::move(to);
      return {};
    }
    if (role == "between_end" || role == "near" || role == "address" || role == "office" || role == "street_prefix" ||
        role == "toward" || role == "from") {
      const std::uint8_t bit = role == "near"            ? role2_near
                               : role == "toward"        ? role2_toward
                               : role == "from"          ? role2_from
                               : role == "address"       ? role2_address
                               : role == "office"        ? role2_office
                               : role == "street_prefix" ? role2_street_prefix
                                                         : role2_between_end;
      for (auto& w : words_of(rest)) lx.words_[std::move(w)].roles2 |= bit;
      return {};
    }
    std::uint16_t bits = 0;
    for (const auto& r : role_names)
      if (r.name == role) bits = r.bits;
    if (!bits) return "unknown role '" + std::string(role) + "'";
    for (auto& w : words_of(rest)) lx.words_[std::move(w)].roles |= bits;
    return {};
  });
  if (!error.empty()) return std::nullopt;
  return lx;
}

}  // namespace lapor::region
