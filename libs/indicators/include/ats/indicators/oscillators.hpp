#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "ats/core/error.hpp"
#include "ats/indicators/common.hpp"
#include "ats/indicators/moving_averages.hpp"
#include "ats/model/bar.hpp"

/// Momentum oscillators with TA-Lib's lookback and seeding: RSI, STOCH, STOCHF, STOCHRSI, WILLR,
/// CCI, MFI, MOM, ROC, AROON, AROONOSC and ULTOSC. Where a range or a sum can be zero the result
/// is TA-Lib's (0), never a division by zero. See docs/indicators.md.
namespace ats::indicators {

namespace detail {

/// Wilder RSI state (period >= 2): the seed is the mean gain and loss of the first `period`
/// changes; then avg = (avg * (period - 1) + x) / period.
class RsiState {
public:
    RsiState() = default;
    explicit RsiState(int period)
        : period_(period),
          period_d_(static_cast<double>(period)),
          period_minus_one_(static_cast<double>(period - 1)) {}

    bool ready() const noexcept { return seen_ > period_; }
    bool fresh() const noexcept { return seen_ == 0; }
    double value() const noexcept { return value_; }

    /// RSI over a whole input from a fresh state: update() and publish() in the same order,
    /// with the seeding and the smoothing in separate loops.
    template <class InputAt>
    void batch(std::size_t n, InputAt input_at, double* __restrict dst) const noexcept {
        const auto bars = static_cast<std::size_t>(period_);
        if (n <= bars) {
            return;
        }
        double previous = close_of(input_at(0));
        double gain = 0.0;
        double loss = 0.0;
        const auto moves = [&](std::size_t i, double& up, double& down) {
            const double x = close_of(input_at(i));
            const double change = x - previous;
            previous = x;
            down = change < 0 ? change : 0.0;
            up = change < 0 ? 0.0 : change;
        };
        const auto rsi = [&] {
            const double total = gain + loss;
            return !is_zero(total) ? 100.0 * (gain / total) : 0.0;
        };
        for (std::size_t i = 1; i <= bars; ++i) {
            double up = 0.0;
            double down = 0.0;
            moves(i, up, down);
            loss -= down;
            gain += up;
        }
        loss /= period_d_;
        gain /= period_d_;
        dst[bars] = rsi();
        for (std::size_t i = bars + 1; i < n; ++i) {
            const double x = close_of(input_at(i));
            const double change = x - previous;
            previous = x;
            loss *= period_minus_one_;
            gain *= period_minus_one_;
            // A branch, as TA-Lib: the side that did not move skips its add (adding update()'s
            // 0.0 to these non-negative sums would not change them), shortening its chain.
            if (change < 0) {
                loss -= change;
            } else {
                gain += change;
            }
            loss /= period_d_;
            gain /= period_d_;
            dst[i] = rsi();
        }
    }

    void update(double x) noexcept {
        if (seen_ == 0) {
            previous_ = x;
            ++seen_;
            return;
        }
        const double change = x - previous_;
        previous_ = x;
        // Selects instead of branches: adding 0.0 leaves a sum unchanged, as TA-Lib's branch.
        const double loss = change < 0 ? change : 0.0;
        const double gain = change < 0 ? 0.0 : change;
        if (seen_ <= period_) {
            loss_ -= loss;
            gain_ += gain;
            if (seen_ == period_) {
                loss_ /= period_d_;
                gain_ /= period_d_;
                publish();
            }
            ++seen_;
            return;
        }
        loss_ *= period_minus_one_;
        gain_ *= period_minus_one_;
        loss_ -= loss;
        gain_ += gain;
        loss_ /= period_d_;
        gain_ /= period_d_;
        publish();
    }

private:
    void publish() noexcept {
        const double total = gain_ + loss_;
        value_ = !is_zero(total) ? 100.0 * (gain_ / total) : 0.0;
    }

