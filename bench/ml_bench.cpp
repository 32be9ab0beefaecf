#include <algorithm>
#include <cmath>
#include <cstddef>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "ats/data/kline_csv.hpp"
#include "ats/ml/booster.hpp"
#include "ats/ml/features.hpp"
#include "ats/ml/flat_forest.hpp"
#include "ats/ml/labels.hpp"
#include "ats/ml/walk_forward.hpp"

namespace {

using ats::ml::Booster;
using ats::ml::FlatForest;

/// 200 trees of depth 6 trained on the bundled BTCUSDT 1h features, the XGBoost booster loaded
/// back from its JSON file and the flat forest built from the same file.
struct Fixture {
    ats::ml::Dataset data;
    Booster booster;
    FlatForest forest;
    double max_abs_diff = 0.0;  ///< flat forest vs XGBoosterPredict over every row

    static Fixture& get() {
        // Leaked on purpose: XGBoost's lazily created per-thread state is destroyed before a
        // function-local static would be, and freeing a booster after that corrupts the heap.
        static Fixture* f = new Fixture(make());
        return *f;
    }

private:
    static Fixture make() {
        auto loaded = ats::data::load_klines_csv(
            std::string(ATS_BUNDLED_DATA_DIR) + "/BTCUSDT_1h_2021-04_2025-12.csv", {});
        const auto& series = loaded->series;
        const auto set = ats::ml::FeatureSet::defaults();
        auto data = ats::ml::make_dataset(
            ats::ml::compute_features(set, series),
            ats::ml::make_labels(ats::ml::LabelSpec{}, series),
            series);
        ats::ml::BoosterParams params;
        params.rounds = 200;
        params.max_depth = 6;
        const ats::ml::DenseRows x{data.x, data.size(), data.cols};
        auto trained = Booster::train(x, data.y, params);
        const auto path =
            (std::filesystem::temp_directory_path() / "ats_ml_bench_model.json").string();
        (void)trained->save(path);
        auto booster = Booster::load(path);
        auto forest = FlatForest::load(path);
        std::filesystem::remove(path);
        const auto reference = booster->predict(ats::ml::DenseRows{data.x, data.size(), data.cols});
        double max_abs_diff = 0.0;
        for (std::size_t i = 0; i < data.size(); ++i) {
            max_abs_diff =
                std::max(max_abs_diff, std::abs(forest->predict(data.row(i)) - (*reference)[i]));
        }
        return Fixture{std::move(data), std::move(*booster), std::move(*forest), max_abs_diff};
    }
};

void BM_MlPredictOneRow_FlatForest(benchmark::State& state) {
    auto& f = Fixture::get();
    std::size_t i = 0;
    for ([[maybe_unused]] auto _ : state) {
        benchmark::DoNotOptimize(f.forest.predict(f.data.row(i)));
        i = i + 1 == f.data.size() ? 0 : i + 1;  // no division in the timed loop
    }
    state.counters["trees"] = static_cast<double>(f.forest.tree_count());
    state.counters["max_abs_diff"] = f.max_abs_diff;
}
BENCHMARK(BM_MlPredictOneRow_FlatForest);

void BM_MlPredictOneRow_XgboostPredictFromDense(benchmark::State& state) {
    auto& f = Fixture::get();
    std::size_t i = 0;
    for ([[maybe_unused]] auto _ : state) {
        benchmark::DoNotOptimize(*f.booster.predict_one(f.data.row(i)));
        i = i + 1 == f.data.size() ? 0 : i + 1;
    }
}
BENCHMARK(BM_MlPredictOneRow_XgboostPredictFromDense);

/// The training budget: 200 rounds on 100,000 x 30 features; the argument is the number
/// of XGBoost threads (2 is the budget's; 1 for comparison on a busy machine).
void BM_MlTrain_200Rounds_100kx30(benchmark::State& state) {
    constexpr std::size_t kRows = 100'000;
    constexpr std::size_t kCols = 30;
    std::mt19937 rng(1);
    std::normal_distribution<float> normal;
    std::vector<float> x(kRows * kCols);
    std::vector<float> y(kRows);
    for (std::size_t r = 0; r < kRows; ++r) {
        float s = 0.0F;
        for (std::size_t c = 0; c < kCols; ++c) {
            x[r * kCols + c] = normal(rng);
            s += c < 5 ? x[r * kCols + c] : 0.0F;
        }
        y[r] = s + 2.0F * normal(rng) > 0.0F ? 1.0F : 0.0F;
    }
    ats::ml::BoosterParams params;
    params.rounds = 200;
    params.max_depth = 6;
    params.threads = static_cast<int>(state.range(0));
    for ([[maybe_unused]] auto _ : state) {
        auto b = Booster::train(ats::ml::DenseRows{x, kRows, kCols}, y, params);
        benchmark::DoNotOptimize(b.has_value());
    }
}
BENCHMARK(BM_MlTrain_200Rounds_100kx30)
    ->Arg(1)
    ->Arg(2)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(1);

}  // namespace
