// Reply SMS: the reply_dispatcher picks the bind, this file builds the PDUs (deliver_sm to a
// bound ESME, submit_sm to an SMSC we bound to) and reports their outcome back.
#include "channels/sms/smpp_channel_impl.h"

#include "gateway/log.h"

namespace lapor::sms {

namespace log = gateway::log;
namespace net = boost::asio;

void smpp_channel::impl::queue_reply(outgoing_sms m) {
  const std::lock_guard lock(mutex);
  if (stopping) return;
  const auto op = m.operator_name;
  const auto now = std::chrono::steady_clock::now();
  // One line per 1000 drops: a full queue under load must not turn into a log per message.
  if (!replies.queue(std::move(m), now) && replies.dropped() % 1000 == 1)
    log::warn("smpp_reply_dropped", {{"operator", op}, {"reason", "reply queue full"},
                                     {"dropped_total", static_cast<std::int64_t>(replies.dropped())}});
  send_replies(op, now);
}

void smpp_channel::impl::send_replies(const std::string& op, std::chrono::steady_clock::time_point now) {  // mutex held
  for (auto& s : replies.take(op, now)) {
    auto it = links.find(s.link_id);
    auto link = it == links.end() ? nullptr : it->second.link.lock();
    if (!link) {  // closing; its on_closed() is on the way
      for (std::size_t i = 0; i < s.parts.parts.size(); ++i) (void)replies.part_done(s.token, false, false, now);
      continue;
    }
    for (auto& payload : s.parts.parts)
      link->push(reply_pdu(s.sms, s.parts, std::move(payload), link->is_client()), s.token);
  }
}

pdu smpp_channel::impl::reply_pdu(const outgoing_sms& m, const sms_parts& parts, bytes payload, bool as_client) const {
  sm_body b;
  b.source_addr_ton = 3;  // network-specific: our short code
  b.source_addr_npi = 0;
  b.source_addr = opts.short_code;
  b.dest_addr_ton = m.to_ton;
  b.dest_addr_npi = m.to_npi;
  b.destination_addr = m.to;
  b.esm_class = parts.udhi ? 0x40 : 0x00;
  b.data_coding = parts.data_coding;
  b.short_message = std::move(payload);
  return as_client ? make_submit_sm(0, std::move(b)) : make_deliver_sm(0, std::move(b));
}

void smpp_channel::impl::reply_part_done(std::uint64_t token, bool ok, bool permanent) {
  const std::lock_guard lock(mutex);
  const auto now = std::chrono::steady_clock::now();
  if (auto op = replies.part_done(token, ok, permanent, now); op && !stopping) send_replies(*op, now);
}

void smpp_channel::impl::on_request_finished(const std::shared_ptr<smpp_link>&, const request_finished& f) {
  using outcome = request_finished::outcome;
  const bool ok = f.result == outcome::answered && f.status == status::esme_rok;
  const bool permanent = (f.result == outcome::answered || f.result == outcome::nacked) && !ok &&
                         !status::is_transient(f.status);
  if (permanent) log::info("smpp_reply_refused", {{"status", f.status}});
  reply_part_done(f.token, ok, permanent);
}

void smpp_channel::impl::on_push_refused(const std::shared_ptr<smpp_link>&, std::uint64_t token, bool) {
  reply_part_done(token, false, false);
}

}  // namespace lapor::sms
