#include "ats/gym/bar_env.hpp"

#include <algorithm>
#include <cmath>
#include <random>

#include <fmt/format.h>

#include "ats/data/bar_source.hpp"
#include "ats/indicators/batch.hpp"
#include "ats/indicators/registry.hpp"

namespace ats::gym {

Status BarEnvOptions::validate() const {
    const auto bad = [](std::string what) {
        return Status(make_error(ErrorCode::kInvalidArgument, std::move(what)));
    };
    if (window < 1 || window > 256) {
        return bad(fmt::format("window must be in [1, 256], got {}", window));
    }
    if (norm_window < 16 || norm_window > 10'000) {
        return bad(fmt::format("norm_window must be in [16, 10000], got {}", norm_window));
    }
    if (episode_bars < 0 || episode_bars > 10'000'000) {
        return bad(fmt::format("episode_bars must be in [0, 10000000], got {}", episode_bars));
    }
    if (!std::isfinite(fee_bps) || fee_bps < 0 || fee_bps > 1000) {
        return bad(fmt::format("fee_bps must be in [0, 1000], got {}", fee_bps));
    }
    if (reward != "equity" && reward != "dsr") {
        return bad(fmt::format("reward '{}': equity or dsr", reward));
    }
    if (!std::isfinite(max_drawdown) || max_drawdown <= 0 || max_drawdown > 1) {
        return bad(fmt::format("max_drawdown must be in (0, 1], got {}", max_drawdown));
    }
    if (!std::isfinite(ruin) || ruin < 0 || ruin >= 1) {
        return bad(fmt::format("ruin must be in [0, 1), got {}", ruin));
    }
    return ok_status();
}

namespace {

/// The data and features, shared by the copies of an environment (read-only once built).
struct Series {
    std::vector<double> open;
    std::vector<double> close;
    std::vector<std::int64_t> close_ms;
    std::vector<std::vector<float>> feats;  // per feature column, normalized, clipped
    std::size_t first = 0;                  // first bar with every feature defined
    // Per bar, the observation's row: the clipped log return (%) then every feature; a window
    // is a contiguous run of rows, copied at once.
    std::vector<float> rows;
    std::size_t row_size = 0;
};

}  // namespace

struct BarEnv::Impl {
    BarEnvOptions o;
    std::shared_ptr<const Series> d;
    // Episode.
    std::size_t t = 0;    // the decision bar (its close is known)
    std::size_t end = 0;  // last decision bar of the episode
    double equity = 1;
    double peak = 1;
    double cash = 1;      // relative to the start equity
    double units = 0;     // base units held, relative to the start equity
    double target = 0;    // the last target traded to
    double exposure = 0;  // units x close / equity at the decision bar
    double dsr_a = 0;
    double dsr_b = 0;
    bool dsr = false;  // o.reward == "dsr", decided once

    std::size_t obs_size() const { return static_cast<std::size_t>(o.window) * d->row_size + 2; }

