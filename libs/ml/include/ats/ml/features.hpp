#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ats/core/error.hpp"
#include "ats/model/bar.hpp"
#include "ats/model/bar_series.hpp"

namespace ats::altdata {
class AltData;
}

namespace ats::ml {

/// Row-major matrix of feature values (double; NaN while a feature warms up).
struct FeatureMatrix {
    std::size_t rows = 0;
    std::size_t cols = 0;
    std::vector<std::string> names;
    std::vector<double> values;

    std::span<const double> row(std::size_t i) const { return {values.data() + i * cols, cols}; }
    /// True when every value of row i is finite.
    bool row_complete(std::size_t i) const;
};

/// Names of the features a model uses, in column order. Each name is parsed by FeatureSet::parse:
/// ret_N (log return over N bars), rsi_N (RSI/100), atr_N_pct (ATR/close), vol_z_N (z-score of
/// volume over N bars), rv_N (std of 1-bar log returns over N bars), macd_hist (MACD(12,26,9)
/// histogram / close), bb_pos_N (position of the close inside Bollinger(N, 2): 0 lower, 1 upper),
/// taker_buy_ratio (taker buy base volume / volume; NaN without taker columns), hour_sin,
/// hour_cos, dow_sin, dow_cos (UTC open time of the bar). Every feature of bar t uses only bars
/// 0..t (checked by check_causality in tests). Alternative-data features (fear_greed,
/// onchain_*:N, news_*:W; altdata::check_alt_feature_name) are read point in time at the bar's
/// close from an AltInput: only values available by then.
class FeatureSet {
public:
    /// "ret_1,ret_4,rsi_14": comma-separated names. kInvalidArgument names the bad one.
    static Result<FeatureSet> parse(std::string_view spec);
    /// The default set used by `ats train`. It leaves out taker_buy_ratio because the bundled
    /// BTCUSDT 1h file has no taker columns (the feature would be NaN on every row).
    static FeatureSet defaults();

    const std::vector<std::string>& names() const noexcept { return names_; }
    std::size_t size() const noexcept { return names_.size(); }
    std::string spec() const;
    /// True when a feature needs alternative data (FeatureEngine::create with an AltInput).
    bool needs_altdata() const;

private:
    std::vector<std::string> names_;
};

/// Alternative data for a symbol's features: the loaded data and the asset it is read for
/// ("BTC" for BTCUSDT, altdata::base_asset).
struct AltInput {
    std::shared_ptr<const altdata::AltData> data;
    std::string asset;
};

/// Streaming feature computation: feed closed bars in order, read the row after each. Not
/// thread-safe; one per symbol. Does not allocate per bar (alternative-data features may).
class FeatureEngine {
public:
    /// For sets without alternative-data features (those would be NaN here: use create).
    explicit FeatureEngine(const FeatureSet& set);
    /// Any set. kInvalidArgument when the set needs alternative data and `alt` has none;
    /// kNotFound when the data lacks a series a feature needs for `alt.asset`.
    static Result<FeatureEngine> create(const FeatureSet& set, const AltInput& alt);
    ~FeatureEngine();
    FeatureEngine(FeatureEngine&&) noexcept;
    FeatureEngine& operator=(FeatureEngine&&) noexcept;

    /// Consumes one closed bar and updates row().
    void update(const model::Bar& bar);
    /// Values after the last bar, in FeatureSet order (NaN while warming up).
    std::span<const double> row() const noexcept { return row_; }
    std::size_t size() const noexcept { return row_.size(); }

    /// Interface of one feature; public so tests can add their own (see check_causality).
    class Feature {
    public:
        virtual ~Feature() = default;
        virtual double update(const model::Bar& bar) = 0;
    };

private:
    FeatureEngine() = default;
    std::vector<std::unique_ptr<Feature>> features_;
    std::vector<double> row_;
};

/// Features of bars [0, end) of `series`, one row per bar.
FeatureMatrix compute_features(
    const FeatureSet& set, const model::BarSeries& series, std::size_t end);
inline FeatureMatrix compute_features(const FeatureSet& set, const model::BarSeries& series) {
    return compute_features(set, series, series.size());
}

/// The same with alternative-data features read from `alt` (errors as FeatureEngine::create).
Result<FeatureMatrix> compute_features(
    const FeatureSet& set, const model::BarSeries& series, std::size_t end, const AltInput& alt);

/// Computes a feature matrix from bars [0, end) of a series.
using FeatureFunction = std::function<FeatureMatrix(const model::BarSeries&, std::size_t end)>;

/// Truncation check for look-ahead: for each t in `probes`, the features computed from bars
/// [0, t] must equal (bit for bit; NaN equals NaN) row t of the features computed from the whole
/// series. kFailedPrecondition names the first feature and bar that differ.
Status check_causality(
    const FeatureFunction& features,
    const model::BarSeries& series,
    std::span<const std::size_t> probes);

/// `count` probe indices spread evenly over [first, size) (deterministic).
std::vector<std::size_t> spread_probes(std::size_t first, std::size_t size, std::size_t count);

}  // namespace ats::ml
