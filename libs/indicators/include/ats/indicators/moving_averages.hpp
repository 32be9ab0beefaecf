#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>

#include "ats/core/error.hpp"
#include "ats/indicators/common.hpp"
#include "ats/model/bar.hpp"

/// Moving averages and the indicators built from them: SMA, EMA, WMA, DEMA, TEMA, TRIMA, KAMA,
/// TRIX and MACD. Each is a streaming object (O(1) per update, no allocation after construction)
/// that reproduces TA-Lib's lookback and seeding; see docs/indicators.md.
///
///     auto sma = Sma::create(20);          // Result<Sma>: kInvalidArgument for period < 2
///     for (double close : closes) {
///         sma->update(close);
///         if (sma->ready()) use(sma->value());
///     }
namespace ats::indicators {

namespace detail {

/// Simple moving average state (period >= 1), summed as TA-Lib does: add the newest value,
/// divide, then subtract the value leaving the window.
class SmaState {
public:
    SmaState() = default;
    explicit SmaState(int period)
        : period_(static_cast<double>(period)), window_(static_cast<std::size_t>(period)) {}

    bool ready() const noexcept { return window_.full(); }
    double value() const noexcept { return value_; }
    void update(double x) noexcept {
        sum_ += x;
        window_.push(x);
        if (window_.full()) {
            value_ = sum_ / period_;
            sum_ -= window_.oldest();
        }
    }

private:
    double period_ = 1.0;
    Ring window_;
    double sum_ = 0.0;
    double value_ = kNaN;
};

/// EMA state (period >= 1) with TA-Lib's seeding: the first `skip` inputs are ignored, the next
/// `period` are averaged into the seed, then ema = (x - ema) * k + ema with k = 2 / (period + 1).
class EmaState {
public:
    EmaState() = default;
    explicit EmaState(int period, int skip = 0)
        : period_(period),
          skip_(skip),
          period_d_(static_cast<double>(period)),
          k_(2.0 / static_cast<double>(period + 1)) {}

    bool ready() const noexcept { return seen_ == period_; }
    double value() const noexcept { return value_; }
    void update(double x) noexcept {
        if (skip_ > 0) {
            --skip_;
            return;
        }
        if (seen_ < period_) {
            sum_ += x;
            if (++seen_ == period_) {
                value_ = sum_ / period_d_;
            }
            return;
        }
        value_ = ((x - value_) * k_) + value_;
    }

private:
    int period_ = 1;
    int skip_ = 0;
    int seen_ = 0;
    double period_d_ = 1.0;
    double k_ = 1.0;
    double sum_ = 0.0;
    double value_ = kNaN;
};

}  // namespace detail

/// SMA(period), period in [2, 100000]. Lookback period - 1.
class Sma {
public:
    static constexpr std::size_t kOutputCount = 1;
    static Status validate(int period) { return check_period("sma", "period", period, 2); }
    static Result<Sma> create(int period) {
        if (auto s = validate(period); !s) {
            return tl::unexpected(s.error());
        }
        return Sma(period);
    }
    /// Aborts on invalid parameters; use create() for untrusted input.
    explicit Sma(int period) : period_(detail::checked(validate(period), period)), state_(period) {}

    int lookback() const noexcept { return period_ - 1; }
    bool ready() const noexcept { return state_.ready(); }
    double value() const noexcept { return state_.value(); }
    double output(std::size_t /*index*/) const noexcept { return value(); }

    void update(double x) noexcept { state_.update(x); }
    void update(const Ohlcv& bar) noexcept { update(bar.close); }
    void update(const model::Bar& bar) noexcept { update(to_ohlcv(bar)); }

private:
    int period_;
    detail::SmaState state_;
};

/// EMA(period), period in [2, 100000], seeded with the SMA of the first `period` inputs.
/// Lookback period - 1.
class Ema {
public:
    static constexpr std::size_t kOutputCount = 1;
    static Status validate(int period) { return check_period("ema", "period", period, 2); }
    static Result<Ema> create(int period) {
        if (auto s = validate(period); !s) {
            return tl::unexpected(s.error());
        }
        return Ema(period);
    }
    explicit Ema(int period) : period_(detail::checked(validate(period), period)), state_(period) {}

