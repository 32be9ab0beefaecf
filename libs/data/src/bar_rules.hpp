#pragma once

// The row rules shared by the kline loaders (CSV and Parquet): value checks, order, duplicates,
// grid alignment and gap recording under the bad-row policy. One home, so both formats accept
// and refuse exactly the same bars with the same messages.

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "ats/core/fixed_point.hpp"
#include "ats/data/kline_csv.hpp"
#include "ats/model/bar.hpp"
#include "ats/model/gap_ledger.hpp"

namespace ats::data::rules {

// Logical fields a kline file may carry.
enum Field : std::uint8_t {
    kOpenTime,
    kOpen,
    kHigh,
    kLow,
    kClose,
    kVolume,
    kCloseTime,
    kQuoteVolume,
    kTrades,
    kTakerBase,
    kTakerQuote,
    kFieldCount,
};

inline constexpr const char* kBinanceNames[] = {
    "open_time",
    "open",
    "high",
    "low",
    "close",
    "volume",
    "close_time",
    "quote_volume",
    "trades",
    "taker_buy_base_volume",
    "taker_buy_quote_volume",
    "ignore",
};

// Accepted header names per field, in priority order (the first present wins).
inline const std::vector<std::vector<std::string_view>>& header_aliases() {
    static const std::vector<std::vector<std::string_view>> kAliases = {
        {"open_time_ms",
         "open_time",
         "opentime",
         "timestamp",
         "time",
         "date",
         "datetime",
         "open_time_utc",
         "ts"},
        {"open"},
        {"high"},
        {"low"},
        {"close"},
        {"volume", "base_volume"},
        {"close_time_ms", "close_time", "closetime"},
        {"quote_volume", "quote_asset_volume", "quote_av"},
        {"trades", "count", "number_of_trades", "num_trades", "trade_count"},
        {"taker_buy_base_volume",
         "taker_buy_volume",
         "taker_buy_base_asset_volume",
         "taker_base_vol",
         "tb_base_av"},
        {"taker_buy_quote_volume",
         "taker_buy_quote_asset_volume",
         "taker_quote_vol",
         "tb_quote_av"},
    };
    return kAliases;
}

struct Row {
    model::Bar bar;
    std::size_t line = 0;  ///< CSV: physical line; Parquet: 1-based row in the file
    bool has_close_time = false;
};

struct Problem {
    RowIssue issue = RowIssue::kBadNumber;
    std::string message;
};

/// Magnitude classes of epoch integers: s < 1e11 <= ms < 1e14 <= us < 1e17 <= ns.
inline TimeUnit classify_epoch(std::int64_t v) {
    if (v < 100'000'000'000LL) {
        return TimeUnit::kSeconds;
    }
    if (v < 100'000'000'000'000LL) {
        return TimeUnit::kMilliseconds;
    }
    if (v < 100'000'000'000'000'000LL) {
        return TimeUnit::kMicroseconds;
    }
    return TimeUnit::kNanoseconds;
}

/// Nanoseconds per unit of an epoch integer (1 for ns and ISO-8601).
inline std::int64_t epoch_factor(TimeUnit unit) {
    switch (unit) {
        case TimeUnit::kSeconds:
            return 1'000'000'000;
        case TimeUnit::kMilliseconds:
            return 1'000'000;
        case TimeUnit::kMicroseconds:
            return 1'000;
        default:
            return 1;
    }
}

/// NaN and infinity spellings (any case, signed): "nan", "inf", "infinity", "1.#inf", "1.#ind".
bool looks_non_finite(std::string_view s);

/// Exact decimal text to raw units of 1e-8, as every loader reads numbers: prices 64-bit, the
/// rest 128-bit (below 1e20). False with `problem` set (naming `name()`) otherwise.
template <class NameFn>
bool parse_decimal(
    std::string_view text,
    bool price,
    ats::detail::Int128& raw,
    Problem& problem,
    const NameFn& name) {
    std::int64_t narrow = 0;
    if (ats::detail::parse_fixed_fast(text, narrow)) {
        raw = narrow;
        return true;
    }
    auto parsed = price ? ats::detail::parse_fixed(text, "value").map([](std::int64_t v) {
        return ats::detail::Int128{v};
    })
                        : ats::detail::parse_fixed_wide(text, "value");
    if (parsed) {
        raw = *parsed;
        return true;
    }
    if (parsed.error().code == ErrorCode::kOutOfRange) {
        problem = {
            RowIssue::kBadNumber,
            fmt::format(
                "column '{}': '{}' is out of range ({})",
                name(),
                text,
                price ? "prices are below 9.2e10" : "at most 1e20")};
    } else if (looks_non_finite(text)) {
        problem = {
            RowIssue::kNonFinite,
            fmt::format("column '{}': '{}' is not a finite number", name(), text)};
    } else if (text.empty()) {
        problem = {RowIssue::kBadNumber, fmt::format("column '{}': empty", name())};
    } else {
        problem = {
            RowIssue::kBadNumber,
            fmt::format(
                "column '{}': '{}' is not a decimal number with at most 8 decimals", name(), text)};
    }
    return false;
}

/// Price, volume and OHLC checks of one bar; `name(field)` names columns in messages.
template <class NameFn>
bool validate_bar_values(const model::Bar& b, Problem& problem, const NameFn& name) {
    // Fast accept: one branch for the common, valid row.
    const bool optional_ok =
        (!b.quote_volume || !b.quote_volume->is_negative()) &&
        (!b.trade_count || *b.trade_count >= 0) &&
        (!b.taker_buy_base_volume || !b.taker_buy_base_volume->is_negative()) &&
        (!b.taker_buy_quote_volume || !b.taker_buy_quote_volume->is_negative());
    if (b.low.is_positive() && !b.volume.is_negative() && optional_ok &&
        b.high >= std::max(b.open, b.close) && b.low <= std::min(b.open, b.close)) {
        return true;
    }
    for (const Field f : {kOpen, kHigh, kLow, kClose}) {
        const Price p = f == kOpen ? b.open : f == kHigh ? b.high : f == kLow ? b.low : b.close;
        if (!p.is_positive()) {
            problem = {
                RowIssue::kNonPositivePrice,
                fmt::format("column '{}': price {} is not positive", name(f), p)};
            return false;
        }
    }
    const bool negative_volume =
        b.volume.is_negative() || (b.quote_volume && b.quote_volume->is_negative()) ||
        (b.trade_count && *b.trade_count < 0) ||
        (b.taker_buy_base_volume && b.taker_buy_base_volume->is_negative()) ||
        (b.taker_buy_quote_volume && b.taker_buy_quote_volume->is_negative());
    if (negative_volume) {
        problem = {RowIssue::kNegativeVolume, "a volume or the trade count is negative"};
        return false;
    }
    if (b.high < std::max(b.open, b.close)) {
        problem = {
            RowIssue::kOhlcInconsistent,
            fmt::format(
                "column '{}': high {} is below max(open {}, close {})",
                name(kHigh),
                b.high,
                b.open,
                b.close)};
        return false;
    }
    if (b.low > std::min(b.open, b.close)) {
        problem = {
            RowIssue::kOhlcInconsistent,
            fmt::format(
                "column '{}': low {} is above min(open {}, close {})",
                name(kLow),
                b.low,
                b.open,
                b.close)};
        return false;
    }
    return true;
}

/// Order, duplicate, alignment and gap rules against the previous accepted bar, and the policy
/// (error, or skip and count with examples) for bad rows.
class BarSequencer {
public:
    enum class Outcome : std::uint8_t { kAccept, kDrop };

