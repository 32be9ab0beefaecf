#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>

#include "ats/altdata/alt_features.hpp"
#include "ats/indicators/moving_averages.hpp"
#include "ats/indicators/oscillators.hpp"
#include "ats/indicators/volatility.hpp"
#include "ats/ml/features.hpp"
#include "ats/ml/model_bundle.hpp"
#include "ats/strategy/rules.hpp"
#include "ats/strategy/strategy.hpp"

namespace ats::strategy {
namespace {

using model::Direction;

/// Sign change of a difference relative to its last non-zero value (backtrader's CrossOver):
/// +1 when d > 0 and the last non-zero d was < 0, -1 for the mirror, else 0. A zero difference
/// never signals; it carries the previous sign forward.
class CrossDetector {
public:
    int update(double d) {
        if (std::isnan(d)) {
            return 0;
        }
        if (!started_) {
            started_ = true;
            last_nonzero_ = d;
            return 0;
        }
        const int out = (d > 0 && last_nonzero_ < 0) ? 1 : (d < 0 && last_nonzero_ > 0) ? -1 : 0;
        if (d != 0) {
            last_nonzero_ = d;
        }
        return out;
    }

private:
    bool started_ = false;
    double last_nonzero_ = 0;
};

/// Reads and validates parameters: every key must be known, integers must be whole.
class ParamReader {
public:
    ParamReader(std::string_view strategy, const Params& params)
        : strategy_(strategy), params_(params) {}

    double real(const std::string& key, double fallback, double min, double max) {
        known_.insert(key);
        const auto it = params_.find(key);
        const double v = it == params_.end() ? fallback : it->second;
        if (!std::isfinite(v) || v < min || v > max) {
            fail(fmt::format(
                "{}: parameter '{}' must be in [{}, {}], got {}", strategy_, key, min, max, v));
        }
        return v;
    }
    int integer(const std::string& key, int fallback, int min, int max) {
        const double v = real(key, fallback, min, max);
        if (v != std::floor(v)) {
            fail(fmt::format(
                "{}: parameter '{}' must be a whole number, got {}", strategy_, key, v));
        }
        return static_cast<int>(v);
    }
    void require(bool condition, std::string message) {
        if (!condition) {
            fail(std::move(message));
        }
    }
    Status finish() {
        for (const auto& [key, value] : params_) {
            if (known_.count(key) == 0) {
                fail(fmt::format(
                    "{}: unknown parameter '{}' (valid: {})",
                    strategy_,
                    key,
                    fmt::join(known_, ", ")));
            }
        }
        if (!error_.empty()) {
            return make_error(ErrorCode::kInvalidArgument, error_);
        }
        return ok_status();
    }

private:
    void fail(std::string message) {
        if (error_.empty()) {
            error_ = std::move(message);
        }
    }

    std::string_view strategy_;
    const Params& params_;
    std::set<std::string> known_;
    std::string error_;
};

/// Per-symbol state, found by linear search (a handful of symbols per strategy).
template <class State>
class PerSymbol {
public:
    template <class Make>
    State& get(const Symbol& symbol, Make&& make) {
        for (auto& [s, state] : states_) {
            if (s == symbol) {
                return state;
            }
        }
        states_.emplace_back(symbol, make());
        return states_.back().second;
    }
    const State* find(const Symbol& symbol) const {
        for (const auto& [s, state] : states_) {
            if (s == symbol) {
                return &state;
            }
        }
        return nullptr;
    }

private:
    std::vector<std::pair<Symbol, State>> states_;
};

/// Emits the signal for a cross: up -> long; down -> flat (or short when allowed).
void emit_cross(
    int cross,
    bool allow_short,
    const Symbol& symbol,
    StrategyContext& ctx,
    std::string_view up_reason,
    std::string_view down_reason) {
    if (cross > 0) {
        ctx.signal(symbol, Direction::kLong, 1.0, 1.0, up_reason);
    } else if (cross < 0) {
        ctx.signal(
            symbol, allow_short ? Direction::kShort : Direction::kFlat, 1.0, 1.0, down_reason);
    }
}

/// Moving-average crossover on closes: long when the fast average crosses above the slow one,
/// out (or short) when it crosses below.
template <class Ma>
class MaCross final : public Strategy {
public:
    MaCross(std::string name, int fast, int slow, bool allow_short)
        : name_(std::move(name)), fast_(fast), slow_(slow), allow_short_(allow_short) {}

