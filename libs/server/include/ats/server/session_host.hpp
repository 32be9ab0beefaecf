#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ats/core/error.hpp"
#include "ats/model/ports.hpp"
#include "ats/runtime/session_control.hpp"
#include "ats/strategy/strategy.hpp"

namespace ats::runtime {
struct TradingSetup;
}

namespace ats::server {

class Hub;

/// What a user asks for when starting a session (POST /api/v1/sessions), as kept in the host's
/// registry so a restarted server re-attaches to it.
struct SessionSpec {
    std::string id;              ///< assigned by the host: "s1", "s2", ...
    std::string mode = "paper";  ///< paper | live
    std::vector<std::string> assets;
    std::string feed;      ///< paper: "replay:FILE[,FILE]" or "live:TARGET"
    std::string exchange;  ///< live: binance | testnet | http(s)://HOST:PORT
    std::string confirm;   ///< live on a real exchange: the exchange's name typed by the user
    std::string strategy = "sma_cross";
    strategy::Params params;
    std::string speed = "max";             ///< replay pace: "max" or "60x"
    std::string interval = "1m";           ///< live feeds
    std::optional<std::string> config;     ///< TOML text in the backtest format (fees, risk, ...)
    std::optional<std::string> model;      ///< `ml`: model directory
    std::optional<std::string> risk_json;  ///< risk limits on top of the config
    std::string created_by;
    std::int64_t created_ms = 0;
    std::string status = "running";  ///< in the registry: running | stopped | finished | failed

    std::string to_json() const;
    /// kInvalidArgument naming the field for anything malformed (unknown keys included).
    static Result<SessionSpec> from_json(std::string_view text);
};

/// The strategy, engine and venue settings of a session (its config, strategy, parameters and
/// risk limits), as the session runs them.
Result<runtime::TradingSetup> trading_setup(const SessionSpec& spec);

struct HostOptions {
    std::string sessions_dir = "sessions";  ///< state files and the registry (sessions.json)
    /// Replay feeds and models must lie inside one of these directories (no other file of the
    /// machine can be read through the API).
    std::vector<std::string> data_roots;
    std::string api_key;  ///< live trading (never shown anywhere)
    std::string api_secret;
    std::optional<std::string> ca_file;
    model::Notifier* notifier = nullptr;  ///< alerts of every session (e.g. Telegram)
};

/// Runs paper and live sessions for the dashboard, each in its own thread with its own state
/// file, through the same runtime code as `ats paper` and `ats live`. Commands are queued to a
/// session and applied by its own thread between bars. What sessions do is published to the hub
/// (topics status, bars, fills, orders, positions, equity, alerts) and kept in a view the API
/// reads; a slow reader never slows a session (publishing only queues).
class SessionHost {
public:
    SessionHost(HostOptions options, Hub& hub);
    ~SessionHost();  ///< stops every session (state saved) and joins them
    SessionHost(const SessionHost&) = delete;
    SessionHost& operator=(const SessionHost&) = delete;

    /// Validates and starts; returns the id. kInvalidArgument naming the field (a feed outside the
    /// data directories, real money without the typed confirmation, a bad strategy, ...).
    Result<std::string> start(SessionSpec spec);
    /// Sessions the registry says were running: started again on their state files (they resume).
    std::vector<std::string> resume_all();
    /// Starts an ended (stopped, finished, failed) session again on its state file: it resumes
    /// where it was. kFailedPrecondition while it runs.
    Result<std::string> restart(const std::string& id);
    /// Asks a session to stop (state saved); it ends within a bar.
    Status stop(const std::string& id);
    /// Queues a command; kNotFound for an unknown id, kFailedPrecondition when it is not running.
    Status command(const std::string& id, runtime::SessionCommand command);
    /// Emergency stop of every running session; returns how many got it.
    std::size_t emergency_stop_all(const std::string& reason);

    std::vector<std::string> ids() const;
    bool exists(const std::string& id) const;
    /// JSON views: "summary", "positions", "orders", "trades", "balances", "equity", "alerts",
    /// "fills", "bars" (`symbol` chooses one), "risk", "snapshot" (everything the UI shows).
    std::optional<std::string> view(
        const std::string& id, std::string_view what, std::string_view symbol = {}) const;
    /// The spec a session was started with (for the session-vs-simulation comparison).
    std::optional<SessionSpec> spec(const std::string& id) const;
    /// The fills a session made, as JSON rows, and its bars per symbol (for the comparison).
    std::optional<std::string> fills_json(const std::string& id) const;

    /// Resolves a user-given path against the data directories; kInvalidArgument when it falls
    /// outside them (or does not exist).
    Result<std::string> resolve_data_path(const std::string& path) const;

private:
    struct Session;
    Status save_registry() const;  // mu_ held
    Result<std::string> launch(SessionSpec spec, bool resume);

    HostOptions options_;
    Hub& hub_;
    mutable std::mutex mu_;
    std::map<std::string, std::shared_ptr<Session>> sessions_;  // Guarded by mu_
    std::uint64_t next_id_ = 1;                                 // Guarded by mu_
    bool shutting_down_ = false;                                // Guarded by mu_
};

}  // namespace ats::server
