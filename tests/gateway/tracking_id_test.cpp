#include "gateway/tracking_id.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <bit>
#include <chrono>
#include <cstdint>
#include <numeric>
#include <random>
#include <string>
#include <vector>

using namespace lapor::gateway;

namespace {

constexpr tracking_key test_key{0x4c, 0x50, 0x52, 0x2d, 0x74, 0x65, 0x73, 0x74,
                                0x2d, 0x6b, 0x65, 0x79, 0x2d, 0x30, 0x30, 0x31};

// Offsets of the nine symbols in "LPR-XXXX-XXXX-C".
constexpr std::array<std::size_t, 9> symbol_pos{4, 5, 6, 7, 9, 10, 11, 12, 14};

// A spread of (node, sequence) pairs: edges of both ranges plus pseudo-random ones.
std::vector<tracking_parts> sample_parts(std::size_t random_count) {
  std::vector<tracking_parts> out{{0, 0}, {0, 1}, {255, 0xffffffff}, {255, 0}, {0, 0xffffffff}, {1, 0x80000000}};
  std::mt19937_64 rng(42);
  for (std::size_t i = 0; i < random_count; ++i)
    out.push_back({static_cast<std::uint8_t>(rng()), static_cast<std::uint32_t>(rng())});
  return out;
}

// The 40 data bits of a canonical ID, read back from its symbols.
std::uint64_t data_bits(const std::string& id) {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < 8; ++i) v = (v << 5) | *crockford_value(id[symbol_pos[i]]);
  return v;
}

}  // namespace

TEST_CASE("tracking: siphash24 matches the reference test vectors") {
  const std::uint64_t k0 = 0x0706050403020100ULL, k1 = 0x0f0e0d0c0b0a0908ULL;  // key 00..0f
  std::array<std::uint8_t, 64> msg{};
  std::iota(msg.begin(), msg.end(), std::uint8_t{0});
  CHECK(siphash24(k0, k1, msg.data(), 0) == 0x726fdb47dd0e0e31ULL);
  CHECK(siphash24(k0, k1, msg.data(), 15) == 0xa129ca6149be45e5ULL);
  // More vectors from the reference vectors.h (little-endian bytes read as a number).
  CHECK(siphash24(k0, k1, msg.data(), 1) == 0x74f839c593dc67fdULL);
  CHECK(siphash24(k0, k1, msg.data(), 8) == 0x93f5f5799a932462ULL);
  CHECK(siphash24(k0, k1, msg.data(), 63) == 0x958a324ceb064572ULL);
}

TEST_CASE("tracking: encode has the documented shape") {
  const tracking_id_codec codec(test_key);
  for (const auto& p : sample_parts(200)) {
    const std::string id = codec.encode(p);
    REQUIRE(id.size() == 15);
    CHECK(id.starts_with("LPR-"));
    CHECK(id[8] == '-');
    CHECK(id[13] == '-');
    for (std::size_t pos : symbol_pos) {
      CHECK(crockford_value(id[pos]).has_value());
      CHECK(crockford_symbol(*crockford_value(id[pos])) == id[pos]);  // canonical symbols only
    }
  }
}

TEST_CASE("tracking: encode/decode round-trip") {
  const tracking_id_codec codec(test_key);
  for (const auto& p : sample_parts(20000)) {
    const std::string id = codec.encode(p);
    const auto back = codec.decode(id);
    REQUIRE(back.has_value());
    CHECK(*back == p);
    CHECK(codec.canonical(id) == id);
  }
}

TEST_CASE("tracking: permute and unpermute are inverse bijections on 40 bits") {
  const tracking_id_codec codec(test_key);
  std::mt19937_64 rng(7);
  for (int i = 0; i < 100000; ++i) {
    const std::uint64_t v = rng() & ((std::uint64_t{1} << 40) - 1);
    const std::uint64_t p = codec.permute(v);
    CHECK(p < (std::uint64_t{1} << 40));
    CHECK(codec.unpermute(p) == v);
    CHECK(codec.permute(codec.unpermute(v)) == v);
  }
  CHECK(codec.unpermute(codec.permute(0)) == 0);
  CHECK(codec.unpermute(codec.permute((std::uint64_t{1} << 40) - 1)) == (std::uint64_t{1} << 40) - 1);
}

