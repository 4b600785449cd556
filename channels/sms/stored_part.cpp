#include "channels/sms/stored_part.h"

#include <algorithm>

namespace lapor::sms {

namespace {
constexpr std::uint8_t version = 1;

void put_short_string(std::string& out, std::string_view s) {
  out.push_back(static_cast<char>(static_cast<std::uint8_t>(std::min<std::size_t>(s.size(), 255))));
  out.append(s.substr(0, 255));
}

struct reader {
  std::string_view b;
  std::size_t p = 0;
  bool u8(std::uint8_t& v) {
    if (p >= b.size()) return false;
    v = static_cast<std::uint8_t>(b[p++]);
    return true;
  }
  bool u16(std::uint16_t& v) {
    std::uint8_t hi = 0, lo = 0;
    if (!u8(hi) || !u8(lo)) return false;
    v = static_cast<std::uint16_t>(hi << 8 | lo);
    return true;
  }
  bool str(std::string& s) {
    std::uint8_t n = 0;
    if (!u8(n) || b.size() - p < n) return false;
    s.assign(b.substr(p, n));
    p += n;
    return true;
  }
};
}  // namespace

std::string encode_part(const part_record& r) {
  const auto& k = r.p.key;
  const auto& s = r.p.seg;
  std::string out;
  out.reserve(16 + k.operator_name.size() + k.source_addr.size() + k.destination_addr.size() + s.payload.size());
  out.push_back(static_cast<char>(version));
  out.push_back(static_cast<char>(r.source_ton));
  out.push_back(static_cast<char>(r.source_npi));
  out.push_back(static_cast<char>(s.data_coding));
  out.push_back(static_cast<char>(s.udh_octets >> 8));
  out.push_back(static_cast<char>(s.udh_octets & 0xff));
  out.push_back(static_cast<char>(k.ref >> 8));
  out.push_back(static_cast<char>(k.ref & 0xff));
  out.push_back(static_cast<char>(k.total));
  out.push_back(static_cast<char>(s.seq));
  put_short_string(out, k.operator_name);
  put_short_string(out, k.source_addr);
  put_short_string(out, k.destination_addr);
  out.append(reinterpret_cast<const char*>(s.payload.data()), s.payload.size());
  return out;
}

std::optional<part_record> decode_part(std::string_view bytes) {
  reader rd{bytes};
  part_record r;
  std::uint8_t v = 0;
  if (!rd.u8(v) || v != version) return std::nullopt;
  auto& k = r.p.key;
  auto& s = r.p.seg;
  if (!rd.u8(r.source_ton) || !rd.u8(r.source_npi) || !rd.u8(s.data_coding) || !rd.u16(s.udh_octets) ||
      !rd.u16(k.ref) || !rd.u8(k.total) || !rd.u8(s.seq) || !rd.str(k.operator_name) || !rd.str(k.source_addr) ||
      !rd.str(k.destination_addr))
    return std::nullopt;
  if (k.total == 0 || s.seq == 0 || s.seq > k.total) return std::nullopt;
  const auto rest = bytes.substr(rd.p);
  s.payload.assign(reinterpret_cast<const std::uint8_t*>(rest.data()),
                   reinterpret_cast<const std::uint8_t*>(rest.data()) + rest.size());
  return r;
}

std::uint64_t part_hash(const segment& s) noexcept {
  std::uint64_t h = 1469598103934665603ULL;
  auto mix = [&h](std::uint8_t c) {
    h ^= c;
    h *= 1099511628211ULL;
  };
  mix(s.data_coding);
  mix(static_cast<std::uint8_t>(s.udh_octets >> 8));
  mix(static_cast<std::uint8_t>(s.udh_octets));
  for (const auto c : s.payload) mix(c);
  return h;
}

}  // namespace lapor::sms
