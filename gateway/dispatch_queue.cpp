#include "gateway/dispatch_queue.h"

#include <algorithm>
#include <limits>

#include "gateway/digest.h"

namespace lapor::gateway {

std::string idempotency_key_of(const store::outbox_item& item) {
  if (!item.tracking_id.empty()) return item.tracking_id;
  return "outbox-" + std::to_string(item.id);
}

std::string batch_idempotency_key(const std::vector<std::string>& keys) {
  if (keys.empty()) return "batch-";
  std::string all;
  for (const auto& k : keys) all.append(k).push_back('\n');
  std::string key = "batch-";
  key.append(keys.front()).append("-").append(keys.back()).append("-").append(sha256_hex(all).substr(0, 16));
  return key;
}

channel_kind channel_of_document(std::string_view json) noexcept {
  // {"schema":"lapor.complaint/v1","tracking_id":"LPR-…","channel":"sms",…}
  // Inside a JSON string a quote is escaped (\"), so `"channel"` followed by a colon can only
  // be a member name; the canonical document puts the top-level one before any nested object.
  constexpr std::string_view key = "\"channel\"";
  std::size_t pos = 0;
  while ((pos = json.find(key, pos)) != std::string_view::npos) {
    std::size_t p = pos + key.size();
    auto skip_ws = [&] {
      while (p < json.size() && (json[p] == ' ' || json[p] == '\t' || json[p] == '\n' || json[p] == '\r')) ++p;
    };
    skip_ws();
    if (p < json.size() && json[p] == ':') {
      ++p;
      skip_ws();
      if (p >= json.size() || json[p] != '"') return channel_kind::test;
      const std::size_t start = p + 1;
      const std::size_t end = json.find('"', start);
      if (end == std::string_view::npos || end - start > 16) return channel_kind::test;
      return parse_channel_kind(json.substr(start, end - start)).value_or(channel_kind::test);
    }
    pos = p;
  }
  return channel_kind::test;
}

std::vector<std::string> document_order_keys(std::string_view json) {
  std::vector<std::string> keys;
  if (!json.starts_with(R"({"schema":"lapor.)")) return keys;
  // The head: what precedes a carried complaint (whose own members come later), at most the
  // first 512 bytes (the schema and the IDs lead every lapor.* document).
  std::string_view head = json.substr(0, std::min(json.find(R"(,"complaint":)"), std::size_t{512}));
  for (const std::string_view member : {R"("tracking_id":")", R"("duplicate_of":")", R"("was_duplicate_of":")"}) {
    const auto at = head.find(member);
    if (at == std::string_view::npos) continue;
    const auto start = at + member.size();
    const auto end = head.find('"', start);
    if (end == std::string_view::npos || end == start) continue;
    keys.emplace_back(head.substr(start, end - start));
  }
  return keys;
}

std::string redact_url(std::string_view url) {
  std::string_view scheme;
  std::string_view rest = url;
  if (auto s = url.find("://"); s != std::string_view::npos) {
    scheme = url.substr(0, s + 3);
    rest = url.substr(s + 3);
  }
  if (auto q = rest.find_first_of("?#"); q != std::string_view::npos) rest = rest.substr(0, q);
  // userinfo ends at the last '@' before the path
  const auto slash = rest.find('/');
  const auto authority = rest.substr(0, slash);
  if (auto at = authority.rfind('@'); at != std::string_view::npos) rest = rest.substr(at + 1);
  return std::string(scheme) + std::string(rest);
}

dispatch_step next_step(delivery_outcome outcome, int attempts_before, const retry_policy& policy,
                        std::int64_t now_ms, long retry_after_s, double rnd01) noexcept {
  dispatch_step s;
  s.attempts = std::max(0, attempts_before) + 1;
  switch (outcome) {
    case delivery_outcome::delivered:
      s.what = dispatch_step::action::sent;
      return s;
    case delivery_outcome::dead:
      s.what = dispatch_step::action::dead;
      return s;
    case delivery_outcome::retry:
    case delivery_outcome::elsewhere:  // the forwarder hands it on; as a retry if it asks here
      break;
  }
  if (policy.max_attempts > 0 && s.attempts >= policy.max_attempts) {
    s.what = dispatch_step::action::dead;
    return s;
  }
  auto delay = backoff_delay(s.attempts, policy.initial, policy.max, rnd01);
  if (retry_after_s >= 0) {
    const auto asked = std::chrono::milliseconds(std::min(retry_after_s, max_retry_after_seconds) * 1000);
    delay = std::max(delay, asked);
  }
  s.what = dispatch_step::action::retry;
  s.next_attempt_ms = now_ms + delay.count();
  return s;
}

dispatch_queue::admit dispatch_queue::add(store::outbox_item item) {
  if (rows_.contains(item.id) || finishing_.contains(item.id)) return admit::known;
  if (rows_.size() >= max_resident_) return admit::full;
  const auto id = item.id;
  due_.emplace(item.next_attempt_ms, id);
  auto keys = document_order_keys(item.payload);
  for (const auto& k : keys) holders_[k].insert(id);
  rows_.emplace(id, row{std::move(item), false, 0, std::move(keys)});
  return admit::added;
}

bool dispatch_queue::held_back(const row& r) const {
  for (const auto& k : r.order_keys) {
    const auto h = holders_.find(k);
    if (h != holders_.end() && !h->second.empty() && *h->second.begin() < r.item.id) return true;
  }
  return false;
}

void dispatch_queue::release_keys(const row& r) {
  for (const auto& k : r.order_keys) {
    auto h = holders_.find(k);
    if (h == holders_.end()) continue;
    h->second.erase(r.item.id);
    if (h->second.empty()) holders_.erase(h);
  }
}

bool dispatch_queue::expedite(store::outbox_item fresh, std::int64_t now_ms) {
  auto it = rows_.find(fresh.id);
  if (it == rows_.end() || it->second.in_flight) return false;
  due_.erase({it->second.item.next_attempt_ms, fresh.id});
  fresh.next_attempt_ms = std::min(fresh.next_attempt_ms, now_ms);
  due_.emplace(fresh.next_attempt_ms, fresh.id);
  it->second.item = std::move(fresh);
  return true;
}

std::vector<std::int64_t> dispatch_queue::take_due(std::int64_t now_ms, std::size_t n) {
  std::vector<std::int64_t> out;
  for (auto it = due_.begin(); out.size() < n && it != due_.end() && it->first <= now_ms;) {
    auto& r = rows_.at(it->second);
    if (held_back(r)) {
      ++it;
      continue;
    }
    r.in_flight = true;
    out.push_back(it->second);
    it = due_.erase(it);
  }
  return out;
}

const store::outbox_item* dispatch_queue::find(std::int64_t id) const {
  auto it = rows_.find(id);
  return it == rows_.end() ? nullptr : &it->second.item;
}

void dispatch_queue::finish(std::int64_t id) {
  auto it = rows_.find(id);
  if (it == rows_.end()) return;
  if (!it->second.in_flight) due_.erase({it->second.item.next_attempt_ms, id});
  release_keys(it->second);
  rows_.erase(it);
  finishing_.insert(id);
}

void dispatch_queue::defer(std::int64_t id, int attempts, std::int64_t next_attempt_ms, std::string last_error,
                           std::int64_t not_before_ms) {
  auto it = rows_.find(id);
  if (it == rows_.end()) return;
  auto& r = it->second;
  if (!r.in_flight) due_.erase({r.item.next_attempt_ms, id});
  r.in_flight = false;
  r.not_before_ms = not_before_ms;
  r.item.attempts = attempts;
  r.item.next_attempt_ms = next_attempt_ms;
  r.item.last_error = std::move(last_error);
  due_.emplace(next_attempt_ms, id);
}

std::size_t dispatch_queue::pull_in(std::int64_t now_ms) {
  std::vector<std::pair<std::int64_t, std::int64_t>> moved;  // (new due, id)
  for (auto it = due_.upper_bound({now_ms, std::numeric_limits<std::int64_t>::max()}); it != due_.end();) {
    auto& r = rows_.at(it->second);
    const auto due = std::max(now_ms, r.not_before_ms);
    if (due < it->first) {
      moved.emplace_back(due, it->second);
      r.item.next_attempt_ms = due;
      it = due_.erase(it);
    } else {
      ++it;
    }
  }
  due_.insert(moved.begin(), moved.end());
  return moved.size();
}

std::optional<std::int64_t> dispatch_queue::next_due_ms() const {
  for (const auto& [due, id] : due_)
    if (!held_back(rows_.at(id))) return due;
  return std::nullopt;
}

bool dispatch_queue::in_flight(std::int64_t id) const {
  auto it = rows_.find(id);
  return it != rows_.end() && it->second.in_flight;
}

}  // namespace lapor::gateway
