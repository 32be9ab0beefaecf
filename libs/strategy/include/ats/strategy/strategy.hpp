#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ats/core/error.hpp"
#include "ats/core/fixed_point.hpp"
#include "ats/core/symbol.hpp"
#include "ats/model/bar.hpp"
#include "ats/model/events.hpp"
#include "ats/model/market_data.hpp"
#include "ats/model/order.hpp"

namespace ats::strategy {

class FeatureCache;

/// What a strategy may see and do. The engine implements it; backtest, paper and live give the
/// same view. A strategy only ever sees bars that have closed.
class StrategyContext {
public:
    virtual ~StrategyContext() = default;
    virtual Timestamp now() const = 0;
    /// Signed position in base units (negative is short).
    virtual Qty position(const Symbol& symbol) const = 0;
    /// Emits SignalGenerated. `reason` is kept (truncated to 119 chars) for reports and alerts.
    virtual void signal(
        const Symbol& symbol,
        model::Direction direction,
        double strength,
        double confidence,
        std::string_view reason) = 0;
};

/// A trading strategy: turns closed bars (and trades, fills) into signals. Implementations keep
/// their own per-symbol indicator state and must not allocate per bar.
class Strategy {
public:
    virtual ~Strategy() = default;
    virtual std::string_view name() const = 0;
    /// Bars needed before the first signal is possible.
    virtual std::size_t warmup_bars() const = 0;
    virtual void on_bar(const Symbol& symbol, const model::Bar& bar, StrategyContext& ctx) = 0;
    virtual void on_trade(const model::Trade& /*trade*/, StrategyContext& /*ctx*/) {}
    virtual void on_fill(const model::Fill& /*fill*/, StrategyContext& /*ctx*/) {}
    /// Names of the indicator lines the strategy draws on price charts, e.g. {"sma_10", "sma_30"}.
    virtual std::vector<std::string> plot_names() const { return {}; }
    /// Their values after the last bar of `symbol`, in plot_names() order (NaN before ready).
    /// Called once per bar: must not allocate once `out` has its size.
    virtual void plot_values(const Symbol& /*symbol*/, std::vector<double>& /*out*/) const {}
};

/// Strategy parameters by name, e.g. {"fast": 10, "slow": 30}.
using Params = std::map<std::string, double>;

/// Inputs a strategy reads besides its numeric parameters.
struct StrategySources {
    /// Model directory written by `ats train` (metadata.json + XGBoost JSON models); `ml` needs it.
    std::optional<std::string> model_dir;
    /// Or probabilities recorded per bar (`open_time,probability` CSV, e.g. the out-of-sample
    /// predictions `ats train` writes); `ml` then trades on those instead of a model.
    std::optional<std::string> predictions;
    /// Or the same in memory (open time, probability), sorted by time; e.g. a search's
    /// walk-forward out-of-sample predictions.
    std::shared_ptr<const std::vector<std::pair<Timestamp, double>>> probabilities;
    /// `rules`: entry and exit rules, e.g. "rsi(14) < 30 and adx(14) > 20" (see rules.hpp).
    std::optional<std::string> entry_rule;
    std::optional<std::string> exit_rule;
    /// `rules`: precomputed feature series (bit-identical to streaming ones) for searches that run
    /// thousands of genomes on the same bars; used for its symbol, ignored otherwise.
    std::shared_ptr<const FeatureCache> feature_cache;
    /// `ml` and `rules` with alternative-data features: the `[altdata]` config to read them from
    /// (`ml` default: the one recorded in the model's metadata.json at training).
    std::optional<std::string> altdata;
};

/// Builds a built-in strategy. Unknown names, unknown parameter keys and bad values are
/// kInvalidArgument errors naming the key and listing what is valid. `ml` loads its model from
/// `sources.model_dir` (kNotFound/kParse name the file).
Result<std::unique_ptr<Strategy>> make_strategy(
    std::string_view name, const Params& params, const StrategySources& sources);
Result<std::unique_ptr<Strategy>> make_strategy(std::string_view name, const Params& params);

/// Names of the built-in strategies with their parameters and defaults, for --help and errors.
std::vector<std::string> describe_strategies();

}  // namespace ats::strategy
