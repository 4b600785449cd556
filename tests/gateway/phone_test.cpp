#include "gateway/phone.h"

#include <doctest/doctest.h>

#include <optional>
#include <string>
#include <vector>

using namespace lapor::gateway;

namespace {

struct phone_case {
  const char* raw;
  std::optional<std::string> e164;  // nullopt = rejected
};

const std::vector<phone_case> phone_cases = {
    // One Telkomsel subscriber, every way people and SMSCs write it.
    {"081234567890", "+6281234567890"},
    {"0812-3456-7890", "+6281234567890"},
    {"0812 3456 7890", "+6281234567890"},
    {"0812.3456.7890", "+6281234567890"},
    {"(0812) 3456 7890", "+6281234567890"},
    {"6281234567890", "+6281234567890"},
    {"+6281234567890", "+6281234567890"},
    {"+62 812-3456-7890", "+6281234567890"},
    {"+62 812 3456 7890", "+6281234567890"},
    {"+62 (0)812 3456 7890", "+6281234567890"},
    {"+620812 3456 7890", "+6281234567890"},
    {"006281234567890", "+6281234567890"},
    {"0062 812 3456 7890", "+6281234567890"},
    {"81234567890", "+6281234567890"},
    {"  081234567890  ", "+6281234567890"},
    // Other lengths of Indonesian mobiles.
    {"0812345678", "+62812345678"},            // 10 digits with 0
    {"0812-3456-78901", "+62812345678901"},    // 13 digits with 0: national part 12
    {"812345678", "+62812345678"},             // bare 9-digit mobile
    {"(0812) 345 678", "+62812345678"},
    // Landlines.
    {"021-1234567", "+62211234567"},
    {"(021) 1234 5678", "+622112345678"},
    {"+62 21 1234567", "+62211234567"},
    {"0531-21234", "+6253121234"},             // Sampit, 8-digit national number
    // Other countries, written internationally.
    {"+1 (415) 555-0100", "+14155550100"},
    {"+60 12-345 6789", "+60123456789"},
    {"0065 6123 4567", "+6561234567"},
    {"+44 20 7946 0958", "+442079460958"},
    // Rejections: letters, sender IDs, too short/long, malformed.
    {"", std::nullopt},
    {"   ", std::nullopt},
    {"TELKOMSEL", std::nullopt},
    {"INFO1708", std::nullopt},
    {"0812-3456-789O", std::nullopt},          // letter O for zero
    {"0812 3456 7890 ext 12", std::nullopt},
    {"1708", std::nullopt},                    // the short code itself
    {"0812345", std::nullopt},                 // 7 digits in all
    {"+6281234", std::nullopt},                // national part 6
    {"0812345678901234", std::nullopt},        // national part 15
    {"+62 8123 4567 8901 2", std::nullopt},    // national part 13
    {"+1234567", std::nullopt},                // 7 digits
    {"+1234567890123456", std::nullopt},       // 16 digits
    {"81234567", std::nullopt},                // bare 8-digit: not a mobile
    {"8123456789012", std::nullopt},           // bare 13-digit
    {"712345678", std::nullopt},               // bare, not 8…
    {"12345678", std::nullopt},                // no prefix at all
    {"+0812345678", std::nullopt},             // '+' then trunk 0
    {"0112345678", std::nullopt},              // 01x is an IDD prefix, not an area code
    {"0812+34567890", std::nullopt},           // '+' inside
    // Country codes the ITU has not assigned are no one's phone (RFC-shaped but unreachable).
    {"+999 1234 5678", std::nullopt},
    {"+99912345678", std::nullopt},
    {"00999 1234 5678", std::nullopt},
    {"+28 1234 5678", std::nullopt},            // zone 2, 28x unassigned
    {"+800 1234 5678", std::nullopt},           // international freephone: a service, not a reporter
    {"+384 1234 5678", std::nullopt},
    {"+44 20 7946 0958", "+442079460958"},      // assigned 2-digit
    {"+670 7723 4567", "+67077234567"},         // Timor-Leste, 3-digit
    {"+7 912 345 6789", "+79123456789"},        // 1-digit zone 7
    {"+881 6 1234 5678", "+881612345678"},      // satellite phones are people too
    {"++6281234567890", std::nullopt},
    {"0812/3456/7890", std::nullopt},          // '/' is not a separator we accept
    {"\xEF\xBC\x90\xEF\xBC\x98\xEF\xBC\x91\xEF\xBC\x92\xEF\xBC\x93\xEF\xBC\x94\xEF\xBC\x95\xEF\xBC\x96\xEF\xBC\x97",
     std::nullopt},                            // full-width digits
};

}  // namespace

TEST_CASE("phone: normalize_phone table") {
  CHECK(phone_cases.size() >= 20);
  for (const auto& c : phone_cases) {
    CAPTURE(c.raw);
    const auto got = normalize_phone(c.raw);
    REQUIRE(got.has_value() == c.e164.has_value());
    if (got) CHECK(*got == *c.e164);
  }
}

TEST_CASE("phone: the result is a fixed point and plain E.164") {
  for (const auto& c : phone_cases) {
    if (!c.e164) continue;
    CAPTURE(c.raw);
    const auto again = normalize_phone(*c.e164);
    REQUIRE(again);
    CHECK(*again == *c.e164);
    CHECK(c.e164->front() == '+');
    CHECK(c.e164->size() <= 16);
    CHECK(c.e164->find_first_not_of("+0123456789") == std::string::npos);
  }
}

TEST_CASE("phone: absurdly long input is rejected without work") {
  CHECK_FALSE(normalize_phone(std::string(10000, '-') + "081234567890"));
  CHECK_FALSE(normalize_phone(std::string(100, '8')));
}
