#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "ats/core/error.hpp"

namespace ats::ml {

/// Which XGBoost model to train. kGradientBoosting: binary:logistic, `rounds` rounds.
/// kRandomForest: XGBoost's random-forest mode: one round of `trees` parallel trees with row and
/// per-node column subsampling and learning rate 1.
enum class ModelKind : unsigned char { kGradientBoosting, kRandomForest };

struct BoosterParams {
    ModelKind kind = ModelKind::kGradientBoosting;
    int rounds = 200;  ///< gradient boosting rounds
    int trees = 100;   ///< random forest: parallel trees
    int max_depth = 6;
    double learning_rate = 0.05;  ///< gradient boosting only
    double subsample = 0.8;
    double colsample = 0.8;  ///< colsample_bytree (boosting) or colsample_bynode (forest)
    double min_child_weight = 1.0;
    double reg_lambda = 1.0;  ///< L2 regularisation of leaf weights (XGBoost's default)
    double reg_alpha = 0.0;   ///< L1 regularisation of leaf weights
    std::uint64_t seed = 42;
    int threads = 2;
};

/// Dense float rows for XGBoost (row-major; NaN is missing).
struct DenseRows {
    std::span<const float> values;
    std::size_t rows = 0;
    std::size_t cols = 0;
};

/// A trained XGBoost booster behind the C API (headers stay in src/). Move-only; one owner per
/// handle. Not thread-safe. Errors carry XGBGetLastError()'s message.
class Booster {
public:
    /// Trains on `x` with 0/1 labels `y` (deterministic for a given seed and thread count).
    static Result<Booster> train(
        const DenseRows& x, std::span<const float> y, const BoosterParams& params);
    /// Loads a model saved by save() (or any XGBoost JSON model).
    static Result<Booster> load(const std::string& path);

    Booster(Booster&&) noexcept;
    Booster& operator=(Booster&&) noexcept;
    ~Booster();

    /// Probabilities for every row, through a DMatrix and XGBoosterPredict.
    Result<std::vector<double>> predict(const DenseRows& x) const;
    /// Probability for one row through XGBoosterPredictFromDense (the slow reference path).
    Result<double> predict_one(std::span<const float> row) const;
    /// Saves XGBoost's JSON model format (path should end in .json).
    Status save(const std::string& path) const;
    /// Total gain per feature index (features never used get 0).
    Result<std::vector<double>> gain_importance(std::size_t cols) const;

    /// "1.7.4".
    static std::string library_version();

private:
    struct Impl;
    explicit Booster(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace ats::ml
