// Alternative-data features inside the ML feature engine: parsed by name, refused without data,
// read at each bar's close, and passing the same truncation test as the price features, with the
// alternative data cut at the bar's close as well.
#include <cmath>
#include <string>

#include <gtest/gtest.h>

#include "ats/altdata/alt_features.hpp"
#include "ats/data/kline_csv.hpp"
#include "ats/ml/features.hpp"

namespace ats::ml {
namespace {

const model::BarSeries& btc_1h() {
    static const model::BarSeries series = [] {
        auto loaded = data::load_klines_csv(
            std::string(ATS_BUNDLED_DATA_DIR) + "/BTCUSDT_1h_2021-04_2025-12.csv", {});
        EXPECT_TRUE(loaded.has_value());
        return std::move(loaded->series);
    }();
    return series;
}

std::shared_ptr<const altdata::AltData> bundled() {
    const std::string dir = ATS_BUNDLED_DATA_DIR;
    altdata::AltDataConfig c;
    c.onchain["BTC"] = dir + "/onchain/BTC_coinmetrics_daily_2020-01-01_2026-03-22.csv";
    c.fear_greed = dir + "/sentiment/fear_greed_index_daily_2020-01-01_2026-08-22.csv";
    c.headlines.push_back(dir + "/sentiment/crypto_news_plus_headlines_2021-10-12_2022-07-05.csv");
    auto d = altdata::AltData::load(c, Timestamp{});
    EXPECT_TRUE(d) << d.error().message;
    return *d;
}

constexpr const char* kSpec =
    "ret_1,rsi_14,fear_greed,onchain_active_addresses_z:30,onchain_mvrv_z:365,"
    "onchain_hash_rate_chg:7,news_sentiment_mean:24h,news_count:24h,news_surprise:24h";

TEST(AltMlFeaturesTest, ParsedByNameAndRefusedWithoutData) {
    auto set = FeatureSet::parse(kSpec);
    ASSERT_TRUE(set) << set.error().message;
    EXPECT_TRUE(set->needs_altdata());
    EXPECT_FALSE(FeatureSet::defaults().needs_altdata());
    auto bad = FeatureSet::parse("ret_1,onchain_active_addresses_z:1");
    ASSERT_FALSE(bad);
    EXPECT_NE(bad.error().message.find("onchain_active_addresses_z"), std::string::npos);
    auto none = FeatureEngine::create(*set, AltInput{});
    ASSERT_FALSE(none);
    EXPECT_NE(none.error().message.find("--altdata"), std::string::npos);
    // An asset the data does not cover is named, not silently NaN.
    auto sol = FeatureEngine::create(*set, AltInput{bundled(), "SOL"});
    ASSERT_FALSE(sol);
    EXPECT_NE(sol.error().message.find("SOL"), std::string::npos);
}

TEST(AltMlFeaturesTest, ValuesAreTheStoresAtEachBarsClose) {
    const auto set = *FeatureSet::parse(kSpec);
    const auto alt = bundled();
    const auto& series = btc_1h();
    auto m = compute_features(set, series, series.size(), AltInput{alt, "BTC"});
    ASSERT_TRUE(m) << m.error().message;
    const auto fg = *alt->feature("fear_greed", "BTC");
    const auto news = *alt->feature("news_count:24h", "BTC");
    std::size_t complete = 0;
    for (std::size_t i = 0; i < m->rows; ++i) {
        const double want = fg->at(series.close_time()[i]);
        const double got = m->row(i)[2];
        ASSERT_TRUE((std::isnan(want) && std::isnan(got)) || want == got) << i;
        const double n = m->row(i)[7];
        const double n_want = news->at(series.close_time()[i]);
        ASSERT_TRUE((std::isnan(n) && std::isnan(n_want)) || n == n_want) << i;
        complete += m->row_complete(i) ? 1U : 0U;
    }
    // Complete rows exist only while the CryptoNews file runs (2021-10..2022-07).
    EXPECT_GT(complete, 5000U);
    EXPECT_LT(complete, 8000U);
}

TEST(AltMlFeaturesTest, TruncationOfBarsAndAlternativeDataLeavesEveryRowUnchanged) {
    const auto set = *FeatureSet::parse(kSpec);
    const auto alt = bundled();
    const FeatureFunction features = [&](const model::BarSeries& s, std::size_t end) {
        // What a trader had at the close of the last bar: the bars so far and the alternative
        // data available by then.
        std::shared_ptr<const altdata::AltData> cut = alt;
        if (end < s.size()) {
            cut = *altdata::AltData::from_store(
                alt->store().available_by(s.close_time()[end - 1]), {}, "cut");
        }
        auto m = compute_features(set, s, end, AltInput{cut, "BTC"});
        EXPECT_TRUE(m) << m.error().message;
        return *m;
    };
    const auto& series = btc_1h();
    // Probes across the CryptoNews period (every feature finite there) and beyond.
    auto probes = spread_probes(4'500, 11'000, 12);
    const auto more = spread_probes(11'000, series.size(), 6);
    probes.insert(probes.end(), more.begin(), more.end());
    EXPECT_TRUE(check_causality(features, series, probes));

    // The check has teeth: a feature read at the end of the bar's UTC day (the naive join of a
    // daily value) is caught.
    const FeatureFunction leaky = [&](const model::BarSeries& s, std::size_t end) {
        auto m = features(s, end);
        const auto data = end < s.size()
                              ? *altdata::AltData::from_store(
                                    alt->store().available_by(s.close_time()[end - 1]), {}, "cut")
                              : alt;
        const auto fg = *data->feature("fear_greed", "BTC");
        for (std::size_t i = 0; i < m.rows; ++i) {
            const Timestamp next_day =
                s.close_time()[i].floor(Duration::from_days(1)) + Duration::from_hours(26);
            m.values[i * m.cols + 2] = fg->at(next_day);
        }
        return m;
    };
    const auto s = check_causality(leaky, series, probes);
    ASSERT_FALSE(s);
    EXPECT_NE(s.error().message.find("fear_greed"), std::string::npos) << s.error().message;
}

}  // namespace
}  // namespace ats::ml
