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

}  // namespace lapor::store
