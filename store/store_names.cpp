#include "store/store.h"

namespace lapor::store {

const char* to_string(outbox_state s) noexcept {
  switch (s) {
    case outbox_state::pending: return "pending";
    case outbox_state::sent: return "sent";
    case outbox_state::dead: return "dead";
  }
  return "pending";
}

const char* to_string(write_status s) noexcept {
  switch (s) {
    case write_status::stored: return "stored";
    case write_status::replay: return "replay";
    case write_status::conflict: return "conflict";
    case write_status::overloaded: return "overloaded";
    case write_status::failed: return "failed";
  }
  return "failed";
}

}  // namespace lapor::store
