// The poller's thread with a scripted API and a scripted sink, and a real store (a SQLite
// file in a temporary folder) for the cursor: no network.
#include <doctest/doctest.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include <unistd.h>

#include "channels/twitter/mentions_poller.h"
#include "fixtures.h"

using namespace lapor::twitter;
namespace g = lapor::gateway;
using namespace std::chrono_literals;

namespace {

const std::string jpeg = std::string("\xFF\xD8\xFF\xE0", 4) + "scripted photo";

class temp_dir {
 public:
  temp_dir() {
    path_ = std::filesystem::temp_directory_path() / ("lapor-twitter-poller-" + std::to_string(::getpid()) + "-" +
                                                       std::to_string(counter_++));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~temp_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  [[nodiscard]] std::string str() const { return path_.string(); }
  [[nodiscard]] std::string db() const { return (path_ / "lapor.db").string(); }

 private:
  static inline int counter_ = 0;
  std::filesystem::path path_;
};

// Answers page 1, page 2 (after the token), then empty pages; or always `fixed` when set.
class scripted_api final : public twitter_api {
 public:
  explicit scripted_api(std::optional<api_response> fixed = std::nullopt) : fixed_(std::move(fixed)) {}

  api_response get_mentions(std::uint64_t, const fetch_params& p) override {
    {
      std::lock_guard lock(mutex_);
      requests.push_back(p);
    }
    if (fixed_) return *fixed_;
    api_response r;
    r.transport_ok = true;
    r.status = 200;
    if (p.pagination_token.empty() && (!p.since_id || *p.since_id < 2123616243545145355ull)) r.body = fixtures::page1;
    else if (p.pagination_token == "7140dibdnow9c7btw4827l0b8vcp7ndsb5n7khpuirtx4") r.body = fixtures::page2;
    else r.body = fixtures::empty;
    return r;
  }
  download fetch_media(const std::string& url, std::size_t) override {
    download d;
    if (url == "https://pbs.twimg.com/media/G7kLmNoPqRsTuVw.jpg") d.bytes = jpeg;
    else d.error = "http 404";
    return d;
  }
  std::vector<fetch_params> seen() {
    std::lock_guard lock(mutex_);
    return requests;
  }

 private:
  std::optional<api_response> fixed_;
  std::mutex mutex_;
  std::vector<fetch_params> requests;
};

// Refuses the first submission of each key as "overloaded", answers the rest like the store
// (a known key is a duplicate), from another thread as the writer would.
class scripted_sink final : public g::submission_sink {
 public:
  ~scripted_sink() {
    for (auto& t : threads_) t.join();
  }
  void submit(g::submission s, completion done) override {
    std::lock_guard lock(mutex_);
    g::submit_result r;
    if (refused_.insert(s.idempotency_key).second) {
      r.code = g::submit_result::status::overloaded;
      return done(r);  // an immediate refusal, on the caller's thread
    }
    auto [it, fresh] = keys_.emplace(s.idempotency_key, "LPR-" + std::to_string(keys_.size() + 1));
    r.code = fresh ? g::submit_result::status::received : g::submit_result::status::duplicate;
    r.tracking_id = it->second;
    if (fresh) stored.push_back(s);
    threads_.emplace_back([r, done = std::move(done)] { done(r); });
  }
  std::optional<g::submit_result> check(const g::submission&) const override { return std::nullopt; }
  std::vector<g::submission> snapshot() {
    std::lock_guard lock(mutex_);
    return stored;
  }

 private:
  std::mutex mutex_;
  std::set<std::string> refused_;
  std::map<std::string, std::string> keys_;
  std::vector<g::submission> stored;
  std::vector<std::thread> threads_;
};

poller_options options() {
  poller_options o;
  o.walk.mentions.our_user_id = 1497254331178708992ull;
  o.walk.max_results = 5;
  o.walk.poll_interval = 20ms;
  o.walk.backoff_initial = 10ms;
  o.walk.backoff_max = 50ms;
  o.walk.config_error_retry = 50ms;
  return o;
}

template <class F>
bool eventually(F pred, std::chrono::milliseconds limit = 10s) {
  const auto until = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < until) {
    if (pred()) return true;
    std::this_thread::sleep_for(10ms);
  }
  return pred();
}

}  // namespace

