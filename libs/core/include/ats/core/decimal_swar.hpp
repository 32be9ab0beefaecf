#pragma once

// Unsigned decimals ("96000.12", "0.00012345") parsed with SIMD help: SSE2 finds where the
// number ends (its terminator) and where its dot is in one 16-byte load, and the digits become a
// value eight at a time inside one 64-bit word (SWAR). The depth stream carries 40 such numbers per
// message and a kline CSV row eight. Where SSE2 is missing (or the number has another shape)
// callers take their byte-wise parser, which gives the same values.

#include <bit>
#include <cstdint>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "ats/core/fixed_point.hpp"

namespace ats::swar {

#if defined(__SSE2__)
inline constexpr bool kEnabled = std::endian::native == std::endian::little;
#else
inline constexpr bool kEnabled = false;
#endif
static_assert(kDecimals == 8, "the SWAR path builds 8-decimal fixed point");

inline std::uint64_t load8(const char* p) noexcept {
    std::uint64_t word = 0;
    std::memcpy(&word, p, sizeof word);
    return word;
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

inline constexpr std::uint64_t kZeros = 0x3030303030303030ULL;  // eight '0'
inline constexpr std::uint64_t kPow10[] = {
    1, 10, 100, 1'000, 10'000, 100'000, 1'000'000, 10'000'000, 100'000'000};

/// The first `digits` (1 to 8) bytes of `word` moved to its end, '0' before them: the word
/// eight_value() reads as that number.
inline std::uint64_t right_aligned(std::uint64_t word, unsigned digits) noexcept {
    return (word << (8 * (8 - digits))) | (digits == 8 ? 0 : kZeros >> (8 * digits));
}

#if defined(__SSE2__)
/// Bit i set where byte i of the 16 at `p` equals `c`.
inline unsigned byte_matches(const char* p, char c) noexcept {
    const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    return static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(bytes, _mm_set1_epi8(c))));
}
#endif

/// Parses the unsigned decimal at `p` that ends at the first `Terminator` byte (a closing quote,
/// a comma): digits with at most one '.', at most 8 on each side of it, into raw fixed point;
/// `stop` is set to the terminator. Reads 16 bytes from `p` whatever the number's length: the
/// caller guarantees they are readable. False for any other shape (no terminator in 16 bytes, a
/// sign, an exponent, more digits, two dots, nothing), and always false when kEnabled is false.
template <char Terminator>
[[gnu::always_inline]] inline bool parse_unsigned(
    [[maybe_unused]] const char* p,
    [[maybe_unused]] std::int64_t& out,
    [[maybe_unused]] const char*& stop) noexcept {
#if defined(__SSE2__)
    if constexpr (!kEnabled) {
        return false;
    }
    const unsigned ends = byte_matches(p, Terminator);
    if (ends == 0) {
        return false;
    }
    const auto length = static_cast<unsigned>(std::countr_zero(ends));
    const auto dot = static_cast<unsigned>(std::countr_zero(byte_matches(p, '.') | 0x10000U));
    // No dot before the end: an integer. Anything that is not a digit (a second dot, a sign)
    // fails the digit check below.
    const unsigned int_digits = dot < length ? dot : length;
    const unsigned frac_digits = dot < length ? length - dot - 1 : 0;
    if (int_digits > 8 || frac_digits > 8 || int_digits + frac_digits == 0) {
        return false;
    }
    const std::uint64_t w0 = load8(p);
    if (int_digits + frac_digits <= 8) {
        // Common: all digits fit one word. Close the dot's gap (the bytes after it come from
        // the load one byte further), then move the digits to the end.
        const std::uint64_t before_dot =
            int_digits == 8 ? ~0ULL : (std::uint64_t{1} << (8 * int_digits)) - 1;
        const std::uint64_t word = right_aligned(
            (w0 & before_dot) | (load8(p + 1) & ~before_dot), int_digits + frac_digits);
        if (!eight_digits(word)) {
            return false;
        }
        out = static_cast<std::int64_t>(eight_value(word) * kPow10[8 - frac_digits]);
    } else {
        // Integer digits moved to the end of one word, decimals to the start of another.
        const std::uint64_t int_word = right_aligned(w0, int_digits);
        const std::uint64_t keep =
            frac_digits == 8 ? ~0ULL : (std::uint64_t{1} << (8 * frac_digits)) - 1;
        const std::uint64_t frac_word = (load8(p + dot + 1) & keep) | (kZeros & ~keep);
        if (!eight_digits(int_word) || !eight_digits(frac_word)) {
            return false;
        }
        out = static_cast<std::int64_t>(
            eight_value(int_word) * 100'000'000ULL + eight_value(frac_word));
    }
    stop = p + length;
    return true;
#else
    return false;  // no SSE2: callers parse byte by byte
#endif
}

/// Parses the unsigned integer at `p` that ends at the first `Terminator` byte: 1 to 15 digits
/// (epoch milliseconds, update ids, trade counts), eight at a time; `stop` is set to the
/// terminator. Reads 16 bytes from `p` (the caller guarantees they are readable). False for any
/// other shape and when kEnabled is false; leading zeros are the caller's rule.
template <char Terminator>
[[gnu::always_inline]] inline bool parse_integer(
    [[maybe_unused]] const char* p,
    [[maybe_unused]] std::int64_t& out,
    [[maybe_unused]] const char*& stop) noexcept {
#if defined(__SSE2__)
    if constexpr (!kEnabled) {
        return false;
    }
    const unsigned ends = byte_matches(p, Terminator);
    const auto digits = static_cast<unsigned>(std::countr_zero(ends | 0x10000U));
    if (digits == 0 || digits == 16) {
        return false;  // nothing, or no terminator in 16 bytes
    }
    if (digits <= 8) {
        const std::uint64_t word = right_aligned(load8(p), digits);
        if (!eight_digits(word)) {
            return false;
        }
        out = static_cast<std::int64_t>(eight_value(word));
    } else {
        // The first eight digits, then the rest moved to the end of a second word.
        const unsigned rest = digits - 8;
        const std::uint64_t high = load8(p);
        const std::uint64_t low = right_aligned(load8(p + 8), rest);
        if (!eight_digits(high) || !eight_digits(low)) {
            return false;
        }
        out = static_cast<std::int64_t>(eight_value(high) * kPow10[rest] + eight_value(low));
    }
    stop = p + digits;
    return true;
#else
    return false;  // no SSE2: callers parse byte by byte
#endif
}

}  // namespace ats::swar
