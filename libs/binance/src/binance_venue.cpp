#include "ats/binance/binance_venue.hpp"

#include <utility>

#include <fmt/format.h>

#include "ats/model/events.hpp"

namespace ats::binance {

BinanceVenue::BinanceVenue(RestClient& client, model::EventSink& sink, const Clock& clock)
    : client_(client), sink_(sink), clock_(clock) {}

Status BinanceVenue::submit(const model::Order& order, std::optional<Money> quote_budget) {
    const auto& id = order.id().str();
    if (working_.count(id) != 0 || done_.count(id) != 0) {
        return make_error(ErrorCode::kAlreadyExists, fmt::format("order {} already placed", id));
    }
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
    auto placed = client_.place_order(out);
    if (!placed) {
        auto error = placed.error();
        if (error.code != ErrorCode::kUnavailable && error.code != ErrorCode::kTimeout) {
            error.code = ErrorCode::kRejected;  // the exchange refused it: not retryable as is
        }
        return tl::unexpected(std::move(error));
    }
    Working working{order.id(), request.symbol, request.side, placed->order_id, {}};
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

Status BinanceVenue::poll() {
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

BinanceVenue::Commission BinanceVenue::split_commission(
    const Symbol& symbol, const std::string& asset, Qty amount) {
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
        other_fees_[asset] += amount;  // e.g. BNB: not part of the traded pair's books
    }
    return out;
}

Result<bool> BinanceVenue::sync(Working& working, const OrderState& state) {
    const auto now = clock_.now();
    if (!state.executed_qty.is_zero()) {
        auto trades = client_.my_trades(std::string(working.symbol.view()), working.venue_id);
        if (!trades) {
            return tl::unexpected(trades.error());
        }
        for (const auto& trade : *trades) {
            if (!working.trades_seen.insert(trade.id).second) {
                continue;
            }
            // Binance charges the commission in the asset received (base for a buy, quote for a
            // sell) unless the account pays fees in a third asset such as BNB.
            const auto fee =
                split_commission(working.symbol, trade.commission_asset, trade.commission);
            model::Fill fill{
                working.id,
                working.symbol,
                working.side,
                trade.qty,
                trade.price,
                fee.quote,
                trade.maker,
                Timestamp::from_unix_ms(trade.time_ms),
                fee.base};
            sink_.emit(model::OrderFilled{fill.ts, now, fill});
        }
    }
    if (state.status == "FILLED") {
        return true;
    }
    if (state.status == "CANCELED" || state.status == "EXPIRED" || state.status == "REJECTED" ||
        state.status == "EXPIRED_IN_MATCH") {
        sink_.emit(model::OrderCanceled{
            now,
            now,
            working.id,
            working.symbol,
            model::Text(fmt::format("binance status {}", state.status))});
        return true;
    }
    return false;
}

}  // namespace ats::binance
