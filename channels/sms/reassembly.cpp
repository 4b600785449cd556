#include "channels/sms/reassembly.h"

namespace lapor::sms {

std::vector<std::uint8_t> assembled_message::missing() const {
  std::vector<std::uint8_t> out;
  std::size_t i = 0;
  for (unsigned seq = 1; seq <= key.total; ++seq) {
    if (i < segments.size() && segments[i].seq == seq) {
      ++i;
    } else {
      out.push_back(static_cast<std::uint8_t>(seq));
    }
  }
  return out;
}

reassembler::reassembler(reassembly_options options) : options_(options) {
  if (options_.max_groups == 0) options_.max_groups = 1;
}

assembled_message reassembler::close(group_map::iterator it, bool complete) {
  assembled_message m;
  m.key = it->first;
  m.complete = complete;
  m.first_seen = it->second.since.first;
  m.segments.reserve(it->second.parts.size());
  for (auto& [seq, seg] : it->second.parts) {
    bytes_ -= seg.payload.size();
    m.segments.push_back(std::move(seg));
  }
  by_age_.erase(it->second.since);
  groups_.erase(it);
  return m;
}

const segment* reassembler::held(const group_key& key, std::uint8_t seq) const {
  auto it = groups_.find(key);
  if (it == groups_.end()) return nullptr;
  auto p = it->second.parts.find(seq);
  return p == it->second.parts.end() ? nullptr : &p->second;
}

std::optional<assembled_message> reassembler::close_now(const group_key& key) {
  auto it = groups_.find(key);
  if (it == groups_.end()) return std::nullopt;
  return close(it, false);
}

reassembler::add_result reassembler::add(part p, reassembly_clock::time_point now) {
  add_result r;
  const std::uint8_t total = p.key.total;
  const std::uint8_t seq = p.seg.seq;
  if (total == 0) {
    r.result = outcome::rejected;
    r.reason = "total number of parts is 0";
    return r;
  }
  if (seq == 0 || seq > total) {
    r.result = outcome::rejected;
    r.reason = "part number is 0 or above the total";
    return r;
  }
  const std::size_t size = p.seg.payload.size();
  if (size > options_.max_bytes) {
    r.result = outcome::rejected;
    r.reason = "part larger than the reassembly budget";
    return r;
  }

  auto it = groups_.find(p.key);
  if (it != groups_.end() && it->second.parts.count(seq) != 0) {
    r.result = outcome::duplicate;
    return r;
  }

  // Make room: evict the oldest other groups (as incomplete messages) until both bounds hold.
  const bool new_group = it == groups_.end();
  while (!by_age_.empty() &&
         ((new_group && groups_.size() + 1 > options_.max_groups) || bytes_ + size > options_.max_bytes)) {
    auto victim = groups_.find(by_age_.begin()->second);
    if (victim == it) {
      // Our own group is the oldest: evict the next one, or give up when it is alone.
      auto next = std::next(by_age_.begin());
      if (next == by_age_.end()) break;
      victim = groups_.find(next->second);
    }
    r.evicted.push_back(close(victim, false));
  }
  if (bytes_ + size > options_.max_bytes && it != groups_.end()) {
    // The message itself outgrew the budget: hand back what it has, then keep this part
    // in a fresh group so nothing is lost.
    r.evicted.push_back(close(it, false));
    it = groups_.end();
  }

  if (it == groups_.end()) {
    const age since{now, next_order_++};
    it = groups_.emplace(p.key, group{{}, since}).first;
    by_age_.emplace(since, p.key);
  }
  bytes_ += size;
  it->second.parts.emplace(seq, std::move(p.seg));
  if (it->second.parts.size() == total) {
    r.result = outcome::completed;
    r.message = close(it, true);
  } else {
    r.result = outcome::stored;
  }
  return r;
}

std::vector<assembled_message> reassembler::expire(reassembly_clock::time_point now) {
  std::vector<assembled_message> out;
  while (!by_age_.empty() && now - by_age_.begin()->first.first >= options_.timeout) {
    out.push_back(close(groups_.find(by_age_.begin()->second), false));
  }
  return out;
}

std::vector<assembled_message> reassembler::drain() {
  std::vector<assembled_message> out;
  while (!by_age_.empty()) out.push_back(close(groups_.find(by_age_.begin()->second), false));
  return out;
}

std::optional<reassembly_clock::time_point> reassembler::next_deadline() const {
  if (by_age_.empty()) return std::nullopt;
  return by_age_.begin()->first.first + options_.timeout;
}

}  // namespace lapor::sms
