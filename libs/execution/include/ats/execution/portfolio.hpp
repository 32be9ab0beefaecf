#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "ats/core/error.hpp"
#include "ats/core/fixed_point.hpp"
#include "ats/core/side.hpp"
#include "ats/core/symbol.hpp"
#include "ats/core/time.hpp"
#include "ats/model/order.hpp"

namespace ats::execution {

/// One symbol's holding. `qty` is the open trade's quantity and `dust` what a closed trade left
/// behind that the exchange would not trade (a base-asset commission's remainder below the lot
/// step or the minimums). Dust is valued at the mark but belongs to no trade, so it never moves
/// the next trade's average price. `cost_basis` is the signed quote amount paid for `qty`
/// (negative for shorts) and `dust_cost` the part of earlier trades' cost that stayed in the
/// dust; realized P&L is before fees.
struct Position {
    Symbol symbol;
    Qty qty;  ///< signed, the open trade
    Money cost_basis;
    Money realized_pnl;
    Money fees;
    std::optional<Price> mark;  ///< last price marked (a bar close)
    /// Sum of price.raw * qty.raw over the open quantity, exact (scaled down proportionally on
    /// partial exits), so a position opened by one fill has exactly that fill's price.
    detail::Int128 open_value = 0;
    Qty dust;  ///< signed
    Money dust_cost;

    /// What the account holds: the trade and the dust.
    Qty total() const { return qty + dust; }
    /// Volume-weighted entry price of the open trade (half-even); zero when flat.
    Price average_entry() const;
    /// total() * mark (signed), zero before the first mark.
    Money market_value() const;
    Money unrealized_pnl() const { return market_value() - cost_basis - dust_cost; }
};

/// A closed round trip: the position went from flat to flat (a flip closes one and opens another).
struct ClosedTrade {
    Symbol symbol;
    Side side = Side::kBuy;  ///< kBuy: long trade
    Timestamp entry_time;
    Price entry_price;  ///< volume-weighted over entry fills
    Timestamp exit_time;
    Price exit_price;  ///< volume-weighted over exit fills
    Qty qty;
    Money pnl_gross;
    Money fees;  ///< entry and exit fees
    Money pnl_net() const { return pnl_gross - fees; }
};

/// Multi-asset portfolio in one quote asset (e.g. USDT). Applies fills exactly in fixed point and
/// after every fill checks, independently of its own bookkeeping, that each position (trade plus
/// dust) equals the sum of its fills, that cash equals the initial cash plus the signed fill flows
/// minus fees, and that equity = initial cash + realized + unrealized - fees. A mismatch is a bug:
/// ATS_CHECK aborts.
///
/// Range: a fill is refused (kOutOfRange, nothing changed) when its notional or an exact running
/// sum would overflow, or when a position would exceed kMaxPositionUnits; within that range
/// every value the portfolio reports (market values at any 64-bit price, equity) fits.
class Portfolio {
public:
    /// Largest |position| in base units: 1e18 (every real coin's supply is far below it).
    static constexpr std::int64_t kMaxPositionUnits = 1'000'000'000'000'000'000;

    explicit Portfolio(Money initial_cash, std::string quote_asset = "USDT");

    /// Lot rules of a symbol, for dust: after a fill that reduces a position, a remainder that
    /// rounds down to less than one `step` or below `min_qty`, or whose value at the fill price is
    /// below `min_notional`, closes the trade and stays as dust. Without rules only zero closes.
    void set_lot_rules(const Symbol& symbol, Qty step, Qty min_qty, Money min_notional);

    Money initial_cash() const noexcept { return initial_cash_; }
    Money cash() const noexcept { return cash_; }
    /// cash + sum of market values.
    Money equity() const;
    Money realized_pnl() const;
    Money unrealized_pnl() const;
    Money fees() const noexcept { return fees_; }
    /// Sum over positions of |market value|.
    Money gross_exposure() const;
    /// Sum of |fill notionals|: a statistic (turnover), kept in double so it cannot overflow.
    double traded_notional() const noexcept { return traded_notional_; }
    const std::string& quote_asset() const noexcept { return quote_asset_; }

    const Position* position(const Symbol& symbol) const;
    /// What the account holds of `symbol` (the trade and the dust), signed.
    Qty position_qty(const Symbol& symbol) const;
    const std::vector<Position>& positions() const noexcept { return positions_; }
    const std::vector<ClosedTrade>& closed_trades() const noexcept { return closed_; }

    /// Applies a fill. kOutOfRange when an amount overflows (the portfolio is unchanged then).
    Status apply_fill(const model::Fill& fill);
    /// Marks a symbol at a price (a bar close).
    void mark(const Symbol& symbol, Price price);

private:
    struct OpenTrade {
        bool open = false;
        Side side = Side::kBuy;
        Timestamp entry_time;
        Qty entry_qty;
        detail::Int128 entry_value = 0;  // sum of price.raw * qty.raw, exact
        Timestamp exit_time;
        Qty exit_qty;
        detail::Int128 exit_value = 0;
        Money pnl_gross;
        Money fees;
    };
    struct Ledger {  // independent running sums for the reconciliation check
        Qty fill_qty;
    };
    struct LotRules {
        Symbol symbol;
        Qty step;
        Qty min_qty;
        Money min_notional;
    };

    Position& position_for(const Symbol& symbol);
    void check_invariants(std::size_t index) const;
    Status apply_quote_fill(const model::Fill& fill);
    bool is_dust(const Symbol& symbol, Qty qty, Price price) const;

    std::string quote_asset_;
    Money initial_cash_;
    Money cash_;
    Money fees_;
    Money flows_;  // signed sum of fill notionals (sells positive)
    double traded_notional_ = 0;
    std::vector<Position> positions_;
    std::vector<OpenTrade> open_trades_;
    std::vector<Ledger> ledgers_;
    std::vector<ClosedTrade> closed_;
    std::vector<LotRules> lot_rules_;
};

}  // namespace ats::execution
