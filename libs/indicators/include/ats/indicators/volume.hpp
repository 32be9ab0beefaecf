#pragma once

#include <cstddef>
#include <cstdint>

#include "ats/core/error.hpp"
#include "ats/indicators/common.hpp"
#include "ats/model/bar.hpp"

/// Volume indicators: OBV, AD and ADOSC (TA-Lib-exact), and VWAP anchored to the UTC day or
/// rolling over N bars (definitions in docs/indicators.md).
namespace ats::indicators {

namespace detail {

/// Chaikin accumulation/distribution: ad += ((close - low) - (high - close)) / (high - low) *
/// volume; a bar with high == low adds nothing.
inline double ad_step(double ad, const Ohlcv& bar) noexcept {
    const double range = bar.high - bar.low;
    if (range > 0.0) {
        ad += (((bar.close - bar.low) - (bar.high - bar.close)) / range) * bar.volume;
    }
    return ad;
}

}  // namespace detail

/// OBV: starts at the first bar's volume; adds the volume when the close rises, subtracts it when
/// the close falls. Lookback 0.
class Obv {
public:
    static constexpr std::size_t kOutputCount = 1;
    static Status validate() { return ok_status(); }
    static Result<Obv> create() { return Obv(); }
    Obv() = default;

    int lookback() const noexcept { return 0; }
    bool ready() const noexcept { return started_; }
    double value() const noexcept { return started_ ? obv_ : kNaN; }
    double output(std::size_t /*index*/) const noexcept { return value(); }

    void update(const Ohlcv& bar) noexcept {
        if (!started_) {
            obv_ = bar.volume;
            started_ = true;
        } else if (bar.close > previous_close_) {
            obv_ += bar.volume;
        } else if (bar.close < previous_close_) {
            obv_ -= bar.volume;
        }
        previous_close_ = bar.close;
    }
    void update(const model::Bar& bar) noexcept { update(to_ohlcv(bar)); }

    /// batch() from a fresh object: update()'s running sum with its state in registers.
    bool fresh() const noexcept { return !started_; }
    template <class InputAt>
    void batch_fresh(std::size_t n, InputAt input_at, double* __restrict dst) const noexcept {
        if (n == 0) {
            return;
        }
        double obv = input_at(0).volume;
        double previous = input_at(0).close;
        dst[0] = obv;
        for (std::size_t i = 1; i < n; ++i) {
            const Ohlcv bar = input_at(i);
            if (bar.close > previous) {
                obv += bar.volume;
            } else if (bar.close < previous) {
                obv -= bar.volume;
            }
            previous = bar.close;
            dst[i] = obv;
        }
    }

private:
    bool started_ = false;
    double previous_close_ = 0.0;
    double obv_ = 0.0;
};

/// AD: Chaikin accumulation/distribution line, from 0. Lookback 0.
class Ad {
public:
    static constexpr std::size_t kOutputCount = 1;
    static Status validate() { return ok_status(); }
    static Result<Ad> create() { return Ad(); }
    Ad() = default;

    int lookback() const noexcept { return 0; }
    bool ready() const noexcept { return started_; }
    double value() const noexcept { return started_ ? ad_ : kNaN; }
    double output(std::size_t /*index*/) const noexcept { return value(); }

    void update(const Ohlcv& bar) noexcept {
        ad_ = detail::ad_step(ad_, bar);
        started_ = true;
    }
    void update(const model::Bar& bar) noexcept { update(to_ohlcv(bar)); }

private:
    bool started_ = false;
    double ad_ = 0.0;
};

/// ADOSC(fast = 3, slow = 10) = EMA(AD, fast) - EMA(AD, slow), both seeded with the first AD
/// value (not an SMA) and updated as k * ad + (1 - k) * ema, as TA-Lib. Lookback
/// max(fast, slow) - 1.
class AdOsc {
public:
    static constexpr std::size_t kOutputCount = 1;
    static Status validate(int fast, int slow) {
        if (auto s = check_period("adosc", "fast period", fast, 2); !s) {
            return s;
        }
        return check_period("adosc", "slow period", slow, 2);
    }
    static Result<AdOsc> create(int fast, int slow) {
        if (auto s = validate(fast, slow); !s) {
            return tl::unexpected(s.error());
        }
        return AdOsc(fast, slow);
    }
    AdOsc(int fast, int slow)
        : lookback_(detail::checked(validate(fast, slow), (fast > slow ? fast : slow) - 1)),
          fast_k_(2.0 / static_cast<double>(fast + 1)),
          slow_k_(2.0 / static_cast<double>(slow + 1)),
          fast_one_minus_k_(1.0 - fast_k_),
          slow_one_minus_k_(1.0 - slow_k_) {}

