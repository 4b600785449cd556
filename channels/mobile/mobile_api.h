// The mobile channel (SPEC §7 Mobile): the apps' JSON API on the public listener.
//
//   POST /api/v1/reports                 signed; Idempotency-Key required; JSON body, or
//                                        multipart/form-data with the JSON in part "report"
//                                        and photos as file parts
//   GET  /api/v1/reports/{tracking_id}   signed; the complaint's state and dates
//   GET  /api/v1/openapi.json            the OpenAPI 3 description of the above (unsigned)
//
// Answers: 201 {"tracking_id", "status": "received"|"duplicate", "duplicate_of"} after the
// commit; every error is RFC 9457 problem JSON naming the field: 400 (not JSON, too deep,
// missing Idempotency-Key), 401 (signature missing, wrong or stale, or a signed request
// replayed under another Idempotency-Key), 413 (too large), 415 (content type), 422 (a
// field, or an Idempotency-Key reused with another body), 429 (rate limit, Retry-After),
// 503 (overload, Retry-After).
//
// Idempotency: the submission's key is "<key_id>:<Idempotency-Key>" and its fingerprint the
// SHA-256 of the body, so the store itself answers a retry with the stored answer and the
// same key with another body with a conflict.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "channels/mobile/report_json.h"
#include "channels/mobile/request_signature.h"
#include "gateway/attachment_store.h"
#include "gateway/blocking_pool.h"
#include "gateway/channel.h"
#include "gateway/complaint_status.h"
#include "gateway/http_router.h"
#include "gateway/metrics.h"
#include "gateway/rate_limiter.h"
#include "gateway/reloadable.h"

namespace lapor::mobile {

struct mobile_options {
  std::size_t max_photos = 5;
  std::size_t max_photo_bytes = 6 * 1024 * 1024;
  std::size_t max_json_bytes = 16 * 1024 * 1024;  // base64 photos inline; larger: use multipart
  std::size_t inline_json_bytes = 64 * 1024;      // parsed on the Asio thread up to this size
  int max_skew_s = 300;
};

struct mobile_deps {
  const std::vector<gateway::mobile_api_key>& keys;
  gateway::status_source& statuses;
  gateway::rate_limiter& limiter;
  gateway::blocking_pool& uploads;
  gateway::attachment_store& files;
  std::function<std::int64_t()> now_s = nullptr;  // unix seconds; the system clock when empty
  gateway::metrics* stats = nullptr;  // every refusal is counted here (lapor_rejected_total{channel="mobile"})
};

class mobile_api final : public gateway::channel {
 public:
  mobile_api(mobile_options opts, mobile_deps deps);

  [[nodiscard]] std::string_view name() const override { return "mobile"; }
  void start(gateway::submission_sink& sink) override;
  void stop() override;

  void add_routes(gateway::http_router& router);

  // A reload (SIGHUP): requests whose signature is checked from now on use `keys`; a request
  // already past its check is not affected. Thread-safe.
  void set_keys(const std::vector<gateway::mobile_api_key>& keys);

  void post_report(gateway::http_request&& req, gateway::http_responder respond);
  void get_report(const gateway::http_request& req, std::string_view tracking_id, gateway::http_responder respond);

 private:
  struct posted;
  // Checks the signature (p.body_sha256 already set), the Idempotency-Key and the content
  // type, and moves the body into `p`; false after answering the refusal.
  [[nodiscard]] bool admit(posted& p, gateway::http_request& req);
  void process(std::shared_ptr<posted> p);
  void submit(std::shared_ptr<posted> p, parsed_report&& report);
  [[nodiscard]] std::int64_t now() const;

  mobile_options opts_;
  gateway::reloadable<request_verifier> verifier_;
  replay_guard replays_;
  mobile_deps deps_;
  std::atomic<gateway::submission_sink*> sink_{nullptr};
  std::atomic<bool> stopping_{false};
};

// The OpenAPI 3.0 document served at /api/v1/openapi.json.
[[nodiscard]] const std::string& openapi_document();

}  // namespace lapor::mobile
