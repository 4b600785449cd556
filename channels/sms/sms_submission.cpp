#include "channels/sms/sms_submission.h"

#include "gateway/digest.h"
#include "gateway/phone.h"

namespace lapor::sms {

std::optional<std::string> sender_phone(std::string_view source_addr, std::uint8_t ton) {
  if (source_addr.empty()) return std::nullopt;
  std::string raw(source_addr);
  // TON 1 (international) numbers come without '+'; "62812…" without TON is read the same way
  // by normalize_phone(), but "6…" numbers of other countries need the '+' to be read right.
  if (ton == 1 && raw.front() != '+') raw.insert(raw.begin(), '+');
  return gateway::normalize_phone(raw);
}

gateway::submission make_submission(const inbound_sms& in, const sms_command& command, std::string idempotency_key,
                                    gateway::clock::time_point received_at) {
  gateway::submission s;
  s.channel = gateway::channel_kind::sms;
  s.channel_ref.emplace_back("operator", in.operator_name);
  const auto phone = sender_phone(in.source_addr, in.source_addr_ton);
  s.channel_ref.emplace_back("source_addr", phone ? *phone : in.source_addr);
  s.channel_ref.emplace_back("destination_addr", in.destination_addr);
  if (!in.message_ref.empty()) s.channel_ref.emplace_back("message_ref", in.message_ref);
  // SPEC §4 channel_ref.message_id: an MO carries no id of the SMSC's, so it is the id our
  // *_resp gives, the tracking ID; the core fills it in once the ID is assigned.
  s.channel_ref.emplace_back("message_id", "");
  s.idempotency_key = std::move(idempotency_key);
  s.who.phone = phone;
  s.kind = command.kind;
  s.body = command.text;
  s.incomplete = in.incomplete;
  s.received_at = received_at;
  return s;
}

redelivery_keys::redelivery_keys(std::chrono::seconds window, std::size_t max_entries)
    : window_(window.count() > 0 ? window : std::chrono::seconds(1)), max_entries_(max_entries ? max_entries : 1) {}

std::string redelivery_keys::key_for(std::string_view operator_name, std::string_view sender, std::string_view text,
                                     clock::time_point now) {
  std::string id;
  id.reserve(operator_name.size() + sender.size() + 66);
  id.append(operator_name).append(":").append(sender).append(":").append(gateway::sha256_hex(text));
  const std::int64_t bucket =
      std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count() / window_.count();

  const std::lock_guard lock(mutex_);
  auto it = seen_.find(id);
  if (it == seen_.end() || now - it->second.first > window_ || now < it->second.first) {
    if (it != seen_.end()) {
      auto range = by_time_.equal_range(it->second.first);
      for (auto r = range.first; r != range.second; ++r)
        if (r->second == id) {
          by_time_.erase(r);
          break;
        }
      seen_.erase(it);
    }
    while (seen_.size() >= max_entries_ && !by_time_.empty()) {
      seen_.erase(by_time_.begin()->second);
      by_time_.erase(by_time_.begin());
    }
    it = seen_.emplace(id, seen{now, bucket}).first;
    by_time_.emplace(now, id);
  }
  return id + ":" + std::to_string(it->second.bucket);
}

std::size_t redelivery_keys::size() const {
  const std::lock_guard lock(mutex_);
  return seen_.size();
}

}  // namespace lapor::sms
