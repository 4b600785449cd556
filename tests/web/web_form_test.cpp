#include <doctest/doctest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include <unistd.h>

#include "tests/support/images.h"
#include "channels/web/web_form.h"
#include "tests/support/fake_core.h"

using namespace lapor::web;
namespace g = lapor::gateway;
using lapor::testing::fake_sink;
using lapor::testing::fake_statuses;

namespace {

using lapor::testing::jpeg;

bool contains(const std::string& hay, std::string_view needle) { return hay.find(needle) != std::string::npos; }

std::string header_of(const g::http_response& r, std::string_view name) {
  for (const auto& [k, v] : r.headers)
    if (k == name) return v;
  return "";
}

// The web channel over fakes, answering synchronously (or after the upload pool ran).
struct rig {
  std::string dir;
  fake_sink sink;
  fake_statuses statuses;
  g::rate_limiter limiter{1000};
  g::blocking_pool pool{"test", 1, 16};
  g::metrics stats;
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
    web = std::make_unique<web_form>(o, web_deps{statuses, limiter, pool, *files, std::string(32, 'k'), [this] { return now; }, &stats});
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
  // Post/Redirect/Get: 303 to the result page, so a reload does not post again.
  CHECK(res.status == 303);
  CHECK(header_of(res, "Location").starts_with("/lapor/diterima/LPR-TEST-1?foto=0&t="));
  REQUIRE(r.sink.stored.size() == 1);
  CHECK(r.sink.stored[0].channel == g::channel_kind::web);
  CHECK(r.sink.stored[0].anonymous);
  CHECK(r.sink.stored[0].who.phone == "0812-3456-7890");
  // The same nonce and the same content again (a double click): the very same answer, nothing new stored.
  auto again = r.post("application/x-www-form-urlencoded", form);
  CHECK(again.status == 303);
  CHECK(header_of(again, "Location") == header_of(res, "Location"));
  CHECK(r.sink.stored.size() == 1);
  // The result page shows the ID and links to its status.
  g::complaint_status st1;
  st1.tracking_id = "LPR-TEST-1";
  r.statuses.known[st1.tracking_id] = st1;
  g::http_request result;
  result.method = "GET";
  result.target = "/lapor/diterima/LPR-TEST-1?foto=0";
  result.query = "foto=0";
  g::http_response page;
  r.web->get_result(result, "LPR-TEST-1", [&](g::http_response p) { page = std::move(p); });
  CHECK(page.status == 200);
  CHECK(contains(page.body, "id=\"tracking-id\">LPR-TEST-1<"));
  CHECK(contains(page.body, "href=\"/status/LPR-TEST-1\""));

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
  CHECK(contains(json.body, "\"status\":\"received\""));
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
  CHECK(res.status == 303);
  const auto location = header_of(res, "Location");
  CHECK(location.starts_with("/lapor/diterima/LPR-TEST-1?foto=1&t="));
  REQUIRE(r.sink.stored.size() == 1);
  {
    // The result page repeats what the answer said, and only that: an edited link loses the count.
    g::complaint_status known;
    known.tracking_id = "LPR-TEST-1";
    r.statuses.known[known.tracking_id] = known;
    auto result_page = [&](std::string query) {
      g::http_request get;
      get.method = "GET";
      get.target = "/lapor/diterima/LPR-TEST-1?" + query;
      get.query = std::move(query);
      g::http_response page;
      r.web->get_result(get, "LPR-TEST-1", [&](g::http_response p) { page = std::move(p); });
      return page;
    };
    const auto query = location.substr(location.find('?') + 1);
    auto honest = result_page(query);
    CHECK(honest.status == 200);
    CHECK(contains(honest.body, "1 foto ikut tersimpan"));
    std::string edited = query;
    edited.replace(edited.find("foto=1"), 6, "foto=4");
    auto forged = result_page(edited);
    CHECK(forged.status == 200);
    CHECK(contains(forged.body, "id=\"tracking-id\">LPR-TEST-1<"));
    CHECK_FALSE(contains(forged.body, "foto ikut tersimpan"));
    CHECK_FALSE(contains(result_page("foto=4").body, "foto ikut tersimpan"));
  }
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
  CHECK(res.status == 303);
  REQUIRE(r.sink.stored.size() == 1);
  REQUIRE(r.sink.stored[0].attachments.size() == 1);
  CHECK(r.sink.stored[0].attachments[0].size == photo.size());
  CHECK(std::filesystem::exists(r.files->path_of(r.sink.stored[0].attachments[0].sha256)));
  CHECK_FALSE(std::filesystem::exists(path));  // the spool file goes with the last holder
}

TEST_CASE("POST /lapor: rate limit and overload") {
  rig r(2);
  CHECK(r.post("application/x-www-form-urlencoded", "body=satu").status == 303);
  CHECK(r.post("application/x-www-form-urlencoded", "body=dua").status == 303);
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

TEST_CASE("POST /lapor: a replayed nonce with other content is a report of its own, never a false acknowledgement") {
  rig r;
  const auto nonce = r.nonce();
  auto first = r.post("application/x-www-form-urlencoded", "body=Lampu+jalan+mati&nonce=" + nonce);
  CHECK(first.status == 303);
  // Back, edit, send again with the same nonce: the new text is stored, under its own ID.
  auto edited = r.post("application/x-www-form-urlencoded", "body=Jalan+berlubang+di+depan+pasar&nonce=" + nonce);
  CHECK(edited.status == 303);
  CHECK(header_of(edited, "Location") != header_of(first, "Location"));
  REQUIRE(r.sink.stored.size() == 2);
  CHECK(r.sink.stored[1].body == "Jalan berlubang di depan pasar");
  // A change in any field (a checkbox, a photo) is other content too.
  auto flagged = r.post("application/x-www-form-urlencoded", "body=Lampu+jalan+mati&anonymous=1&nonce=" + nonce);
  CHECK(flagged.status == 303);
  CHECK(r.sink.stored.size() == 3);
  // The first content once more is still a retry of the first report: its very answer.
  auto retry = r.post("application/x-www-form-urlencoded", "body=Lampu+jalan+mati&nonce=" + nonce);
  CHECK(header_of(retry, "Location") == header_of(first, "Location"));
  CHECK(r.sink.stored.size() == 3);
  // With Accept: application/json the retry answer is byte for byte the first one.
  const auto n2 = r.nonce();
  auto j1 = r.post("application/x-www-form-urlencoded", "body=Sampah+menumpuk&nonce=" + n2, "application/json");
  auto j2 = r.post("application/x-www-form-urlencoded", "body=Sampah+menumpuk&nonce=" + n2, "application/json");
  CHECK(j1.status == 201);
  CHECK(j2.status == 201);
  CHECK(j1.body == j2.body);
  CHECK(contains(j2.body, "\"status\":\"received\""));
  // The same photo under another name is other content (the name is stored with it); under
  // the same name, a retry.
  const auto n3 = r.nonce();
  const auto photo = jpeg(900);
  auto with_photo = [&](const char* name) {
    return r.post(multipart, part("body", "Sampah menumpuk di TPS") + part("nonce", n3) + part("photos", photo, name) +
                                 "--BND--\r\n");
  };
  const auto before = r.sink.stored.size();
  auto p1 = with_photo("tps.jpg");
  auto p2 = with_photo("tps.jpg");
  CHECK(header_of(p1, "Location") == header_of(p2, "Location"));
  CHECK(r.sink.stored.size() == before + 1);
  auto renamed = with_photo("tps-pagi.jpg");
  CHECK(renamed.status == 303);
  REQUIRE(r.sink.stored.size() == before + 2);
  CHECK(r.sink.stored.back().attachments.at(0).name == "tps-pagi.jpg");
}

TEST_CASE("POST /lapor multipart: no photo is dropped while the report is acknowledged") {
  rig r;
  auto raw_part = [](std::string headers, std::string value) { return "--BND\r\n" + headers + "\r\n\r\n" + value + "\r\n"; };
  const std::string disp = "Content-Disposition: form-data; name=\"photos\"";
  struct row {
    const char* what;
    std::string body;
  };
  const std::vector<row> rows = {
      {"a zero-byte file with a name", part("body", "isi") + part("photos", "", "kosong.jpg") + "--BND--\r\n"},
      {"a photo part without filename", part("body", "isi") + raw_part(disp + "\r\nContent-Type: image/jpeg", jpeg(300)) + "--BND--\r\n"},
      {"a photo part without filename or type", part("body", "isi") + raw_part(disp, jpeg(300)) + "--BND--\r\n"},
      {"a nested multipart/mixed", part("body", "isi") +
                                       raw_part(disp + "\r\nContent-Type: multipart/mixed; boundary=IN",
                                                "--IN\r\nContent-Disposition: file; filename=\"a.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n" +
                                                    jpeg(300) + "\r\n--IN--") +
                                       "--BND--\r\n"},
      {"a photo under another field name", part("body", "isi") + part("foto", jpeg(300), "a.jpg") + "--BND--\r\n"},
  };
  for (const auto& row : rows) {
    CAPTURE(row.what);
    auto res = r.post(multipart, row.body);
    if (res.status == 303) {
      // Stored: then the photo must be with it.
      REQUIRE_FALSE(r.sink.stored.empty());
      CHECK(r.sink.stored.back().attachments.size() == 1);
    } else {
      CHECK(res.status == 422);
      CHECK(contains(res.body, "id=\"e-photos\""));
    }
  }
  // An empty file input (no file chosen) is not a photo: the report goes ahead without one.
  auto none = r.post(multipart, part("body", "tanpa foto") + part("photos", "", "") + "--BND--\r\n");
  CHECK(none.status == 303);
}

TEST_CASE("POST /lapor: photo names are safe base names") {
  rig r;
  const std::vector<std::pair<std::string, std::string>> rows = {
      {"C:\\foto\\sampah.jpg", "sampah.jpg"}, {"../../etc/x.jpg", "x.jpg"}, {".", "foto-1.jpg"},
      {"..", "foto-1.jpg"}, {"a/..", "foto-1.jpg"}, {"ta\tk.jpg", "tak.jpg"}};
  // Named references, not a structured binding: clang 14 cannot capture a binding in
  // the lambda CAPTURE makes.
  for (const auto& row : rows) {
    const auto& sent = row.first;
    const auto& kept = row.second;
    CAPTURE(sent);
    auto res = r.post(multipart, part("body", "isi " + sent) + part("photos", jpeg(200), sent) + "--BND--\r\n");
    REQUIRE(res.status == 303);
    CHECK(r.sink.stored.back().attachments.at(0).name == kept);
  }
}

TEST_CASE("POST /lapor: a browser's refusals are pages that keep the typed report") {
  rig r(1);
  CHECK(r.post("application/x-www-form-urlencoded", "body=satu").status == 303);
  const auto nonce = r.nonce();
  auto limited = r.post("application/x-www-form-urlencoded", "title=Judul+saya&body=Isi+yang+panjang+sekali&nonce=" + nonce);
  CHECK(limited.status == 429);
  CHECK(limited.content_type.starts_with("text/html"));
  CHECK(contains(limited.body, "Isi yang panjang sekali"));
  CHECK(contains(limited.body, "value=\"Judul saya\""));
  CHECK(contains(limited.body, nonce));  // the same nonce: sending it later is the same report
  CHECK(std::stoi(header_of(limited, "Retry-After")) >= 1);
  auto limited_mp = r.post(multipart, part("body", "isi multipart") + part("photos", jpeg(300), "a.jpg") + "--BND--\r\n");
  CHECK(limited_mp.status == 429);
  CHECK(contains(limited_mp.body, "isi multipart"));
  CHECK(r.sink.stored.size() == 1);

  rig busy;
  busy.sink.refuse_with = g::submit_result::status::overloaded;
  auto res = busy.post("application/x-www-form-urlencoded", "body=isi+tetap");
  CHECK(res.status == 503);
  CHECK(contains(res.body, "isi tetap"));
  // The listener's own refusals (413 before the body is read) become pages too.
  auto page = browser_page_for(g::http_response::problem(413, "Content Too Large", "the body exceeds 10 bytes"));
  CHECK(page.status == 413);
  CHECK(page.content_type.starts_with("text/html"));
  CHECK(contains(page.body, "Kembali"));
  g::http_request browser;
  browser.headers = {{"accept", "text/html,application/xhtml+xml,*/*;q=0.8"}};
  CHECK(wants_page(browser));
  browser.headers = {{"accept", "application/json"}};
  CHECK_FALSE(wants_page(browser));
  // q-values and case (RFC 9110 §12.5.1), not substrings.
  for (const auto& [accept, page] : std::vector<std::pair<const char*, bool>>{
           {"TEXT/HTML", true},
           {"text/html;q=0.9, application/json;q=0.1", true},
           {"application/json;q=0, text/html", true},
           {"text/html;q=0, application/json", false},
           {"text/html, application/json", false},  // both named as highly: the app's JSON
           {"text/*", true},
           {"*/*", false},  // curl: problem JSON for refusals
           {"text/html;q=0", false}}) {
    CAPTURE(accept);
    browser.headers = {{"accept", accept}};
    CHECK(wants_page(browser) == page);
  }
  // The form's own answer: JSON only when weighed above the page.
  rig q;
  auto weighed = q.post("application/x-www-form-urlencoded", "body=isi+laporan+jalan", "text/html;q=0.9, application/json;q=0.1");
  CHECK(weighed.status == 303);
  auto app = q.post("application/x-www-form-urlencoded", "body=isi+laporan+lampu", "Application/JSON");
  CHECK(app.status == 201);
}

TEST_CASE("POST /lapor: every refusal is counted in lapor_rejected_total{channel=\"web\"}") {
  rig r;
  auto rejected = [&] { return r.stats.get(g::counter::rejected, g::channel_kind::web); };
  CHECK(r.post("application/x-www-form-urlencoded", "body=").status == 422);
  CHECK(rejected() == 1);
  CHECK(r.post("text/plain", "x").status == 415);
  CHECK(rejected() == 2);
  CHECK(r.post("application/x-www-form-urlencoded", "body=%zz").status == 400);
  CHECK(rejected() == 3);
  CHECK(r.post(multipart, part("body", "x") + part("photos", "%PDF", "a.pdf") + "--BND--").status == 422);
  CHECK(rejected() == 4);
  CHECK(r.post("application/x-www-form-urlencoded", "body=ok").status == 303);
  CHECK(rejected() == 4);
  rig limited(1);
  CHECK(limited.post("application/x-www-form-urlencoded", "body=ok").status == 303);
  CHECK(limited.post("application/x-www-form-urlencoded", "body=ok2").status == 429);
  CHECK(limited.post("application/x-www-form-urlencoded", "body=ok3", "application/json").status == 429);
  CHECK(limited.stats.get(g::counter::rejected, g::channel_kind::web) == 2);
}
