#pragma once

#include <span>
#include <string>
#include <vector>

#include "ats/core/error.hpp"
#include "ats/ml/features.hpp"
#include "ats/ml/flat_forest.hpp"
#include "ats/ml/labels.hpp"
#include "ats/ml/walk_forward.hpp"

namespace ats::ml {

/// What a model directory records next to the XGBoost JSON models (written as metadata.json).
struct ModelMetadata {
    std::string asset;
    std::string model;  ///< xgboost | random_forest | ensemble
    FeatureSet features;
    LabelSpec label;
    Timestamp train_from;
    Timestamp train_to;
    std::size_t train_rows = 0;
    std::string data_hash;
    std::string walk_forward;  ///< spec text
    Metrics oos;               ///< overall out-of-sample metrics of the walk-forward
    /// The `[altdata]` config the alternative-data features were read from ("" = none); the
    /// `ml` strategy reads the same data unless told otherwise.
    std::string altdata;
};

/// Writes <dir>/<member>.json (XGBoost's JSON model format) for every member and
/// <dir>/metadata.json (features, label, training range, data hash, metrics, member weights,
/// versions). Creates `dir`. kIo on failure.
Status save_model_dir(const std::string& dir, const TrainedModel& model, const ModelMetadata& meta);

/// The fast inference side of a model directory: flat forests and their weights.
class Predictor {
public:
    /// Loads <dir>/metadata.json and the member models. kNotFound/kParse name the file.
    static Result<Predictor> load(const std::string& dir);

    const FeatureSet& features() const noexcept { return features_; }
    const std::string& label() const noexcept { return label_; }
    /// The symbol it was trained on (e.g. "BTCUSDT").
    const std::string& asset() const noexcept { return asset_; }
    /// The `[altdata]` config recorded at training ("" = none).
    const std::string& altdata() const noexcept { return altdata_; }
    /// Probability of class 1 for one feature row (FeatureSet order). Does not allocate.
    double predict(std::span<const double> row) const noexcept;

private:
    FeatureSet features_;
    std::string label_;
    std::string altdata_;
    std::string asset_;
    std::vector<FlatForest> forests_;
    std::vector<double> weights_;
};

/// Probabilities recorded per bar: `open_time,probability[,...]` CSV as written by `ats predict`
/// and `ats train` (oos_predictions.csv), open time in epoch ms. Sorted by time on return.
/// kNotFound when the file is missing, kParse naming file:line for a bad row.
struct RecordedPrediction {
    Timestamp open_time;
    double probability = 0.0;
};
Result<std::vector<RecordedPrediction>> load_predictions_csv(const std::string& path);

}  // namespace ats::ml
