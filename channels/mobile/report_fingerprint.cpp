#include "channels/mobile/report_fingerprint.h"

#include <charconv>

#include "gateway/digest.h"

namespace lapor::mobile {

std::string report_fingerprint(const gateway::submission& s, std::string_view device_id) {
  std::string text;
  const auto add = [&text](std::string_view x) { text.append(std::to_string(x.size())).append(":").append(x); };
  const auto add_optional = [&](const std::optional<std::string>& x) { x ? add(*x) : add("\x01"); };
  const auto add_number = [&](const std::optional<double>& x) {
    if (!x) return add("\x01");
    char buf[32];
    const auto r = std::to_chars(buf, buf + sizeof buf, *x);
    add(std::string_view(buf, static_cast<std::size_t>(r.ptr - buf)));
  };
  add(s.title);
  add(s.body);
  add(gateway::to_string(s.kind));
  add_optional(s.who.name);
  add_optional(s.who.phone);
  add_optional(s.who.email);
  add(s.anonymous ? "1" : "0");
  add(s.confidential ? "1" : "0");
  add(s.where.text);
  add_number(s.where.lat);
  add_number(s.where.lon);
  for (const auto& a : s.attachments) {
    add(a.sha256);
    add(a.name);
  }
  add(device_id);
  return gateway::sha256_hex(text);
}

}  // namespace lapor::mobile
