// The simplest case checked against backtrader's own run on the same data (see
// tests/data_files/backtrader/PROVENANCE.md): long-only SMA(10)/SMA(30) crossover, market orders
// at the next open, 0.1% commission on every fill, all-in sizing, 10,000 cash.
#include <cmath>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "ats/backtest/backtest.hpp"
#include "ats/data/kline_csv.hpp"

namespace ats::backtest {
namespace {

struct RefTrade {
    std::int64_t entry_ms;
    double entry_price;
    std::int64_t exit_ms;
    double exit_price;
    double size;
    double pnl_gross;
    double commission;
    double pnl_net;
};

std::vector<RefTrade> load_reference() {
    std::ifstream in(std::string(ATS_TEST_DATA_DIR) + "/backtrader/sma_cross_trades.csv");
    std::string line;
    std::getline(in, line);
    std::vector<RefTrade> out;
    while (std::getline(in, line)) {
        RefTrade t{};
        char c = 0;
        std::stringstream ss(line);
        ss >> t.entry_ms >> c >> t.entry_price >> c >> t.exit_ms >> c >> t.exit_price >> c >>
            t.size >> c >> t.pnl_gross >> c >> t.commission >> c >> t.pnl_net;
        out.push_back(t);
    }
    return out;
}

nlohmann::json load_summary() {
    std::ifstream in(std::string(ATS_TEST_DATA_DIR) + "/backtrader/summary.json");
    return nlohmann::json::parse(in);
}

Asset btc_hourly() {
    auto loaded = data::load_klines_csv(
        std::string(ATS_BUNDLED_DATA_DIR) + "/BTCUSDT_1h_2021-04_2025-12.csv", {});
    EXPECT_TRUE(loaded.has_value());
    const Symbol symbol = *Symbol::parse("BTCUSDT");
    return Asset{default_instrument(symbol), std::move(loaded->series)};
}

BacktestConfig parity_config() {
    BacktestConfig c;
    c.strategy = "sma_cross";
    c.params = {{"fast", 10}, {"slow", 30}};
    c.engine.initial_cash = Money::from_units(10'000);
    c.engine.sizing = *execution::Sizing::parse("all_in");
    c.venue.fees = sim::FeeModel{10, 10};
    c.venue.market_fill = sim::MarketFill::kNextOpen;
    return c;
}

double rel(double a, double b) {
    return std::fabs(a - b) / std::max(std::fabs(a), std::fabs(b));
}

TEST(BacktraderParityTest, SmaCrossAllInMatchesBacktrader) {
    const auto reference = load_reference();
    const auto summary = load_summary();
    ASSERT_EQ(reference.size(), 820U);
    const std::vector<Asset> assets{btc_hourly()};
    auto result = run_backtest(parity_config(), assets);
    ASSERT_TRUE(result) << result.error().message;
    EXPECT_TRUE(result->alerts.empty()) << result->alerts.front().message.view();
    ASSERT_EQ(result->trades.size(), reference.size())
        << result->signals << " signals, " << result->rejections << " rejections";
    double max_qty_diff = 0;
    for (std::size_t i = 0; i < reference.size(); ++i) {
        const auto& ours = result->trades[i];
        const auto& ref = reference[i];
        ASSERT_EQ(ours.entry_time.unix_ms(), ref.entry_ms) << "trade " << i;
        ASSERT_EQ(ours.exit_time.unix_ms(), ref.exit_ms) << "trade " << i;
        ASSERT_EQ(ours.entry_price.to_double(), ref.entry_price) << "trade " << i;
        ASSERT_EQ(ours.exit_price.to_double(), ref.exit_price) << "trade " << i;
        max_qty_diff = std::max(max_qty_diff, std::fabs(ours.qty.to_double() - ref.size));
        EXPECT_LT(rel(ours.pnl_net().to_double(), ref.pnl_net), 1e-4) << "trade " << i;
    }
    // Our quantities are rounded down to the 1e-8 quantum; backtrader's are doubles.
    EXPECT_LE(max_qty_diff, 2e-8);
    // The position left open at the end, not force-closed.
    ASSERT_EQ(result->open_positions.size(), 1U);
    const auto& open = summary["open_position_at_end"];
    EXPECT_NEAR(result->open_positions[0].qty.to_double(), open["size"].get<double>(), 2e-8);
    const double final_value = summary["final_value"].get<double>();
    EXPECT_LT(rel(result->final_equity.to_double(), final_value), 1e-6)
        << result->final_equity << " vs " << final_value;
    EXPECT_LT(
        rel(result->metrics.max_drawdown_pct, summary["max_drawdown_pct"].get<double>()), 1e-6);
    EXPECT_LT(rel(result->metrics.fees, summary["total_commission"].get<double>()), 1e-6);
    EXPECT_EQ(result->signals, summary["n_signals"].get<std::uint64_t>());
    std::printf(
        "parity: max |qty diff| %.3g, final equity %s vs %.10g (rel %.3g), max drawdown rel %.3g\n",
        max_qty_diff,
        result->final_equity.to_string().c_str(),
        final_value,
        rel(result->final_equity.to_double(), final_value),
        rel(result->metrics.max_drawdown_pct, summary["max_drawdown_pct"].get<double>()));
}

TEST(BacktraderParityTest, FixedQuantitySizingTradesAtTheSameTimesAndPrices) {
    const auto reference = load_reference();
    const std::vector<Asset> assets{btc_hourly()};
    auto config = parity_config();
    config.engine.sizing = *execution::Sizing::parse("fixed_qty:0.05");
    auto result = run_backtest(config, assets);
    ASSERT_TRUE(result) << result.error().message;
    ASSERT_EQ(result->trades.size(), reference.size());
    for (std::size_t i = 0; i < reference.size(); ++i) {
        const auto& t = result->trades[i];
        ASSERT_EQ(t.entry_time.unix_ms(), reference[i].entry_ms);
        ASSERT_EQ(t.exit_time.unix_ms(), reference[i].exit_ms);
        ASSERT_EQ(t.entry_price.to_double(), reference[i].entry_price);
        ASSERT_EQ(t.qty, *Qty::parse("0.05"));
        // pnl_gross = 0.05 * (exit - entry), exactly.
        ASSERT_EQ(
            t.pnl_gross,
            *notional(t.exit_price, t.qty, Round::kHalfEven) -
                *notional(t.entry_price, t.qty, Round::kHalfEven));
    }
    Money gross;
    for (const auto& t : result->trades) {
        gross += t.pnl_gross;
    }
    EXPECT_EQ(
        result->final_equity,
        config.engine.initial_cash + gross + result->open_positions[0].unrealized_pnl() -
            result->fees);
}

}  // namespace
}  // namespace ats::backtest
