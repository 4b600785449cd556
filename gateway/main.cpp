// lapor-gateway: builds the io_context, store, pipeline, forwarder, listeners and channels,
// and stops them in reverse on SIGTERM/SIGINT.
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include "channels/mobile/mobile_api.h"
#include "channels/sms/smpp_channel.h"
#include "channels/twitter/mentions_poller.h"
#include "channels/twitter/reply_sink.h"
#include "channels/twitter/twitter_settings.h"
#include "channels/web/web_form.h"
#include "gateway/admin_access.h"
#include "gateway/admin_api.h"
#include "gateway/attachment_store.h"
#include "gateway/backup_command.h"
#include "gateway/move_command.h"
#include "gateway/blocking_pool.h"
#include "gateway/complaint_status.h"
#include "gateway/rate_limiter.h"
#include "gateway/retention.h"
#include "gateway/config.h"
#include "gateway/config_reload.h"
#include "gateway/data_dir_lock.h"
#include "gateway/dedup_engine.h"
#include "gateway/http_router.h"
#include "gateway/http_server.h"
#include "gateway/log.h"
#include "gateway/metrics.h"
#include "gateway/outbox_forwarder.h"
#include "gateway/stored_parts.h"
#include "gateway/pipeline.h"
#include "gateway/service_notify.h"
#include "gateway/sla.h"
#include "gateway/startup.h"
#include "gateway/tracking_id.h"
#include "store/leases.h"
#include "store/retention.h"
#include "store/store.h"

namespace net = boost::asio;
using namespace lapor::gateway;
namespace store = lapor::store;

