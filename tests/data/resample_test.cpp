#include "ats/data/resample.hpp"

#include <gtest/gtest.h>

#include "ats/data/kline_csv.hpp"

#include "temp_file.hpp"

namespace ats::data {
namespace {

using ats::testing::bundled_file;
using ats::testing::TempFile;

TEST(ResampleTest, HandComputedBuckets) {
    // Six 1m bars from 00:58 to 01:03 with one missing at 01:01; 5m buckets 00:55, 01:00.
    TempFile f(
        "open_time,open,high,low,close,volume,quote_volume,trades\n"
        "2024-01-01T00:58:00Z,10,12,9,11,1,10,1\n"
        "2024-01-01T00:59:00Z,11,13,10,12,2,20,2\n"
        "2024-01-01T01:00:00Z,12,14,11,13,3,30,3\n"
        "2024-01-01T01:02:00Z,13,20,12,14,4,40,4\n"
        "2024-01-01T01:03:00Z,14,15,5,6,5,50,5\n"
        "2024-01-01T01:04:00Z,6,7,6,7,6,60,6\n");
    auto loaded = load_klines_csv(f.path(), {});
    ASSERT_TRUE(loaded) << loaded.error().message;
    auto r = resample(loaded->series, Duration::from_minutes(5));
    ASSERT_TRUE(r) << r.error().message;
    const auto& s = r->series;
    ASSERT_EQ(s.size(), 2U);
    EXPECT_EQ(s.open_time()[0], *Timestamp::parse_iso8601("2024-01-01T00:55:00Z"));
    EXPECT_EQ(s.bar(0).open.to_string(), "10");
    EXPECT_EQ(s.bar(0).high.to_string(), "13");
    EXPECT_EQ(s.bar(0).low.to_string(), "9");
    EXPECT_EQ(s.bar(0).close.to_string(), "12");
    EXPECT_EQ(s.bar(0).volume.to_string(), "3");
    const auto b = s.bar(1);
    EXPECT_EQ(b.open_time, *Timestamp::parse_iso8601("2024-01-01T01:00:00Z"));
    EXPECT_EQ(b.close_time, *Timestamp::parse_iso8601("2024-01-01T01:04:59.999Z"));
    EXPECT_EQ(b.open.to_string(), "12");
    EXPECT_EQ(b.high.to_string(), "20");
    EXPECT_EQ(b.low.to_string(), "5");
    EXPECT_EQ(b.close.to_string(), "7");
    EXPECT_EQ(b.volume.to_string(), "18");
    EXPECT_EQ(b.quote_volume->to_string(), "180");
    EXPECT_EQ(b.trade_count, 18);
    // Both buckets are incomplete: 2 of 5 and 4 of 5 bars.
    ASSERT_EQ(r->incomplete.size(), 2U);
    EXPECT_EQ(r->incomplete[0].bars_present, 2);
    EXPECT_EQ(r->incomplete[1].bars_present, 4);
    EXPECT_EQ(r->incomplete[1].bars_expected, 5);

    auto dropped = resample(loaded->series, Duration::from_minutes(5), {.drop_incomplete = true});
    ASSERT_TRUE(dropped);
    EXPECT_EQ(dropped->series.size(), 0U);
    EXPECT_EQ(dropped->incomplete.size(), 2U);
}

TEST(ResampleTest, OneMinuteToOneHourMatchesHourlyFile) {
    auto minute = load_klines_csv(bundled_file("BTCUSDT_1m_2024-12.csv"), {});
    auto hour = load_klines_csv(bundled_file("BTCUSDT_1h_2021-04_2025-12.csv"), {});
    ASSERT_TRUE(minute && hour);
    auto r = resample(minute->series, Duration::from_hours(1));
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_TRUE(r->incomplete.size() <= 1U);  // only the last hour may be partial
    const auto& hs = hour->series;
    std::size_t compared = 0;
    for (std::size_t i = 0; i < r->series.size(); ++i) {
        const auto b = r->series.bar(i);
        const auto it = std::lower_bound(hs.open_time().begin(), hs.open_time().end(), b.open_time);
        ASSERT_NE(it, hs.open_time().end());
        ASSERT_EQ(*it, b.open_time);
        const auto h = hs.bar(static_cast<std::size_t>(it - hs.open_time().begin()));
        const bool partial =
            !r->incomplete.empty() && r->incomplete.back().open_time == b.open_time;
        if (partial) {
            continue;
        }
        ASSERT_EQ(b.open, h.open) << b.open_time;
        ASSERT_EQ(b.high, h.high) << b.open_time;
        ASSERT_EQ(b.low, h.low) << b.open_time;
        ASSERT_EQ(b.close, h.close) << b.open_time;
        ASSERT_EQ(b.volume, h.volume) << b.open_time;  // exact in fixed point
        ++compared;
    }
    EXPECT_EQ(compared, 696U);  // the provenance README's count of full hours
}

TEST(ResampleTest, AlignsFourHourAndDailyBucketsToUtc) {
    auto hour = load_klines_csv(bundled_file("ETHUSDT_1h_2021-04_2025-12.csv"), {});
    ASSERT_TRUE(hour);
    for (const auto to : {Duration::from_hours(4), Duration::from_days(1)}) {
        auto r = resample(hour->series, to);
        ASSERT_TRUE(r);
        for (const auto t : r->series.open_time()) {
            ASSERT_EQ(t.unix_ns() % to.ns(), 0);
        }
        std::int64_t total = 0;
        for (const auto& b : r->incomplete) {
            total += b.bars_expected - b.bars_present;
        }
        // Missing source hours show up as missing slots in incomplete buckets: the 12 gap hours
        // plus the partial first (20:00 start) and last (05:00 end) buckets.
        EXPECT_GE(total, 12);
        EXPECT_EQ(r->series.gaps().missing_bars(), 0);
    }
    auto daily = resample(hour->series, Duration::from_days(1));
    EXPECT_EQ(daily->series.open_time()[1], *Timestamp::parse_iso8601("2021-04-05"));
}

TEST(ResampleTest, RejectsUnsupportedTargets) {
    auto hour = load_klines_csv(bundled_file("BTCUSDT_1h_2021-04_2025-12.csv"), {});
    ASSERT_TRUE(hour);
    EXPECT_FALSE(resample(hour->series, Duration::from_minutes(30)));  // finer
    EXPECT_FALSE(resample(hour->series, Duration::from_minutes(90)));  // not a multiple
    EXPECT_FALSE(resample(hour->series, Duration::from_hours(5)));     // does not divide a day
    EXPECT_TRUE(resample(hour->series, Duration::from_days(2)));
}

}  // namespace
}  // namespace ats::data