    int period_ = 2;
    int seen_ = 0;
    double period_d_ = 2.0;
    double period_minus_one_ = 1.0;
    double previous_ = 0.0;
    double gain_ = 0.0;
    double loss_ = 0.0;
    double value_ = kNaN;
};

/// Fast %K over `period` bars: 100 * (close - lowest low) / (highest high - lowest low), 0 when
/// the range is zero (TA-Lib).
class FastKState {
public:
    FastKState() = default;
    explicit FastKState(int period) : period_(period), range_(static_cast<std::size_t>(period)) {}

    bool ready() const noexcept { return seen_ >= period_; }
    double value() const noexcept { return value_; }
    void update(double high, double low, double close) noexcept {
        range_.push(high, low);
        ++seen_;
        if (seen_ < period_) {
            return;
        }
        const double lowest = range_.lowest();
        const double diff = (range_.highest() - lowest) / 100.0;
        value_ = diff != 0.0 ? (close - lowest) / diff : 0.0;
    }

private:
    std::int64_t period_ = 1;
    std::int64_t seen_ = 0;
    RollingRange range_;
    double value_ = kNaN;
};

}  // namespace detail

/// RSI(period), period in [2, 100000], Wilder smoothing; 0 when there is no movement.
/// Lookback period.
class Rsi {
public:
    static constexpr std::size_t kOutputCount = 1;
    static Status validate(int period) { return check_period("rsi", "period", period, 2); }
    static Result<Rsi> create(int period) {
        if (auto s = validate(period); !s) {
            return tl::unexpected(s.error());
        }
        return Rsi(period);
    }
    explicit Rsi(int period) : period_(detail::checked(validate(period), period)), state_(period) {}

    int lookback() const noexcept { return period_; }
    bool ready() const noexcept { return state_.ready(); }
    double value() const noexcept { return state_.value(); }
    double output(std::size_t /*index*/) const noexcept { return value(); }

    void update(double x) noexcept { state_.update(x); }
    void update(const Ohlcv& bar) noexcept { update(bar.close); }
    void update(const model::Bar& bar) noexcept { update(to_ohlcv(bar)); }

    bool fresh() const noexcept { return state_.fresh(); }
    template <class InputAt>
    void batch_fresh(std::size_t n, InputAt input_at, double* __restrict dst) const noexcept {
        state_.batch(n, input_at, dst);
    }

private:
    int period_;
    detail::RsiState state_;
};

/// STOCH(fastk, slowk, slowd) with SMA smoothing (TA-Lib's default MA type): slowk = SMA(fast %K,
/// slowk), slowd = SMA(slowk, slowd). Lookback (fastk - 1) + (slowk - 1) + (slowd - 1).
class Stoch {
public:
    static constexpr std::size_t kOutputCount = 2;
    static Status validate(int fastk, int slowk, int slowd) {
        if (auto s = check_period("stoch", "fastk period", fastk, 1); !s) {
            return s;
        }
        if (auto s = check_period("stoch", "slowk period", slowk, 1); !s) {
            return s;
        }
        return check_period("stoch", "slowd period", slowd, 1);
    }
    static Result<Stoch> create(int fastk, int slowk, int slowd) {
        if (auto s = validate(fastk, slowk, slowd); !s) {
            return tl::unexpected(s.error());
        }
        return Stoch(fastk, slowk, slowd);
    }
    Stoch(int fastk, int slowk, int slowd)
        : lookback_(detail::checked(validate(fastk, slowk, slowd), fastk + slowk + slowd - 3)),
          fastk_(fastk),
          slowk_(slowk),
          slowd_(slowd) {}

    int lookback() const noexcept { return lookback_; }
    bool ready() const noexcept { return slowd_.ready(); }
    double slowk() const noexcept { return ready() ? slowk_.value() : kNaN; }
    double slowd() const noexcept { return slowd_.value(); }
    /// 0: slowk, 1: slowd.
    double output(std::size_t index) const noexcept { return index == 0 ? slowk() : slowd(); }

