#include "ats/parquet/writer.hpp"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <limits>
#include <string_view>
#include <unordered_map>

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ats/parquet/reader.hpp"

#include "codec.hpp"
#include "encoding.hpp"
#include "metadata.hpp"

namespace ats::parquet {
namespace {

using detail::PageHeader;
using detail::PageType;

constexpr std::string_view kMagic = "PAR1";
constexpr std::size_t kPageBytes = 1U << 20;
constexpr std::size_t kMaxDictionaryBytes = 1U << 20;

Error io_error(const std::string& path, const char* what) {
    return Error{ErrorCode::kIo, fmt::format("{}: {}: {}", path, what, std::strerror(errno))};
}

Status write_fully(int fd, const char* data, std::size_t size, const std::string& path) {
    while (size > 0) {
        const ::ssize_t n = ::write(fd, data, size);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return tl::unexpected(io_error(path, "write failed"));
        }
        data += n;
        size -= static_cast<std::size_t>(n);
    }
    return ok_status();
}

void put_le32(std::string& out, std::uint32_t v) {
    char b[4];
    std::memcpy(b, &v, 4);  // the host is little-endian (x86-64, aarch64)
    out.append(b, 4);
}

std::size_t plain_width(const ColumnData& c) {
    switch (c.type) {
        case PhysicalType::kBoolean:
            return 1;
        case PhysicalType::kInt32:
        case PhysicalType::kFloat:
            return 4;
        case PhysicalType::kInt64:
        case PhysicalType::kDouble:
            return 8;
        default:
            return static_cast<std::size_t>(c.width);
    }
}

bool is_integer(PhysicalType t) {
    return t == PhysicalType::kInt32 || t == PhysicalType::kInt64;
}

// 64-bit key of value i of a fixed-width numeric column (the value or its bit pattern).
std::uint64_t key_of(const ColumnData& c, std::size_t i) {
    switch (c.type) {
        case PhysicalType::kInt32:
            return static_cast<std::uint64_t>(static_cast<std::int64_t>(c.int32s[i]));
        case PhysicalType::kInt64:
            return static_cast<std::uint64_t>(c.int64s[i]);
        case PhysicalType::kFloat: {
            std::uint32_t bits = 0;
            std::memcpy(&bits, &c.floats[i], 4);
            return bits;
        }
        case PhysicalType::kDouble: {
            std::uint64_t bits = 0;
            std::memcpy(&bits, &c.doubles[i], 8);
            return bits;
        }
        default:
            return 0;
    }
}

// Open-addressing map from 64-bit keys to dictionary indices (first-seen order).
class KeyDictionary {
public:
    explicit KeyDictionary(std::size_t expected) {
        std::size_t cap = 64;
        while (cap < expected * 2) {
            cap <<= 1;
        }
        slots_.assign(cap, -1);
        mask_ = cap - 1;
    }
    std::uint32_t insert(std::uint64_t key) {
        std::size_t s = hash(key);
        while (true) {
            const std::int32_t idx = slots_[s];
            if (idx < 0) {
                slots_[s] = static_cast<std::int32_t>(keys_.size());
                keys_.push_back(key);
                if (keys_.size() * 2 > slots_.size()) {
                    grow();
                }
                return static_cast<std::uint32_t>(keys_.size() - 1);
            }
            if (keys_[static_cast<std::size_t>(idx)] == key) {
                return static_cast<std::uint32_t>(idx);
            }
            s = (s + 1) & mask_;
        }
    }
    const std::vector<std::uint64_t>& keys() const { return keys_; }

private:
    std::size_t hash(std::uint64_t key) const {
        return static_cast<std::size_t>((key * 0x9E3779B97F4A7C15ULL) >> 17) & mask_;
    }
    void grow() {
        slots_.assign(slots_.size() * 2, -1);
        mask_ = slots_.size() - 1;
        for (std::size_t i = 0; i < keys_.size(); ++i) {
            std::size_t s = hash(keys_[i]);
            while (slots_[s] >= 0) {
                s = (s + 1) & mask_;
            }
            slots_[s] = static_cast<std::int32_t>(i);
        }
    }
    std::vector<std::int32_t> slots_;
    std::vector<std::uint64_t> keys_;
    std::size_t mask_ = 0;
};

struct Dictionary {
    std::string plain;  // PLAIN-encoded entries
    std::size_t entries = 0;
    std::vector<std::uint32_t> indices;  // one per non-null value
};

// Builds a dictionary of the non-null values in `dense`; false when it would exceed the limits.
bool build_dictionary(const ColumnData& dense, std::size_t max_entries, Dictionary& out) {
    const std::size_t n = dense.size();
    out.indices.resize(n);
    const std::size_t width = plain_width(dense);
    if (dense.type == PhysicalType::kByteArray || dense.type == PhysicalType::kFixedLenByteArray) {
        std::unordered_map<std::string_view, std::uint32_t> map;
        map.reserve(std::min<std::size_t>(n, 1024));
        std::size_t bytes = 0;
        for (std::size_t i = 0; i < n; ++i) {
            const std::string_view v = dense.bytes_at(i);
            auto [it, inserted] = map.try_emplace(v, static_cast<std::uint32_t>(map.size()));
            if (inserted) {
                bytes += v.size() + (dense.type == PhysicalType::kByteArray ? 4 : 0);
                if (map.size() > max_entries || bytes > kMaxDictionaryBytes) {
                    return false;
                }
                if (dense.type == PhysicalType::kByteArray) {
                    put_le32(out.plain, static_cast<std::uint32_t>(v.size()));
                }
                out.plain.append(v.data(), v.size());
            }
            out.indices[i] = it->second;
        }
        out.entries = map.size();
        return true;
    }
    if (dense.type == PhysicalType::kBoolean || dense.type == PhysicalType::kInt96) {
        return false;
    }
    KeyDictionary dict(std::min<std::size_t>(n, 4096));
    for (std::size_t i = 0; i < n; ++i) {
        out.indices[i] = dict.insert(key_of(dense, i));
        if (dict.keys().size() > max_entries || dict.keys().size() * width > kMaxDictionaryBytes) {
            return false;
        }
    }
    out.entries = dict.keys().size();
    for (const std::uint64_t k : dict.keys()) {
        if (width == 4) {
            put_le32(out.plain, static_cast<std::uint32_t>(k));
        } else {
            char b[8];
            std::memcpy(b, &k, 8);
            out.plain.append(b, 8);
        }
    }
    return true;
}

// PLAIN encoding of dense values [begin, end).
void encode_plain(const ColumnData& d, std::size_t begin, std::size_t end, std::string& out) {
    const std::size_t n = end - begin;
    switch (d.type) {
        case PhysicalType::kBoolean: {
            std::vector<std::uint32_t> bits(
                d.booleans.begin() + static_cast<std::ptrdiff_t>(begin),
                d.booleans.begin() + static_cast<std::ptrdiff_t>(end));
            const std::size_t start = out.size();
            detail::bit_pack(bits.data(), n, 1, out);
            out.resize(start + (n + 7) / 8);  // no padding bytes beyond the last value
            return;
        }
        case PhysicalType::kInt32:
            out.append(reinterpret_cast<const char*>(d.int32s.data() + begin), n * 4);
            return;
        case PhysicalType::kInt64:
            out.append(reinterpret_cast<const char*>(d.int64s.data() + begin), n * 8);
            return;
        case PhysicalType::kFloat:
            out.append(reinterpret_cast<const char*>(d.floats.data() + begin), n * 4);
            return;
        case PhysicalType::kDouble:
            out.append(reinterpret_cast<const char*>(d.doubles.data() + begin), n * 8);
            return;
        case PhysicalType::kByteArray:
            for (std::size_t i = begin; i < end; ++i) {
                const auto v = d.bytes_at(i);
                put_le32(out, static_cast<std::uint32_t>(v.size()));
                out.append(v.data(), v.size());
            }
            return;
        case PhysicalType::kFixedLenByteArray:
        case PhysicalType::kInt96: {
            const auto w = static_cast<std::size_t>(d.width);
            out.append(d.bytes.data() + begin * w, n * w);
            return;
        }
    }
}

std::vector<std::int64_t> as_int64(const ColumnData& d) {
    if (d.type == PhysicalType::kInt64) {
        return d.int64s;
    }
    return std::vector<std::int64_t>(d.int32s.begin(), d.int32s.end());
}

// Two's complement big-endian compare for decimal fixed-length values of equal length.
int compare_signed_be(std::string_view a, std::string_view b) {
    const bool na = !a.empty() && (static_cast<unsigned char>(a[0]) & 0x80) != 0;
    const bool nb = !b.empty() && (static_cast<unsigned char>(b[0]) & 0x80) != 0;
    if (na != nb) {
        return na ? -1 : 1;
    }
    const int c = a.compare(b);  // same sign: bytewise unsigned order is numeric order
    return c < 0 ? -1 : c > 0 ? 1 : 0;
}

int compare_unsigned(std::string_view a, std::string_view b) {
    const std::size_t n = std::min(a.size(), b.size());
    const int c = std::memcmp(a.data(), b.data(), n);
    if (c != 0) {
        return c;
    }
    return a.size() < b.size() ? -1 : a.size() > b.size() ? 1 : 0;
}

template <class T>
std::string plain_bytes(T v) {
    std::string s(sizeof(T), '\0');
    std::memcpy(s.data(), &v, sizeof(T));
    return s;
}

Statistics compute_statistics(
    const ColumnSchema& schema, const ColumnData& dense, std::int64_t nulls) {
    Statistics s;
    s.null_count = nulls;
    const std::size_t n = dense.size();
    if (n == 0) {
        return s;
    }
    switch (dense.type) {
        case PhysicalType::kBoolean: {
            const auto [lo, hi] = std::minmax_element(dense.booleans.begin(), dense.booleans.end());
            s.min_value = plain_bytes<std::uint8_t>(*lo != 0 ? 1 : 0);
            s.max_value = plain_bytes<std::uint8_t>(*hi != 0 ? 1 : 0);
            break;
        }
        case PhysicalType::kInt32: {
            std::int32_t lo = dense.int32s[0];
            std::int32_t hi = lo;
            for (const auto v : dense.int32s) {  // plain loop: vectorized
                lo = std::min(lo, v);
                hi = std::max(hi, v);
            }
            s.min_value = plain_bytes(lo);
            s.max_value = plain_bytes(hi);
            break;
        }
        case PhysicalType::kInt64: {
            std::int64_t lo = dense.int64s[0];
            std::int64_t hi = lo;
            for (const auto v : dense.int64s) {
                lo = std::min(lo, v);
                hi = std::max(hi, v);
            }
            s.min_value = plain_bytes(lo);
            s.max_value = plain_bytes(hi);
            break;
        }
        case PhysicalType::kFloat:
        case PhysicalType::kDouble: {
            double lo = std::numeric_limits<double>::infinity();
            double hi = -lo;
            bool any = false;
            for (std::size_t i = 0; i < n; ++i) {
                const double v = dense.type == PhysicalType::kFloat
                                     ? static_cast<double>(dense.floats[i])
                                     : dense.doubles[i];
                if (std::isnan(v)) {
                    continue;
                }
                any = true;
                lo = std::min(lo, v);
                hi = std::max(hi, v);
            }
            if (any) {
                // The format asks for -0.0 as a zero minimum and +0.0 as a zero maximum.
                if (lo == 0.0) {
                    lo = -0.0;
                }
                if (hi == 0.0) {
                    hi = 0.0;
                }
                if (dense.type == PhysicalType::kFloat) {
                    s.min_value = plain_bytes(static_cast<float>(lo));
                    s.max_value = plain_bytes(static_cast<float>(hi));
                } else {
                    s.min_value = plain_bytes(lo);
                    s.max_value = plain_bytes(hi);
                }
            }
            break;
        }
        case PhysicalType::kByteArray:
        case PhysicalType::kFixedLenByteArray: {
            const bool signed_be = schema.logical.kind == LogicalType::Kind::kDecimal;
            std::string_view lo = dense.bytes_at(0);
            std::string_view hi = lo;
            for (std::size_t i = 1; i < n; ++i) {
                const auto v = dense.bytes_at(i);
                const int cl = signed_be ? compare_signed_be(v, lo) : compare_unsigned(v, lo);
                const int ch = signed_be ? compare_signed_be(v, hi) : compare_unsigned(v, hi);
                if (cl < 0) {
                    lo = v;
                }
                if (ch > 0) {
                    hi = v;
                }
            }
            // Long strings are not worth carrying in every footer.
            if (lo.size() <= 64 && hi.size() <= 64) {
                s.min_value = std::string(lo);
                s.max_value = std::string(hi);
            }
            break;
        }
        case PhysicalType::kInt96:
            break;
    }
    return s;
}

// The non-null values of `c` (a copy only when there are nulls).
const ColumnData& dense_of(const ColumnData& c, ColumnData& storage) {
    if (c.valid.empty()) {
        return c;
    }
    storage = ColumnData(c.type, c.width);
    const std::size_t n = c.size();
    for (std::size_t i = 0; i < n; ++i) {
        if (c.valid[i] == 0) {
            continue;
        }
        switch (c.type) {
            case PhysicalType::kBoolean:
                storage.booleans.push_back(c.booleans[i]);
                break;
            case PhysicalType::kInt32:
                storage.int32s.push_back(c.int32s[i]);
                break;
            case PhysicalType::kInt64:
                storage.int64s.push_back(c.int64s[i]);
                break;
            case PhysicalType::kFloat:
                storage.floats.push_back(c.floats[i]);
                break;
            case PhysicalType::kDouble:
                storage.doubles.push_back(c.doubles[i]);
                break;
            default:
                storage.push_bytes(c.bytes_at(i));
        }
    }
    return storage;
}

Status validate_schema(const std::vector<ColumnSchema>& schema) {
    if (schema.empty()) {
        return make_error(
            ErrorCode::kInvalidArgument, "a Parquet schema needs at least one column");
    }
    for (std::size_t i = 0; i < schema.size(); ++i) {
        const ColumnSchema& c = schema[i];
        const auto bad = [&](const std::string& why) {
            return make_error(
                ErrorCode::kInvalidArgument, fmt::format("column '{}': {}", c.name, why));
        };
        if (c.name.empty()) {
            return make_error(ErrorCode::kInvalidArgument, fmt::format("column {} has no name", i));
        }
        for (std::size_t j = 0; j < i; ++j) {
            if (schema[j].name == c.name) {
                return bad("the name appears twice");
            }
        }
        if (c.repetition == Repetition::kRepeated) {
            return bad("repeated columns are not supported");
        }
        if (c.type == PhysicalType::kFixedLenByteArray && c.type_length <= 0) {
            return bad("a fixed-length byte array needs a positive length");
        }
        if (c.type == PhysicalType::kInt96) {
            return bad("INT96 is deprecated and not written");
        }
        switch (c.logical.kind) {
            case LogicalType::Kind::kTimestamp:
                if (c.type != PhysicalType::kInt64) {
                    return bad("TIMESTAMP needs INT64");
                }
                break;
            case LogicalType::Kind::kString:
                if (c.type != PhysicalType::kByteArray) {
                    return bad("STRING needs BYTE_ARRAY");
                }
                break;
            case LogicalType::Kind::kDecimal: {
                const int p = c.logical.precision;
                const int max_p =
                    c.type == PhysicalType::kInt32   ? 9
                    : c.type == PhysicalType::kInt64 ? 18
                    : c.type == PhysicalType::kFixedLenByteArray
                        ? static_cast<int>(std::floor((8.0 * c.type_length - 1) * std::log10(2.0)))
                    : c.type == PhysicalType::kByteArray ? 1 << 20
                                                         : 0;
                if (p <= 0 || p > max_p || c.logical.scale < 0 || c.logical.scale > p) {
                    return bad(fmt::format(
                        "DECIMAL({}, {}) does not fit {}", p, c.logical.scale, to_string(c.type)));
                }
                break;
            }
            case LogicalType::Kind::kDate:
                if (c.type != PhysicalType::kInt32) {
                    return bad("DATE needs INT32");
                }
                break;
            case LogicalType::Kind::kInteger:
                if (!is_integer(c.type)) {
                    return bad("an integer annotation needs INT32 or INT64");
                }
                break;
            case LogicalType::Kind::kOther:
                return bad("this logical type cannot be written");
            case LogicalType::Kind::kNone:
                break;
        }
    }
    return ok_status();
}

}  // namespace

