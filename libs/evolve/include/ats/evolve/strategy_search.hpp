#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "ats/backtest/backtest.hpp"
#include "ats/core/error.hpp"
#include "ats/core/symbol.hpp"
#include "ats/core/time.hpp"
#include "ats/evolve/search.hpp"
#include "ats/model/bar_series.hpp"
#include "ats/strategy/rules.hpp"

namespace ats::evolve {

/// The search data and the backtest settings every genome is run with (they are written into
/// the exported TOML, so `ats backtest --config` runs the genome identically).
struct StrategySearchSpec {
    Symbol symbol = Symbol::parse("BTCUSDT").value();
    model::BarSeries series;
    std::string data_path;             ///< written as [backtest] data
    double holdout_fraction = 0.25;    ///< last share of bars never seen by the search
    std::size_t windows = 4;           ///< consecutive evaluation windows of the search period
    std::size_t min_trades = 20;       ///< over the search period; fewer is penalised
    double dispersion_penalty = 0.5;   ///< times the std of the window Sharpe ratios
    double complexity_penalty = 0.05;  ///< per condition and take-profit
    std::size_t warmup_bars = 200;     ///< bars before the search period starts (longest period)
    double cash = 10'000;
    double fee_bps = 10;
    std::string slippage = "fixed:2";
    /// Alternative data: its rule features (fear_greed, onchain_*_z, news_sentiment) join the
    /// search; `altdata_path` is written into exported configs.
    std::shared_ptr<const altdata::AltData> alt;
    std::string altdata_path;
};

/// A decoded genome: a `rules` strategy plus its risk and sizing.
struct StrategyGenome {
    strategy::Rule entry;
    strategy::Rule exit;
    double stop_loss_atr = 2;
    std::optional<double> take_profit_atr;
    double fraction = 0.5;  ///< sizing "fraction:F" of equity
    std::size_t complexity() const {
        return entry.conditions.size() + exit.conditions.size() + (take_profit_atr ? 1 : 0);
    }
};

struct PeriodResult {
    backtest::Metrics metrics;
    std::vector<double> returns;        ///< per-bar equity returns
    std::vector<double> window_sharpe;  ///< annualised, per evaluation window (search only)
    std::string final_equity;           ///< exact decimal
};

struct GenomeEvaluation {
    double fitness = 0;
    PeriodResult search;  ///< the in-sample (search) period
};

/// Genes: 4 thresholds in [0, 1] mapped onto each feature's typical range, stop (ATR), take
/// profit (ATR; below 1 means none), sizing fraction; then integer genes: for 4 conditions
/// feature (the price features, plus the alternative-data ones when `alt` is set), period
/// (5..200; days for on-chain z-scores, hours for news; none for fear_greed) and comparator, the
/// entry logic (one condition, and, or) and the exit logic (none, one, and, or). Fitness over the
/// search period, split into `windows` consecutive windows of one run: mean(window Sharpe) -
/// dispersion * std(window Sharpe) - trade penalty - complexity penalty.
class StrategyObjective final : public Objective {
public:
    static Result<std::unique_ptr<StrategyObjective>> create(StrategySearchSpec spec);

    std::vector<double> lower() const override;
    std::vector<double> upper() const override;
    std::size_t integer_genes() const override;
    Score score(std::span<const double> x) const override;

    /// Always a valid strategy (every gene is clamped and rounded).
    StrategyGenome decode(std::span<const double> x) const;
    Result<GenomeEvaluation> evaluate(const StrategyGenome& genome) const;
    /// The never-seen holdout period (warm-up on all earlier bars).
    Result<PeriodResult> evaluate_holdout(const StrategyGenome& genome) const;
    /// The backtest the genome runs (search period unless `holdout`).
    Result<backtest::BacktestConfig> config_for(const StrategyGenome& genome, bool holdout) const;
    /// A TOML config `ats backtest --config` runs unchanged; `report` is its report directory.
    std::string to_toml(
        const StrategyGenome& genome, bool holdout, const std::string& report) const;

    Timestamp search_from() const noexcept { return search_from_; }
    Timestamp holdout_from() const noexcept { return holdout_from_; }
    Timestamp data_end() const noexcept { return data_end_; }
    const StrategySearchSpec& spec() const noexcept { return spec_; }

private:
    explicit StrategyObjective(StrategySearchSpec spec);
    Result<PeriodResult> run(const StrategyGenome& genome, bool holdout) const;

    StrategySearchSpec spec_;
    std::vector<backtest::Asset> assets_;
    std::shared_ptr<strategy::FeatureCache> cache_;
    std::vector<strategy::RuleFeature> features_;  ///< those a genome can pick
    Timestamp search_from_;
    Timestamp holdout_from_;
    Timestamp data_end_;
};

/// Annualised Sharpe ratio of per-period returns (0 when they do not vary).
double sharpe_ratio(std::span<const double> returns, double periods_per_year);

/// Bars of `series` in a year (365.25 days).
double periods_per_year(const model::BarSeries& series);

/// What the `ml` strategy does with recorded probabilities (open time, p) of one symbol over
/// [from, to): entry/exit thresholds, all-in sizing, `fee_bps` maker and taker, `slippage`.
/// The hyperparameter search and the feature ablation both score models this way.
struct ProbabilityTrading {
    Symbol symbol = Symbol::parse("BTCUSDT").value();
    const model::BarSeries* series = nullptr;
    double entry = 0.55;
    double exit = 0.5;
    double cash = 10'000;
    double fee_bps = 10;
    std::string slippage = "fixed:2";
};
struct ProbabilityTradingResult {
    backtest::Metrics metrics;
    std::vector<double> returns;   ///< per bar, from the starting cash
    std::vector<Timestamp> times;  ///< of those bars
};
Result<ProbabilityTradingResult> trade_probabilities(
    const ProbabilityTrading& how,
    const std::vector<std::pair<Timestamp, double>>& probabilities,
    Timestamp from,
    std::optional<Timestamp> to);

}  // namespace ats::evolve
