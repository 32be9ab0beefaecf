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
/// orders (same client order id) once the market reached the trigger: on each best bid/ask of
/// the bookTicker stream (a sell stop when the bid fell to it, a sell target when the bid rose to
/// it; a buy's on the ask), and on each closed bar for what the stream missed (the bar's low or
/// high). Every other order goes straight to the venue. Used by `ats live --client-stops`; the
/// default puts them on the exchange. Nothing protects the position while the process is down.
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

    /// A best bid/ask of `symbol` from the bookTicker stream: a sell stop fires when the bid
    /// reached it, a sell target when the bid did (a buy's on the ask). Returns how many were
    /// sent. This is how the fallback judges them live, between bars.
    int on_quote(const Symbol& symbol, Price bid, Price ask, Timestamp now) {
        return fire(symbol, now, [&](const model::OrderRequest& r) {
            const Price p = r.side == Side::kSell ? bid : ask;
            return triggered(r, p, p);
        });
    }

    /// After `bar` of `symbol` closed (clock at its close): sends the orders the bar traded
    /// through (what the quote stream missed, e.g. while it was down). Returns how many.
    int on_bar(const Symbol& symbol, const model::Bar& bar, Timestamp now) {
        return fire(symbol, now, [&](const model::OrderRequest& r) {
            return triggered(r, bar.low, bar.high);
        });
    }

    std::size_t held() const noexcept { return held_.size(); }

private:
    /// Sends the held orders of `symbol` that `hit` says triggered as market orders (same client
    /// order id). Of an OCO pair the stop wins when both triggered (the conservative reading, as
    /// the backtest's bar venue does); the other leg is canceled.
    template <class Hit>
    int fire(const Symbol& symbol, Timestamp now, Hit hit) {
        now_ = now;
        std::vector<model::Order> due;
        for (auto it = held_.begin(); it != held_.end();) {
            const auto& r = it->second.request();
            if (r.symbol != symbol || !hit(r)) {
                ++it;
                continue;
            }
            const bool stop = r.type != model::OrderType::kTakeProfit;
            auto same_group = std::find_if(due.begin(), due.end(), [&](const model::Order& o) {
                return r.oco_group != 0 && o.request().oco_group == r.oco_group;
            });
            if (same_group == due.end()) {
                due.push_back(it->second);
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
        for (const auto& held : due) {
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

    /// Whether prices from `low` to `high` reached the order's trigger.
    static bool triggered(const model::OrderRequest& r, Price low, Price high) {
        const Price trigger = *r.trigger_price;
        const bool stop = r.type != model::OrderType::kTakeProfit;
        if (r.side == Side::kSell) {
            return stop ? low <= trigger : high >= trigger;
        }
        return stop ? high >= trigger : low <= trigger;
    }

    model::ExecutionVenue& venue_;
    model::EventSink& sink_;
    std::map<std::string, model::Order> held_;
    Timestamp now_;
};

}  // namespace ats::runtime::detail
