#include "ats/parquet/reader.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "codec.hpp"
#include "encoding.hpp"
#include "metadata.hpp"

namespace ats::parquet {
namespace {

using detail::PageHeader;
using detail::PageType;

constexpr std::size_t kMinFileSize = 12;  // "PAR1" + footer length + "PAR1"

std::uint32_t le32(const std::uint8_t* p) {
    std::uint32_t v = 0;
    std::memcpy(&v, p, 4);
    return v;
}

std::size_t fixed_width(PhysicalType type, std::int32_t width) {
    switch (type) {
        case PhysicalType::kInt32:
        case PhysicalType::kFloat:
            return 4;
        case PhysicalType::kInt64:
        case PhysicalType::kDouble:
            return 8;
        case PhysicalType::kInt96:
            return 12;
        case PhysicalType::kFixedLenByteArray:
            return static_cast<std::size_t>(width);
        default:
            return 0;
    }
}

// Thrown nowhere: decoders report through this small error carrier.
struct PageError {
    std::string message;
};

// Decodes `count` values of `encoding` from [p, p + size) and appends them to `out` (dense).
class ValueDecoder {
public:
    ValueDecoder(const ColumnSchema& schema, const ReaderLimits& limits, std::size_t& column_bytes)
        : schema_(schema), limits_(limits), column_bytes_(column_bytes) {}

    std::string decode(
        Encoding encoding,
        const std::uint8_t* p,
        std::size_t size,
        std::size_t count,
        const ColumnData* dictionary,
        ColumnData& out) {
        switch (encoding) {
            case Encoding::kPlain:
                return decode_plain(p, size, count, out);
            case Encoding::kPlainDictionary:
            case Encoding::kRleDictionary:
                return decode_dictionary(p, size, count, dictionary, out);
            case Encoding::kRle:
                return decode_rle_booleans(p, size, count, out);
            case Encoding::kDeltaBinaryPacked:
                return decode_delta(p, size, count, out);
            case Encoding::kDeltaLengthByteArray:
                return decode_delta_length(p, size, count, out);
            case Encoding::kDeltaByteArray:
                return decode_delta_byte_array(p, size, count, out);
            case Encoding::kByteStreamSplit:
                return decode_byte_stream_split(p, size, count, out);
            default:
                return fmt::format("encoding {} is not supported", to_string(encoding));
        }
    }

    std::string decode_plain(
        const std::uint8_t* p, std::size_t size, std::size_t count, ColumnData& out) {
        const PhysicalType type = schema_.type;
        if (type == PhysicalType::kBoolean) {
            if ((count + 7) / 8 > size) {
                return fmt::format(
                    "{} booleans need {} bytes, {} left", count, (count + 7) / 8, size);
            }
            const std::size_t start = out.booleans.size();
            out.booleans.resize(start + count);
            for (std::size_t i = 0; i < count; ++i) {
                out.booleans[start + i] = static_cast<std::uint8_t>((p[i >> 3] >> (i & 7)) & 1);
            }
            return {};
        }
        if (type == PhysicalType::kByteArray) {
            std::size_t pos = 0;
            out.offsets.reserve(out.offsets.size() + count);
            for (std::size_t i = 0; i < count; ++i) {
                if (size - pos < 4) {
                    return fmt::format("byte array {} of {} beyond the page", i, count);
                }
                const std::uint32_t len = le32(p + pos);
                pos += 4;
                if (len > size - pos) {
                    return fmt::format("byte array of {} bytes beyond the page", len);
                }
                if (auto e = add_bytes(len); !e.empty()) {
                    return e;
                }
                out.bytes.append(reinterpret_cast<const char*>(p + pos), len);
                out.offsets.push_back(out.bytes.size());
                pos += len;
            }
            return {};
        }
        const std::size_t w = fixed_width(type, schema_.type_length);
        if (count > size / w) {
            return fmt::format(
                "{} values of {} bytes need more than the page's {}", count, w, size);
        }
        append_fixed(p, count, out);
        return {};
    }

