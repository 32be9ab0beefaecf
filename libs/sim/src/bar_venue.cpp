#include "ats/sim/bar_venue.hpp"

#include <algorithm>

namespace ats::sim {

using model::OrderType;

namespace {

// Still working: quantity left, or an all-in budget not yet spent.
template <class W>
bool live(const W& w) {
    return w.remaining.is_positive() || w.budget.has_value();
}

bool is_trigger(OrderType t) {
    return t == OrderType::kStopMarket || t == OrderType::kTakeProfit || t == OrderType::kStopLimit;
}

// A stop fires when the price moves against the position it protects: a sell stop at or below
// its trigger, a buy stop at or above. A target is the mirror.
bool trigger_below(const model::OrderRequest& r) {
    const bool sell = r.side == Side::kSell;
    return r.type == OrderType::kTakeProfit ? !sell : sell;
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
    caps_volume_ = slippage_->caps_volume();
}

void BarVenue::add_instrument(const model::Instrument& instrument) {
    if (Book* b = book(instrument.symbol)) {
        b->instrument = instrument;
        return;
    }
    books_.push_back(
        Book{instrument.symbol, instrument, {}, {}, nullptr, std::nullopt, 0, std::nullopt});
}

BarVenue::Book* BarVenue::book(const Symbol& symbol) {
    const auto id = book_id(symbol);
    return id ? &books_[*id] : nullptr;
}

const BarVenue::Book* BarVenue::book(const Symbol& symbol) const {
    const auto id = book_id(symbol);
    return id ? &books_[*id] : nullptr;
}

const BarPath& BarVenue::path_of(const Book& b) {
    if (!b.path) {
        b.path.emplace(*b.bar);
    }
    return *b.path;
}

std::optional<BarVenue::BookId> BarVenue::book_id(const Symbol& symbol) const {
    for (std::size_t i = 0; i < books_.size(); ++i) {
        if (books_[i].symbol == symbol) {
            return i;
        }
    }
    return std::nullopt;
}

void BarVenue::open_bar(const Symbol& symbol, const model::Bar& bar) {
    if (const auto id = book_id(symbol)) {
        open_bar(*id, bar);
    }
}

std::optional<Timestamp> BarVenue::next_fill_time(const Symbol& symbol) {
    const auto id = book_id(symbol);
    return id ? next_fill_time(*id) : std::nullopt;
}

void BarVenue::fill_next(const Symbol& symbol) {
    if (const auto id = book_id(symbol)) {
        fill_next(*id);
    }
}

void BarVenue::close_bar(const Symbol& symbol) {
    if (const auto id = book_id(symbol)) {
        close_bar(*id);
    }
}

Status BarVenue::submit(const model::Order& order, std::optional<Money> quote_budget) {
    const auto exists = std::any_of(
        working_.begin(), working_.end(), [&](const Working& w) { return w.id == order.id(); });
    if (exists) {
        return make_error(
            ErrorCode::kAlreadyExists, fmt::format("order {} already working", order.id().str()));
    }
    const Book* b = book(order.request().symbol);
    if (b == nullptr) {
        return make_error(
            ErrorCode::kRejected,
            fmt::format("{}: symbol not traded here", order.request().symbol));
    }
    const Timestamp now = clock_.now();
    Working w{
        order.id(),
        order.request(),
        order.remaining_qty(),
        quote_budget,
        now,
        false,
        false,
        false,
        std::nullopt};
    if (b->bar != nullptr && now >= b->bar->open_time && now < b->bar->close_time) {
        // Placed while its bar is being matched (a reaction to a fill): it joins the path there.
        w.from = std::max(path_of(*b).position_at(now), b->now);
    }
    working_.push_back(std::move(w));
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
            w.remaining = Qty{};  // removed by erase_finished
            w.budget.reset();
        }
    }
}

void BarVenue::erase_finished() {
    std::erase_if(working_, [](const Working& w) { return !live(w); });
}

void BarVenue::open_bar(BookId id, const model::Bar& bar) {
    Book* b = &books_[id];
    b->bar = &bar;
    b->path.reset();
    b->now = 0;
    if (caps_volume_) {
        b->cap_left = slippage_->max_fill(b->known);
    }
    for (auto& w : working_) {
        if (w.request.symbol == b->symbol) {
            w.from.reset();
            w.done_for_bar = false;
        }
    }
}

