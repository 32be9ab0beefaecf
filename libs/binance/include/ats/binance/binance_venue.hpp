#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "ats/binance/rest_client.hpp"
#include "ats/binance/user_stream.hpp"
#include "ats/core/clock.hpp"
#include "ats/model/ports.hpp"

namespace ats::binance {

/// A commission by where it was charged: the pair's quote asset (a fill's `fee`), its base asset
/// (a fill's `base_fee`, Binance's buys), or another asset such as BNB (`other`).
struct Commission {
    Money quote;
    Qty base;
    Qty other;
};
Commission split_commission(const Symbol& symbol, const std::string& asset, Qty amount);

/// The Binance order for an engine order, with the order's own client order id: MARKET
/// (quantity, or quoteOrderQty for a quote budget), LIMIT GTC, and the trigger types: a stop
/// market as STOP_LOSS, a stop limit as STOP_LOSS_LIMIT (GTC), a take profit as TAKE_PROFIT.
Result<NewOrder> to_new_order(const model::Order& order, std::optional<Money> quote_budget);

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
/// take-profit orders only with set_exchange_protection(true), else kRejected (the caller keeps
/// them client-side).
class BinanceVenue final : public model::ExecutionVenue {
public:
    BinanceVenue(RestClient& client, model::EventSink& sink, const Clock& clock);
    ~BinanceVenue() override;
    BinanceVenue(const BinanceVenue&) = delete;
    BinanceVenue& operator=(const BinanceVenue&) = delete;

    Status submit(const model::Order& order, std::optional<Money> quote_budget) override;
    Status cancel(const ClientOrderId& id) override;

    /// Protective orders on the exchange, so a position stays protected while ats is down:
    /// stop-market, stop-limit and take-profit orders go out as STOP_LOSS, STOP_LOSS_LIMIT and
    /// TAKE_PROFIT, and a stop and a target of one OCO group as one OCO list (the first leg is
    /// held until its partner arrives, which the engine sends right after it; a leg still alone
    /// at the next poll() goes out alone). Binance locks the protected coins, so an order that
    /// sells them (an exit) first cancels the protection and, when the exit is refused, places
    /// it again under the same client ids; after a successful exit the legs end as canceled.
    /// Canceling one leg of a list cancels both (as on Binance); both end as canceled.
    void set_exchange_protection(bool on) noexcept { exchange_protection_ = on; }
    bool exchange_protection() const noexcept { return exchange_protection_; }

    /// Takes over an order an earlier run of the session left open on the exchange (a resume):
    /// from now on its fills and its end reach the engine like those of an order placed here.
    /// kNotFound when the exchange does not have it open, kFailedPrecondition when it has
    /// fills already (settle it instead).
    Status adopt(const model::Order& order);

    /// Drives order state from the account's user data stream (WebSocket API) from now on:
    /// connects at once (its error is returned and the venue stays on REST polling). Then
    /// submit() takes an order's fills from the stream's execution reports (waiting up to the
    /// stream's timeout, else reading them over REST), and poll() applies the reports that came
    /// in, reconnects with exponential backoff when the stream drops and polls over REST while it
    /// is down (and once after it is back, for what was missed). `wall` signs the subscription.
    Status enable_user_stream(UserStreamConfig config, const Clock& wall);

    /// Applies pending user-stream events (when enabled and up), else queries every working
    /// order over REST and emits new fills, cancels and expiries. Returns the first transport
    /// error (the orders stay working and are polled again).
    Status poll();

    struct Stats {
        std::uint64_t stream_connects = 0;
        std::uint64_t stream_drops = 0;
        std::uint64_t stream_events = 0;    ///< execution reports and balance updates applied
        std::uint64_t stream_fills = 0;     ///< fills taken from execution reports
        std::uint64_t rest_fills = 0;       ///< fills read over REST (/myTrades)
        std::uint64_t rest_polls = 0;       ///< REST polls of the working orders
        std::uint64_t stream_timeouts = 0;  ///< submits whose reports did not come in time
    };
    const Stats& stats() const noexcept { return stats_; }
    bool user_stream_up() const noexcept { return stream_.has_value(); }
    /// The last balances the user stream reported, by asset (free + locked).
    const std::map<std::string, Qty>& stream_balances() const noexcept { return balances_; }

    std::size_t working_orders() const noexcept { return working_.size(); }
    /// Protective legs waiting for their OCO partner.
    std::size_t held_orders() const noexcept { return held_.size(); }