    void append_fixed(const std::uint8_t* p, std::size_t count, ColumnData& out) {
        switch (schema_.type) {
            case PhysicalType::kInt32:
                append_raw(out.int32s, p, count);
                break;
            case PhysicalType::kInt64:
                append_raw(out.int64s, p, count);
                break;
            case PhysicalType::kFloat:
                append_raw(out.floats, p, count);
                break;
            case PhysicalType::kDouble:
                append_raw(out.doubles, p, count);
                break;
            default:
                out.bytes.append(
                    reinterpret_cast<const char*>(p),
                    count * fixed_width(schema_.type, schema_.type_length));
        }
    }

    std::string decode_dictionary(
        const std::uint8_t* p,
        std::size_t size,
        std::size_t count,
        const ColumnData* dictionary,
        ColumnData& out) {
        if (dictionary == nullptr) {
            return "dictionary-encoded page without a dictionary page";
        }
        if (count == 0) {
            return {};
        }
        if (size < 1) {
            return "dictionary page data is empty";
        }
        const int width = p[0];
        indices_.resize(count);
        const auto decoded =
            detail::decode_rle_hybrid(p + 1, size - 1, width, indices_.data(), count);
        if (!decoded.ok()) {
            return "dictionary indices: " + decoded.error;
        }
        const std::size_t entries = dictionary->size();
        for (std::size_t i = 0; i < count; ++i) {
            if (indices_[i] >= entries) {
                return fmt::format(
                    "dictionary index {} beyond its {} entries", indices_[i], entries);
            }
        }
        switch (schema_.type) {
            case PhysicalType::kInt32:
                gather(dictionary->int32s, out.int32s, count);
                break;
            case PhysicalType::kInt64:
                gather(dictionary->int64s, out.int64s, count);
                break;
            case PhysicalType::kFloat:
                gather(dictionary->floats, out.floats, count);
                break;
            case PhysicalType::kDouble:
                gather(dictionary->doubles, out.doubles, count);
                break;
            case PhysicalType::kBoolean:
                gather(dictionary->booleans, out.booleans, count);
                break;
            case PhysicalType::kByteArray:
                for (std::size_t i = 0; i < count; ++i) {
                    const auto v = dictionary->bytes_at(indices_[i]);
                    if (auto e = add_bytes(v.size()); !e.empty()) {
                        return e;
                    }
                    out.bytes.append(v.data(), v.size());
                    out.offsets.push_back(out.bytes.size());
                }
                break;
            default: {
                const std::size_t w = fixed_width(schema_.type, schema_.type_length);
                if (auto e = add_bytes(count * w); !e.empty()) {
                    return e;
                }
                for (std::size_t i = 0; i < count; ++i) {
                    out.bytes.append(dictionary->bytes_at(indices_[i]));
                }
            }
        }
        return {};
    }

    std::string decode_rle_booleans(
        const std::uint8_t* p, std::size_t size, std::size_t count, ColumnData& out) {
        if (schema_.type != PhysicalType::kBoolean) {
            return "RLE values on a column that is not BOOLEAN";
        }
        if (size < 4) {
            return "RLE booleans lack their length";
        }
        const std::uint32_t len = le32(p);
        if (len > size - 4) {
            return fmt::format("RLE booleans of {} bytes beyond the page", len);
        }
        indices_.resize(count);
        const auto decoded = detail::decode_rle_hybrid(p + 4, len, 1, indices_.data(), count);
        if (!decoded.ok()) {
            return "RLE booleans: " + decoded.error;
        }
        for (std::size_t i = 0; i < count; ++i) {
            out.booleans.push_back(static_cast<std::uint8_t>(indices_[i]));
        }
        return {};
    }

