// Forwards outbox rows to the dispatcher (SPEC §4) and records the outcome in the store.
//
// Runs on its own thread with a libcurl multi handle (keep-alive, `connections` parallel
// transfers, connect/total timeouts), so it never blocks an Asio thread. Rows arrive from the
// writer after each commit (fast path) and from a scan of pending rows at start-up, so a
// restart resumes where the last process stopped. Every request carries
// `Idempotency-Key: <tracking_id>`; 2xx -> sent; 408/429/5xx/network -> retry with capped
// exponential backoff and full jitter, honouring Retry-After; other 4xx -> dead letter.
// `file://PATH` appends JSON lines and fsyncs before marking rows sent.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "gateway/metrics.h"
#include "store/store.h"

namespace lapor::gateway {

struct forwarder_options {
  std::string url;                       // http(s)://… or file://PATH
  std::string token;                     // Authorization: Bearer …, empty = none
  std::string destination = "dispatcher";
  int connections = 4;                   // parallel transfers / kept-alive connections
  std::chrono::milliseconds connect_timeout{2000};
  std::chrono::milliseconds request_timeout{10000};
  std::chrono::milliseconds backoff_initial{500};
  std::chrono::milliseconds backoff_max{300000};
  int max_attempts = 0;                  // 0 = retry transient failures forever (visible in metrics)
  bool batch = false;                    // POST a JSON array of up to batch_size documents
  int batch_size = 100;
  // Count outcomes in lapor_forwarded/retried/dead_lettered_total{channel}: true for the
  // dispatcher; false for other destinations (e.g. reply posts), which keep their own metrics.
  bool channel_metrics = true;
  // Cluster mode (shared outbox): a pass over the pending rows this often, which claims the
  // rows of nodes whose lease expired (store::read_pool::pending_outbox). 0 = one node: a
  // pass only at start and when rows were dropped from memory.
  std::chrono::milliseconds claim_poll{0};
};

// How one dispatcher answer is classified; pure, unit-tested.
// elsewhere: this node cannot deliver it, another node may (cluster mode: a reply SMS for an
// operator this node has no bind of); the row is handed on (group_writer::hand_on).
enum class delivery_outcome { delivered, retry, dead, elsewhere };
[[nodiscard]] delivery_outcome classify_http_status(long status) noexcept;
// Seconds from a Retry-After value (delta-seconds or HTTP-date relative to `now`); -1 if absent/invalid.
[[nodiscard]] long parse_retry_after(const std::string& value, std::chrono::system_clock::time_point now);
// min(max, initial * 2^(attempt-1)) with full jitter in [0, that]; `rnd01` in [0,1).
[[nodiscard]] std::chrono::milliseconds backoff_delay(int attempt, std::chrono::milliseconds initial,
                                                      std::chrono::milliseconds max, double rnd01) noexcept;

class dispatch_sink;

class outbox_forwarder {
 public:
  outbox_forwarder(forwarder_options opts, store::group_writer& writer, store::read_pool& reader, metrics& m);
  // With a sink of the caller's (another destination than the dispatcher, e.g. replies
  // posted to an API): `opts.url` is then only shown in logs.
  outbox_forwarder(forwarder_options opts, std::unique_ptr<dispatch_sink> sink, store::group_writer& writer,
                   store::read_pool& reader, metrics& m);
  ~outbox_forwarder();
  outbox_forwarder(const outbox_forwarder&) = delete;
  outbox_forwarder& operator=(const outbox_forwarder&) = delete;

  // Scans pending rows, then forwards as rows arrive. Returns at once.
  void start();
  // Thread-safe: newly committed rows (the writer's outbox listener calls this).
  void notify(const std::vector<store::outbox_item>& created);
  // Thread-safe: the store may hold pending rows of ours that notify() never brought (the
  // writer's outbox rescan: a COMMIT whose outcome was unknown); read them from the store.
  void rescan();
  // Thread-safe: a reload's new bearer token; transfers begun after the forwarder thread took
  // it carry it, those in flight finish with the old one.
  void set_token(std::string token);
  // Thread-safe: an operator asked to retry this row now (after the store requeued it).
  void retry_now(std::int64_t outbox_id);
  // Finishes in-flight transfers (bounded by request_timeout), records outcomes, joins.
  void stop();
  // True once the first scan after start() has queued every pending row (the "outbox
  // resumed" point that systemd's READY=1 waits for). Thread-safe.
  [[nodiscard]] bool resumed() const noexcept;
  // False while the dispatcher is failing every attempt (for /readyz detail, not a gate).
  [[nodiscard]] bool healthy() const noexcept;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace lapor::gateway
