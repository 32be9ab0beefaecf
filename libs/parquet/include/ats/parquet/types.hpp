#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ats::parquet {

/// Physical types of the Parquet format (values are the format's enum values).
enum class PhysicalType : std::uint8_t {
    kBoolean = 0,
    kInt32 = 1,
    kInt64 = 2,
    kInt96 = 3,  ///< legacy timestamps; read as raw 12-byte values only
    kFloat = 4,
    kDouble = 5,
    kByteArray = 6,
    kFixedLenByteArray = 7,
};

/// Value encodings (the format's enum values).
enum class Encoding : std::uint8_t {
    kPlain = 0,
    kPlainDictionary = 2,
    kRle = 3,
    kBitPacked = 4,
    kDeltaBinaryPacked = 5,
    kDeltaLengthByteArray = 6,
    kDeltaByteArray = 7,
    kRleDictionary = 8,
    kByteStreamSplit = 9,
};

/// Compression codecs (the format's enum values). ats reads and writes the first three.
enum class Codec : std::uint8_t {
    kUncompressed = 0,
    kSnappy = 1,
    kGzip = 2,
    kLzo = 3,
    kBrotli = 4,
    kLz4 = 5,
    kZstd = 6,
    kLz4Raw = 7,
};

enum class Repetition : std::uint8_t { kRequired = 0, kOptional = 1, kRepeated = 2 };

enum class TimeUnit : std::uint8_t { kMillis, kMicros, kNanos };

/// The logical type annotation of a column (LogicalType, or the legacy ConvertedType on read).
struct LogicalType {
    enum class Kind : std::uint8_t {
        kNone,
        kString,
        kTimestamp,
        kDecimal,
        kInteger,
        kDate,
        kOther,  ///< anything else (JSON, UUID, ...): the physical value is what is read
    };
    Kind kind = Kind::kNone;
    TimeUnit unit = TimeUnit::kMillis;  ///< kTimestamp
    bool adjusted_to_utc = true;        ///< kTimestamp
    std::int32_t precision = 0;         ///< kDecimal
    std::int32_t scale = 0;             ///< kDecimal
    std::int32_t bit_width = 64;        ///< kInteger
    bool is_signed = true;              ///< kInteger

    static LogicalType none() { return {}; }
    static LogicalType string() { return {Kind::kString}; }
    static LogicalType timestamp(TimeUnit unit, bool utc = true) {
        LogicalType t{Kind::kTimestamp};
        t.unit = unit;
        t.adjusted_to_utc = utc;
        return t;
    }
    static LogicalType decimal(std::int32_t precision, std::int32_t scale) {
        LogicalType t{Kind::kDecimal};
        t.precision = precision;
        t.scale = scale;
        return t;
    }
    static LogicalType integer(std::int32_t bits, bool is_signed) {
        LogicalType t{Kind::kInteger};
        t.bit_width = bits;
        t.is_signed = is_signed;
        return t;
    }
    friend bool operator==(const LogicalType&, const LogicalType&) = default;
};

/// One leaf column of a flat schema.
struct ColumnSchema {
    std::string name;
    PhysicalType type = PhysicalType::kInt64;
    Repetition repetition = Repetition::kRequired;
    std::int32_t type_length = 0;  ///< bytes per value for kFixedLenByteArray
    LogicalType logical;

    friend bool operator==(const ColumnSchema&, const ColumnSchema&) = default;
};

struct KeyValue {
    std::string key;
    std::optional<std::string> value;
    friend bool operator==(const KeyValue&, const KeyValue&) = default;
};

/// Column-chunk statistics as stored: min and max PLAIN-encoded (byte arrays without their
/// length prefix), ordered by the column's logical type (signed for integers, decimals and
/// timestamps; unsigned byte order for strings).
struct Statistics {
    std::optional<std::string> min_value;
    std::optional<std::string> max_value;
    std::optional<std::int64_t> null_count;
    std::optional<std::int64_t> distinct_count;
};

/// Where a column chunk lives in the file and how it is stored.
struct ColumnChunkInfo {
    PhysicalType type = PhysicalType::kInt64;
    std::vector<Encoding> encodings;
    Codec codec = Codec::kUncompressed;
    std::int64_t num_values = 0;
    std::int64_t total_uncompressed_size = 0;
    std::int64_t total_compressed_size = 0;
    std::int64_t data_page_offset = 0;
    std::optional<std::int64_t> dictionary_page_offset;
    Statistics statistics;
};

struct RowGroupInfo {
    std::int64_t num_rows = 0;
    std::int64_t total_byte_size = 0;
    std::vector<ColumnChunkInfo> columns;  ///< one per schema column, in schema order
};

/// What the footer says, after validation: a flat schema and the row groups.
struct FileMetadata {
    std::int32_t version = 1;
    std::vector<ColumnSchema> columns;
    std::int64_t num_rows = 0;
    std::vector<RowGroupInfo> row_groups;
    std::vector<KeyValue> key_value_metadata;
    std::optional<std::string> created_by;

    /// Index of the column named `name`, if any.
    std::optional<std::size_t> find_column(std::string_view name) const;
    /// Value of the key `key` in the key-value metadata, if present.
    std::optional<std::string> find_key(std::string_view key) const;
};

std::string_view to_string(PhysicalType type) noexcept;
std::string_view to_string(Encoding encoding) noexcept;
std::string_view to_string(Codec codec) noexcept;
std::string_view to_string(TimeUnit unit) noexcept;
/// "TIMESTAMP(MILLIS, UTC)", "DECIMAL(18, 8)", "STRING", "" for none.
std::string to_string(const LogicalType& logical);

}  // namespace ats::parquet
