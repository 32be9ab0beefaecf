#include "encoding.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <utility>

#include <fmt/format.h>

namespace ats::parquet::detail {
namespace {

__extension__ typedef unsigned __int128 U128;

// Little-endian load of up to 8 bytes (fewer when near the end of the data).
inline std::uint64_t load64(const std::uint8_t* p, std::size_t avail) {
    std::uint64_t v = 0;
    std::memcpy(&v, p, avail >= 8 ? 8 : avail);
    return v;
}

template <int W>
void unpack_fixed(const std::uint8_t* in, std::uint32_t* out, std::size_t count) {
    constexpr std::uint64_t kMask = (std::uint64_t{1} << W) - 1;
    const std::size_t total = (count * W + 7) / 8;
    std::size_t i = 0;
    std::size_t bit = 0;
    for (; i < count; ++i, bit += W) {
        const std::size_t byte = bit >> 3;
        if (byte + 8 > total) {
            break;
        }
        std::uint64_t w = 0;
        std::memcpy(&w, in + byte, 8);
        out[i] = static_cast<std::uint32_t>((w >> (bit & 7)) & kMask);
    }
    for (; i < count; ++i, bit += W) {
        const std::size_t byte = bit >> 3;
        out[i] = static_cast<std::uint32_t>((load64(in + byte, total - byte) >> (bit & 7)) & kMask);
    }
}

template <int W>
void unpack64_fixed(const std::uint8_t* in, std::uint64_t* out, std::size_t count) {
    constexpr std::uint64_t kMask = W == 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << W) - 1;
    const std::size_t total = (count * W + 7) / 8;
    std::size_t i = 0;
    std::size_t bit = 0;
    // Whole 8-byte windows: one load when the value fits the window after the shift.
    for (; i < count; ++i, bit += W) {
        const std::size_t byte = bit >> 3;
        const int shift = static_cast<int>(bit & 7);
        if (byte + 9 > total) {
            break;
        }
        std::uint64_t w = 0;
        std::memcpy(&w, in + byte, 8);
        std::uint64_t v = w >> shift;
        if constexpr (W > 56) {
            if (shift + W > 64) {
                v |= static_cast<std::uint64_t>(in[byte + 8]) << (64 - shift);
            }
        }
        out[i] = v & kMask;
    }
    for (; i < count; ++i, bit += W) {
        const std::size_t byte = bit >> 3;
        const int shift = static_cast<int>(bit & 7);
        std::uint64_t v = load64(in + byte, total - byte) >> shift;
        if (shift + W > 64) {
            v |= static_cast<std::uint64_t>(in[byte + 8]) << (64 - shift);
        }
        out[i] = v & kMask;
    }
}

using Unpack64Fn = void (*)(const std::uint8_t*, std::uint64_t*, std::size_t);

template <std::size_t... I>
constexpr auto make_unpack64_table(std::index_sequence<I...>) {
    return std::array<Unpack64Fn, sizeof...(I)>{&unpack64_fixed<static_cast<int>(I + 1)>...};
}

const auto kUnpack64Table = make_unpack64_table(std::make_index_sequence<64>{});

// 32 values of W bits into 4 * W bytes (a DELTA_BINARY_PACKED miniblock), unrolled per width.
template <int W>
void pack32_fixed(const std::uint64_t* values, unsigned char* dst) {
    constexpr std::uint64_t kMask = W == 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << W) - 1;
    U128 acc = 0;
    int bits = 0;
    for (int i = 0; i < 32; ++i) {
        acc |= static_cast<U128>(values[i] & kMask) << bits;
        bits += W;
        if (bits >= 64) {
            const auto word = static_cast<std::uint64_t>(acc);
            std::memcpy(dst, &word, 8);
            dst += 8;
            acc >>= 64;
            bits -= 64;
        }
    }
    if (bits > 0) {  // W odd: 32 bits left
        const auto word = static_cast<std::uint32_t>(acc);
        std::memcpy(dst, &word, 4);
    }
}

using Pack32Fn = void (*)(const std::uint64_t*, unsigned char*);

template <std::size_t... I>
constexpr auto make_pack32_table(std::index_sequence<I...>) {
    return std::array<Pack32Fn, sizeof...(I)>{&pack32_fixed<static_cast<int>(I + 1)>...};
}

const auto kPack32Table = make_pack32_table(std::make_index_sequence<64>{});

using UnpackFn = void (*)(const std::uint8_t*, std::uint32_t*, std::size_t);

