// RFC 9112 framing checks of the public and admin listeners, as a table (no sockets): every
// way a request's body length or target could be read two ways is refused.
#include "gateway/http_framing.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using namespace lapor::gateway;

namespace {

using fields = std::vector<std::pair<std::string, std::string>>;

std::optional<framing_refusal> check(const fields& f, std::string_view target = "/lapor", unsigned version = 11,
                                     std::string_view method = "POST") {
  return check_request_head({method, target, version, &f});
}

int status_of(const fields& f, std::string_view target = "/lapor", unsigned version = 11) {
  auto r = check(f, target, version);
  return r ? r->status : 0;
}

}  // namespace

TEST_CASE("framing: Transfer-Encoding other than chunked-last is refused (request smuggling)") {
  struct row {
    fields f;
    int status;  // 0 = served
  };
  const fields host{{"Host", "a"}};
  auto with = [&](fields extra) {
    fields f = host;
    f.insert(f.end(), extra.begin(), extra.end());
    return f;
  };
  const std::vector<row> rows = {
      {with({{"Transfer-Encoding", "chunked"}}), 0},
      {with({{"Transfer-Encoding", "Chunked"}}), 0},
      {with({{"Transfer-Encoding", "gzip"}}), 400},
      {with({{"Transfer-Encoding", "deflate"}}), 400},
      {with({{"Transfer-Encoding", "xchunked"}}), 400},
      {with({{"Transfer-Encoding", "chunked, identity"}}), 400},
      {with({{"Transfer-Encoding", "chunked, chunked"}}), 400},
      {with({{"Transfer-Encoding", "chunked"}, {"Transfer-Encoding", "chunked"}}), 400},
      {with({{"Transfer-Encoding", "chunked"}, {"Transfer-Encoding", "gzip"}}), 400},
      {with({{"Transfer-Encoding", ""}}), 400},
      {with({{"Transfer-Encoding", "chu nked"}}), 400},
      {with({{"Transfer-Encoding", "\"chunked\""}}), 400},
      {with({{"Transfer-Encoding", "gzip, chunked"}}), 501},
      {with({{"Transfer-Encoding", "foo, chunked"}}), 501},
      {with({{"Transfer-Encoding", "chunked"}, {"Content-Length", "5"}}), 400},
      {with({{"Content-Length", "5"}, {"Transfer-Encoding", "chunked"}}), 400},
      {with({{"Content-Length", "5"}}), 0},
      {with({{"Content-Length", "5"}, {"Content-Length", "5"}}), 400},
      {with({{"Content-Length", "5, 5"}}), 400},
      {with({{"Content-Length", "5, 6"}}), 400},
      {with({{"Content-Length", "+5"}}), 400},
      {with({{"Content-Length", "-1"}}), 400},
      {with({{"Content-Length", "0x10"}}), 400},
      {with({{"Content-Length", ""}}), 400},
      {with({{"Content-Length", "99999999999999999999999"}}), 413},  // beyond any body limit
      {with({{"Content-Length", "9223372036854775807"}}), 413},
      {with({{"Content-Encoding", "gzip"}, {"Content-Length", "5"}}), 415},
      {with({{"Content-Encoding", "identity"}, {"Content-Length", "5"}}), 0},
  };
  // A raw byte beyond ASCII (or a control) in the target is the client's to percent-encode.
  CHECK(status_of({{"Host", "x"}}, "/\xff\xfe") == 400);
  CHECK(status_of({{"Host", "x"}}, "/lapor\x01") == 400);
  CHECK(status_of({{"Host", "x"}}, "/lapor?q=%C3%A9") == 0);
  for (const auto& r : rows) {
    std::string shown;
    for (const auto& [k, v] : r.f) shown += k + ": " + v + " | ";
    CAPTURE(shown);
    CHECK(status_of(r.f) == r.status);
  }
  // HTTP/1.0 has no transfer codings.
  CHECK(status_of({{"Transfer-Encoding", "chunked"}}, "/lapor", 10) == 400);
}

