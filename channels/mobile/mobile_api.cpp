#include "channels/mobile/mobile_api.h"

#include <algorithm>

#include <chrono>

#include "channels/mobile/report_fingerprint.h"
#include "gateway/attachment_name.h"
#include "gateway/counted_responder.h"
#include "gateway/digest.h"
#include "gateway/form_data.h"
#include "gateway/image_type.h"
#include "gateway/log.h"
#include "gateway/multipart.h"
#include "gateway/submit_answer.h"

namespace lapor::mobile {

namespace g = lapor::gateway;
using g::http_request;
using g::http_responder;
using g::http_response;

namespace {

bool starts_with_ci(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(s[i])) != prefix[i]) return false;
  return true;
}

http_response problem(int status, std::string_view title, std::string detail, std::string field = {}) {
  std::vector<std::pair<std::string, std::string>> errors;
  if (!field.empty()) errors.emplace_back(std::move(field), detail);
  return http_response::problem(status, title, detail, errors);
}

http_response retry_later(int status, std::string_view title, std::string detail, int seconds) {
  auto r = problem(status, title, std::move(detail));
  r.headers.emplace_back("Retry-After", std::to_string(seconds));
  return r;
}

http_response unauthorized(std::string detail) {
  auto r = problem(401, "Unauthorized", std::move(detail), "Authorization");
  r.headers.emplace_back("WWW-Authenticate", "LAPOR-HMAC-SHA256");
  return r;
}

std::string_view title_for(int status) {
  switch (status) {
    case 400: return "Bad Request";
    case 413: return "Content Too Large";
    case 422: return "Unprocessable Content";
    default: return "Internal Server Error";
  }
}

}  // namespace

struct mobile_api::posted {
  explicit posted(g::counted_responder r) : respond(std::move(r)) {}
  g::counted_responder respond;
  std::string body;
  std::string body_sha256;
  std::string key_id;
  std::string idempotency_key;
  std::optional<std::string> boundary;  // multipart when set
  std::shared_ptr<const g::spooled_body> spooled;  // a large multipart body in the listener's file
  bool on_pool = false;
  std::vector<g::form_file> files;      // multipart photos
};

mobile_api::mobile_api(mobile_options opts, mobile_deps deps)
    : opts_(opts),
      verifier_(request_verifier(deps.keys, opts.max_skew_s)),
      replays_(opts.max_skew_s),
      deps_(std::move(deps)) {}

void mobile_api::set_keys(const std::vector<g::mobile_api_key>& keys) {
  verifier_.set(request_verifier(keys, opts_.max_skew_s));
}

void mobile_api::start(g::submission_sink& sink) {
  stopping_ = false;
  // The previous process's signatures are gone with it: one made before now may have been
  // stored by it under another key.
  replays_.remember_from(now());
  sink_ = &sink;
}

void mobile_api::stop() { stopping_ = true; }