TEST_CASE("tracking: the key changes the permutation") {
  tracking_key other = test_key;
  other[15] ^= 1;
  const tracking_id_codec a(test_key), b(other);
  int same = 0;
  for (std::uint32_t s = 0; s < 1000; ++s) same += a.encode({3, s}) == b.encode({3, s});
  CHECK(same < 5);
  // An ID from one key is (almost always) invalid or different under another.
  CHECK(b.decode(a.encode({3, 12345})) != std::optional<tracking_parts>(tracking_parts{3, 12345}));
}

TEST_CASE("tracking: check symbol is the weighted GF(32) sum") {
  // alpha = x in GF(2)[x]/(x^5+x^2+1): weights 2,4,8,16,5,10,20,13 for positions 1..8.
  const std::array<std::uint8_t, 8> unit0{1, 0, 0, 0, 0, 0, 0, 0};
  const std::array<std::uint8_t, 8> unit4{0, 0, 0, 0, 1, 0, 0, 0};
  const std::array<std::uint8_t, 8> unit7{0, 0, 0, 0, 0, 0, 0, 1};
  CHECK(crockford_check(unit0.data(), 8) == 2);
  CHECK(crockford_check(unit4.data(), 8) == 5);
  CHECK(crockford_check(unit7.data(), 8) == 13);
  const std::array<std::uint8_t, 8> zeros{};
  CHECK(crockford_check(zeros.data(), 8) == 0);
}

TEST_CASE("tracking: every single-symbol substitution is detected") {
  const tracking_id_codec codec(test_key);
  std::size_t tried = 0;
  for (const auto& p : sample_parts(1000)) {
    const std::string id = codec.encode(p);
    for (std::size_t pos : symbol_pos) {
      for (std::uint8_t v = 0; v < 32; ++v) {
        if (crockford_symbol(v) == id[pos]) continue;
        std::string bad = id;
        bad[pos] = crockford_symbol(v);
        ++tried;
        if (codec.decode(bad).has_value()) FAIL_CHECK("substitution accepted: " << id << " -> " << bad);
      }
    }
  }
  CHECK(tried == 1006 * 9 * 31);
}

TEST_CASE("tracking: every adjacent transposition is detected") {
  const tracking_id_codec codec(test_key);
  std::size_t tried = 0;
  for (const auto& p : sample_parts(20000)) {
    const std::string id = codec.encode(p);
    // Neighbours in symbol order, across the hyphens and including data <-> check.
    for (std::size_t i = 0; i + 1 < symbol_pos.size(); ++i) {
      const std::size_t a = symbol_pos[i], b = symbol_pos[i + 1];
      if (id[a] == id[b]) continue;
      std::string bad = id;
      std::swap(bad[a], bad[b]);
      ++tried;
      if (codec.decode(bad).has_value()) FAIL_CHECK("transposition accepted: " << id << " -> " << bad);
    }
  }
  CHECK(tried > 20000 * 7);
}

TEST_CASE("tracking: substitutions and transpositions of arbitrary symbol strings change the check") {
  // The property belongs to the weights, not to the IDs the permutation happens to produce.
  std::mt19937_64 rng(99);
  for (int n = 0; n < 2000; ++n) {
    std::array<std::uint8_t, 9> d{};
    for (std::size_t i = 0; i < 8; ++i) d[i] = static_cast<std::uint8_t>(rng() & 31);
    d[8] = crockford_check(d.data(), 8);
    for (std::size_t i = 0; i < 9; ++i)
      for (std::uint8_t v = 0; v < 32; ++v) {
        if (v == d[i]) continue;
        auto e = d;
        e[i] = v;
        CHECK(crockford_check(e.data(), 8) != e[8]);
      }
    for (std::size_t i = 0; i + 1 < 9; ++i) {
      if (d[i] == d[i + 1]) continue;
      auto e = d;
      std::swap(e[i], e[i + 1]);
      CHECK(crockford_check(e.data(), 8) != e[8]);
    }
  }
}

