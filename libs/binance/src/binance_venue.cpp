#include "ats/binance/binance_venue.hpp"

#include <algorithm>
#include <chrono>
#include <utility>
#include <variant>

#include <fmt/format.h>

#include "ats/model/events.hpp"

namespace ats::binance {

Result<NewOrder> to_new_order(const model::Order& order, std::optional<Money> quote_budget) {
    const auto& id = order.id().str();
    const auto& request = order.request();
    NewOrder out;
    out.symbol = std::string(request.symbol.view());
    out.side = request.side;
    out.client_order_id = id;
    out.quantity = request.qty;
    switch (request.type) {
        case model::OrderType::kMarket:
            out.type = "MARKET";
            if (quote_budget) {
                out.quote_order_qty = *quote_budget;
            }
            break;
        case model::OrderType::kLimit:
            out.type = "LIMIT";
            out.price = request.limit_price;
            break;
        case model::OrderType::kStopMarket:
            out.type = "STOP_LOSS";
            out.stop_price = request.trigger_price;
            break;
        case model::OrderType::kStopLimit:
            out.type = "STOP_LOSS_LIMIT";
            out.price = request.limit_price;
            out.stop_price = request.trigger_price;
            break;
        case model::OrderType::kTakeProfit:
            out.type = "TAKE_PROFIT";
            out.stop_price = request.trigger_price;
            break;
        default:
            return make_error(
                ErrorCode::kRejected,
                fmt::format(
                    "order {}: {} orders are not sent to Binance by this venue",
                    id,
                    model::to_string(request.type)));
    }
    return out;
}

namespace {

bool is_protective(const model::Order& order) {
    const auto type = order.request().type;
    return type == model::OrderType::kStopMarket || type == model::OrderType::kStopLimit ||
           type == model::OrderType::kTakeProfit;
}

/// An OCO leg for a protective order.
OcoLeg oco_leg(const model::Order& order) {
    const auto& r = order.request();
    OcoLeg leg;
    leg.client_order_id = order.id().str();
    leg.stop_price = r.trigger_price;
    if (r.type == model::OrderType::kTakeProfit) {
        leg.type = "TAKE_PROFIT";
    } else if (r.type == model::OrderType::kStopLimit) {
        leg.type = "STOP_LOSS_LIMIT";
        leg.price = r.limit_price;
    } else {
        leg.type = "STOP_LOSS";
    }
    return leg;
}

}  // namespace

BinanceVenue::BinanceVenue(RestClient& client, model::EventSink& sink, const Clock& clock)
    : client_(client), sink_(sink), clock_(clock) {}

BinanceVenue::~BinanceVenue() {
    if (stream_config_) {
        client_.set_order_probe({});
    }
}

bool BinanceVenue::stream_has(const std::string& id, Duration wait) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::nanoseconds(wait.ns());
    while (stream_ && stray_.count(id) == 0 && std::chrono::steady_clock::now() < deadline) {
        if (!drain(Duration::from_ms(20))) {
            break;
        }
    }
    return stray_.count(id) != 0;
}

Status BinanceVenue::submit(const model::Order& order, std::optional<Money> quote_budget) {
    const auto& id = order.id().str();
    const bool held = std::any_of(
        held_.begin(), held_.end(), [&](const model::Order& o) { return o.id() == order.id(); });
    if (working_.count(id) != 0 || done_.count(id) != 0 || held) {
        return make_error(ErrorCode::kAlreadyExists, fmt::format("order {} already placed", id));
    }
    if (!exchange_protection_) {
        return place(order, quote_budget);
    }
    const auto& request = order.request();
    if (is_protective(order)) {
        if (request.oco_group == 0) {
            return place(order, quote_budget);
        }
        const auto partner = std::find_if(held_.begin(), held_.end(), [&](const model::Order& o) {
            return o.request().symbol == request.symbol &&
                   o.request().oco_group == request.oco_group;
        });
        if (partner == held_.end()) {
            held_.push_back(order);  // its partner follows at once
            return ok_status();
        }
        const model::Order first = *partner;
        held_.erase(partner);
        return place_pair(first, order);
    }
    flush_held();
    // The protection locks the coins this order would sell: it steps aside for the order.
    auto suspended = suspend_protection(request.symbol, request.side);
    auto placed = place(order, quote_budget);
    if (!placed) {
        restore_protection(std::move(suspended));
        return placed;
    }
    for (const auto& leg : suspended) {
        emit_canceled(leg, fmt::format("canceled for order {}", id));
        done_.insert(leg.id.str());
    }
    return ok_status();
}

