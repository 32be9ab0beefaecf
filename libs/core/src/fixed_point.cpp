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

// General path: any number of digits, optional exponent. Exact or an error.
Result<std::int64_t> parse_slow(std::string_view text, std::string_view what) {
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
    while (shift > 0) {
        mantissa *= 10;
        --shift;
        if (mantissa > static_cast<Int128>(INT64_MAX) + 1) {
            return make_error(
                ErrorCode::kOutOfRange, fmt::format("{} '{}': out of range", what, text));
        }
    }
    if (negative) {
        mantissa = -mantissa;
    }
    if (!fits_int64(mantissa)) {
        return make_error(ErrorCode::kOutOfRange, fmt::format("{} '{}': out of range", what, text));
    }
    return static_cast<std::int64_t>(mantissa);
}

}  // namespace

Result<std::int64_t> parse_fixed(std::string_view text, std::string_view what) {
    std::int64_t raw = 0;
    if (parse_fixed_fast(text, raw)) {
        return raw;
    }
    return parse_slow(text, what);
}

std::size_t format_fixed(std::int64_t raw, char* buf) noexcept {
    char* out = buf;
    std::uint64_t magnitude = 0;
    if (raw < 0) {
        *out++ = '-';
        magnitude = static_cast<std::uint64_t>(-(raw + 1)) + 1;  // safe for INT64_MIN
    } else {
        magnitude = static_cast<std::uint64_t>(raw);
    }
    const std::uint64_t int_part = magnitude / static_cast<std::uint64_t>(kScale);
    std::uint64_t frac = magnitude % static_cast<std::uint64_t>(kScale);
    char tmp[24];
    int len = 0;
    std::uint64_t v = int_part;
    do {
        tmp[len++] = static_cast<char>('0' + v % 10);
        v /= 10;
    } while (v != 0);
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

std::string format_fixed(std::int64_t raw) {
    char buf[32];
    return {buf, format_fixed(raw, buf)};
}

std::ostream& write_fixed(std::ostream& os, std::int64_t raw) {
    char buf[32];
    return os.write(buf, static_cast<std::streamsize>(format_fixed(raw, buf)));
}

Result<std::int64_t> fixed_from_double(double value, Round mode, std::string_view what) {
    if (!std::isfinite(value)) {
        return make_error(
            ErrorCode::kInvalidArgument, fmt::format("{}: {} is not a finite number", what, value));
    }
    const double scaled = value * static_cast<double>(kScale);
    // 9.2e18 is the int64 limit; stay clear of it so the conversion below is defined.
    if (std::fabs(scaled) >= 9.2e18) {
        return make_error(
            ErrorCode::kOutOfRange, fmt::format("{}: {} is out of range", what, value));
    }
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
    return static_cast<std::int64_t>(rounded);
}

}  // namespace detail

namespace {

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
    const auto rounded =
        static_cast<std::int64_t>(detail::div_round(negative ? -frac : frac, kScale, mode));
    const std::int64_t signed_whole = negative ? -whole : whole;
    return !__builtin_add_overflow(signed_whole, rounded, &out);
}

}  // namespace

Result<Money> notional(Price price, Qty qty, Round mode) {
    std::int64_t fast = 0;
    if (notional_fast(price.raw(), qty.raw(), mode, fast)) {
        return Money::from_raw(fast);
    }
    const detail::Int128 product = static_cast<detail::Int128>(price.raw()) * qty.raw();
    const detail::Int128 scaled = detail::div_round(product, kScale, mode);
    if (!detail::fits_int64(scaled)) {
        return make_error(
            ErrorCode::kOutOfRange, fmt::format("notional {} x {} is out of range", price, qty));
    }
    return Money::from_raw(static_cast<std::int64_t>(scaled));
}

Result<Price> average_price(Money money, Qty qty, Round mode) {
    if (qty.is_zero()) {
        return make_error(ErrorCode::kInvalidArgument, "average price of zero quantity");
    }
    detail::Int128 num = static_cast<detail::Int128>(money.raw()) * kScale;
    detail::Int128 den = qty.raw();
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

}  // namespace ats
