#include <doctest/doctest.h>

#include "channels/sms/udh.h"
#include "tests/sms/test_support.h"

using namespace lapor::sms;
using namespace lapor::sms::test;

TEST_CASE("parse_udh: concatenation and other elements") {
  struct ok_case {
    const char* name;
    const char* user_data;
    std::optional<concat_ref> concat;
    std::size_t elements;
    const char* payload;
  };
  const ok_case cases[] = {
      {"8-bit reference (Kannel capture)", "05 00 03 02 02 01 | 616263", concat_ref{2, 2, 1, false}, 1, "616263"},
      {"16-bit reference", "06 08 04 12 34 03 02 | 6162", concat_ref{0x1234, 3, 2, true}, 1, "6162"},
      {"port element before the concatenation", "0B 05 04 0B84 23F0 00 03 7F 04 04 | 41",
       concat_ref{0x7F, 4, 4, false}, 2, "41"},
      {"language shift elements are walked over", "08 24 01 01 00 03 09 02 02 | 41", concat_ref{9, 2, 2, false}, 2,
       "41"},
      {"unknown element only", "03 70 01 FF | 4142", std::nullopt, 1, "4142"},
      {"empty UDH", "00 | 41", std::nullopt, 0, "41"},
      {"zero-length element", "02 7A 00 | ", std::nullopt, 1, ""},
      {"two concatenation elements: the last wins", "0B 00 03 01 02 01 08 04 00 05 03 03", concat_ref{5, 3, 3, true},
       2, ""},
      {"values reported as sent (seq 0, total 0)", "05 00 03 01 00 00", concat_ref{1, 0, 0, false}, 1, ""},
  };
  for (const auto& c : cases) {
    INFO(std::string(c.name));
    const bytes ud = hex(c.user_data);
    auto r = parse_udh(ud);
    REQUIRE(r.has_value());
    CHECK(r->concat == c.concat);
    CHECK(r->elements.size() == c.elements);
    CHECK(to_hex(r->payload) == to_hex(hex(c.payload)));
    CHECK(r->header_octets + r->payload.size() == ud.size());
  }
}

TEST_CASE("parse_udh: everything must fit") {
  struct bad_case {
    const char* name;
    const char* user_data;
    const char* reason;
  };
  const bad_case cases[] = {
      {"empty user data", "", "UDHI set but the user data is empty"},
      {"UDHL past the data", "05 00 03 02", "UDHL runs past the user data"},
      {"UDHL 255 on a short message", "FF 00", "UDHL runs past the user data"},
      {"element header past UDHL", "01 00 | 41", "information element header runs past UDHL"},
      {"element data past UDHL", "04 00 03 01 02 | 4142", "information element runs past UDHL"},
      {"8-bit concatenation of 4 octets", "06 00 04 01 02 01 00", "8-bit concatenation element is not 3 octets"},
      {"16-bit concatenation of 3 octets", "05 08 03 01 02 01", "16-bit concatenation element is not 4 octets"},
  };
  for (const auto& c : cases) {
    INFO(std::string(c.name));
    auto r = parse_udh(hex(c.user_data));
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().reason == c.reason);
  }
}

TEST_CASE("UDHI bit") {
  CHECK(has_udhi(0x40));
  CHECK(has_udhi(0x43));
  CHECK(has_udhi(0xC0));
  CHECK_FALSE(has_udhi(0x03));
  CHECK_FALSE(has_udhi(0x80));
}
