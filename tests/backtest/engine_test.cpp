// Whole-engine properties: no look-ahead, determinism, reconciliation, risk rules in a run.
#include <random>

#include <gtest/gtest.h>

#include "ats/backtest/backtest.hpp"
#include "ats/backtest/outputs.hpp"
#include "ats/data/kline_csv.hpp"

namespace ats::backtest {
namespace {

Asset load_asset(const char* file, const char* symbol) {
    auto loaded = data::load_klines_csv(std::string(ATS_BUNDLED_DATA_DIR) + "/" + file, {});
    EXPECT_TRUE(loaded.has_value());
    return Asset{default_instrument(*Symbol::parse(symbol)), std::move(loaded->series)};
}

BacktestConfig base_config(const char* strategy, strategy::Params params) {
    BacktestConfig c;
    c.strategy = strategy;
    c.params = std::move(params);
    c.engine.sizing = *execution::Sizing::parse("fraction:0.9");
    c.venue.fees = sim::FeeModel{10, 10};
    return c;
}

// Rebuilds `series` with every bar after index `t` changed (prices scaled by a random factor).
model::BarSeries perturb_after(const model::BarSeries& series, std::size_t t, std::uint64_t seed) {
    model::BarSeries out(series.interval(), series.symbol());
    std::mt19937_64 rng(seed);
    std::uniform_real_distribution<double> factor(0.5, 1.5);
    for (std::size_t i = 0; i < series.size(); ++i) {
        model::Bar b = series.bar(i);
        if (i > t) {
            const double f = factor(rng);
            auto scale = [f](Price p) {
                return *Price::from_double(p.to_double() * f, Round::kHalfEven);
            };
            b.open = scale(b.open);
            b.high = scale(b.high);
            b.low = scale(b.low);
            b.close = scale(b.close);
        }
        out.push_back(b);
    }
    return out;
}

TEST(EngineTest, NoLookAheadFutureBarsDoNotChangeThePast) {
    const Asset original = load_asset("BTCUSDT_1h_2021-04_2025-12.csv", "BTCUSDT");
    for (const auto& [name, params] : std::vector<std::pair<const char*, strategy::Params>>{
             {"sma_cross", {{"fast", 10}, {"slow", 30}}},
             {"rsi_reversion", {}},
             {"bollinger_breakout", {}}}) {
        auto config = base_config(name, params);
        config.engine.risk.stop_loss_atr = 2.0;
        config.engine.risk.take_profit_atr = 4.0;
        const std::size_t t = 20'000;
        const Timestamp cutoff = original.series.open_time()[t];
        const Asset changed{original.instrument, perturb_after(original.series, t, 99)};
        auto a = run_backtest(config, {original});
        auto b = run_backtest(config, {changed});
        ASSERT_TRUE(a && b);
        std::size_t compared = 0;
        for (std::size_t i = 0; i < a->fills.size(); ++i) {
            if (a->fills[i].time > cutoff) {
                break;
            }
            ASSERT_LT(i, b->fills.size()) << name;
            EXPECT_EQ(a->fills[i].time, b->fills[i].time) << name << " fill " << i;
            EXPECT_EQ(a->fills[i].price, b->fills[i].price) << name << " fill " << i;
            EXPECT_EQ(a->fills[i].qty, b->fills[i].qty) << name << " fill " << i;
            ++compared;
        }
        EXPECT_GT(compared, 10U) << name;
        for (std::size_t i = 0; i < a->equity.size() && a->equity[i].time <= cutoff; ++i) {
            ASSERT_EQ(a->equity[i].equity, b->equity[i].equity) << name << " bar " << i;
        }
        // And the perturbation does change the future, so the check above could fail.
        EXPECT_NE(a->final_equity, b->final_equity) << name;
    }
}

TEST(EngineTest, SameRunTwiceGivesIdenticalOutputs) {
    const std::vector<Asset> assets{
        load_asset("BTCUSDT_1h_2021-04_2025-12.csv", "BTCUSDT"),
        load_asset("ETHUSDT_1h_2021-04_2025-12.csv", "ETHUSDT")};
    auto config = base_config("macd", {});
    config.engine.sizing = *execution::Sizing::parse("fraction:0.45");
    config.slippage = "volatility:0.05";
    auto a = run_backtest(config, assets);
    auto b = run_backtest(config, assets);
    ASSERT_TRUE(a && b);
    RunInfo info{"cfg-test", "macd", "", "BTCUSDT,ETHUSDT", ""};
    EXPECT_EQ(metrics_json(*a, info), metrics_json(*b, info));
    ASSERT_EQ(a->trades.size(), b->trades.size());
    EXPECT_GT(a->trades.size(), 100U);
    for (std::size_t i = 0; i < a->trades.size(); ++i) {
        EXPECT_EQ(a->trades[i].pnl_net(), b->trades[i].pnl_net());
    }
    // Both assets traded, and the equity curve has one point per timestamp.
    EXPECT_TRUE(std::any_of(a->trades.begin(), a->trades.end(), [](const auto& t) {
        return t.symbol.view() == "ETHUSDT";
    }));
    EXPECT_EQ(a->equity.size(), assets[0].series.size());
}

TEST(EngineTest, MoneyReconcilesWithTrades) {
    const std::vector<Asset> assets{load_asset("ETHUSDT_1h_2021-04_2025-12.csv", "ETHUSDT")};
    auto config = base_config("ema_cross", {{"fast", 12}, {"slow", 48}, {"allow_short", 1}});
    config.engine.allow_short = true;
    config.engine.risk.stop_loss_atr = 3.0;
    auto r = run_backtest(config, assets);
    ASSERT_TRUE(r);
    // Final equity = initial + realized P&L of closed trades + unrealized P&L of open positions
    // - every fee paid, exactly (exits here are always whole, so all realized P&L is in trades).
    Money expected = config.engine.initial_cash - r->fees;
    for (const auto& t : r->trades) {
        expected += t.pnl_gross;
    }
    for (const auto& p : r->open_positions) {
        expected += p.unrealized_pnl();
    }
    EXPECT_EQ(r->final_equity, expected);
    const bool shorts = std::any_of(
        r->trades.begin(), r->trades.end(), [](const auto& t) { return t.side == Side::kSell; });
    EXPECT_TRUE(shorts);
    EXPECT_GT(r->trades.size(), 50U);
}

TEST(EngineTest, DrawdownKillSwitchHaltsAndFlattens) {
    const std::vector<Asset> assets{load_asset("BTCUSDT_1h_2021-04_2025-12.csv", "BTCUSDT")};
    auto config = base_config("sma_cross", {{"fast", 5}, {"slow", 20}});
    config.engine.sizing = *execution::Sizing::parse("all_in");
    config.engine.risk.max_drawdown_pct = 0.2;
    auto r = run_backtest(config, assets);
    ASSERT_TRUE(r);
    EXPECT_TRUE(r->open_positions.empty());
    EXPECT_GT(r->rejections, 0U);
    const bool critical = std::any_of(r->alerts.begin(), r->alerts.end(), [](const auto& a) {
        return a.level == model::AlertLevel::kCritical &&
               a.message.view().find("max_drawdown_pct") != std::string_view::npos;
    });
    EXPECT_TRUE(critical);
    // After the halt the equity no longer moves (flat, no entries).
    EXPECT_EQ(r->equity.back().equity, r->equity[r->equity.size() - 100].equity);
    EXPECT_GE(r->metrics.max_drawdown_pct, 20.0);
}

TEST(EngineTest, ProtectiveOrdersExitOnceAndNeverFlipALongOnlyBook) {
    const std::vector<Asset> assets{load_asset("BTCUSDT_1h_2021-04_2025-12.csv", "BTCUSDT")};
    auto config = base_config("sma_cross", {{"fast", 10}, {"slow", 30}});
    config.engine.risk.stop_loss_atr = 1.5;
    config.engine.risk.take_profit_atr = 3.0;
    config.engine.risk.trailing_stop_atr = 2.0;
    auto r = run_backtest(config, assets);
    ASSERT_TRUE(r) << r.error().message;
    ASSERT_GT(r->trades.size(), 100U);
    std::size_t off_open_exits = 0;
    const auto& s = assets[0].series;
    for (const auto& t : r->trades) {
        ASSERT_EQ(t.side, Side::kBuy);  // long only: an exit never opens a short
        const auto it = std::lower_bound(s.open_time().begin(), s.open_time().end(), t.exit_time);
        const auto i = static_cast<std::size_t>(it - s.open_time().begin());
        off_open_exits += t.exit_price != s.open()[i] ? 1U : 0U;
    }
    EXPECT_GT(off_open_exits, 50U);  // stops and targets filled inside bars, not only at opens
    for (const auto& p : r->open_positions) {
        EXPECT_TRUE(p.qty.is_positive());
    }
    const bool critical = std::any_of(r->alerts.begin(), r->alerts.end(), [](const auto& a) {
        return a.level == model::AlertLevel::kCritical;
    });
    EXPECT_FALSE(critical);
}

TEST(EngineTest, OrdersBeyondTheCashAreRejectedNotLeveraged) {
    const std::vector<Asset> assets{load_asset("BTCUSDT_1h_2021-04_2025-12.csv", "BTCUSDT")};
    auto config = base_config("sma_cross", {{"fast", 10}, {"slow", 30}});
    config.engine.sizing = *execution::Sizing::parse("fixed_qty:1000");  // ~50M USDT per order
    auto r = run_backtest(config, assets);
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_TRUE(r->trades.empty());
    EXPECT_EQ(r->final_equity, config.engine.initial_cash);
    const bool insufficient = std::any_of(r->alerts.begin(), r->alerts.end(), [](const auto& a) {
        return a.message.view().find("insufficient balance") != std::string_view::npos;
    });
    EXPECT_TRUE(insufficient);
}

// Review finding: one venue rejection (insufficient balance at the fill) left the order
// "accepted" for ever, and every later entry of the symbol was dropped without a word.
TEST(EngineTest, AVenueRejectionDoesNotSilenceTheSymbol) {
    const std::vector<Asset> assets{load_asset("BTCUSDT_1h_2021-04_2025-12.csv", "BTCUSDT")};
    auto config = base_config("sma_cross", {{"fast", 10}, {"slow", 30}});
    config.from = *Timestamp::parse_iso8601("2022-01-01");
    config.engine.sizing = *execution::Sizing::parse("vol_target:0.01");
    auto r = run_backtest(config, assets);
    ASSERT_TRUE(r) << r.error().message;
    ASSERT_GE(r->order_rejections, 1U);
    const Timestamp first_rejection = [&] {
        for (const auto& a : r->alerts) {
            if (a.message.view().find("rejected by venue") != std::string_view::npos) {
                return a.ts_event;
            }
        }
        return Timestamp::from_unix_ns(INT64_MAX);
    }();
    std::size_t fills_after = 0;
    for (const auto& f : r->fills) {
        fills_after += f.time > first_rejection ? 1U : 0U;
    }
    EXPECT_GT(fills_after, 100U) << "trading stopped at the first rejection";
    EXPECT_GT(r->trades.size(), 100U);
}

// Review finding: the ml strategy kept a private "long" flag, set by signals the engine dropped
// during warm-up, so it never entered. It now asks the portfolio.
TEST(EngineTest, MlStrategyEntersAfterWarmUp) {
    const std::vector<Asset> assets{load_asset("BTCUSDT_1h_2021-04_2025-12.csv", "BTCUSDT")};
    auto probabilities = std::make_shared<std::vector<std::pair<Timestamp, double>>>();
    const auto& times = assets.front().series.open_time();
    for (std::size_t i = 0; i < times.size(); ++i) {
        probabilities->emplace_back(times[i], 0.9);  // always bullish, warm-up included
    }
    BacktestConfig config = base_config("ml", {});
    config.sources.probabilities = probabilities;
    config.from = *Timestamp::parse_iso8601("2024-01-01");
    auto r = run_backtest(config, assets);
    ASSERT_TRUE(r) << r.error().message;
    ASSERT_FALSE(r->fills.empty());
    EXPECT_EQ(r->fills.front().time, *config.from + Duration::from_hours(1));
}

// Review finding: Price x Qty aborted past 9.2e10 (a whale's cash, a coin up 1e12-fold).
TEST(EngineTest, WhaleSizedCashRunsExactly) {
    const std::vector<Asset> assets{load_asset("BTCUSDT_1h_2021-04_2025-12.csv", "BTCUSDT")};
    auto config = base_config("sma_cross", {{"fast", 10}, {"slow", 30}});
    config.engine.initial_cash = *Money::parse("90000000000");
    config.engine.sizing = *execution::Sizing::parse("all_in");
    config.from = *Timestamp::parse_iso8601("2024-01-01");
    auto r = run_backtest(config, assets);
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_GT(r->trades.size(), 100U);
    // Closed trades account for every unit of cash the run made or lost.
    Money pnl;
    for (const auto& t : r->trades) {
        pnl += t.pnl_net();
    }
    if (r->open_positions.empty()) {
        EXPECT_EQ(r->final_cash, config.engine.initial_cash + pnl);
    }
    EXPECT_GT(r->final_equity, *Money::parse("10000000000"));
    for (const auto& a : r->alerts) {
        EXPECT_NE(a.level, model::AlertLevel::kCritical) << a.message.view();
    }
}

TEST(EngineTest, EmptyRangeIsAnError) {
    const std::vector<Asset> assets{load_asset("BTCUSDT_1h_2021-04_2025-12.csv", "BTCUSDT")};
    auto config = base_config("sma_cross", {});
    config.from = *Timestamp::parse_iso8601("2030-01-01");
    auto r = run_backtest(config, assets);
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("no bar to trade"), std::string::npos);
}

TEST(EngineTest, BadConfigurationIsAnErrorNamingTheKey) {
    const std::vector<Asset> assets{load_asset("BTCUSDT_1h_2021-04_2025-12.csv", "BTCUSDT")};
    auto bad_param = run_backtest(base_config("sma_cross", {{"fats", 10}}), assets);
    ASSERT_FALSE(bad_param);
    EXPECT_NE(bad_param.error().message.find("'fats'"), std::string::npos);
    auto bad_range = run_backtest(base_config("sma_cross", {{"fast", 40}, {"slow", 30}}), assets);
    ASSERT_FALSE(bad_range);
    EXPECT_NE(bad_range.error().message.find("'fast'"), std::string::npos);
    auto unknown = run_backtest(base_config("moon", {}), assets);
    ASSERT_FALSE(unknown);
    EXPECT_NE(unknown.error().message.find("sma_cross"), std::string::npos);
    auto config = base_config("sma_cross", {});
    config.slippage = "fixed:abc";
    EXPECT_FALSE(run_backtest(config, assets));
}

}  // namespace
}  // namespace ats::backtest
