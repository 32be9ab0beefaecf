#include "ats/execution/portfolio.hpp"

#include <algorithm>

#include "ats/core/check.hpp"

namespace ats::execution {
namespace {

using detail::Int128;

// a * num / den (0 <= num <= den, den > 0) rounded half-even, for proportional cost removal; the
// result is at most |a|, so it always fits.
Money scale(Money a, Qty num, Qty den) {
    auto q = detail::mul_div(a.raw(), num.raw(), den.raw(), Round::kHalfEven);
    ATS_CHECK(q.has_value(), "proportional split: {}", q ? "" : q.error().message);
    return Money::from_raw(*q);
}

Money must(Result<Money> r) {
    ATS_CHECK(r.has_value(), "portfolio arithmetic: {}", r ? "" : r.error().message);
    return *r;
}

// Volume-weighted price from the exact sum of price*qty (raw units): exactly the fill price for
// a single fill. The sum is of 64-bit prices, so the average is one too.
Price vwap(Int128 value, Qty qty) {
    if (qty.is_zero()) {
        return Price{};
    }
    const Int128 q = detail::div_round(value, qty.raw(), Round::kHalfEven);
    ATS_CHECK(detail::fits_int64(q), "average price overflow");
    return Price::from_raw(static_cast<std::int64_t>(q));
}

// acc += price.raw * qty.raw; false on overflow (acc unchanged).
bool add_product(Int128& acc, Price price, Qty qty) {
    Int128 product = 0;
    Int128 sum = 0;
    if (detail::mul_overflows(price.raw(), qty.raw(), product) ||
        __builtin_add_overflow(acc, product, &sum)) {
        return false;
    }
    acc = sum;
    return true;
}

tl::unexpected<Error> out_of_range(const model::Fill& fill, std::string_view what) {
    return make_error(
        ErrorCode::kOutOfRange,
        fmt::format(
            "fill of {} {} at {}: {} is out of range", fill.qty, fill.symbol, fill.price, what));
}

}  // namespace

Price Position::average_entry() const {
    return qty.is_zero() ? Price{} : vwap(open_value < 0 ? -open_value : open_value, qty.abs());
}

Money Position::market_value() const {
    const Qty held = total();
    if (!mark || held.is_zero()) {
        return Money{};
    }
    // |held| <= kMaxPositionUnits and a 64-bit price: the product always fits.
    return must(notional(*mark, held, Round::kHalfEven));
}

Portfolio::Portfolio(Money initial_cash, std::string quote_asset)
    : quote_asset_(std::move(quote_asset)), initial_cash_(initial_cash), cash_(initial_cash) {}

void Portfolio::set_lot_rules(const Symbol& symbol, Qty step, Qty min_qty, Money min_notional) {
    for (auto& r : lot_rules_) {
        if (r.symbol == symbol) {
            r = LotRules{symbol, step, min_qty, min_notional};
            return;
        }
    }
    lot_rules_.push_back(LotRules{symbol, step, min_qty, min_notional});
}

bool Portfolio::is_dust(const Symbol& symbol, Qty qty, Price price) const {
    const auto it = std::find_if(
        lot_rules_.begin(), lot_rules_.end(), [&](const auto& r) { return r.symbol == symbol; });
    if (it == lot_rules_.end() || qty.is_zero() || !it->step.is_positive()) {
        return false;
    }
    const Qty tradable = qty.abs().round_to(it->step, Round::kDown);
    if (tradable.is_zero() || tradable < it->min_qty) {
        return true;
    }
    const auto value = notional(price, tradable, Round::kHalfEven);
    return value && *value < it->min_notional;
}

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
    return p == nullptr ? Qty{} : p->total();
}

Position& Portfolio::position_for(const Symbol& symbol) {
    for (auto& p : positions_) {
        if (p.symbol == symbol) {
            return p;
        }
    }
    positions_.push_back(
        Position{symbol, Qty{}, Money{}, Money{}, Money{}, std::nullopt, 0, Qty{}, Money{}});
    open_trades_.emplace_back();
    ledgers_.emplace_back();
    return positions_.back();
}