bool BinanceVenue::triggers_now(const Error& error) {
    return error.message.find("would trigger immediately") != std::string::npos;
}

Status BinanceVenue::execute_now(const model::Order& order) {
    model::OrderRequest market = order.request();
    market.type = model::OrderType::kMarket;
    market.limit_price.reset();
    market.trigger_price.reset();
    return place(model::Order(order.id(), market, order.created()), std::nullopt);
}

Status BinanceVenue::place(const model::Order& order, std::optional<Money> quote_budget) {
    const auto& id = order.id().str();
    if (!exchange_protection_ && is_protective(order)) {
        return make_error(
            ErrorCode::kRejected,
            fmt::format(
                "order {}: {} orders go to Binance only with exchange-side protection on",
                id,
                model::to_string(order.request().type)));
    }
    auto out = to_new_order(order, quote_budget);
    if (!out) {
        return tl::unexpected(out.error());
    }
    const auto& request = order.request();
    const auto wall_ns = [] {
        return std::chrono::duration_cast<std::chrono::nanoseconds>(
                   std::chrono::system_clock::now().time_since_epoch())
            .count();
    };
    const std::int64_t sent_ns = wall_ns();
    auto placed = client_.place_order(*out);
    if (!placed && is_protective(order) && triggers_now(placed.error())) {
        // A stop the market already passed (a gap since the bar's close): it executes now.
        return execute_now(order);
    }
    const std::int64_t answered_ns = wall_ns();
    if (placed && placed->transact_time_ms > 0) {
        const std::int64_t exch = (placed->transact_time_ms - client_.time_offset_ms()) * 1'000'000;
        latencies_.push_back(
            LatencySample{id, sent_ns, std::clamp(exch, sent_ns, answered_ns), answered_ns});
    }
    if (!placed) {
        auto error = placed.error();
        if (error.code != ErrorCode::kUnavailable && error.code != ErrorCode::kTimeout) {
            error.code = ErrorCode::kRejected;  // the exchange refused it: not retryable as is
        }
        return tl::unexpected(std::move(error));
    }
    Working working{
        order.id(), request.symbol, request.side, placed->order_id, {}, {}, -1, std::nullopt};
    working.list_id = placed->order_list_id;
    if (is_protective(order)) {
        working.protective = order;
    }
    if (stream_) {
        // The execution reports drive the order; they are already on their way (or came in
        // while its unknown send was settled).
        working_.emplace(id, std::move(working));
        if (const auto stray = stray_.find(id); stray != stray_.end()) {
            const auto reports = std::move(stray->second);
            stray_.erase(stray);
            std::erase(stray_order_, id);
            for (const auto& report : reports) {
                apply(UserEvent(report));
            }
        }
        await_reports(id, *placed);
        return ok_status();
    }
    auto done = sync(working, *placed);
    if (!done) {
        // Placed, but its fills could not be read yet: poll() picks them up.
        working_.emplace(id, std::move(working));
        return ok_status();
    }
    if (*done) {
        done_.insert(id);
    } else {
        working_.emplace(id, std::move(working));
    }
    return ok_status();
}