std::optional<BarVenue::Candidate> BarVenue::candidate(const Book& b, std::size_t index) const {
    const Working& w = working_[index];
    if (w.request.symbol != b.symbol || !live(w) || w.done_for_bar || b.bar == nullptr) {
        return std::nullopt;
    }
    if (w.placed >= b.bar->close_time) {
        return std::nullopt;  // decided at or after this bar's close: the next bar's
    }
    const BarPath& path = path_of(b);
    const BarPath::Distance start = std::max(w.from.value_or(path.position_at(w.placed)), b.now);
    const model::OrderRequest& r = w.request;
    const bool buy = r.side == Side::kBuy;
    const bool as_market =
        r.type == OrderType::kMarket ||
        (w.triggered && (r.type == OrderType::kStopMarket || r.type == OrderType::kTakeProfit));
    if (as_market) {
        if (r.type == OrderType::kMarket && config_.market_fill == MarketFill::kSignalClose &&
            w.placed >= path.open_time()) {
            return std::nullopt;  // decided inside this bar: fills at its close (close_bar)
        }
        return Candidate{index, start, path.price_at(start), false, false};
    }
    const bool limit_phase =
        r.type == OrderType::kLimit || (r.type == OrderType::kStopLimit && w.triggered);
    if (limit_phase) {
        const auto at = path.first_reach(start, *r.limit_price, buy);
        if (!at) {
            return std::nullopt;
        }
        // Marketable where it joined the path: a taker at that price; else a maker at the limit.
        return *at == start ? Candidate{index, *at, path.price_at(*at), false, true}
                            : Candidate{index, *at, *r.limit_price, true, false};
    }
    const auto reached = path.first_reach(start, *r.trigger_price, trigger_below(r));
    if (!reached) {
        return std::nullopt;
    }
    const Price at_trigger = path.price_at(*reached);  // the trigger, or the open on a gap
    if (r.type != OrderType::kStopLimit) {
        return Candidate{index, *reached, at_trigger, false, false};
    }
    const Price limit = *r.limit_price;
    if (buy ? at_trigger <= limit : at_trigger >= limit) {
        return Candidate{index, *reached, at_trigger, false, true};
    }
    const auto rests = path.first_reach(*reached, limit, buy);
    if (!rests) {
        return std::nullopt;  // triggered, resting below (above) the market: close_bar marks it
    }
    return Candidate{index, *rests, limit, true, false};
}

std::optional<BarVenue::Candidate> BarVenue::earliest(const Book& b) const {
    std::optional<Candidate> best;
    for (std::size_t i = 0; i < working_.size(); ++i) {
        const auto c = candidate(b, i);
        if (c && (!best || c->at < best->at)) {  // ties: the earlier arrival
            best = c;
        }
    }
    return best;
}

bool BarVenue::next_fill_time(BookId id, Timestamp& at) {
    const Book* b = &books_[id];
    if (b->bar == nullptr || working_.empty()) {
        return false;
    }
    const auto c = earliest(*b);
    if (!c) {
        return false;
    }
    at = path_of(*b).time_at(c->at);
    return true;
}

void BarVenue::fill_next(BookId id) {
    Book* b = &books_[id];
    if (b->bar == nullptr) {
        return;
    }
    const auto c = earliest(*b);
    if (!c) {
        return;
    }
    b->now = c->at;
    fill(*b, working_[c->index], *c, path_of(*b).time_at(c->at));
    erase_finished();
}

Price BarVenue::taker_price(const Book& b, const Working& w, Price price, bool limit_capped) const {
    const bool buy = w.request.side == Side::kBuy;
    Price p = slippage_->apply(w.request.side, price, b.known);
    // Never outside the bar it fills in, rounded to the tick against the taker.
    if (b.bar != nullptr) {
        p = std::clamp(p, b.bar->low, b.bar->high);
        const Price tick = b.instrument.tick_size;
        Price rounded = p.round_to(tick, buy ? Round::kUp : Round::kDown);
        if (buy ? rounded > b.bar->high : rounded < b.bar->low) {
            rounded = p.round_to(tick, buy ? Round::kDown : Round::kUp);
        }
        p = rounded;
    }
    if (limit_capped && w.request.limit_price) {
        p = buy ? std::min(p, *w.request.limit_price) : std::max(p, *w.request.limit_price);
    }
    return p;
}

