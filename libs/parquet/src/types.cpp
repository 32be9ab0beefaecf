#include "ats/parquet/types.hpp"

#include <fmt/format.h>

namespace ats::parquet {

std::optional<std::size_t> FileMetadata::find_column(std::string_view name) const {
    for (std::size_t i = 0; i < columns.size(); ++i) {
        if (columns[i].name == name) {
            return i;
        }
    }
    return std::nullopt;
}

std::optional<std::string> FileMetadata::find_key(std::string_view key) const {
    for (const auto& kv : key_value_metadata) {
        if (kv.key == key) {
            return kv.value.value_or("");
        }
    }
    return std::nullopt;
}

std::string_view to_string(PhysicalType type) noexcept {
    switch (type) {
        case PhysicalType::kBoolean:
            return "BOOLEAN";
        case PhysicalType::kInt32:
            return "INT32";
        case PhysicalType::kInt64:
            return "INT64";
        case PhysicalType::kInt96:
            return "INT96";
        case PhysicalType::kFloat:
            return "FLOAT";
        case PhysicalType::kDouble:
            return "DOUBLE";
        case PhysicalType::kByteArray:
            return "BYTE_ARRAY";
        case PhysicalType::kFixedLenByteArray:
            return "FIXED_LEN_BYTE_ARRAY";
    }
    return "UNKNOWN";
}

std::string_view to_string(Encoding encoding) noexcept {
    switch (encoding) {
        case Encoding::kPlain:
            return "PLAIN";
        case Encoding::kPlainDictionary:
            return "PLAIN_DICTIONARY";
        case Encoding::kRle:
            return "RLE";
        case Encoding::kBitPacked:
            return "BIT_PACKED";
        case Encoding::kDeltaBinaryPacked:
            return "DELTA_BINARY_PACKED";
        case Encoding::kDeltaLengthByteArray:
            return "DELTA_LENGTH_BYTE_ARRAY";
        case Encoding::kDeltaByteArray:
            return "DELTA_BYTE_ARRAY";
        case Encoding::kRleDictionary:
            return "RLE_DICTIONARY";
        case Encoding::kByteStreamSplit:
            return "BYTE_STREAM_SPLIT";
    }
    return "UNKNOWN";
}

std::string_view to_string(Codec codec) noexcept {
    switch (codec) {
        case Codec::kUncompressed:
            return "UNCOMPRESSED";
        case Codec::kSnappy:
            return "SNAPPY";
        case Codec::kGzip:
            return "GZIP";
        case Codec::kLzo:
            return "LZO";
        case Codec::kBrotli:
            return "BROTLI";
        case Codec::kLz4:
            return "LZ4";
        case Codec::kZstd:
            return "ZSTD";
        case Codec::kLz4Raw:
            return "LZ4_RAW";
    }
    return "UNKNOWN";
}

std::string_view to_string(TimeUnit unit) noexcept {
    switch (unit) {
        case TimeUnit::kMillis:
            return "MILLIS";
        case TimeUnit::kMicros:
            return "MICROS";
        case TimeUnit::kNanos:
            return "NANOS";
    }
    return "UNKNOWN";
}

std::string to_string(const LogicalType& logical) {
    switch (logical.kind) {
        case LogicalType::Kind::kNone:
            return "";
        case LogicalType::Kind::kString:
            return "STRING";
        case LogicalType::Kind::kTimestamp:
            return fmt::format(
                "TIMESTAMP({}{})", to_string(logical.unit), logical.adjusted_to_utc ? ", UTC" : "");
        case LogicalType::Kind::kDecimal:
            return fmt::format("DECIMAL({}, {})", logical.precision, logical.scale);
        case LogicalType::Kind::kInteger:
            return fmt::format("{}INT{}", logical.is_signed ? "" : "U", logical.bit_width);
        case LogicalType::Kind::kDate:
            return "DATE";
        case LogicalType::Kind::kOther:
            return "OTHER";
    }
    return "";
}

}  // namespace ats::parquet