    int lookback() const noexcept { return period_ - 1; }
    bool ready() const noexcept { return state_.ready(); }
    double value() const noexcept { return state_.value(); }
    double output(std::size_t /*index*/) const noexcept { return value(); }

    void update(double x) noexcept { state_.update(x); }
    void update(const Ohlcv& bar) noexcept { update(bar.close); }
    void update(const model::Bar& bar) noexcept { update(to_ohlcv(bar)); }

private:
    int period_;
    detail::EmaState state_;
};

/// WMA(period): weights 1..period, newest heaviest, kept with TA-Lib's running numerator and
/// plain sum. Lookback period - 1.
class Wma {
public:
    static constexpr std::size_t kOutputCount = 1;
    static Status validate(int period) { return check_period("wma", "period", period, 2); }
    static Result<Wma> create(int period) {
        if (auto s = validate(period); !s) {
            return tl::unexpected(s.error());
        }
        return Wma(period);
    }
    explicit Wma(int period)
        : period_(detail::checked(validate(period), period)),
          period_d_(static_cast<double>(period)),
          // In 64 bits: period * (period + 1) overflows an int for periods above 46,340.
          divider_(static_cast<double>((std::int64_t{period} * (period + 1)) / 2)),
          window_(static_cast<std::size_t>(period)) {}

    int lookback() const noexcept { return period_ - 1; }
    bool ready() const noexcept { return window_.full(); }
    double value() const noexcept { return value_; }
    double output(std::size_t /*index*/) const noexcept { return value(); }

    void update(double x) noexcept {
        window_.push(x);
        if (!window_.full()) {
            sub_ += x;
            sum_ += x * static_cast<double>(window_.size());
            return;
        }
        sub_ += x;
        sub_ -= trailing_;
        sum_ += x * period_d_;
        trailing_ = window_.oldest();
        value_ = sum_ / divider_;
        sum_ -= sub_;
    }
    void update(const Ohlcv& bar) noexcept { update(bar.close); }
    void update(const model::Bar& bar) noexcept { update(to_ohlcv(bar)); }

private:
    int period_;
    double period_d_;
    double divider_;
    detail::Ring window_;
    double sum_ = 0.0;
    double sub_ = 0.0;
    double trailing_ = 0.0;
    double value_ = kNaN;
};

/// DEMA(period) = 2 * EMA - EMA(EMA). Lookback 2 * (period - 1).
class Dema {
public:
    static constexpr std::size_t kOutputCount = 1;
    static Status validate(int period) { return check_period("dema", "period", period, 2); }
    static Result<Dema> create(int period) {
        if (auto s = validate(period); !s) {
            return tl::unexpected(s.error());
        }
        return Dema(period);
    }
    explicit Dema(int period)
        : period_(detail::checked(validate(period), period)), e1_(period), e2_(period) {}

    int lookback() const noexcept { return 2 * (period_ - 1); }
    bool ready() const noexcept { return e2_.ready(); }
    double value() const noexcept { return value_; }
    double output(std::size_t /*index*/) const noexcept { return value(); }

    void update(double x) noexcept {
        e1_.update(x);
        if (!e1_.ready()) {
            return;
        }
        e2_.update(e1_.value());
        if (e2_.ready()) {
            value_ = (2.0 * e1_.value()) - e2_.value();
        }
    }
    void update(const Ohlcv& bar) noexcept { update(bar.close); }
    void update(const model::Bar& bar) noexcept { update(to_ohlcv(bar)); }

private:
    int period_;
    detail::EmaState e1_;
    detail::EmaState e2_;
    double value_ = kNaN;
};

/// TEMA(period) = 3 * EMA - 3 * EMA(EMA) + EMA(EMA(EMA)). Lookback 3 * (period - 1).
class Tema {
public:
    static constexpr std::size_t kOutputCount = 1;
    static Status validate(int period) { return check_period("tema", "period", period, 2); }
    static Result<Tema> create(int period) {
        if (auto s = validate(period); !s) {
            return tl::unexpected(s.error());
        }
        return Tema(period);
    }
    explicit Tema(int period)
        : period_(detail::checked(validate(period), period)),
          e1_(period),
          e2_(period),
          e3_(period) {}