struct FileWriter::Impl {
    std::string path;
    std::string working;
    int fd = -1;
    WriterOptions options;
    FileMetadata meta;
    std::uint64_t offset = 0;  // bytes in the file
    std::string buffer;
    bool closed = false;

    ~Impl() {
        if (fd >= 0) {
            ::close(fd);
            if (!closed) {
                ::unlink(working.c_str());
            }
        }
    }

    Status write_out(const std::string& data) {
        if (auto s = write_fully(fd, data.data(), data.size(), working); !s) {
            return s;
        }
        offset += data.size();
        return ok_status();
    }

    EncodingChoice choice_for(std::size_t column) const {
        return column < options.encodings.size() ? options.encodings[column]
                                                 : EncodingChoice::kAuto;
    }

    // Encodes one column chunk into `buffer` and returns its metadata.
    Result<ColumnChunkInfo> write_chunk(std::size_t index, const ColumnData& column) {
        const ColumnSchema& schema = meta.columns[index];
        ColumnData storage;
        const ColumnData& dense = dense_of(column, storage);
        const std::size_t rows = column.size();
        const std::size_t values = dense.size();
        const bool optional = schema.repetition == Repetition::kOptional;

        // Choose the encoding.
        EncodingChoice choice = choice_for(index);
        Dictionary dictionary;
        std::vector<std::int64_t> ints;
        const std::size_t width = plain_width(dense);
        const std::size_t plain_size = dense.type == PhysicalType::kByteArray
                                           ? dense.bytes.size() + 4 * values
                                       : dense.type == PhysicalType::kBoolean ? (values + 7) / 8
                                                                              : values * width;
        if (choice == EncodingChoice::kDelta && !is_integer(dense.type)) {
            return make_error(
                ErrorCode::kInvalidArgument,
                fmt::format("column '{}': DELTA_BINARY_PACKED needs INT32 or INT64", schema.name));
        }
        if (choice == EncodingChoice::kRle && dense.type != PhysicalType::kBoolean) {
            return make_error(
                ErrorCode::kInvalidArgument,
                fmt::format("column '{}': RLE values need BOOLEAN", schema.name));
        }
        const int bits = dense.type == PhysicalType::kInt32 ? 32 : 64;
        if (choice == EncodingChoice::kAuto) {
            choice = EncodingChoice::kPlain;
            std::size_t best = plain_size;
            // A dictionary pays only with repeats: skip it for times (always increasing) and
            // when a sample of the first values is mostly distinct.
            bool try_dictionary = dense.type != PhysicalType::kBoolean && values > 0 &&
                                  schema.logical.kind != LogicalType::Kind::kTimestamp;
            if (try_dictionary && values > 4096) {
                ColumnData sample(dense.type, dense.width);
                sample.reserve(1024);
                for (std::size_t i = 0; i < 1024; ++i) {
                    switch (dense.type) {
                        case PhysicalType::kInt32:
                            sample.int32s.push_back(dense.int32s[i]);
                            break;
                        case PhysicalType::kInt64:
                            sample.int64s.push_back(dense.int64s[i]);
                            break;
                        case PhysicalType::kFloat:
                            sample.floats.push_back(dense.floats[i]);
                            break;
                        case PhysicalType::kDouble:
                            sample.doubles.push_back(dense.doubles[i]);
                            break;
                        default:
                            sample.push_bytes(dense.bytes_at(i));
                    }
                }
                Dictionary probe;
                try_dictionary = build_dictionary(sample, 512, probe);
            }
            if (try_dictionary && build_dictionary(dense, values * 3 / 4 + 1, dictionary)) {
                const int w = std::max(1, detail::bit_width_of(dictionary.entries - 1));
                const std::size_t size =
                    dictionary.plain.size() + values * static_cast<std::size_t>(w) / 8 + 16;
                if (size < best) {
                    best = size;
                    choice = EncodingChoice::kDictionary;
                }
            }
            if (is_integer(dense.type) && values > 0) {
                ints = as_int64(dense);
                const std::size_t size =
                    detail::delta_binary_packed_size(ints.data(), values, bits);
                if (size < best) {
                    best = size;
                    choice = EncodingChoice::kDelta;
                }
            }
        } else if (choice == EncodingChoice::kDictionary) {
            if (!build_dictionary(dense, std::numeric_limits<std::size_t>::max(), dictionary)) {
                choice = EncodingChoice::kPlain;
            }
        }
        if (choice == EncodingChoice::kDelta && ints.empty()) {
            ints = as_int64(dense);
        }
        const bool use_dictionary = choice == EncodingChoice::kDictionary;
        const Encoding value_encoding = use_dictionary ? Encoding::kRleDictionary
                                        : choice == EncodingChoice::kDelta
                                            ? Encoding::kDeltaBinaryPacked
                                        : choice == EncodingChoice::kRle ? Encoding::kRle
                                                                         : Encoding::kPlain;
        const int dict_width =
            use_dictionary ? std::max(1, detail::bit_width_of(dictionary.entries - 1)) : 0;

        // Raw (uncompressed) page bodies; for v2 the levels stay outside the compressed part.
        struct Page {
            PageHeader header;
            std::string levels;  // v2 only
            std::string body;
        };
        std::vector<Page> pages;
        if (use_dictionary) {
            Page p;
            p.header.type = PageType::kDictionaryPage;
            p.header.num_values = static_cast<std::int32_t>(dictionary.entries);
            p.header.encoding = Encoding::kPlain;
            p.body = std::move(dictionary.plain);
            pages.push_back(std::move(p));
        }
        const bool v2 = options.page_version == PageVersion::kV2;
        std::size_t rows_per_page = std::max<std::size_t>(1, options.page_rows);
        if (dense.type != PhysicalType::kByteArray && width > 0) {
            rows_per_page = std::max<std::size_t>(1, std::min(rows_per_page, kPageBytes / width));
        }
        std::size_t row = 0;
        std::size_t value = 0;
        std::vector<std::uint32_t> levels;
        do {
            std::size_t end_row = std::min(rows, row + rows_per_page);
            if (dense.type == PhysicalType::kByteArray && !column.offsets.empty()) {
                // Byte arrays: also end the page near kPageBytes of data.
                const std::size_t limit = column.offsets[row] + kPageBytes;
                const auto it = std::upper_bound(
                    column.offsets.begin() + static_cast<std::ptrdiff_t>(row) + 1,
                    column.offsets.begin() + static_cast<std::ptrdiff_t>(end_row) + 1,
                    limit);
                const auto cut = static_cast<std::size_t>(it - column.offsets.begin()) - 1;
                end_row = std::max(row + 1, std::min(end_row, cut));
                end_row = std::min(end_row, rows);
            }
            std::size_t page_values = end_row - row;
            std::size_t nulls = 0;
            Page p;
            if (optional) {
                levels.resize(end_row - row);
                for (std::size_t r = row; r < end_row; ++r) {
                    const bool present = column.valid.empty() || column.valid[r] != 0;
                    levels[r - row] = present ? 1 : 0;
                    nulls += present ? 0 : 1;
                }
                std::string encoded;
                detail::encode_rle_hybrid(levels.data(), levels.size(), 1, encoded);
                if (v2) {
                    p.levels = std::move(encoded);
                } else {
                    put_le32(p.body, static_cast<std::uint32_t>(encoded.size()));
                    p.body += encoded;
                }
            }
            const std::size_t present = page_values - nulls;
            const std::size_t vbegin = value;
            const std::size_t vend = value + present;
            switch (value_encoding) {
                case Encoding::kRleDictionary: {
                    p.body.push_back(static_cast<char>(dict_width));
                    detail::encode_rle_hybrid(
                        dictionary.indices.data() + vbegin, present, dict_width, p.body);
                    break;
                }
                case Encoding::kDeltaBinaryPacked:
                    detail::encode_delta_binary_packed(ints.data() + vbegin, present, bits, p.body);
                    break;
                case Encoding::kRle: {
                    std::vector<std::uint32_t> bools(
                        dense.booleans.begin() + static_cast<std::ptrdiff_t>(vbegin),
                        dense.booleans.begin() + static_cast<std::ptrdiff_t>(vend));
                    std::string encoded;
                    detail::encode_rle_hybrid(bools.data(), bools.size(), 1, encoded);
                    put_le32(p.body, static_cast<std::uint32_t>(encoded.size()));
                    p.body += encoded;
                    break;
                }
                default:
                    encode_plain(dense, vbegin, vend, p.body);
            }
            p.header.type = v2 ? PageType::kDataPageV2 : PageType::kDataPage;
            p.header.num_values = static_cast<std::int32_t>(page_values);
            p.header.num_nulls = static_cast<std::int32_t>(nulls);
            p.header.num_rows = static_cast<std::int32_t>(page_values);
            p.header.encoding = value_encoding;
            p.header.definition_levels_byte_length = static_cast<std::int32_t>(p.levels.size());
            pages.push_back(std::move(p));
            row = end_row;
            value = vend;
        } while (row < rows);

        // Compress, keeping the codec only when it pays: a 64 KiB sample of the largest page
        // decides (compressing a chunk that will be stored uncompressed would be wasted).
        Codec codec = options.codec;
        std::vector<std::string> compressed(pages.size());
        if (codec != Codec::kUncompressed && options.min_compression_gain > 0.0 && !pages.empty()) {
            std::size_t largest = 0;
            for (std::size_t i = 1; i < pages.size(); ++i) {
                if (pages[i].body.size() > pages[largest].body.size()) {
                    largest = i;
                }
            }
            const std::size_t sample = std::min<std::size_t>(pages[largest].body.size(), 64U << 10);
            std::string probe;
            detail::compress(codec, options.zstd_level, pages[largest].body.data(), sample, probe);
            if (static_cast<double>(probe.size()) >
                static_cast<double>(sample) * (1.0 - options.min_compression_gain)) {
                codec = Codec::kUncompressed;
            }
        }
        for (std::size_t i = 0; i < pages.size(); ++i) {
            if (codec == Codec::kUncompressed) {
                compressed[i] = pages[i].body;
            } else if (compressed[i].empty()) {
                detail::compress(
                    codec,
                    options.zstd_level,
                    pages[i].body.data(),
                    pages[i].body.size(),
                    compressed[i]);
            }
        }
        ColumnChunkInfo info;
        info.type = schema.type;
        info.codec = codec;
        info.num_values = static_cast<std::int64_t>(rows);
        std::int64_t uncompressed_total = 0;
        std::int64_t compressed_total = 0;
        for (std::size_t i = 0; i < pages.size(); ++i) {
            Page& p = pages[i];
            p.header.uncompressed_page_size =
                static_cast<std::int32_t>(p.levels.size() + p.body.size());
            p.header.compressed_page_size =
                static_cast<std::int32_t>(p.levels.size() + compressed[i].size());
            p.header.is_compressed = codec != Codec::kUncompressed;
            const std::int64_t position = static_cast<std::int64_t>(offset + buffer.size());
            if (p.header.type == PageType::kDictionaryPage) {
                info.dictionary_page_offset = position;
            } else if (i == (use_dictionary ? 1U : 0U)) {
                info.data_page_offset = position;
            }
            const std::size_t before = buffer.size();
            detail::encode_page_header(p.header, buffer);
            const auto header_size = static_cast<std::int64_t>(buffer.size() - before);
            buffer += p.levels;
            buffer += compressed[i];
            uncompressed_total += header_size + p.header.uncompressed_page_size;
            compressed_total += header_size + p.header.compressed_page_size;
        }
        info.total_uncompressed_size = uncompressed_total;
        info.total_compressed_size = compressed_total;
        if (use_dictionary) {
            info.encodings = {Encoding::kPlain, Encoding::kRle, Encoding::kRleDictionary};
        } else if (value_encoding == Encoding::kRle) {
            info.encodings = {Encoding::kRle};
        } else {
            info.encodings = {Encoding::kRle, value_encoding};
        }
        const bool stats =
            options.statistics || schema.logical.kind == LogicalType::Kind::kTimestamp;
        if (stats) {
            info.statistics =
                compute_statistics(schema, dense, static_cast<std::int64_t>(rows - values));
        } else {
            info.statistics.null_count = static_cast<std::int64_t>(rows - values);
        }
        return info;
    }

