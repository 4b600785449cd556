// Tracking IDs (SPEC §5): "LPR-XXXX-XXXX-C".
//
// 40 bits = node (8 bits, 0..255) || sequence (32 bits), run through a keyed permutation
// (a Feistel network over 40 bits with SipHash-2-4 round functions), written as 8 Crockford
// base32 symbols plus one check symbol. Unique by construction: a bijection of (node, seq),
// so two nodes sharing the key never collide and a node never repeats while its sequence
// does not. Not enumerable: neighbouring sequences map to unrelated IDs; without the key,
// a guessed ID is valid with probability (issued IDs) / 2^40.
//
// Check symbol: c = sum_i alpha^(i+1) * d_i over GF(32) (alpha a primitive element, d_i the
// 8 data symbols), written as one more Crockford symbol. Distinct non-zero weights make
// every single-symbol substitution and every adjacent transposition (including with the
// check symbol itself) change the sum, so both are always detected.
//
// Parsing is case-insensitive, ignores hyphens and spaces, accepts the "LPR" prefix or not,
// and reads Crockford's aliases (I/L -> 1, O -> 0).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace lapor::gateway {

using tracking_key = std::array<std::uint8_t, 16>;

struct tracking_parts {
  std::uint8_t node = 0;
  std::uint32_t sequence = 0;
  friend bool operator==(const tracking_parts&, const tracking_parts&) = default;
};

class tracking_id_codec {
 public:
  explicit tracking_id_codec(const tracking_key& key) noexcept;

  // Formats (node, sequence) as "LPR-XXXX-XXXX-C". Never fails.
  [[nodiscard]] std::string encode(tracking_parts parts) const;

  // Parses any accepted spelling; nullopt when malformed or the check symbol is wrong.
  [[nodiscard]] std::optional<tracking_parts> decode(std::string_view text) const;

  // The canonical spelling of a user-typed ID, or nullopt when it is not valid.
  [[nodiscard]] std::optional<std::string> canonical(std::string_view text) const;

  // The raw 40-bit permutation and its inverse (exposed for tests).
  [[nodiscard]] std::uint64_t permute(std::uint64_t v40) const noexcept;
  [[nodiscard]] std::uint64_t unpermute(std::uint64_t v40) const noexcept;

 private:
  std::uint32_t round(int r, std::uint32_t half) const noexcept;
  std::uint64_t k0_, k1_;
};

// The length in bytes of a dash at `text[at]` as phones and word processors type one in an ID:
// '-' (1), or in UTF-8 U+2010 hyphen, U+2011 non-breaking hyphen, U+2012 figure dash, U+2013 en
// dash, U+2014 em dash, U+2212 minus (3); 0 when there is none. decode() skips them all.
[[nodiscard]] std::size_t id_dash_length(std::string_view text, std::size_t at) noexcept;

// The row key stored in SQLite for a complaint: node << 32 | sequence.
[[nodiscard]] constexpr std::int64_t row_id(tracking_parts p) noexcept {
  return (static_cast<std::int64_t>(p.node) << 32) | p.sequence;
}
[[nodiscard]] constexpr tracking_parts parts_of_row(std::int64_t id) noexcept {
  return {static_cast<std::uint8_t>((id >> 32) & 0xff), static_cast<std::uint32_t>(id & 0xffffffff)};
}

// Check-symbol helpers over Crockford base32 values (0..31), exposed for tests.
[[nodiscard]] std::uint8_t crockford_check(const std::uint8_t* data, std::size_t n) noexcept;
[[nodiscard]] std::optional<std::uint8_t> crockford_value(char c) noexcept;
[[nodiscard]] char crockford_symbol(std::uint8_t v) noexcept;

// SipHash-2-4 of `data` under a 128-bit key (k0, k1). Also used to hash idempotency keys.
[[nodiscard]] std::uint64_t siphash24(std::uint64_t k0, std::uint64_t k1, const void* data,
                                      std::size_t len) noexcept;

}  // namespace lapor::gateway
