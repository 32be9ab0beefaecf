#include "ats/ml/flat_forest.hpp"

#include <array>
#include <cmath>
#include <fstream>
#include <functional>
#include <limits>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace ats::ml {

Result<FlatForest> FlatForest::load(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        return make_error(ErrorCode::kIo, fmt::format("cannot open model {}", path));
    }
    std::ostringstream text;
    text << in.rdbuf();
    auto out = parse(text.str());
    if (!out) {
        return make_error(out.error().code, fmt::format("{}: {}", path, out.error().message));
    }
    return out;
}

Result<FlatForest> FlatForest::parse(const std::string& json_text) {
    try {
        const auto doc = nlohmann::json::parse(json_text);
        const auto& learner = doc.at("learner");
        const auto objective = learner.at("objective").at("name").get<std::string>();
        if (objective != "binary:logistic") {
            return make_error(
                ErrorCode::kParse, fmt::format("objective {} is not binary:logistic", objective));
        }
        const double base_score =
            std::stod(learner.at("learner_model_param").at("base_score").get<std::string>());
        FlatForest out;
        out.base_margin_ = -std::log(1.0 / base_score - 1.0);
        const auto& trees = learner.at("gradient_booster").at("model").at("trees");
        for (const auto& tree : trees) {
            const auto features = tree.at("split_indices").get<std::vector<std::int32_t>>();
            const auto conditions = tree.at("split_conditions").get<std::vector<float>>();
            const auto left = tree.at("left_children").get<std::vector<std::int32_t>>();
            const auto right = tree.at("right_children").get<std::vector<std::int32_t>>();
            const auto default_left = tree.at("default_left").get<std::vector<std::int32_t>>();
            const std::size_t n = left.size();
            if (features.size() != n || conditions.size() != n || right.size() != n ||
                default_left.size() != n || n == 0) {
                return make_error(ErrorCode::kParse, "tree arrays of different lengths");
            }
            const auto base = static_cast<std::int32_t>(out.nodes_.size());
            out.roots_.push_back(base);
            for (std::size_t i = 0; i < n; ++i) {
                const bool leaf = left[i] == -1;
                out.nodes_.push_back(Node{
                    conditions[i],
                    leaf ? -1 : features[i],
                    leaf ? 0 : base + left[i],
                    leaf ? 0 : base + right[i],
                    default_left[i]});
            }
        }
        out.build_perfect();
        return out;
    } catch (const std::exception& e) {
        return make_error(ErrorCode::kParse, fmt::format("xgboost json model: {}", e.what()));
    }
}

void FlatForest::build_perfect() {
    // Depth of each tree (levels of splits) and the largest feature index used.
    int depth = 0;
    const std::function<int(std::int32_t)> depth_of = [&](std::int32_t i) -> int {
        const Node& n = nodes_[static_cast<std::size_t>(i)];
        return n.feature < 0 ? 0 : 1 + std::max(depth_of(n.left), depth_of(n.right));
    };
    for (const auto root : roots_) {
        depth = std::max(depth, depth_of(root));
    }
    for (const auto& n : nodes_) {
        max_feature_ = std::max(max_feature_, n.feature);
    }
    if (depth < 1 || depth > kMaxPerfectDepth) {
        return;
    }
    depth_ = depth;
    const std::size_t splits = (std::size_t{1} << depth) - 1;
    const std::size_t leaves = std::size_t{1} << depth;
    splits_.assign(roots_.size() * splits, Split{std::numeric_limits<float>::infinity(), 0});
    leaf_value_.assign(roots_.size() * leaves, 0.0F);
    for (std::size_t t = 0; t < roots_.size(); ++t) {
        // Heap position p (root 0, children 2p+1 and 2p+2) at level `level`.
        const std::function<void(std::int32_t, std::size_t, int)> place =
            [&](std::int32_t i, std::size_t pos, int level) {
                const Node& n = nodes_[static_cast<std::size_t>(i)];
                if (level == depth) {
                    leaf_value_[t * leaves + (pos - splits)] = n.threshold;
                    return;
                }
                if (n.feature < 0) {
                    // Padding split: +inf sends every finite value left; the leaf value fills
                    // the leftmost leaf below (the only one reached).
                    place(i, 2 * pos + 1, level + 1);
                    return;
                }
                splits_[t * splits + pos] = Split{n.threshold, n.feature};
                place(n.left, 2 * pos + 1, level + 1);
                place(n.right, 2 * pos + 2, level + 1);
            };
        place(roots_[t], 0, 0);
    }
}

