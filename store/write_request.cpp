#include "store/write_request.h"

#include <type_traits>

namespace lapor::store {

void fail_requests(std::vector<write_request>& group, const std::string& error) {
  for (write_request& req : group) {
    std::visit(
        [&](auto& r) {
          using T = std::decay_t<decltype(r)>;
          if constexpr (std::is_same_v<T, insert_request> || std::is_same_v<T, part_request>) {
            r.result = write_result{};
            r.result.status = write_status::failed;
            r.result.error = error;
          } else if constexpr (!std::is_same_v<T, probe_request>) {
            r.answer.ok = false;
            r.answer.error = error;
          }
        },
        req);
  }
}

write_result stored_key_answer(const complaint_row& row, std::int64_t id, std::string_view fingerprint,
                               std::string_view tracking_id, std::string_view duplicate_of) {
  write_result r;
  if (!row.request_fingerprint.empty() && !fingerprint.empty() && fingerprint != row.request_fingerprint) {
    r.status = write_status::conflict;
    r.error = "idempotency key already used for a different request";
    return r;
  }
  r.status = write_status::replay;
  r.id = id;
  r.tracking_id = tracking_id;
  r.duplicate_of = duplicate_of;
  return r;
}

}  // namespace lapor::store
