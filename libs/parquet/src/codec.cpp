#include "codec.hpp"

#include <cstring>

#include <fmt/format.h>
#include <snappy.h>
#include <zstd.h>

namespace ats::parquet::detail {

bool codec_supported(Codec codec) noexcept {
    return codec == Codec::kUncompressed || codec == Codec::kSnappy || codec == Codec::kZstd;
}

void compress(Codec codec, int level, const char* in, std::size_t size, std::string& out) {
    const std::size_t start = out.size();
    switch (codec) {
        case Codec::kSnappy: {
            out.resize(start + snappy::MaxCompressedLength(size));
            std::size_t written = 0;
            snappy::RawCompress(in, size, out.data() + start, &written);
            out.resize(start + written);
            return;
        }
        case Codec::kZstd: {
            // One context per thread: creating one per page costs more than compressing it.
            thread_local ZSTD_CCtx* context = ZSTD_createCCtx();
            out.resize(start + ZSTD_compressBound(size));
            const std::size_t written =
                ZSTD_compressCCtx(context, out.data() + start, out.size() - start, in, size, level);
            // Compressing into a buffer of compressBound bytes cannot fail short of a bug.
            out.resize(start + (ZSTD_isError(written) != 0 ? 0 : written));
            return;
        }
        default:
            out.append(in, size);
            return;
    }
}

std::string decompress(
    Codec codec, const std::uint8_t* in, std::size_t size, std::size_t expected, std::string& out) {
    out.resize(expected);
    const auto* src = reinterpret_cast<const char*>(in);
    switch (codec) {
        case Codec::kUncompressed:
            if (size != expected) {
                return fmt::format("uncompressed page of {} bytes declares {}", size, expected);
            }
            std::memcpy(out.data(), src, size);
            return {};
        case Codec::kSnappy: {
            std::size_t length = 0;
            if (!snappy::GetUncompressedLength(src, size, &length)) {
                return "corrupt SNAPPY data";
            }
            if (length != expected) {
                return fmt::format(
                    "SNAPPY data holds {} bytes, the page declares {}", length, expected);
            }
            if (!snappy::RawUncompress(src, size, out.data())) {
                return "corrupt SNAPPY data";
            }
            return {};
        }
        case Codec::kZstd: {
            thread_local ZSTD_DCtx* context = ZSTD_createDCtx();
            const std::size_t got = ZSTD_decompressDCtx(context, out.data(), expected, src, size);
            if (ZSTD_isError(got) != 0) {
                return fmt::format("corrupt ZSTD data: {}", ZSTD_getErrorName(got));
            }
            if (got != expected) {
                return fmt::format("ZSTD data holds {} bytes, the page declares {}", got, expected);
            }
            return {};
        }
        default:
            return fmt::format(
                "codec {} is not supported (use UNCOMPRESSED, SNAPPY or ZSTD)", to_string(codec));
    }
}

}  // namespace ats::parquet::detail