    int lookback() const noexcept { return 3 * (period_ - 1); }
    bool ready() const noexcept { return e3_.ready(); }
    double value() const noexcept { return value_; }
    double output(std::size_t /*index*/) const noexcept { return value(); }

    void update(double x) noexcept {
        e1_.update(x);
        if (!e1_.ready()) {
            return;
        }
        e2_.update(e1_.value());
        if (!e2_.ready()) {
            return;
        }
        e3_.update(e2_.value());
        if (e3_.ready()) {
            value_ = e3_.value() + ((3.0 * e1_.value()) - (3.0 * e2_.value()));
        }
    }
    void update(const Ohlcv& bar) noexcept { update(bar.close); }
    void update(const model::Bar& bar) noexcept { update(to_ohlcv(bar)); }

private:
    int period_;
    detail::EmaState e1_;
    detail::EmaState e2_;
    detail::EmaState e3_;
    double value_ = kNaN;
};

/// TRIMA(period): triangular weights 1, 2, ..., 2, 1 (an SMA of an SMA: odd period, both of
/// length (period + 1) / 2; even period, lengths period / 2 and period / 2 + 1). Kept as TA-Lib
/// keeps it: a weighted numerator updated with the running sums of the window's two halves, times
/// 1 / (sum of the weights). Lookback period - 1.
class Trima {
public:
    static constexpr std::size_t kOutputCount = 1;
    static Status validate(int period) { return check_period("trima", "period", period, 2); }
    static Result<Trima> create(int period) {
        if (auto s = validate(period); !s) {
            return tl::unexpected(s.error());
        }
        return Trima(period);
    }
    explicit Trima(int period)
        : period_(detail::checked(validate(period), period)),
          half_(static_cast<std::size_t>(period / 2)),
          odd_(period % 2 == 1),
          // In 64 bits: (period / 2 + 1)^2 overflows an int for periods above 92,680.
          factor_(
              1.0 / static_cast<double>(
                        odd_ ? (std::int64_t{period / 2} + 1) * (std::int64_t{period / 2} + 1)
                             : std::int64_t{period / 2} * (std::int64_t{period / 2} + 1))),
          // The middle value as counted back from the newest one before a push.
          middle_back_(static_cast<std::size_t>(period) - (odd_ ? 2 : 1) - half_),
          window_(static_cast<std::size_t>(period)) {}

    int lookback() const noexcept { return period_ - 1; }
    bool ready() const noexcept { return window_.full(); }
    double value() const noexcept { return value_; }
    double output(std::size_t /*index*/) const noexcept { return value(); }

    void update(double x) noexcept {
        if (!window_.full()) {
            window_.push(x);
            if (window_.full()) {
                seed();
            }
            return;
        }
        const double leaving = window_.oldest();
        const double middle = window_.back(middle_back_);
        window_.push(x);
        numerator_ -= first_half_;
        first_half_ -= leaving;
        first_half_ += middle;
        if (odd_) {
            numerator_ += second_half_;
            second_half_ -= middle;
        } else {
            second_half_ -= middle;
            numerator_ += second_half_;
        }
        second_half_ += x;
        numerator_ += x;
        value_ = numerator_ * factor_;
    }
    void update(const Ohlcv& bar) noexcept { update(bar.close); }
    void update(const model::Bar& bar) noexcept { update(to_ohlcv(bar)); }

private:
    void seed() noexcept {
        // Window positions 0 (oldest) .. period - 1; the first half ends at the middle.
        const std::size_t n = window_.size();
        const std::size_t middle = odd_ ? half_ : half_ - 1;
        auto at = [&](std::size_t position) {
            return window_.back(n - 1 - position);
        };
        for (std::size_t i = middle + 1; i-- > 0;) {
            first_half_ += at(i);
            numerator_ += first_half_;
        }
        for (std::size_t i = middle + 1; i < n; ++i) {
            second_half_ += at(i);
            numerator_ += second_half_;
        }
        value_ = numerator_ * factor_;
    }

