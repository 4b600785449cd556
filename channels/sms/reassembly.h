// Reassembly of concatenated SMS (sans-I/O: the caller passes the time and runs the timer).
//
// Parts are kept as raw user-data octets with their data_coding, not as text: a conforming
// sender never splits a GSM escape or a UTF-16 surrogate pair across parts, but some do
// (reference §1.10), so render_text() (message_text.h) joins the raw octets of adjacent
// parts with the same coding and decodes each run once.
//
// Groups are keyed by (operator, source_addr, destination_addr, ref, total). A group is
// handed back exactly once: complete when its last part arrives, or incomplete from
// expire() / eviction / drain() with the parts that did arrive — never silently dropped.
//
// Not thread-safe; one per operator or one per daemon on one strand.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "channels/sms/bytes.h"

namespace lapor::sms {

using reassembly_clock = std::chrono::steady_clock;

struct group_key {
  std::string operator_name;
  std::string source_addr;
  std::string destination_addr;
  std::uint16_t ref = 0;
  std::uint8_t total = 0;
  friend auto operator<=>(const group_key&, const group_key&) = default;
  friend bool operator==(const group_key&, const group_key&) = default;
};

struct segment {
  std::uint8_t seq = 0;          // 1..total
  std::uint8_t data_coding = 0;
  std::uint16_t udh_octets = 0;  // size of the stripped UDH (packed GSM needs it)
  bytes payload;                 // user data without UDH
  friend bool operator==(const segment&, const segment&) = default;
};

struct part {
  group_key key;
  segment seg;
};

struct assembled_message {
  group_key key;
  std::vector<segment> segments;  // received parts, ordered by seq, no duplicates
  bool complete = false;          // all 1..total present
  reassembly_clock::time_point first_seen{};
  // Part numbers (1-based) that never arrived; empty when complete.
  [[nodiscard]] std::vector<std::uint8_t> missing() const;
};

struct reassembly_options {
  std::chrono::milliseconds timeout{std::chrono::seconds(60)};  // from a group's first part
  std::size_t max_groups = 10'000;              // open groups
  std::size_t max_bytes = 16 * 1024 * 1024;     // payload octets held across all groups
};

class reassembler {
 public:
  explicit reassembler(reassembly_options options = {});

  enum class outcome {
    stored,     // kept; the group is still open
    duplicate,  // this seq was already held; ignored (the first copy is kept)
    completed,  // `message` is the whole message
    rejected,   // `reason` says why; nothing stored
  };
  struct add_result {
    outcome result = outcome::stored;
    std::optional<assembled_message> message;  // when completed
    std::string_view reason;                   // when rejected
    // Groups closed early, oldest first, to make room under max_groups / max_bytes:
    // incomplete messages the caller must still deliver.
    std::vector<assembled_message> evicted;
  };

  // Adds one part. Refused: total 0, seq 0 or seq > total, a payload larger than max_bytes.
  [[nodiscard]] add_result add(part p, reassembly_clock::time_point now);

  // Closes every group whose first part is at least `timeout` old, oldest first.
  [[nodiscard]] std::vector<assembled_message> expire(reassembly_clock::time_point now);

  [[nodiscard]] bool is_open(const group_key& key) const { return groups_.count(key) != 0; }
  // The copy of part `seq` an open group holds, or nullptr.
  [[nodiscard]] const segment* held(const group_key& key, std::uint8_t seq) const;
  // Closes one open group as incomplete (a different message reuses its reference).
  [[nodiscard]] std::optional<assembled_message> close_now(const group_key& key);

  // Closes every open group (shutdown), oldest first.
  [[nodiscard]] std::vector<assembled_message> drain();

  // When the next group expires (for the caller's timer); nullopt when nothing is open.
  [[nodiscard]] std::optional<reassembly_clock::time_point> next_deadline() const;

  [[nodiscard]] std::size_t open_groups() const noexcept { return groups_.size(); }
  [[nodiscard]] std::size_t buffered_bytes() const noexcept { return bytes_; }

 private:
  using age = std::pair<reassembly_clock::time_point, std::uint64_t>;  // first_seen, arrival
  struct group {
    std::map<std::uint8_t, segment> parts;  // by seq
    age since;
  };
  using group_map = std::map<group_key, group>;

  assembled_message close(group_map::iterator it, bool complete);

  reassembly_options options_;
  group_map groups_;
  std::map<age, group_key> by_age_;  // oldest first
  std::size_t bytes_ = 0;
  std::uint64_t next_order_ = 0;
};

}  // namespace lapor::sms
