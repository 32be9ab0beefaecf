#include <algorithm>
#include <cmath>
#include <filesystem>
#include <numeric>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "ats/data/kline_csv.hpp"
#include "ats/ml/booster.hpp"
#include "ats/ml/features.hpp"
#include "ats/ml/flat_forest.hpp"
#include "ats/ml/labels.hpp"
#include "ats/ml/metrics.hpp"
#include "ats/ml/model_bundle.hpp"
#include "ats/ml/walk_forward.hpp"

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

/// The last `n` bars of the bundled BTCUSDT 1h series.
model::BarSeries tail(const model::BarSeries& all, std::size_t n) {
    model::BarSeries out(all.interval(), all.symbol());
    for (std::size_t i = all.size() - n; i < all.size(); ++i) {
        out.push_back(all.bar(i));
    }
    return out;
}

const model::BarSeries& recent() {
    static const model::BarSeries series = tail(btc_1h(), 12'000);
    return series;
}

/// Small models for fast tests. One thread: with two, OpenMP's spinning threads slow down badly on
/// a busy two-core machine; BoosterTest checks determinism with the default two.
TrainParams small_params(ModelChoice choice) {
    TrainParams p;
    p.choice = choice;
    p.boosting.threads = 1;
    p.forest.threads = 1;
    p.boosting.rounds = 30;
    p.boosting.max_depth = 3;
    p.boosting.learning_rate = 0.1;
    p.forest.trees = 30;
    p.forest.max_depth = 5;
    return p;
}

Dataset dataset(const model::BarSeries& series, const LabelSpec& label = {}) {
    const auto features = compute_features(FeatureSet::defaults(), series);
    return make_dataset(features, make_labels(label, series), series);
}

TEST(FeatureSetTest, ParsesNamesAndRejectsUnknown) {
    auto set = FeatureSet::parse("ret_1, rsi_14,atr_14_pct");
    ASSERT_TRUE(set.has_value());
    EXPECT_EQ(set->size(), 3U);
    EXPECT_EQ(set->spec(), "ret_1,rsi_14,atr_14_pct");
    auto bad = FeatureSet::parse("ret_1,future_ret_1");
    ASSERT_FALSE(bad.has_value());
    EXPECT_NE(bad.error().message.find("future_ret_1"), std::string::npos);
    EXPECT_FALSE(FeatureSet::parse("rsi_0").has_value());
}

TEST(FeatureEngineTest, FeaturesAreCausalOnRealData) {
    const auto& series = recent();
    const auto set = FeatureSet::defaults();
    const FeatureFunction f = [&](const model::BarSeries& s, std::size_t end) {
        return compute_features(set, s, end);
    };
    const auto probes = spread_probes(0, 3'000, 60);
    const auto status = check_causality(f, series, probes);
    EXPECT_TRUE(status.has_value()) << status.error().message;
    // Every default feature is defined once warmed up (taker columns exist in the bundled file).
    const auto m = compute_features(set, series, 200);
    EXPECT_TRUE(m.row_complete(199));
}

TEST(FeatureEngineTest, CausalityCheckCatchesAFeatureFromTheFuture) {
    const auto& series = recent();
    const auto set = FeatureSet::defaults();
    // A leaky extra column: the next bar's return, as a careless label-as-feature would be.
    const FeatureFunction leaky = [&](const model::BarSeries& s, std::size_t end) {
        auto m = compute_features(set, s, end);
        FeatureMatrix out;
        out.rows = m.rows;
        out.cols = m.cols + 1;
        out.names = m.names;
        out.names.emplace_back("future_ret_1");
        for (std::size_t t = 0; t < m.rows; ++t) {
            const auto r = m.row(t);
            out.values.insert(out.values.end(), r.begin(), r.end());
            out.values.push_back(
                t + 1 < end ? s.close()[t + 1].to_double() / s.close()[t].to_double() - 1.0
                            : std::nan(""));
        }
        return out;
    };
    const auto probes = spread_probes(100, 3'000, 20);
    const auto status = check_causality(leaky, series, probes);
    ASSERT_FALSE(status.has_value());
    EXPECT_NE(status.error().message.find("future_ret_1"), std::string::npos);
}

TEST(LabelsTest, ForwardReturnWithDeadZone) {
    const auto& series = recent();
    const auto plain = make_labels(*LabelSpec::parse("forward_return:4"), series);
    const auto dz = make_labels(*LabelSpec::parse("forward_return:4:0.002"), series);
    EXPECT_EQ(plain.size(), series.size() - 4);
    EXPECT_LT(dz.size(), plain.size());
    for (std::size_t i = 0; i < dz.size(); ++i) {
        const std::size_t t = dz.index[i];
        const double r = series.close()[t + 4].to_double() / series.close()[t].to_double() - 1.0;
        EXPECT_GT(std::abs(r), 0.002);
        EXPECT_EQ(dz.value[i], r > 0 ? 1.0F : 0.0F);
        EXPECT_EQ(dz.horizon_end[i], t + 4);
    }
    EXPECT_FALSE(LabelSpec::parse("forward_return:0").has_value());
    EXPECT_FALSE(LabelSpec::parse("backward:1").has_value());
}

TEST(LabelsTest, TripleBarrierStopsAtTheFirstBarrier) {
    const auto& series = recent();
    const auto spec = *LabelSpec::parse("triple_barrier:24:0.01:0.01");
    EXPECT_EQ(spec.to_string(), "triple_barrier:24:0.01:0.01");
    const auto labels = make_labels(spec, series);
    ASSERT_GT(labels.size(), 1000U);
    std::size_t early = 0;
    for (std::size_t i = 0; i < labels.size(); ++i) {
        const std::size_t t = labels.index[i];
        const std::size_t end = labels.horizon_end[i];
        ASSERT_GT(end, t);
        ASSERT_LE(end, t + 24);
        const double c0 = series.close()[t].to_double();
        if (end < t + 24) {
            ++early;
            const bool hit_tp = series.high()[end].to_double() >= c0 * 1.01;
            const bool hit_sl = series.low()[end].to_double() <= c0 * 0.99;
            ASSERT_TRUE(hit_tp || hit_sl);
            EXPECT_EQ(labels.value[i], hit_sl ? 0.0F : 1.0F);
        }
    }
    EXPECT_GT(early, labels.size() / 2);
    EXPECT_TRUE(LabelSpec::parse("triple_barrier:24:2atr:1atr").has_value());
}

TEST(MetricsTest, KnownValues) {
    const std::vector<float> y{0, 0, 1, 1};
    const std::vector<double> p{0.1, 0.4, 0.35, 0.8};
    const auto m = compute_metrics(y, p);
    EXPECT_DOUBLE_EQ(m.auc, 0.75);
    EXPECT_DOUBLE_EQ(m.accuracy, 0.75);
    EXPECT_DOUBLE_EQ(m.precision, 1.0);
    EXPECT_DOUBLE_EQ(m.recall, 0.5);
    EXPECT_NEAR(m.brier, (0.01 + 0.16 + 0.4225 + 0.04) / 4, 1e-12);
    EXPECT_NEAR(
        m.log_loss, -(std::log(0.9) + std::log(0.6) + std::log(0.35) + std::log(0.8)) / 4, 1e-12);
}

TEST(BoosterTest, DeterministicAndFlatForestMatchesXgboost) {
    const auto& series = recent();
    const auto data = dataset(series);
    ASSERT_GT(data.size(), 6'000U);
    std::vector<std::size_t> rows(4'000);
    std::iota(rows.begin(), rows.end(), std::size_t{0});
    for (const auto choice : {ModelChoice::kXgboost, ModelChoice::kRandomForest}) {
        auto params = small_params(choice);
        params.boosting.threads = 2;
        params.forest.threads = 2;
        auto a = train_model(data, rows, params);
        auto b = train_model(data, rows, params);
        ASSERT_TRUE(a.has_value()) << a.error().message;
        ASSERT_TRUE(b.has_value());
        const std::size_t n = 2'000;
        const DenseRows test{
            std::span<const float>(data.x).subspan(4'000 * data.cols, n * data.cols), n, data.cols};
        const auto pa = *a->predict(test);
        const auto pb = *b->predict(test);
        EXPECT_EQ(pa, pb);

        const auto path =
            (std::filesystem::temp_directory_path() / "ats_ml_test_model.json").string();
        ASSERT_TRUE(a->members[0].save(path).has_value());
        const auto forest = FlatForest::load(path);
        ASSERT_TRUE(forest.has_value()) << forest.error().message;
        double max_diff = 0.0;
        for (std::size_t i = 0; i < n; ++i) {
            const auto row = data.row(4'000 + i);
            max_diff = std::max(max_diff, std::abs(forest->predict(row) - pa[i]));
            if (i % 100 == 0) {
                const auto one = a->members[0].predict_one(row);
                ASSERT_TRUE(one.has_value()) << one.error().message;
                EXPECT_NEAR(*one, pa[i], 1e-7);
            }
        }
        std::ostringstream diff_text;
        diff_text << std::scientific << max_diff;
        RecordProperty(std::string(to_string(choice)) + "_max_diff", diff_text.str());
        EXPECT_LT(max_diff, 1e-6) << to_string(choice);
        // Missing values follow the default direction as in XGBoost.
        std::vector<float> holes(data.row(4'000).begin(), data.row(4'000).end());
        holes[0] = std::nanf("");
        holes[3] = std::nanf("");
        const auto p_holes = a->members[0].predict(DenseRows{holes, 1, data.cols});
        ASSERT_TRUE(p_holes.has_value());
        EXPECT_NEAR(forest->predict(std::span<const float>(holes)), (*p_holes)[0], 1e-6);
        std::filesystem::remove(path);
    }
}

TEST(WalkForwardTest, SpecParses) {
    auto spec = WalkForwardSpec::parse("train=8760h,test=720h,embargo=24h");
    ASSERT_TRUE(spec.has_value());
    EXPECT_EQ(spec->train, Duration::from_hours(8760));
    EXPECT_EQ(spec->to_string(), "train=8760h,test=720h,embargo=24h");
    EXPECT_TRUE(WalkForwardSpec::parse("train=30d,test=7d,embargo=0,anchored")->anchored);
    EXPECT_FALSE(WalkForwardSpec::parse("train=abc").has_value());
    EXPECT_FALSE(WalkForwardSpec::parse("size=10h").has_value());
}

TEST(WalkForwardTest, NextBarDirectionIsNearChanceOutOfSample) {
    const auto& series = recent();
    const auto data = dataset(series);
    const auto spec = *WalkForwardSpec::parse("train=3000h,test=1000h,embargo=24h");
    for (const auto choice :
         {ModelChoice::kXgboost, ModelChoice::kRandomForest, ModelChoice::kEnsemble}) {
        std::size_t calls = 0;
        auto result = walk_forward(
            data, series, spec, small_params(choice), [&](std::size_t, std::size_t) { ++calls; });
        ASSERT_TRUE(result.has_value()) << result.error().message;
        EXPECT_GE(result->folds.size(), 8U);
        EXPECT_EQ(calls, result->folds.size());
        const auto& m = result->overall;
        RecordProperty(std::string(to_string(choice)) + "_accuracy", std::to_string(m.accuracy));
        RecordProperty(std::string(to_string(choice)) + "_auc", std::to_string(m.auc));
        EXPECT_GT(m.accuracy, 0.45) << to_string(choice);
        EXPECT_LT(m.accuracy, 0.56) << to_string(choice);
        EXPECT_GT(m.auc, 0.44) << to_string(choice);
        EXPECT_LT(m.auc, 0.56) << to_string(choice);
        for (const auto& fold : result->folds) {
            EXPECT_GT(fold.purged_rows, 0U);
            EXPECT_NEAR(
                fold.weights[0] + (fold.weights.size() > 1 ? fold.weights[1] : 0.0), 1.0, 1e-12);
        }
        EXPECT_GT(result->overall_previous.count, 0U);
    }
}

TEST(WalkForwardTest, PermutedLabelsGiveChanceLevelAuc) {
    const auto& series = recent();
    auto data = dataset(series);
    std::mt19937 rng(7);
    std::shuffle(data.y.begin(), data.y.end(), rng);
    const auto spec = *WalkForwardSpec::parse("train=3000h,test=1000h,embargo=24h");
    auto result = walk_forward(data, series, spec, small_params(ModelChoice::kXgboost));
    ASSERT_TRUE(result.has_value());
    RecordProperty("auc", std::to_string(result->overall.auc));
    RecordProperty("accuracy", std::to_string(result->overall.accuracy));
    EXPECT_LT(std::abs(result->overall.auc - 0.5), 0.05);
}

TEST(WalkForwardTest, PurgeDropsRowsWhoseLabelReachesTheTestWindow) {
    const auto& series = recent();
    const auto data = dataset(series, *LabelSpec::parse("forward_return:48"));
    const auto spec = *WalkForwardSpec::parse("train=3000h,test=3000h,embargo=0");
    auto result = walk_forward(data, series, spec, small_params(ModelChoice::kXgboost));
    ASSERT_TRUE(result.has_value());
    ASSERT_FALSE(result->folds.empty());
    // 48 rows before each test window have labels reaching into it.
    EXPECT_EQ(result->folds[0].purged_rows, 48U);
}

TEST(WalkForwardTest, AnchoredWindowsGrowFromTheFirstRow) {
    const auto& series = recent();
    const auto data = dataset(series);
    const auto spec = *WalkForwardSpec::parse("train=3000h,test=2000h,embargo=24h,anchored");
    auto result = walk_forward(data, series, spec, small_params(ModelChoice::kRandomForest));
    ASSERT_TRUE(result.has_value());
    ASSERT_GE(result->folds.size(), 3U);
    for (std::size_t k = 0; k < result->folds.size(); ++k) {
        EXPECT_EQ(result->folds[k].train_from, data.time.front());
        if (k > 0) {
            EXPECT_GT(result->folds[k].train_rows, result->folds[k - 1].train_rows);
        }
    }
    // Out-of-sample rows are disjoint and in time order.
    for (std::size_t i = 1; i < result->oos_rows.size(); ++i) {
        EXPECT_GT(result->oos_rows[i], result->oos_rows[i - 1]);
    }
}

TEST(ModelBundleTest, SavedDirectoryPredictsLikeTheTrainedModel) {
    const auto& series = recent();
    const auto data = dataset(series);
    const auto rows = final_training_rows(data, Duration::from_hours(3000), false);
    auto model = train_model(data, rows, small_params(ModelChoice::kEnsemble));
    ASSERT_TRUE(model.has_value()) << model.error().message;
    ASSERT_EQ(model->members.size(), 2U);
    const auto dir = (std::filesystem::temp_directory_path() / "ats_ml_test_bundle").string();
    ModelMetadata meta;
    meta.asset = "BTCUSDT";
    meta.model = "ensemble";
    meta.features = FeatureSet::defaults();
    meta.data_hash = data_hash(series);
    ASSERT_TRUE(save_model_dir(dir, *model, meta).has_value());
    const auto predictor = Predictor::load(dir);
    ASSERT_TRUE(predictor.has_value()) << predictor.error().message;
    const std::size_t n = 500;
    const DenseRows x{std::span<const float>(data.x).first(n * data.cols), n, data.cols};
    const auto expected = *model->predict(x);
    const auto features = compute_features(predictor->features(), series);
    for (std::size_t i = 0; i < n; ++i) {
        EXPECT_NEAR(predictor->predict(features.row(data.bar[i])), expected[i], 1e-6);
    }
    std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace ats::ml
