#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ats/bus/event_bus.hpp"
#include "ats/core/clock.hpp"
#include "ats/execution/order_manager.hpp"
#include "ats/execution/portfolio.hpp"
#include "ats/execution/sizing.hpp"
#include "ats/model/instrument.hpp"
#include "ats/model/ports.hpp"
#include "ats/risk/risk_manager.hpp"
#include "ats/strategy/strategy.hpp"

namespace ats::engine {

struct EngineConfig {
    Money initial_cash = Money::from_units(10'000);
    execution::Sizing sizing;
    risk::RiskLimits risk;
    bool allow_short = false;  ///< kShort signals open shorts; otherwise they only close longs
    std::string order_id_prefix = "ats";
    execution::RetryPolicy retry;
};

/// The one trading engine shared by backtest, paper and live: strategy, risk, order manager and
/// portfolio wired through the event bus. Only the clock and the venue differ between modes.
///
/// Flow (one thread, deterministic): MarketData -> strategy -> SignalGenerated -> sizing ->
/// RiskCheck -> OrderApproved | SignalRejected (+ AlertLogged) -> OrderPlaced -> venue ->
/// OrderFilled -> portfolio -> PositionUpdated (+ protective stop/target orders).
/// Signals: kLong opens a long when flat (closing a short first), kFlat closes, kShort closes a
/// long and, when shorts are allowed, opens a short. One working entry per symbol at a time.
class TradingEngine final : private strategy::StrategyContext {
public:
    TradingEngine(EngineConfig config, const Clock& clock, strategy::Strategy& strategy);

    /// The sink venues report into.
    model::EventSink& sink() noexcept { return bus_; }
    bus::EventBus& bus() noexcept { return bus_; }
    void set_venue(model::ExecutionVenue* venue) { orders_.set_venue(venue); }
    void set_notifier(model::Notifier* notifier) { notifier_ = notifier; }
    void add_instrument(const model::Instrument& instrument);

    /// Handles whatever venues and timers queued (fills at a bar's open, retries).
    void process_pending() {
        if (!bus_.empty() || orders_.retries_pending() != 0) {
            drain_pending();
        }
    }
    /// A bar of `symbol` has closed (clock at its close): marks, risk, strategy, orders.
    void on_bar_closed(const Symbol& symbol, const model::Bar& bar);
    /// Marks `symbol` at its bar's close without running anything: a replay of several assets
    /// marks every close of a time step first, so risk and strategies see the equity at that
    /// time, not half of it.
    void mark_close(const Symbol& symbol, const model::Bar& bar);
    /// on_bar_closed after mark_close was already called for this bar.
    void on_marked_bar_closed(const Symbol& symbol, const model::Bar& bar);
    /// Trading on/off: while off (warm-up), bars update indicators but signals are ignored.
    void set_trading_enabled(bool enabled) { trading_enabled_ = enabled; }
    /// Books a fill an earlier run of this session recorded (a restart): portfolio and fill list
    /// only; no events, orders or protective orders. kInvalidArgument for a nonsense fill.
    Status restore_fill(const model::Fill& fill);
    /// Places the risk layer's protective stop/target for every open position (after fills were
    /// restored and the indicators warmed up). Protection adopted from an earlier run stays when
    /// it covers the whole position on the right side; else it is canceled and replaced.
    void protect_open_positions();
    /// Takes over a stop or take-profit order an earlier run left working on the exchange (a
    /// resume) as the protection of its symbol. kInvalidArgument for another order type.
    Status adopt_protective(const model::Order& order);
    /// Emergency stop: cancels every order, closes every position, halts entries. The one way
    /// an order may leave while trading is off (warm-up).
    void emergency_stop(const std::string& reason);
    /// Restores the risk state a restart must keep (halts, daily halt, high-water mark,
    /// cooldowns), from the state store.
    void restore_risk(const risk::RiskState& saved);

    /// Operator commands (the dashboard, a watchdog); each takes effect at once, its orders are
    /// eligible from the next bar.
    /// While paused no new entry is placed; exits, stops and targets go on.
    void set_entries_paused(bool paused) { entries_paused_ = paused; }
    bool entries_paused() const noexcept { return entries_paused_; }
    /// Closes `fraction` (0, 1] of the tradable position of `symbol` with a market exit; false
    /// when there is nothing to close.
    bool close_position(const Symbol& symbol, double fraction, std::string_view reason);
    /// New risk limits from now on; the risk state is kept.
    void set_risk_limits(const risk::RiskLimits& limits);