TEST_CASE("poller: refused mentions are submitted again, the cursor is stored after the set, a restart resumes from it") {
  temp_dir dir;
  lapor::store::options so;
  so.path = dir.db();
  lapor::store::group_writer writer(so);
  lapor::store::read_pool reader(dir.db());
  g::metrics stats;
  g::attachment_store photos(dir.str());
  scripted_sink sink;
  {
    auto api = std::make_unique<scripted_api>();
    auto* script = api.get();
    mentions_poller p(options(), poller_deps{writer, reader, stats, photos}, std::move(api));
    CHECK(p.name() == "twitter");
    p.start(sink);
    REQUIRE(eventually([&] { return reader.get_cursor_now("twitter.since_id") == std::optional<std::string>("2123616243545145355"); }));
    const auto stored = sink.snapshot();
    REQUIRE(stored.size() == 5);  // 3 + 2: the retweet skipped, each refused once and stored once
    CHECK(stored[0].channel_ref.front().second == "2123616243545145355");
    REQUIRE(stored[0].attachments.size() == 1);
    CHECK(stored[0].attachments[0].mime == "image/jpeg");
    CHECK(stored[0].attachments[0].size == jpeg.size());
    CHECK(std::filesystem::exists(photos.path_of(stored[0].attachments[0].sha256)));
    CHECK_FALSE(p.readiness_problem().has_value());
    // Every request of the set carried the same (absent) since_id; later polls the cursor.
    REQUIRE(eventually([&] { return script->seen().size() >= 3; }));
    const auto seen = script->seen();
    CHECK_FALSE(seen[0].since_id.has_value());
    CHECK_FALSE(seen[1].since_id.has_value());
    CHECK(seen[1].pagination_token == "7140dibdnow9c7btw4827l0b8vcp7ndsb5n7khpuirtx4");
    CHECK(seen[2].since_id == std::optional<std::uint64_t>(2123616243545145355ull));
    CHECK(stats.render_prometheus().find("lapor_twitter_mentions{result=\"stored\"} 5") != std::string::npos);
    p.stop();
  }
  {
    auto api = std::make_unique<scripted_api>();
    auto* script = api.get();
    mentions_poller p(options(), poller_deps{writer, reader, stats, photos}, std::move(api));
    p.start(sink);
    REQUIRE(eventually([&] { return !script->seen().empty(); }));
    CHECK(script->seen().front().since_id == std::optional<std::uint64_t>(2123616243545145355ull));
    p.stop();
  }
  CHECK(sink.snapshot().size() == 5);
}

TEST_CASE("poller: a 401 is reported for /readyz without the token, and stop() ends the wait at once") {
  temp_dir dir;
  lapor::store::options so;
  so.path = dir.db();
  lapor::store::group_writer writer(so);
  lapor::store::read_pool reader(dir.db());
  g::metrics stats;
  g::attachment_store photos(dir.str());
  scripted_sink sink;
  api_response unauthorized;
  unauthorized.transport_ok = true;
  unauthorized.status = 401;
  unauthorized.body = fixtures::problem_401;
  auto o = options();
  o.walk.config_error_retry = 3600s;
  o.api.bearer_token = "secret-bearer";
  mentions_poller p(o, poller_deps{writer, reader, stats, photos}, std::make_unique<scripted_api>(unauthorized));
  p.start(sink);
  REQUIRE(eventually([&] { return p.readiness_problem().has_value(); }));
  CHECK(*p.readiness_problem() == "auth_error: http 401: Unauthorized");
  CHECK(stats.render_prometheus().find("lapor_twitter_config_error 1") != std::string::npos);
  const auto t0 = std::chrono::steady_clock::now();
  p.stop();
  CHECK(std::chrono::steady_clock::now() - t0 < 2s);
  CHECK_FALSE(reader.get_cursor_now("twitter.since_id").has_value());
}

TEST_CASE("poller: with no stored cursor, initial_since_id is where the first walk starts") {
  temp_dir dir;
  lapor::store::options so;
  so.path = dir.db();
  lapor::store::group_writer writer(so);
  lapor::store::read_pool reader(dir.db());
  g::metrics stats;
  g::attachment_store photos(dir.str());
  scripted_sink sink;
  auto o = options();
  o.initial_since_id = 2123553282847801346ull;
  auto api = std::make_unique<scripted_api>();
  auto* script = api.get();
  mentions_poller p(o, poller_deps{writer, reader, stats, photos}, std::move(api));
  p.start(sink);
  REQUIRE(eventually([&] { return !script->seen().empty(); }));
  CHECK(script->seen().front().since_id == std::optional<std::uint64_t>(2123553282847801346ull));
  p.stop();
}
