#include "channels/sms/reply_dispatcher.h"

#include <algorithm>

namespace lapor::sms {

namespace {
// The worse of two part results decides the reply: permanent > timed_out > transient > throttled > ok.
int rank(part_result r) {
  switch (r) {
    case part_result::ok: return 0;
    case part_result::throttled: return 1;
    case part_result::transient: return 2;
    case part_result::timed_out: return 3;
    case part_result::permanent: return 4;
  }
  return 2;
}
}  // namespace

reply_dispatcher::reply_dispatcher(reply_dispatcher_options o) : options_(o) {
  if (options_.max_in_flight == 0) options_.max_in_flight = 1;
}

void reply_dispatcher::link_up(std::uint64_t link_id, std::string operator_name, bool can_push, double rate_per_s) {
  auto& l = links_[link_id];
  l.operator_name = std::move(operator_name);
  l.can_push = can_push;
  l.rate = rate_per_s > 0 ? rate_per_s : 0;
  l.tokens = 1;
  l.refilled = clock::time_point{};
}

void reply_dispatcher::link_down(std::uint64_t link_id) { links_.erase(link_id); }

std::size_t reply_dispatcher::binds(const std::string& operator_name) const {
  std::size_t n = 0;
  for (const auto& [id, l] : links_) n += l.operator_name == operator_name ? 1 : 0;
  return n;
}

void reply_dispatcher::queue(outgoing_sms m) {
  m.order = next_order_++;
  queues_[m.operator_name].push_back(std::move(m));
}

void reply_dispatcher::requeue(outgoing_sms m) {
  // Back in its place among the waiting replies (oldest first), ahead of later ones.
  auto& q = queues_[m.operator_name];
  auto at = std::find_if(q.begin(), q.end(), [&](const outgoing_sms& o) { return o.order > m.order; });
  q.insert(at, std::move(m));
}

void reply_dispatcher::refill(link& l, clock::time_point now) const {
  if (l.rate <= 0) return;
  // A burst of a fifth of a second's worth (at least one) keeps the pace smooth.
  const double burst = std::max(1.0, l.rate / 5);
  if (l.refilled == clock::time_point{}) {
    l.tokens = burst;
  } else if (now > l.refilled) {
    l.tokens = std::min(burst, l.tokens + std::chrono::duration<double>(now - l.refilled).count() * l.rate);
  }
  l.refilled = now;
}

std::optional<std::uint64_t> reply_dispatcher::pick(const outgoing_sms& m, std::size_t parts, clock::time_point now) {
  auto usable = [&](link& l) {
    if (!l.can_push || l.operator_name != m.operator_name) return false;
    if (l.in_flight + parts > options_.max_in_flight || now < l.paused_until) return false;
    refill(l, now);
    return l.rate <= 0 || l.tokens >= static_cast<double>(parts) || (l.tokens >= 1 && parts > l.rate);
  };
  std::optional<std::uint64_t> best, fallback;
  std::size_t best_load = 0;
  for (auto& [id, l] : links_) {
    if (!usable(l)) continue;
    if (id == m.avoid_link) {
      fallback = id;  // only when no other bind can take it
      continue;
    }
    if (!best || l.in_flight < best_load) {
      best = id;
      best_load = l.in_flight;
    }
  }
  return best ? best : fallback;
}

std::vector<reply_send> reply_dispatcher::take(const std::string& operator_name, clock::time_point now,
                                               std::vector<reply_outcome>& finished) {
  std::vector<reply_send> out;
  auto qit = queues_.find(operator_name);
  if (qit == queues_.end()) return out;
  auto& q = qit->second;
  auto at = q.begin();
  while (at != q.end()) {
    outgoing_sms& m = *at;
    if (now >= m.expires_at) {
      finished.push_back({m.tag, false, "expired before a bind of the operator could take it"});
      at = q.erase(at);
      continue;
    }
    if (now < m.not_before) {  // backing off after a failed send; those behind it may go
      ++at;
      continue;
    }
    // The reference of a long reply's UDH: any byte, distinct for consecutive replies. At
    // most as many parts as one bind takes at once, or the reply could never go. Encoded
    // once to learn how many parts it needs; while no bind can take it (paced, paused),
    // later calls pick by that count without encoding it again.
    const auto encode = [&] {
      return split_for_sms(m.text, static_cast<std::uint8_t>(next_token_ & 0xff),
                           std::min<std::size_t>(8, options_.max_in_flight));
    };
    const auto drop = [&] {
      finished.push_back({m.tag, false, "reply text cannot be encoded"});
      at = q.erase(at);
    };
    std::optional<sms_parts> parts;
    if (m.part_count == 0) {
      auto p = encode();
      if (!p) {
        drop();
        continue;
      }
      m.part_count = p->parts.size();
      parts = std::move(*p);
    }
    auto id = pick(m, m.part_count, now);
    if (!id) break;
    if (!parts) {
      auto p = encode();  // the same text: encodable, with this send's reference
      if (!p) {
        drop();
        continue;
      }
      parts = std::move(*p);
    }
    auto& l = links_[*id];
    l.in_flight += parts->parts.size();
    if (l.rate > 0) l.tokens = std::max(0.0, l.tokens - static_cast<double>(parts->parts.size()));
    const std::uint64_t token = next_token_++;
    sending_.emplace(token, sending{m, *id, parts->parts.size(), part_result::ok, now});
    out.push_back(reply_send{*id, token, std::move(m), std::move(*parts)});
    at = q.erase(at);
  }
  if (q.empty()) queues_.erase(qit);
  return out;
}

std::optional<std::string> reply_dispatcher::part_done(std::uint64_t token, part_result r, clock::time_point now,
                                                       std::vector<reply_outcome>& finished) {
  auto it = sending_.find(token);
  if (it == sending_.end()) return std::nullopt;
  auto& s = it->second;
  auto l = links_.find(s.link_id);
  if (l != links_.end()) {
    auto& link = l->second;
    if (link.in_flight > 0) --link.in_flight;
    // Only a PDU sent after the last pause was decided says something new about the
    // operator's pace; the others were in flight when it throttled and share that answer.
    const bool sent_since_pause = s.sent_at > link.pause_began;
    if (r == part_result::throttled) {
      ++throttled_;
      if (sent_since_pause) {
        // The operator asks us to slow down: pause this bind, longer while it keeps asking.
        link.pause = link.pause.count() == 0 ? options_.throttle_pause_initial
                                             : std::min(options_.throttle_pause_max, link.pause * 2);
        link.pause_began = now;
        link.paused_until = now + link.pause;
      }
    } else if (r == part_result::ok && sent_since_pause) {
      link.pause = std::chrono::milliseconds(0);
    }
  }
  if (rank(r) > rank(s.worst)) s.worst = r;
  if (--s.parts_left > 0) return s.sms.operator_name;
  outgoing_sms m = std::move(s.sms);
  const part_result worst = s.worst;
  const std::uint64_t link_id = s.link_id;
  sending_.erase(it);
  std::string op = m.operator_name;
  switch (worst) {
    case part_result::ok: finished.push_back({m.tag, true, {}}); break;
    case part_result::permanent: finished.push_back({m.tag, false, "refused by the operator"}); break;
    case part_result::throttled:
      // Later, not a failure: first in line again once a bind has pace.
      requeue(std::move(m));
      break;
    case part_result::timed_out:
    case part_result::transient:
      if (worst == part_result::timed_out) m.avoid_link = link_id;
      if (++m.attempts >= options_.max_attempts) {
        finished.push_back({m.tag, false, "gave up after " + std::to_string(m.attempts) + " failed sends"});
      } else if (now >= m.expires_at) {
        finished.push_back({m.tag, false, "expired"});
      } else {
        // A transient error waits (the same SMSC, a moment later); a bind that never answered
        // already took its response timer, and the reply goes to another bind at once.
        if (worst == part_result::transient) {
          auto wait = options_.retry_backoff_initial;
          for (int i = 1; i < m.attempts && wait < options_.retry_backoff_max; ++i) wait *= 2;
          m.not_before = now + std::min(wait, options_.retry_backoff_max);
        }
        requeue(std::move(m));
      }
      break;
  }
  return op;
}

void reply_dispatcher::expire(clock::time_point now, std::vector<reply_outcome>& finished) {
  for (auto it = queues_.begin(); it != queues_.end();) {
    auto& q = it->second;
    std::erase_if(q, [&](const outgoing_sms& m) {
      if (now < m.expires_at) return false;
      finished.push_back({m.tag, false, "expired before a bind of the operator could take it"});
      return true;
    });
    it = q.empty() ? queues_.erase(it) : std::next(it);
  }
}

std::vector<std::uint64_t> reply_dispatcher::abandon() {
  std::vector<std::uint64_t> tags;
  for (auto& [op, q] : queues_)
    for (auto& m : q) tags.push_back(m.tag);
  for (auto& [token, s] : sending_) tags.push_back(s.sms.tag);
  queues_.clear();
  sending_.clear();
  return tags;
}

std::optional<reply_dispatcher::clock::time_point> reply_dispatcher::next_wakeup() const {
  std::optional<clock::time_point> at;
  for (const auto& [op, q] : queues_) {
    if (q.empty()) continue;
    // The first reply not backing off. Most have never failed (not_before unset): the scan
    // stops at the first of those, so a long queue behind the pacer costs one look, not one
    // per queued reply on every MO (that was a tenth of an MO's instructions under load).
    clock::time_point due = clock::time_point::max();
    for (const auto& m : q) {
      due = std::min(due, m.not_before);
      if (m.not_before == clock::time_point{}) break;
    }
    for (const auto& [id, l] : links_) {
      if (!l.can_push || l.operator_name != op || l.in_flight >= options_.max_in_flight) continue;
      clock::time_point t = std::max(l.paused_until, due);
      if (l.rate > 0 && l.tokens < 1) {
        const auto need = std::chrono::duration<double>((1 - l.tokens) / l.rate);
        t = std::max(t, l.refilled + std::chrono::duration_cast<clock::duration>(need));
      }
      if (!at || t < *at) at = t;
    }
  }
  return at;
}

std::vector<std::string> reply_dispatcher::operators_waiting() const {
  std::vector<std::string> ops;
  for (const auto& [op, q] : queues_)
    if (!q.empty()) ops.push_back(op);
  return ops;
}

bool reply_dispatcher::can_send(const std::string& operator_name) const {
  for (const auto& [id, l] : links_)
    if (l.can_push && l.operator_name == operator_name) return true;
  return false;
}

std::vector<outgoing_sms> reply_dispatcher::take_queued(const std::string& operator_name) {
  std::vector<outgoing_sms> out;
  auto it = queues_.find(operator_name);
  if (it == queues_.end()) return out;
  out.assign(std::make_move_iterator(it->second.begin()), std::make_move_iterator(it->second.end()));
  queues_.erase(it);
  return out;
}

std::size_t reply_dispatcher::queued() const noexcept {
  std::size_t n = 0;
  for (const auto& [op, q] : queues_) n += q.size();
  return n;
}

}  // namespace lapor::sms
