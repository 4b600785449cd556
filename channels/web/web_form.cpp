#include "channels/web/web_form.h"

#include <chrono>

#include "gateway/image_type.h"
#include "gateway/log.h"
#include "gateway/multipart.h"
#include "gateway/submit_answer.h"

namespace lapor::web {

namespace g = lapor::gateway;
using g::http_request;
using g::http_responder;
using g::http_response;

http_response html_page(int status, std::string body) {
  http_response r;
  r.status = status;
  r.content_type = "text/html; charset=utf-8";
  r.body = std::move(body);
  r.headers.emplace_back("Cache-Control", "no-store");
  r.headers.emplace_back("Content-Security-Policy",
                         "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; form-action 'self'; "
                         "base-uri 'none'; frame-ancestors 'none'");
  r.headers.emplace_back("X-Content-Type-Options", "nosniff");
  r.headers.emplace_back("Referrer-Policy", "no-referrer");
  r.headers.emplace_back("X-Frame-Options", "DENY");
  return r;
}

namespace {

bool starts_with_ci(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(s[i])) != prefix[i]) return false;
  return true;
}

bool wants_json(const http_request& req) {
  auto a = req.header("accept");
  return a && a->find("application/json") != std::string_view::npos;
}

std::string percent_encode_path(std::string_view s) {
  static const char hex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(hex[c >> 4]);
      out.push_back(hex[c & 15]);
    }
  }
  return out;
}

// A display name for a stored photo: the client's base name when it is sensible.
std::string photo_name(const std::string& sent, std::size_t index, std::string_view mime) {
  std::string_view n = sent;
  if (auto slash = n.find_last_of("/\\"); slash != std::string_view::npos) n = n.substr(slash + 1);
  std::string clean = scrub_utf8(n);
  bool ok = !clean.empty() && clean.size() <= 200;
  for (char c : clean)
    if (static_cast<unsigned char>(c) < 0x20) ok = false;
  if (ok) return clean;
  return "foto-" + std::to_string(index + 1) + "." + std::string(g::image_extension(mime));
}

constexpr std::string_view known_fields[] = {"title", "body", "kind", "name", "phone", "email", "location"};

}  // namespace

struct web_form::posted {
  http_responder respond;
  bool json = false;
  std::string body;                    // multipart bodies, until parsed
  std::shared_ptr<const g::spooled_body> spooled;  // or the listener's file of a large one
  std::vector<g::form_file> files;     // photos in temp files
  std::vector<field_error> errors;     // refusals found while reading the body
};

web_form::web_form(web_options opts, web_deps deps)
    : opts_(opts), deps_(std::move(deps)), nonces_(deps_.form_key) {}

void web_form::start(g::submission_sink& sink) {
  stopping_ = false;
  sink_ = &sink;
}

void web_form::stop() { stopping_ = true; }