bool BarVenue::fill(Book& b, Working& w, const Candidate& c, Timestamp at) {
    const model::Instrument& inst = b.instrument;
    if (is_trigger(w.request.type)) {
        w.triggered = true;  // reached: the rest of it never waits for the trigger again
    }
    if (w.request.reduce_only) {
        const bool reduces =
            w.request.side == Side::kSell ? b.held.is_positive() : b.held.is_negative();
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
        w.remaining = std::min(w.remaining, b.held.abs());
    }
    const Price price = c.maker ? c.price : taker_price(b, w, c.price, c.limit_capped);
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
            if (w.filled_any) {
                // What is left of the budget buys nothing more: the order is done.
                sink_.emit(model::OrderCanceled{
                    at,
                    clock_.now(),
                    w.id,
                    w.request.symbol,
                    model::Text(fmt::format("quote budget spent ({} left)", *w.budget))});
            } else {
                reject(w, fmt::format("budget {} buys nothing at {}", *w.budget, price), at);
            }
            w.remaining = Qty{};
            w.budget.reset();
            return false;
        }
    }
    bool capped = false;
    if (b.cap_left) {
        const Qty cap = b.cap_left->round_to(inst.step_size, Round::kDown);
        if (qty > cap) {
            qty = cap;
            capped = true;
        }
        if (!qty.is_positive()) {
            w.done_for_bar = true;  // no volume left in this bar; try again next bar
            return true;
        }
    }
    auto value = notional(price, qty, Round::kHalfEven);
    if (!value) {
        reject(w, value.error().message, at);
        w.remaining = Qty{};
        w.budget.reset();
        return false;
    }
    if (!w.filled_any) {
        // Min notional is the order's, checked once: at its first fill, on what it asks for.
        const Qty asked = w.budget ? qty : w.remaining;
        const auto order_value = notional(price, asked, Round::kHalfEven);
        if (order_value && *order_value < inst.min_notional) {
            reject(
                w,
                fmt::format(
                    "notional {} is below min_notional {}", *order_value, inst.min_notional),
                at);
            w.remaining = Qty{};
            w.budget.reset();
            return false;
        }
    }
    const Money fee = config_.fees.fee(*value, c.maker);
    const auto cost = Money::checked_add(*value, fee);
    if (cash_ && w.request.side == Side::kBuy && !b.held.is_negative() &&
        (!cost || *cost > *cash_)) {
        reject(
            w,
            fmt::format("insufficient balance: {} + fee {} needed, {} free", *value, fee, *cash_),
            at);
        w.remaining = Qty{};
        w.budget.reset();
        return false;
    }
    if (!config_.allow_short && w.request.side == Side::kSell && qty > b.held) {
        reject(
            w,
            fmt::format(
                "insufficient {} balance: selling {}, holding {}", inst.base_asset, qty, b.held),
            at);
        w.remaining = Qty{};
        return false;
    }
    if (b.cap_left) {
        *b.cap_left -= qty;
    }
    bool complete = false;
    if (w.budget) {
        *w.budget -= *value + fee;
        // Done unless the volume cap stopped it with money left that still buys a step.
        const auto step_value = notional(price, inst.step_size, Round::kUp);
        complete = !capped || !step_value || *w.budget < *step_value + fee;
        if (complete) {
            w.budget.reset();
        }
        w.remaining = Qty{};
    } else {
        w.remaining -= qty;
        complete = !w.remaining.is_positive();
    }
    w.filled_any = true;
    b.held += qty * sign(w.request.side);
    if (cash_) {
        *cash_ -= *value * sign(w.request.side) + fee;
    }
    const model::Fill f{w.id, w.request.symbol, w.request.side, qty, price, fee, c.maker, at};
    sink_.emit(model::OrderFilled{at, clock_.now(), f, complete});
    cancel_group(w.request.oco_group, w.id, at);
    return true;
}

void BarVenue::close_bar(BookId id) {
    Book* b = &books_[id];
    if (b->bar == nullptr) {
        return;
    }
    const Symbol& symbol = b->symbol;
    const model::Bar& bar = *b->bar;
    const Timestamp close = bar.close_time;
    // Trigger orders the path reached without filling (a stop-limit resting past its limit, a
    // stop stopped by the volume cap) stay triggered for the next bars.
    for (auto& w : working_) {
        if (w.request.symbol != symbol || !live(w) || w.triggered || w.placed >= close ||
            !is_trigger(w.request.type)) {
            continue;
        }
        const BarPath& path = path_of(*b);
        const auto start = std::max(w.from.value_or(path.position_at(w.placed)), b->now);
        if (path.first_reach(start, *w.request.trigger_price, trigger_below(w.request))) {
            w.triggered = true;
        }
    }
    if (config_.market_fill == MarketFill::kSignalClose) {
        // Market orders decided at (or left working until) this close fill at it.
        for (std::size_t i = 0; i < working_.size(); ++i) {
            Working& w = working_[i];
            if (w.request.symbol == symbol && live(w) && !w.done_for_bar &&
                w.request.type == OrderType::kMarket) {
                const BarPath::Distance end = path_of(*b).length();
                b->now = end;
                fill(*b, w, Candidate{i, end, bar.close, false, false}, close);
            }
        }
    }
    if (slippage_->uses_history()) {
        b->known.on_bar_closed(bar);
    }
    b->bar = nullptr;
    b->path.reset();
    b->now = 0;
    b->cap_left.reset();
    for (auto& w : working_) {
        if (w.request.symbol == symbol) {
            w.from.reset();
            w.done_for_bar = false;
        }
    }
    erase_finished();
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
    const Book* b = book(symbol);
    return b == nullptr ? Qty{} : b->held;
}

}  // namespace ats::sim
