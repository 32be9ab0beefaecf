// The simulator's latency, impact, timer, order-record and risk features.
#include <cstdio>
#include <fstream>
#include <functional>
#include <string>

#include <gtest/gtest.h>

#include "ats/hft/calibration.hpp"
#include "ats/hft/market_maker.hpp"
#include "ats/hft/simulator.hpp"

namespace ats::hft {
namespace {

constexpr std::int64_t kMs = 1'000'000;

Price px(const char* s) {
    return *Price::parse(s);
}
Qty qty(const char* s) {
    return *Qty::parse(s);
}

// Bids 100.00 x 5, 99.99 x 5; asks 100.01 x 2, 100.02 x 3, 100.03 x 10; events as given.
TickData scripted(std::vector<MarketEvent> events) {
    TickData d(*Symbol::parse("BTCUSDT"));
    d.snapshot_bids = {{px("100.00"), qty("5")}, {px("99.99"), qty("5")}};
    d.snapshot_asks = {
        {px("100.01"), qty("2")}, {px("100.02"), qty("3")}, {px("100.03"), qty("10")}};
    for (auto& e : events) {
        e.end_of_batch = true;
        e.local_ns = e.exch_ns;
    }
    d.events = std::move(events);
    for (std::uint32_t i = 0; i < d.events.size(); ++i) {
        d.local_order.push_back(i);
    }
    return d;
}

MarketEvent event(std::int64_t t_ms, EventKind kind, const char* price, const char* q) {
    MarketEvent e;
    e.exch_ns = t_ms * kMs;
    e.kind = kind;
    e.price = px(price);
    e.qty = qty(q);
    return e;
}

// Runs `act` at every market event (with the event's index) and on timers.
class Script final : public HftStrategy {
public:
    std::function<void(SimContext&, std::size_t)> act;
    std::function<void(SimContext&, std::int64_t)> timer;
    std::vector<std::pair<std::uint64_t, bool>> updates;
    std::size_t n = 0;
    void on_market(SimContext& ctx, const MarketEvent&) override {
        if (act) {
            act(ctx, n);
        }
        ++n;
    }
    void on_order_update(SimContext&, const OpenOrder& o, bool done) override {
        updates.emplace_back(o.id, done);
    }
    void on_timer(SimContext& ctx, std::int64_t now) override {
        if (timer) {
            timer(ctx, now);
        }
    }
};

TEST(SimulatorModelsTest, RecordedLatencyRowsAreInterpolated) {
    // Entry latency 2 ms for requests at 0 ms, 6 ms at 10 ms; response 1 ms then 3 ms.
    SimConfig cfg;
    cfg.recorded_latency = {{0, 2 * kMs, 3 * kMs}, {10 * kMs, 16 * kMs, 19 * kMs}};
    std::vector<MarketEvent> ev;
    for (int t = 1; t <= 12; ++t) {
        ev.push_back(event(t, EventKind::kTradeBuy, "100.01", "0.001"));
    }
    const auto data = scripted(ev);
    Script s;
    s.act = [](SimContext& ctx, std::size_t i) {
        if (i == 4) {  // at 5 ms: entry 4 ms, response 2 ms (halfway)
            ctx.limit(Side::kBuy, px("99.99"), qty("1"));
        }
    };
    auto r = *(*Simulator::create(data, cfg))->run(s);
    ASSERT_EQ(r.orders.size(), 1U);
    const auto& o = r.orders[0];
    EXPECT_EQ(o.sent_ns, 5 * kMs);
    EXPECT_EQ(o.arrive_ns, 9 * kMs);
    EXPECT_EQ(o.ack_ns, 11'800'000);  // the response latency at the exchange time 9 ms: 2.8 ms
    EXPECT_TRUE(o.rested);
    EXPECT_EQ(o.touch_ticks, 1);  // one tick behind the best bid
    EXPECT_DOUBLE_EQ(o.queue_at_arrival, 5);
    ASSERT_EQ(s.updates.size(), 1U);  // the acknowledgement reached on_order_update
    EXPECT_FALSE(s.updates[0].second);

    // Rows from another period are aligned to the replay's start.
    SimConfig shifted;
    shifted.recorded_latency = {
        {1'000 * kMs, 1'002 * kMs, 1'003 * kMs}, {1'010 * kMs, 1'016 * kMs, 1'019 * kMs}};
    Script s2;
    s2.act = s.act;
    auto r2 = *(*Simulator::create(data, shifted))->run(s2);
    // The replay starts at 1 ms: 5 ms is 4 ms into it, so entry 2 + 0.4 x 4 = 3.6 ms.
    EXPECT_EQ(r2.orders[0].arrive_ns - r2.orders[0].sent_ns, 3'600'000);
}

TEST(SimulatorModelsTest, LatencyRowsFileIsCheckedRowByRow) {
    const std::string path = ::testing::TempDir() + "/latency_rows.csv";
    {
        std::ofstream f(path);
        f << "request_ns,exchange_ns,response_ns\n20,25,40\n0,2,3\n";
    }
    auto rows = load_latency_rows(path);
    ASSERT_TRUE(rows) << rows.error().message;
    ASSERT_EQ(rows->size(), 2U);
    EXPECT_EQ((*rows)[0].request_ns, 0);  // sorted by request
    {
        std::ofstream f(path);
        f << "request_ns,exchange_ns,response_ns\n0,2,3\n10,5,20\n";
    }
    rows = load_latency_rows(path);
    ASSERT_FALSE(rows);
    EXPECT_NE(rows.error().message.find(":3:"), std::string::npos) << rows.error().message;
    {
        std::ofstream f(path);
        f << "request_ns,exchange_ns,response_ns\n0,2,x\n";
    }
    rows = load_latency_rows(path);
    ASSERT_FALSE(rows);
    EXPECT_EQ(rows.error().code, ErrorCode::kParse);
    EXPECT_FALSE(load_latency_rows(path + ".missing"));
}

TEST(SimulatorModelsTest, SelfImpactMakesARepeatedTakerWalkDeeperUntilItDecays) {
    // Two market buys of 2: without impact both take 100.01 x 2 (the book is as recorded);
    // with impact the second finds 100.01 consumed and pays 100.02; after 10 half-lives the
    // level is back.
    std::vector<MarketEvent> ev;
    for (int t = 1; t <= 3000; t += 1) {
        ev.push_back(event(t, EventKind::kTradeSell, "99.99", "0.001"));
    }
    const auto data = scripted(ev);
    const auto run = [&](std::int64_t halflife_ns) {
        SimConfig cfg;
        cfg.impact_halflife_ns = halflife_ns;
        Script s;
        s.act = [](SimContext& ctx, std::size_t i) {
            if (i == 0 || i == 1 || i == 2500) {
                ctx.market(Side::kBuy, qty("2"));
            }
        };
        return *(*Simulator::create(data, cfg))->run(s);
    };
    const auto plain = run(0);
    ASSERT_EQ(plain.fills.size(), 3U);
    for (const auto& f : plain.fills) {
        EXPECT_EQ(f.price, px("100.01"));
    }
    const auto impact = run(200 * kMs);
    ASSERT_GE(impact.fills.size(), 3U);
    EXPECT_EQ(impact.fills[0].price, px("100.01"));
    // The second order, 1 ms later: 100.01 shows 2 - 2 x 2^(-1/200) = 0.00691 (whole lots);
    // the rest comes from 100.02.
    Qty second_at_best;
    Qty second_deeper;
    for (const auto& f : impact.fills) {
        if (f.order_id == 2) {
            (f.price == px("100.01") ? second_at_best : second_deeper) += f.qty;
            EXPECT_TRUE(f.price == px("100.01") || f.price == px("100.02"));
        }
    }
    EXPECT_EQ(second_at_best, qty("0.00691"));
    EXPECT_EQ(second_deeper, qty("2") - qty("0.00691"));
    // 2.5 s (12.5 half-lives) later 2 x 2^-12.5 = 0.00035 is still missing at 100.01: the third
    // order takes 1.99965 there and the last 0.00035 at 100.02.
    Qty third_at_best;
    for (const auto& f : impact.fills) {
        if (f.order_id == 3 && f.price == px("100.01")) {
            third_at_best += f.qty;
        }
    }
    EXPECT_EQ(third_at_best, qty("1.99965"));
    EXPECT_GT(-impact.cash.to_double(), -plain.cash.to_double());
}

TEST(SimulatorModelsTest, TimersRunOnTheLocalClockAndStopWithTheData) {
    std::vector<MarketEvent> ev;
    for (int t = 1; t <= 1000; t += 10) {
        ev.push_back(event(t, EventKind::kTradeBuy, "100.01", "0.001"));
    }
    const auto data = scripted(ev);
    Script s;
    std::vector<std::int64_t> fired;
    s.act = [&](SimContext& ctx, std::size_t i) {
        if (i == 0) {
            ctx.set_timer(ctx.now() + 100 * kMs);
        }
    };
    s.timer = [&](SimContext& ctx, std::int64_t now) {
        fired.push_back(now);
        ctx.set_timer(now + 100 * kMs);  // re-armed for ever: the run still ends
    };
    auto r = (*Simulator::create(data, SimConfig{}))->run(s);
    ASSERT_TRUE(r);
    ASSERT_EQ(fired.size(), 9U);  // 101, 201, ..., 901 ms (the data ends at 991 ms)
    for (std::size_t i = 0; i < fired.size(); ++i) {
        EXPECT_EQ(fired[i], static_cast<std::int64_t>(101 + 100 * i) * kMs);
    }
}

TickData real_btc() {
    const std::string dir = std::string(ATS_BUNDLED_DATA_DIR) + "/ticks/";
    const std::string w = "2024-08-08_2354_to_2024-08-09_0005.csv.gz";
    auto data = load_binance_ticks(
        *Symbol::parse("BTCUSDT"),
        {dir + "BTCUSDT_spot_trades_" + w,
         dir + "BTCUSDT_spot_depth_snapshot_" + w,
         dir + "BTCUSDT_spot_depth_diff_100ms_" + w},
        {});
    EXPECT_TRUE(data) << data.error().message;
    return std::move(*data);
}

TEST(SimulatorModelsTest, TheEnginesRiskLimitsRefuseOrdersAndTheKillSwitchFlattens) {
    const TickData data = real_btc();
    // A position limit below the strategy's own: the risk manager refuses the entries past it.
    {
        SimConfig cfg;
        cfg.entry.constant_ns = 5 * kMs;
        cfg.response.constant_ns = 5 * kMs;
        cfg.risk.max_position_qty = qty("0.002");
        ImbalanceParams ip;
        ip.max_position = qty("0.01");
        ImbalanceTaker taker(ip);
        auto r = *(*Simulator::create(data, cfg))->run(taker);
        EXPECT_GT(r.risk_rejections, 0U);
        EXPECT_NE(r.first_rejection.find("position"), std::string::npos) << r.first_rejection;
        EXPECT_LE(r.position, qty("0.002"));
        EXPECT_GE(r.position, -qty("0.002"));
        EXPECT_FALSE(r.halted);
    }
    // A drawdown kill switch of 0.01% of 10,000 USDT: a taker paying 7.5 bps trips it; every
    // working order is canceled, the position is closed at market and no entry follows.
    {
        SimConfig cfg;
        cfg.entry.constant_ns = 5 * kMs;
        cfg.response.constant_ns = 5 * kMs;
        cfg.taker_fee_bps = 7.5;
        cfg.risk.max_drawdown_pct = 0.0001;
        ImbalanceParams ip;
        ip.cooldown_ns = 200 * kMs;
        ImbalanceTaker taker(ip);
        auto r = *(*Simulator::create(data, cfg))->run(taker);
        ASSERT_TRUE(r.halted);
        EXPECT_NE(r.halt_reason.find("drawdown"), std::string::npos) << r.halt_reason;
        EXPECT_TRUE(r.position.is_zero()) << r.position.to_string();
        std::size_t after = 0;
        for (const auto& o : r.orders) {
            if (o.sent_ns > r.halt_ns) {
                ++after;
                EXPECT_TRUE(o.market);  // only the flattening order(s)
            }
        }
        EXPECT_LE(after, 2U);
        EXPECT_GT(r.risk_rejections, 0U);  // the strategy kept trying; entries were refused
        EXPECT_EQ(r.local_cash, r.cash);
    }
}

TEST(SimulatorModelsTest, OrderRecordsGiveQueueWaitsAndFillRatiosByDistance) {
    const TickData data = real_btc();
    SimConfig cfg;
    cfg.entry.constant_ns = 5 * kMs;
    cfg.response.constant_ns = 5 * kMs;
    MakerParams mp;
    QuoteMaker maker(mp);
    auto r = *(*Simulator::create(data, cfg))->run(maker);
    ASSERT_EQ(r.orders.size(), r.orders_sent);
    std::size_t rested = 0;
    std::size_t filled = 0;
    std::size_t at_touch = 0;
    for (const auto& o : r.orders) {
        EXPECT_GE(o.arrive_ns, o.sent_ns + 5 * kMs);
        if (o.rested) {
            ++rested;
            EXPECT_GE(o.ack_ns, o.arrive_ns + 5 * kMs);
            // The maker joins the local touch; the exchange's may have moved by arrival.
            at_touch += o.touch_ticks == 0 ? 1 : 0;
        }
        if (o.first_fill_ns >= 0) {
            ++filled;
            EXPECT_GE(o.first_fill_ns, o.arrive_ns);
            EXPECT_TRUE(o.filled.is_positive());
        }
    }
    EXPECT_GT(rested, 100U);
    EXPECT_GT(filled, 5U);
    EXPECT_LT(filled, rested);
    EXPECT_GT(at_touch * 2, rested);
}

}  // namespace
}  // namespace ats::hft

