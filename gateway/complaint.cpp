#include "gateway/complaint.h"

namespace lapor::gateway {

std::string_view to_string(channel_kind c) noexcept {
  switch (c) {
    case channel_kind::sms: return "sms";
    case channel_kind::twitter: return "twitter";
    case channel_kind::web: return "web";
    case channel_kind::mobile: return "mobile";
    case channel_kind::test: return "test";
  }
  return "test";
}

std::string_view to_string(complaint_kind k) noexcept {
  switch (k) {
    case complaint_kind::complaint: return "complaint";
    case complaint_kind::aspiration: return "aspiration";
    case complaint_kind::information_request: return "information_request";
  }
  return "complaint";
}

std::optional<complaint_kind> parse_complaint_kind(std::string_view s) noexcept {
  if (s == "complaint") return complaint_kind::complaint;
  if (s == "aspiration") return complaint_kind::aspiration;
  if (s == "information_request") return complaint_kind::information_request;
  return std::nullopt;
}

std::optional<channel_kind> parse_channel_kind(std::string_view s) noexcept {
  for (auto c : {channel_kind::sms, channel_kind::twitter, channel_kind::web, channel_kind::mobile, channel_kind::test})
    if (to_string(c) == s) return c;
  return std::nullopt;
}

}  // namespace lapor::gateway
