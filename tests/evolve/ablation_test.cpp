// The feature ablation: its paired permutation test, and on real BTC bars that it finds an effect
// that is there (a feature that knows the label) and not one that is not (the same feature twice).
#include "ats/evolve/ablation.hpp"

#include <cmath>
#include <random>
#include <string>

#include <gtest/gtest.h>

#include "ats/altdata/alt_features.hpp"
#include "ats/data/kline_csv.hpp"
#include "ats/ml/metrics.hpp"

namespace ats::evolve {
namespace {

double accuracy(std::span<const float> y, std::span<const double> p) {
    std::size_t right = 0;
    for (std::size_t i = 0; i < y.size(); ++i) {
        right += ((p[i] > 0.5) == (y[i] > 0.5f)) ? 1U : 0U;
    }
    return static_cast<double>(right) / static_cast<double>(y.size());
}

TEST(AblationTest, PermutationTestSeparatesARealDifferenceFromNone) {
    std::mt19937_64 rng(3);
    std::uniform_real_distribution<double> u(0, 1);
    std::vector<float> y;
    std::vector<double> noise;
    std::vector<double> good;
    std::vector<std::int64_t> day;
    for (int i = 0; i < 2400; ++i) {
        y.push_back(u(rng) < 0.5 ? 1.0f : 0.0f);
        noise.push_back(u(rng));
        // Right 70% of the time.
        good.push_back(
            u(rng) < 0.7 ? (y.back() > 0.5f ? 0.8 : 0.2) : (y.back() > 0.5f ? 0.2 : 0.8));
        day.push_back(i / 24);
    }
    const auto same = paired_permutation_test(y, noise, noise, day, accuracy, 500, 1);
    EXPECT_EQ(same.difference, 0);
    EXPECT_EQ(same.p_value, 1.0);
    const auto real = paired_permutation_test(y, noise, good, day, accuracy, 500, 1);
    EXPECT_GT(real.difference, 0.15);
    EXPECT_NEAR(real.p_value, 1.0 / 501.0, 1e-12);  // no draw reaches it
    // Swapping the arms flips the sign, not the p-value.
    const auto flipped = paired_permutation_test(y, good, noise, day, accuracy, 500, 1);
    EXPECT_DOUBLE_EQ(flipped.difference, -real.difference);
    EXPECT_EQ(flipped.p_value, real.p_value);
}

/// The last `n` bars of the bundled BTCUSDT 1h file.
model::BarSeries recent_btc(std::size_t n) {
    auto loaded = data::load_klines_csv(
        std::string(ATS_BUNDLED_DATA_DIR) + "/BTCUSDT_1h_2021-04_2025-12.csv", {});
    EXPECT_TRUE(loaded.has_value());
    const auto& all = loaded->series;
    model::BarSeries out(all.interval(), all.symbol());
    for (std::size_t i = all.size() - n; i < all.size(); ++i) {
        out.push_back(all.bar(i));
    }
    return out;
}

AblationSpec small_spec(model::BarSeries series, std::shared_ptr<const altdata::AltData> alt) {
    AblationSpec spec;
    spec.series = std::move(series);
    spec.base = *ml::FeatureSet::parse("ret_1,ret_4,rsi_14,vol_z_24");
    spec.extended = *ml::FeatureSet::parse("ret_1,ret_4,rsi_14,vol_z_24,fear_greed");
    spec.alt = ml::AltInput{std::move(alt), "BTC"};
    spec.label = *ml::LabelSpec::parse("forward_return:1");
    spec.walk_forward = *ml::WalkForwardSpec::parse("train=2160h,test=720h,embargo=24h");
    spec.params.boosting.rounds = 20;
    spec.params.boosting.max_depth = 3;
    spec.params.boosting.threads = 1;
    spec.permutations = 200;
    return spec;
}

TEST(AblationTest, AFeatureThatKnowsTheLabelWinsSignificantly) {
    auto series = recent_btc(6000);
    // A "fear_greed" series that is, by construction, next bar's direction, published at this
    // bar's close: the store cannot know it is a leak, and the ablation must see its value.
    altdata::PointInTimeStore store;
    for (std::size_t i = 0; i + 1 < series.size(); ++i) {
        const double up =
            series.bar(i + 1).close.to_double() > series.bar(i).close.to_double() ? 1.0 : 0.0;
        ASSERT_TRUE(store.add(altdata::Observation{
            "fear_greed", series.open_time()[i], series.close_time()[i], Timestamp{}, up, "t", 0}));
    }
    auto alt = altdata::AltData::from_store(std::move(store), {}, "leak");
    ASSERT_TRUE(alt);
    auto r = run_ablation(small_spec(series, *alt));
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(r->base.folds.size(), r->extended.folds.size());
    EXPECT_EQ(r->base.returns.size(), r->extended.returns.size());
    EXPECT_EQ(r->base.features, "ret_1,ret_4,rsi_14,vol_z_24");
    EXPECT_GT(r->oos_rows, 3000U);
    EXPECT_LT(r->base.overall.accuracy, 0.6);
    EXPECT_GT(r->extended.overall.accuracy, 0.95);
    EXPECT_GT(r->accuracy.difference, 0.35);
    EXPECT_LT(r->accuracy.p_value, 0.01);
    EXPECT_LT(r->auc.p_value, 0.01);
    EXPECT_GT(r->sharpe.difference, 0);
    EXPECT_LT(r->sharpe.p_value, 0.01);
    ASSERT_EQ(r->base.fold_sharpe.size(), r->base.folds.size());
}

TEST(AblationTest, TheRealFearAndGreedIndexIsMeasuredOnTheSameRows) {
    const std::string dir = ATS_BUNDLED_DATA_DIR;
    altdata::AltDataConfig c;
    c.fear_greed = dir + "/sentiment/fear_greed_index_daily_2020-01-01_2026-08-22.csv";
    auto alt = altdata::AltData::load(c, Timestamp{});
    ASSERT_TRUE(alt);
    auto r = run_ablation(small_spec(recent_btc(6000), *alt));
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(r->base.overall.count, r->extended.overall.count);
    EXPECT_GT(r->accuracy.p_value, 0.0);
    EXPECT_LE(r->accuracy.p_value, 1.0);
    // Whatever the effect, it is small next to the leak above.
    EXPECT_LT(std::abs(r->accuracy.difference), 0.05);
    // Bad specs are refused with a reason.
    auto bad = small_spec(recent_btc(600), *alt);
    bad.extended = bad.base;
    EXPECT_FALSE(run_ablation(bad));
    bad = small_spec(recent_btc(600), *alt);
    bad.permutations = 0;
    EXPECT_FALSE(run_ablation(bad));
}

}  // namespace
}  // namespace ats::evolve