    std::string decode_delta(
        const std::uint8_t* p, std::size_t size, std::size_t count, ColumnData& out) {
        if (schema_.type == PhysicalType::kInt64) {
            const std::size_t before = out.int64s.size();
            const auto d = detail::decode_delta_binary_packed(p, size, count, 64, out.int64s);
            if (!d.ok()) {
                return d.error;
            }
            if (out.int64s.size() - before != count) {
                return fmt::format(
                    "DELTA_BINARY_PACKED holds {} values, the page {}",
                    out.int64s.size() - before,
                    count);
            }
            return {};
        }
        if (schema_.type != PhysicalType::kInt32) {
            return "DELTA_BINARY_PACKED on a column that is not INT32 or INT64";
        }
        wide_.clear();
        const auto d = detail::decode_delta_binary_packed(p, size, count, 32, wide_);
        if (!d.ok()) {
            return d.error;
        }
        if (wide_.size() != count) {
            return fmt::format(
                "DELTA_BINARY_PACKED holds {} values, the page {}", wide_.size(), count);
        }
        for (const auto v : wide_) {
            out.int32s.push_back(static_cast<std::int32_t>(v));
        }
        return {};
    }

    // Lengths (DELTA_BINARY_PACKED) then the concatenated bytes.
    std::string read_lengths(
        const std::uint8_t* p, std::size_t size, std::size_t count, std::size_t& consumed) {
        lengths_.clear();
        const auto d = detail::decode_delta_binary_packed(p, size, count, 32, lengths_);
        if (!d.ok()) {
            return "lengths: " + d.error;
        }
        if (lengths_.size() != count) {
            return fmt::format("{} lengths for {} values", lengths_.size(), count);
        }
        for (const auto len : lengths_) {
            if (len < 0) {
                return "negative byte array length";
            }
        }
        consumed = d.consumed;
        return {};
    }

    std::string decode_delta_length(
        const std::uint8_t* p, std::size_t size, std::size_t count, ColumnData& out) {
        if (schema_.type != PhysicalType::kByteArray) {
            return "DELTA_LENGTH_BYTE_ARRAY on a column that is not BYTE_ARRAY";
        }
        std::size_t pos = 0;
        if (auto e = read_lengths(p, size, count, pos); !e.empty()) {
            return e;
        }
        for (const auto len64 : lengths_) {
            const auto len = static_cast<std::size_t>(len64);
            if (len > size - pos) {
                return "byte array data beyond the page";
            }
            if (auto e = add_bytes(len); !e.empty()) {
                return e;
            }
            out.bytes.append(reinterpret_cast<const char*>(p + pos), len);
            out.offsets.push_back(out.bytes.size());
            pos += len;
        }
        return {};
    }

    std::string decode_delta_byte_array(
        const std::uint8_t* p, std::size_t size, std::size_t count, ColumnData& out) {
        if (schema_.type != PhysicalType::kByteArray &&
            schema_.type != PhysicalType::kFixedLenByteArray) {
            return "DELTA_BYTE_ARRAY on a column that is not a byte array";
        }
        std::vector<std::int64_t> prefixes;
        const auto d = detail::decode_delta_binary_packed(p, size, count, 32, prefixes);
        if (!d.ok()) {
            return "prefix lengths: " + d.error;
        }
        if (prefixes.size() != count) {
            return fmt::format("{} prefix lengths for {} values", prefixes.size(), count);
        }
        std::size_t pos = d.consumed;
        std::size_t suffix_start = 0;
        if (auto e = read_lengths(p + pos, size - pos, count, suffix_start); !e.empty()) {
            return "suffixes: " + e;
        }
        pos += suffix_start;
        std::string previous;
        const std::size_t w = fixed_width(schema_.type, schema_.type_length);
        for (std::size_t i = 0; i < count; ++i) {
            const auto prefix = prefixes[i];
            const auto suffix = static_cast<std::size_t>(lengths_[i]);
            if (prefix < 0 || static_cast<std::size_t>(prefix) > previous.size()) {
                return fmt::format("prefix length {} beyond the previous value", prefix);
            }
            if (suffix > size - pos) {
                return "suffix beyond the page";
            }
            previous.resize(static_cast<std::size_t>(prefix));
            previous.append(reinterpret_cast<const char*>(p + pos), suffix);
            pos += suffix;
            if (auto e = add_bytes(previous.size()); !e.empty()) {
                return e;
            }
            if (w > 0 && previous.size() != w) {
                return fmt::format("value of {} bytes in a column of width {}", previous.size(), w);
            }
            out.bytes += previous;
            if (schema_.type == PhysicalType::kByteArray) {
                out.offsets.push_back(out.bytes.size());
            }
        }
        return {};
    }