void Portfolio::mark(const Symbol& symbol, Price price) {
    position_for(symbol).mark = price;
}

Status Portfolio::apply_fill(const model::Fill& fill) {
    // A negative fee is a maker rebate: only a maker fill may carry one.
    if (!fill.qty.is_positive() || !fill.price.is_positive() ||
        (fill.fee.is_negative() && !fill.maker) || fill.base_fee.is_negative()) {
        return make_error(
            ErrorCode::kInvalidArgument,
            fmt::format(
                "fill for {}: qty, price must be positive and fees non-negative (a negative fee "
                "is a maker rebate)",
                fill.symbol));
    }
    if (fill.base_fee.is_zero()) {
        return apply_quote_fill(fill);
    }
    // A commission taken from the base asset: the account's position moves by the net quantity
    // while the quote flow stays price x gross qty. Book it as a fill of the net quantity whose
    // quote fee is exactly the rest of the cash flow, so cash, fees and the position all equal
    // what the exchange's balances show.
    if (fill.base_fee >= fill.qty && fill.side == Side::kBuy) {
        return make_error(
            ErrorCode::kInvalidArgument,
            fmt::format(
                "fill for {}: base-asset fee {} is not below the quantity {}",
                fill.symbol,
                fill.base_fee,
                fill.qty));
    }
    const auto net = fill.side == Side::kBuy ? Qty::checked_sub(fill.qty, fill.base_fee)
                                             : Qty::checked_add(fill.qty, fill.base_fee);
    if (!net) {
        return out_of_range(fill, "the net quantity");
    }
    auto gross = notional(fill.price, fill.qty, Round::kHalfEven);
    auto net_value = notional(fill.price, *net, Round::kHalfEven);
    if (!gross || !net_value) {
        return tl::unexpected(gross ? net_value.error() : gross.error());
    }
    model::Fill booked = fill;
    booked.qty = *net;
    booked.base_fee = Qty{};
    booked.fee = fill.fee + (*gross - *net_value).abs();
    return apply_quote_fill(booked);
}

