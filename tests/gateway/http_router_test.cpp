#include <doctest/doctest.h>

#include "gateway/accept_header.h"
#include "gateway/http_router.h"
#include "gateway/text.h"

using namespace lapor::gateway;

namespace {
http_response call(const http_router& r, std::string method, std::string path) {
  http_request req;
  req.method = std::move(method);
  req.path = std::move(path);
  http_response out;
  r.handle(std::move(req), [&](http_response res) { out = std::move(res); });
  return out;
}
}  // namespace

TEST_CASE("router: routes, captures, 404, 405 with Allow, HEAD") {
  http_router r;
  std::string captured;
  r.add("GET", "/status/{id}", [&](http_request&&, const route_params& p, http_responder done) {
    captured = p.find("id")->second;
    done(http_response::text(200, "state"));
  });
  r.add("POST", "/admin/outbox/{id}/retry", [](http_request&&, const route_params&, http_responder done) {
    done(http_response::text(200, "ok"));
  });
  CHECK(call(r, "GET", "/status/LPR-7K3D%2D9QX2-M").status == 200);
  CHECK(captured == "LPR-7K3D-9QX2-M");
  CHECK(call(r, "GET", "/status").status == 404);
  CHECK(call(r, "GET", "/status/a/b").status == 404);
  auto m = call(r, "DELETE", "/status/x");
  CHECK(m.status == 405);
  REQUIRE(m.headers.size() == 1);
  CHECK(m.headers[0].second == "GET, HEAD, OPTIONS");
  auto h = call(r, "HEAD", "/status/x");
  CHECK(h.status == 200);
  CHECK(h.head_only);
  CHECK(call(r, "POST", "/admin/outbox/12/retry").status == 200);
  CHECK(call(r, "GET", "/admin/outbox/12/retry").status == 405);
  // OPTIONS (RFC 9110 §9.3.7): a resource's methods, or the server's for "*"; 404 stays 404.
  auto o = call(r, "OPTIONS", "/status/x");
  CHECK(o.status == 204);
  CHECK(o.body.empty());
  REQUIRE(o.headers.size() == 1);
  CHECK(o.headers[0].second == "GET, HEAD, OPTIONS");
  auto star = call(r, "OPTIONS", "*");
  CHECK(star.status == 204);
  REQUIRE(star.headers.size() == 1);
  CHECK(star.headers[0].second == "GET, HEAD, POST, OPTIONS");
  CHECK(call(r, "OPTIONS", "/nowhere").status == 404);
  // A method nobody defined, or one in the wrong case (methods are case-sensitive): 501.
  CHECK(call(r, "FOO", "/status/x").status == 501);
  CHECK(call(r, "Get", "/status/x").status == 501);
  CHECK(call(r, "head", "/status/x").status == 501);
  // An escaped unreserved character is that character (RFC 3986 §6.2.2.2); other escapes stay.
  CHECK(call(r, "GET", "/st%61tus/LPR-1").status == 200);
  CHECK(captured == "LPR-1");
  CHECK(call(r, "GET", "/status/LPR%2D2").status == 200);
  CHECK(captured == "LPR-2");
  CHECK(call(r, "GET", "/status/a%2Fb").status == 200);  // %2F is not "/": one segment
  CHECK(captured == "a/b");
}

TEST_CASE("urlencoded forms and percent-decoding") {
  auto p = parse_urlencoded("title=Jalan+rusak&body=Lubang%20besar%21&empty=&flag");
  REQUIRE(p);
  REQUIRE(p->size() == 4);
  CHECK((*p)[0].second == "Jalan rusak");
  CHECK((*p)[1].second == "Lubang besar!");
  CHECK((*p)[2].second.empty());
  CHECK((*p)[3].first == "flag");
  CHECK_FALSE(parse_urlencoded("a=%zz"));
  CHECK_FALSE(parse_urlencoded("a=%4"));
  CHECK_FALSE(percent_decode("%", false));
  CHECK(*percent_decode("a+b", false) == "a+b");
}

TEST_CASE("accept: q-values, case and the most specific range (RFC 9110 §12.5.1)") {
  const char* browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";
  CHECK(accepts(browser, "text/html").q == 1);
  CHECK(accepts(browser, "text/html").specificity == 2);
  CHECK(accepts(browser, "application/json").q == doctest::Approx(0.8));
  CHECK(accepts(browser, "application/json").specificity == 0);
  CHECK(accepts("Application/JSON", "application/json").q == 1);
  CHECK(accepts("application/json;q=0", "application/json").q == 0);
  CHECK(accepts("text/*;q=0.5, text/html;q=0", "text/html").q == 0);  // the most specific decides
  CHECK(accepts("text/*;q=0.5, text/html;q=0", "text/plain").q == doctest::Approx(0.5));
  CHECK(accepts("application/json; Q=0.3", "application/json").q == doctest::Approx(0.3));
  CHECK(accepts("application/json;q=2, text/html", "application/json").specificity == -1);  // a bad q: skipped
  CHECK(accepts("", "text/html").specificity == -1);
  CHECK(accepts("garbage, ;;, /", "text/html").specificity == -1);
  CHECK(accepts("*/*", "text/html").q == 1);
}

TEST_CASE("problem JSON stays valid JSON whatever the client sent") {
  auto p = http_response::problem(404, "Not Found", "no resource at /\xff\xfe", {{"na\xc3me", "pesan \xe2\x28\xa1"}});
  CHECK(is_valid_utf8(p.body));
  CHECK(p.body.find("\xEF\xBF\xBD") != std::string::npos);
}
