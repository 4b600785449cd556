// Configuration (SPEC §3): an embedded default, a TOML file, and `--set key=value` overrides.
// Every key is known: an unknown or mistyped key is an error that names it.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace lapor::gateway {

struct listen_address {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;
  [[nodiscard]] std::string to_string() const;
};

struct smpp_account {
  std::string system_id, password, operator_name;
  std::vector<std::string> allowed_cidrs;  // empty = any address
};

struct smpp_client_config {
  std::string host;
  std::uint16_t port = 2775;
  std::string system_id, password, system_type;
  std::string bind = "transceiver";  // transceiver | receiver
  std::string operator_name;
  // Cluster mode: how many nodes may hold this bind at once (the operator's session cap for
  // the account); each bind is a lease, taken over by another node when its holder dies.
  int cluster_binds = 1;
};

struct mobile_api_key {
  std::string key_id, secret;
};

struct config {
  std::string data_dir = "./data";
  std::string log_format = "json";  // json | text
  std::string log_level = "info";   // debug | info | warn | error
  int threads = 2;                  // Asio threads

  struct {
    listen_address listen{"127.0.0.1", 8080};
    std::size_t max_body_bytes = 32 * 1024 * 1024;
    int rate_limit_per_minute = 600;  // submissions per client IP (high: carrier-grade NAT, see README)
    std::size_t max_photo_bytes = 6 * 1024 * 1024;  // per photo (web form and mobile API)
    int max_photos = 5;                             // photos per report
    int upload_threads = 2;                         // threads writing uploads to disk
    int max_connections = 4096;     // open public connections; beyond: 503 + Retry-After
    int header_timeout_ms = 10000;  // to send a request's header (slowloris cut-off)
    int body_timeout_ms = 60000;    // to send a request's body
    int idle_timeout_ms = 30000;    // keep-alive wait for the next request
  } web;
  struct {
    listen_address listen{"127.0.0.1", 9090};
    bool test_channel = false;  // POST /admin/test/submit (integration tests and drills)
    std::string token;          // when set: Authorization: Bearer <token> on every route but /healthz
    std::vector<std::string> allowed_hosts;  // Host names accepted besides the listen host and loopback names
  } admin;
  struct {
    listen_address listen{"127.0.0.1", 2775};
    bool enabled = true;
    std::string short_code = "1708";
    std::vector<smpp_account> accounts;
    std::vector<smpp_client_config> clients;
    int window = 50;
    int enquire_link_interval_s = 30;
    int idle_timeout_s = 120;
    int reassembly_timeout_s = 60;
    int redelivery_window_s = 86400;
    std::string dcs0_policy = "gsm7";  // gsm7 | latin1 | auto
    std::string system_id = "LAPOR1708";  // ours, in bind_*_resp
    int max_connections = 1024;           // open connections to the SMPP listener
    int reply_ttl_s = 21600;              // a reply SMS waiting for a bind is dropped after this
    int reply_window = 50;                // our reply PDUs per bind waiting for the operator's resp
    int reply_queue_limit = 10000;        // replies handed to the channel and waiting for a bind at most
    double reply_rate_per_s = 100;        // reply PDUs started per bind and second (0 = unpaced)
    int reply_limit_per_hour = 10;        // reply SMS per citizen's number and hour (0 = no limit)
    int auto_reply_window_s = 10;         // an MO this soon after our reply to that number is an auto-reply (0 = off)
    std::string reply_number = "international";  // international (62812…, TON 1) | national (0812…, TON 2) | as_received
  } smpp;
  struct {
    bool enabled = false;
    std::string api_base = "https://api.twitter.com";
    std::string bearer_token;
    std::string user_id;
    std::string handle = "lapor1708";
    int poll_interval_ms = 60000;
    int max_results = 100;               // 5..100 mentions per page
    int request_timeout_ms = 30000;
    int backoff_initial_ms = 1000;       // 5xx / network / malformed answers
    int backoff_max_ms = 300000;
    int config_error_retry_ms = 300000;  // 401/403/400/usage cap: retried this often
    std::string initial_since_id;        // first start only; empty = every mention the API keeps
    int reconcile_window_ms = 600000;    // re-read from the cursor of this long ago (late mentions); 0 = off
    int reconcile_every = 10;            // page sets between two such re-reads
    bool reply = false;                  // answer each new complaint with its tracking ID
    std::string reply_template = "Terima kasih, laporan Anda kami terima dengan nomor {tracking_id}.";
    int reply_max_attempts = 30;         // then the reply row is dead-lettered
    // OAuth 1.0a user context of the account (POST /2/tweets refuses app-only bearer tokens).
    std::string consumer_key, consumer_secret, access_token, access_token_secret;
  } twitter;
  struct {
    std::string url;  // empty = file://<data_dir>/dispatched.jsonl
    std::string token;
    bool batch = false;
    int batch_size = 100;
    int connections = 4;
    int timeout_ms = 10000;
    int max_attempts = 0;
    int backoff_initial_ms = 500;
    int backoff_max_ms = 300000;
  } dispatcher;
  struct {
    std::vector<mobile_api_key> api_keys;
  } mobile;
  struct {
    int node_id = 0;
    std::string key;  // 32 hex digits; empty = <data_dir>/tracking.key (created on first start)
  } tracking;
  struct {
    std::string holidays_file;  // empty = the embedded 2025–2027 national holidays
  } sla;
  struct {
    std::size_t queue_limit = 20000;
    std::size_t max_group = 2048;
    bool synchronous_full = true;
    bool pipelined_sync = true;  // the WAL's fsync overlaps the next group (store.h)
    int inline_sync_below_us = 1000;  // the writer syncs itself while fsyncs are faster (store.h)
    // "sqlite" (embedded, one node, the default) or "postgres" (cluster mode, SPEC §9).
    std::string backend = "sqlite";
    std::string postgres_conninfo;  // libpq connection string (store.postgres.conninfo)
  } store;
  struct {
    int lease_ttl_s = 10;     // node lease, Twitter poller lease; a dead node's outbox claims free after it
    int claim_poll_ms = 500;  // how often each forwarder claims due rows of the shared outbox
  } cluster;
  struct {
    bool enabled = true;        // erase personal data (gateway/retention.h)
    int days = 30;              // after the dispatcher confirmed a complaint
    int check_interval_s = 3600;  // between two retention passes
  } retention;
  struct {
    bool enabled = true;              // cross-channel duplicate detection (gateway/dedup_engine.h)
    int window_days = 7;
    double duplicate_score = 0.25;    // same reporter, same problem and place: text score (0..1) from which it merges
    double same_event_score = 0.1;    // … the same problem in the same district or village: from this
    double unknown_problem_score = 0.6;  // … one side names no known problem: from this
    double followup_score = 0.25;     // a follow-up ("sudah lapor", "belum ada tanggapan") on the same problem
    double unplaced_score = 0.35;     // … one side names no place (or a province only): from this
    double swap_score = 0.8;  // … texts this alike with a word swapped ("Dusun I" / "Dusun II"): a doubt
    double detail_length_ratio = 2.0;  // … a later report naming another problem too: detail only when this many times longer
    double street_containment = 0.8;  // … a shared street, a region on one side only: its text in the other's
    double possible_score = 0.12;     // below a merge, from this: a possible duplicate (a hint, not merged)
    double related_score = 0.8;       // other reporters: word overlap from which reports are related
    int related_max_hamming = 10;     // … and SimHash distance up to which (0..64)
    int max_candidates = 64;          // compared per identity group / SimHash bucket, newest first
  } dedup;

