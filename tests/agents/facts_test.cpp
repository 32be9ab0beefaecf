#include "ats/agents/facts.hpp"

#include <cmath>
#include <random>

#include <gtest/gtest.h>

#include "ats/data/kline_csv.hpp"

namespace ats::agents {
namespace {

TEST(FactsTest, AGaussianRandomWalkHasNoneOfTheStylizedFacts) {
    std::mt19937_64 rng(1);
    std::normal_distribution<double> z(0, 0.001);
    std::vector<double> close{100};
    std::vector<double> volume{1};
    for (int i = 0; i < 20'000; ++i) {
        close.push_back(close.back() * std::exp(z(rng)));
        volume.push_back(1 + std::abs(z(rng)));
    }
    const auto f = stylized_facts(close, volume);
    EXPECT_NEAR(f.kurtosis_1m, 0, 0.2);
    EXPECT_LT(f.mean_abs_acf_returns, 0.02);
    EXPECT_LT(std::abs(f.acf_abs[0]), 0.03);
    EXPECT_GT(f.hill_alpha, 5);  // thin tails: a large index
    const auto card = scorecard(f, f);
    int passed = 0;
    for (const auto& c : card) {
        passed += c.passes ? 1 : 0;
    }
    EXPECT_LE(passed, 5);  // no tails, no clustering, no volume link
    EXPECT_FALSE(card[0].passes);
    EXPECT_FALSE(card[4].passes);
}

TEST(FactsTest, RealBtcMinuteBarsSatisfyEveryBand) {
    auto loaded =
        data::load_klines_csv(std::string(ATS_BUNDLED_DATA_DIR) + "/BTCUSDT_1m_2024-12.csv", {});
    ASSERT_TRUE(loaded);
    std::vector<double> close;
    std::vector<double> volume;
    for (const auto& p : loaded->series.close()) {
        close.push_back(p.to_double());
    }
    for (const auto& q : loaded->series.volume()) {
        volume.push_back(q.to_double());
    }
    const auto real = stylized_facts(close, volume);
    for (const auto& c : scorecard(real, real)) {
        EXPECT_TRUE(c.real_passes) << c.name << " " << c.real << " band " << c.band;
    }
}

}  // namespace
}  // namespace ats::agents
