// Per-client submission rate limiting (a token bucket per key, e.g. the client IP).
//
// Each key may burst up to `per_minute` submissions and then earns one back every
// 60/per_minute seconds. take() says whether this submission may go ahead and, when not,
// after how many whole seconds the next one would (the HTTP Retry-After). Memory is bounded:
// beyond `max_keys` tracked clients the idle (full) buckets are forgotten first, and if none
// are idle the oldest ones are. Thread-safe; the clock is the caller's, so tests are exact.
#pragma once

#include <chrono>
#include <cstddef>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "gateway/http_types.h"

namespace lapor::gateway {

class rate_limiter {
 public:
  using time_point = std::chrono::steady_clock::time_point;

  struct decision {
    bool allowed = true;
    std::chrono::seconds retry_after{0};  // set when not allowed; at least 1 s
  };

  // per_minute == 0 turns limiting off (every take() is allowed).
  explicit rate_limiter(int per_minute, std::size_t max_keys = 100000);

  [[nodiscard]] decision take(std::string_view key, time_point now);
  [[nodiscard]] decision take(std::string_view key) { return take(key, std::chrono::steady_clock::now()); }
  // Gives back the token a take() for `key` used (at most up to the burst): for a submission
  // that was refused for a field to correct (nothing stored), so that a citizen fixing a typo
  // in the form is not locked out of sending it (a shared NAT address makes that likely).
  void give_back(std::string_view key);
  [[nodiscard]] std::size_t tracked() const;
  [[nodiscard]] bool enabled() const;
  // A reload: from the next take() on, buckets fill up to and earn at the new rate (a bucket
  // fuller than the new burst is cut down to it); 0 turns limiting off.
  void set_per_minute(int per_minute);

 private:
  struct bucket {
    double tokens = 0;
    time_point updated{};
  };
  void refill(bucket& b, time_point now) const;
  void evict(time_point now);

  int per_minute_;  // guarded by mutex_ (a reload changes it)
  std::size_t max_keys_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, bucket> buckets_;
};

// `inner`, giving `key`'s token back to `limiter` when the answer is 422 (see give_back()).
[[nodiscard]] http_responder giving_back_on_422(http_responder inner, rate_limiter& limiter, std::string key);

}  // namespace lapor::gateway
