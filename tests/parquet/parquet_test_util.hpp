#pragma once

// Helpers shared by the Parquet tests and the fuzz program: random columns, temp files, and
// column comparison.

#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <unistd.h>

#include "ats/parquet/column.hpp"
#include "ats/parquet/reader.hpp"
#include "ats/parquet/types.hpp"
#include "ats/parquet/writer.hpp"

namespace ats::parquet::testing {

/// A schema column (all fields named, so brace lists stay warning-free).
inline ColumnSchema column(
    std::string name,
    PhysicalType type,
    Repetition repetition = Repetition::kRequired,
    std::int32_t type_length = 0,
    LogicalType logical = {}) {
    return ColumnSchema{std::move(name), type, repetition, type_length, logical};
}

/// A per-process temp directory removed when destroyed.
class TempDir {
public:
    TempDir() {
        static int counter = 0;
        path_ = std::filesystem::temp_directory_path() /
                ("ats_parquet_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
        std::filesystem::create_directories(path_);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    std::string file(const std::string& name) const { return (path_ / name).string(); }

private:
    std::filesystem::path path_;
};

inline std::string read_bytes(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

inline void write_bytes(const std::string& path, const std::string& bytes) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

/// Random values for `schema` (nulls in optional columns with probability 1/8; repeated values
/// so that dictionaries pay off in some columns).
inline ColumnData random_column(
    const ColumnSchema& schema, std::size_t rows, std::mt19937_64& rng) {
    ColumnData c(
        schema.type, schema.type == PhysicalType::kFixedLenByteArray ? schema.type_length : 0);
    const bool optional = schema.repetition == Repetition::kOptional;
    const std::uint64_t distinct = 1 + rng() % 5000;
    const bool sorted = rng() % 3 == 0;
    std::int64_t running = static_cast<std::int64_t>(rng() % 1'000'000);
    for (std::size_t i = 0; i < rows; ++i) {
        if (optional && rng() % 8 == 0) {
            c.push_null();
            continue;
        }
        const std::uint64_t pick = rng() % distinct;
        running += static_cast<std::int64_t>(rng() % 100);
        switch (schema.type) {
            case PhysicalType::kBoolean:
                c.booleans.push_back(static_cast<std::uint8_t>(rng() % 3 == 0));
                break;
            case PhysicalType::kInt32:
                c.int32s.push_back(
                    sorted ? static_cast<std::int32_t>(running)
                           : static_cast<std::int32_t>(pick * 2654435761ULL));
                break;
            case PhysicalType::kInt64:
                c.int64s.push_back(
                    sorted ? running * 1000
                           : static_cast<std::int64_t>(pick * 0x9E3779B97F4A7C15ULL));
                break;
            case PhysicalType::kFloat:
                c.floats.push_back(static_cast<float>(pick) * 0.25f - 100.0f);
                break;
            case PhysicalType::kDouble:
                c.doubles.push_back(static_cast<double>(pick) * 0.01 - 7.5);
                break;
            case PhysicalType::kByteArray: {
                std::string s = fmt::format("v{}", pick * 7919);
                s.append(pick % 13, 'x');
                c.push_bytes(s);
                continue;
            }
            case PhysicalType::kFixedLenByteArray: {
                std::string s(static_cast<std::size_t>(schema.type_length), '\0');
                for (auto& ch : s) {
                    ch = static_cast<char>(
                        (pick * 131 + static_cast<std::uint64_t>(&ch - s.data())) & 0xFF);
                }
                c.push_bytes(s);
                continue;
            }
            case PhysicalType::kInt96:
                break;
        }
        c.mark_valid_tail();
    }
    return c;
}

/// Equality of two columns row by row (doubles by bit pattern); empty on equality, else a
/// description of the first difference.
inline std::string compare_columns(const ColumnData& a, const ColumnData& b) {
    if (a.type != b.type) {
        return "types differ";
    }
    if (a.size() != b.size()) {
        return "sizes differ: " + std::to_string(a.size()) + " vs " + std::to_string(b.size());
    }
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (a.is_null(i) != b.is_null(i)) {
            return "nullness differs at row " + std::to_string(i);
        }
        if (a.is_null(i)) {
            continue;
        }
        bool same = true;
        switch (a.type) {
            case PhysicalType::kBoolean:
                same = (a.booleans[i] != 0) == (b.booleans[i] != 0);
                break;
            case PhysicalType::kInt32:
                same = a.int32s[i] == b.int32s[i];
                break;
            case PhysicalType::kInt64:
                same = a.int64s[i] == b.int64s[i];
                break;
            case PhysicalType::kFloat:
                same = std::memcmp(&a.floats[i], &b.floats[i], 4) == 0;
                break;
            case PhysicalType::kDouble:
                same = std::memcmp(&a.doubles[i], &b.doubles[i], 8) == 0;
                break;
            default:
                same = a.bytes_at(i) == b.bytes_at(i);
        }
        if (!same) {
            return "value differs at row " + std::to_string(i);
        }
    }
    return {};
}

/// Every column of a file, all row groups concatenated.
inline Result<std::vector<ColumnData>> read_all(const FileReader& file) {
    const FileMetadata& meta = file.metadata();
    std::vector<ColumnData> out;
    for (std::size_t c = 0; c < meta.columns.size(); ++c) {
        const auto& s = meta.columns[c];
        ColumnData col(
            s.type,
            s.type == PhysicalType::kFixedLenByteArray ? s.type_length
            : s.type == PhysicalType::kInt96           ? 12
                                                       : 0);
        for (std::size_t g = 0; g < meta.row_groups.size(); ++g) {
            if (auto st = file.read_column_into(g, c, col); !st) {
                return tl::unexpected(st.error());
            }
        }
        out.push_back(std::move(col));
    }
    return out;
}

}  // namespace ats::parquet::testing
