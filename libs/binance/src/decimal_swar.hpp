#pragma once

// Quoted decimals ("96000.12", "0.00012345") parsed eight digits at a time inside one 64-bit
// word (SWAR; SSE2 finds the quote and the dot where it exists): the depth stream carries 40 of
// them per message. Little-endian only; other targets take the byte-wise parser.

#include <bit>
#include <cstdint>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "ats/core/fixed_point.hpp"

namespace ats::binance::swar {

inline constexpr bool kEnabled = std::endian::native == std::endian::little;
static_assert(kDecimals == 8, "the SWAR path builds 8-decimal fixed point");

inline std::uint64_t load8(const char* p) noexcept {
    std::uint64_t word = 0;
    std::memcpy(&word, p, sizeof word);
    return word;
}

/// Index of the first byte equal to `c` in `word` (memory order), 8 when there is none.
inline unsigned first_byte(std::uint64_t word, unsigned char c) noexcept {
    const std::uint64_t x = word ^ (0x0101010101010101ULL * c);
    const std::uint64_t found = (x - 0x0101010101010101ULL) & ~x & 0x8080808080808080ULL;
    return found == 0 ? 8U : static_cast<unsigned>(std::countr_zero(found)) / 8U;
}

/// Whether all eight bytes are ASCII digits.
inline bool eight_digits(std::uint64_t word) noexcept {
    return ((word & 0xF0F0F0F0F0F0F0F0ULL) |
            (((word + 0x0606060606060606ULL) & 0xF0F0F0F0F0F0F0F0ULL) >> 4)) ==
           0x3333333333333333ULL;
}

/// The value of eight ASCII digits, the first in memory the most significant.
inline std::uint64_t eight_value(std::uint64_t word) noexcept {
    word = ((word & 0x0F0F0F0F0F0F0F0FULL) * 2561) >> 8;
    word = ((word & 0x00FF00FF00FF00FFULL) * 6553601) >> 16;
    return ((word & 0x0000FFFF0000FFFFULL) * 42949672960001ULL) >> 32;
}

/// Parses the unsigned decimal that starts at `p` and ends at the next '"' (at most 8 integer
/// digits and 8 decimals) into raw fixed point, and sets `after` past the closing quote. Reads
/// 16 bytes from `p` whatever the length: the caller guarantees they are readable (simdjson's
/// padding). False when the text has another shape; the byte-wise parser then decides.
inline bool parse_quoted(const char* p, std::int64_t& out, const char*& after) noexcept {
    constexpr std::uint64_t kZeros = 0x3030303030303030ULL;
    const std::uint64_t w0 = load8(p);
#if defined(__SSE2__)
    const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    const auto quotes =
        static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(bytes, _mm_set1_epi8('"'))));
    const auto dots =
        static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(bytes, _mm_set1_epi8('.'))));
    if (quotes == 0) {
        return false;
    }
    const auto quote = static_cast<unsigned>(std::countr_zero(quotes));
    const auto dot = static_cast<unsigned>(std::countr_zero(dots | 0x10000U));
#else
    unsigned quote = first_byte(w0, '"');
    if (quote == 8) {
        quote = 8 + first_byte(load8(p + 8), '"');
        if (quote == 16) {
            return false;
        }
    }
    unsigned dot = first_byte(w0, '.');
    if (dot == 8) {
        dot = 8 + first_byte(load8(p + 8), '.');
    }
#endif
    const unsigned int_digits = dot < quote ? dot : quote;
    const unsigned frac_digits = dot < quote ? quote - dot - 1 : 0;
    if (int_digits > 8 || frac_digits > 8 || int_digits + frac_digits == 0) {
        return false;
    }
    static constexpr std::uint64_t kPow10[] = {
        1, 10, 100, 1'000, 10'000, 100'000, 1'000'000, 10'000'000, 100'000'000};
    if (int_digits + frac_digits <= 8) {
        // Common: all digits fit one word. Close the dot's gap (the bytes after it come from
        // the load one byte further), then move the digits to the end, '0' before them.
        const unsigned digits = int_digits + frac_digits;
        const std::uint64_t before_dot =
            int_digits == 8 ? ~0ULL : (std::uint64_t{1} << (8 * int_digits)) - 1;
        const std::uint64_t joined = (w0 & before_dot) | (load8(p + 1) & ~before_dot);
        const std::uint64_t word =
            (joined << (8 * (8 - digits))) | (digits == 8 ? 0 : kZeros >> (8 * digits));
        if (!eight_digits(word)) {
            return false;
        }
        out = static_cast<std::int64_t>(eight_value(word) * kPow10[8 - frac_digits]);
        after = p + quote + 1;
        return true;
    }
    // Integer digits moved to the end of the word (least significant), '0' before them.
    const std::uint64_t int_word =
        (w0 << (8 * (8 - int_digits))) | (int_digits == 8 ? 0 : kZeros >> (8 * int_digits));
    std::uint64_t frac_word = kZeros;
    if (frac_digits != 0) {
        const std::uint64_t keep =
            frac_digits == 8 ? ~0ULL : (std::uint64_t{1} << (8 * frac_digits)) - 1;
        frac_word = (load8(p + dot + 1) & keep) | (kZeros & ~keep);
    }
    if (!eight_digits(int_word) || !eight_digits(frac_word)) {
        return false;
    }
    out =
        static_cast<std::int64_t>(eight_value(int_word) * 100'000'000ULL + eight_value(frac_word));
    after = p + quote + 1;
    return true;
}

}  // namespace ats::binance::swar
