// Process-wide counters and histograms, rendered as Prometheus text by the admin listener.
// Thread-safe: plain atomics, no locks on the hot path. Labels never carry PII.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>

#include "gateway/complaint.h"

namespace lapor::gateway {

enum class counter {
  received,       // complaints stored (new)
  duplicates,     // retries and cross-channel duplicates answered with an existing ID
  rejected,       // bad input, nothing stored
  throttled,      // refused under overload
  forwarded,      // confirmed by the dispatcher
  retried,        // dispatcher attempts that will be retried
  dead_lettered,  // permanently refused by the dispatcher
  related,        // stored as new, marked related to another reporter's near-identical complaint
  auto_replies,   // taken for an automatic answer to our reply SMS: stored and forwarded, not answered
  possible_duplicates,  // stored as new with possible_duplicates hints for the verifier
  count_
};

// Fixed-bucket latency histogram (seconds in the exposition).
class latency_histogram {
 public:
  static constexpr std::array<double, 14> bounds_seconds{
      0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0};
  void observe(std::chrono::microseconds d) noexcept;
  void render(std::string& out, const std::string& name, const std::string& help) const;

 private:
  std::array<std::atomic<std::uint64_t>, bounds_seconds.size() + 1> buckets_{};
  std::atomic<std::uint64_t> count_{0};
  std::atomic<std::uint64_t> sum_us_{0};
};

class metrics {
 public:
  static constexpr std::size_t channels = 5;  // channel_kind values

  void add(counter c, channel_kind ch, std::uint64_t n = 1) noexcept {
    counters_[static_cast<std::size_t>(c)][static_cast<std::size_t>(ch)].fetch_add(n, std::memory_order_relaxed);
  }
  [[nodiscard]] std::uint64_t get(counter c, channel_kind ch) const noexcept {
    return counters_[static_cast<std::size_t>(c)][static_cast<std::size_t>(ch)].load(std::memory_order_relaxed);
  }

  latency_histogram commit_latency;    // BEGIN…COMMIT of one group
  latency_histogram ack_latency;       // submission handed to the core -> acknowledgement
  std::atomic<std::uint64_t> commit_groups{0};
  std::atomic<std::uint64_t> commit_rows{0};
  std::atomic<std::uint64_t> commit_failures{0};
  std::atomic<std::uint64_t> store_refusals{0};  // requests of failed groups: refused, never acknowledged
  std::atomic<std::int64_t> outbox_pending{0};
  std::atomic<std::int64_t> outbox_dead{0};
  std::atomic<std::int64_t> outbox_oldest_pending_ms{0};
  std::atomic<std::int64_t> store_queue_depth{0};
  // Complaints by the depth of their resolved region: [0] none, then by region::level (1 province … 4 village).
  std::array<std::atomic<std::uint64_t>, 5> region_resolutions{};

  // Free-form gauges (e.g. smpp_binds{operator="telkomsel"}); set rarely, not on the hot path.
  void set_gauge(const std::string& name, std::int64_t v);

  [[nodiscard]] std::string render_prometheus() const;

 private:
  std::array<std::array<std::atomic<std::uint64_t>, channels>, static_cast<std::size_t>(counter::count_)> counters_{};
  mutable std::mutex gauges_mutex_;
  std::map<std::string, std::int64_t> gauges_;
};

}  // namespace lapor::gateway