TEST_CASE("framing: Host, singletons, field values and the request-target") {
  CHECK(status_of({}) == 400);                                   // HTTP/1.1 without Host
  CHECK(status_of({}, "/lapor", 10) == 0);                       // HTTP/1.0 may omit it
  CHECK(status_of({{"Host", "a"}, {"Host", "b"}}) == 400);
  CHECK(status_of({{"Host", "a"}, {"host", "a"}}) == 400);
  CHECK(status_of({{"Host", "bad host"}}) == 400);
  CHECK(status_of({{"Host", "a/b"}}) == 400);
  CHECK(status_of({{"Host", "user@a"}}) == 400);
  CHECK(status_of({{"Host", ""}}) == 400);
  CHECK(status_of({{"Host", "127.0.0.1:8080"}}) == 0);
  CHECK(status_of({{"Host", "[::1]:8080"}}) == 0);
  CHECK(status_of({{"Host", "lapor.go.id"}}) == 0);
  CHECK(status_of({{"Host", "a:99999999"}}) == 400);
  for (const char* once : {"Content-Type", "Authorization", "Idempotency-Key", "Origin"}) {
    CAPTURE(once);
    CHECK(status_of({{"Host", "a"}, {once, "x"}, {once, "y"}}) == 400);
  }
  CHECK(status_of({{"Host", "a"}, {"Accept", "a"}, {"Accept", "b"}}) == 0);  // a list field may repeat
  CHECK(status_of({{"Host", "a"}, {"X", "a\nb"}}) == 400);
  CHECK(status_of({{"Host", "a"}, {"X", std::string("a\0b", 3)}}) == 400);
  // The target: 414 past the limit, absolute-form accepted, anything else 400.
  CHECK(status_of({{"Host", "a"}}, "/" + std::string(max_request_target, 'a')) == 414);
  CHECK(status_of({{"Host", "a"}}, "/" + std::string(max_request_target - 1, 'a')) == 0);
  CHECK(status_of({{"Host", "a"}}, "http://127.0.0.1:8080/lapor") == 0);
  CHECK(status_of({{"Host", "a"}}, "HTTP://127.0.0.1:8080") == 0);
  CHECK(status_of({{"Host", "a"}}, "ftp://x/y") == 400);
  CHECK(status_of({{"Host", "a"}}, "lapor") == 400);
  CHECK(status_of({{"Host", "a"}}, "http://user@host/x") == 400);
  CHECK(status_of({{"Host", "a"}}, "/a#frag") == 400);
  CHECK(status_of({{"Host", "a"}}, "*") == 400);
  CHECK_FALSE(check({{"Host", "a"}}, "*", 11, "OPTIONS"));

  auto split = split_request_target("http://127.0.0.1:8080/api/v1/reports?x=1");
  REQUIRE(split);
  CHECK(split->origin_form == "/api/v1/reports?x=1");
  CHECK(split->authority == "127.0.0.1:8080");
  CHECK(split_request_target("http://h")->origin_form == "/");
  CHECK(split_request_target("http://h?q")->origin_form == "/?q");
  CHECK(host_without_port("LocalHost.:9090") == "localhost");
  CHECK(host_without_port("[::1]:9090") == "::1");
}

TEST_CASE("framing: the raw head — bare LF, bare CR, obs-fold, NUL; the request line's length") {
  CHECK_FALSE(check_raw_head("GET / HTTP/1.1\r\nHost: a\r\n\r\n"));
  CHECK_FALSE(check_raw_head("\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n"));  // empty lines first are allowed
  CHECK(check_raw_head("GET / HTTP/1.1\nHost: a\n\n"));
  CHECK(check_raw_head("GET / HTTP/1.1\r\nHost: a\nX: y\r\n\r\n"));
  CHECK(check_raw_head("GET / HTTP/1.1\r\nHost: a\rX: y\r\n\r\n"));
  CHECK(check_raw_head("GET / HTTP/1.1\r\nX: a\r\n b\r\nHost: a\r\n\r\n"));           // obs-fold
  CHECK(check_raw_head("GET / HTTP/1.1\r\nTransfer-Encoding:\r\n\tchunked\r\n\r\n"));  // obs-fold
  CHECK(check_raw_head("GET / HTTP/1.1\r\n Host: a\r\n\r\n"));  // whitespace before the first field
  CHECK(check_raw_head(std::string("GET / HTTP/1.1\r\nX: a\0\r\n\r\n", 25)));
  CHECK(find_head_end("GET / HTTP/1.1\r\nHost: a\r\n\r\nbody") == 27);
  CHECK(find_head_end("GET / HTTP/1.1\r\nHost: a\r\n") == 0);
  CHECK_FALSE(check_request_line_length("GET /" + std::string(1000, 'a')));
  auto long_line = check_request_line_length("GET /" + std::string(max_request_target + 100, 'a'));
  REQUIRE(long_line);
  CHECK(long_line->status == 414);
}

TEST_CASE("framing: the request line's version — 1.x read as 1.1, other majors 505, malformed 400") {
  CHECK_FALSE(check_request_version("GET / HTTP/1.1\r\nHost: a\r\n\r\n").refusal);
  CHECK_FALSE(check_request_version("GET / HTTP/1.1\r\nHost: a\r\n\r\n").downgrade_minor_at);
  CHECK_FALSE(check_request_version("GET / HTTP/1.0\r\n\r\n").downgrade_minor_at);
  // RFC 9110 §2.5: a later minor version is answered as the highest one implemented.
  const std::string later = "GET /x HTTP/1.2\r\nHost: a\r\n\r\n";
  auto v = check_request_version(later);
  CHECK_FALSE(v.refusal);
  REQUIRE(v.downgrade_minor_at);
  CHECK(*v.downgrade_minor_at == later.find("1.2") + 2);
  v = check_request_version("\r\nGET / HTTP/1.9\r\nHost: a\r\n\r\n");
  REQUIRE(v.downgrade_minor_at);
  CHECK(*v.downgrade_minor_at == 2 + std::string("GET / HTTP/1.").size());
  for (const char* major : {"GET / HTTP/2.0\r\nHost: a\r\n\r\n", "GET / HTTP/3.0\r\nHost: a\r\n\r\n",
                            "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"}) {
    auto r = check_request_version(major).refusal;
    REQUIRE(r);
    CHECK(r->status == 505);
  }
  for (const char* bad : {"GET / HTTP/1.10\r\n\r\n", "GET / HTTP/x.1\r\n\r\n", "GET / http/1.1\r\n\r\n",
                          "GET / HTTP/11\r\n\r\n"}) {
    auto r = check_request_version(bad).refusal;
    REQUIRE(r);
    CHECK(r->status == 400);
  }
}
