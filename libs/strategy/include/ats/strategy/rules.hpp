#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ats/core/error.hpp"
#include "ats/core/symbol.hpp"
#include "ats/core/time.hpp"
#include "ats/model/bar.hpp"
#include "ats/model/bar_series.hpp"
#include "ats/strategy/strategy.hpp"

namespace ats::altdata {
class AltData;
}

namespace ats::strategy {

/// Scale-free indicator values a rule can compare (so one threshold works on any price level).
/// The last four read alternative data point in time at the bar's close (docs/altdata.md).
enum class RuleFeature : unsigned char {
    kRsi,             ///< rsi(p): RSI, 0..100
    kSmaDist,         ///< sma_dist(p): close / SMA(p) - 1
    kEmaDist,         ///< ema_dist(p): close / EMA(p) - 1
    kRoc,             ///< roc(p): rate of change, percent
    kWillr,           ///< willr(p): Williams %R, -100..0
    kCci,             ///< cci(p): commodity channel index
    kAdx,             ///< adx(p): trend strength, 0..100
    kNatr,            ///< natr(p): ATR / close, percent
    kBbPctB,          ///< bb_pctb(p): (close - lower) / (upper - lower) of Bollinger(p, 2, 2)
    kMfi,             ///< mfi(p): money flow index, 0..100
    kFearGreed,       ///< fear_greed(1): the Fear & Greed index, 0..100 (period must be 1)
    kOnchainActiveZ,  ///< onchain_active_z(p): z-score of active addresses over p days
    kOnchainMvrvZ,    ///< onchain_mvrv_z(p): z-score of MVRV over p days
    kNewsSentiment,   ///< news_sentiment(p): mean headline sentiment of the last p hours
};
inline constexpr std::size_t kRuleFeatureCount = 14;
inline constexpr std::size_t kPriceRuleFeatureCount = 10;  ///< those computed from bars alone
/// True for the features that read alternative data.
constexpr bool needs_altdata(RuleFeature f) noexcept {
    return static_cast<std::size_t>(f) >= kPriceRuleFeatureCount;
}
std::string_view to_string(RuleFeature feature) noexcept;
/// A typical range of the feature, used to map a genome's [0, 1] threshold gene.
struct FeatureRange {
    double low;
    double high;
};
FeatureRange typical_range(RuleFeature feature) noexcept;

enum class Comparator : unsigned char { kBelow, kAbove, kCrossesAbove, kCrossesBelow };
inline constexpr std::size_t kComparatorCount = 4;
std::string_view to_string(Comparator comparator) noexcept;  ///< "<", ">", "crosses_above", ...

/// `feature(period) comparator threshold`, e.g. "rsi(14) < 30".
struct Condition {
    RuleFeature feature = RuleFeature::kRsi;
    int period = 14;
    Comparator comparator = Comparator::kBelow;
    double threshold = 0;
    bool operator==(const Condition&) const = default;
};

enum class Logic : unsigned char { kAnd, kOr };

/// Conditions joined by one logic operator. Empty means "never".
struct Rule {
    std::vector<Condition> conditions;
    Logic logic = Logic::kAnd;
    bool operator==(const Rule&) const = default;
};

/// Parses "rsi(14) < 30 and sma_dist(50) > 0.01" (or "... or ..."; mixing and/or is an error;
/// "" or "none" is the empty rule). Errors name the offending token.
Result<Rule> parse_rule(std::string_view text);
/// The inverse of parse_rule: thresholds printed so that they parse back to the same double.
std::string to_string(const Rule& rule);

/// Computes one feature on closed bars, causally. `update` returns NaN until it is ready.
class FeatureComputer {
public:
    /// Alternative-data features need `alt` and the asset they are read for ("BTC");
    /// kInvalidArgument without it, kNotFound when the data lacks the series.
    static Result<FeatureComputer> create(
        RuleFeature feature,
        int period,
        const std::shared_ptr<const altdata::AltData>& alt = nullptr,
        std::string_view asset = {});
    FeatureComputer(FeatureComputer&&) noexcept;
    FeatureComputer& operator=(FeatureComputer&&) noexcept;
    ~FeatureComputer();
    double update(const model::Bar& bar);

private:
    struct Impl;
    explicit FeatureComputer(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

/// Feature series precomputed for one symbol's bars with the same FeatureComputer, so they are
/// bit-identical to the streaming values. Strategy searches share one cache across genomes.
class FeatureCache {
public:
    FeatureCache(
        Symbol symbol,
        model::BarSeries series,
        std::shared_ptr<const altdata::AltData> alt = nullptr);
    /// Computes (once) and returns the series of `feature(period)`; thread-safe.
    Result<std::span<const double>> get(RuleFeature feature, int period) const;
    const Symbol& symbol() const noexcept { return symbol_; }
    std::span<const Timestamp> open_time() const noexcept { return series_.open_time(); }
    const model::BarSeries& series() const noexcept { return series_; }

private:
    struct Store;
    Symbol symbol_;
    model::BarSeries series_;
    std::shared_ptr<const altdata::AltData> alt_;
    std::shared_ptr<Store> store_;
};

/// The `rules` strategy: long when the entry rule holds while flat, flat when the exit rule holds
/// while long (an empty exit rule leaves exits to the risk layer's stops and targets). Conditions
/// on features that are not ready yet are false. With `cache`, features of `cache->symbol()` are
/// read from it instead of being computed (same values, bit for bit). Alternative-data features
/// read `alt` for each symbol's base asset.
Result<std::unique_ptr<Strategy>> make_rule_strategy(
    Rule entry,
    Rule exit,
    std::shared_ptr<const FeatureCache> cache = nullptr,
    std::shared_ptr<const altdata::AltData> alt = nullptr);

}  // namespace ats::strategy
