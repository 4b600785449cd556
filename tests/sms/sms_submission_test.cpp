#include <doctest/doctest.h>

#include "channels/sms/sms_submission.h"

using namespace lapor::sms;
using namespace std::chrono_literals;

TEST_CASE("sender_phone: SMSC source addresses to E.164") {
  CHECK(sender_phone("6281234567890", 1) == "+6281234567890");
  CHECK(sender_phone("+6281234567890", 1) == "+6281234567890");
  CHECK(sender_phone("081234567890", 2) == "+6281234567890");
  // TON 1 on a national number (no country code starts with 0): read as written.
  CHECK(sender_phone("081234567890", 1) == "+6281234567890");
  CHECK(sender_phone("006281234567890", 1) == "+6281234567890");
  CHECK(sender_phone("6281234567890", 0) == "+6281234567890");
  CHECK_FALSE(sender_phone("TELKOMSEL", 5));
  CHECK_FALSE(sender_phone("", 1));
}

TEST_CASE("make_submission: an SMS report") {
  inbound_sms in{"telkomsel", "6281234567890", 1, "1708", "INFO jadwal posyandu", false, "concat:7/2"};
  const auto cmd = parse_keywords(in.text);
  const auto now = lapor::gateway::clock::now();
  auto s = make_submission(in, cmd, "k1", now);
  CHECK(s.channel == lapor::gateway::channel_kind::sms);
  CHECK(s.kind == lapor::gateway::complaint_kind::information_request);
  CHECK(s.body == "jadwal posyandu");
  CHECK(s.who.phone == "+6281234567890");
  CHECK(s.idempotency_key == "k1");
  CHECK(s.received_at == now);
  CHECK_FALSE(s.incomplete);
  REQUIRE(s.channel_ref.size() == 5);
  CHECK(s.channel_ref[0] == std::pair<std::string, std::string>{"operator", "telkomsel"});
  CHECK(s.channel_ref[1] == std::pair<std::string, std::string>{"source_addr", "+6281234567890"});
  CHECK(s.channel_ref[3] == std::pair<std::string, std::string>{"message_ref", "concat:7/2"});
  // SPEC §4 channel_ref.message_id: filled with the tracking ID by the core.
  CHECK(s.channel_ref[4] == std::pair<std::string, std::string>{"message_id", ""});

  inbound_sms alpha{"isat", "PROMO", 5, "1708", "Jalan rusak", true, {}};
  auto a = make_submission(alpha, parse_keywords(alpha.text), {}, now);
  CHECK_FALSE(a.who.phone);
  CHECK(a.incomplete);
  CHECK(a.channel_ref[1].second == "PROMO");
}

TEST_CASE("redelivery_keys: same operator, sender and text within the window share a key") {
  redelivery_keys keys(std::chrono::seconds(3600), 3);
  const lapor::gateway::clock::time_point t0{std::chrono::seconds(1'800'000'000)};
  const auto k = keys.key_for("tsel", "+62811", "jalan rusak", t0);
  CHECK(keys.key_for("tsel", "+62811", "jalan rusak", t0 + 59min) == k);
  CHECK(keys.key_for("tsel", "+62811", "jalan rusak!", t0) != k);   // other text
  CHECK(keys.key_for("isat", "+62811", "jalan rusak", t0) != k);    // other operator
  CHECK(keys.key_for("tsel", "+62812", "jalan rusak", t0) != k);    // other sender
  CHECK(keys.size() == 3);
  // Past the window: a new message.
  const auto later = keys.key_for("tsel", "+62811", "jalan rusak", t0 + 2h);
  CHECK(later != k);
  // The bound forgets the oldest first sightings.
  CHECK(keys.size() <= 3);
  // A window that crosses a bucket boundary keeps the first copy's bucket.
  redelivery_keys w(std::chrono::seconds(100));
  const lapor::gateway::clock::time_point b{std::chrono::seconds(1'000'095)};
  const auto first = w.key_for("o", "s", "t", b);
  CHECK(w.key_for("o", "s", "t", b + 10s) == first);  // now in the next bucket, same key
  CHECK(w.key_for("o", "s", "t", b + 200s) != first);

  // Forgetting goes by first sighting: an id seen anew after its window is not forgotten
  // in place of its earlier sighting.
  redelivery_keys two(std::chrono::seconds(3600), 2);
  (void)two.key_for("o", "a", "x", t0);
  (void)two.key_for("o", "b", "x", t0 + 1s);
  const auto a_again = two.key_for("o", "a", "x", t0 + 2h);  // renewed; its first arrival is stale
  (void)two.key_for("o", "c", "x", t0 + 2h + 1s);             // full: forgets b, not the renewed a
  CHECK(two.size() == 2);
  CHECK(two.key_for("o", "a", "x", t0 + 2h + 30min) == a_again);
  CHECK(two.size() == 2);
}

TEST_CASE("storable_sms_text: a handset's control characters never make a message unstorable") {
  // The outside probe: GSM ESC 0x0A (page break) in part 2 of a long SMS made the whole
  // message "empty" after both parts were acknowledged.
  CHECK(storable_sms_text("Lampu jalan mati di Jl. Kenanga\fsejak seminggu") == "Lampu jalan mati di Jl. Kenanga\nsejak seminggu");
  CHECK(storable_sms_text(std::string("a\x00" "b\x01\x1b" "c\x7f" "d", 8)) == "abcd");
  CHECK(storable_sms_text("tab\tlf\ncr\r") == "tab\tlf\ncr\r");
  CHECK(storable_sms_text("c1 \xC2\x85 gone, \xC2\xA0 and \xC3\xA9 kept") == "c1  gone, \xC2\xA0 and \xC3\xA9 kept");
  CHECK(storable_sms_text("") == "");
}
