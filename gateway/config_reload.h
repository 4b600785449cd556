// What a reload (SIGHUP, `systemctl reload`) may change in a running daemon.
//
// The daemon re-reads its config file (and re-applies the same --set overrides) and compares
// it key by key with what it runs on (config_source, gateway/config.h). Reloadable keys are
// those whose new value takes effect without dropping a bind or a connection:
//
//   smpp.accounts              the next bind_* is checked against the new table; binds made
//                              before stay up
//   mobile.api_keys            the next signed request is checked with the new keys
//   dispatcher.token           the next dispatcher request carries the new token
//   web.rate_limit_per_minute  per-IP submission limit (web form and mobile API)
//   log_level
//
// Any other key that changed (listen addresses, data_dir, store.*, tracking.*, …) needs a
// restart: the reload is refused as a whole, naming every such key, and the daemon keeps
// running on its old configuration. Pure functions; unit-tested.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "gateway/config.h"

namespace lapor::gateway {

[[nodiscard]] bool is_reloadable(std::string_view key) noexcept;

struct reload_plan {
  std::vector<std::string> changed;  // reloadable keys whose value changed, in key order
  std::vector<std::string> refused;  // keys that changed and need a restart, in key order
  [[nodiscard]] bool accepted() const noexcept { return refused.empty(); }
};

// Compares the running configuration's source with a freshly loaded one. A key set in one and
// left at its default in the other counts as changed.
[[nodiscard]] reload_plan plan_reload(const config_source& running, const config_source& fresh);

}  // namespace lapor::gateway