    std::string_view name() const override { return name_; }
    std::size_t warmup_bars() const override { return static_cast<std::size_t>(slow_); }

    void on_bar(const Symbol& symbol, const model::Bar& bar, StrategyContext& ctx) override {
        State& s = states_.get(symbol, [&] { return State{Ma(fast_), Ma(slow_), {}}; });
        const double close = bar.close.to_double();
        s.fast.update(close);
        s.slow.update(close);
        if (!s.fast.ready() || !s.slow.ready()) {
            return;
        }
        emit_cross(
            s.cross.update(s.fast.value() - s.slow.value()),
            allow_short_,
            symbol,
            ctx,
            "fast average crossed above slow",
            "fast average crossed below slow");
    }

    std::vector<std::string> plot_names() const override {
        return {fmt::format("{}_{}", prefix(), fast_), fmt::format("{}_{}", prefix(), slow_)};
    }
    void plot_values(const Symbol& symbol, std::vector<double>& out) const override {
        const State* s = states_.find(symbol);
        out.assign(2, NAN);
        if (s != nullptr && s->fast.ready() && s->slow.ready()) {
            out[0] = s->fast.value();
            out[1] = s->slow.value();
        }
    }

private:
    struct State {
        Ma fast;
        Ma slow;
        CrossDetector cross;
    };
    std::string_view prefix() const { return std::string_view(name_).substr(0, 3); }

    std::string name_;
    int fast_;
    int slow_;
    bool allow_short_;
    PerSymbol<State> states_;
};

/// RSI mean reversion: long when RSI crosses below `lower` (oversold), out when it crosses above
/// `upper` (overbought); short mirror when allowed.
class RsiReversion final : public Strategy {
public:
    RsiReversion(int period, double lower, double upper, bool allow_short)
        : period_(period), lower_(lower), upper_(upper), allow_short_(allow_short) {}

    std::string_view name() const override { return "rsi_reversion"; }
    std::size_t warmup_bars() const override { return static_cast<std::size_t>(period_) + 1; }

    void on_bar(const Symbol& symbol, const model::Bar& bar, StrategyContext& ctx) override {
        State& s = states_.get(symbol, [&] { return State{indicators::Rsi(period_), {}, {}}; });
        s.rsi.update(bar.close.to_double());
        if (!s.rsi.ready()) {
            return;
        }
        const double v = s.rsi.value();
        if (s.below.update(lower_ - v) > 0) {
            ctx.signal(
                symbol,
                Direction::kLong,
                std::clamp((lower_ - v) / lower_, 0.0, 1.0),
                1.0,
                "RSI crossed below the oversold level");
        }
        if (s.above.update(v - upper_) > 0) {
            ctx.signal(
                symbol,
                allow_short_ ? Direction::kShort : Direction::kFlat,
                1.0,
                1.0,
                "RSI crossed above the overbought level");
        }
    }

    std::vector<std::string> plot_names() const override {
        return {fmt::format("rsi_{}", period_)};
    }
    void plot_values(const Symbol& symbol, std::vector<double>& out) const override {
        const State* s = states_.find(symbol);
        out.assign(1, s != nullptr && s->rsi.ready() ? s->rsi.value() : NAN);
    }

private:
    struct State {
        indicators::Rsi rsi;
        CrossDetector below;
        CrossDetector above;
    };
    int period_;
    double lower_;
    double upper_;
    bool allow_short_;
    PerSymbol<State> states_;
};

/// MACD: long when the MACD line crosses above its signal line, out (or short) below.
class MacdCross final : public Strategy {
public:
    MacdCross(int fast, int slow, int signal, bool allow_short)
        : fast_(fast), slow_(slow), signal_(signal), allow_short_(allow_short) {}

