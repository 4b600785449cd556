#include <doctest/doctest.h>

#include "channels/sms/smpp_accounts.h"
#include "channels/sms/smpp_status.h"

using namespace lapor::sms;

TEST_CASE("cidr: parse and match, IPv4 and IPv6") {
  struct row {
    const char* range;
    const char* address;
    bool inside;
  };
  for (const auto& r : std::vector<row>{
           {"127.0.0.0/8", "127.0.0.1", true},
           {"127.0.0.0/8", "128.0.0.1", false},
           {"10.1.2.3/8", "10.200.0.1", true},  // host bits of the range are ignored
           {"192.168.1.7", "192.168.1.7", true},
           {"192.168.1.7", "192.168.1.8", false},
           {"0.0.0.0/0", "8.8.8.8", true},
           {"0.0.0.0/0", "::1", false},  // an IPv4 range never matches a native IPv6 peer
           {"2001:db8::/32", "2001:db8:1::5", true},
           {"2001:db8::/32", "2001:db9::5", false},
           {"::1", "::1", true},
           {"10.0.0.0/31", "10.0.0.1", true},
           {"10.0.0.0/32", "10.0.0.1", false},
       }) {
    CAPTURE(r.range);
    CAPTURE(r.address);
    auto c = parse_cidr(r.range);
    auto a = parse_ip(r.address);
    REQUIRE(c);
    REQUIRE(a);
    CHECK(contains(*c, *a) == r.inside);
  }
  for (const char* bad : {"", "10.0.0.0/33", "10.0.0.0/", "10.0.0/8", "::1/129", "host.example/8", "10.0.0.0/8x"}) {
    CAPTURE(bad);
    CHECK_FALSE(parse_cidr(bad));
  }
}

TEST_CASE("accounts: system_id, password, allowed_cidrs") {
  std::vector<lapor::gateway::smpp_account> cfg{
      {"tsel", "secret", "telkomsel", {"127.0.0.0/8"}},
      {"isat", "pw2", "indosat", {}},
  };
  std::string error;
  auto table = account_table::make(cfg, error);
  REQUIRE(table);
  const auto local = *parse_ip("127.0.0.1");
  const auto remote = *parse_ip("203.0.113.9");
  auto check = [&](std::string_view id, std::string_view pw, const ip_octets& from) {
    return table->check(bind_request{bind_kind::transceiver, id, pw, "", 0x34}, from);
  };
  auto ok = check("tsel", "secret", local);
  CHECK(ok.status == status::esme_rok);
  CHECK(ok.operator_name == "telkomsel");
  CHECK(check("tsel", "wrong", local).status == status::esme_rinvpaswd);
  CHECK(check("tsel", "secre", local).status == status::esme_rinvpaswd);    // prefix
  CHECK(check("tsel", "secret2", local).status == status::esme_rinvpaswd);  // longer
  CHECK(check("nobody", "secret", local).status == status::esme_rinvsysid);
  CHECK(check("tsel", "secret", remote).status == status::esme_rbindfail);  // outside its CIDRs
  CHECK(check("isat", "pw2", remote).status == status::esme_rok);           // no CIDR list: anywhere
  CHECK(check("isat", "pw2", remote).operator_name == "indosat");

  cfg[1].allowed_cidrs = {"not-an-address"};
  CHECK_FALSE(account_table::make(cfg, error));
  CHECK(error.find("not-an-address") != std::string::npos);
}