    /// One placed order's round trip on the system clock (ns): request sent, the exchange's
    /// transactTime moved to the local clock by the measured server offset (and kept inside the
    /// round trip: it has millisecond resolution), response received.
    struct LatencySample {
        std::string order_id;
        std::int64_t request_ns = 0;
        std::int64_t exchange_ns = 0;
        std::int64_t response_ns = 0;
    };
    /// The samples since the last call (the live session stores them for the tick simulator).
    std::vector<LatencySample> take_latencies() { return std::exchange(latencies_, {}); }

    /// Commissions paid in assets other than the pair's base and quote (e.g. BNB), by asset.
    const std::map<std::string, Qty>& other_fees() const noexcept { return other_fees_; }

private:
    struct Working {
        ClientOrderId id;
        Symbol symbol;
        Side side = Side::kBuy;
        std::int64_t venue_id = 0;
        std::set<std::int64_t> trades_seen;
        Qty reported;                            ///< sum of the fills emitted
        std::int64_t list_id = -1;               ///< its OCO list on the exchange, else -1
        std::optional<model::Order> protective;  ///< the engine order, for a protective leg
    };

    /// One trade of an order, from /myTrades or an execution report.
    struct Fillish {
        std::int64_t trade_id = 0;
        Qty qty;
        Price price;
        Qty commission;
        std::string commission_asset;
        bool maker = false;
        std::int64_t time_ms = 0;
    };

    /// Places a non-paired order (the old submit path).
    Status place(const model::Order& order, std::optional<Money> quote_budget);
    /// Binance's -2010 "Order would trigger immediately.": the level is already passed.
    static bool triggers_now(const Error& error);
    /// Sends a protective order whose level the market passed as a market order (same id).
    Status execute_now(const model::Order& order);
    /// Places two protective legs of one OCO group as an OCO list.
    Status place_pair(const model::Order& first, const model::Order& second);
    /// Places protective legs held without a partner, each alone.
    void flush_held();
    /// Cancels the protective legs of `symbol` that sell (or buy) the way `side` does and takes
    /// them out of working_ (they are placed again or reported canceled by the caller).
    std::vector<Working> suspend_protection(const Symbol& symbol, Side side);
    /// Places suspended legs again under their client ids; legs that cannot be placed end as
    /// canceled.
    void restore_protection(std::vector<Working> legs);
    /// Cancels the list or the lone order `id` belongs to on the exchange; every leg canceled
    /// ends (its fills first). kNotFound when nothing was open.
    Status cancel_on_exchange(const std::string& id);
    /// Applies an order state the exchange returned to the working order it is about (fills,
    /// then its end); nothing for an order not working here.
    void apply_state(const OrderState& state);
    /// Queries the working order `id` and the other legs of its list, and applies their states.
    /// Returns the first query error (those orders stay working; poll() reads them again).
    Status read_legs(const std::string& id);
    void emit_canceled(const Working& working, std::string_view why);
    void emit_rejected(const model::Order& order, std::string_view why);

    /// Emits fills not seen yet, then the terminal event; true when the order is done.
    Result<bool> sync(Working& working, const OrderState& state);
    /// Emits the terminal event for `status`; true when the status is terminal.
    bool finish(Working& working, const std::string& status);
    void emit_fill(Working& working, const Fillish& fill, bool order_complete);
    Status poll_rest();
    Status connect_stream();
    /// Reads stream events for up to `wait` (then whatever is already there); false when the
    /// stream dropped.
    bool drain(Duration wait);
    void apply(const UserEvent& event);
    /// RestClient's order probe: drains the stream up to `wait` for a report of `id`.
    bool stream_has(const std::string& id, Duration wait);
    /// After submit: waits for the stream to report what `state` says happened.
    void await_reports(const std::string& id, const OrderState& state);

    RestClient& client_;
    model::EventSink& sink_;
    const Clock& clock_;
    std::map<std::string, Working> working_;  ///< by client order id
    std::set<std::string> done_;              ///< finished client order ids (idempotent submit)
    std::map<std::string, Qty> other_fees_;
    std::optional<UserStreamConfig> stream_config_;
    const Clock* wall_ = nullptr;
    std::optional<UserStream> stream_;
    Timestamp next_connect_;
    Duration backoff_ = Duration::from_ms(100);
    std::map<std::string, Qty> balances_;
    /// Reports for orders not working here (yet): an order whose send timed out is registered
    /// only after its query, and its reports must not be lost meanwhile. Bounded.
    std::map<std::string, std::vector<ExecutionReport>> stray_;
    std::vector<std::string> stray_order_;
    std::vector<LatencySample> latencies_;
    Stats stats_;
    bool exchange_protection_ = false;
    std::vector<model::Order> held_;  ///< protective legs waiting for their OCO partner
};

}  // namespace ats::binance
