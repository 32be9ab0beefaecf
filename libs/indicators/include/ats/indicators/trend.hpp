#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>

#include "ats/core/error.hpp"
#include "ats/indicators/common.hpp"
#include "ats/model/bar.hpp"

/// Wilder's directional movement system (PLUS_DI, MINUS_DI, ADX, ADXR) and the parabolic SAR,
/// with TA-Lib's seeding. See docs/indicators.md.
namespace ats::indicators {

namespace detail {

/// Wilder-smoothed +DM, -DM and TR (period >= 1) as TA-Lib keeps them: the first period - 1
/// values are summed, then each bar applies s = s - s / period + x. `smoothed()` is true from bar
/// `period` on.
class DirectionalState {
public:
    DirectionalState() = default;
    explicit DirectionalState(int period)
        : period_(period), period_d_(static_cast<double>(period)) {}

    bool smoothed() const noexcept { return seen_ > period_; }
    bool fresh() const noexcept { return seen_ == 0; }
    double plus_dm() const noexcept { return plus_dm_; }
    double minus_dm() const noexcept { return minus_dm_; }
    double tr() const noexcept { return tr_; }

    void update(const Ohlcv& bar) noexcept {
        if (seen_ == 0) {
            previous_high_ = bar.high;
            previous_low_ = bar.low;
            previous_close_ = bar.close;
            ++seen_;
            return;
        }
        const double diff_plus = bar.high - previous_high_;
        const double diff_minus = previous_low_ - bar.low;
        previous_high_ = bar.high;
        previous_low_ = bar.low;
        const double range = true_range(bar.high, bar.low, previous_close_);
        previous_close_ = bar.close;
        // At most one of +DM and -DM is non-zero. Selects instead of branches: adding 0.0 leaves
        // a sum unchanged, exactly as TA-Lib's branches do.
        const double minus = (diff_minus > 0 && diff_plus < diff_minus) ? diff_minus : 0.0;
        const double plus = (diff_plus > 0 && diff_plus > diff_minus) ? diff_plus : 0.0;
        if (seen_ < period_) {
            minus_dm_ += minus;
            plus_dm_ += plus;
            tr_ += range;
            ++seen_;
            return;
        }
        minus_dm_ -= minus_dm_ / period_d_;
        plus_dm_ -= plus_dm_ / period_d_;
        minus_dm_ += minus;
        plus_dm_ += plus;
        tr_ = tr_ - tr_ / period_d_ + range;
        if (seen_ <= period_) {
            ++seen_;
        }
    }

private:
    int period_ = 2;
    int seen_ = 0;
    double period_d_ = 2.0;
    double previous_high_ = 0.0;
    double previous_low_ = 0.0;
    double previous_close_ = 0.0;
    double plus_dm_ = 0.0;
    double minus_dm_ = 0.0;
    double tr_ = 0.0;
};

/// +DM, -DM (at most one of them non-zero) and TR of each bar against the one before it, by
/// TA-Lib's rules: the batch loops below share it.
class Movement {
public:
    explicit Movement(const Ohlcv& first) noexcept
        : previous_high_(first.high), previous_low_(first.low), previous_close_(first.close) {}

