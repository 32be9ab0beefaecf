#include "ats/evolve/strategy_search.hpp"

#include <algorithm>
#include <array>
#include <cmath>

#include <fmt/format.h>

#include "ats/execution/sizing.hpp"

namespace ats::evolve {
namespace {

using strategy::Comparator;
using strategy::Condition;
using strategy::Logic;
using strategy::Rule;
using strategy::RuleFeature;

constexpr std::array<int, 9> kPeriods = {5, 7, 10, 14, 20, 30, 50, 100, 200};
constexpr std::size_t kConditions = 4;  // entry 1, entry 2, exit 1, exit 2
// Continuous genes: 4 thresholds, stop, take profit, fraction.
constexpr std::size_t kContinuous = kConditions + 3;
// Integer genes: feature, period, comparator per condition; entry logic; exit logic.
constexpr std::size_t kInteger = (kConditions * 3) + 2;

double round_to(double v, double step) {
    return std::round(v / step) * step;
}
double clean(double v) {
    return std::round(v * 1e6) / 1e6;
}  // short decimal text

std::size_t gene_index(double v, std::size_t count) {
    const double r = std::round(std::isfinite(v) ? v : 0.0);
    return static_cast<std::size_t>(std::clamp(r, 0.0, static_cast<double>(count - 1)));
}

Condition decode_condition(
    std::span<const double> x, std::size_t k, std::span<const RuleFeature> usable) {
    Condition c;
    c.feature = usable[gene_index(x[kContinuous + (3 * k)], usable.size())];
    c.period = c.feature == RuleFeature::kFearGreed
                   ? 1  // the index has no period
                   : kPeriods[gene_index(x[kContinuous + (3 * k) + 1], kPeriods.size())];
    c.comparator = static_cast<Comparator>(
        gene_index(x[kContinuous + (3 * k) + 2], strategy::kComparatorCount));
    const double q = std::clamp(std::isfinite(x[k]) ? x[k] : 0.5, 0.0, 1.0);
    const auto range = strategy::typical_range(c.feature);
    c.threshold = clean(range.low + (round_to(q, 0.001) * (range.high - range.low)));
    return c;
}

std::string_view sizing_text_prefix() {
    return "fraction:";
}

}  // namespace

double sharpe_ratio(std::span<const double> returns, double periods_per_year) {
    if (returns.size() < 2) {
        return 0;
    }
    double mean = 0;
    for (const double r : returns) {
        mean += r;
    }
    mean /= static_cast<double>(returns.size());
    double var = 0;
    for (const double r : returns) {
        var += (r - mean) * (r - mean);
    }
    var /= static_cast<double>(returns.size() - 1);
    if (!(var > 0)) {
        return 0;
    }
    return mean / std::sqrt(var) * std::sqrt(periods_per_year);
}

double periods_per_year(const model::BarSeries& series) {
    return 365.25 * 86'400.0 / static_cast<double>(series.interval().seconds());
}

Result<ProbabilityTradingResult> trade_probabilities(
    const ProbabilityTrading& how,
    const std::vector<std::pair<Timestamp, double>>& probabilities,
    Timestamp from,
    std::optional<Timestamp> to) {
    backtest::BacktestConfig config;
    config.strategy = "ml";
    config.params = {{"entry", how.entry}, {"exit", how.exit}};
    config.sources.probabilities =
        std::make_shared<const std::vector<std::pair<Timestamp, double>>>(probabilities);
    config.from = from;
    config.to = to;
    auto cash = Money::from_double(how.cash, Round::kDown);
    if (!cash) {
        return tl::unexpected(cash.error());
    }
    config.engine.initial_cash = *cash;
    config.engine.sizing = *execution::Sizing::parse("all_in");
    config.venue.fees = sim::FeeModel{how.fee_bps, how.fee_bps};
    config.slippage = how.slippage;
    const std::vector<backtest::Asset> assets{
        {backtest::default_instrument(how.symbol), *how.series}};
    auto result = backtest::run_backtest(config, assets);
    if (!result) {
        return tl::unexpected(result.error());
    }
    ProbabilityTradingResult out;
    out.metrics = result->metrics;
    double previous = cash->to_double();
    for (const auto& p : result->equity) {
        const double e = p.equity.to_double();
        out.returns.push_back(previous > 0 ? (e / previous) - 1.0 : 0.0);
        out.times.push_back(p.time);
        previous = e;
    }
    return out;
}

StrategyObjective::StrategyObjective(StrategySearchSpec spec) : spec_(std::move(spec)) {}

Result<std::unique_ptr<StrategyObjective>> StrategyObjective::create(StrategySearchSpec spec) {
    const std::size_t n = spec.series.size();
    if (spec.windows == 0 || !(spec.holdout_fraction > 0) || !(spec.holdout_fraction < 1)) {
        return make_error(
            ErrorCode::kInvalidArgument,
            "evolve: --holdout must be in (0, 1) and --windows at least 1");
    }
    const auto holdout_bars =
        static_cast<std::size_t>(static_cast<double>(n) * spec.holdout_fraction);
    if (n < spec.warmup_bars + (spec.windows * 50) + holdout_bars || holdout_bars < 50) {
        return make_error(
            ErrorCode::kInvalidArgument,
            fmt::format(
                "evolve: {} bars are too few for {} warm-up bars, {} windows and a holdout of "
                "{:.0f}%",
                n,
                spec.warmup_bars,
                spec.windows,
                spec.holdout_fraction * 100));
    }
    auto obj = std::unique_ptr<StrategyObjective>(new StrategyObjective(std::move(spec)));
    const auto times = obj->spec_.series.open_time();
    obj->search_from_ = times[obj->spec_.warmup_bars];
    obj->holdout_from_ = times[n - holdout_bars];
    obj->data_end_ = times.back();
    obj->assets_.push_back(
        backtest::Asset{backtest::default_instrument(obj->spec_.symbol), obj->spec_.series});
    obj->cache_ = std::make_shared<strategy::FeatureCache>(
        obj->spec_.symbol, obj->spec_.series, obj->spec_.alt);
    // Every series a genome can use, computed once up front (read-only afterwards). With
    // alternative data, its features join those the data has for the asset.
    for (std::size_t f = 0; f < strategy::kRuleFeatureCount; ++f) {
        const auto feature = static_cast<RuleFeature>(f);
        if (strategy::needs_altdata(feature) && !obj->spec_.alt) {
            continue;
        }
        bool usable = true;
        for (const int p : kPeriods) {
            auto s = obj->cache_->get(feature, feature == RuleFeature::kFearGreed ? 1 : p);
            if (!s && strategy::needs_altdata(feature) && s.error().code == ErrorCode::kNotFound) {
                usable = false;  // e.g. no MVRV for ETH
                break;
            }
            if (!s) {
                return tl::unexpected(s.error());
            }
        }
        if (usable) {
            obj->features_.push_back(feature);
        }
    }
    return obj;
}

std::vector<double> StrategyObjective::lower() const {
    std::vector<double> lo(kContinuous + kInteger, 0.0);
    lo[kConditions] = 0.5;      // stop ATR
    lo[kConditions + 1] = 0.0;  // take profit ATR (< 1: none)
    lo[kConditions + 2] = 0.2;  // fraction
    return lo;
}

std::vector<double> StrategyObjective::upper() const {
    std::vector<double> hi(kContinuous + kInteger, 1.0);
    hi[kConditions] = 6.0;
    hi[kConditions + 1] = 10.0;
    hi[kConditions + 2] = 1.0;
    for (std::size_t k = 0; k < kConditions; ++k) {
        hi[kContinuous + (3 * k)] = static_cast<double>(features_.size() - 1);
        hi[kContinuous + (3 * k) + 1] = static_cast<double>(kPeriods.size() - 1);
        hi[kContinuous + (3 * k) + 2] = static_cast<double>(strategy::kComparatorCount - 1);
    }
    hi[kContinuous + (3 * kConditions)] = 2;      // entry: one, and, or
    hi[kContinuous + (3 * kConditions) + 1] = 3;  // exit: none, one, and, or
    return hi;
}

std::size_t StrategyObjective::integer_genes() const {
    return kInteger;
}

StrategyGenome StrategyObjective::decode(std::span<const double> x) const {
    StrategyGenome g;
    std::array<double, kContinuous + kInteger> v{};
    for (std::size_t i = 0; i < v.size(); ++i) {
        v[i] = i < x.size() && std::isfinite(x[i]) ? x[i] : 0.0;
    }
    const std::span<const double> genes(v);
    const std::size_t entry_mode = gene_index(v[kContinuous + (3 * kConditions)], 3);
    const std::size_t exit_mode = gene_index(v[kContinuous + (3 * kConditions) + 1], 4);
    g.entry.conditions.push_back(decode_condition(genes, 0, features_));
    if (entry_mode > 0) {
        g.entry.conditions.push_back(decode_condition(genes, 1, features_));
        g.entry.logic = entry_mode == 1 ? Logic::kAnd : Logic::kOr;
    }
    if (exit_mode > 0) {
        g.exit.conditions.push_back(decode_condition(genes, 2, features_));
    }
    if (exit_mode > 1) {
        g.exit.conditions.push_back(decode_condition(genes, 3, features_));
        g.exit.logic = exit_mode == 2 ? Logic::kAnd : Logic::kOr;
    }
    g.stop_loss_atr = clean(round_to(std::clamp(v[kConditions], 0.5, 6.0), 0.1));
    const double tp = clean(round_to(std::clamp(v[kConditions + 1], 0.0, 10.0), 0.1));
    if (tp >= 1.0) {
        g.take_profit_atr = tp;
    }
    g.fraction = clean(round_to(std::clamp(v[kConditions + 2], 0.2, 1.0), 0.05));
    return g;
}

Result<backtest::BacktestConfig> StrategyObjective::config_for(
    const StrategyGenome& genome, bool holdout) const {
    backtest::BacktestConfig config;
    config.strategy = "rules";
    config.sources.entry_rule = strategy::to_string(genome.entry);
    config.sources.exit_rule = strategy::to_string(genome.exit);
    config.sources.feature_cache = cache_;
    config.from = holdout ? holdout_from_ : search_from_;
    if (!holdout) {
        config.to = holdout_from_;
    }
    auto cash = Money::from_double(spec_.cash, Round::kDown);
    if (!cash) {
        return tl::unexpected(cash.error());
    }
    config.engine.initial_cash = *cash;
    auto sizing =
        execution::Sizing::parse(fmt::format("{}{}", sizing_text_prefix(), genome.fraction));
    if (!sizing) {
        return tl::unexpected(sizing.error());
    }
    config.engine.sizing = *sizing;
    config.engine.risk.stop_loss_atr = genome.stop_loss_atr;
    config.engine.risk.take_profit_atr = genome.take_profit_atr;
    config.venue.fees = sim::FeeModel{spec_.fee_bps, spec_.fee_bps};
    config.venue.market_fill = sim::MarketFill::kNextOpen;
    config.slippage = spec_.slippage;
    return config;
}

std::string StrategyObjective::to_toml(
    const StrategyGenome& genome, bool holdout, const std::string& report) const {
    std::string out;
    out += fmt::format(
        "[backtest]\nassets = [\"{}\"]\ndata = \"{}\"\n", spec_.symbol, spec_.data_path);
    out += fmt::format("from = \"{}\"\n", (holdout ? holdout_from_ : search_from_).to_iso8601());
    if (!holdout) {
        out += fmt::format("to = \"{}\"\n", holdout_from_.to_iso8601());
    }
    out += fmt::format(
        "cash = {}\nfee_bps = {}\nslippage = \"{}\"\nsizing = \"{}{}\"\nfill = \"next_open\"\n"
        "report = \"{}\"\n\n",
        spec_.cash,
        spec_.fee_bps,
        spec_.slippage,
        sizing_text_prefix(),
        genome.fraction,
        report);
    out += fmt::format(
        "[strategy]\nname = \"rules\"\n{}\n[strategy.rules]\nentry = \"{}\"\nexit = \"{}\"\n\n",
        spec_.altdata_path.empty() ? std::string()
                                   : fmt::format("altdata = \"{}\"\n", spec_.altdata_path),
        strategy::to_string(genome.entry),
        strategy::to_string(genome.exit));
    out += fmt::format("[risk]\nstop_loss_atr = {}\n", genome.stop_loss_atr);
    if (genome.take_profit_atr) {
        out += fmt::format("take_profit_atr = {}\n", *genome.take_profit_atr);
    }
    return out;
}

Result<PeriodResult> StrategyObjective::run(const StrategyGenome& genome, bool holdout) const {
    auto config = config_for(genome, holdout);
    if (!config) {
        return tl::unexpected(config.error());
    }
    auto result = backtest::run_backtest(*config, assets_);
    if (!result) {
        return tl::unexpected(result.error());
    }
    PeriodResult out;
    out.metrics = result->metrics;
    out.final_equity = result->final_equity.to_string();
    out.returns.reserve(result->equity.size());
    double previous = config->engine.initial_cash.to_double();
    for (const auto& p : result->equity) {
        const double e = p.equity.to_double();
        out.returns.push_back(previous > 0 ? (e / previous) - 1.0 : 0.0);
        previous = e;
    }
    if (!holdout) {
        const double per_year = periods_per_year(spec_.series);
        const std::size_t n = out.returns.size();
        for (std::size_t w = 0; w < spec_.windows; ++w) {
            const std::size_t a = n * w / spec_.windows;
            const std::size_t b = n * (w + 1) / spec_.windows;
            out.window_sharpe.push_back(
                sharpe_ratio(std::span<const double>(out.returns).subspan(a, b - a), per_year));
        }
    }
    return out;
}

Result<GenomeEvaluation> StrategyObjective::evaluate(const StrategyGenome& genome) const {
    auto search = run(genome, false);
    if (!search) {
        return tl::unexpected(search.error());
    }
    GenomeEvaluation out;
    double mean = 0;
    for (const double s : search->window_sharpe) {
        mean += s;
    }
    mean /= static_cast<double>(search->window_sharpe.size());
    double var = 0;
    for (const double s : search->window_sharpe) {
        var += (s - mean) * (s - mean);
    }
    const double sd = std::sqrt(var / static_cast<double>(search->window_sharpe.size()));
    const auto trades = static_cast<double>(search->metrics.trades);
    const auto min_trades = static_cast<double>(spec_.min_trades);
    const double trade_penalty = trades < min_trades ? (min_trades - trades) / min_trades : 0.0;
    out.fitness = mean - (spec_.dispersion_penalty * sd) - trade_penalty -
                  (spec_.complexity_penalty * static_cast<double>(genome.complexity()));
    out.search = std::move(*search);
    return out;
}

Result<PeriodResult> StrategyObjective::evaluate_holdout(const StrategyGenome& genome) const {
    return run(genome, true);
}

Objective::Score StrategyObjective::score(std::span<const double> x) const {
    auto e = evaluate(decode(x));
    if (!e) {
        return Score{-1e9, 0};
    }
    const double per_year = periods_per_year(spec_.series);
    return Score{e->fitness, sharpe_ratio(e->search.returns, per_year) / std::sqrt(per_year)};
}

}  // namespace ats::evolve
