#include "watchdog_command.hpp"

#include <cstdio>

#include <fmt/format.h>

#include "ats/core/clock.hpp"
#include "ats/watchdog/watchdog.hpp"

#include "cli_common.hpp"
#include "exit_codes.hpp"

namespace ats::cli {

int run_watchdog_command(const WatchdogArgs& args) {
    const std::atomic<bool>& stop = stop_on_signals();
    auto config = watchdog::load_watchdog_config(args.config);
    if (!config) {
        return fail(
            config.error().message,
            config.error().code == ErrorCode::kNotFound ? kExitIo : kExitUsage);
    }
    auto keys = load_api_keys(
        config->keys.empty() ? std::nullopt : std::optional<std::string>(config->keys));
    if (!keys) {
        return fail(keys.error().message, kExitUsage);
    }
    config->api_key = keys->key;
    config->api_secret = keys->secret;
    fmt::print(
        "watchdog: {} session(s) on {}, checks every {:.1f} s\n",
        config->sessions.size(),
        config->exchange,
        static_cast<double>(config->check_every.ns()) / 1e9);
    std::fflush(stdout);
    RealClock wall;
    auto stats =
        watchdog::run_watchdog(*config, &stop, args.max_rounds, [&](const std::string& line) {
            fmt::print("{} {}\n", wall.now().to_iso8601(), line);
            std::fflush(stdout);
        });
    if (!stats) {
        return fail(stats.error().message, exit_code_for(stats.error()));
    }
    fmt::print("watchdog: {} rounds, {} emergency stops\n", stats->rounds, stats->emergencies);
    return kExitOk;
}

}  // namespace ats::cli
