#include "ats/risk/risk_manager.hpp"

#include <gtest/gtest.h>

#include "testkit.hpp"

namespace ats::risk {
namespace {

using namespace ats::testing;  // NOLINT(google-build-using-namespace): test helpers

model::RiskCheck entry(const char* q, Side side = Side::kBuy) {
    return model::RiskCheck{
        Timestamp{},
        Timestamp{},
        model::OrderRequest{
            sym("BTCUSDT"),
            side,
            model::OrderType::kMarket,
            qty(q),
            std::nullopt,
            std::nullopt,
            false,
            0},
        std::nullopt,
        model::OrderPurpose::kEntry,
        model::Text("test")};
}

AccountView account() {
    AccountView a;
    a.equity = money("10000");
    a.reference_price = px("100");
    return a;
}

TEST(RiskManagerTest, PositionAndExposureLimitsNameTheRule) {
    RiskLimits limits;
    limits.max_position_qty = qty("50");
    limits.max_position_notional = money("4000");
    limits.max_gross_exposure = 0.5;
    limits.max_open_orders = 2;
    RiskManager rm(limits);
    const Timestamp now;
    EXPECT_FALSE(rm.check(entry("30"), account(), now).has_value());
    auto too_big = rm.check(entry("60"), account(), now);
    ASSERT_TRUE(too_big);
    EXPECT_NE(too_big->find("max_position_qty"), std::string::npos);
    auto notional_limit = rm.check(entry("45"), account(), now);
    ASSERT_TRUE(notional_limit);
    EXPECT_NE(notional_limit->find("max_position_notional"), std::string::npos);
    auto a = account();
    a.gross_exposure = money("3000");
    auto exposure = rm.check(entry("30"), a, now);
    ASSERT_TRUE(exposure);
    EXPECT_NE(exposure->find("max_gross_exposure"), std::string::npos);
    a = account();
    a.open_orders = 2;
    auto orders = rm.check(entry("1"), a, now);
    ASSERT_TRUE(orders);
    EXPECT_NE(orders->find("max_open_orders"), std::string::npos);
    // Exits are always allowed.
    auto exit = entry("60", Side::kSell);
    exit.request.reduce_only = true;
    EXPECT_FALSE(rm.check(exit, a, now).has_value());
}

TEST(RiskManagerTest, DailyLossHaltsUntilTheNextUtcDay) {
    RiskLimits limits;
    limits.max_daily_loss_pct = 0.05;
    RiskManager rm(limits);
    const auto day0 = Timestamp::from_unix_seconds(86400 * 100);
    EXPECT_FALSE(
        rm.on_bar(sym("BTCUSDT"), bar(2400, "100", "101", "99", "100"), money("10000"), day0));
    auto alert = rm.on_bar(
        sym("BTCUSDT"),
        bar(2401, "100", "101", "99", "100"),
        money("9400"),
        day0 + Duration::from_hours(5));
    ASSERT_TRUE(alert);
    EXPECT_EQ(alert->level, model::AlertLevel::kWarning);
    EXPECT_TRUE(rm.halted_for_day());
    auto rejected = rm.check(entry("1"), account(), day0 + Duration::from_hours(6));
    ASSERT_TRUE(rejected);
    EXPECT_NE(rejected->find("max_daily_loss_pct"), std::string::npos);
    rm.on_bar(
        sym("BTCUSDT"),
        bar(2424, "100", "101", "99", "100"),
        money("9400"),
        day0 + Duration::from_hours(25));
    EXPECT_FALSE(rm.halted_for_day());
    EXPECT_FALSE(rm.check(entry("1"), account(), day0 + Duration::from_hours(25)).has_value());
}

// Review finding: the day's reference was the equity after the day's first bar, so that bar's
// loss never counted and daily bars never triggered (146 days of >= 2% loss, 0 alerts).
TEST(RiskManagerTest, DailyLossCountsFromThePreviousCloseAndWorksOnDailyBars) {
    RiskLimits limits;
    limits.max_daily_loss_pct = 0.02;
    RiskManager hourly(limits);
    hourly.start(money("10000"));
    const auto day = Timestamp::from_unix_seconds(86400 * 100);
    // 23:59:59.999 of day 99: still 10000. The first bar of day 100 closes 3% down.
    EXPECT_FALSE(hourly.on_bar(
        sym("BTCUSDT"), bar(2399, "1", "1", "1", "1"), money("10000"), day - Duration::from_ms(1)));
    const auto first = hourly.on_bar(
        sym("BTCUSDT"),
        bar(2400, "1", "1", "1", "1"),
        money("9700"),
        day + Duration::from_hours(1) - Duration::from_ms(1));
    ASSERT_TRUE(first);
    EXPECT_TRUE(hourly.halted_for_day());
    // Daily bars: each close is a new day, judged against the previous day's close.
    RiskManager daily(limits);
    daily.start(money("10000"));
    const auto close = [&](int d) {
        return Timestamp::from_unix_seconds(86400 * (100 + d)) + Duration::from_hours(24) -
               Duration::from_ms(1);
    };
    EXPECT_FALSE(
        daily.on_bar(sym("BTCUSDT"), bar(2400, "1", "1", "1", "1"), money("9900"), close(0)));
    EXPECT_FALSE(
        daily.on_bar(sym("BTCUSDT"), bar(2424, "1", "1", "1", "1"), money("9800"), close(1)));
    ASSERT_TRUE(
        daily.on_bar(sym("BTCUSDT"), bar(2448, "1", "1", "1", "1"), money("9600"), close(2)));
    EXPECT_TRUE(daily.check(entry("1"), account(), close(2)).has_value());
    // The next day starts from 9600: a small loss does not halt it.
    EXPECT_FALSE(
        daily.on_bar(sym("BTCUSDT"), bar(2472, "1", "1", "1", "1"), money("9500"), close(3)));
    EXPECT_FALSE(daily.halted_for_day());
}

// Warm-up marks are old prices: they must not move the peak, the day or the kill switch.
TEST(RiskManagerTest, WarmUpBarsOnlyFeedIndicators) {
    RiskLimits limits;
    limits.max_drawdown_pct = 0.1;
    limits.stop_loss_atr = 2;
    RiskManager rm(limits);
    for (int h = 0; h < 20; ++h) {
        rm.on_warmup_bar(sym("BTCUSDT"), bar(h, "100", "110", "90", "100"));
    }
    EXPECT_TRUE(rm.atr(sym("BTCUSDT")).has_value());
    EXPECT_FALSE(rm.state().equity_high_water_mark.has_value());
    EXPECT_FALSE(rm.halted());
}

TEST(RiskManagerTest, RestoreKeepsHaltsPeaksAndCooldowns) {
    RiskLimits limits;
    limits.max_drawdown_pct = 0.5;
    RiskManager before(limits);
    before.start(money("10000"));
    before.on_bar(sym("BTCUSDT"), bar(1, "1", "1", "1", "1"), money("12000"), Timestamp{});
    before.emergency_stop("operator");
    RiskState saved = before.state();
    saved.cooldowns.emplace_back(sym("ETHUSDT"), Timestamp::from_unix_seconds(99'999));
    RiskManager after(limits);
    after.start(money("10000"));
    after.on_bar(sym("BTCUSDT"), bar(1, "1", "1", "1", "1"), money("11000"), Timestamp{});
    after.restore(saved);
    EXPECT_TRUE(after.halted());
    EXPECT_NE(after.halt_reason().find("operator"), std::string::npos);
    EXPECT_EQ(after.state().equity_high_water_mark, money("12000"));
    ASSERT_EQ(after.state().cooldowns.size(), 1U);
    EXPECT_TRUE(after.check(entry("1"), account(), Timestamp{}).has_value());
    // A lower stored peak never lowers the live one.
    RiskState lower = saved;
    lower.equity_high_water_mark = money("5000");
    after.restore(lower);
    EXPECT_EQ(after.state().equity_high_water_mark, money("12000"));
}

TEST(RiskManagerTest, DrawdownKillSwitchIsPermanent) {
    RiskLimits limits;
    limits.max_drawdown_pct = 0.2;
    RiskManager rm(limits);
    Timestamp t = Timestamp::from_unix_seconds(0);
    rm.on_bar(sym("BTCUSDT"), bar(0, "100", "101", "99", "100"), money("10000"), t);
    rm.on_bar(
        sym("BTCUSDT"),
        bar(1, "100", "101", "99", "100"),
        money("12000"),
        t + Duration::from_hours(1));
    EXPECT_FALSE(rm.on_bar(
        sym("BTCUSDT"),
        bar(2, "100", "101", "99", "100"),
        money("9700"),
        t + Duration::from_hours(2)));
    auto alert = rm.on_bar(
        sym("BTCUSDT"),
        bar(3, "100", "101", "99", "100"),
        money("9500"),
        t + Duration::from_days(3));
    ASSERT_TRUE(alert);
    EXPECT_EQ(alert->level, model::AlertLevel::kCritical);
    EXPECT_TRUE(rm.halted());
    EXPECT_NE(
        rm.check(entry("1"), account(), t + Duration::from_days(30))->find("kill switch"),
        std::string::npos);
}

TEST(RiskManagerTest, AtrStopsTargetsTrailingAndCooldown) {
    RiskLimits limits;
    limits.stop_loss_atr = 2.0;
    limits.take_profit_atr = 4.0;
    limits.trailing_stop_atr = 3.0;
    limits.atr_period = 3;
    limits.cooldown_after_stop = Duration::from_hours(6);
    RiskManager rm(limits);
    Timestamp t;
    // Four bars with a true range of 10: ATR(3) = 10.
    for (int h = 0; h < 4; ++h) {
        rm.on_bar(sym("BTCUSDT"), bar(h, "100", "105", "95", "100"), money("10000"), t);
    }
    ASSERT_TRUE(rm.atr(sym("BTCUSDT")));
    EXPECT_DOUBLE_EQ(*rm.atr(sym("BTCUSDT")), 10.0);
    const auto levels = rm.on_entry(sym("BTCUSDT"), Side::kBuy, px("100"));
    EXPECT_EQ(levels.stop, px("80"));  // max(100 - 2*10, 100 - 3*10)
    EXPECT_EQ(levels.target, px("140"));
    EXPECT_FALSE(rm.trail(sym("BTCUSDT"), Side::kBuy, px("105"), px("0.01")));  // 75 < 80
    EXPECT_EQ(rm.trail(sym("BTCUSDT"), Side::kBuy, px("120"), px("0.01")), px("90"));
    EXPECT_FALSE(rm.trail(sym("BTCUSDT"), Side::kBuy, px("115"), px("0.01")));  // never loosens
    const auto short_levels = rm.on_entry(sym("BTCUSDT"), Side::kSell, px("100"));
    EXPECT_EQ(short_levels.stop, px("120"));
    EXPECT_EQ(short_levels.target, px("60"));
    rm.on_exit(sym("BTCUSDT"), true, t);
    auto cooling = rm.check(entry("1"), account(), t + Duration::from_hours(5));
    ASSERT_TRUE(cooling);
    EXPECT_NE(cooling->find("cooldown_after_stop"), std::string::npos);
    EXPECT_FALSE(rm.check(entry("1"), account(), t + Duration::from_hours(6)).has_value());
}

TEST(RiskManagerTest, EmergencyStopHaltsEntriesButNotExits) {
    RiskManager rm(RiskLimits{});
    rm.emergency_stop("operator request");
    auto r = rm.check(entry("1"), account(), Timestamp{});
    ASSERT_TRUE(r);
    EXPECT_NE(r->find("emergency stop: operator request"), std::string::npos);
    auto exit = entry("1", Side::kSell);
    exit.request.reduce_only = true;
    EXPECT_FALSE(rm.check(exit, account(), Timestamp{}).has_value());
}

}  // namespace
}  // namespace ats::risk