    [[gnu::always_inline]] void next(
        const Ohlcv& bar, double& plus, double& minus, double& range) noexcept {
        const double diff_plus = bar.high - previous_high_;
        const double diff_minus = previous_low_ - bar.low;
        previous_high_ = bar.high;
        previous_low_ = bar.low;
        range = true_range(bar.high, bar.low, previous_close_);
        previous_close_ = bar.close;
        minus = (diff_minus > 0 && diff_plus < diff_minus) ? diff_minus : 0.0;
        plus = (diff_plus > 0 && diff_plus > diff_minus) ? diff_plus : 0.0;
    }

private:
    double previous_high_;
    double previous_low_;
    double previous_close_;
};

/// PLUS_DI (Plus) or MINUS_DI over a whole input from a fresh state: DirectionalState::update
/// and the indicator's value() in the same order, with the seeding sums and the smoothing in
/// separate loops and only the one +DM/-DM side the output needs.
template <bool Plus, class InputAt>
void directional_batch(int period, std::size_t n, InputAt input_at, double* __restrict dst) {
    const auto bars = static_cast<std::size_t>(period);
    if (n <= bars) {
        return;
    }
    const double period_d = static_cast<double>(period);
    Movement move(input_at(0));
    double dm = 0.0;
    double tr = 0.0;
    const auto movement = [&](std::size_t i, double& range) {
        double plus = 0.0;
        double minus = 0.0;
        move.next(input_at(i), plus, minus, range);
        return Plus ? plus : minus;
    };
    for (std::size_t i = 1; i < bars; ++i) {
        double range = 0.0;
        dm += movement(i, range);
        tr += range;
    }
    for (std::size_t i = bars; i < n; ++i) {
        double range = 0.0;
        const double x = movement(i, range);
        dm -= dm / period_d;
        dm += x;
        tr = tr - tr / period_d + range;
        dst[i] = !is_zero(tr) ? 100.0 * (dm / tr) : 0.0;
    }
}

/// ADX state: DX summed over its first `period` values, then Wilder smoothing; a bar whose TR or
/// DI sum is zero leaves the ADX unchanged (TA-Lib).
class AdxState {
public:
    AdxState() = default;
    explicit AdxState(int period)
        : period_(period),
          period_d_(static_cast<double>(period)),
          period_minus_one_(static_cast<double>(period - 1)),
          dm_(period) {}

    bool ready() const noexcept { return dx_seen_ >= period_; }
    double value() const noexcept { return ready() ? adx_ : kNaN; }
    bool fresh() const noexcept { return dm_.fresh(); }

    /// ADX over a whole input from a fresh state: update() in the same order, with the +DM/-DM
    /// seeding, the DX seeding and the smoothing in separate loops.
    template <class InputAt>
    void batch(std::size_t n, InputAt input_at, double* __restrict dst) const noexcept {
        const auto bars = static_cast<std::size_t>(period_);
        if (n < 2 * bars) {
            return;
        }
        Movement move(input_at(0));
        double plus_dm = 0.0;
        double minus_dm = 0.0;
        double tr = 0.0;
        for (std::size_t i = 1; i < bars; ++i) {
            double plus = 0.0;
            double minus = 0.0;
            double range = 0.0;
            move.next(input_at(i), plus, minus, range);
            minus_dm += minus;
            plus_dm += plus;
            tr += range;
        }
        // One loop body (kept inline): the first `period` DX values are summed into the seed,
        // then each one smooths the ADX; a bar whose TR or DI sum is zero has no DX.
        double sum_dx = 0.0;
        double adx = 0.0;
        for (std::size_t i = bars; i < n; ++i) {
            double plus = 0.0;
            double minus = 0.0;
            double range = 0.0;
            move.next(input_at(i), plus, minus, range);
            minus_dm -= minus_dm / period_d_;
            plus_dm -= plus_dm / period_d_;
            // As TA-Lib, only the side that moved adds (at most one does; adding 0.0 to these
            // non-negative sums would change nothing), which shortens the other's chain.
            if (minus != 0.0) {
                minus_dm += minus;
            } else if (plus != 0.0) {
                plus_dm += plus;
            }
            tr = tr - tr / period_d_ + range;
            double dx = 0.0;
            bool have_dx = false;
            if (!is_zero(tr)) {
                const double minus_di = 100.0 * (minus_dm / tr);
                const double plus_di = 100.0 * (plus_dm / tr);
                const double sum = minus_di + plus_di;
                if (!is_zero(sum)) {
                    dx = 100.0 * (std::fabs(minus_di - plus_di) / sum);
                    have_dx = true;
                }
            }
            if (i < 2 * bars) {
                if (have_dx) {
                    sum_dx += dx;
                }
                if (i + 1 == 2 * bars) {
                    adx = sum_dx / period_d_;
                    dst[i] = adx;
                }
                continue;
            }
            if (have_dx) {
                adx = ((adx * period_minus_one_) + dx) / period_d_;
            }
            dst[i] = adx;
        }
    }

