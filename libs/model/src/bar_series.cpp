#include "ats/model/bar_series.hpp"

#include <algorithm>
#include <cstdint>

#if defined(__linux__)
#include <sys/mman.h>
#endif

#include "ats/core/check.hpp"

namespace ats::model {

namespace {

/// Reserves `n` and asks Linux for transparent huge pages under the column when it is large: a
/// year of 1-minute bars then faults in a few dozen 2 MiB pages instead of thousands of 4 KiB
/// ones. Advice only: without it the column works the same.
template <class Column>
void reserve_column(Column& column, std::size_t n) {
    column.reserve(n);
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    constexpr std::uintptr_t kHuge = std::uintptr_t{2} << 20;
    const auto begin = reinterpret_cast<std::uintptr_t>(column.data());
    const auto end = begin + column.capacity() * sizeof(typename Column::value_type);
    const auto first = (begin + kHuge - 1) & ~(kHuge - 1);
    if (end >= first + kHuge) {
        const auto length = static_cast<std::size_t>((end - first) & ~(kHuge - 1));
        if (::madvise(reinterpret_cast<void*>(first), length, MADV_HUGEPAGE) != 0) {
            return;  // advice refused (no THP here): 4 KiB pages, same behaviour
        }
    }
#endif
}

}  // namespace

void BarSeries::reserve(std::size_t n) {
    reserve_column(open_time_, n);
    reserve_column(close_time_, n);
    reserve_column(open_, n);
    reserve_column(high_, n);
    reserve_column(low_, n);
    reserve_column(close_, n);
    reserve_column(volume_, n);
    if (has_quote_volume_) {
        reserve_column(quote_volume_, n);
    }
    if (has_trade_count_) {
        reserve_column(trade_count_, n);
    }
    if (has_taker_buy_) {
        reserve_column(taker_buy_base_, n);
        reserve_column(taker_buy_quote_, n);
    }
}

void BarSeries::push_back(const Bar& b) {
    const bool taker = b.taker_buy_base_volume.has_value() && b.taker_buy_quote_volume.has_value();
    if (empty()) {
        has_quote_volume_ = b.quote_volume.has_value();
        has_trade_count_ = b.trade_count.has_value();
        has_taker_buy_ = taker;
        reserve(open_time_.capacity());
    } else {
        ATS_CHECK(
            b.open_time > open_time_.back(),
            "bar at {} does not follow {}",
            b.open_time,
            open_time_.back());
        ATS_CHECK(
            has_quote_volume_ == b.quote_volume.has_value() &&
                has_trade_count_ == b.trade_count.has_value() && has_taker_buy_ == taker,
            "bar at {} has a different set of optional columns",
            b.open_time);
    }
    open_time_.push_back(b.open_time);
    close_time_.push_back(b.close_time);
    open_.push_back(b.open);
    high_.push_back(b.high);
    low_.push_back(b.low);
    close_.push_back(b.close);
    volume_.push_back(b.volume);
    if (has_quote_volume_) {
        quote_volume_.push_back(*b.quote_volume);
    }
    if (has_trade_count_) {
        trade_count_.push_back(*b.trade_count);
    }
    if (has_taker_buy_) {
        taker_buy_base_.push_back(*b.taker_buy_base_volume);
        taker_buy_quote_.push_back(*b.taker_buy_quote_volume);
    }
}

void BarSeries::append(const Columns& c) {
    const std::size_t n = c.open_time.size();
    if (n == 0) {
        return;
    }
    const auto sized = [n](std::size_t size) {
        return size == n;
    };
    ATS_CHECK(
        sized(c.close_time.size()) && sized(c.open.size()) && sized(c.high.size()) &&
            sized(c.low.size()) && sized(c.close.size()) && sized(c.volume.size()) &&
            (c.quote_volume.empty() || sized(c.quote_volume.size())) &&
            (c.trade_count.empty() || sized(c.trade_count.size())) &&
            c.taker_buy_base_volume.size() == c.taker_buy_quote_volume.size() &&
            (c.taker_buy_base_volume.empty() || sized(c.taker_buy_base_volume.size())),
        "bar columns of different lengths");
    const bool quote = !c.quote_volume.empty();
    const bool trades = !c.trade_count.empty();
    const bool taker = !c.taker_buy_base_volume.empty();
    if (empty()) {
        has_quote_volume_ = quote;
        has_trade_count_ = trades;
        has_taker_buy_ = taker;
        reserve(std::max(open_time_.capacity(), n));
    } else {
        ATS_CHECK(
            c.open_time.front() > open_time_.back(),
            "bar at {} does not follow {}",
            c.open_time.front(),
            open_time_.back());
        ATS_CHECK(
            has_quote_volume_ == quote && has_trade_count_ == trades && has_taker_buy_ == taker,
            "bar at {} has a different set of optional columns",
            c.open_time.front());
    }
    for (std::size_t i = 1; i < n; ++i) {
        ATS_CHECK(
            c.open_time[i] > c.open_time[i - 1],
            "bar at {} does not follow {}",
            c.open_time[i],
            c.open_time[i - 1]);
    }
    const auto add = [](auto& to, auto from) {
        to.insert(to.end(), from.begin(), from.end());
    };
    add(open_time_, c.open_time);
    add(close_time_, c.close_time);
    add(open_, c.open);
    add(high_, c.high);
    add(low_, c.low);
    add(close_, c.close);
    add(volume_, c.volume);
    if (quote) {
        add(quote_volume_, c.quote_volume);
    }
    if (trades) {
        add(trade_count_, c.trade_count);
    }
    if (taker) {
        add(taker_buy_base_, c.taker_buy_base_volume);
        add(taker_buy_quote_, c.taker_buy_quote_volume);
    }
}

void BarSeries::set_interval(Duration interval) {
    ATS_CHECK(gaps_.empty(), "interval changed after gaps were recorded");
    interval_ = interval;
    gaps_ = GapLedger(interval);
}

}  // namespace ats::model