template <std::size_t... I>
constexpr auto make_unpack_table(std::index_sequence<I...>) {
    return std::array<UnpackFn, sizeof...(I)>{&unpack_fixed<static_cast<int>(I + 1)>...};
}

const auto kUnpackTable = make_unpack_table(std::make_index_sequence<32>{});

bool read_uleb(const std::uint8_t* in, std::size_t size, std::size_t& pos, std::uint64_t& out) {
    std::uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        if (pos >= size) {
            return false;
        }
        const std::uint8_t b = in[pos++];
        v |= static_cast<std::uint64_t>(b & 0x7F) << shift;
        if ((b & 0x80) == 0) {
            out = v;
            return true;
        }
    }
    return false;
}

void write_uleb(std::uint64_t v, std::string& out) {
    while (v >= 0x80) {
        out.push_back(static_cast<char>((v & 0x7F) | 0x80));
        v >>= 7;
    }
    out.push_back(static_cast<char>(v));
}

std::uint64_t zigzag(std::int64_t v) {
    return (static_cast<std::uint64_t>(v) << 1) ^ static_cast<std::uint64_t>(v >> 63);
}

std::int64_t unzigzag(std::uint64_t v) {
    return static_cast<std::int64_t>(v >> 1) ^ -static_cast<std::int64_t>(v & 1);
}

// Length of the run of equal values starting at i.
std::size_t run_length(const std::uint32_t* v, std::size_t n, std::size_t i) {
    std::size_t j = i + 1;
    while (j < n && v[j] == v[i]) {
        ++j;
    }
    return j - i;
}

constexpr std::size_t kDeltaBlock = 128;
constexpr std::size_t kDeltaMiniblocks = 4;
constexpr std::size_t kDeltaMiniblockValues = kDeltaBlock / kDeltaMiniblocks;

// Deltas of a block relative to its minimum, and the miniblock widths. `bits` is 32 or 64.
struct DeltaBlock {
    std::int64_t min_delta = 0;
    std::size_t count = 0;
    std::uint64_t rel[kDeltaBlock] = {};
    int width[kDeltaMiniblocks] = {};
};

void build_block(
    const std::int64_t* values, std::size_t first, std::size_t n, int bits, DeltaBlock& b) {
    b.count = std::min(kDeltaBlock, n - first);
    std::int64_t deltas[kDeltaBlock];
    for (std::size_t k = 0; k < b.count; ++k) {
        const std::size_t i = first + k;
        if (bits == 32) {
            const auto d =
                static_cast<std::uint32_t>(values[i]) - static_cast<std::uint32_t>(values[i - 1]);
            deltas[k] = static_cast<std::int32_t>(d);
        } else {
            deltas[k] = static_cast<std::int64_t>(
                static_cast<std::uint64_t>(values[i]) - static_cast<std::uint64_t>(values[i - 1]));
        }
    }
    b.min_delta = *std::min_element(deltas, deltas + b.count);
    for (std::size_t m = 0; m < kDeltaMiniblocks; ++m) {
        std::uint64_t max_rel = 0;
        for (std::size_t k = m * kDeltaMiniblockValues;
             k < std::min(b.count, (m + 1) * kDeltaMiniblockValues);
             ++k) {
            std::uint64_t rel =
                static_cast<std::uint64_t>(deltas[k]) - static_cast<std::uint64_t>(b.min_delta);
            if (bits == 32) {
                rel &= 0xFFFFFFFFULL;
            }
            b.rel[k] = rel;
            max_rel = std::max(max_rel, rel);
        }
        b.width[m] = bit_width_of(max_rel);
    }
    for (std::size_t k = b.count; k < kDeltaBlock; ++k) {
        b.rel[k] = 0;
    }
}

}  // namespace

void bit_pack(const std::uint32_t* values, std::size_t n, int width, std::string& out) {
    if (width == 0 || n == 0) {
        return;
    }
    const std::size_t padded = (n + 7) / 8 * 8;
    std::uint64_t acc = 0;
    int bits = 0;
    for (std::size_t i = 0; i < padded; ++i) {
        const std::uint64_t v = i < n ? values[i] : 0;
        acc |= v << bits;
        bits += width;
        while (bits >= 8) {
            out.push_back(static_cast<char>(acc & 0xFF));
            acc >>= 8;
            bits -= 8;
        }
    }
}

