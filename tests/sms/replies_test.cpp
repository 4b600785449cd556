#include <doctest/doctest.h>

#include "channels/sms/reply_text.h"
#include "channels/sms/smpp_channel.h"
#include "channels/sms/text_encoding.h"

using namespace lapor::sms;
using namespace std::chrono_literals;
namespace gw = lapor::gateway;

namespace {
// Every reply must be plain GSM 7-bit and fit one SMS.
void check_one_gsm_sms(const std::string& text) {
  CAPTURE(text);
  auto septets = encode_gsm7(text);
  REQUIRE(septets);
  CHECK(septets->size() <= 160);
}
}  // namespace

TEST_CASE("reply texts: Bahasa Indonesia, GSM 7-bit, one SMS, carry the ID") {
  gw::submit_result r;
  r.code = gw::submit_result::status::received;
  r.tracking_id = "LPR-7K3D-9QX2-M";
  auto t = receipt_reply(r, gw::complaint_kind::complaint, "1708");
  CHECK(t.find("LPR-7K3D-9QX2-M") != std::string::npos);
  CHECK(t.find("diterima") != std::string::npos);
  check_one_gsm_sms(t);
  check_one_gsm_sms(receipt_reply(r, gw::complaint_kind::information_request, "1708"));
  check_one_gsm_sms(receipt_reply(r, gw::complaint_kind::aspiration, "1708"));
  r.code = gw::submit_result::status::duplicate;
  t = receipt_reply(r, gw::complaint_kind::complaint, "1708");
  CHECK(t.find("sudah kami terima") != std::string::npos);
  check_one_gsm_sms(t);
  r.duplicate_of = "LPR-AAAA-BBBB-C";
  t = receipt_reply(r, gw::complaint_kind::complaint, "1708");
  CHECK(t.find("LPR-AAAA-BBBB-C") != std::string::npos);
  check_one_gsm_sms(t);
  check_one_gsm_sms(usage_reply("1708"));
  check_one_gsm_sms(status_usage_reply("1708"));

  gw::status_lookup s;
  s.result = gw::status_lookup::outcome::invalid_id;
  CHECK(status_reply(s, "1708").find("tidak valid") != std::string::npos);
  check_one_gsm_sms(status_reply(s, "1708"));
  s.result = gw::status_lookup::outcome::not_found;
  CHECK(status_reply(s, "1708").find("tidak ditemukan") != std::string::npos);
  s.result = gw::status_lookup::outcome::found;
  s.status.tracking_id = "LPR-7K3D-9QX2-M";
  s.status.current = gw::complaint_status::state::forwarded;
  s.status.received_at_ms = 1'795'000'000'000;
  s.status.forwarded_at_ms = 1'795'000'100'000;
  s.status.verify_by = "2026-11-25";
  t = status_reply(s, "1708");
  CHECK(t.find("diteruskan") != std::string::npos);
  CHECK(t.find("2026-11-25") != std::string::npos);
  check_one_gsm_sms(t);
  s.status.current = gw::complaint_status::state::duplicate;
  s.status.duplicate_of = "LPR-AAAA-BBBB-C";
  CHECK(status_reply(s, "1708").find("LPR-AAAA-BBBB-C") != std::string::npos);
  // Dates are Jakarta's, as on the status page: 2026-11-18 20:11 UTC is 19 November 03:11 WIB.
  s.status.current = gw::complaint_status::state::forwarded;
  s.status.forwarded_at_ms = 1'795'032'660'000;
  t = status_reply(s, "1708");
  CHECK(t.find("2026-11-19") != std::string::npos);
  CHECK(t.find("2026-11-18") == std::string::npos);
}

TEST_CASE("reconnect_delay: capped exponential with equal jitter, never zero") {
  const auto initial = 1000ms, max = 60000ms;
  CHECK(reconnect_delay(0, initial, max, 0.0) == 500ms);
  CHECK(reconnect_delay(0, initial, max, 0.999) <= 1000ms);
  CHECK(reconnect_delay(3, initial, max, 0.0) == 4000ms);
  CHECK(reconnect_delay(3, initial, max, 0.999) <= 8000ms);
  CHECK(reconnect_delay(20, initial, max, 0.0) == 30000ms);
  CHECK(reconnect_delay(1000, initial, max, 0.999) <= 60000ms);
  CHECK(reconnect_delay(0, 0ms, max, 0.0) >= 1ms);
}

TEST_CASE("smpp_options_from: the daemon's smpp.* keys") {
  gw::config cfg;
  cfg.smpp.window = 7;
  cfg.smpp.enquire_link_interval_s = 3;
  cfg.smpp.idle_timeout_s = 9;
  cfg.smpp.reassembly_timeout_s = 11;
  cfg.smpp.redelivery_window_s = 600;
  cfg.smpp.dcs0_policy = "latin1";
  cfg.smpp.system_id = "GW1";
  cfg.smpp.max_connections = 5;
  cfg.smpp.reply_ttl_s = 60;
  cfg.smpp.accounts = {{"tsel", "pw", "telkomsel", {"10.0.0.0/8"}}};
  std::string error;
  auto o = smpp_options_from(cfg, error);
  REQUIRE(o);
  CHECK(o->window == 7);
  CHECK(o->timing.enquire_link_interval == 3s);
  CHECK(o->timing.idle_timeout == 9s);
  CHECK(o->reassembly_timeout == 11s);
  CHECK(o->redelivery_window == 600s);
  CHECK(o->text.dc0 == default_alphabet::latin1);
  CHECK(o->system_id == "GW1");
  CHECK(o->max_links == 5);
  CHECK(o->reply_ttl == 60s);
  CHECK(o->short_code == "1708");
  cfg.smpp.dcs0_policy = "auto";
  CHECK(smpp_options_from(cfg, error)->text.dc0 == default_alphabet::auto_detect);
  cfg.smpp.accounts[0].allowed_cidrs = {"10.0.0.0/99"};
  CHECK_FALSE(smpp_options_from(cfg, error));
  CHECK(error.find("10.0.0.0/99") != std::string::npos);
}
