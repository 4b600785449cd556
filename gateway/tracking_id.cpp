#include "gateway/tracking_id.h"

#include <bit>

namespace lapor::gateway {

namespace {

// ---- SipHash-2-4 (Aumasson & Bernstein reference algorithm) ----

constexpr std::uint64_t load64_le(const unsigned char* p) noexcept {
  std::uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

struct siphash_state {
  std::uint64_t v0, v1, v2, v3;

  siphash_state(std::uint64_t k0, std::uint64_t k1) noexcept
      : v0(k0 ^ 0x736f6d6570736575ULL),
        v1(k1 ^ 0x646f72616e646f6dULL),
        v2(k0 ^ 0x6c7967656e657261ULL),
        v3(k1 ^ 0x7465646279746573ULL) {}

  void sip_round() noexcept {
    v0 += v1; v1 = std::rotl(v1, 13); v1 ^= v0; v0 = std::rotl(v0, 32);
    v2 += v3; v3 = std::rotl(v3, 16); v3 ^= v2;
    v0 += v3; v3 = std::rotl(v3, 21); v3 ^= v0;
    v2 += v1; v1 = std::rotl(v1, 17); v1 ^= v2; v2 = std::rotl(v2, 32);
  }

  void compress(std::uint64_t m) noexcept {  // 2 rounds per message word
    v3 ^= m;
    sip_round();
    sip_round();
    v0 ^= m;
  }

  std::uint64_t finish() noexcept {  // 4 finalisation rounds
    v2 ^= 0xff;
    for (int i = 0; i < 4; ++i) sip_round();
    return v0 ^ v1 ^ v2 ^ v3;
  }
};

// ---- Crockford base32 and GF(32) arithmetic for the check symbol ----

constexpr char alphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
constexpr std::size_t data_symbols = 8;  // 40 bits / 5
constexpr std::uint64_t mask40 = (std::uint64_t{1} << 40) - 1;
constexpr std::uint32_t mask20 = (std::uint32_t{1} << 20) - 1;
constexpr int feistel_rounds = 8;

// Multiplication in GF(2^5) = GF(2)[x] / (x^5 + x^2 + 1). The polynomial is primitive, so
// x (= 2) generates all 31 non-zero elements: the nine weights alpha^0 (check symbol) to
// alpha^8 are distinct and non-zero.
constexpr std::uint8_t gf32_mul(std::uint8_t a, std::uint8_t b) noexcept {
  std::uint8_t r = 0;
  for (int i = 0; i < 5; ++i) {
    if (b & 1) r ^= a;
    b >>= 1;
    a <<= 1;
    if (a & 0x20) a ^= 0x25;  // reduce x^5 -> x^2 + 1
  }
  return r;
}
constexpr std::uint8_t gf32_alpha = 2;

static_assert(gf32_mul(gf32_alpha, 16) == 5, "x^5 = x^2 + 1");

// Input symbols for decode: the separators users type, or a symbol. Separators are
// skipped; anything else that is not a symbol rejects the whole input.
bool is_separator(char c) noexcept { return c == '-' || c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

char ascii_upper(char c) noexcept { return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c; }

// Collects at most `max` non-separator characters (upper-cased) into `out`; false if more.
bool compact(std::string_view text, std::array<char, 12>& out, std::size_t& n) noexcept {
  n = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (const auto dash = id_dash_length(text, i)) {
      i += dash - 1;
      continue;
    }
    if (is_separator(text[i])) continue;
    if (n == out.size()) return false;
    out[n++] = ascii_upper(text[i]);
  }
  return true;
}

}  // namespace

std::size_t id_dash_length(std::string_view text, std::size_t at) noexcept {
  if (at >= text.size()) return 0;
  if (text[at] == '-') return 1;
  if (static_cast<unsigned char>(text[at]) != 0xE2 || at + 2 >= text.size()) return 0;
  const auto b1 = static_cast<unsigned char>(text[at + 1]), b2 = static_cast<unsigned char>(text[at + 2]);
  if ((b1 == 0x80 && b2 >= 0x90 && b2 <= 0x94) || (b1 == 0x88 && b2 == 0x92)) return 3;
  return 0;
}

std::uint64_t siphash24(std::uint64_t k0, std::uint64_t k1, const void* data, std::size_t len) noexcept {
  const auto* p = static_cast<const unsigned char*>(data);
  siphash_state s(k0, k1);
  const std::size_t whole = len - len % 8;
  for (std::size_t i = 0; i < whole; i += 8) s.compress(load64_le(p + i));
  // Last word: the remaining bytes, with the message length (mod 256) in the top byte.
  std::uint64_t last = static_cast<std::uint64_t>(len & 0xff) << 56;
  for (std::size_t i = 0; i < len % 8; ++i) last |= static_cast<std::uint64_t>(p[whole + i]) << (8 * i);
  s.compress(last);
  return s.finish();
}

tracking_id_codec::tracking_id_codec(const tracking_key& key) noexcept
    : k0_(load64_le(key.data())), k1_(load64_le(key.data() + 8)) {}

// Round function: 20 pseudo-random bits from SipHash of (round number, half). Including
// the round number makes every round a different function under the same key.
std::uint32_t tracking_id_codec::round(int r, std::uint32_t half) const noexcept {
  std::array<unsigned char, 8> msg{};
  const std::uint64_t in = (static_cast<std::uint64_t>(r) << 32) | half;
  for (std::size_t i = 0; i < msg.size(); ++i) msg[i] = static_cast<unsigned char>(in >> (8 * i));
  return static_cast<std::uint32_t>(siphash24(k0_, k1_, msg.data(), msg.size())) & mask20;
}

// Balanced Feistel network over two 20-bit halves: a bijection on [0, 2^40) whatever the
// round function, which is what makes tracking IDs unique by construction.
std::uint64_t tracking_id_codec::permute(std::uint64_t v40) const noexcept {
  auto left = static_cast<std::uint32_t>((v40 >> 20) & mask20);
  auto right = static_cast<std::uint32_t>(v40 & mask20);
  for (int r = 0; r < feistel_rounds; ++r) {
    const std::uint32_t next = left ^ round(r, right);
    left = right;
    right = next;
  }
  return (static_cast<std::uint64_t>(left) << 20) | right;
}

std::uint64_t tracking_id_codec::unpermute(std::uint64_t v40) const noexcept {
  auto left = static_cast<std::uint32_t>((v40 >> 20) & mask20);
  auto right = static_cast<std::uint32_t>(v40 & mask20);
  for (int r = feistel_rounds - 1; r >= 0; --r) {
    const std::uint32_t prev = right ^ round(r, left);
    right = left;
    left = prev;
  }
  return (static_cast<std::uint64_t>(left) << 20) | right;
}

std::string tracking_id_codec::encode(tracking_parts parts) const {
  const std::uint64_t v = permute(static_cast<std::uint64_t>(row_id(parts)) & mask40);
  std::array<std::uint8_t, data_symbols> d{};
  for (std::size_t i = 0; i < data_symbols; ++i)  // most significant symbol first
    d[i] = static_cast<std::uint8_t>((v >> (5 * (data_symbols - 1 - i))) & 31);

  // "LPR-XXXX-XXXX-C", 15 chars, laid out in a buffer and copied once (fits the small-string
  // buffer: no allocation); appending char by char cost a length check and write per char.
  std::array<char, 15> id{'L', 'P', 'R', '-'};
  for (std::size_t i = 0; i < 4; ++i) {
    id[4 + i] = crockford_symbol(d[i]);
    id[9 + i] = crockford_symbol(d[4 + i]);
  }
  id[8] = '-';
  id[13] = '-';
  id[14] = crockford_symbol(crockford_check(d.data(), d.size()));
  return std::string(id.data(), id.size());
}

std::optional<tracking_parts> tracking_id_codec::decode(std::string_view text) const {
  std::array<char, 12> sym{};
  std::size_t n = 0;
  if (!compact(text, sym, n)) return std::nullopt;
  // Lengths tell the spellings apart: 12 = "LPR" + 9 symbols, 9 = the bare symbols.
  std::size_t first = 0;
  if (n == 12 && sym[0] == 'L' && sym[1] == 'P' && sym[2] == 'R') first = 3;
  else if (n != 9) return std::nullopt;

  std::array<std::uint8_t, data_symbols + 1> d{};
  for (std::size_t i = 0; i < d.size(); ++i) {
    const auto v = crockford_value(sym[first + i]);
    if (!v) return std::nullopt;
    d[i] = *v;
  }
  if (crockford_check(d.data(), data_symbols) != d[data_symbols]) return std::nullopt;

  std::uint64_t v = 0;
  for (std::size_t i = 0; i < data_symbols; ++i) v = (v << 5) | d[i];
  return parts_of_row(static_cast<std::int64_t>(unpermute(v)));
}

std::optional<std::string> tracking_id_codec::canonical(std::string_view text) const {
  const auto parts = decode(text);
  if (!parts) return std::nullopt;
  return encode(*parts);
}

// c = sum_i alpha^(i+1) * d_i. The check symbol itself carries weight alpha^0 = 1, so
// "weighted sum of all nine symbols is zero" holds for a valid ID (characteristic 2).
std::uint8_t crockford_check(const std::uint8_t* data, std::size_t n) noexcept {
  // Products read from a table of all 32 x 32 (gf32_mul's loop per product cost more than the
  // rest of encoding an ID).
  static constexpr auto product = [] {
    std::array<std::array<std::uint8_t, 32>, 32> t{};
    for (std::uint8_t a = 0; a < 32; ++a)
      for (std::uint8_t b = 0; b < 32; ++b) t[a][b] = gf32_mul(a, b);
    return t;
  }();
  std::uint8_t sum = 0;
  std::uint8_t weight = gf32_alpha;
  for (std::size_t i = 0; i < n; ++i) {
    sum ^= product[weight][data[i] & 31];
    weight = product[weight][gf32_alpha];
  }
  return sum;
}

std::optional<std::uint8_t> crockford_value(char c) noexcept {
  c = ascii_upper(c);
  switch (c) {  // Crockford's aliases for look-alike letters
    case 'O': return 0;
    case 'I':
    case 'L': return 1;
    default: break;
  }
  for (std::uint8_t v = 0; v < 32; ++v)
    if (alphabet[v] == c) return v;
  return std::nullopt;  // includes 'U', which Crockford leaves out
}

char crockford_symbol(std::uint8_t v) noexcept { return alphabet[v & 31]; }

}  // namespace lapor::gateway
