#include "ats/model/bar_series.hpp"

#include <span>
#include <vector>

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

TEST(BarSeriesTest, AppendEqualsPushBackOneByOne) {
    BarSeries one(Duration::from_hours(1));
    std::vector<Timestamp> open_time;
    std::vector<Timestamp> close_time;
    std::vector<Price> prices;
    std::vector<Qty> volume;
    std::vector<std::int64_t> trades;
    for (std::int64_t h = 0; h < 5; ++h) {
        auto b = make_bar(h, h % 2 == 0 ? "100" : "101.25");
        b.trade_count = h;
        one.push_back(b);
        open_time.push_back(b.open_time);
        close_time.push_back(b.close_time);
        prices.push_back(b.close);
        volume.push_back(b.volume);
        trades.push_back(h);
    }
    BarSeries bulk(Duration::from_hours(1));
    bulk.push_back(one.bar(0));
    const auto tail = [](auto& v) {
        return std::span(v).subspan(1);
    };
    bulk.append(BarSeries::Columns{
        tail(open_time),
        tail(close_time),
        tail(prices),
        tail(prices),
        tail(prices),
        tail(prices),
        tail(volume),
        {},
        tail(trades),
        {},
        {}});
    ASSERT_EQ(bulk.size(), one.size());
    for (std::size_t i = 0; i < one.size(); ++i) {
        EXPECT_EQ(bulk.bar(i), one.bar(i));
    }
    // The same checks as push_back: order and the set of optional columns.
    EXPECT_DEATH(
        bulk.append(BarSeries::Columns{
            std::span(open_time).first(1),
            std::span(close_time).first(1),
            std::span(prices).first(1),
            std::span(prices).first(1),
            std::span(prices).first(1),
            std::span(prices).first(1),
            std::span(volume).first(1),
            {},
            std::span(trades).first(1),
            {},
            {}}),
        "does not follow");
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
