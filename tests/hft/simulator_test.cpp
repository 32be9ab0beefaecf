#include "ats/hft/simulator.hpp"

#include <cmath>
#include <functional>
#include <iostream>
#include <string>

#include <gtest/gtest.h>

#include "ats/hft/market_maker.hpp"

namespace ats::hft {
namespace {

Price px(const char* s) {
    return *Price::parse(s);
}
Qty qty(const char* s) {
    return *Qty::parse(s);
}

constexpr std::int64_t kMs = 1'000'000;

// A hand-made recording: bids 100.00 x 5, 99.99 x 5; asks 100.01 x 2, 100.02 x 3, 100.03 x 10.
TickData scripted(std::vector<MarketEvent> events) {
    TickData d(*Symbol::parse("BTCUSDT"));
    d.snapshot_bids = {{px("100.00"), qty("5")}, {px("99.99"), qty("5")}};
    d.snapshot_asks = {
        {px("100.01"), qty("2")}, {px("100.02"), qty("3")}, {px("100.03"), qty("10")}};
    for (auto& e : events) {
        e.end_of_batch = true;
        if (e.local_ns == 0) {
            e.local_ns = e.exch_ns;
        }
    }
    d.events = std::move(events);
    for (std::uint32_t i = 0; i < d.events.size(); ++i) {
        d.local_order.push_back(i);
    }
    return d;
}

MarketEvent trade(std::int64_t t_ms, EventKind kind, const char* price, const char* q) {
    MarketEvent e;
    e.exch_ns = t_ms * kMs;
    e.kind = kind;
    e.price = px(price);
    e.qty = qty(q);
    return e;
}

MarketEvent depth(std::int64_t t_ms, EventKind kind, const char* price, const char* q) {
    return trade(t_ms, kind, price, q);
}

// Sends scripted orders at the first market event it hears, then records fills.
class Script final : public HftStrategy {
public:
    std::function<void(SimContext&)> at_start;
    std::vector<SimFill> heard;
    void on_market(SimContext& ctx, const MarketEvent&) override {
        if (at_start) {
            at_start(ctx);
            at_start = nullptr;
        }
    }
    void on_fill(SimContext&, const SimFill& f) override { heard.push_back(f); }
};

TEST(SlippageTest, TakerWalksTheBookLevelByLevel) {
    auto book = *L2Book::create(px("0.01"), px("90"), px("110"));
    book.set(Side::kSell, book.to_tick(px("100.01")), qty("2"));
    book.set(Side::kSell, book.to_tick(px("100.02")), qty("3"));
    book.set(Side::kSell, book.to_tick(px("100.03")), qty("10"));
    const auto q = walk_book(book, Side::kBuy, qty("6"));
    EXPECT_EQ(q.filled, qty("6"));
    EXPECT_EQ(q.levels, 3);
    EXPECT_EQ(q.last, px("100.03"));
    EXPECT_EQ(q.notional, *Money::parse("600.11"));  // 200.02 + 300.06 + 100.03
    EXPECT_NEAR(q.vwap, 600.11 / 6, 1e-9);
    EXPECT_NEAR(q.impact_bps, (600.11 / 6 - 100.01) / 100.01 * 1e4, 1e-9);
    // A limit stops the walk; an empty side gives nothing.
    EXPECT_EQ(walk_book(book, Side::kBuy, qty("6"), px("100.02")).filled, qty("5"));
    EXPECT_FALSE(walk_book(book, Side::kSell, qty("1")).filled.is_positive());
}

TEST(QueueModelTest, FormulasOfTheRiskAverseAndProbabilisticModels) {
    QueueModel averse;
    EXPECT_DOUBLE_EQ(averse.on_depth(5, 10, 6, 0), 5);  // a cancel behind: no progress
    EXPECT_DOUBLE_EQ(averse.on_depth(5, 10, 3, 0), 3);  // the level shrank below us
    QueueModel power{QueueKind::kPower, 2.0};
    // front 5, back 5: p = 1/2; front' = 5 - 0.5 * 4 + min(5 - 2, 0) = 3.
    EXPECT_DOUBLE_EQ(power.on_depth(5, 10, 6, 0), 3);
    // front 2, back 8: p = 64/68; front' = 2 - (4/68) * 4.
    EXPECT_NEAR(power.on_depth(2, 10, 6, 0), 2 - 4.0 / 68 * 4, 1e-12);
    // The part explained by trades (2 of the 4, already taken off the front, 5 -> 3) does not
    // move us again: the level held 8, so 2 were cancels; front 3, back 5, p = 25/34.
    EXPECT_NEAR(power.on_depth(3, 10, 6, 2), 3 - (1 - 25.0 / 34) * 2, 1e-12);
    QueueModel log{QueueKind::kLog, 0};
    const double p = std::log1p(8) / (std::log1p(8) + std::log1p(2));
    EXPECT_NEAR(log.on_depth(2, 10, 6, 0), 2 - (1 - p) * 4, 1e-12);
    // Growth of the level goes behind us; nothing is ever below 0 or above the level.
    EXPECT_DOUBLE_EQ(power.on_depth(5, 10, 12, 0), 5);
    EXPECT_DOUBLE_EQ(power.on_depth(5, 10, 0, 0), 0);
    // The probabilistic estimate never lags the risk-averse one.
    for (double front = 0; front <= 10; front += 0.5) {
        for (double after = 0; after <= 12; after += 0.5) {
            EXPECT_LE(power.on_depth(front, 10, after, 0), averse.on_depth(front, 10, after, 0));
        }
    }
    EXPECT_FALSE((QueueModel{QueueKind::kPower, 0}.validate()));
}

SimConfig config_with(FillModel fill, std::int64_t entry_ms) {
    SimConfig c;
    c.fill = fill;
    c.entry.constant_ns = entry_ms * kMs;
    c.response.constant_ns = 2 * kMs;
    c.maker_fee_bps = 1;
    c.taker_fee_bps = 5;
    return c;
}

TEST(SimulatorTest, QueuePositionAndPartialFills) {
    // Buy 2 at 100.00 behind 5. Trades hitting 100.00: 4 (1 left ahead), 2 (1 through), 3.
    const auto data = scripted({
        trade(1, EventKind::kTradeBuy, "100.01", "0.1"),  // the strategy's cue
        trade(20, EventKind::kTradeSell, "100.00", "4"),
        trade(30, EventKind::kTradeSell, "100.00", "2"),
        trade(40, EventKind::kTradeSell, "100.00", "3"),
    });
    for (const auto fill : {FillModel::kPartial, FillModel::kNoPartial}) {
        auto sim = *Simulator::create(data, config_with(fill, 10));
        Script s;
        s.at_start = [](SimContext& ctx) {
            EXPECT_NE(ctx.limit(Side::kBuy, px("100.00"), qty("2")), 0U);
        };
        auto r = *sim->run(s);
        if (fill == FillModel::kPartial) {
            ASSERT_EQ(r.fills.size(), 2U);
            EXPECT_EQ(r.fills[0].qty, qty("1"));
            EXPECT_EQ(r.fills[0].exch_ns, 30 * kMs);
            EXPECT_EQ(r.fills[1].qty, qty("1"));
            EXPECT_EQ(r.fills[1].exch_ns, 40 * kMs);
        } else {
            ASSERT_EQ(r.fills.size(), 1U);
            EXPECT_EQ(r.fills[0].qty, qty("2"));
            EXPECT_EQ(r.fills[0].exch_ns, 30 * kMs);
        }
        // Every partial fill reaches the position and the cash, fees included, exactly.
        EXPECT_EQ(r.position, qty("2"));
        EXPECT_EQ(r.cash, *Money::parse("-200.02"));  // 200.00 + 1 bps maker fee
        EXPECT_EQ(r.fees, *Money::parse("0.02"));
        EXPECT_EQ(s.heard.size(), r.fills.size());
        // Bought 2 at 100.00 with the mid at 100.005: 0.01 of spread captured; the final mid is
        // the snapshot's, so the inventory earned 2 x 0.005 more and fees took 0.02.
        EXPECT_NEAR(r.spread_capture, 0.01, 1e-9);
        EXPECT_NEAR(r.spread_capture + r.inventory_pnl - r.fees.to_double(), r.equity_change, 1e-9);
        for (const auto& f : r.fills) {
            EXPECT_TRUE(f.maker);
            EXPECT_EQ(f.price, px("100.00"));
            EXPECT_EQ(f.local_ns, f.exch_ns + 2 * kMs);
        }
    }
}

TEST(SimulatorTest, LatencyKeepsAnOrderOutOfTradesBeforeItArrives) {
    // The trade through 100.00 at 5 ms comes before the order arrives (1 + 10 ms): no fill.
    const auto data = scripted({
        trade(1, EventKind::kTradeBuy, "100.01", "0.1"),
        trade(5, EventKind::kTradeSell, "99.99", "10"),
        trade(30, EventKind::kTradeSell, "99.99", "1"),
    });
    auto sim = *Simulator::create(data, config_with(FillModel::kPartial, 10));
    Script s;
    s.at_start = [](SimContext& ctx) {
        ctx.limit(Side::kBuy, px("100.00"), qty("1"));
    };
    auto r = *sim->run(s);
    ASSERT_EQ(r.fills.size(), 1U);
    EXPECT_EQ(r.fills[0].exch_ns, 30 * kMs);  // the trade through at 30 ms fills it whole
    EXPECT_EQ(r.fills[0].qty, qty("1"));
}

TEST(SimulatorTest, MarketOrdersWalkTheBookAndCancelsRaceFills) {
    const auto data = scripted({
        trade(1, EventKind::kTradeBuy, "100.01", "0.1"),
        depth(50, EventKind::kDepthAsk, "100.01", "0"),
        trade(60, EventKind::kTradeSell, "100.00", "100"),
    });
    auto sim = *Simulator::create(data, config_with(FillModel::kPartial, 10));
    Script s;
    std::uint64_t resting = 0;
    s.at_start = [&](SimContext& ctx) {
        EXPECT_NE(ctx.market(Side::kBuy, qty("6")), 0U);
        resting = ctx.limit(Side::kBuy, px("100.00"), qty("1"));
        ctx.cancel(resting);  // arrives right after the order: never fills
        EXPECT_EQ(ctx.limit(Side::kBuy, px("100.005"), qty("1")), 0U);  // off the tick
        EXPECT_EQ(ctx.market(Side::kBuy, qty("0.000001")), 0U);         // below the lot
    };
    auto r = *sim->run(s);
    EXPECT_EQ(r.orders_refused, 2U);
    ASSERT_EQ(r.fills.size(), 3U);  // three levels taken
    EXPECT_EQ(r.taker_fills, 3U);
    EXPECT_EQ(r.position, qty("6"));
    Money paid;
    for (const auto& f : r.fills) {
        EXPECT_FALSE(f.maker);
        EXPECT_EQ(f.exch_ns, 11 * kMs);
        paid += *notional(f.price, f.qty, Round::kHalfEven) + f.fee;
    }
    EXPECT_EQ(r.cash, -paid);
}

}  // namespace
}  // namespace ats::hft

