#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>

#include "ats/core/error.hpp"
#include "ats/indicators/common.hpp"
#include "ats/indicators/moving_averages.hpp"
#include "ats/model/bar.hpp"

/// Volatility and channel indicators: TRANGE, ATR, NATR, STDDEV and BBANDS (TA-Lib-exact, with
/// TA-Lib's running-sum variance), and Keltner, Donchian and Supertrend (not in TA-Lib; their
/// definitions are in docs/indicators.md).
namespace ats::indicators {

namespace detail {

/// Wilder ATR state (period >= 1): seed = mean of the first `period` true ranges (bars 1..period),
/// then atr = (atr * (period - 1) + tr) / period.
class AtrState {
public:
    AtrState() = default;
    explicit AtrState(int period)
        : period_(period),
          period_d_(static_cast<double>(period)),
          period_minus_one_(static_cast<double>(period - 1)) {}

    bool ready() const noexcept { return seen_ > period_; }
    double value() const noexcept { return value_; }
    void update(const Ohlcv& bar) noexcept {
        if (seen_ == 0) {
            previous_close_ = bar.close;
            ++seen_;
            return;
        }
        const double tr = true_range(bar.high, bar.low, previous_close_);
        previous_close_ = bar.close;
        if (seen_ <= period_) {
            sum_ += tr;
            if (seen_ == period_) {
                value_ = sum_ / period_d_;
            }
            ++seen_;
            return;
        }
        value_ *= period_minus_one_;
        value_ += tr;
        value_ /= period_d_;
    }

private:
    int period_ = 1;
    int seen_ = 0;
    double period_d_ = 1.0;
    double period_minus_one_ = 0.0;
    double previous_close_ = 0.0;
    double sum_ = 0.0;
    double value_ = kNaN;
};

}  // namespace detail

/// TRANGE: max(high, previous close) - min(low, previous close). Lookback 1.
class TRange {
public:
    static constexpr std::size_t kOutputCount = 1;
    static Status validate() { return ok_status(); }
    static Result<TRange> create() { return TRange(); }
    TRange() = default;

    int lookback() const noexcept { return 1; }
    bool ready() const noexcept { return ready_; }
    double value() const noexcept { return value_; }
    double output(std::size_t /*index*/) const noexcept { return value(); }

    void update(const Ohlcv& bar) noexcept {
        if (started_) {
            value_ = detail::true_range(bar.high, bar.low, previous_close_);
            ready_ = true;
        }
        started_ = true;
        previous_close_ = bar.close;
    }
    void update(const model::Bar& bar) noexcept { update(to_ohlcv(bar)); }

    /// batch() from a fresh object: the true range of each bar against the previous close.
    bool fresh() const noexcept { return !started_; }
    template <class InputAt>
    void batch_fresh(std::size_t n, InputAt input_at, double* __restrict dst) const noexcept {
        for (std::size_t i = 1; i < n; ++i) {
            const Ohlcv bar = input_at(i);
            dst[i] = detail::true_range(bar.high, bar.low, input_at(i - 1).close);
        }
    }

private:
    bool started_ = false;
    bool ready_ = false;
    double previous_close_ = 0.0;
    double value_ = kNaN;
};

/// ATR(period), period in [1, 100000], Wilder smoothing of TRANGE. Lookback period.
class Atr {
public:
    static constexpr std::size_t kOutputCount = 1;
    static Status validate(int period) { return check_period("atr", "period", period, 1); }
    static Result<Atr> create(int period) {
        if (auto s = validate(period); !s) {
            return tl::unexpected(s.error());
        }
        return Atr(period);
    }
    explicit Atr(int period) : period_(detail::checked(validate(period), period)), state_(period) {}

    int lookback() const noexcept { return period_; }
    bool ready() const noexcept { return state_.ready(); }
    double value() const noexcept { return state_.value(); }
    double output(std::size_t /*index*/) const noexcept { return value(); }

