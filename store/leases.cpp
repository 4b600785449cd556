#include "store/leases.h"

#include <pthread.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <set>
#include <thread>
#include <utility>

#include "store/pg_connection.h"
#include "store/pg_leases.h"

namespace lapor::store {

struct leases::impl {
  using clock = std::chrono::steady_clock;
  struct entry {
    std::optional<std::int64_t> token;
    clock::time_point valid_until{};
  };

  explicit impl(const options& o) : opts(o), cluster(o.backend == backend_kind::postgres) {}

  void run() {
    ::pthread_setname_np(::pthread_self(), "lapor-leases");
    pg::connection c(opts.postgres_conninfo);
    const auto period = std::chrono::milliseconds(std::max<std::int64_t>(200, opts.lease_ttl_ms / 3));
    const std::string node = pg::node_lease_name(opts.node_id);
    {
      std::lock_guard lk(mu);
      table[node];  // renewed first, every round
    }
    std::unique_lock lk(mu);
    while (!stopping) {
      std::vector<std::string> names;
      for (auto& [n, e] : table) names.push_back(n);
      auto released = std::exchange(to_release, {});
      lk.unlock();
      std::string error;
      if (!c.connected()) (void)c.connect(error);
      for (const auto& n : released)
        if (c.connected()) pg::release(c, n, opts.instance_id);
      for (const auto& n : names) {
        const auto asked = clock::now();
        std::optional<std::int64_t> token;
        if (c.connected()) {
          error.clear();
          token = pg::acquire_or_renew(c, n, opts.instance_id, opts.lease_ttl_ms, error);
          if (!error.empty()) c.close();
        } else if (error.empty()) {
          error = "not connected";
        }
        // An error says nothing about who holds the lease: only a statement that ran and
        // matched no row means another live holder has it.
        std::function<void()> lost;
        {
          std::lock_guard g(mu);
          auto it = table.find(n);
          if (it == table.end()) continue;  // given back meanwhile: its renewal just expires
          entry& e = it->second;
          if (token) {
            e.token = token;
            e.valid_until = asked + std::chrono::milliseconds(opts.lease_ttl_ms * 2 / 3);
          } else if (error.empty()) {
            // Another live holder: not ours (any more).
            if (n == node && e.token && !lost_called) {
              lost_called = true;
              lost = on_lost;
            }
            e.token.reset();
          }
          // On an error the entry keeps its token until valid_until passes (held() checks).
        }
        if (lost) lost();
      }
      if (c.connected()) {
        // What the other nodes hold now (a few rows: node leases, pollers, binds).
        pg::params p;
        p.add(opts.instance_id);
        auto r = c.exec("SELECT name FROM leases WHERE expires_at >= clock_timestamp() AND holder <> $1", p);
        if (r.ok()) {
          std::set<std::string, std::less<>> names_now;
          for (int i = 0; i < r.rows(); ++i) names_now.emplace(r.text(i, 0));
          std::lock_guard g(mu);
          others = std::move(names_now);
        }
      }
      lk.lock();
      cv.wait_for(lk, period, [&] { return stopping || wake; });
      wake = false;
    }
    lk.unlock();
    if (c.connected()) pg::release_all(c, opts.instance_id);
  }

  options opts;
  bool cluster;
  mutable std::mutex mu;
  std::condition_variable cv;
  std::map<std::string, entry> table;
  std::set<std::string, std::less<>> others;  // live leases of other holders, last round
  std::function<void()> on_lost;
  bool lost_called = false;
  bool stopping = false;
  bool wake = false;  // want() added a name: go round now
  std::vector<std::string> to_release;  // given back, expired in the database next round
  std::thread thread;
  std::once_flag stopped;
};

leases::leases(const options& opts) : impl_(std::make_unique<impl>(opts)) {
  if (impl_->cluster) impl_->thread = std::thread([m = impl_.get()] { m->run(); });
}

leases::~leases() { stop(); }

void leases::want(const std::string& name) {
  if (!impl_->cluster) return;
  bool added = false;
  {
    std::lock_guard lk(impl_->mu);
    added = impl_->table.try_emplace(name).second;
    impl_->wake = impl_->wake || added;
  }
  if (added) impl_->cv.notify_one();  // renew-or-take it now rather than after a period
}

void leases::release(const std::string& name) {
  if (!impl_->cluster) return;
  {
    std::lock_guard lk(impl_->mu);
    auto it = impl_->table.find(name);
    if (it == impl_->table.end()) return;
    const bool was_held = it->second.token.has_value();
    impl_->table.erase(it);
    if (was_held) impl_->to_release.push_back(name);
    impl_->wake = true;
  }
  impl_->cv.notify_one();
}

std::optional<std::int64_t> leases::held(const std::string& name) const {
  if (!impl_->cluster) return 1;
  std::lock_guard lk(impl_->mu);
  auto it = impl_->table.find(name);
  if (it == impl_->table.end() || !it->second.token) return std::nullopt;
  if (impl::clock::now() >= it->second.valid_until) return std::nullopt;
  return it->second.token;
}

std::string leases::own_name(const std::string& name) const { return name + ":" + std::to_string(impl_->opts.node_id); }

bool leases::others_hold(std::string_view prefix) const {
  if (!impl_->cluster) return false;
  std::lock_guard lk(impl_->mu);
  auto it = impl_->others.lower_bound(prefix);
  return it != impl_->others.end() && std::string_view(*it).starts_with(prefix);
}

void leases::on_node_lease_lost(std::function<void()> f) {
  std::lock_guard lk(impl_->mu);
  impl_->on_lost = std::move(f);
}

std::string leases::node_lease_name(std::uint8_t node_id) { return pg::node_lease_name(node_id); }

void leases::stop() {
  std::call_once(impl_->stopped, [this] {
    {
      std::lock_guard lk(impl_->mu);
      impl_->stopping = true;
    }
    impl_->cv.notify_one();
    if (impl_->thread.joinable()) impl_->thread.join();
  });
}

}  // namespace lapor::store
