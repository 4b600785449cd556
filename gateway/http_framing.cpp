#include "gateway/http_framing.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cctype>
#include <cstdint>
#include <cstring>

#include "gateway/ascii.h"

namespace lapor::gateway {

namespace {

// RFC 9110 §5.6.2 tchar, one table read per byte (every field name of every request is checked).
constexpr std::array<bool, 256> tchar_table = [] {
  std::array<bool, 256> t{};
  for (int c = '0'; c <= '9'; ++c) t[c] = true;
  for (int c = 'a'; c <= 'z'; ++c) t[c] = true;
  for (int c = 'A'; c <= 'Z'; ++c) t[c] = true;
  for (const char c : std::string_view("!#$%&'*+-.^_`|~")) t[static_cast<unsigned char>(c)] = true;
  return t;
}();

bool is_tchar(char c) noexcept { return tchar_table[static_cast<unsigned char>(c)]; }

// Eight bytes at a time (SWAR): the bytes of `x` below `n` / above `n` (n <= 0x80 / 0x7F), as
// their high bits; exact as a yes/no, which is all these scans ask.
constexpr std::uint64_t ones8 = 0x0101010101010101ull, highs8 = 0x8080808080808080ull;
constexpr std::uint64_t bytes_below(std::uint64_t x, std::uint64_t n) noexcept { return (x - n * ones8) & ~x & highs8; }
constexpr std::uint64_t bytes_above(std::uint64_t x, std::uint64_t n) noexcept { return ((x + (127 - n) * ones8) | x) & highs8; }
constexpr std::uint64_t bytes_equal(std::uint64_t x, unsigned char c) noexcept { return bytes_below(x ^ (c * ones8), 1); }

std::uint64_t load8(const char* p) noexcept {
  std::uint64_t x;
  std::memcpy(&x, p, 8);
  return x;
}

// Whether a field value holds CR, LF or NUL (was find_first_of, one memchr per byte).
bool has_cr_lf_or_nul(std::string_view v) noexcept {
  std::size_t i = 0;
  for (; i + 8 <= v.size(); i += 8) {
    const std::uint64_t x = load8(v.data() + i);
    if (bytes_equal(x, '\r') | bytes_equal(x, '\n') | bytes_below(x, 1)) return true;
  }
  for (; i < v.size(); ++i)
    if (v[i] == '\r' || v[i] == '\n' || v[i] == '\0') return true;
  return false;
}

// Whether a request-target holds a byte outside 0x21..0x7E (one that must be percent-encoded).
bool has_unencoded_byte(std::string_view t) noexcept {
  std::size_t i = 0;
  for (; i + 8 <= t.size(); i += 8) {
    const std::uint64_t x = load8(t.data() + i);
    if (bytes_below(x, 0x21) | bytes_above(x, 0x7E)) return true;
  }
  for (; i < t.size(); ++i)
    if (static_cast<unsigned char>(t[i]) >= 0x7F || static_cast<unsigned char>(t[i]) <= 0x20) return true;
  return false;
}

bool is_token(std::string_view s) noexcept { return !s.empty() && std::all_of(s.begin(), s.end(), is_tchar); }

framing_refusal refuse(int status, std::string reason) { return {status, std::move(reason)}; }

// A transfer-coding list ("gzip, chunked"): the coding names, without parameters; nullopt
// when an element is not `token *( OWS ";" OWS transfer-parameter )`.
std::optional<std::vector<std::string>> coding_names(std::string_view list) {
  std::vector<std::string> out;
  while (true) {
    auto comma = list.find(',');
    auto item = trim_ows(list.substr(0, comma));
    if (!item.empty()) {
      auto name = trim_ows(item.substr(0, item.find(';')));
      if (!is_token(name)) return std::nullopt;
      std::string n(name);
      for (auto& c : n) c = ascii_lower(c);
      out.push_back(std::move(n));
    }
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return out;
}

bool is_reg_name_char(char c) noexcept {
  // unreserved / pct-encoded / sub-delims (RFC 3986 §3.2.2)
  if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) return true;
  return std::string_view("-._~%!$&'()*+,;=").find(c) != std::string_view::npos;
}

bool all_digits(std::string_view s) noexcept {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// Fields that may appear once only: a second line makes the request ambiguous (which one did
// the signature, the proxy, the handler read?).
constexpr std::string_view singletons[] = {"host", "content-length", "content-type", "authorization",
                                           "idempotency-key", "origin"};
constexpr std::size_t singleton_count = std::size(singletons);

// The fields the framing checks read, told apart by one length switch and one comparison (the
// names have different lengths) instead of comparing every name with each of them. The first
// six are the singletons, in their order.
enum class field_kind : std::uint8_t {
  host, content_length, content_type, authorization, idempotency_key, origin,
  transfer_encoding, content_encoding, other
};

field_kind kind_of(std::string_view name) noexcept {
  const auto is = [&](std::string_view known, field_kind k) { return ascii_iequals(name, known) ? k : field_kind::other; };
  switch (name.size()) {
    case 4: return is("host", field_kind::host);
    case 6: return is("origin", field_kind::origin);
    case 12: return is("content-type", field_kind::content_type);
    case 13: return is("authorization", field_kind::authorization);
    case 14: return is("content-length", field_kind::content_length);
    case 15: return is("idempotency-key", field_kind::idempotency_key);
    case 16: return is("content-encoding", field_kind::content_encoding);
    case 17: return is("transfer-encoding", field_kind::transfer_encoding);
    default: return field_kind::other;
  }
}

constexpr std::size_t singleton_index(field_kind k) noexcept { return static_cast<std::size_t>(k); }
static_assert(singleton_index(field_kind::origin) + 1 == singleton_count);

}  // namespace

bool valid_host_value(std::string_view v) {
  if (v.empty() || v.size() > 255) return false;
  std::string_view host = v, port;
  if (v.front() == '[') {
    auto close = v.find(']');
    if (close == std::string_view::npos) return false;
    auto inside = v.substr(1, close - 1);
    if (inside.empty() ||
        !std::all_of(inside.begin(), inside.end(), [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) || c == ':' || c == '.'; }))
      return false;
    auto rest = v.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return false;
      port = rest.substr(1);
      if (!port.empty() && !all_digits(port)) return false;
    }
    return true;
  }
  if (auto colon = v.rfind(':'); colon != std::string_view::npos) {
    host = v.substr(0, colon);
    port = v.substr(colon + 1);
    if (!port.empty() && !all_digits(port)) return false;
    if (port.size() > 5) return false;
  }
  if (host.empty()) return false;
  return std::all_of(host.begin(), host.end(), is_reg_name_char) && host.find(':') == std::string_view::npos;
}

