#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ats/core/error.hpp"
#include "ats/core/time.hpp"
#include "ats/ml/booster.hpp"
#include "ats/ml/features.hpp"
#include "ats/ml/labels.hpp"
#include "ats/ml/metrics.hpp"
#include "ats/model/bar_series.hpp"

namespace ats::ml {

/// Labelled rows with complete features, in bar order. `x` is row-major float (XGBoost's type).
struct Dataset {
    std::size_t cols = 0;
    std::vector<std::string> names;
    std::vector<float> x;
    std::vector<float> y;
    std::vector<std::size_t> bar;          ///< bar index of each row
    std::vector<std::size_t> horizon_end;  ///< last bar index the label uses
    std::vector<Timestamp> time;           ///< open time of the row's bar
    std::size_t size() const noexcept { return y.size(); }
    std::span<const float> row(std::size_t i) const { return {x.data() + i * cols, cols}; }
};

Dataset make_dataset(
    const FeatureMatrix& features, const Labels& labels, const model::BarSeries& series);

/// Which model `ats train` builds. kEnsemble trains both and averages their probabilities with a
/// weight chosen on a validation slice (the last 20% of the training rows, purged) by log loss.
enum class ModelChoice : unsigned char { kXgboost, kRandomForest, kEnsemble };
Result<ModelChoice> parse_model_choice(std::string_view text);
std::string_view to_string(ModelChoice choice) noexcept;

struct TrainParams {
    ModelChoice choice = ModelChoice::kXgboost;
    BoosterParams boosting{};
    BoosterParams forest{.kind = ModelKind::kRandomForest, .max_depth = 8};
};

/// One or two boosters and their weights (summing to 1).
struct TrainedModel {
    std::vector<Booster> members;
    std::vector<std::string> member_names;  ///< "xgboost", "random_forest"
    std::vector<double> weights;
    Result<std::vector<double>> predict(const DenseRows& x) const;
};

/// Trains on the given dataset rows (indices into `data`, in time order).
Result<TrainedModel> train_model(
    const Dataset& data, std::span<const std::size_t> rows, const TrainParams& params);

/// "train=8760h,test=720h,embargo=24h[,anchored]" (units h or d).
struct WalkForwardSpec {
    Duration train = Duration::from_hours(8760);
    Duration test = Duration::from_hours(720);
    Duration embargo = Duration::from_hours(24);
    bool anchored = false;
    static Result<WalkForwardSpec> parse(std::string_view text);
    std::string to_string() const;
};

struct FoldResult {
    std::size_t fold = 0;
    Timestamp train_from;
    Timestamp test_from;
    Timestamp test_to;
    std::size_t train_rows = 0;
    std::size_t purged_rows = 0;  ///< dropped by purge or embargo
    double train_positive_rate = 0.0;
    Metrics model;
    Metrics majority;  ///< always the training majority class (p = training positive rate)
    Metrics previous;  ///< previous bar's direction (p = 1 up, 0 down)
    std::vector<double> weights;
};

struct WalkForwardResult {
    std::vector<FoldResult> folds;
    /// Out-of-sample predictions over all folds, in time order.
    std::vector<std::size_t> oos_rows;
    std::vector<double> oos_probability;
    Metrics overall;
    Metrics overall_majority;
    Metrics overall_previous;
};

/// Called after each fold: (done, total).
using FoldProgress = std::function<void(std::size_t, std::size_t)>;

/// Walk-forward validation. Test windows follow each other from first row + train; training rows
/// lie in the train window before each test window (or everything before it when anchored),
/// minus rows whose label horizon reaches the test window (purge) and rows within `embargo` after
/// the end of any earlier test window. Metrics are out-of-sample only.
Result<WalkForwardResult> walk_forward(
    const Dataset& data,
    const model::BarSeries& series,
    const WalkForwardSpec& spec,
    const TrainParams& params,
    const FoldProgress& progress = {});

/// Rows for a final model: the last `train` span of data whose labels are complete.
std::vector<std::size_t> final_training_rows(const Dataset& data, Duration train, bool anchored);

/// FNV-1a over open times and OHLCV raw values: identifies the data a model saw.
std::string data_hash(const model::BarSeries& series);

}  // namespace ats::ml
