#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string_view>
#include <vector>

#include "ats/core/check.hpp"
#include "ats/core/error.hpp"
#include "ats/model/bar.hpp"

namespace ats::indicators {

/// One bar as doubles: what every indicator consumes. `open_time_ns` is only used by indicators
/// anchored to calendar time (VWAP).
struct Ohlcv {
    std::int64_t open_time_ns = 0;
    double open = 0.0;
    double high = 0.0;
    double low = 0.0;
    double close = 0.0;
    double volume = 0.0;
};

/// The explicit crossing from fixed-point to double (`Price::to_double()`).
inline Ohlcv to_ohlcv(const model::Bar& bar) noexcept {
    return Ohlcv{
        bar.open_time.unix_ns(),
        bar.open.to_double(),
        bar.high.to_double(),
        bar.low.to_double(),
        bar.close.to_double(),
        bar.volume.to_double()};
}

inline constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

/// TA-Lib's largest accepted period.
inline constexpr int kMaxPeriod = 100'000;

/// Ok when min <= value <= kMaxPeriod; otherwise kInvalidArgument naming indicator and parameter:
/// "sma: period must be an integer in [2, 100000], got 1".
Status check_period(std::string_view indicator, std::string_view param, int value, int min);

/// Ok when value is finite and min <= value; otherwise kInvalidArgument.
Status check_real(std::string_view indicator, std::string_view param, double value, double min);

namespace detail {

/// Aborts with the message when `status` is an error; returns `value` otherwise. Constructors use
/// it: invalid parameters there are a programming error (use `create()` for untrusted input).
template <class T>
T checked(const Status& status, T value) {
    ATS_CHECK(status.has_value(), "{}", status.error().message);
    return value;
}

/// TA-Lib's TA_IS_ZERO and TA_IS_ZERO_OR_NEG (thresholds of 1e-8, kept for exact agreement).
constexpr bool is_zero(double v) noexcept {
    return -0.00000001 < v && v < 0.00000001;
}
constexpr bool is_zero_or_neg(double v) noexcept {
    return v < 0.00000001;
}

/// True range against the previous close, computed as TA-Lib does.
inline double true_range(double high, double low, double prev_close) noexcept {
    double range = high - low;
    const double up = std::fabs(prev_close - high);
    if (up > range) {
        range = up;
    }
    const double down = std::fabs(prev_close - low);
    if (down > range) {
        range = down;
    }
    return range;
}

/// Fixed-capacity FIFO holding the last `capacity` values. Storage is allocated once, in the
/// constructor; push() never allocates.
class Ring {
public:
    Ring() = default;
    explicit Ring(std::size_t capacity) : data_(capacity == 0 ? 1 : capacity, 0.0) {}

    std::size_t capacity() const noexcept { return data_.size(); }
    std::size_t size() const noexcept { return size_; }
    bool full() const noexcept { return size_ == data_.size(); }
    /// The oldest value held (the one the next push overwrites once full).
    double oldest() const noexcept { return full() ? data_[next_] : data_[0]; }
    /// The k-th newest value: back(0) is the newest; k < size().
    double back(std::size_t k) const noexcept {
        std::size_t i = next_ + data_.size() - 1 - k;
        if (i >= data_.size()) {
            i -= data_.size();
        }
        return data_[i];
    }
    /// Storage in slot order (not time order), for sums that must follow TA-Lib's order.
    const std::vector<double>& slots() const noexcept { return data_; }

    void push(double x) noexcept {
        data_[next_] = x;
        if (++next_ == data_.size()) {
            next_ = 0;
        }
        if (size_ < data_.size()) {
            ++size_;
        }
    }

private:
    std::vector<double> data_;
    std::size_t next_ = 0;
    std::size_t size_ = 0;
};

/// Highest (kMax) or lowest value over the last `window` pushes, with the index of its latest
/// occurrence (ties go to the newest bar, as TA-Lib's AROON does). A monotonic deque in a fixed
/// power-of-two ring: amortized O(1) per push, no allocation after construction.
template <bool kMax>
class RollingExtreme {
public:
    RollingExtreme() = default;
    explicit RollingExtreme(std::size_t window)
        : window_(static_cast<std::int64_t>(window)), slots_(capacity_for(window + 1)) {
        mask_ = slots_.size() - 1;
    }

    void push(double x, std::int64_t index) noexcept {
        // Drop held values the new one dominates; they can never be the extreme again.
        while (tail_ != head_ && dominated(slots_[(tail_ - 1) & mask_].value, x)) {
            --tail_;
        }
        slots_[tail_ & mask_] = Slot{x, index};
        ++tail_;
        // The window moves by one bar per push, so at most one value expires.
        if (slots_[head_ & mask_].index <= index - window_) {
            ++head_;
        }
    }
    double value() const noexcept { return slots_[head_ & mask_].value; }
    std::int64_t index() const noexcept { return slots_[head_ & mask_].index; }

private:
    struct Slot {
        double value;
        std::int64_t index;
    };

    static std::size_t capacity_for(std::size_t n) noexcept {
        std::size_t c = 1;
        while (c < n) {
            c <<= 1;
        }
        return c;
    }
    static bool dominated(double held, double incoming) noexcept {
        if constexpr (kMax) {
            return held <= incoming;
        } else {
            return held >= incoming;
        }
    }

    std::int64_t window_ = 1;
    std::vector<Slot> slots_ = std::vector<Slot>(1);
    std::size_t mask_ = 0;
    std::size_t head_ = 0;  // counters, not wrapped: slot = counter & mask_
    std::size_t tail_ = 0;
};

using RollingMax = RollingExtreme<true>;
using RollingMin = RollingExtreme<false>;

}  // namespace detail
}  // namespace ats::indicators