std::string host_without_port(std::string_view a) {
  std::string_view host = a;
  if (!a.empty() && a.front() == '[') {
    auto close = a.find(']');
    host = close == std::string_view::npos ? a.substr(1) : a.substr(1, close - 1);
  } else if (auto colon = a.rfind(':'); colon != std::string_view::npos) {
    host = a.substr(0, colon);
  }
  std::string out(host);
  for (auto& c : out) c = ascii_lower(c);
  if (!out.empty() && out.back() == '.') out.pop_back();
  return out;
}

std::optional<split_target> split_request_target(std::string_view t) {
  if (t.empty()) return std::nullopt;
  if (t.front() == '/') return split_target{std::string(t), {}};
  // absolute-form: http://authority[/path][?query] (https too: a proxy may forward it so)
  std::size_t scheme_end = t.find("://");
  if (scheme_end == std::string_view::npos) return std::nullopt;
  auto scheme = t.substr(0, scheme_end);
  if (!ascii_iequals(scheme, "http") && !ascii_iequals(scheme, "https")) return std::nullopt;
  auto rest = t.substr(scheme_end + 3);
  auto path_at = rest.find_first_of("/?#");
  auto authority = rest.substr(0, path_at);
  if (authority.find('@') != std::string_view::npos) return std::nullopt;  // no userinfo in http(s) URIs (RFC 9110 §4.2.4)
  if (!valid_host_value(authority)) return std::nullopt;
  std::string origin = path_at == std::string_view::npos ? "/" : std::string(rest.substr(path_at));
  if (origin.front() == '?') origin.insert(origin.begin(), '/');
  if (origin.front() == '#') return std::nullopt;
  return split_target{std::move(origin), std::string(authority)};
}

