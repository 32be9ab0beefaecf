#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "ats/backtest/metrics.hpp"
#include "ats/core/error.hpp"
#include "ats/core/symbol.hpp"
#include "ats/core/time.hpp"
#include "ats/evolve/search.hpp"
#include "ats/ml/features.hpp"
#include "ats/ml/labels.hpp"
#include "ats/ml/walk_forward.hpp"
#include "ats/model/bar_series.hpp"

namespace ats::evolve {

struct HyperSearchSpec {
    Symbol symbol = Symbol::parse("BTCUSDT").value();
    model::BarSeries series;
    ml::FeatureSet features = ml::FeatureSet::defaults();
    ml::AltInput alt;  ///< alternative data for fear_greed, onchain_*, news_* features
    ml::LabelSpec label;
    ml::WalkForwardSpec walk_forward;
    double holdout_fraction = 0.25;
    std::size_t min_trades = 20;
    double cash = 10'000;
    double fee_bps = 10;
    std::string slippage = "fixed:2";
    std::uint64_t seed = 42;  ///< XGBoost seed (training stays deterministic)
};

/// Decoded hyperparameters: the model and the ML strategy's thresholds.
struct HyperGenome {
    ml::TrainParams train;
    double entry = 0.55;
    double exit = 0.5;
    std::string describe() const;
};

struct HyperEvaluation {
    double fitness = 0;
    backtest::Metrics metrics;  ///< the ml strategy on the walk-forward out-of-sample predictions
    std::vector<double> returns;
    ml::Metrics oos;  ///< classification metrics of those predictions
};

/// Genes: log10(learning rate) in [-2, -0.5], subsample, column sample, min child weight, L2 and
/// L1 regularisation, entry threshold, exit gap; integer genes: max depth 2..8, rounds / 10
/// (2..30; trees for the random forest), model (0 boosting, 1 random forest). Fitness: Sharpe
/// of the `ml` strategy trading the walk-forward out-of-sample probabilities over the search
/// period (every model is trained only on bars before the ones it predicts), minus a penalty for
/// too few trades. The holdout is never seen by the search.
class HyperObjective final : public Objective {
public:
    static Result<std::unique_ptr<HyperObjective>> create(HyperSearchSpec spec);

    std::vector<double> lower() const override;
    std::vector<double> upper() const override;
    std::size_t integer_genes() const override { return 3; }
    Score score(std::span<const double> x) const override;

    HyperGenome decode(std::span<const double> x) const;
    Result<HyperEvaluation> evaluate(const HyperGenome& genome) const;
    /// Trains on the last walk-forward training span before the holdout, trades the holdout.
    Result<HyperEvaluation> evaluate_holdout(const HyperGenome& genome) const;

    Timestamp holdout_from() const noexcept { return holdout_from_; }
    Timestamp data_end() const noexcept { return spec_.series.open_time().back(); }
    const HyperSearchSpec& spec() const noexcept { return spec_; }
    std::size_t search_rows() const noexcept { return search_.size(); }

private:
    explicit HyperObjective(HyperSearchSpec spec);
    Result<HyperEvaluation> trade(
        const HyperGenome& genome,
        const std::vector<std::pair<Timestamp, double>>& probabilities,
        Timestamp from,
        std::optional<Timestamp> to) const;

    HyperSearchSpec spec_;
    ml::Dataset all_;
    ml::Dataset search_;
    std::size_t holdout_bar_ = 0;
    Timestamp holdout_from_;
};

}  // namespace ats::evolve