    std::string decode_byte_stream_split(
        const std::uint8_t* p, std::size_t size, std::size_t count, ColumnData& out) {
        const std::size_t w = fixed_width(schema_.type, schema_.type_length);
        if (w == 0 || schema_.type == PhysicalType::kInt96) {
            return "BYTE_STREAM_SPLIT on a column that is not fixed-width";
        }
        if (count > size / w) {
            return "BYTE_STREAM_SPLIT data beyond the page";
        }
        scratch_.resize(count * w);
        for (std::size_t i = 0; i < count; ++i) {
            for (std::size_t b = 0; b < w; ++b) {
                scratch_[i * w + b] = static_cast<char>(p[b * count + i]);
            }
        }
        append_fixed(reinterpret_cast<const std::uint8_t*>(scratch_.data()), count, out);
        return {};
    }

private:
    template <class T>
    static void append_raw(std::vector<T>& v, const std::uint8_t* p, std::size_t count) {
        if (count == 0) {
            return;
        }
        const std::size_t start = v.size();
        v.resize(start + count);
        std::memcpy(v.data() + start, p, count * sizeof(T));
    }

    template <class T>
    void gather(const std::vector<T>& dict, std::vector<T>& out, std::size_t count) {
        const std::size_t start = out.size();
        out.resize(start + count);
        T* dst = out.data() + start;
        const T* src = dict.data();
        for (std::size_t i = 0; i < count; ++i) {
            dst[i] = src[indices_[i]];
        }
    }

    std::string add_bytes(std::size_t n) {
        column_bytes_ += n;
        if (column_bytes_ > limits_.max_column_bytes) {
            return fmt::format(
                "more than {} bytes of byte arrays in one column chunk", limits_.max_column_bytes);
        }
        return {};
    }

    const ColumnSchema& schema_;
    const ReaderLimits& limits_;
    std::size_t& column_bytes_;
    std::vector<std::uint32_t> indices_;
    std::vector<std::int64_t> wide_;
    std::vector<std::int64_t> lengths_;
    std::string scratch_;
};

// Moves the dense values of `dense` into `out`, one slot per level (0 = null).
void scatter(
    const ColumnData& dense, const std::uint32_t* levels, std::size_t rows, ColumnData& out) {
    if (out.valid.empty()) {
        out.valid.assign(out.size(), 1);
    }
    std::size_t v = 0;
    for (std::size_t r = 0; r < rows; ++r) {
        if (levels[r] == 0) {
            out.push_null();
            continue;
        }
        switch (out.type) {
            case PhysicalType::kBoolean:
                out.booleans.push_back(dense.booleans[v]);
                break;
            case PhysicalType::kInt32:
                out.int32s.push_back(dense.int32s[v]);
                break;
            case PhysicalType::kInt64:
                out.int64s.push_back(dense.int64s[v]);
                break;
            case PhysicalType::kFloat:
                out.floats.push_back(dense.floats[v]);
                break;
            case PhysicalType::kDouble:
                out.doubles.push_back(dense.doubles[v]);
                break;
            default:
                out.push_bytes(dense.bytes_at(v));
                ++v;
                continue;
        }
        out.valid.push_back(1);
        ++v;
    }
}

}  // namespace

struct FileReader::Impl {
    std::string path;
    std::string owned;
    const std::uint8_t* data = nullptr;
    std::size_t size = 0;
    void* map = nullptr;
    ReaderLimits limits;
    FileMetadata meta;
    std::size_t footer_begin = 0;

    ~Impl() {
        if (map != nullptr) {
            ::munmap(map, size);
        }
    }

    Error error(ErrorCode code, const std::string& message) const {
        return Error{code, fmt::format("{}: {}", path, message)};
    }

