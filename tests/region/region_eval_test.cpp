// Evaluation of the region resolver on tests/data/region/region_cases.jsonl: 539 location
// texts from all 38 provinces, written and labelled by a session that never saw the resolver
// (tests/data/region/README.md). Cases are split in halves: `tune` may be studied while
// improving the resolver; `test` is frozen and its cases are never printed here, only its
// rates, so nobody tunes on it by accident.
//
// Per split: exact (the expected code), too shallow (an ancestor of the expected code, or
// nothing where something was expected), wrong (a code that is not the expected one nor an
// ancestor of it: a guess, a deeper guess, or a code where null was expected).
// Fails when the frozen half has less than 85% exact, or more wrong than the level reached
// (2.6%; the target of 2% is printed while it is not met).
// LAPOR_REGION_SHOW=1 prints every tune/tune2 case that is not exact, with how it was read.
#include <doctest/doctest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <map>
#include <string>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include "gateway/region/resolver.h"

using namespace lapor::region;

namespace {

std::filesystem::path data_path(const char* name) {
  const char* src = std::getenv("LAPOR_SOURCE_DIR");
  return std::filesystem::path(src ? src : LAPOR_SOURCE_DIR) / "tests/data/region" / name;
}

std::optional<double> number(const boost::json::value* v) {
  if (v == nullptr || v->is_null()) return std::nullopt;
  return v->to_number<double>();
}

struct tally {
  int exact = 0, shallow = 0, wrong = 0, total = 0;
  [[nodiscard]] double rate(int n) const { return total ? static_cast<double>(n) / total : 0; }
};

}  // namespace

TEST_CASE("region cases: exact >= 85% and wrong <= 2% on the frozen half") {
  // region_cases.jsonl: splits test (frozen) and tune; region_cases_extra.jsonl: tune2, a
  // second blind set written later for development (README-extra.md).
  std::stringstream all;
  for (const char* name : {"region_cases.jsonl", "region_cases_extra.jsonl", "region_cases_third.jsonl",
                           "region_cases_fourth.jsonl"}) {
    std::ifstream f(data_path(name));
    REQUIRE_MESSAGE(f.good(), "cannot read " << data_path(name));
    all << f.rdbuf() << "\n";
  }
  auto& in = all;
  const auto& r = resolver::embedded();
  const auto& t = r.table();
  // LAPOR_REGION_SHOW=1 prints the tune and tune2 cases that are not exact; =tune2 only those.
  const char* show_env = std::getenv("LAPOR_REGION_SHOW");
  const bool show = show_env != nullptr;
  const std::string show_only = show_env && std::string(show_env) != "1" ? show_env : "";
  std::map<std::string, tally> splits;
  std::map<std::string, tally> categories;  // tune half only
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    const auto c = boost::json::parse(line).as_object();
    const std::string split(c.at("split").as_string());
    const std::string location(c.at("location").as_string()), title(c.at("title").as_string()),
        body(c.at("body").as_string());
    place_input input{location, title, body, number(c.if_contains("lat")), number(c.if_contains("lon"))};
    const auto got = r.resolve(input);
    const auto& e = c.at("expect").as_object();
    const std::string want = e.at("code").is_null() ? "" : std::string(e.at("code").as_string());
    const std::string have = got ? t.at(got.unit).code : "";
    auto& s = splits[split];
    ++s.total;
    int* bucket = &s.wrong;
    if (have == want) bucket = &s.exact;
    else if (have.empty() || (!want.empty() && want.starts_with(have + "."))) bucket = &s.shallow;
    ++*bucket;
    // The frozen half and holdout4 (region_cases_fourth.jsonl, written blind on 2026-12-01 and
    // not yet studied, README-fourth.md) give rates only.
    if (split != "test" && split != "holdout4") {
      auto& k = categories[split + " " + std::string(c.at("case").as_string())];
      ++k.total;
      if (bucket == &s.exact) ++k.exact;
      else if (bucket == &s.shallow) ++k.shallow;
      else ++k.wrong;
      const bool listed = show && have != want && (show_only.empty() || show_only == split);
      if (listed)
        std::printf("  %s %-8s %-16s want %-14s got %-14s | %s | %s %s\n", std::string(c.at("id").as_string()).c_str(),
                    bucket == &s.wrong ? "WRONG" : "shallow", std::string(c.at("case").as_string()).c_str(),
                    want.empty() ? "null" : want.c_str(), have.empty() ? "null" : have.c_str(), location.c_str(),
                    title.c_str(), body.c_str());
      if (listed) std::printf("      %s\n", r.explain(input).c_str());
    }
  }
  if (show)
    for (const auto& [name, k] : categories)
      std::printf("  %-22s n=%3d exact %.2f shallow %.2f wrong %.2f\n", name.c_str(), k.total, k.rate(k.exact),
                  k.rate(k.shallow), k.rate(k.wrong));
  for (const auto& [name, s] : splits)
    std::printf("region %-8s n=%d: exact %.3f, too shallow %.3f, wrong %.3f\n", name.c_str(), s.total, s.rate(s.exact),
                s.rate(s.shallow), s.rate(s.wrong));
  const auto& frozen = splits["test"];
  REQUIRE(frozen.total >= 250);
  // The target (issue 12): exact >= 85%, wrong <= 2% on the frozen half (last measured: exact
  // 0.908, wrong 0.018, 5 of 273). The development sets must not fall far behind it either:
  // tune4 (region_cases_fourth.jsonl) was a blind holdout at its first look (wrong 0.057) and
  // has been studied since (README-fourth.md).
  CHECK(frozen.rate(frozen.exact) >= 0.85);
  CHECK(frozen.rate(frozen.wrong) <= 0.02);
  for (const char* dev : {"tune", "tune2", "tune3", "tune4"}) {
    INFO("split " << dev);
    CHECK(splits[dev].rate(splits[dev].exact) >= 0.85);
    CHECK(splits[dev].rate(splits[dev].wrong) <= 0.025);
  }
}
