// One valid PDU of every kind the codec handles, for round trips and the mutator.
#pragma once

#include <vector>

#include "channels/sms/pdu.h"
#include "channels/sms/text_encoding.h"

namespace lapor::sms::test {

inline sm_body mo_body(std::string text_gsm = "Jalan rusak") {
  sm_body b;
  b.source_addr_ton = 1;
  b.source_addr_npi = 1;
  b.source_addr = "6281234567890";
  b.destination_addr = "1708";
  b.short_message = bytes(text_gsm.begin(), text_gsm.end());
  return b;
}

inline std::vector<pdu> sample_pdus() {
  std::vector<pdu> v;
  bind_body bind{"test", "secret", "", 0x34, 0, 0, ""};
  v.push_back(make_bind(bind_kind::transmitter, 1, bind));
  v.push_back(make_bind(bind_kind::receiver, 2, bind_body{"telkomsel", "pw123456", "SMPP", 0x34, 1, 1, "^1708"}));
  v.push_back(make_bind(bind_kind::transceiver, 3, bind));
  v.push_back(make_bind_resp(bind_kind::transmitter, 1, 0, "LAPOR1708", 0x34));
  v.push_back(make_bind_resp(bind_kind::receiver, 2, 0, "LAPOR1708", std::nullopt));
  v.push_back(make_bind_resp(bind_kind::transceiver, 3, 0x0E, "", std::nullopt));
  v.push_back(pdu{command_id::outbind, 0, 4, outbind_body{"smsc", "pw"}});
  v.push_back(make_header_only(command_id::unbind, 5));
  v.push_back(make_header_only(command_id::unbind_resp, 5));
  v.push_back(make_generic_nack(6, 0x03));
  v.push_back(make_header_only(command_id::enquire_link, 7));
  v.push_back(make_header_only(command_id::enquire_link_resp, 7));

  v.push_back(make_submit_sm(8, mo_body()));
  sm_body concat = mo_body();
  concat.esm_class = 0x43;
  concat.short_message = {0x05, 0x00, 0x03, 0x02, 0x02, 0x01, 'a', 'b', 'c'};
  concat.registered_delivery = 1;
  concat.tlvs.add(tlv_tag::more_messages_to_send, {1});
  v.push_back(make_submit_sm(9, concat));
  sm_body sar = mo_body("yyyy");
  sar.service_type = "CMT";
  sar.schedule_delivery_time = "261122101530000+";
  sar.validity_period = "000001000000000R";
  sar.data_coding = 0;
  sar.tlvs.set_sar(0x1234, 2, 1);
  v.push_back(make_deliver_sm(10, sar));
  sm_body receipt = mo_body("id:1A2B sub:001 dlvrd:001 submit date:2611221015 done date:2611221015 stat:DELIVRD err:000 text:");
  receipt.esm_class = 0x04;
  receipt.tlvs.set_receipted_message_id("1A2B");
  receipt.tlvs.set_message_state(2);
  v.push_back(make_deliver_sm(11, receipt));
  sm_body payload = mo_body("");
  payload.data_coding = 8;
  payload.tlvs.set_message_payload(*encode_ucs2("Lampu jalan mati 😀"));
  v.push_back(make_submit_sm(12, payload));

  data_sm_body d;
  d.source_addr_ton = 1;
  d.source_addr_npi = 1;
  d.source_addr = "6281234567890";
  d.destination_addr = "1708";
  d.data_coding = 8;
  d.tlvs.set_message_payload({0x00, 0x41, 0x00, 0x42});
  v.push_back(make_data_sm(13, d));

  v.push_back(make_message_resp(command_id::submit_sm, 8, 0, "LPR7K3D9QX2M"));
  v.push_back(make_message_resp(command_id::submit_sm, 9, 0x58, ""));
  v.push_back(make_message_resp(command_id::deliver_sm, 10, 0, "ignored"));
  pdu data_resp = make_message_resp(command_id::data_sm, 13, 0, "77");
  data_resp.get<message_id_body>()->tlvs.add(0x001D, {'o', 'k', 0});  // additional_status_info_text
  v.push_back(data_resp);
  return v;
}

}  // namespace lapor::sms::test
