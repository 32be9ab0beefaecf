#include "ats/evolve/hyper_search.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "ats/backtest/backtest.hpp"
#include "ats/evolve/strategy_search.hpp"

namespace ats::evolve {
namespace {

constexpr std::size_t kContinuous = 8;

double clean(double v, double step) {
    return std::round(v / step) * step;
}

int gene_int(double v, int lo, int hi) {
    const double r = std::round(std::isfinite(v) ? v : lo);
    return static_cast<int>(std::clamp(r, static_cast<double>(lo), static_cast<double>(hi)));
}

double gene(double v, double lo, double hi) {
    return std::clamp(std::isfinite(v) ? v : lo, lo, hi);
}

}  // namespace

std::string HyperGenome::describe() const {
    const bool forest = train.choice == ml::ModelChoice::kRandomForest;
    const auto& b = forest ? train.forest : train.boosting;
    return fmt::format(
        "{} depth {} {} {}{} subsample {} colsample {} min_child_weight {} lambda {} "
        "alpha {} | entry {} exit {}",
        forest ? "random_forest" : "xgboost",
        b.max_depth,
        forest ? "trees" : "rounds",
        forest ? b.trees : b.rounds,
        forest ? std::string() : fmt::format(" eta {}", b.learning_rate),
        b.subsample,
        b.colsample,
        b.min_child_weight,
        b.reg_lambda,
        b.reg_alpha,
        entry,
        exit);
}

HyperObjective::HyperObjective(HyperSearchSpec spec) : spec_(std::move(spec)) {}

Result<std::unique_ptr<HyperObjective>> HyperObjective::create(HyperSearchSpec spec) {
    const std::size_t n = spec.series.size();
    if (!(spec.holdout_fraction > 0) || !(spec.holdout_fraction < 1)) {
        return make_error(ErrorCode::kInvalidArgument, "evolve: --holdout must be in (0, 1)");
    }
    auto obj = std::unique_ptr<HyperObjective>(new HyperObjective(std::move(spec)));
    const auto& series = obj->spec_.series;
    const auto holdout_bars =
        static_cast<std::size_t>(static_cast<double>(n) * obj->spec_.holdout_fraction);
    if (holdout_bars < 50 || holdout_bars >= n) {
        return make_error(ErrorCode::kInvalidArgument, "evolve: too few bars for a holdout");
    }
    obj->holdout_bar_ = n - holdout_bars;
    obj->holdout_from_ = series.open_time()[obj->holdout_bar_];
    auto computed =
        ml::compute_features(obj->spec_.features, series, series.size(), obj->spec_.alt);
    if (!computed) {
        return tl::unexpected(computed.error());
    }
    const auto& matrix = *computed;
    const auto labels = ml::make_labels(obj->spec_.label, series);
    obj->all_ = ml::make_dataset(matrix, labels, series);
    auto& s = obj->search_;
    s.cols = obj->all_.cols;
    s.names = obj->all_.names;
    for (std::size_t r = 0; r < obj->all_.size(); ++r) {
        if (obj->all_.horizon_end[r] < obj->holdout_bar_) {  // labels end before the holdout
            const auto row = obj->all_.row(r);
            s.x.insert(s.x.end(), row.begin(), row.end());
            s.y.push_back(obj->all_.y[r]);
            s.bar.push_back(obj->all_.bar[r]);
            s.horizon_end.push_back(obj->all_.horizon_end[r]);
            s.time.push_back(obj->all_.time[r]);
        }
    }
    if (s.size() < 500) {
        return make_error(
            ErrorCode::kInvalidArgument,
            fmt::format("evolve: only {} labelled rows before the holdout", s.size()));
    }
    const Duration span = s.time.back() - s.time.front();
    if (span <= obj->spec_.walk_forward.train + obj->spec_.walk_forward.test) {
        return make_error(
            ErrorCode::kInvalidArgument,
            fmt::format(
                "evolve: the search period ({} days) is shorter than one walk-forward train + "
                "test window ({})",
                span.seconds() / 86'400,
                obj->spec_.walk_forward.to_string()));
    }
    return obj;
}

std::vector<double> HyperObjective::lower() const {
    return {-2.0, 0.5, 0.5, 1.0, 0.0, 0.0, 0.5, 0.0, 2, 2, 0};
}
std::vector<double> HyperObjective::upper() const {
    return {-0.5, 1.0, 1.0, 20.0, 10.0, 5.0, 0.65, 0.1, 8, 30, 1};
}

HyperGenome HyperObjective::decode(std::span<const double> x) const {
    std::vector<double> v(kContinuous + 3, 0.0);
    for (std::size_t i = 0; i < v.size() && i < x.size(); ++i) {
        v[i] = x[i];
    }
    HyperGenome g;
    ml::BoosterParams b;
    b.learning_rate = clean(std::pow(10.0, gene(v[0], -2.0, -0.5)), 0.0001);
    b.subsample = clean(gene(v[1], 0.5, 1.0), 0.01);
    b.colsample = clean(gene(v[2], 0.5, 1.0), 0.01);
    b.min_child_weight = clean(gene(v[3], 1.0, 20.0), 0.1);
    b.reg_lambda = clean(gene(v[4], 0.0, 10.0), 0.01);
    b.reg_alpha = clean(gene(v[5], 0.0, 5.0), 0.01);
    g.entry = clean(gene(v[6], 0.5, 0.65), 0.001);
    g.exit = clean(std::max(0.0, g.entry - gene(v[7], 0.0, 0.1)), 0.001);
    b.max_depth = gene_int(v[8], 2, 8);
    const int tens = gene_int(v[9], 2, 30);
    const bool forest = gene_int(v[10], 0, 1) == 1;
    b.seed = spec_.seed;
    b.threads = 1;  // islands run in parallel; one XGBoost thread each
    if (forest) {
        b.kind = ml::ModelKind::kRandomForest;
        b.trees = tens * 10;
        g.train.choice = ml::ModelChoice::kRandomForest;
        g.train.forest = b;
    } else {
        b.kind = ml::ModelKind::kGradientBoosting;
        b.rounds = tens * 10;
        g.train.choice = ml::ModelChoice::kXgboost;
        g.train.boosting = b;
    }
    return g;
}

Result<HyperEvaluation> HyperObjective::trade(
    const HyperGenome& genome,
    const std::vector<std::pair<Timestamp, double>>& probabilities,
    Timestamp from,
    std::optional<Timestamp> to) const {
    ProbabilityTrading how;
    how.symbol = spec_.symbol;
    how.series = &spec_.series;
    how.entry = genome.entry;
    how.exit = genome.exit;
    how.cash = spec_.cash;
    how.fee_bps = spec_.fee_bps;
    how.slippage = spec_.slippage;
    auto traded = trade_probabilities(how, probabilities, from, to);
    if (!traded) {
        return tl::unexpected(traded.error());
    }
    HyperEvaluation out;
    out.metrics = traded->metrics;
    out.returns = std::move(traded->returns);
    const auto trades = static_cast<double>(out.metrics.trades);
    const auto min_trades = static_cast<double>(spec_.min_trades);
    out.fitness = sharpe_ratio(out.returns, periods_per_year(spec_.series)) -
                  (trades < min_trades ? (min_trades - trades) / min_trades : 0.0);
    return out;
}

Result<HyperEvaluation> HyperObjective::evaluate(const HyperGenome& genome) const {
    auto wf = ml::walk_forward(search_, spec_.series, spec_.walk_forward, genome.train);
    if (!wf) {
        return tl::unexpected(wf.error());
    }
    if (wf->oos_rows.empty()) {
        return make_error(ErrorCode::kInvalidArgument, "evolve: no out-of-sample predictions");
    }
    std::vector<std::pair<Timestamp, double>> probabilities;
    probabilities.reserve(wf->oos_rows.size());
    for (std::size_t i = 0; i < wf->oos_rows.size(); ++i) {
        probabilities.emplace_back(search_.time[wf->oos_rows[i]], wf->oos_probability[i]);
    }
    auto out = trade(genome, probabilities, probabilities.front().first, holdout_from_);
    if (out) {
        out->oos = wf->overall;
    }
    return out;
}

Result<HyperEvaluation> HyperObjective::evaluate_holdout(const HyperGenome& genome) const {
    const auto rows =
        ml::final_training_rows(search_, spec_.walk_forward.train, spec_.walk_forward.anchored);
    auto model = ml::train_model(search_, rows, genome.train);
    if (!model) {
        return tl::unexpected(model.error());
    }
    std::vector<std::size_t> holdout_rows;
    for (std::size_t r = 0; r < all_.size(); ++r) {
        if (all_.bar[r] >= holdout_bar_) {
            holdout_rows.push_back(r);
        }
    }
    if (holdout_rows.empty()) {
        return make_error(ErrorCode::kInvalidArgument, "evolve: no holdout rows");
    }
    std::vector<float> x;
    std::vector<float> y;
    for (const auto r : holdout_rows) {
        const auto row = all_.row(r);
        x.insert(x.end(), row.begin(), row.end());
        y.push_back(all_.y[r]);
    }
    auto p = model->predict(ml::DenseRows{x, holdout_rows.size(), all_.cols});
    if (!p) {
        return tl::unexpected(p.error());
    }
    std::vector<std::pair<Timestamp, double>> probabilities;
    for (std::size_t i = 0; i < holdout_rows.size(); ++i) {
        probabilities.emplace_back(all_.time[holdout_rows[i]], (*p)[i]);
    }
    auto out = trade(genome, probabilities, holdout_from_, std::nullopt);
    if (out) {
        out->oos = ml::compute_metrics(y, *p);
    }
    return out;
}

Objective::Score HyperObjective::score(std::span<const double> x) const {
    auto e = evaluate(decode(x));
    if (!e) {
        return Score{-1e9, 0};
    }
    return Score{
        e->fitness,
        sharpe_ratio(e->returns, periods_per_year(spec_.series)) /
            std::sqrt(periods_per_year(spec_.series))};
}

}  // namespace ats::evolve
