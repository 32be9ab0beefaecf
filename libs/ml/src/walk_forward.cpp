#include "ats/ml/walk_forward.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include <fmt/format.h>

namespace ats::ml {
namespace {

DenseRows gather(const Dataset& data, std::span<const std::size_t> rows, std::vector<float>& buf) {
    buf.resize(rows.size() * data.cols);
    for (std::size_t i = 0; i < rows.size(); ++i) {
        const auto r = data.row(rows[i]);
        std::copy(r.begin(), r.end(), buf.begin() + static_cast<std::ptrdiff_t>(i * data.cols));
    }
    return DenseRows{buf, rows.size(), data.cols};
}

std::vector<float> labels_of(const Dataset& data, std::span<const std::size_t> rows) {
    std::vector<float> y;
    y.reserve(rows.size());
    for (const auto r : rows) {
        y.push_back(data.y[r]);
    }
    return y;
}

Result<Booster> train_member(
    const Dataset& data, std::span<const std::size_t> rows, const BoosterParams& params) {
    std::vector<float> buf;
    const auto x = gather(data, rows, buf);
    const auto y = labels_of(data, rows);
    return Booster::train(x, y, params);
}

}  // namespace

Dataset make_dataset(
    const FeatureMatrix& features, const Labels& labels, const model::BarSeries& series) {
    Dataset out;
    out.cols = features.cols;
    out.names = features.names;
    const auto times = series.open_time();
    for (std::size_t i = 0; i < labels.size(); ++i) {
        const std::size_t t = labels.index[i];
        if (t >= features.rows || !features.row_complete(t)) {
            continue;
        }
        for (const double v : features.row(t)) {
            out.x.push_back(static_cast<float>(v));
        }
        out.y.push_back(labels.value[i]);
        out.bar.push_back(t);
        out.horizon_end.push_back(labels.horizon_end[i]);
        out.time.push_back(times[t]);
    }
    return out;
}

Result<ModelChoice> parse_model_choice(std::string_view text) {
    if (text == "xgboost") {
        return ModelChoice::kXgboost;
    }
    if (text == "random_forest") {
        return ModelChoice::kRandomForest;
    }
    if (text == "ensemble") {
        return ModelChoice::kEnsemble;
    }
    return make_error(
        ErrorCode::kInvalidArgument,
        fmt::format("unknown model '{}' (valid: xgboost, random_forest, ensemble)", text));
}

std::string_view to_string(ModelChoice choice) noexcept {
    switch (choice) {
        case ModelChoice::kXgboost:
            return "xgboost";
        case ModelChoice::kRandomForest:
            return "random_forest";
        case ModelChoice::kEnsemble:
            return "ensemble";
    }
    return "?";
}

Result<std::vector<double>> TrainedModel::predict(const DenseRows& x) const {
    std::vector<double> out(x.rows, 0.0);
    for (std::size_t m = 0; m < members.size(); ++m) {
        auto p = members[m].predict(x);
        if (!p) {
            return tl::unexpected(p.error());
        }
        for (std::size_t i = 0; i < x.rows; ++i) {
            out[i] += weights[m] * (*p)[i];
        }
    }
    return out;
}

Result<TrainedModel> train_model(
    const Dataset& data, std::span<const std::size_t> rows, const TrainParams& params) {
    TrainedModel out;
    if (rows.empty()) {
        return make_error(ErrorCode::kFailedPrecondition, "no training rows");
    }
    if (params.choice != ModelChoice::kEnsemble) {
        const bool forest = params.choice == ModelChoice::kRandomForest;
        auto b = train_member(data, rows, forest ? params.forest : params.boosting);
        if (!b) {
            return tl::unexpected(b.error());
        }
        out.members.push_back(std::move(*b));
        out.member_names.emplace_back(forest ? "random_forest" : "xgboost");
        out.weights.push_back(1.0);
        return out;
    }
    // Validation slice = last 20% of the training rows; fitting rows whose label reaches into it
    // are purged so the weights are chosen on data the members did not see.
    const std::size_t split = rows.size() - std::max<std::size_t>(1, rows.size() / 5);
    const std::size_t first_validation_bar = data.bar[rows[split]];
    std::vector<std::size_t> fit;
    for (std::size_t i = 0; i < split; ++i) {
        if (data.horizon_end[rows[i]] < first_validation_bar) {
            fit.push_back(rows[i]);
        }
    }
    const auto validation = rows.subspan(split);
    if (fit.empty()) {
        return make_error(ErrorCode::kFailedPrecondition, "too few rows for an ensemble");
    }
    for (const bool forest : {false, true}) {
        auto b = train_member(data, fit, forest ? params.forest : params.boosting);
        if (!b) {
            return tl::unexpected(b.error());
        }
        out.members.push_back(std::move(*b));
        out.member_names.emplace_back(forest ? "random_forest" : "xgboost");
    }
    std::vector<float> buf;
    const auto vx = gather(data, validation, buf);
    const auto vy = labels_of(data, validation);
    auto p0 = out.members[0].predict(vx);
    auto p1 = out.members[1].predict(vx);
    if (!p0 || !p1) {
        return tl::unexpected(p0 ? p1.error() : p0.error());
    }
    double best_w = 0.5;
    double best_loss = std::numeric_limits<double>::infinity();
    std::vector<double> mix(vy.size());
    for (int k = 0; k <= 20; ++k) {
        const double w = k / 20.0;
        for (std::size_t i = 0; i < mix.size(); ++i) {
            mix[i] = w * (*p0)[i] + (1.0 - w) * (*p1)[i];
        }
        const double loss = log_loss(vy, mix);
        if (loss < best_loss) {
            best_loss = loss;
            best_w = w;
        }
    }
    out.weights = {best_w, 1.0 - best_w};
    return out;
}

Result<WalkForwardSpec> WalkForwardSpec::parse(std::string_view text) {
    WalkForwardSpec spec;
    while (!text.empty()) {
        const auto comma = text.find(',');
        const auto item = text.substr(0, comma);
        text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
        if (item == "anchored") {
            spec.anchored = true;
            continue;
        }
        if (item == "rolling") {
            spec.anchored = false;
            continue;
        }
        const auto eq = item.find('=');
        const auto key = item.substr(0, eq);
        const auto value = eq == std::string_view::npos ? std::string_view{} : item.substr(eq + 1);
        auto d = parse_duration(value);
        const bool zero_ok = key == "embargo" && (value == "0" || value == "0h");
        if (!d && !zero_ok) {
            return make_error(
                ErrorCode::kInvalidArgument,
                fmt::format("walk-forward '{}': bad duration (like 8760h or 30d)", item));
        }
        const Duration dur = zero_ok ? Duration::from_ns(0) : *d;
        if (key == "train") {
            spec.train = dur;
        } else if (key == "test") {
            spec.test = dur;
        } else if (key == "embargo") {
            spec.embargo = dur;
        } else {
            return make_error(
                ErrorCode::kInvalidArgument,
                fmt::format(
                    "walk-forward: unknown key '{}' (valid: train, test, embargo, anchored)", key));
        }
    }
    return spec;
}

std::string WalkForwardSpec::to_string() const {
    return fmt::format(
        "train={}h,test={}h,embargo={}h{}",
        train.ns() / Duration::from_hours(1).ns(),
        test.ns() / Duration::from_hours(1).ns(),
        embargo.ns() / Duration::from_hours(1).ns(),
        anchored ? ",anchored" : "");
}

Result<WalkForwardResult> walk_forward(
    const Dataset& data,
    const model::BarSeries& series,
    const WalkForwardSpec& spec,
    const TrainParams& params,
    const FoldProgress& progress) {
    WalkForwardResult out;
    if (data.size() == 0) {
        return make_error(
            ErrorCode::kFailedPrecondition, "no labelled rows with complete features");
    }
    const Timestamp first = data.time.front();
    const Timestamp last = data.time.back();
    const auto times = series.open_time();
    const auto close = series.close();
    std::size_t folds = 0;
    for (Timestamp s = first + spec.train; s <= last; s += spec.test) {
        ++folds;
    }
    if (folds == 0) {
        return make_error(
            ErrorCode::kFailedPrecondition,
            fmt::format("data from {} to {} is shorter than the training window", first, last));
    }
    std::vector<float> buf;
    std::vector<Timestamp> test_ends;
    for (std::size_t k = 0; k < folds; ++k) {
        FoldResult fold;
        fold.fold = k;
        fold.test_from = first + spec.train + spec.test * static_cast<std::int64_t>(k);
        fold.test_to = fold.test_from + spec.test;
        fold.train_from = spec.anchored ? first : fold.test_from - spec.train;
        std::vector<std::size_t> train_rows;
        std::vector<std::size_t> test_rows;
        for (std::size_t i = 0; i < data.size(); ++i) {
            const Timestamp t = data.time[i];
            if (t >= fold.test_from && t < fold.test_to) {
                test_rows.push_back(i);
                continue;
            }
            if (t < fold.train_from || t >= fold.test_from) {
                continue;
            }
            const bool purged = times[data.horizon_end[i]] >= fold.test_from;
            bool embargoed = false;
            for (const Timestamp end : test_ends) {
                embargoed = embargoed || (t >= end && t < end + spec.embargo);
            }
            if (purged || embargoed) {
                ++fold.purged_rows;
                continue;
            }
            train_rows.push_back(i);
        }
        test_ends.push_back(fold.test_to);
        fold.train_rows = train_rows.size();
        if (train_rows.empty() || test_rows.empty()) {
            if (progress) {
                progress(k + 1, folds);
            }
            continue;
        }
        auto model = train_model(data, train_rows, params);
        if (!model) {
            return tl::unexpected(model.error());
        }
        const auto x = gather(data, test_rows, buf);
        auto p = model->predict(x);
        if (!p) {
            return tl::unexpected(p.error());
        }
        const auto y = labels_of(data, test_rows);
        const auto train_y = labels_of(data, train_rows);
        double base_rate = 0.0;
        for (const float v : train_y) {
            base_rate += v;
        }
        base_rate /= static_cast<double>(train_y.size());
        fold.train_positive_rate = base_rate;
        const std::vector<double> majority(y.size(), base_rate);
        std::vector<double> previous(y.size(), 0.5);
        for (std::size_t i = 0; i < test_rows.size(); ++i) {
            const std::size_t b = data.bar[test_rows[i]];
            if (b > 0) {
                previous[i] = close[b] > close[b - 1] ? 1.0 : 0.0;
            }
        }
        fold.model = compute_metrics(y, *p);
        fold.majority = compute_metrics(y, majority);
        fold.previous = compute_metrics(y, previous);
        fold.weights = model->weights;
        out.oos_rows.insert(out.oos_rows.end(), test_rows.begin(), test_rows.end());
        out.oos_probability.insert(out.oos_probability.end(), p->begin(), p->end());
        out.folds.push_back(std::move(fold));
        if (progress) {
            progress(k + 1, folds);
        }
    }
    // Overall metrics over every out-of-sample row.
    const auto y = labels_of(data, out.oos_rows);
    std::vector<double> majority;
    std::vector<double> previous;
    std::size_t row = 0;
    for (const auto& fold : out.folds) {
        for (std::size_t i = 0; i < fold.model.count; ++i, ++row) {
            majority.push_back(fold.train_positive_rate);
            const std::size_t b = data.bar[out.oos_rows[row]];
            previous.push_back(b > 0 && close[b] > close[b - 1] ? 1.0 : 0.0);
        }
    }
    out.overall = compute_metrics(y, out.oos_probability);
    out.overall_majority = compute_metrics(y, majority);
    out.overall_previous = compute_metrics(y, previous);
    return out;
}

std::vector<std::size_t> final_training_rows(const Dataset& data, Duration train, bool anchored) {
    std::vector<std::size_t> rows;
    if (data.size() == 0) {
        return rows;
    }
    const Timestamp from = anchored ? data.time.front() : data.time.back() - train;
    for (std::size_t i = 0; i < data.size(); ++i) {
        if (data.time[i] >= from) {
            rows.push_back(i);
        }
    }
    return rows;
}

std::string data_hash(const model::BarSeries& series) {
    std::uint64_t h = 14695981039346656037ULL;
    const auto mix = [&](std::int64_t v) {
        auto u = static_cast<std::uint64_t>(v);
        for (int i = 0; i < 8; ++i) {
            h ^= (u & 0xFFU);
            h *= 1099511628211ULL;
            u >>= 8U;
        }
    };
    for (std::size_t i = 0; i < series.size(); ++i) {
        mix(series.open_time()[i].unix_ns());
        mix(series.open()[i].raw());
        mix(series.high()[i].raw());
        mix(series.low()[i].raw());
        mix(series.close()[i].raw());
        // Low 64 bits, and the high ones only when used: the hash of ordinary data is unchanged.
        const detail::Int128 volume = series.volume()[i].raw();
        mix(static_cast<std::int64_t>(volume));
        if (!detail::fits_int64(volume)) {
            mix(static_cast<std::int64_t>(volume >> 64));
        }
    }
    return fmt::format("fnv1a64:{:016x}", h);
}

}  // namespace ats::ml
