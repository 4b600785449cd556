// read_pool: one reader thread running queued queries on the pool's read-only connection.
//
// WAL lets this connection read the last committed state while the writer commits, so a
// slow admin listing never delays an acknowledgement, and Asio threads never touch SQLite.
// The *_now variants run on the caller's thread; one mutex serialises every use of the
// connection. A callback runs without that mutex held, so it may call a *_now method.
#include <pthread.h>

#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include "store/reader.h"
#include "store/store.h"

namespace lapor::store {

struct read_pool::impl {
  explicit impl(const options& opts) : queries(make_reader(opts)) {}

  // Runs `job` on the reader thread, or here when the pool has stopped.
  void post(std::function<void()> job) {
    {
      std::lock_guard lk(mu);
      if (!stopping) {
        jobs.push_back(std::move(job));
        cv.notify_one();
        return;
      }
    }
    job();
  }

  void run() {
    std::vector<std::function<void()>> batch;
    ::pthread_setname_np(::pthread_self(), "lapor-reader");
    for (;;) {
      {
        std::unique_lock lk(mu);
        cv.wait(lk, [&] { return !jobs.empty() || stopping; });
        if (jobs.empty()) return;  // stopping and drained
        batch.swap(jobs);
      }
      for (auto& job : batch) {
        try {
          job();
        } catch (...) {
          // A throwing callback must not end the reader thread.
        }
      }
      batch.clear();
    }
  }

  // Runs a query under the connection mutex and returns its answer.
  template <class F>
  auto query(F&& f) {
    std::lock_guard lk(db_mu);
    return f(*queries);
  }

  std::mutex db_mu;
  std::unique_ptr<reader> queries;

  std::mutex mu;
  std::condition_variable cv;
  std::vector<std::function<void()>> jobs;
  bool stopping = false;
  std::thread thread;
  std::once_flag stopped;
};

namespace {

options sqlite_at(std::string path) {
  options o;
  o.path = std::move(path);
  return o;
}

}  // namespace

read_pool::read_pool(std::string path) : read_pool(sqlite_at(std::move(path))) {}

read_pool::read_pool(const options& opts) : impl_(std::make_unique<impl>(opts)) {
  impl_->thread = std::thread([this] { impl_->run(); });
}

std::uint64_t read_pool::claims_taken_over() const noexcept { return impl_->queries->claims_taken_over(); }

read_pool::~read_pool() { stop(); }

void read_pool::stop() {
  std::call_once(impl_->stopped, [this] {
    {
      std::lock_guard lk(impl_->mu);
      impl_->stopping = true;
    }
    impl_->cv.notify_one();
    if (impl_->thread.joinable()) impl_->thread.join();
  });
}

void read_pool::find_complaint(std::int64_t id, std::function<void(std::optional<complaint_summary>)> cb) {
  impl_->post([m = impl_.get(), id, cb = std::move(cb)] {
    cb(m->query([&](reader& q) { return q.find_complaint(id); }));
  });
}

void read_pool::find_by_idempotency_key(std::string key, std::function<void(std::optional<complaint_summary>)> cb) {
  impl_->post([m = impl_.get(), key = std::move(key), cb = std::move(cb)] {
    cb(m->query([&](reader& q) { return q.find_by_idempotency_key(key); }));
  });
}

void read_pool::list_outbox(std::optional<outbox_state> state, std::int64_t after_id, int limit,
                            std::function<void(std::vector<outbox_item>)> cb) {
  impl_->post([m = impl_.get(), state, after_id, limit, cb = std::move(cb)] {
    cb(m->query([&](reader& q) { return q.list_outbox(state, after_id, limit); }));
  });
}

void read_pool::pending_outbox(std::string destination, std::int64_t after_id, int limit,
                               std::function<void(std::vector<outbox_item>)> cb) {
  impl_->post([m = impl_.get(), destination = std::move(destination), after_id, limit, cb = std::move(cb)] {
    cb(m->query([&](reader& q) { return q.pending_outbox(destination, after_id, limit); }));
  });
}

void read_pool::counts(std::function<void(outbox_counts)> cb) {
  impl_->post([m = impl_.get(), cb = std::move(cb)] { cb(m->query([](reader& q) { return q.counts(); })); });
}

void read_pool::take_over_parts(std::int64_t done_since_ms, std::function<void(std::vector<stored_part>)> cb) {
  impl_->post([m = impl_.get(), done_since_ms, cb = std::move(cb)] {
    cb(m->query([&](reader& q) { return q.take_over_parts(done_since_ms); }));
  });
}

void read_pool::get_cursor(std::string name, std::function<void(std::optional<std::string>)> cb) {
  impl_->post([m = impl_.get(), name = std::move(name), cb = std::move(cb)] {
    cb(m->query([&](reader& q) { return q.get_cursor(name); }));
  });
}

std::vector<outbox_item> read_pool::take_over_outbox_now(const std::string& destination, std::int64_t after_id,
                                                        int limit) {
  return impl_->query([&](reader& q) { return q.take_over_outbox(destination, after_id, limit); });
}

std::vector<outbox_item> read_pool::pending_outbox_now(const std::string& destination, std::int64_t after_id,
                                                       int limit) {
  return impl_->query([&](reader& q) { return q.pending_outbox(destination, after_id, limit); });
}

outbox_counts read_pool::counts_now() {
  return impl_->query([](reader& q) { return q.counts(); });
}

std::optional<complaint_summary> read_pool::find_complaint_now(std::int64_t id) {
  return impl_->query([&](reader& q) { return q.find_complaint(id); });
}

std::optional<std::string> read_pool::get_cursor_now(const std::string& name) {
  return impl_->query([&](reader& q) { return q.get_cursor(name); });
}

}  // namespace lapor::store