    void update(const Ohlcv& bar) noexcept {
        fastk_.update(bar.high, bar.low, bar.close);
        if (!fastk_.ready()) {
            return;
        }
        slowk_.update(fastk_.value());
        if (slowk_.ready()) {
            slowd_.update(slowk_.value());
        }
    }
    void update(const model::Bar& bar) noexcept { update(to_ohlcv(bar)); }

private:
    int lookback_;
    detail::FastKState fastk_;
    detail::SmaState slowk_;
    detail::SmaState slowd_;
};

/// STOCHF(fastk, fastd): fast %K and fastd = SMA(fast %K, fastd). Lookback (fastk - 1) +
/// (fastd - 1).
class StochF {
public:
    static constexpr std::size_t kOutputCount = 2;
    static Status validate(int fastk, int fastd) {
        if (auto s = check_period("stochf", "fastk period", fastk, 1); !s) {
            return s;
        }
        return check_period("stochf", "fastd period", fastd, 1);
    }
    static Result<StochF> create(int fastk, int fastd) {
        if (auto s = validate(fastk, fastd); !s) {
            return tl::unexpected(s.error());
        }
        return StochF(fastk, fastd);
    }
    StochF(int fastk, int fastd)
        : lookback_(detail::checked(validate(fastk, fastd), fastk + fastd - 2)),
          fastk_(fastk),
          fastd_(fastd) {}

    int lookback() const noexcept { return lookback_; }
    bool ready() const noexcept { return fastd_.ready(); }
    double fastk() const noexcept { return ready() ? fastk_.value() : kNaN; }
    double fastd() const noexcept { return fastd_.value(); }
    /// 0: fastk, 1: fastd.
    double output(std::size_t index) const noexcept { return index == 0 ? fastk() : fastd(); }

    void update(const Ohlcv& bar) noexcept {
        fastk_.update(bar.high, bar.low, bar.close);
        if (fastk_.ready()) {
            fastd_.update(fastk_.value());
        }
    }
    void update(const model::Bar& bar) noexcept { update(to_ohlcv(bar)); }

private:
    int lookback_;
    detail::FastKState fastk_;
    detail::SmaState fastd_;
};

/// STOCHRSI(period, fastk, fastd): STOCHF applied to RSI(period) (as high, low and close).
/// Lookback period + (fastk - 1) + (fastd - 1).
class StochRsi {
public:
    static constexpr std::size_t kOutputCount = 2;
    static Status validate(int period, int fastk, int fastd) {
        if (auto s = check_period("stochrsi", "period", period, 2); !s) {
            return s;
        }
        if (auto s = check_period("stochrsi", "fastk period", fastk, 1); !s) {
            return s;
        }
        return check_period("stochrsi", "fastd period", fastd, 1);
    }
    static Result<StochRsi> create(int period, int fastk, int fastd) {
        if (auto s = validate(period, fastk, fastd); !s) {
            return tl::unexpected(s.error());
        }
        return StochRsi(period, fastk, fastd);
    }
    StochRsi(int period, int fastk, int fastd)
        : lookback_(detail::checked(validate(period, fastk, fastd), period + fastk + fastd - 2)),
          rsi_(period),
          fastk_(fastk),
          fastd_(fastd) {}

    int lookback() const noexcept { return lookback_; }
    bool ready() const noexcept { return fastd_.ready(); }
    double fastk() const noexcept { return ready() ? fastk_.value() : kNaN; }
    double fastd() const noexcept { return fastd_.value(); }
    /// 0: fastk, 1: fastd.
    double output(std::size_t index) const noexcept { return index == 0 ? fastk() : fastd(); }