    std::string_view name() const override { return "macd"; }
    std::size_t warmup_bars() const override { return static_cast<std::size_t>(slow_ + signal_); }

    void on_bar(const Symbol& symbol, const model::Bar& bar, StrategyContext& ctx) override {
        State& s = states_.get(symbol, [&] {
            return State{indicators::Macd(fast_, slow_, signal_), {}};
        });
        s.macd.update(bar.close.to_double());
        if (!s.macd.ready()) {
            return;
        }
        emit_cross(
            s.cross.update(s.macd.hist()),
            allow_short_,
            symbol,
            ctx,
            "MACD crossed above its signal line",
            "MACD crossed below its signal line");
    }

    std::vector<std::string> plot_names() const override { return {"macd", "macd_signal"}; }
    void plot_values(const Symbol& symbol, std::vector<double>& out) const override {
        const State* s = states_.find(symbol);
        const bool ready = s != nullptr && s->macd.ready();
        out.assign(2, NAN);
        if (ready) {
            out[0] = s->macd.macd();
            out[1] = s->macd.signal();
        }
    }

private:
    struct State {
        indicators::Macd macd;
        CrossDetector cross;
    };
    int fast_;
    int slow_;
    int signal_;
    bool allow_short_;
    PerSymbol<State> states_;
};

/// Bollinger breakout: long when the close crosses above the upper band, out when it crosses
/// below the middle band (short mirror with the lower band when allowed).
class BollingerBreakout final : public Strategy {
public:
    BollingerBreakout(int period, double k, bool allow_short)
        : period_(period), k_(k), allow_short_(allow_short) {}

    std::string_view name() const override { return "bollinger_breakout"; }
    std::size_t warmup_bars() const override { return static_cast<std::size_t>(period_); }

    void on_bar(const Symbol& symbol, const model::Bar& bar, StrategyContext& ctx) override {
        State& s = states_.get(symbol, [&] {
            return State{indicators::BBands(period_, k_, k_), {}, {}, {}};
        });
        const double close = bar.close.to_double();
        s.bands.update(close);
        if (!s.bands.ready()) {
            return;
        }
        if (s.upper.update(close - s.bands.upperband()) > 0) {
            ctx.signal(symbol, Direction::kLong, 1.0, 1.0, "close broke above the upper band");
        }
        if (s.middle.update(close - s.bands.middleband()) < 0 &&
            ctx.position(symbol).is_positive()) {
            ctx.signal(symbol, Direction::kFlat, 1.0, 1.0, "close fell below the middle band");
        }
        if (allow_short_ && s.lower.update(close - s.bands.lowerband()) < 0) {
            ctx.signal(symbol, Direction::kShort, 1.0, 1.0, "close broke below the lower band");
        }
    }

    std::vector<std::string> plot_names() const override {
        return {"bb_upper", "bb_middle", "bb_lower"};
    }
    void plot_values(const Symbol& symbol, std::vector<double>& out) const override {
        const State* s = states_.find(symbol);
        const bool ready = s != nullptr && s->bands.ready();
        out.assign(3, NAN);
        if (ready) {
            out[0] = s->bands.upperband();
            out[1] = s->bands.middleband();
            out[2] = s->bands.lowerband();
        }
    }

private:
    struct State {
        indicators::BBands bands;
        CrossDetector upper;
        CrossDetector middle;
        CrossDetector lower;
    };
    int period_;
    double k_;
    bool allow_short_;
    PerSymbol<State> states_;
};

/// ML signals: computes the model's features causally on each closed bar, predicts the
/// probability that the label is 1 with the flat tree evaluator (or reads a probability recorded
/// for the bar, e.g. walk-forward out-of-sample predictions), goes long when it exceeds `entry`
/// (and the confidence |2p - 1| reaches `min_confidence`), flat when it falls below `exit`. Bars
/// without a probability (warm-up, no recorded value) change nothing.
class MlSignal final : public Strategy {
public:
    MlSignal(
        std::shared_ptr<const ml::Predictor> predictor,
        std::vector<ml::RecordedPrediction> recorded,
        double entry,
        double exit,
        double min_confidence,
        std::shared_ptr<const altdata::AltData> alt = nullptr)
        : predictor_(std::move(predictor)),
          alt_(std::move(alt)),
          recorded_(std::move(recorded)),
          entry_(entry),
          exit_(exit),
          min_confidence_(min_confidence) {}

