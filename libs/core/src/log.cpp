#include "ats/core/log.hpp"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <memory>
#include <mutex>
#include <vector>

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

namespace ats::log {
namespace {

struct State {
    std::mutex mu;
    std::vector<std::string> secrets;  // Guarded by mu.
    std::shared_ptr<spdlog::logger> logger;
    std::atomic<Level> level{Level::kInfo};

    State() : logger(spdlog::stderr_color_mt("ats")) {
        logger->set_pattern("%Y-%m-%dT%H:%M:%S.%fZ %^%l%$ %v", spdlog::pattern_time_type::utc);
        logger->set_level(spdlog::level::trace);
    }
};

State& state() {
    static State s;
    return s;
}

spdlog::level::level_enum to_spdlog(Level level) {
    switch (level) {
        case Level::kTrace:
            return spdlog::level::trace;
        case Level::kDebug:
            return spdlog::level::debug;
        case Level::kInfo:
            return spdlog::level::info;
        case Level::kWarn:
            return spdlog::level::warn;
        case Level::kError:
            return spdlog::level::err;
        case Level::kOff:
            return spdlog::level::off;
    }
    return spdlog::level::info;
}

bool iequals_at(std::string_view text, std::size_t pos, std::string_view word) {
    if (pos + word.size() > text.size()) {
        return false;
    }
    for (std::size_t i = 0; i < word.size(); ++i) {
        if (std::tolower(static_cast<unsigned char>(text[pos + i])) != word[i]) {
            return false;
        }
    }
    return true;
}

bool is_value_char(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '_' || c == '.' ||
           c == '/' || c == '+' || c == '=' || c == '%';
}

// Field names (lower case) whose values are secrets, however they are joined to the value.
constexpr std::string_view kSecretFields[] = {
    "signature",
    "apikey",
    "api_key",
    "api-key",
    "apisecret",
    "api_secret",
    "secret_key",
    "secretkey",
    "x-mbx-apikey",
    "token",
    "password",
    "passphrase",
};

}  // namespace

void set_level(Level level) {
    state().level.store(level);
}
Level level() {
    return state().level.load();
}
bool enabled(Level level) {
    const Level current = state().level.load();
    return current != Level::kOff && level >= current;
}

void add_secret(std::string secret) {
    if (secret.size() < 4) {
        return;
    }
    State& s = state();
    const std::lock_guard lock(s.mu);
    s.secrets.push_back(std::move(secret));
}

std::string redact(std::string_view text) {
    std::string out(text);
    {
        State& s = state();
        const std::lock_guard lock(s.mu);
        for (const auto& secret : s.secrets) {
            for (auto pos = out.find(secret); pos != std::string::npos;
                 pos = out.find(secret, pos + 3)) {
                out.replace(pos, secret.size(), "***");
            }
        }
    }
    // Secret-looking fields: name, optional quote, separator (=, :, ": "), value.
    for (std::size_t i = 0; i < out.size(); ++i) {
        for (const auto field : kSecretFields) {
            if (!iequals_at(out, i, field)) {
                continue;
            }
            if (i > 0 && std::isalnum(static_cast<unsigned char>(out[i - 1])) != 0) {
                continue;
            }
            std::size_t j = i + field.size();
            while (j < out.size() && (out[j] == '"' || out[j] == '\'')) {
                ++j;
            }
            if (j >= out.size() || (out[j] != '=' && out[j] != ':')) {
                continue;
            }
            ++j;
            while (j < out.size() && (out[j] == ' ' || out[j] == '"' || out[j] == '\'')) {
                ++j;
            }
            std::size_t end = j;
            while (end < out.size() && is_value_char(out[end])) {
                ++end;
            }
            if (end > j && out.compare(j, end - j, "***") != 0) {
                out.replace(j, end - j, "***");
            }
            i = j;
            break;
        }
    }
    // Telegram bot tokens: "bot" digits ':' 30+ token chars.
    for (auto pos = out.find("bot"); pos != std::string::npos; pos = out.find("bot", pos + 3)) {
        std::size_t j = pos + 3;
        const std::size_t digits_begin = j;
        while (j < out.size() && std::isdigit(static_cast<unsigned char>(out[j])) != 0) {
            ++j;
        }
        if (j - digits_begin < 6 || j >= out.size() || out[j] != ':') {
            continue;
        }
        const std::size_t token_begin = j + 1;
        std::size_t end = token_begin;
        while (end < out.size() && (std::isalnum(static_cast<unsigned char>(out[end])) != 0 ||
                                    out[end] == '_' || out[end] == '-')) {
            ++end;
        }
        if (end - token_begin >= 20) {
            out.replace(digits_begin, end - digits_begin, "***");
        }
    }
    return out;
}

void write(Level level, std::string_view message) {
    if (!enabled(level)) {
        return;
    }
    const std::string clean = redact(message);
    state().logger->log(to_spdlog(level), "{}", clean);
}

bool parse_level(std::string_view text, Level& out) {
    constexpr std::pair<std::string_view, Level> kNames[] = {
        {"trace", Level::kTrace},
        {"debug", Level::kDebug},
        {"info", Level::kInfo},
        {"warn", Level::kWarn},
        {"error", Level::kError},
        {"off", Level::kOff},
    };
    const auto it = std::find_if(
        std::begin(kNames), std::end(kNames), [text](const auto& p) { return p.first == text; });
    if (it == std::end(kNames)) {
        return false;
    }
    out = it->second;
    return true;
}

}  // namespace ats::log
