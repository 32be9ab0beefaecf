#pragma once

#include <string>
#include <string_view>
#include <utility>

#include <fmt/format.h>

namespace ats::log {

enum class Level : unsigned char { kTrace, kDebug, kInfo, kWarn, kError, kOff };

/// Logging facade over spdlog (kept out of this header). Every message passes through redact()
/// before it is written, so registered secrets and secret-looking fields never reach a log.
/// Thread-safe.
void set_level(Level level);
Level level();
bool enabled(Level level);
void write(Level level, std::string_view message);

/// Registers a secret (API key, token). From then on every occurrence in a log line is replaced
/// by "***". Secrets shorter than 4 chars are ignored (they would mask ordinary text).
void add_secret(std::string secret);

/// Masks registered secrets, values of secret-looking fields ("signature=", "apiKey=",
/// "api_secret", "X-MBX-APIKEY:", "token=", "password=") and Telegram bot tokens ("bot123:AA..").
std::string redact(std::string_view text);

/// Parses "trace", "debug", "info", "warn", "error", "off".
bool parse_level(std::string_view text, Level& out);

template <class... Args>
void trace(fmt::format_string<Args...> f, Args&&... args) {
    if (enabled(Level::kTrace)) {
        write(Level::kTrace, fmt::format(f, std::forward<Args>(args)...));
    }
}
template <class... Args>
void debug(fmt::format_string<Args...> f, Args&&... args) {
    if (enabled(Level::kDebug)) {
        write(Level::kDebug, fmt::format(f, std::forward<Args>(args)...));
    }
}
template <class... Args>
void info(fmt::format_string<Args...> f, Args&&... args) {
    if (enabled(Level::kInfo)) {
        write(Level::kInfo, fmt::format(f, std::forward<Args>(args)...));
    }
}
template <class... Args>
void warn(fmt::format_string<Args...> f, Args&&... args) {
    if (enabled(Level::kWarn)) {
        write(Level::kWarn, fmt::format(f, std::forward<Args>(args)...));
    }
}
template <class... Args>
void error(fmt::format_string<Args...> f, Args&&... args) {
    if (enabled(Level::kError)) {
        write(Level::kError, fmt::format(f, std::forward<Args>(args)...));
    }
}

}  // namespace ats::log
