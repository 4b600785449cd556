#include "gateway/complaint_json.h"

#include <boost/json.hpp>
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <limits>
#include <string>
#include <vector>

#include "gateway/json_out.h"
#include "gateway/text.h"

using namespace lapor::gateway;
namespace json = boost::json;

namespace {

clock::time_point at_2026_11_22_101530_123() {
  using namespace std::chrono;
  return clock::time_point{sys_days{year{2026} / 11 / 22} + hours{10} + minutes{15} + seconds{30} + milliseconds{123}};
}

// The SPEC §4 example, as the pipeline would hand it over.
complaint spec_example() {
  complaint c;
  c.tracking_id = "LPR-7K3D-9QX2-M";
  c.sub.channel = channel_kind::sms;
  c.sub.channel_ref = {{"operator", "telkomsel"}, {"source_addr", "+6281234567890"}, {"message_id", "abc-123"}};
  c.sub.received_at = at_2026_11_22_101530_123();
  c.sub.who.phone = "+6281234567890";
  c.sub.kind = complaint_kind::complaint;
  c.sub.title = "Jalan rusak di Jl. Ahmad Yani";
  c.sub.body = "Jalan rusak parah di Jl. Ahmad Yani km 5, sudah 3 bulan tidak diperbaiki";
  c.sub.where.text = "Sampit, Kotawaringin Timur";
  c.sub.where.region = region_ref{"62.02", "regency", "Kalimantan Tengah", "Kabupaten Kotawaringin Timur", "", "", "location"};
  c.sub.attachments = {{"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", "image/jpeg", 123456, "foto.jpg"}};
  c.sla = {"2026-11-25", 14};
  return c;
}

std::vector<std::string> keys_of(const json::object& o) {
  std::vector<std::string> keys;
  for (const auto& kv : o) keys.emplace_back(kv.key());
  return keys;
}

const std::vector<std::string> spec_keys = {"schema",    "tracking_id", "channel",      "channel_ref", "received_at",
                                            "reporter",  "anonymous",   "confidential", "kind",        "title",
                                            "body",      "location",    "attachments",  "sla"};

}  // namespace

TEST_CASE("complaint_json: the SPEC example round-trips field by field") {
  const std::string text = to_canonical_json(spec_example());
  CHECK(is_valid_utf8(text));
  const json::object o = json::parse(text).as_object();

  CHECK(keys_of(o) == spec_keys);
  CHECK(o.at("schema") == "lapor.complaint/v1");
  CHECK(o.at("tracking_id") == "LPR-7K3D-9QX2-M");
  CHECK(o.at("channel") == "sms");

  const auto& ref = o.at("channel_ref").as_object();
  CHECK(keys_of(ref) == std::vector<std::string>{"operator", "source_addr", "message_id"});
  CHECK(ref.at("operator") == "telkomsel");
  CHECK(ref.at("source_addr") == "+6281234567890");
  CHECK(ref.at("message_id") == "abc-123");

  CHECK(o.at("received_at") == "2026-11-22T10:15:30.123Z");

  const auto& who = o.at("reporter").as_object();
  CHECK(keys_of(who) == std::vector<std::string>{"name", "phone", "email", "twitter"});
  CHECK(who.at("name").is_null());
  CHECK(who.at("phone") == "+6281234567890");
  CHECK(who.at("email").is_null());
  CHECK(who.at("twitter").is_null());

  CHECK(o.at("anonymous") == false);
  CHECK(o.at("confidential") == false);
  CHECK(o.at("kind") == "complaint");
  CHECK(o.at("title") == "Jalan rusak di Jl. Ahmad Yani");
  CHECK(o.at("body") == "Jalan rusak parah di Jl. Ahmad Yani km 5, sudah 3 bulan tidak diperbaiki");

  const auto& loc = o.at("location").as_object();
  CHECK(keys_of(loc) == std::vector<std::string>{"text", "lat", "lon", "region"});
  CHECK(loc.at("text") == "Sampit, Kotawaringin Timur");
  CHECK(loc.at("lat").is_null());
  CHECK(loc.at("lon").is_null());
  // SPEC §4: the region as in the contract's example, levels below it null.
  const auto& reg = loc.at("region").as_object();
  CHECK(keys_of(reg) == std::vector<std::string>{"code", "level", "province", "regency", "district", "village", "source"});
  CHECK(reg.at("code") == "62.02");
  CHECK(reg.at("level") == "regency");
  CHECK(reg.at("province") == "Kalimantan Tengah");
  CHECK(reg.at("regency") == "Kabupaten Kotawaringin Timur");
  CHECK(reg.at("district").is_null());
  CHECK(reg.at("village").is_null());
  CHECK(reg.at("source") == "location");

  const auto& files = o.at("attachments").as_array();
  REQUIRE(files.size() == 1);
  const auto& f = files[0].as_object();
  CHECK(keys_of(f) == std::vector<std::string>{"sha256", "mime", "size", "name"});
  CHECK(f.at("sha256") == "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08");
  CHECK(f.at("mime") == "image/jpeg");
  CHECK(f.at("size").to_number<std::uint64_t>() == 123456);
  CHECK(f.at("name") == "foto.jpg");

  const auto& sla = o.at("sla").as_object();
  CHECK(keys_of(sla) == std::vector<std::string>{"verify_by", "respond_within_working_days"});
  CHECK(sla.at("verify_by") == "2026-11-25");
  CHECK(sla.at("respond_within_working_days").to_number<int>() == 14);

  CHECK_FALSE(o.contains("incomplete"));
}

