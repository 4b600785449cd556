// Who may bind to our SMPP server: the smpp.accounts table (system_id, password, operator,
// allowed_cidrs), checked for each bind_* (sans-I/O: the caller passes the peer's address).
//
//   unknown system_id                    -> ESME_RINVSYSID
//   wrong password                       -> ESME_RINVPASWD
//   peer address outside allowed_cidrs   -> ESME_RBINDFAIL (says nothing about the account)
//   otherwise                            -> ESME_ROK with the account's operator
//
// Passwords are compared in constant time and never logged. Thread-safe after construction.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "channels/sms/session_fsm.h"
#include "gateway/config.h"

namespace lapor::sms {

// An IPv4 or IPv6 address as 16 octets (IPv4 as ::ffff:a.b.c.d).
using ip_octets = std::array<std::uint8_t, 16>;

struct cidr {
  ip_octets network{};
  int prefix = 0;  // bits of `network` that must match (IPv4 prefixes are stored + 96)
};

// "10.0.0.0/8", "2001:db8::/32", "127.0.0.1" (a single host). nullopt when malformed.
[[nodiscard]] std::optional<cidr> parse_cidr(std::string_view text);
// "127.0.0.1" / "::1" as ip_octets; nullopt when malformed.
[[nodiscard]] std::optional<ip_octets> parse_ip(std::string_view text);
[[nodiscard]] bool contains(const cidr& range, const ip_octets& address) noexcept;

class account_table {
 public:
  // Fails (the offending entry's text) when an allowed_cidrs entry does not parse.
  [[nodiscard]] static std::optional<account_table> make(const std::vector<gateway::smpp_account>& accounts,
                                                         std::string& error);

  [[nodiscard]] bind_decision check(const bind_request& bind, const ip_octets& peer) const;
  [[nodiscard]] bool empty() const noexcept { return accounts_.empty(); }

 private:
  struct entry {
    std::string system_id, password, operator_name;
    std::vector<cidr> allowed;  // empty = any address
  };
  std::vector<entry> accounts_;
};

}  // namespace lapor::sms
