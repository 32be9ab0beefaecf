// The replay kernel with a scripted strategy: causality across assets, the kill switch, flips,
// warm-up, and the inputs it refuses.
#include <map>

#include <gtest/gtest.h>

#include "ats/backtest/backtest.hpp"
#include "ats/backtest/metrics.hpp"
#include "ats/backtest/replay_kernel.hpp"
#include "ats/data/kline_csv.hpp"

#include "testkit.hpp"

namespace ats::backtest {
namespace {

using namespace ats::testing;  // NOLINT(google-build-using-namespace): test helpers
using model::Direction;

/// Signals what the script says at given bars (by symbol and bar count, from 0).
class ScriptedStrategy final : public strategy::Strategy {
public:
    std::map<std::pair<std::string, int>, Direction> script;

    std::string_view name() const override { return "scripted"; }
    std::size_t warmup_bars() const override { return 0; }
    void on_bar(const Symbol& symbol, const model::Bar&, strategy::StrategyContext& ctx) override {
        const int n = seen_[symbol.to_string()]++;
        const auto it = script.find({symbol.to_string(), n});
        if (it != script.end()) {
            ctx.signal(symbol, it->second, 1.0, 1.0, "script");
        }
    }

private:
    std::map<std::string, int> seen_;
};

class Recorder final : public model::EventObserver {
public:
    void on_event(const model::Event& e) override {
        events.push_back(e);
        if (const auto* p = std::get_if<model::OrderPlaced>(&e)) {
            placed.insert_or_assign(p->order_id.str(), *p);
        }
    }
    template <class T>
    std::vector<T> of() const {
        std::vector<T> out;
        for (const auto& e : events) {
            if (const auto* p = std::get_if<T>(&e)) {
                out.push_back(*p);
            }
        }
        return out;
    }
    std::vector<model::Event> events;
    std::map<std::string, model::OrderPlaced> placed;
};

model::BarSeries series(const char* symbol, const std::vector<const char*>& closes) {
    model::BarSeries out(Duration::from_hours(1), sym(symbol));
    for (std::size_t i = 0; i < closes.size(); ++i) {
        const char* c = closes[i];
        const char* o = i == 0 ? c : closes[i - 1];
        const Price hi = std::max(px(o), px(c));
        const Price lo = std::min(px(o), px(c));
        model::Bar b = bar(static_cast<std::int64_t>(1000 + i), o, "1", "1", c, "1000");
        b.high = hi;
        b.low = lo;
        out.push_back(b);
    }
    return out;
}

struct Harness {
    SimulatedClock clock{Timestamp::from_unix_seconds(0)};
    ScriptedStrategy strategy;
    Recorder recorder;
    std::optional<engine::TradingEngine> engine;
    std::optional<sim::BarVenue> venue;
    std::vector<model::BarSeries> data;

