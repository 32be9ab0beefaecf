#pragma once

// Parquet value encodings (see the format's Encodings.md): the RLE/bit-packed hybrid, bit
// packing (least significant bit first), DELTA_BINARY_PACKED and the byte-array delta encodings.
// Decoders check every count and width against the bytes they are given and return an error
// message instead of reading past them.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace ats::parquet::detail {

/// Result of a decoder: empty `error` on success; `consumed` bytes of input used.
struct Decoded {
    std::size_t consumed = 0;
    std::string error;
    bool ok() const noexcept { return error.empty(); }
};

/// Smallest bit width holding `max_value`.
inline int bit_width_of(std::uint64_t max_value) {
    return max_value == 0 ? 0 : 64 - __builtin_clzll(max_value);
}

/// Appends `n` values of `width` bits (<= 32), packed LSB first; n is padded to a multiple of 8
/// with zeros.
void bit_pack(const std::uint32_t* values, std::size_t n, int width, std::string& out);
/// The same for 64-bit values (width <= 64).
void bit_pack64(const std::uint64_t* values, std::size_t n, int width, std::string& out);

/// Unpacks `count` values of `width` bits (<= 32) starting at bit 0 of `in`; the caller has
/// checked that ceil(count * width / 8) bytes are readable.
void bit_unpack(const std::uint8_t* in, int width, std::uint32_t* out, std::size_t count);
void bit_unpack64(const std::uint8_t* in, int width, std::uint64_t* out, std::size_t count);

/// Appends the RLE/bit-packed hybrid encoding of `n` values of `width` bits (no length prefix).
void encode_rle_hybrid(const std::uint32_t* values, std::size_t n, int width, std::string& out);

/// Decodes exactly `count` values of `width` bits from the hybrid encoding in [in, in + size).
Decoded decode_rle_hybrid(
    const std::uint8_t* in, std::size_t size, int width, std::uint32_t* out, std::size_t count);

/// Appends DELTA_BINARY_PACKED (block 128, 4 miniblocks of 32) of `n` values; `bits` is 32 for
/// INT32 columns (deltas wrap in 32 bits) and 64 for INT64.
void encode_delta_binary_packed(
    const std::int64_t* values, std::size_t n, int bits, std::string& out);
/// An upper bound of the bytes the encoding above takes (for choosing an encoding).
std::size_t delta_binary_packed_size(const std::int64_t* values, std::size_t n, int bits);

/// Decodes a DELTA_BINARY_PACKED stream of at most `max_count` values into `out` (appended).
/// `bits` is 32 or 64: values wrap around in that width.
Decoded decode_delta_binary_packed(
    const std::uint8_t* in,
    std::size_t size,
    std::size_t max_count,
    int bits,
    std::vector<std::int64_t>& out);

}  // namespace ats::parquet::detail
