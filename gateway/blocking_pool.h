// A few threads for blocking work that must stay off the Asio threads (writing uploaded
// photos to disk and fsyncing them). Bounded: when `queue_limit` jobs wait, try_post()
// refuses and the caller answers "busy" (HTTP 503 + Retry-After) instead of queueing.
// The destructor stops taking jobs, runs the ones already queued, and joins.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace lapor::gateway {

class blocking_pool {
 public:
  blocking_pool(std::string name, std::size_t threads, std::size_t queue_limit);
  ~blocking_pool();
  blocking_pool(const blocking_pool&) = delete;
  blocking_pool& operator=(const blocking_pool&) = delete;

  // Thread-safe. False (and `job` is not run) when the queue is full or the pool stopped.
  [[nodiscard]] bool try_post(std::function<void()> job);
  [[nodiscard]] std::size_t queued() const;
  void stop();

 private:
  void run();
  std::string name_;
  std::size_t queue_limit_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> jobs_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace lapor::gateway
