#include <algorithm>
#include <filesystem>
#include <initializer_list>
#include <string_view>

#include <fmt/format.h>
#include <toml++/toml.h>

#include "ats/core/toml_file.hpp"
#include "ats/watchdog/watchdog.hpp"

namespace ats::watchdog {

Result<WatchdogConfig> load_watchdog_config(const std::string& path) {
    auto parsed = read_toml_file(path);
    if (!parsed) {
        return tl::unexpected(parsed.error());
    }
    const toml::table& root = *parsed;
    const auto* top = root["watchdog"].as_table();
    if (top == nullptr) {
        return make_error(ErrorCode::kNotFound, fmt::format("{}: no [watchdog] table", path));
    }
    std::string error;
    const auto fail = [&](std::string message) {
        if (error.empty()) {
            error = fmt::format("{}: {}", path, message);
        }
    };
    const auto check_keys = [&](const toml::table& t,
                                std::initializer_list<std::string_view> keys,
                                std::string_view where) {
        for (const auto& [k, _] : t) {
            if (std::find(keys.begin(), keys.end(), k.str()) == keys.end()) {
                fail(fmt::format("[{}] unknown key '{}'", where, k.str()));
            }
        }
    };
    for (const auto& [k, _] : root) {
        if (k.str() != "watchdog" && k.str() != "session") {
            fail(fmt::format("unknown table '{}' (expected [watchdog] and [[session]])", k.str()));
        }
    }
    const auto str =
        [&](const toml::table& t, const char* key, std::string& into, std::string_view where) {
            if (const auto* n = t.get(key)) {
                const auto v = n->value<std::string>();
                if (!v || v->empty()) {
                    fail(fmt::format("[{}] {}: expected a non-empty string", where, key));
                    return;
                }
                into = *v;
            }
        };
    const auto number = [&](const toml::table& t,
                            const char* key,
                            double lo,
                            double hi,
                            std::string_view where) -> std::optional<double> {
        const auto* n = t.get(key);
        if (n == nullptr) {
            return std::nullopt;
        }
        const auto v = n->value<double>();
        if (!v || !(*v >= lo && *v <= hi)) {
            fail(fmt::format("[{}] {}: expected a number in [{}, {}]", where, key, lo, hi));
            return std::nullopt;
        }
        return *v;
    };
    const auto boolean =
        [&](const toml::table& t, const char* key, bool& into, std::string_view where) {
            if (const auto* n = t.get(key)) {
                if (const auto v = n->value<bool>()) {
                    into = *v;
                } else {
                    fail(fmt::format("{} {}: expected true or false", where, key));
                }
            }
        };
    const auto seconds = [](double s) {
        return Duration::from_ns(static_cast<std::int64_t>(s * 1e9));
    };
    WatchdogConfig out;
    check_keys(
        *top,
        {"exchange",
         "keys",
         "ca_file",
         "check_seconds",
         "telegram",
         "telegram_credentials",
         "telegram_api"},
        "watchdog");
    str(*top, "exchange", out.exchange, "watchdog");
    str(*top, "keys", out.keys, "watchdog");
    str(*top, "ca_file", out.ca_file, "watchdog");
    str(*top, "telegram_api", out.telegram_api, "watchdog");
    std::string credentials;
    str(*top, "telegram_credentials", credentials, "watchdog");
    if (!credentials.empty()) {
        out.telegram_credentials = credentials;
    }
    boolean(*top, "telegram", out.telegram, "[watchdog]");
    if (auto v = number(*top, "check_seconds", 0.05, 3600, "watchdog")) {
        out.check_every = seconds(*v);
    }
    if (out.exchange.empty()) {
        fail("[watchdog] exchange: required (binance, testnet or http(s)://127.0.0.1:PORT)");
    }
    const auto* sessions = root["session"].as_array();
    if (sessions == nullptr || sessions->empty()) {
        fail("no [[session]] to watch");
    } else {
        for (const auto& node : *sessions) {
            const auto* t = node.as_table();
            if (t == nullptr) {
                fail("[[session]]: expected a table");
                continue;
            }
            WatchedSession s;
            check_keys(
                *t,
                {"state",
                 "redis",
                 "key",
                 "heartbeat_seconds",
                 "stale_seconds",
                 "max_drawdown",
                 "drift_tolerance",
                 "drift_seconds",
                 "flatten"},
                "session");
            str(*t, "state", s.state, "session");
            str(*t, "redis", s.redis, "session");
            str(*t, "key", s.key, "session");
            if (s.state.empty() && (s.redis.empty() || s.key.empty())) {
                fail("[[session]] state: required (the session's --state file), or redis and key");
            }
            if (s.key.empty() && !s.state.empty()) {
                s.key = "ats:live:" + std::filesystem::path(s.state).stem().string();
            }
            if (auto v = number(*t, "heartbeat_seconds", 0.5, 86400, "session")) {
                s.heartbeat_timeout = seconds(*v);
            }
            if (auto v = number(*t, "stale_seconds", 0.5, 7 * 86400, "session")) {
                s.stale_after = seconds(*v);
            }
            if (auto v = number(*t, "max_drawdown", 1e-6, 1.0, "session")) {
                s.max_drawdown = *v;
            }
            if (auto v = number(*t, "drift_tolerance", 0, 1e12, "session")) {
                s.drift_tolerance = *v;
            }
            if (auto v = number(*t, "drift_seconds", 0.1, 86400, "session")) {
                s.drift_grace = seconds(*v);
            }
            boolean(*t, "flatten", s.flatten, "[[session]]");
            out.sessions.push_back(std::move(s));
        }
    }
    if (!error.empty()) {
        return make_error(ErrorCode::kInvalidArgument, error);
    }
    return out;
}

}  // namespace ats::watchdog
