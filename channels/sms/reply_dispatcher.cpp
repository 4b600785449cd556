#include "channels/sms/reply_dispatcher.h"

#include <algorithm>

namespace lapor::sms {

reply_dispatcher::reply_dispatcher(reply_queue_options queue, std::size_t max_in_flight_per_link)
    : queue_(queue), max_in_flight_(max_in_flight_per_link ? max_in_flight_per_link : 1) {}

void reply_dispatcher::link_up(std::uint64_t link_id, std::string operator_name, bool can_push) {
  auto& l = links_[link_id];
  l.operator_name = std::move(operator_name);
  l.can_push = can_push;
}

void reply_dispatcher::link_down(std::uint64_t link_id) { links_.erase(link_id); }

std::size_t reply_dispatcher::binds(const std::string& operator_name) const {
  std::size_t n = 0;
  for (const auto& [id, l] : links_) n += l.operator_name == operator_name ? 1 : 0;
  return n;
}

bool reply_dispatcher::queue(outgoing_sms m, clock::time_point now) { return queue_.push(std::move(m), now); }

std::optional<std::uint64_t> reply_dispatcher::pick(const outgoing_sms& m, std::size_t parts) const {
  auto fits = [&](const link& l) {
    return l.can_push && l.operator_name == m.operator_name && l.in_flight + parts <= max_in_flight_;
  };
  if (auto it = links_.find(m.via_link); it != links_.end() && fits(it->second)) return it->first;
  // Otherwise the least busy link of the operator.
  std::optional<std::uint64_t> best;
  std::size_t best_load = 0;
  for (const auto& [id, l] : links_) {
    if (!fits(l)) continue;
    if (!best || l.in_flight < best_load) {
      best = id;
      best_load = l.in_flight;
    }
  }
  return best;
}

std::vector<reply_send> reply_dispatcher::take(const std::string& operator_name, clock::time_point now) {
  std::vector<reply_send> out;
  while (auto m = queue_.pop(operator_name, now)) {
    // The reference of a long reply's UDH: any byte, distinct for consecutive replies.
    // At most as many parts as one link takes at once, or the reply could never go.
    auto parts = split_for_sms(m->text, static_cast<std::uint8_t>(next_token_ & 0xff),
                               std::min<std::size_t>(8, max_in_flight_));
    if (!parts) {
      ++dropped_here_;  // our texts are one GSM part; a failure is a bug, not worth a retry
      continue;
    }
    auto id = pick(*m, parts->parts.size());
    if (!id) {
      queue_.unpop(std::move(*m));
      break;
    }
    const std::uint64_t token = next_token_++;
    links_[*id].in_flight += parts->parts.size();
    sending_.emplace(token, sending{*m, *id, parts->parts.size(), false, false});
    out.push_back(reply_send{*id, token, std::move(*m), std::move(*parts)});
  }
  return out;
}

std::optional<std::string> reply_dispatcher::part_done(std::uint64_t token, bool ok, bool permanent,
                                                       clock::time_point now) {
  auto it = sending_.find(token);
  if (it == sending_.end()) return std::nullopt;
  auto& s = it->second;
  if (auto l = links_.find(s.link_id); l != links_.end() && l->second.in_flight > 0) --l->second.in_flight;
  s.failed = s.failed || !ok;
  s.permanent = s.permanent || permanent;
  if (--s.parts_left > 0) return s.sms.operator_name;
  outgoing_sms m = std::move(s.sms);
  const bool failed = s.failed, drop = s.permanent;
  sending_.erase(it);
  std::string op = m.operator_name;
  if (failed) {
    if (drop) {
      ++dropped_here_;
    } else {
      m.via_link = 0;  // any bind of the operator
      (void)queue_.retry(std::move(m), now);
    }
  }
  return op;
}

}  // namespace lapor::sms
