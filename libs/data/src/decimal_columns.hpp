#pragma once

// Fixed-point values in Parquet columns: written as exact DECIMAL (INT64 DECIMAL(18, 8), or
// FIXED_LEN_BYTE_ARRAY(16) DECIMAL(38, 8) when a value needs more digits), and read from whatever
// other tools write (DECIMAL of any scale, integers, decimal strings, DOUBLE/FLOAT) into raw units
// of 1e-8 exactly as the CSV reader reads the same number written as text.

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "ats/core/fixed_point.hpp"
#include "ats/parquet/column.hpp"
#include "ats/parquet/types.hpp"

#include "bar_rules.hpp"

namespace ats::data::decimal {

using ats::detail::Int128;

/// |raw| < 1e18: fits DECIMAL(18, 8) in an INT64.
inline bool fits_decimal18(Int128 raw) {
    constexpr Int128 kLimit = 1'000'000'000'000'000'000;
    return raw > -kLimit && raw < kLimit;
}

parquet::ColumnSchema decimal_column(const std::string& name, bool wide, bool optional = false);
parquet::ColumnData empty_decimal_column(bool wide);
void push_decimal(parquet::ColumnData& column, Int128 raw, bool wide);

/// Big-endian two's complement bytes (any length up to 16, longer with sign extension) to a
/// 128-bit integer; false when it does not fit.
bool from_big_endian(std::string_view bytes, Int128& out);

/// Raw 1e-8 values of one column: 64-bit when every value fits (the common case, and then moved
/// from the column without a copy), else 128-bit.
struct RawColumn {
    std::vector<std::int64_t> narrow;
    std::vector<Int128> wide;
    bool is_narrow = false;
    std::vector<std::pair<std::size_t, rules::Problem>> problems;  ///< rows that hold 0

    Int128 at(std::size_t i) const { return is_narrow ? Int128{narrow[i]} : wide[i]; }
    std::size_t size() const { return is_narrow ? narrow.size() : wide.size(); }
};

/// Converts every row of `column` (consumed) to raw 1e-8 units. `price`: the value must fit a
/// Price (64 bits); otherwise below 1e20. Nulls, NaN, infinities, more than 8 decimals and
/// out-of-range values become problems naming `name`, with the CSV reader's messages.
void to_raw(
    parquet::ColumnData&& column,
    const parquet::ColumnSchema& schema,
    bool price,
    const std::string& name,
    RawColumn& out);

}  // namespace ats::data::decimal
