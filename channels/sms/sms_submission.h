// An MO's text -> the core's submission (SPEC §4, §6, §7 SMS), and the redelivery key that
// makes an SMSC's retry of one message store nothing new.
//
//   operator "telkomsel", source_addr "6281234567890" (TON 1), text "Jalan rusak di km 5"
//   -> submission{channel sms, reporter.phone "+6281234567890", body "Jalan rusak di km 5",
//                 channel_ref [operator, source_addr, destination_addr, message_ref],
//                 idempotency_key "telkomsel:+6281234567890:<sha256(text)>:<bucket>"}
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "channels/sms/keywords.h"
#include "gateway/complaint.h"

namespace lapor::sms {

// One citizen message as text, whole (single or reassembled).
struct inbound_sms {
  std::string operator_name;
  std::string source_addr;          // as the SMSC sent it
  std::uint8_t source_addr_ton = 0;
  std::string destination_addr;     // normally the short code
  std::string text;                 // UTF-8
  bool incomplete = false;          // parts of a long message never arrived
  std::string message_ref;          // e.g. "udh8:17/3" for a long message, empty otherwise
};

// The sender as E.164: a national "0812…", an international "62812…" (TON 1 or not) or
// "+62…"; nullopt for alphanumeric senders and numbers normalize_phone() refuses.
[[nodiscard]] std::optional<std::string> sender_phone(std::string_view source_addr, std::uint8_t ton);

// The submission for a report (`command.intent` must be report). `idempotency_key` may be
// empty (no redelivery detection).
// The text of an MO as it is stored: a handset's control characters are not the citizen's
// words, and refusing a message for one (a GSM page break, ESC 0x0A) after its parts were
// acknowledged lost it. Form feed and vertical tab become line breaks; other C0 controls, DEL
// and C1 controls are dropped; TAB, LF and CR stay. `text` is valid UTF-8.
[[nodiscard]] std::string storable_sms_text(std::string_view text);

[[nodiscard]] gateway::submission make_submission(const inbound_sms& in, const sms_command& command,
                                                  std::string idempotency_key,
                                                  gateway::clock::time_point received_at);

// Redelivery detection: the same (operator, sender, text) within `window` gets the same key,
// so the store answers "replay" with the first tracking ID and stores nothing.
//
// The key ends with the window-sized time bucket of the first copy seen. A process remembers
// first sightings (bounded by `max_entries`, oldest forgotten first), so within one process
// the window is exact; after a restart a copy whose first sighting is forgotten falls in the
// bucket of its own arrival time, so a redelivery that straddles a bucket boundary across a
// restart is stored again (and then caught as a same-reporter duplicate by the core).
// Thread-safe.
class redelivery_keys {
 public:
  using clock = std::chrono::system_clock;
  redelivery_keys(std::chrono::seconds window, std::size_t max_entries = 200'000);

  // `first`, when given, is set to whether this is the first sighting within the window (a
  // redelivery is not: what it asks was answered already).
  [[nodiscard]] std::string key_for(std::string_view operator_name, std::string_view sender,
                                    std::string_view text, clock::time_point now, bool* first = nullptr);
  [[nodiscard]] std::size_t size() const;

 private:
  struct seen {
    clock::time_point first;
    std::int64_t bucket = 0;
  };
  std::chrono::seconds window_;
  std::size_t max_entries_;
  mutable std::mutex mutex_;
  // Keyed by a 64-bit hash of "op:sender:sha256": the key string is rebuilt from its parts,
  // so the table holds no strings. Two ids that collide share only a time bucket, and the
  // bucket decides nothing unless the ids are equal too.
  std::unordered_map<std::uint64_t, seen> seen_;
  // First sightings in arrival order, for forgetting the oldest first. An entry whose time no
  // longer matches seen_ (the id was seen anew after its window) is stale and skipped.
  std::deque<std::pair<clock::time_point, std::uint64_t>> arrivals_;
};

}  // namespace lapor::sms
