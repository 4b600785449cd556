#include "gateway/multipart.h"

#include <algorithm>
#include <cctype>

#include "gateway/ascii.h"

namespace lapor::gateway {

namespace {

bool is_token_char(char c) noexcept {
  auto u = static_cast<unsigned char>(c);
  if (u <= 32 || u >= 127) return false;
  return std::string_view("()<>@,;:\\\"/[]?={}").find(c) == std::string_view::npos;
}

// Parameters after the first ';' of a header value: name=token or name="quoted string".
// A backslash is an ordinary character except before `"`: browsers send `"` as %22 in
// form-data names and file names and never escape, and old ones send Windows paths
// ("C:\foto\a.jpg"), whose backslashes must stay; other clients (curl, HTTP libraries)
// escape a quote as `\"` (RFC 9110 §5.6.4 quoted-pair), and no Windows path holds a quote.
// Calls f(lowercase name, value) for each; false on a syntax error.
template <class F>
bool for_each_param(std::string_view s, F&& f) {
  while (true) {
    s = trim_ows(s);
    if (s.empty()) return true;
    if (s.front() != ';') return false;
    s.remove_prefix(1);
    s = trim_ows(s);
    if (s.empty()) return true;  // a trailing ';' is tolerated
    std::size_t i = 0;
    while (i < s.size() && is_token_char(s[i])) ++i;
    if (i == 0) return false;
    std::string name(s.substr(0, i));
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    s = trim_ows(s.substr(i));
    if (s.empty() || s.front() != '=') return false;
    s = trim_ows(s.substr(1));
    std::string value;
    if (!s.empty() && s.front() == '"') {
      std::size_t j = 1;
      bool closed = false;
      while (j < s.size()) {
        char c = s[j];
        if (c == '"') {
          closed = true;
          ++j;
          break;
        } else if (c == '\\' && j + 1 < s.size() && s[j + 1] == '"') {
          value.push_back('"');
          j += 2;
        } else {
          value.push_back(c);
          ++j;
        }
      }
      if (!closed) return false;
      s = s.substr(j);
    } else {
      std::size_t j = 0;
      while (j < s.size() && is_token_char(s[j])) ++j;
      if (j == 0) return false;
      value = std::string(s.substr(0, j));
      s = s.substr(j);
    }
    f(name, std::move(value));
  }
}

// An RFC 8187 ext-value: charset'language'pct-encoded. UTF-8 (and ASCII) names are decoded;
// anything else is kept as sent (then refused if it is not UTF-8).
std::string decode_ext_value(std::string_view v) {
  const auto q1 = v.find('\'');
  const auto q2 = q1 == std::string_view::npos ? q1 : v.find('\'', q1 + 1);
  if (q2 == std::string_view::npos) return std::string(v);
  const auto charset = v.substr(0, q1);
  if (!ascii_iequals(charset, "utf-8") && !ascii_iequals(charset, "us-ascii")) return std::string(v);
  // Local, not http_types' hex_value: the multipart fuzz target compiles this file alone.
  const auto hex = [](char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  const auto encoded = v.substr(q2 + 1);
  for (std::size_t i = 0; i < encoded.size(); ++i) {
    if (encoded[i] == '%' && i + 2 < encoded.size() && hex(encoded[i + 1]) >= 0 && hex(encoded[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hex(encoded[i + 1]) * 16 + hex(encoded[i + 2])));
      i += 2;
    } else {
      out.push_back(encoded[i]);
    }
  }
  return out;
}

}  // namespace

std::optional<std::string> multipart_boundary(std::string_view content_type) {
  auto semi = content_type.find(';');
  if (!ascii_iequals(trim_ows(content_type.substr(0, semi)), "multipart/form-data")) return std::nullopt;
  if (semi == std::string_view::npos) return std::nullopt;
  std::optional<std::string> boundary;
  bool twice = false;  // two boundaries: which one the sender meant is a guess (RFC 2045 §5.1)
  bool ok = for_each_param(content_type.substr(semi), [&](const std::string& name, std::string value) {
    if (name != "boundary") return;
    twice = twice || boundary.has_value();
    boundary = std::move(value);
  });
  if (!ok || twice || !boundary || boundary->empty() || boundary->size() > 70) return std::nullopt;
  // RFC 2046 bchars; a boundary may not end with a space.
  for (char c : *boundary)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || std::string_view("'()+_,-./:=? ").find(c) != std::string_view::npos))
      return std::nullopt;
  if (boundary->back() == ' ') return std::nullopt;
  return boundary;
}