namespace ats::hft {
namespace {

// The example market maker on 11 minutes of real BTCUSDT ticks, under each queue and fill model:
// causality of every fill, exact reconciliation of position and cash, bounded inventory.
TEST(SimulatorTest, MarketMakerOnRealTicksReconcilesUnderEveryModel) {
    const std::string dir = std::string(ATS_BUNDLED_DATA_DIR) + "/ticks/";
    const std::string w = "2024-08-08_2354_to_2024-08-09_0005.csv.gz";
    TickLoadOptions lo;
    lo.base_feed_latency = Duration::from_ms(5);
    auto data = load_binance_ticks(
        *Symbol::parse("BTCUSDT"),
        {dir + "BTCUSDT_spot_trades_" + w,
         dir + "BTCUSDT_spot_depth_snapshot_" + w,
         dir + "BTCUSDT_spot_depth_diff_100ms_" + w},
        lo);
    ASSERT_TRUE(data) << data.error().message;
    struct Case {
        const char* name;
        QueueModel queue;
        FillModel fill;
    };
    for (const Case& c :
         {Case{"risk-averse", {QueueKind::kRiskAverse, 0}, FillModel::kPartial},
          Case{"power 2", {QueueKind::kPower, 2}, FillModel::kPartial},
          Case{"log", {QueueKind::kLog, 0}, FillModel::kPartial},
          Case{"power 2, no partial", {QueueKind::kPower, 2}, FillModel::kNoPartial}}) {
        SCOPED_TRACE(c.name);
        SimConfig cfg;
        cfg.queue = c.queue;
        cfg.fill = c.fill;
        cfg.entry.samples_ns = {3 * kMs, 5 * kMs, 8 * kMs, 20 * kMs};  // an empirical distribution
        cfg.entry.seed = 11;
        cfg.response.constant_ns = 4 * kMs;
        cfg.maker_fee_bps = c.fill == FillModel::kNoPartial ? -0.5 : 1;  // a maker rebate
        cfg.taker_fee_bps = 7.5;
        auto sim = Simulator::create(*data, cfg);
        ASSERT_TRUE(sim) << sim.error().message;
        MakerParams mp;
        QuoteMaker maker(mp);
        auto r = (*sim)->run(maker);
        ASSERT_TRUE(r) << r.error().message;
        EXPECT_GT(r->fills.size(), 10U);
        EXPECT_GT(r->orders_sent, r->fills.size() / 2);
        Qty pos;
        Money cash;
        Money fees;
        for (const auto& f : r->fills) {
            ASSERT_GE(f.exch_ns, f.sent_ns + 3 * kMs) << "a fill before its order could arrive";
            ASSERT_EQ(f.local_ns, f.exch_ns + 4 * kMs);
            const Money value = *notional(f.price, f.qty, Round::kHalfEven);
            pos += f.side == Side::kBuy ? f.qty : -f.qty;
            cash += f.side == Side::kBuy ? -value : value;
            cash -= f.fee;
            fees += f.fee;
        }
        EXPECT_EQ(r->position, pos);
        EXPECT_EQ(r->cash, cash);
        EXPECT_EQ(r->fees, fees);
        // The local account (the engine's portfolio, from the reports) equals the exchange's.
        EXPECT_EQ(r->local_position, r->position);
        EXPECT_EQ(r->local_cash, r->cash);
        if (cfg.maker_fee_bps < 0) {  // every maker fill earned a rebate
            for (const auto& f : r->fills) {
                EXPECT_EQ(f.fee.is_negative(), f.maker);
            }
        }
        EXPECT_LE(r->position, mp.max_position + mp.quote_qty);
        EXPECT_GE(r->position, -(mp.max_position + mp.quote_qty));
        EXPECT_NEAR(
            r->spread_capture + r->inventory_pnl - r->fees.to_double(), r->equity_change, 1e-6);
        std::cout << c.name << ": " << r->events << " events, " << r->orders_sent << " orders, "
                  << r->fills.size() << " fills (" << r->maker_fills << " maker), position "
                  << r->position.to_string() << ", P&L " << r->equity_change << " USDT after fees "
                  << r->fees.to_string() << "\n";
    }
}

TEST(SimulatorTest, AvellanedaStoikovQuotesBehindTheTouchAndReconciles) {
    const std::string dir = std::string(ATS_BUNDLED_DATA_DIR) + "/ticks/";
    const std::string w = "2024-08-08_2354_to_2024-08-09_0005.csv.gz";
    auto data = load_binance_ticks(
        *Symbol::parse("BTCUSDT"),
        {dir + "BTCUSDT_spot_trades_" + w,
         dir + "BTCUSDT_spot_depth_snapshot_" + w,
         dir + "BTCUSDT_spot_depth_diff_100ms_" + w},
        {});
    ASSERT_TRUE(data) << data.error().message;
    AvellanedaStoikovParams ap;
    ASSERT_TRUE(ap.validate());
    ap.gamma = 0;
    EXPECT_FALSE(ap.validate());
    ap.gamma = 0.1;
    SimConfig cfg;
    cfg.queue = {QueueKind::kPower, 2};
    cfg.entry.constant_ns = 5 * kMs;
    cfg.response.constant_ns = 5 * kMs;
    cfg.maker_fee_bps = 1;
    cfg.taker_fee_bps = 7.5;
    AvellanedaStoikovMaker maker(ap);
    auto r = *(*Simulator::create(*data, cfg))->run(maker);
    EXPECT_GT(maker.sigma2(), 0);
    EXPECT_GT(r.fills.size(), 5U);
    // Quotes are placed at or behind the local touch: nearly every fill is a maker fill.
    EXPECT_GE(r.maker_fills * 10, r.fills.size() * 8);
    Qty pos;
    for (const auto& f : r.fills) {
        pos += f.side == Side::kBuy ? f.qty : -f.qty;
    }
    EXPECT_EQ(r.position, pos);
    EXPECT_LE(r.position, ap.max_position + ap.quote_qty);
    EXPECT_GE(r.position, -(ap.max_position + ap.quote_qty));
    EXPECT_NEAR(r.spread_capture + r.inventory_pnl - r.fees.to_double(), r.equity_change, 1e-6);
}

TEST(SimulatorTest, ImbalanceTakerOnRealTicksTakesOnlyAndStaysWithinItsLimit) {
    const std::string dir = std::string(ATS_BUNDLED_DATA_DIR) + "/ticks/";
    const std::string w = "2024-08-08_2354_to_2024-08-09_0005.csv.gz";
    auto data = load_binance_ticks(
        *Symbol::parse("ETHUSDT"),
        {dir + "ETHUSDT_spot_trades_" + w,
         dir + "ETHUSDT_spot_depth_snapshot_" + w,
         dir + "ETHUSDT_spot_depth_diff_100ms_" + w},
        {});
    ASSERT_TRUE(data) << data.error().message;
    SimConfig cfg;
    cfg.entry.constant_ns = 5 * kMs;
    cfg.response.constant_ns = 5 * kMs;
    cfg.taker_fee_bps = 7.5;
    ImbalanceParams ip;
    ASSERT_TRUE(ip.validate());
    ip.threshold = 1.5;
    EXPECT_FALSE(ip.validate());
    ip.threshold = 0.6;
    ImbalanceTaker taker(ip);
    auto r = *(*Simulator::create(*data, cfg))->run(taker);
    EXPECT_GT(r.fills.size(), 20U);
    EXPECT_EQ(r.maker_fills, 0U);
    EXPECT_LE(r.position, ip.max_position);
    EXPECT_GE(r.position, -ip.max_position);
    // One order at a time, at least a cooldown apart.
    for (std::size_t i = 1; i < r.fills.size(); ++i) {
        if (r.fills[i].order_id != r.fills[i - 1].order_id) {
            EXPECT_GE(r.fills[i].sent_ns - r.fills[i - 1].sent_ns, ip.cooldown_ns);
        }
    }
}

}  // namespace
}  // namespace ats::hft
