// The canonical complaint (SPEC §4) and the raw submission a channel hands to the core.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace lapor::gateway {

enum class channel_kind { sms, twitter, web, mobile, test };
enum class complaint_kind { complaint, aspiration, information_request };

[[nodiscard]] std::string_view to_string(channel_kind c) noexcept;
[[nodiscard]] std::string_view to_string(complaint_kind k) noexcept;
[[nodiscard]] std::optional<complaint_kind> parse_complaint_kind(std::string_view s) noexcept;
[[nodiscard]] std::optional<channel_kind> parse_channel_kind(std::string_view s) noexcept;

using clock = std::chrono::system_clock;

struct submit_result;  // gateway/channel.h

// A message the channel promises the reporter once the submission is acknowledged (a reply
// SMS, a reply post): written as an outbox row of `destination` in the same transaction as the
// complaint, or as the fact that it is a retry/duplicate (SPEC §2), so a crash loses none. At
// most one per (tracking ID given, recipient): a redelivery or a merged duplicate already
// answered to that recipient promises nothing new.
struct reply_promise {
  std::string destination;  // e.g. "sms_reply"
  std::string recipient;    // e.g. "sms:telkomsel:6281234567890"; empty = no deduplication
  // The row's payload from the answer the reporter gets. Runs on the store's writer thread
  // inside the transaction: pure, must not block or throw; "" = nothing to send.
  std::function<std::string(const submit_result& answer)> payload;
};

struct attachment {
  std::string sha256;  // lowercase hex of the content
  std::string mime;
  std::uint64_t size = 0;
  std::string name;
};

// Where the complaint is about, as Kemendagri codes (SPEC §4 location.region), resolved by the
// core (gateway/region/) from the location field, the text or lat/lon. Names are the
// dataset's official ones; the levels below `level` are empty.
struct region_ref {
  std::string code;    // "62.02", the most specific level determined without doubt
  std::string level;   // "province", "regency", "district", "village"
  std::string province, regency, district, village;
  std::string source;  // "location", "text", "geo"
};

struct location {
  std::string text;
  std::optional<double> lat;
  std::optional<double> lon;
  std::optional<region_ref> region;  // filled by the core; a channel leaves it empty
  // The codes of every place the text names, certain or not (gateway/region/resolver.h
  // resolution::places): for duplicate detection only, never sent.
  std::vector<std::string> named_places;
};

struct reporter {
  std::optional<std::string> name;
  std::optional<std::string> phone;    // E.164 once normalised
  std::optional<std::string> email;
  std::optional<std::string> twitter;  // handle without '@'
};

// What a channel hands to the core: raw text as received (any valid UTF-8), identity as the
// channel saw it. The core validates, NFC-normalises and turns it into a `complaint`.
struct submission {
  channel_kind channel = channel_kind::test;
  // Channel-specific references, kept in order (e.g. operator, source_addr, message_id).
  std::vector<std::pair<std::string, std::string>> channel_ref;
  // Retries of one message carry the same key (SMPP redelivery, tweet id, Idempotency-Key,
  // form nonce). Empty when the channel has none. Scoped by the channel by the core.
  std::string idempotency_key;
  // Fingerprint of the request as sent (e.g. SHA-256 of the HTTP body). A known key with a
  // different fingerprint is a conflict, not a retry. Empty = not checked.
  std::string request_fingerprint;
  reporter who;
  bool anonymous = false;
  bool confidential = false;
  complaint_kind kind = complaint_kind::complaint;
  std::string title;  // may be empty: derived from the body
  std::string body;
  location where;
  std::vector<attachment> attachments;
  // Flags the channel wants carried, e.g. an SMS whose parts never all arrived.
  bool incomplete = false;
  // Replies promised with this submission (see reply_promise).
  std::vector<reply_promise> replies;
  // The stored parts this submission completes (gateway::part_store group), marked done with
  // the answer in the same transaction. Empty = none.
  std::string completes_parts;
  clock::time_point received_at{};
};

// The title, when it says what the body does not; empty when it is the body's first words (the
// pipeline derives the title so for an SMS or a tweet). What reads the text (the region
// resolver, the dedup's normaliser) reads such a title once, as part of the body: read twice,
// its words would weigh double and cost double.
[[nodiscard]] inline std::string_view own_title(const submission& s) noexcept {
  return s.body.starts_with(s.title) ? std::string_view() : std::string_view(s.title);
}

struct sla_dates {
  std::string verify_by;  // YYYY-MM-DD, 3 working days after received_at (Asia/Jakarta)
  int respond_within_working_days = 14;
};

// A validated, normalised complaint, ready to be stored and forwarded.
struct complaint {
  std::string tracking_id;
  submission sub;  // normalised: NFC text, E.164 phone, trimmed fields, title filled
  sla_dates sla;
};

}  // namespace lapor::gateway
