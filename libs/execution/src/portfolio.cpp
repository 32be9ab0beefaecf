#include "ats/execution/portfolio.hpp"

#include <algorithm>

#include "ats/core/check.hpp"

namespace ats::execution {
namespace {

using detail::Int128;

// a * num / den (den > 0) rounded half-even, for proportional cost removal.
Money scale(Money a, Qty num, Qty den) {
    const Int128 n = static_cast<Int128>(a.raw()) * num.raw();
    const Int128 q = detail::div_round(n, den.raw(), Round::kHalfEven);
    ATS_CHECK(detail::fits_int64(q), "cost basis overflow");
    return Money::from_raw(static_cast<std::int64_t>(q));
}

Money must(Result<Money> r) {
    ATS_CHECK(r.has_value(), "portfolio arithmetic: {}", r ? "" : r.error().message);
    return *r;
}

// Volume-weighted price from the exact sum of price*qty (raw units): exactly the fill price for
// a single fill.
Price vwap(Int128 value, Qty qty) {
    if (qty.is_zero()) {
        return Price{};
    }
    const Int128 q = detail::div_round(value, qty.raw(), Round::kHalfEven);
    ATS_CHECK(detail::fits_int64(q), "average price overflow");
    return Price::from_raw(static_cast<std::int64_t>(q));
}

}  // namespace

Price Position::average_entry() const {
    if (qty.is_zero()) {
        return Price{};
    }
    Int128 q = detail::div_round(
        open_value < 0 ? -open_value : open_value, qty.abs().raw(), Round::kHalfEven);
    ATS_CHECK(detail::fits_int64(q), "average entry overflow");
    return Price::from_raw(static_cast<std::int64_t>(q));
}

Money Position::market_value() const {
    if (!mark || qty.is_zero()) {
        return Money{};
    }
    return must(notional(*mark, qty, Round::kHalfEven));
}

Portfolio::Portfolio(Money initial_cash, std::string quote_asset)
    : quote_asset_(std::move(quote_asset)), initial_cash_(initial_cash), cash_(initial_cash) {}

Money Portfolio::equity() const {
    Money total = cash_;
    for (const auto& p : positions_) {
        total += p.market_value();
    }
    return total;
}

Money Portfolio::realized_pnl() const {
    Money total;
    for (const auto& p : positions_) {
        total += p.realized_pnl;
    }
    return total;
}

Money Portfolio::unrealized_pnl() const {
    Money total;
    for (const auto& p : positions_) {
        total += p.unrealized_pnl();
    }
    return total;
}

Money Portfolio::gross_exposure() const {
    Money total;
    for (const auto& p : positions_) {
        total += p.market_value().abs();
    }
    return total;
}

const Position* Portfolio::position(const Symbol& symbol) const {
    const auto it = std::find_if(positions_.begin(), positions_.end(), [&](const Position& p) {
        return p.symbol == symbol;
    });
    return it == positions_.end() ? nullptr : &*it;
}

Qty Portfolio::position_qty(const Symbol& symbol) const {
    const Position* p = position(symbol);
    return p == nullptr ? Qty{} : p->qty;
}

Position& Portfolio::position_for(const Symbol& symbol) {
    for (auto& p : positions_) {
        if (p.symbol == symbol) {
            return p;
        }
    }
    positions_.push_back(Position{symbol, Qty{}, Money{}, Money{}, Money{}, std::nullopt, 0});
    open_trades_.emplace_back();
    ledgers_.emplace_back();
    return positions_.back();
}

void Portfolio::mark(const Symbol& symbol, Price price) {
    position_for(symbol).mark = price;
}

Status Portfolio::apply_fill(const model::Fill& fill) {
    if (!fill.qty.is_positive() || !fill.price.is_positive() || fill.fee.is_negative() ||
        fill.base_fee.is_negative()) {
        return make_error(
            ErrorCode::kInvalidArgument,
            fmt::format(
                "fill for {}: qty, price must be positive and fees non-negative", fill.symbol));
    }
    if (!fill.base_fee.is_zero()) {
        // A commission taken from the base asset: the account's position moves by the net
        // quantity while the quote flow stays price x gross qty. Book it as a fill of the net
        // quantity whose quote fee is exactly the rest of the cash flow, so cash, fees and the
        // position all equal what the exchange's balances show.
        const Qty net =
            fill.side == Side::kBuy ? fill.qty - fill.base_fee : fill.qty + fill.base_fee;
        if (!net.is_positive()) {
            return make_error(
                ErrorCode::kInvalidArgument,
                fmt::format(
                    "fill for {}: base-asset fee {} is not below the quantity {}",
                    fill.symbol,
                    fill.base_fee,
                    fill.qty));
        }
        auto gross = notional(fill.price, fill.qty, Round::kHalfEven);
        auto net_value = notional(fill.price, net, Round::kHalfEven);
        if (!gross || !net_value) {
            return tl::unexpected(gross ? net_value.error() : gross.error());
        }
        model::Fill booked = fill;
        booked.qty = net;
        booked.base_fee = Qty{};
        booked.fee = fill.fee + (*gross - *net_value).abs();
        return apply_fill(booked);
    }
    auto full = notional(fill.price, fill.qty, Round::kHalfEven);
    if (!full) {
        return tl::unexpected(full.error());
    }
    Position& pos = position_for(fill.symbol);
    const auto index = static_cast<std::size_t>(&pos - positions_.data());
    OpenTrade& trade = open_trades_[index];
    const std::int64_t s = sign(fill.side);
    const Qty dq = fill.qty * s;

    cash_ -= *full * s;
    cash_ -= fill.fee;
    flows_ -= *full * s;
    fees_ += fill.fee;
    traded_notional_ += full->to_double();
    pos.fees += fill.fee;
    ledgers_[index].fill_qty += dq;

    Qty remaining = fill.qty;
    Money remaining_notional = *full;
    Money fee_left = fill.fee;
    const bool reducing = !pos.qty.is_zero() && (pos.qty.is_positive() != (s > 0));
    if (reducing) {
        const Qty held = pos.qty.abs();
        const Qty closing = std::min(held, fill.qty);
        // Split notional and fee exactly between the closing and the opening part of a flip.
        const Money closing_notional =
            closing == fill.qty ? *full : must(notional(fill.price, closing, Round::kHalfEven));
        const Money closing_fee =
            closing == fill.qty ? fill.fee : scale(fill.fee, closing, fill.qty);
        const Money removed = scale(pos.cost_basis, closing, held);
        const std::int64_t pos_sign = pos.qty.is_positive() ? 1 : -1;
        const Money realized = closing_notional * pos_sign - removed;
        pos.realized_pnl += realized;
        pos.cost_basis -= removed;
        // A reduction keeps the average entry: re-express the open value at that average.
        const Int128 average = detail::div_round(pos.open_value, held.raw(), Round::kHalfEven);
        pos.open_value = average * (held - closing).raw();
        pos.qty += closing * s;
        trade.exit_time = fill.ts;
        trade.exit_qty += closing;
        trade.exit_value += static_cast<Int128>(fill.price.raw()) * closing.raw();
        trade.pnl_gross += realized;
        trade.fees += closing_fee;
        remaining = fill.qty - closing;
        remaining_notional = *full - closing_notional;
        fee_left = fill.fee - closing_fee;
        if (pos.qty.is_zero()) {
            pos.cost_basis = Money{};  // removed == cost_basis exactly when closing all
            pos.open_value = 0;
            closed_.push_back(ClosedTrade{
                fill.symbol,
                trade.side,
                trade.entry_time,
                vwap(trade.entry_value, trade.entry_qty),
                trade.exit_time,
                vwap(trade.exit_value, trade.exit_qty),
                trade.entry_qty,
                trade.pnl_gross,
                trade.fees});
            trade = OpenTrade{};
        }
    }
    if (remaining.is_positive()) {
        if (!trade.open) {
            trade = OpenTrade{};
            trade.open = true;
            trade.side = fill.side;
            trade.entry_time = fill.ts;
        }
        trade.entry_qty += remaining;
        trade.entry_value += static_cast<Int128>(fill.price.raw()) * remaining.raw();
        trade.fees += fee_left;
        pos.cost_basis += remaining_notional * s;
        pos.open_value += static_cast<Int128>(fill.price.raw()) * remaining.raw();
        pos.qty += remaining * s;
    }
    check_invariants(index);
    return ok_status();
}

void Portfolio::check_invariants(std::size_t index) const {
    const Position& pos = positions_[index];
    ATS_CHECK(
        pos.qty == ledgers_[index].fill_qty,
        "{}: position {} differs from the sum of fills {}",
        pos.symbol,
        pos.qty,
        ledgers_[index].fill_qty);
    ATS_CHECK(
        cash_ == initial_cash_ + flows_ - fees_,
        "cash {} differs from initial {} + flows {} - fees {}",
        cash_,
        initial_cash_,
        flows_,
        fees_);
    const Money lhs = equity();
    const Money rhs = initial_cash_ + realized_pnl() + unrealized_pnl() - fees_;
    ATS_CHECK(lhs == rhs, "equity {} != initial + realized + unrealized - fees = {}", lhs, rhs);
}

}  // namespace ats::execution
