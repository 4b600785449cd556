#include "channels/mobile/report_json.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>

#include <simdjson.h>

namespace lapor::mobile {

namespace g = lapor::gateway;
namespace dom = simdjson::dom;

std::optional<std::string> decode_base64(std::string_view s, std::size_t max_bytes) {
  static const auto table = [] {
    std::array<signed char, 256> t{};
    t.fill(-1);
    const char* a = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (int i = 0; i < 64; ++i) t[static_cast<unsigned char>(a[i])] = static_cast<signed char>(i);
    t['-'] = 62;
    t['_'] = 63;
    return t;
  }();
  std::string out;
  out.reserve(std::min(s.size() / 4 * 3 + 3, max_bytes + 3));
  std::uint32_t acc = 0;
  int bits = 0, pad = 0;
  std::size_t symbols = 0;
  for (char c : s) {
    if (c == ' ' || c == '\n' || c == '\r' || c == '\t') continue;
    if (c == '=') {
      ++pad;
      continue;
    }
    if (pad) return std::nullopt;  // data after padding
    auto v = table[static_cast<unsigned char>(c)];
    if (v < 0) return std::nullopt;
    ++symbols;
    acc = (acc << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xff));
      if (out.size() > max_bytes) return std::nullopt;
    }
  }
  if (symbols % 4 == 1 || pad > 2 || (pad && (symbols + pad) % 4 != 0)) return std::nullopt;
  if (bits > 0 && (acc & ((1u << bits) - 1)) != 0) return std::nullopt;  // non-canonical trailing bits
  return out;
}

std::string encode_base64(std::string_view in) {
  static const char* a = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    std::uint32_t v = (static_cast<unsigned char>(in[i]) << 16) | (static_cast<unsigned char>(in[i + 1]) << 8) |
                      static_cast<unsigned char>(in[i + 2]);
    out += {a[v >> 18], a[(v >> 12) & 63], a[(v >> 6) & 63], a[v & 63]};
  }
  if (i + 1 == in.size()) {
    std::uint32_t v = static_cast<unsigned char>(in[i]) << 16;
    out += {a[v >> 18], a[(v >> 12) & 63], '=', '='};
  } else if (i + 2 == in.size()) {
    std::uint32_t v = (static_cast<unsigned char>(in[i]) << 16) | (static_cast<unsigned char>(in[i + 1]) << 8);
    out += {a[v >> 18], a[(v >> 12) & 63], a[(v >> 6) & 63], '='};
  }
  return out;
}

