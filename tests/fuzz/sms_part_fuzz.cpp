// libFuzzer target for a long SMS's parts on their way through the store: the concatenation
// header of a part (UDH IEI 0x00 / 0x08, or the sar_* TLVs) -> make_part() -> the row bytes
// encode_part() writes (channels/sms/stored_part.h) -> decode_part() at the next start ->
// the reassembler, which rebuilds the message from the rows alone.
//
// Input: one control octet, then the octets.
//   bit 0 clear: the octets are a stored row as read back from the database (any corruption):
//                decode_part() must refuse it or give a part that encodes to the same octets.
//   bit 0 set:   the octets are a submit_sm's user data; bit 1: UDHI; bit 2: the first 4
//                octets are sar_msg_ref_num (2), sar_total_segments, sar_segment_seqnum;
//                bit 3: the user data travels in message_payload instead of short_message;
//                bits 4-7: data_coding (0, 1, 3, 4, 8, ...).
//
// Properties: decode_part(encode_part(p)) == p for every part a PDU yields; a decoded row
// re-encodes to its own octets and has 1 <= seq <= total; equal segments hash equal; a part
// read back from its row is a duplicate of itself in the reassembler, and the message the
// reassembler completes from decoded rows is the one it completes from the parts.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "channels/sms/message_text.h"
#include "channels/sms/mo_message.h"
#include "channels/sms/pdu.h"
#include "channels/sms/reassembly.h"
#include "channels/sms/stored_part.h"
#include "tests/fuzz/fuzz_targets.h"

using namespace lapor::sms;
using lapor::fuzz::require;

namespace {

constexpr std::uint8_t codings[] = {0x00, 0x01, 0x03, 0x04, 0x08, 0x02, 0x11, 0xF0,
                                    0x00, 0x08, 0x03, 0x00, 0x18, 0xC8, 0x01, 0x08};

std::string_view as_chars(bytes_view b) { return {reinterpret_cast<const char*>(b.data()), b.size()}; }

// A row from the database: refused, or canonical (what encode_part() wrote).
void check_row(bytes_view row) {
  auto r = decode_part(as_chars(row));
  if (!r) return;
  require(r->p.seg.seq >= 1 && r->p.seg.seq <= r->p.key.total);
  require(encode_part(*r) == as_chars(row));
  require(part_hash(r->p.seg) == part_hash(decode_part(encode_part(*r))->p.seg));
  reassembler re(reassembly_options{std::chrono::seconds(60), 4, 4096});
  auto first = re.add(r->p, reassembly_clock::time_point{});
  require(first.result != reassembler::outcome::rejected || r->p.seg.payload.size() > 4096);
  if (first.result == reassembler::outcome::stored) {
    require(re.add(r->p, reassembly_clock::time_point{}).result == reassembler::outcome::duplicate);
  }
  for (const auto& m : re.drain()) (void)render_text(m, text_decode_options{});
}

// A part as a PDU brings it: through its row and back, unchanged.
void check_pdu_part(std::uint8_t control, bytes_view in) {
  sm_body b;
  b.source_addr_ton = 1;
  b.source_addr_npi = 1;
  b.source_addr = "6281234567890";
  b.destination_addr = "1708";
  b.data_coding = codings[control >> 4];
  if (control & 0x02) b.esm_class = 0x40;
  if ((control & 0x04) && in.size() >= 4) {
    b.tlvs.set_sar(static_cast<std::uint16_t>(in[0] << 8 | in[1]), in[2], in[3]);
    in = in.subspan(4);
  }
  if (control & 0x08) b.tlvs.set_message_payload(bytes(in.begin(), in.end()));
  else b.short_message.assign(in.begin(), in.begin() + static_cast<std::ptrdiff_t>(std::min<std::size_t>(in.size(), 254)));
  auto m = extract_message(make_submit_sm(1, std::move(b)));
  if (!m) return;
  auto p = make_part(*m, "telkomsel");
  require(p.has_value() == m->concat.has_value());
  if (!p) return;
  require(p->seg.seq >= 1 && p->seg.seq <= p->key.total);
  const part_record rec{*p, m->source_addr_ton, m->source_addr_npi};
  const std::string row = encode_part(rec);
  auto back = decode_part(row);
  require(back.has_value());
  require(back->p.key == p->key && back->p.seg == p->seg);
  require(back->source_ton == rec.source_ton && back->source_npi == rec.source_npi);
  require(part_hash(back->p.seg) == part_hash(p->seg));
  check_row(bytes_view(reinterpret_cast<const std::uint8_t*>(row.data()), row.size()));

  // The same part from the PDU and from its row: one message either way. (A 1-part message
  // is completed at once, else the row's copy is a duplicate.)
  reassembler live(reassembly_options{std::chrono::seconds(60), 4, 1 << 20});
  reassembler restarted(reassembly_options{std::chrono::seconds(60), 4, 1 << 20});
  auto a = live.add(*p, reassembly_clock::time_point{});
  auto c = restarted.add(back->p, reassembly_clock::time_point{});
  require(a.result == c.result);
  if (a.result == reassembler::outcome::stored)
    require(live.add(back->p, reassembly_clock::time_point{}).result == reassembler::outcome::duplicate);
  if (a.message) {
    require(c.message && a.message->segments == c.message->segments && a.message->key == c.message->key);
    (void)render_text(*a.message, text_decode_options{});
  }
}

}  // namespace

namespace lapor::fuzz {

int sms_part(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::uint8_t control = data[0];
  const bytes_view in(data + 1, size - 1);
  if (control & 0x01) check_pdu_part(control, in);
  else check_row(in);
  return 0;
}

}  // namespace lapor::fuzz

LAPOR_FUZZ_ENTRY(sms_part)