double FlatForest::predict_general(const float* row) const noexcept {
    float sum = 0.0F;
    const Node* nodes = nodes_.data();
    for (const std::int32_t root : roots_) {
        std::int32_t i = root;
        while (nodes[i].feature >= 0) {
            const Node& node = nodes[i];
            const float v = row[node.feature];
            if (std::isnan(v)) {
                i = node.default_left != 0 ? node.left : node.right;
            } else {
                i = v < node.threshold ? node.left : node.right;
            }
        }
        sum += nodes[i].threshold;
    }
    const double margin = base_margin_ + static_cast<double>(sum);
    return 1.0 / (1.0 + std::exp(-margin));
}

double FlatForest::predict_perfect(const float* row) const noexcept {
    constexpr std::size_t kBlock = 16;
    const std::size_t splits = (std::size_t{1} << depth_) - 1;
    const std::size_t leaves = std::size_t{1} << depth_;
    const std::size_t trees = roots_.size();
    const Split* all = splits_.data();
    float sum = 0.0F;
    std::size_t t = 0;
    for (; t + kBlock <= trees; t += kBlock) {
        // Walk kBlock independent trees in lockstep: their loads overlap instead of waiting
        // on each other.
        const Split* block = all + t * splits;
        std::array<std::uint32_t, kBlock> pos{};
        for (int level = 0; level < depth_; ++level) {
            for (std::size_t k = 0; k < kBlock; ++k) {
                const Split& s = block[k * splits + pos[k]];
                pos[k] =
                    2 * pos[k] + 1 + static_cast<std::uint32_t>(!(row[s.feature] < s.threshold));
            }
        }
        for (std::size_t k = 0; k < kBlock; ++k) {
            sum += leaf_value_[(t + k) * leaves + (pos[k] - splits)];
        }
    }
    for (; t < trees; ++t) {
        std::size_t pos = 0;
        for (int level = 0; level < depth_; ++level) {
            const Split& s = all[t * splits + pos];
            pos = 2 * pos + 1 + static_cast<std::size_t>(!(row[s.feature] < s.threshold));
        }
        sum += leaf_value_[t * leaves + (pos - splits)];
    }
    const double margin = base_margin_ + static_cast<double>(sum);
    return 1.0 / (1.0 + std::exp(-margin));
}

template <class T>
double FlatForest::predict_impl(std::span<const T> row) const noexcept {
    if (max_feature_ >= 0 && row.size() <= static_cast<std::size_t>(max_feature_)) {
        return std::numeric_limits<double>::quiet_NaN();
    }
    std::array<float, kMaxFeatures> buf;
    if (row.size() <= kMaxFeatures) {
        bool has_nan = false;
        for (std::size_t i = 0; i < row.size(); ++i) {
            buf[i] = static_cast<float>(row[i]);
            has_nan = has_nan || !std::isfinite(buf[i]);
        }
        return depth_ > 0 && !has_nan ? predict_perfect(buf.data()) : predict_general(buf.data());
    }
    // Wide rows: convert only the features the trees use, on the general path.
    std::vector<float> wide(row.begin(), row.end());
    return predict_general(wide.data());
}

double FlatForest::predict(std::span<const double> row) const noexcept {
    return predict_impl(row);
}
double FlatForest::predict(std::span<const float> row) const noexcept {
    return predict_impl(row);
}

}  // namespace ats::ml
