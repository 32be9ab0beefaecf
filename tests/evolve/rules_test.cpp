// The `rules` strategy: rule text round trips, cached features equal streaming ones, and every
// genome decodes to a strategy that builds and runs.
#include "ats/strategy/rules.hpp"

#include <random>
#include <string>

#include <gtest/gtest.h>

#include "ats/backtest/backtest.hpp"
#include "ats/data/kline_csv.hpp"
#include "ats/evolve/strategy_search.hpp"

#include "../data/temp_file.hpp"

namespace {

using namespace ats;
using strategy::parse_rule;

model::BarSeries btc_hourly(std::size_t bars) {
    auto loaded =
        data::load_klines_csv(ats::testing::bundled_file("BTCUSDT_1h_2021-04_2025-12.csv"), {});
    EXPECT_TRUE(loaded.has_value());
    model::BarSeries out(loaded->series.interval(), loaded->series.symbol());
    for (std::size_t i = 0; i < bars && i < loaded->series.size(); ++i) {
        out.push_back(loaded->series.bar(i));
    }
    return out;
}

TEST(Rules, TextRoundTrips) {
    auto r = parse_rule("rsi(14) < 30.5 and sma_dist(50) crosses_above -0.0125");
    ASSERT_TRUE(r.has_value()) << r.error().message;
    ASSERT_EQ(r->conditions.size(), 2U);
    EXPECT_EQ(r->logic, strategy::Logic::kAnd);
    EXPECT_EQ(r->conditions[1].feature, strategy::RuleFeature::kSmaDist);
    EXPECT_EQ(r->conditions[1].period, 50);
    EXPECT_EQ(r->conditions[1].comparator, strategy::Comparator::kCrossesAbove);
    EXPECT_EQ(r->conditions[1].threshold, -0.0125);
    EXPECT_EQ(strategy::to_string(*r), "rsi(14) < 30.5 and sma_dist(50) crosses_above -0.0125");
    auto back = parse_rule(strategy::to_string(*r));
    ASSERT_TRUE(back.has_value());
    EXPECT_EQ(*back, *r);
    EXPECT_TRUE(parse_rule("none")->conditions.empty());
}

TEST(Rules, BadTextIsAClearError) {
    for (const char* bad :
         {"rsi(14) < 30 and adx(14) > 20 or cci(20) > 0",  // mixed logic
          "foo(14) < 3",                                   // unknown feature
          "rsi(1) < 30",                                   // period too short
          "rsi(14) <= 30",                                 // unknown comparator
          "rsi(14) < abc",                                 // not a number
          "rsi 14 < 30"}) {
        auto r = parse_rule(bad);
        ASSERT_FALSE(r.has_value()) << bad;
        EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
        EXPECT_FALSE(r.error().message.empty());
    }
    strategy::StrategySources sources;
    auto missing = strategy::make_strategy("rules", {}, sources);
    ASSERT_FALSE(missing.has_value());
    EXPECT_NE(missing.error().message.find("entry"), std::string::npos);
}

TEST(Rules, CachedFeaturesEqualStreamingBitForBit) {
    const auto series = btc_hourly(6000);
    const Symbol sym = *Symbol::parse("BTCUSDT");
    backtest::BacktestConfig config;
    config.strategy = "rules";
    config.sources.entry_rule = "rsi(14) crosses_above 35 or bb_pctb(20) < 0.05";
    config.sources.exit_rule = "rsi(14) > 70 or ema_dist(50) < -0.03";
    config.engine.risk.stop_loss_atr = 3.0;
    config.from = series.open_time()[300];
    const std::vector<backtest::Asset> assets{{backtest::default_instrument(sym), series}};
    auto streaming = backtest::run_backtest(config, assets);
    ASSERT_TRUE(streaming.has_value()) << streaming.error().message;
    config.sources.feature_cache = std::make_shared<strategy::FeatureCache>(sym, series);
    auto cached = backtest::run_backtest(config, assets);
    ASSERT_TRUE(cached.has_value());
    EXPECT_GT(streaming->trades.size(), 10U);
    ASSERT_EQ(cached->equity.size(), streaming->equity.size());
    for (std::size_t i = 0; i < cached->equity.size(); ++i) {
        ASSERT_EQ(cached->equity[i].equity, streaming->equity[i].equity) << i;
    }
    EXPECT_EQ(cached->final_equity, streaming->final_equity);
    EXPECT_EQ(cached->trades.size(), streaming->trades.size());
}

TEST(Rules, RandomGenomesAlwaysDecodeToValidStrategies) {
    evolve::StrategySearchSpec spec;
    spec.symbol = *Symbol::parse("BTCUSDT");
    spec.series = btc_hourly(3000);
    spec.data_path = "unused.csv";
    auto obj = evolve::StrategyObjective::create(spec);
    ASSERT_TRUE(obj.has_value()) << obj.error().message;
    const auto lo = (*obj)->lower();
    const auto hi = (*obj)->upper();
    ASSERT_EQ(lo.size(), hi.size());
    std::mt19937_64 rng(7);
    for (int trial = 0; trial < 400; ++trial) {
        std::vector<double> x(lo.size());
        for (std::size_t i = 0; i < x.size(); ++i) {
            // Inside the bounds, on them, and (for robustness) outside or NaN.
            const int mode = static_cast<int>(rng() % 10);
            std::uniform_real_distribution<double> u(lo[i], hi[i]);
            x[i] = mode == 0 ? lo[i] : mode == 1 ? hi[i] : mode == 2 ? hi[i] + 5 : u(rng);
            if (trial % 50 == 0 && i == 3) {
                x[i] = std::nan("");
            }
        }
        const auto g = (*obj)->decode(x);
        ASSERT_FALSE(g.entry.conditions.empty());
        ASSERT_LE(g.entry.conditions.size(), 2U);
        ASSERT_LE(g.exit.conditions.size(), 2U);
        ASSERT_GE(g.stop_loss_atr, 0.5);
        ASSERT_LE(g.fraction, 1.0);
        strategy::StrategySources sources;
        sources.entry_rule = strategy::to_string(g.entry);
        sources.exit_rule = strategy::to_string(g.exit);
        auto built = strategy::make_strategy("rules", {}, sources);
        ASSERT_TRUE(built.has_value())
            << sources.entry_rule.value() << ": " << built.error().message;
        auto back = parse_rule(*sources.entry_rule);
        ASSERT_TRUE(back.has_value());
        ASSERT_EQ(*back, g.entry);
        if (trial % 40 == 0) {
            auto e = (*obj)->evaluate(g);
            ASSERT_TRUE(e.has_value()) << e.error().message;
            ASSERT_TRUE(std::isfinite(e->fitness));
            ASSERT_EQ(e->search.window_sharpe.size(), spec.windows);
        }
    }
}

}  // namespace
