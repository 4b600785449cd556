#include "channels/mobile/report_json.h"

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
    return report_error{400, "$", std::string("malformed JSON: ") + simdjson::error_message(err)};
  }
  dom::object o;
  if (root.get_object().get(o)) return report_error{400, "$", "the JSON document must be an object"};

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
