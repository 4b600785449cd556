#include <doctest/doctest.h>

#include <chrono>
#include <filesystem>
#include <mutex>
#include <thread>

#include <unistd.h>

#include "tests/support/images.h"
#include "channels/mobile/mobile_api.h"
#include "tests/support/fake_core.h"
#include "gateway/digest.h"

using namespace lapor::mobile;
namespace g = lapor::gateway;
using lapor::testing::fake_sink;
using lapor::testing::fake_statuses;

namespace {

bool contains(const std::string& hay, std::string_view needle) { return hay.find(needle) != std::string::npos; }

using lapor::testing::jpeg;

struct rig {
  std::string dir;
  fake_sink sink;
  fake_statuses statuses;
  g::rate_limiter limiter{0};
  g::blocking_pool pool{"test", 1, 16};
  g::metrics stats;
  std::vector<g::mobile_api_key> keys{{"app1", "s3cret"}, {"ios", "other"}};
  std::unique_ptr<g::attachment_store> files;
  std::unique_ptr<mobile_api> api;
  std::int64_t now = 1'800'000'000;

  explicit rig(int per_minute = 0) : limiter(per_minute) {
    static int made = 0;  // one folder per rig, so two rigs in one test do not share it
    dir = (std::filesystem::temp_directory_path() /
           ("lapor-mobile-" + std::to_string(::getpid()) + "-" + std::to_string(made++))).string();
    std::filesystem::remove_all(dir);
    files = std::make_unique<g::attachment_store>(dir);
    mobile_options o;
    o.max_photos = 2;
    o.max_photo_bytes = 4096;
    o.max_json_bytes = 64 * 1024;
    api = std::make_unique<mobile_api>(o, mobile_deps{keys, statuses, limiter, pool, *files, [this] { return now; }, &stats});
    // Started a minute ago: what the tests sign "now" is after the start (a signature made
    // before it is refused: the replay guard cannot know the previous process's).
    now -= 60;
    api->start(sink);
    now += 60;
  }
  ~rig() { std::filesystem::remove_all(dir); }

  g::http_request signed_request(std::string method, std::string target, std::string body, std::string key = "k1",
                                 std::int64_t ts = 0, std::string secret = "s3cret") {
    g::http_request req;
    req.method = method;
    req.target = target;
    req.path = target.substr(0, target.find('?'));
    req.remote_ip = "10.1.1.1";
    ts = ts ? ts : now;
    auto sig = sign_request(secret, method, target, ts, g::sha256_hex(body));
    req.headers = {{"authorization", "LAPOR-HMAC-SHA256 key_id=app1, ts=" + std::to_string(ts) + ", sig=" + sig},
                   {"content-type", "application/json"}};
    if (!key.empty()) req.headers.emplace_back("idempotency-key", key);
    req.body = std::move(body);
    return req;
  }