std::optional<framing_refusal> check_request_head(const request_head_view& head) {
  if (head.target.size() > max_request_target)
    return refuse(414, "the request-target is longer than " + std::to_string(max_request_target) + " bytes");
  const bool options_star = head.target == "*" && head.method == "OPTIONS";
  if (!options_star && !split_request_target(head.target))
    return refuse(400, "the request-target must be origin-form (/path) or absolute-form (http://host/path)");
  if (head.target.find('#') != std::string_view::npos)
    return refuse(400, "a request-target has no fragment (#)");
  // RFC 3986 / RFC 9112 §3.2: a target is ASCII; anything else is percent-encoded by the client.
  if (has_unencoded_byte(head.target)) return refuse(400, "the request-target holds a byte that must be percent-encoded");

  static const std::vector<std::pair<std::string, std::string>> none;
  const auto& fields = head.fields ? *head.fields : none;
  std::string te_list;
  bool have_te = false;
  int content_lengths = 0, hosts = 0;
  std::string_view host_value, content_length;
  // How often each singleton is sent, counted before the checks below run in field order;
  // the kinds of the first fields kept for those checks, not found again.
  std::array<int, singleton_count> sent{};
  constexpr std::size_t kept_kinds = 32;
  std::array<field_kind, kept_kinds> kinds{};
  for (std::size_t i = 0; i < fields.size(); ++i) {
    const field_kind k = kind_of(fields[i].first);
    if (i < kept_kinds) kinds[i] = k;
    if (singleton_index(k) < singleton_count) ++sent[singleton_index(k)];
  }
  for (std::size_t i = 0; i < fields.size(); ++i) {
    const auto& [name, value] = fields[i];
    if (has_cr_lf_or_nul(value)) return refuse(400, "a field value contains CR, LF or NUL");
    if (!is_token(name)) return refuse(400, "a field name is not a token");
    const field_kind kind = i < kept_kinds ? kinds[i] : kind_of(name);
    if (const auto s = singleton_index(kind); s < singleton_count && sent[s] > 1)
      return refuse(400, "the " + std::string(singletons[s]) + " field is sent more than once");
    if (kind == field_kind::transfer_encoding) {
      if (have_te) te_list += ",";
      te_list += value;
      have_te = true;
    } else if (kind == field_kind::content_length) {
      ++content_lengths;
      content_length = value;
    } else if (kind == field_kind::host) {
      ++hosts;
      host_value = value;
    } else if (kind == field_kind::content_encoding && !ascii_iequals(trim_ows(value), "identity")) {
      // No route decodes a compressed request body; read as it stands it would be stored as
      // garbage or refused with a misleading reason (RFC 9110 §8.4.1: 415).
      return refuse(415, "request bodies with a Content-Encoding are not accepted; send it uncompressed");
    }
  }

  if (have_te) {
    // RFC 9112 §6.1: an HTTP/1.0 recipient cannot know a coding; treat the framing as faulty.
    if (head.version < 11) return refuse(400, "Transfer-Encoding is not defined in HTTP/1.0");
    if (content_lengths > 0)
      return refuse(400, "Content-Length and Transfer-Encoding together make the body length ambiguous");
    auto codings = coding_names(te_list);
    if (!codings || codings->empty()) return refuse(400, "Transfer-Encoding is not a list of codings");
    // §6.3 (4): chunked must be the final coding, else the body's length is unknowable.
    if (codings->back() != "chunked")
      return refuse(400, "the final transfer coding must be chunked (RFC 9112 §6.3)");
    if (std::count(codings->begin(), codings->end(), "chunked") > 1)
      return refuse(400, "chunked is applied more than once (RFC 9112 §7)");
    // §6.1: a coding we cannot decode (gzip, deflate, compress or unknown) is 501.
    if (codings->size() > 1) return refuse(501, "transfer codings other than chunked are not implemented");
  }
  if (content_lengths > 1) return refuse(400, "Content-Length is sent more than once");
  if (content_lengths == 1 && !all_digits(trim_ows(content_length)))
    return refuse(400, "Content-Length must be one decimal number");
  // More digits than a 64-bit length holds: certainly beyond any body limit (413, not a bad request).
  if (content_lengths == 1 && trim_ows(content_length).size() > 18) return refuse(413, "Content-Length is larger than any body accepted here");

  if (hosts > 1) return refuse(400, "the Host field is sent more than once");
  if (head.version >= 11 && hosts == 0) return refuse(400, "HTTP/1.1 requires a Host field (RFC 9112 §3.2)");
  if (hosts == 1 && !valid_host_value(trim_ows(host_value))) {
    // An empty Host is allowed only when the target has no authority; ours always has one.
    return refuse(400, "the Host field is not a valid host[:port]");
  }
  return std::nullopt;
}