    Status parse_footer() {
        if (size < kMinFileSize) {
            return tl::unexpected(error(
                ErrorCode::kParse, fmt::format("{} bytes is too small for a Parquet file", size)));
        }
        if (std::memcmp(data, "PAR1", 4) != 0) {
            return tl::unexpected(
                error(ErrorCode::kParse, "not a Parquet file (no PAR1 magic at the start)"));
        }
        if (std::memcmp(data + size - 4, "PAR1", 4) != 0) {
            if (std::memcmp(data + size - 4, "PARE", 4) == 0) {
                return tl::unexpected(
                    error(ErrorCode::kParse, "encrypted Parquet files are not supported"));
            }
            return tl::unexpected(error(
                ErrorCode::kParse,
                "no PAR1 magic at the end: the file is truncated or still being written"));
        }
        const std::uint32_t len = le32(data + size - 8);
        if (len > size - kMinFileSize) {
            return tl::unexpected(error(
                ErrorCode::kParse,
                fmt::format("footer length {} exceeds the file ({} bytes)", len, size)));
        }
        if (len > limits.max_footer_bytes) {
            return tl::unexpected(error(
                ErrorCode::kOutOfRange,
                fmt::format(
                    "footer of {} bytes exceeds the limit of {}", len, limits.max_footer_bytes)));
        }
        footer_begin = size - 8 - len;
        auto decoded = detail::decode_file_metadata(data + footer_begin, len, limits);
        if (!decoded) {
            return tl::unexpected(error(decoded.error().code, decoded.error().message));
        }
        meta = std::move(*decoded);
        for (std::size_t g = 0; g < meta.row_groups.size(); ++g) {
            for (std::size_t c = 0; c < meta.columns.size(); ++c) {
                const ColumnChunkInfo& chunk = meta.row_groups[g].columns[c];
                const std::int64_t start = chunk_start(chunk);
                if (start < 4 ||
                    chunk.total_compressed_size > static_cast<std::int64_t>(footer_begin) ||
                    start > static_cast<std::int64_t>(footer_begin) - chunk.total_compressed_size) {
                    return tl::unexpected(error(
                        ErrorCode::kParse,
                        fmt::format(
                            "row group {}, column '{}': bytes {}..{} lie outside the data ({} "
                            "bytes)",
                            g,
                            meta.columns[c].name,
                            start,
                            start + chunk.total_compressed_size,
                            footer_begin)));
                }
            }
        }
        return ok_status();
    }

    static std::int64_t chunk_start(const ColumnChunkInfo& c) {
        // Some writers put a zero dictionary offset on chunks without a dictionary.
        if (c.dictionary_page_offset && *c.dictionary_page_offset > 0 &&
            *c.dictionary_page_offset < c.data_page_offset) {
            return *c.dictionary_page_offset;
        }
        return c.data_page_offset;
    }

