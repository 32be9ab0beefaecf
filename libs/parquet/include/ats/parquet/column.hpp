#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "ats/parquet/types.hpp"

namespace ats::parquet {

/// The values of one column (of one row group, or of a whole file) in memory, one slot per row.
/// Exactly one of the value vectors is used, chosen by `type`:
///   kBoolean -> booleans (0 or 1)      kInt32 -> int32s       kInt64 -> int64s
///   kFloat -> floats                    kDouble -> doubles
///   kByteArray -> offsets (size + 1 entries) into bytes
///   kFixedLenByteArray, kInt96 -> bytes (size * width bytes)
/// `valid` is empty when every row has a value; otherwise it holds one 0/1 per row, and null
/// rows hold a zero (or empty) value in the value vector, so indices always line up with rows.
struct ColumnData {
    PhysicalType type = PhysicalType::kInt64;
    std::int32_t width = 0;  ///< bytes per value for kFixedLenByteArray (12 for kInt96)
    std::vector<std::uint8_t> booleans;
    std::vector<std::int32_t> int32s;
    std::vector<std::int64_t> int64s;
    std::vector<float> floats;
    std::vector<double> doubles;
    std::vector<std::uint64_t> offsets;
    std::string bytes;
    std::vector<std::uint8_t> valid;

    explicit ColumnData(PhysicalType t = PhysicalType::kInt64, std::int32_t w = 0)
        : type(t), width(w) {
        if (t == PhysicalType::kByteArray) {
            offsets.push_back(0);
        }
    }

    /// Number of rows (nulls included).
    std::size_t size() const noexcept;
    bool has_nulls() const noexcept { return !valid.empty(); }
    bool is_null(std::size_t row) const noexcept { return !valid.empty() && valid[row] == 0; }

    /// Row `row` of a byte array or fixed-length column.
    std::string_view bytes_at(std::size_t row) const noexcept;

    void reserve(std::size_t rows);
    /// Appends a byte array value (kByteArray) or a fixed-length value (kFixedLenByteArray,
    /// whose size must equal width).
    void push_bytes(std::string_view value);
    /// Appends a null: a zero or empty value and a 0 in `valid` (created on first use).
    void push_null();
    /// Marks the row just appended as present (only needed once `valid` exists).
    void mark_valid_tail();
    void clear();

    static ColumnData of_int64(std::vector<std::int64_t> values);
    static ColumnData of_int32(std::vector<std::int32_t> values);
    static ColumnData of_double(std::vector<double> values);
    static ColumnData of_bool(std::vector<std::uint8_t> values);
    static ColumnData of_strings(const std::vector<std::string>& values);
};

}  // namespace ats::parquet