namespace {

report_error wrong(std::string field, std::string message) { return {422, std::move(field), std::move(message)}; }

// A string or null/absent member; an error naming `path` for other types.
std::optional<report_error> get_string(dom::object o, std::string_view key, const std::string& path,
                                       std::optional<std::string>& out) {
  dom::element e;
  if (o.at_key(key).get(e)) return std::nullopt;  // absent
  if (e.is_null()) return std::nullopt;
  std::string_view s;
  if (e.get_string().get(s)) return wrong(path, path + " must be a string");
  out = std::string(s);
  return std::nullopt;
}

std::optional<report_error> get_bool(dom::object o, std::string_view key, bool& out) {
  dom::element e;
  if (o.at_key(key).get(e) || e.is_null()) return std::nullopt;
  bool b = false;
  if (e.get_bool().get(b)) return wrong(std::string(key), std::string(key) + " must be true or false");
  out = b;
  return std::nullopt;
}

std::optional<report_error> get_object(dom::object o, std::string_view key, std::optional<dom::object>& out) {
  dom::element e;
  if (o.at_key(key).get(e) || e.is_null()) return std::nullopt;
  dom::object obj;
  if (e.get_object().get(obj)) return wrong(std::string(key), std::string(key) + " must be an object");
  out = obj;
  return std::nullopt;
}

std::optional<report_error> get_number(dom::object o, std::string_view key, const std::string& path,
                                       std::optional<double>& out) {
  dom::element e;
  if (o.at_key(key).get(e) || e.is_null()) return std::nullopt;
  double d = 0;
  if (e.is<double>()) d = double(e);
  else if (e.is<std::int64_t>()) d = static_cast<double>(std::int64_t(e));
  else if (e.is<std::uint64_t>()) d = static_cast<double>(std::uint64_t(e));
  else return wrong(path, path + " must be a number");
  out = d;
  return std::nullopt;
}

// RFC 8259 leaves duplicate names to the implementation; simdjson answers the first. Another
// reader (a proxy, the app's own log, the dispatcher's tooling) may take the last, so a
// document with a name twice in one object means two different reports: refuse it (400),
// naming the path ("reporter.phone").
// Walks without building paths (this runs on every report); the path of the first duplicate
// is assembled on the way out, only when there is one (segments innermost first).
bool has_duplicate_key(dom::element e, std::vector<std::string>& path) {
  if (e.type() == dom::element_type::OBJECT) {
    dom::object o = e;
    std::size_t n = 0;
    std::string_view names[64];
    for (auto field : o) {
      for (std::size_t i = 0; i < std::min<std::size_t>(n, 64); ++i)
        if (names[i] == field.key) {
          path.emplace_back(field.key);
          return true;
        }
      if (n < 64) names[n] = field.key;
      else
        for (auto other : o) {  // a very wide object: compare with every earlier name
          if (other.key.data() == field.key.data()) break;
          if (other.key == field.key) {
            path.emplace_back(field.key);
            return true;
          }
        }
      ++n;
      if (has_duplicate_key(field.value, path)) {
        path.emplace_back(field.key);
        return true;
      }
    }
  } else if (e.type() == dom::element_type::ARRAY) {
    dom::array a = e;
    std::size_t i = 0;
    for (auto child : a) {
      if (has_duplicate_key(child, path)) {
        // Appended, not "[" + std::to_string(i): GCC 12 -O3 -Wrestrict false positive (PR 105329).
        path.push_back(std::string("[").append(std::to_string(i)).append("]"));
        return true;
      }
      ++i;
    }
  }
  return false;
}

std::optional<report_error> find_duplicate_key(dom::element root) {
  std::vector<std::string> segments;
  if (!has_duplicate_key(root, segments)) return std::nullopt;
  std::string path;
  for (auto& s : segments)
    if (s.empty()) s = "\"\"";  // the empty name, written so the path still names it
  for (auto it = segments.rbegin(); it != segments.rend(); ++it) {
    if (!path.empty() && it->front() != '[') path += '.';
    // assign(1, '$'), not = "$": GCC 12 at -O3 reports a 1-character literal assigned to a
    // string as an overlapping memcpy (-Wrestrict, a false positive, GCC PR 105329).
    if (path.empty() && it->front() == '[') path.assign(1, '$');
    path += *it;
  }
  std::string detail = "the name \"";  // appended: see the GCC 12 note below
  detail.append(path).append("\" appears twice in one object");
  return report_error{400, path, std::move(detail)};
}

// After simdjson refused a number (1e400, an integer past 64 bits), the path of the first
// number in `json` that is not a finite double, so the refusal names the field
// ("location.lat") instead of the document. A small walker over text simdjson has already
// found well-formed apart from that number; empty when it cannot tell.
class number_finder {
 public:
  explicit number_finder(std::string_view j) : j_(j) {}
  std::string find() {
    std::string path;
    value(path);
    return found_;
  }

