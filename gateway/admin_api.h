// The admin listener's routes (SPEC §8): health, readiness, Prometheus metrics, the outbox,
// and — only when admin.test_channel is on — a JSON test channel into the pipeline.
//
//   GET  /healthz                      200 "ok" while the process serves
//   GET  /readyz                       200 when every readiness gate passes, else 503 + reasons;
//                                      failing notes (e.g. dispatcher) listed either way
//   GET  /metrics                      Prometheus text
//   GET  /admin/outbox?state=pending|dead|sent&after=ID&limit=N
//   POST /admin/outbox/{id}/retry      dead/pending row -> pending now
//   GET  /admin/complaints/{tracking_id}         state, duplicate_of and "meta" (dedup evidence)
//   POST /admin/complaints/{tracking_id}/unmerge undo a wrong duplicate merge (lapor.unmerge/v1)
//   POST /admin/test/submit            (test channel) JSON complaint + Idempotency-Key
#pragma once

#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "gateway/http_router.h"
#include "gateway/metrics.h"
#include "gateway/outbox_forwarder.h"
#include "gateway/pipeline.h"
#include "store/store.h"

namespace lapor::gateway {

// A readiness check returns nullopt when fine, else the reason it is not ready.
using readiness_check = std::function<std::optional<std::string>()>;

class readiness {
 public:
  // A gate: while it fails, /readyz answers 503 and a load balancer sends traffic elsewhere.
  void add(std::string name, readiness_check c);
  // A note: shown in /readyz but not a gate. A failing dispatcher is one: ingestion stays
  // correct (the outbox is durable), so taking the node out of rotation would only hurt.
  void add_note(std::string name, readiness_check c);
  // (name, reason) of every failing gate.
  [[nodiscard]] std::vector<std::pair<std::string, std::string>> failing() const;
  // (name, reason) of every failing note.
  [[nodiscard]] std::vector<std::pair<std::string, std::string>> notes() const;

 private:
  using named_checks = std::vector<std::pair<std::string, readiness_check>>;
  static std::vector<std::pair<std::string, std::string>> run(const named_checks& checks);
  mutable std::mutex mutex_;
  named_checks gates_;
  named_checks notes_;
};

struct admin_deps {
  store::group_writer& writer;
  store::read_pool& reader;
  // Every forwarder (dispatcher, Twitter replies…): an operator's retry is offered to each, and
  // the one whose destination holds the row sends it. Filled before the listener starts.
  const std::vector<outbox_forwarder*>& forwarders;
  metrics& stats;
  readiness& ready;
  pipeline& core;
  bool test_channel = false;
};

void add_admin_routes(http_router& router, admin_deps deps);

// Parses the test channel's JSON body into a submission; a rejection naming the field.
[[nodiscard]] std::optional<submit_result> parse_test_submission(const std::string& body, submission& out);

}  // namespace lapor::gateway
