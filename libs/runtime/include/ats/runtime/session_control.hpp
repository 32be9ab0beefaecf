#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ats/core/error.hpp"
#include "ats/core/symbol.hpp"
#include "ats/core/time.hpp"
#include "ats/risk/risk_manager.hpp"

namespace ats::engine {
class TradingEngine;
}  // namespace ats::engine

namespace ats::runtime {

/// An operator's command to a running session (the dashboard, a watchdog). Commands are applied
/// by the session's own thread between two bars, never in the middle of one; their orders are
/// eligible from the next bar. A paper session records each command with the number of bars
/// processed before it and applies it again at the same point when it replays after a restart,
/// so the replay regenerates the journal exactly.
struct SessionCommand {
    enum class Kind : std::uint8_t {
        kPauseEntries,   ///< no new entries; exits, stops and targets go on
        kResumeEntries,  ///< entries allowed again
        kClosePosition,  ///< a market exit of `fraction` of `symbol`'s position
        kEmergencyStop,  ///< cancel everything, flatten, halt for good (persisted)
        kSetRisk,        ///< new risk limits from now on
    };
    Kind kind = Kind::kPauseEntries;
    std::optional<Symbol> symbol;          ///< kClosePosition
    double fraction = 1.0;                 ///< kClosePosition, in (0, 1]
    std::optional<risk::RiskLimits> risk;  ///< kSetRisk
    std::string reason;                    ///< who asked and why, for the journal and alerts

    /// One JSON object; from_json(to_json()) gives the command back. kParse naming the field
    /// for anything else; kInvalidArgument for a fraction outside (0, 1].
    std::string to_json() const;
    static Result<SessionCommand> from_json(std::string_view text);
};

std::string_view to_string(SessionCommand::Kind kind) noexcept;

/// Risk limits as JSON (the keys of the TOML [risk] table; absent = unset), and back with the
/// same range checks as the TOML file (kInvalidArgument naming the key).
std::string risk_limits_json(const risk::RiskLimits& limits);
Result<risk::RiskLimits> parse_risk_limits_json(std::string_view text);

/// What a session reports after each step (from its own thread).
struct SessionStep {
    std::uint64_t bars = 0;  ///< bars processed in all (replayed ones included)
    bool replaying = false;  ///< rebuilding from the journal after a restart
    Timestamp time;          ///< the engine clock (the last bar's close)
    bool last = false;       ///< a replay feed's last bar
};

/// The link between a running session and whoever steers it. Both calls come from the session's
/// thread: `take_commands` at every step boundary (commands queued from other threads must be
/// handed over here), `on_step` after every step to read the engine (copy what is needed; the
/// engine must not be kept). Implementations guard their own state.
class SessionControl {
public:
    virtual ~SessionControl() = default;
    virtual std::vector<SessionCommand> take_commands() = 0;
    virtual void on_step(const engine::TradingEngine& engine, const SessionStep& step) = 0;
    /// Set (from any thread) when a command is queued or a stop is asked: a session waiting for
    /// its next bar wakes up to apply it.
    virtual const std::atomic<bool>& wake() const = 0;
};

/// Applies one command to the engine (the sessions' common code). Returns a line for the audit
/// and the alerts ("closed 50% of BTCUSDT", "nothing to close").
std::string apply_command(engine::TradingEngine& engine, const SessionCommand& command);

}  // namespace ats::runtime