    Status read_chunk(std::size_t g, std::size_t c, ColumnData& out) const {
        const ColumnSchema& schema = meta.columns[c];
        const ColumnChunkInfo& chunk = meta.row_groups[g].columns[c];
        const std::int64_t rows = meta.row_groups[g].num_rows;
        const auto where = [&](const std::string& what) {
            return error(
                ErrorCode::kParse,
                fmt::format("row group {}, column '{}': {}", g, schema.name, what));
        };
        if (!detail::codec_supported(chunk.codec)) {
            return tl::unexpected(where(fmt::format(
                "codec {} is not supported (ats reads UNCOMPRESSED, SNAPPY and ZSTD)",
                to_string(chunk.codec))));
        }
        const std::uint8_t* p = data + chunk_start(chunk);
        const std::uint8_t* const end = p + chunk.total_compressed_size;
        const bool optional = schema.repetition == Repetition::kOptional;
        std::size_t column_bytes = 0;
        ValueDecoder decoder(schema, limits, column_bytes);
        ColumnData dictionary(
            schema.type, static_cast<std::int32_t>(fixed_width(schema.type, schema.type_length)));
        bool has_dictionary = false;
        ColumnData dense(schema.type, dictionary.width);
        std::vector<std::uint32_t> levels;
        // Decompressed pages: one buffer per thread, reused (no page faults per column chunk).
        thread_local std::string page_buffer;
        std::int64_t read = 0;
        out.reserve(out.size() + static_cast<std::size_t>(rows));
        while (read < rows) {
            const auto offset = static_cast<std::size_t>(p - data);
            if (p >= end) {
                return tl::unexpected(
                    where(fmt::format("the column chunk ends after {} of {} values", read, rows)));
            }
            std::size_t header_size = 0;
            auto header = detail::decode_page_header(
                p, static_cast<std::size_t>(end - p), limits.max_nesting, header_size);
            if (!header) {
                return tl::unexpected(
                    where(fmt::format("page at byte {}: {}", offset, header.error().message)));
            }
            const PageHeader& h = *header;
            p += header_size;
            const auto compressed = static_cast<std::size_t>(h.compressed_page_size);
            const auto uncompressed = static_cast<std::size_t>(h.uncompressed_page_size);
            if (compressed > static_cast<std::size_t>(end - p)) {
                return tl::unexpected(where(fmt::format(
                    "page at byte {}: {} bytes declared, {} left in the chunk",
                    offset,
                    compressed,
                    end - p)));
            }
            if (compressed > limits.max_page_bytes || uncompressed > limits.max_page_bytes) {
                return tl::unexpected(error(
                    ErrorCode::kOutOfRange,
                    fmt::format(
                        "row group {}, column '{}': page at byte {} of {} bytes exceeds the limit "
                        "of {}",
                        g,
                        schema.name,
                        offset,
                        std::max(compressed, uncompressed),
                        limits.max_page_bytes)));
            }
            const std::uint8_t* body = p;
            p += compressed;
            if (!h.has_body) {
                return tl::unexpected(where(fmt::format(
                    "page at byte {}: header without its {} part",
                    offset,
                    static_cast<int>(h.type))));
            }
            if (h.type == PageType::kIndexPage) {
                continue;
            }
            if (h.type == PageType::kDictionaryPage) {
                if (has_dictionary || read > 0) {
                    return tl::unexpected(where("a second or late dictionary page"));
                }
                if (static_cast<std::size_t>(h.num_values) > limits.max_dictionary_entries) {
                    return tl::unexpected(
                        where(fmt::format("dictionary of {} entries", h.num_values)));
                }
                const std::uint8_t* values = body;
                std::size_t values_size = compressed;
                if (chunk.codec != Codec::kUncompressed) {
                    auto e = detail::decompress(
                        chunk.codec, body, compressed, uncompressed, page_buffer);
                    if (!e.empty()) {
                        return tl::unexpected(
                            where(fmt::format("dictionary page at byte {}: {}", offset, e)));
                    }
                    values = reinterpret_cast<const std::uint8_t*>(page_buffer.data());
                    values_size = uncompressed;
                }
                if (h.encoding != Encoding::kPlain && h.encoding != Encoding::kPlainDictionary) {
                    return tl::unexpected(
                        where(fmt::format("dictionary page encoded as {}", to_string(h.encoding))));
                }
                auto e = decoder.decode_plain(
                    values, values_size, static_cast<std::size_t>(h.num_values), dictionary);
                if (!e.empty()) {
                    return tl::unexpected(
                        where(fmt::format("dictionary page at byte {}: {}", offset, e)));
                }
                has_dictionary = true;
                continue;
            }
            const auto count = static_cast<std::size_t>(h.num_values);
            if (static_cast<std::int64_t>(count) > rows - read) {
                return tl::unexpected(where(fmt::format(
                    "page at byte {} holds {} values, only {} of the row group's {} remain",
                    offset,
                    count,
                    rows - read,
                    rows)));
            }
            const std::uint8_t* values = body;
            std::size_t values_size = compressed;
            std::size_t present = count;
            levels.clear();
            const bool v2 = h.type == PageType::kDataPageV2;
            if (v2) {
                const auto rep = static_cast<std::size_t>(h.repetition_levels_byte_length);
                const auto def = static_cast<std::size_t>(h.definition_levels_byte_length);
                if (rep + def > compressed || rep + def > uncompressed) {
                    return tl::unexpected(
                        where(fmt::format("page at byte {}: levels beyond the page", offset)));
                }
                if (optional) {
                    levels.resize(count);
                    const auto d =
                        detail::decode_rle_hybrid(body + rep, def, 1, levels.data(), count);
                    if (!d.ok()) {
                        return tl::unexpected(where(fmt::format(
                            "page at byte {}: definition levels: {}", offset, d.error)));
                    }
                    present = count - static_cast<std::size_t>(h.num_nulls);
                } else if (h.num_nulls != 0) {
                    return tl::unexpected(where("nulls in a required column"));
                }
                values = body + rep + def;
                values_size = compressed - rep - def;
                if (h.is_compressed && chunk.codec != Codec::kUncompressed) {
                    auto e = detail::decompress(
                        chunk.codec, values, values_size, uncompressed - rep - def, page_buffer);
                    if (!e.empty()) {
                        return tl::unexpected(where(fmt::format("page at byte {}: {}", offset, e)));
                    }
                    values = reinterpret_cast<const std::uint8_t*>(page_buffer.data());
                    values_size = page_buffer.size();
                }
            } else {
                if (chunk.codec != Codec::kUncompressed) {
                    auto e = detail::decompress(
                        chunk.codec, body, compressed, uncompressed, page_buffer);
                    if (!e.empty()) {
                        return tl::unexpected(where(fmt::format("page at byte {}: {}", offset, e)));
                    }
                    values = reinterpret_cast<const std::uint8_t*>(page_buffer.data());
                    values_size = uncompressed;
                }
                if (optional) {
                    if (h.definition_level_encoding != Encoding::kRle) {
                        return tl::unexpected(where(fmt::format(
                            "definition levels encoded as {}",
                            to_string(h.definition_level_encoding))));
                    }
                    if (values_size < 4) {
                        return tl::unexpected(
                            where(fmt::format("page at byte {}: no definition levels", offset)));
                    }
                    const std::uint32_t len = le32(values);
                    if (len > values_size - 4) {
                        return tl::unexpected(where(fmt::format(
                            "page at byte {}: definition levels beyond the page", offset)));
                    }
                    levels.resize(count);
                    const auto d =
                        detail::decode_rle_hybrid(values + 4, len, 1, levels.data(), count);
                    if (!d.ok()) {
                        return tl::unexpected(where(fmt::format(
                            "page at byte {}: definition levels: {}", offset, d.error)));
                    }
                    values += 4 + len;
                    values_size -= 4 + len;
                }
            }
            if (optional) {
                std::size_t ones = 0;
                for (const auto l : levels) {
                    ones += l;
                }
                if (v2 && ones != present) {
                    return tl::unexpected(where(fmt::format(
                        "page at byte {}: {} values present but {} nulls declared of {}",
                        offset,
                        ones,
                        h.num_nulls,
                        count)));
                }
                present = ones;
            }
            const bool has_nulls = present != count;
            ColumnData& target = has_nulls ? dense : out;
            if (has_nulls) {
                dense.clear();
            }
            auto e = decoder.decode(
                h.encoding,
                values,
                values_size,
                present,
                has_dictionary ? &dictionary : nullptr,
                target);
            if (!e.empty()) {
                return tl::unexpected(where(fmt::format("page at byte {}: {}", offset, e)));
            }
            if (has_nulls) {
                scatter(dense, levels.data(), count, out);
            } else if (!out.valid.empty()) {
                out.valid.resize(out.valid.size() + count, 1);
            }
            read += static_cast<std::int64_t>(count);
        }
        return ok_status();
    }
};

FileReader::FileReader(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
FileReader::FileReader(FileReader&&) noexcept = default;
FileReader& FileReader::operator=(FileReader&&) noexcept = default;
FileReader::~FileReader() = default;

Result<FileReader> FileReader::open(const std::string& path, const ReaderLimits& limits) {
    auto impl = std::make_unique<Impl>();
    impl->path = path;
    impl->limits = limits;
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return make_error(
            ErrorCode::kIo, fmt::format("{}: cannot open: {}", path, std::strerror(errno)));
    }
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        ::close(fd);
        return make_error(ErrorCode::kIo, fmt::format("{}: not a regular file", path));
    }
    impl->size = static_cast<std::size_t>(st.st_size);
    if (impl->size >= kMinFileSize) {
        void* map = ::mmap(nullptr, impl->size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (map == MAP_FAILED) {
            ::close(fd);
            return make_error(
                ErrorCode::kIo, fmt::format("{}: cannot map: {}", path, std::strerror(errno)));
        }
        impl->map = map;
        impl->data = static_cast<const std::uint8_t*>(map);
    }
    ::close(fd);
    if (auto s = impl->parse_footer(); !s) {
        return tl::unexpected(s.error());
    }
    return FileReader(std::move(impl));
}

Result<FileReader> FileReader::from_buffer(
    std::string bytes, const ReaderLimits& limits, std::string name) {
    auto impl = std::make_unique<Impl>();
    impl->path = std::move(name);
    impl->limits = limits;
    impl->owned = std::move(bytes);
    impl->data = reinterpret_cast<const std::uint8_t*>(impl->owned.data());
    impl->size = impl->owned.size();
    if (auto s = impl->parse_footer(); !s) {
        return tl::unexpected(s.error());
    }
    return FileReader(std::move(impl));
}

const FileMetadata& FileReader::metadata() const noexcept {
    return impl_->meta;
}
const std::string& FileReader::path() const noexcept {
    return impl_->path;
}
std::uint64_t FileReader::file_size() const noexcept {
    return impl_->size;
}

Result<ColumnData> FileReader::read_column(std::size_t row_group, std::size_t column) const {
    const auto& meta = impl_->meta;
    if (column >= meta.columns.size()) {
        return make_error(
            ErrorCode::kOutOfRange, fmt::format("{}: no column {}", impl_->path, column));
    }
    const ColumnSchema& s = meta.columns[column];
    ColumnData out(s.type, static_cast<std::int32_t>(fixed_width(s.type, s.type_length)));
    if (auto st = read_column_into(row_group, column, out); !st) {
        return tl::unexpected(st.error());
    }
    return out;
}

Status FileReader::read_column_into(
    std::size_t row_group, std::size_t column, ColumnData& out) const {
    const auto& meta = impl_->meta;
    if (row_group >= meta.row_groups.size() || column >= meta.columns.size()) {
        return make_error(
            ErrorCode::kOutOfRange,
            fmt::format("{}: no row group {} column {}", impl_->path, row_group, column));
    }
    const ColumnSchema& s = meta.columns[column];
    if (out.type != s.type) {
        return make_error(
            ErrorCode::kInvalidArgument,
            fmt::format("{}: column '{}' is {}", impl_->path, s.name, to_string(s.type)));
    }
    return impl_->read_chunk(row_group, column, out);
}

std::optional<std::pair<std::int64_t, std::int64_t>> int64_range(const ColumnChunkInfo& chunk) {
    const auto& s = chunk.statistics;
    if (!s.min_value || !s.max_value) {
        return std::nullopt;
    }
    if (chunk.type == PhysicalType::kInt64 && s.min_value->size() == 8 &&
        s.max_value->size() == 8) {
        std::int64_t lo = 0;
        std::int64_t hi = 0;
        std::memcpy(&lo, s.min_value->data(), 8);
        std::memcpy(&hi, s.max_value->data(), 8);
        return std::pair{lo, hi};
    }
    if (chunk.type == PhysicalType::kInt32 && s.min_value->size() == 4 &&
        s.max_value->size() == 4) {
        std::int32_t lo = 0;
        std::int32_t hi = 0;
        std::memcpy(&lo, s.min_value->data(), 4);
        std::memcpy(&hi, s.max_value->data(), 4);
        return std::pair<std::int64_t, std::int64_t>{lo, hi};
    }
    return std::nullopt;
}

}  // namespace ats::parquet
