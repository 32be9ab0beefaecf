// The headline scorer against a hand-labelled set of 205 real CoinDesk headlines
// (tests/data_files/sentiment/labelled_headlines.csv; docs/altdata.md says how it was made).
#include "ats/altdata/sentiment.hpp"

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
