#include <doctest/doctest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include <unistd.h>

#include "channels/web/web_form.h"
#include "tests/support/fake_core.h"

using namespace lapor::web;
namespace g = lapor::gateway;
using lapor::testing::fake_sink;
using lapor::testing::fake_statuses;

namespace {

std::string jpeg(std::size_t n) {
  std::string s = "\xFF\xD8\xFF\xE0";
  s.resize(n, 'j');
  return s;
}

bool contains(const std::string& hay, std::string_view needle) { return hay.find(needle) != std::string::npos; }

// The web channel over fakes, answering synchronously (or after the upload pool ran).
struct rig {
  std::string dir;
  fake_sink sink;
  fake_statuses statuses;
  g::rate_limiter limiter{1000};
  g::blocking_pool pool{"test", 1, 16};
  std::unique_ptr<g::attachment_store> files;
  std::unique_ptr<web_form> web;
  std::int64_t now = 1'800'000'000;

  explicit rig(int rate = 1000) : limiter(rate) {
    dir = (std::filesystem::temp_directory_path() / ("lapor-web-" + std::to_string(::getpid()))).string();
    std::filesystem::remove_all(dir);
    files = std::make_unique<g::attachment_store>(dir);
    web_options o;
    o.max_photos = 2;
    o.max_photo_bytes = 4096;
    web = std::make_unique<web_form>(o, web_deps{statuses, limiter, pool, *files, std::string(32, 'k'), [this] { return now; }});
    web->start(sink);
  }
  ~rig() { std::filesystem::remove_all(dir); }

