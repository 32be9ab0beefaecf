#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "ats/core/clock.hpp"
#include "ats/model/bar.hpp"
#include "ats/model/instrument.hpp"
#include "ats/model/order.hpp"
#include "ats/model/ports.hpp"
#include "ats/sim/models.hpp"

namespace ats::sim {

/// When market orders fill.
enum class MarketFill : std::uint8_t {
    kNextOpen,     ///< at the open of the bar after the decision (default, no look-ahead)
    kSignalClose,  ///< at the close of the decision bar (zero-latency idealisation)
};

struct BarVenueConfig {
    FeeModel fees;
    MarketFill market_fill = MarketFill::kNextOpen;
    /// Quote balance of the account (spot). When set, a buy whose notional + fee exceeds the
    /// free quote balance is rejected ("insufficient balance"), as a spot exchange does.
    std::optional<Money> quote_balance;
    /// Margin shorting: when false, a sell larger than the base held is rejected.
    bool allow_short = false;
};

/// A simulated exchange that fills orders against OHLC bars, for backtests.
///
/// Per bar of a symbol (`on_bar`, before strategies see the bar):
/// 1. market orders fill at the open (or, with kSignalClose, already at the decision bar's close);
/// 2. stop-market and stop-limit orders trigger when the range reaches the trigger: at the open
///    when the bar gaps through it, else at the trigger price;
/// 3. limit and take-profit orders fill when the range reaches their price (a limit filled at its
///    own price is a maker fill; one that is marketable at the open fills there as a taker).
/// Stops are evaluated before targets, so when a stop and a take-profit of one OCO group both lie
/// inside a bar the stop fills and the target is canceled: the conservative choice, since OHLC
/// does not tell which came first. Orders placed while a bar is being processed (e.g. a
/// protective stop after an entry at the open) are checked against the rest of that bar by
/// `on_bar_after_fills`, without the gap rule (their fill is at the trigger price).
/// Reduce-only orders (exits, stops, targets) never increase a position: the venue tracks each
/// symbol's net position from its own fills, caps a reduce-only fill at it, and cancels a
/// reduce-only order that would open or grow a position (e.g. a stop left over after a signal
/// exit filled at the same open). Slippage moves taker prices against the taker; a
/// volume-participation model caps the quantity per bar and leaves the rest working (partial
/// fills). All-in market buys are sized at the fill: qty = budget / (price * (1 + taker fee)),
/// rounded down to the step, then stepped down until notional + fee <= budget.
class BarVenue final : public model::ExecutionVenue {
public:
    BarVenue(
        const Clock& clock,
        model::EventSink& sink,
        BarVenueConfig config,
        std::unique_ptr<SlippageModel> slippage);

    void add_instrument(const model::Instrument& instrument);

    Status submit(const model::Order& order, std::optional<Money> quote_budget) override;
    Status cancel(const ClientOrderId& id) override;

    /// A new bar of `symbol`: fills what it can fill (steps 1 to 3 above).
    void on_bar(const Symbol& symbol, const model::Bar& bar);
    /// Checks orders placed since on_bar against the same bar (no gap rule).
    void on_bar_after_fills(const Symbol& symbol, const model::Bar& bar);
    /// After strategies acted on a bar: with kSignalClose, fills market orders at its close.
    void on_bar_close(const Symbol& symbol, const model::Bar& bar);

    std::size_t working_orders() const noexcept { return working_.size(); }
    /// Client ids of the working orders, in arrival order (for reconciliation).
    std::vector<ClientOrderId> working_order_ids() const;
    /// The venue's own net position of `symbol`, from its fills.
    Qty net_position(const Symbol& symbol) const;
    /// The quote balance when the account has one.
    std::optional<Money> quote_balance() const noexcept { return cash_; }

private:
    struct Working {
        ClientOrderId id;
        model::OrderRequest request;
        Qty remaining;
        std::optional<Money> budget;
        bool triggered = false;  // stop-limit turned limit
        bool placed_in_bar = false;
    };
    enum class Pass : std::uint8_t { kOpen, kAfterFills, kClose };

    void process(const Symbol& symbol, const model::Bar& bar, Pass pass);
    /// Fills up to `qty` of order `w` at `price`; returns false when the order was rejected.
    bool fill(Working& w, Price price, bool maker, const model::Bar& bar, Timestamp at);
    void cancel_group(std::uint32_t group, const ClientOrderId& except, Timestamp at);
    void reject(const Working& w, std::string_view reason, Timestamp at);
    const model::Instrument* instrument(const Symbol& symbol) const;
    Qty& position(const Symbol& symbol);

    const Clock& clock_;
    model::EventSink& sink_;
    BarVenueConfig config_;
    std::unique_ptr<SlippageModel> slippage_;
    std::vector<model::Instrument> instruments_;
    std::vector<Working> working_;
    std::vector<std::pair<Symbol, Qty>> positions_;  // net position per symbol, from fills
    std::optional<Money> cash_;                      // quote balance, from fills
    std::optional<Qty> bar_cap_;  // remaining volume-participation cap in the current bar
    bool in_bar_ = false;
};

}  // namespace ats::sim