Status Portfolio::apply_quote_fill(const model::Fill& fill) {
    const auto full_value = notional(fill.price, fill.qty, Round::kHalfEven);
    if (!full_value) {
        return tl::unexpected(full_value.error());
    }
    const Money full = *full_value;
    const std::int64_t s = sign(fill.side);
    const Qty dq = fill.qty * s;
    // Computed on copies and committed at the end, so a refused fill changes nothing.
    const Position* existing = position(fill.symbol);
    Position pos = existing != nullptr
                       ? *existing
                       : Position{fill.symbol, {}, {}, {}, {}, std::nullopt, 0, {}, {}};
    OpenTrade trade = existing != nullptr
                          ? open_trades_[static_cast<std::size_t>(existing - positions_.data())]
                          : OpenTrade{};
    std::optional<ClosedTrade> closed;
    const Int128 max_raw = static_cast<Int128>(kMaxPositionUnits) * kScale;
    const auto after_total = Qty::checked_add(pos.total(), dq);
    const auto cash = Money::checked_sub(cash_, full * s);
    if (!after_total || after_total->raw() > max_raw || after_total->raw() < -max_raw) {
        return out_of_range(fill, "the position");
    }
    if (!cash || !Money::checked_sub(*cash, fill.fee) || !Money::checked_add(fees_, fill.fee)) {
        return out_of_range(fill, "the cash");
    }

    Qty remaining = fill.qty;
    Money remaining_notional = full;
    Money fee_left = fill.fee;
    // 1. The open trade shrinks (and may close).
    const bool reducing = !pos.qty.is_zero() && (pos.qty.is_positive() != (s > 0));
    if (reducing) {
        const Qty held = pos.qty.abs();
        const Qty closing = std::min(held, fill.qty);
        // Split notional and fee exactly between the closing and the opening part of a flip.
        const Money closing_notional =
            closing == fill.qty ? full : must(notional(fill.price, closing, Round::kHalfEven));
        const Money closing_fee =
            closing == fill.qty ? fill.fee : scale(fill.fee, closing, fill.qty);
        const Money removed = scale(pos.cost_basis, closing, held);
        const std::int64_t pos_sign = pos.qty.is_positive() ? 1 : -1;
        const Money realized = closing_notional * pos_sign - removed;
        pos.realized_pnl += realized;
        pos.cost_basis -= removed;
        // A reduction keeps the average entry: re-express the open value at that average (the
        // product is at most the old open value).
        const Int128 average = detail::div_round(pos.open_value, held.raw(), Round::kHalfEven);
        pos.open_value = average * (held - closing).raw();
        pos.qty += closing * s;
        trade.exit_time = fill.ts;
        trade.exit_qty += closing;
        if (!add_product(trade.exit_value, fill.price, closing)) {
            return out_of_range(fill, "the trade's exit value");
        }
        trade.pnl_gross += realized;
        trade.fees += closing_fee;
        remaining -= closing;
        remaining_notional -= closing_notional;
        fee_left -= closing_fee;
        // What the exchange would not trade closes the trade and stays as dust.
        if (!pos.qty.is_zero() && is_dust(fill.symbol, pos.qty, fill.price)) {
            pos.dust += pos.qty;
            pos.dust_cost += pos.cost_basis;
            pos.qty = Qty{};
            pos.cost_basis = Money{};
        }
        if (pos.qty.is_zero()) {
            pos.cost_basis = Money{};  // removed == cost_basis exactly when closing all
            pos.open_value = 0;
            closed = ClosedTrade{
                fill.symbol,
                trade.side,
                trade.entry_time,
                vwap(trade.entry_value, trade.entry_qty),
                trade.exit_time,
                vwap(trade.exit_value, trade.exit_qty),
                trade.entry_qty,
                trade.pnl_gross,
                trade.fees};
            trade = OpenTrade{};
        }
    }
    // 2. What is left of the fill takes dust of the other side first (it is in no trade).
    if (remaining.is_positive() && pos.qty.is_zero() && !pos.dust.is_zero() &&
        pos.dust.is_positive() != (s > 0)) {
        const Qty held = pos.dust.abs();
        const Qty taking = std::min(held, remaining);
        const Money taking_notional = taking == remaining
                                          ? remaining_notional
                                          : must(notional(fill.price, taking, Round::kHalfEven));
        const Money taking_fee =
            taking == remaining ? fee_left : scale(fee_left, taking, remaining);
        const Money removed = scale(pos.dust_cost, taking, held);
        pos.realized_pnl += taking_notional * (pos.dust.is_positive() ? 1 : -1) - removed;
        pos.dust_cost -= removed;
        pos.dust += taking * s;
        remaining -= taking;
        remaining_notional -= taking_notional;
        fee_left -= taking_fee;
    }
    // 3. The rest opens or grows the trade.
    if (remaining.is_positive()) {
        if (!trade.open) {
            trade = OpenTrade{};
            trade.open = true;
            trade.side = fill.side;
            trade.entry_time = fill.ts;
        }
        if (!add_product(trade.entry_value, fill.price, remaining) ||
            !add_product(pos.open_value, fill.price, remaining)) {
            return out_of_range(fill, "the position's value");
        }
        trade.entry_qty += remaining;
        trade.fees += fee_left;
        pos.cost_basis += remaining_notional * s;
        pos.qty += remaining * s;
    }

    // Commit.
    Position& target = position_for(fill.symbol);
    const auto index = static_cast<std::size_t>(&target - positions_.data());
    pos.mark = target.mark;
    pos.fees += fill.fee;
    target = pos;
    open_trades_[index] = trade;
    if (closed) {
        closed_.push_back(*closed);
    }
    cash_ = *cash - fill.fee;
    flows_ -= full * s;
    fees_ += fill.fee;
    traded_notional_ += full.to_double();
    ledgers_[index].fill_qty += dq;
    check_invariants(index);
    return ok_status();
}

void Portfolio::check_invariants(std::size_t index) const {
    const Position& pos = positions_[index];
    ATS_CHECK(
        pos.total() == ledgers_[index].fill_qty,
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