    void update(const Ohlcv& bar) noexcept {
        dm_.update(bar);
        if (!dm_.smoothed()) {
            return;
        }
        double dx = 0.0;
        bool have_dx = false;
        if (!is_zero(dm_.tr())) {
            const double minus_di = 100.0 * (dm_.minus_dm() / dm_.tr());
            const double plus_di = 100.0 * (dm_.plus_dm() / dm_.tr());
            const double sum = minus_di + plus_di;
            if (!is_zero(sum)) {
                dx = 100.0 * (std::fabs(minus_di - plus_di) / sum);
                have_dx = true;
            }
        }
        if (dx_seen_ < period_) {
            if (have_dx) {
                sum_dx_ += dx;
            }
            if (++dx_seen_ == period_) {
                adx_ = sum_dx_ / period_d_;
            }
            return;
        }
        if (have_dx) {
            adx_ = ((adx_ * period_minus_one_) + dx) / period_d_;
        }
    }

private:
    int period_ = 2;
    int dx_seen_ = 0;
    double period_d_ = 2.0;
    double period_minus_one_ = 1.0;
    DirectionalState dm_;
    double sum_dx_ = 0.0;
    double adx_ = kNaN;
};

}  // namespace detail

/// PLUS_DI(period) = 100 * smoothed +DM / smoothed TR; 0 when TR is 0. Lookback period. (For
/// period 1 TA-Lib returns the unscaled ratio +DM / TR; here it is scaled by 100 like any period.)
class PlusDi {
public:
    static constexpr std::size_t kOutputCount = 1;
    static Status validate(int period) { return check_period("plus_di", "period", period, 1); }
    static Result<PlusDi> create(int period) {
        if (auto s = validate(period); !s) {
            return tl::unexpected(s.error());
        }
        return PlusDi(period);
    }
    explicit PlusDi(int period) : period_(detail::checked(validate(period), period)), dm_(period) {}

    int lookback() const noexcept { return period_; }
    bool ready() const noexcept { return dm_.smoothed(); }
    double value() const noexcept {
        if (!ready()) {
            return kNaN;
        }
        return !detail::is_zero(dm_.tr()) ? 100.0 * (dm_.plus_dm() / dm_.tr()) : 0.0;
    }
    double output(std::size_t /*index*/) const noexcept { return value(); }

    void update(const Ohlcv& bar) noexcept { dm_.update(bar); }
    void update(const model::Bar& bar) noexcept { update(to_ohlcv(bar)); }

    bool fresh() const noexcept { return dm_.fresh(); }
    template <class InputAt>
    void batch_fresh(std::size_t n, InputAt input_at, double* __restrict dst) const noexcept {
        detail::directional_batch<true>(period_, n, input_at, dst);
    }

private:
    int period_;
    detail::DirectionalState dm_;
};

/// MINUS_DI(period) = 100 * smoothed -DM / smoothed TR; 0 when TR is 0. Lookback period. (Period
/// 1: scaled by 100, unlike TA-Lib's.)
class MinusDi {
public:
    static constexpr std::size_t kOutputCount = 1;
    static Status validate(int period) { return check_period("minus_di", "period", period, 1); }
    static Result<MinusDi> create(int period) {
        if (auto s = validate(period); !s) {
            return tl::unexpected(s.error());
        }
        return MinusDi(period);
    }
    explicit MinusDi(int period)
        : period_(detail::checked(validate(period), period)), dm_(period) {}

    int lookback() const noexcept { return period_; }
    bool ready() const noexcept { return dm_.smoothed(); }
    double value() const noexcept {
        if (!ready()) {
            return kNaN;
        }
        return !detail::is_zero(dm_.tr()) ? 100.0 * (dm_.minus_dm() / dm_.tr()) : 0.0;
    }
    double output(std::size_t /*index*/) const noexcept { return value(); }