namespace {

std::optional<holiday_calendar> load_calendar(const config& cfg, std::string& error) {
  if (cfg.sla.holidays_file.empty()) return holiday_calendar::embedded();
  std::ifstream in(cfg.sla.holidays_file);
  if (!in) {
    error = "config key 'sla.holidays_file': cannot read " + cfg.sla.holidays_file;
    return std::nullopt;
  }
  std::stringstream text;
  text << in.rdbuf();
  std::string parse_error;
  auto cal = holiday_calendar::parse(text.str(), parse_error);
  if (!cal) error = "config key 'sla.holidays_file': " + parse_error;
  return cal;
}

forwarder_options forwarder_options_from(const config& cfg) {
  forwarder_options o;
  o.url = cfg.dispatcher_url();
  o.token = cfg.dispatcher.token;
  o.connections = cfg.dispatcher.connections;
  o.request_timeout = std::chrono::milliseconds(cfg.dispatcher.timeout_ms);
  o.backoff_initial = std::chrono::milliseconds(cfg.dispatcher.backoff_initial_ms);
  o.backoff_max = std::chrono::milliseconds(cfg.dispatcher.backoff_max_ms);
  o.max_attempts = cfg.dispatcher.max_attempts;
  o.batch = cfg.dispatcher.batch;
  o.batch_size = cfg.dispatcher.batch_size;
  return o;
}

// Refreshes outbox gauges from the store once a second.
void schedule_gauges(net::steady_timer& t, store::read_pool& reader, store::group_writer& writer,
                     const store::leases& leases, const std::vector<std::string>& lease_names, metrics& m) {
  t.expires_after(std::chrono::seconds(1));
  t.async_wait([&t, &reader, &writer, &leases, &lease_names, &m](boost::system::error_code ec) {
    if (ec) return;
    m.store_queue_depth = static_cast<std::int64_t>(writer.queued());
    for (const auto& name : lease_names) {
      const auto token = leases.held(name);
      m.set_gauge("lapor_lease_holder{name=\"" + name + "\"}", token ? 1 : 0);
      m.set_gauge("lapor_lease_token{name=\"" + name + "\"}", token.value_or(0));
    }
    m.set_gauge("lapor_cluster_claims_taken_over", static_cast<std::int64_t>(reader.claims_taken_over()));
    reader.counts([&m](store::outbox_counts c) {
      m.outbox_pending = c.pending;
      m.outbox_dead = c.dead;
      m.outbox_oldest_pending_ms = c.oldest_pending_ms;
    });
    schedule_gauges(t, reader, writer, leases, lease_names, m);
  });
}

// systemd Type=notify: READY=1 once every forwarder has queued its pending rows (the listeners
// are bound and accepting before this is first called), so "active" means serving with the
// outbox resumed. Polled, since the forwarders resume on their own threads.
void notify_ready_when_resumed(net::steady_timer& t, const std::vector<outbox_forwarder*>& forwarders,
                               const std::atomic<bool>& stopping) {
  if (stopping) return;  // never READY=1 after STOPPING=1
  if (std::all_of(forwarders.begin(), forwarders.end(), [](const outbox_forwarder* f) { return f->resumed(); })) {
    // Logged first: whoever sees READY=1 (systemd, a test) finds the line already written.
    log::info("service_ready", {{"forwarders", static_cast<std::int64_t>(forwarders.size())}});
    service_notify::ready();
    return;
  }
  t.expires_after(std::chrono::milliseconds(10));
  t.async_wait([&t, &forwarders, &stopping](boost::system::error_code ec) {
    if (!ec) notify_ready_when_resumed(t, forwarders, stopping);
  });
}

// WATCHDOG=1 from the event loop itself: a loop that stops turning stops the pings, and
// systemd (WatchdogSec=) restarts the unit.
void schedule_watchdog(net::steady_timer& t, std::chrono::microseconds period) {
  service_notify::watchdog();
  t.expires_after(period);
  t.async_wait([&t, period](boost::system::error_code ec) {
    if (!ec) schedule_watchdog(t, period);
  });
}

// What a reload (SIGHUP) changes in the running daemon: see gateway/config_reload.h.
struct reload_targets {
  lapor::sms::smpp_channel& sms;
  lapor::mobile::mobile_api& mobile;
  outbox_forwarder& dispatcher;
  rate_limiter& submissions;
  std::string log_format;  // not reloadable; log::configure needs it with the level
};

// Re-reads the config file with the command line's overrides. Either every changed key takes
// effect or none does: a key that needs a restart, an invalid file or a malformed account
// refuses the whole reload with a log line naming it, and `running` stays as it was.
void reload(const command_line& cl, config_source& running, reload_targets& t) {
  config fresh;
  config_source fresh_source;
  if (auto e = load_config(cl.config_file, cl.overrides, fresh, fresh_source)) {
    log::error("reload_refused", {{"key", e->key}, {"reason", e->message}});
    return;
  }
  const reload_plan plan = plan_reload(running, fresh_source);
  if (!plan.accepted()) {
    for (const auto& key : plan.refused)
      log::error("reload_refused", {{"key", key}, {"reason", "changing it needs a restart; the old configuration stays"}});
    return;
  }
  std::string error;
  if (!lapor::sms::smpp_options_from(fresh, error)) {
    log::error("reload_refused", {{"key", "smpp.accounts"}, {"reason", error}});
    return;
  }
  std::string keys;
  for (const auto& key : plan.changed) {
    if (key == "smpp.accounts") {
      if (!t.sms.set_accounts(fresh.smpp.accounts, error)) {  // validated above: cannot fail here
        log::error("reload_refused", {{"key", key}, {"reason", error}});
        return;
      }
    } else if (key == "mobile.api_keys") {
      t.mobile.set_keys(fresh.mobile.api_keys);
    } else if (key == "dispatcher.token") {
      t.dispatcher.set_token(fresh.dispatcher.token);
    } else if (key == "web.rate_limit_per_minute") {
      t.submissions.set_per_minute(fresh.web.rate_limit_per_minute);
    }  // log_level: below, after the line saying what changed (a higher level would hide it)
    keys += keys.empty() ? key : "," + key;
  }
  log::info("reloaded", {{"changed", keys}});
  if (std::find(plan.changed.begin(), plan.changed.end(), "log_level") != plan.changed.end())
    log::configure(t.log_format, fresh.log_level);
  running = std::move(fresh_source);
}

void wait_for_reload(net::signal_set& hup, const std::atomic<bool>& stopping, const command_line& cl,
                     config_source& running, reload_targets& t) {
  hup.async_wait([&hup, &stopping, &cl, &running, &t](boost::system::error_code ec, int) {
    if (ec || stopping) return;
    reload(cl, running, t);
    wait_for_reload(hup, stopping, cl, running, t);
  });
}

int run(const config& cfg, const config_source& source, const command_line& cl, const holiday_calendar& calendar) {
  // A reload asked for before the listeners exist has nothing to change (the file was read
  // just now); SIGHUP's default action would end the daemon. Handled from the event loop below.
  ::signal(SIGHUP, SIG_IGN);
  std::filesystem::create_directories(cfg.data_dir);
  // The database and attachments hold citizens' identities and reports (Anonim, Rahasia):
  // only the daemon's user may read them.
  std::filesystem::permissions(cfg.data_dir, std::filesystem::perms::owner_all, std::filesystem::perm_options::replace);
  // Only one process may write the database; `restore` looks for this lock before replacing it.
  std::string lock_error;
  const auto owner = data_dir_lock::try_acquire(cfg.data_dir, lock_error);
  if (!owner) throw std::runtime_error(lock_error);
  const auto db_path = (std::filesystem::path(cfg.data_dir) / "lapor.db").string();
  const auto key = load_tracking_key(cfg.tracking.key, cfg.data_dir);
  const tracking_id_codec ids(key);
  metrics stats;
  readiness ready;
  std::atomic<bool> serving{false}, stopping{false};
  ready.add("startup", [&] { return serving ? std::nullopt : std::optional<std::string>("starting"); });
  ready.add("shutdown", [&] { return stopping ? std::optional<std::string>("stopping") : std::nullopt; });

  store::options so;
  so.path = db_path;
  const bool cluster = cfg.store.backend == "postgres";
  if (cluster) {
    so.backend = store::backend_kind::postgres;
    so.postgres_conninfo = cfg.store.postgres_conninfo;
    so.node_id = static_cast<std::uint8_t>(cfg.tracking.node_id);
    so.instance_id = load_instance_id(cfg.data_dir);
    so.lease_ttl_ms = std::int64_t{cfg.cluster.lease_ttl_s} * 1000;
    so.key_fingerprint = tracking_key_fingerprint(key);
    so.match_window_ms = std::int64_t{cfg.dedup.window_days} * 24 * 3600 * 1000;
  }
  so.queue_limit = cfg.store.queue_limit;
  so.max_group = cfg.store.max_group;
  so.synchronous_full = cfg.store.synchronous_full;
  so.pipelined_sync = cfg.store.pipelined_sync;
  so.inline_sync_below = std::chrono::microseconds{cfg.store.inline_sync_below_us};
  // Declared before the writer, which calls it on its thread until it stops.
  dedup_options dedup_opts;
  dedup_opts.enabled = cfg.dedup.enabled;
  dedup_opts.thresholds.window_ms = std::int64_t{cfg.dedup.window_days} * 24 * 3600 * 1000;
  dedup_opts.thresholds.duplicate_score = cfg.dedup.duplicate_score;
  dedup_opts.thresholds.same_event_score = cfg.dedup.same_event_score;
  dedup_opts.thresholds.unknown_problem_score = cfg.dedup.unknown_problem_score;
  dedup_opts.thresholds.followup_score = cfg.dedup.followup_score;
  dedup_opts.thresholds.unplaced_score = cfg.dedup.unplaced_score;
  dedup_opts.thresholds.street_containment = cfg.dedup.street_containment;
  dedup_opts.thresholds.swap_score = cfg.dedup.swap_score;
  dedup_opts.thresholds.detail_length_ratio = cfg.dedup.detail_length_ratio;
  dedup_opts.thresholds.possible_score = cfg.dedup.possible_score;
  dedup_opts.thresholds.related_score = cfg.dedup.related_score;
  dedup_opts.thresholds.related_max_hamming = cfg.dedup.related_max_hamming;
  dedup_opts.thresholds.max_candidates = static_cast<std::size_t>(cfg.dedup.max_candidates);
  dedup_engine dedup(dedup_opts, ids, stats);
  if (!cluster) {
    // Retention returns freed pages to the file system (incremental auto-vacuum); a database
    // made before that setting is converted once, before the writer opens it.
    bool converted = false;
    const auto t0 = std::chrono::steady_clock::now();
    if (auto e = store::ensure_incremental_vacuum(db_path, converted)) log::warn("auto_vacuum_not_enabled", {{"error", *e}});
    else if (converted)
      log::info("auto_vacuum_enabled", {{"ms", static_cast<std::int64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                                   std::chrono::steady_clock::now() - t0).count())}});
  }
  store::group_writer writer(so);  // cluster: connects, migrates, checks the key, takes the node lease
  store::read_pool reader(so);
  store::leases leases(so);
  if (cluster)
    log::info("cluster_node", {{"node_id", cfg.tracking.node_id}, {"instance", so.instance_id},
                               {"lease_ttl_s", cfg.cluster.lease_ttl_s}});
  leases.on_node_lease_lost([] {
    // Another holder has our node_id's lease: this process may no longer assign tracking IDs.
    log::error("node_lease_lost", {{"action", "stopping"}});
    ::raise(SIGTERM);
  });
  const std::string node_lease = store::leases::node_lease_name(static_cast<std::uint8_t>(cfg.tracking.node_id));
  std::atomic<bool> last_commit_ok{true};
  writer.set_commit_observer([&](std::size_t n, std::chrono::microseconds took, bool ok) {
    stats.commit_latency.observe(took);
    stats.commit_groups.fetch_add(1, std::memory_order_relaxed);
    if (ok) stats.commit_rows.fetch_add(n, std::memory_order_relaxed);
    else {
      stats.commit_failures.fetch_add(1, std::memory_order_relaxed);
      stats.store_refusals.fetch_add(n, std::memory_order_relaxed);
    }
    last_commit_ok.store(ok, std::memory_order_relaxed);
  });
  if (cluster) {
    // The lease thread renews against the primary every ttl/3: not held = PostgreSQL
    // unreachable (or our node_id taken). Recovers by itself when the database is back.
    ready.add("store", [&] {
      return leases.held(node_lease) ? std::nullopt
                                     : std::optional<std::string>("PostgreSQL unreachable (node lease not renewed)");
    });
  } else {
    ready.add("store", [&] { return last_commit_ok ? std::nullopt : std::optional<std::string>("last commit failed"); });
  }

  auto dispatcher_opts = forwarder_options_from(cfg);
  // Cluster: the outbox is shared; every forwarder claims due rows of the others' dead nodes.
  const auto claim_poll = cluster ? std::chrono::milliseconds(cfg.cluster.claim_poll_ms) : std::chrono::milliseconds(0);
  dispatcher_opts.claim_poll = claim_poll;
  outbox_forwarder forwarder(dispatcher_opts, writer, reader, stats);
  writer.set_outbox_listener([&](const std::vector<lapor::store::outbox_item>& created) { forwarder.notify(created); });
  writer.set_outbox_rescan([&] { forwarder.rescan(); });
  ready.add_note("dispatcher", [&] {
    return forwarder.healthy() ? std::nullopt : std::optional<std::string>("failing repeatedly; the outbox keeps complaints");
  });

  pipeline_options po;
  po.node_id = static_cast<std::uint8_t>(cfg.tracking.node_id);
  po.dedup = cfg.dedup.enabled;
  pipeline core(po, ids, calendar, writer, stats);
  {
    const auto t0 = std::chrono::steady_clock::now();
    const auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::system_clock::now().time_since_epoch()).count();
    const std::size_t loaded = dedup.attach(writer, now_ms);
    log::info("dedup_index_loaded",
              {{"enabled", cfg.dedup.enabled}, {"complaints", static_cast<std::int64_t>(loaded)},
               {"ms", static_cast<std::int64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::steady_clock::now() - t0).count())}});
  }

  net::io_context io(cfg.threads);
  auto work = net::make_work_guard(io);
  net::signal_set hup(io, SIGHUP);  // reloads (systemctl reload): see reload()

  http_router admin_routes;
  std::vector<outbox_forwarder*> forwarders{&forwarder};  // channels add theirs before the listeners start
  add_admin_routes(admin_routes, admin_deps{writer, reader, forwarders, stats, ready, core, cfg.admin.test_channel});
  http_limits admin_limits;
  admin_limits.body_limit = 1024 * 1024;
  // Host, token, Origin and content type are checked before routing (gateway/admin_access.h).
  const admin_access_options admin_access{cfg.admin.listen.host, cfg.admin.allowed_hosts, cfg.admin.token};
  http_server admin(io, "admin", cfg.admin.listen, admin_limits,
                    [&admin_routes, &admin_access](http_request&& r, http_responder s) {
                      if (auto refusal = check_admin_access(r, admin_access)) return s(std::move(*refusal));
                      admin_routes.handle(std::move(r), std::move(s));
                    });

  // The public listener: the web form and the mobile API register their routes here.
  http_router public_routes;
  http_limits public_limits;
  public_limits.body_limit = cfg.web.max_body_bytes;
  public_limits.spool_dir = (std::filesystem::path(cfg.data_dir) / "tmp").string();  // made by attachment_store
  public_limits.max_connections = static_cast<std::size_t>(cfg.web.max_connections);
  public_limits.header_timeout_ms = cfg.web.header_timeout_ms;
  public_limits.body_timeout_ms = cfg.web.body_timeout_ms;
  public_limits.idle_timeout_ms = cfg.web.idle_timeout_ms;
  // A browser gets pages, not problem JSON, for the router's 404/405 too (the API keeps JSON).
  // Outside /api/ the answer's form depends on Accept (a page or JSON): every such answer says
  // so (Vary: Accept, RFC 9110 §12.5.5), so a shared cache never serves one to the other.
  http_server web(io, "web", cfg.web.listen, public_limits, [&public_routes](http_request&& r, http_responder s) {
    if (!r.path.starts_with("/api/")) {
      s = [inner = std::move(s), page = lapor::web::wants_page(r)](http_response res) {
        if (page && res.content_type == "application/problem+json") res = lapor::web::browser_page_for(res);
        res.headers.emplace_back("Vary", "Accept");
        inner(std::move(res));
      };
    }
    public_routes.handle(std::move(r), std::move(s));
  });
  // Refusals the listener makes itself (malformed or ambiguous framing, 413, 414, 431) are
  // refusals of the channel whose route was asked for, counted like the channel's own, and
  // shown to a browser as a page.
  web.on_refusal([&stats](const http_request& head, http_response& answer) {
    const auto counted = answer.status == 503 ? counter::throttled : counter::rejected;
    if (head.method == "POST" && head.path == "/api/v1/reports") stats.add(counted, channel_kind::mobile);
    if (head.method == "POST" && head.path == "/lapor") stats.add(counted, channel_kind::web);
    if (!head.path.starts_with("/api/") && lapor::web::wants_page(head)) answer = lapor::web::browser_page_for(answer);
    if (!head.path.starts_with("/api/")) answer.headers.emplace_back("Vary", "Accept");
  });

  // --- channels: web form and mobile API (routes on the public listener) ---
  // Shared by both: one rate limit per client IP, one pool of threads that write uploads to
  // disk, the content-addressed attachment folder and the status lookups.
  rate_limiter submission_limiter(cfg.web.rate_limit_per_minute);
  attachment_store attachments(cfg.data_dir);
  blocking_pool uploads("uploads", static_cast<std::size_t>(cfg.web.upload_threads), 256);
  store_status_source statuses(ids, reader);
  lapor::web::web_options web_opts;
  web_opts.max_photos = static_cast<std::size_t>(cfg.web.max_photos);
  web_opts.max_photo_bytes = cfg.web.max_photo_bytes;
  lapor::web::web_form web_channel(
      web_opts, lapor::web::web_deps{statuses, submission_limiter, uploads, attachments,
                                     lapor::web::load_form_key(cfg.data_dir), nullptr, &stats});
  lapor::mobile::mobile_options mobile_opts;
  mobile_opts.max_photos = web_opts.max_photos;
  mobile_opts.max_photo_bytes = web_opts.max_photo_bytes;
  lapor::mobile::mobile_api mobile_channel(
      mobile_opts,
      lapor::mobile::mobile_deps{cfg.mobile.api_keys, statuses, submission_limiter, uploads, attachments, nullptr, &stats});
  web_channel.add_routes(public_routes);
  mobile_channel.add_routes(public_routes);
  web_channel.start(core);
  mobile_channel.start(core);
  // --- end channels: web and mobile ---

  // --- channel: SMS over SMPP (listener for operators' binds, binds to smpp.clients) ---
  std::string smpp_error;
  auto smpp_opts = lapor::sms::smpp_options_from(cfg, smpp_error);
  if (!smpp_opts) throw std::runtime_error("invalid configuration: " + smpp_error);
  stored_parts parts_store(writer, cluster ? &reader : nullptr);
  lapor::sms::smpp_channel sms_channel(std::move(*smpp_opts), lapor::sms::smpp_deps{io, statuses, ids, stats, parts_store, cluster ? &leases : nullptr});
  // Reply SMS are outbox rows "sms_reply" (written with their complaint); this forwarder hands
  // them to the channel, which sends each on a bind of its operator.
  forwarder_options sms_reply_opts;
  sms_reply_opts.url = "smpp://replies";
  sms_reply_opts.destination = "sms_reply";
  sms_reply_opts.connections = 1;
  sms_reply_opts.request_timeout = std::chrono::milliseconds(500);  // only bounds the wait at shutdown
  sms_reply_opts.max_attempts = 0;  // the channel decides every outcome (TTL, refusals)
  sms_reply_opts.channel_metrics = false;
  sms_reply_opts.claim_poll = claim_poll;
  outbox_forwarder sms_replies(sms_reply_opts, sms_channel.make_reply_sink(), writer, reader, stats);
  forwarders.push_back(&sms_replies);
  // Every forwarder hears of every commit's new outbox rows; each takes its destination's.
  auto listen_all = [&writer](std::vector<outbox_forwarder*> all) {
    writer.set_outbox_rescan([all] {
      for (auto* f : all) f->rescan();
    });
    writer.set_outbox_listener([all = std::move(all)](const std::vector<lapor::store::outbox_item>& created) {
      for (auto* f : all) f->notify(created);
    });
  };
  listen_all(forwarders);
  sms_replies.start();
  sms_channel.start(core);
  // --- end channel: SMS ---

  // --- channels: twitter ---
  // The mentions poller: its own thread (libcurl, photo downloads, waits for commits); the
  // since_id cursor in the store. /readyz fails while the API refuses our credentials.
  std::unique_ptr<attachment_store> twitter_photos;
  std::unique_ptr<lapor::twitter::mentions_poller> twitter_channel;
  std::unique_ptr<outbox_forwarder> twitter_replies;  // POST /2/tweets from outbox rows "twitter_reply"
  if (cfg.twitter.enabled) {
    twitter_photos = std::make_unique<attachment_store>(cfg.data_dir);
    auto to = lapor::twitter::poller_options_from(cfg);
    if (cfg.twitter.reply) {
      twitter_replies = std::make_unique<outbox_forwarder>(
          lapor::twitter::reply_forwarder_options_from(cfg, to.reply_destination),
          lapor::twitter::make_reply_sink(lapor::twitter::reply_options_from(cfg)), writer, reader, stats);
      forwarders.push_back(twitter_replies.get());
      listen_all(forwarders);
      twitter_replies->start();
    }
    twitter_channel = std::make_unique<lapor::twitter::mentions_poller>(
        std::move(to), lapor::twitter::poller_deps{writer, reader, stats, *twitter_photos, cluster ? &leases : nullptr});
    ready.add("twitter", [p = twitter_channel.get()] { return p->readiness_problem(); });
    twitter_channel->start(core);
  }
  // --- end channels: twitter ---

  std::map<std::string, int> ports{{"admin", admin.port()}, {"web", web.port()}};
  if (sms_channel.port() != 0) ports["smpp"] = sms_channel.port();
  write_ports_file(cfg.data_dir, ports);
  for (const auto& [name, port] : ports) log::info("listening", {{"listener", name}, {"port", port}});

  forwarder.start();
  admin.start();
  web.start();
  // Erases what the dispatcher confirmed retention.days ago (gateway/retention.h): its own
  // thread, a pass at once and then every check_interval_s.
  std::unique_ptr<retention_sweeper> retention;
  if (cfg.retention.enabled) {
    retention_options ro;
    ro.days = cfg.retention.days;
    ro.interval = std::chrono::seconds(cfg.retention.check_interval_s);
    ro.db_path = db_path;
    if (cluster) {
      ro.cluster = so;
      leases.want(std::string(retention_lease));
      ro.may_erase = [&leases] { return leases.held(std::string(retention_lease)).has_value(); };
    }
    ro.attachments_dir = (std::filesystem::path(cfg.data_dir) / "attachments").string();
    retention = std::make_unique<retention_sweeper>(std::move(ro), writer);
    retention->start();
  }
  net::steady_timer gauges(io);
  std::vector<std::string> lease_names{node_lease};
  if (cfg.twitter.enabled) lease_names.emplace_back(lapor::twitter::poller_lease_name);
  schedule_gauges(gauges, reader, writer, leases, lease_names, stats);
  serving = true;
  net::steady_timer ready_timer(io), watchdog_timer(io);
  notify_ready_when_resumed(ready_timer, forwarders, stopping);
  if (const auto period = service_notify::watchdog_period()) schedule_watchdog(watchdog_timer, *period);
  log::info("started", {{"data_dir", cfg.data_dir}, {"node_id", cfg.tracking.node_id},
                        {"dispatcher", cfg.dispatcher_url().starts_with("file://") ? "file" : "http"}});

  config_source running_source = source;
  reload_targets reloadables{sms_channel, mobile_channel, forwarder, submission_limiter, cfg.log_format};
  wait_for_reload(hup, stopping, cl, running_source, reloadables);

  std::thread drainer;
  net::steady_timer finish(io);
  net::signal_set signals(io, SIGINT, SIGTERM);
  std::function<void()> wait_for_connections;
  std::chrono::steady_clock::time_point give_up = std::chrono::steady_clock::time_point::max();
  wait_for_connections = [&] {
    if ((web.open_connections() == 0 && admin.open_connections() == 0 && sms_channel.open_links() == 0) ||
        std::chrono::steady_clock::now() > give_up) {
      gauges.cancel();
      hup.cancel();
      ready_timer.cancel();
      watchdog_timer.cancel();
      work.reset();
      io.stop();
      return;
    }
    finish.expires_after(std::chrono::milliseconds(20));
    finish.async_wait([&](boost::system::error_code) { wait_for_connections(); });
  };
  signals.async_wait([&](boost::system::error_code ec, int sig) {
    if (ec) return;
    log::info("stopping", {{"signal", sig}});
    stopping = true;
    service_notify::stopping();
    web.stop();
    admin.stop();
    sms_channel.stop();  // unbinds; acknowledgements of messages with the core still go out
    // Draining blocks (commits, in-flight dispatches), so it runs off the Asio threads; the
    // acknowledgements it completes still need the io_context to be written out.
    drainer = std::thread([&] {
      if (retention) retention->stop();  // a pass under way finishes its batch first
      if (twitter_channel) twitter_channel->stop();  // its acknowledgements and cursor need the writer
      if (twitter_replies) twitter_replies->stop();
      sms_replies.stop();  // replies not yet sent stay pending rows for the next start
      forwarder.stop();  // records the outcome of in-flight dispatches through the writer
      writer.stop();
      leases.stop();  // lets our leases expire now: another node takes our claims at once
      net::post(io, [&] {
        give_up = std::chrono::steady_clock::now() + std::chrono::seconds(5);
        web.stop();
        admin.stop();
        wait_for_connections();
      });
    });
  });

  std::vector<std::thread> threads;
  for (int i = 1; i < cfg.threads; ++i) threads.emplace_back([&io] { io.run(); });
  io.run();
  for (auto& t : threads) t.join();
  if (drainer.joinable()) drainer.join();
  reader.stop();
  log::info("stopped", {{"rows_committed", static_cast<std::int64_t>(stats.commit_rows.load())}});
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::string error;
  auto cl = parse_command_line(argc, argv, error);
  if (!cl) {
    std::cerr << "lapor-gateway: " << error << "\n";
    return 2;
  }
  if (cl->help) {
    std::cout << config_help();
    return 0;
  }
  config cfg;
  config_source source;
  if (auto e = load_config(cl->config_file, cl->overrides, cfg, source)) {
    std::cerr << "lapor-gateway: invalid configuration: " << e->to_string() << "\n";
    return 2;
  }
  auto calendar = load_calendar(cfg, error);
  if (!calendar) {
    std::cerr << "lapor-gateway: invalid configuration: " << error << "\n";
    return 2;
  }
  if (!lapor::sms::smpp_options_from(cfg, error)) {  // e.g. a malformed allowed_cidrs entry
    std::cerr << "lapor-gateway: invalid configuration: " << error << "\n";
    return 2;
  }
  if (cl->check_config) {
    std::cout << "configuration ok\n";
    return 0;
  }
  if (cl->command == "backup") return run_backup(cfg, cl->to);
  if (cl->command == "restore") return run_restore(cfg, cl->from, cl->force);
  if (cl->command == "move-to-cluster") return run_move_to_cluster(cfg);
  log::configure(cfg.log_format, cfg.log_level);
  try {
    return run(cfg, source, *cl, *calendar);
  } catch (const std::exception& e) {
    // Refusals a cluster operator must recognise get their own event name.
    const std::string_view what = e.what();
    std::string event = "fatal";
    for (std::string_view named : {"node_id_in_use", "tracking_key_mismatch"})
      if (what.starts_with(std::string(named) + ":")) event = named;
    log::error(event, {{"what", e.what()}});
    return 1;
  }
}
