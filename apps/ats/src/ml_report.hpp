#pragma once

#include <string>
#include <vector>

#include "ats/core/error.hpp"
#include "ats/ml/walk_forward.hpp"
#include "ats/model/bar_series.hpp"

namespace ats::cli {

/// Gain importance of one ensemble member, in feature order.
struct MemberImportance {
    std::string member;
    std::vector<double> gain;
};

/// Writes the walk-forward report (self-contained HTML, Plotly.js inlined from `plotly_js`):
/// metrics per fold against the baselines, gain importance, confidence histogram, calibration
/// curve, and the out-of-sample equity of "long when p > 0.5" (gross and after `fee_bps` per
/// position change) against buy-and-hold. Everything shown is out of sample.
Status write_ml_report(
    const std::string& path,
    const std::string& plotly_js,
    const std::string& title,
    const ml::WalkForwardResult& result,
    const ml::Dataset& dataset,
    const model::BarSeries& series,
    const std::vector<MemberImportance>& importance,
    double fee_bps);

}  // namespace ats::cli