    void update(const Ohlcv& bar) noexcept { state_.update(bar); }
    void update(const model::Bar& bar) noexcept { update(to_ohlcv(bar)); }

private:
    int period_;
    detail::AtrState state_;
};

/// NATR(period) = 100 * ATR / close; 0 when the close is 0. Lookback period. (TA-Lib's NATR(1)
/// returns the unnormalized true range; here it is 100 * TRANGE / close.)
class Natr {
public:
    static constexpr std::size_t kOutputCount = 1;
    static Status validate(int period) { return check_period("natr", "period", period, 1); }
    static Result<Natr> create(int period) {
        if (auto s = validate(period); !s) {
            return tl::unexpected(s.error());
        }
        return Natr(period);
    }
    explicit Natr(int period)
        : period_(detail::checked(validate(period), period)), state_(period) {}

    int lookback() const noexcept { return period_; }
    bool ready() const noexcept { return state_.ready(); }
    double value() const noexcept { return value_; }
    double output(std::size_t /*index*/) const noexcept { return value(); }

    void update(const Ohlcv& bar) noexcept {
        state_.update(bar);
        if (state_.ready()) {
            value_ = !detail::is_zero(bar.close) ? (state_.value() / bar.close) * 100.0 : 0.0;
        }
    }
    void update(const model::Bar& bar) noexcept { update(to_ohlcv(bar)); }

private:
    int period_;
    detail::AtrState state_;
    double value_ = kNaN;
};

/// STDDEV(period, nbdev): nbdev * population standard deviation from running sums
/// (E[x^2] - E[x]^2, as TA-Lib; a variance below 1e-8 gives 0). Lookback period - 1.
class StdDev {
public:
    static constexpr std::size_t kOutputCount = 1;
    static Status validate(int period, double nbdev) {
        if (auto s = check_period("stddev", "period", period, 2); !s) {
            return s;
        }
        return check_real("stddev", "nbdev", nbdev, -3e37);
    }
    static Result<StdDev> create(int period, double nbdev) {
        if (auto s = validate(period, nbdev); !s) {
            return tl::unexpected(s.error());
        }
        return StdDev(period, nbdev);
    }
    StdDev(int period, double nbdev)
        : period_(detail::checked(validate(period, nbdev), period)),
          period_d_(static_cast<double>(period)),
          nbdev_(nbdev),
          window_(static_cast<std::size_t>(period)) {}

    int lookback() const noexcept { return period_ - 1; }
    bool ready() const noexcept { return window_.full(); }
    double value() const noexcept { return value_; }
    double output(std::size_t /*index*/) const noexcept { return value(); }

    void update(double x) noexcept {
        window_.push(x);
        sum_ += x;
        sum_squares_ += x * x;
        if (!window_.full()) {
            return;
        }
        const double mean = sum_ / period_d_;
        const double mean_squares = sum_squares_ / period_d_;
        const double leaving = window_.oldest();
        sum_ -= leaving;
        sum_squares_ -= leaving * leaving;
        const double variance = mean_squares - mean * mean;
        value_ = !detail::is_zero_or_neg(variance) ? std::sqrt(variance) * nbdev_ : 0.0;
    }
    void update(const Ohlcv& bar) noexcept { update(bar.close); }
    void update(const model::Bar& bar) noexcept { update(to_ohlcv(bar)); }

private:
    int period_;
    double period_d_;
    double nbdev_;
    detail::Ring window_;
    double sum_ = 0.0;
    double sum_squares_ = 0.0;
    double value_ = kNaN;
};

/// BBANDS(period, nbdevup, nbdevdn) with an SMA middle band (TA-Lib's default MA type): bands =
/// middle +/- nbdev * population standard deviation (running sums, as TA-Lib). Outputs in TA-Lib's
/// order: upperband, middleband, lowerband. Lookback period - 1.
class BBands {
public:
    static constexpr std::size_t kOutputCount = 3;
    static Status validate(int period, double nbdevup, double nbdevdn) {
        if (auto s = check_period("bbands", "period", period, 2); !s) {
            return s;
        }
        if (auto s = check_real("bbands", "nbdevup", nbdevup, -3e37); !s) {
            return s;
        }
        return check_real("bbands", "nbdevdn", nbdevdn, -3e37);
    }
    static Result<BBands> create(int period, double nbdevup, double nbdevdn) {
        if (auto s = validate(period, nbdevup, nbdevdn); !s) {
            return tl::unexpected(s.error());
        }
        return BBands(period, nbdevup, nbdevdn);
    }
    BBands(int period, double nbdevup, double nbdevdn)
        : period_(detail::checked(validate(period, nbdevup, nbdevdn), period)),
          period_d_(static_cast<double>(period)),
          up_(nbdevup),
          down_(nbdevdn),
          middle_(period),
          window_(static_cast<std::size_t>(period)) {}

