// The web form's nonce: a hidden field that makes a double-clicked (or re-posted) form one
// report. It is issued with the form and becomes the submission's idempotency key, so the
// store answers the second POST with the first tracking ID.
//
//   "1764000000.9f86d081884c7d659a2feaa0c55ad015.1c2f…(32 hex)"
//    issued-at   random id (128 bits)              HMAC-SHA256(key, "lapor-form\n" ts "\n" id), first 128 bits
//
// Signed so it cannot be forged or chosen (a chosen nonce could collide with someone else's
// report), and dated so an old page is refused with a fresh form instead of a stale key.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace lapor::web {

class form_nonce {
 public:
  enum class verdict { ok, malformed, forged, expired };
  struct checked {
    verdict result = verdict::malformed;
    std::string id;  // the random id when ok: the idempotency key
  };

  // `key`: secret bytes (see load_form_key).
  explicit form_nonce(std::string key) : key_(std::move(key)) {}

  [[nodiscard]] std::string issue(std::int64_t now_s) const;
  // Accepts nonces issued at most `max_age_s` ago (and at most 300 s in the future).
  [[nodiscard]] checked verify(std::string_view nonce, std::int64_t now_s, std::int64_t max_age_s) const;

  // A tag for what the result page's link states ("3 foto ikut tersimpan", "sudah diterima"),
  // so that the page repeats what the POST's answer said and not what someone typed into
  // the address bar (?foto=9). 128 bits of HMAC-SHA256(key, "lapor-result\n" facts), hex.
  [[nodiscard]] std::string result_tag(std::string_view facts) const;

 private:
  [[nodiscard]] std::string mac(std::string_view ts, std::string_view id) const;
  std::string key_;
};

// The form key in <data_dir>/web_form.key (64 hex digits), created with random bytes (mode
// 0600) on first start so nonces stay valid across restarts. Throws std::runtime_error on I/O
// failure (start-up only).
[[nodiscard]] std::string load_form_key(const std::string& data_dir);

}  // namespace lapor::web
