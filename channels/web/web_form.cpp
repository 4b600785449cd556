#include "channels/web/web_form.h"

#include <algorithm>
#include <chrono>

#include "gateway/accept_header.h"
#include "gateway/attachment_name.h"
#include "gateway/counted_responder.h"
#include "gateway/digest.h"
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

// JSON when the client weighs it above a page (RFC 9110 §12.5.1 q-values); named as highly as
// text/html, JSON too (an app that lists both). "*/*" alone (curl) gets the page.
bool wants_json(const http_request& req) {
  const auto a = req.header("accept");
  if (!a) return false;
  const auto json = g::accepts(*a, "application/json"), html = g::accepts(*a, "text/html");
  return json.q > 0 && (json.q > html.q || (json.q == html.q && json.specificity == 2));
}

struct page_words {
  std::string_view title, message;
};

page_words words_for(int status) {
  switch (status) {
    case 400: return {"Permintaan tidak dapat dibaca", "Peramban mengirim permintaan yang tidak sah. Muat ulang formulir lalu coba lagi."};
    case 404: return {"Halaman tidak ditemukan", "Alamat ini tidak ada. Periksa penulisannya, atau mulai dari formulir laporan."};
    case 405: return {"Cara akses tidak didukung", "Halaman ini tidak dapat dibuka dengan cara itu. Mulai lagi dari formulir laporan."};
    case 413:
      return {"Kiriman terlalu besar",
              "Foto atau isian Anda melebihi batas ukuran, jadi laporan belum terkirim. Isian Anda masih ada di peramban: "
              "tekan tombol Kembali, kecilkan atau kurangi fotonya, lalu kirim lagi."};
    case 414: return {"Alamat terlalu panjang", "Alamat halaman ini terlalu panjang. Mulai lagi dari formulir laporan."};
    case 415: return {"Format tidak didukung", "Kirim formulir dari halaman formulir laporan."};
    case 429:
      return {"Terlalu banyak laporan",
              "Terlalu banyak laporan dikirim dari alamat jaringan Anda dalam waktu singkat. Isian Anda masih ada di peramban: "
              "tekan tombol Kembali dan kirim lagi sebentar lagi."};
    case 431: return {"Permintaan terlalu besar", "Peramban mengirim terlalu banyak data tambahan. Hapus cookie situs ini lalu coba lagi."};
    case 501: return {"Tidak didukung", "Peramban mengirim data dengan cara yang tidak kami dukung."};
    case 503:
      return {"Layanan sedang sibuk",
              "Laporan belum tersimpan. Isian Anda masih ada di peramban: tekan tombol Kembali dan kirim lagi sebentar lagi."};
    default: return {"Permintaan tidak dapat diproses", "Silakan mulai lagi dari formulir laporan."};
  }
}

// What identifies a report's content for its idempotency: the same form posted again (a
// double click, a reload) has the same fingerprint; the same nonce with other text, or with a
// photo under another name (the name is stored with it), does not. Length-prefixed, so no two
// different forms serialise alike.
std::string content_fingerprint(const form_values& v, const std::vector<g::form_file>& files) {
  std::string s;
  auto add = [&s](std::string_view x) { s.append(std::to_string(x.size())).append(":").append(x); };
  for (const auto* f : {&v.title, &v.body, &v.kind, &v.name, &v.phone, &v.email, &v.location}) add(*f);
  add(v.anonymous ? "1" : "0");
  add(v.confidential ? "1" : "0");
  for (std::size_t i = 0; i < files.size(); ++i) {
    add(files[i].data.sha256());
    add(g::safe_attachment_name(files[i].filename, i, files[i].mime));
  }
  return g::sha256_hex(s);
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

constexpr std::string_view known_fields[] = {"title", "body", "kind", "name", "phone", "email", "location"};

}  // namespace

bool wants_page(const http_request& req) {
  const auto a = req.header("accept");
  if (!a) return false;
  const auto html = g::accepts(*a, "text/html");
  return html.q > 0 && html.specificity >= 1 && !wants_json(req);
}

http_response browser_page_for(const http_response& problem) {
  const auto w = words_for(problem.status);
  auto r = html_page(problem.status, message_page(w.title, w.message));
  for (const auto& h : problem.headers) r.headers.push_back(h);
  r.head_only = problem.head_only;
  return r;
}

struct web_form::posted {
  explicit posted(g::counted_responder r);
  g::counted_responder respond;
  bool json = false;
  std::optional<std::int64_t> limited_for;  // rate-limited: seconds until the next report may go