  // The dispatcher URL with the default resolved.
  [[nodiscard]] std::string dispatcher_url() const;
};

struct config_error {
  std::string key;      // the offending key, e.g. "web.listen"; empty when the file itself is bad
  std::string message;  // what is wrong
  [[nodiscard]] std::string to_string() const;
};

// Loads `file` (if any), then applies each "key=value" override in order. The value of an
// override is read as a TOML value when it parses as one (numbers, booleans, arrays, inline
// tables), else as a plain string. On failure returns the first error and leaves `out` unchanged.
[[nodiscard]] std::optional<config_error> load_config(const std::optional<std::string>& file,
                                                      const std::vector<std::string>& overrides, config& out);

// Every key the file and the overrides set, with its value as TOML text (an array of tables is
// one key), e.g. {"web.listen": "'127.0.0.1:0'", "smpp.accounts": "[{ … }]"}; keys left at
// their default are absent. A reload (SIGHUP) compares two of these to name what changed.
using config_source = std::map<std::string, std::string>;

// load_config that also fills `source` (on success only).
[[nodiscard]] std::optional<config_error> load_config(const std::optional<std::string>& file,
                                                      const std::vector<std::string>& overrides, config& out,
                                                      config_source& source);

// The text of `--help`: every option and every key with its default.
[[nodiscard]] std::string config_help();

[[nodiscard]] std::optional<listen_address> parse_listen_address(const std::string& s);

}  // namespace lapor::gateway
