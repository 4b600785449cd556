#include "gateway/config.h"

#include <charconv>
#include <functional>
#include <sstream>

#include <toml++/toml.h>

namespace lapor::gateway {

namespace {

// 127.0.0.0/8, ::1 or localhost: an address only this host reaches.
bool is_loopback_host(std::string_view host) {
  if (host == "localhost" || host == "::1" || host == "[::1]") return true;
  if (!host.starts_with("127.")) return false;
  int dots = 0, digits = 0;
  for (const char c : host) {
    if (c == '.') {
      if (digits == 0) return false;
      ++dots, digits = 0;
    } else if (c >= '0' && c <= '9' && digits < 3) {
      ++digits;
    } else {
      return false;
    }
  }
  return dots == 3 && digits > 0;
}

using setter = std::function<std::optional<std::string>(const toml::node&, config&)>;

struct key_spec {
  const char* key;
  const char* type;
  const char* help;
  setter set;
};

std::optional<std::string> want_string(const toml::node& n, std::string& out) {
  if (auto v = n.value<std::string>()) {
    out = *v;
    return std::nullopt;
  }
  return "expected a string";
}

std::optional<std::string> want_bool(const toml::node& n, bool& out) {
  if (auto v = n.value<bool>()) {
    out = *v;
    return std::nullopt;
  }
  return "expected true or false";
}

template <class Int>
std::optional<std::string> want_int(const toml::node& n, Int& out, long long lo, long long hi) {
  // is_integer() first: value<long long>() of a float casts it unchecked (UB for 1e33 in
  // toml++ 3.x; found by tests/fuzz/config_toml_fuzz).
  if (!n.is_integer()) return "expected an integer";
  auto v = n.value<long long>();
  if (!v) return "expected an integer";
  if (*v < lo || *v > hi) return "must be between " + std::to_string(lo) + " and " + std::to_string(hi);
  out = static_cast<Int>(*v);
  return std::nullopt;
}

std::optional<std::string> want_double(const toml::node& n, double& out, double lo, double hi) {
  auto v = n.value<double>();  // integers are accepted as well ("1" = 1.0)
  if (!v || !(n.is_floating_point() || n.is_integer())) return "expected a number";
  if (!(*v >= lo && *v <= hi)) return "must be between " + std::to_string(lo) + " and " + std::to_string(hi);
  out = *v;
  return std::nullopt;
}

std::optional<std::string> want_listen(const toml::node& n, listen_address& out) {
  std::string s;
  if (auto e = want_string(n, s)) return "expected \"host:port\"";
  auto a = parse_listen_address(s);
  if (!a) return "expected \"host:port\" with a port 0..65535, got \"" + s + "\"";
  out = *a;
  return std::nullopt;
}

std::optional<std::string> want_one_of(const toml::node& n, std::string& out, std::initializer_list<const char*> allowed) {
  std::string s;
  if (auto e = want_string(n, s)) return e;
  for (auto a : allowed)
    if (s == a) {
      out = s;
      return std::nullopt;
    }
  std::string msg = "must be one of";
  for (auto a : allowed) msg += std::string(" ") + a;
  return msg;
}

// Reads an array of tables whose entries have string fields; `fields` lists the allowed keys.
template <class T>
std::optional<std::string> want_table_array(
    const toml::node& n, std::vector<T>& out,
    const std::vector<std::pair<const char*, std::function<std::optional<std::string>(const toml::node&, T&)>>>& fields,
    std::initializer_list<const char*> required) {
  const auto* arr = n.as_array();
  if (!arr) return "expected an array of tables";
  out.clear();
  std::size_t i = 0;
  for (const auto& el : *arr) {
    const auto* t = el.as_table();
    if (!t) return "entry " + std::to_string(i) + ": expected a table";
    T item{};
    for (const auto& [k, v] : *t) {
      bool known = false;
      for (const auto& [name, fn] : fields) {
        if (k.str() == name) {
          known = true;
          if (auto e = fn(v, item)) return "entry " + std::to_string(i) + " field '" + std::string(k.str()) + "': " + *e;
        }
      }
      if (!known) return "entry " + std::to_string(i) + ": unknown field '" + std::string(k.str()) + "'";
    }
    for (auto r : required)
      if (!t->contains(r)) return "entry " + std::to_string(i) + ": missing field '" + r + "'";
    out.push_back(std::move(item));
    ++i;
  }
  return std::nullopt;
}

std::optional<std::string> want_string_array(const toml::node& n, std::vector<std::string>& out) {
  const auto* arr = n.as_array();
  if (!arr) return "expected an array of strings";
  out.clear();
  for (const auto& el : *arr) {
    auto v = el.value<std::string>();
    if (!v) return "expected an array of strings";
    out.push_back(*v);
  }
  return std::nullopt;
}

#define STR(field) [](const toml::node& n, config& c) { return want_string(n, c.field); }
#define BOOL(field) [](const toml::node& n, config& c) { return want_bool(n, c.field); }
#define INT(field, lo, hi) [](const toml::node& n, config& c) { return want_int(n, c.field, lo, hi); }
#define LISTEN(field) [](const toml::node& n, config& c) { return want_listen(n, c.field); }

const std::vector<key_spec>& key_specs() {
  static const std::vector<key_spec> specs = {
      {"data_dir", "string", "folder for the SQLite database and files (default ./data)", STR(data_dir)},
      {"log_format", "string", "json | text (default json)",
       [](const toml::node& n, config& c) { return want_one_of(n, c.log_format, {"json", "text"}); }},
      {"log_level", "string", "debug | info | warn | error (default info)",
       [](const toml::node& n, config& c) { return want_one_of(n, c.log_level, {"debug", "info", "warn", "error"}); }},
      {"threads", "integer", "Asio threads (default 2)", INT(threads, 1, 64)},
      {"web.listen", "host:port", "public HTTP: web form and mobile API (default 127.0.0.1:8080)", LISTEN(web.listen)},
      {"web.max_body_bytes", "integer", "largest accepted request body (default 32 MiB)",
       INT(web.max_body_bytes, 1024, 1LL << 31)},
      {"web.rate_limit_per_minute", "integer", "submissions per client IP per minute, 0 = off (default 600)",
       INT(web.rate_limit_per_minute, 0, 1000000)},
      {"web.max_photo_bytes", "integer", "largest accepted photo, web form and mobile API (default 6 MiB)",
       INT(web.max_photo_bytes, 1024, 1LL << 30)},
      {"web.max_photos", "integer", "photos per report, web form and mobile API (default 5)", INT(web.max_photos, 0, 10)},
      {"web.upload_threads", "integer", "threads that write uploaded photos to disk (default 2)",
       INT(web.upload_threads, 1, 64)},
      {"web.max_connections", "integer", "open public HTTP connections; beyond it 503 + Retry-After (default 4096)",
       INT(web.max_connections, 1, 1000000)},
      {"web.header_timeout_ms", "integer", "time to send a request header; then the connection is closed (default 10000)",
       INT(web.header_timeout_ms, 100, 600000)},
      {"web.body_timeout_ms", "integer", "time to send a request body; then the connection is closed (default 60000)",
       INT(web.body_timeout_ms, 100, 3600000)},
      {"web.idle_timeout_ms", "integer", "keep-alive wait for the next request (default 30000)",
       INT(web.idle_timeout_ms, 100, 3600000)},
      {"admin.listen", "host:port", "admin HTTP: health, metrics, outbox (default 127.0.0.1:9090)", LISTEN(admin.listen)},
      {"admin.test_channel", "bool", "enable POST /admin/test/submit (default false)", BOOL(admin.test_channel)},
      {"admin.token", "string", "when set, every admin route but /healthz needs Authorization: Bearer <token>",
       STR(admin.token)},
      {"admin.allowed_hosts", "array", "Host names the admin listener answers besides its listen host and loopback names",
       [](const toml::node& n, config& c) { return want_string_array(n, c.admin.allowed_hosts); }},
      {"smpp.listen", "host:port", "SMPP server for operators' SMSCs (default 127.0.0.1:2775)", LISTEN(smpp.listen)},
      {"smpp.enabled", "bool", "run the SMPP server (default true)", BOOL(smpp.enabled)},
      {"smpp.short_code", "string", "the short code citizens send to (default \"1708\")", STR(smpp.short_code)},
      {"smpp.accounts", "array", "[{system_id, password, operator, allowed_cidrs}] operators that bind to us",
       [](const toml::node& n, config& c) {
         using F = std::function<std::optional<std::string>(const toml::node&, smpp_account&)>;
         return want_table_array<smpp_account>(
             n, c.smpp.accounts,
             {{"system_id", F([](const toml::node& v, smpp_account& a) { return want_string(v, a.system_id); })},
              {"password", F([](const toml::node& v, smpp_account& a) { return want_string(v, a.password); })},
              {"operator", F([](const toml::node& v, smpp_account& a) { return want_string(v, a.operator_name); })},
              {"allowed_cidrs", F([](const toml::node& v, smpp_account& a) { return want_string_array(v, a.allowed_cidrs); })}},
             {"system_id", "password", "operator"});
       }},
      {"smpp.clients", "array",
       "[{host, port, system_id, password, bind, operator, cluster_binds}] SMSCs we bind to (cluster_binds: binds the "
       "cluster may hold at once, default 1)",
       [](const toml::node& n, config& c) {
         using F = std::function<std::optional<std::string>(const toml::node&, smpp_client_config&)>;
         return want_table_array<smpp_client_config>(
             n, c.smpp.clients,
             {{"host", F([](const toml::node& v, smpp_client_config& a) { return want_string(v, a.host); })},
              {"port", F([](const toml::node& v, smpp_client_config& a) { return want_int(v, a.port, 1, 65535); })},
              {"system_id", F([](const toml::node& v, smpp_client_config& a) { return want_string(v, a.system_id); })},
              {"password", F([](const toml::node& v, smpp_client_config& a) { return want_string(v, a.password); })},
              {"system_type", F([](const toml::node& v, smpp_client_config& a) { return want_string(v, a.system_type); })},
              {"bind", F([](const toml::node& v, smpp_client_config& a) {
                 return want_one_of(v, a.bind, {"transceiver", "receiver"});
               })},
              {"operator", F([](const toml::node& v, smpp_client_config& a) { return want_string(v, a.operator_name); })},
              {"cluster_binds", F([](const toml::node& v, smpp_client_config& a) { return want_int(v, a.cluster_binds, 1, 64); })}},
             {"host", "port", "system_id", "password", "operator"});
       }},
      {"smpp.window", "integer", "outstanding requests per bind (default 50)", INT(smpp.window, 1, 10000)},
      {"smpp.enquire_link_interval_s", "integer", "keep-alive period (default 30)", INT(smpp.enquire_link_interval_s, 1, 3600)},
      {"smpp.idle_timeout_s", "integer", "close a bind silent this long (default 120)", INT(smpp.idle_timeout_s, 1, 86400)},
      {"smpp.reassembly_timeout_s", "integer", "store incomplete long SMS after (default 60)",
       INT(smpp.reassembly_timeout_s, 1, 86400)},
      {"smpp.redelivery_window_s", "integer", "same message again within this is a redelivery (default 86400)",
       INT(smpp.redelivery_window_s, 1, 30 * 86400)},
      {"smpp.dcs0_policy", "string", "gsm7 | latin1 | auto: how to read data_coding 0 (default gsm7)",
       [](const toml::node& n, config& c) { return want_one_of(n, c.smpp.dcs0_policy, {"gsm7", "latin1", "auto"}); }},
      {"smpp.system_id", "string", "our system_id in bind responses, at most 15 characters (default LAPOR1708)",
       STR(smpp.system_id)},
      {"smpp.max_connections", "integer", "open connections to the SMPP listener; more are closed (default 1024)",
       INT(smpp.max_connections, 1, 100000)},
      {"smpp.reply_ttl_s", "integer", "drop a reply SMS no bind of its operator could take within this (default 21600)",
       INT(smpp.reply_ttl_s, 1, 7 * 86400)},
      {"smpp.reply_window", "integer", "reply SMS per bind sent and not yet answered by the operator (default 50)",
       INT(smpp.reply_window, 1, 1000)},
      {"smpp.reply_queue_limit", "integer", "reply SMS the channel holds waiting for a bind; the rest wait in the outbox (default 10000)",
       INT(smpp.reply_queue_limit, 1, 10000000)},
      {"smpp.reply_rate_per_s", "number", "reply PDUs started per bind and second, below the operator's TPS (default 100; 0 = unpaced)",
       [](const toml::node& n, config& c) -> std::optional<std::string> {
         if (!n.is_integer() && !n.is_floating_point()) return std::string("expected a number");
         const double v = n.is_integer() ? static_cast<double>(n.value<long long>().value_or(-1))
                                         : n.value<double>().value_or(-1);
         if (!(v >= 0) || v > 100000) return std::string("expected a number from 0 to 100000");
         c.smpp.reply_rate_per_s = v;
         return std::nullopt;
       }},
      {"smpp.reply_limit_per_hour", "integer", "reply SMS per citizen's number and hour; more are not sent (default 10; 0 = no limit)",
       INT(smpp.reply_limit_per_hour, 0, 1000000)},
      {"smpp.auto_reply_window_s", "integer",
       "an MO from a number within this many seconds of our reply to it is taken for an automatic reply: stored and forwarded, not answered (default 10; 0 = off)",
       INT(smpp.auto_reply_window_s, 0, 3600)},
      {"smpp.reply_number", "string", "international (62812..., TON 1 NPI 1) | national (0812..., TON 2 NPI 1) | as_received: destination_addr of reply SMS (default international)",
       [](const toml::node& n, config& c) { return want_one_of(n, c.smpp.reply_number, {"international", "national", "as_received"}); }},
      {"twitter.enabled", "bool", "poll mentions (default false)", BOOL(twitter.enabled)},
      {"twitter.api_base", "string", "API base URL (default https://api.twitter.com)", STR(twitter.api_base)},
      {"twitter.bearer_token", "string", "app bearer token", STR(twitter.bearer_token)},
      {"twitter.user_id", "string", "numeric user id of @lapor1708 (a string; an integer is accepted)",
       [](const toml::node& n, config& c) -> std::optional<std::string> {
         if (auto v = n.is_integer() ? n.value<long long>() : std::nullopt; v && *v > 0) {
           c.twitter.user_id = std::to_string(*v);
           return std::nullopt;
         }
         return want_string(n, c.twitter.user_id);
       }},
      {"twitter.handle", "string", "our handle without @ (default lapor1708)", STR(twitter.handle)},
      {"twitter.poll_interval_ms", "integer", "poll period (default 60000)", INT(twitter.poll_interval_ms, 10, 86400000)},
      {"twitter.max_results", "integer", "mentions per page, 5..100 (default 100)", INT(twitter.max_results, 5, 100)},
      {"twitter.request_timeout_ms", "integer", "per API request (default 30000)", INT(twitter.request_timeout_ms, 100, 600000)},
      {"twitter.backoff_initial_ms", "integer", "first retry delay after 5xx/network errors (default 1000)",
       INT(twitter.backoff_initial_ms, 1, 3600000)},
      {"twitter.backoff_max_ms", "integer", "retry delay cap (default 300000)", INT(twitter.backoff_max_ms, 1, 86400000)},
      {"twitter.config_error_retry_ms", "integer", "retry period after 401/403/400/usage cap (default 300000)",
       INT(twitter.config_error_retry_ms, 10, 86400000)},
      {"twitter.initial_since_id", "string",
       "post id to start after when no cursor is stored yet (default: every mention the API keeps, ~800)",
       [](const toml::node& n, config& c) -> std::optional<std::string> {
         if (auto v = n.is_integer() ? n.value<long long>() : std::nullopt; v && *v > 0) {
           c.twitter.initial_since_id = std::to_string(*v);
           return std::nullopt;
         }
         if (auto e = want_string(n, c.twitter.initial_since_id)) return e;
         const auto& id = c.twitter.initial_since_id;
         if (!id.empty() && (id.size() > 19 || id.find_first_not_of("0123456789") != std::string::npos))
           return "expected a post id (digits)";
         return std::nullopt;
       }},
      {"twitter.reconcile_window_ms", "integer",
       "every reconcile_every polls, re-read from the cursor of this long ago: mentions the API indexed late (default 600000, 0 = off)",
       INT(twitter.reconcile_window_ms, 0, 86400000)},
      {"twitter.reconcile_every", "integer", "polls between two late-mention re-reads (default 10)",
       INT(twitter.reconcile_every, 1, 1000000)},
      {"twitter.reply", "bool", "reply to each new mention with its tracking ID; needs the four OAuth 1.0a keys (default false)",
       BOOL(twitter.reply)},
      {"twitter.reply_template", "string", "reply text, {tracking_id} filled in", STR(twitter.reply_template)},
      {"twitter.reply_max_attempts", "integer", "dead-letter a reply after this many failures, 0 = never (default 30)",
       INT(twitter.reply_max_attempts, 0, 1000000)},
      {"twitter.consumer_key", "string", "OAuth 1.0a consumer (API) key, for replies", STR(twitter.consumer_key)},
      {"twitter.consumer_secret", "string", "OAuth 1.0a consumer (API) secret, for replies", STR(twitter.consumer_secret)},
      {"twitter.access_token", "string", "OAuth 1.0a access token of the account, for replies", STR(twitter.access_token)},
      {"twitter.access_token_secret", "string", "OAuth 1.0a access token secret, for replies",
       STR(twitter.access_token_secret)},
      {"dispatcher.url", "string", "http(s)://… or file://PATH (default file://<data_dir>/dispatched.jsonl)",
       [](const toml::node& n, config& c) -> std::optional<std::string> {
         std::string s;
         if (auto e = want_string(n, s)) return e;
         if (!(s.starts_with("http://") || s.starts_with("https://") || s.starts_with("file://")) ||
             s.size() < 8)
           return "expected http://…, https://… or file://PATH";
         c.dispatcher.url = s;
         return std::nullopt;
       }},
      {"dispatcher.token", "string", "sent as Authorization: Bearer …", STR(dispatcher.token)},
      {"dispatcher.batch", "bool", "POST JSON arrays (default false)", BOOL(dispatcher.batch)},
      {"dispatcher.batch_size", "integer", "documents per batch (default 100)", INT(dispatcher.batch_size, 1, 10000)},
      {"dispatcher.connections", "integer", "parallel connections (default 4)", INT(dispatcher.connections, 1, 256)},
      {"dispatcher.timeout_ms", "integer", "per request (default 10000)", INT(dispatcher.timeout_ms, 100, 600000)},
      {"dispatcher.max_attempts", "integer", "dead-letter after this many transient failures, 0 = never (default 0)",
       INT(dispatcher.max_attempts, 0, 1000000)},
      {"dispatcher.backoff_initial_ms", "integer", "first retry delay (default 500)",
       INT(dispatcher.backoff_initial_ms, 1, 3600000)},
      {"dispatcher.backoff_max_ms", "integer", "retry delay cap (default 300000)", INT(dispatcher.backoff_max_ms, 1, 86400000)},
      {"mobile.api_keys", "array", "[{key_id, secret}] app keys for request signing",
       [](const toml::node& n, config& c) {
         using F = std::function<std::optional<std::string>(const toml::node&, mobile_api_key&)>;
         return want_table_array<mobile_api_key>(
             n, c.mobile.api_keys,
             {{"key_id", F([](const toml::node& v, mobile_api_key& a) { return want_string(v, a.key_id); })},
              {"secret", F([](const toml::node& v, mobile_api_key& a) { return want_string(v, a.secret); })}},
             {"key_id", "secret"});
       }},
      {"tracking.node_id", "integer", "this node's number 0..255 (default 0)", INT(tracking.node_id, 0, 255)},
      {"tracking.key", "string", "32 hex digits shared by all nodes (default: generated in data_dir)",
       [](const toml::node& n, config& c) -> std::optional<std::string> {
         std::string s;
         if (auto e = want_string(n, s)) return e;
         if (s.size() != 32 || s.find_first_not_of("0123456789abcdefABCDEF") != std::string::npos)
           return "expected 32 hex digits";
         c.tracking.key = s;
         return std::nullopt;
       }},
      {"sla.holidays_file", "string", "holiday list (YYYY-MM-DD name per line); default: embedded 2025-2027",
       STR(sla.holidays_file)},
      {"store.queue_limit", "integer", "queued submissions before refusing (default 20000)",
       INT(store.queue_limit, 1, 10000000)},
      {"store.max_group", "integer", "submissions per transaction at most (default 2048)", INT(store.max_group, 1, 1000000)},
      {"store.synchronous_full", "bool", "fsync the WAL at every commit (default true)", BOOL(store.synchronous_full)},
      {"store.pipelined_sync", "bool",
       "with synchronous_full: the WAL's fsync on its own thread, overlapping the next group's statements; "
       "answers still wait for it (default true)",
       BOOL(store.pipelined_sync)},
      {"store.inline_sync_below_us", "integer",
       "with pipelined_sync: while the WAL's fsync averages less than this, the writer syncs a group itself "
       "when the syncer is idle (fewer, larger transactions); 0 = always the syncer (default 1000)",
       INT(store.inline_sync_below_us, 0, 10000000)},
      {"store.backend", "string", "\"sqlite\" (embedded, one node; default) or \"postgres\" (cluster mode)",
       [](const toml::node& n, config& c) -> std::optional<std::string> {
         std::string s;
         if (auto e = want_string(n, s)) return e;
         if (s != "sqlite" && s != "postgres") return "expected \"sqlite\" or \"postgres\"";
         c.store.backend = s;
         return std::nullopt;
       }},
      {"store.postgres.conninfo", "string",
       "libpq connection string of the cluster's PostgreSQL (with store.backend = \"postgres\")",
       STR(store.postgres_conninfo)},
      {"cluster.lease_ttl_s", "integer",
       "cluster mode: node and Twitter poller lease time; a dead node's outbox rows move after it (default 10)",
       INT(cluster.lease_ttl_s, 1, 3600)},
      {"cluster.claim_poll_ms", "integer", "cluster mode: how often forwarders claim due outbox rows (default 500)",
       INT(cluster.claim_poll_ms, 20, 60000)},
      {"retention.enabled", "bool",
       "erase content, identity and photos of complaints the dispatcher confirmed retention.days ago (default true)",
       BOOL(retention.enabled)},
      {"retention.days", "integer",
       "days after the dispatcher's confirmation until a complaint's personal data is erased; at least dedup.window_days (default 30)",
       INT(retention.days, 0, 36500)},
      {"retention.check_interval_s", "integer", "seconds between two retention passes (default 3600)",
       INT(retention.check_interval_s, 1, 86400)},
      {"dedup.enabled", "bool", "recognise cross-channel duplicates of one reporter (default true)", BOOL(dedup.enabled)},
      {"dedup.window_days", "integer", "cross-channel duplicate window (default 7)", INT(dedup.window_days, 0, 365)},
      {"dedup.duplicate_score", "number", "same reporter: text score 0..1 that makes a duplicate (default 0.25)",
       [](const toml::node& n, config& c) { return want_double(n, c.dedup.duplicate_score, 0.0, 1.0); }},
      {"dedup.same_event_score", "number",
       "same reporter, problem and district/village: text score 0..1 that merges (default 0.1)",
       [](const toml::node& n, config& c) { return want_double(n, c.dedup.same_event_score, 0.0, 1.0); }},
      {"dedup.unknown_problem_score", "number",
       "same reporter, one side names no known problem: text score 0..1 that merges (default 0.6)",
       [](const toml::node& n, config& c) { return want_double(n, c.dedup.unknown_problem_score, 0.0, 1.0); }},
      {"dedup.followup_score", "number", "a follow-up of the same reporter on the same problem: text score that merges (default 0.25)",
       [](const toml::node& n, config& c) { return want_double(n, c.dedup.followup_score, 0.0, 1.0); }},
      {"dedup.unplaced_score", "number",
       "same reporter and problem, one side names no place: text score 0..1 that merges (default 0.35)",
       [](const toml::node& n, config& c) { return want_double(n, c.dedup.unplaced_score, 0.0, 1.0); }},
      {"dedup.street_containment", "number",
       "same reporter, a shared street, a region on one side only: share 0..1 of its text in the other's that merges (default 0.8)",
       [](const toml::node& n, config& c) { return want_double(n, c.dedup.street_containment, 0.0, 1.0); }},
      {"dedup.swap_score", "number",
       "same reporter, texts this alike (0..1) but each with a word the other lacks: a possible duplicate, not a merge (default 0.8)",
       [](const toml::node& n, config& c) { return want_double(n, c.dedup.swap_score, 0.0, 1.0); }},
      {"dedup.detail_length_ratio", "number",
       "same reporter, the later report names a problem the earlier does not: detail of the same complaint only when it has more than this many times the words (default 2; else a possible duplicate)",
       [](const toml::node& n, config& c) { return want_double(n, c.dedup.detail_length_ratio, 1.0, 100.0); }},
      {"dedup.possible_score", "number",
       "same reporter, not sure enough to merge: text score 0..1 from which it is a possible duplicate (default 0.12)",
       [](const toml::node& n, config& c) { return want_double(n, c.dedup.possible_score, 0.0, 1.0); }},
      {"dedup.related_score", "number", "other reporters: word overlap 0..1 that marks related (default 0.8)",
       [](const toml::node& n, config& c) { return want_double(n, c.dedup.related_score, 0.0, 1.0); }},
      {"dedup.related_max_hamming", "integer", "other reporters: SimHash distance 0..64 that marks related (default 10)",
       INT(dedup.related_max_hamming, 0, 64)},
      {"dedup.max_candidates", "integer", "complaints compared per reporter and per SimHash bucket (default 64)",
       INT(dedup.max_candidates, 1, 100000)},
  };
  return specs;
}

#undef STR
#undef BOOL
#undef INT
#undef LISTEN

const key_spec* find_spec(std::string_view key) {
  for (const auto& s : key_specs())
    if (key == s.key) return &s;
  return nullptr;
}

bool is_section(std::string_view prefix) {
  for (const auto& s : key_specs()) {
    std::string_view k = s.key;
    if (k.size() > prefix.size() && k.starts_with(prefix) && k[prefix.size()] == '.') return true;
  }
  return false;
}

// A node's value as TOML text: equal values print equally, so two loads can be compared key by key.
std::string node_text(const toml::node& n) {
  std::ostringstream o;
  n.visit([&o](const auto& v) { o << v; });
  return o.str();
}

std::optional<config_error> apply_table(const toml::table& t, const std::string& prefix, config& out,
                                        config_source& source) {
  for (const auto& [k, v] : t) {
    std::string key = prefix.empty() ? std::string(k.str()) : prefix + "." + std::string(k.str());
    if (const auto* spec = find_spec(key)) {
      if (auto e = spec->set(v, out)) return config_error{key, *e};
      source[key] = node_text(v);
    } else if (v.is_table() && is_section(key)) {
      if (auto e = apply_table(*v.as_table(), key, out, source)) return e;
    } else {
      return config_error{key, "unknown config key (see --help)"};
    }
  }
  return std::nullopt;
}

// "a.b.c=value" -> sets root[a][b][c]. The value is TOML when it parses as one, else a string.
std::optional<config_error> apply_override(const std::string& kv, toml::table& root) {
  auto eq = kv.find('=');
  if (eq == std::string::npos || eq == 0) return config_error{kv, "expected --set key=value"};
  std::string key = kv.substr(0, eq), value = kv.substr(eq + 1);
  toml::table* t = &root;
  std::size_t start = 0;
  for (;;) {
    auto dot = key.find('.', start);
    std::string part = key.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    if (part.empty()) return config_error{key, "malformed key"};
    if (dot == std::string::npos) {
      try {
        toml::table parsed = toml::parse("v = " + value);
        if (auto* node = parsed.get("v")) {
          t->insert_or_assign(part, *node);
          return std::nullopt;
        }
      } catch (const toml::parse_error&) {
        // not a TOML value: taken as a plain string below
      }
      t->insert_or_assign(part, value);
      return std::nullopt;
    }
    auto* next = t->get(part);
    if (!next) {
      toml::table fresh;
      t->insert_or_assign(part, std::move(fresh));
      next = t->get(part);
    }
    if (!next->is_table()) return config_error{key.substr(0, dot), "is not a table"};
    t = next->as_table();
    start = dot + 1;
  }
}

}  // namespace

std::string listen_address::to_string() const {
  if (host.find(':') != std::string::npos) return "[" + host + "]:" + std::to_string(port);
  return host + ":" + std::to_string(port);
}

std::optional<listen_address> parse_listen_address(const std::string& s) {
  auto colon = s.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 >= s.size()) return std::nullopt;
  std::string host = s.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  unsigned port = 0;
  auto p = s.data() + colon + 1, e = s.data() + s.size();
  auto [ptr, ec] = std::from_chars(p, e, port);
  if (ec != std::errc{} || ptr != e || port > 65535) return std::nullopt;
  return listen_address{host, static_cast<std::uint16_t>(port)};
}

