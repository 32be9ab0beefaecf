#include "ats/ml/metrics.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <vector>

#include <nlohmann/json.hpp>

namespace ats::ml {

double log_loss(std::span<const float> y, std::span<const double> p) {
    double sum = 0.0;
    for (std::size_t i = 0; i < y.size(); ++i) {
        const double q = std::clamp(p[i], 1e-15, 1.0 - 1e-15);
        sum -= y[i] > 0.5F ? std::log(q) : std::log(1.0 - q);
    }
    return y.empty() ? 0.0 : sum / static_cast<double>(y.size());
}

Metrics compute_metrics(std::span<const float> y, std::span<const double> p) {
    Metrics m;
    m.count = y.size();
    if (y.empty()) {
        return m;
    }
    std::size_t tp = 0;
    std::size_t fp = 0;
    std::size_t fn = 0;
    std::size_t correct = 0;
    std::size_t positives = 0;
    double brier = 0.0;
    for (std::size_t i = 0; i < y.size(); ++i) {
        const bool truth = y[i] > 0.5F;
        const bool pred = p[i] > 0.5;
        positives += truth ? 1 : 0;
        correct += truth == pred ? 1 : 0;
        tp += truth && pred ? 1 : 0;
        fp += !truth && pred ? 1 : 0;
        fn += truth && !pred ? 1 : 0;
        const double d = p[i] - (truth ? 1.0 : 0.0);
        brier += d * d;
    }
    const auto n = static_cast<double>(y.size());
    m.accuracy = static_cast<double>(correct) / n;
    m.precision = tp + fp > 0 ? static_cast<double>(tp) / static_cast<double>(tp + fp) : 0.0;
    m.recall = tp + fn > 0 ? static_cast<double>(tp) / static_cast<double>(tp + fn) : 0.0;
    m.f1 = m.precision + m.recall > 0.0 ? 2.0 * m.precision * m.recall / (m.precision + m.recall)
                                        : 0.0;
    m.brier = brier / n;
    m.log_loss = log_loss(y, p);
    m.positive_rate = static_cast<double>(positives) / n;

    // Mann-Whitney U with average ranks for ties.
    std::vector<std::size_t> order(y.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::sort(
        order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return p[a] < p[b]; });
    double rank_sum = 0.0;
    for (std::size_t i = 0; i < order.size();) {
        std::size_t j = i;
        while (j + 1 < order.size() && p[order[j + 1]] == p[order[i]]) {
            ++j;
        }
        const double avg_rank = (static_cast<double>(i + j) / 2.0) + 1.0;
        for (std::size_t k = i; k <= j; ++k) {
            if (y[order[k]] > 0.5F) {
                rank_sum += avg_rank;
            }
        }
        i = j + 1;
    }
    const auto pos = static_cast<double>(positives);
    const double neg = n - pos;
    m.auc = positives == 0 || positives == y.size()
                ? std::numeric_limits<double>::quiet_NaN()
                : (rank_sum - pos * (pos + 1.0) / 2.0) / (pos * neg);
    return m;
}

std::string to_json(const Metrics& m) {
    const nlohmann::json j = {
        {"count", m.count},
        {"accuracy", m.accuracy},
        {"precision", m.precision},
        {"recall", m.recall},
        {"f1", m.f1},
        {"roc_auc", std::isnan(m.auc) ? nlohmann::json(nullptr) : nlohmann::json(m.auc)},
        {"log_loss", m.log_loss},
        {"brier", m.brier},
        {"positive_rate", m.positive_rate}};
    return j.dump();
}

}  // namespace ats::ml
