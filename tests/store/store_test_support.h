// Helpers shared by the store tests: unique temporary databases, rows, and synchronous
// wrappers around the writer's completions.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <future>
#include <mutex>
#include <random>
#include <string>
#include <utility>

#include <unistd.h>

#include "store/store.h"

namespace lapor::store::testing {

// A fresh directory per instance (pid + counter + random), removed at the end.
class temp_db {
 public:
  temp_db() {
    static std::atomic<int> counter{0};
    std::random_device rd;
    dir_ = std::filesystem::temp_directory_path() /
           ("lapor-store-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++) + "-" +
            std::to_string(rd()));
    std::filesystem::create_directories(dir_);
    path_ = (dir_ / "lapor.db").string();
  }
  ~temp_db() {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  temp_db(const temp_db&) = delete;
  temp_db& operator=(const temp_db&) = delete;

  [[nodiscard]] const std::string& path() const { return path_; }
  [[nodiscard]] options opts() const {
    options o;
    o.path = path_;
    return o;
  }

 private:
  std::filesystem::path dir_;
  std::string path_;
};

inline std::int64_t row_id(std::uint8_t node, std::uint32_t seq) {
  return (static_cast<std::int64_t>(node) << 32) | seq;
}

inline complaint_row make_row(std::int64_t id, std::string key = {}, std::string fingerprint = {}) {
  complaint_row r;
  r.id = id;
  r.tracking_id = "LPR-T" + std::to_string(id);
  r.channel = "web";
  r.idempotency_key = std::move(key);
  r.request_fingerprint = std::move(fingerprint);
  r.received_at_ms = 1'700'000'000'000 + id;
  r.document = R"({"schema":"lapor.complaint/v1","n":)" + std::to_string(id) + "}";
  r.status_meta = R"({"kind":"complaint"})";
  return r;
}

inline write_result insert_sync(group_writer& w, complaint_row row) {
  std::promise<write_result> p;
  auto f = p.get_future();
  w.insert_complaint(std::move(row), [&p](write_result r) { p.set_value(std::move(r)); });
  return f.get();
}

struct done_result {
  bool ok = false;
  std::string error;
};

// Calls `start(done)` and waits for the done callback.
template <class Start>
done_result wait_done(Start&& start) {
  std::promise<done_result> p;
  auto f = p.get_future();
  start([&p](bool ok, std::string error) { p.set_value(done_result{ok, std::move(error)}); });
  return f.get();
}

// Holds the writer thread before it applies its first group, until released: requests
// submitted meanwhile queue up and form the next group, deterministically.
// Install with `o.before_apply = gate.hook();` (the gate must outlive the writer).
class writer_gate {
 public:
  std::function<void(std::size_t)> hook() {
    return [this](std::size_t) { hold(); };
  }
  // Blocks on the first call only.
  void hold() {
    std::unique_lock lk(m_);
    if (released_) return;
    entered_ = true;
    cv_.notify_all();
    cv_.wait(lk, [&] { return released_; });
  }
  void wait_entered() {
    std::unique_lock lk(m_);
    cv_.wait(lk, [&] { return entered_; });
  }
  void release() {
    std::lock_guard lk(m_);
    released_ = true;
    cv_.notify_all();
  }

 private:
  std::mutex m_;
  std::condition_variable cv_;
  bool entered_ = false, released_ = false;
};

}  // namespace lapor::store::testing