void bit_pack64(const std::uint64_t* values, std::size_t n, int width, std::string& out) {
    if (width == 0 || n == 0) {
        return;
    }
    const std::size_t padded = (n + 7) / 8 * 8;
    const std::size_t bytes = padded * static_cast<std::size_t>(width) / 8;
    const std::size_t start = out.size();
    out.resize(start + bytes + 9, '\0');  // 9 bytes of slack for the 64-bit stores, cut below
    auto* dst = reinterpret_cast<unsigned char*>(out.data() + start);
    const std::uint64_t mask = width == 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << width) - 1;
    std::size_t bit = 0;
    for (std::size_t i = 0; i < n; ++i, bit += static_cast<std::size_t>(width)) {
        const std::uint64_t v = values[i] & mask;
        const std::size_t byte = bit >> 3;
        const int shift = static_cast<int>(bit & 7);
        std::uint64_t w = 0;
        std::memcpy(&w, dst + byte, 8);
        w |= v << shift;
        std::memcpy(dst + byte, &w, 8);
        if (shift + width > 64) {
            dst[byte + 8] |= static_cast<unsigned char>(v >> (64 - shift));
        }
    }
    out.resize(start + bytes);
}

void bit_unpack(const std::uint8_t* in, int width, std::uint32_t* out, std::size_t count) {
    if (width <= 0) {
        std::fill(out, out + count, 0U);
        return;
    }
    kUnpackTable[static_cast<std::size_t>(width - 1)](in, out, count);
}

void bit_unpack64(const std::uint8_t* in, int width, std::uint64_t* out, std::size_t count) {
    if (width <= 0) {
        std::fill(out, out + count, std::uint64_t{0});
        return;
    }
    kUnpack64Table[static_cast<std::size_t>(width - 1)](in, out, count);
}

void encode_rle_hybrid(const std::uint32_t* values, std::size_t n, int width, std::string& out) {
    const std::size_t value_bytes = static_cast<std::size_t>((width + 7) / 8);
    std::size_t i = 0;
    while (i < n) {
        const std::size_t run = run_length(values, n, i);
        if (run >= 8) {
            write_uleb(static_cast<std::uint64_t>(run) << 1, out);
            std::uint32_t v = values[i];
            for (std::size_t b = 0; b < value_bytes; ++b) {
                out.push_back(static_cast<char>(v & 0xFF));
                v >>= 8;
            }
            i += run;
            continue;
        }
        // Bit-packed groups of 8 until a run of 8 or more starts on a group boundary.
        std::size_t j = i;
        do {
            j += 8;
        } while (j < n && run_length(values, n, j) < 8 && (j - i) < (std::size_t{1} << 20));
        const std::size_t count = std::min(j, n) - i;
        const std::size_t groups = (count + 7) / 8;
        write_uleb((static_cast<std::uint64_t>(groups) << 1) | 1, out);
        bit_pack(values + i, count, width, out);
        i += count;
    }
}

Decoded decode_rle_hybrid(
    const std::uint8_t* in, std::size_t size, int width, std::uint32_t* out, std::size_t count) {
    Decoded result;
    if (width < 0 || width > 32) {
        result.error = fmt::format("RLE bit width {} is not in 0..32", width);
        return result;
    }
    const std::size_t value_bytes = static_cast<std::size_t>((width + 7) / 8);
    const std::uint64_t max_value = width == 32 ? 0xFFFFFFFFULL : (std::uint64_t{1} << width) - 1;
    std::size_t pos = 0;
    std::size_t produced = 0;
    while (produced < count) {
        std::uint64_t header = 0;
        if (!read_uleb(in, size, pos, header)) {
            result.error = fmt::format("RLE data ends after {} of {} values", produced, count);
            return result;
        }
        if ((header & 1) != 0) {
            const std::uint64_t groups = header >> 1;
            if (groups == 0 || groups > (std::uint64_t{1} << 31)) {
                result.error = fmt::format("bit-packed run of {} groups", groups);
                return result;
            }
            const std::uint64_t run_values = groups * 8;
            const std::uint64_t run_bytes = groups * static_cast<std::uint64_t>(width);
            const std::size_t take =
                static_cast<std::size_t>(std::min<std::uint64_t>(run_values, count - produced));
            const std::size_t need = (take * static_cast<std::size_t>(width) + 7) / 8;
            if (need > size - pos) {
                result.error =
                    fmt::format("bit-packed run needs {} bytes, {} left", need, size - pos);
                return result;
            }
            bit_unpack(in + pos, width, out + produced, take);
            produced += take;
            pos += static_cast<std::size_t>(std::min<std::uint64_t>(run_bytes, size - pos));
        } else {
            const std::uint64_t run = header >> 1;
            if (run == 0) {
                result.error = "RLE run of length 0";
                return result;
            }
            if (value_bytes > size - pos) {
                result.error = "RLE run value beyond the end";
                return result;
            }
            std::uint64_t v = 0;
            for (std::size_t b = 0; b < value_bytes; ++b) {
                v |= static_cast<std::uint64_t>(in[pos + b]) << (8 * b);
            }
            pos += value_bytes;
            if (v > max_value) {
                result.error = fmt::format("RLE value {} wider than {} bits", v, width);
                return result;
            }
            const std::size_t take =
                static_cast<std::size_t>(std::min<std::uint64_t>(run, count - produced));
            std::fill(out + produced, out + produced + take, static_cast<std::uint32_t>(v));
            produced += take;
        }
    }
    result.consumed = pos;
    return result;
}

