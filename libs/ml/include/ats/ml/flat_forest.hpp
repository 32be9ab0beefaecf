#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "ats/core/error.hpp"

namespace ats::ml {

/// A binary:logistic tree ensemble flattened for fast single-row inference, built from XGBoost's
/// JSON model. Split rule as XGBoost's: the feature (as float) < threshold goes left, NaN follows
/// the default direction. Probability = sigmoid(margin(base_score) + sum of leaves, in float and
/// in tree order as XGBoost sums them).
///
/// Two layouts: a general node array (any depth, handles NaN) and, when the deepest tree has at
/// most kMaxPerfectDepth levels, every tree padded to a perfect tree in heap order (shallow
/// leaves become splits at +inf that always go left), walked level by level over blocks of trees
/// at once without branches. Rows with NaN/inf or more than kMaxFeatures features take the
/// general path. Immutable after load; predict() is thread-safe and does not allocate for rows of
/// at most kMaxFeatures values. A row shorter than the largest feature index used gives NaN.
class FlatForest {
public:
    /// Parses a model saved by XGBoosterSaveModel(".json"). kParse names what is missing.
    static Result<FlatForest> load(const std::string& path);
    static Result<FlatForest> parse(const std::string& json_text);

    double predict(std::span<const double> row) const noexcept;
    double predict(std::span<const float> row) const noexcept;
    std::size_t tree_count() const noexcept { return roots_.size(); }
    std::size_t node_count() const noexcept { return nodes_.size(); }
    /// Depth of the perfect layout (0 when the general path is used for every row).
    int perfect_depth() const noexcept { return depth_; }

    static constexpr int kMaxPerfectDepth = 10;
    static constexpr std::size_t kMaxFeatures = 256;

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
    double predict_general(const float* row) const noexcept;
    double predict_perfect(const float* row) const noexcept;
    void build_perfect();

    std::vector<Node> nodes_;
    std::vector<std::int32_t> roots_;
    double base_margin_ = 0.0;
    // Perfect layout: per tree (2^depth - 1) splits and 2^depth leaves.
    int depth_ = 0;
    std::int32_t max_feature_ = -1;
    struct Split {
        float threshold;
        std::int32_t feature;
    };
    std::vector<Split> splits_;
    std::vector<float> leaf_value_;
};

}  // namespace ats::ml