    int period_;
    std::size_t half_;
    bool odd_;
    double factor_;
    std::size_t middle_back_;
    detail::Ring window_;
    double numerator_ = 0.0;
    double first_half_ = 0.0;
    double second_half_ = 0.0;
    double value_ = kNaN;
};

/// KAMA(period), Kaufman's adaptive moving average with TA-Lib's constants (fast 2, slow 30):
/// er = |x - x[-period]| / sum(|x[i] - x[i-1]|), sc = (er * (2/3 - 2/31) + 2/31)^2,
/// kama = (x - kama) * sc + kama, seeded with x[period - 1]. Lookback period.
class Kama {
public:
    static constexpr std::size_t kOutputCount = 1;
    static Status validate(int period) { return check_period("kama", "period", period, 2); }
    static Result<Kama> create(int period) {
        if (auto s = validate(period); !s) {
            return tl::unexpected(s.error());
        }
        return Kama(period);
    }
    explicit Kama(int period)
        : period_(detail::checked(validate(period), period)),
          window_(static_cast<std::size_t>(period) + 1) {}

    int lookback() const noexcept { return period_; }
    bool ready() const noexcept { return window_.full(); }
    double value() const noexcept { return ready() ? kama_ : kNaN; }
    double output(std::size_t /*index*/) const noexcept { return value(); }

    void update(double x) noexcept {
        const bool was_full = window_.full();
        const double previous = window_.size() > 0 ? window_.back(0) : 0.0;
        const std::size_t before = window_.size();
        window_.push(x);
        if (before > 0) {
            if (was_full) {
                // The change leaving the window is between the two oldest values.
                const double leaving = window_.oldest();
                sum_roc_ -= std::fabs(trailing_ - leaving);
                trailing_ = leaving;
            }
            sum_roc_ += std::fabs(previous - x);
        }
        if (!window_.full()) {
            return;
        }
        if (!was_full) {
            kama_ = previous;
            trailing_ = window_.oldest();
        }
        const double period_roc = x - window_.oldest();
        double er = 1.0;
        if (!(sum_roc_ <= period_roc || detail::is_zero(sum_roc_))) {
            er = std::fabs(period_roc / sum_roc_);
        }
        double sc = (er * kConstDiff) + kConstMax;
        sc *= sc;
        kama_ = ((x - kama_) * sc) + kama_;
    }
    void update(const Ohlcv& bar) noexcept { update(bar.close); }
    void update(const model::Bar& bar) noexcept { update(to_ohlcv(bar)); }

private:
    static constexpr double kConstMax = 2.0 / (30.0 + 1.0);
    static constexpr double kConstDiff = 2.0 / (2.0 + 1.0) - kConstMax;

    int period_;
    detail::Ring window_;  // the last period + 1 inputs
    double sum_roc_ = 0.0;
    double trailing_ = 0.0;
    double kama_ = 0.0;
};

/// TRIX(period): 1-bar rate of change, in percent, of a triple EMA. Lookback 3 * (period - 1) + 1.
/// Period 1 gives the 1-bar ROC (TA-Lib accepts 1 but derives its lookback from an invalid EMA(1)
/// lookback of -1 and returns misaligned values).
class Trix {
public:
    static constexpr std::size_t kOutputCount = 1;
    static Status validate(int period) { return check_period("trix", "period", period, 1); }
    static Result<Trix> create(int period) {
        if (auto s = validate(period); !s) {
            return tl::unexpected(s.error());
        }
        return Trix(period);
    }
    explicit Trix(int period)
        : period_(detail::checked(validate(period), period)),
          e1_(period),
          e2_(period),
          e3_(period) {}

