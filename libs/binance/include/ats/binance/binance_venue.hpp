#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>

#include "ats/binance/rest_client.hpp"
#include "ats/core/clock.hpp"
#include "ats/model/ports.hpp"

namespace ats::binance {

/// The execution port on a Binance Spot REST account (the real one, the Spot testnet or
/// `ats exchange-sim`). submit() places the order idempotently (same client order id on every
/// retry, queried before any resend) and emits fills it already has; poll() drives the state of
/// working orders by REST (GET /order, then /myTrades for exact fills), the fallback for when no
/// user data stream runs. Fills carry the fee in the quote asset: a commission charged in the base
/// asset is converted at the trade price. Not thread-safe: call from the engine thread.
///
/// Order types: MARKET (quantity, or quoteOrderQty for a quote budget) and LIMIT GTC; stop and
/// take-profit orders are refused with kRejected (the risk layer keeps them client-side).
class BinanceVenue final : public model::ExecutionVenue {
public:
    BinanceVenue(RestClient& client, model::EventSink& sink, const Clock& clock);

    Status submit(const model::Order& order, std::optional<Money> quote_budget) override;
    Status cancel(const ClientOrderId& id) override;

    /// Queries every working order and emits new fills, cancels and expiries. Returns the first
    /// transport error (the orders stay working and are polled again).
    Status poll();

    std::size_t working_orders() const noexcept { return working_.size(); }

private:
    struct Working {
        ClientOrderId id;
        Symbol symbol;
        Side side = Side::kBuy;
        std::int64_t venue_id = 0;
        std::set<std::int64_t> trades_seen;
    };

    /// Emits fills not seen yet, then the terminal event; true when the order is done.
    Result<bool> sync(Working& working, const OrderState& state);

    RestClient& client_;
    model::EventSink& sink_;
    const Clock& clock_;
    std::map<std::string, Working> working_;  ///< by client order id
    std::set<std::string> done_;              ///< finished client order ids (idempotent submit)
};

}  // namespace ats::binance
