#include "channels/sms/reply_queue.h"

namespace lapor::sms {

bool reply_queue::push(outgoing_sms m, clock::time_point now) {
  if (size_ >= options_.max_items) {
    ++dropped_;
    return false;
  }
  if (m.queued_at == clock::time_point{}) m.queued_at = now;
  by_operator_[m.operator_name].push_back(std::move(m));
  ++size_;
  return true;
}

bool reply_queue::retry(outgoing_sms m, clock::time_point now) {
  ++m.attempts;
  if (m.attempts >= options_.max_attempts || expired(m, now) || size_ >= options_.max_items) {
    ++dropped_;
    return false;
  }
  by_operator_[m.operator_name].push_front(std::move(m));
  ++size_;
  return true;
}

void reply_queue::unpop(outgoing_sms m) {
  by_operator_[m.operator_name].push_front(std::move(m));
  ++size_;
}

std::optional<outgoing_sms> reply_queue::pop(const std::string& operator_name, clock::time_point now) {
  auto it = by_operator_.find(operator_name);
  if (it == by_operator_.end()) return std::nullopt;
  auto& q = it->second;
  std::optional<outgoing_sms> out;
  while (!q.empty() && !out) {
    outgoing_sms m = std::move(q.front());
    q.pop_front();
    --size_;
    if (expired(m, now)) {
      ++dropped_;
    } else {
      out = std::move(m);
    }
  }
  if (q.empty()) by_operator_.erase(it);
  return out;
}

std::size_t reply_queue::expire(clock::time_point now) {
  std::size_t n = 0;
  for (auto it = by_operator_.begin(); it != by_operator_.end();) {
    auto& q = it->second;
    for (auto m = q.begin(); m != q.end();) {
      if (expired(*m, now)) {
        m = q.erase(m);
        ++n;
      } else {
        ++m;
      }
    }
    it = q.empty() ? by_operator_.erase(it) : std::next(it);
  }
  size_ -= n;
  dropped_ += n;
  return n;
}

std::size_t reply_queue::size(const std::string& operator_name) const {
  auto it = by_operator_.find(operator_name);
  return it == by_operator_.end() ? 0 : it->second.size();
}

}  // namespace lapor::sms
