#include "gateway/region/lexicon.h"

#include <utility>

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

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

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
  std::size_t line_no = 0;
  for (std::size_t pos = 0; pos < text.size();) {
    auto end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    const auto line = trim(text.substr(pos, end - pos));
    pos = end + 1;
    ++line_no;
    if (line.empty() || line.front() == '#') continue;
    const auto colon = line.find(':');
    const auto bad = [&](std::string_view why) {
      error = "region lexicon line " + std::to_string(line_no) + ": " + std::string(why);
      return std::nullopt;
    };
    if (colon == std::string_view::npos) return bad("expected ROLE: words or alias: SHORT = WORDS");
    const auto role = trim(line.substr(0, colon));
    const auto rest = trim(line.substr(colon + 1));
    if (role == "alias") {
      const auto eq = rest.find('=');
      if (eq == std::string_view::npos) return bad("alias without '='");
      auto from = words_of(rest.substr(0, eq));
      auto to = words_of(rest.substr(eq + 1));
      if (from.size() != 1 || to.empty()) return bad("an alias is one word for one or more words");
      auto& e = lx.words_[std::move(from.front())];
      if (!e.alias.empty()) return bad("alias defined twice");
      e.alias = std::move(to);
      continue;
    }
    if (role == "between_end" || role == "near" || role == "address" || role == "office" || role == "street_prefix") {
      const std::uint8_t bit = role == "near"            ? role2_near
                               : role == "address"       ? role2_address
                               : role == "office"        ? role2_office
                               : role == "street_prefix" ? role2_street_prefix
                                                         : role2_between_end;
      for (auto& w : words_of(rest)) lx.words_[std::move(w)].roles2 |= bit;
      continue;
    }
    std::uint16_t bits = 0;
    for (const auto& r : role_names)
      if (r.name == role) bits = r.bits;
    if (!bits) return bad("unknown role '" + std::string(role) + "'");
    for (auto& w : words_of(rest)) lx.words_[std::move(w)].roles |= bits;
  }
  return lx;
}

}  // namespace lapor::region
