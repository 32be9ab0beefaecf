#pragma once

// Page compression: UNCOMPRESSED, SNAPPY and ZSTD (Debian's libsnappy and libzstd, only here).

#include <cstddef>
#include <cstdint>
#include <string>

#include "ats/parquet/types.hpp"

namespace ats::parquet::detail {

/// Whether ats can read and write pages compressed with `codec`.
bool codec_supported(Codec codec) noexcept;

/// Appends the compressed form of [in, in + size) to `out`.
void compress(Codec codec, int level, const char* in, std::size_t size, std::string& out);

/// Decompresses exactly `expected` bytes into `out` (resized); an error message on failure
/// (corrupt data, or a size other than declared).
std::string decompress(
    Codec codec, const std::uint8_t* in, std::size_t size, std::size_t expected, std::string& out);

}  // namespace ats::parquet::detail
