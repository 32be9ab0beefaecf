#include "metadata.hpp"

#include <optional>
#include <vector>

#include <fmt/format.h>

#include "thrift.hpp"

namespace ats::parquet::detail {
namespace {

using thrift::Reader;
using thrift::Writer;

// ConvertedType values of parquet.thrift used here.
constexpr std::int32_t kConvertedUtf8 = 0;
constexpr std::int32_t kConvertedEnum = 4;
constexpr std::int32_t kConvertedDecimal = 5;
constexpr std::int32_t kConvertedDate = 6;
constexpr std::int32_t kConvertedTimestampMillis = 9;
constexpr std::int32_t kConvertedTimestampMicros = 10;
constexpr std::int32_t kConvertedUint8 = 11;
constexpr std::int32_t kConvertedInt64 = 18;
constexpr std::int32_t kConvertedJson = 19;

struct RawStatistics {
    std::optional<std::string> max;
    std::optional<std::string> min;
    std::optional<std::int64_t> null_count;
    std::optional<std::int64_t> distinct_count;
    std::optional<std::string> max_value;
    std::optional<std::string> min_value;
};

struct RawSchemaElement {
    std::optional<std::int32_t> type;
    std::int32_t type_length = 0;
    std::optional<std::int32_t> repetition;
    std::string name;
    bool has_name = false;
    std::optional<std::int32_t> num_children;
    std::optional<std::int32_t> converted;
    std::int32_t scale = 0;
    std::int32_t precision = 0;
    std::optional<LogicalType> logical;
};

RawStatistics read_statistics(Reader& r) {
    RawStatistics s;
    r.begin_struct();
    std::int16_t id = 0;
    std::uint8_t t = 0;
    while (r.next_field(id, t)) {
        switch (id) {
            case 1:
                s.max = r.read_binary(t);
                break;
            case 2:
                s.min = r.read_binary(t);
                break;
            case 3:
                s.null_count = r.read_i64(t);
                break;
            case 4:
                s.distinct_count = r.read_i64(t);
                break;
            case 5:
                s.max_value = r.read_binary(t);
                break;
            case 6:
                s.min_value = r.read_binary(t);
                break;
            default:
                r.skip(t);
        }
    }
    r.end_struct();
    return s;
}

// Reads an empty-struct union member and returns which field was set (0 when none).
std::int16_t read_union_tag(Reader& r) {
    std::int16_t tag = 0;
    r.begin_struct();
    std::int16_t id = 0;
    std::uint8_t t = 0;
    while (r.next_field(id, t)) {
        if (tag == 0 && t == thrift::kStruct) {
            tag = id;
        }
        r.skip(t);
    }
    r.end_struct();
    return tag;
}

LogicalType read_logical_type(Reader& r) {
    LogicalType logical{LogicalType::Kind::kOther};
    r.begin_struct();
    std::int16_t id = 0;
    std::uint8_t t = 0;
    while (r.next_field(id, t)) {
        if (t != thrift::kStruct) {
            r.skip(t);
            continue;
        }
        switch (id) {
            case 1:  // STRING
                logical.kind = LogicalType::Kind::kString;
                r.skip(t);
                break;
            case 5: {  // DECIMAL
                logical.kind = LogicalType::Kind::kDecimal;
                r.begin_struct();
                std::int16_t fid = 0;
                std::uint8_t ft = 0;
                while (r.next_field(fid, ft)) {
                    if (fid == 1) {
                        logical.scale = r.read_i32(ft);
                    } else if (fid == 2) {
                        logical.precision = r.read_i32(ft);
                    } else {
                        r.skip(ft);
                    }
                }
                r.end_struct();
                break;
            }
            case 6:  // DATE
                logical.kind = LogicalType::Kind::kDate;
                r.skip(t);
                break;
            case 8: {  // TIMESTAMP
                logical.kind = LogicalType::Kind::kTimestamp;
                r.begin_struct();
                std::int16_t fid = 0;
                std::uint8_t ft = 0;
                while (r.next_field(fid, ft)) {
                    if (fid == 1) {
                        logical.adjusted_to_utc = r.read_bool(ft);
                    } else if (fid == 2 && ft == thrift::kStruct) {
                        const std::int16_t unit = read_union_tag(r);
                        if (unit == 1) {
                            logical.unit = TimeUnit::kMillis;
                        } else if (unit == 2) {
                            logical.unit = TimeUnit::kMicros;
                        } else if (unit == 3) {
                            logical.unit = TimeUnit::kNanos;
                        } else {
                            r.fail("TIMESTAMP with an unknown time unit");
                        }
                    } else {
                        r.skip(ft);
                    }
                }
                r.end_struct();
                break;
            }
            case 10: {  // INTEGER
                logical.kind = LogicalType::Kind::kInteger;
                r.begin_struct();
                std::int16_t fid = 0;
                std::uint8_t ft = 0;
                while (r.next_field(fid, ft)) {
                    if (fid == 1) {
                        logical.bit_width = r.read_i32(ft);
                    } else if (fid == 2) {
                        logical.is_signed = r.read_bool(ft);
                    } else {
                        r.skip(ft);
                    }
                }
                r.end_struct();
                break;
            }
            default:
                r.skip(t);
        }
    }
    r.end_struct();
    return logical;
}

RawSchemaElement read_schema_element(Reader& r) {
    RawSchemaElement e;
    r.begin_struct();
    std::int16_t id = 0;
    std::uint8_t t = 0;
    while (r.next_field(id, t)) {
        switch (id) {
            case 1:
                e.type = r.read_i32(t);
                break;
            case 2:
                e.type_length = r.read_i32(t);
                break;
            case 3:
                e.repetition = r.read_i32(t);
                break;
            case 4:
                e.name = r.read_binary(t);
                e.has_name = true;
                break;
            case 5:
                e.num_children = r.read_i32(t);
                break;
            case 6:
                e.converted = r.read_i32(t);
                break;
            case 7:
                e.scale = r.read_i32(t);
                break;
            case 8:
                e.precision = r.read_i32(t);
                break;
            case 10:
                if (t == thrift::kStruct) {
                    e.logical = read_logical_type(r);
                } else {
                    r.skip(t);
                }
                break;
            default:
                r.skip(t);
        }
    }
    r.end_struct();
    return e;
}

LogicalType from_converted(const RawSchemaElement& e) {
    if (!e.converted) {
        return {};
    }
    const std::int32_t c = *e.converted;
    if (c == kConvertedUtf8 || c == kConvertedEnum || c == kConvertedJson) {
        return LogicalType::string();
    }
    if (c == kConvertedDecimal) {
        return LogicalType::decimal(e.precision, e.scale);
    }
    if (c == kConvertedDate) {
        return LogicalType{LogicalType::Kind::kDate};
    }
    if (c == kConvertedTimestampMillis) {
        return LogicalType::timestamp(TimeUnit::kMillis);
    }
    if (c == kConvertedTimestampMicros) {
        return LogicalType::timestamp(TimeUnit::kMicros);
    }
    if (c >= kConvertedUint8 && c <= kConvertedInt64) {
        const bool is_signed = c >= 15;
        const int index = (c - (is_signed ? 15 : 11));
        return LogicalType::integer(8 << index, is_signed);
    }
    return LogicalType{LogicalType::Kind::kOther};
}

struct RawChunk {
    bool external = false;
    bool has_meta = false;
    ColumnChunkInfo info;
    RawStatistics stats;
};

void read_column_meta(Reader& r, RawChunk& chunk) {
    r.begin_struct();
    std::int16_t id = 0;
    std::uint8_t t = 0;
    ColumnChunkInfo& c = chunk.info;
    while (r.next_field(id, t)) {
        switch (id) {
            case 1: {
                const std::int32_t v = r.read_i32(t);
                if (v < 0 || v > 7) {
                    r.fail(fmt::format("unknown physical type {}", v));
                }
                c.type = static_cast<PhysicalType>(v);
                break;
            }
            case 2: {
                std::uint8_t et = 0;
                const std::uint32_t n = r.read_list_header(t, et);
                for (std::uint32_t i = 0; i < n && r.ok(); ++i) {
                    const std::int32_t v = r.read_i32(et);
                    if (v < 0 || v > 255) {
                        r.fail(fmt::format("unknown encoding {}", v));
                    }
                    c.encodings.push_back(static_cast<Encoding>(v));
                }
                break;
            }
            case 4: {
                const std::int32_t v = r.read_i32(t);
                if (v < 0 || v > 255) {
                    r.fail(fmt::format("unknown codec {}", v));
                }
                c.codec = static_cast<Codec>(v);
                break;
            }
            case 5:
                c.num_values = r.read_i64(t);
                break;
            case 6:
                c.total_uncompressed_size = r.read_i64(t);
                break;
            case 7:
                c.total_compressed_size = r.read_i64(t);
                break;
            case 9:
                c.data_page_offset = r.read_i64(t);
                break;
            case 11:
                c.dictionary_page_offset = r.read_i64(t);
                break;
            case 12:
                if (t == thrift::kStruct) {
                    chunk.stats = read_statistics(r);
                } else {
                    r.skip(t);
                }
                break;
            default:
                r.skip(t);
        }
    }
    r.end_struct();
    chunk.has_meta = true;
}

RawChunk read_column_chunk(Reader& r) {
    RawChunk chunk;
    r.begin_struct();
    std::int16_t id = 0;
    std::uint8_t t = 0;
    while (r.next_field(id, t)) {
        if (id == 1 && t == thrift::kBinary) {
            chunk.external = true;
            r.skip(t);
        } else if (id == 3 && t == thrift::kStruct) {
            read_column_meta(r, chunk);
        } else {
            r.skip(t);
        }
    }
    r.end_struct();
    return chunk;
}

struct RawRowGroup {
    std::vector<RawChunk> columns;
    std::int64_t total_byte_size = 0;
    std::int64_t num_rows = -1;
};

RawRowGroup read_row_group(Reader& r, const ReaderLimits& limits) {
    RawRowGroup g;
    r.begin_struct();
    std::int16_t id = 0;
    std::uint8_t t = 0;
    while (r.next_field(id, t)) {
        if (id == 1) {
            std::uint8_t et = 0;
            const std::uint32_t n = r.read_list_header(t, et);
            if (n > limits.max_columns) {
                r.fail(fmt::format("{} columns, at most {} allowed", n, limits.max_columns));
                break;
            }
            for (std::uint32_t i = 0; i < n && r.ok(); ++i) {
                if (et != thrift::kStruct) {
                    r.fail("column chunk is not a struct");
                    break;
                }
                g.columns.push_back(read_column_chunk(r));
            }
        } else if (id == 2) {
            g.total_byte_size = r.read_i64(t);
        } else if (id == 3) {
            g.num_rows = r.read_i64(t);
        } else {
            r.skip(t);
        }
    }
    r.end_struct();
    return g;
}

bool is_signed_order(const ColumnSchema& c) {
    switch (c.type) {
        case PhysicalType::kInt32:
        case PhysicalType::kInt64:
            return !(c.logical.kind == LogicalType::Kind::kInteger && !c.logical.is_signed);
        case PhysicalType::kFloat:
        case PhysicalType::kDouble:
        case PhysicalType::kBoolean:
            return true;
        default:
            return false;
    }
}

Result<ColumnSchema> to_column(const RawSchemaElement& e) {
    ColumnSchema c;
    c.name = e.name;
    if (!e.type) {
        return make_error(ErrorCode::kParse, fmt::format("column '{}' has no type", e.name));
    }
    if (*e.type < 0 || *e.type > 7) {
        return make_error(
            ErrorCode::kParse,
            fmt::format("column '{}': unknown physical type {}", e.name, *e.type));
    }
    c.type = static_cast<PhysicalType>(*e.type);
    const std::int32_t rep = e.repetition.value_or(0);
    if (rep == 2) {
        return make_error(
            ErrorCode::kParse,
            fmt::format("column '{}' is repeated: only flat schemas are supported", e.name));
    }
    if (rep != 0 && rep != 1) {
        return make_error(
            ErrorCode::kParse, fmt::format("column '{}': unknown repetition {}", e.name, rep));
    }
    c.repetition = rep == 0 ? Repetition::kRequired : Repetition::kOptional;
    if (c.type == PhysicalType::kFixedLenByteArray) {
        if (e.type_length <= 0 || e.type_length > (1 << 20)) {
            return make_error(
                ErrorCode::kParse,
                fmt::format(
                    "column '{}': fixed length {} is not in 1..2^20", e.name, e.type_length));
        }
        c.type_length = e.type_length;
    } else if (c.type == PhysicalType::kInt96) {
        c.type_length = 12;
    }
    c.logical = e.logical ? *e.logical : from_converted(e);
    if (c.logical.kind == LogicalType::Kind::kDecimal) {
        if (c.logical.precision <= 0 || c.logical.scale < 0 ||
            c.logical.scale > c.logical.precision) {
            return make_error(
                ErrorCode::kParse,
                fmt::format(
                    "column '{}': DECIMAL({}, {}) is invalid",
                    e.name,
                    c.logical.precision,
                    c.logical.scale));
        }
    }
    return c;
}

// Field order within each struct below follows parquet.thrift's ids, ascending.
void write_logical_type(Writer& w, const LogicalType& l) {
    w.field_struct_begin(10);
    switch (l.kind) {
        case LogicalType::Kind::kString:
            w.field_struct_begin(1);
            w.end_struct();
            break;
        case LogicalType::Kind::kDecimal:
            w.field_struct_begin(5);
            w.field_i32(1, l.scale);
            w.field_i32(2, l.precision);
            w.end_struct();
            break;
        case LogicalType::Kind::kDate:
            w.field_struct_begin(6);
            w.end_struct();
            break;
        case LogicalType::Kind::kTimestamp: {
            w.field_struct_begin(8);
            w.field_bool(1, l.adjusted_to_utc);
            w.field_struct_begin(2);
            const std::int16_t unit = l.unit == TimeUnit::kMillis   ? 1
                                      : l.unit == TimeUnit::kMicros ? 2
                                                                    : 3;
            w.field_struct_begin(unit);
            w.end_struct();
            w.end_struct();
            w.end_struct();
            break;
        }
        case LogicalType::Kind::kInteger: {
            w.field_struct_begin(10);
            // bitWidth is an i8: one raw byte after a kByte field header.
            w.field_i8(1, static_cast<std::int8_t>(l.bit_width));
            w.field_bool(2, l.is_signed);
            w.end_struct();
            break;
        }
        case LogicalType::Kind::kNone:
        case LogicalType::Kind::kOther:
            break;
    }
    w.end_struct();
}

std::optional<std::int32_t> converted_type_of(const LogicalType& l) {
    switch (l.kind) {
        case LogicalType::Kind::kString:
            return kConvertedUtf8;
        case LogicalType::Kind::kDecimal:
            return kConvertedDecimal;
        case LogicalType::Kind::kDate:
            return kConvertedDate;
        case LogicalType::Kind::kTimestamp:
            if (!l.adjusted_to_utc) {
                return std::nullopt;
            }
            if (l.unit == TimeUnit::kMillis) {
                return kConvertedTimestampMillis;
            }
            if (l.unit == TimeUnit::kMicros) {
                return kConvertedTimestampMicros;
            }
            return std::nullopt;
        case LogicalType::Kind::kInteger: {
            const int index = l.bit_width == 8    ? 0
                              : l.bit_width == 16 ? 1
                              : l.bit_width == 32 ? 2
                                                  : 3;
            return (l.is_signed ? 15 : 11) + index;
        }
        default:
            return std::nullopt;
    }
}

void write_statistics(Writer& w, std::int16_t id, const Statistics& s) {
    w.field_struct_begin(id);
    if (s.null_count) {
        w.field_i64(3, *s.null_count);
    }
    if (s.distinct_count) {
        w.field_i64(4, *s.distinct_count);
    }
    if (s.max_value) {
        w.field_binary(5, *s.max_value);
    }
    if (s.min_value) {
        w.field_binary(6, *s.min_value);
    }
    w.end_struct();
}

}  // namespace

Result<PageHeader> decode_page_header(
    const std::uint8_t* data, std::size_t size, int max_depth, std::size_t& consumed) {
    Reader r(data, size, max_depth);
    PageHeader h;
    bool has_type = false;
    bool has_sizes[2] = {false, false};
    bool seen[3] = {false, false, false};  // v1, dictionary, v2 sub-headers
    r.begin_struct();
    std::int16_t id = 0;
    std::uint8_t t = 0;
    auto read_encoding = [&](std::uint8_t type) {
        const std::int32_t v = r.read_i32(type);
        if (v < 0 || v > 255) {
            r.fail(fmt::format("unknown encoding {}", v));
        }
        return static_cast<Encoding>(v);
    };
    while (r.next_field(id, t)) {
        switch (id) {
            case 1: {
                const std::int32_t v = r.read_i32(t);
                if (v < 0 || v > 3) {
                    r.fail(fmt::format("unknown page type {}", v));
                }
                h.type = static_cast<PageType>(v);
                has_type = true;
                break;
            }
            case 2:
                h.uncompressed_page_size = r.read_i32(t);
                has_sizes[0] = true;
                break;
            case 3:
                h.compressed_page_size = r.read_i32(t);
                has_sizes[1] = true;
                break;
            case 5:
            case 7:
            case 8: {
                if (t != thrift::kStruct) {
                    r.skip(t);
                    break;
                }
                const bool v2 = id == 8;
                const bool dict = id == 7;
                seen[id == 5 ? 0 : dict ? 1 : 2] = true;
                r.begin_struct();
                std::int16_t fid = 0;
                std::uint8_t ft = 0;
                while (r.next_field(fid, ft)) {
                    if (fid == 1) {
                        h.num_values = r.read_i32(ft);
                    } else if (dict && fid == 2) {
                        h.encoding = read_encoding(ft);
                    } else if (dict) {
                        r.skip(ft);
                    } else if (!v2 && fid == 2) {
                        h.encoding = read_encoding(ft);
                    } else if (!v2 && fid == 3) {
                        h.definition_level_encoding = read_encoding(ft);
                    } else if (!v2 && fid == 4) {
                        h.repetition_level_encoding = read_encoding(ft);
                    } else if (v2 && fid == 2) {
                        h.num_nulls = r.read_i32(ft);
                    } else if (v2 && fid == 3) {
                        h.num_rows = r.read_i32(ft);
                    } else if (v2 && fid == 4) {
                        h.encoding = read_encoding(ft);
                    } else if (v2 && fid == 5) {
                        h.definition_levels_byte_length = r.read_i32(ft);
                    } else if (v2 && fid == 6) {
                        h.repetition_levels_byte_length = r.read_i32(ft);
                    } else if (v2 && fid == 7) {
                        h.is_compressed = r.read_bool(ft);
                    } else {
                        r.skip(ft);
                    }
                }
                r.end_struct();
                break;
            }
            default:
                r.skip(t);
        }
    }
    r.end_struct();
    if (!r.ok()) {
        return make_error(ErrorCode::kParse, fmt::format("page header: {}", r.error()));
    }
    if (!has_type || !has_sizes[0] || !has_sizes[1]) {
        return make_error(ErrorCode::kParse, "page header lacks its type or sizes");
    }
    if (h.uncompressed_page_size < 0 || h.compressed_page_size < 0 || h.num_values < 0 ||
        h.num_nulls < 0 || h.num_nulls > h.num_values || h.definition_levels_byte_length < 0 ||
        h.repetition_levels_byte_length < 0) {
        return make_error(ErrorCode::kParse, "page header holds a negative size or count");
    }
    h.has_body = (h.type == PageType::kDataPage && seen[0]) ||
                 (h.type == PageType::kDictionaryPage && seen[1]) ||
                 (h.type == PageType::kDataPageV2 && seen[2]) || h.type == PageType::kIndexPage;
    consumed = r.position();
    return h;
}

void encode_page_header(const PageHeader& h, std::string& out) {
    Writer w(out);
    w.begin_struct();
    w.field_i32(1, static_cast<std::int32_t>(h.type));
    w.field_i32(2, h.uncompressed_page_size);
    w.field_i32(3, h.compressed_page_size);
    switch (h.type) {
        case PageType::kDataPage:
            w.field_struct_begin(5);
            w.field_i32(1, h.num_values);
            w.field_i32(2, static_cast<std::int32_t>(h.encoding));
            w.field_i32(3, static_cast<std::int32_t>(Encoding::kRle));
            w.field_i32(4, static_cast<std::int32_t>(Encoding::kRle));
            w.end_struct();
            break;
        case PageType::kDictionaryPage:
            w.field_struct_begin(7);
            w.field_i32(1, h.num_values);
            w.field_i32(2, static_cast<std::int32_t>(Encoding::kPlain));
            w.end_struct();
            break;
        case PageType::kDataPageV2:
            w.field_struct_begin(8);
            w.field_i32(1, h.num_values);
            w.field_i32(2, h.num_nulls);
            w.field_i32(3, h.num_rows);
            w.field_i32(4, static_cast<std::int32_t>(h.encoding));
            w.field_i32(5, h.definition_levels_byte_length);
            w.field_i32(6, h.repetition_levels_byte_length);
            w.field_bool(7, h.is_compressed);
            w.end_struct();
            break;
        case PageType::kIndexPage:
            break;
    }
    w.end_struct();
}

Result<FileMetadata> decode_file_metadata(
    const std::uint8_t* data, std::size_t size, const ReaderLimits& limits) {
    Reader r(data, size, limits.max_nesting);
    FileMetadata meta;
    std::vector<RawSchemaElement> schema;
    std::vector<RawRowGroup> groups;
    bool has_num_rows = false;
    r.begin_struct();
    std::int16_t id = 0;
    std::uint8_t t = 0;
    while (r.next_field(id, t)) {
        switch (id) {
            case 1:
                meta.version = r.read_i32(t);
                break;
            case 2: {
                std::uint8_t et = 0;
                const std::uint32_t n = r.read_list_header(t, et);
                if (n > limits.max_columns + 1) {
                    r.fail(fmt::format(
                        "{} schema elements, at most {} allowed", n, limits.max_columns));
                    break;
                }
                for (std::uint32_t i = 0; i < n && r.ok(); ++i) {
                    if (et != thrift::kStruct) {
                        r.fail("schema element is not a struct");
                        break;
                    }
                    schema.push_back(read_schema_element(r));
                }
                break;
            }
            case 3:
                meta.num_rows = r.read_i64(t);
                has_num_rows = true;
                break;
            case 4: {
                std::uint8_t et = 0;
                const std::uint32_t n = r.read_list_header(t, et);
                if (n > limits.max_row_groups) {
                    r.fail(
                        fmt::format("{} row groups, at most {} allowed", n, limits.max_row_groups));
                    break;
                }
                for (std::uint32_t i = 0; i < n && r.ok(); ++i) {
                    if (et != thrift::kStruct) {
                        r.fail("row group is not a struct");
                        break;
                    }
                    groups.push_back(read_row_group(r, limits));
                }
                break;
            }
            case 5: {
                std::uint8_t et = 0;
                const std::uint32_t n = r.read_list_header(t, et);
                for (std::uint32_t i = 0; i < n && r.ok(); ++i) {
                    if (et != thrift::kStruct) {
                        r.fail("key-value entry is not a struct");
                        break;
                    }
                    KeyValue kv;
                    r.begin_struct();
                    std::int16_t fid = 0;
                    std::uint8_t ft = 0;
                    while (r.next_field(fid, ft)) {
                        if (fid == 1) {
                            kv.key = r.read_binary(ft);
                        } else if (fid == 2) {
                            kv.value = r.read_binary(ft);
                        } else {
                            r.skip(ft);
                        }
                    }
                    r.end_struct();
                    meta.key_value_metadata.push_back(std::move(kv));
                }
                break;
            }
            case 6:
                meta.created_by = r.read_binary(t);
                break;
            default:
                r.skip(t);
        }
    }
    r.end_struct();
    if (!r.ok()) {
        return make_error(ErrorCode::kParse, fmt::format("footer: {}", r.error()));
    }
    if (schema.empty() || !has_num_rows) {
        return make_error(ErrorCode::kParse, "footer lacks the schema or the row count");
    }
    if (meta.num_rows < 0) {
        return make_error(ErrorCode::kParse, "footer: negative row count");
    }
    const RawSchemaElement& root = schema.front();
    const std::int32_t children = root.num_children.value_or(0);
    if (children < 0 || static_cast<std::size_t>(children) != schema.size() - 1) {
        return make_error(
            ErrorCode::kParse,
            fmt::format(
                "schema root has {} children but {} elements follow: nested schemas are not "
                "supported",
                children,
                schema.size() - 1));
    }
    for (std::size_t i = 1; i < schema.size(); ++i) {
        const auto& e = schema[i];
        if (e.num_children && *e.num_children > 0) {
            return make_error(
                ErrorCode::kParse,
                fmt::format("column '{}' is a group: only flat schemas are supported", e.name));
        }
        auto column = to_column(e);
        if (!column) {
            return make_error(ErrorCode::kParse, fmt::format("schema: {}", column.error().message));
        }
        meta.columns.push_back(std::move(*column));
    }
    std::int64_t total_rows = 0;
    for (std::size_t g = 0; g < groups.size(); ++g) {
        RawRowGroup& raw = groups[g];
        if (raw.num_rows < 0 || raw.num_rows > limits.max_row_group_rows) {
            return make_error(
                ErrorCode::kParse,
                fmt::format(
                    "row group {}: {} rows (0..{} allowed)",
                    g,
                    raw.num_rows,
                    limits.max_row_group_rows));
        }
        if (raw.columns.size() != meta.columns.size()) {
            return make_error(
                ErrorCode::kParse,
                fmt::format(
                    "row group {} has {} column chunks for {} columns",
                    g,
                    raw.columns.size(),
                    meta.columns.size()));
        }
        RowGroupInfo info;
        info.num_rows = raw.num_rows;
        info.total_byte_size = raw.total_byte_size;
        for (std::size_t c = 0; c < raw.columns.size(); ++c) {
            RawChunk& chunk = raw.columns[c];
            const ColumnSchema& column = meta.columns[c];
            const auto where = [&] {
                return fmt::format("row group {}, column '{}'", g, column.name);
            };
            if (chunk.external) {
                return make_error(
                    ErrorCode::kParse,
                    fmt::format("{}: column data in another file is not supported", where()));
            }
            if (!chunk.has_meta) {
                return make_error(
                    ErrorCode::kParse, fmt::format("{}: no column metadata", where()));
            }
            ColumnChunkInfo& ci = chunk.info;
            if (ci.type != column.type) {
                return make_error(
                    ErrorCode::kParse,
                    fmt::format(
                        "{}: chunk type {} differs from the schema's {}",
                        where(),
                        to_string(ci.type),
                        to_string(column.type)));
            }
            if (ci.num_values < 0 || ci.total_compressed_size < 0 ||
                ci.total_uncompressed_size < 0 || ci.data_page_offset < 0 ||
                (ci.dictionary_page_offset && *ci.dictionary_page_offset < 0)) {
                return make_error(
                    ErrorCode::kParse, fmt::format("{}: negative size or offset", where()));
            }
            // Statistics: min_value/max_value follow the column order; the legacy min/max are
            // signed, which is right only for signed numeric columns.
            ci.statistics.null_count = chunk.stats.null_count;
            ci.statistics.distinct_count = chunk.stats.distinct_count;
            if (chunk.stats.min_value && chunk.stats.max_value) {
                ci.statistics.min_value = std::move(chunk.stats.min_value);
                ci.statistics.max_value = std::move(chunk.stats.max_value);
            } else if (chunk.stats.min && chunk.stats.max && is_signed_order(column)) {
                ci.statistics.min_value = std::move(chunk.stats.min);
                ci.statistics.max_value = std::move(chunk.stats.max);
            }
            info.columns.push_back(std::move(ci));
        }
        if (__builtin_add_overflow(total_rows, raw.num_rows, &total_rows)) {
            return make_error(ErrorCode::kParse, "footer: row count overflows");
        }
        meta.row_groups.push_back(std::move(info));
    }
    if (total_rows != meta.num_rows) {
        return make_error(
            ErrorCode::kParse,
            fmt::format(
                "footer says {} rows but its row groups hold {}", meta.num_rows, total_rows));
    }
    return meta;
}

void encode_file_metadata(const FileMetadata& meta, std::string& out) {
    Writer w(out);
    w.begin_struct();
    w.field_i32(1, meta.version);
    w.field_list_begin(2, thrift::kStruct, meta.columns.size() + 1);
    w.begin_struct();
    w.field_binary(4, "schema");
    w.field_i32(5, static_cast<std::int32_t>(meta.columns.size()));
    w.end_struct();
    for (const auto& c : meta.columns) {
        w.begin_struct();
        w.field_i32(1, static_cast<std::int32_t>(c.type));
        if (c.type == PhysicalType::kFixedLenByteArray) {
            w.field_i32(2, c.type_length);
        }
        w.field_i32(3, static_cast<std::int32_t>(c.repetition));
        w.field_binary(4, c.name);
        if (auto converted = converted_type_of(c.logical)) {
            w.field_i32(6, *converted);
        }
        if (c.logical.kind == LogicalType::Kind::kDecimal) {
            w.field_i32(7, c.logical.scale);
            w.field_i32(8, c.logical.precision);
        }
        if (c.logical.kind != LogicalType::Kind::kNone &&
            c.logical.kind != LogicalType::Kind::kOther) {
            write_logical_type(w, c.logical);
        }
        w.end_struct();
    }
    w.field_i64(3, meta.num_rows);
    w.field_list_begin(4, thrift::kStruct, meta.row_groups.size());
    for (std::size_t g = 0; g < meta.row_groups.size(); ++g) {
        const RowGroupInfo& rg = meta.row_groups[g];
        w.begin_struct();
        w.field_list_begin(1, thrift::kStruct, rg.columns.size());
        std::int64_t compressed = 0;
        std::int64_t first_offset = -1;
        for (std::size_t c = 0; c < rg.columns.size(); ++c) {
            const ColumnChunkInfo& ci = rg.columns[c];
            const std::int64_t start = ci.dictionary_page_offset.value_or(ci.data_page_offset);
            if (first_offset < 0) {
                first_offset = start;
            }
            compressed += ci.total_compressed_size;
            w.begin_struct();
            w.field_i64(2, 0);  // file_offset: no ColumnMetaData outside the footer
            w.field_struct_begin(3);
            w.field_i32(1, static_cast<std::int32_t>(ci.type));
            w.field_list_begin(2, thrift::kI32, ci.encodings.size());
            for (const auto e : ci.encodings) {
                w.write_i32(static_cast<std::int32_t>(e));
            }
            w.field_list_begin(3, thrift::kBinary, 1);
            w.write_binary(meta.columns[c].name);
            w.field_i32(4, static_cast<std::int32_t>(ci.codec));
            w.field_i64(5, ci.num_values);
            w.field_i64(6, ci.total_uncompressed_size);
            w.field_i64(7, ci.total_compressed_size);
            w.field_i64(9, ci.data_page_offset);
            if (ci.dictionary_page_offset) {
                w.field_i64(11, *ci.dictionary_page_offset);
            }
            write_statistics(w, 12, ci.statistics);
            w.end_struct();
            w.end_struct();
        }
        w.field_i64(2, rg.total_byte_size);
        w.field_i64(3, rg.num_rows);
        w.field_i64(5, first_offset < 0 ? 4 : first_offset);
        w.field_i64(6, compressed);
        w.field_i16(7, static_cast<std::int16_t>(g & 0x7FFF));
        w.end_struct();
    }
    if (!meta.key_value_metadata.empty()) {
        w.field_list_begin(5, thrift::kStruct, meta.key_value_metadata.size());
        for (const auto& kv : meta.key_value_metadata) {
            w.begin_struct();
            w.field_binary(1, kv.key);
            if (kv.value) {
                w.field_binary(2, *kv.value);
            }
            w.end_struct();
        }
    }
    if (meta.created_by) {
        w.field_binary(6, *meta.created_by);
    }
    // column_orders: TYPE_ORDER for every column, so min_value/max_value are well defined.
    w.field_list_begin(7, thrift::kStruct, meta.columns.size());
    for (std::size_t c = 0; c < meta.columns.size(); ++c) {
        w.begin_struct();
        w.field_struct_begin(1);
        w.end_struct();
        w.end_struct();
    }
    w.end_struct();
}

}  // namespace ats::parquet::detail