    int lookback() const noexcept { return period_ - 1; }
    bool ready() const noexcept { return middle_.ready(); }
    double upperband() const noexcept { return upper_; }
    double middleband() const noexcept { return middle_.value(); }
    double lowerband() const noexcept { return lower_; }
    /// 0: upperband, 1: middleband, 2: lowerband.
    double output(std::size_t index) const noexcept {
        return index == 0 ? upperband() : (index == 1 ? middleband() : lowerband());
    }

    void update(double x) noexcept {
        middle_.update(x);
        window_.push(x);
        sum_squares_ += x * x;
        if (!window_.full()) {
            return;
        }
        const double mean_squares = sum_squares_ / period_d_;
        const double leaving = window_.oldest();
        sum_squares_ -= leaving * leaving;
        const double middle = middle_.value();
        const double variance = mean_squares - middle * middle;
        const double deviation = !detail::is_zero_or_neg(variance) ? std::sqrt(variance) : 0.0;
        upper_ = middle + deviation * up_;
        lower_ = middle - deviation * down_;
    }
    void update(const Ohlcv& bar) noexcept { update(bar.close); }
    void update(const model::Bar& bar) noexcept { update(to_ohlcv(bar)); }

private:
    int period_;
    double period_d_;
    double up_;
    double down_;
    detail::SmaState middle_;
    detail::Ring window_;
    double sum_squares_ = 0.0;
    double upper_ = kNaN;
    double lower_ = kNaN;
};

/// Keltner channels(period = 20, multiplier = 2, atr_period = 10): middle = EMA(close, period)
/// (TA-Lib seeding), bands = middle +/- multiplier * ATR(atr_period) (TA-Lib ATR). Outputs:
/// upperband, middleband, lowerband. Lookback max(period - 1, atr_period).
class Keltner {
public:
    static constexpr std::size_t kOutputCount = 3;
    static Status validate(int period, double multiplier, int atr_period) {
        if (auto s = check_period("keltner", "period", period, 2); !s) {
            return s;
        }
        if (auto s = check_real("keltner", "multiplier", multiplier, 0.0); !s) {
            return s;
        }
        return check_period("keltner", "atr period", atr_period, 1);
    }
    static Result<Keltner> create(int period, double multiplier, int atr_period) {
        if (auto s = validate(period, multiplier, atr_period); !s) {
            return tl::unexpected(s.error());
        }
        return Keltner(period, multiplier, atr_period);
    }
    Keltner(int period, double multiplier, int atr_period)
        : lookback_(detail::checked(
              validate(period, multiplier, atr_period),
              period - 1 > atr_period ? period - 1 : atr_period)),
          multiplier_(multiplier),
          middle_(period),
          atr_(atr_period) {}

    int lookback() const noexcept { return lookback_; }
    bool ready() const noexcept { return middle_.ready() && atr_.ready(); }
    double upperband() const noexcept {
        return ready() ? middle_.value() + multiplier_ * atr_.value() : kNaN;
    }
    double middleband() const noexcept { return ready() ? middle_.value() : kNaN; }
    double lowerband() const noexcept {
        return ready() ? middle_.value() - multiplier_ * atr_.value() : kNaN;
    }
    /// 0: upperband, 1: middleband, 2: lowerband.
    double output(std::size_t index) const noexcept {
        return index == 0 ? upperband() : (index == 1 ? middleband() : lowerband());
    }

    void update(const Ohlcv& bar) noexcept {
        middle_.update(bar.close);
        atr_.update(bar);
    }
    void update(const model::Bar& bar) noexcept { update(to_ohlcv(bar)); }

private:
    int lookback_;
    double multiplier_;
    detail::EmaState middle_;
    detail::AtrState atr_;
};

/// Donchian channels(period = 20): upper = highest high, lower = lowest low over the last
/// `period` bars, middle = (upper + lower) / 2. Outputs: upperband, middleband, lowerband.
/// Lookback period - 1.
class Donchian {
public:
    static constexpr std::size_t kOutputCount = 3;
    static Status validate(int period) { return check_period("donchian", "period", period, 1); }
    static Result<Donchian> create(int period) {
        if (auto s = validate(period); !s) {
            return tl::unexpected(s.error());
        }
        return Donchian(period);
    }
    explicit Donchian(int period)
        : period_(detail::checked(validate(period), period)),
          range_(static_cast<std::size_t>(period)) {}

