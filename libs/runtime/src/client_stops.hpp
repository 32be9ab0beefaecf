#pragma once

#include <algorithm>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "ats/model/bar.hpp"
#include "ats/model/events.hpp"
#include "ats/model/order.hpp"
#include "ats/model/ports.hpp"

namespace ats::runtime::detail {

/// Keeps stop-market, stop-limit and take-profit orders on the client and sends them as market
/// orders (same client order id) once a closed bar traded through the trigger: a sell stop when
/// the bar's low reached it, a sell target when its high did (mirrored for buys). Every other
/// order goes straight to the venue. Used by `ats live`, whose venue does not send trigger orders
/// to Binance. The trigger is judged on the closed bar, so the exit is sent right after that
/// bar's close, never on data not yet seen; a gap through the stop fills at the market price.
class ClientStops final : public model::ExecutionVenue {
public:
    ClientStops(model::ExecutionVenue& venue, model::EventSink& sink)
        : venue_(venue), sink_(sink) {}

    Status submit(const model::Order& order, std::optional<Money> quote_budget) override {
        const auto type = order.request().type;
        if (type != model::OrderType::kStopMarket && type != model::OrderType::kStopLimit &&
            type != model::OrderType::kTakeProfit) {
            return venue_.submit(order, quote_budget);
        }
        if (!order.request().trigger_price) {
            return make_error(
                ErrorCode::kRejected, fmt::format("order {}: no trigger price", order.id().str()));
        }
        held_.insert_or_assign(order.id().str(), order);
        return ok_status();
    }

    Status cancel(const ClientOrderId& id) override {
        const auto it = held_.find(id.str());
        if (it == held_.end()) {
            return venue_.cancel(id);
        }
        const auto symbol = it->second.request().symbol;
        held_.erase(it);
        sink_.emit(model::OrderCanceled{now_, now_, id, symbol, model::Text("canceled (client)")});
        return ok_status();
    }

    /// After `bar` of `symbol` closed (clock at its close): sends the triggered orders as market
    /// orders. Returns how many were sent.
    int on_bar(const Symbol& symbol, const model::Bar& bar, Timestamp now) {
        now_ = now;
        // Triggered orders; of an OCO pair the stop wins when the bar reached both (the
        // conservative reading, as the backtest's bar venue does), and the other leg is canceled.
        std::vector<model::Order> fire;
        for (auto it = held_.begin(); it != held_.end();) {
            const auto& r = it->second.request();
            if (r.symbol != symbol || !triggered(r, bar)) {
                ++it;
                continue;
            }
            const bool stop = r.type != model::OrderType::kTakeProfit;
            auto same_group = std::find_if(fire.begin(), fire.end(), [&](const model::Order& o) {
                return r.oco_group != 0 && o.request().oco_group == r.oco_group;
            });
            if (same_group == fire.end()) {
                fire.push_back(it->second);
            } else {
                const model::Order& loser = stop ? *same_group : it->second;
                sink_.emit(model::OrderCanceled{
                    now, now, loser.id(), symbol, model::Text("other leg triggered")});
                if (stop) {
                    *same_group = it->second;
                }
            }
            it = held_.erase(it);
        }
        int sent = 0;
        for (const auto& held : fire) {
            // The pair's other leg (triggered or not) is canceled: only one may fill.
            for (auto it = held_.begin(); it != held_.end();) {
                if (held.request().oco_group != 0 &&
                    it->second.request().oco_group == held.request().oco_group) {
                    sink_.emit(model::OrderCanceled{
                        now, now, it->second.id(), symbol, model::Text("other leg triggered")});
                    it = held_.erase(it);
                } else {
                    ++it;
                }
            }
            model::OrderRequest market = held.request();
            market.type = model::OrderType::kMarket;
            market.limit_price.reset();
            market.trigger_price.reset();
            const model::Order order(held.id(), market, held.created());
            if (auto s = venue_.submit(order, std::nullopt); !s) {
                sink_.emit(model::OrderRejected{
                    now, now, order.id(), symbol, model::Text(s.error().message)});
            }
            ++sent;
        }
        return sent;
    }

    std::size_t held() const noexcept { return held_.size(); }

private:
    static bool triggered(const model::OrderRequest& r, const model::Bar& bar) {
        const Price trigger = *r.trigger_price;
        const bool stop = r.type != model::OrderType::kTakeProfit;
        if (r.side == Side::kSell) {
            return stop ? bar.low <= trigger : bar.high >= trigger;
        }
        return stop ? bar.high >= trigger : bar.low <= trigger;
    }

    model::ExecutionVenue& venue_;
    model::EventSink& sink_;
    std::map<std::string, model::Order> held_;
    Timestamp now_;
};

}  // namespace ats::runtime::detail
