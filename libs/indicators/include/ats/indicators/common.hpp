#pragma once

#include <algorithm>
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

/// The value a single-input indicator reads from an input: the number, or a bar's close.
inline double close_of(double x) noexcept {
    return x;
}
inline double close_of(const Ohlcv& bar) noexcept {
    return bar.close;
}

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
/// occurrence (ties go to the newest bar, as TA-Lib's AROON does). Van Herk / Gil-Werman blocks:
/// the window is the tail of the previous block of `window` pushes plus the head of the current
/// one, so its extreme is the better of the previous block's suffix extreme (computed once when
/// that block completes) and the current block's running extreme. Amortized O(1) per push with
/// about three comparisons and no data-dependent branching; no allocation after construction.
/// Pushes must carry consecutive indices.
template <bool kMax>
class RollingExtreme {
public:
    RollingExtreme() = default;
    explicit RollingExtreme(std::size_t window)
        : window_(window == 0 ? 1 : window),
          values_(window_),
          indices_(window_),
          suffix_values_(window_),
          suffix_indices_(window_) {}

    void push(double x, std::int64_t index) noexcept {
        values_[pos_] = x;
        indices_[pos_] = index;
        // Ties: the newer value wins within a block.
        const bool take = pos_ == 0 || !better(prefix_value_, x);
        prefix_value_ = take ? x : prefix_value_;
        prefix_index_ = take ? index : prefix_index_;
        if (pos_ + 1 == window_) {
            // The block is complete: the window is exactly this block.
            value_ = prefix_value_;
            index_ = prefix_index_;
            double v = values_[window_ - 1];
            std::int64_t i = indices_[window_ - 1];
            suffix_values_[window_ - 1] = v;
            suffix_indices_[window_ - 1] = i;
            for (std::size_t j = window_ - 1; j-- > 0;) {
                const bool older_wins = better(values_[j], v);  // ties keep the newer one
                v = older_wins ? values_[j] : v;
                i = older_wins ? indices_[j] : i;
                suffix_values_[j] = v;
                suffix_indices_[j] = i;
            }
            pos_ = 0;
            have_previous_ = true;
            return;
        }
        if (have_previous_) {
            // The previous block's values are older: they win only when strictly better.
            const double tail = suffix_values_[pos_ + 1];
            const bool tail_wins = better(tail, prefix_value_);
            value_ = tail_wins ? tail : prefix_value_;
            index_ = tail_wins ? suffix_indices_[pos_ + 1] : prefix_index_;
        } else {
            value_ = prefix_value_;
            index_ = prefix_index_;
        }
        ++pos_;
    }
    double value() const noexcept { return value_; }
    std::int64_t index() const noexcept { return index_; }

private:
    static bool better(double a, double b) noexcept {
        if constexpr (kMax) {
            return a > b;
        } else {
            return a < b;
        }
    }

    std::size_t window_ = 1;
    std::vector<double> values_ = std::vector<double>(1);  // the current block, by position
    std::vector<std::int64_t> indices_ = std::vector<std::int64_t>(1);
    std::vector<double> suffix_values_ =
        std::vector<double>(1);  // previous block: best of [j, end)
    std::vector<std::int64_t> suffix_indices_ = std::vector<std::int64_t>(1);
    std::size_t pos_ = 0;
    bool have_previous_ = false;
    double prefix_value_ = 0.0;
    std::int64_t prefix_index_ = 0;
    double value_ = 0.0;
    std::int64_t index_ = 0;
};

/// Highest high and lowest low over the last `window` pushes, values only (WILLR, STOCH,
/// Donchian): the same van Herk/Gil-Werman blocks as RollingExtreme, for both extremes at once
/// and without indices, so a push is a few branch-free max/min operations.
class RollingRange {
public:
    RollingRange() = default;
    explicit RollingRange(std::size_t window)
        : window_(window == 0 ? 1 : window),
          highs_(window_),
          lows_(window_),
          suffix_highs_(window_),
          suffix_lows_(window_) {}

    void push(double high, double low) noexcept {
        highs_[pos_] = high;
        lows_[pos_] = low;
        prefix_high_ = pos_ == 0 ? high : std::max(prefix_high_, high);
        prefix_low_ = pos_ == 0 ? low : std::min(prefix_low_, low);
        if (pos_ + 1 == window_) {
            highest_ = prefix_high_;
            lowest_ = prefix_low_;
            double h = highs_[window_ - 1];
            double l = lows_[window_ - 1];
            suffix_highs_[window_ - 1] = h;
            suffix_lows_[window_ - 1] = l;
            for (std::size_t j = window_ - 1; j-- > 0;) {
                h = std::max(h, highs_[j]);
                l = std::min(l, lows_[j]);
                suffix_highs_[j] = h;
                suffix_lows_[j] = l;
            }
            pos_ = 0;
            have_previous_ = true;
            return;
        }
        if (have_previous_) {
            highest_ = std::max(suffix_highs_[pos_ + 1], prefix_high_);
            lowest_ = std::min(suffix_lows_[pos_ + 1], prefix_low_);
        } else {
            highest_ = prefix_high_;
            lowest_ = prefix_low_;
        }
        ++pos_;
    }
    double highest() const noexcept { return highest_; }
    double lowest() const noexcept { return lowest_; }

private:
    std::size_t window_ = 1;
    std::vector<double> highs_ = std::vector<double>(1);
    std::vector<double> lows_ = std::vector<double>(1);
    std::vector<double> suffix_highs_ = std::vector<double>(1);
    std::vector<double> suffix_lows_ = std::vector<double>(1);
    std::size_t pos_ = 0;
    bool have_previous_ = false;
    double prefix_high_ = 0.0;
    double prefix_low_ = 0.0;
    double highest_ = 0.0;
    double lowest_ = 0.0;
};

using RollingMax = RollingExtreme<true>;
using RollingMin = RollingExtreme<false>;

}  // namespace detail
}  // namespace ats::indicators