multipart_parser::multipart_parser(std::string boundary, multipart_limits limits)
    : dash_boundary_("--" + boundary), delimiter_("\r\n--" + boundary), limits_(limits) {}

std::optional<multipart_error> multipart_parser::fail(multipart_error::kind k, std::string msg) {
  state_ = state::failed;
  error_ = multipart_error{k, std::move(msg)};
  pending_.clear();
  return error_;
}

std::optional<multipart_error> multipart_parser::parse_headers(std::string_view block, multipart_part& out) {
  bool disposition = false;
  out.content_type = "text/plain";
  while (!block.empty()) {
    auto eol = block.find("\r\n");
    std::string_view line = block.substr(0, eol);
    block = eol == std::string_view::npos ? std::string_view{} : block.substr(eol + 2);
    if (line.empty()) continue;
    if (line.front() == ' ' || line.front() == '\t')
      return fail(multipart_error::kind::malformed, "folded part header lines are not accepted");
    auto colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0)
      return fail(multipart_error::kind::malformed, "a part header line has no name");
    auto name = line.substr(0, colon);
    auto value = trim_ows(line.substr(colon + 1));
    if (ascii_iequals(name, "content-disposition")) {
      auto semi = value.find(';');
      if (!ascii_iequals(trim_ows(value.substr(0, semi)), "form-data"))
        return fail(multipart_error::kind::malformed, "Content-Disposition of a part must be form-data");
      bool has_name = false, twice = false;
      std::optional<std::string> extended_name;
      bool ok = semi != std::string_view::npos &&
                for_each_param(value.substr(semi), [&](const std::string& p, std::string v) {
                  if (p == "name") {
                    twice = twice || has_name;
                    out.name = std::move(v);
                    has_name = true;
                  } else if (p == "filename") {
                    twice = twice || out.filename.has_value();
                    out.filename = std::move(v);
                  } else if (p == "filename*") {
                    extended_name = std::move(v);
                  }
                });
      // RFC 6266 §4.3 / RFC 8187: filename*=UTF-8''foto%20jalan.jpg, used when no plain
      // filename= is given (a client that sends both means them to be the same name).
      if (ok && !out.filename && extended_name) out.filename = decode_ext_value(*extended_name);
      // A parameter given twice (RFC 6266 §4.1): which field or file the sender meant is a guess.
      if (ok && twice)
        return fail(multipart_error::kind::malformed, "Content-Disposition of a part gives name or filename twice");
      if (!ok || !has_name)
        return fail(multipart_error::kind::malformed, "Content-Disposition of a part needs name=\"…\"");
      disposition = true;
    } else if (ascii_iequals(name, "content-type")) {
      out.content_type = std::string(value);
    }
  }
  if (!disposition) return fail(multipart_error::kind::malformed, "a part has no Content-Disposition header");
  return std::nullopt;
}

