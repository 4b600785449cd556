#include "store/promise_index.h"

namespace lapor::store {

std::uint64_t promise_index::key(std::string_view answered_id, std::string_view recipient) noexcept {
  // FNV-1a, 64 bits, over both strings with a separator: collisions only suppress one promise
  // in ~2^64 / n, and 0 is kept for "no key".
  std::uint64_t h = 1469598103934665603ULL;
  auto mix = [&h](std::string_view s) {
    for (const unsigned char c : s) {
      h ^= c;
      h *= 1099511628211ULL;
    }
  };
  mix(answered_id);
  mix(std::string_view("\x1f", 1));
  mix(recipient);
  return h == 0 ? 1 : h;
}

void promise_index::insert(std::uint64_t k, std::int64_t created_ms) {
  if (keys_.insert(k).second) order_.emplace_back(created_ms, k);
}

void promise_index::expire(std::int64_t before_ms) {
  while (!order_.empty() && order_.front().first < before_ms) {
    keys_.erase(order_.front().second);
    order_.pop_front();
  }
}

}  // namespace lapor::store
