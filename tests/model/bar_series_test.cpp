#include "ats/model/bar_series.hpp"

#include <gtest/gtest.h>

namespace ats::model {
namespace {

Bar make_bar(std::int64_t hour, const char* close) {
    const auto open_time = Timestamp::from_unix_seconds(hour * 3600);
    const auto c = *Price::parse(close);
    return Bar{
        open_time,
        open_time + Duration::from_hours(1) - Duration::from_ms(1),
        c,
        c,
        c,
        c,
        *Qty::parse("1.5"),
        std::nullopt,
        std::nullopt,
        std::nullopt,
        std::nullopt};
}

TEST(BarSeriesTest, StoresColumnsAndRebuildsBars) {
    BarSeries s(Duration::from_hours(1), *Symbol::parse("BTCUSDT"));
    s.push_back(make_bar(0, "100"));
    s.push_back(make_bar(1, "101.5"));
    ASSERT_EQ(s.size(), 2U);
    EXPECT_EQ(s.close()[1].to_string(), "101.5");
    EXPECT_EQ(s.bar(1), make_bar(1, "101.5"));
    EXPECT_FALSE(s.has_quote_volume());
    const auto closes = BarSeries::to_double(s.close());
    EXPECT_DOUBLE_EQ(closes[1], 101.5);
}

TEST(BarSeriesTest, KeepsOptionalColumns) {
    BarSeries s(Duration::from_hours(1));
    auto b = make_bar(0, "100");
    b.quote_volume = *Money::parse("150");
    b.trade_count = 7;
    s.push_back(b);
    ASSERT_TRUE(s.has_quote_volume());
    ASSERT_TRUE(s.has_trade_count());
    EXPECT_EQ(s.bar(0).trade_count, 7);
    EXPECT_DEATH(s.push_back(make_bar(1, "100")), "optional columns");
}

TEST(BarSeriesDeathTest, RejectsNonIncreasingTime) {
    BarSeries s(Duration::from_hours(1));
    s.push_back(make_bar(5, "100"));
    EXPECT_DEATH(s.push_back(make_bar(5, "100")), "does not follow");
}

TEST(GapLedgerTest, TracksMissingRuns) {
    GapLedger ledger(Duration::from_hours(1));
    ledger.record(Timestamp::from_unix_seconds(2 * 3600), 3);  // hours 2, 3, 4
    ledger.record(Timestamp::from_unix_seconds(10 * 3600), 1);
    EXPECT_EQ(ledger.missing_runs(), 2U);
    EXPECT_EQ(ledger.missing_bars(), 4);
    EXPECT_FALSE(ledger.is_missing(Timestamp::from_unix_seconds(1 * 3600)));
    EXPECT_TRUE(ledger.is_missing(Timestamp::from_unix_seconds(2 * 3600)));
    EXPECT_TRUE(ledger.is_missing(Timestamp::from_unix_seconds(4 * 3600)));
    EXPECT_FALSE(ledger.is_missing(Timestamp::from_unix_seconds(5 * 3600)));
    EXPECT_TRUE(ledger.is_missing(Timestamp::from_unix_seconds(10 * 3600)));
    ledger.set_state(0, GapState::kBackfilled);
    EXPECT_FALSE(ledger.is_missing(Timestamp::from_unix_seconds(3 * 3600)));
    EXPECT_EQ(ledger.missing_bars(), 1);
    EXPECT_EQ(ledger.gaps().size(), 2U);  // the backfilled run stays on record
    EXPECT_EQ(to_string(ledger.gaps()[0].state), "backfilled");
}

}  // namespace
}  // namespace ats::model
