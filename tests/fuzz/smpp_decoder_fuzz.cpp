// libFuzzer target for the SMS channel's input side: stream framing, PDU decoding (with the
// round-trip property decode(encode(decode(x))) == decode(x)), message extraction, UDH,
// text decoding under every policy, reassembly, keywords, the session FSM, and the reply
// encoder on whatever text came out.
//
// Input: one control octet (stream chunking, text policy), then SMPP octets.
//
//   tests/fuzz/run_fuzzers.sh 60 smpp_decoder     (or by hand:)
//   CC=clang-14 CXX=clang++-14 cmake -S . -B build-fuzz -G Ninja -DLAPOR_FUZZ=ON
//   ninja -C build-fuzz smpp_decoder_fuzz
//   build-fuzz/tests/fuzz/smpp_decoder_fuzz -dict=tests/fuzz/smpp.dict -max_total_time=60
//       /tmp/corpus tests/fuzz/corpus/smpp_decoder
#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "channels/sms/frame_decoder.h"
#include "channels/sms/gsm7.h"
#include "channels/sms/keywords.h"
#include "channels/sms/message_text.h"
#include "channels/sms/mo_message.h"
#include "channels/sms/reassembly.h"
#include "channels/sms/session_fsm.h"
#include "channels/sms/text_decoding.h"
#include "channels/sms/text_encoding.h"
#include "channels/sms/udh.h"
#include "tests/fuzz/fuzz_targets.h"

using namespace lapor::sms;
using lapor::fuzz::require;

namespace {

// A reply built from `text` must decode back to `text`.
void check_reply_encoder(const std::string& text) {
  if (text.empty() || text.rfind("\xEF\xBB\xBF", 0) == 0) return;  // a leading BOM is dropped on decode
  auto parts = split_for_sms(text, 0x42, 255);
  if (!parts) return;  // too long
  bytes joined;
  for (const auto& part : parts->parts) {
    bytes_view payload = part;
    if (parts->udhi) {
      auto u = parse_udh(part);
      require(u.has_value());
      payload = u->payload;
    }
    require(payload.size() <= (parts->data_coding == 0 ? 160u : 140u));
    joined.insert(joined.end(), payload.begin(), payload.end());
  }
  auto back = decode_text(joined, parts->data_coding);
  require(back.has_value() && *back == text);
}

void exercise(const pdu& p, session_fsm& fsm, reassembler& r, text_decode_options opts) {
  auto wire = encode_pdu(p);
  require(wire.has_value());
  auto again = decode_pdu(*wire);
  require(again.has_value() && *again == p);

  (void)fsm.on_pdu(p);
  auto m = extract_message(p);
  if (!m) return;
  if (auto text = render_text(*m, opts)) {
    (void)parse_keywords(text->text);
    check_reply_encoder(text->text);
  }
  if (auto part = make_part(*m, "op")) {
    auto res = r.add(std::move(*part), reassembly_clock::time_point{});
    if (res.message) (void)render_text(*res.message, opts);
    for (const auto& e : res.evicted) (void)render_text(e, opts);
  }
}

}  // namespace

namespace lapor::fuzz {

int smpp_decoder(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  // First octet: how to chunk the stream and which policy to read dc 0/1 with.
  const std::uint8_t control = data[0];
  const bytes_view in(data + 1, size - 1);
  const std::size_t chunk = 1 + (control & 0x1F);
  static constexpr default_alphabet policies[] = {default_alphabet::gsm7, default_alphabet::gsm7_packed,
                                                  default_alphabet::latin1, default_alphabet::ascii,
                                                  default_alphabet::auto_detect};
  const text_decode_options opts{policies[(control >> 5) % 5], policies[(control >> 5) % 5]};

  session_options so;
  so.window = 3;
  so.authenticate = [](const bind_request& b) {
    return bind_decision{b.password == "secret" ? status::esme_rok : status::esme_rinvpaswd, "op"};
  };
  session_fsm fsm(so);
  reassembler r(reassembly_options{std::chrono::seconds(60), 8, 4096});

  // The whole input as one frame.
  auto direct = decode_pdu(in, decode_options{8192});
  if (direct) {
    exercise(*direct, fsm, r, opts);
  } else {
    (void)fsm.on_decode_error(direct.error());
    require(encode_pdu(make_error_reply(direct.error())).has_value());
  }

  // The input as a stream.
  frame_decoder dec(8192);
  bytes_view rest = in;
  while (!rest.empty()) {
    bytes_view piece = rest.first(std::min(chunk, rest.size()));
    rest = rest.subspan(piece.size());
    while (!piece.empty()) {
      auto step = dec.feed(piece);
      piece = piece.subspan(step.consumed);
      require(dec.buffered() <= 8192);
      if (step.result == frame_decoder::progress::frame_ready) {
        auto p = decode_pdu(dec.frame(), decode_options{8192});
        if (p) exercise(*p, fsm, r, opts);
      } else if (step.result == frame_decoder::progress::bad_length) {
        require(dec.error().has_value() && dec.error()->fatal);
        piece = {};
        rest = {};
      }
    }
  }
  for (const auto& m : r.drain()) (void)render_text(m, opts);
  (void)fsm.on_idle_timeout();
  (void)fsm.on_transport_closed();

  // The raw octets as user data.
  (void)parse_udh(in);
  (void)gsm7::unpack(in, control % 7);
  for (std::uint8_t dc : {0x00, 0x01, 0x03, 0x08, 0x11, 0xF0}) {
    (void)decode_text(in, dc, opts, decode_mode::strict, control);
    require(decode_text(in, dc, opts, decode_mode::lossy, control).has_value());
  }
  return 0;
}

}  // namespace lapor::fuzz

LAPOR_FUZZ_ENTRY(smpp_decoder)