    void update(double x) noexcept {
        rsi_.update(x);
        if (!rsi_.ready()) {
            return;
        }
        const double r = rsi_.value();
        fastk_.update(r, r, r);
        if (fastk_.ready()) {
            fastd_.update(fastk_.value());
        }
    }
    void update(const Ohlcv& bar) noexcept { update(bar.close); }
    void update(const model::Bar& bar) noexcept { update(to_ohlcv(bar)); }

private:
    int lookback_;
    detail::RsiState rsi_;
    detail::FastKState fastk_;
    detail::SmaState fastd_;
};

/// WILLR(period): (highest - close) / ((highest - lowest) / -100), in [-100, 0] (-0 when the
/// close is the high, as in TA-Lib); 0 when highest == lowest. Lookback period - 1.
class Willr {
public:
    static constexpr std::size_t kOutputCount = 1;
    static Status validate(int period) { return check_period("willr", "period", period, 2); }
    static Result<Willr> create(int period) {
        if (auto s = validate(period); !s) {
            return tl::unexpected(s.error());
        }
        return Willr(period);
    }
    explicit Willr(int period)
        : period_(detail::checked(validate(period), period)),
          range_(static_cast<std::size_t>(period)) {}

    int lookback() const noexcept { return static_cast<int>(period_) - 1; }
    bool ready() const noexcept { return seen_ >= period_; }
    double value() const noexcept { return value_; }
    double output(std::size_t /*index*/) const noexcept { return value(); }

    void update(const Ohlcv& bar) noexcept {
        range_.push(bar.high, bar.low);
        ++seen_;
        if (seen_ < period_) {
            return;
        }
        const double highest = range_.highest();
        const double diff = (highest - range_.lowest()) / -100.0;
        value_ = diff != 0.0 ? (highest - bar.close) / diff : 0.0;
    }
    void update(const model::Bar& bar) noexcept { update(to_ohlcv(bar)); }

private:
    std::int64_t period_;
    std::int64_t seen_ = 0;
    detail::RollingRange range_;
    double value_ = kNaN;
};

/// CCI(period): (tp - mean(tp)) / (0.015 * mean |tp - mean(tp)|) with tp = (high + low + close)
/// / 3; 0 when either term is zero. The mean deviation needs a pass over the window, so an
/// update is O(period), as in TA-Lib. Lookback period - 1.
class Cci {
public:
    static constexpr std::size_t kOutputCount = 1;
    static Status validate(int period) { return check_period("cci", "period", period, 2); }
    static Result<Cci> create(int period) {
        if (auto s = validate(period); !s) {
            return tl::unexpected(s.error());
        }
        return Cci(period);
    }
    explicit Cci(int period)
        : period_(detail::checked(validate(period), period)),
          period_d_(static_cast<double>(period)),
          window_(static_cast<std::size_t>(period)) {}

    int lookback() const noexcept { return period_ - 1; }
    bool ready() const noexcept { return window_.full(); }
    double value() const noexcept { return value_; }
    double output(std::size_t /*index*/) const noexcept { return value(); }

    void update(const Ohlcv& bar) noexcept {
        const double tp = (bar.high + bar.low + bar.close) / 3.0;
        window_.push(tp);
        if (!window_.full()) {
            return;
        }
        // Summed in slot order, as TA-Lib's circular buffer does.
        double average = 0.0;
        for (const double v : window_.slots()) {
            average += v;
        }
        average /= period_d_;
        double deviation = 0.0;
        for (const double v : window_.slots()) {
            deviation += std::fabs(v - average);
        }
        const double distance = tp - average;
        value_ = (distance != 0.0 && deviation != 0.0)
                     ? distance / (0.015 * (deviation / period_d_))
                     : 0.0;
    }
    void update(const model::Bar& bar) noexcept { update(to_ohlcv(bar)); }

private:
    int period_;
    double period_d_;
    detail::Ring window_;
    double value_ = kNaN;
};

/// MFI(period): 100 * positive flow / (positive + negative flow) over `period` bars, money flow
/// = tp * volume, signed by the change of tp; 0 when the total flow is below 1 (TA-Lib).
/// Lookback period.
class Mfi {
public:
    static constexpr std::size_t kOutputCount = 1;
    static Status validate(int period) { return check_period("mfi", "period", period, 2); }
    static Result<Mfi> create(int period) {
        if (auto s = validate(period); !s) {
            return tl::unexpected(s.error());
        }
        return Mfi(period);
    }
    explicit Mfi(int period)
        : period_(detail::checked(validate(period), period)),
          positive_(static_cast<std::size_t>(period)),
          negative_(static_cast<std::size_t>(period)) {}