Status BinanceVenue::place_pair(const model::Order& first, const model::Order& second) {
    const auto& r = first.request();
    const Symbol symbol = r.symbol;
    // A sell's stop lies below the market and its target above; a buy's the other way.
    const bool first_is_stop = r.type != model::OrderType::kTakeProfit;
    const bool first_above = (r.side == Side::kBuy) == first_is_stop;
    NewOco oco;
    oco.symbol = std::string(symbol.view());
    oco.side = r.side;
    oco.quantity = std::min(r.qty, second.request().qty);
    oco.above = oco_leg(first_above ? first : second);
    oco.below = oco_leg(first_above ? second : first);
    oco.list_client_order_id = second.id().str() + "L";
    auto placed = client_.place_oco(oco);
    if (!placed && triggers_now(placed.error())) {
        // The market is already past one level (it moved between the bar's close and now):
        // that leg executes at once as a market order, the other ends.
        auto last = client_.last_price(oco.symbol);
        const model::Order& stop = first_is_stop ? first : second;
        const model::Order& target = first_is_stop ? second : first;
        const bool sell = r.side == Side::kSell;
        const auto passed = [&](const model::Order& o, bool is_stop) {
            const Price level = *o.request().trigger_price;
            return last && (sell == is_stop ? *last <= level : *last >= level);
        };
        const model::Order* hit = passed(stop, true)      ? &stop
                                  : passed(target, false) ? &target
                                                          : nullptr;
        if (hit != nullptr) {
            const model::Order& other = hit == &stop ? target : stop;
            auto s = execute_now(*hit);
            const auto now = clock_.now();
            sink_.emit(model::OrderCanceled{
                now, now, other.id(), symbol, model::Text("other leg executed at once")});
            if (!s && hit == &first) {
                emit_rejected(first, s.error().message);
            }
            return &other == &second || s ? ok_status() : s;
        }
    }
    if (!placed) {
        const auto why =
            fmt::format("OCO with {} refused: {}", second.id().str(), placed.error().message);
        emit_rejected(first, why);
        auto error = placed.error();
        error.code = ErrorCode::kRejected;  // its partner is gone: not retried alone
        return tl::unexpected(std::move(error));
    }
    for (const auto* order : {&first, &second}) {
        const auto state =
            std::find_if(placed->orders.begin(), placed->orders.end(), [&](const OrderState& s) {
                return s.client_order_id == order->id().str();
            });
        if (state == placed->orders.end()) {
            return make_error(
                ErrorCode::kParse, fmt::format("OCO reply without leg {}", order->id().str()));
        }
        Working working{
            order->id(), symbol, order->request().side, state->order_id, {}, {}, -1, std::nullopt};
        working.list_id = placed->list_id;
        working.protective = *order;
        working_.emplace(order->id().str(), std::move(working));
    }
    return ok_status();
}

void BinanceVenue::flush_held() {
    auto alone = std::exchange(held_, {});
    for (const auto& order : alone) {
        if (auto s = place(order, std::nullopt); !s) {
            emit_rejected(order, s.error().message);
        }
    }
}

std::vector<BinanceVenue::Working> BinanceVenue::suspend_protection(
    const Symbol& symbol, Side side) {
    std::vector<Working> out;
    std::vector<std::string> ids;
    for (const auto& [id, w] : working_) {
        if (w.protective && w.symbol == symbol && w.side == side) {
            ids.push_back(id);
        }
    }
    std::set<std::int64_t> lists_done;
    for (const auto& id : ids) {
        auto it = working_.find(id);
        if (it == working_.end()) {
            continue;  // ended with its list just now
        }
        const auto list_id = it->second.list_id;
        if (list_id >= 0 && lists_done.count(list_id) != 0) {
            continue;
        }
        Result<std::vector<OrderState>> states = std::vector<OrderState>{};
        if (list_id >= 0) {
            lists_done.insert(list_id);
            auto canceled = client_.cancel_order_list(std::string(symbol.view()), list_id);
            states = canceled ? Result<std::vector<OrderState>>(std::move(canceled->orders))
                              : tl::unexpected(canceled.error());
        } else if (auto canceled = client_.cancel_order(std::string(symbol.view()), id)) {
            states->push_back(std::move(*canceled));
        } else {
            states = tl::unexpected(canceled.error());
        }
        if (!states) {
            // Not canceled: nothing open (a leg executed just now: read it at once) or the
            // exchange unreachable (the legs stay working; the order will likely be refused).
            const Status read = states.error().code == ErrorCode::kNotFound
                                    ? read_legs(id)
                                    : tl::unexpected(states.error());
            if (!read) {
                const auto now = clock_.now();
                sink_.emit(model::AlertLogged{
                    now,
                    now,
                    model::AlertLevel::kWarning,
                    model::Text(fmt::format(
                        "protection {} not freed for an order: {}", id, read.error().message))});
            }
            continue;
        }
        for (const auto& state : *states) {
            if (!state.executed_qty.is_zero() || state.status != "CANCELED") {
                apply_state(state);  // it executed before the cancel: fills and end go out
                continue;
            }
            if (auto leg = working_.find(state.client_order_id); leg != working_.end()) {
                out.push_back(std::move(leg->second));
                working_.erase(leg);
            }
        }
    }
    return out;
}