 private:
  void ws() {
    while (i_ < j_.size() && (j_[i_] == ' ' || j_[i_] == '\n' || j_[i_] == '\r' || j_[i_] == '\t')) ++i_;
  }
  std::string str() {
    std::string out;
    ++i_;  // opening quote
    while (i_ < j_.size() && j_[i_] != '"') {
      if (j_[i_] == '\\') ++i_;
      if (i_ < j_.size()) out.push_back(j_[i_]);
      ++i_;
    }
    ++i_;
    return out;
  }
  void value(const std::string& path) {
    if (!found_.empty() || depth_ > 64) return;
    ws();
    if (i_ >= j_.size()) return;
    const char c = j_[i_];
    if (c == '{') {
      ++i_;
      ++depth_;
      while (found_.empty() && i_ < j_.size()) {
        ws();
        if (i_ < j_.size() && j_[i_] == '}') break;
        if (i_ >= j_.size() || j_[i_] != '"') return;
        auto key = str();
        ws();
        if (i_ < j_.size() && j_[i_] == ':') ++i_;
        value(path.empty() ? key : path + "." + key);
        ws();
        if (i_ < j_.size() && j_[i_] == ',') ++i_;
        else break;
      }
      --depth_;
      ++i_;
    } else if (c == '[') {
      ++i_;
      ++depth_;
      std::size_t n = 0;
      while (found_.empty() && i_ < j_.size()) {
        ws();
        if (i_ < j_.size() && j_[i_] == ']') break;
        value((path.empty() ? "$" : path) + "[" + std::to_string(n++) + "]");
        ws();
        if (i_ < j_.size() && j_[i_] == ',') ++i_;
        else break;
      }
      --depth_;
      ++i_;
    } else if (c == '"') {
      str();
    } else if (c == '-' || (c >= '0' && c <= '9')) {
      const auto start = i_;
      while (i_ < j_.size() && std::string_view("+-0123456789.eE").find(j_[i_]) != std::string_view::npos) ++i_;
      const std::string num(j_.substr(start, i_ - start));
      errno = 0;
      char* end = nullptr;
      const double d = std::strtod(num.c_str(), &end);
      const bool integer = num.find_first_of(".eE") == std::string::npos;
      const bool too_long_int = integer && num.size() > (num[0] == '-' ? 20u : 20u) && num != "0";
      if (!std::isfinite(d) || errno == ERANGE || too_long_int) found_ = path.empty() ? "$" : path;
    } else {
      while (i_ < j_.size() && std::isalpha(static_cast<unsigned char>(j_[i_]))) ++i_;  // true, false, null
    }
  }
  std::string_view j_;
  std::size_t i_ = 0;
  int depth_ = 0;
  std::string found_;
};

// One parser per thread; small documents only (large ones use a parser of their own so the
// big buffers are freed after).
constexpr std::size_t reuse_limit = 1024 * 1024;

}  // namespace

