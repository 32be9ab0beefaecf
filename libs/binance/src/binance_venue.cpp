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

BinanceVenue::BinanceVenue(RestClient& client, model::EventSink& sink, const Clock& clock)
    : client_(client), sink_(sink), clock_(clock) {}

Status BinanceVenue::submit(const model::Order& order, std::optional<Money> quote_budget) {
    const auto& id = order.id().str();
    if (working_.count(id) != 0 || done_.count(id) != 0) {
        return make_error(ErrorCode::kAlreadyExists, fmt::format("order {} already placed", id));
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
    Working working{order.id(), request.symbol, request.side, placed->order_id, {}, {}};
    if (stream_) {
        // The execution reports drive the order; they are already on their way.
        working_.emplace(id, std::move(working));
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

Status BinanceVenue::cancel(const ClientOrderId& id) {
    auto it = working_.find(id.str());
    if (it == working_.end()) {
        return make_error(ErrorCode::kNotFound, fmt::format("order {} is not working", id.str()));
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

Status BinanceVenue::enable_user_stream(UserStreamConfig config, const Clock& wall) {
    stream_config_ = std::move(config);
    wall_ = &wall;
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
        return;  // finished already (its fills came over REST) or not this session's order
    }
    Working& w = it->second;
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
