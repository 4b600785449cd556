// The web channel (SPEC §7 Web): the citizen's form on the public listener.
//
//   GET  /                 the form (also GET /lapor)
//   POST /lapor            urlencoded or multipart/form-data; the tracking ID page after the
//                          commit, the form again with errors beside the fields otherwise;
//                          with Accept: application/json the mobile API's answers instead
//   GET  /status           a box to type a tracking ID (?id=… redirects to /status/{id})
//   GET  /status/{id}      state and dates of a complaint, never its content or identity
//
// Acknowledged means durable: the tracking ID page is sent only from the sink's completion.
// Multipart bodies (in memory, or in the listener's spool file when large) are parsed on the
// upload pool (photos go to disk while being hashed), never on an Asio thread. Every POST /lapor is counted against the client IP's rate limit.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "channels/web/form_input.h"
#include "channels/web/form_nonce.h"
#include "channels/web/form_page.h"
#include "gateway/attachment_store.h"
#include "gateway/blocking_pool.h"
#include "gateway/channel.h"
#include "gateway/complaint_status.h"
#include "gateway/form_data.h"
#include "gateway/http_router.h"
#include "gateway/metrics.h"
#include "gateway/rate_limiter.h"

namespace lapor::web {

struct web_options {
  std::size_t max_photos = 5;
  std::size_t max_photo_bytes = 6 * 1024 * 1024;
  std::int64_t nonce_max_age_s = 24 * 3600;
};

struct web_deps {
  gateway::status_source& statuses;
  gateway::rate_limiter& limiter;
  gateway::blocking_pool& uploads;
  gateway::attachment_store& files;
  std::string form_key;  // see load_form_key()
  std::function<std::int64_t()> now_s = nullptr;  // unix seconds; the system clock when empty
  gateway::metrics* stats = nullptr;  // every refusal is counted here (lapor_rejected_total{channel="web"})
};

class web_form final : public gateway::channel {
 public:
  web_form(web_options opts, web_deps deps);

  [[nodiscard]] std::string_view name() const override { return "web"; }
  void start(gateway::submission_sink& sink) override;
  void stop() override;

  // Registers the routes above. Call before the listener starts.
  void add_routes(gateway::http_router& router);

  void get_form(gateway::http_responder respond) const;
  void post_report(gateway::http_request&& req, gateway::http_responder respond);
  void get_status(std::string_view typed_id, gateway::http_responder respond);
  // GET /lapor/diterima/{id}?foto=N[&sama=1]: where a successful POST /lapor redirects (303).
  void get_result(const gateway::http_request& req, std::string_view typed_id, gateway::http_responder respond);

 private:
  struct posted;  // one POST /lapor on its way
  void handle_multipart(std::shared_ptr<posted> p, std::string boundary);
  void finish(std::shared_ptr<posted> p, const std::vector<std::pair<std::string, std::string>>& fields);
  void refuse(const posted& p, int status, std::string_view title, std::string_view message,
              std::vector<std::pair<std::string, std::string>> headers = {}) const;
  void show_form(const posted& p, const form_values& v, std::vector<field_error> errors, bool photos_dropped,
                 int status = 422, std::vector<std::pair<std::string, std::string>> headers = {}) const;
  [[nodiscard]] std::int64_t now() const;

  web_options opts_;
  web_deps deps_;
  form_nonce nonces_;
  std::atomic<gateway::submission_sink*> sink_{nullptr};
  std::atomic<bool> stopping_{false};
};

// An HTML response with the headers every page carries (no-store, CSP without scripts, …).
[[nodiscard]] gateway::http_response html_page(int status, std::string body);

// The result page a successful POST /lapor redirects to (Post/Redirect/Get):
// /lapor/diterima/<id>?foto=<n>[&sama=1]&t=<tag>, the facts sealed by the form key's tag.
[[nodiscard]] std::string result_location(const form_nonce& keys, std::string_view tracking_id, bool already_received,
                                          std::size_t photos);

// True for a browser that wants a page: Accept weighs text/html (or text/*) above zero and not
// below application/json (RFC 9110 §12.5.1).
[[nodiscard]] bool wants_page(const gateway::http_request& req);
// A problem-JSON refusal made outside the form's own handler (the listener's 413/400/431, the
// router's 404/405) as the HTML page a browser should see, in Bahasa Indonesia, keeping the
// answer's status and headers (Allow, Retry-After).
[[nodiscard]] gateway::http_response browser_page_for(const gateway::http_response& problem);

}  // namespace lapor::web
