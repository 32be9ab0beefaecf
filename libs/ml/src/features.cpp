#include "ats/ml/features.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <numbers>
#include <utility>

#include <fmt/format.h>

#include "ats/altdata/alt_features.hpp"
#include "ats/indicators/common.hpp"
#include "ats/indicators/moving_averages.hpp"
#include "ats/indicators/oscillators.hpp"
#include "ats/indicators/volatility.hpp"

namespace ats::ml {
namespace {

using indicators::kNaN;
using Feature = FeatureEngine::Feature;

/// Fixed-size window of the last `n` values (oldest first once full).
class Window {
public:
    explicit Window(std::size_t n) : data_(n, 0.0) {}
    void push(double x) {
        data_[next_] = x;
        next_ = (next_ + 1) % data_.size();
        if (count_ < data_.size()) {
            ++count_;
        }
    }
    bool full() const { return count_ == data_.size(); }
    /// Value pushed `back` steps ago (0 = latest). Requires back < count.
    double ago(std::size_t back) const {
        return data_[(next_ + data_.size() - 1 - back) % data_.size()];
    }

private:
    std::vector<double> data_;
    std::size_t next_ = 0;
    std::size_t count_ = 0;
};

class LogReturn final : public Feature {
public:
    explicit LogReturn(int n) : n_(static_cast<std::size_t>(n)), closes_(n_ + 1) {}
    double update(const model::Bar& bar) override {
        closes_.push(bar.close.to_double());
        return closes_.full() ? std::log(closes_.ago(0) / closes_.ago(n_)) : kNaN;
    }

private:
    std::size_t n_;
    Window closes_;
};

class RsiFeature final : public Feature {
public:
    explicit RsiFeature(int n) : rsi_(n) {}
    double update(const model::Bar& bar) override {
        rsi_.update(bar);
        return rsi_.ready() ? rsi_.value() / 100.0 : kNaN;
    }

private:
    indicators::Rsi rsi_;
};

class AtrPct final : public Feature {
public:
    explicit AtrPct(int n) : atr_(n) {}
    double update(const model::Bar& bar) override {
        atr_.update(bar);
        return atr_.ready() ? atr_.value() / bar.close.to_double() : kNaN;
    }

private:
    indicators::Atr atr_;
};

/// Mean and population std of the last n values, from the window (exact, no drift).
std::pair<double, double> mean_std(const Window& w, std::size_t n) {
    double sum = 0.0;
    for (std::size_t i = 0; i < n; ++i) {
        sum += w.ago(i);
    }
    const double mean = sum / static_cast<double>(n);
    double sq = 0.0;
    for (std::size_t i = 0; i < n; ++i) {
        const double d = w.ago(i) - mean;
        sq += d * d;
    }
    return {mean, std::sqrt(sq / static_cast<double>(n))};
}

class VolumeZ final : public Feature {
public:
    explicit VolumeZ(int n) : n_(static_cast<std::size_t>(n)), volumes_(n_) {}
    double update(const model::Bar& bar) override {
        volumes_.push(bar.volume.to_double());
        if (!volumes_.full()) {
            return kNaN;
        }
        const auto [mean, sd] = mean_std(volumes_, n_);
        return sd > 0.0 ? (volumes_.ago(0) - mean) / sd : 0.0;
    }

private:
    std::size_t n_;
    Window volumes_;
};

class RealizedVol final : public Feature {
public:
    explicit RealizedVol(int n) : n_(static_cast<std::size_t>(n)), returns_(n_) {}
    double update(const model::Bar& bar) override {
        const double c = bar.close.to_double();
        if (prev_ > 0.0) {
            returns_.push(std::log(c / prev_));
        }
        prev_ = c;
        return returns_.full() ? mean_std(returns_, n_).second : kNaN;
    }

private:
    std::size_t n_;
    Window returns_;
    double prev_ = 0.0;
};

class MacdHist final : public Feature {
public:
    MacdHist() : macd_(12, 26, 9) {}
    double update(const model::Bar& bar) override {
        macd_.update(bar);
        return macd_.ready() ? macd_.hist() / bar.close.to_double() : kNaN;
    }

private:
    indicators::Macd macd_;
};

class BollingerPosition final : public Feature {
public:
    explicit BollingerPosition(int n) : bands_(n, 2.0, 2.0) {}
    double update(const model::Bar& bar) override {
        bands_.update(bar.close.to_double());
        if (!bands_.ready()) {
            return kNaN;
        }
        const double width = bands_.upperband() - bands_.lowerband();
        return width > 0.0 ? (bar.close.to_double() - bands_.lowerband()) / width : 0.5;
    }

private:
    indicators::BBands bands_;
};

class TakerBuyRatio final : public Feature {
public:
    double update(const model::Bar& bar) override {
        const double v = bar.volume.to_double();
        if (!bar.taker_buy_base_volume || v <= 0.0) {
            return kNaN;
        }
        return bar.taker_buy_base_volume->to_double() / v;
    }
};

enum class Cycle : unsigned char { kHourSin, kHourCos, kDowSin, kDowCos };

class Calendar final : public Feature {
public:
    explicit Calendar(Cycle cycle) : cycle_(cycle) {}
    double update(const model::Bar& bar) override {
        constexpr std::int64_t kHourNs = 3'600'000'000'000;
        const std::int64_t hours = bar.open_time.unix_ns() / kHourNs;
        const double hour = static_cast<double>(((hours % 24) + 24) % 24);
        // 1970-01-01 was a Thursday; day 0 = Monday.
        const double dow = static_cast<double>((((hours / 24) + 3) % 7 + 7) % 7);
        constexpr double kTau = 2.0 * std::numbers::pi;
        switch (cycle_) {
            case Cycle::kHourSin:
                return std::sin(kTau * hour / 24.0);
            case Cycle::kHourCos:
                return std::cos(kTau * hour / 24.0);
            case Cycle::kDowSin:
                return std::sin(kTau * dow / 7.0);
            case Cycle::kDowCos:
                return std::cos(kTau * dow / 7.0);
        }
        return kNaN;
    }

private:
    Cycle cycle_;
};

/// Parses "<prefix><int><suffix>" and returns the int, or -1.
int period_of(std::string_view name, std::string_view prefix, std::string_view suffix = {}) {
    if (!name.starts_with(prefix) || !name.ends_with(suffix) ||
        name.size() <= prefix.size() + suffix.size()) {
        return -1;
    }
    const auto digits = name.substr(prefix.size(), name.size() - prefix.size() - suffix.size());
    int v = 0;
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v);
    if (ec != std::errc{} || end != digits.data() + digits.size() || v < 1 || v > 100'000) {
        return -1;
    }
    return v;
}

std::unique_ptr<Feature> make_feature(std::string_view name) {
    if (const int n = period_of(name, "ret_"); n > 0) {
        return std::make_unique<LogReturn>(n);
    }
    if (const int n = period_of(name, "rsi_"); n >= 2) {
        return std::make_unique<RsiFeature>(n);
    }
    if (const int n = period_of(name, "atr_", "_pct"); n > 0) {
        return std::make_unique<AtrPct>(n);
    }
    if (const int n = period_of(name, "vol_z_"); n >= 2) {
        return std::make_unique<VolumeZ>(n);
    }
    if (const int n = period_of(name, "rv_"); n >= 2) {
        return std::make_unique<RealizedVol>(n);
    }
    if (const int n = period_of(name, "bb_pos_"); n >= 2) {
        return std::make_unique<BollingerPosition>(n);
    }
    if (name == "macd_hist") {
        return std::make_unique<MacdHist>();
    }
    if (name == "taker_buy_ratio") {
        return std::make_unique<TakerBuyRatio>();
    }
    if (name == "hour_sin") {
        return std::make_unique<Calendar>(Cycle::kHourSin);
    }
    if (name == "hour_cos") {
        return std::make_unique<Calendar>(Cycle::kHourCos);
    }
    if (name == "dow_sin") {
        return std::make_unique<Calendar>(Cycle::kDowSin);
    }
    if (name == "dow_cos") {
        return std::make_unique<Calendar>(Cycle::kDowCos);
    }
    return nullptr;
}

/// An alternative-data feature read at the bar's close (its decision time).
class AltFeature final : public Feature {
public:
    explicit AltFeature(std::shared_ptr<const altdata::AltSeries> series)
        : series_(std::move(series)) {}
    double update(const model::Bar& bar) override {
        return series_ ? series_->at(bar.close_time) : kNaN;
    }

private:
    std::shared_ptr<const altdata::AltSeries> series_;
};

bool same(double a, double b) {
    return (std::isnan(a) && std::isnan(b)) || a == b;
}

}  // namespace