void encode_delta_binary_packed(
    const std::int64_t* values, std::size_t n, int bits, std::string& out) {
    write_uleb(kDeltaBlock, out);
    write_uleb(kDeltaMiniblocks, out);
    write_uleb(n, out);
    write_uleb(zigzag(n == 0 ? 0 : values[0]), out);
    DeltaBlock block;
    for (std::size_t first = 1; first < n; first += kDeltaBlock) {
        build_block(values, first, n, bits, block);
        write_uleb(zigzag(block.min_delta), out);
        for (std::size_t m = 0; m < kDeltaMiniblocks; ++m) {
            const bool used = m * kDeltaMiniblockValues < block.count;
            out.push_back(static_cast<char>(used ? block.width[m] : 0));
        }
        for (std::size_t m = 0; m < kDeltaMiniblocks; ++m) {
            if (m * kDeltaMiniblockValues >= block.count) {
                break;
            }
            const int w = block.width[m];
            if (w > 0) {
                const std::size_t at = out.size();
                out.resize(at + static_cast<std::size_t>(w) * 4);
                kPack32Table[static_cast<std::size_t>(w - 1)](
                    block.rel + m * kDeltaMiniblockValues,
                    reinterpret_cast<unsigned char*>(out.data() + at));
            }
        }
    }
}

std::size_t delta_binary_packed_size(const std::int64_t* values, std::size_t n, int bits) {
    // Long columns: the first 8,192 values stand for the rest (an estimate, to choose).
    constexpr std::size_t kSample = 8192;
    if (n > 2 * kSample) {
        const std::size_t part = delta_binary_packed_size(values, kSample, bits);
        return part * (n / kSample + 1);
    }
    std::size_t size = 23;  // an upper bound: four varints of the header
    // Per miniblock: the spread of its deltas (max - min) gives the width; the block's minimum
    // only shifts them.
    for (std::size_t first = 1; first < n; first += kDeltaBlock) {
        const std::size_t count = std::min(kDeltaBlock, n - first);
        size += 10 + kDeltaMiniblocks;  // min delta varint and the widths
        std::int64_t block_min = INT64_MAX;
        std::int64_t mini_max[kDeltaMiniblocks];
        for (std::size_t m = 0; m < kDeltaMiniblocks; ++m) {
            mini_max[m] = INT64_MIN;
        }
        for (std::size_t k = 0; k < count; ++k) {
            const std::size_t i = first + k;
            std::int64_t d = 0;
            if (bits == 32) {
                d = static_cast<std::int32_t>(
                    static_cast<std::uint32_t>(values[i]) -
                    static_cast<std::uint32_t>(values[i - 1]));
            } else {
                d = static_cast<std::int64_t>(
                    static_cast<std::uint64_t>(values[i]) -
                    static_cast<std::uint64_t>(values[i - 1]));
            }
            const std::size_t m = k / kDeltaMiniblockValues;
            mini_max[m] = std::max(mini_max[m], d);
            block_min = std::min(block_min, d);
        }
        for (std::size_t m = 0; m * kDeltaMiniblockValues < count; ++m) {
            std::uint64_t spread =
                static_cast<std::uint64_t>(mini_max[m]) - static_cast<std::uint64_t>(block_min);
            if (bits == 32) {
                spread &= 0xFFFFFFFFULL;
            }
            size += kDeltaMiniblockValues * static_cast<std::size_t>(bit_width_of(spread)) / 8;
        }
    }
    return size;
}

