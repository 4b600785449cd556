#include "channels/sms/mo_message.h"

#include <algorithm>

#include <boost/throw_exception.hpp>

#include <stdexcept>
#include <string>

#include "channels/sms/smpp_status.h"
#include "channels/sms/udh.h"

namespace lapor::sms {

void throw_exception_from_error(const message_error& e, const boost::source_location& loc) {
  boost::throw_with_location(std::runtime_error("SMS message: " + std::string(e.reason)), loc);
}

namespace {

template <class Body>
void copy_addressing(const Body& b, mo_message& m) {
  m.service_type = b.service_type;
  m.source_addr_ton = b.source_addr_ton;
  m.source_addr_npi = b.source_addr_npi;
  m.source_addr = b.source_addr;
  m.dest_addr_ton = b.dest_addr_ton;
  m.dest_addr_npi = b.dest_addr_npi;
  m.destination_addr = b.destination_addr;
  m.esm_class = b.esm_class;
  m.registered_delivery = b.registered_delivery;
  m.data_coding = b.data_coding;
}

std::optional<message_error> split_user_data(bytes_view ud, mo_message& m) {
  if (!has_udhi(m.esm_class)) {
    m.payload.assign(ud.begin(), ud.end());
    return std::nullopt;
  }
  auto parsed = parse_udh(ud);
  if (!parsed) return message_error{status::esme_rinvmsglen, parsed.error().reason};
  m.udh.assign(ud.begin(), ud.begin() + static_cast<std::ptrdiff_t>(parsed->header_octets));
  m.payload.assign(parsed->payload.begin(), parsed->payload.end());
  if (parsed->concat) {
    const concat_ref& c = *parsed->concat;
    if (c.total == 0 || c.seq == 0 || c.seq > c.total) {
      return message_error{status::esme_rinvmsglen, "concatenation UDH: part number out of range"};
    }
    if (c.total > 1) {
      m.concat = concat_info{c.ref, c.total, c.seq, c.ref16 ? concat_source::udh16 : concat_source::udh8};
    }
  }
  return std::nullopt;
}

std::optional<message_error> read_sar(const tlv_list& tlvs, mo_message& m) {
  const auto ref = tlvs.sar_msg_ref_num();
  const auto total = tlvs.sar_total_segments();
  const auto seq = tlvs.sar_segment_seqnum();
  const int present = int{ref.has_value()} + int{total.has_value()} + int{seq.has_value()};
  if (present == 0) return std::nullopt;
  if (present != 3) {
    return message_error{status::esme_rmissingoptparam, "sar_* TLVs incomplete (need ref, total and seqnum)"};
  }
  if (*total == 0 || *seq == 0 || *seq > *total) {
    return message_error{status::esme_rinvoptparamval, "sar_segment_seqnum out of range"};
  }
  if (!m.concat && *total > 1) m.concat = concat_info{*ref, *total, *seq, concat_source::sar};
  return std::nullopt;
}

}  // namespace

// Sample (Kannel long MO, part 1 of 2): submit_sm ... esm_class 43, data_coding 00,
//   sm_length 9E, short_message 05 00 03 02 02 01 | 153 septets
boost::system::result<mo_message, message_error> extract_message(const pdu& p) {
  mo_message m;
  m.via = p.id;
  const tlv_list* tlvs = nullptr;
  bytes_view ud;
  if (p.id == command_id::submit_sm || p.id == command_id::deliver_sm) {
    const sm_body* b = p.get<sm_body>();
    if (b == nullptr) return message_error{status::esme_rsyserr, "PDU has no message body"};
    copy_addressing(*b, m);
    m.protocol_id = b->protocol_id;
    tlvs = &b->tlvs;
    ud = b->short_message;
  } else if (p.id == command_id::data_sm) {
    const data_sm_body* b = p.get<data_sm_body>();
    if (b == nullptr) return message_error{status::esme_rsyserr, "PDU has no message body"};
    copy_addressing(*b, m);
    tlvs = &b->tlvs;
  } else {
    return message_error{status::esme_rinvcmdid, "not a message PDU"};
  }
  // Each TLV the text or its place in a long message is read from, once: which of two would
  // be the citizen's (the first won, the other was dropped with an ack)?
  for (const std::uint16_t tag : {tlv_tag::message_payload, tlv_tag::sar_msg_ref_num, tlv_tag::sar_total_segments,
                                  tlv_tag::sar_segment_seqnum, tlv_tag::receipted_message_id, tlv_tag::message_state}) {
    const auto n = std::count_if(tlvs->items().begin(), tlvs->items().end(), [tag](const tlv& t) { return t.tag == tag; });
    if (n > 1) return message_error{status::esme_rinvtlvstream, "a TLV the message is read from is sent twice"};
  }
  if (auto payload = tlvs->message_payload()) {
    // SMPP 3.4 §5.3.2.32: with message_payload, sm_length is 0; text in both is ambiguous.
    if (!ud.empty()) return message_error{status::esme_rinvmsglen, "short_message and message_payload are both set"};
    ud = *payload;
    m.from_message_payload = true;
  }
  if (auto e = split_user_data(ud, m)) return *e;
  if (auto e = read_sar(*tlvs, m)) return *e;
  m.is_receipt = (m.esm_class & 0x3C) != 0;
  m.receipted_message_id = tlvs->receipted_message_id();
  m.message_state = tlvs->message_state();
  return m;
}

}  // namespace lapor::sms
