// The checks RFC 9112 asks of a server before it trusts a request head, as a pure function of
// the parsed request line and field lines (no Beast here, so it is unit-tested and fuzzed
// without sockets). Beast parses; this decides whether the framing is unambiguous.
//
//   POST /lapor HTTP/1.1\r\n
//   Host: lapor.go.id\r\n
//   Transfer-Encoding: chunked\r\n         <- chunked must be the last (and only) coding
//   \r\n
//
// Why: a request whose body length two parties could read differently (Transfer-Encoding
// that is not chunked-last, Content-Length next to Transfer-Encoding, two Content-Lengths)
// lets a proxy and this server split the byte stream into different requests ("request
// smuggling"). Such a request is refused and the connection closed, never guessed at.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace lapor::gateway {

// A request-target longer than this is 414 (the header as a whole is bounded separately: 431).
inline constexpr std::size_t max_request_target = 8 * 1024;

struct framing_refusal {
  int status = 400;    // 400, 414 or 501; the connection is closed after the answer
  std::string reason;  // English, for the problem detail (no request content quoted)
};

struct request_head_view {
  std::string_view method;
  std::string_view target;
  unsigned version = 11;  // 10 or 11
  // Field lines as received (names in any case), in order.
  const std::vector<std::pair<std::string, std::string>>* fields = nullptr;
};

// nullopt when the head may be served; else why not and with which status:
//  - Transfer-Encoding: any coding list whose last coding is not `chunked`, `chunked` given
//    twice, an empty or malformed list, or any Transfer-Encoding in HTTP/1.0 -> 400; a
//    chunked-last list with other codings before it (gzip, deflate, unknown) -> 501 (we decode
//    none of them);
//  - Content-Length together with Transfer-Encoding, two Content-Length lines, a list, or a
//    value that is not 1*DIGIT -> 400;
//  - HTTP/1.1 without Host, two Host lines, or an invalid Host value -> 400;
//  - a singleton field sent twice (Content-Type, Authorization, Idempotency-Key, Origin) -> 400;
//  - a field value with CR, LF or NUL (obs-fold, bare LF) -> 400;
//  - a request-target longer than max_request_target -> 414; one that is neither origin-form
//    ("/…"), absolute-form ("http://host/…") nor "*" for OPTIONS -> 400.
[[nodiscard]] std::optional<framing_refusal> check_request_head(const request_head_view& head);

// The origin-form ("/path?query") of an origin- or absolute-form target, and the authority of an
// absolute-form one ("host:port", empty for origin-form). RFC 9112 §3.2.2: the authority of an
// absolute-form target replaces Host. nullopt for a target check_request_head() refuses.
struct split_target {
  std::string origin_form;
  std::string authority;
};
[[nodiscard]] std::optional<split_target> split_request_target(std::string_view target);

// The raw bytes of a request head, before Beast reads them. RFC 9112 §2.2/§5.2 let a server
// refuse what Beast would quietly repair: a bare LF as a line end, and obs-fold (a field line
// continued on the next line), which Beast would splice into one value that a proxy in front
// may have read as two. `head` is everything up to and including the blank line (or what has
// arrived so far: only what is already decidable is refused).
[[nodiscard]] std::optional<framing_refusal> check_raw_head(std::string_view head);
// The length of the head (through "\r\n\r\n") in `bytes`, or 0 when it has not all arrived;
// leading empty lines (allowed before a request line) are part of it.
[[nodiscard]] std::size_t find_head_end(std::string_view bytes) noexcept;
// What to do with the request line's HTTP-version before Beast, which knows only 1.0 and 1.1,
// reads it. RFC 9110 §2.5: a later minor version of a major version we implement ("HTTP/1.2")
// is read as the highest minor we know (1.1), not refused; another major version over this
// framing ("HTTP/2.0", "HTTP/3.0": a client that means h2c or h3 sent text) is 505; a version
// that is not "HTTP/" DIGIT "." DIGIT is 400 (RFC 9112 §2.3). `head` is the whole head.
struct version_check {
  std::optional<framing_refusal> refusal;
  // The offset in `head` of a minor digit above 1 of HTTP/1.x: set it to '1' before parsing.
  std::optional<std::size_t> downgrade_minor_at;
};
[[nodiscard]] version_check check_request_version(std::string_view head);
// A 414 when the request line (up to its first CR or LF) is already longer than a request line
// with a max_request_target target can be; for a client still sending it.
[[nodiscard]] std::optional<framing_refusal> check_request_line_length(std::string_view bytes);

// True when `v` is a valid Host value: uri-host [ ":" port ] (reg-name, IPv4 or [IPv6]).
[[nodiscard]] bool valid_host_value(std::string_view v);

// The host of a Host value or authority, lowercased, without port, brackets or a trailing dot.
[[nodiscard]] std::string host_without_port(std::string_view authority);

}  // namespace lapor::gateway