TEST_CASE("complaint_json: the key order is literally the SPEC's") {
  const std::string text = to_canonical_json(spec_example());
  std::size_t last = 0;
  for (const auto& k : spec_keys) {
    CAPTURE(k);
    const auto pos = text.find("\"" + k + "\":");
    REQUIRE(pos != std::string::npos);
    CHECK(pos >= last);
    last = pos;
  }
  CHECK(text.rfind("{\"schema\":\"lapor.complaint/v1\",", 0) == 0);
}

TEST_CASE("complaint_json: optional values, coordinates, flags, kinds and incomplete") {
  complaint c = spec_example();
  c.sub.channel = channel_kind::mobile;
  c.sub.channel_ref.clear();
  c.sub.who = {"Budi Santoso", "+6281234567890", "budi@example.id", "budi_s"};
  c.sub.anonymous = true;
  c.sub.confidential = true;
  c.sub.kind = complaint_kind::information_request;
  c.sub.where = {"Sampit", -2.53, 112.95, std::nullopt, {}};
  c.sub.attachments.clear();
  c.sub.incomplete = true;
  c.sla = {"2026-11-25", 5};

  const json::object o = json::parse(to_canonical_json(c)).as_object();
  auto keys = spec_keys;
  keys.push_back("incomplete");
  CHECK(keys_of(o) == keys);
  CHECK(o.at("channel") == "mobile");
  CHECK(o.at("channel_ref").as_object().empty());
  const auto& who = o.at("reporter").as_object();
  CHECK(who.at("name") == "Budi Santoso");
  CHECK(who.at("email") == "budi@example.id");
  CHECK(who.at("twitter") == "budi_s");
  CHECK(o.at("anonymous") == true);
  CHECK(o.at("confidential") == true);
  CHECK(o.at("kind") == "information_request");
  CHECK(o.at("location").at("lat").to_number<double>() == doctest::Approx(-2.53));
  CHECK(o.at("location").at("lon").to_number<double>() == doctest::Approx(112.95));
  CHECK(o.at("location").at("region").is_null());  // nothing determined: null, never a guess
  CHECK(o.at("attachments").as_array().empty());
  CHECK(o.at("sla").at("respond_within_working_days").to_number<int>() == 5);
  CHECK(o.at("incomplete") == true);

  c.sub.kind = complaint_kind::aspiration;
  c.sub.where.lat = std::numeric_limits<double>::quiet_NaN();
  c.sub.where.lon.reset();
  const json::object o2 = json::parse(to_canonical_json(c)).as_object();
  CHECK(o2.at("kind") == "aspiration");
  CHECK(o2.at("location").at("lat").is_null());
  CHECK(o2.at("location").at("lon").is_null());
}

