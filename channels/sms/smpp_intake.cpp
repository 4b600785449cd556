// MO intake: a message -> text -> keywords -> the core, its *_resp only in the core's
// completion, after the commit (SPEC §2). A part of a long message is written as a row and
// answered once that row is committed (SPEC §7); the whole message goes to the core when its
// last part is durable (or after the reassembly timeout), and a restart resumes from the rows.
#include "channels/sms/smpp_channel_impl.h"

#include <boost/asio/post.hpp>

#include "channels/sms/keywords.h"
#include "channels/sms/message_text.h"
#include "channels/sms/reply_text.h"
#include "channels/sms/stored_part.h"
#include "gateway/log.h"

namespace lapor::sms {

namespace log = gateway::log;
namespace net = boost::asio;

namespace {

std::int64_t wall_ms(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

core_answer answer_for(const gateway::submit_result& r) {
  using st = gateway::submit_result::status;
  switch (r.code) {
    case st::received:
    case st::duplicate: return core_answer{status::esme_rok, r.tracking_id};
    case st::overloaded: return core_answer{status::esme_rthrottled, {}};
    case st::failed: return core_answer{status::esme_rx_t_appn, {}};
    case st::rejected:
    case st::conflict: break;
  }
  return core_answer{status::esme_rx_p_appn, {}};
}

}  // namespace

bool smpp_channel::impl::addressed_to_us(std::string_view d) const {
  // "1708", "+1708" and "001708" (international prefix) all name the short code.
  if (d.starts_with('+')) d.remove_prefix(1);
  else if (d.starts_with("00")) d.remove_prefix(2);
  return d == opts.short_code;
}

void smpp_channel::impl::on_message(const std::shared_ptr<smpp_link>& link, submit_to_core m) {
  if (!addressed_to_us(m.message.destination_addr)) {
    // Not ours (another number, or an MT-shaped 1708 -> subscriber): refuse, store nothing.
    log::info("smpp_message_not_for_short_code", {{"operator", m.operator_name}});
    deps.stats.add(gateway::counter::rejected, gateway::channel_kind::sms);
    link->answer(m.token, core_answer{status::esme_rinvdstadr, {}});
    return;
  }
  if (addressed_to_us(m.message.source_addr)) {
    // From the short code itself: one of our own replies looped back by a misrouting SMSC.
    // Stored, it would be a complaint by nobody, answered to ourselves (SMPP 3.4 §5.1.3).
    log::info("smpp_message_from_short_code", {{"operator", m.operator_name}});
    deps.stats.add(gateway::counter::rejected, gateway::channel_kind::sms);
    link->answer(m.token, core_answer{status::esme_rinvsrcadr, {}});
    return;
  }
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
  auto to = reply_address(m.operator_name, m.message.source_addr, m.message.source_addr_ton, m.message.source_addr_npi);
  process(std::move(in), {waiter{link, m.token}}, std::move(to));
}

void smpp_channel::impl::on_part(const std::shared_ptr<smpp_link>& link, submit_to_core m) {
  auto p = make_part(m.message, m.operator_name);
  if (!p) {
    link->answer(m.token, core_answer{status::esme_rinvmsglen, {}});
    return;
  }
  const waiter w{link, m.token};
  std::vector<std::string> to_submit;
  {
    const std::lock_guard lock(mutex);
    const group_key key = p->key;
    const std::uint8_t seq = p->seg.seq;
    const auto now = std::chrono::steady_clock::now();
    auto open = open_messages.find(key);
    if (open != open_messages.end()) {
      if (const segment* held = parts.held(key, seq)) {
        if (*held == p->seg) {
          // A copy of a part we hold (our resp got lost, or another bind): answered like the
          // first copy once that one is durable; written again if its row failed.
          auto& rows = rows_in_flight[open->second.group];
          if (auto r = rows.find(seq); r != rows.end()) {
            r->second.push_back(w);
          } else if (open->second.unstored.erase(seq) != 0) {
            store_part(*p, open->second, w);
          } else {
            if (rows.empty()) rows_in_flight.erase(open->second.group);
            link->answer(m.token, core_answer{status::esme_rok, {}});
          }
          return;
        }
        // Different bytes under a reference still open: the sender reused it for another
        // message. The first is kept as it is (incomplete); this part starts the new one.
        if (auto old = parts.close_now(key)) close_message(std::move(*old), to_submit);
      }
    } else if (storing_message* s = storing_with_part(key, p->seg)) {
      // A copy of a part of a message on its way to the store: the message's answer, later.
      s->copies.push_back(w);
      return;
    } else if (auto done = done_messages.find(key); done != done_messages.end() && done->second.until > now) {
      auto h = done->second.part_hash.find(seq);
      if (h != done->second.part_hash.end() && h->second == part_hash(p->seg)) {
        // A late copy of a part of a message already stored: the same answer again.
        link->answer(m.token, core_answer{status::esme_rok, done->second.answer});
        return;
      }
      done_messages.erase(done);  // the reference now names a new message
    }
    const part record = *p;
    auto added = parts.add(std::move(*p), now);
    // Eviction may close older messages, even this key's own (it then keeps this part alone).
    for (auto& e : added.evicted) close_message(std::move(e), to_submit);
    if (added.result == reassembler::outcome::rejected) {
      log::info("smpp_part_rejected", {{"operator", m.operator_name}, {"reason", added.reason}});
      link->answer(m.token, core_answer{status::esme_rinvmsglen, {}});
    } else {
      open = open_messages.find(key);
      if (open == open_messages.end()) {
        open_message fresh;
        fresh.group = "sms:" + std::to_string(wall_ms(std::chrono::system_clock::now())) + ":" +
                      std::to_string(next_group++) + ":" + std::to_string(key.ref) + "/" + std::to_string(key.total);
        fresh.source_ton = m.message.source_addr_ton;
        fresh.source_npi = m.message.source_addr_npi;
        open = open_messages.emplace(key, std::move(fresh)).first;
      }
      store_part(record, open->second, w);
      if (added.message) close_message(std::move(*added.message), to_submit);
    }
  }
  for (auto& group : to_submit) submit_stored(group);
}

void smpp_channel::impl::store_part(const part& p, const open_message& o, waiter w) {  // mutex held
  rows_in_flight[o.group][p.seg.seq].push_back(std::move(w));
  const auto received = std::chrono::system_clock::now();
  gateway::part_store::part row{o.group, p.seg.seq, encode_part(part_record{p, o.source_ton, o.source_npi}),
                                wall_ms(received), {}};
  // Under the channel's mutex, so a message's part rows reach the writer before the message
  // that completes them (one queue, first in first out).
  deps.store.store_part(std::move(row), [self = shared_from_this(), key = p.key, group = o.group,
                                         seq = p.seg.seq](gateway::submit_result r) {
    net::post(self->strand.get_inner_executor(), [self, key, group, seq, r = std::move(r)] {
      self->part_stored(key, group, seq, r);
    });
  });
}

void smpp_channel::impl::part_stored(group_key key, std::string group, std::uint8_t seq,
                                     const gateway::submit_result& r) {
  std::vector<waiter> ws;
  bool rows_done = false;
  {
    const std::lock_guard lock(mutex);
    if (auto g = rows_in_flight.find(group); g != rows_in_flight.end()) {
      if (auto s = g->second.find(seq); s != g->second.end()) {
        ws = std::move(s->second);
        g->second.erase(s);
      }
      if (g->second.empty()) {
        rows_in_flight.erase(g);
        rows_done = true;
      }
    }
    if (!r.acknowledged())
      if (auto o = open_messages.find(key); o != open_messages.end() && o->second.group == group)
        o->second.unstored.insert(seq);
  }
  answer_all(ws, r.acknowledged() ? core_answer{status::esme_rok, {}} : answer_for(r));
  if (rows_done) submit_stored(group);
}

void smpp_channel::impl::close_message(assembled_message m, std::vector<std::string>& to_submit) {  // mutex held
  auto open = open_messages.find(m.key);
  if (open == open_messages.end()) return;
  storing_message s;
  s.source_ton = open->second.source_ton;
  s.source_npi = open->second.source_npi;
  s.message = std::move(m);
  to_submit.push_back(open->second.group);
  storing[open->second.group] = std::move(s);
  open_messages.erase(open);
}

void smpp_channel::impl::submit_stored(const std::string& group) {
  std::optional<inbound_sms> in;
  std::optional<outgoing_sms> to;
  {
    const std::lock_guard lock(mutex);
    auto it = storing.find(group);
    if (it == storing.end() || it->second.submitted) return;
    // Still waiting for part rows: part_stored() calls again once they are in.
    if (rows_in_flight.count(group) != 0) return;
    auto& s = it->second;
    s.submitted = true;
    const auto& k = s.message.key;
    auto text = render_text(s.message, opts.text);
    if (!text) {
      deps.stats.add(gateway::counter::rejected, gateway::channel_kind::sms);
      finish_storing(group, gateway::submit_result{gateway::submit_result::status::rejected, {}, {}, {}, {}});
      return;
    }
    in = inbound_sms{k.operator_name, k.source_addr, s.source_ton, k.destination_addr, std::move(text->text),
                     !s.message.complete, "concat:" + std::to_string(k.ref) + "/" + std::to_string(k.total)};
    to = reply_address(k.operator_name, k.source_addr, s.source_ton, s.source_npi);
  }
  process(std::move(*in), {}, std::move(to), group);
}

smpp_channel::impl::storing_message* smpp_channel::impl::storing_with_part(const group_key& key,
                                                                             const segment& s) {  // mutex held
  // A handful of messages wait for their commit at any time: a scan is cheap.
  for (auto& [group, m] : storing) {
    if (m.message.key != key) continue;
    for (const auto& held : m.message.segments)
      if (held.seq == s.seq && held == s) return &m;
  }
  return nullptr;
}

void smpp_channel::impl::message_stored(const std::string& group, const gateway::submit_result& r) {
  const std::lock_guard lock(mutex);
  finish_storing(group, r);
}

void smpp_channel::impl::finish_storing(const std::string& group, const gateway::submit_result& r) {  // mutex held
  auto it = storing.find(group);
  if (it == storing.end()) return;
  auto copies = std::move(it->second.copies);
  it->second.copies.clear();
  if (!r.acknowledged() && r.code != gateway::submit_result::status::rejected &&
      r.code != gateway::submit_result::status::conflict) {
    // Refused for load or a failed commit: its parts are durable, so try again shortly. A
    // copy waiting is told "not now" (ESME_RTHROTTLED / ESME_RX_T_APPN): its sender retries.
    it->second.submitted = false;
    it->second.retry_at = std::chrono::steady_clock::now() + std::chrono::seconds(1);
    answer_all(copies, answer_for(r));
    return;
  }
  done_message d;
  d.answer = r.acknowledged() ? r.tracking_id : std::string();
  for (const auto& seg : it->second.message.segments) d.part_hash[seg.seq] = part_hash(seg);
  d.until = std::chrono::steady_clock::now() + std::chrono::milliseconds(done_retention_ms);
  const auto key = it->second.message.key;
  storing.erase(it);
  if (!r.acknowledged()) deps.store.finish_parts(group, "-");
  // The same answer a copy arriving after this moment gets from done_messages.
  answer_all(copies, core_answer{status::esme_rok, d.answer});
  if (open_messages.count(key) == 0) done_messages[key] = std::move(d);
}

std::vector<smpp_channel::impl::stored_group> smpp_channel::impl::group_rows(
    const std::vector<gateway::part_store::part>& rows, std::size_t& unreadable) {
  std::vector<stored_group> groups;
  std::map<std::string, std::size_t> at;
  for (const auto& row : rows) {
    auto r = decode_part(row.data);
    if (!r) {
      ++unreadable;
      continue;
    }
    auto [it, fresh] = at.try_emplace(row.group, groups.size());
    if (fresh) {
      auto& g = groups.emplace_back();
      g.group = row.group;
      g.first = *r;
      g.received_at_ms = row.received_at_ms;
    }
    auto& g = groups[it->second];
    if (!row.answer.empty()) g.answer = row.answer;
    g.parts.push_back(std::move(r->p));
  }
  return groups;
}

std::size_t smpp_channel::impl::absorb_groups(std::vector<stored_group> groups,
                                              std::vector<std::string>& to_submit) {  // mutex held
  std::size_t resumed = 0;
  const auto now = std::chrono::steady_clock::now();
  const auto wall = wall_ms(std::chrono::system_clock::now());
  for (auto& g : groups) {
    const auto& key = g.first.p.key;
    auto open = open_messages.find(key);
    if (!g.answer.empty()) {
      done_message d;
      d.answer = g.answer == "-" ? std::string() : g.answer;
      for (const auto& p : g.parts) d.part_hash[p.seg.seq] = part_hash(p.seg);
      d.until = now + std::chrono::milliseconds(std::max<std::int64_t>(0, done_retention_ms - (wall - g.received_at_ms)));
      if (open != open_messages.end()) {
        // Open here with nothing but copies of this stored message's parts (the SMSC resent
        // a part to this node after the node that stored the message died): not a second
        // message. Its rows end with the stored message's answer.
        bool copies = false, other = false;
        for (std::uint8_t seq = 1; seq <= key.total && !other; ++seq) {
          const segment* held = parts.held(key, seq);
          if (held == nullptr) continue;
          auto h = d.part_hash.find(seq);
          (h != d.part_hash.end() && h->second == part_hash(*held) ? copies : other) = true;
        }
        if (!copies || other) continue;  // another message under the same reference
        (void)parts.close_now(key);
        deps.store.finish_parts(open->second.group, g.answer);
        open_messages.erase(open);
      }
      done_messages[key] = std::move(d);
      continue;
    }
    // The group's age counts from its first part, across a restart or a take-over.
    const auto first_seen = now - std::chrono::milliseconds(std::max<std::int64_t>(0, wall - g.received_at_ms));
    if (open != open_messages.end()) {
      bool differs = false;
      for (const auto& p : g.parts)
        if (const segment* held = parts.held(key, p.seg.seq); held != nullptr && !(*held == p.seg)) differs = true;
      if (differs) {
        // Two messages under one reference: this one is stored on its own, as far as it got.
        std::map<std::uint8_t, segment> by_seq;
        for (auto& p : g.parts) by_seq.try_emplace(p.seg.seq, std::move(p.seg));
        storing_message m;
        m.source_ton = g.first.source_ton;
        m.source_npi = g.first.source_npi;
        m.message.key = key;
        m.message.first_seen = first_seen;
        for (auto& [seq, seg] : by_seq) m.message.segments.push_back(std::move(seg));
        m.message.complete = m.message.segments.size() == key.total;
        storing[g.group] = std::move(m);
        to_submit.push_back(g.group);
        continue;
      }
      // The same message, parts of it here and parts there: written again under this node's
      // group (first in the writer's queue), then the other group's rows end. A crash
      // between the two leaves both open, and the next start joins them here again.
      const std::string into = open->second.group;
      for (auto& p : g.parts) {
        if (parts.held(key, p.seg.seq) != nullptr) continue;
        store_part(p, open->second, waiter{});
        auto added = parts.add(std::move(p), now);
        for (auto& e : added.evicted) close_message(std::move(e), to_submit);
        if (added.message) close_message(std::move(*added.message), to_submit);
        open = open_messages.find(key);
        if (open == open_messages.end() || open->second.group != into) break;
      }
      deps.store.finish_parts(g.group, "-");
      ++resumed;
      continue;
    }
    done_messages.erase(key);  // the reference now names this open message
    open_message o;
    o.group = g.group;
    o.source_ton = g.first.source_ton;
    o.source_npi = g.first.source_npi;
    open_messages[key] = std::move(o);
    ++resumed;
    for (auto& p : g.parts) {
      auto added = parts.add(std::move(p), first_seen);
      for (auto& e : added.evicted) close_message(std::move(e), to_submit);
      if (added.message) close_message(std::move(*added.message), to_submit);
    }
  }
  return resumed;
}

void smpp_channel::impl::load_parts() {
  std::vector<gateway::part_store::part> rows;
  deps.store.load_parts([&](const gateway::part_store::part& row) { rows.push_back(row); });
  std::size_t unreadable = 0;
  auto groups = group_rows(rows, unreadable);
  if (unreadable) log::warn("smpp_parts_unreadable", {{"rows", static_cast<std::int64_t>(unreadable)}});
  std::vector<std::string> to_submit;
  std::size_t resumed = 0;
  const std::size_t n = groups.size();
  {
    const std::lock_guard lock(mutex);
    resumed = absorb_groups(std::move(groups), to_submit);
  }
  if (n > 0)
    log::info("smpp_parts_resumed", {{"open_messages", static_cast<std::int64_t>(resumed)},
                                     {"stored_messages", static_cast<std::int64_t>(n - resumed)}});
  // Messages completed by their stored rows alone (the daemon stopped before submitting).
  for (auto& group : to_submit) submit_stored(group);
}

void smpp_channel::impl::take_over_parts() {  // strand
  if (taking_over || is_stopping()) return;
  taking_over = true;
  // Done parts of the last quarter hour: late copies the SMSC still resends to this node.
  constexpr std::int64_t late_copy_window_ms = 15 * 60 * 1000;
  const auto since = wall_ms(std::chrono::system_clock::now()) - late_copy_window_ms;
  deps.store.take_over_parts(since, [self = shared_from_this()](std::vector<gateway::part_store::part> rows) {
    net::post(self->strand, [self, rows = std::move(rows)] {
      self->taking_over = false;
      if (rows.empty()) return;
      std::size_t unreadable = 0;
      auto groups = group_rows(rows, unreadable);
      std::vector<std::string> to_submit;
      std::size_t joined = 0;
      const std::size_t n = groups.size();
      {
        const std::lock_guard lock(self->mutex);
        joined = self->absorb_groups(std::move(groups), to_submit);
      }
      log::info("smpp_parts_taken_over", {{"rows", static_cast<std::int64_t>(rows.size())},
                                          {"open_messages", static_cast<std::int64_t>(joined)},
                                          {"stored_messages", static_cast<std::int64_t>(n - joined)},
                                          {"unreadable", static_cast<std::int64_t>(unreadable)}});
      for (auto& group : to_submit) self->submit_stored(group);
    });
  });
}

bool smpp_channel::impl::recently_replied(const std::string& to) const {
  if (opts.auto_reply_window.count() <= 0) return false;
  const std::lock_guard lock(mutex);
  auto it = last_reply_to.find(to);
  return it != last_reply_to.end() && std::chrono::steady_clock::now() - it->second < opts.auto_reply_window;
}

std::optional<outgoing_sms> smpp_channel::impl::reply_address(const std::string& op, const std::string& source,
                                                              std::uint8_t ton, std::uint8_t npi) const {
  // No reply to what cannot receive one: alphanumeric senders (TON 5), empty or short numbers.
  const auto phone = sender_phone(source, ton);
  if (ton == 5 || !phone) return std::nullopt;
  outgoing_sms o;
  o.operator_name = op;
  if (opts.reply_number == "as_received") {
    o.to = source;
    o.to_ton = ton;
    o.to_npi = npi;
  } else if (opts.reply_number == "national" && phone->starts_with("+62")) {
    o.to.assign(1, '0').append(*phone, 3);  // not "0" + substr(): GCC 12 -O3 -Wrestrict false positive (PR 105329)
    o.to_ton = 2;
    o.to_npi = 1;
  } else {
    o.to = phone->substr(1);  // E.164 digits: '+' is not a digit
    o.to_ton = 1;
    o.to_npi = 1;
  }
  return o;
}

void smpp_channel::impl::answer_all(const std::vector<waiter>& ws, const core_answer& a) {
  for (const auto& w : ws)
    if (auto l = w.link.lock()) l->answer(w.token, a);
}

void smpp_channel::impl::process(inbound_sms in, std::vector<waiter> waiters, std::optional<outgoing_sms> reply_to,
                                 std::string group) {
  const auto command =
      parse_keywords(in.text, [this](std::string_view s) { return deps.ids.canonical(s).has_value(); });
  const auto now = gateway::clock::now();
  const auto phone = sender_phone(in.source_addr, in.source_addr_ton);
  bool first_sighting = true;
  auto key = redelivery.key_for(in.operator_name, phone ? *phone : in.source_addr, in.text, now, &first_sighting);
  // A redelivery of a status query or an empty MO asks nothing new: it was answered once (the
  // outside probe: three copies, three identical status SMS).
  if (!first_sighting && (command.intent == sms_intent::status_query || command.text.empty())) reply_to.reset();
  if (command.intent == sms_intent::status_query) {
    answer_all(waiters, core_answer{status::esme_rok, {}});  // nothing to store
    if (!group.empty()) {
      // Nothing stored, like a rejected message: its parts are done, copies answered.
      const std::lock_guard lock(mutex);
      finish_storing(group, gateway::submit_result{gateway::submit_result::status::rejected, {}, {}, {}, {}});
    }
    if (!reply_to) return;
    if (command.text.empty()) {
      queue_reply(*reply_to, status_usage_reply(opts.short_code));
      return;
    }
    deps.statuses.find(command.text, [self = shared_from_this(), to = *reply_to](gateway::status_lookup found) {
      self->queue_reply(to, status_reply(found, self->opts.short_code));
    });
    return;
  }
  if (command.text.empty()) {
    deps.stats.add(gateway::counter::rejected, gateway::channel_kind::sms);
    answer_all(waiters, core_answer{status::esme_rx_p_appn, {}});
    if (!group.empty()) message_stored(group, gateway::submit_result{gateway::submit_result::status::rejected, {}, {}, {}, {}});
    if (reply_to && !recently_replied(reply_to->to)) queue_reply(*reply_to, usage_reply(opts.short_code));
    return;
  }
  auto submission = make_submission(in, command, std::move(key), now);
  submission.completes_parts = group;
  const bool auto_reply = reply_to && recently_replied(reply_to->to);
  if (auto_reply) {
    // The number answered our reply within seconds: most likely an answering machine or an
    // operator's catch-all service. It is stored and forwarded like any message (it may be a
    // citizen who typed fast: never hide a complaint) but not answered, so the two can never
    // ping-pong.
    deps.stats.add(gateway::counter::auto_replies, gateway::channel_kind::sms);
    log::info("smpp_reply_withheld", {{"operator", in.operator_name}, {"reason", "auto_reply_suspected"}});
  } else if (reply_to) {
    gateway::reply_promise p;
    p.destination = std::string(reply_destination);
    p.recipient = "sms:" + reply_to->operator_name + ":" + reply_to->to;
    p.payload = [self = shared_from_this(), to = *reply_to, kind = command.kind](const gateway::submit_result& r) {
      return self->reply_row_for(to, receipt_reply(r, kind, self->opts.short_code));
    };
    submission.replies.push_back(std::move(p));
  }
  if (sink == nullptr) {
    answer_all(waiters, core_answer{status::esme_rx_t_appn, {}});
    return;
  }
  // The completion runs on the store's writer thread, which serialises every commit: hand the
  // answer and the bookkeeping to the Asio threads instead of doing them there.
  sink->submit(std::move(submission), [self = shared_from_this(), waiters = std::move(waiters), group = std::move(group),
                                       reply_to = std::move(reply_to)](gateway::submit_result result) mutable {
    auto executor = self->strand.get_inner_executor();
    net::post(executor, [self = std::move(self), waiters = std::move(waiters), group = std::move(group),
                         reply_to = std::move(reply_to), r = std::move(result)]() mutable {
      answer_all(waiters, answer_for(r));
      if (!group.empty()) self->message_stored(group, r);
      if (r.code == gateway::submit_result::status::rejected) {
        log::info("smpp_message_rejected", {{"field", r.field}, {"reason", r.message}});
        if (reply_to && !self->recently_replied(reply_to->to))
          self->queue_reply(*reply_to, usage_reply(self->opts.short_code));
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
