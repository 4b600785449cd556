#include "channels/sms/tlv.h"

#include <algorithm>

#include "channels/sms/smpp_status.h"
#include "channels/sms/wire.h"

namespace lapor::sms {

const tlv* tlv_list::find(std::uint16_t tag) const noexcept {
  for (const auto& t : items_)
    if (t.tag == tag) return &t;
  return nullptr;
}

void tlv_list::add(std::uint16_t tag, bytes value) { items_.push_back(tlv{tag, std::move(value)}); }

void tlv_list::set(std::uint16_t tag, bytes value) {
  for (auto& t : items_) {
    if (t.tag == tag) {
      t.value = std::move(value);
      return;
    }
  }
  add(tag, std::move(value));
}

void tlv_list::remove(std::uint16_t tag) {
  std::erase_if(items_, [tag](const tlv& t) { return t.tag == tag; });
}

std::optional<std::uint8_t> tlv_list::u8_of(std::uint16_t tag) const noexcept {
  const tlv* t = find(tag);
  if (t == nullptr || t->value.size() != 1) return std::nullopt;
  return t->value[0];
}

std::optional<bytes_view> tlv_list::message_payload() const noexcept {
  const tlv* t = find(tlv_tag::message_payload);
  if (t == nullptr) return std::nullopt;
  return bytes_view{t->value};
}

std::optional<std::uint16_t> tlv_list::sar_msg_ref_num() const noexcept {
  const tlv* t = find(tlv_tag::sar_msg_ref_num);
  if (t == nullptr || t->value.size() != 2) return std::nullopt;
  return static_cast<std::uint16_t>((t->value[0] << 8) | t->value[1]);
}

std::optional<std::uint8_t> tlv_list::sar_total_segments() const noexcept {
  return u8_of(tlv_tag::sar_total_segments);
}
std::optional<std::uint8_t> tlv_list::sar_segment_seqnum() const noexcept {
  return u8_of(tlv_tag::sar_segment_seqnum);
}
std::optional<std::uint8_t> tlv_list::message_state() const noexcept {
  return u8_of(tlv_tag::message_state);
}
std::optional<std::uint8_t> tlv_list::sc_interface_version() const noexcept {
  return u8_of(tlv_tag::sc_interface_version);
}

std::optional<std::string> tlv_list::receipted_message_id() const {
  const tlv* t = find(tlv_tag::receipted_message_id);
  if (t == nullptr) return std::nullopt;
  auto end = std::find(t->value.begin(), t->value.end(), std::uint8_t{0});
  return std::string(t->value.begin(), end);
}

void tlv_list::set_sar(std::uint16_t ref, std::uint8_t total, std::uint8_t seq) {
  set(tlv_tag::sar_msg_ref_num,
      bytes{static_cast<std::uint8_t>(ref >> 8), static_cast<std::uint8_t>(ref)});
  set(tlv_tag::sar_total_segments, bytes{total});
  set(tlv_tag::sar_segment_seqnum, bytes{seq});
}

void tlv_list::set_receipted_message_id(std::string_view id) {
  bytes v(id.begin(), id.end());
  v.push_back(0);
  set(tlv_tag::receipted_message_id, std::move(v));
}

void tlv_list::set_message_state(std::uint8_t state) { set(tlv_tag::message_state, bytes{state}); }

void tlv_list::set_sc_interface_version(std::uint8_t version) {
  set(tlv_tag::sc_interface_version, bytes{version});
}

namespace {

// The lengths the spec allows for the tags we interpret; other tags are not checked.
bool length_allowed(std::uint16_t tag, std::size_t len) {
  switch (tag) {
    case tlv_tag::sar_msg_ref_num: return len == 2;
    case tlv_tag::sar_total_segments:
    case tlv_tag::sar_segment_seqnum:
    case tlv_tag::message_state:
    case tlv_tag::sc_interface_version: return len == 1;
    case tlv_tag::receipted_message_id: return len >= 1 && len <= 65;
    default: return true;
  }
}

}  // namespace

// Wire sample (sar_msg_ref_num 0x1234, sar_total_segments 2, sar_segment_seqnum 1,
// then an unknown vendor tag 0x1401 with 3 octets, kept as is):
//   020C 0002 1234  020E 0001 02  020F 0001 01  1401 0003 616263
std::optional<tlv_error> parse_tlvs(bytes_view data, tlv_list& out) {
  detail::wire_reader r(data);
  while (r.remaining() > 0) {
    std::uint16_t tag = 0;
    std::uint16_t len = 0;
    if (!r.u16(tag) || !r.u16(len))
      return tlv_error{status::esme_rinvoptparstream, "truncated TLV header"};
    bytes value;
    if (!r.octets(len, value))
      return tlv_error{status::esme_rinvoptparstream, "TLV value runs past the end of the PDU"};
    if (!length_allowed(tag, len))
      return tlv_error{status::esme_rinvparlen, "TLV length not allowed for its tag"};
    out.add(tag, std::move(value));
  }
  return std::nullopt;
}

namespace detail {

bool write_tlvs(const tlv_list& list, wire_writer& w) {
  for (const auto& t : list.items()) {
    if (t.value.size() > 0xFFFF) return false;
    w.u16(t.tag);
    w.u16(static_cast<std::uint16_t>(t.value.size()));
    w.octets(t.value);
  }
  return true;
}

}  // namespace detail

}  // namespace lapor::sms