void BinanceVenue::restore_protection(std::vector<Working> legs) {
    while (!legs.empty()) {
        Working leg = std::move(legs.back());
        legs.pop_back();
        const auto partner = std::find_if(legs.begin(), legs.end(), [&](const Working& w) {
            return leg.list_id >= 0 && w.list_id == leg.list_id;
        });
        Status s = ok_status();
        if (partner != legs.end()) {
            Working other = std::move(*partner);
            legs.erase(partner);
            s = place_pair(*other.protective, *leg.protective);
            if (!s) {
                emit_canceled(other, "protection could not be placed again");
            }
        } else {
            s = place(*leg.protective, std::nullopt);
        }
        if (!s) {
            emit_canceled(leg, "protection could not be placed again");
        }
    }
}

Status BinanceVenue::adopt(const model::Order& order) {
    const auto& id = order.id().str();
    if (working_.count(id) != 0) {
        return make_error(ErrorCode::kAlreadyExists, fmt::format("order {} already working", id));
    }
    auto state = client_.query_order(std::string(order.request().symbol.view()), id);
    if (!state) {
        return tl::unexpected(state.error());
    }
    if (state->status != "NEW") {
        return make_error(
            state->status == "PARTIALLY_FILLED" ? ErrorCode::kFailedPrecondition
                                                : ErrorCode::kNotFound,
            fmt::format("order {} is {} on the exchange", id, state->status));
    }
    Working working{
        order.id(),
        order.request().symbol,
        order.request().side,
        state->order_id,
        {},
        {},
        -1,
        std::nullopt};
    working.list_id = state->order_list_id;
    if (is_protective(order)) {
        working.protective = order;
    }
    working_.emplace(id, std::move(working));
    return ok_status();
}

void BinanceVenue::emit_canceled(const Working& working, std::string_view why) {
    const auto now = clock_.now();
    sink_.emit(model::OrderCanceled{now, now, working.id, working.symbol, model::Text(why)});
}

void BinanceVenue::emit_rejected(const model::Order& order, std::string_view why) {
    const auto now = clock_.now();
    sink_.emit(
        model::OrderRejected{now, now, order.id(), order.request().symbol, model::Text(why)});
}

Status BinanceVenue::cancel(const ClientOrderId& id) {
    const auto held = std::find_if(
        held_.begin(), held_.end(), [&](const model::Order& o) { return o.id() == id; });
    if (held != held_.end()) {
        const auto now = clock_.now();
        sink_.emit(model::OrderCanceled{
            now, now, id, held->request().symbol, model::Text("canceled before it was sent")});
        held_.erase(held);
        return ok_status();
    }
    auto it = working_.find(id.str());
    if (it == working_.end()) {
        return make_error(ErrorCode::kNotFound, fmt::format("order {} is not working", id.str()));
    }
    if (it->second.list_id >= 0) {
        return cancel_on_exchange(id.str());
    }
    auto canceled = client_.cancel_order(std::string(it->second.symbol.view()), id.str());
    if (!canceled) {
        return tl::unexpected(canceled.error());
    }
    auto done = sync(it->second, *canceled);
    if (!done) {
        return tl::unexpected(done.error());
    }
    if (*done) {
        done_.insert(id.str());
        working_.erase(it);
    }
    return ok_status();
}

Status BinanceVenue::cancel_on_exchange(const std::string& id) {
    const Working& w = working_.at(id);
    auto canceled = client_.cancel_order_list(std::string(w.symbol.view()), w.list_id);
    if (!canceled && canceled.error().code == ErrorCode::kNotFound) {
        // Nothing of the list is open any more: a leg executed (its fill not read yet). Read
        // both now, so the engine learns it before it acts on the position again.
        return read_legs(id);
    }
    if (!canceled) {
        return tl::unexpected(canceled.error());
    }
    // Both legs end: the one asked for and its partner (canceled with it, as on Binance).
    for (const auto& state : canceled->orders) {
        apply_state(state);
    }
    return ok_status();
}

void BinanceVenue::apply_state(const OrderState& state) {
    auto it = working_.find(state.client_order_id);
    if (it == working_.end()) {
        return;
    }
    if (auto done = sync(it->second, state); done && *done) {
        done_.insert(it->first);
        working_.erase(it);
    }
}