Decoded decode_delta_binary_packed(
    const std::uint8_t* in,
    std::size_t size,
    std::size_t max_count,
    int bits,
    std::vector<std::int64_t>& out) {
    Decoded result;
    std::size_t pos = 0;
    std::uint64_t block_size = 0;
    std::uint64_t miniblocks = 0;
    std::uint64_t total = 0;
    std::uint64_t first_zz = 0;
    if (!read_uleb(in, size, pos, block_size) || !read_uleb(in, size, pos, miniblocks) ||
        !read_uleb(in, size, pos, total) || !read_uleb(in, size, pos, first_zz)) {
        result.error = "DELTA_BINARY_PACKED header truncated";
        return result;
    }
    if (block_size == 0 || block_size % 128 != 0 || block_size > (1U << 20) || miniblocks == 0 ||
        block_size % miniblocks != 0 || (block_size / miniblocks) % 32 != 0) {
        result.error = fmt::format(
            "DELTA_BINARY_PACKED block size {} with {} miniblocks is invalid",
            block_size,
            miniblocks);
        return result;
    }
    if (total > max_count) {
        result.error = fmt::format(
            "DELTA_BINARY_PACKED holds {} values, at most {} expected", total, max_count);
        return result;
    }
    const std::uint64_t per_miniblock = block_size / miniblocks;
    const std::size_t base = out.size();
    out.resize(base + static_cast<std::size_t>(total));
    std::int64_t* dst = out.data() + base;
    std::uint64_t last = static_cast<std::uint64_t>(unzigzag(first_zz));
    const bool narrow = bits == 32;
    const auto wrap = [narrow](std::uint64_t v) {
        return narrow ? static_cast<std::uint64_t>(static_cast<std::int64_t>(
                            static_cast<std::int32_t>(static_cast<std::uint32_t>(v))))
                      : v;
    };
    last = wrap(last);
    std::size_t produced = 0;
    if (total > 0) {
        dst[produced++] = static_cast<std::int64_t>(last);
    }
    std::uint64_t remaining = total == 0 ? 0 : total - 1;
    std::uint64_t chunk[32];
    while (remaining > 0) {
        std::uint64_t min_zz = 0;
        if (!read_uleb(in, size, pos, min_zz)) {
            out.resize(base);
            result.error = "DELTA_BINARY_PACKED block header truncated";
            return result;
        }
        const std::uint64_t min_delta = static_cast<std::uint64_t>(unzigzag(min_zz));
        if (miniblocks > size - pos) {
            out.resize(base);
            result.error = "DELTA_BINARY_PACKED miniblock widths truncated";
            return result;
        }
        const std::uint8_t* widths = in + pos;
        pos += static_cast<std::size_t>(miniblocks);
        for (std::uint64_t m = 0; m < miniblocks && remaining > 0; ++m) {
            const int width = widths[m];
            if (width > bits) {
                out.resize(base);
                result.error = fmt::format(
                    "DELTA_BINARY_PACKED miniblock width {} above {} bits", width, bits);
                return result;
            }
            const std::uint64_t bytes = per_miniblock * static_cast<std::uint64_t>(width) / 8;
            const std::uint64_t take = std::min(per_miniblock, remaining);
            const std::uint64_t need = (take * static_cast<std::uint64_t>(width) + 7) / 8;
            if (need > size - pos) {
                out.resize(base);
                result.error = "DELTA_BINARY_PACKED miniblock truncated";
                return result;
            }
            // 32 values at a time: 32 values always start on a byte boundary.
            for (std::uint64_t done = 0; done < take; done += 32) {
                const std::size_t n =
                    static_cast<std::size_t>(std::min<std::uint64_t>(32, take - done));
                bit_unpack64(
                    in + pos +
                        static_cast<std::size_t>(done / 32 * static_cast<std::uint64_t>(width) * 4),
                    width,
                    chunk,
                    n);
                if (narrow) {
                    for (std::size_t k = 0; k < n; ++k) {
                        last = wrap(last + min_delta + chunk[k]);
                        dst[produced++] = static_cast<std::int64_t>(last);
                    }
                } else {
                    for (std::size_t k = 0; k < n; ++k) {
                        last += min_delta + chunk[k];
                        dst[produced++] = static_cast<std::int64_t>(last);
                    }
                }
            }
            remaining -= take;
            pos += static_cast<std::size_t>(std::min<std::uint64_t>(bytes, size - pos));
        }
    }
    result.consumed = pos;
    return result;
}

}  // namespace ats::parquet::detail