TEST_CASE("complaint_json: escapes table round-trips") {
  struct ecase {
    const char* what;
    std::string body;
  };
  using namespace std::string_literals;
  const std::vector<ecase> cases = {
      {"double quotes", R"(Dia bilang "jalan rusak" kemarin)"},
      {"backslashes", R"(C:\laporan\foto.jpg and \\server\share)"},
      {"newlines and tabs", "baris satu\nbaris dua\n\tterindentasi\r\n"},
      {"C0 controls", "a\x01" "b\x1F" "c\b\f"s},
      {"NUL", "a\0b"s},
      {"DEL", "a\x7F" "b"},
      {"slash and angle brackets", "</script><b>&amp;</b>"},
      {"non-ASCII kept as UTF-8", "Jalan berlubang di Kecamatan Baamang \xE2\x80\x94 caf\xC3\xA9 \xF0\x9F\x98\xAD"},
      {"U+2028 line separator", "a\xE2\x80\xA8" "b"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.what);
    complaint x = spec_example();
    x.sub.body = c.body;
    x.sub.title = c.body;
    x.sub.channel_ref = {{"message_id", c.body}};
    x.sub.attachments[0].name = c.body;
    const std::string text = to_canonical_json(x);
    // No raw control byte survives serialisation; the output is one line.
    CHECK(std::none_of(text.begin(), text.end(), [](char ch) { return static_cast<unsigned char>(ch) < 0x20; }));
    const json::object o = json::parse(text).as_object();
    CHECK(json::string_view(o.at("body").as_string()) == c.body);
    CHECK(json::string_view(o.at("title").as_string()) == c.body);
    CHECK(json::string_view(o.at("channel_ref").at("message_id").as_string()) == c.body);
    CHECK(json::string_view(o.at("attachments").at(0).at("name").as_string()) == c.body);
  }
}

TEST_CASE("complaint_json: specific escape spellings") {
  complaint x = spec_example();
  x.sub.body = "kata \"kutipan\" \\ garis\nbaru\x01 caf\xC3\xA9";
  const std::string text = to_canonical_json(x);
  CHECK(text.find(R"("body":"kata \"kutipan\" \\ garis\nbaru\u0001 caf)" "\xC3\xA9\"") != std::string::npos);
  CHECK(text.find("\\u00e9") == std::string::npos);  // non-ASCII is not \u-escaped
}

TEST_CASE("complaint_json: duplicate link") {
  duplicate_link d;
  d.tracking_id = "LPR-AAAA-BBBB-C";
  d.duplicate_of = "LPR-7K3D-9QX2-M";
  d.channel = channel_kind::web;
  d.received_at = at_2026_11_22_101530_123();
  d.score = 0.875;
  const std::string text = to_duplicate_json(d);
  const json::object o = json::parse(text).as_object();
  CHECK(keys_of(o) ==
        std::vector<std::string>{"schema", "tracking_id", "duplicate_of", "channel", "received_at", "score"});
  CHECK(o.at("schema") == "lapor.duplicate/v1");
  CHECK(o.at("tracking_id") == "LPR-AAAA-BBBB-C");
  CHECK(o.at("duplicate_of") == "LPR-7K3D-9QX2-M");
  CHECK(o.at("channel") == "web");
  CHECK(o.at("received_at") == "2026-11-22T10:15:30.123Z");
  CHECK(o.at("score").to_number<double>() == doctest::Approx(0.875));

  d.score = 1.0;
  CHECK(json::parse(to_duplicate_json(d)).at("score").to_number<double>() == 1.0);
  // Scores as people write them (the fourth probe saw "1E0" and "8.13E-1").
  CHECK(to_duplicate_json(d).find(R"("score":1})") != std::string::npos);
  d.score = 0.813;
  CHECK(to_duplicate_json(d).find(R"("score":0.813)") != std::string::npos);
  const auto hinted = with_possible_duplicates("{}", {{"LPR-7K3D-9QX2-M", 1.0}, {"LPR-AAAA-BBBB-C", 0.813}});
  CHECK(hinted == R"({"possible_duplicates":[{"tracking_id":"LPR-7K3D-9QX2-M","score":1},)"
                  R"({"tracking_id":"LPR-AAAA-BBBB-C","score":0.813}]})");
}