Status BinanceVenue::read_legs(const std::string& id) {
    const auto it = working_.find(id);
    if (it == working_.end()) {
        return ok_status();
    }
    std::vector<std::string> legs{id};
    for (const auto& [leg_id, leg] : working_) {
        if (it->second.list_id >= 0 && leg.list_id == it->second.list_id && leg_id != id) {
            legs.push_back(leg_id);
        }
    }
    const std::string symbol(it->second.symbol.view());
    Status first_error = ok_status();
    for (const auto& leg_id : legs) {
        auto state = client_.query_order(symbol, leg_id);
        if (!state) {
            if (first_error) {
                first_error = tl::unexpected(state.error());  // stays working: poll() retries
            }
            continue;
        }
        apply_state(*state);
    }
    return first_error;
}

Status BinanceVenue::enable_user_stream(UserStreamConfig config, const Clock& wall) {
    stream_config_ = std::move(config);
    wall_ = &wall;
    client_.set_order_probe(
        [this](const std::string& id, Duration wait) { return stream_has(id, wait); });
    return connect_stream();
}

Status BinanceVenue::connect_stream() {
    auto stream = UserStream::connect(*stream_config_, *wall_, client_.time_offset_ms());
    if (!stream) {
        stream_.reset();
        next_connect_ = wall_->now() + backoff_;
        backoff_ = std::min(backoff_ * 2, Duration::from_seconds(30));
        return tl::unexpected(stream.error());
    }
    stream_.emplace(std::move(*stream));
    backoff_ = Duration::from_ms(100);
    ++stats_.stream_connects;
    return ok_status();
}

bool BinanceVenue::drain(Duration wait) {
    while (stream_) {
        auto event = stream_->next(wait);
        if (!event) {
            stream_.reset();  // dropped: REST polling until it is back
            ++stats_.stream_drops;
            next_connect_ = wall_->now();
            return false;
        }
        if (!*event) {
            return true;
        }
        apply(**event);
        wait = Duration{};
    }
    return false;
}

void BinanceVenue::apply(const UserEvent& event) {
    ++stats_.stream_events;
    if (const auto* account = std::get_if<AccountUpdate>(&event)) {
        for (const auto& b : account->balances) {
            balances_[b.asset] = b.free + b.locked;
        }
        return;
    }
    const auto& r = std::get<ExecutionReport>(event);
    auto it = working_.find(r.order_client_id());
    if (it == working_.end()) {
        // Finished already (its fills came over REST), not this session's order, or one whose
        // send is being settled: kept for a while in case it is the last.
        if (done_.count(r.order_client_id()) == 0) {
            if (stray_.count(r.order_client_id()) == 0) {
                stray_order_.push_back(r.order_client_id());
            }
            stray_[r.order_client_id()].push_back(r);
            if (stray_order_.size() > 256) {
                stray_.erase(stray_order_.front());
                stray_order_.erase(stray_order_.begin());
            }
        }
        return;
    }
    Working& w = it->second;
    if (r.order_id != 0 && w.venue_id != 0 && r.order_id != w.venue_id) {
        return;  // an earlier order under this client id (a protective leg placed again)
    }
    if (r.exec_type == "TRADE" && r.trade_id >= 0 && !w.trades_seen.count(r.trade_id)) {
        emit_fill(
            w,
            Fillish{
                r.trade_id,
                r.last_qty,
                r.last_price,
                r.commission,
                r.commission_asset,
                r.maker,
                r.transact_ms},
            r.status == "FILLED");
        ++stats_.stream_fills;
    }
    if (r.status == "FILLED" && w.reported < r.cumulative_qty) {
        // A report is missing (it cannot be on one connection, but be sure): read the trades.
        auto state = client_.query_order(std::string(w.symbol.view()), it->first);
        if (!state || !sync(w, *state)) {
            return;  // stays working; poll() retries
        }
    }
    if (finish(w, r.status)) {
        done_.insert(it->first);
        working_.erase(it);
    }
}

