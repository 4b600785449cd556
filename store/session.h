// What the group writer's thread needs from a backend: one connection, one transaction per
// group. SQLite (writer_session.h, the embedded default) and PostgreSQL (pg_session.h,
// cluster mode) implement it; group_writer.cpp (queue, thread, completions) is shared.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string_view>
#include <vector>

#include "store/store.h"
#include "store/write_request.h"

namespace lapor::store {

class session {
 public:
  virtual ~session() = default;

  struct group_outcome {
    bool ok = true;
    std::string error;                     // why the group failed
    std::size_t size = 0;                  // requests in the transaction (probes excluded)
    std::chrono::microseconds took{0};     // BEGIN ... COMMIT (or ROLLBACK)
    // Failed, but the COMMIT may have taken effect (the connection broke while it ran, or the
    // synchronous standby never confirmed it): rows of this group may be in the store that
    // nobody was told of. Refused all the same (SPEC §2: not acknowledged); their retries find
    // the stored rows by key.
    bool in_doubt = false;
  };

  // Applies every request of `group` except probes in one transaction and sets each one's
  // answer. When `created` is not null it receives the outbox rows the group created
  // (payload resolved), only if the group committed. Never throws: a failed group answers
  // every request `failed` (nothing of it is acknowledged).
  virtual group_outcome apply(std::vector<write_request>& group, std::vector<outbox_item>* created) = 0;

  // Highest sequence stored for `node`, 0 when none. Throws db_error / std::runtime_error.
  [[nodiscard]] virtual std::uint32_t max_sequence(std::uint8_t node) = 0;
  virtual void set_insert_decider(insert_decider* d) noexcept = 0;
  // See group_writer::scan_match_state / scan_parts. Throw on a database error.
  virtual void scan_match_state(std::int64_t since_ms,
                                const std::function<void(std::string_view, std::string_view)>& on_link,
                                const std::function<void(const match_record&)>& on_match) = 0;
  virtual void scan_parts(const std::function<void(const stored_part&)>& on_part) = 0;
};

// The backend `opts.backend` names.
[[nodiscard]] std::unique_ptr<session> make_session(const options& opts);

}  // namespace lapor::store
