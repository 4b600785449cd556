// The promises (store.h: promised_message) made within a window, as 64-bit keys of
// (answered tracking ID, recipient), so that a retry or a merged duplicate never promises the
// same recipient a second message. In memory (the writer's thread only), rebuilt at open from
// outbox.promise_key: an index on random keys would cost every commit (NOTES.md).
#pragma once

#include <cstdint>
#include <deque>
#include <string_view>
#include <unordered_set>
#include <utility>

namespace lapor::store {

class promise_index {
 public:
  [[nodiscard]] static std::uint64_t key(std::string_view answered_id, std::string_view recipient) noexcept;

  [[nodiscard]] bool contains(std::uint64_t k) const { return keys_.count(k) != 0; }
  // Keys arrive in created order (at open: ordered by outbox id).
  void insert(std::uint64_t k, std::int64_t created_ms);
  // Forgets keys created before `before_ms`.
  void expire(std::int64_t before_ms);
  void clear() {
    keys_.clear();
    order_.clear();
  }
  [[nodiscard]] std::size_t size() const noexcept { return keys_.size(); }

 private:
  std::unordered_set<std::uint64_t> keys_;
  std::deque<std::pair<std::int64_t, std::uint64_t>> order_;  // created_ms, key
};

}  // namespace lapor::store
