// What producers hand to the group writer: one alternative per public write call.
//
// Each request carries its own answer (filled while its group is applied) and its
// completion, which the writer thread calls after the group's COMMIT returned.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "store/store.h"

namespace lapor::store {

class session;

struct insert_request {
  complaint_row row;
  group_writer::completion done;
  write_result result;
};

// The outbox and cursor changes share one shape: a bool and an error text for `done`.
struct change_answer {
  bool ok = false;
  std::string error;
};

struct enqueue_request {
  std::string destination;
  std::string payload;
  std::int64_t complaint_id = 0;
  group_writer::done done;
  change_answer answer;
};

// mark_sent, mark_retry, mark_dead, requeue and hand_on: a transition of outbox rows' state
// (hand_on changes only who may claim the row).
struct transition_request {
  enum class kind : std::uint8_t { sent, retry, dead, requeue, hand_on };
  kind what = kind::sent;
  std::vector<std::int64_t> ids;     // mark_sent and hand_on may carry many
  std::int64_t id = 0;               // the others carry one
  int attempts = 0;
  std::int64_t next_attempt_ms = 0;
  std::string error;
  group_writer::done done;
  change_answer answer;
};

struct cursor_request {
  std::string name;
  std::string value;
  // Cluster mode: written only while this node holds lease `fence_lease` with `fence_token`
  // (a paused former holder cannot move the cursor back). Empty = not fenced.
  std::string fence_lease;
  std::int64_t fence_token = 0;
  group_writer::done done;
  change_answer answer;
};

struct relink_request {
  std::int64_t id = 0;
  std::string expected_duplicate_of;
  std::string duplicate_of;
  std::string status_meta;
  std::string payload_prefix, payload_suffix;
  group_writer::done done;
  change_answer answer;
};

struct part_request {
  message_part part;
  group_writer::completion done;
  write_result result;
};

struct complete_parts_request {
  std::string group;
  std::string tracking_id;  // what the parts' late copies are answered with
  group_writer::done done;
  change_answer answer;
};

struct purge_parts_request {
  std::int64_t done_before_ms = 0;
  std::int64_t open_before_ms = 0;
  group_writer::done done;
  change_answer answer;
};

// erase_personal_data (store/erase_apply.h applies it).
struct erase_request {
  erase_batch batch;
  group_writer::done done;
  change_answer answer;
};

// max_sequence: runs on the writer thread among the completions, after the group's commit,
// outside any transaction; answers through `fn`.
struct probe_request {
  std::function<void(session&)> fn;
};

using write_request = std::variant<insert_request, enqueue_request, transition_request, cursor_request, relink_request,
                                   part_request, complete_parts_request, purge_parts_request, erase_request, probe_request>;

// The answer to `row` when its idempotency key is already stored with complaint `id`: a
// replay of that complaint, or a conflict when both fingerprints are known and differ. Both
// backends answer retries through it.
[[nodiscard]] write_result stored_key_answer(const complaint_row& row, std::int64_t id, std::string_view fingerprint,
                                             std::string_view tracking_id, std::string_view duplicate_of);

// Appends the outbox rows a stored `row` created, as the outbox listener is told of them:
// row `i`'s destination has id `first_id(i)`; the row's destinations and its document (or
// outbox payload) move into them, since the request no longer needs them once written.
void append_created(complaint_row& row, const std::function<std::int64_t(std::size_t)>& id_of, std::int64_t now_ms,
                    std::vector<outbox_item>& created);

// Answers every request of `group` (probes excepted) with `failed` / false and `error`.
void fail_requests(std::vector<write_request>& group, const std::string& error);

}  // namespace lapor::store