  std::string body;                    // multipart bodies, until parsed
  std::shared_ptr<const g::spooled_body> spooled;  // or the listener's file of a large one
  std::vector<g::form_file> files;     // photos in temp files
  std::vector<field_error> errors;     // refusals found while reading the body
};

web_form::posted::posted(g::counted_responder r) : respond(std::move(r)) {}

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
  router.add("GET", "/status", [](http_request&& req, const g::route_params&, http_responder respond) {
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
  router.add("GET", "/lapor/diterima/{tracking_id}", [this](http_request&& req, const g::route_params& p, http_responder respond) {
    get_result(req, p.find("tracking_id")->second, std::move(respond));
  });
}

namespace {
std::string result_facts(std::string_view tracking_id, std::size_t photos, bool already_received) {
  std::string f(tracking_id);
  f += '\n';
  f += std::to_string(photos);
  f += already_received ? "\nsama" : "\nbaru";
  return f;
}
}  // namespace

std::string result_location(const form_nonce& keys, std::string_view tracking_id, bool already_received,
                            std::size_t photos) {
  std::string l = "/lapor/diterima/" + percent_encode_path(tracking_id);
  l += "?foto=" + std::to_string(photos);
  if (already_received) l += "&sama=1";
  l += "&t=" + keys.result_tag(result_facts(tracking_id, photos, already_received));
  return l;
}

void web_form::get_result(const http_request& req, std::string_view typed_id, http_responder respond) {
  std::size_t photos = 0;
  if (auto f = req.query_param("foto"); f && f->size() <= 2 && !f->empty() &&
                                        f->find_first_not_of("0123456789") == std::string::npos)
    photos = std::min<std::size_t>(std::stoul(*f), opts_.max_photos);
  bool same = req.query_param("sama") == std::optional<std::string>("1");
  // The photo count and "already received" come from the link the POST made; a link edited
  // by hand (or a tracking ID typed in) shows the complaint without them.
  const auto tag = req.query_param("t");
  if (!tag || *tag != nonces_.result_tag(result_facts(typed_id, photos, same))) {
    photos = 0;
    same = false;
  }
  std::string typed(typed_id);
  deps_.statuses.find(typed_id, [respond = std::move(respond), typed, photos, same](g::status_lookup r) {
    if (r.result == g::status_lookup::outcome::found)
      return respond(html_page(200, success_page(r.status.tracking_id, same, photos)));
    respond(html_page(404, status_lookup_page(scrub_utf8(typed), "Laporan dengan nomor ini tidak ditemukan.")));
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

void web_form::show_form(const posted& p, const form_values& v, std::vector<field_error> errors, bool photos_dropped,
                         int status, std::vector<std::pair<std::string, std::string>> headers) const {
  http_response r;
  if (p.json) {
    std::vector<std::pair<std::string, std::string>> list;
    for (const auto& e : errors) list.emplace_back(e.field.empty() ? "nonce" : e.field, e.message);
    r = http_response::problem(status, status == 422 ? "Unprocessable Content" : words_for(status).title,
                               errors.front().message, list);
  } else {
    r = html_page(status, form_page(v, errors, {opts_.max_photos, opts_.max_photo_bytes}, photos_dropped));
  }
  for (auto& h : headers) r.headers.push_back(std::move(h));
  p.respond(std::move(r));
}

void web_form::post_report(http_request&& req, http_responder respond) {
  if (!sink_.load() || stopping_) {
    posted closed(g::counted_responder(std::move(respond), deps_.stats, g::channel_kind::web));
    closed.json = wants_json(req);
    return refuse(closed, 503, "Layanan sedang tidak tersedia", "Silakan coba lagi sebentar lagi.", {{"Retry-After", "5"}});
  }
  const auto d = deps_.limiter.take(req.remote_ip);
  // A form refused for a field to correct (422: the form again) gives its token back, so a
  // citizen fixing a typo is not locked out; nothing was stored.
  auto p = std::make_shared<posted>(g::counted_responder(
      d.allowed ? g::giving_back_on_422(std::move(respond), deps_.limiter, req.remote_ip) : std::move(respond), deps_.stats,
      g::channel_kind::web));
  p->json = wants_json(req);
  if (!d.allowed) {
    const auto wait = d.retry_after.count();
    // An app wants the answer at once; a citizen in a browser gets the form back with what they
    // typed (read below, nothing stored), so the text survives the wait (carrier-grade NAT
    // puts many citizens behind one address, so this is met in real life).
    if (p->json)
      return refuse(*p, 429, "Too Many Requests",
                    "too many reports from this address; retry after " + std::to_string(wait) + " s",
                    {{"Retry-After", std::to_string(wait)}});
    p->limited_for = wait;
  }
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
  // A rate-limited post is read for its text only: its photos are not written anywhere.
  limits.max_files = p->limited_for ? 0 : opts_.max_photos;
  limits.max_file_bytes = opts_.max_photo_bytes;
  limits.file_fields = {"photos"};
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
  if (!p->limited_for) {
    for (auto& [field, message] : data.field_errors) {
      bool text = false;
      for (auto k : known_fields) text = text || field == k;
      p->errors.push_back({text ? field : "photos", message});
    }
  }
  for (auto& f : data.files) {
    if (f.field == "photos") {
      p->files.push_back(std::move(f));
    } else if (p->errors.end() == std::find_if(p->errors.begin(), p->errors.end(), [](const field_error& e) { return e.field == "photos"; })) {
      // A file under another name is a photo the citizen meant to send: refuse, never drop it.
      p->errors.push_back({"photos", "Foto harus dikirim lewat kolom foto (berkas \"" + scrub_utf8(f.filename) +
                                         "\" dikirim dalam kolom lain)."});
    }
  }
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
  if (p->limited_for) {
    // Nothing is stored; the form comes back with the text and the same nonce, so sending it
    // again later is still the same report.
    const auto wait = std::to_string(*p->limited_for);
    std::vector<field_error> only{{"", "Terlalu banyak laporan dikirim dari alamat jaringan Anda dalam waktu singkat. Isian Anda "
                                       "tetap di bawah; kirim lagi dalam " + wait + " detik."}};
    return show_form(*p, v, std::move(only), false, 429, {{"Retry-After", wait}});
  }
  auto* sink = sink_.load();
  g::submission s;
  if (errors.empty()) {
    s = to_submission(v);
    // The nonce makes a double submit one report; the content fingerprint makes the same nonce
    // with other content (Back, edit, send again) a report of its own instead of an
    // acknowledgement of the first one while the new text is stored nowhere.
    if (!key.empty()) {
      s.request_fingerprint = content_fingerprint(v, p->files);
      s.channel_ref.emplace_back("form", key);
      s.idempotency_key = key + "." + s.request_fingerprint.substr(0, 32);
    }
    if (auto rejection = sink->check(s)) add_rejection(*rejection, errors);
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
    s.attachments.push_back({f.data.sha256(), f.mime, f.data.size(), g::safe_attachment_name(f.filename, i, f.mime)});
  }
  const std::size_t photos = p->files.size();
  p->files.clear();
  sink->submit(std::move(s), [this, p, v = std::move(v), photos](g::submit_result r) mutable {
    using st = g::submit_result::status;
    p->respond.core_counted();  // the core counted its refusals (rejected, conflict, overloaded)
    if (p->json && r.code != st::rejected) return p->respond(g::submit_answer(r));
    switch (r.code) {
      case st::received:
      case st::duplicate: {
        // Post/Redirect/Get: the result page has its own URL, so a reload does not post again.
        // A retry (same nonce, same content) is redirected to the very same place.
        const bool already = r.code == st::duplicate && !(r.retry && r.duplicate_of.empty());
        const auto location = result_location(nonces_, r.tracking_id, already, photos);
        // The body is the result page itself, for a client that does not follow redirects.
        auto res = html_page(303, success_page(r.tracking_id, already, photos));
        res.headers.emplace_back("Location", location);
        return p->respond(std::move(res));
      }
      case st::rejected: {
        std::vector<field_error> refused;
        add_rejection(r, refused);
        return show_form(*p, v, std::move(refused), photos > 0);
      }
      case st::conflict:
        // Cannot happen with a content-keyed nonce, but if it does: the text back, a fresh form.
        v.nonce = nonces_.issue(now());
        return show_form(*p, v, {{"", "Formulir ini sudah dipakai untuk laporan lain. Isian Anda tetap di bawah; kirim lagi."}},
                         photos > 0);
      case st::overloaded:
      case st::failed:
        return show_form(*p, v,
                         {{"", "Laporan Anda belum tersimpan karena layanan sedang sibuk. Isian Anda tetap di bawah; kirim "
                               "lagi sebentar lagi (nomor pelacakan yang sama akan diberikan)."}},
                         photos > 0, 503, {{"Retry-After", "1"}});
    }
  });
}

}  // namespace lapor::web
