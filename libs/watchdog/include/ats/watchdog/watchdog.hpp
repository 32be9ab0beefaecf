#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "ats/core/error.hpp"
#include "ats/core/fixed_point.hpp"
#include "ats/core/time.hpp"
#include "ats/runtime/session_status.hpp"

namespace ats::watchdog {

/// One live session to watch, by its state file (read only: its `.status.json` beside it) and/or
/// through Redis (`ats live --redis`: `<key>:status`, `<key>:halt`), e.g. from another machine.
struct WatchedSession {
    std::string state;  ///< may be empty when `redis` is set
    std::string redis;  ///< redis://HOST:PORT, or empty
    std::string key;    ///< Redis key prefix (default ats:live:<state file stem>)
    /// No heartbeat for this long: the session is frozen or dead.
    Duration heartbeat_timeout = Duration::from_seconds(30);
    /// No closed bar for this long (0: three bar intervals plus 10 s).
    Duration stale_after;
    /// Drawdown of the account's value of the session (its quote and coins at the last price)
    /// from its peak, as a fraction.
    double max_drawdown = 0.2;
    /// Largest difference between the session's books and the account, in quote value, and how
    /// long it may last (0: one bar interval plus 10 s: an exchange-side stop that filled
    /// reaches the books within a bar).
    double drift_tolerance = 1.0;
    Duration drift_grace;
    /// The emergency stop also sells the session's coins at market.
    bool flatten = false;
};

struct WatchdogConfig {
    std::string exchange;    ///< binance, testnet or http(s)://127.0.0.1:PORT
    std::string keys;        ///< API key file (mode 0600), read by the CLI into the two below
    std::string api_key;     ///< never logged
    std::string api_secret;  ///< never logged
    std::string ca_file;
    Duration check_every = Duration::from_seconds(5);
    bool telegram = false;
    std::optional<std::string> telegram_credentials;
    std::string telegram_api = "https://api.telegram.org";
    std::vector<WatchedSession> sessions;
};

/// Reads `[watchdog]` and `[[session]]` tables; every key is checked (ranges, unknown keys).
Result<WatchdogConfig> load_watchdog_config(const std::string& path);

/// The account as the exchange reports it, for one session's assets.
struct AccountView {
    std::map<std::string, Qty> balances;  ///< free + locked, by asset
    std::map<std::string, Price> prices;  ///< last price, by symbol
};

/// What a session's checks remember between rounds.
struct WatchMemory {
    Money peak;                       ///< highest account value seen
    std::int64_t drift_since_ms = 0;  ///< since when books and account are apart (0: they agree)
};

/// The first failure of `session` now, else nullopt: no heartbeat, stale data, drawdown beyond
/// the limit, or books and account apart for longer than the grace (a fill can land between
/// the session's write and the account read). Pure: tests drive it directly.
std::optional<std::string> judge(
    const runtime::SessionStatus& status,
    const AccountView& account,
    const WatchedSession& session,
    Timestamp now,
    WatchMemory& memory);

/// The session's value in the account: its quote (what the account holds beyond what was there
/// before the session began) plus its coins at the last price.
Money account_value(const runtime::SessionStatus& status, const AccountView& account);

struct WatchdogStats {
    std::uint64_t rounds = 0;
    std::uint64_t emergencies = 0;
};

/// Watches the sessions of `config` until `stop` (or `max_rounds` rounds, 0: no limit). On a
/// failure it stops the session from outside: cancels every open order of its symbols on the
/// account, sells its coins when `flatten`, writes the session's halt mark (a live session
/// stops at once and refuses to start again until it is removed) and alerts (`report`, and
/// Telegram when configured). A halted session is not watched.
Result<WatchdogStats> run_watchdog(
    const WatchdogConfig& config,
    const std::atomic<bool>* stop,
    std::uint64_t max_rounds,
    const std::function<void(const std::string&)>& report);

}  // namespace ats::watchdog