    int lookback() const noexcept { return period_; }
    bool ready() const noexcept { return positive_.full(); }
    double value() const noexcept { return value_; }
    double output(std::size_t /*index*/) const noexcept { return value(); }

    void update(const Ohlcv& bar) noexcept {
        const double tp = (bar.high + bar.low + bar.close) / 3.0;
        if (!started_) {
            previous_ = tp;
            started_ = true;
            return;
        }
        if (positive_.full()) {
            positive_sum_ -= positive_.oldest();
            negative_sum_ -= negative_.oldest();
        }
        const double change = tp - previous_;
        previous_ = tp;
        const double flow = tp * bar.volume;
        // Selects instead of branches (the sign of a change is a coin flip); adding the other
        // side's 0.0 leaves a sum unchanged, so the sums are TA-Lib's.
        const double positive = change > 0 ? flow : 0.0;
        const double negative = change < 0 ? flow : 0.0;
        positive_sum_ += positive;
        negative_sum_ += negative;
        positive_.push(positive);
        negative_.push(negative);
        if (positive_.full()) {
            const double total = positive_sum_ + negative_sum_;
            value_ = total < 1.0 ? 0.0 : 100.0 * (positive_sum_ / total);
        }
    }
    void update(const model::Bar& bar) noexcept { update(to_ohlcv(bar)); }

    /// batch() from a fresh object: update()'s arithmetic in the same order, the warm-up and the
    /// full window in separate loops over one local window of flows.
    bool fresh() const noexcept { return !started_; }
    template <class InputAt>
    void batch_fresh(std::size_t n, InputAt input_at, double* __restrict dst) const {
        const auto period = static_cast<std::size_t>(period_);
        if (n <= period) {
            return;
        }
        std::vector<double> window(2 * period);  // positive flows, then negative ones
        double* __restrict pos = window.data();
        double* __restrict neg = window.data() + period;
        const auto typical = [&](std::size_t i) {
            const Ohlcv bar = input_at(i);
            return (bar.high + bar.low + bar.close) / 3.0;
        };
        double previous = typical(0);
        double positive_sum = 0.0;
        double negative_sum = 0.0;
        std::size_t slot = 0;
        const auto step = [&](std::size_t i) {
            const Ohlcv bar = input_at(i);
            const double tp = (bar.high + bar.low + bar.close) / 3.0;
            const double change = tp - previous;
            previous = tp;
            const double flow = tp * bar.volume;
            const double positive = change > 0 ? flow : 0.0;
            const double negative = change < 0 ? flow : 0.0;
            positive_sum += positive;
            negative_sum += negative;
            pos[slot] = positive;
            neg[slot] = negative;
            slot = slot + 1 == period ? 0 : slot + 1;
        };
        for (std::size_t i = 1; i <= period; ++i) {
            step(i);
        }
        const auto emit = [&](std::size_t i) {
            const double total = positive_sum + negative_sum;
            dst[i] = total < 1.0 ? 0.0 : 100.0 * (positive_sum / total);
        };
        emit(period);
        for (std::size_t i = period + 1; i < n; ++i) {
            positive_sum -= pos[slot];
            negative_sum -= neg[slot];
            step(i);
            emit(i);
        }
    }

private:
    int period_;
    detail::Ring positive_;
    detail::Ring negative_;
    bool started_ = false;
    double previous_ = 0.0;
    double positive_sum_ = 0.0;
    double negative_sum_ = 0.0;
    double value_ = kNaN;
};

/// MOM(period) = x - x[-period]. Lookback period.
class Mom {
public:
    static constexpr std::size_t kOutputCount = 1;
    static Status validate(int period) { return check_period("mom", "period", period, 1); }
    static Result<Mom> create(int period) {
        if (auto s = validate(period); !s) {
            return tl::unexpected(s.error());
        }
        return Mom(period);
    }
    explicit Mom(int period)
        : period_(detail::checked(validate(period), period)),
          window_(static_cast<std::size_t>(period) + 1) {}