    std::string_view name() const override { return "ml"; }
    std::size_t warmup_bars() const override { return 50; }

    void on_bar(const Symbol& symbol, const model::Bar& bar, StrategyContext& ctx) override {
        State& s = states_.get(symbol, [&] { return State{engine_for(symbol), NAN}; });
        s.probability = probability(s, bar);
        const double p = s.probability;
        if (std::isnan(p)) {
            return;
        }
        const double confidence = std::abs(2.0 * p - 1.0);
        // Long or flat is the portfolio's word, never a private flag: a flag set during warm-up
        // (signals ignored) or by a rejected entry drifts from what is held.
        const bool is_long = ctx.position(symbol).is_positive();
        if (!is_long && p > entry_ && confidence >= min_confidence_) {
            ctx.signal(symbol, Direction::kLong, p, confidence, "model probability above entry");
        } else if (is_long && p < exit_) {
            ctx.signal(
                symbol, Direction::kFlat, 1.0 - p, confidence, "model probability below exit");
        }
    }

    std::vector<std::string> plot_names() const override { return {"ml_probability"}; }
    void plot_values(const Symbol& symbol, std::vector<double>& out) const override {
        const State* s = states_.find(symbol);
        out.assign(1, s != nullptr ? s->probability : NAN);
    }

private:
    struct State {
        std::optional<ml::FeatureEngine> features;
        double probability;
    };

    std::optional<ml::FeatureEngine> engine_for(const Symbol& symbol) const {
        if (!predictor_) {
            return std::nullopt;
        }
        auto engine = ml::FeatureEngine::create(
            predictor_->features(), ml::AltInput{alt_, altdata::base_asset(symbol.view())});
        if (!engine) {
            // Checked for the training asset when the strategy was made; another symbol
            // without the data gets no probabilities (no trades), said once.
            std::fprintf(
                stderr,
                "ml: %s gets no signals: %s\n",
                symbol.to_string().c_str(),
                engine.error().message.c_str());
            return std::nullopt;
        }
        return std::move(*engine);
    }

    double probability(State& s, const model::Bar& bar) const {
        if (predictor_ && !s.features) {
            return NAN;
        }
        if (!s.features) {
            const auto it = std::lower_bound(
                recorded_.begin(),
                recorded_.end(),
                bar.open_time,
                [](const ml::RecordedPrediction& r, Timestamp t) { return r.open_time < t; });
            return it != recorded_.end() && it->open_time == bar.open_time ? it->probability : NAN;
        }
        s.features->update(bar);
        for (const double v : s.features->row()) {
            if (!std::isfinite(v)) {
                return NAN;
            }
        }
        return predictor_->predict(s.features->row());
    }

