#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "ats/core/check.hpp"
#include "ats/core/fixed_point.hpp"
#include "ats/core/symbol.hpp"
#include "ats/core/time.hpp"
#include "ats/model/bar.hpp"
#include "ats/model/gap_ledger.hpp"

namespace ats::model {

/// Bars of one instrument and interval stored column by column (struct of arrays) for fast batch
/// work. Open times strictly increase (a broken order aborts: loaders validate first). Optional
/// columns (quote volume, trade count, taker buy volumes) exist when the first bar has them, and
/// then every bar must have them. The gap ledger records bars absent from the series.
class BarSeries {
public:
    BarSeries() = default;
    explicit BarSeries(Duration interval, std::optional<Symbol> symbol = std::nullopt)
        : interval_(interval), symbol_(symbol), gaps_(interval) {}

    std::size_t size() const noexcept { return open_time_.size(); }
    bool empty() const noexcept { return open_time_.empty(); }
    Duration interval() const noexcept { return interval_; }
    const std::optional<Symbol>& symbol() const noexcept { return symbol_; }

    std::span<const Timestamp> open_time() const noexcept { return open_time_; }
    std::span<const Timestamp> close_time() const noexcept { return close_time_; }
    std::span<const Price> open() const noexcept { return open_; }
    std::span<const Price> high() const noexcept { return high_; }
    std::span<const Price> low() const noexcept { return low_; }
    std::span<const Price> close() const noexcept { return close_; }
    std::span<const Qty> volume() const noexcept { return volume_; }

    bool has_quote_volume() const noexcept { return has_quote_volume_; }
    bool has_trade_count() const noexcept { return has_trade_count_; }
    bool has_taker_buy_volumes() const noexcept { return has_taker_buy_; }
    std::span<const Money> quote_volume() const noexcept { return quote_volume_; }
    std::span<const std::int64_t> trade_count() const noexcept { return trade_count_; }
    std::span<const Qty> taker_buy_base_volume() const noexcept { return taker_buy_base_; }
    std::span<const Money> taker_buy_quote_volume() const noexcept { return taker_buy_quote_; }

    /// Row i as a Bar (a copy).
    Bar bar(std::size_t i) const {
        Bar b;
        read(i, b);
        return b;
    }
    /// Row i written into `out` (no temporary: replay loops reuse one Bar per asset). Inline:
    /// it runs once per bar of every replay.
    void read(std::size_t i, Bar& out) const {
        ATS_CHECK(i < size(), "bar index {} out of range (size {})", i, size());
        out.open_time = open_time_[i];
        out.close_time = close_time_[i];
        out.open = open_[i];
        out.high = high_[i];
        out.low = low_[i];
        out.close = close_[i];
        out.volume = volume_[i];
        // Assigned in place, never through a temporary optional: a byte flag stored and read
        // back as part of a wider load stalls the store forwarding.
        if (has_quote_volume_) {
            out.quote_volume = quote_volume_[i];
        } else {
            out.quote_volume.reset();
        }
        if (has_trade_count_) {
            out.trade_count = trade_count_[i];
        } else {
            out.trade_count.reset();
        }
        if (has_taker_buy_) {
            out.taker_buy_base_volume = taker_buy_base_[i];
            out.taker_buy_quote_volume = taker_buy_quote_[i];
        } else {
            out.taker_buy_base_volume.reset();
            out.taker_buy_quote_volume.reset();
        }
    }

    const GapLedger& gaps() const noexcept { return gaps_; }
    GapLedger& gaps() noexcept { return gaps_; }

    void reserve(std::size_t n);
    /// Appends a bar whose open time is after the last one's.
    void push_back(const Bar& bar);

    /// Bars column by column, for bulk loaders: spans of equal length; an optional column is
    /// empty when absent.
    struct Columns {
        std::span<const Timestamp> open_time;
        std::span<const Timestamp> close_time;
        std::span<const Price> open;
        std::span<const Price> high;
        std::span<const Price> low;
        std::span<const Price> close;
        std::span<const Qty> volume;
        std::span<const Money> quote_volume;
        std::span<const std::int64_t> trade_count;
        std::span<const Qty> taker_buy_base_volume;
        std::span<const Money> taker_buy_quote_volume;
    };
    /// Appends many bars at once, as push_back would one by one (the same checks: increasing open
    /// times, the same optional columns as the series).
    void append(const Columns& columns);
    void set_symbol(std::optional<Symbol> symbol) { symbol_ = symbol; }
    void set_interval(Duration interval);

    /// A column as doubles, for indicators and features.
    template <class T>
    static std::vector<double> to_double(std::span<const T> column) {
        std::vector<double> out;
        out.reserve(column.size());
        for (const auto& v : column) {
            out.push_back(v.to_double());
        }
        return out;
    }

private:
    Duration interval_;
    std::optional<Symbol> symbol_;
    std::vector<Timestamp> open_time_;
    std::vector<Timestamp> close_time_;
    std::vector<Price> open_;
    std::vector<Price> high_;
    std::vector<Price> low_;
    std::vector<Price> close_;
    std::vector<Qty> volume_;
    bool has_quote_volume_ = false;
    bool has_trade_count_ = false;
    bool has_taker_buy_ = false;
    std::vector<Money> quote_volume_;
    std::vector<std::int64_t> trade_count_;
    std::vector<Qty> taker_buy_base_;
    std::vector<Money> taker_buy_quote_;
    GapLedger gaps_;
};

}  // namespace ats::model
