#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "store/key_index.h"

using namespace lapor::store;

TEST_CASE("siphash24 matches the reference vector") {
  std::string msg;
  for (int i = 0; i < 15; ++i) msg.push_back(static_cast<char>(i));
  // Key 00..0f, message 00..0e: a129ca6149be45e5 (SipHash paper, appendix A).
  CHECK(siphash24(0x0706050403020100ULL, 0x0f0e0d0c0b0a0908ULL, msg) == 0xa129ca6149be45e5ULL);
  CHECK(siphash24(0x0706050403020100ULL, 0x0f0e0d0c0b0a0908ULL, "") == 0x726fdb47dd0e0e31ULL);
}

TEST_CASE("key_index: equal hashes are all offered until one is accepted") {
  key_index ix;
  ix.insert(42, 1);
  ix.insert(42, 2);
  ix.insert(43, 3);
  std::vector<std::int64_t> seen;
  CHECK(ix.find(42, [&](std::int64_t id) {
    seen.push_back(id);
    return id == 2;
  }));
  CHECK(seen == std::vector<std::int64_t>{1, 2});
  seen.clear();
  CHECK_FALSE(ix.find(42, [&](std::int64_t id) {
    seen.push_back(id);
    return false;
  }));
  CHECK(seen.size() == 2);
  CHECK_FALSE(ix.find(44, [](std::int64_t) { return true; }));
  // Hash 0 is legal (slots use 0 for empty internally).
  ix.insert(0, 7);
  CHECK(ix.find(0, [](std::int64_t id) { return id == 7; }));
}

TEST_CASE("key_index: grows and keeps every key") {
  key_index ix;
  for (std::int64_t i = 0; i < 50000; ++i) ix.insert(ix.hash("key-" + std::to_string(i)), i);
  CHECK(ix.size() == 50000);
  for (std::int64_t i = 0; i < 50000; i += 7) {
    const std::int64_t want = i;
    CHECK(ix.find(ix.hash("key-" + std::to_string(i)), [&](std::int64_t id) { return id == want; }));
  }
  CHECK_FALSE(ix.find(ix.hash("key-none"), [](std::int64_t) { return true; }));
}

TEST_CASE("group_keys: finds by key, tells colliding keys apart, clears") {
  group_keys g;
  const std::string a = "sms:1", b = "sms:2";
  g.insert(5, a, 100, 0);
  g.insert(5, b, 200, 1);  // same hash, different key
  REQUIRE(g.find(5, a) != nullptr);
  CHECK(g.find(5, a)->complaint_id == 100);
  REQUIRE(g.find(5, b) != nullptr);
  CHECK(g.find(5, b)->request == 1);
  CHECK(g.find(6, a) == nullptr);
  std::vector<std::string> many;
  for (int i = 0; i < 1000; ++i) many.push_back(std::string("k").append(std::to_string(i)));
  for (std::uint32_t i = 0; i < many.size(); ++i) g.insert(std::hash<std::string>{}(many[i]), many[i], i, i);
  CHECK(g.find(std::hash<std::string>{}(many[999]), many[999])->complaint_id == 999);
  g.clear();
  CHECK(g.find(5, a) == nullptr);
  CHECK(g.entries().empty());
  g.insert(5, a, 1, 0);
  CHECK(g.find(5, a)->complaint_id == 1);
}