TEST_CASE("serialize_json: Boost.JSON's bytes but for doubles") {
  const json::value v = json::parse(R"({"a":[1,-2,18446744073709551615,"x\u0001\"",{}],"b":{"c":null,"d":false,)"
                                    R"("e":0.813,"f":1.0,"g":-2.53}})");
  CHECK(serialize_json(v) ==
        R"({"a":[1,-2,18446744073709551615,"x\u0001\"",{}],"b":{"c":null,"d":false,"e":0.813,"f":1,"g":-2.53}})");
  CHECK(json::parse(serialize_json(v)).at("b").at("e").as_double() == 0.813);  // read back exactly
}

// json_out (gateway/json_out.h) writes the bytes Boost.JSON's serializer writes: escaping of
// every byte, nesting and commas. Checked by re-serialising what it wrote and by comparing
// strings of random bytes (control characters, quotes, backslashes, UTF-8).
TEST_CASE("json_out writes what Boost.JSON writes") {
  std::uint64_t state = 0x9e3779b97f4a7c15ull;
  const auto next = [&] {
    state ^= state << 13, state ^= state >> 7, state ^= state << 17;
    return state;
  };
  for (int n = 0; n < 2000; ++n) {
    std::string s;
    const auto len = next() % 40;
    for (std::uint64_t i = 0; i < len; ++i) {
      const auto pick = next() % 8;
      s.push_back(pick == 0   ? static_cast<char>(next() % 0x20)
                  : pick == 1 ? '"'
                  : pick == 2 ? '\\'
                  : pick == 3 ? static_cast<char>(0x7f)
                              : static_cast<char>(0x20 + next() % 0x5f));
    }
    if (n % 5 == 0) s += "\xc3\xa9 \xe2\x80\x93";
    std::string out;
    json_out(out).string(s);
    CHECK(out == json::serialize(json::string(s)));
  }
  std::string out;
  json_out j(out);
  j.begin_object().key("a").begin_array().integer(1).integer(-2).string("x").begin_object().end_object().end_array();
  j.key("b").begin_object().key("c").null().key("d").boolean(false).key("e").number(0.5).key("f").number(1e300 * 1e300).end_object();
  j.key("g").begin_array().end_array().end_object();
  CHECK_NOTHROW((void)json::parse(out));
  CHECK(out == R"({"a":[1,-2,"x",{}],"b":{"c":null,"d":false,"e":0.5,"f":null},"g":[]})");
  const std::string doc = to_canonical_json(spec_example());
  CHECK_NOTHROW((void)json::parse(doc));
  // Numbers as people write them (Boost's serializer would write -2.53E0), read back exactly.
  for (const auto& [v, text] : std::vector<std::pair<double, std::string>>{
           {-2.53, "-2.53"}, {112.95, "112.95"}, {110.0, "110"}, {0.1 + 0.2, "0.30000000000000004"}, {1e-7, "1e-07"}}) {
    std::string n;
    json_out(n).number(v);
    CHECK(n == text);
    CHECK(json::parse(n).to_number<double>() == v);
  }
}