    int lookback() const noexcept { return period_; }
    bool ready() const noexcept { return window_.full(); }
    double value() const noexcept { return ready() ? window_.back(0) - window_.oldest() : kNaN; }
    double output(std::size_t /*index*/) const noexcept { return value(); }

    void update(double x) noexcept { window_.push(x); }
    void update(const Ohlcv& bar) noexcept { update(bar.close); }
    void update(const model::Bar& bar) noexcept { update(to_ohlcv(bar)); }

    /// batch() from a fresh object: x[i] - x[i - period], value()'s subtraction without the ring.
    bool fresh() const noexcept { return window_.size() == 0; }
    template <class InputAt>
    void batch_fresh(std::size_t n, InputAt input_at, double* __restrict dst) const noexcept {
        const auto p = static_cast<std::size_t>(period_);
        for (std::size_t i = p; i < n; ++i) {
            dst[i] = close_of(input_at(i)) - close_of(input_at(i - p));
        }
    }

private:
    int period_;
    detail::Ring window_;
};

/// ROC(period) = (x / x[-period] - 1) * 100; 0 when x[-period] is 0. Lookback period.
class Roc {
public:
    static constexpr std::size_t kOutputCount = 1;
    static Status validate(int period) { return check_period("roc", "period", period, 1); }
    static Result<Roc> create(int period) {
        if (auto s = validate(period); !s) {
            return tl::unexpected(s.error());
        }
        return Roc(period);
    }
    explicit Roc(int period)
        : period_(detail::checked(validate(period), period)),
          window_(static_cast<std::size_t>(period) + 1) {}

    int lookback() const noexcept { return period_; }
    bool ready() const noexcept { return window_.full(); }
    double value() const noexcept {
        if (!ready()) {
            return kNaN;
        }
        const double base = window_.oldest();
        return base != 0.0 ? ((window_.back(0) / base) - 1.0) * 100.0 : 0.0;
    }
    double output(std::size_t /*index*/) const noexcept { return value(); }

    void update(double x) noexcept { window_.push(x); }
    void update(const Ohlcv& bar) noexcept { update(bar.close); }
    void update(const model::Bar& bar) noexcept { update(to_ohlcv(bar)); }

private:
    int period_;
    detail::Ring window_;
};

/// AROON(period) over the last period + 1 bars: up = 100/period * (period - bars since the
/// highest high), down likewise with the lowest low; ties go to the newest bar (TA-Lib).
/// Outputs in TA-Lib's order: aroondown, aroonup. Lookback period.
class Aroon {
public:
    static constexpr std::size_t kOutputCount = 2;
    static Status validate(int period) { return check_period("aroon", "period", period, 2); }
    static Result<Aroon> create(int period) {
        if (auto s = validate(period); !s) {
            return tl::unexpected(s.error());
        }
        return Aroon(period);
    }
    explicit Aroon(int period)
        : period_(detail::checked(validate(period), period)),
          factor_(100.0 / static_cast<double>(period)),
          highest_(static_cast<std::size_t>(period) + 1),
          lowest_(static_cast<std::size_t>(period) + 1) {}