std::size_t find_head_end(std::string_view b) noexcept {
  auto at = b.find("\r\n\r\n");
  return at == std::string_view::npos ? 0 : at + 4;
}

std::optional<framing_refusal> check_raw_head(std::string_view head) {
  // Leading empty lines before the request line are allowed (RFC 9112 §2.2).
  std::size_t i = 0;
  while (i + 1 < head.size() && head[i] == '\r' && head[i + 1] == '\n') i += 2;
  bool first_line = true;
  for (; i < head.size(); ++i) {
    // Eight bytes at a time past the bytes this looks at no further (all but NUL, CR and LF),
    // then straight to the first it does: the lowest flag of such a mask is always a true one.
    while (i + 8 <= head.size()) {
      const std::uint64_t x = load8(head.data() + i);
      if (const std::uint64_t m = bytes_equal(x, '\r') | bytes_equal(x, '\n') | bytes_below(x, 1)) {
        if constexpr (std::endian::native == std::endian::little) i += static_cast<std::size_t>(std::countr_zero(m)) / 8;
        break;
      }
      i += 8;
    }
    if (i >= head.size()) break;
    const char c = head[i];
    if (c == '\0') return refuse(400, "the request head contains a NUL byte");
    if (c == '\n' && (i == 0 || head[i - 1] != '\r'))
      return refuse(400, "a line ends with a bare LF; HTTP/1.1 lines end with CRLF (RFC 9112 §2.2)");
    if (c == '\r' && i + 1 < head.size() && head[i + 1] != '\n')
      return refuse(400, "a bare CR in the request head (RFC 9112 §2.2)");
    if (c == '\n' && i + 1 < head.size()) {
      const char next = head[i + 1];
      if (next == ' ' || next == '\t') {
        return refuse(400, first_line ? "whitespace between the request line and the first field (RFC 9112 §2.2)"
                                      : "obs-fold (a field line continued on the next line) is not accepted (RFC 9112 §5.2)");
      }
      first_line = false;
    }
  }
  return std::nullopt;
}

version_check check_request_version(std::string_view head) {
  std::size_t skipped = 0;  // empty lines before the request line (RFC 9112 §2.2)
  while (head.substr(skipped).starts_with("\r\n")) skipped += 2;
  head.remove_prefix(skipped);
  const auto eol = head.find("\r\n");
  if (eol == std::string_view::npos) return {};
  const auto line = head.substr(0, eol);
  const auto last_space = line.rfind(' ');
  if (last_space == std::string_view::npos) return {};  // Beast refuses a line without a version
  const auto version = line.substr(last_space + 1);
  const auto digit = [](char c) { return c >= '0' && c <= '9'; };
  if (version.size() != 8 || !version.starts_with("HTTP/") || !digit(version[5]) || version[6] != '.' ||
      !digit(version[7]))
    return {refuse(400, "the request line's version is not HTTP/<digit>.<digit> (RFC 9112 §2.3)"), {}};
  if (version[5] >= '2')
    return {refuse(505, "this listener speaks HTTP/1.1 (and 1.0); HTTP/" + std::string(version.substr(5)) +
                            " is not supported on it"),
            {}};
  if (version[5] == '1' && version[7] > '1') return {{}, skipped + last_space + 1 + 7};
  return {};
}

std::optional<framing_refusal> check_request_line_length(std::string_view bytes) {
  while (bytes.starts_with("\r\n")) bytes.remove_prefix(2);
  auto eol = bytes.find_first_of("\r\n");
  const auto line = eol == std::string_view::npos ? bytes.size() : eol;
  // method (at most ~20) + SP + target + SP + "HTTP/1.1"
  if (line > max_request_target + 32)
    return refuse(414, "the request-target is longer than " + std::to_string(max_request_target) + " bytes");
  return std::nullopt;
}

}  // namespace lapor::gateway
