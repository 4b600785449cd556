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

void append_created(complaint_row& row, const std::function<std::int64_t(std::size_t)>& id_of, std::int64_t now_ms,
                    std::vector<outbox_item>& created) {
  const std::size_t n = row.outbox_destinations.size();
  for (std::size_t i = 0; i < n; ++i) {
    outbox_item& item = created.emplace_back();
    item.id = id_of(i);
    item.complaint_id = row.id;
    item.tracking_id = row.tracking_id;
    item.destination = std::move(row.outbox_destinations[i]);
    std::string& source = row.outbox_payload.empty() ? row.document : row.outbox_payload;
    item.payload = i + 1 == n ? std::move(source) : source;  // the last one takes the text
    item.created_ms = item.updated_ms = now_ms;
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
