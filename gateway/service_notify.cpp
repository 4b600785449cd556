#include "gateway/service_notify.h"

#if LAPOR_HAVE_LIBSYSTEMD
#include <systemd/sd-daemon.h>
#endif

namespace lapor::gateway::service_notify {

#if LAPOR_HAVE_LIBSYSTEMD

bool available() noexcept { return true; }

// unset_environment = 0: the variables stay for the watchdog timer and for a re-exec; the
// daemon starts no children that could mistake them for their own (WATCHDOG_PID guards that).
// Errors are ignored: a lost datagram must not stop the daemon, and systemd's start or
// watchdog timeout then reports the problem where the operator looks.
void ready() noexcept { (void)sd_notify(0, "READY=1\nSTATUS=serving"); }
void stopping() noexcept { (void)sd_notify(0, "STOPPING=1\nSTATUS=stopping"); }
void watchdog() noexcept { (void)sd_notify(0, "WATCHDOG=1"); }

std::optional<std::chrono::microseconds> watchdog_period() noexcept {
  std::uint64_t usec = 0;
  if (sd_watchdog_enabled(0, &usec) <= 0 || usec == 0) return std::nullopt;
  return std::chrono::microseconds(static_cast<std::int64_t>(usec / 2));
}

#else

bool available() noexcept { return false; }
void ready() noexcept {}
void stopping() noexcept {}
void watchdog() noexcept {}
std::optional<std::chrono::microseconds> watchdog_period() noexcept { return std::nullopt; }

#endif

}  // namespace lapor::gateway::service_notify