  g::http_response post(g::http_request req) {
    std::optional<g::http_response> out;
    std::mutex m;
    api->post_report(std::move(req), [&](g::http_response r) {
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
  g::http_response post(std::string body, std::string key = "k1") { return post(signed_request("POST", "/api/v1/reports", std::move(body), key)); }
};

std::string field_of(const g::http_response& r) {
  auto at = r.body.find("\"field\":\"");
  if (at == std::string::npos) return "";
  at += 9;
  return r.body.substr(at, r.body.find('"', at) - at);
}

}  // namespace

TEST_CASE("Authorization header parsing") {
  std::string err;
  auto h = parse_authorization("LAPOR-HMAC-SHA256 key_id=app1, ts=1764000000, sig=" + std::string(64, 'A'), err);
  REQUIRE(h);
  CHECK(h->key_id == "app1");
  CHECK(h->ts == 1764000000);
  CHECK(h->sig == std::string(64, 'a'));
  for (std::string bad : std::vector<std::string>{"Bearer abc", "LAPOR-HMAC-SHA256", "LAPOR-HMAC-SHA256 key_id=a, ts=x, sig=" + std::string(64, 'a'),
                          "LAPOR-HMAC-SHA256 key_id=a, sig=" + std::string(64, 'a'), "LAPOR-HMAC-SHA256 key_id=a, ts=1, sig=abc",
                          "LAPOR-HMAC-SHA256 ts=1, sig=" + std::string(64, 'a')}) {
    CAPTURE(bad);
    CHECK_FALSE(parse_authorization(bad, err));
    CHECK_FALSE(err.empty());
  }
  // The spec's string to sign.
  CHECK(string_to_sign("POST", "/api/v1/reports?x=1", 5, "ab") == "POST\n/api/v1/reports?x=1\n5\nab");
}

TEST_CASE("replay guard: the same signature with another Idempotency-Key is refused") {
  replay_guard guard(300, 4);
  const std::string a(64, 'a'), b(64, 'b');
  const std::int64_t t = 1764000000;
  constexpr auto ok = replay_verdict::admitted;
  CHECK(guard.admit(a, t, "k1", t) == ok);
  CHECK(guard.admit(a, t, "k1", t + 10) == ok);                         // the very same request again: the store answers it
  CHECK(guard.admit(a, t, "k2", t + 10) == replay_verdict::replayed);  // replayed under a new key
  CHECK(guard.admit(b, t, "k2", t + 10) == ok);                         // another signature may use any key
  // Forgotten once the signed time has left the window (the verifier refuses it by then).
  CHECK(guard.admit(a, t, "k3", t + 301) == ok);
  // Bounded: beyond the capacity the oldest signatures are forgotten first.
  for (char c = 'c'; c < 'k'; ++c) CHECK(guard.admit(std::string(64, c), t + 400, "k", t + 400) == ok);
  CHECK(guard.remembered() <= 5);
}

TEST_CASE("replay guard: a signature made before the process started is refused, not guessed at") {
  // A restart forgets every signature; one made before it may have been stored by the
  // previous process under another key (the outside probe: three complaints from one request).
  replay_guard guard(300, 16);
  const std::int64_t started = 1764000000;
  guard.remember_from(started);
  CHECK(guard.admit(std::string(64, 'a'), started - 20, "k1", started + 5) == replay_verdict::before_memory);
  CHECK(guard.admit(std::string(64, 'a'), started - 20, "k1", started + 6) == replay_verdict::before_memory);
  CHECK(guard.admit(std::string(64, 'b'), started, "k1", started + 6) == replay_verdict::admitted);
  CHECK(guard.admit(std::string(64, 'b'), started, "k2", started + 7) == replay_verdict::replayed);
}

TEST_CASE("report JSON: fields, wrong types named, depth bounded") {
  parsed_report r;
  report_limits lim;
  REQUIRE_FALSE(parse_report(R"({"title":"T","body":"B","kind":"aspiration","reporter":{"name":"N","phone":"0812","email":null},
      "anonymous":true,"confidential":false,"location":{"text":"Sampit","lat":-2.53,"lon":112},"device_id":"d1",
      "future_field":[1,2]})", lim, r));
  CHECK(r.sub.channel == g::channel_kind::mobile);
  CHECK(r.sub.title == "T");
  CHECK(r.sub.kind == g::complaint_kind::aspiration);
  CHECK(r.sub.who.phone == "0812");
  CHECK_FALSE(r.sub.who.email);
  CHECK(r.sub.anonymous);
  CHECK(*r.sub.where.lat == doctest::Approx(-2.53));
  CHECK(*r.sub.where.lon == doctest::Approx(112));
  CHECK(r.device_id == "d1");

  struct bad {
    std::string json;
    int status;
    std::string field;
  };
  const std::vector<bad> cases = {
      {"not json", 400, "$"},
      {"[1,2]", 400, "$"},
      {std::string(10000, '[') + std::string(10000, ']'), 400, "$"},
      {"{\"body\":\"\xff\"}", 400, "$"},
      {"{}", 422, "body"},
      {R"({"body":5})", 422, "body"},
      {R"({"body":"b","title":[]})", 422, "title"},
      {R"({"body":"b","kind":"bogus"})", 422, "kind"},
      {R"({"body":"b","anonymous":"yes"})", 422, "anonymous"},
      {R"({"body":"b","reporter":"Budi"})", 422, "reporter"},
      {R"({"body":"b","reporter":{"phone":812}})", 422, "reporter.phone"},
      {R"({"body":"b","location":{"lat":"-2"}})", 422, "location.lat"},
      {R"({"body":"b","attachments":{}})", 422, "attachments"},
      {R"({"body":"b","attachments":[{"name":"a"}]})", 422, "attachments[0].data_base64"},
      {R"({"body":"b","attachments":[{"data_base64":"!!!"}]})", 422, "attachments[0].data_base64"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.json.substr(0, 60));
    parsed_report out;
    auto e = parse_report(c.json, lim, out);
    REQUIRE(e);
    CHECK(e->status == c.status);
    CHECK(e->field == c.field);
  }
}

TEST_CASE("base64") {
  for (std::string s : std::vector<std::string>{"", "a", "ab", "abc", "abcd", std::string("\xff\xfe\x00\x01 photo bytes", 17)}) {
    auto enc = encode_base64(s);
    CHECK(decode_base64(enc, 100) == s);
  }
  CHECK(decode_base64("YWJj\nZA==", 100) == "abcd");
  CHECK(decode_base64("YWJjZA", 100) == "abcd");  // padding optional
  CHECK_FALSE(decode_base64("YWJjZA=x", 100));
  CHECK_FALSE(decode_base64("Y", 100));
  CHECK_FALSE(decode_base64("YWJj$A==", 100));
  CHECK_FALSE(decode_base64(encode_base64(std::string(200, 'x')), 100));
}

TEST_CASE("POST /api/v1/reports: signed, idempotent, problems name the field") {
  rig r;
  const std::string body = R"({"title":"Lampu mati","body":"Lampu jalan mati","reporter":{"phone":"0812-1111-2222"}})";
  auto first = r.post(body);
  CHECK(first.status == 201);
  CHECK(contains(first.body, "\"status\":\"received\""));
  REQUIRE(r.sink.stored.size() == 1);
  CHECK(r.sink.stored[0].idempotency_key == "app1:k1");
  CHECK(r.sink.stored[0].request_fingerprint.size() == 64);
  auto retry = r.post(body);
  CHECK(retry.status == 201);
  CHECK(contains(retry.body, "\"status\":\"received\""));  // the first answer again (SPEC §7)
  // A rebuilt retry (spacing, members in another order) is the same report: the same answer.
  const std::string rebuilt = R"({ "reporter": {"phone": "0812-1111-2222"}, "body": "Lampu jalan mati", "title": "Lampu mati" } )";
  auto again = r.post(rebuilt);
  CHECK(again.status == 201);
  CHECK(contains(again.body, "\"status\":\"received\""));
  // Another report under the key is a conflict.
  auto conflict = r.post(R"({"title":"Lampu mati","body":"Lampu jalan mati dua","reporter":{"phone":"0812-1111-2222"}})");
  CHECK(conflict.status == 422);
  CHECK(field_of(conflict) == "Idempotency-Key");
  CHECK(r.sink.stored.size() == 1);

  auto no_key = r.post(body, "");
  CHECK(no_key.status == 400);
  CHECK(field_of(no_key) == "Idempotency-Key");

  auto req = r.signed_request("POST", "/api/v1/reports", body, "k2");
  req.body += "tampered";
  CHECK(r.post(std::move(req)).status == 401);
  CHECK(r.post(r.signed_request("POST", "/api/v1/reports", body, "k3", r.now - 301)).status == 401);  // replayed later
  CHECK(r.post(r.signed_request("POST", "/api/v1/reports", body, "k4", r.now + 299)).status == 201);  // skew allowed
  CHECK(r.post(r.signed_request("POST", "/api/v1/reports", body, "k5", 0, "wrong")).status == 401);
  auto unsigned_req = r.signed_request("POST", "/api/v1/reports", body, "k6");
  unsigned_req.headers.erase(unsigned_req.headers.begin());
  auto u = r.post(std::move(unsigned_req));
  CHECK(u.status == 401);
  CHECK(field_of(u) == "Authorization");

  // A captured request sent again under a new Idempotency-Key: refused, nothing stored.
  auto captured = r.signed_request("POST", "/api/v1/reports", R"({"body":"Jembatan retak di Desa Baamang"})", "k11");
  auto replayed = captured;
  replayed.headers.back().second = "k12";
  REQUIRE(replayed.header("idempotency-key") == std::optional<std::string_view>("k12"));
  CHECK(r.post(std::move(captured)).status == 201);
  auto replay = r.post(std::move(replayed));
  CHECK(replay.status == 401);
  CHECK(contains(replay.body, "replay"));

  auto deep = r.post(std::string(10000, '[') + std::string(10000, ']'), "k7");
  CHECK(deep.status == 400);
  auto typed = r.post(R"({"body":"b","reporter":{"phone":812}})", "k8");
  CHECK(typed.status == 422);
  CHECK(field_of(typed) == "reporter.phone");
  auto rejected = r.post(R"({"body":"b","reporter":{"phone":"TELKOMSEL"}})", "k9");
  CHECK(rejected.status == 422);
  CHECK(field_of(rejected) == "reporter.phone");
  auto other_type = r.signed_request("POST", "/api/v1/reports", body, "k10", r.now + 1);  // its own signature
  other_type.headers[1].second = "text/plain";
  CHECK(r.post(std::move(other_type)).status == 415);
  CHECK(r.sink.stored.size() == 3);
}

TEST_CASE("POST /api/v1/reports: photos inline (base64) and as multipart parts") {
  rig r;
  auto inline_body = R"({"body":"Banjir","attachments":[{"name":"a.jpg","mime":"image/jpeg","data_base64":")" +
                     encode_base64(jpeg(1000)) + "\"}]}";
  auto res = r.post(inline_body, "p1");
  CHECK(res.status == 201);
  REQUIRE(r.sink.stored.size() == 1);
  REQUIRE(r.sink.stored[0].attachments.size() == 1);
  CHECK(r.sink.stored[0].attachments[0].sha256 == g::sha256_hex(jpeg(1000)));
  CHECK(std::filesystem::exists(r.files->path_of(g::sha256_hex(jpeg(1000)))));

  auto not_photo = R"({"body":"Banjir","attachments":[{"data_base64":")" + encode_base64("%PDF-1.4 hello world") + "\"}]}";
  auto bad = r.post(not_photo, "p2");
  CHECK(bad.status == 422);
  CHECK(field_of(bad) == "attachments[0].data_base64");

