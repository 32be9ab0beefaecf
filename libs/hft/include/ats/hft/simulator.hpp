#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "ats/core/error.hpp"
#include "ats/core/fixed_point.hpp"
#include "ats/core/side.hpp"
#include "ats/execution/portfolio.hpp"
#include "ats/hft/l2_book.hpp"
#include "ats/hft/queue_model.hpp"
#include "ats/hft/tick_data.hpp"
#include "ats/risk/risk_manager.hpp"

namespace ats::hft {

/// What a taker order would get by walking the book level by level (the slippage calculator).
struct TakerQuote {
    Qty filled;       ///< may be less than asked when the book runs out (or the limit stops it)
    Money notional;   ///< sum of price x qty over the levels taken
    int levels = 0;   ///< price levels touched
    Price best;       ///< the touch before the order
    Price last;       ///< the worst price taken
    double vwap = 0;  ///< notional / filled
    double impact_bps = 0;  ///< (vwap - best) / best in bps, against the taker (>= 0)
};

/// Walks `side`'s opposite levels of `book` from the touch for `qty`, not beyond `limit` when
/// `limit` is positive.
TakerQuote walk_book(const L2Book& book, Side side, Qty qty, Price limit = Price{});

/// Order entry and response latency: constant, or drawn from recorded samples (nanoseconds) with
/// a seeded generator (deterministic for a seed).
struct LatencyModel {
    std::int64_t constant_ns = 0;
    std::vector<std::int64_t> samples_ns;  ///< when not empty, each latency is one of these
    std::uint64_t seed = 1;

