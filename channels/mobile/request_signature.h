// App authentication of the mobile API (SPEC §7 Mobile): every request is signed with an
// app key.
//
//   Authorization: LAPOR-HMAC-SHA256 key_id=android-1, ts=1764000000, sig=5d41…(64 hex)
//   sig = hex(HMAC-SHA256(secret, METHOD "\n" PATH "\n" ts "\n" hex(SHA-256(body))))
//
// PATH is the request target as sent (with its query string). A timestamp more than
// `max_skew_s` from the server's clock is refused, so a captured request cannot be replayed
// later. Within the window a replayed POST with the same Idempotency-Key and body gets the
// stored answer, changing nothing; one with another Idempotency-Key (which the signature does
// not cover) is refused by the replay_guard. Signatures are compared in constant time, and an
// unknown key_id costs the same HMAC as a known one.
#pragma once

#include <cstdint>
#include <deque>
#include <limits>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "gateway/config.h"

namespace lapor::mobile {

struct signature_header {
  std::string key_id;
  std::int64_t ts = 0;
  std::string sig;  // lowercase hex
};

// Parses the Authorization value; nullopt with `error` saying what is wrong.
[[nodiscard]] std::optional<signature_header> parse_authorization(std::string_view value, std::string& error);

[[nodiscard]] std::string string_to_sign(std::string_view method, std::string_view path, std::int64_t ts,
                                         std::string_view body_sha256_hex);
// The hex signature a client computes (used by tests and the benchmark too).
[[nodiscard]] std::string sign_request(std::string_view secret, std::string_view method, std::string_view path,
                                       std::int64_t ts, std::string_view body_sha256_hex);

class request_verifier {
 public:
  explicit request_verifier(const std::vector<gateway::mobile_api_key>& keys, int max_skew_s = 300);

  struct outcome {
    bool ok = false;
    std::string key_id;   // when ok
    std::string message;  // when not ok: why (English, no secrets)
    std::string sig;      // when ok: the signature (for the replay_guard)
    std::int64_t ts = 0;  // when ok: the signed time
  };
  // `authorization`: the header value, or nullopt when absent.
  [[nodiscard]] outcome verify(std::optional<std::string_view> authorization, std::string_view method,
                               std::string_view target, std::string_view body_sha256_hex, std::int64_t now_s) const;
  [[nodiscard]] bool empty() const noexcept { return secrets_.empty(); }

 private:
  std::unordered_map<std::string, std::string> secrets_;
  int max_skew_s_;
};

// Refuses a signed POST whose signature was already used with another Idempotency-Key: the
// signature covers method, path, time and body, not the key, so without this a captured
// request could be sent again under a new key within the clock-skew window and be stored
// twice. The same signature with the same key (a client resending the very same request) goes
// ahead: the store answers it like any retry. A signature is remembered until its timestamp
// leaves the window; at most `capacity` are (beyond it the oldest are forgotten first, which
// only shortens how long the oldest are guarded). What it never knew it does not guess at: a
// signature made before this process started (the previous one may have stored it under
// another key) is refused, and the client signs again (a retry signed anew gets the stored
// answer). Thread-safe.
enum class replay_verdict {
  admitted,       // go ahead (a new signature, or the same one with the same key)
  replayed,       // this signature was used with another Idempotency-Key
  before_memory,  // signed before what the guard remembers: it cannot tell, so sign anew
};

class replay_guard {
 public:
  explicit replay_guard(int max_skew_s = 300, std::size_t capacity = 1u << 18);
  // Signatures made before `ts` (whole seconds) are not remembered: this process starts and the
  // previous one's are gone with it. (One signed in the very second of the start is taken: a
  // client's first request after a restart must not be refused; the previous process would
  // have had to die in that same second with it.)
  void remember_from(std::int64_t ts);
  // `sig_hex`: the 64 hex digits of the signature.
  [[nodiscard]] replay_verdict admit(std::string_view sig_hex, std::int64_t ts, std::string_view idempotency_key,
                                     std::int64_t now_s);
  [[nodiscard]] std::size_t remembered() const;

 private:
  struct seen {
    std::uint64_t key_hash;
    std::int64_t forget_at;
  };
  int max_skew_s_;
  std::size_t capacity_;
  std::uint64_t k0_ = 0, k1_ = 0;  // SipHash key for Idempotency-Keys
  mutable std::mutex mutex_;
  std::unordered_map<std::uint64_t, seen> by_sig_;                 // first 64 bits of the signature
  std::deque<std::pair<std::int64_t, std::uint64_t>> order_;       // (forget_at, signature) as first seen
  std::int64_t remembers_from_ = std::numeric_limits<std::int64_t>::min();  // signed before: unknown
};

}  // namespace lapor::mobile
