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
/// user data stream runs. A commission in the quote asset is the fill's `fee`; one charged in the
/// base asset (Binance's buys) is the fill's `base_fee`, so the booked position equals the coins
/// the account received; one in a third asset (BNB) is summed in other_fees(). Not thread-safe:
/// call from the engine thread.
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

    /// Commissions paid in assets other than the pair's base and quote (e.g. BNB), by asset.
    const std::map<std::string, Qty>& other_fees() const noexcept { return other_fees_; }

private:
    struct Working {
        ClientOrderId id;
        Symbol symbol;
        Side side = Side::kBuy;
        std::int64_t venue_id = 0;
        std::set<std::int64_t> trades_seen;
    };

    struct Commission {
        Money quote;
        Qty base;
    };
    Commission split_commission(const Symbol& symbol, const std::string& asset, Qty amount);

    /// Emits fills not seen yet, then the terminal event; true when the order is done.
    Result<bool> sync(Working& working, const OrderState& state);

    RestClient& client_;
    model::EventSink& sink_;
    const Clock& clock_;
    std::map<std::string, Working> working_;  ///< by client order id
    std::set<std::string> done_;              ///< finished client order ids (idempotent submit)
    std::map<std::string, Qty> other_fees_;
};

}  // namespace ats::binance
