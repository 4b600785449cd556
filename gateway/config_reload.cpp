#include "gateway/config_reload.h"

#include <array>
#include <set>

namespace lapor::gateway {

namespace {

// Each of these has a setter in the running daemon (gateway/main.cpp, reload()).
constexpr std::array<std::string_view, 5> reloadable_keys = {
    "smpp.accounts", "mobile.api_keys", "dispatcher.token", "web.rate_limit_per_minute", "log_level"};

}  // namespace

bool is_reloadable(std::string_view key) noexcept {
  for (const auto k : reloadable_keys)
    if (k == key) return true;
  return false;
}

reload_plan plan_reload(const config_source& running, const config_source& fresh) {
  std::set<std::string> keys;
  for (const auto& [k, v] : running) keys.insert(k);
  for (const auto& [k, v] : fresh) keys.insert(k);
  reload_plan plan;
  for (const auto& k : keys) {
    const auto a = running.find(k), b = fresh.find(k);
    const bool same = a != running.end() && b != fresh.end() && a->second == b->second;
    if (same) continue;
    (is_reloadable(k) ? plan.changed : plan.refused).push_back(k);
  }
  return plan;
}

}  // namespace lapor::gateway
