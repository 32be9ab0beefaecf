#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ats/core/error.hpp"
#include "ats/core/fixed_point.hpp"
#include "ats/core/time.hpp"

namespace ats::runtime {

/// What a running live session publishes beside its state file for outside watchers
/// (`ats watchdog`): `<state>.status.json`, replaced atomically (write + rename) after every
/// bar and about every second while the session waits (its heartbeat). The state file itself
/// is locked by the session; this file is the read-only window on it.
struct SessionStatus {
    std::int64_t pid = 0;
    std::int64_t heartbeat_ms = 0;  ///< wall clock of the last write
    std::int64_t started_ms = 0;
    std::vector<std::string> symbols;            ///< "BTCUSDT", ...
    std::string quote;                           ///< "USDT"
    std::map<std::string, std::string> base_of;  ///< symbol -> base asset
    std::int64_t interval_ms = 0;                ///< bar interval of the feed
    std::int64_t last_bar_ms = 0;  ///< wall clock when the last closed bar arrived (0: none)
    std::uint64_t bars = 0;
    /// Market time of the first and last closed bar the session traded on (0: none yet), over
    /// all its runs: the window a backtest of the same configuration is compared on.
    std::int64_t first_bar_open_ms = 0;
    std::int64_t last_bar_open_ms = 0;
    std::uint64_t fills = 0;  ///< fills of the session, all runs
    /// The session ended on purpose (--max-bars, a signal, a halt): not a frozen one. Its
    /// stops and targets may still be on the exchange.
    bool stopped = false;
    Money initial_cash;
    Money cash;
    Money equity;
    Money peak_equity;
    std::map<std::string, Qty> positions;      ///< by base asset
    std::map<std::string, Qty> held_at_start;  ///< the account's balances when the session began
};

std::string status_path(const std::string& state_path);
std::string halt_path(const std::string& state_path);

std::string to_json(const SessionStatus& status);
/// kParse for a malformed file (a watcher then reports it instead of guessing).
Result<SessionStatus> parse_session_status(const std::string& text);
/// Writes `<state>.status.json` atomically (a temporary file renamed over it).
Status write_session_status(const std::string& state_path, const SessionStatus& status);
/// kNotFound when the session never wrote one.
Result<SessionStatus> read_session_status(const std::string& state_path);

/// A stop ordered from outside the session (the watchdog's emergency stop): `<state>.halt`.
/// A live session that finds it stops trading at once and refuses to start again until an
/// operator has checked the account and deleted the file.
struct HaltMark {
    std::int64_t at_ms = 0;
    std::string by;      ///< "watchdog"
    std::string reason;  ///< what was caught
};

std::string to_json(const HaltMark& mark);
Result<HaltMark> parse_halt(const std::string& text);

/// Writes the mark durably (fsync'd, then renamed into place).
Status write_halt(const std::string& state_path, const HaltMark& mark);
/// nullopt when the session is not halted; kParse for a malformed mark (treat it as halted).
Result<std::optional<HaltMark>> read_halt(const std::string& state_path);

/// The same window through Redis, for a watcher on another machine: `<key>:status` holds the
/// status JSON, `<key>:halt` a halt mark. Connects lazily (short timeouts: a slow Redis must not
/// stall a trading loop) and after a failure retries at most every 5 s. Not thread-safe.
class RedisWindow {
public:
    /// kInvalidArgument for a bad redis:// URL.
    static Result<RedisWindow> create(const std::string& url, std::string key);
    RedisWindow(RedisWindow&&) noexcept;
    RedisWindow& operator=(RedisWindow&&) noexcept;
    ~RedisWindow();

    Status publish(const SessionStatus& status);
    /// kNotFound when no status was published under the key.
    Result<SessionStatus> read_status();
    Status write_halt(const HaltMark& mark);
    Result<std::optional<HaltMark>> read_halt();
    const std::string& key() const noexcept;

private:
    struct Impl;
    explicit RedisWindow(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace ats::runtime