    int lookback() const noexcept { return static_cast<int>(period_); }
    bool ready() const noexcept { return seen_ > period_; }
    double aroondown() const noexcept {
        return ready() ? factor_ * static_cast<double>(period_ - (seen_ - 1 - lowest_.index()))
                       : kNaN;
    }
    double aroonup() const noexcept {
        return ready() ? factor_ * static_cast<double>(period_ - (seen_ - 1 - highest_.index()))
                       : kNaN;
    }
    /// 0: aroondown, 1: aroonup.
    double output(std::size_t index) const noexcept { return index == 0 ? aroondown() : aroonup(); }
    /// Bar indices (0-based update counts) of the extremes, for AROONOSC.
    std::int64_t highest_index() const noexcept { return highest_.index(); }
    bool fresh() const noexcept { return seen_ == 0; }
    std::int64_t lowest_index() const noexcept { return lowest_.index(); }
    double factor() const noexcept { return factor_; }

    void update(const Ohlcv& bar) noexcept {
        highest_.push(bar.high, seen_);
        lowest_.push(bar.low, seen_);
        ++seen_;
    }
    void update(const model::Bar& bar) noexcept { update(to_ohlcv(bar)); }

private:
    std::int64_t period_;
    double factor_;
    std::int64_t seen_ = 0;
    detail::RollingMax highest_;
    detail::RollingMin lowest_;
};

/// AROONOSC(period) = aroonup - aroondown, computed as 100/period * (index of the highest high
/// - index of the lowest low), as TA-Lib does. Lookback period.
class AroonOsc {
public:
    static constexpr std::size_t kOutputCount = 1;
    static Status validate(int period) { return check_period("aroonosc", "period", period, 2); }
    static Result<AroonOsc> create(int period) {
        if (auto s = validate(period); !s) {
            return tl::unexpected(s.error());
        }
        return AroonOsc(period);
    }
    explicit AroonOsc(int period) : aroon_(detail::checked(validate(period), period)) {}

    int lookback() const noexcept { return aroon_.lookback(); }
    bool ready() const noexcept { return aroon_.ready(); }
    double value() const noexcept {
        return ready() ? aroon_.factor() *
                             static_cast<double>(aroon_.highest_index() - aroon_.lowest_index())
                       : kNaN;
    }
    double output(std::size_t /*index*/) const noexcept { return value(); }

    void update(const Ohlcv& bar) noexcept { aroon_.update(bar); }
    void update(const model::Bar& bar) noexcept { update(to_ohlcv(bar)); }

    /// batch() from a fresh object keeps the extremes' indices as TA-Lib does: a new high (low)
    /// at or above (below) the kept one takes its place, and one that left the window is found
    /// again by scanning the window, so ties go to the newest bar as in update(). The scan is
    /// up to `period` bars, so long periods keep update()'s constant-time blocks.
    static constexpr int kMaxScanPeriod = 64;
    bool fresh() const noexcept { return aroon_.fresh() && aroon_.lookback() <= kMaxScanPeriod; }
    template <class InputAt>
    void batch_fresh(std::size_t n, InputAt input_at, double* __restrict dst) const noexcept {
        const auto period = static_cast<std::int64_t>(aroon_.lookback());
        const double factor = aroon_.factor();
        std::int64_t high_at = -1;
        std::int64_t low_at = -1;
        double high = 0.0;
        double low = 0.0;
        for (std::int64_t today = 0; today < static_cast<std::int64_t>(n); ++today) {
            const Ohlcv bar = input_at(static_cast<std::size_t>(today));
            const std::int64_t trailing = today < period ? 0 : today - period;
            if (high_at < trailing) {
                high_at = trailing;
                high = input_at(static_cast<std::size_t>(trailing)).high;
                for (std::int64_t i = trailing + 1; i <= today; ++i) {
                    const double x = input_at(static_cast<std::size_t>(i)).high;
                    if (x >= high) {
                        high = x;
                        high_at = i;
                    }
                }
            } else if (bar.high >= high) {
                high = bar.high;
                high_at = today;
            }
            if (low_at < trailing) {
                low_at = trailing;
                low = input_at(static_cast<std::size_t>(trailing)).low;
                for (std::int64_t i = trailing + 1; i <= today; ++i) {
                    const double x = input_at(static_cast<std::size_t>(i)).low;
                    if (x <= low) {
                        low = x;
                        low_at = i;
                    }
                }
            } else if (bar.low <= low) {
                low = bar.low;
                low_at = today;
            }
            if (today >= period) {
                dst[today] = factor * static_cast<double>(high_at - low_at);
            }
        }
    }

private:
    Aroon aroon_;
};

/// ULTOSC(period1, period2, period3): 100 * (4 * A1 + 2 * A2 + A3) / 7 with Ak = sum(close -
/// true low) / sum(true range) over the k-th shortest period (periods are sorted, as in TA-Lib);
/// a term with a zero range sum counts 0. Lookback max(periods). (With every period 1, TA-Lib's
/// lookback is 0 and it reads the close before the first bar; here the lookback is 1.)
class UltOsc {
public:
    static constexpr std::size_t kOutputCount = 1;
    static Status validate(int period1, int period2, int period3) {
        if (auto s = check_period("ultosc", "period1", period1, 1); !s) {
            return s;
        }
        if (auto s = check_period("ultosc", "period2", period2, 1); !s) {
            return s;
        }
        return check_period("ultosc", "period3", period3, 1);
    }
    static Result<UltOsc> create(int period1, int period2, int period3) {
        if (auto s = validate(period1, period2, period3); !s) {
            return tl::unexpected(s.error());
        }
        return UltOsc(period1, period2, period3);
    }
    UltOsc(int period1, int period2, int period3);

