// The `rules` strategy: rule text round trips, cached features equal streaming ones, and every
// genome decodes to a strategy that builds and runs.
#include "ats/strategy/rules.hpp"

#include <random>
#include <set>
#include <string>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "ats/altdata/alt_features.hpp"
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

/// The bundled alternative data, as configs/altdata.toml names it.
std::shared_ptr<const altdata::AltData> bundled_alt() {
    static const auto alt = [] {
        const std::string dir = ATS_BUNDLED_DATA_DIR;
        altdata::AltDataConfig c;
        c.onchain["BTC"] = dir + "/onchain/BTC_coinmetrics_daily_2020-01-01_2026-03-22.csv";
        c.onchain["ETH"] = dir + "/onchain/ETH_coinmetrics_daily_2020-01-01_2025-09-26.csv";
        c.fear_greed = dir + "/sentiment/fear_greed_index_daily_2020-01-01_2026-08-22.csv";
        c.headlines.push_back(
            dir + "/sentiment/crypto_news_plus_headlines_2021-10-12_2022-07-05.csv");
        auto d = altdata::AltData::load(c, Timestamp{});
        EXPECT_TRUE(d.has_value());
        return *d;
    }();
    return alt;
}

TEST(Rules, AlternativeDataConditionsParseAndNeedTheirData) {
    auto r = parse_rule("fear_greed(1) < 25 and onchain_mvrv_z(365) < -0.5");
    ASSERT_TRUE(r.has_value()) << r.error().message;
    EXPECT_EQ(r->conditions[0].feature, strategy::RuleFeature::kFearGreed);
    EXPECT_EQ(strategy::to_string(*r), "fear_greed(1) < 25 and onchain_mvrv_z(365) < -0.5");
    EXPECT_TRUE(parse_rule("news_sentiment(24) > 0.1").has_value());
    EXPECT_TRUE(parse_rule("onchain_active_z(30) crosses_above 1").has_value());
    EXPECT_FALSE(parse_rule("fear_greed(14) < 25").has_value());  // the index has no period
    EXPECT_FALSE(parse_rule("onchain_active_z(1) > 0").has_value());
    EXPECT_FALSE(parse_rule("news_sentiment(5000) > 0").has_value());
    // Without alternative data the strategy is refused with the way out named.
    auto no_data = strategy::make_rule_strategy(*parse_rule("fear_greed(1) < 25"), {});
    ASSERT_FALSE(no_data.has_value());
    EXPECT_NE(no_data.error().message.find("altdata"), std::string::npos);
    EXPECT_TRUE(
        strategy::make_rule_strategy(*parse_rule("fear_greed(1) < 25"), {}, nullptr, bundled_alt())
            .has_value());
}

TEST(Rules, AlternativeDataFeaturesCachedEqualStreamingAndTrade) {
    const auto series = btc_hourly(12'000);  // 2021-04 .. 2022-08: covers the CryptoNews file
    const Symbol sym = *Symbol::parse("BTCUSDT");
    backtest::BacktestConfig config;
    config.strategy = "rules";
    config.sources.entry_rule = "fear_greed(1) < 30 or news_sentiment(24) > 0.15";
    config.sources.exit_rule = "fear_greed(1) > 60 or onchain_mvrv_z(180) > 1";
    config.engine.risk.stop_loss_atr = 4.0;
    config.from = series.open_time()[300];
    const std::vector<backtest::Asset> assets{{backtest::default_instrument(sym), series}};
    // Streaming: the strategy loads configs/altdata.toml's data itself.
    const ats::testing::TempFile toml(
        fmt::format(
            "[altdata]\nfear_greed = "
            "\"{0}/sentiment/fear_greed_index_daily_2020-01-01_2026-08-22.csv\"\n"
            "headlines = [\"{0}/sentiment/crypto_news_plus_headlines_2021-10-12_2022-07-05.csv\"]\n"
            "[altdata.onchain]\nBTC = "
            "\"{0}/onchain/BTC_coinmetrics_daily_2020-01-01_2026-03-22.csv\"\n",
            ATS_BUNDLED_DATA_DIR),
        "altdata.toml");
    config.sources.altdata = toml.path();
    auto streaming = backtest::run_backtest(config, assets);
    ASSERT_TRUE(streaming.has_value()) << streaming.error().message;
    config.sources.altdata.reset();
    config.sources.feature_cache =
        std::make_shared<strategy::FeatureCache>(sym, series, bundled_alt());
    auto cached = backtest::run_backtest(config, assets);
    ASSERT_TRUE(cached.has_value()) << cached.error().message;
    EXPECT_GT(streaming->trades.size(), 3U);
    ASSERT_EQ(cached->equity.size(), streaming->equity.size());
    for (std::size_t i = 0; i < cached->equity.size(); ++i) {
        ASSERT_EQ(cached->equity[i].equity, streaming->equity[i].equity) << i;
    }
    EXPECT_EQ(cached->trades.size(), streaming->trades.size());
}

TEST(Rules, SearchWithAlternativeDataOffersOnlyWhatTheAssetHas) {
    evolve::StrategySearchSpec spec;
    spec.symbol = *Symbol::parse("ETHUSDT");
    auto loaded =
        data::load_klines_csv(ats::testing::bundled_file("ETHUSDT_1h_2021-04_2025-12.csv"), {});
    ASSERT_TRUE(loaded.has_value());
    for (std::size_t i = 0; i < 3000; ++i) {
        spec.series.push_back(loaded->series.bar(i));
    }
    spec.data_path = "unused.csv";
    spec.alt = bundled_alt();
    spec.altdata_path = "configs/altdata.toml";
    auto obj = evolve::StrategyObjective::create(spec);
    ASSERT_TRUE(obj.has_value()) << obj.error().message;
    // 10 price features + fear_greed, active addresses, news; no MVRV in ETH's file.
    EXPECT_EQ((*obj)->upper()[7], 12.0);
    std::set<strategy::RuleFeature> seen;
    const auto lo = (*obj)->lower();
    const auto hi = (*obj)->upper();
    std::mt19937_64 rng(11);
    for (int trial = 0; trial < 300; ++trial) {
        std::vector<double> x(lo.size());
        for (std::size_t i = 0; i < x.size(); ++i) {
            x[i] = std::uniform_real_distribution<double>(lo[i], hi[i])(rng);
        }
        const auto g = (*obj)->decode(x);
        for (const auto& c : g.entry.conditions) {
            seen.insert(c.feature);
            ASSERT_NE(c.feature, strategy::RuleFeature::kOnchainMvrvZ);
        }
        if (trial % 60 == 0) {
            auto e = (*obj)->evaluate(g);
            ASSERT_TRUE(e.has_value()) << e.error().message;
        }
    }
    EXPECT_TRUE(seen.count(strategy::RuleFeature::kFearGreed) == 1);
    const auto toml = (*obj)->to_toml((*obj)->decode(lo), false, "out");
    EXPECT_NE(toml.find("altdata = \"configs/altdata.toml\""), std::string::npos) << toml;
}

}  // namespace
