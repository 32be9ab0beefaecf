// Alternative-data features by name: config, names, hand-checked windows and staleness, and the
// truncation test (a feature read with the data cut at T equals the full-data value for every
// decision up to T).
#include "ats/altdata/alt_features.hpp"

#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>
#include <unistd.h>

#include "ats/altdata/alt_db.hpp"
#include "ats/altdata/sentiment.hpp"

namespace ats::altdata {
namespace {

Timestamp at(const char* iso) {
    return *Timestamp::parse_iso8601(iso);
}

AltDataConfig bundled() {
    const std::string dir = ATS_BUNDLED_DATA_DIR;
    AltDataConfig c;
    c.onchain["BTC"] = dir + "/onchain/BTC_coinmetrics_daily_2020-01-01_2026-03-22.csv";
    c.onchain["ETH"] = dir + "/onchain/ETH_coinmetrics_daily_2020-01-01_2025-09-26.csv";
    c.fear_greed = dir + "/sentiment/fear_greed_index_daily_2020-01-01_2026-08-22.csv";
    c.headlines.push_back(dir + "/sentiment/coindesk_bitcoin_headlines_2020-03_2025-06.csv");
    c.headlines.push_back(dir + "/sentiment/crypto_news_plus_headlines_2021-10-12_2022-07-05.csv");
    c.source = "bundled";
    return c;
}

const std::shared_ptr<const AltData>& bundled_data() {
    static const auto data = [] {
        auto d = AltData::load(bundled(), at("2026-12-05T00:00:00Z"));
        EXPECT_TRUE(d) << d.error().message;
        return *d;
    }();
    return data;
}

std::string write_temp(const std::string& name, const std::string& text) {
    const auto path = (std::filesystem::temp_directory_path() / name).string();
    std::ofstream(path) << text;
    return path;
}

TEST(AltDbTest, ARefusedValueRollsBackTheWholeBatch) {
    const auto path = (std::filesystem::temp_directory_path() /
                       ("ats_altdb_" + std::to_string(::getpid()) + ".db"))
                          .string();
    std::filesystem::remove(path);
    auto db = AltDb::open(path);
    ASSERT_TRUE(db) << db.error().message;
    const Observation good{"x", at("2024-01-01"), at("2024-01-02"), at("2024-01-03"), 1, "t", 0};
    Observation bad = good;
    bad.event = at("2024-01-02");
    bad.value = std::nan("");
    auto refused = db->save({good, bad});
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, ErrorCode::kInvalidArgument);
    // Nothing of the batch stayed, and the file takes the next batch.
    EXPECT_TRUE(db->observations("x")->empty());
    auto saved = db->save({good});
    ASSERT_TRUE(saved) << saved.error().message;
    EXPECT_EQ(saved->added, 1U);
    EXPECT_EQ(db->observations("x")->size(), 1U);
    std::filesystem::remove(path);
}

TEST(AltFeaturesTest, NamesAreCheckedBeforeAnyDataIsRead) {
    for (const char* good :
         {"fear_greed",
          "onchain_mvrv",
          "onchain_active_addresses_z:30",
          "onchain_hash_rate_chg:1",
          "onchain_mvrv_z:365",
          "news_sentiment_mean:24h",
          "news_count:7d",
          "news_surprise:1h"}) {
        EXPECT_TRUE(check_alt_feature_name(good)) << good;
        EXPECT_TRUE(is_alt_feature_name(good)) << good;
    }
    for (const char* bad :
         {"fear_greedy",
          "onchain_active_addresses_z",
          "onchain_active_addresses_z:1",
          "onchain_tx_count_z:99999999999",
          "onchain_hash_rate_chg:0",
          "news_count:0h",
          "news_count:91d",
          "news_sentiment_mean:24",
          "news_mood:24h",
          "onchain_price"}) {
        const auto s = check_alt_feature_name(bad);
        ASSERT_FALSE(s) << bad;
        EXPECT_NE(s.error().message.find(bad), std::string::npos) << s.error().message;
    }
    EXPECT_FALSE(is_alt_feature_name("rsi_14"));
    EXPECT_EQ(base_asset("BTCUSDT"), "BTC");
    EXPECT_EQ(base_asset("ETHBTC"), "ETH");
    EXPECT_EQ(base_asset("SOLFDUSD"), "SOL");
    EXPECT_EQ(base_asset("XYZ"), "XYZ");
}

TEST(AltFeaturesTest, ConfigIsReadAndEveryValueRangeChecked) {
    const auto good = write_temp(
        "ats_altdata_good.toml",
        "[altdata]\nfear_greed = \"fg.csv\"\nheadlines = [\"a.csv\", \"b.csv\"]\n"
        "unstated_tz_lag_hours = 10\n[altdata.onchain]\nBTC = \"btc.csv\"\n");
    auto c = load_altdata_config(good);
    ASSERT_TRUE(c) << c.error().message;
    EXPECT_EQ(c->fear_greed, "fg.csv");
    ASSERT_EQ(c->headlines.size(), 2U);
    EXPECT_EQ(c->onchain.at("BTC"), "btc.csv");
    EXPECT_EQ(c->unstated_tz_lag_hours, 10);
    for (const char* text :
         {"[altdata]\nunstated_tz_lag_hours = -1\n",
          "[altdata]\nunstated_tz_lag_hours = nan\n",
          "[altdata]\ncoinmetrics_lag_hours = 1000\n",
          "[altdata]\nfear_greed_lag_hours = -2\n",
          "[altdata]\nheadlines = \"a.csv\"\n",
          "[altdata]\nheadlines = [1]\n",
          "[altdata]\nfearandgreed = \"x\"\n",
          "[altdata]\nonchain = 3\n",
          "[other]\n",
          "[altdata\n"}) {
        const auto path = write_temp("ats_altdata_bad.toml", text);
        EXPECT_FALSE(load_altdata_config(path)) << text;
    }
    EXPECT_FALSE(load_altdata_config("/nonexistent/altdata.toml"));
    // A missing data file is a named error, not a crash.
    AltDataConfig missing;
    missing.fear_greed = "/nonexistent/fg.csv";
    auto loaded = AltData::load(missing, Timestamp{});
    ASSERT_FALSE(loaded);
    EXPECT_NE(loaded.error().message.find("/nonexistent/fg.csv"), std::string::npos);
}

TEST(AltFeaturesTest, AvailabilityLagsAreConfiguration) {
    auto c = bundled();
    c.coinmetrics_lag_hours = 30;  // a slower feed: the next day 06:00 UTC of the day after
    c.fear_greed_lag_hours = 0;
    auto slow = AltData::load(c, Timestamp{});
    ASSERT_TRUE(slow) << slow.error().message;
    const auto o =
        (*slow)->store().as_of_observation("onchain.BTC.AdrActCnt", at("2024-03-12T12:00:00Z"));
    ASSERT_TRUE(o);
    EXPECT_EQ(o->event, at("2024-03-10"));  // 03-11's value is not out until 03-13 06:00
    EXPECT_EQ(*o->available, at("2024-03-12T06:00:00Z"));
    const auto fg = (*slow)->store().as_of_observation("fear_greed", at("2024-03-12T00:00:00Z"));
    ASSERT_TRUE(fg);
    EXPECT_EQ(fg->event, at("2024-03-12"));
    const auto good = write_temp(
        "ats_altdata_lags.toml",
        "[altdata]\ncoinmetrics_lag_hours = 30\nfear_greed_lag_hours = 0\n");
    auto parsed = load_altdata_config(good);
    ASSERT_TRUE(parsed) << parsed.error().message;
    EXPECT_EQ(parsed->coinmetrics_lag_hours, 30);
    EXPECT_EQ(parsed->fear_greed_lag_hours, 0);
}

TEST(AltFeaturesTest, UnknownSeriesForAnAssetAreRefused) {
    const auto& data = bundled_data();
    EXPECT_FALSE(data->feature("onchain_active_addresses_z:30", "SOL"));
    // ETH's file has no MVRV or exchange flows.
    auto mvrv = data->feature("onchain_mvrv", "ETH");
    ASSERT_FALSE(mvrv);
    EXPECT_EQ(mvrv.error().code, ErrorCode::kNotFound);
    EXPECT_TRUE(data->feature("onchain_tx_count_z:30", "ETH"));
    EXPECT_FALSE(data->feature("news_count:zz", "BTC"));
}

TEST(AltFeaturesTest, FearGreedIsTheLatestPublishedValueAndGoesStale) {
    const auto fg = *bundled_data()->feature("fear_greed", "BTC");
    // 2024-03-10's value is published at 00:00 UTC and readable from 01:00 (the rule's lag).
    const auto store = bundled_data()->store();
    const double day_before = *store.by_event_time("fear_greed", at("2024-03-09T12:00:00Z"));
    const double that_day = *store.by_event_time("fear_greed", at("2024-03-10T12:00:00Z"));
    EXPECT_EQ(fg->at(at("2024-03-10T00:59:59.999Z")), day_before);
    EXPECT_EQ(fg->at(at("2024-03-10T01:00:00Z")), that_day);
    EXPECT_TRUE(std::isnan(fg->at(at("2019-12-31T23:00:00Z"))));
    // Days after the file ends the value is stale, not carried forward.
    EXPECT_FALSE(std::isnan(fg->at(at("2026-08-23T12:00:00Z"))));
    EXPECT_TRUE(std::isnan(fg->at(at("2026-09-10T00:00:00Z"))));
}

TEST(AltFeaturesTest, NewsWindowsMatchAHandComputation) {
    // Three headlines; the second is in another hour bucket. Read at the close of each bucket.
    std::vector<Headline> h = {
        {at("2024-05-01T10:05:00Z"), at("2024-05-01T10:05:00Z"), "Bitcoin surges to record", "t"},
        {at("2024-05-01T10:40:00Z"),
         at("2024-05-01T10:40:00Z"),
         "Exchange hacked, funds lost",
         "t"},
        {at("2024-05-01T13:10:00Z"), at("2024-05-01T13:10:00Z"), "ETF approval boosts rally", "t"},
    };
    auto data = AltData::from_store(PointInTimeStore{}, h, "test");
    ASSERT_TRUE(data) << data.error().message;
    const double a = score_headline(h[0].title).compound;
    const double b = score_headline(h[1].title).compound;
    const double c = score_headline(h[2].title).compound;
    ASSERT_GT(a, 0);
    ASSERT_LT(b, 0);
    ASSERT_GT(c, 0);
    const auto mean = *(*data)->feature("news_sentiment_mean:24h", "BTC");
    const auto count = *(*data)->feature("news_count:24h", "BTC");
    const auto surprise = *(*data)->feature("news_surprise:2h", "BTC");
    // The 10:00 bucket closes at 11:00: nothing is readable before.
    EXPECT_TRUE(std::isnan(mean->at(at("2024-05-01T10:59:59Z"))));
    EXPECT_NEAR(mean->at(at("2024-05-01T11:00:00Z")), (a + b) / 2, 1e-12);
    EXPECT_EQ(count->at(at("2024-05-01T11:00:00Z")), 2);
    EXPECT_NEAR(mean->at(at("2024-05-01T14:00:00Z")), (a + b + c) / 3, 1e-12);
    EXPECT_EQ(count->at(at("2024-05-01T14:00:00Z")), 3);
    // 2 h window at 14:00 holds only the 13:00 bucket; the 20 h before it holds the 10:00 one.
    EXPECT_NEAR(surprise->at(at("2024-05-01T14:00:00Z")), c - (a + b) / 2, 1e-12);
    // A day later the window is empty (mean 0, count 0); after a quiet week, NaN.
    EXPECT_EQ(count->at(at("2024-05-02T15:00:00Z")), 0);
    EXPECT_EQ(mean->at(at("2024-05-02T15:00:00Z")), 0);
    EXPECT_TRUE(std::isnan(count->at(at("2024-05-09T15:00:00Z"))));
}

TEST(AltFeaturesTest, TruncatingTheDataAtADecisionLeavesEveryEarlierValueUnchanged) {
    const auto& full = bundled_data();
    const char* names[] = {
        "fear_greed",
        "onchain_active_addresses_z:30",
        "onchain_exchange_netflow_z:7",
        "onchain_hash_rate_chg:7",
        "onchain_mvrv_z:365",
        "news_sentiment_mean:24h",
        "news_count:7d",
        "news_surprise:24h"};
    std::size_t compared = 0;
    std::size_t finite = 0;
    for (const char* cut_iso :
         {"2021-12-31T10:00:00Z", "2022-06-20T13:00:00Z", "2025-05-14T00:00:00Z"}) {
        const Timestamp cut = at(cut_iso);
        auto truncated = AltData::from_store(full->store().available_by(cut), {}, "cut");
        ASSERT_TRUE(truncated) << truncated.error().message;
        for (const char* name : names) {
            const auto a = *full->feature(name, "BTC");
            const auto b = *(*truncated)->feature(name, "BTC");
            // Hourly decisions over the 40 days up to the cut.
            for (Timestamp t = cut - Duration::from_days(40); t <= cut;
                 t = t + Duration::from_hours(1)) {
                const double x = a->at(t);
                const double y = b->at(t);
                ASSERT_TRUE((std::isnan(x) && std::isnan(y)) || x == y)
                    << name << " at " << t.to_iso8601() << ": " << x << " vs " << y;
                ++compared;
                finite += std::isfinite(x) ? 1U : 0U;
            }
        }
    }
    EXPECT_GT(compared, 7000U);
    EXPECT_GT(finite, compared * 9 / 10);  // the comparison is of real values, not NaNs
}

}  // namespace
}  // namespace ats::altdata