    /// `rows_not_lines`: messages say "path: row N" (Parquet) instead of "path:N" (CSV).
    BarSequencer(const KlineCsvOptions& options, KlineCsvReport& report, bool rows_not_lines)
        : options_(options), report_(report), rows_not_lines_(rows_not_lines) {}

    Error row_error(std::size_t line, const Problem& p) const;
    void note(std::size_t line, const Problem& p);
    /// An error under kStrict/kRepair; counted (nullopt) under kSkip.
    std::optional<Error> on_bad_row(std::size_t line, const Problem& p);
    /// close_time = open_time + interval - 1 ms when the row has none.
    void fill_close_time(Row& row) const;
    Result<Outcome> sequence(Row& row);
    /// Continues after bars accepted in bulk (already checked by the caller): `last` is the last
    /// of them, `grid_origin` the open time of the first bar of the file.
    void resume_after(const model::Bar& last, Timestamp grid_origin) {
        prev_ = last;
        grid_origin_ = grid_origin;
    }
    const std::optional<Timestamp>& grid_origin() const noexcept { return grid_origin_; }
    const std::optional<model::Bar>& previous() const noexcept { return prev_; }

    model::GapLedger gaps;

private:
    const KlineCsvOptions& options_;
    KlineCsvReport& report_;
    bool rows_not_lines_ = false;
    std::optional<model::Bar> prev_;
    std::optional<Timestamp> grid_origin_;
    std::array<std::size_t, kRowIssueCount> examples_kept_{};
};

}  // namespace ats::data::rules
