// MO intake: a message (or a reassembled long one) -> text -> keywords -> the core, and
// every *_resp of its PDUs only in the core's completion, after the commit (SPEC §2).
#include "channels/sms/smpp_channel_impl.h"

#include <boost/asio/post.hpp>

#include "channels/sms/keywords.h"
#include "channels/sms/message_text.h"
#include "channels/sms/reply_text.h"
#include "gateway/log.h"

namespace lapor::sms {

namespace log = gateway::log;
namespace net = boost::asio;

void smpp_channel::impl::on_message(const std::shared_ptr<smpp_link>& link, submit_to_core m) {
  if (m.message.concat) return on_part(link, std::move(m));
  auto text = render_text(m.message, opts.text);
  if (!text) {
    log::info("smpp_message_not_text", {{"operator", m.operator_name}, {"data_coding", m.message.data_coding},
                                        {"reason", text.error().reason}});
    deps.stats.add(gateway::counter::rejected, gateway::channel_kind::sms);
    link->answer(m.token, core_answer{status::esme_rx_p_appn, {}});
    return;
  }
  inbound_sms in{m.operator_name, m.message.source_addr, m.message.source_addr_ton, m.message.destination_addr,
                 std::move(text->text), false, {}};
  outgoing_sms to = reply_address(m.operator_name, m.message.source_addr, m.message.source_addr_ton,
                                  m.message.source_addr_npi, link->id());
  process(std::move(in), {waiter{link, m.token}}, std::move(to));
}

void smpp_channel::impl::on_part(const std::shared_ptr<smpp_link>& link, submit_to_core m) {
  auto p = make_part(m.message, m.operator_name);
  if (!p) {
    link->answer(m.token, core_answer{status::esme_rinvmsglen, {}});
    return;
  }
  std::vector<std::pair<assembled_message, group_wait>> ready;
  {
    const std::lock_guard lock(mutex);
    const group_key key = p->key;
    const auto now = std::chrono::steady_clock::now();
    if (auto r = recent_groups.find(key); r != recent_groups.end() && r->second.until > now) {
      link->answer(m.token, r->second.answer);
      return;
    }
    auto added = parts.add(std::move(*p), now);
    if (added.result == reassembler::outcome::rejected) {
      log::info("smpp_part_rejected", {{"operator", m.operator_name}, {"reason", added.reason}});
      link->answer(m.token, core_answer{status::esme_rinvmsglen, {}});
    } else {
      auto& g = groups[key];
      if (g.waiters.empty()) {
        g.source_ton = m.message.source_addr_ton;
        g.source_npi = m.message.source_addr_npi;
      }
      g.waiters.push_back(waiter{link, m.token});
      if (added.message) ready.emplace_back(std::move(*added.message), take_group(key));
    }
    for (auto& e : added.evicted) {
      auto k = e.key;
      ready.emplace_back(std::move(e), take_group(k));
    }
  }
  for (auto& [message, wait] : ready) submit_assembled(std::move(message), std::move(wait));
}

smpp_channel::impl::group_wait smpp_channel::impl::take_group(const group_key& key) {  // mutex held
  group_wait g;
  auto it = groups.find(key);
  if (it != groups.end()) {
    g = std::move(it->second);
    groups.erase(it);
  }
  return g;
}

void smpp_channel::impl::submit_assembled(assembled_message message, group_wait wait) {
  auto text = render_text(message, opts.text);
  if (!text) {
    deps.stats.add(gateway::counter::rejected, gateway::channel_kind::sms);
    for (auto& w : wait.waiters)
      if (auto l = w.link.lock()) l->answer(w.token, core_answer{status::esme_rx_p_appn, {}});
    return;
  }
  std::uint64_t via = 0;
  if (!wait.waiters.empty())
    if (auto l = wait.waiters.front().link.lock()) via = l->id();
  const auto& k = message.key;
  inbound_sms in{k.operator_name, k.source_addr, wait.source_ton, k.destination_addr, std::move(text->text),
                 !message.complete,
                 "concat:" + std::to_string(k.ref) + "/" + std::to_string(k.total)};
  outgoing_sms to = reply_address(k.operator_name, k.source_addr, wait.source_ton, wait.source_npi, via);
  process(std::move(in), std::move(wait.waiters), std::move(to), message.key);
}

outgoing_sms smpp_channel::impl::reply_address(const std::string& op, const std::string& source, std::uint8_t ton,
                                  std::uint8_t npi, std::uint64_t via) {
  outgoing_sms o;
  o.operator_name = op;
  o.to = source;
  o.to_ton = ton;
  o.to_npi = npi;
  o.via_link = via;
  return o;
}

void smpp_channel::impl::answer_all(const std::vector<waiter>& ws, const core_answer& a) {
  for (const auto& w : ws)
    if (auto l = w.link.lock()) l->answer(w.token, a);
}

void smpp_channel::impl::process(inbound_sms in, std::vector<waiter> waiters, outgoing_sms reply_to,
             std::optional<group_key> group) {
  const auto command =
      parse_keywords(in.text, [this](std::string_view s) { return deps.ids.canonical(s).has_value(); });
  if (command.intent == sms_intent::status_query) {
    answer_all(waiters, core_answer{status::esme_rok, {}});  // nothing to store
    if (command.text.empty()) {
      reply_to.text = status_usage_reply(opts.short_code);
      queue_reply(std::move(reply_to));
      return;
    }
    deps.statuses.find(command.text, [self = shared_from_this(), reply_to](gateway::status_lookup found) mutable {
      reply_to.text = status_reply(found, self->opts.short_code);
      self->queue_reply(std::move(reply_to));
    });
    return;
  }
  if (command.text.empty()) {
    deps.stats.add(gateway::counter::rejected, gateway::channel_kind::sms);
    answer_all(waiters, core_answer{status::esme_rx_p_appn, {}});
    reply_to.text = usage_reply(opts.short_code);
    queue_reply(std::move(reply_to));
    return;
  }
  const auto now = gateway::clock::now();
  const auto phone = sender_phone(in.source_addr, in.source_addr_ton);
  auto key = redelivery.key_for(in.operator_name, phone ? *phone : in.source_addr, in.text, now);
  auto submission = make_submission(in, command, std::move(key), now);
  const auto kind = command.kind;
  if (sink == nullptr) {
    answer_all(waiters, core_answer{status::esme_rx_t_appn, {}});
    return;
  }
  // The completion runs on the store's writer thread, which serialises every commit: hand the
  // answer, the receipt text and the reply to the Asio threads instead of doing them there.
  sink->submit(std::move(submission), [self = shared_from_this(), waiters = std::move(waiters), kind,
                                       reply_to = std::move(reply_to),
                                       group = std::move(group)](gateway::submit_result result) mutable {
    auto executor = self->strand.get_inner_executor();
    boost::asio::post(executor, [self = std::move(self), waiters = std::move(waiters), kind, reply_to = std::move(reply_to),
                                 group = std::move(group), r = std::move(result)]() mutable {
    core_answer a;
    using st = gateway::submit_result::status;
    switch (r.code) {
      case st::received:
      case st::duplicate: a = core_answer{status::esme_rok, r.tracking_id}; break;
      case st::overloaded: a = core_answer{status::esme_rthrottled, {}}; break;
      case st::failed: a = core_answer{status::esme_rx_t_appn, {}}; break;
      case st::rejected:
      case st::conflict: a = core_answer{status::esme_rx_p_appn, {}}; break;
    }
    answer_all(waiters, a);
    if (group && r.acknowledged()) {
      const std::lock_guard lock(self->mutex);
      self->recent_groups[*group] =
          stored_group{a, std::chrono::steady_clock::now() + self->opts.reassembly_timeout};
    }
    if (r.acknowledged()) {
      reply_to.text = receipt_reply(r, kind, self->opts.short_code);
      self->queue_reply(std::move(reply_to));
    } else if (r.code == st::rejected) {
      log::info("smpp_message_rejected", {{"field", r.field}, {"reason", r.message}});
      reply_to.text = usage_reply(self->opts.short_code);
      self->queue_reply(std::move(reply_to));
    }
    });
  });
}

void smpp_channel::impl::on_receipt(const std::shared_ptr<smpp_link>& link, const receipt_received& r) {
  log::debug("smpp_receipt", {{"link", link->id()}, {"operator", r.operator_name},
                              {"message_id", r.receipt.receipted_message_id.value_or("")}});
}

void smpp_channel::impl::on_refused(const std::shared_ptr<smpp_link>&, command_id answer, std::uint32_t st) {
  // Refusals the core decided were counted by the pipeline; these are the link's own.
  deps.stats.add(st == status::esme_rthrottled ? gateway::counter::throttled : gateway::counter::rejected,
                 gateway::channel_kind::sms);
  log::debug("smpp_refused", {{"answer", to_string(answer)}, {"status", st}});
}

}  // namespace lapor::sms
