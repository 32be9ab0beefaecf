#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "ats/core/fixed_point.hpp"
#include "ats/core/symbol.hpp"
#include "ats/core/time.hpp"
#include "ats/indicators/volatility.hpp"
#include "ats/model/bar.hpp"
#include "ats/model/events.hpp"

namespace ats::risk {

/// Every rule is optional; an unset rule does not apply.
struct RiskLimits {
    std::optional<Qty> max_position_qty;         ///< per asset, absolute
    std::optional<Money> max_position_notional;  ///< per asset, at the reference price
    std::optional<double> max_gross_exposure;    ///< sum of |positions| / equity, e.g. 1.0
    std::size_t max_open_orders = 50;            ///< working orders across all assets
    std::optional<double> max_daily_loss_pct;    ///< halts entries until the next UTC day
    std::optional<double> max_drawdown_pct;      ///< kill switch: halts, flattens, alerts
    std::optional<double> stop_loss_atr;         ///< protective stop k * ATR from entry
    std::optional<double> take_profit_atr;       ///< target k * ATR from entry
    std::optional<double> trailing_stop_atr;     ///< stop follows the close at k * ATR
    std::optional<double> trailing_stop_pct;     ///< stop follows the close at this % (0.05 = 5%)
    int atr_period = 14;
    std::optional<Duration> cooldown_after_stop;  ///< no new entry on the symbol for this long
};

/// kInvalidArgument naming the key ("max_drawdown_pct must be in (0, 1]") for a value outside
/// its range: the same rules for the TOML [risk] table, the dashboard and the API.
Status validate(const RiskLimits& limits);

/// The account as the risk engine needs it at a decision.
struct AccountView {
    Money equity;
    Qty position;           ///< signed, of the order's symbol
    Price reference_price;  ///< last close of the order's symbol
    std::size_t open_orders = 0;
    Money gross_exposure;  ///< sum of |market values|
};

/// Where the protective stop and target of a position should be.
struct ProtectiveLevels {
    std::optional<Price> stop;
    std::optional<Price> target;
};

/// Pre-trade checks and ongoing risk. Entries are checked against every limit; exits
/// (reduce_only) are always allowed, even when halted. Each rejection carries the rule's name and
/// numbers. The owner (the engine) turns decisions into events and orders.
/// The risk state worth persisting and reconciling: kill switch, daily loss, high-water mark,
/// cooldowns.
struct RiskState {
    bool halted = false;
    std::string halt_reason;
    bool day_halted = false;
    std::optional<std::int64_t> day;  ///< UTC day number of the daily-loss window
    Money day_start_equity;
    std::optional<Money> equity_high_water_mark;
    std::vector<std::pair<Symbol, Timestamp>> cooldowns;  ///< entries blocked until then
};

class RiskManager {
public:
    explicit RiskManager(RiskLimits limits);

    const RiskLimits& limits() const noexcept { return limits_; }
    /// New limits from now on (an operator's change); the state (halts, peak, day, ATRs,
    /// stops, cooldowns) is kept. An ATR period change restarts the ATRs.
    void set_limits(const RiskLimits& limits);

    /// nullopt: approved; otherwise the reason for SignalRejected.
    std::optional<std::string> check(
        const model::RiskCheck& check, const AccountView& account, Timestamp now) const;

    /// The account's equity when trading starts (the first day's reference for the daily loss).
    void start(Money equity);
    /// After a bar closed: updates ATR, the day's starting equity, the equity peak and trailing
    /// levels. Returns a critical alert text when the drawdown kill switch fires (once), or a
    /// warning when the daily loss limit halts entries. The daily loss is measured from the last
    /// equity before the UTC day boundary (the previous close), so the first bar of a day counts
    /// and daily bars can trigger it.
    std::optional<model::AlertLogged> on_bar(
        const Symbol& symbol, const model::Bar& bar, Money equity, Timestamp now);
    /// A bar seen while warming up (trading off, e.g. history after a restart): indicators only.
    /// Equity, daily loss and the kill switch are not judged on warm-up marks.
    void on_warmup_bar(const Symbol& symbol, const model::Bar& bar);

    /// A position was opened or added to at `entry`: computes its stop and target (if configured).
    ProtectiveLevels on_entry(const Symbol& symbol, Side side, Price entry);
    /// Trailing update for an open position after a bar; returns the new stop when it moved by at
    /// least one tick in the position's favour.
    std::optional<Price> trail(const Symbol& symbol, Side side, Price close, Price tick);
    /// The position is gone (closed by a stop, a target or a signal).
    void on_exit(const Symbol& symbol, bool by_stop, Timestamp now);

    /// ATR is tracked when a rule needs it; call this when something else does (vol_target sizing).
    void require_atr() noexcept { needs_atr_ = true; }

    /// Emergency stop: halts all entries for good.
    void emergency_stop(std::string reason);
    bool halted() const noexcept { return halted_; }
    bool halted_for_day() const noexcept { return day_halted_; }
    const std::string& halt_reason() const noexcept { return halt_reason_; }
    std::optional<double> atr(const Symbol& symbol) const;
    RiskState state() const;
    /// Restores what a restart must not forget (the state store keeps it): a halt stays a halt, a
    /// daily halt holds for its day, the high-water mark and cooldowns never go back.
    void restore(const RiskState& saved);

private:
    struct SymbolState {
        Symbol symbol;
        indicators::Atr atr;
        std::optional<Price> stop;
        std::optional<Timestamp> cooldown_until;
    };
    SymbolState& state(const Symbol& symbol);
    const SymbolState* find(const Symbol& symbol) const;

    RiskLimits limits_;
    std::vector<SymbolState> states_;
    bool needs_atr_ = false;
    bool halted_ = false;
    std::string halt_reason_;
    bool day_halted_ = false;
    std::optional<std::int64_t> day_;  // UTC day number
    Money day_start_equity_;
    std::optional<Money> last_equity_;  // at the last close judged
    std::optional<Money> peak_;
};

}  // namespace ats::risk
