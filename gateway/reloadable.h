// A value that a reload replaces while other threads read it: readers take a shared_ptr to
// the current value (cheap, under a short lock) and keep using it for as long as they hold
// it, so a request that began with the old value finishes with it. Thread-safe.
#pragma once

#include <memory>
#include <mutex>
#include <utility>

namespace lapor::gateway {

template <class T>
class reloadable {
 public:
  explicit reloadable(T initial) : current_(std::make_shared<const T>(std::move(initial))) {}

  [[nodiscard]] std::shared_ptr<const T> get() const {
    std::lock_guard lock(mutex_);
    return current_;
  }
  void set(T next) {
    auto fresh = std::make_shared<const T>(std::move(next));
    std::lock_guard lock(mutex_);
    current_.swap(fresh);  // the old value is released outside the lock, by `fresh`
  }

 private:
  mutable std::mutex mutex_;
  std::shared_ptr<const T> current_;
};

}  // namespace lapor::gateway