  g::http_response post(std::string content_type, std::string body, std::string accept = "text/html") {
    g::http_request req;
    req.method = "POST";
    req.path = req.target = "/lapor";
    req.remote_ip = "10.0.0.1";
    req.headers = {{"content-type", content_type}, {"accept", accept}};
    req.body = std::move(body);
    return post(std::move(req));
  }
  g::http_response post(g::http_request req) {
    std::optional<g::http_response> out;
    std::mutex m;
    web->post_report(std::move(req), [&](g::http_response r) {
      std::lock_guard l(m);
      out = std::move(r);
    });
    for (int i = 0; i < 500; ++i) {
      {
        std::lock_guard l(m);
        if (out) return *out;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    FAIL("no answer");
    return {};
  }
  std::string nonce() {
    std::string page;
    web->get_form([&](g::http_response r) { page = r.body; });
    auto at = page.find("name=\"nonce\" value=\"");
    REQUIRE(at != std::string::npos);
    at += 20;
    return page.substr(at, page.find('"', at) - at);
  }
};

std::string part(std::string name, std::string value, std::optional<std::string> filename = {}) {
  std::string s = "--BND\r\nContent-Disposition: form-data; name=\"" + name + "\"";
  if (filename) s += "; filename=\"" + *filename + "\"\r\nContent-Type: image/jpeg";
  return s + "\r\n\r\n" + value + "\r\n";
}
const std::string multipart = "multipart/form-data; boundary=BND";

}  // namespace

TEST_CASE("form fields: table of inputs") {
  struct row {
    std::vector<std::pair<std::string, std::string>> pairs;
    std::string error_field;  // "" = valid
  };
  const std::vector<row> rows = {
      {{{"body", "Jalan rusak"}, {"kind", "aspiration"}}, ""},
      {{{"body", "x"}, {"kind", "bogus"}}, "kind"},
      {{{"body", "bad \xff\xfe utf8"}}, "body"},
      {{{"title", "\xc0\xaf"}, {"body", "ok"}}, "title"},
      {{{"body", "ok"}, {"name", "Budi"}, {"unknown", "ignored"}}, ""},
  };
  for (const auto& r : rows) {
    form_values v;
    std::vector<field_error> errors;
    read_form_fields(r.pairs, v, errors);
    if (r.error_field.empty()) {
      CHECK(errors.empty());
    } else {
      REQUIRE(errors.size() == 1);
      CHECK(errors[0].field == r.error_field);
    }
  }
  form_values v;
  std::vector<field_error> errors;
  read_form_fields({{"body", "a\xffz"}, {"anonymous", "1"}, {"confidential", "on"}, {"body", "second"}}, v, errors);
  CHECK(v.body == "a\xEF\xBF\xBDz");  // kept for showing again, made safe
  CHECK(v.anonymous);
  CHECK(v.confidential);
  CHECK(form_field_of("reporter.phone") == "phone");
  CHECK(form_field_of("location.text") == "location");
  CHECK(form_field_of("attachments") == "photos");
  CHECK(without_gloss("isi laporan wajib diisi (body is required)") == "Isi laporan wajib diisi.");
}

TEST_CASE("form nonce: issued, verified, forged, expired") {
  form_nonce n("secret-key");
  auto good = n.issue(1000);
  auto c = n.verify(good, 1010, 3600);
  CHECK(c.result == form_nonce::verdict::ok);
  CHECK(c.id.size() == 32);
  CHECK(n.verify(good, 1000 + 3601, 3600).result == form_nonce::verdict::expired);
  CHECK(form_nonce("other-key").verify(good, 1010, 3600).result == form_nonce::verdict::forged);
  auto tampered = good;
  tampered[tampered.find('.') + 1] = tampered[tampered.find('.') + 1] == 'a' ? 'b' : 'a';
  CHECK(n.verify(tampered, 1010, 3600).result == form_nonce::verdict::forged);
  CHECK(n.verify("", 1010, 3600).result == form_nonce::verdict::malformed);
  CHECK(n.verify("1.2.3", 1010, 3600).result == form_nonce::verdict::malformed);
  CHECK(n.issue(1000) != good);
}

TEST_CASE("pages: escaped values, errors beside fields, accessible labels") {
  form_values v;
  v.body = "<script>alert(1)</script>";
  v.name = "\"Budi\" & co";
  v.anonymous = true;
  auto page = form_page(v, {{"phone", "Nomor HP tidak valid."}}, {}, true);
  CHECK(contains(page, "&lt;script&gt;alert(1)&lt;/script&gt;"));
  CHECK_FALSE(contains(page, "<script>"));
  CHECK(contains(page, "&quot;Budi&quot; &amp; co"));
  CHECK(contains(page, "lang=\"id\""));
  CHECK(contains(page, "<label for=\"f-phone\">"));
  CHECK(contains(page, "id=\"e-phone\""));
  CHECK(contains(page, "aria-invalid=\"true\""));
  CHECK(contains(page, "href=\"#f-phone\""));
  CHECK(contains(page, "name=\"anonymous\" value=\"1\" aria-describedby=\"h-anonymous\" checked"));
  CHECK(contains(page, "dipilih ulang"));  // photos must be chosen again
  for (auto k : {"complaint", "aspiration", "information_request"}) CHECK(contains(page, std::string("value=\"") + k + "\""));
  CHECK(indonesian_date("2026-11-25") == "25 November 2026");
  CHECK(jakarta_time(0) == "1 Januari 1970 pukul 07.00 WIB");

  g::complaint_status s;
  s.tracking_id = "LPR-7K3D-9QX2-M";
  s.current = g::complaint_status::state::duplicate;
  s.duplicate_of = "LPR-AAAA-BBBB-C";
  s.kind = "aspiration";
  s.verify_by = "2026-11-25";
  s.respond_within_working_days = 5;
  auto st = status_page(s);
  CHECK(contains(st, "LPR-7K3D-9QX2-M"));
  CHECK(contains(st, "href=\"/status/LPR-AAAA-BBBB-C\""));
  CHECK(contains(st, "25 November 2026"));
  CHECK(contains(st, "Aspirasi"));
}

TEST_CASE("POST /lapor: success after the sink, double submit, re-render with text kept") {
  rig r;
  auto nonce = r.nonce();
  std::string form = "title=Jalan+rusak&body=Jalan+rusak+parah+di+Jl.+Ahmad+Yani&kind=complaint&phone=0812-3456-7890&"
                     "anonymous=1&nonce=" + nonce;
  auto res = r.post("application/x-www-form-urlencoded", form);
  CHECK(res.status == 200);
  CHECK(contains(res.body, "id=\"tracking-id\">LPR-TEST-1<"));
  CHECK(contains(res.body, "href=\"/status/LPR-TEST-1\""));
  REQUIRE(r.sink.stored.size() == 1);
  CHECK(r.sink.stored[0].channel == g::channel_kind::web);
  CHECK(r.sink.stored[0].anonymous);
  CHECK(r.sink.stored[0].who.phone == "0812-3456-7890");
  // The same nonce again: the same tracking ID, nothing new stored.
  auto again = r.post("application/x-www-form-urlencoded", form + "&title=changed");
  CHECK(again.status == 200);
  CHECK(contains(again.body, "LPR-TEST-1"));
  CHECK(r.sink.stored.size() == 1);

  // Invalid: the form again, the error beside the field, the text kept.
  auto bad = r.post("application/x-www-form-urlencoded", "title=Judul+saya&body=&nonce=" + r.nonce());
  CHECK(bad.status == 422);
  CHECK(contains(bad.body, "id=\"e-body\""));
  CHECK(contains(bad.body, "value=\"Judul saya\""));
  auto phone = r.post("application/x-www-form-urlencoded", "body=isi&phone=TELKOMSEL");
  CHECK(phone.status == 422);
  CHECK(contains(phone.body, "id=\"e-phone\""));
  CHECK(contains(phone.body, "value=\"TELKOMSEL\""));
  // A forged nonce: refused, a fresh nonce issued, nothing stored.
  auto forged = r.post("application/x-www-form-urlencoded", "body=isi&nonce=123.00000000000000000000000000000000.00000000000000000000000000000000");
  CHECK(forged.status == 422);
  CHECK(contains(forged.body, "kedaluwarsa"));
  CHECK(r.sink.stored.size() == 1);
  // JSON answers on request.
  auto json = r.post("application/x-www-form-urlencoded", "body=isi+laporan", "application/json");
  CHECK(json.status == 201);
  CHECK(contains(json.body, "\"tracking_id\":\"LPR-TEST-2\""));
  auto json_bad = r.post("application/x-www-form-urlencoded", "body=", "application/json");
  CHECK(json_bad.status == 422);
  CHECK(json_bad.content_type == "application/problem+json");
  CHECK(contains(json_bad.body, "\"field\":\"body\""));
}

TEST_CASE("POST /lapor multipart: photos kept and referenced; bad photos and bodies refused") {
  rig r;
  auto body = part("body", "Sampah menumpuk") + part("nonce", r.nonce()) + part("photos", jpeg(3000), "C:\\foto\\sampah.jpg") +
              "--BND--\r\n";
  auto res = r.post(multipart, body);
  CHECK(res.status == 200);
  REQUIRE(r.sink.stored.size() == 1);
  REQUIRE(r.sink.stored[0].attachments.size() == 1);
  const auto& a = r.sink.stored[0].attachments[0];
  CHECK(a.mime == "image/jpeg");
  CHECK(a.size == 3000);
  CHECK(a.name == "sampah.jpg");
  CHECK(std::filesystem::exists(r.files->path_of(a.sha256)));

  auto pdf = r.post(multipart, part("body", "isi tetap ada") + part("photos", "%PDF-1.4 ....", "cv.pdf") + "--BND--");
  CHECK(pdf.status == 422);
  CHECK(contains(pdf.body, "id=\"e-photos\""));
  CHECK(contains(pdf.body, "isi tetap ada"));
  auto big = r.post(multipart, part("body", "x") + part("photos", jpeg(5000), "big.jpg") + "--BND--");
  CHECK(big.status == 422);
  auto three = r.post(multipart, part("body", "x") + part("photos", jpeg(10), "1.jpg") + part("photos", jpeg(10), "2.jpg") +
                                     part("photos", jpeg(10), "3.jpg") + "--BND--");
  CHECK(three.status == 422);
  CHECK(r.post(multipart, part("body", "x")).status == 400);               // no closing boundary
  CHECK(r.post("multipart/form-data", part("body", "x")).status == 400);    // no boundary parameter
  CHECK(r.post("text/plain", "body=x").status == 415);
  CHECK(r.sink.stored.size() == 1);
}

TEST_CASE("POST /lapor multipart spooled by the listener: read from its file, the file released") {
  rig r;
  const auto photo = jpeg(4000);
  const auto body = part("body", "Sampah menumpuk di TPS") + part("nonce", r.nonce()) + part("photos", photo, "tps.jpg") +
                    "--BND--\r\n";
  const auto path = (std::filesystem::path(r.dir) / "tmp" / "upload-body-test.part").string();
  {
    std::ofstream out(path, std::ios::binary);
    out << body;
  }
  g::http_request req;
  req.method = "POST";
  req.path = req.target = "/lapor";
  req.remote_ip = "10.0.0.1";
  req.headers = {{"content-type", multipart}};
  req.spooled = std::make_shared<g::spooled_body>(path, body.size());
  auto res = r.post(std::move(req));
  CHECK(res.status == 200);
  REQUIRE(r.sink.stored.size() == 1);
  REQUIRE(r.sink.stored[0].attachments.size() == 1);
  CHECK(r.sink.stored[0].attachments[0].size == photo.size());
  CHECK(std::filesystem::exists(r.files->path_of(r.sink.stored[0].attachments[0].sha256)));
  CHECK_FALSE(std::filesystem::exists(path));  // the spool file goes with the last holder
}

TEST_CASE("POST /lapor: rate limit and overload") {
  rig r(2);
  CHECK(r.post("application/x-www-form-urlencoded", "body=satu").status == 200);
  CHECK(r.post("application/x-www-form-urlencoded", "body=dua").status == 200);
  auto limited = r.post("application/x-www-form-urlencoded", "body=tiga");
  CHECK(limited.status == 429);
  bool retry_after = false;
  for (auto& [k, v] : limited.headers) retry_after = retry_after || (k == "Retry-After" && std::stoi(v) >= 1);
  CHECK(retry_after);

  rig busy;
  busy.sink.refuse_with = g::submit_result::status::overloaded;
  auto res = busy.post("application/x-www-form-urlencoded", "body=isi");
  CHECK(res.status == 503);
  CHECK(busy.sink.stored.empty());
}

TEST_CASE("GET /status/{id}: state only; unknown and invalid IDs are 404") {
  rig r;
  g::complaint_status s;
  s.tracking_id = "LPR-AAAA-BBBB-C";
  s.received_at_ms = 1'764'000'000'000;
  r.statuses.known[s.tracking_id] = s;
  g::http_response out;
  r.web->get_status("LPR-AAAA-BBBB-C", [&](g::http_response res) { out = std::move(res); });
  CHECK(out.status == 200);
  CHECK(contains(out.body, "data-status=\"received\""));
  r.web->get_status("LPR-ZZZZ-ZZZZ-Z", [&](g::http_response res) { out = std::move(res); });
  CHECK(out.status == 404);
  r.web->get_status("<b>bogus", [&](g::http_response res) { out = std::move(res); });
  CHECK(out.status == 404);
  CHECK(contains(out.body, "&lt;b&gt;bogus"));
}
