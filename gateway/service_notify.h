// The service manager's notification protocol (sd_notify(3)): READY=1 once the daemon serves,
// STOPPING=1 when it begins to stop, WATCHDOG=1 while its event loop runs. The service
// manager (systemd, Type=notify) names the socket in NOTIFY_SOCKET and the watchdog period in
// WATCHDOG_USEC; without them every call does nothing, so a daemon run by hand or by a test
// behaves as before. Built on libsystemd when it was found at configure time; otherwise the
// calls do nothing and `available()` says so.
#pragma once

#include <chrono>
#include <optional>

namespace lapor::gateway::service_notify {

// False when built without libsystemd: then a unit with Type=notify would never start.
[[nodiscard]] bool available() noexcept;

// Every listener is bound and the outbox resumed: the unit is "active (running)".
void ready() noexcept;
// SIGTERM/SIGINT arrived: the unit is "deactivating" while the daemon drains.
void stopping() noexcept;
// One keep-alive ping; send it from the event loop, so a wedged loop misses it.
void watchdog() noexcept;

// The period at which to call watchdog() (half of WATCHDOG_USEC, as sd_watchdog_enabled(3)
// advises), or nullopt when no watchdog is asked for or it is meant for another process.
[[nodiscard]] std::optional<std::chrono::microseconds> watchdog_period() noexcept;

}  // namespace lapor::gateway::service_notify