std::string config::dispatcher_url() const {
  if (!dispatcher.url.empty()) return dispatcher.url;
  return "file://" + data_dir + "/dispatched.jsonl";
}

std::string config_error::to_string() const {
  if (key.empty()) return message;
  return "config key '" + key + "': " + message;
}

std::optional<config_error> load_config(const std::optional<std::string>& file, const std::vector<std::string>& overrides,
                                        config& out) {
  config_source unused;
  return load_config(file, overrides, out, unused);
}

std::optional<config_error> load_config(const std::optional<std::string>& file, const std::vector<std::string>& overrides,
                                        config& out, config_source& source) {
  toml::table root;
  if (file) {
    try {
      root = toml::parse_file(*file);
    } catch (const toml::parse_error& err) {
      std::ostringstream msg;
      msg << *file << ":" << err.source().begin.line << ":" << err.source().begin.column << ": " << err.description();
      return config_error{"", msg.str()};
    }
  }
  for (const auto& kv : overrides)
    if (auto e = apply_override(kv, root)) return e;
  // Parsed into a named local and moved out only when valid: `out` keeps its old value on any
  // error, and GCC 12 at -O2/-O3 no longer sees the move-assignment from a braced temporary
  // (`out = config{}`), whose nested std::string members it reported as maybe-uninitialized.
  config parsed;
  config_source parsed_source;
  if (auto e = apply_table(root, "", parsed, parsed_source)) return e;
  if (parsed.data_dir.empty()) return config_error{"data_dir", "must not be empty"};
  if (parsed.store.backend == "postgres" && parsed.store.postgres_conninfo.empty())
    return config_error{"store.postgres.conninfo", "required when store.backend is \"postgres\""};
  if (parsed.twitter.enabled) {
    if (parsed.twitter.bearer_token.empty()) return config_error{"twitter.bearer_token", "required when twitter.enabled"};
    const auto& id = parsed.twitter.user_id;
    if (id.empty() || id.size() > 19 || id.find_first_not_of("0123456789") != std::string::npos)
      return config_error{"twitter.user_id", "expected the numeric user id of the account (GET /2/users/by/username/…)"};
    if (!(parsed.twitter.api_base.starts_with("http://") || parsed.twitter.api_base.starts_with("https://")))
      return config_error{"twitter.api_base", "expected http://… or https://…"};
    if (parsed.twitter.reply) {
      for (const auto& [key, value] : {std::pair{"twitter.consumer_key", &parsed.twitter.consumer_key},
                                       std::pair{"twitter.consumer_secret", &parsed.twitter.consumer_secret},
                                       std::pair{"twitter.access_token", &parsed.twitter.access_token},
                                       std::pair{"twitter.access_token_secret", &parsed.twitter.access_token_secret}})
        if (value->empty()) return config_error{key, "required when twitter.reply is true (OAuth 1.0a user context)"};
      if (parsed.twitter.reply_template.find("{tracking_id}") == std::string::npos)
        return config_error{"twitter.reply_template", "must contain {tracking_id}"};
    }
  }
  // Erasing inside the duplicate window would drop the sketch a later duplicate must be
  // recognised by (and keep identities in it while it lasts): retention starts after the window.
  if (parsed.retention.enabled && parsed.dedup.enabled && parsed.retention.days < parsed.dedup.window_days)
    return config_error{"retention.days", "must be at least dedup.window_days (" +
                                              std::to_string(parsed.dedup.window_days) + ")"};
  if (parsed.smpp.system_id.empty() || parsed.smpp.system_id.size() > 15)
    return config_error{"smpp.system_id", "must be 1 to 15 characters"};
  // Empty, every SMS to the short code would be refused as not addressed to it (and one to an
  // empty address taken); an SMPP address holds at most 20 digits.
  if (const auto& sc = parsed.smpp.short_code;
      sc.empty() || sc.size() > 20 || sc.find_first_not_of("0123456789") != std::string::npos)
    return config_error{"smpp.short_code", "must be 1 to 20 digits (\"1708\")"};
  // The admin routes submit, unmerge and retry: on an address other hosts reach, only behind
  // a token (its Host check guards browsers on this host, not a client that sends any Host).
  if (parsed.admin.token.empty() && !is_loopback_host(parsed.admin.listen.host))
    return config_error{"admin.token", "required when admin.listen is not a loopback address (" +
                                           parsed.admin.listen.host + ")"};
  for (const auto& a : parsed.smpp.accounts)
    if (a.system_id.size() > 15) return config_error{"smpp.accounts", "system_id longer than 15 characters: " + a.system_id};
  out = std::move(parsed);
  source = std::move(parsed_source);
  return std::nullopt;
}

