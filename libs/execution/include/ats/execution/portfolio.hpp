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

/// One symbol's holding. `cost_basis` is the signed quote amount paid for the open quantity
/// (negative for shorts); realized P&L is before fees.
struct Position {
    Symbol symbol;
    Qty qty;  ///< signed
    Money cost_basis;
    Money realized_pnl;
    Money fees;
    std::optional<Price> mark;  ///< last price marked (a bar close)
    /// Sum of price.raw * qty.raw over the open quantity, exact (scaled down proportionally on
    /// partial exits), so a position opened by one fill has exactly that fill's price.
    detail::Int128 open_value = 0;

    /// Volume-weighted entry price of the open quantity (half-even); zero when flat.
    Price average_entry() const;
    /// qty * mark (signed), zero before the first mark.
    Money market_value() const;
    Money unrealized_pnl() const { return market_value() - cost_basis; }
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
/// after every fill checks, independently of its own bookkeeping, that each position equals the
/// sum of its fills, that cash equals the initial cash plus the signed fill flows minus fees, and
/// that equity = initial cash + realized + unrealized - fees. A mismatch is a bug: ATS_CHECK
/// aborts.
class Portfolio {
public:
    explicit Portfolio(Money initial_cash, std::string quote_asset = "USDT");

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

    Position& position_for(const Symbol& symbol);
    void check_invariants(std::size_t index) const;

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
};

}  // namespace ats::execution