    void update(const Ohlcv& bar) noexcept { dm_.update(bar); }
    void update(const model::Bar& bar) noexcept { update(to_ohlcv(bar)); }

    bool fresh() const noexcept { return dm_.fresh(); }
    template <class InputAt>
    void batch_fresh(std::size_t n, InputAt input_at, double* __restrict dst) const noexcept {
        detail::directional_batch<false>(period_, n, input_at, dst);
    }

private:
    int period_;
    detail::DirectionalState dm_;
};

/// ADX(period): Wilder's average of DX = 100 * |+DI - -DI| / (+DI + -DI). Lookback
/// 2 * period - 1.
class Adx {
public:
    static constexpr std::size_t kOutputCount = 1;
    static Status validate(int period) { return check_period("adx", "period", period, 2); }
    static Result<Adx> create(int period) {
        if (auto s = validate(period); !s) {
            return tl::unexpected(s.error());
        }
        return Adx(period);
    }
    explicit Adx(int period) : period_(detail::checked(validate(period), period)), adx_(period) {}

    int lookback() const noexcept { return 2 * period_ - 1; }
    bool ready() const noexcept { return adx_.ready(); }
    double value() const noexcept { return adx_.value(); }
    double output(std::size_t /*index*/) const noexcept { return value(); }

    void update(const Ohlcv& bar) noexcept { adx_.update(bar); }
    void update(const model::Bar& bar) noexcept { update(to_ohlcv(bar)); }

    bool fresh() const noexcept { return adx_.fresh(); }
    template <class InputAt>
    void batch_fresh(std::size_t n, InputAt input_at, double* __restrict dst) const noexcept {
        adx_.batch(n, input_at, dst);
    }

private:
    int period_;
    detail::AdxState adx_;
};

/// ADXR(period) = (ADX + ADX[-(period - 1)]) / 2. Lookback 3 * period - 2.
class Adxr {
public:
    static constexpr std::size_t kOutputCount = 1;
    static Status validate(int period) { return check_period("adxr", "period", period, 2); }
    static Result<Adxr> create(int period) {
        if (auto s = validate(period); !s) {
            return tl::unexpected(s.error());
        }
        return Adxr(period);
    }
    explicit Adxr(int period)
        : period_(detail::checked(validate(period), period)),
          adx_(period),
          history_(static_cast<std::size_t>(period)) {}

    int lookback() const noexcept { return 3 * period_ - 2; }
    bool ready() const noexcept { return history_.full(); }
    double value() const noexcept {
        return ready() ? (history_.back(0) + history_.oldest()) / 2.0 : kNaN;
    }
    double output(std::size_t /*index*/) const noexcept { return value(); }

    void update(const Ohlcv& bar) noexcept {
        adx_.update(bar);
        if (adx_.ready()) {
            history_.push(adx_.value());
        }
    }
    void update(const model::Bar& bar) noexcept { update(to_ohlcv(bar)); }

private:
    int period_;
    detail::AdxState adx_;
    detail::Ring history_;  // the last `period` ADX values
};

/// SAR(acceleration = 0.02, maximum = 0.2), Wilder's parabolic stop and reverse with TA-Lib's
/// start: the first trend is short when bar 1's -DM is positive, long otherwise; the first SAR is
/// bar 0's low (long) or high (short). An acceleration above the maximum is capped at it.
/// Lookback 1.
class Sar {
public:
    static constexpr std::size_t kOutputCount = 1;
    static Status validate(double acceleration, double maximum) {
        if (auto s = check_real("sar", "acceleration", acceleration, 0.0); !s) {
            return s;
        }
        return check_real("sar", "maximum", maximum, 0.0);
    }
    static Result<Sar> create(double acceleration, double maximum) {
        if (auto s = validate(acceleration, maximum); !s) {
            return tl::unexpected(s.error());
        }
        return Sar(acceleration, maximum);
    }
    Sar(double acceleration, double maximum)
        : acceleration_(detail::checked(
              validate(acceleration, maximum), acceleration > maximum ? maximum : acceleration)),
          maximum_(maximum),
          af_(acceleration_) {}