    int lookback() const noexcept { return static_cast<int>(periods_[2]); }
    bool ready() const noexcept { return seen_ > periods_[2]; }
    double value() const noexcept { return value_; }
    double output(std::size_t /*index*/) const noexcept { return value(); }

    void update(const Ohlcv& bar) noexcept {
        if (seen_++ == 0) {
            previous_close_ = bar.close;
            return;
        }
        // Term index of this bar: 1, 2, ...; sum k holds terms from first_[k] on.
        const std::int64_t term = seen_ - 1;
        const double true_low = bar.low < previous_close_ ? bar.low : previous_close_;
        const double buying = bar.close - true_low;
        const double range = detail::true_range(bar.high, bar.low, previous_close_);
        previous_close_ = bar.close;
        for (std::size_t k = 0; k < 3; ++k) {
            if (term - periods_[k] >= first_[k]) {
                const auto back = static_cast<std::size_t>(periods_[k] - 1);
                buying_sum_[k] -= buying_.back(back);
                range_sum_[k] -= ranges_.back(back);
            }
            if (term >= first_[k]) {
                buying_sum_[k] += buying;
                range_sum_[k] += range;
            }
        }
        buying_.push(buying);
        ranges_.push(range);
        if (term < periods_[2]) {
            return;
        }
        double out = 0.0;
        if (!detail::is_zero(range_sum_[0])) {
            out += 4.0 * (buying_sum_[0] / range_sum_[0]);
        }
        if (!detail::is_zero(range_sum_[1])) {
            out += 2.0 * (buying_sum_[1] / range_sum_[1]);
        }
        if (!detail::is_zero(range_sum_[2])) {
            out += buying_sum_[2] / range_sum_[2];
        }
        value_ = 100.0 * (out / 7.0);
    }
    void update(const model::Bar& bar) noexcept { update(to_ohlcv(bar)); }

private:
    std::int64_t periods_[3] = {1, 1, 1};  // ascending
    std::int64_t first_[3] = {1, 1, 1};    // first term each sum includes
    std::int64_t seen_ = 0;
    double previous_close_ = 0.0;
    detail::Ring buying_;
    detail::Ring ranges_;
    double buying_sum_[3] = {0.0, 0.0, 0.0};
    double range_sum_[3] = {0.0, 0.0, 0.0};
    double value_ = kNaN;
};

}  // namespace ats::indicators