    int lookback() const noexcept { return static_cast<int>(period_) - 1; }
    bool ready() const noexcept { return seen_ >= period_; }
    double upperband() const noexcept { return ready() ? range_.highest() : kNaN; }
    double lowerband() const noexcept { return ready() ? range_.lowest() : kNaN; }
    double middleband() const noexcept {
        return ready() ? (range_.highest() + range_.lowest()) / 2.0 : kNaN;
    }
    /// 0: upperband, 1: middleband, 2: lowerband.
    double output(std::size_t index) const noexcept {
        return index == 0 ? upperband() : (index == 1 ? middleband() : lowerband());
    }

    void update(const Ohlcv& bar) noexcept {
        range_.push(bar.high, bar.low);
        ++seen_;
    }
    void update(const model::Bar& bar) noexcept { update(to_ohlcv(bar)); }

private:
    std::int64_t period_;
    std::int64_t seen_ = 0;
    detail::RollingRange range_;
};

/// Supertrend(period = 10, multiplier = 3), the common (TradingView ta.supertrend) definition on
/// TA-Lib's ATR: basic bands = (high + low) / 2 +/- multiplier * ATR(period); the final upper band
/// only falls (it resets when the previous close was above it), the final lower band only rises
/// (it resets when the previous close was below it). The trend starts down; it turns up when the
/// close rises above the final upper band and down when it falls below the final lower band.
/// Outputs: supertrend (the final lower band in an up trend, the upper band in a down trend) and
/// direction (+1 up, -1 down). Lookback period.
class Supertrend {
public:
    static constexpr std::size_t kOutputCount = 2;
    static Status validate(int period, double multiplier) {
        if (auto s = check_period("supertrend", "period", period, 1); !s) {
            return s;
        }
        return check_real("supertrend", "multiplier", multiplier, 0.0);
    }
    static Result<Supertrend> create(int period, double multiplier) {
        if (auto s = validate(period, multiplier); !s) {
            return tl::unexpected(s.error());
        }
        return Supertrend(period, multiplier);
    }
    Supertrend(int period, double multiplier)
        : period_(detail::checked(validate(period, multiplier), period)),
          multiplier_(multiplier),
          atr_(period) {}

    int lookback() const noexcept { return period_; }
    bool ready() const noexcept { return atr_.ready(); }
    double supertrend() const noexcept {
        return ready() ? (direction_ > 0 ? lower_ : upper_) : kNaN;
    }
    double direction() const noexcept { return ready() ? direction_ : kNaN; }
    /// 0: supertrend, 1: direction.
    double output(std::size_t index) const noexcept {
        return index == 0 ? supertrend() : direction();
    }

    void update(const Ohlcv& bar) noexcept {
        atr_.update(bar);
        if (atr_.ready()) {
            const double mid = (bar.high + bar.low) / 2.0;
            const double basic_upper = mid + multiplier_ * atr_.value();
            const double basic_lower = mid - multiplier_ * atr_.value();
            if (!started_) {
                upper_ = basic_upper;
                lower_ = basic_lower;
                direction_ = bar.close > upper_ ? 1.0 : -1.0;
                started_ = true;
            } else {
                upper_ = (basic_upper < upper_ || previous_close_ > upper_) ? basic_upper : upper_;
                lower_ = (basic_lower > lower_ || previous_close_ < lower_) ? basic_lower : lower_;
                if (direction_ < 0) {
                    direction_ = bar.close > upper_ ? 1.0 : -1.0;
                } else {
                    direction_ = bar.close < lower_ ? -1.0 : 1.0;
                }
            }
        }
        previous_close_ = bar.close;
    }
    void update(const model::Bar& bar) noexcept { update(to_ohlcv(bar)); }

private:
    int period_;
    double multiplier_;
    detail::AtrState atr_;
    bool started_ = false;
    double previous_close_ = 0.0;
    double upper_ = 0.0;
    double lower_ = 0.0;
    double direction_ = -1.0;
};

}  // namespace ats::indicators
