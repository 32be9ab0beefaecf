// The point-in-time store: three times per value, vintages, as-of joins on available time, and
// on the bundled real data, what the naive join on event time leaks.
#include "ats/altdata/pit_store.hpp"

#include <cmath>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "ats/altdata/loaders.hpp"
#include "ats/data/kline_csv.hpp"

namespace ats::altdata {
namespace {

Timestamp at(const char* iso) {
    return *Timestamp::parse_iso8601(iso);
}

const Timestamp kIngested = at("2026-12-05T00:00:00Z");

TEST(PitStoreTest, AsOfUsesOnlyWhatWasAvailableAndRevisionsAreVintages) {
    PointInTimeStore s;
    const auto day = [](const char* d) {
        return at(d);
    };
    // Day 1's value is known the next morning; a revision of it arrives two days later.
    ASSERT_TRUE(s.add(
        Observation{"x", day("2024-01-01"), day("2024-01-02T07:00:00Z"), kIngested, 10, "t", 0}));
    ASSERT_TRUE(s.add(
        Observation{"x", day("2024-01-02"), day("2024-01-03T07:00:00Z"), kIngested, 20, "t", 0}));
    ASSERT_TRUE(s.add(
        Observation{"x", day("2024-01-01"), day("2024-01-04T07:00:00Z"), kIngested, 11, "t", 1}));
    EXPECT_FALSE(s.as_of("x", day("2024-01-02T06:59:59Z")));  // nothing known yet
    EXPECT_EQ(*s.as_of("x", day("2024-01-02T07:00:00Z")), 10);
    EXPECT_EQ(*s.as_of("x", day("2024-01-03T08:00:00Z")), 20);  // the newer event wins
    EXPECT_EQ(*s.as_of("x", day("2024-01-05")), 20);            // the revision is of an older event
    const auto audit = s.as_of_observation("x", day("2024-01-03T08:00:00Z"));
    ASSERT_TRUE(audit);
    EXPECT_EQ(audit->event, day("2024-01-02"));
    EXPECT_LE(*audit->available, day("2024-01-03T08:00:00Z"));
    // The naive join takes day 2's value during day 2, before it exists.
    EXPECT_EQ(*s.by_event_time("x", day("2024-01-02T12:00:00Z")), 20);
    EXPECT_EQ(*s.as_of("x", day("2024-01-02T12:00:00Z")), 10);
    // Refusals: no available time, known before its event, NaN, a changed vintage.
    Observation bad{"x", day("2024-02-01"), std::nullopt, kIngested, 1, "t", 0};
    EXPECT_FALSE(s.add(bad));
    bad.available = day("2024-01-31");
    EXPECT_FALSE(s.add(bad));
    bad.available = day("2024-02-02");
    bad.value = std::nan("");
    EXPECT_FALSE(s.add(bad));
    EXPECT_FALSE(s.add(
        Observation{"x", day("2024-01-01"), day("2024-01-02T07:00:00Z"), kIngested, 99, "t", 0}));
    EXPECT_TRUE(s.add(
        Observation{"x", day("2024-01-01"), day("2024-01-02T07:00:00Z"), kIngested, 10, "t", 0}));
    EXPECT_EQ(s.size(), 3U);
}

TEST(PitStoreTest, BundledFilesLoadWithTheirAvailabilityRules) {
    const std::string dir = ATS_BUNDLED_DATA_DIR;
    auto btc = load_coinmetrics_csv(
        dir + "/onchain/BTC_coinmetrics_daily_2020-01-01_2026-03-22.csv", "BTC", kIngested);
    ASSERT_TRUE(btc) << btc.error().message;
    EXPECT_EQ(btc->size(), 2273U * 22U);  // no empty cells in the kept range
    EXPECT_EQ(btc->front().series, "onchain.BTC.AdrActCnt");
    EXPECT_EQ(btc->front().event, at("2020-01-01"));
    EXPECT_EQ(*btc->front().available, at("2020-01-02T07:00:00Z"));
    auto fg = load_fear_greed_csv(
        dir + "/sentiment/fear_greed_index_daily_2020-01-01_2026-08-22.csv", kIngested);
    ASSERT_TRUE(fg) << fg.error().message;
    EXPECT_EQ(fg->size(), 2425U);
    EXPECT_EQ(*fg->front().available, at("2020-01-01T01:00:00Z"));
    PointInTimeStore s;
    ASSERT_TRUE(s.add(*btc));
    ASSERT_TRUE(s.add(*fg));
    EXPECT_EQ(s.series().size(), 23U);
    // A bad cell is named with file, line and column.
    const std::string path = ::testing::TempDir() + "/cm_bad.csv";
    {
        std::ofstream f(path);
        f << "date,AdrActCnt\n2020-01-01,5\n2020-01-02,lots\n";
    }
    auto bad = load_coinmetrics_csv(path, "BTC", kIngested);
    ASSERT_FALSE(bad);
    EXPECT_NE(bad.error().message.find(":3: column 'AdrActCnt'"), std::string::npos)
        << bad.error().message;
    {
        std::ofstream f(path);
        f << "date,AdrActCnt\n2020-01-02,5\n2020-01-01,6\n";
    }
    bad = load_coinmetrics_csv(path, "BTC", kIngested);
    ASSERT_FALSE(bad);
    EXPECT_NE(bad.error().message.find("out of order"), std::string::npos);
}

// On real BTC hourly bars: the day's closing price from Coin Metrics, joined naively by event
// time, "predicts" the sign of the return to the end of the day almost perfectly (it is that
// day's close); joined point in time it does not. And cutting the store at any time leaves every
// earlier as-of value unchanged.
TEST(PitStoreTest, TheNaiveJoinLooksAheadAndThePointInTimeJoinDoesNot) {
    const std::string dir = ATS_BUNDLED_DATA_DIR;
    auto btc = load_coinmetrics_csv(
        dir + "/onchain/BTC_coinmetrics_daily_2020-01-01_2026-03-22.csv", "BTC", kIngested);
    ASSERT_TRUE(btc);
    PointInTimeStore s;
    ASSERT_TRUE(s.add(*btc));
    auto bars = data::load_klines_csv(dir + "/BTCUSDT_1h_2021-04_2025-12.csv", {});
    ASSERT_TRUE(bars);
    const auto& series = bars->series;
    const auto close = series.close();
    const auto times = series.close_time();
    int naive_right = 0;
    int pit_right = 0;
    int n = 0;
    for (std::size_t i = 0; i + 1 < close.size(); i += 5) {
        const Timestamp t = times[i];
        // The close at the end of this UTC day (the last bar of the day).
        const Timestamp day_end = t.floor(Duration::from_days(1)) + Duration::from_days(1);
        std::size_t j = i;
        while (j + 1 < close.size() && times[j + 1] < day_end) {
            ++j;
        }
        if (j == i) {
            continue;
        }
        const double future = close[j].to_double() / close[i].to_double() - 1;
        const double now = close[i].to_double();
        const auto naive = s.by_event_time("onchain.BTC.PriceUSD", t);
        const auto pit = s.as_of_observation("onchain.BTC.PriceUSD", t);
        ASSERT_TRUE(naive && pit);
        ASSERT_LE(*pit->available, t) << "a value used before it was available";
        naive_right += ((*naive - now) > 0) == (future > 0) ? 1 : 0;
        pit_right += ((pit->value - now) > 0) == (future > 0) ? 1 : 0;
        ++n;
    }
    ASSERT_GT(n, 5000);
    const double naive_acc = static_cast<double>(naive_right) / n;
    const double pit_acc = static_cast<double>(pit_right) / n;
    EXPECT_GT(naive_acc, 0.85) << "the naive join should leak the day's close";
    EXPECT_LT(pit_acc, 0.56) << "the point-in-time join must not see the future";
    std::printf(
        "sign of the return to the day's end from Coin Metrics' PriceUSD: naive event-time join "
        "%.1f%%, point in time %.1f%% (%d bars)\n",
        100 * naive_acc,
        100 * pit_acc,
        n);
    // Truncation: the store cut at T gives the same as-of values before T.
    for (const char* cut : {"2022-03-01T12:00:00Z", "2024-07-15T06:30:00Z"}) {
        const Timestamp T = at(cut);
        const PointInTimeStore past = s.available_by(T);
        for (int h = 0; h < 24 * 20; h += 7) {
            const Timestamp d = T - Duration::from_seconds(3600LL * h);
            EXPECT_EQ(past.as_of("onchain.BTC.AdrActCnt", d), s.as_of("onchain.BTC.AdrActCnt", d));
        }
        // The naive join at T itself differs once the future is cut away.
        EXPECT_NE(
            past.by_event_time("onchain.BTC.PriceUSD", T),
            s.by_event_time("onchain.BTC.PriceUSD", T));
    }
}

}  // namespace
}  // namespace ats::altdata