    int lookback() const noexcept { return 1; }
    bool ready() const noexcept { return seen_ > 1; }
    double value() const noexcept { return value_; }
    double output(std::size_t /*index*/) const noexcept { return value(); }

    void update(const Ohlcv& bar) noexcept;
    void update(const model::Bar& bar) noexcept { update(to_ohlcv(bar)); }

private:
    double acceleration_;
    double maximum_;
    double af_;
    int seen_ = 0;
    bool long_ = true;
    double ep_ = 0.0;
    double sar_ = 0.0;
    double previous_high_ = 0.0;
    double previous_low_ = 0.0;
    double value_ = kNaN;
};

inline void Sar::update(const Ohlcv& bar) noexcept {
    if (seen_ == 0) {
        previous_high_ = bar.high;
        previous_low_ = bar.low;
        ++seen_;
        return;
    }
    double prev_high = previous_high_;
    double prev_low = previous_low_;
    if (seen_ == 1) {
        // TA-Lib's start: the direction comes from bar 1's -DM, the first SAR is bar 0's extreme,
        // and bar 1 is its own "previous" bar in the first step.
        const double diff_plus = bar.high - previous_high_;
        const double diff_minus = previous_low_ - bar.low;
        const bool minus_dm = diff_minus > 0 && diff_plus < diff_minus;
        long_ = !minus_dm;
        if (long_) {
            ep_ = bar.high;
            sar_ = previous_low_;
        } else {
            ep_ = bar.low;
            sar_ = previous_high_;
        }
        prev_high = bar.high;
        prev_low = bar.low;
        ++seen_;
    }
    const double high = bar.high;
    const double low = bar.low;
    previous_high_ = high;
    previous_low_ = low;
    if (long_) {
        if (low <= sar_) {
            long_ = false;
            sar_ = ep_;
            if (sar_ < prev_high) {
                sar_ = prev_high;
            }
            if (sar_ < high) {
                sar_ = high;
            }
            value_ = sar_;
            af_ = acceleration_;
            ep_ = low;
            sar_ = sar_ + af_ * (ep_ - sar_);
            if (sar_ < prev_high) {
                sar_ = prev_high;
            }
            if (sar_ < high) {
                sar_ = high;
            }
        } else {
            value_ = sar_;
            if (high > ep_) {
                ep_ = high;
                af_ += acceleration_;
                if (af_ > maximum_) {
                    af_ = maximum_;
                }
            }
            sar_ = sar_ + af_ * (ep_ - sar_);
            if (sar_ > prev_low) {
                sar_ = prev_low;
            }
            if (sar_ > low) {
                sar_ = low;
            }
        }
    } else if (high >= sar_) {
        long_ = true;
        sar_ = ep_;
        if (sar_ > prev_low) {
            sar_ = prev_low;
        }
        if (sar_ > low) {
            sar_ = low;
        }
        value_ = sar_;
        af_ = acceleration_;
        ep_ = high;
        sar_ = sar_ + af_ * (ep_ - sar_);
        if (sar_ > prev_low) {
            sar_ = prev_low;
        }
        if (sar_ > low) {
            sar_ = low;
        }
    } else {
        value_ = sar_;
        if (low < ep_) {
            ep_ = low;
            af_ += acceleration_;
            if (af_ > maximum_) {
                af_ = maximum_;
            }
        }
        sar_ = sar_ + af_ * (ep_ - sar_);
        if (sar_ < prev_high) {
            sar_ = prev_high;
        }
        if (sar_ < high) {
            sar_ = high;
        }
    }
}

}  // namespace ats::indicators
