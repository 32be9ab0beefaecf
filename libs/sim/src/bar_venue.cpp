#include "ats/sim/bar_venue.hpp"

#include <algorithm>

namespace ats::sim {

using model::OrderType;

namespace {

// Still working: quantity left, or an all-in budget not yet sized.
template <class W>
bool live(const W& w) {
    return w.remaining.is_positive() || w.budget.has_value();
}

}  // namespace

BarVenue::BarVenue(
    const Clock& clock,
    model::EventSink& sink,
    BarVenueConfig config,
    std::unique_ptr<SlippageModel> slippage)
    : clock_(clock), sink_(sink), config_(config), slippage_(std::move(slippage)) {
    if (!slippage_) {
        slippage_ = std::make_unique<NoSlippage>();
    }
    cash_ = config_.quote_balance;
}

void BarVenue::add_instrument(const model::Instrument& instrument) {
    instruments_.push_back(instrument);
}

const model::Instrument* BarVenue::instrument(const Symbol& symbol) const {
    const auto it = std::find_if(instruments_.begin(), instruments_.end(), [&](const auto& i) {
        return i.symbol == symbol;
    });
    return it == instruments_.end() ? nullptr : &*it;
}

Status BarVenue::submit(const model::Order& order, std::optional<Money> quote_budget) {
    const auto exists = std::any_of(
        working_.begin(), working_.end(), [&](const Working& w) { return w.id == order.id(); });
    if (exists) {
        return make_error(
            ErrorCode::kAlreadyExists, fmt::format("order {} already working", order.id().str()));
    }
    if (instrument(order.request().symbol) == nullptr) {
        return make_error(
            ErrorCode::kRejected,
            fmt::format("{}: symbol not traded here", order.request().symbol));
    }
    working_.push_back(
        Working{order.id(), order.request(), order.remaining_qty(), quote_budget, false, in_bar_});
    return ok_status();
}

Status BarVenue::cancel(const ClientOrderId& id) {
    const auto it = std::find_if(
        working_.begin(), working_.end(), [&](const Working& w) { return w.id == id; });
    if (it == working_.end()) {
        return make_error(ErrorCode::kNotFound, fmt::format("order {} is not working", id.str()));
    }
    const Timestamp now = clock_.now();
    sink_.emit(model::OrderCanceled{
        now, now, it->id, it->request.symbol, model::Text("canceled on request")});
    working_.erase(it);
    return ok_status();
}

void BarVenue::reject(const Working& w, std::string_view reason, Timestamp at) {
    const model::Text text(fmt::format("order {} rejected by venue: {}", w.id.str(), reason));
    sink_.emit(model::OrderRejected{at, clock_.now(), w.id, w.request.symbol, text});
    sink_.emit(model::AlertLogged{at, clock_.now(), model::AlertLevel::kWarning, text});
}

void BarVenue::cancel_group(std::uint32_t group, const ClientOrderId& except, Timestamp at) {
    if (group == 0) {
        return;
    }
    for (auto& w : working_) {
        if (w.request.oco_group == group && w.id != except && live(w)) {
            sink_.emit(model::OrderCanceled{
                at, clock_.now(), w.id, w.request.symbol, model::Text("one-cancels-other")});
            w.remaining = Qty{};  // removed after the pass
        }
    }
}

Qty& BarVenue::position(const Symbol& symbol) {
    for (auto& [s, q] : positions_) {
        if (s == symbol) {
            return q;
        }
    }
    positions_.emplace_back(symbol, Qty{});
    return positions_.back().second;
}

bool BarVenue::fill(Working& w, Price price, bool maker, const model::Bar& bar, Timestamp at) {
    const model::Instrument& inst = *instrument(w.request.symbol);
    Qty& held = position(w.request.symbol);
    if (w.request.reduce_only) {
        const bool reduces =
            w.request.side == Side::kSell ? held.is_positive() : held.is_negative();
        if (!reduces) {
            sink_.emit(model::OrderCanceled{
                at,
                clock_.now(),
                w.id,
                w.request.symbol,
                model::Text("reduce-only order would open a position")});
            w.remaining = Qty{};
            return false;
        }
        w.remaining = std::min(w.remaining, held.abs());
    }
    if (!maker) {
        price = slippage_->apply(w.request.side, price, bar);
    }
    Qty qty = w.remaining;
    if (w.budget) {
        // All-in buy sized at the fill price, fees included, rounded down to the step.
        const detail::Int128 rate = config_.fees.rate_raw(false);
        const detail::Int128 den = static_cast<detail::Int128>(price.raw()) * (kScale + rate);
        const auto raw =
            detail::mul_div(w.budget->raw(), kScale * kScale, den, Round::kDown).value_or(0);
        qty = Qty::from_raw(raw).round_to(inst.step_size, Round::kDown);
        while (qty.is_positive()) {
            const auto value = notional(price, qty, Round::kHalfEven);
            if (value && *value + config_.fees.fee(*value, false) <= *w.budget) {
                break;
            }
            qty -= inst.step_size;
        }
        if (!qty.is_positive()) {
            reject(w, fmt::format("budget {} buys nothing at {}", *w.budget, price), at);
            w.remaining = Qty{};
            w.budget.reset();
            return false;
        }
        w.budget.reset();
        w.remaining = qty;
    }
    if (bar_cap_) {
        qty = std::min(qty, bar_cap_->round_to(inst.step_size, Round::kDown));
        if (!qty.is_positive()) {
            return true;  // no volume left in this bar; try again next bar
        }
    }
    auto value = notional(price, qty, Round::kHalfEven);
    if (!value) {
        reject(w, value.error().message, at);
        w.remaining = Qty{};
        return false;
    }
    if (*value < inst.min_notional) {
        reject(
            w, fmt::format("notional {} is below min_notional {}", *value, inst.min_notional), at);
        w.remaining = Qty{};
        return false;
    }
    const Money fee = config_.fees.fee(*value, maker);
    if (cash_ && w.request.side == Side::kBuy && !held.is_negative() && *value + fee > *cash_) {
        reject(
            w,
            fmt::format("insufficient balance: {} + fee {} needed, {} free", *value, fee, *cash_),
            at);
        w.remaining = Qty{};
        return false;
    }
    if (!config_.allow_short && w.request.side == Side::kSell && qty > held) {
        reject(
            w,
            fmt::format(
                "insufficient {} balance: selling {}, holding {}", inst.base_asset, qty, held),
            at);
        w.remaining = Qty{};
        return false;
    }
    if (bar_cap_) {
        *bar_cap_ -= qty;
    }
    w.remaining -= qty;
    held += qty * sign(w.request.side);
    if (cash_) {
        *cash_ -= *value * sign(w.request.side) + fee;
    }
    const model::Fill f{w.id, w.request.symbol, w.request.side, qty, price, fee, maker, at};
    sink_.emit(model::OrderFilled{at, clock_.now(), f, !w.remaining.is_positive()});
    cancel_group(w.request.oco_group, w.id, at);
    return true;
}

void BarVenue::process(const Symbol& symbol, const model::Bar& bar, Pass pass) {
    const Timestamp at = pass == Pass::kClose ? bar.close_time : bar.open_time;
    const bool gap_rule = pass == Pass::kOpen;
    // Phase order: market orders, then stops (stop first), then limits and targets.
    for (int phase = 0; phase < 3; ++phase) {
        for (std::size_t i = 0; i < working_.size(); ++i) {
            Working& w = working_[i];
            if (w.request.symbol != symbol || !live(w)) {
                continue;
            }
            if (pass == Pass::kAfterFills && !w.placed_in_bar) {
                continue;
            }
            const OrderType type = w.request.type;
            const bool buy = w.request.side == Side::kBuy;
            const Price open = bar.open;
            if (phase == 0) {
                if (type != OrderType::kMarket) {
                    continue;
                }
                const bool at_close = config_.market_fill == MarketFill::kSignalClose;
                if ((pass == Pass::kClose) == at_close && pass != Pass::kAfterFills) {
                    fill(w, pass == Pass::kClose ? bar.close : open, false, bar, at);
                }
                continue;
            }
            if (pass == Pass::kClose) {
                continue;
            }
            if (phase == 1 && (type == OrderType::kStopMarket ||
                               (type == OrderType::kStopLimit && !w.triggered))) {
                const Price s = *w.request.trigger_price;
                const bool gapped = gap_rule && (buy ? open >= s : open <= s);
                const bool hit = buy ? bar.high >= s : bar.low <= s;
                if (!gapped && !hit) {
                    continue;
                }
                const Price trigger_fill = gapped ? open : s;
                if (type == OrderType::kStopMarket) {
                    fill(w, trigger_fill, false, bar, at);
                    continue;
                }
                w.triggered = true;
                const Price limit = *w.request.limit_price;
                if (buy ? trigger_fill <= limit : trigger_fill >= limit) {
                    fill(w, trigger_fill, false, bar, at);
                }
                continue;
            }
            if (phase == 2) {
                if (type == OrderType::kTakeProfit) {
                    const Price t = *w.request.trigger_price;
                    // A sell target sits above the market, a buy target below.
                    const bool gapped = gap_rule && (buy ? open <= t : open >= t);
                    const bool hit = buy ? bar.low <= t : bar.high >= t;
                    if (gapped || hit) {
                        fill(w, gapped ? open : t, false, bar, at);
                    }
                } else if (
                    type == OrderType::kLimit || (type == OrderType::kStopLimit && w.triggered)) {
                    const Price limit = *w.request.limit_price;
                    const bool marketable = gap_rule && (buy ? open <= limit : open >= limit);
                    const bool touched = buy ? bar.low <= limit : bar.high >= limit;
                    if (marketable) {
                        fill(w, open, false, bar, at);
                    } else if (touched) {
                        fill(w, limit, true, bar, at);
                    }
                }
            }
        }
    }
    std::erase_if(working_, [](const Working& w) { return !live(w); });
}

void BarVenue::on_bar(const Symbol& symbol, const model::Bar& bar) {
    bar_cap_ = slippage_->max_fill(bar);
    for (auto& w : working_) {
        if (w.request.symbol == symbol) {
            w.placed_in_bar = false;
        }
    }
    process(symbol, bar, Pass::kOpen);
    in_bar_ = true;
}

void BarVenue::on_bar_after_fills(const Symbol& symbol, const model::Bar& bar) {
    process(symbol, bar, Pass::kAfterFills);
}

void BarVenue::on_bar_close(const Symbol& symbol, const model::Bar& bar) {
    in_bar_ = false;
    if (config_.market_fill == MarketFill::kSignalClose) {
        process(symbol, bar, Pass::kClose);
    }
    for (auto& w : working_) {
        w.placed_in_bar = false;
    }
}

std::vector<ClientOrderId> BarVenue::working_order_ids() const {
    std::vector<ClientOrderId> out;
    out.reserve(working_.size());
    for (const auto& w : working_) {
        out.push_back(w.id);
    }
    return out;
}

Qty BarVenue::net_position(const Symbol& symbol) const {
    for (const auto& [s, q] : positions_) {
        if (s == symbol) {
            return q;
        }
    }
    return Qty{};
}

}  // namespace ats::sim
