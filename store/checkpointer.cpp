#include "store/checkpointer.h"

#include <pthread.h>

#include <algorithm>
#include <climits>

#include <sqlite3.h>

namespace lapor::store {

checkpointer::checkpointer(const connection_options& co, int threshold_frames, int cap_frames)
    : co_(co),
      threshold_(threshold_frames > 0 ? threshold_frames : 1000),
      continuous_from_(cap_frames > 0 ? std::max(cap_frames - threshold_, threshold_) : INT_MAX) {
  db_ = std::make_unique<database>(co_);
  thread_ = std::thread([this] { run(); });
}

checkpointer::~checkpointer() { stop(); }

void checkpointer::stop() {
  std::call_once(stopped_, [this] {
    {
      std::lock_guard lk(mu_);
      stopping_ = true;
    }
    cv_.notify_all();
    done_cv_.notify_all();
    if (thread_.joinable()) thread_.join();
  });
}

void checkpointer::wal_grew(int frames) noexcept {
  int copied = copied_.load(std::memory_order_relaxed);
  if (frames < copied) {  // the WAL restarted from its start: none of its frames is copied
    copied = 0;
    copied_.store(0, std::memory_order_relaxed);
  }
  const bool due = frames - copied >= threshold_ || (frames >= continuous_from_ && frames > copied);
  if (!due || due_.load(std::memory_order_relaxed)) return;
  due_.store(true, std::memory_order_relaxed);
  {
    std::lock_guard lk(mu_);
    requested_ = true;
  }
  cv_.notify_one();
}

void checkpointer::wait_for_pass(std::chrono::milliseconds timeout) {
  std::unique_lock lk(mu_);
  if (stopping_) return;
  const std::uint64_t target = started_ + 1;  // the next pass to start
  requested_ = true;
  cv_.notify_one();
  done_cv_.wait_for(lk, timeout, [&] { return finished_ >= target || stopping_; });
}

std::uint64_t checkpointer::passes() const {
  std::lock_guard lk(mu_);
  return finished_;
}

std::string checkpointer::last_error() const {
  std::lock_guard lk(mu_);
  return last_error_;
}

void checkpointer::run() {
  ::pthread_setname_np(::pthread_self(), "lapor-ckpt");
  std::unique_lock lk(mu_);
  for (;;) {
    cv_.wait(lk, [&] { return requested_ || stopping_; });
    if (stopping_) return;
    requested_ = false;
    due_.store(false, std::memory_order_relaxed);
    ++started_;
    lk.unlock();
    checkpoint_once();
    lk.lock();
    ++finished_;
    done_cv_.notify_all();
  }
}

void checkpointer::checkpoint_once() {
  std::string error;
  try {
    if (!db_) db_ = std::make_unique<database>(co_);
    int log = 0, copied = 0;
    const int rc = sqlite3_wal_checkpoint_v2(db_->handle(), "main", SQLITE_CHECKPOINT_PASSIVE, &log, &copied);
    // BUSY: another checkpoint or a reader's snapshot; the next pass continues.
    copied_.store((rc == SQLITE_OK || rc == SQLITE_BUSY) && copied > 0 ? copied : 0, std::memory_order_relaxed);
    if (rc != SQLITE_OK && rc != SQLITE_BUSY) {
      error = "checkpoint: " + db_->error_text(rc);
      if (needs_reopen(rc)) db_.reset();
    }
  } catch (const std::exception& e) {
    error = e.what();
    copied_.store(0, std::memory_order_relaxed);
    db_.reset();
  }
  std::lock_guard lk(mu_);
  last_error_ = std::move(error);
}

}  // namespace lapor::store
