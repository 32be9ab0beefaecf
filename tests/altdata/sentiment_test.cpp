// The headline scorer against a hand-labelled set of 205 real CoinDesk headlines
// (tests/data_files/sentiment/labelled_headlines.csv; docs/altdata.md says how it was made).
#include "ats/altdata/sentiment.hpp"

#include <cmath>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace ats::altdata {
namespace {

TEST(SentimentTest, WordsNegationIntensifiersAndBut) {
    EXPECT_GT(score_headline("Bitcoin surges to a record high").compound, 0.3);
    EXPECT_LT(score_headline("Bitcoin plunges as exchange is hacked").compound, -0.3);
    EXPECT_EQ(sentiment_label(score_headline("Bitcoin News Roundup for March 6").compound), 0);
    // Negation flips and damps.
    const double up = score_headline("Bitcoin rallies").compound;
    const double not_up = score_headline("Bitcoin does not rally").compound;
    EXPECT_GT(up, 0);
    EXPECT_LT(not_up, 0);
    EXPECT_LT(std::abs(not_up), up);
    EXPECT_LT(score_headline("Bitcoin Doesn’t Crash").compound, 0.5);  // curly apostrophe
    EXPECT_GT(score_headline("Bitcoin Doesn’t Crash").compound, 0);
    // Intensifiers scale away from zero, dampers towards it.
    EXPECT_LT(
        score_headline("Bitcoin drops sharply").compound, score_headline("Bitcoin drops").compound);
    EXPECT_GT(
        score_headline("Bitcoin drops slightly").compound,
        score_headline("Bitcoin drops").compound);
    // After "but" counts more.
    EXPECT_LT(score_headline("Bitcoin rises but analysts are bearish").compound, 0);
    // Phrases before words.
    EXPECT_LT(score_headline("Weekend sell-off").compound, 0);
    EXPECT_GT(score_headline("Bitcoin hits all-time high").compound, 0.3);
}

TEST(SentimentTest, AccuracyOnTheHandLabelledHeadlines) {
    std::ifstream in(std::string(ATS_TEST_DATA_DIR) + "/sentiment/labelled_headlines.csv");
    ASSERT_TRUE(in);
    std::string line;
    std::getline(in, line);
    int n = 0;
    int right = 0;
    int majority = 0;
    int counts[3] = {0, 0, 0};
    int confusion[3][3] = {};
    while (std::getline(in, line)) {
        const auto comma = line.find(',');
        const auto second = line.find(',', comma + 1);
        const std::string label = line.substr(0, comma);
        std::string title = line.substr(second + 1);
        if (!title.empty() && title.front() == '"') {
            title = title.substr(1, title.size() - 2);
        }
        const int want = label == "pos" ? 1 : label == "neg" ? -1 : 0;
        const int got = sentiment_label(score_headline(title).compound);
        ++counts[want + 1];
        ++confusion[want + 1][got + 1];
        right += got == want ? 1 : 0;
        ++n;
    }
    ASSERT_EQ(n, 205);
    majority = std::max({counts[0], counts[1], counts[2]});
    const double accuracy = static_cast<double>(right) / n;
    const double baseline = static_cast<double>(majority) / n;
    std::printf(
        "sentiment: %d of %d right (%.1f%%; majority class %.1f%%); rows true neg/neu/pos, "
        "columns predicted: [%d %d %d] [%d %d %d] [%d %d %d]\n",
        right,
        n,
        100 * accuracy,
        100 * baseline,
        confusion[0][0],
        confusion[0][1],
        confusion[0][2],
        confusion[1][0],
        confusion[1][1],
        confusion[1][2],
        confusion[2][0],
        confusion[2][1],
        confusion[2][2]);
    EXPECT_GT(accuracy, baseline + 0.25);
    // Sign errors (positive called negative or the reverse) are the costly ones.
    EXPECT_LT(confusion[0][2] + confusion[2][0], n / 10);
}

}  // namespace
}  // namespace ats::altdata

#include "ats/altdata/headlines.hpp"

namespace ats::altdata {
namespace {

TEST(HeadlinesTest, FilesLoadWithTheirTimezoneRulesAndAggregatePointInTime) {
    const std::string dir = std::string(ATS_BUNDLED_DATA_DIR) + "/sentiment/";
    auto coindesk = load_headlines_csv(dir + "coindesk_bitcoin_headlines_2020-03_2025-06.csv");
    ASSERT_TRUE(coindesk) << coindesk.error().message;
    EXPECT_EQ(coindesk->size(), 2676U);
    EXPECT_EQ(coindesk->front().available, coindesk->front().published);  // UTC: at once
    auto plus = load_headlines_csv(dir + "crypto_news_plus_headlines_2021-10-12_2022-07-05.csv");
    ASSERT_TRUE(plus) << plus.error().message;
    EXPECT_EQ(plus->size(), 7496U);
    EXPECT_EQ(plus->front().available - plus->front().published, Duration::from_seconds(14 * 3600));
    const Timestamp ingested = *Timestamp::parse_iso8601("2026-12-05T00:00:00Z");
    for (const auto* set : {&*coindesk, &*plus}) {
        const auto obs = aggregate_sentiment(*set, Duration::from_days(1), "1d", 7, ingested);
        PointInTimeStore store;
        ASSERT_TRUE(store.add(obs));
        double counted = 0;
        for (const auto& o : obs) {
            // Nothing is available before its bucket has closed and its headlines were readable.
            ASSERT_GE(*o.available, o.event + Duration::from_days(1));
            if (o.series == "news.count:1d") {
                counted += o.value;
            }
            ASSERT_TRUE(std::isfinite(o.value));
        }
        EXPECT_EQ(counted, static_cast<double>(set->size()));
        EXPECT_EQ(store.series().size(), 3U);
    }
    // A day's mean is not known during that day.
    const auto obs = aggregate_sentiment(*coindesk, Duration::from_days(1), "1d", 7, ingested);
    const auto& first = obs.front();
    PointInTimeStore store;
    ASSERT_TRUE(store.add(obs));
    EXPECT_FALSE(store.as_of("news.sentiment_mean:1d", first.event + Duration::from_seconds(3600)));
    EXPECT_TRUE(store.as_of("news.sentiment_mean:1d", *first.available));
    // Bad files are named.
    const std::string path = ::testing::TempDir() + "/bad_headlines.csv";
    {
        std::ofstream f(path);
        f << "published_local,title,source\n2020-01-01 00:00,x,y\n";
    }
    EXPECT_FALSE(load_headlines_csv(path));
    {
        std::ofstream f(path);
        f << "published_utc,title,source\nyesterday,x,y\n";
    }
    auto bad = load_headlines_csv(path);
    ASSERT_FALSE(bad);
    EXPECT_NE(bad.error().message.find(":2:"), std::string::npos);
}

}  // namespace
}  // namespace ats::altdata