namespace ats::hft {
namespace {

// A "recorded session" made by the simulator itself: the maker's orders under one queue model.
std::vector<RecordedOrder> recorded_from(const SimResult& r) {
    std::vector<RecordedOrder> out;
    for (const auto& o : r.orders) {
        if (!o.market) {
            out.push_back(RecordedOrder{
                o.sent_ns, o.side, o.price, o.qty, o.filled, o.first_fill_ns, o.cancel_ns});
        }
    }
    return out;
}

TEST(CalibrationTest, ReplayingASessionUnderItsOwnModelsReproducesItsFillRates) {
    const TickData data = real_btc();
    SimConfig cfg;
    cfg.queue = {QueueKind::kRiskAverse, 0};
    cfg.entry.constant_ns = 5 * kMs;
    cfg.response.constant_ns = 5 * kMs;
    MakerParams mp;
    QuoteMaker maker(mp);
    const auto session = *(*Simulator::create(data, cfg))->run(maker);
    const auto recorded = recorded_from(session);
    ASSERT_GT(recorded.size(), 100U);

    // The same models: every bucket's simulated fills equal the recorded ones.
    auto same = calibrate(data, cfg, recorded);
    ASSERT_TRUE(same) << same.error().message;
    ASSERT_GE(same->rows.size(), 2U);
    EXPECT_EQ(same->rows.back().bucket, "all");
    EXPECT_EQ(same->outside, 0U);
    for (const auto& row : same->rows) {
        SCOPED_TRACE(row.bucket);
        EXPECT_EQ(row.sim_filled, row.real_filled);
    }
    EXPECT_GT(same->rows.back().real_filled, 5U);

    // A more optimistic queue model fills more of the same orders: the table shows it.
    SimConfig optimistic = cfg;
    optimistic.queue = {QueueKind::kPower, 3};
    auto other = calibrate(data, optimistic, recorded);
    ASSERT_TRUE(other);
    EXPECT_GT(other->rows.back().sim_filled, other->rows.back().real_filled);

    // Orders outside the recording are counted and skipped; none inside is an error.
    auto late = recorded;
    for (auto& o : late) {
        o.placed_ns += 3'600'000'000'000;
    }
    EXPECT_FALSE(calibrate(data, cfg, late));
}

TEST(CalibrationTest, DistanceBucketsAndFillRatios) {
    EXPECT_EQ(distance_bucket(-3), 0);
    EXPECT_EQ(distance_bucket(0), 1);
    EXPECT_EQ(distance_bucket(1), 2);
    EXPECT_EQ(distance_bucket(4), 3);
    EXPECT_EQ(distance_bucket(9), 4);
    EXPECT_EQ(distance_bucket(10), 5);
    EXPECT_STREQ(distance_bucket_name(3), "2-4");
    SimResult r;
    OrderRecord a;
    a.rested = true;
    a.touch_ticks = 0;
    a.arrive_ns = 10;
    a.first_fill_ns = 2'000'000'010;
    OrderRecord b = a;
    b.first_fill_ns = -1;
    OrderRecord c = a;
    c.rested = false;  // a taker: not in the ratios
    r.orders = {a, b, c};
    const auto f = fill_ratios(r);
    EXPECT_EQ(f.orders[1], 2U);
    EXPECT_EQ(f.filled[1], 1U);
    ASSERT_EQ(f.queue_wait_s.size(), 1U);
    EXPECT_DOUBLE_EQ(f.queue_wait_s[0], 2.0);
}

}  // namespace
}  // namespace ats::hft