    int lookback() const noexcept { return lookback_; }
    bool ready() const noexcept { return seen_ > lookback_; }
    double value() const noexcept { return ready() ? fast_ - slow_ : kNaN; }
    double output(std::size_t /*index*/) const noexcept { return value(); }

    void update(const Ohlcv& bar) noexcept {
        ad_ = detail::ad_step(ad_, bar);
        if (seen_ == 0) {
            fast_ = ad_;
            slow_ = ad_;
        } else {
            fast_ = (fast_k_ * ad_) + (fast_one_minus_k_ * fast_);
            slow_ = (slow_k_ * ad_) + (slow_one_minus_k_ * slow_);
        }
        if (seen_ <= lookback_) {
            ++seen_;
        }
    }
    void update(const model::Bar& bar) noexcept { update(to_ohlcv(bar)); }

private:
    int lookback_;
    int seen_ = 0;
    double fast_k_;
    double slow_k_;
    double fast_one_minus_k_;
    double slow_one_minus_k_;
    double ad_ = 0.0;
    double fast_ = 0.0;
    double slow_ = 0.0;
};

/// VWAP anchored to the UTC day: sum(tp * volume) / sum(volume) over the bars of the bar's UTC
/// day so far (by open time), tp = (high + low + close) / 3. While the day's volume is zero the
/// value is the bar's tp. Lookback 0.
class Vwap {
public:
    static constexpr std::size_t kOutputCount = 1;
    static Status validate() { return ok_status(); }
    static Result<Vwap> create() { return Vwap(); }
    Vwap() = default;

    int lookback() const noexcept { return 0; }
    bool ready() const noexcept { return started_; }
    double value() const noexcept { return value_; }
    double output(std::size_t /*index*/) const noexcept { return value(); }

    void update(const Ohlcv& bar) noexcept {
        constexpr std::int64_t kDayNs = 86'400'000'000'000;
        std::int64_t day = bar.open_time_ns / kDayNs;
        if (bar.open_time_ns % kDayNs < 0) {
            --day;
        }
        if (!started_ || day != day_) {
            day_ = day;
            price_volume_ = 0.0;
            volume_ = 0.0;
        }
        started_ = true;
        const double tp = (bar.high + bar.low + bar.close) / 3.0;
        price_volume_ += tp * bar.volume;
        volume_ += bar.volume;
        value_ = volume_ > 0.0 ? price_volume_ / volume_ : tp;
    }
    void update(const model::Bar& bar) noexcept { update(to_ohlcv(bar)); }

private:
    bool started_ = false;
    std::int64_t day_ = 0;
    double price_volume_ = 0.0;
    double volume_ = 0.0;
    double value_ = kNaN;
};

/// Rolling VWAP(period): sum(tp * volume) / sum(volume) over the last `period` bars; the bar's tp
/// while the window has no volume. Lookback period - 1.
class RollingVwap {
public:
    static constexpr std::size_t kOutputCount = 1;
    static Status validate(int period) { return check_period("rolling_vwap", "period", period, 1); }
    static Result<RollingVwap> create(int period) {
        if (auto s = validate(period); !s) {
            return tl::unexpected(s.error());
        }
        return RollingVwap(period);
    }
    explicit RollingVwap(int period)
        : period_(detail::checked(validate(period), period)),
          price_volume_(static_cast<std::size_t>(period)),
          volume_(static_cast<std::size_t>(period)) {}

    int lookback() const noexcept { return period_ - 1; }
    bool ready() const noexcept { return volume_.full(); }
    double value() const noexcept { return value_; }
    double output(std::size_t /*index*/) const noexcept { return value(); }

    void update(const Ohlcv& bar) noexcept {
        if (volume_.full()) {
            price_volume_sum_ -= price_volume_.oldest();
            volume_sum_ -= volume_.oldest();
            if (volume_.oldest() != 0.0) {
                --nonzero_;
            }
        }
        const double tp = (bar.high + bar.low + bar.close) / 3.0;
        const double pv = tp * bar.volume;
        price_volume_.push(pv);
        volume_.push(bar.volume);
        price_volume_sum_ += pv;
        volume_sum_ += bar.volume;
        if (bar.volume != 0.0) {
            ++nonzero_;
        }
        if (volume_.full()) {
            // Counting non-zero volumes keeps rounding residue of the running sums from being
            // divided when the window holds no volume at all.
            value_ = nonzero_ > 0 ? price_volume_sum_ / volume_sum_ : tp;
        }
    }
    void update(const model::Bar& bar) noexcept { update(to_ohlcv(bar)); }

private:
    int period_;
    detail::Ring price_volume_;
    detail::Ring volume_;
    double price_volume_sum_ = 0.0;
    double volume_sum_ = 0.0;
    int nonzero_ = 0;
    double value_ = kNaN;
};

}  // namespace ats::indicators