    Status validate() const;
};

/// One recorded order round trip: when we sent it, when the exchange stamped it (its
/// transaction time), when we heard the answer; all nanoseconds. `ats live` records these into
/// its state store (`order_latency` table) and `ats hft-backtest` reads them back.
struct LatencyRow {
    std::int64_t request_ns = 0;
    std::int64_t exchange_ns = 0;
    std::int64_t response_ns = 0;
};

/// request_ns,exchange_ns,response_ns rows (CSV, header first, plain or gzip). kParse names the
/// line; rows where the exchange stamp is before the request or the response before the
/// exchange (clocks out of sync) are refused, as are latencies over a minute. Sorted by request.
Result<std::vector<LatencyRow>> load_latency_rows(const std::string& path);

/// Whether a resting order whose queue ahead is used up fills all at once (no-partial-fill, as
/// hftbacktest's NoPartialFillExchange) or by the traded quantity beyond the queue (partial).
enum class FillModel : std::uint8_t { kNoPartial, kPartial };

struct SimConfig {
    QueueModel queue;
    FillModel fill = FillModel::kPartial;
    LatencyModel entry;     ///< local send -> exchange
    LatencyModel response;  ///< exchange -> local report
    double maker_fee_bps = 0;
    double taker_fee_bps = 0;
    Price tick_size = Price::from_raw(1'000'000);  ///< 0.01
    Qty lot_size = Qty::from_raw(1'000);           ///< 0.00001
    /// When not empty, both latencies are interpolated from these rows (hftbacktest's
    /// IntpOrderLatency): entry = exchange - request and response = response - exchange, linear
    /// in the request time between the two rows around it. Rows that do not cover the replay
    /// are aligned to its start and repeated (docs/hft.md).
    std::vector<LatencyRow> recorded_latency;
    /// Self-impact: depth our taker orders consumed is missing from the level and comes back
    /// exponentially with this half-life (0: off, the book stays as recorded).
    std::int64_t impact_halflife_ns = 0;
    /// The local account (the engine's portfolio) and its risk limits (the engine's risk
    /// manager: pre-trade checks on every order, the drawdown kill switch and daily loss judged
    /// on one-second bars of the local mid).
    Money initial_cash = Money::from_units(10'000);
    risk::RiskLimits risk;

    Status validate() const;
};

struct SimFill {
    std::uint64_t order_id = 0;
    Side side = Side::kBuy;
    Price price;
    Qty qty;
    Money fee;
    bool maker = false;
    double mid = 0;             ///< the exchange's mid when it matched (for spread capture)
    std::int64_t sent_ns = 0;   ///< when the strategy sent the order (local clock)
    std::int64_t exch_ns = 0;   ///< when the exchange matched it
    std::int64_t local_ns = 0;  ///< when the strategy heard of it
};

/// What happened to one order, for the report: latencies, queue wait, fill ratio by distance.
struct OrderRecord {
    std::uint64_t id = 0;
    Side side = Side::kBuy;
    bool market = false;
    bool rested = false;  ///< it joined the book (a maker order)
    Price price;
    Qty qty;
    Qty filled;
    std::int64_t sent_ns = 0;         ///< local clock
    std::int64_t arrive_ns = -1;      ///< exchange clock; -1 when it never arrived
    std::int64_t ack_ns = -1;         ///< local: when the strategy heard it rests
    std::int64_t first_fill_ns = -1;  ///< exchange clock
    std::int64_t cancel_ns = -1;      ///< local: when the strategy asked to cancel it
    std::int64_t touch_ticks = 0;  ///< on arrival, ticks behind the same side's best (< 0: inside)
    double queue_at_arrival = 0;   ///< quantity ahead when it joined
};

struct OpenOrder {
    std::uint64_t id = 0;
    Side side = Side::kBuy;
    Price price;
    Qty qty;
    Qty filled;
    bool live = false;       ///< the exchange has it (acknowledged to the strategy when true)
    double queue_ahead = 0;  ///< the model's estimate (exchange side)
    std::int64_t sent_local_ns = 0;
};

class Simulator;

/// What a strategy sees and may do; everything is on the local clock.
class SimContext {
public:
    explicit SimContext(Simulator& sim) : sim_(sim) {}
    std::int64_t now() const noexcept;
    const L2Book& book() const noexcept;  ///< the book as heard locally
    Qty position() const noexcept;
    Money cash() const noexcept;
    const std::vector<OpenOrder>& orders() const noexcept;  ///< working orders, as known locally
    /// The local account: the engine's portfolio, from the fills as they are heard.
    const execution::Portfolio& portfolio() const noexcept;
    /// The risk manager halted entries (kill switch): only reducing orders pass.
    bool halted() const noexcept;
    /// Calls on_timer at local time `at_ns` (not before now); timers stop with the data.
    void set_timer(std::int64_t at_ns);
    /// A limit order at `price` (GTC); arrives after the entry latency. 0 when refused (bad size
    /// or price, or the risk manager's pre-trade check: SimResult counts and names them).
    std::uint64_t limit(Side side, Price price, Qty qty);
    /// A market order for `qty`; walks the exchange's book on arrival.
    std::uint64_t market(Side side, Qty qty);
    /// Cancels an order; takes effect on arrival unless it filled first.
    void cancel(std::uint64_t id);

private:
    Simulator& sim_;
};

class HftStrategy {
public:
    virtual ~HftStrategy() = default;
    /// After each depth batch and each trade heard locally (then on_depth or on_trade).
    virtual void on_market(SimContext& ctx, const MarketEvent& event) = 0;
    /// After a depth batch: the local book is consistent again; `last` is its last level.
    virtual void on_depth(SimContext& /*ctx*/, const MarketEvent& /*last*/) {}
    /// After a trade (price, quantity, aggressor side in `kind`).
    virtual void on_trade(SimContext& /*ctx*/, const MarketEvent& /*trade*/) {}
    virtual void on_fill(SimContext& /*ctx*/, const SimFill& /*fill*/) {}
    /// An order's state as the exchange reported it, after the response latency: acknowledged
    /// (resting), or done (filled, canceled, or the unfilled rest of a market order).
    virtual void on_order_update(SimContext& /*ctx*/, const OpenOrder& /*order*/, bool /*done*/) {}
    virtual void on_timer(SimContext& /*ctx*/, std::int64_t /*now_ns*/) {}
};

struct SimSample {
    std::int64_t exch_ns = 0;
    double mid = 0;
    double position = 0;
    double equity = 0;  ///< cash + position x mid
};

struct SimResult {
    std::vector<SimFill> fills;
    std::vector<OrderRecord> orders;  ///< every order sent, by id - 1
    std::vector<SimSample> samples;   ///< one per second of exchange time, for plots
    Qty position;
    Money cash;
    Money fees;
    double final_mid = 0;
    double equity_change = 0;  ///< cash + position x final mid (starting flat with 0 cash)
    /// equity_change = spread_capture + inventory_pnl - fees: what the fills earned against the
    /// mid when they happened, what holding the inventory earned as the mid moved, and fees.
    double spread_capture = 0;
    double inventory_pnl = 0;
    std::size_t events = 0;
    std::size_t orders_sent = 0;
    std::size_t orders_refused = 0;
    std::size_t maker_fills = 0;
    std::size_t taker_fills = 0;
    std::size_t risk_rejections = 0;  ///< orders the risk manager refused (part of orders_refused)
    std::string first_rejection;      ///< the first reason it gave
    bool halted = false;              ///< the kill switch fired
    std::string halt_reason;
    std::int64_t halt_ns = 0;
    /// The local portfolio at the end (every report heard): equals the exchange side's cash and
    /// position exactly.
    Money local_cash;
    Qty local_position;
};

/// A tick-level exchange and strategy loop on one symbol's recording. The exchange side applies
/// events in exchange time and matches the user's orders (queue model, fill model); the strategy
/// hears events and reports after their latencies, on a second book kept in local time. Events
/// at the same instant: exchange first, then order arrivals, then local notifications.
class Simulator {
public:
    static Result<std::unique_ptr<Simulator>> create(const TickData& data, SimConfig config);
    ~Simulator();
    /// The whole recording at once (begin, advance to the end, finish). Once per simulator.
    Result<SimResult> run(HftStrategy& strategy);

    /// Stepwise use (the Gym environment): begin(), then advance() to local times, acting
    /// through context() in between, then finish(). advance() processes everything up to and
    /// including `until_ns` and moves the local clock there; false once the recording and every
    /// pending action are done.
    Status begin(HftStrategy& strategy);
    Result<bool> advance(std::int64_t until_ns);
    SimContext context();
    std::int64_t now() const noexcept;  ///< the local clock
    SimResult finish() const;

private:
    friend class SimContext;
    struct Impl;
    Simulator() = default;
    std::unique_ptr<Impl> impl_;
};

}  // namespace ats::hft
