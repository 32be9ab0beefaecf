#pragma once

#include <cstdint>
#include <string>

namespace ats::cli {

/// Flags of `ats watchdog` (docs/operations.md).
struct WatchdogArgs {
    std::string config = "watchdog.toml";
    std::uint64_t max_rounds = 0;  ///< stop after N rounds of checks (0: until SIGTERM/SIGINT)
};

/// Watches live sessions from outside and stops them on a failure; exit 0 when stopped by a
/// signal or after --max-rounds, 2 for a bad config.
int run_watchdog_command(const WatchdogArgs& args);

}  // namespace ats::cli
