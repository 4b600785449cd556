#include "channels/sms/smpp_accounts.h"

#include <arpa/inet.h>

#include <algorithm>
#include <charconv>

namespace lapor::sms {

std::optional<ip_octets> parse_ip(std::string_view text) {
  if (text.empty() || text.size() > 45) return std::nullopt;
  const std::string s(text);
  ip_octets out{};
  in_addr v4{};
  if (inet_pton(AF_INET, s.c_str(), &v4) == 1) {
    out[10] = 0xff;
    out[11] = 0xff;
    const auto* p = reinterpret_cast<const std::uint8_t*>(&v4.s_addr);  // network order
    for (int i = 0; i < 4; ++i) out[12 + i] = p[i];
    return out;
  }
  in6_addr v6{};
  if (inet_pton(AF_INET6, s.c_str(), &v6) == 1) {
    for (int i = 0; i < 16; ++i) out[i] = v6.s6_addr[i];
    return out;
  }
  return std::nullopt;
}

std::optional<cidr> parse_cidr(std::string_view text) {
  const auto slash = text.find('/');
  const std::string_view host = text.substr(0, slash);
  auto address = parse_ip(host);
  if (!address) return std::nullopt;
  const bool v4 = host.find(':') == std::string_view::npos;
  const int max_bits = v4 ? 32 : 128;
  int bits = max_bits;
  if (slash != std::string_view::npos) {
    const std::string_view digits = text.substr(slash + 1);
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), bits);
    if (ec != std::errc{} || end != digits.data() + digits.size() || digits.empty() || bits < 0 || bits > max_bits)
      return std::nullopt;
  }
  cidr c;
  c.prefix = v4 ? bits + 96 : bits;
  c.network = *address;
  // Clear host bits so "10.1.2.3/8" means 10.0.0.0/8.
  for (int i = 0; i < 16; ++i) {
    const int keep = std::min(8, std::max(0, c.prefix - i * 8));
    c.network[i] &= static_cast<std::uint8_t>(keep == 0 ? 0 : (0xff << (8 - keep)) & 0xff);
  }
  return c;
}

bool contains(const cidr& range, const ip_octets& address) noexcept {
  for (int i = 0; i < 16; ++i) {
    const int keep = std::min(8, std::max(0, range.prefix - i * 8));
    if (keep == 0) break;
    const auto mask = static_cast<std::uint8_t>((0xff << (8 - keep)) & 0xff);
    if ((address[i] & mask) != range.network[i]) return false;
  }
  return true;
}

std::optional<account_table> account_table::make(const std::vector<gateway::smpp_account>& accounts,
                                                  std::string& error) {
  account_table t;
  for (const auto& a : accounts) {
    entry e{a.system_id, a.password, a.operator_name, {}};
    for (const auto& text : a.allowed_cidrs) {
      auto c = parse_cidr(text);
      if (!c) {
        error = "smpp.accounts: allowed_cidrs entry is not an address or CIDR: " + text;
        return std::nullopt;
      }
      e.allowed.push_back(*c);
    }
    t.accounts_.push_back(std::move(e));
  }
  return t;
}

namespace {

// Compares all of `a` whatever the first difference, so timing says nothing about the secret
// beyond its length.
bool same_secret(std::string_view a, std::string_view b) noexcept {
  unsigned diff = a.size() == b.size() ? 0u : 1u;
  const std::size_t n = std::max(a.size(), b.size());
  for (std::size_t i = 0; i < n; ++i) {
    const unsigned char x = i < a.size() ? static_cast<unsigned char>(a[i]) : 0;
    const unsigned char y = i < b.size() ? static_cast<unsigned char>(b[i]) : 0;
    diff |= static_cast<unsigned>(x ^ y);
  }
  return diff == 0;
}

}  // namespace

bind_decision account_table::check(const bind_request& bind, const ip_octets& peer) const {
  for (const auto& e : accounts_) {
    if (e.system_id != bind.system_id) continue;
    if (!same_secret(e.password, bind.password)) return {status::esme_rinvpaswd, {}};
    if (!e.allowed.empty()) {
      bool ok = false;
      for (const auto& c : e.allowed) ok = ok || contains(c, peer);
      if (!ok) return {status::esme_rbindfail, {}};
    }
    return {status::esme_rok, e.operator_name};
  }
  return {status::esme_rinvsysid, {}};
}

}  // namespace lapor::sms
