// libFuzzer target for the checks the public and admin listeners make on a request head before
// Beast reads it and before anything is stored (gateway/http_framing.h): the raw bytes (bare LF,
// bare CR, obs-fold, NUL), the request line's length and HTTP-version, the request-target's
// forms, the field-level framing rules (Transfer-Encoding, Content-Length, Host, singletons), and
// content negotiation on Accept (gateway/accept_header.h).
//
// Input: the head as sent, e.g.
//   POST /lapor HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n
//
// Properties: nothing crashes or reads out of bounds; a refusal is one of the statuses the
// listener knows (400, 413, 414, 415, 501, 505) with a reason; a version downgrade points at
// the minor digit of "HTTP/1.x" with x > 1; an accepted target has an origin-form starting
// with '/'; an accepted head never has both Content-Length and Transfer-Encoding, two Hosts or
// two Content-Lengths (the smuggling rules hold for any bytes); an Accept weight is within 0…1.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "gateway/accept_header.h"
#include "gateway/http_framing.h"
#include "tests/fuzz/fuzz_targets.h"

using namespace lapor::gateway;
using lapor::fuzz::require;

namespace {

bool known_status(const framing_refusal& r) {
  return !r.reason.empty() && (r.status == 400 || r.status == 413 || r.status == 414 || r.status == 415 ||
                               r.status == 501 || r.status == 505);
}

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

std::string lowered(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = lower(c);
  return out;
}

}  // namespace

namespace lapor::fuzz {

int http_head(const std::uint8_t* data, std::size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);

  if (auto r = check_raw_head(in)) require(known_status(*r));
  if (auto r = check_request_line_length(in)) require(known_status(*r));
  const auto end = find_head_end(in);
  require(end <= in.size());
  const auto head = end ? in.substr(0, end) : in;

  const auto version = check_request_version(head);
  if (version.refusal) require(known_status(*version.refusal));
  if (version.downgrade_minor_at) {
    const auto at = *version.downgrade_minor_at;
    require(!version.refusal && at < head.size() && at >= 7);
    require(head.substr(at - 7, 7) == "HTTP/1." && head[at] > '1' && head[at] <= '9');
  }

  // The request line and field lines, split as Beast would hand them over.
  std::string_view rest = head;
  while (rest.starts_with("\r\n")) rest.remove_prefix(2);
  const auto eol = rest.find("\r\n");
  const auto line = rest.substr(0, eol);
  rest = eol == std::string_view::npos ? std::string_view{} : rest.substr(eol + 2);
  const auto sp1 = line.find(' ');
  const auto sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
  if (sp1 == std::string_view::npos || sp2 == std::string_view::npos) return 0;
  request_head_view view;
  view.method = line.substr(0, sp1);
  view.target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  view.version = line.substr(sp2 + 1) == "HTTP/1.0" ? 10 : 11;
  std::vector<std::pair<std::string, std::string>> fields;
  while (!rest.empty() && fields.size() < 64) {
    const auto e = rest.find("\r\n");
    const auto field = rest.substr(0, e);
    rest = e == std::string_view::npos ? std::string_view{} : rest.substr(e + 2);
    if (field.empty()) break;
    const auto colon = field.find(':');
    if (colon == std::string_view::npos) continue;
    auto value = field.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
    while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
    fields.emplace_back(std::string(field.substr(0, colon)), std::string(value));
  }
  view.fields = &fields;

  for (const auto& [name, value] : fields)
    if (lowered(name) == "accept")
      for (const char* type : {"text/html", "application/json"}) {
        const auto a = accepts(value, type);
        require(a.q >= 0 && a.q <= 1 && a.specificity >= -1 && a.specificity <= 2);
        require(a.specificity >= 0 || a.q == 0);
      }
  if (auto target = split_request_target(view.target)) {
    require(!target->origin_form.empty() && target->origin_form.front() == '/');
    if (!target->authority.empty()) require(valid_host_value(target->authority));
  }
  (void)host_without_port(view.target);

  if (auto r = check_request_head(view)) {
    require(known_status(*r));
    return 0;
  }
  int hosts = 0, lengths = 0, codings = 0;
  for (const auto& [name, value] : fields) {
    const auto n = lowered(name);
    hosts += n == "host";
    lengths += n == "content-length";
    codings += n == "transfer-encoding";
  }
  require(hosts <= 1 && lengths <= 1 && !(lengths && codings));
  require(view.target.size() <= max_request_target);
  return 0;
}

}  // namespace lapor::fuzz

LAPOR_FUZZ_ENTRY(http_head)