std::optional<multipart_error> multipart_parser::feed(std::string_view chunk, multipart_visitor& v) {
  if (state_ == state::failed) return error_;
  if (state_ == state::epilogue) return std::nullopt;
  pending_.append(chunk);
  std::string_view p = pending_;
  std::size_t consumed = 0;
  auto take = [&](std::size_t n) {
    p.remove_prefix(n);
    consumed += n;
  };
  for (;;) {
    switch (state_) {
      case state::preamble: {
        if (at_start_ && p.size() >= dash_boundary_.size() && p.starts_with(dash_boundary_)) {
          take(dash_boundary_.size());
          state_ = state::after_delimiter;
          break;
        }
        if (at_start_ && p.size() < dash_boundary_.size() && std::string_view(dash_boundary_).starts_with(p))
          goto need_more;
        at_start_ = false;
        auto at = p.find(delimiter_);
        if (at == std::string_view::npos) {
          // Keep what could still be the start of a delimiter; the rest of the preamble goes.
          std::size_t keep = std::min(p.size(), delimiter_.size() - 1);
          take(p.size() - keep);
          goto need_more;
        }
        take(at + delimiter_.size());
        state_ = state::after_delimiter;
        break;
      }
      case state::after_delimiter: {
        std::size_t i = 0;
        while (i < p.size() && (p[i] == ' ' || p[i] == '\t')) ++i;  // transport padding
        if (p.size() < i + 2) goto need_more;
        if (p.substr(i, 2) == "--") {
          state_ = state::epilogue;
          pending_.clear();
          return std::nullopt;
        }
        if (p.substr(i, 2) != "\r\n")
          return fail(multipart_error::kind::malformed, "a boundary delimiter is not followed by CRLF or \"--\"");
        take(i + 2);
        state_ = state::headers;
        break;
      }
      case state::headers: {
        std::size_t end = 0, skip = 0;
        if (p.starts_with("\r\n")) {
          end = 0;
          skip = 2;
        } else {
          auto at = p.find("\r\n\r\n");
          if (at == std::string_view::npos) {
            // Up to 3 octets of the CRLFCRLF that ends the header may already be here, so
            // only more than limit + 3 is too large whatever comes next (the outcome must not
            // depend on where the chunks split the body).
            if (p.size() > limits_.max_part_header_bytes + 3)
              return fail(multipart_error::kind::header_too_large, "a part header is larger than " +
                                                                       std::to_string(limits_.max_part_header_bytes) + " bytes");
            goto need_more;
          }
          end = at;
          skip = 4;
        }
        if (end > limits_.max_part_header_bytes)
          return fail(multipart_error::kind::header_too_large,
                      "a part header is larger than " + std::to_string(limits_.max_part_header_bytes) + " bytes");
        if (++parts_ > limits_.max_parts)
          return fail(multipart_error::kind::too_many_parts, "more than " + std::to_string(limits_.max_parts) + " parts");
        multipart_part part;
        if (auto e = parse_headers(p.substr(0, end), part)) return e;
        take(end + skip);
        if (!v.on_part_begin(part)) return fail(multipart_error::kind::aborted, "stopped by the consumer");
        state_ = state::body;
        break;
      }
      case state::body: {
        auto at = p.find(delimiter_);
        if (at == std::string_view::npos) {
          // Everything but a possible delimiter prefix at the end is part data.
          std::size_t keep = std::min(p.size(), delimiter_.size() - 1);
          std::size_t safe = p.size() - keep;
          if (safe > 0) {
            if (!v.on_part_data(p.substr(0, safe))) return fail(multipart_error::kind::aborted, "stopped by the consumer");
            take(safe);
          }
          goto need_more;
        }
        if (at > 0 && !v.on_part_data(p.substr(0, at)))
          return fail(multipart_error::kind::aborted, "stopped by the consumer");
        if (!v.on_part_end()) return fail(multipart_error::kind::aborted, "stopped by the consumer");
        take(at + delimiter_.size());
        state_ = state::after_delimiter;
        break;
      }
      case state::epilogue:
        pending_.clear();
        return std::nullopt;
      case state::failed:
        return error_;
    }
  }
need_more:
  pending_.erase(0, consumed);
  return std::nullopt;
}

std::optional<multipart_error> multipart_parser::finish() {
  if (state_ == state::epilogue) return std::nullopt;
  if (state_ == state::failed) return error_;
  const char* where = state_ == state::preamble ? "no boundary delimiter was found in the body"
                                                : "the body ended before the closing boundary delimiter";
  return fail(multipart_error::kind::truncated, where);
}

}  // namespace lapor::gateway