namespace ats::hft {
namespace {

TEST(SimulatorModelsTest, SteppingInChunksEqualsOneRun) {
    const TickData data = real_btc();
    SimConfig cfg;
    cfg.entry.samples_ns = {2 * kMs, 5 * kMs, 9 * kMs};
    cfg.response.constant_ns = 5 * kMs;
    MakerParams mp;
    QuoteMaker whole(mp);
    const auto once = *(*Simulator::create(data, cfg))->run(whole);
    QuoteMaker stepped(mp);
    auto sim = *Simulator::create(data, cfg);
    ASSERT_TRUE(sim->begin(stepped));
    EXPECT_FALSE(sim->begin(stepped));  // once
    std::int64_t t = data.snapshot_local_ns;
    std::size_t steps = 0;
    while (true) {
        t += 250 * kMs;
        auto more = sim->advance(t);
        ASSERT_TRUE(more);
        ++steps;
        if (!*more) {
            break;
        }
        EXPECT_EQ(sim->now(), t);
    }
    const auto chunked = sim->finish();
    EXPECT_GT(steps, 2000U);
    ASSERT_EQ(chunked.fills.size(), once.fills.size());
    for (std::size_t i = 0; i < once.fills.size(); ++i) {
        EXPECT_EQ(chunked.fills[i].exch_ns, once.fills[i].exch_ns);
        EXPECT_EQ(chunked.fills[i].qty, once.fills[i].qty);
    }
    EXPECT_EQ(chunked.cash, once.cash);
    EXPECT_EQ(chunked.position, once.position);
}

}  // namespace
}  // namespace ats::hft

