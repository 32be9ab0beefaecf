#include "ats/ml/flat_forest.hpp"

#include <cmath>
#include <fstream>
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
        return out;
    } catch (const std::exception& e) {
        return make_error(ErrorCode::kParse, fmt::format("xgboost json model: {}", e.what()));
    }
}

template <class T>
double FlatForest::predict_impl(std::span<const T> row) const noexcept {
    float sum = 0.0F;
    const Node* nodes = nodes_.data();
    for (const std::int32_t root : roots_) {
        std::int32_t i = root;
        while (nodes[i].feature >= 0) {
            const Node& node = nodes[i];
            const auto v = static_cast<float>(row[static_cast<std::size_t>(node.feature)]);
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

double FlatForest::predict(std::span<const double> row) const noexcept {
    return predict_impl(row);
}
double FlatForest::predict(std::span<const float> row) const noexcept {
    return predict_impl(row);
}

}  // namespace ats::ml