    const execution::Portfolio& portfolio() const noexcept { return portfolio_; }
    const execution::OrderManager& orders() const noexcept { return orders_; }
    const risk::RiskManager& risk() const noexcept { return risk_; }
    const strategy::Strategy& strategy() const noexcept { return strategy_; }
    const Clock& clock() const noexcept { return clock_; }
    std::uint64_t signals() const noexcept { return signals_; }
    /// Signals the sizing or the risk checks refused (SignalRejected).
    std::uint64_t rejections() const noexcept { return rejections_; }
    /// Orders that ended rejected, by the order manager's filters or by the venue.
    std::uint64_t order_rejections() const noexcept { return orders_.rejected(); }
    const std::vector<model::AlertLogged>& alerts() const noexcept { return alerts_; }
    /// Every fill applied to the portfolio, in order.
    const std::vector<model::Fill>& fills() const noexcept { return fills_; }

private:
    struct Protective {
        Symbol symbol;
        std::optional<ClientOrderId> stop;
        std::optional<ClientOrderId> target;
        Side side = Side::kBuy;           // side of the position being protected
        std::uint32_t group = 0;          // OCO group shared by stop and target
        std::optional<Price> stop_price;  // the levels last sent
        std::optional<Price> target_price;
    };
    struct LastBar {
        Symbol symbol;
        Price close;
    };

    // StrategyContext
    Timestamp now() const override { return clock_.now(); }
    /// Strategies see the tradable position: dust a base-asset commission left is flat.
    Qty position(const Symbol& symbol) const override { return tradable_position(symbol); }
    void signal(
        const Symbol& symbol,
        model::Direction direction,
        double strength,
        double confidence,
        std::string_view reason) override;

    void drain_pending();
    void dispatch(const model::Event& event);
    void on_signal(const model::SignalGenerated& s);
    void on_risk_check(const model::RiskCheck& c);
    void on_fill(const model::OrderFilled& f);
    void request_exit(const Symbol& symbol, std::string_view reason);
    void place_protective(const Symbol& symbol, Side side, Price entry);
    /// Sends a stop and/or a target protecting `qty` of a `side` position (one OCO group when
    /// both).
    void emit_protective(
        const Symbol& symbol,
        Side side,
        Qty qty,
        std::optional<Price> stop,
        std::optional<Price> target,
        std::string_view stop_why);
    void cancel_protective(const Symbol& symbol);
    /// A protective order ended (rejected or canceled): stop tracking it.
    void forget_protective(const Symbol& symbol, const ClientOrderId& id);
    Protective& protective(const Symbol& symbol);
    Price last_close(const Symbol& symbol) const;
    /// The position the engine can trade: rounded toward zero to the lot step, and zero when the
    /// rest is dust the exchange would refuse (below min_qty or, at the last close, below
    /// min_notional), as a base-asset fee leaves after a full exit. Entries, exits and protective
    /// orders are decided on this quantity; the portfolio still values the dust.
    Qty tradable_position(const Symbol& symbol) const;
    void flatten_all(std::string_view reason);

    EngineConfig config_;
    const Clock& clock_;
    strategy::Strategy& strategy_;
    bus::EventBus bus_;
    execution::Portfolio portfolio_;
    execution::OrderManager orders_;
    risk::RiskManager risk_;
    model::Notifier* notifier_ = nullptr;
    std::vector<Protective> protective_;
    std::vector<Symbol> reprotect_;  ///< positions to protect when the queue is drained
    std::vector<LastBar> last_bars_;
    std::uint32_t next_oco_group_ = 1;
    bool trading_enabled_ = true;
    bool emergency_ = false;
    bool entries_paused_ = false;
    std::uint64_t signals_ = 0;
    std::uint64_t rejections_ = 0;
    std::vector<model::AlertLogged> alerts_;
    std::vector<model::Fill> fills_;
};

}  // namespace ats::engine
