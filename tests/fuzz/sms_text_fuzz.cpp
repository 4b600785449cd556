// libFuzzer target for SMS user data: the User Data Header, then the text decoders
// (GSM 03.38 unpacked and packed with fill bits, UCS-2/UTF-16BE, Latin-1, IA5) under every
// data_coding and policy, and the reply encoders on whatever text came out.
//
// Input: one control octet (bit 0: UDHI; bits 1-3: fill bits / UDH size for packed GSM;
// bits 4-6: dc0/dc1 policy), then the short_message octets.
//
// Properties: every decoded text is valid UTF-8; lossy decoding of a text coding never
// fails and equals strict decoding when that succeeded; GSM septets survive pack/unpack;
// UTF-8 that encodes to GSM or UCS-2 decodes back to itself.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "channels/sms/gsm7.h"
#include "channels/sms/text_decoding.h"
#include "channels/sms/text_encoding.h"
#include "channels/sms/udh.h"
#include "channels/sms/utf8.h"
#include "tests/fuzz/fuzz_targets.h"

using namespace lapor::sms;
using lapor::fuzz::require;

namespace {

bool valid_utf8(std::string_view s) {
  std::size_t pos = 0;
  while (pos < s.size())
    if (!detail::next_code_point(s, pos)) return false;
  return true;
}

// Decodes under one data_coding both ways and checks how the two modes relate.
void decode_both(bytes_view data, std::uint8_t dc, const text_decode_options& opts, std::size_t udh_octets) {
  auto strict = decode_text(data, dc, opts, decode_mode::strict, udh_octets);
  auto lossy = decode_text(data, dc, opts, decode_mode::lossy, udh_octets);
  const auto alphabet = alphabet_of(dc, opts);
  const bool text = alphabet != text_alphabet::binary && alphabet != text_alphabet::unsupported;
  require(lossy.has_value() == text);
  if (!text) {
    require(!strict.has_value() && strict.error().not_text());
    return;
  }
  require(valid_utf8(*lossy));
  if (strict) {
    require(valid_utf8(*strict));
    require(*strict == *lossy);
  } else {
    require(!strict.error().not_text());
  }
}

// UTF-8 that an encoder accepts must come back unchanged from the matching decoder.
void check_encoders(const std::string& text) {
  if (auto septets = encode_gsm7(text)) {
    auto back = decode_gsm7_unpacked(*septets);
    require(back.has_value() && *back == text);
  }
  if (text.rfind("\xEF\xBB\xBF", 0) == 0) return;  // a leading BOM is dropped on decode
  if (auto units = encode_ucs2(text)) {
    auto back = decode_ucs2(*units);
    require(back.has_value() && *back == text);
  }
}

}  // namespace

namespace lapor::fuzz {

int sms_text(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::uint8_t control = data[0];
  bytes_view user_data(data + 1, size - 1);
  static constexpr default_alphabet policies[] = {default_alphabet::gsm7, default_alphabet::gsm7_packed,
                                                  default_alphabet::latin1, default_alphabet::ascii,
                                                  default_alphabet::auto_detect};
  const text_decode_options opts{policies[((control >> 4) & 7) % 5], policies[((control >> 4) & 7) % 5]};

  // UDH, when the UDHI bit says there is one.
  std::size_t udh_octets = 0;
  bytes_view payload = user_data;
  if (control & 1) {
    auto udh = parse_udh(user_data);
    if (!udh) return 0;
    require(udh->header_octets >= 1 && udh->header_octets <= user_data.size());
    require(udh->payload.size() == user_data.size() - udh->header_octets);
    std::size_t ie_octets = 0;
    for (const auto& ie : udh->elements) ie_octets += 2 + ie.data.size();
    require(ie_octets == udh->header_octets - 1);
    if (udh->concat) require(udh->concat->ref16 || udh->concat->ref <= 0xFF);
    udh_octets = udh->header_octets;
    payload = udh->payload;
  } else {
    (void)parse_udh(user_data);
  }

  for (std::uint8_t dc : {0x00, 0x01, 0x02, 0x03, 0x04, 0x08, 0x10, 0x11, 0x12, 0x18, 0x20, 0x48, 0xC8, 0xE0,
                          0xF0, 0xF4, 0x05})
    decode_both(payload, dc, opts, udh_octets);

  // The individual decoders.
  (void)decode_latin1(payload);
  require(valid_utf8(decode_latin1(payload)));
  for (auto mode : {decode_mode::strict, decode_mode::lossy}) {
    if (auto t = decode_ucs2(payload, mode)) require(valid_utf8(*t));
    if (auto t = decode_ascii(payload, mode)) require(valid_utf8(*t));
    if (auto t = decode_gsm7_unpacked(payload, mode)) require(valid_utf8(*t));
    if (auto t = decode_gsm7_packed(payload, (control >> 1) & 7, mode)) require(valid_utf8(*t));
  }

  // Septets: unpack(pack(x)) gives x back, save the padding rule (a trailing CR or '@' that
  // ends exactly on an octet boundary is taken as padding).
  const unsigned fill = ((control >> 1) & 7) % 7;
  bytes septets(payload.begin(), payload.end());
  for (auto& s : septets) s &= 0x7F;
  auto round = gsm7::unpack(gsm7::pack(septets, fill), fill);
  require(round.size() >= septets.size() || round.size() + 1 == septets.size());
  require(std::equal(round.begin(), round.begin() + static_cast<std::ptrdiff_t>(std::min(round.size(), septets.size())),
                     septets.begin()));
  (void)gsm7::unpack(payload, fill);

  // Whatever text came out must survive the reply encoders.
  if (auto t = decode_text(payload, 0x08, opts, decode_mode::lossy)) check_encoders(*t);
  if (auto t = decode_gsm7_unpacked(payload, decode_mode::lossy)) check_encoders(*t);
  check_encoders(std::string(reinterpret_cast<const char*>(payload.data()), payload.size()));
  return 0;
}

}  // namespace lapor::fuzz

LAPOR_FUZZ_ENTRY(sms_text)
