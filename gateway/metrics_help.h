// HELP texts of the free-form gauges that channels and forwarders set by name
// (metrics::set_gauge). Prometheus' linter (promtool check metrics) wants a HELP line for
// every family, and an operator reading /metrics wants to know what a series means.
#pragma once

#include <string_view>

namespace lapor::gateway {

// The text for a family such as "lapor_smpp_binds"; a generic one for a family not listed.
[[nodiscard]] std::string_view free_gauge_help(std::string_view family) noexcept;

}  // namespace lapor::gateway