#include "ats/altdata/onchain_features.hpp"

namespace ats::altdata {
namespace {

TEST(OnchainFeaturesTest, DerivedSeriesAreCausalAndInheritAvailability) {
    const std::string dir = ATS_BUNDLED_DATA_DIR;
    auto raw = load_coinmetrics_csv(
        dir + "/onchain/BTC_coinmetrics_daily_2020-01-01_2026-03-22.csv", "BTC", kIngested);
    ASSERT_TRUE(raw);
    const auto feats = onchain_features(*raw, "BTC", 30, 365, kIngested);
    PointInTimeStore s;
    ASSERT_TRUE(s.add(feats));
    EXPECT_EQ(s.series().size(), 7U);
    // The z-score of active addresses on one day, by hand from the 30 days ending there.
    const Timestamp day = at("2024-03-15");
    std::vector<double> window;
    for (const auto& o : *raw) {
        if (o.series == "onchain.BTC.AdrActCnt" && o.event <= day &&
            o.event > day - Duration::from_days(30)) {
            window.push_back(o.value);
        }
    }
    ASSERT_EQ(window.size(), 30U);
    double mean = 0;
    for (const double v : window) {
        mean += v / 30;
    }
    double var = 0;
    for (const double v : window) {
        var += (v - mean) * (v - mean) / 30;
    }
    const auto got =
        s.as_of_observation("onchain_active_addresses_z:30", at("2024-03-16T07:00:00Z"));
    ASSERT_TRUE(got);
    EXPECT_EQ(got->event, day);
    EXPECT_NEAR(got->value, (window.back() - mean) / std::sqrt(var), 1e-9);
    EXPECT_FALSE(s.as_of("onchain_mvrv_z:365", at("2020-06-01")));  // not warm yet
    // Causality: computed from the raw data cut after a day, every derived value up to that day
    // is the same.
    std::vector<Observation> cut;
    for (const auto& o : *raw) {
        if (o.event <= day) {
            cut.push_back(o);
        }
    }
    const auto past = onchain_features(cut, "BTC", 30, 365, kIngested);
    std::size_t compared = 0;
    for (const auto& p : past) {
        for (const auto& f : feats) {
            if (f.series == p.series && f.event == p.event) {
                ASSERT_DOUBLE_EQ(f.value, p.value) << p.series << " " << p.event.to_iso8601();
                ASSERT_EQ(*f.available, *p.available);
                ++compared;
                break;
            }
        }
    }
    EXPECT_GT(compared, 5000U);
}

}  // namespace
}  // namespace ats::altdata