bool FeatureMatrix::row_complete(std::size_t i) const {
    for (const double v : row(i)) {
        if (!std::isfinite(v)) {
            return false;
        }
    }
    return true;
}

Result<FeatureSet> FeatureSet::parse(std::string_view spec) {
    FeatureSet out;
    while (!spec.empty()) {
        const auto comma = spec.find(',');
        auto name = spec.substr(0, comma);
        while (!name.empty() && name.front() == ' ') {
            name.remove_prefix(1);
        }
        while (!name.empty() && name.back() == ' ') {
            name.remove_suffix(1);
        }
        if (altdata::is_alt_feature_name(name)) {
            if (auto st = altdata::check_alt_feature_name(name); !st) {
                return tl::unexpected(st.error());
            }
        } else if (!make_feature(name)) {
            return make_error(
                ErrorCode::kInvalidArgument,
                fmt::format(
                    "unknown feature '{}' (valid: ret_N, rsi_N, atr_N_pct, vol_z_N, rv_N, "
                    "bb_pos_N, macd_hist, taker_buy_ratio, hour_sin, hour_cos, dow_sin, dow_cos; "
                    "alternative data: fear_greed, onchain_*:N, news_*:W)",
                    name));
        }
        out.names_.emplace_back(name);
        spec = comma == std::string_view::npos ? std::string_view{} : spec.substr(comma + 1);
    }
    if (out.names_.empty()) {
        return make_error(ErrorCode::kInvalidArgument, "empty feature list");
    }
    return out;
}