  std::string mp = "--M\r\nContent-Disposition: form-data; name=\"report\"\r\n\r\n{\"body\":\"Jalan\"}\r\n"
                   "--M\r\nContent-Disposition: form-data; name=\"attachments\"; filename=\"x.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n" +
                   jpeg(2000) + "\r\n--M--\r\n";
  auto req = r.signed_request("POST", "/api/v1/reports", mp, "p3");
  req.headers[1].second = "multipart/form-data; boundary=M";
  CHECK(r.post(std::move(req)).status == 201);
  REQUIRE(r.sink.stored.size() == 2);
  CHECK(r.sink.stored[1].attachments.size() == 1);
  auto broken = r.signed_request("POST", "/api/v1/reports", mp.substr(0, mp.size() - 8), "p4");
  broken.headers[1].second = "multipart/form-data; boundary=M";
  CHECK(r.post(std::move(broken)).status == 400);
  CHECK(r.sink.stored.size() == 2);
}

TEST_CASE("POST /api/v1/reports: overload and rate limit answer 503/429 with Retry-After, nothing stored") {
  rig r;
  r.sink.refuse_with = g::submit_result::status::overloaded;
  auto busy = r.post(R"({"body":"Lampu jalan mati di gang 3"})", "o1");
  CHECK(busy.status == 503);
  auto retry_after = [](const g::http_response& res) {
    for (const auto& [k, v] : res.headers)
      if (k == "Retry-After") return std::stoi(v);
    return 0;
  };
  CHECK(retry_after(busy) >= 1);
  CHECK(busy.content_type == "application/problem+json");
  r.sink.refuse_with = g::submit_result::status::received;
  CHECK(r.sink.stored.empty());
  // The same key after the overload is a first attempt, not a conflict.
  CHECK(r.post(R"({"body":"Lampu jalan mati di gang 3"})", "o1").status == 201);

  rig limited(1);  // one report per minute per client IP
  CHECK(limited.post(R"({"body":"Jalan berlubang di depan sekolah"})", "l1").status == 201);
  auto refused = limited.post(R"({"body":"Jalan berlubang di depan sekolah lagi"})", "l2");
  CHECK(refused.status == 429);
  CHECK(retry_after(refused) >= 1);
  CHECK(limited.sink.stored.size() == 1);
}

TEST_CASE("GET /api/v1/reports/{id} and the OpenAPI document") {
  rig r;
  g::complaint_status s;
  s.tracking_id = "LPR-AAAA-BBBB-C";
  s.received_at_ms = 1'764'000'000'000;
  s.kind = "complaint";
  r.statuses.known[s.tracking_id] = s;
  g::http_response out;
  r.api->get_report(r.signed_request("GET", "/api/v1/reports/LPR-AAAA-BBBB-C", "", ""), "LPR-AAAA-BBBB-C",
                    [&](g::http_response res) { out = std::move(res); });
  CHECK(out.status == 200);
  CHECK(contains(out.body, "\"received_at\":\"2025-11-24T16:00:00.000Z\""));
  r.api->get_report(r.signed_request("GET", "/api/v1/reports/LPR-XXXX", "", ""), "LPR-XXXX",
                    [&](g::http_response res) { out = std::move(res); });
  CHECK(out.status == 404);
  auto unsigned_get = r.signed_request("GET", "/api/v1/reports/LPR-AAAA-BBBB-C", "", "");
  unsigned_get.headers.clear();
  r.api->get_report(unsigned_get, "LPR-AAAA-BBBB-C", [&](g::http_response res) { out = std::move(res); });
  CHECK(out.status == 401);
  const auto& doc = openapi_document();
  CHECK(contains(doc, "\"openapi\": \"3.0.3\""));
  CHECK(contains(doc, "\"/api/v1/reports/{tracking_id}\""));
}

TEST_CASE("Authorization: scheme and parameter names in any case; a parameter twice is refused") {
  std::string err;
  const std::string sig(64, 'a');
  for (std::string ok : {"lapor-hmac-sha256 key_id=app1, ts=5, sig=" + sig, "LAPOR-HMAC-SHA256 KEY_ID=app1, TS=5, SIG=" + sig,
                         "Lapor-Hmac-Sha256 Key_Id=app1,ts=5,Sig=" + sig}) {
    CAPTURE(ok);
    auto h = parse_authorization(ok, err);
    REQUIRE(h);
    CHECK(h->key_id == "app1");
    CHECK(h->ts == 5);
  }
  for (std::string twice : {"LAPOR-HMAC-SHA256 key_id=app1, key_id=ios, ts=5, sig=" + sig,
                            "LAPOR-HMAC-SHA256 key_id=app1, ts=5, TS=6, sig=" + sig,
                            "LAPOR-HMAC-SHA256 key_id=app1, ts=5, sig=" + sig + ", sig=" + std::string(64, 'b')}) {
    CAPTURE(twice);
    CHECK_FALSE(parse_authorization(twice, err));
    CHECK(contains(err, "more than once"));
  }
  // Lower-case names go all the way through the verifier; two Authorization lines are refused.
  rig r;
  auto req = r.signed_request("POST", "/api/v1/reports", R"({"body":"Lampu mati"})", "a1");
  auto& auth = req.headers[0].second;
  auth = "lapor-hmac-sha256 " + auth.substr(auth.find(' ') + 1);
  CHECK(r.post(req).status == 201);
  auto two = r.signed_request("POST", "/api/v1/reports", R"({"body":"Lampu mati lagi"})", "a2");
  two.headers.push_back(two.headers[0]);
  CHECK(r.post(std::move(two)).status == 400);
}

TEST_CASE("report JSON: a duplicate name is 400, an out-of-range number names its field, lat needs lon") {
  report_limits lim;
  struct row {
    std::string json;
    int status;
    std::string field;
  };
  const std::vector<row> rows = {
      {R"({"body":"a","body":"b"})", 400, "body"},
      {R"({"body":"a","reporter":{"phone":"0812","phone":"0813"}})", 400, "reporter.phone"},
      {R"({"body":"a","":1,"":2})", 400, R"("")"},  // found by the fuzzer: the empty name twice
      {R"({"body":"a","reporter":{"":"x","":"y"}})", 400, R"(reporter."")"},
      {R"({"body":"a","attachments":[{"name":"a"},{"name":"b","name":"c"}]})", 400, "attachments[1].name"},
      {R"({"body":"a","location":{"lat":1e400,"lon":2}})", 422, "location.lat"},
      {R"({"body":"a","location":{"lat":1,"lon":-1e999}})", 422, "location.lon"},
      {R"({"body":"a","location":{"lat":-2.5}})", 422, "location.lon"},
      {R"({"body":"a","location":{"lon":112.9}})", 422, "location.lat"},
      {R"({"body":"a","location":{"lat":-2.5,"lon":null}})", 422, "location.lon"},
  };
  for (const auto& r : rows) {
    CAPTURE(r.json);
    parsed_report out;
    auto e = parse_report(r.json, lim, out);
    REQUIRE(e);
    CHECK(e->status == r.status);
    CHECK(e->field == r.field);
  }
  parsed_report ok;
  CHECK_FALSE(parse_report(R"({"body":"a","location":{"lat":-2.5,"lon":112.9}})", lim, ok));
}

TEST_CASE("POST /api/v1/reports: a retry gets the same answer, byte for byte") {
  rig r;
  const std::string body = R"({"body":"Jembatan putus di desa kami"})";
  auto first = r.post(body, "same");
  auto again = r.post(r.signed_request("POST", "/api/v1/reports", body, "same", r.now + 1));
  CHECK(first.status == 201);
  CHECK(again.status == 201);
  CHECK(first.body == again.body);
  CHECK(contains(again.body, "\"status\":\"received\""));
  CHECK(first.headers == again.headers);
}

TEST_CASE("POST /api/v1/reports: attachment names are safe base names; no photo silently dropped") {
  rig r;
  auto with_name = [&](std::string name, std::string key) {
    auto body = R"({"body":"Banjir )" + key + R"(","attachments":[{"name":")" + name + R"(","data_base64":")" +
                encode_base64(jpeg(300)) + "\"}]}";
    return r.post(body, key);
  };
  const std::vector<std::pair<std::string, std::string>> rows = {
      {"../../etc/x.jpg", "x.jpg"}, {"..", "foto-1.jpg"}, {".", "foto-1.jpg"}, {"", "foto-1.jpg"},
      {"C:\\\\Users\\\\a\\\\b.jpg", "b.jpg"}, {"a\\u0007b.jpg", "ab.jpg"}};
  int i = 0;
  // Named references, not a structured binding: clang 14 cannot capture a binding in
  // the lambda CAPTURE makes.
  for (const auto& row : rows) {
    const auto& sent = row.first;
    const auto& kept = row.second;
    CAPTURE(sent);
    auto res = with_name(sent, std::string("n").append(std::to_string(i++)));
    REQUIRE(res.status == 201);
    CHECK(r.sink.stored.back().attachments.at(0).name == kept);
  }
  // Multipart: a zero-byte named file and a photos part without filename are never dropped.
  auto mp = [&](std::string photo_part, std::string key) {
    std::string body = "--M\r\nContent-Disposition: form-data; name=\"report\"\r\n\r\n{\"body\":\"Jalan " + key + "\"}\r\n" +
                       photo_part + "--M--\r\n";
    auto req = r.signed_request("POST", "/api/v1/reports", body, key);
    req.headers[1].second = "multipart/form-data; boundary=M";
    return r.post(std::move(req));
  };
  const auto before = r.sink.stored.size();
  auto empty = mp("--M\r\nContent-Disposition: form-data; name=\"photos\"; filename=\"a.jpg\"\r\n\r\n\r\n", "m1");
  CHECK(empty.status == 422);
  CHECK(field_of(empty) == "photos");
  auto nameless = mp("--M\r\nContent-Disposition: form-data; name=\"photos\"\r\nContent-Type: image/jpeg\r\n\r\n" + jpeg(300) + "\r\n", "m2");
  CHECK(nameless.status == 201);
  REQUIRE(r.sink.stored.size() == before + 1);
  CHECK(r.sink.stored.back().attachments.size() == 1);
  auto traversal = mp("--M\r\nContent-Disposition: form-data; name=\"photos\"; filename=\"../../etc/y.jpg\"\r\n\r\n" + jpeg(300) + "\r\n", "m3");
  CHECK(traversal.status == 201);
  CHECK(r.sink.stored.back().attachments.at(0).name == "y.jpg");
}

TEST_CASE("POST /api/v1/reports: every refusal is counted in lapor_rejected_total{channel=\"mobile\"}") {
  rig r;
  auto rejected = [&] { return r.stats.get(g::counter::rejected, g::channel_kind::mobile); };
  auto unsigned_req = r.signed_request("POST", "/api/v1/reports", R"({"body":"x"})", "c1");
  unsigned_req.headers.erase(unsigned_req.headers.begin());
  CHECK(r.post(std::move(unsigned_req)).status == 401);
  CHECK(rejected() == 1);
  CHECK(r.post(R"({"body":"x"})", "").status == 400);  // no Idempotency-Key
  CHECK(rejected() == 2);
  CHECK(r.post("not json", "c3").status == 400);
  CHECK(rejected() == 3);
  CHECK(r.post(R"({"body":5})", "c4").status == 422);
  CHECK(rejected() == 4);
  CHECK(r.post(R"({"body":"ok"})", "c5").status == 201);
  CHECK(rejected() == 4);
}