namespace ats::hft {
namespace {

// on_depth and on_trade split what on_market hears.
class Counter final : public HftStrategy {
public:
    std::size_t market = 0;
    std::size_t depth = 0;
    std::size_t trades = 0;
    double traded = 0;
    void on_market(SimContext&, const MarketEvent&) override { ++market; }
    void on_depth(SimContext& ctx, const MarketEvent&) override {
        ++depth;
        EXPECT_TRUE(ctx.book().has_bid() && ctx.book().has_ask());
    }
    void on_trade(SimContext&, const MarketEvent& e) override {
        ++trades;
        EXPECT_FALSE(is_depth(e.kind));
        traded += e.qty.to_double();
    }
};

TEST(SimulatorModelsTest, DepthAndTradeCallbacksSplitTheMarketEvents) {
    const TickData data = real_btc();
    Counter c;
    ASSERT_TRUE((*Simulator::create(data, SimConfig{}))->run(c));
    std::size_t trades = 0;
    std::size_t batches = 0;
    double qty = 0;
    for (const auto& e : data.events) {
        if (!is_depth(e.kind)) {
            ++trades;
            qty += e.qty.to_double();
        } else if (e.end_of_batch) {
            ++batches;
        }
    }
    EXPECT_EQ(c.trades, trades);
    EXPECT_EQ(c.depth, batches);
    EXPECT_EQ(c.market, trades + batches);
    EXPECT_NEAR(c.traded, qty, 1e-6);
}

}  // namespace
}  // namespace ats::hft