TEST_CASE("tracking: 10,000,000 IDs over several nodes have no collision") {
  const tracking_id_codec codec(test_key);
  const auto started = std::chrono::steady_clock::now();
  // Ten nodes, a million consecutive sequences each, from sequence starts that include
  // 0 and the top of the 32-bit range.
  constexpr std::uint32_t per_node = 1'000'000;
  const std::array<std::pair<std::uint8_t, std::uint32_t>, 10> runs{{
      {0, 0}, {1, 0}, {2, 0x7fff0000}, {7, 123456789}, {42, 0},
      {128, 0xfff00000}, {200, 1}, {254, 0x10000000}, {255, 0}, {255, 0xffffffff - per_node + 1},
  }};
  std::vector<std::uint64_t> seen;  // 80 MB of 40-bit values
  seen.reserve(runs.size() * per_node);
  for (const auto& [node, first] : runs)
    for (std::uint32_t i = 0; i < per_node; ++i) seen.push_back(data_bits(codec.encode({node, first + i})));
  std::sort(seen.begin(), seen.end());
  const auto dup = std::adjacent_find(seen.begin(), seen.end());
  CHECK(seen.size() == 10'000'000);
  CHECK(dup == seen.end());
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count();
  MESSAGE("10M IDs encoded, sorted and checked in " << ms << " ms");
}

TEST_CASE("tracking: consecutive sequences give unrelated IDs") {
  const tracking_id_codec codec(test_key);
  constexpr int n = 10000;
  long symbols_changed = 0, bits_changed = 0;
  for (std::uint32_t s = 0; s < n; ++s) {
    const std::string a = codec.encode({5, s}), b = codec.encode({5, s + 1});
    for (std::size_t i = 0; i < 8; ++i) symbols_changed += a[symbol_pos[i]] != b[symbol_pos[i]];
    bits_changed += std::popcount(data_bits(a) ^ data_bits(b));
  }
  // Unrelated values differ in 8 * 31/32 = 7.75 symbols and 20 of 40 bits on average.
  const double avg_symbols = static_cast<double>(symbols_changed) / n;
  const double avg_bits = static_cast<double>(bits_changed) / n;
  CHECK(avg_symbols > 7.5);
  CHECK(avg_bits > 19.0);
  CHECK(avg_bits < 21.0);
  // Neighbouring nodes with the same sequence are just as unrelated.
  long node_symbols = 0;
  for (int node = 0; node < 255; ++node) {
    const std::string a = codec.encode({static_cast<std::uint8_t>(node), 77});
    const std::string b = codec.encode({static_cast<std::uint8_t>(node + 1), 77});
    for (std::size_t i = 0; i < 8; ++i) node_symbols += a[symbol_pos[i]] != b[symbol_pos[i]];
  }
  CHECK(static_cast<double>(node_symbols) / 255 > 7.0);
}

TEST_CASE("tracking: typed spellings are accepted") {
  const tracking_id_codec codec(test_key);
  const tracking_parts p{9, 31337};
  const std::string id = codec.encode(p);
  const std::string bare = id.substr(4, 4) + id.substr(9, 4) + id.substr(14, 1);
  std::string lower = id;
  std::transform(lower.begin(), lower.end(), lower.begin(), [](char c) { return static_cast<char>(std::tolower(c)); });

  for (const std::string& typed : {id, lower, bare, "LPR" + bare, "lpr" + bare, " " + id + " ",
                                   id.substr(0, 3) + " " + id.substr(4, 4) + " " + id.substr(9, 4) + " " + id.substr(14),
                                   "Lpr-" + bare, bare.substr(0, 4) + "-" + bare.substr(4, 4) + "-" + bare.substr(8),
                                   "--" + bare + "--"}) {
    CAPTURE(typed);
    CHECK(codec.decode(typed) == std::optional<tracking_parts>(p));
    CHECK(codec.canonical(typed) == id);
  }
  // Dashes as phones and word processors type them (en dash, em dash, non-breaking hyphen,
  // minus): the status page, the app and the SMS all read them as '-'.
  for (const char* dash : {"\xE2\x80\x93", "\xE2\x80\x94", "\xE2\x80\x91", "\xE2\x88\x92", "\xE2\x80\x90"}) {
    std::string typed = id;
    for (std::size_t at = typed.find('-'); at != std::string::npos; at = typed.find('-', at)) typed.replace(at, 1, dash);
    CAPTURE(typed);
    CHECK(codec.canonical(typed) == id);
  }
  CHECK(id_dash_length("a\xE2\x80\x93" "b", 1) == 3);
  CHECK(id_dash_length("-", 0) == 1);
  CHECK(id_dash_length("\xE2\x80\x9C", 0) == 0);  // a curly quote is no dash
  CHECK(id_dash_length("\xE2\x80", 0) == 0);      // cut short
  CHECK_FALSE(codec.decode(id.substr(0, 4) + "\xE2\x80\x9C" + id.substr(4)));
}

