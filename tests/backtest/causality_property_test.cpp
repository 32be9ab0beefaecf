// Property test over random strategies, sizings, slippage models, risk rules and two assets: for
// every fill, (1) it happens at or after its order was placed, and never in the bar whose close
// decided it (next-open fills); (2) its price lies inside the bar it filled in; (3) the portfolio
// equals the sum of its fills, to the unit.
#include <algorithm>
#include <map>
#include <random>

#include <gtest/gtest.h>

#include "ats/backtest/backtest.hpp"
#include "ats/data/kline_csv.hpp"

namespace ats::backtest {
namespace {

const model::BarSeries& full_series(const char* file) {
    static std::map<std::string, model::BarSeries> cache;
    auto it = cache.find(file);
    if (it == cache.end()) {
        auto loaded = data::load_klines_csv(std::string(ATS_BUNDLED_DATA_DIR) + "/" + file, {});
        EXPECT_TRUE(loaded.has_value());
        it = cache.emplace(file, std::move(loaded->series)).first;
    }
    return it->second;
}

model::BarSeries slice(const model::BarSeries& s, std::size_t from, std::size_t n) {
    model::BarSeries out(s.interval(), s.symbol());
    for (std::size_t i = from; i < from + n && i < s.size(); ++i) {
        out.push_back(s.bar(i));
    }
    return out;
}

class Recorder final : public model::EventObserver {
public:
    void on_event(const model::Event& e) override {
        if (const auto* p = std::get_if<model::OrderPlaced>(&e)) {
            placed[p->order_id.str()] = p->ts_event;
        } else if (const auto* f = std::get_if<model::OrderFilled>(&e)) {
            fills.push_back(f->fill);
        } else if (const auto* a = std::get_if<model::AlertLogged>(&e)) {
            const bool kill = a->message.view().find("kill switch") != std::string::npos;
            kill_switch = kill_switch || kill;
            // Critical alerts are for broken books (a fill beyond its order, an unknown order):
            // the kill switch is the only expected one.
            if (a->level == model::AlertLevel::kCritical && !kill) {
                critical.push_back(a->message.str());
            }
        }
    }
    std::map<std::string, Timestamp> placed;
    std::vector<model::Fill> fills;
    std::vector<std::string> critical;
    bool kill_switch = false;
};

// The bar of `series` whose [open_time, close_time] holds t.
std::optional<model::Bar> bar_at(const model::BarSeries& series, Timestamp t) {
    const auto times = series.open_time();
    auto it = std::upper_bound(times.begin(), times.end(), t);
    if (it == times.begin()) {
        return std::nullopt;
    }
    const model::Bar b = series.bar(static_cast<std::size_t>(it - times.begin()) - 1);
    return t <= b.close_time ? std::optional(b) : std::nullopt;
}

TEST(CausalityPropertyTest, EveryFillIsCausalInsideItsBarAndReconciles) {
    const auto& btc = full_series("BTCUSDT_1h_2021-04_2025-12.csv");
    const auto& eth = full_series("ETHUSDT_1h_2021-04_2025-12.csv");
    std::mt19937_64 rng(20261204);
    auto uniform = [&](double lo, double hi) {
        return std::uniform_real_distribution<double>(lo, hi)(rng);
    };
    auto pick = [&](std::size_t n) {
        return static_cast<std::size_t>(rng() % n);
    };
    const std::vector<std::pair<const char*, strategy::Params>> strategies{
        {"sma_cross", {{"fast", 5}, {"slow", 20}}},
        {"sma_cross", {{"fast", 10}, {"slow", 30}, {"allow_short", 1}}},
        {"ema_cross", {{"fast", 8}, {"slow", 21}}},
        {"rsi_reversion", {}},
        {"macd", {{"allow_short", 1}}},
        {"bollinger_breakout", {{"period", 20}, {"k", 1.5}}},
    };
    const std::vector<const char*> sizings{
        "all_in",
        "fixed_qty:0.05",
        "fixed_notional:2500",
        "fraction:0.45",
        "vol_target:0.01",
        "kelly:0.5"};
    const std::vector<const char*> slippages{
        "none", "fixed:20", "volatility:0.3", "volume:0.001:5", "volume:0.00002:0"};
    std::size_t runs_with_kill_switch = 0;
    std::size_t total_fills = 0;
    std::size_t partial_runs = 0;
    for (int run = 0; run < 48; ++run) {
        const std::size_t bars = 2500;
        const std::size_t from = pick(btc.size() - bars);
        std::vector<Asset> assets;
        for (const auto* s : {&btc, &eth}) {
            const auto symbol = s == &btc ? *Symbol::parse("BTCUSDT") : *Symbol::parse("ETHUSDT");
            model::Instrument inst = default_instrument(symbol);
            if (run % 2 == 1) {  // Binance-like filters
                inst.tick_size = *Price::parse("0.01");
                inst.step_size = *Qty::parse("0.00001");
                inst.min_qty = *Qty::parse("0.00001");
                inst.min_notional = *Money::parse("5");
            }
            assets.push_back(Asset{inst, slice(*s, from, bars)});
        }
        const auto& [name, params] = strategies[pick(strategies.size())];
        BacktestConfig config;
        config.strategy = name;
        config.params = params;
        config.engine.sizing = *execution::Sizing::parse(sizings[pick(sizings.size())]);
        config.engine.allow_short = params.count("allow_short") != 0;
        config.slippage = slippages[pick(slippages.size())];
        config.venue.fees = sim::FeeModel{uniform(0, 10), uniform(0, 20)};
        config.venue.market_fill =
            run % 5 == 0 ? sim::MarketFill::kSignalClose : sim::MarketFill::kNextOpen;
        auto& risk = config.engine.risk;
        if (pick(2) == 0) {
            risk.stop_loss_atr = uniform(0.5, 3);
        }
        if (pick(2) == 0) {
            risk.take_profit_atr = uniform(0.5, 5);
        }
        if (pick(3) == 0) {
            risk.trailing_stop_pct = uniform(0.01, 0.05);
        }
        if (pick(2) == 0) {
            risk.max_drawdown_pct = uniform(0.01, 0.1);  // fires often: it must stay causal too
        }
        if (pick(3) == 0) {
            risk.max_daily_loss_pct = uniform(0.005, 0.03);
        }
        Recorder recorder;
        config.observer = &recorder;
        const std::string what = fmt::format(
            "run {}: {} sizing {} slippage {} fill {}",
            run,
            name,
            config.engine.sizing.to_string(),
            config.slippage,
            run % 5 == 0 ? "close" : "next_open");
        auto result = run_backtest(config, assets);
        ASSERT_TRUE(result) << what << ": " << result.error().message;
        runs_with_kill_switch += recorder.kill_switch ? 1U : 0U;
        partial_runs += config.slippage.starts_with("volume") && !recorder.fills.empty() ? 1U : 0U;
        total_fills += recorder.fills.size();
        ASSERT_EQ(recorder.fills.size(), result->fills.size()) << what;
        EXPECT_TRUE(recorder.critical.empty())
            << what << ": " << (recorder.critical.empty() ? "" : recorder.critical.front());

        std::map<std::string, Qty> held;
        Money cash = config.engine.initial_cash;
        for (const auto& f : recorder.fills) {
            const auto& series =
                f.symbol == assets[0].instrument.symbol ? assets[0].series : assets[1].series;
            // (1) Causality.
            const auto placed = recorder.placed.find(f.order_id.str());
            ASSERT_NE(placed, recorder.placed.end()) << what;
            ASSERT_GE(f.ts, placed->second) << what << " order " << f.order_id.str();
            const auto bar = bar_at(series, f.ts);
            ASSERT_TRUE(bar) << what << ": fill outside every bar at " << f.ts;
            if (config.venue.market_fill == sim::MarketFill::kNextOpen) {
                // Decided at a close (of any asset, at the same time): filled in a later bar.
                const bool decided_at_close = placed->second.unix_ms() % 3'600'000 == 3'599'999;
                if (decided_at_close) {
                    ASSERT_GT(bar->open_time, placed->second) << what << " " << f.order_id.str();
                }
            }
            // (2) Inside the bar.
            ASSERT_GE(f.price, bar->low) << what << " " << f.order_id.str() << " at " << f.ts;
            ASSERT_LE(f.price, bar->high) << what << " " << f.order_id.str() << " at " << f.ts;
            // (3) The books, independently.
            held[f.symbol.to_string()] += f.qty * sign(f.side);
            cash -= *notional(f.price, f.qty, Round::kHalfEven) * sign(f.side) + f.fee;
        }
        EXPECT_EQ(result->final_cash, cash) << what;
        for (const auto& a : assets) {
            const auto symbol = a.instrument.symbol.to_string();
            Qty open;
            for (const auto& p : result->open_positions) {
                if (p.symbol == a.instrument.symbol) {
                    open = p.total();
                }
            }
            EXPECT_EQ(open, held[symbol]) << what << " " << symbol;
        }
    }
    // The runs exercised what they were meant to.
    EXPECT_GE(runs_with_kill_switch, 5U);
    EXPECT_GE(partial_runs, 5U);
    EXPECT_GE(total_fills, 5'000U);
}

}  // namespace
}  // namespace ats::backtest
