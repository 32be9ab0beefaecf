// The bar environment against the backtester: replaying sma_cross's positions (from `ats
// backtest`'s engine, all-in sizing, market orders at the next open, 10 bps fees) as actions
// gives the same equity at every bar close.
#include <cmath>
#include <string>
#include <unordered_map>
#include <vector>

#include <gtest/gtest.h>

#include "ats/backtest/backtest.hpp"
#include "ats/data/kline_csv.hpp"
#include "ats/gym/bar_env.hpp"

namespace ats::gym {
namespace {

const std::string kData = std::string(ATS_BUNDLED_DATA_DIR) + "/BTCUSDT_1h_2021-04_2025-12.csv";

backtest::BacktestResult run_sma_cross(double fee_bps) {
    auto loaded = data::load_klines_csv(kData, {});
    EXPECT_TRUE(loaded.has_value());
    const Symbol symbol = *Symbol::parse("BTCUSDT");
    const std::vector<backtest::Asset> assets{
        backtest::Asset{backtest::default_instrument(symbol), std::move(loaded->series)}};
    backtest::BacktestConfig c;
    c.strategy = "sma_cross";
    c.params = {{"fast", 10}, {"slow", 30}};
    c.engine.initial_cash = Money::from_units(10'000);
    c.engine.sizing = *execution::Sizing::parse("all_in");
    c.venue.fees = sim::FeeModel{fee_bps, fee_bps};
    c.venue.market_fill = sim::MarketFill::kNextOpen;
    auto result = backtest::run_backtest(c, assets);
    EXPECT_TRUE(result) << result.error().message;
    return std::move(*result);
}

struct Replay {
    double max_rel_diff = 0;
    std::size_t steps = 0;
    std::size_t trades = 0;
    double final_env = 0;
    double final_backtest = 0;
};

Replay replay(double backtest_fee_bps, double env_fee_bps) {
    const auto bt = run_sma_cross(backtest_fee_bps);
    // The backtest's equity curve (one point per bar, stamped with its open time) by the bar's
    // close time in ms, as the environment reports it.
    constexpr std::int64_t kHourMs = 3'600'000;
    const auto close_ms = [&](std::size_t i) {
        return bt.equity[i].time.unix_ms() + kHourMs - 1;
    };
    std::unordered_map<std::int64_t, std::size_t> by_time;
    for (std::size_t i = 0; i < bt.equity.size(); ++i) {
        by_time[close_ms(i)] = i;
    }
    BarEnvOptions o;
    o.data = kData;
    o.features = "rsi:2";
    o.window = 1;
    o.norm_window = 16;
    o.episode_bars = 0;
    o.fee_bps = env_fee_bps;
    o.allow_short = false;
    o.max_drawdown = 1;
    o.ruin = 0;
    auto env = BarEnv::create(o);
    EXPECT_TRUE(env) << env.error().message;
    std::vector<float> obs(env->observation_size());
    env->reset(0, std::nullopt, obs.data());
    // The episode's first decision bar: find it from a zero-target step's time.
    auto probe = env->copy();
    bool term = false;
    bool trunc = false;
    StepInfo info;
    probe.step(0, obs.data(), term, trunc, info);
    const auto first_next = by_time.find(info.time_ms);
    EXPECT_NE(first_next, by_time.end()) << "no backtest bar closes at " << info.time_ms;
    std::size_t k = first_next->second - 1;  // the decision bar in the backtest's curve
    EXPECT_FALSE(bt.equity[k].exposed) << "the backtest must be flat where the episode starts";
    const double start = bt.equity[k].equity.to_double();
    Replay out;
    double last_target = 0;
    for (; k + 1 < bt.equity.size(); ++k) {
        // The position the backtest held over bar k + 1 was entered at its open: that is the
        // action decided at bar k's close.
        const double target = bt.equity[k + 1].exposed ? 1.0 : 0.0;
        out.trades += target != last_target ? 1 : 0;
        last_target = target;
        env->step(target, obs.data(), term, trunc, info);
        EXPECT_EQ(info.time_ms, close_ms(k + 1));
        const double want = bt.equity[k + 1].equity.to_double() / start;
        out.max_rel_diff = std::max(out.max_rel_diff, std::abs(info.equity / want - 1));
        ++out.steps;
        out.final_env = info.equity;
        out.final_backtest = want;
        if (term || trunc) {
            break;
        }
    }
    return out;
}

TEST(BarEnvParityTest, SmaCrossPositionsReplayToTheBacktestersEquity) {
    const auto r = replay(10, 10);
    EXPECT_GT(r.steps, 40'000U);
    EXPECT_GT(r.trades, 1'500U);  // 820 round trips
    // Quantities are rounded to 1e-8 BTC and cash to 1e-8 USDT by the engine; the env is
    // continuous: the curves agree to better than one part in a million over four years.
    EXPECT_LT(r.max_rel_diff, 1e-6)
        << "final env " << r.final_env << " backtest " << r.final_backtest;
    std::printf(
        "parity: %zu steps, %zu trades, max relative equity difference %.3g, final %.6f vs "
        "%.6f\n",
        r.steps,
        r.trades,
        r.max_rel_diff,
        r.final_env,
        r.final_backtest);
}

TEST(BarEnvParityTest, ParityHoldsWithoutFeesAndFailsWithTheWrongFee) {
    EXPECT_LT(replay(0, 0).max_rel_diff, 1e-5);
    // The same positions with a fee the backtest did not charge do not match: the check can fail.
    EXPECT_GT(replay(0, 10).max_rel_diff, 0.1);
}

}  // namespace
}  // namespace ats::gym