std::int64_t web_form::now() const {
  if (deps_.now_s) return deps_.now_s();
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

void web_form::add_routes(g::http_router& router) {
  auto form = [this](http_request&&, const g::route_params&, http_responder respond) { get_form(std::move(respond)); };
  router.add("GET", "/", form);
  router.add("GET", "/lapor", form);
  router.add("POST", "/lapor", [this](http_request&& req, const g::route_params&, http_responder respond) {
    post_report(std::move(req), std::move(respond));
  });
  router.add("GET", "/status", [this](http_request&& req, const g::route_params&, http_responder respond) {
    auto id = req.query_param("id");
    if (id) {
      std::string typed = *id;
      while (!typed.empty() && typed.back() == ' ') typed.pop_back();
      while (!typed.empty() && typed.front() == ' ') typed.erase(0, 1);
      if (!typed.empty()) {
        auto r = html_page(303, "");
        r.headers.emplace_back("Location", "/status/" + percent_encode_path(typed));
        return respond(std::move(r));
      }
    }
    respond(html_page(200, status_lookup_page("", "")));
  });
  router.add("GET", "/status/{tracking_id}", [this](http_request&&, const g::route_params& p, http_responder respond) {
    get_status(p.find("tracking_id")->second, std::move(respond));
  });
}

void web_form::get_form(http_responder respond) const {
  form_values v;
  v.nonce = nonces_.issue(now());
  respond(html_page(200, form_page(v, {}, {opts_.max_photos, opts_.max_photo_bytes}, false)));
}

void web_form::get_status(std::string_view typed_id, http_responder respond) {
  std::string typed(typed_id);
  deps_.statuses.find(typed_id, [respond = std::move(respond), typed](g::status_lookup r) {
    switch (r.result) {
      case g::status_lookup::outcome::found:
        return respond(html_page(200, status_page(r.status)));
      case g::status_lookup::outcome::invalid_id:
        return respond(html_page(404, status_lookup_page(scrub_utf8(typed),
                                                         "Nomor pelacakan ini tidak sah. Periksa kembali penulisannya.")));
      case g::status_lookup::outcome::not_found:
        return respond(html_page(404, status_lookup_page(scrub_utf8(typed), "Laporan dengan nomor ini tidak ditemukan.")));
    }
  });
}

void web_form::refuse(const posted& p, int status, std::string_view title, std::string_view message,
                      std::vector<std::pair<std::string, std::string>> headers) const {
  http_response r = p.json ? http_response::problem(status, title, message) : html_page(status, message_page(title, message));
  for (auto& h : headers) r.headers.push_back(std::move(h));
  p.respond(std::move(r));
}

void web_form::show_form(const posted& p, const form_values& v, std::vector<field_error> errors, bool photos_dropped) const {
  if (p.json) {
    std::vector<std::pair<std::string, std::string>> list;
    for (const auto& e : errors) list.emplace_back(e.field.empty() ? "nonce" : e.field, e.message);
    return p.respond(http_response::problem(422, "Unprocessable Content", errors.front().message, list));
  }
  p.respond(html_page(422, form_page(v, errors, {opts_.max_photos, opts_.max_photo_bytes}, photos_dropped)));
}

void web_form::post_report(http_request&& req, http_responder respond) {
  auto p = std::make_shared<posted>();
  p->respond = std::move(respond);
  p->json = wants_json(req);
  if (!sink_.load() || stopping_)
    return refuse(*p, 503, "Layanan sedang tidak tersedia", "Silakan coba lagi sebentar lagi.", {{"Retry-After", "5"}});
  if (auto d = deps_.limiter.take(req.remote_ip); !d.allowed)
    return refuse(*p, 429, "Terlalu banyak laporan",
                  "Anda mengirim terlalu banyak laporan dalam waktu singkat. Silakan coba lagi dalam " +
                      std::to_string(d.retry_after.count()) + " detik.",
                  {{"Retry-After", std::to_string(d.retry_after.count())}});
  const auto ct = req.header("content-type").value_or("");
  if (starts_with_ci(ct, "application/x-www-form-urlencoded")) {
    auto pairs = g::parse_urlencoded(req.body);
    if (!pairs) return refuse(*p, 400, "Formulir rusak", "Isi formulir tidak dapat dibaca (percent-encoding tidak sah).");
    return finish(std::move(p), *pairs);
  }
  if (auto boundary = g::multipart_boundary(ct)) {
    p->body = std::move(req.body);
    p->spooled = std::move(req.spooled);
    bool queued = deps_.uploads.try_post([this, p, b = std::move(*boundary)]() mutable { handle_multipart(std::move(p), std::move(b)); });
    if (!queued) return refuse(*p, 503, "Layanan sedang sibuk", "Silakan coba lagi sebentar lagi.", {{"Retry-After", "2"}});
    return;
  }
  if (starts_with_ci(ct, "multipart/form-data"))
    return refuse(*p, 400, "Formulir rusak", "Isi formulir tidak dapat dibaca: batas (boundary) multipart tidak ada atau tidak sah.");
  refuse(*p, 415, "Format tidak didukung",
         "Kirim formulir sebagai application/x-www-form-urlencoded atau multipart/form-data.");
}

void web_form::handle_multipart(std::shared_ptr<posted> p, std::string boundary) {
  g::form_data_limits limits;
  limits.max_files = opts_.max_photos;
  limits.max_file_bytes = opts_.max_photo_bytes;
  g::form_data data;
  auto err = p->spooled ? g::read_form_data_file(p->spooled->path(), boundary, deps_.files, limits, data)
                        : g::read_form_data(p->body, boundary, deps_.files, limits, data);
  std::string().swap(p->body);
  p->spooled.reset();
  if (err) {
    if (err->what == g::form_data_error::kind::storage) {
      g::log::error("web_upload_storage", {{"error", err->message}});
      return refuse(*p, 503, "Layanan sedang bermasalah", "Foto tidak dapat disimpan. Silakan coba lagi sebentar lagi.",
                    {{"Retry-After", "5"}});
    }
    return refuse(*p, 400, "Formulir rusak", "Isi formulir tidak dapat dibaca: " + err->message);
  }
  for (auto& [field, message] : data.field_errors) {
    bool text = false;
    for (auto k : known_fields) text = text || field == k;
    p->errors.push_back({text ? field : "photos", message});
  }
  for (auto& f : data.files)
    if (f.field == "photos") p->files.push_back(std::move(f));
  finish(p, data.fields);
}

void web_form::finish(std::shared_ptr<posted> p, const std::vector<std::pair<std::string, std::string>>& fields) {
  form_values v;
  std::vector<field_error> errors = std::move(p->errors);
  read_form_fields(fields, v, errors);
  std::string key;
  const auto t = now();
  if (!v.nonce.empty()) {
    auto c = nonces_.verify(v.nonce, t, opts_.nonce_max_age_s);
    if (c.result == form_nonce::verdict::ok) {
      key = std::move(c.id);
    } else {
      errors.insert(errors.begin(), {"", "Formulir ini sudah kedaluwarsa atau tidak sah. Periksa isian Anda lalu kirim lagi."});
      v.nonce = nonces_.issue(t);
    }
  } else {
    v.nonce = nonces_.issue(t);  // for showing the form again; this POST has no idempotency key
  }
  auto* sink = sink_.load();
  g::submission s;
  if (errors.empty()) {
    s = to_submission(v);
    s.idempotency_key = key;
    if (!key.empty()) s.channel_ref.emplace_back("form", key);
    if (auto rejection = sink->check(s)) errors.push_back({form_field_of(rejection->field), without_gloss(rejection->message)});
  }
  if (!errors.empty()) {
    g::log::debug("web_form_invalid", {{"field", errors.front().field}});
    return show_form(*p, v, std::move(errors), !p->files.empty());
  }
  for (std::size_t i = 0; i < p->files.size(); ++i) {
    auto& f = p->files[i];
    if (!deps_.files.keep(f.data)) {
      g::log::error("web_upload_keep_failed", {{"sha256", f.data.sha256()}});
      return refuse(*p, 503, "Layanan sedang bermasalah", "Foto tidak dapat disimpan. Silakan coba lagi sebentar lagi.",
                    {{"Retry-After", "5"}});
    }
    s.attachments.push_back({f.data.sha256(), f.mime, f.data.size(), photo_name(f.filename, i, f.mime)});
  }
  const std::size_t photos = p->files.size();
  p->files.clear();
  sink->submit(std::move(s), [this, p, v = std::move(v), photos](g::submit_result r) {
    using st = g::submit_result::status;
    if (p->json && r.code != st::rejected) return p->respond(g::submit_answer(r));
    switch (r.code) {
      case st::received:
      case st::duplicate:
        return p->respond(html_page(200, success_page(r.tracking_id, r.code == st::duplicate, photos)));
      case st::rejected:
        return show_form(*p, v, {{form_field_of(r.field), without_gloss(r.message)}}, photos > 0);
      case st::conflict:
        return refuse(*p, 422, "Formulir sudah dipakai", "Formulir ini sudah dipakai untuk laporan lain. Silakan isi formulir baru.");
      case st::overloaded:
      case st::failed:
        return refuse(*p, 503, "Layanan sedang sibuk",
                      "Laporan Anda belum tersimpan. Silakan kirim ulang sebentar lagi; nomor pelacakan yang sama akan diberikan.",
                      {{"Retry-After", "1"}});
    }
  });
}

}  // namespace lapor::web
