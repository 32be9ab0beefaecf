#include "ats/core/fixed_point.hpp"

#include <cmath>
#include <cstring>
#include <ostream>

namespace ats {
namespace detail {
namespace {

constexpr std::int64_t kPow10[] = {
    1,
    10,
    100,
    1'000,
    10'000,
    100'000,
    1'000'000,
    10'000'000,
    100'000'000,
    1'000'000'000,
    10'000'000'000,
    100'000'000'000,
    1'000'000'000'000,
    10'000'000'000'000,
    100'000'000'000'000,
    1'000'000'000'000'000,
    10'000'000'000'000'000,
    100'000'000'000'000'000,
    1'000'000'000'000'000'000,
};

constexpr bool is_digit(char c) noexcept {
    return c >= '0' && c <= '9';
}

tl::unexpected<Error> parse_error(std::string_view what, std::string_view text, const char* why) {
    return make_error(ErrorCode::kParse, fmt::format("{} '{}': {}", what, text, why));
}

// General path: any number of digits, optional exponent. Exact or an error; |raw| <= max_raw.
Result<Int128> parse_slow(std::string_view text, std::string_view what, Int128 max_raw) {
    std::size_t i = 0;
    const std::size_t n = text.size();
    bool negative = false;
    if (i < n && (text[i] == '+' || text[i] == '-')) {
        negative = text[i] == '-';
        ++i;
    }
    Int128 mantissa = 0;
    int significant = 0;
    int frac_digits = 0;
    bool any_digit = false;
    bool seen_point = false;
    for (; i < n; ++i) {
        const char c = text[i];
        if (is_digit(c)) {
            any_digit = true;
            if (seen_point) {
                ++frac_digits;
            }
            if (mantissa != 0 || c != '0') {
                if (++significant > 36) {
                    return parse_error(what, text, "too many digits");
                }
            }
            mantissa = mantissa * 10 + (c - '0');
        } else if (c == '.' && !seen_point) {
            seen_point = true;
        } else {
            break;
        }
    }
    if (!any_digit) {
        return parse_error(what, text, "not a number");
    }
    long exponent = 0;
    if (i < n && (text[i] == 'e' || text[i] == 'E')) {
        ++i;
        bool exp_negative = false;
        if (i < n && (text[i] == '+' || text[i] == '-')) {
            exp_negative = text[i] == '-';
            ++i;
        }
        if (i >= n) {
            return parse_error(what, text, "exponent has no digits");
        }
        for (; i < n && is_digit(text[i]); ++i) {
            exponent = exponent * 10 + (text[i] - '0');
            if (exponent > 1000) {
                return parse_error(what, text, "exponent out of range");
            }
        }
        if (exp_negative) {
            exponent = -exponent;
        }
    }
    if (i != n) {
        return parse_error(what, text, "not a number");
    }
    // value = mantissa * 10^(exponent - frac_digits); raw = value * 10^8.
    long shift = exponent - frac_digits + kDecimals;
    if (mantissa == 0) {
        return 0;
    }
    while (shift < 0) {
        if (mantissa % 10 != 0) {
            return parse_error(what, text, "more than 8 decimal places");
        }
        mantissa /= 10;
        ++shift;
    }
    const auto out_of_range = [&] {
        return make_error(
            ErrorCode::kOutOfRange,
            fmt::format(
                "{} '{}': out of range (magnitude must be below {})",
                what,
                text,
                format_fixed(max_raw)));
    };
    if (mantissa > max_raw + 1) {
        return out_of_range();
    }
    while (shift > 0) {
        mantissa *= 10;
        --shift;
        if (mantissa > max_raw + 1) {
            return out_of_range();
        }
    }
    if (negative) {
        mantissa = -mantissa;
    }
    if (mantissa > max_raw || mantissa < -max_raw - 1) {
        return out_of_range();
    }
    return mantissa;
}

}  // namespace

Result<std::int64_t> parse_fixed(std::string_view text, std::string_view what) {
    std::int64_t raw = 0;
    if (parse_fixed_fast(text, raw)) {
        return raw;
    }
    auto wide = parse_slow(text, what, INT64_MAX);
    if (!wide) {
        return tl::unexpected(wide.error());
    }
    return static_cast<std::int64_t>(*wide);
}

Result<Int128> parse_fixed_wide(std::string_view text, std::string_view what) {
    std::int64_t raw = 0;
    if (parse_fixed_fast(text, raw)) {
        return raw;  // at most 11 integer digits: always inside kMaxWideRaw
    }
    return parse_slow(text, what, kMaxWideRaw);
}

std::size_t format_fixed(Int128 raw, char* buf) noexcept {
    char* out = buf;
    UInt128 magnitude = 0;
    if (raw < 0) {
        *out++ = '-';
        magnitude = static_cast<UInt128>(-(raw + 1)) + 1;  // safe for the minimum
    } else {
        magnitude = static_cast<UInt128>(raw);
    }
    char tmp[48];
    int len = 0;
    std::uint64_t frac = 0;
    if (magnitude <= UINT64_MAX) {
        // The common case, in 64-bit divisions.
        const auto m = static_cast<std::uint64_t>(magnitude);
        frac = m % static_cast<std::uint64_t>(kScale);
        std::uint64_t v = m / static_cast<std::uint64_t>(kScale);
        do {
            tmp[len++] = static_cast<char>('0' + v % 10);
            v /= 10;
        } while (v != 0);
    } else {
        frac = static_cast<std::uint64_t>(magnitude % static_cast<UInt128>(kScale));
        UInt128 v = magnitude / static_cast<UInt128>(kScale);
        do {
            tmp[len++] = static_cast<char>('0' + static_cast<int>(v % 10));
            v /= 10;
        } while (v != 0);
    }
    while (len > 0) {
        *out++ = tmp[--len];
    }
    if (frac != 0) {
        *out++ = '.';
        int digits = kDecimals;
        while (frac % 10 == 0) {
            frac /= 10;
            --digits;
        }
        for (int d = digits - 1; d >= 0; --d) {
            out[d] = static_cast<char>('0' + frac % 10);
            frac /= 10;
        }
        out += digits;
    }
    return static_cast<std::size_t>(out - buf);
}

std::string format_fixed(Int128 raw) {
    char buf[48];
    return {buf, format_fixed(raw, buf)};
}

std::ostream& write_fixed(std::ostream& os, Int128 raw) {
    char buf[48];
    return os.write(buf, static_cast<std::streamsize>(format_fixed(raw, buf)));
}

Result<Int128> fixed_from_double(double value, Round mode, std::string_view what, Int128 max_raw) {
    if (!std::isfinite(value)) {
        return make_error(
            ErrorCode::kInvalidArgument, fmt::format("{}: {} is not a finite number", what, value));
    }
    if (std::fabs(value) * static_cast<double>(kScale) >= static_cast<double>(max_raw) * 0.999) {
        return make_error(
            ErrorCode::kOutOfRange, fmt::format("{}: {} is out of range", what, value));
    }
    // Whole part and fraction separately: value * 1e8 in one double multiplication is inexact
    // past 2^53 (1e15 would become 999999999999999.91611392).
    const double whole = std::trunc(value);
    const double scaled = (value - whole) * static_cast<double>(kScale);  // |scaled| < 1e8
    double rounded = 0;
    switch (mode) {
        case Round::kDown:
            rounded = std::floor(scaled);
            break;
        case Round::kUp:
            rounded = std::ceil(scaled);
            break;
        case Round::kTowardZero:
            rounded = std::trunc(scaled);
            break;
        case Round::kAwayFromZero:
            rounded = scaled < 0 ? std::floor(scaled) : std::ceil(scaled);
            break;
        case Round::kHalfEven:
            rounded = std::nearbyint(scaled);  // default FP environment rounds ties to even
            break;
        case Round::kHalfAwayFromZero:
            rounded = std::round(scaled);
            break;
    }
    return static_cast<Int128>(whole) * kScale + static_cast<Int128>(rounded);
}

Result<Int128> mul_div(Int128 a, Int128 b, Int128 d, Round mode) {
    if (d <= 0) {
        return make_error(ErrorCode::kInvalidArgument, "mul_div: divisor must be positive");
    }
    Int128 product = 0;
    if (!mul_overflows(a, b, product)) {
        return div_round(product, d, mode);
    }
    // |a| * |b| as 256 bits (hi, lo) from 64-bit limbs, then long division by d.
    const bool negative = (a < 0) != (b < 0);
    const auto magnitude = [](Int128 v) {
        return v < 0 ? static_cast<UInt128>(-(v + 1)) + 1 : static_cast<UInt128>(v);
    };
    const UInt128 ua = magnitude(a);
    const UInt128 ub = magnitude(b);
    constexpr UInt128 kMask = UINT64_MAX;
    const UInt128 a0 = ua & kMask;
    const UInt128 a1 = ua >> 64;
    const UInt128 b0 = ub & kMask;
    const UInt128 b1 = ub >> 64;
    const UInt128 p00 = a0 * b0;
    const UInt128 p01 = a0 * b1;
    const UInt128 p10 = a1 * b0;
    const UInt128 p11 = a1 * b1;
    const UInt128 middle = (p00 >> 64) + (p01 & kMask) + (p10 & kMask);
    UInt128 lo = (p00 & kMask) | (middle << 64);
    UInt128 hi = p11 + (p01 >> 64) + (p10 >> 64) + (middle >> 64);
    const auto ud = static_cast<UInt128>(d);
    if (hi >= ud) {
        return make_error(ErrorCode::kOutOfRange, "mul_div: quotient out of range");
    }
    // Restoring division, one bit at a time: the remainder stays below d.
    UInt128 quotient = 0;
    UInt128 rem = hi;
    for (int bit = 127; bit >= 0; --bit) {
        const bool carry = (rem >> 127) != 0;
        rem = (rem << 1) | ((lo >> bit) & 1);
        quotient <<= 1;
        if (carry || rem >= ud) {
            rem -= ud;
            quotient |= 1;
        }
    }
    if (quotient > static_cast<UInt128>(kInt128Max)) {
        return make_error(ErrorCode::kOutOfRange, "mul_div: quotient out of range");
    }
    auto q = static_cast<Int128>(quotient);
    if (rem != 0) {
        // Same rules as div_round, on the magnitude and the sign.
        const UInt128 rest = ud - rem;
        bool up = false;  // away from zero
        switch (mode) {
            case Round::kDown:
                up = negative;
                break;
            case Round::kUp:
                up = !negative;
                break;
            case Round::kTowardZero:
                up = false;
                break;
            case Round::kAwayFromZero:
                up = true;
                break;
            case Round::kHalfEven:
                up = rem > rest || (rem == rest && (q % 2) != 0);
                break;
            case Round::kHalfAwayFromZero:
                up = rem >= rest;
                break;
        }
        q += up ? 1 : 0;
    }
    return negative ? -q : q;
}

}  // namespace detail

namespace {

// n / 1e8 rounded as asked, in 64-bit arithmetic (a division by a constant compiles to a
// multiplication; the 128-bit div_round calls a library routine).
std::int64_t div_round64(std::int64_t n, Round mode) {
    std::int64_t q = n / kScale;
    const std::int64_t r = n % kScale;
    if (r == 0) {
        return q;
    }
    const bool negative = n < 0;
    const std::int64_t ar = r < 0 ? -r : r;
    const std::int64_t rest = kScale - ar;
    bool away = false;
    switch (mode) {
        case Round::kDown:
            away = negative;
            break;
        case Round::kUp:
            away = !negative;
            break;
        case Round::kTowardZero:
            away = false;
            break;
        case Round::kAwayFromZero:
            away = true;
            break;
        case Round::kHalfEven:
            away = ar > rest || (ar == rest && (q % 2) != 0);
            break;
        case Round::kHalfAwayFromZero:
            away = ar >= rest;
            break;
    }
    if (away) {
        q += negative ? -1 : 1;
    }
    return q;
}

// price * qty / 1e8 without 128-bit division when the parts allow it. With p = ph*1e8 + pl and
// q = qh*1e8 + ql (magnitudes), p*q/1e8 = ph*qh*1e8 + ph*ql + pl*qh + pl*ql/1e8: only the last
// term has a fraction, and rounding x + integer equals rounding x plus that integer in every mode.
bool notional_fast(std::int64_t p, std::int64_t q, Round mode, std::int64_t& out) {
    if (p == INT64_MIN || q == INT64_MIN) {
        return false;
    }
    const bool negative = (p < 0) != (q < 0);
    const std::int64_t ap = p < 0 ? -p : p;
    const std::int64_t aq = q < 0 ? -q : q;
    const std::int64_t ph = ap / kScale;
    const std::int64_t pl = ap % kScale;
    const std::int64_t qh = aq / kScale;
    const std::int64_t ql = aq % kScale;
    std::int64_t whole = 0;
    std::int64_t t = 0;
    if (__builtin_mul_overflow(ph, qh, &t) || __builtin_mul_overflow(t, kScale, &whole) ||
        __builtin_mul_overflow(ph, ql, &t) || __builtin_add_overflow(whole, t, &whole) ||
        __builtin_mul_overflow(pl, qh, &t) || __builtin_add_overflow(whole, t, &whole)) {
        return false;
    }
    const std::int64_t frac = pl * ql;  // < 1e16
    const std::int64_t rounded = div_round64(negative ? -frac : frac, mode);
    const std::int64_t signed_whole = negative ? -whole : whole;
    return !__builtin_add_overflow(signed_whole, rounded, &out);
}

}  // namespace

Result<Money> notional(Price price, Qty qty, Round mode) {
    const detail::Int128 q = qty.raw();
    std::int64_t fast = 0;
    if (detail::fits_int64(q) &&
        notional_fast(price.raw(), static_cast<std::int64_t>(q), mode, fast)) {
        return Money::from_raw(fast);
    }
    detail::Int128 product = 0;
    if (detail::mul_overflows(price.raw(), q, product)) {
        return make_error(
            ErrorCode::kOutOfRange, fmt::format("notional {} x {} is out of range", price, qty));
    }
    return Money::from_raw(detail::div_round(product, kScale, mode));
}

Result<Price> average_price(Money money, Qty qty, Round mode) {
    if (qty.is_zero()) {
        return make_error(ErrorCode::kInvalidArgument, "average price of zero quantity");
    }
    detail::Int128 num = 0;
    detail::Int128 den = qty.raw();
    if (detail::mul_overflows(money.raw(), kScale, num)) {
        return make_error(
            ErrorCode::kOutOfRange,
            fmt::format("average price {} / {} is out of range", money, qty));
    }
    if (den < 0) {
        num = -num;
        den = -den;
    }
    const detail::Int128 q = detail::div_round(num, den, mode);
    if (!detail::fits_int64(q)) {
        return make_error(
            ErrorCode::kOutOfRange,
            fmt::format("average price {} / {} is out of range", money, qty));
    }
    return Price::from_raw(static_cast<std::int64_t>(q));
}

Result<Qty> quantity_for(Money money, Price price, Round mode) {
    if (!price.is_positive()) {
        return make_error(
            ErrorCode::kInvalidArgument, fmt::format("quantity for {} at price {}", money, price));
    }
    detail::Int128 num = 0;
    if (detail::mul_overflows(money.raw(), kScale, num)) {
        return make_error(
            ErrorCode::kOutOfRange, fmt::format("quantity {} / {} is out of range", money, price));
    }
    return Qty::from_raw(detail::div_round(num, price.raw(), mode));
}

}  // namespace ats
