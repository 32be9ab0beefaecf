#include "decimal_columns.hpp"

#include <charconv>
#include <cstring>

#include <fmt/format.h>

namespace ats::data::decimal {
namespace {

using parquet::ColumnData;
using parquet::ColumnSchema;
using parquet::LogicalType;
using parquet::PhysicalType;

Int128 pow10(int n) {
    Int128 v = 1;
    for (int i = 0; i < n; ++i) {
        v *= 10;
    }
    return v;
}

// An unscaled decimal as text, for messages ("1.234567891").
std::string decimal_text(Int128 v, int scale) {
    const bool negative = v < 0;
    ats::detail::UInt128 m = negative ? static_cast<ats::detail::UInt128>(-(v + 1)) + 1
                                      : static_cast<ats::detail::UInt128>(v);
    std::string digits;
    do {
        digits.insert(digits.begin(), static_cast<char>('0' + static_cast<int>(m % 10)));
        m /= 10;
    } while (m != 0);
    if (scale > 0) {
        if (static_cast<int>(digits.size()) <= scale) {
            digits.insert(0, static_cast<std::size_t>(scale) + 1 - digits.size(), '0');
        }
        digits.insert(digits.size() - static_cast<std::size_t>(scale), 1, '.');
    }
    return negative ? "-" + digits : digits;
}

}  // namespace

ColumnSchema decimal_column(const std::string& name, bool wide, bool optional) {
    const auto rep = optional ? parquet::Repetition::kOptional : parquet::Repetition::kRequired;
    if (wide) {
        return ColumnSchema{
            name, PhysicalType::kFixedLenByteArray, rep, 16, LogicalType::decimal(38, kDecimals)};
    }
    return ColumnSchema{name, PhysicalType::kInt64, rep, 0, LogicalType::decimal(18, kDecimals)};
}

ColumnData empty_decimal_column(bool wide) {
    return wide ? ColumnData(PhysicalType::kFixedLenByteArray, 16)
                : ColumnData(PhysicalType::kInt64);
}

void push_decimal(ColumnData& column, Int128 raw, bool wide) {
    if (!wide) {
        column.int64s.push_back(static_cast<std::int64_t>(raw));
        column.mark_valid_tail();
        return;
    }
    char be[16];
    auto u = static_cast<ats::detail::UInt128>(raw);
    for (int i = 15; i >= 0; --i) {
        be[i] = static_cast<char>(static_cast<std::uint8_t>(u & 0xFF));
        u >>= 8;
    }
    column.push_bytes(std::string_view(be, 16));
}

bool from_big_endian(std::string_view bytes, Int128& out) {
    if (bytes.empty()) {
        out = 0;
        return true;
    }
    const bool negative = (static_cast<unsigned char>(bytes[0]) & 0x80) != 0;
    // Leading sign-extension bytes beyond 16 are allowed.
    while (bytes.size() > 16) {
        const auto b = static_cast<unsigned char>(bytes[0]);
        if (b != (negative ? 0xFF : 0x00)) {
            return false;
        }
        bytes.remove_prefix(1);
    }
    if ((static_cast<unsigned char>(bytes[0]) & 0x80) != 0 && !negative) {
        return false;
    }
    ats::detail::UInt128 u = negative ? ~ats::detail::UInt128{0} : 0;
    for (const char c : bytes) {
        u = (u << 8) | static_cast<unsigned char>(c);
    }
    out = static_cast<Int128>(u);
    return true;
}

void to_raw(
    ColumnData&& column,
    const ColumnSchema& schema,
    bool price,
    const std::string& name,
    RawColumn& out) {
    const std::size_t n = column.size();
    out.problems.clear();
    out.narrow.clear();
    out.wide.clear();
    out.is_narrow = false;
    const auto problem = [&](std::size_t row, RowIssue issue, std::string message) {
        out.problems.emplace_back(row, rules::Problem{issue, std::move(message)});
    };
    const auto name_fn = [&] {
        return name;
    };
    const Int128 max_wide = ats::detail::kMaxWideRaw;
    const bool is_decimal = schema.logical.kind == LogicalType::Kind::kDecimal;
    const int scale = is_decimal ? schema.logical.scale : 0;
    // The fast paths: what ats writes (INT64 DECIMAL(18, 8), no nulls), taken as it is (every
    // int64 is a valid Price and below 1e20 as a quantity), and plain integers (trade counts).
    if (column.type == PhysicalType::kInt64 && !column.has_nulls() &&
        (!is_decimal || scale == kDecimals)) {
        if (is_decimal) {
            out.narrow.swap(column.int64s);  // the column keeps the old buffer for its next use
            out.is_narrow = true;
            return;
        }
        out.narrow.resize(n);
        bool overflow = false;
        for (std::size_t i = 0; i < n; ++i) {
            overflow |= __builtin_mul_overflow(column.int64s[i], kScale, &out.narrow[i]);
        }
        if (!overflow) {
            out.is_narrow = true;
            return;
        }
        out.narrow.clear();
    }
    out.wide.assign(n, 0);
    // Range of a converted raw value, with the CSV reader's wording (the text only on failure).
    const auto check_range = [&](std::size_t row, Int128 raw, Int128 unscaled, int sc) {
        const bool ok =
            price ? ats::detail::fits_int64(raw) : (raw <= max_wide && raw >= -max_wide);
        if (!ok) {
            problem(
                row,
                RowIssue::kBadNumber,
                fmt::format(
                    "column '{}': '{}' is out of range ({})",
                    name,
                    decimal_text(unscaled, sc),
                    price ? "prices are below 9.2e10" : "at most 1e20"));
        }
        return ok;
    };
    for (std::size_t i = 0; i < n; ++i) {
        if (column.is_null(i)) {
            problem(i, RowIssue::kBadNumber, fmt::format("column '{}': empty", name));
            continue;
        }
        Int128 unscaled = 0;
        bool integral = false;  // unscaled value with `scale` decimals
        switch (column.type) {
            case PhysicalType::kInt32:
                unscaled = column.int32s[i];
                integral = true;
                break;
            case PhysicalType::kInt64:
                unscaled = column.int64s[i];
                integral = true;
                break;
            case PhysicalType::kFixedLenByteArray:
            case PhysicalType::kByteArray:
                if (is_decimal) {
                    if (!from_big_endian(column.bytes_at(i), unscaled)) {
                        problem(
                            i,
                            RowIssue::kBadNumber,
                            fmt::format("column '{}': decimal wider than 128 bits", name));
                        continue;
                    }
                    integral = true;
                } else {
                    // Text, read as the CSV reader reads a field.
                    Int128 raw = 0;
                    rules::Problem p;
                    const auto text = column.bytes_at(i);
                    if (rules::parse_decimal(text, price, raw, p, name_fn)) {
                        out.wide[i] = raw;
                    } else {
                        out.problems.emplace_back(i, std::move(p));
                    }
                    continue;
                }
                break;
            case PhysicalType::kFloat:
            case PhysicalType::kDouble: {
                // The shortest text that reads back as the same double (what pandas, DuckDB and
                // Python print), parsed as the CSV reader parses it.
                char buf[64];
                const auto r = column.type == PhysicalType::kFloat
                                   ? std::to_chars(buf, buf + sizeof buf, column.floats[i])
                                   : std::to_chars(buf, buf + sizeof buf, column.doubles[i]);
                const std::string_view text(buf, static_cast<std::size_t>(r.ptr - buf));
                Int128 raw = 0;
                rules::Problem p;
                if (rules::parse_decimal(text, price, raw, p, name_fn)) {
                    out.wide[i] = raw;
                } else {
                    out.problems.emplace_back(i, std::move(p));
                }
                continue;
            }
            default:
                problem(i, RowIssue::kBadNumber, fmt::format("column '{}': not a number", name));
                continue;
        }
        if (!integral) {
            continue;
        }
        Int128 raw = 0;
        if (scale <= kDecimals) {
            if (__builtin_mul_overflow(unscaled, pow10(kDecimals - scale), &raw)) {
                check_range(i, ats::detail::kInt128Max, unscaled, scale);
                continue;
            }
        } else {
            const Int128 d = pow10(scale - kDecimals);
            if (unscaled % d != 0) {
                problem(
                    i,
                    RowIssue::kBadNumber,
                    fmt::format(
                        "column '{}': '{}' is not a decimal number with at most 8 decimals",
                        name,
                        decimal_text(unscaled, scale)));
                continue;
            }
            raw = unscaled / d;
        }
        if (!check_range(i, raw, unscaled, scale)) {
            continue;
        }
        out.wide[i] = raw;
    }
}

}  // namespace ats::data::decimal