std::string config_help() {
  std::ostringstream o;
  o << "Usage: lapor-gateway [--config FILE] [--set key=value]... [--check-config] [--log-format json|text]\n"
       "       lapor-gateway backup [--config FILE] [--set key=value]... --to PATH\n"
       "       lapor-gateway restore [--config FILE] [--set key=value]... --from PATH [--force]\n"
       "       lapor-gateway move-to-cluster [--config FILE] [--set key=value]...\n\n"
       "SP4N-LAPOR! multichannel ingestion gateway: SMS 1708 (SMPP 3.4), Twitter mentions, web form and\n"
       "mobile API into canonical complaints, forwarded to the dispatcher through a durable outbox.\n\n"
       "Options:\n"
       "  --config FILE        read a TOML config file (keys below; sections as [web], [smpp] …)\n"
       "  --set key=value      override one key (repeatable), e.g. --set web.listen=127.0.0.1:0\n"
       "  --check-config       validate the configuration and exit (0 = valid)\n"
       "  --log-format F       json (default) or text; same as --set log_format=F\n"
       "  --help               this text\n\n"
       "Commands:\n"
       "  backup --to PATH     consistent online copy of data_dir's database (and tracking.key) into\n"
       "                       PATH, a new file or a folder (then PATH/lapor-<UTC time>.db), with\n"
       "                       PATH.sha256 beside it (sha256sum -c format)\n"
       "  restore --from PATH  checks PATH.sha256 and integrity_check, then installs the copy as\n"
       "                       data_dir's database; refused while a daemon runs on data_dir, and\n"
       "                       over an existing database unless --force\n"
       "  move-to-cluster      copies a stopped SQLite node's pending outbox, dedup window, links,\n"
       "                       cursors and open long-SMS parts into the PostgreSQL of\n"
       "                       store.postgres.conninfo; then start it with store.backend = postgres\n\n"
       "Signals: SIGTERM/SIGINT stop cleanly; SIGHUP reloads smpp.accounts, mobile.api_keys,\n"
       "dispatcher.token, web.rate_limit_per_minute and log_level (other changes are refused).\n\n"
       "Config keys:\n";
  for (const auto& s : key_specs()) {
    o << "  " << s.key;
    for (std::size_t i = std::string_view(s.key).size(); i < 30; ++i) o << ' ';
    o << " " << s.type << ": " << s.help << "\n";
  }
  o << "\nA port of 0 binds an ephemeral port; <data_dir>/ports.json lists the bound ports.\n";
  return o.str();
}

}  // namespace lapor::gateway