void BinanceVenue::await_reports(const std::string& id, const OrderState& state) {
    const bool terminal = state.status != "NEW" && state.status != "PARTIALLY_FILLED";
    const auto caught_up = [&] {
        const auto it = working_.find(id);
        if (it == working_.end()) {
            return true;  // finished by a report
        }
        return !terminal && it->second.reported >= state.executed_qty;
    };
    // Real elapsed time (the wall clock may be a test's fake).
    const auto deadline =
        std::chrono::steady_clock::now() + std::chrono::nanoseconds(stream_config_->timeout.ns());
    while (!caught_up() && stream_ && std::chrono::steady_clock::now() < deadline) {
        if (!drain(Duration::from_ms(20))) {
            break;
        }
    }
    if (caught_up()) {
        return;
    }
    // The reports did not come: take the order's state over REST (fills deduplicated by trade id).
    ++stats_.stream_timeouts;
    auto it = working_.find(id);
    auto done = sync(it->second, state);
    if (done && *done) {
        done_.insert(id);
        working_.erase(it);
    }
}

Status BinanceVenue::poll() {
    flush_held();
    if (stream_config_) {
        if (!stream_ && wall_->now() >= next_connect_ && connect_stream()) {
            // Back: what happened while it was down is only on REST.
            return poll_rest();
        }
        if (stream_ && drain(Duration{})) {
            return ok_status();
        }
    }
    return poll_rest();
}

Status BinanceVenue::poll_rest() {
    ++stats_.rest_polls;
    Status first_error = ok_status();
    for (auto it = working_.begin(); it != working_.end();) {
        auto state = client_.query_order(std::string(it->second.symbol.view()), it->first);
        Result<bool> done = state ? sync(it->second, *state) : tl::unexpected(state.error());
        if (!done) {
            if (first_error) {
                first_error = tl::unexpected(done.error());
            }
            ++it;
            continue;
        }
        if (*done) {
            done_.insert(it->first);
            it = working_.erase(it);
        } else {
            ++it;
        }
    }
    return first_error;
}

Commission split_commission(const Symbol& symbol, const std::string& asset, Qty amount) {
    Commission out;
    if (amount.is_zero() || asset.empty()) {
        return out;
    }
    const std::string_view name = symbol.view();
    if (name.size() > asset.size() && name.ends_with(asset)) {
        out.quote = Money::from_raw(amount.raw());  // both carry 8 decimals
    } else if (name.size() > asset.size() && name.starts_with(asset)) {
        out.base = amount;
    } else {
        out.other = amount;
    }
    return out;
}

Result<bool> BinanceVenue::sync(Working& working, const OrderState& state) {
    if (!state.executed_qty.is_zero()) {
        auto trades = client_.my_trades(std::string(working.symbol.view()), working.venue_id);
        if (!trades) {
            return tl::unexpected(trades.error());
        }
        for (const auto& trade : *trades) {
            if (working.trades_seen.count(trade.id) != 0) {
                continue;
            }
            // The trade that brings a finished order to its executed quantity is its last.
            const bool last =
                state.status == "FILLED" && working.reported + trade.qty >= state.executed_qty;
            emit_fill(
                working,
                Fillish{
                    trade.id,
                    trade.qty,
                    trade.price,
                    trade.commission,
                    trade.commission_asset,
                    trade.maker,
                    trade.time_ms},
                last);
            ++stats_.rest_fills;
        }
    }
    return finish(working, state.status);
}

void BinanceVenue::emit_fill(Working& working, const Fillish& trade, bool order_complete) {
    working.trades_seen.insert(trade.trade_id);
    working.reported += trade.qty;
    // Binance charges the commission in the asset received (base for a buy, quote for a sell)
    // unless the account pays fees in a third asset such as BNB.
    const auto fee = split_commission(working.symbol, trade.commission_asset, trade.commission);
    if (!fee.other.is_zero()) {
        other_fees_[trade.commission_asset] += fee.other;  // e.g. BNB: not the pair's books
    }
    const model::Fill fill{
        working.id,
        working.symbol,
        working.side,
        trade.qty,
        trade.price,
        fee.quote,
        trade.maker,
        Timestamp::from_unix_ms(trade.time_ms),
        fee.base};
    sink_.emit(model::OrderFilled{fill.ts, clock_.now(), fill, order_complete});
}

bool BinanceVenue::finish(Working& working, const std::string& status) {
    if (status == "FILLED") {
        return true;
    }
    if (status == "CANCELED" || status == "EXPIRED" || status == "REJECTED" ||
        status == "EXPIRED_IN_MATCH") {
        const auto now = clock_.now();
        sink_.emit(model::OrderCanceled{
            now,
            now,
            working.id,
            working.symbol,
            model::Text(fmt::format("binance status {}", status))});
        return true;
    }
    return false;
}

}  // namespace ats::binance
