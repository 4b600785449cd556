#include "channels/sms/sms_submission.h"

#include <cstdint>
#include <cstring>

#include "gateway/digest.h"
#include "gateway/phone.h"

namespace lapor::sms {

std::optional<std::string> sender_phone(std::string_view source_addr, std::uint8_t ton) {
  if (source_addr.empty()) return std::nullopt;
  std::string raw(source_addr);
  // TON 1 (international) numbers come without '+'; "62812…" without TON is read the same way
  // by normalize_phone(), but "6…" numbers of other countries need the '+' to be read right.
  // No country code starts with 0: "0812…" (or "00 62 812…") under TON 1 is an SMSC that
  // labels every number international, and is read as it is written.
  if (ton == 1 && raw.front() != '+' && raw.front() != '0') raw.insert(raw.begin(), '+');
  return gateway::normalize_phone(raw);
}

namespace {

// Whether any of the eight bytes in `x` is one storable_sms_text may change: a C0 control
// (tabs and line ends too, checked one by one), DEL, or 0xC2 (the lead byte of a C1 control).
bool may_change(std::uint64_t x) noexcept {
  constexpr std::uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
  const auto below = [&](std::uint64_t v, std::uint64_t n) { return (v - n * ones) & ~v & highs; };
  return (below(x, 0x20) | below(x ^ (0x7F * ones), 1) | below(x ^ (0xC2 * ones), 1)) != 0;
}

// The end of the run from `i` on that storable_sms_text keeps as it is, eight bytes at a time.
std::size_t plain_run_end(std::string_view text, std::size_t i) noexcept {
  for (; i + 8 <= text.size(); i += 8) {
    std::uint64_t x;
    std::memcpy(&x, text.data() + i, 8);
    if (may_change(x)) break;
  }
  return i;
}

}  // namespace

std::string storable_sms_text(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    // Most of a text is printable: copied a run at a time, not pushed back byte by byte.
    if (const std::size_t end = plain_run_end(text, i); end > i) {
      out.append(text.data() + i, end - i);
      i = end;
      if (i == text.size()) break;
    }
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == '\f' || c == '\v') {
      out.push_back('\n');  // GSM's page break (ESC 0x0A) and a vertical tab: a line break
    } else if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7F) {
      continue;  // other C0 controls and DEL carry nothing a reader sees
    } else if (c == 0xC2 && i + 1 < text.size() && static_cast<unsigned char>(text[i + 1]) >= 0x80 &&
               static_cast<unsigned char>(text[i + 1]) <= 0x9F) {
      ++i;  // C1 controls (U+0080–U+009F, from Latin-1 0x80–0x9F) likewise
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
  return out;
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
  s.body = storable_sms_text(command.text);
  s.incomplete = in.incomplete;
  s.received_at = received_at;
  return s;
}

redelivery_keys::redelivery_keys(std::chrono::seconds window, std::size_t max_entries)
    : window_(window.count() > 0 ? window : std::chrono::seconds(1)), max_entries_(max_entries ? max_entries : 1) {}

std::string redelivery_keys::key_for(std::string_view operator_name, std::string_view sender, std::string_view text,
                                     clock::time_point now, bool* first) {
  std::string id;
  id.reserve(operator_name.size() + sender.size() + 88);
  id.append(operator_name).append(":").append(sender).append(":").append(gateway::sha256_hex(text));
  const std::uint64_t h = std::hash<std::string_view>{}(id);
  const std::int64_t bucket =
      std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count() / window_.count();

  std::int64_t first_bucket = bucket;
  {
    const std::lock_guard lock(mutex_);
    // Drops the oldest arrival, and its sighting unless the id was seen anew since (stale).
    const auto forget_oldest = [this] {
      const auto [at, old] = arrivals_.front();
      arrivals_.pop_front();
      if (auto o = seen_.find(old); o != seen_.end() && o->second.first == at) seen_.erase(o);
    };
    auto it = seen_.find(h);
    const bool fresh = it == seen_.end() || now - it->second.first > window_ || now < it->second.first;
    if (first != nullptr) *first = fresh;
    if (fresh) {
      // A first sighting (or the first after the window): forget the oldest while full.
      while (seen_.size() >= max_entries_ && !arrivals_.empty()) forget_oldest();
      it = seen_.insert_or_assign(h, seen{now, bucket}).first;
      arrivals_.emplace_back(now, h);
      // Stale arrivals are dropped as they reach the front; bound them too.
      while (arrivals_.size() > 2 * max_entries_) forget_oldest();
    }
    first_bucket = it->second.bucket;
  }
  id += ':';
  id += std::to_string(first_bucket);
  return id;
}

std::size_t redelivery_keys::size() const {
  const std::lock_guard lock(mutex_);
  return seen_.size();
}

}  // namespace lapor::sms
