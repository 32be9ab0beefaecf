#include "ats/evolve/ablation.hpp"

#include <algorithm>
#include <cmath>
#include <random>

#include <fmt/format.h>

#include "ats/backtest/backtest.hpp"
#include "ats/evolve/strategy_search.hpp"

namespace ats::evolve {
namespace {

/// The rows of `from` with only the columns named in `names`.
ml::Dataset project(const ml::Dataset& from, const std::vector<std::string>& names) {
    std::vector<std::size_t> cols;
    for (const auto& n : names) {
        cols.push_back(static_cast<std::size_t>(
            std::find(from.names.begin(), from.names.end(), n) - from.names.begin()));
    }
    ml::Dataset out;
    out.cols = cols.size();
    out.names = names;
    out.y = from.y;
    out.bar = from.bar;
    out.horizon_end = from.horizon_end;
    out.time = from.time;
    out.x.reserve(from.size() * cols.size());
    for (std::size_t r = 0; r < from.size(); ++r) {
        const auto row = from.row(r);
        for (const std::size_t c : cols) {
            out.x.push_back(row[c]);
        }
    }
    return out;
}

/// The day-block swap test of `statistic(a) - statistic(b)`-style differences: `difference`
/// gives the statistic of (a, b); each draw swaps whole blocks between the arms.
PairedTest block_swap_test(
    std::span<const double> a,
    std::span<const double> b,
    std::span<const std::int64_t> block,
    const std::function<double(std::span<const double>, std::span<const double>)>& difference,
    std::size_t permutations,
    std::uint64_t seed) {
    PairedTest out;
    out.difference = difference(a, b);
    std::mt19937_64 rng(seed);
    std::vector<double> pa(a.begin(), a.end());
    std::vector<double> pb(b.begin(), b.end());
    std::size_t extreme = 0;
    for (std::size_t k = 0; k < permutations; ++k) {
        bool swap = false;
        for (std::size_t i = 0; i < a.size(); ++i) {
            if (i == 0 || block[i] != block[i - 1]) {
                swap = (rng() & 1U) != 0;
            }
            pa[i] = swap ? b[i] : a[i];
            pb[i] = swap ? a[i] : b[i];
        }
        // A tolerance for sums that differ only by rounding when nothing was swapped.
        extreme += std::abs(difference(pa, pb)) >= std::abs(out.difference) - 1e-12 ? 1U : 0U;
    }
    out.p_value = static_cast<double>(1 + extreme) / static_cast<double>(1 + permutations);
    return out;
}

/// The paired test on per-bar returns: Sharpe of b minus Sharpe of a.
PairedTest sharpe_test(
    std::span<const double> a,
    std::span<const double> b,
    std::span<const std::int64_t> block,
    double bars_per_year,
    std::size_t permutations,
    std::uint64_t seed) {
    return block_swap_test(
        a,
        b,
        block,
        [&](std::span<const double> x, std::span<const double> z) {
            return sharpe_ratio(z, bars_per_year) - sharpe_ratio(x, bars_per_year);
        },
        permutations,
        seed);
}

}  // namespace

PairedTest paired_permutation_test(
    std::span<const float> y,
    std::span<const double> a,
    std::span<const double> b,
    std::span<const std::int64_t> block,
    const std::function<double(std::span<const float>, std::span<const double>)>& metric,
    std::size_t permutations,
    std::uint64_t seed) {
    return block_swap_test(
        a,
        b,
        block,
        [&](std::span<const double> x, std::span<const double> z) {
            return metric(y, z) - metric(y, x);
        },
        permutations,
        seed);
}

Result<AblationResult> run_ablation(const AblationSpec& spec, const AblationProgress& progress) {
    const auto say = [&](const std::string& s) {
        if (progress) {
            progress(s);
        }
    };
    for (const auto& n : spec.base.names()) {
        const auto& ext = spec.extended.names();
        if (std::find(ext.begin(), ext.end(), n) == ext.end()) {
            return make_error(
                ErrorCode::kInvalidArgument,
                fmt::format("ablation: base feature '{}' is not in the extended set", n));
        }
    }
    if (spec.extended.size() <= spec.base.size()) {
        return make_error(
            ErrorCode::kInvalidArgument, "ablation: the extended set adds no feature");
    }
    if (spec.permutations < 1 || spec.permutations > 1'000'000) {
        return make_error(
            ErrorCode::kInvalidArgument, "ablation: permutations must be in [1, 1000000]");
    }
    auto matrix = ml::compute_features(spec.extended, spec.series, spec.series.size(), spec.alt);
    if (!matrix) {
        return tl::unexpected(matrix.error());
    }
    const auto labels = ml::make_labels(spec.label, spec.series);
    // Rows where every feature of the extended set is known: both arms use exactly these.
    const auto extended = ml::make_dataset(*matrix, labels, spec.series);
    const auto base = project(extended, spec.base.names());
    AblationResult out;
    out.rows = extended.size();
    if (out.rows < 500) {
        return make_error(
            ErrorCode::kInvalidArgument,
            fmt::format(
                "ablation: only {} rows have every feature (need 500); the alternative data "
                "may not cover the bars",
                out.rows));
    }

    struct Arm {
        const ml::Dataset* data;
        AblationArm* result;
        ml::WalkForwardResult wf;
    };
    std::vector<Arm> arms = {{&base, &out.base, {}}, {&extended, &out.extended, {}}};
    for (auto& arm : arms) {
        say(fmt::format("walk-forward with {} features", arm.data->cols));
        auto wf = ml::walk_forward(*arm.data, spec.series, spec.walk_forward, spec.params);
        if (!wf) {
            return tl::unexpected(wf.error());
        }
        if (wf->oos_rows.empty()) {
            return make_error(ErrorCode::kInvalidArgument, "ablation: no out-of-sample rows");
        }
        arm.wf = std::move(*wf);
    }
    if (arms[0].wf.oos_rows != arms[1].wf.oos_rows) {
        return make_error(ErrorCode::kInternal, "ablation: the two arms predicted different rows");
    }
    const auto& rows = arms[0].wf.oos_rows;
    out.oos_rows = rows.size();
    const Timestamp from = extended.time[rows.front()];
    const Timestamp to = extended.time[rows.back()] + spec.series.interval();
    const double py = periods_per_year(spec.series);
    ProbabilityTrading how;
    how.symbol = spec.symbol;
    how.series = &spec.series;
    how.entry = spec.entry;
    how.exit = spec.exit;
    how.cash = spec.cash;
    how.fee_bps = spec.fee_bps;
    how.slippage = spec.slippage;
    std::vector<Timestamp> bar_times;  // of the traded bars, the same for both arms

    for (auto& arm : arms) {
        say(fmt::format("trading the out-of-sample probabilities of {} features", arm.data->cols));
        std::vector<std::pair<Timestamp, double>> probabilities;
        for (std::size_t i = 0; i < rows.size(); ++i) {
            probabilities.emplace_back(extended.time[rows[i]], arm.wf.oos_probability[i]);
        }
        auto traded = trade_probabilities(how, probabilities, from, to);
        if (!traded) {
            return tl::unexpected(traded.error());
        }
        AblationArm& r = *arm.result;
        r.features = arm.data == &base ? spec.base.spec() : spec.extended.spec();
        r.folds = arm.wf.folds;
        r.overall = arm.wf.overall;
        r.trading = traded->metrics;
        r.returns = std::move(traded->returns);
        r.times = std::move(traded->times);
        bar_times = r.times;
        r.sharpe = sharpe_ratio(r.returns, py);
        for (const auto& f : r.folds) {
            std::vector<double> in;
            for (std::size_t i = 0; i < r.times.size(); ++i) {
                if (r.times[i] >= f.test_from && r.times[i] < f.test_to) {
                    in.push_back(r.returns[i]);
                }
            }
            r.fold_sharpe.push_back(sharpe_ratio(in, py));
        }
    }

    say(fmt::format("{} paired permutations", spec.permutations));
    std::vector<float> y;
    std::vector<std::int64_t> day;
    for (const std::size_t row : rows) {
        y.push_back(extended.y[row]);
        day.push_back(extended.time[row].floor(Duration::from_days(1)).unix_ns());
    }
    const auto accuracy = [](std::span<const float> ys, std::span<const double> p) {
        std::size_t right = 0;
        for (std::size_t i = 0; i < ys.size(); ++i) {
            right += ((p[i] > 0.5) == (ys[i] > 0.5f)) ? 1U : 0U;
        }
        return static_cast<double>(right) / static_cast<double>(ys.size());
    };
    const auto auc = [](std::span<const float> ys, std::span<const double> p) {
        return ml::compute_metrics(ys, p).auc;
    };
    out.accuracy = paired_permutation_test(
        y,
        arms[0].wf.oos_probability,
        arms[1].wf.oos_probability,
        day,
        accuracy,
        spec.permutations,
        spec.seed);
    out.auc = paired_permutation_test(
        y,
        arms[0].wf.oos_probability,
        arms[1].wf.oos_probability,
        day,
        auc,
        spec.permutations,
        spec.seed + 1);
    if (out.base.returns.size() != out.extended.returns.size()) {
        return make_error(ErrorCode::kInternal, "ablation: the arms traded different bars");
    }
    const std::size_t n = out.base.returns.size();
    std::vector<std::int64_t> bar_day;
    bar_day.reserve(n);
    for (const Timestamp t : bar_times) {
        bar_day.push_back(t.floor(Duration::from_days(1)).unix_ns());
    }
    out.sharpe = sharpe_test(
        out.base.returns, out.extended.returns, bar_day, py, spec.permutations, spec.seed + 2);
    return out;
}

}  // namespace ats::evolve
