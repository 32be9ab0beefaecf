#pragma once

#include <span>
#include <string>

namespace ats::ml {

/// Binary classification metrics of probabilities `p` against 0/1 labels `y` (threshold 0.5 for
/// the hard ones). Log loss clips p to [1e-15, 1 - 1e-15]. ROC AUC is rank based (ties averaged);
/// NaN when only one class is present. Precision/recall/F1 are for class 1 (0 when undefined).
struct Metrics {
    std::size_t count = 0;
    double accuracy = 0.0;
    double precision = 0.0;
    double recall = 0.0;
    double f1 = 0.0;
    double auc = 0.0;
    double log_loss = 0.0;
    double brier = 0.0;
    double positive_rate = 0.0;  ///< share of labels equal to 1
};

Metrics compute_metrics(std::span<const float> y, std::span<const double> p);

/// The metrics as a compact JSON object (`roc_auc` is null when undefined), the one form used by
/// metadata.json, walk_forward.json and the model registry.
std::string to_json(const Metrics& m);

/// Binary log loss only (for choosing ensemble weights).
double log_loss(std::span<const float> y, std::span<const double> p);

}  // namespace ats::ml