std::int64_t mobile_api::now() const {
  if (deps_.now_s) return deps_.now_s();
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

void mobile_api::add_routes(g::http_router& router) {
  router.add("POST", "/api/v1/reports", [this](http_request&& req, const g::route_params&, http_responder respond) {
    post_report(std::move(req), std::move(respond));
  });
  router.add("GET", "/api/v1/reports/{tracking_id}",
             [this](http_request&& req, const g::route_params& p, http_responder respond) {
               get_report(req, p.find("tracking_id")->second, std::move(respond));
             });
  router.add("GET", "/api/v1/openapi.json", [](http_request&&, const g::route_params&, http_responder respond) {
    auto r = http_response::json(200, openapi_document());
    r.headers.emplace_back("Cache-Control", "public, max-age=300");
    respond(std::move(r));
  });
}

void mobile_api::post_report(http_request&& req, http_responder plain_respond) {
  // Every refusal below, whichever door it leaves by, is counted once (counted_responder).
  if (!sink_.load() || stopping_)
    return g::counted_responder(std::move(plain_respond), deps_.stats, g::channel_kind::mobile)(
        retry_later(503, "Service Unavailable", "the gateway is not taking reports right now", 5));
  const auto d = deps_.limiter.take(req.remote_ip);
  // A report refused for a field to correct (422) gives its token back: nothing was stored.
  g::counted_responder respond(d.allowed ? g::giving_back_on_422(std::move(plain_respond), deps_.limiter, req.remote_ip)
                                         : std::move(plain_respond),
                               deps_.stats, g::channel_kind::mobile);
  if (!d.allowed)
    return respond(retry_later(429, "Too Many Requests",
                               "too many reports from this address; retry after " + std::to_string(d.retry_after.count()) + " s",
                               static_cast<int>(d.retry_after.count())));
  auto p = std::make_shared<posted>(std::move(respond));
  if (req.spooled) {
    // A large multipart upload the listener wrote to a file: hash it (for the signature)
    // and parse it on the upload pool.
    p->on_pool = true;
    auto r = std::make_shared<http_request>(std::move(req));
    if (!deps_.uploads.try_post([this, p, r] {
          auto sha = g::sha256_of_file(r->spooled->path());
          if (!sha) {
            g::log::error("mobile_spool_read_failed", {});
            return p->respond(retry_later(503, "Service Unavailable", "the upload could not be read, retry shortly", 5));
          }
          p->body_sha256 = std::move(*sha);
          if (admit(*p, *r)) process(p);
        }))
      p->respond(retry_later(503, "Service Unavailable", "the gateway is busy, retry shortly", 2));
    return;
  }
  p->body_sha256 = g::sha256_hex(req.body);
  if (!admit(*p, req)) return;
  if (!p->boundary && p->body.size() <= opts_.inline_json_bytes) return process(std::move(p));
  p->on_pool = true;
  if (!deps_.uploads.try_post([this, p] { process(p); }))
    p->respond(retry_later(503, "Service Unavailable", "the gateway is busy, retry shortly", 2));
}

bool mobile_api::admit(posted& p, http_request& req) {
  // Two Authorization (or Idempotency-Key) lines: which one would we verify, which one would a
  // proxy log? Neither: refuse (the listener does too; this keeps the handler safe on its own).
  for (const char* once : {"authorization", "idempotency-key", "content-type"}) {
    if (req.header_count(once) > 1) {
      p.respond(problem(400, "Bad Request", std::string(once) + " is sent more than once",
                        once == std::string_view("authorization") ? "Authorization"
                        : once == std::string_view("content-type") ? "Content-Type" : "Idempotency-Key"));
      return false;
    }
  }
  auto auth = verifier_.get()->verify(req.header("authorization"), req.method, req.target, p.body_sha256, now());
  if (!auth.ok) {
    p.respond(unauthorized(std::move(auth.message)));
    return false;
  }
  p.key_id = std::move(auth.key_id);
  auto refuse = [&p](int status, std::string_view title, std::string detail, std::string field) {
    p.respond(problem(status, title, std::move(detail), std::move(field)));
    return false;
  };
  auto key = req.header("idempotency-key");
  if (!key || key->empty()) return refuse(400, "Bad Request", "Idempotency-Key is required on POST", "Idempotency-Key");
  if (key->size() > 200)
    return refuse(400, "Bad Request", "Idempotency-Key is longer than 200 characters", "Idempotency-Key");
  for (char c : *key)
    if (static_cast<unsigned char>(c) < 0x21 || static_cast<unsigned char>(c) > 0x7e)
      return refuse(400, "Bad Request", "Idempotency-Key must be printable ASCII without spaces", "Idempotency-Key");
  switch (replays_.admit(auth.sig, auth.ts, *key, now())) {
    case replay_verdict::admitted: break;
    case replay_verdict::replayed:
      p.respond(unauthorized("this signed request was already sent with another Idempotency-Key (a replay): "
                             "sign each request anew"));
      return false;
    case replay_verdict::before_memory:
      p.respond(unauthorized("this request was signed before the gateway restarted, which cannot tell whether it "
                             "was sent then: sign it anew (a retry with the same Idempotency-Key gets the stored answer)"));
      return false;
  }
  p.idempotency_key = std::string(*key);

  const auto ct = req.header("content-type").value_or("");
  if (starts_with_ci(ct, "application/json") && !req.spooled) {
    if (req.body.size() > opts_.max_json_bytes)
      return refuse(413, "Content Too Large",
                    "a JSON report is limited to " + std::to_string(opts_.max_json_bytes) +
                        " bytes; send large photos as multipart/form-data parts",
                    "$");
  } else if (auto b = g::multipart_boundary(ct)) {
    p.boundary = std::move(*b);
  } else if (starts_with_ci(ct, "multipart/form-data")) {
    return refuse(400, "Bad Request", "multipart/form-data without a valid boundary parameter", "Content-Type");
  } else {
    return refuse(415, "Unsupported Media Type",
                  "send application/json, or multipart/form-data with the JSON in part \"report\"", "Content-Type");
  }
  p.body = std::move(req.body);
  p.spooled = std::move(req.spooled);
  return true;
}

void mobile_api::process(std::shared_ptr<posted> p) {
  std::string json_holder;
  std::string_view json = p->body;
  if (p->boundary) {
    g::form_data_limits limits;
    limits.max_files = opts_.max_photos;
    limits.max_file_bytes = opts_.max_photo_bytes;
    limits.max_field_bytes = std::min<std::size_t>(opts_.max_json_bytes, 1024 * 1024);
    limits.file_fields = {"photos"};
    limits.text_fields = {"report"};
    g::form_data data;
    auto err = p->spooled ? g::read_form_data_file(p->spooled->path(), *p->boundary, deps_.files, limits, data)
                          : g::read_form_data(p->body, *p->boundary, deps_.files, limits, data);
    p->spooled.reset();
    if (err) {
      if (err->what == g::form_data_error::kind::storage) {
        g::log::error("mobile_upload_storage", {{"error", err->message}});
        return p->respond(retry_later(503, "Service Unavailable", "the photos could not be stored, retry shortly", 5));
      }
      return p->respond(problem(400, "Bad Request", err->message, "$"));
    }
    const std::string* report = data.field("report");
    const auto reports = std::count_if(data.fields.begin(), data.fields.end(), [](const auto& f) { return f.first == "report"; });
    if (reports > 1)
      return p->respond(problem(400, "Bad Request", "the multipart body has more than one part named \"report\"", "report"));
    // A missing report comes first; a refused photo is named beside it.
    if (!report)
      data.field_errors.insert(data.field_errors.begin(),
                               {"report", "the multipart body needs a part named \"report\" with the JSON report"});
    if (!data.field_errors.empty()) {
      auto r = http_response::problem(422, "Unprocessable Content", data.field_errors.front().second, data.field_errors);
      return p->respond(std::move(r));
    }
    json_holder = *report;
    json = json_holder;
    p->files = std::move(data.files);
  }
  auto report = std::make_shared<parsed_report>();
  report_limits limits;
  limits.max_attachments = opts_.max_photos - std::min(opts_.max_photos, p->files.size());
  limits.max_attachment_bytes = opts_.max_photo_bytes;
  if (auto e = parse_report(json, limits, *report)) {
    if (e->field == "attachments" && !p->files.empty()) e->message += " (counting the multipart photos)";
    return p->respond(problem(e->status, title_for(e->status), e->message, e->field));
  }
  std::string().swap(p->body);
  for (std::size_t i = 0; i < report->attachments.size(); ++i) {
    if (!g::sniff_image_type(report->attachments[i].data) || !g::image_structure_sound(report->attachments[i].data)) {
      auto field = "attachments[" + std::to_string(i) + "].data_base64";
      return p->respond(problem(422, "Unprocessable Content", field + " is not a JPEG, PNG, WebP or HEIC photo", field));
    }
  }
  const bool has_files = !report->attachments.empty() || !p->files.empty();
  if (has_files && !p->on_pool) {
    p->on_pool = true;
    if (!deps_.uploads.try_post([this, p, report] { submit(p, std::move(*report)); }))
      p->respond(retry_later(503, "Service Unavailable", "the gateway is busy, retry shortly", 2));
    return;
  }
  submit(std::move(p), std::move(*report));
}

void mobile_api::submit(std::shared_ptr<posted> p, parsed_report&& report) {
  auto* sink = sink_.load();
  g::submission s = std::move(report.sub);
  s.idempotency_key = p->key_id + ":" + p->idempotency_key;
  s.channel_ref.emplace_back("app_key", p->key_id);
  if (!report.device_id.empty()) s.channel_ref.emplace_back("device_id", report.device_id);
  if (!report.attachments.empty() || !p->files.empty()) {
    // Refuse bad text before any photo is kept, so a refused report leaves nothing behind.
    if (auto rejection = sink->check(s)) return p->respond(g::submit_answer(*rejection));
    for (auto& f : p->files) {
      if (!deps_.files.keep(f.data))
        return p->respond(retry_later(503, "Service Unavailable", "the photos could not be stored, retry shortly", 5));
      s.attachments.push_back(
          {f.data.sha256(), f.mime, f.data.size(), g::safe_attachment_name(f.filename, s.attachments.size(), f.mime)});
    }
    for (std::size_t i = 0; i < report.attachments.size(); ++i) {
      auto& a = report.attachments[i];
      auto sha = deps_.files.keep_bytes(a.data);
      if (!sha) return p->respond(retry_later(503, "Service Unavailable", "the photos could not be stored, retry shortly", 5));
      auto mime = std::string(*g::sniff_image_type(a.data));
      s.attachments.push_back({*sha, mime, a.data.size(), g::safe_attachment_name(a.name, s.attachments.size(), mime)});
    }
    p->files.clear();
  }
  // The content, photos included: a rebuilt retry (another boundary, members reordered) is one.
  s.request_fingerprint = report_fingerprint(s, report.device_id);
  sink->submit(std::move(s), [p](g::submit_result r) {
    p->respond.core_counted();
    auto res = g::submit_answer(r);
    if (res.status == 201) res.headers.emplace_back("Location", "/api/v1/reports/" + r.tracking_id);
    p->respond(std::move(res));
  });
}

void mobile_api::get_report(const http_request& req, std::string_view tracking_id, http_responder respond) {
  auto auth = verifier_.get()->verify(req.header("authorization"), req.method, req.target,
                               g::sha256_hex(req.body), now());
  if (!auth.ok) return respond(unauthorized(std::move(auth.message)));
  deps_.statuses.find(tracking_id, [respond = std::move(respond)](g::status_lookup r) {
    switch (r.result) {
      case g::status_lookup::outcome::found:
        return respond(http_response::json(200, g::complaint_status_json(r.status)));
      case g::status_lookup::outcome::invalid_id:
        return respond(problem(404, "Not Found", "not a valid tracking ID (check symbol mismatch)", "tracking_id"));
      case g::status_lookup::outcome::not_found:
        return respond(problem(404, "Not Found", "no report with this tracking ID", "tracking_id"));
    }
  });
}

}  // namespace lapor::mobile
