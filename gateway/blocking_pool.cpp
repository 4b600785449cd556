#include "gateway/blocking_pool.h"

#include <exception>

#include "gateway/log.h"

namespace lapor::gateway {

blocking_pool::blocking_pool(std::string name, std::size_t threads, std::size_t queue_limit)
    : name_(std::move(name)), queue_limit_(queue_limit) {
  if (threads == 0) threads = 1;
  for (std::size_t i = 0; i < threads; ++i) threads_.emplace_back([this] { run(); });
}

blocking_pool::~blocking_pool() { stop(); }

void blocking_pool::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  for (auto& t : threads_)
    if (t.joinable()) t.join();
}

bool blocking_pool::try_post(std::function<void()> job) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_ || jobs_.size() >= queue_limit_) return false;
    jobs_.push_back(std::move(job));
  }
  wake_.notify_one();
  return true;
}

std::size_t blocking_pool::queued() const {
  std::lock_guard lock(mutex_);
  return jobs_.size();
}

void blocking_pool::run() {
  for (;;) {
    std::function<void()> job;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
      if (jobs_.empty()) return;  // stopping and drained
      job = std::move(jobs_.front());
      jobs_.pop_front();
    }
    try {
      job();
    } catch (const std::exception& e) {
      log::error("blocking_job_exception", {{"pool", name_}, {"what", e.what()}});
    }
  }
}

}  // namespace lapor::gateway