std::optional<report_error> parse_report(std::string_view json, const report_limits& limits, parsed_report& out) {
  thread_local dom::parser shared_parser;
  thread_local bool shared_ready = false;
  std::optional<dom::parser> own;
  dom::parser* parser = nullptr;
  if (json.size() <= reuse_limit) {
    if (!shared_ready) {
      if (shared_parser.allocate(64 * 1024, max_json_depth)) return report_error{500, "$", "JSON parser allocation failed"};
      shared_ready = true;
    }
    parser = &shared_parser;
  } else {
    own.emplace();
    if (own->allocate(json.size(), max_json_depth)) return report_error{413, "$", "the JSON document is too large"};
    parser = &*own;
  }
  dom::element root;
  if (auto err = parser->parse(json.data(), json.size(), true).get(root)) {
    if (err == simdjson::DEPTH_ERROR)
      return report_error{400, "$", "JSON nested deeper than " + std::to_string(max_json_depth) + " levels"};
    if (err == simdjson::UTF8_ERROR) return report_error{400, "$", "the JSON document is not valid UTF-8"};
    if (err == simdjson::NUMBER_ERROR) {
      auto path = number_finder(json).find();
      if (!path.empty() && path != "$")
        // simdjson cannot read it: an integer past 64 bits (written without a fraction) or a
        // value past a double's range; either way no coordinate or field takes it.
        return wrong(path, path + " is a number out of range" +
                               (path == "location.lat"   ? std::string(" (a latitude is between -90 and 90)")
                                : path == "location.lon" ? std::string(" (a longitude is between -180 and 180)")
                                                         : std::string()));
    }
    return report_error{400, "$", std::string("malformed JSON: ") + simdjson::error_message(err)};
  }
  dom::object o;
  if (root.get_object().get(o)) return report_error{400, "$", "the JSON document must be an object"};
  if (auto dup = find_duplicate_key(root)) return dup;

  auto& s = out.sub;
  s.channel = g::channel_kind::mobile;
  std::optional<std::string> str;
  if (auto e = get_string(o, "title", "title", str)) return e;
  if (str) s.title = std::move(*str);
  str.reset();
  {
    dom::element e;
    if (o.at_key("body").get(e) || e.is_null()) return wrong("body", "body is required");
  }
  if (auto e = get_string(o, "body", "body", str)) return e;
  if (str) s.body = std::move(*str);
  str.reset();
  if (auto e = get_string(o, "kind", "kind", str)) return e;
  if (str) {
    auto k = g::parse_complaint_kind(*str);
    if (!k) return wrong("kind", "kind must be complaint, aspiration or information_request");
    s.kind = *k;
  }
  str.reset();
  if (auto e = get_bool(o, "anonymous", s.anonymous)) return e;
  if (auto e = get_bool(o, "confidential", s.confidential)) return e;
  std::optional<dom::object> sub;
  if (auto e = get_object(o, "reporter", sub)) return e;
  if (sub) {
    if (auto e = get_string(*sub, "name", "reporter.name", s.who.name)) return e;
    if (auto e = get_string(*sub, "phone", "reporter.phone", s.who.phone)) return e;
    if (auto e = get_string(*sub, "email", "reporter.email", s.who.email)) return e;
  }
  sub.reset();
  if (auto e = get_object(o, "location", sub)) return e;
  if (sub) {
    if (auto e = get_string(*sub, "text", "location.text", str)) return e;
    if (str) s.where.text = std::move(*str);
    str.reset();
    if (auto e = get_number(*sub, "lat", "location.lat", s.where.lat)) return e;
    if (auto e = get_number(*sub, "lon", "location.lon", s.where.lon)) return e;
    // A latitude without its longitude is no place at all (and the reverse): say which is missing.
    if (s.where.lat && !s.where.lon) return wrong("location.lon", "location.lon is required with location.lat");
    if (s.where.lon && !s.where.lat) return wrong("location.lat", "location.lat is required with location.lon");
  }
  if (auto e = get_string(o, "device_id", "device_id", str)) return e;
  if (str) {
    if (str->size() > 128) return wrong("device_id", "device_id is longer than 128 bytes");
    out.device_id = std::move(*str);
  }
  str.reset();
  dom::element atts;
  if (!o.at_key("attachments").get(atts) && !atts.is_null()) {
    dom::array arr;
    if (atts.get_array().get(arr)) return wrong("attachments", "attachments must be an array");
    std::size_t i = 0;
    for (dom::element a : arr) {
      const std::string path = "attachments[" + std::to_string(i) + "]";
      if (i >= limits.max_attachments)
        return wrong("attachments", "at most " + std::to_string(limits.max_attachments) + " attachments");
      dom::object ao;
      if (a.get_object().get(ao)) return wrong(path, path + " must be an object");
      inline_attachment att;
      std::optional<std::string> name, mime, data;
      if (auto e = get_string(ao, "name", path + ".name", name)) return e;
      if (auto e = get_string(ao, "mime", path + ".mime", mime)) return e;
      if (auto e = get_string(ao, "data_base64", path + ".data_base64", data)) return e;
      if (!data || data->empty()) return wrong(path + ".data_base64", path + ".data_base64 is required");
      if (data->size() / 4 * 3 > limits.max_attachment_bytes + 3)
        return wrong(path + ".data_base64", path + " is larger than " + std::to_string(limits.max_attachment_bytes) + " bytes");
      auto bytes = decode_base64(*data, limits.max_attachment_bytes);
      if (!bytes) return wrong(path + ".data_base64", path + ".data_base64 is not valid base64 (or too large)");
      att.name = name.value_or("");
      att.declared_mime = mime.value_or("");
      att.data = std::move(*bytes);
      out.attachments.push_back(std::move(att));
      ++i;
    }
  }
  return std::nullopt;
}

}  // namespace lapor::mobile