TEST_CASE("tracking: Crockford aliases O->0 and I/L->1") {
  const tracking_id_codec codec(test_key);
  CHECK(crockford_value('O') == 0);
  CHECK(crockford_value('o') == 0);
  CHECK(crockford_value('I') == 1);
  CHECK(crockford_value('i') == 1);
  CHECK(crockford_value('L') == 1);
  CHECK(crockford_value('l') == 1);
  CHECK(crockford_value('z') == 31);
  CHECK_FALSE(crockford_value('U').has_value());
  CHECK_FALSE(crockford_value('u').has_value());

  // Find IDs containing 0 and 1 and spell them with every alias.
  int with_zero = 0, with_one = 0;
  for (std::uint32_t s = 0; s < 2000 && (with_zero < 20 || with_one < 20); ++s) {
    const tracking_parts p{17, s};
    const std::string id = codec.encode(p);
    for (std::size_t pos : symbol_pos) {
      const char sym = id[pos];
      if (sym != '0' && sym != '1') continue;
      (sym == '0' ? with_zero : with_one)++;
      for (char alias : sym == '0' ? std::string("Oo") : std::string("IiLl")) {
        std::string typed = id;
        typed[pos] = alias;
        CAPTURE(typed);
        CHECK(codec.decode(typed) == std::optional<tracking_parts>(p));
        CHECK(codec.canonical(typed) == id);
      }
    }
  }
  CHECK(with_zero >= 20);
  CHECK(with_one >= 20);
}

TEST_CASE("tracking: garbage is rejected") {
  const tracking_id_codec codec(test_key);
  const std::string id = codec.encode({4, 4444});
  const std::string bare = id.substr(4, 4) + id.substr(9, 4) + id.substr(14, 1);
  std::string with_u = id;
  with_u[5] = 'U';
  std::string with_star = id;
  with_star[6] = '*';
  const std::vector<std::string> bad{
      "",
      "LPR",
      "LPR--",
      "-- --",
      id.substr(0, 13),             // check symbol missing
      id + "0",                     // one symbol too many
      "LPR" + id,                   // prefix twice
      "XPR" + bare,                 // wrong prefix
      "LP" + bare,                  // truncated prefix
      bare.substr(1),               // 8 symbols
      bare + bare,                  // 18 symbols
      with_u,                       // U is not in the alphabet
      with_star,                    // punctuation
      "LPR-" + bare.substr(0, 4) + "." + bare.substr(4),
      "LPR_" + bare,
      std::string("LPR-\xc3\x84") + bare.substr(1),  // UTF-8 letter
      std::string("LPR-") + '\0' + bare.substr(1),
      "hello world",
      "LPR-0000-0000-1",            // check symbol wrong for all zeros (check is 0)
      std::string(1000, '0'),
  };
  for (const auto& s : bad) {
    CAPTURE(s);
    CHECK_FALSE(codec.decode(s).has_value());
    CHECK_FALSE(codec.canonical(s).has_value());
  }
  CHECK(codec.decode("LPR-0000-0000-0").has_value());  // all-zero symbols are a valid spelling
}

TEST_CASE("tracking: row_id and parts_of_row") {
  CHECK(row_id({0, 0}) == 0);
  CHECK(row_id({1, 0}) == (std::int64_t{1} << 32));
  CHECK(row_id({0, 0xffffffff}) == 0xffffffffLL);
  CHECK(row_id({255, 0xffffffff}) == 0xffffffffffLL);
  CHECK(parts_of_row(0xffffffffffLL) == tracking_parts{255, 0xffffffff});
  for (const auto& p : sample_parts(1000)) {
    CHECK(row_id(p) >= 0);
    CHECK(parts_of_row(row_id(p)) == p);
  }
  static_assert(parts_of_row(row_id({12, 34})) == tracking_parts{12, 34});
}