    int lookback() const noexcept { return 3 * (period_ - 1) + 1; }
    bool ready() const noexcept { return ready_; }
    double value() const noexcept { return value_; }
    double output(std::size_t /*index*/) const noexcept { return value(); }

    void update(double x) noexcept {
        e1_.update(x);
        if (!e1_.ready()) {
            return;
        }
        e2_.update(e1_.value());
        if (!e2_.ready()) {
            return;
        }
        e3_.update(e2_.value());
        if (!e3_.ready()) {
            return;
        }
        const double current = e3_.value();
        if (have_previous_) {
            value_ = previous_ != 0.0 ? ((current / previous_) - 1.0) * 100.0 : 0.0;
            ready_ = true;
        }
        previous_ = current;
        have_previous_ = true;
    }
    void update(const Ohlcv& bar) noexcept { update(bar.close); }
    void update(const model::Bar& bar) noexcept { update(to_ohlcv(bar)); }

private:
    int period_;
    detail::EmaState e1_;
    detail::EmaState e2_;
    detail::EmaState e3_;
    double previous_ = 0.0;
    bool have_previous_ = false;
    bool ready_ = false;
    double value_ = kNaN;
};

/// MACD(fast, slow, signal) with TA-Lib's alignment: both EMAs start at the slow EMA's first
/// value (the fast EMA is seeded with the SMA of the `fast` inputs ending there), macd = fast -
/// slow, signal = EMA(signal) of macd, hist = macd - signal. A fast period above the slow one is
/// swapped, as TA-Lib does. Lookback (slow - 1) + (signal - 1). A signal period of 1 gives signal =
/// macd (TA-Lib accepts 1 but then returns misaligned, partly uninitialized values).
class Macd {
public:
    static constexpr std::size_t kOutputCount = 3;
    static Status validate(int fast, int slow, int signal) {
        if (auto s = check_period("macd", "fast period", fast, 2); !s) {
            return s;
        }
        if (auto s = check_period("macd", "slow period", slow, 2); !s) {
            return s;
        }
        return check_period("macd", "signal period", signal, 1);
    }
    static Result<Macd> create(int fast, int slow, int signal) {
        if (auto s = validate(fast, slow, signal); !s) {
            return tl::unexpected(s.error());
        }
        return Macd(fast, slow, signal);
    }
    Macd(int fast, int slow, int signal)
        : fast_period_(detail::checked(validate(fast, slow, signal), fast < slow ? fast : slow)),
          slow_period_(fast < slow ? slow : fast),
          signal_period_(signal),
          fast_(fast_period_, slow_period_ - fast_period_),
          slow_(slow_period_),
          signal_(signal) {}

    int lookback() const noexcept { return (slow_period_ - 1) + (signal_period_ - 1); }
    bool ready() const noexcept { return signal_.ready(); }
    double macd() const noexcept { return ready() ? macd_ : kNaN; }
    double signal() const noexcept { return signal_.value(); }
    double hist() const noexcept { return ready() ? macd_ - signal_.value() : kNaN; }
    /// 0: macd, 1: signal, 2: hist (TA-Lib's order).
    double output(std::size_t index) const noexcept {
        return index == 0 ? macd() : (index == 1 ? signal() : hist());
    }

    void update(double x) noexcept {
        fast_.update(x);
        slow_.update(x);
        if (!slow_.ready()) {
            return;
        }
        macd_ = fast_.value() - slow_.value();
        signal_.update(macd_);
    }
    void update(const Ohlcv& bar) noexcept { update(bar.close); }
    void update(const model::Bar& bar) noexcept { update(to_ohlcv(bar)); }

private:
    int fast_period_;
    int slow_period_;
    int signal_period_;
    detail::EmaState fast_;
    detail::EmaState slow_;
    detail::EmaState signal_;
    double macd_ = kNaN;
};

}  // namespace ats::indicators