    void start(engine::EngineConfig config, std::vector<model::BarSeries> series) {
        data = std::move(series);
        engine.emplace(config, clock, strategy);
        sim::BarVenueConfig vc;
        vc.fees = sim::FeeModel{0, 0};
        vc.quote_balance = config.initial_cash;
        vc.allow_short = config.allow_short;
        venue.emplace(clock, engine->sink(), vc, nullptr);
        engine->set_venue(&*venue);
        engine->bus().set_observer(&recorder);
        for (const auto& s : data) {
            const auto inst = default_instrument(*s.symbol());
            engine->add_instrument(inst);
            venue->add_instrument(inst);
        }
    }
    void run() {
        std::vector<ReplayInput> inputs;
        for (const auto& s : data) {
            inputs.push_back(ReplayInput{*s.symbol(), &s});
        }
        ASSERT_TRUE(ReplayKernel::check_inputs(inputs));
        ReplayKernel kernel(clock, *engine, *venue, inputs);
        while (kernel.next_time()) {
            kernel.step();
        }
    }
};

/// A venue that fills a market order in two parts (as an exchange walking its book does, both
/// reported at once), accepts stops and targets silently and cancels on request.
class SplittingVenue final : public model::ExecutionVenue {
public:
    SplittingVenue(const Clock& clock, model::EventSink& sink) : clock_(clock), sink_(sink) {}
    Status submit(const model::Order& order, std::optional<Money>) override {
        const auto& r = order.request();
        if (r.type != model::OrderType::kMarket) {
            resting.push_back(order.id().str());
            return ok_status();
        }
        const Qty first = Qty::from_raw(r.qty.raw() / 2);
        for (const auto& [qty, last] : {std::pair{first, false}, std::pair{r.qty - first, true}}) {
            const model::Fill f{
                order.id(),
                r.symbol,
                r.side,
                qty,
                Price::from_units(100),
                Money{},
                false,
                clock_.now()};
            sink_.emit(model::OrderFilled{f.ts, f.ts, f, last});
        }
        return ok_status();
    }
    Status cancel(const ClientOrderId& id) override {
        std::erase(resting, id.str());
        const auto now = clock_.now();
        sink_.emit(model::OrderCanceled{now, now, id, sym("AAAUSDT"), model::Text("canceled")});
        return ok_status();
    }
    std::vector<std::string> resting;

private:
    const Clock& clock_;
    model::EventSink& sink_;
};

// Reported live: a market entry filled in two parts got a stop and target per part, the second
// pair placed while the first one (still queued) was not canceled; the exchange refused it.
TEST(EngineProtectionTest, AnEntryFilledInPartsGetsOneStopAndTargetForItsWholeQuantity) {
    SimulatedClock clock{Timestamp::from_unix_seconds(0)};
    ScriptedStrategy strategy;
    Recorder recorder;
    engine::EngineConfig config;
    config.sizing = *execution::Sizing::parse("fixed_qty:10");
    config.risk.stop_loss_atr = 2.0;
    config.risk.take_profit_atr = 4.0;
    config.risk.atr_period = 3;
    engine::TradingEngine engine(config, clock, strategy);
    SplittingVenue venue(clock, engine.sink());
    engine.set_venue(&venue);
    engine.bus().set_observer(&recorder);
    engine.add_instrument(default_instrument(sym("AAAUSDT")));
    strategy.script = {{{"AAAUSDT", 5}, Direction::kLong}};
    const auto data = series("AAAUSDT", {"100", "101", "99", "102", "100", "101", "100"});
    for (std::size_t i = 0; i < data.size(); ++i) {
        clock.advance_to(data.bar(i).close_time);
        engine.on_bar_closed(sym("AAAUSDT"), data.bar(i));
        engine.process_pending();
    }
    std::vector<model::OrderPlaced> protective;
    for (const auto& p : recorder.of<model::OrderPlaced>()) {
        if (p.request.type != model::OrderType::kMarket) {
            protective.push_back(p);
        }
    }
    ASSERT_EQ(protective.size(), 2U);  // one stop, one target
    EXPECT_EQ(venue.resting.size(), 2U);
    for (const auto& p : protective) {
        EXPECT_EQ(p.request.qty, Qty::from_units(10)) << p.order_id.str();
        EXPECT_NE(p.request.oco_group, 0U);
    }
    EXPECT_EQ(protective[0].request.oco_group, protective[1].request.oco_group);
    EXPECT_TRUE(recorder.of<model::OrderCanceled>().empty());
}

// Reported: a kill-switch flatten decided at BTC's close filled at ETH's open of the same hour.
TEST(ReplayKernelTest, AKillSwitchFlattenFillsAfterTheCloseThatDecidedIt) {
    Harness h;
    engine::EngineConfig config;
    config.sizing = *execution::Sizing::parse("fixed_notional:4000");
    config.risk.max_drawdown_pct = 0.1;
    h.strategy.script = {{{"AAAUSDT", 1}, Direction::kLong}, {{"BBBUSDT", 1}, Direction::kLong}};
    // AAA halves at bar 5 (its close): -2000 on 10000 is past the 10% limit.
    h.start(
        config,
        {series("AAAUSDT", {"100", "100", "100", "100", "100", "50", "50", "50"}),
         series("BBBUSDT", {"10", "10", "10", "10", "10", "11", "12", "13"})});
    h.run();
    const auto alerts = h.recorder.of<model::AlertLogged>();
    const auto kill = std::find_if(alerts.begin(), alerts.end(), [](const auto& a) {
        return a.message.view().find("kill switch") != std::string_view::npos;
    });
    ASSERT_NE(kill, alerts.end());
    const Timestamp decided = kill->ts_event;
    EXPECT_EQ(decided, h.data[0].bar(5).close_time);
    std::size_t exits = 0;
    for (const auto& f : h.recorder.of<model::OrderFilled>()) {
        const auto& placed = h.recorder.placed.at(f.fill.order_id.str());
        ASSERT_GE(f.fill.ts, placed.ts_event) << f.fill.order_id.str();
        if (f.fill.side == Side::kSell) {
            ++exits;
            // Both flattens fill at the open after the deciding close, BBB's included.
            EXPECT_EQ(f.fill.ts, h.data[0].bar(6).open_time) << f.fill.symbol.to_string();
            EXPECT_GT(f.fill.ts, decided);
        }
    }
    EXPECT_EQ(exits, 2U);
    EXPECT_TRUE(h.engine->portfolio().position_qty(sym("BBBUSDT")).is_zero());
}

// A flip is judged on the new position, not on |old - new|.
TEST(ReplayKernelTest, AFlipIsRiskCheckedOnTheNewPosition) {
    Harness h;
    engine::EngineConfig config;
    config.allow_short = true;
    config.sizing = *execution::Sizing::parse("fixed_notional:5000");
    config.risk.max_position_qty = qty("60");
    h.strategy.script = {{{"AAAUSDT", 1}, Direction::kLong}, {{"AAAUSDT", 4}, Direction::kShort}};
    // Long 50 at 100; at 70 the short would be 71.4: |50 - 71.4| passes, 71.4 does not.
    h.start(config, {series("AAAUSDT", {"100", "100", "90", "80", "70", "70", "70"})});
    h.run();
    const auto rejected = h.recorder.of<model::SignalRejected>();
    ASSERT_EQ(rejected.size(), 1U);
    EXPECT_NE(rejected[0].reason.view().find("max_position_qty"), std::string_view::npos)
        << rejected[0].reason.view();
    EXPECT_TRUE(h.engine->portfolio().position_qty(sym("AAAUSDT")).is_zero());  // exited, no short
}

// After a restart the strategy warms up on history with a restored position: nothing may be
// sent, not by a trailing stop and not by a kill switch judged on old marks.
TEST(ReplayKernelTest, WarmUpNeverSendsAnOrder) {
    Harness h;
    engine::EngineConfig config;
    config.risk.max_drawdown_pct = 0.05;
    config.risk.trailing_stop_pct = 0.02;
    h.start(config, {series("AAAUSDT", {"100", "120", "130", "60", "140", "50"})});
    ASSERT_TRUE(h.engine->restore_fill(model::Fill{
        *ClientOrderId::parse("old-1"),
        sym("AAAUSDT"),
        Side::kBuy,
        qty("10"),
        px("100"),
        Money{},
        false,
        Timestamp::from_unix_seconds(0)}));
    h.engine->set_trading_enabled(false);
    h.run();
    EXPECT_TRUE(h.recorder.of<model::OrderPlaced>().empty());
    EXPECT_FALSE(h.engine->risk().halted());
    EXPECT_EQ(h.engine->portfolio().position_qty(sym("AAAUSDT")), qty("10"));
}

TEST(ReplayKernelTest, MixedIntervalsAndRepeatedAssetsAreRefused) {
    const auto hourly = series("AAAUSDT", {"1", "2"});
    model::BarSeries four(Duration::from_hours(4), sym("BBBUSDT"));
    four.push_back(bar(1000, "1", "1", "1", "1"));
    auto mixed = ReplayKernel::check_inputs({{sym("AAAUSDT"), &hourly}, {sym("BBBUSDT"), &four}});
    ASSERT_FALSE(mixed);
    EXPECT_NE(mixed.error().message.find("different bar intervals"), std::string::npos);
    EXPECT_NE(mixed.error().message.find("BBBUSDT"), std::string::npos);
    auto twice = ReplayKernel::check_inputs({{sym("AAAUSDT"), &hourly}, {sym("AAAUSDT"), &hourly}});
    ASSERT_FALSE(twice);
    EXPECT_NE(twice.error().message.find("twice"), std::string::npos);
}

// Review finding: any --warmup N > 0 gave "no bar to trade".
TEST(ReplayKernelTest, WarmUpBarsStillTrade) {
    auto loaded = data::load_klines_csv(
        std::string(ATS_BUNDLED_DATA_DIR) + "/BTCUSDT_1h_2021-04_2025-12.csv", {});
    ASSERT_TRUE(loaded);
    BacktestConfig config;
    config.strategy = "sma_cross";
    config.params = {{"fast", 10}, {"slow", 30}};
    config.from = *Timestamp::parse_iso8601("2024-01-01");
    config.warmup_bars = 500;
    const std::vector<Asset> assets{
        Asset{default_instrument(sym("BTCUSDT")), std::move(loaded->series)}};
    auto r = run_backtest(config, assets);
    ASSERT_TRUE(r) << r.error().message;
    ASSERT_FALSE(r->trades.empty());
    EXPECT_GE(r->trades.front().entry_time, *config.from + Duration::from_hours(500));
}

// Review finding: a run that never trades reported a 95 h drawdown.
TEST(ReplayKernelTest, AFlatEquityCurveHasNoDrawdownDuration) {
    std::vector<EquityPoint> flat;
    for (int i = 0; i < 200; ++i) {
        flat.push_back(
            EquityPoint{money("10000"), Timestamp::from_unix_seconds(3600 * i), 0, false});
    }
    const auto m =
        compute_metrics(flat, {}, money("10000"), Money{}, 0, Duration::from_hours(1), 0);
    EXPECT_EQ(m.max_drawdown_duration, Duration{});
    flat[50].equity = money("9000");
    flat[51].equity = money("9500");
    const auto dipped =
        compute_metrics(flat, {}, money("10000"), Money{}, 0, Duration::from_hours(1), 0);
    EXPECT_EQ(dipped.max_drawdown_duration, Duration::from_hours(2));
}

}  // namespace
}  // namespace ats::backtest
