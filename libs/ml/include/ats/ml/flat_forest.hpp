#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "ats/core/error.hpp"

namespace ats::ml {

/// A binary:logistic tree ensemble flattened into one node array for fast single-row inference,
/// built from XGBoost's JSON model. Split rule as XGBoost's: the feature (as float) < threshold
/// goes left, NaN follows the default direction. Probability = sigmoid(margin(base_score) + sum
/// of leaves). Immutable after load; predict() is thread-safe and does not allocate.
class FlatForest {
public:
    /// Parses a model saved by XGBoosterSaveModel(".json"). kParse names what is missing.
    static Result<FlatForest> load(const std::string& path);
    static Result<FlatForest> parse(const std::string& json_text);

    double predict(std::span<const double> row) const noexcept;
    double predict(std::span<const float> row) const noexcept;
    std::size_t tree_count() const noexcept { return roots_.size(); }
    std::size_t node_count() const noexcept { return nodes_.size(); }

private:
    struct Node {
        float threshold;       ///< split value, or the leaf value when leaf
        std::int32_t feature;  ///< -1 for a leaf
        std::int32_t left;     ///< absolute index of the left child; right is left + 1 ordering
        std::int32_t right;
        std::int32_t default_left;
    };
    template <class T>
    double predict_impl(std::span<const T> row) const noexcept;

    std::vector<Node> nodes_;
    std::vector<std::int32_t> roots_;
    double base_margin_ = 0.0;
};

}  // namespace ats::ml