    Status write_footer() {
        std::string footer;
        detail::encode_file_metadata(meta, footer);
        put_le32(footer, static_cast<std::uint32_t>(footer.size()));
        footer.append(kMagic);
        if (auto s = write_out(footer); !s) {
            return s;
        }
        if (options.sync && ::fdatasync(fd) != 0) {
            return tl::unexpected(io_error(working, "fsync failed"));
        }
        return ok_status();
    }
};

FileWriter::FileWriter(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
FileWriter::FileWriter(FileWriter&&) noexcept = default;
FileWriter& FileWriter::operator=(FileWriter&&) noexcept = default;
FileWriter::~FileWriter() = default;

Result<FileWriter> FileWriter::create(
    const std::string& path, std::vector<ColumnSchema> schema, WriterOptions options) {
    if (auto s = validate_schema(schema); !s) {
        return tl::unexpected(
            Error{s.error().code, fmt::format("{}: {}", path, s.error().message)});
    }
    if (!detail::codec_supported(options.codec)) {
        return make_error(
            ErrorCode::kInvalidArgument,
            fmt::format(
                "{}: codec {} is not supported for writing", path, to_string(options.codec)));
    }
    if (options.zstd_level < 1 || options.zstd_level > 19) {
        return make_error(ErrorCode::kInvalidArgument, "zstd level must be in 1..19");
    }
    if (options.row_group_rows == 0 || options.page_rows == 0 ||
        options.page_rows > static_cast<std::size_t>(INT32_MAX)) {
        return make_error(ErrorCode::kInvalidArgument, "row group and page sizes must be positive");
    }
    auto impl = std::make_unique<Impl>();
    impl->path = path;
    impl->working = options.atomic ? path + ".partial" : path;
    impl->options = std::move(options);
    impl->meta.columns = std::move(schema);
    impl->meta.key_value_metadata = impl->options.metadata;
    impl->meta.created_by = "ats (parquet writer)";
    impl->fd = ::open(impl->working.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (impl->fd < 0) {
        return tl::unexpected(io_error(impl->working, "cannot create"));
    }
    if (auto s = impl->write_out(std::string(kMagic)); !s) {
        return tl::unexpected(s.error());
    }
    return FileWriter(std::move(impl));
}

Status FileWriter::write_row_group(const std::vector<ColumnData>& columns) {
    Impl& m = *impl_;
    if (m.closed) {
        return make_error(
            ErrorCode::kFailedPrecondition, fmt::format("{}: already closed", m.path));
    }
    if (columns.size() != m.meta.columns.size()) {
        return make_error(
            ErrorCode::kInvalidArgument,
            fmt::format(
                "{}: {} columns given for a schema of {}",
                m.path,
                columns.size(),
                m.meta.columns.size()));
    }
    const std::size_t rows = columns.front().size();
    for (std::size_t i = 0; i < columns.size(); ++i) {
        const ColumnSchema& s = m.meta.columns[i];
        const ColumnData& c = columns[i];
        if (c.type != s.type ||
            (s.type == PhysicalType::kFixedLenByteArray && c.width != s.type_length)) {
            return make_error(
                ErrorCode::kInvalidArgument,
                fmt::format(
                    "{}: column '{}' holds {} values, the schema says {}",
                    m.path,
                    s.name,
                    to_string(c.type),
                    to_string(s.type)));
        }
        if (c.size() != rows || (!c.valid.empty() && c.valid.size() != rows)) {
            return make_error(
                ErrorCode::kInvalidArgument,
                fmt::format(
                    "{}: column '{}' has {} rows, the first column {}",
                    m.path,
                    s.name,
                    c.size(),
                    rows));
        }
        if (s.repetition == Repetition::kRequired && !c.valid.empty() &&
            std::find(c.valid.begin(), c.valid.end(), 0) != c.valid.end()) {
            return make_error(
                ErrorCode::kInvalidArgument,
                fmt::format("{}: required column '{}' holds a null", m.path, s.name));
        }
        if (s.type == PhysicalType::kByteArray && c.bytes.size() > (std::size_t{1} << 31)) {
            return make_error(
                ErrorCode::kInvalidArgument,
                fmt::format(
                    "{}: column '{}' holds more than 2 GiB in one row group", m.path, s.name));
        }
    }
    if (rows == 0) {
        return ok_status();
    }
    RowGroupInfo group;
    group.num_rows = static_cast<std::int64_t>(rows);
    m.buffer.clear();
    for (std::size_t i = 0; i < columns.size(); ++i) {
        auto chunk = m.write_chunk(i, columns[i]);
        if (!chunk) {
            return tl::unexpected(chunk.error());
        }
        group.total_byte_size += chunk->total_uncompressed_size;
        group.columns.push_back(std::move(*chunk));
    }
    if (auto s = m.write_out(m.buffer); !s) {
        return s;
    }
    m.meta.num_rows += group.num_rows;
    m.meta.row_groups.push_back(std::move(group));
    return ok_status();
}

Status FileWriter::checkpoint() {
    Impl& m = *impl_;
    if (m.closed) {
        return make_error(
            ErrorCode::kFailedPrecondition, fmt::format("{}: already closed", m.path));
    }
    return m.write_footer();
}

Status FileWriter::close() {
    Impl& m = *impl_;
    if (m.closed) {
        return ok_status();
    }
    if (auto s = m.write_footer(); !s) {
        return s;
    }
    if (::close(m.fd) != 0) {
        m.fd = -1;
        return tl::unexpected(io_error(m.working, "close failed"));
    }
    m.fd = -1;
    m.closed = true;
    if (m.working != m.path) {
        if (::rename(m.working.c_str(), m.path.c_str()) != 0) {
            return tl::unexpected(io_error(m.path, "cannot rename into place"));
        }
        if (m.options.sync) {
            const auto dir = std::filesystem::path(m.path).parent_path();
            const int dfd =
                ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
            if (dfd >= 0) {
                ::fsync(dfd);
                ::close(dfd);
            }
        }
    }
    return ok_status();
}

void FileWriter::set_metadata(const std::string& key, std::string value) {
    for (auto& kv : impl_->meta.key_value_metadata) {
        if (kv.key == key) {
            kv.value = std::move(value);
            return;
        }
    }
    impl_->meta.key_value_metadata.push_back(KeyValue{key, std::move(value)});
}

std::int64_t FileWriter::rows_written() const noexcept {
    return impl_->meta.num_rows;
}
std::size_t FileWriter::row_groups_written() const noexcept {
    return impl_->meta.row_groups.size();
}
std::uint64_t FileWriter::bytes_written() const noexcept {
    return impl_->offset;
}
const std::string& FileWriter::path() const noexcept {
    return impl_->path;
}
const std::string& FileWriter::working_path() const noexcept {
    return impl_->working;
}

Status write_table(
    const std::string& path,
    const std::vector<ColumnSchema>& schema,
    const std::vector<ColumnData>& columns,
    const WriterOptions& options) {
    auto writer = FileWriter::create(path, schema, options);
    if (!writer) {
        return tl::unexpected(writer.error());
    }
    if (columns.size() != schema.size()) {
        return make_error(
            ErrorCode::kInvalidArgument,
            fmt::format(
                "{}: {} columns given for a schema of {}", path, columns.size(), schema.size()));
    }
    const std::size_t rows = columns.empty() ? 0 : columns.front().size();
    const std::size_t step = options.row_group_rows;
    if (rows <= step) {
        if (auto s = writer->write_row_group(columns); !s) {
            return s;
        }
        return writer->close();
    }
    std::vector<ColumnData> slice;
    for (std::size_t begin = 0; begin < rows; begin += step) {
        const std::size_t end = std::min(rows, begin + step);
        slice.clear();
        for (const auto& c : columns) {
            ColumnData s(c.type, c.width);
            const auto b = static_cast<std::ptrdiff_t>(begin);
            const auto e = static_cast<std::ptrdiff_t>(end);
            switch (c.type) {
                case PhysicalType::kBoolean:
                    s.booleans.assign(c.booleans.begin() + b, c.booleans.begin() + e);
                    break;
                case PhysicalType::kInt32:
                    s.int32s.assign(c.int32s.begin() + b, c.int32s.begin() + e);
                    break;
                case PhysicalType::kInt64:
                    s.int64s.assign(c.int64s.begin() + b, c.int64s.begin() + e);
                    break;
                case PhysicalType::kFloat:
                    s.floats.assign(c.floats.begin() + b, c.floats.begin() + e);
                    break;
                case PhysicalType::kDouble:
                    s.doubles.assign(c.doubles.begin() + b, c.doubles.begin() + e);
                    break;
                case PhysicalType::kByteArray:
                    s.offsets.clear();
                    for (std::size_t i = begin; i <= end; ++i) {
                        s.offsets.push_back(c.offsets[i] - c.offsets[begin]);
                    }
                    s.bytes.assign(c.bytes, c.offsets[begin], c.offsets[end] - c.offsets[begin]);
                    break;
                case PhysicalType::kFixedLenByteArray:
                case PhysicalType::kInt96: {
                    const auto w = static_cast<std::size_t>(c.width);
                    s.bytes.assign(c.bytes, begin * w, (end - begin) * w);
                    break;
                }
            }
            if (!c.valid.empty()) {
                s.valid.assign(c.valid.begin() + b, c.valid.begin() + e);
            }
            slice.push_back(std::move(s));
        }
        if (auto s = writer->write_row_group(slice); !s) {
            return s;
        }
    }
    return writer->close();
}

namespace {

std::uint32_t get_le32(const char* p) {
    std::uint32_t v = 0;
    std::memcpy(&v, p, 4);
    return v;
}

}  // namespace

Result<RecoveredFile> recover_file(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
    if (fd < 0) {
        return tl::unexpected(io_error(path, "cannot open"));
    }
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
        const Error e = io_error(path, "cannot stat");
        ::close(fd);
        return tl::unexpected(e);
    }
    const auto size = static_cast<std::size_t>(st.st_size);
    std::string data(size, '\0');
    std::size_t got = 0;
    while (got < size) {
        const ::ssize_t n = ::pread(fd, data.data() + got, size - got, static_cast<off_t>(got));
        if (n <= 0) {
            const Error e = io_error(path, "read failed");
            ::close(fd);
            return tl::unexpected(e);
        }
        got += static_cast<std::size_t>(n);
    }
    RecoveredFile result;
    result.bytes_before = size;
    // The last "PAR1" that ends a footer whose column chunks all lie before it.
    ReaderLimits limits;
    for (std::size_t end = size; end >= 12; --end) {
        if (std::memcmp(data.data() + end - 4, kMagic.data(), 4) != 0) {
            continue;
        }
        const std::uint32_t len = get_le32(data.data() + end - 8);
        if (len == 0 || len > end - 12) {
            continue;
        }
        const std::size_t footer_begin = end - 8 - len;
        auto meta = detail::decode_file_metadata(
            reinterpret_cast<const std::uint8_t*>(data.data()) + footer_begin, len, limits);
        if (!meta) {
            continue;
        }
        bool inside = true;
        for (const auto& g : meta->row_groups) {
            for (const auto& c : g.columns) {
                const std::int64_t start = c.dictionary_page_offset.value_or(c.data_page_offset);
                if (start < 4 ||
                    start + c.total_compressed_size > static_cast<std::int64_t>(footer_begin)) {
                    inside = false;
                }
            }
        }
        if (!inside) {
            continue;
        }
        if (end != size && ::ftruncate(fd, static_cast<off_t>(end)) != 0) {
            const Error e = io_error(path, "cannot truncate");
            ::close(fd);
            return tl::unexpected(e);
        }
        ::fsync(fd);
        ::close(fd);
        result.rows = meta->num_rows;
        result.row_groups = meta->row_groups.size();
        result.bytes_after = end;
        return result;
    }
    ::close(fd);
    return make_error(
        ErrorCode::kParse, fmt::format("{}: no complete Parquet footer to recover", path));
}

}  // namespace ats::parquet