FeatureSet FeatureSet::defaults() {
    return *parse(
        "ret_1,ret_4,ret_24,rsi_14,atr_14_pct,vol_z_24,rv_24,hour_sin,hour_cos,dow_sin,dow_cos,"
        "macd_hist,bb_pos_20");
}

bool FeatureSet::needs_altdata() const {
    return std::any_of(names_.begin(), names_.end(), [](const std::string& n) {
        return altdata::is_alt_feature_name(n);
    });
}

std::string FeatureSet::spec() const {
    return fmt::format("{}", fmt::join(names_, ","));
}

FeatureEngine::FeatureEngine(const FeatureSet& set) : row_(set.size(), kNaN) {
    features_.reserve(set.size());
    for (const auto& name : set.names()) {
        auto f = make_feature(name);
        features_.push_back(f ? std::move(f) : std::make_unique<AltFeature>(nullptr));
    }
}

Result<FeatureEngine> FeatureEngine::create(const FeatureSet& set, const AltInput& alt) {
    FeatureEngine out;
    out.row_.assign(set.size(), kNaN);
    out.features_.reserve(set.size());
    for (const auto& name : set.names()) {
        if (!altdata::is_alt_feature_name(name)) {
            out.features_.push_back(make_feature(name));
            continue;
        }
        if (!alt.data) {
            return make_error(
                ErrorCode::kInvalidArgument,
                fmt::format(
                    "feature '{}' needs alternative data (--altdata FILE with an [altdata] "
                    "table; docs/altdata.md)",
                    name));
        }
        auto series = alt.data->feature(name, alt.asset);
        if (!series) {
            return tl::unexpected(series.error());
        }
        out.features_.push_back(std::make_unique<AltFeature>(std::move(*series)));
    }
    return out;
}
FeatureEngine::~FeatureEngine() = default;
FeatureEngine::FeatureEngine(FeatureEngine&&) noexcept = default;
FeatureEngine& FeatureEngine::operator=(FeatureEngine&&) noexcept = default;

void FeatureEngine::update(const model::Bar& bar) {
    for (std::size_t i = 0; i < features_.size(); ++i) {
        row_[i] = features_[i]->update(bar);
    }
}

namespace {

FeatureMatrix run_engine(
    FeatureEngine& engine, const FeatureSet& set, const model::BarSeries& series, std::size_t end) {
    FeatureMatrix out;
    out.rows = std::min(end, series.size());
    out.cols = set.size();
    out.names = set.names();
    out.values.resize(out.rows * out.cols);
    for (std::size_t i = 0; i < out.rows; ++i) {
        engine.update(series.bar(i));
        std::copy(
            engine.row().begin(),
            engine.row().end(),
            out.values.begin() + static_cast<std::ptrdiff_t>(i * out.cols));
    }
    return out;
}

}  // namespace

FeatureMatrix compute_features(
    const FeatureSet& set, const model::BarSeries& series, std::size_t end) {
    FeatureEngine engine(set);
    return run_engine(engine, set, series, end);
}

Result<FeatureMatrix> compute_features(
    const FeatureSet& set, const model::BarSeries& series, std::size_t end, const AltInput& alt) {
    auto engine = FeatureEngine::create(set, alt);
    if (!engine) {
        return tl::unexpected(engine.error());
    }
    return run_engine(*engine, set, series, end);
}

Status check_causality(
    const FeatureFunction& features,
    const model::BarSeries& series,
    std::span<const std::size_t> probes) {
    const FeatureMatrix full = features(series, series.size());
    for (const std::size_t t : probes) {
        if (t >= full.rows) {
            continue;
        }
        const FeatureMatrix prefix = features(series, t + 1);
        if (prefix.rows <= t || prefix.cols != full.cols) {
            return make_error(
                ErrorCode::kFailedPrecondition,
                fmt::format(
                    "features of bars [0, {}] have {} rows, expected {}", t, prefix.rows, t + 1));
        }
        for (std::size_t c = 0; c < full.cols; ++c) {
            const double a = prefix.row(t)[c];
            const double b = full.row(t)[c];
            if (!same(a, b)) {
                return make_error(
                    ErrorCode::kFailedPrecondition,
                    fmt::format(
                        "feature '{}' looks ahead: at bar {} it is {} from bars [0, {}] but {} "
                        "from the whole series",
                        c < full.names.size() ? full.names[c] : std::to_string(c),
                        t,
                        a,
                        t,
                        b));
            }
        }
    }
    return ok_status();
}

std::vector<std::size_t> spread_probes(std::size_t first, std::size_t size, std::size_t count) {
    std::vector<std::size_t> out;
    if (size <= first || count == 0) {
        return out;
    }
    const std::size_t span = size - first;
    for (std::size_t k = 0; k < count; ++k) {
        out.push_back(first + (span - 1) * k / std::max<std::size_t>(1, count - 1));
    }
    return out;
}

}  // namespace ats::ml
