#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "ats/backtest/metrics.hpp"
#include "ats/core/error.hpp"
#include "ats/core/symbol.hpp"
#include "ats/ml/features.hpp"
#include "ats/ml/labels.hpp"
#include "ats/ml/walk_forward.hpp"
#include "ats/model/bar_series.hpp"

namespace ats::evolve {

/// A feature ablation (docs/altdata.md): the same purged walk-forward with and without some
/// features, on the same rows (those where every feature of the larger set is known), scored
/// out of sample by accuracy, AUC and the Sharpe of trading the probabilities after costs.
struct AblationSpec {
    Symbol symbol = Symbol::parse("BTCUSDT").value();
    model::BarSeries series;
    ml::FeatureSet base;      ///< the set without the features under test
    ml::FeatureSet extended;  ///< base plus the features under test
    ml::AltInput alt;         ///< alternative data the extended set reads
    ml::LabelSpec label;
    ml::WalkForwardSpec walk_forward;
    ml::TrainParams params;
    double cash = 10'000;
    double fee_bps = 10;
    std::string slippage = "fixed:2";
    double entry = 0.55;  ///< the ml strategy's thresholds for the traded Sharpe
    double exit = 0.5;
    std::size_t permutations = 1000;
    std::uint64_t seed = 42;
};

/// One side of the ablation.
struct AblationArm {
    std::string features;  ///< the set's spec
    std::vector<ml::FoldResult> folds;
    std::vector<double> fold_sharpe;  ///< traded Sharpe inside each fold's test window
    ml::Metrics overall;
    double sharpe = 0;  ///< annualised, of per-bar returns over all test windows, after costs
    backtest::Metrics trading;
    std::vector<double> returns;   ///< per bar over the test windows
    std::vector<Timestamp> times;  ///< of those bars
};

/// A paired permutation test of "extended minus base": for each of `permutations` draws, every
/// UTC day of out-of-sample rows swaps the two arms' predictions (or returns) with probability
/// 1/2, which keeps the days' dependence. p = (1 + #{|d*| >= |d|}) / (1 + permutations).
struct PairedTest {
    double difference = 0;
    double p_value = 1;
};

struct AblationResult {
    AblationArm base;
    AblationArm extended;
    std::size_t rows = 0;  ///< labelled rows both arms used
    std::size_t oos_rows = 0;
    PairedTest accuracy;
    PairedTest auc;
    PairedTest sharpe;
};

using AblationProgress = std::function<void(const std::string& stage)>;

Result<AblationResult> run_ablation(
    const AblationSpec& spec, const AblationProgress& progress = {});

/// The paired day-block permutation test on classification: `metric(y, p)` of arm b minus arm a.
PairedTest paired_permutation_test(
    std::span<const float> y,
    std::span<const double> a,
    std::span<const double> b,
    std::span<const std::int64_t> block,
    const std::function<double(std::span<const float>, std::span<const double>)>& metric,
    std::size_t permutations,
    std::uint64_t seed);

}  // namespace ats::evolve
