#include "channels/sms/reply_text.h"

#include "gateway/tracking_id.h"

namespace lapor::sms {

namespace {

std::string check_hint(std::string_view id, std::string_view short_code) {
  return "Cek status: kirim CEK " + std::string(id) + " ke " + std::string(short_code);
}

std::string_view noun(gateway::complaint_kind kind) {
  switch (kind) {
    case gateway::complaint_kind::aspiration: return "Aspirasi";
    case gateway::complaint_kind::information_request: return "Permintaan informasi";
    case gateway::complaint_kind::complaint: break;
  }
  return "Laporan";
}

// "2026-11-22" from a stored millisecond time: the date in Jakarta (UTC+7, no DST), as the
// status page and the SLA count days; a UTC date is a day early for reports after 17:00 UTC.
std::string date_of(std::int64_t ms) {
  constexpr std::int64_t jakarta_offset_ms = 7 * 3600 * 1000;
  return gateway::utc_timestamp(ms + jakarta_offset_ms).substr(0, 10);
}

// "LPR-7K3D-9QX2-?" with the check symbol that makes it a valid ID (the SPEC's example has
// another one), so a citizen who copies the example gets "not found", not "invalid".
const std::string& example_id() {
  static const std::string id = [] {
    constexpr std::string_view symbols = "7K3D9QX2";
    std::uint8_t v[8];
    for (std::size_t i = 0; i < 8; ++i) v[i] = gateway::crockford_value(symbols[i]).value_or(0);
    return "LPR-7K3D-9QX2-" + std::string(1, gateway::crockford_symbol(gateway::crockford_check(v, 8)));
  }();
  return id;
}

}  // namespace

std::string receipt_reply(const gateway::submit_result& r, gateway::complaint_kind kind, std::string_view short_code) {
  if (!r.duplicate_of.empty()) {
    return "LAPOR! Laporan serupa sudah tercatat. No. tiket: " + r.duplicate_of + ". " +
           check_hint(r.duplicate_of, short_code);
  }
  if (r.code == gateway::submit_result::status::duplicate) {
    return "LAPOR! " + std::string(noun(kind)) + " ini sudah kami terima. No. tiket: " + r.tracking_id + ". " +
           check_hint(r.tracking_id, short_code);
  }
  return "LAPOR! " + std::string(noun(kind)) + " Anda diterima. No. tiket: " + r.tracking_id + ". " +
         check_hint(r.tracking_id, short_code);
}

std::string usage_reply(std::string_view short_code) {
  return "LAPOR! Pesan Anda kosong atau tidak terbaca. Tulis isi laporan Anda lalu kirim ke " +
         std::string(short_code) + ". INFO <pertanyaan> untuk informasi, ASPIRASI <isi> untuk aspirasi.";
}

std::string status_usage_reply(std::string_view short_code) {
  return "LAPOR! Untuk cek status kirim CEK <no. tiket> ke " + std::string(short_code) + ", contoh: CEK " +
         example_id();
}

std::string status_reply(const gateway::status_lookup& found, std::string_view short_code) {
  using outcome = gateway::status_lookup::outcome;
  if (found.result == outcome::invalid_id) {
    return "LAPOR! No. tiket tidak valid. Periksa kembali huruf dan angkanya, contoh: CEK " + example_id();
  }
  if (found.result == outcome::not_found) {
    return "LAPOR! No. tiket tidak ditemukan. Periksa kembali atau kirim laporan baru ke " + std::string(short_code);
  }
  const auto& s = found.status;
  std::string text = "LAPOR! Tiket " + s.tracking_id + ": ";
  switch (s.current) {
    case gateway::complaint_status::state::received:
      text += "diterima " + date_of(s.received_at_ms) + ", sedang diteruskan ke instansi terkait.";
      break;
    case gateway::complaint_status::state::forwarded:
      text += "sudah diteruskan ke instansi terkait " + date_of(s.forwarded_at_ms ? s.forwarded_at_ms : s.received_at_ms) + ".";
      break;
    case gateway::complaint_status::state::duplicate:
      text += "sama dengan laporan " + s.duplicate_of + ".";
      break;
  }
  if (!s.verify_by.empty() && s.current != gateway::complaint_status::state::duplicate)
    text += " Verifikasi paling lambat " + s.verify_by + ".";
  return text;
}

}  // namespace lapor::sms
