// What public status pages and the mobile API may say about a complaint: its state and
// dates, never its content or the reporter's identity (SPEC §4, §7).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "gateway/tracking_id.h"

namespace lapor::store {
class read_pool;
}

namespace lapor::gateway {

struct complaint_status {
  enum class state { received, forwarded, duplicate };
  std::string tracking_id;
  state current = state::received;
  std::string duplicate_of;            // set when `current` is duplicate
  std::int64_t received_at_ms = 0;
  std::int64_t forwarded_at_ms = 0;    // when the dispatcher confirmed it; 0 until then
  std::string kind;                    // complaint | aspiration | information_request
  std::string verify_by;               // YYYY-MM-DD, may be empty
  int respond_within_working_days = 0; // 0 when unknown
};
[[nodiscard]] std::string_view to_string(complaint_status::state s) noexcept;

struct status_lookup {
  enum class outcome { found, invalid_id, not_found };
  outcome result = outcome::not_found;
  complaint_status status;  // when found
};

// Looks a typed tracking ID up. Thread-safe; the callback may run on another thread.
class status_source {
 public:
  using callback = std::function<void(status_lookup)>;
  virtual void find(std::string_view typed_id, callback cb) = 0;

 protected:
  ~status_source() = default;
};

// The store-backed source: decodes the ID (a wrong check symbol is `invalid_id`, without a
// query) and reads the complaint's summary on the read pool's thread.
class store_status_source final : public status_source {
 public:
  store_status_source(const tracking_id_codec& ids, store::read_pool& reader) : ids_(ids), reader_(reader) {}
  void find(std::string_view typed_id, callback cb) override;

 private:
  const tracking_id_codec& ids_;
  store::read_pool& reader_;
};

// {"tracking_id", "status", "duplicate_of", "received_at", "forwarded_at", "kind",
//  "sla": {"verify_by", "respond_within_working_days"}} — times as RFC 3339 UTC, nulls when unknown.
[[nodiscard]] std::string complaint_status_json(const complaint_status& s);

// RFC 3339 UTC with milliseconds ("2026-11-22T10:15:30.123Z").
[[nodiscard]] std::string utc_timestamp(std::int64_t ms_since_epoch);

}  // namespace lapor::gateway
