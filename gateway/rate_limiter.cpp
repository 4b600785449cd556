#include "gateway/rate_limiter.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace lapor::gateway {

rate_limiter::rate_limiter(int per_minute, std::size_t max_keys)
    : per_minute_(std::max(per_minute, 0)), max_keys_(std::max<std::size_t>(max_keys, 1)) {}

void rate_limiter::refill(bucket& b, time_point now) const {
  if (now <= b.updated) return;
  const double elapsed = std::chrono::duration<double>(now - b.updated).count();
  b.tokens = std::min<double>(per_minute_, b.tokens + elapsed * per_minute_ / 60.0);
  b.updated = now;
}

void rate_limiter::evict(time_point now) {
  // First the buckets that are full again (their clients have been quiet long enough).
  for (auto it = buckets_.begin(); it != buckets_.end();) {
    refill(it->second, now);
    if (it->second.tokens >= per_minute_) it = buckets_.erase(it);
    else ++it;
  }
  if (buckets_.size() < max_keys_) return;
  // Still full of active clients: forget the least recently seen half.
  std::vector<std::pair<time_point, std::string>> by_age;
  by_age.reserve(buckets_.size());
  for (const auto& [k, b] : buckets_) by_age.emplace_back(b.updated, k);
  auto half = by_age.begin() + static_cast<std::ptrdiff_t>(by_age.size() / 2);
  std::nth_element(by_age.begin(), half, by_age.end());
  for (auto it = by_age.begin(); it != half; ++it) buckets_.erase(it->second);
}

rate_limiter::decision rate_limiter::take(std::string_view key, time_point now) {
  std::lock_guard lock(mutex_);
  if (per_minute_ == 0) return {};
  auto it = buckets_.find(std::string(key));
  if (it == buckets_.end()) {
    if (buckets_.size() >= max_keys_) evict(now);
    it = buckets_.emplace(std::string(key), bucket{static_cast<double>(per_minute_), now}).first;
  }
  bucket& b = it->second;
  refill(b, now);
  if (b.tokens >= 1.0) {
    b.tokens -= 1.0;
    return {};
  }
  const double wait_s = (1.0 - b.tokens) * 60.0 / per_minute_;
  return {false, std::chrono::seconds(std::max<long long>(1, static_cast<long long>(std::ceil(wait_s))))};
}

void rate_limiter::give_back(std::string_view key) {
  std::lock_guard lock(mutex_);
  if (per_minute_ == 0) return;
  auto it = buckets_.find(std::string(key));
  if (it == buckets_.end()) return;
  it->second.tokens = std::min(it->second.tokens + 1.0, static_cast<double>(per_minute_));
}

http_responder giving_back_on_422(http_responder inner, rate_limiter& limiter, std::string key) {
  return [inner = std::move(inner), &limiter, key = std::move(key)](http_response r) {
    if (r.status == 422) limiter.give_back(key);
    inner(std::move(r));
  };
}

bool rate_limiter::enabled() const {
  std::lock_guard lock(mutex_);
  return per_minute_ > 0;
}

void rate_limiter::set_per_minute(int per_minute) {
  std::lock_guard lock(mutex_);
  per_minute_ = std::max(per_minute, 0);
}

std::size_t rate_limiter::tracked() const {
  std::lock_guard lock(mutex_);
  return buckets_.size();
}

}  // namespace lapor::gateway