    void observe(float* obs) const {
        const auto clip = [](double v) {
            return static_cast<float>(std::clamp(v, -double{kObsBound}, double{kObsBound}));
        };
        const std::size_t n = static_cast<std::size_t>(o.window) * d->row_size;
        const std::size_t from = (t + 1 - static_cast<std::size_t>(o.window)) * d->row_size;
        std::copy_n(d->rows.data() + from, n, obs);
        obs[n] = clip(exposure);
        obs[n + 1] = clip(equity - 1);
    }
};

BarEnv::BarEnv() : impl_(std::make_unique<Impl>()) {}
BarEnv::BarEnv(BarEnv&&) noexcept = default;
BarEnv& BarEnv::operator=(BarEnv&&) noexcept = default;
BarEnv::~BarEnv() = default;

Result<BarEnv> BarEnv::create(const BarEnvOptions& options) {
    if (auto st = options.validate(); !st) {
        return tl::unexpected(st.error());
    }
    auto loaded = data::load_bars(data::bar_request(options.data, options.symbol));
    if (!loaded) {
        return tl::unexpected(loaded.error());
    }
    const auto cols = indicators::BarColumns::from(loaded->series);
    BarEnv env;
    Impl& s = *env.impl_;
    s.o = options;
    s.dsr = options.reward == "dsr";
    auto series = std::make_shared<Series>();
    Series& d = *series;
    d.open = cols.open;
    d.close = cols.close;
    for (const auto& t : loaded->series.close_time()) {
        d.close_ms.push_back(t.unix_ms());
    }
    auto specs = indicators::parse_indicator_set(options.features);
    if (!specs) {
        return make_error(ErrorCode::kInvalidArgument, "features: " + specs.error().message);
    }
    std::size_t first = static_cast<std::size_t>(options.window);
    for (const auto& spec : *specs) {
        auto out = indicators::compute(spec, cols);
        if (!out) {
            return tl::unexpected(out.error());
        }
        for (const auto& raw : *out) {
            // Causal rolling z-score over the last norm_window defined values.
            std::vector<float> z(raw.size(), 0.0F);
            const auto n = static_cast<std::size_t>(options.norm_window);
            double sum = 0;
            double sq = 0;
            std::size_t count = 0;
            std::size_t defined_from = raw.size();
            for (std::size_t i = 0; i < raw.size(); ++i) {
                if (!std::isfinite(raw[i])) {
                    continue;
                }
                defined_from = std::min(defined_from, i);
                sum += raw[i];
                sq += raw[i] * raw[i];
                ++count;
                if (count > n) {
                    const double old = raw[i - n];
                    sum -= old;
                    sq -= old * old;
                    --count;
                }
                const double mean = sum / static_cast<double>(count);
                const double var = std::max(sq / static_cast<double>(count) - mean * mean, 0.0);
                const double sd = std::sqrt(var);
                z[i] = sd > 1e-12
                           ? static_cast<float>(std::clamp(
                                 (raw[i] - mean) / sd, -double{kObsBound}, double{kObsBound}))
                           : 0.0F;
            }
            // A feature counts once it has a full normalization window behind it.
            first = std::max(first, defined_from + n);
            d.feats.push_back(std::move(z));
        }
    }
    d.first = first + static_cast<std::size_t>(options.window);
    d.row_size = d.feats.size() + 1;
    d.rows.assign(d.close.size() * d.row_size, 0.0F);
    for (std::size_t i = 1; i < d.close.size(); ++i) {
        float* row = d.rows.data() + i * d.row_size;
        row[0] = static_cast<float>(std::clamp(
            100.0 * std::log(d.close[i] / d.close[i - 1]), -double{kObsBound}, double{kObsBound}));
        for (std::size_t f = 0; f < d.feats.size(); ++f) {
            row[f + 1] = d.feats[f][i];
        }
    }
    d.feats.clear();  // the rows hold them
    d.feats.shrink_to_fit();
    const std::size_t need =
        options.episode_bars == 0 ? 2 : static_cast<std::size_t>(options.episode_bars) + 1;
    if (d.close.size() < d.first + need) {
        return make_error(
            ErrorCode::kInvalidArgument,
            fmt::format(
                "{}: {} bars; the features' warm-up needs {} and an episode {} more",
                options.data,
                d.close.size(),
                d.first,
                need));
    }
    s.d = std::move(series);
    return env;
}

BarEnv BarEnv::copy() const {
    BarEnv env;
    *env.impl_ = *impl_;  // shares the data and features
    return env;
}

std::size_t BarEnv::observation_size() const noexcept {
    return impl_->obs_size();
}

std::size_t BarEnv::bars() const noexcept {
    return impl_->d->close.size();
}

void BarEnv::reset(std::uint64_t seed, std::optional<std::size_t> start, float* obs) {
    Impl& s = *impl_;
    const std::size_t last = s.d->close.size() - 2;  // a decision needs the next bar
    if (s.o.episode_bars == 0) {
        s.t = start ? std::clamp(*start, s.d->first, last) : s.d->first;
        s.end = last;
    } else {
        const auto len = static_cast<std::size_t>(s.o.episode_bars);
        const std::size_t hi = last - len + 1;
        if (start) {
            s.t = std::clamp(*start, s.d->first, hi);
        } else {
            std::mt19937_64 rng(seed);
            s.t = std::uniform_int_distribution<std::size_t>(s.d->first, hi)(rng);
        }
        s.end = s.t + len - 1;
    }
    s.equity = 1;
    s.peak = 1;
    s.cash = 1;
    s.units = 0;
    s.target = 0;
    s.exposure = 0;
    s.dsr_a = 0;
    s.dsr_b = 0;
    s.observe(obs);
}

double BarEnv::step(double target, float* obs, bool& terminated, bool& truncated, StepInfo& info) {
    Impl& s = *impl_;
    if (!std::isfinite(target)) {
        target = 0;
    }
    target = std::clamp(target, s.o.allow_short ? -1.0 : 0.0, 1.0);
    const std::size_t next = s.t + 1;
    const double open = s.d->open[next];
    double fee = 0;
    if (target != s.target) {
        // Trade at the next open to the notional y whose exposure after the fee is the target:
        // y = x (E - f |y - a|) with a the notional held and E the equity at the open. The
        // right side decreases in y, so the root is on the side of a that x E points to.
        const double f = s.o.fee_bps / 1e4;
        const double a = s.units * open;
        const double e = s.cash + a;
        const double y = target * e >= a ? target * (e + f * a) / (1 + target * f)
                                         : target * (e - f * a) / (1 - target * f);
        fee = f * std::abs(y - a);
        s.cash -= (y - a) + fee;
        s.units = y / open;
        s.target = target;
    }
    const double close = s.d->close[next];
    const double before = s.equity;
    const double marked = s.cash + s.units * close;
    s.equity = std::max(marked, 0.0);
    s.exposure = s.equity > 0 ? s.units * close / s.equity : 0;
    s.peak = std::max(s.peak, s.equity);
    s.t = next;
    double reward = s.equity - before;
    if (s.dsr) {
        // Moody and Saffell's differential Sharpe ratio with eta = 0.01.
        constexpr double eta = 0.01;
        const double r = before > 0 ? s.equity / before - 1 : 0;
        const double da = r - s.dsr_a;
        const double db = r * r - s.dsr_b;
        const double denom = std::pow(std::max(s.dsr_b - s.dsr_a * s.dsr_a, 0.0), 1.5);
        reward = denom > 1e-12 ? (s.dsr_b * da - 0.5 * s.dsr_a * db) / denom : 0;
        reward = std::clamp(reward, -10.0, 10.0);
        s.dsr_a += eta * da;
        s.dsr_b += eta * db;
    }
    terminated = s.equity <= 0 || s.equity < s.o.ruin || s.equity < s.peak * (1 - s.o.max_drawdown);
    truncated = !terminated && s.t >= s.end;
    info.equity = s.equity;
    info.position = s.exposure;
    info.price = s.d->close[s.t];
    info.fee = fee;
    info.time_ms = s.d->close_ms[s.t];
    info.bar = s.t;
    s.observe(obs);
    return reward;
}

}  // namespace ats::gym