    std::shared_ptr<const ml::Predictor> predictor_;
    std::shared_ptr<const altdata::AltData> alt_;
    std::vector<ml::RecordedPrediction> recorded_;
    double entry_;
    double exit_;
    double min_confidence_;
    PerSymbol<State> states_;
};

/// The alternative data of an `[altdata]` config file.
Result<std::shared_ptr<const altdata::AltData>> load_alt(const std::string& path) {
    auto config = altdata::load_altdata_config(path);
    if (!config) {
        return tl::unexpected(config.error());
    }
    return altdata::AltData::load(*config, Timestamp{});
}

}  // namespace

Result<std::unique_ptr<Strategy>> make_strategy(std::string_view name, const Params& params) {
    return make_strategy(name, params, StrategySources{});
}

Result<std::unique_ptr<Strategy>> make_strategy(
    std::string_view name, const Params& params, const StrategySources& sources) {
    ParamReader p(name, params);
    std::unique_ptr<Strategy> out;
    if (name == "rules") {
        if (auto s = p.finish(); !s) {
            return tl::unexpected(s.error());
        }
        if (!sources.entry_rule) {
            return make_error(
                ErrorCode::kInvalidArgument,
                "rules: needs an entry rule ([strategy.rules] entry = \"rsi(14) < 30\")");
        }
        auto entry = parse_rule(*sources.entry_rule);
        if (!entry) {
            return tl::unexpected(entry.error());
        }
        auto exit = parse_rule(sources.exit_rule.value_or(""));
        if (!exit) {
            return tl::unexpected(exit.error());
        }
        std::shared_ptr<const altdata::AltData> alt;
        const auto needs = [](const Rule& r) {
            return std::any_of(r.conditions.begin(), r.conditions.end(), [](const Condition& c) {
                return needs_altdata(c.feature);
            });
        };
        if (sources.altdata && (needs(*entry) || needs(*exit))) {
            auto loaded = load_alt(*sources.altdata);
            if (!loaded) {
                return tl::unexpected(loaded.error());
            }
            alt = std::move(*loaded);
        }
        return make_rule_strategy(
            std::move(*entry), std::move(*exit), sources.feature_cache, std::move(alt));
    }
    if (name == "ml") {
        const double entry = p.real("entry", 0.55, 0, 1);
        const double exit = p.real("exit", 0.5, 0, 1);
        const double min_confidence = p.real("min_confidence", 0, 0, 1);
        p.require(
            exit <= entry,
            fmt::format("ml: 'exit' ({}) must not exceed 'entry' ({})", exit, entry));
        p.require(
            (sources.model_dir ? 1 : 0) + (sources.predictions ? 1 : 0) +
                    (sources.probabilities ? 1 : 0) ==
                1,
            "ml: needs a model directory (--model DIR from `ats train`) or recorded predictions "
            "(--predictions FILE), not both");
        if (auto s = p.finish(); !s) {
            return tl::unexpected(s.error());
        }
        if (sources.probabilities) {
            std::vector<ml::RecordedPrediction> recorded;
            recorded.reserve(sources.probabilities->size());
            for (const auto& [t, prob] : *sources.probabilities) {
                recorded.push_back(ml::RecordedPrediction{t, prob});
            }
            return std::unique_ptr<Strategy>(std::make_unique<MlSignal>(
                nullptr, std::move(recorded), entry, exit, min_confidence));
        }
        if (sources.predictions) {
            auto recorded = ml::load_predictions_csv(*sources.predictions);
            if (!recorded) {
                return tl::unexpected(recorded.error());
            }
            return std::unique_ptr<Strategy>(std::make_unique<MlSignal>(
                nullptr, std::move(*recorded), entry, exit, min_confidence));
        }
        auto predictor = ml::Predictor::load(*sources.model_dir);
        if (!predictor) {
            return tl::unexpected(predictor.error());
        }
        std::shared_ptr<const altdata::AltData> alt;
        if (predictor->features().needs_altdata()) {
            const std::string config = sources.altdata.value_or(predictor->altdata());
            if (config.empty()) {
                return make_error(
                    ErrorCode::kInvalidArgument,
                    fmt::format(
                        "ml: the model in {} uses alternative-data features but names no "
                        "[altdata] config: give one (--altdata FILE)",
                        *sources.model_dir));
            }
            auto loaded = load_alt(config);
            if (!loaded) {
                return tl::unexpected(loaded.error());
            }
            alt = std::move(*loaded);
            // The data must serve the asset the model was trained on.
            auto check = ml::FeatureEngine::create(
                predictor->features(), ml::AltInput{alt, altdata::base_asset(predictor->asset())});
            if (!check) {
                return tl::unexpected(check.error());
            }
        }
        return std::unique_ptr<Strategy>(std::make_unique<MlSignal>(
            std::make_shared<const ml::Predictor>(std::move(*predictor)),
            std::vector<ml::RecordedPrediction>{},
            entry,
            exit,
            min_confidence,
            std::move(alt)));
    }
    if (name == "sma_cross" || name == "ema_cross") {
        const int fast = p.integer("fast", 10, 2, 100'000);
        const int slow = p.integer("slow", 30, 2, 100'000);
        const bool allow_short = p.integer("allow_short", 0, 0, 1) == 1;
        p.require(
            fast < slow,
            fmt::format("{}: parameter 'fast' ({}) must be below 'slow' ({})", name, fast, slow));
        if (auto s = p.finish(); !s) {
            return tl::unexpected(s.error());
        }
        if (name == "sma_cross") {
            out = std::make_unique<MaCross<indicators::Sma>>("sma_cross", fast, slow, allow_short);
        } else {
            out = std::make_unique<MaCross<indicators::Ema>>("ema_cross", fast, slow, allow_short);
        }
        return out;
    }
    if (name == "rsi_reversion") {
        const int period = p.integer("period", 14, 2, 100'000);
        const double lower = p.real("lower", 30, 0, 100);
        const double upper = p.real("upper", 70, 0, 100);
        const bool allow_short = p.integer("allow_short", 0, 0, 1) == 1;
        p.require(
            lower < upper,
            fmt::format("rsi_reversion: 'lower' ({}) must be below 'upper' ({})", lower, upper));
        if (auto s = p.finish(); !s) {
            return tl::unexpected(s.error());
        }
        return std::unique_ptr<Strategy>(
            std::make_unique<RsiReversion>(period, lower, upper, allow_short));
    }
    if (name == "macd") {
        const int fast = p.integer("fast", 12, 2, 100'000);
        const int slow = p.integer("slow", 26, 2, 100'000);
        const int signal = p.integer("signal", 9, 1, 100'000);
        const bool allow_short = p.integer("allow_short", 0, 0, 1) == 1;
        p.require(
            fast < slow, fmt::format("macd: 'fast' ({}) must be below 'slow' ({})", fast, slow));
        if (auto s = p.finish(); !s) {
            return tl::unexpected(s.error());
        }
        return std::unique_ptr<Strategy>(
            std::make_unique<MacdCross>(fast, slow, signal, allow_short));
    }
    if (name == "bollinger_breakout") {
        const int period = p.integer("period", 20, 2, 100'000);
        const double k = p.real("k", 2, 0.1, 10);
        const bool allow_short = p.integer("allow_short", 0, 0, 1) == 1;
        if (auto s = p.finish(); !s) {
            return tl::unexpected(s.error());
        }
        return std::unique_ptr<Strategy>(
            std::make_unique<BollingerBreakout>(period, k, allow_short));
    }
    return make_error(
        ErrorCode::kInvalidArgument,
        fmt::format(
            "unknown strategy '{}' (valid: {})", name, fmt::join(describe_strategies(), "; ")));
}

std::vector<std::string> describe_strategies() {
    return {
        "sma_cross fast=10 slow=30 allow_short=0",
        "ema_cross fast=10 slow=30 allow_short=0",
        "rsi_reversion period=14 lower=30 upper=70 allow_short=0",
        "macd fast=12 slow=26 signal=9 allow_short=0",
        "bollinger_breakout period=20 k=2 allow_short=0",
        "ml entry=0.55 exit=0.5 min_confidence=0 (needs --model DIR)",
        "rules (entry/exit rules in [strategy.rules], e.g. entry = \"rsi(14) < 30\")",
    };
}

}  // namespace ats::strategy
