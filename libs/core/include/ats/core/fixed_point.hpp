#pragma once

#include <compare>
#include <cstdint>
#include <iosfwd>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include "ats/core/check.hpp"
#include "ats/core/error.hpp"

namespace ats {

/// How a value that falls between two representable values is rounded.
enum class Round : std::uint8_t {
    kDown,              ///< toward negative infinity (floor)
    kUp,                ///< toward positive infinity (ceiling)
    kTowardZero,        ///< truncate
    kAwayFromZero,      ///< away from zero
    kHalfEven,          ///< to nearest, ties to even (banker's rounding)
    kHalfAwayFromZero,  ///< to nearest, ties away from zero
};

/// All fixed-point values share one scale: raw = value * 10^8, which covers Binance's 8 decimals
/// exactly. Prices are 64-bit (up to about 9.2e10 per unit, beyond any real market); quantities
/// and money are 128-bit, so meme-coin volumes (1e12 coins a bar), positions worth 1e12 quote and
/// sums over years of bars fit with room to spare. Values read from input are limited to
/// |value| < 1e20 (kMaxWideUnits) so that no sum a run can make overflows.
inline constexpr int kDecimals = 8;
inline constexpr std::int64_t kScale = 100'000'000;

namespace detail {

__extension__ typedef __int128 Int128;
__extension__ typedef unsigned __int128 UInt128;

inline constexpr Int128 kInt128Max = static_cast<Int128>(~static_cast<UInt128>(0) >> 1);
inline constexpr Int128 kInt128Min = -kInt128Max - 1;

/// Largest magnitude (in whole units) a Qty or Money read from input may have: 1e20.
inline constexpr Int128 kMaxWideUnits = static_cast<Int128>(100'000'000'000'000'000) * 1000;
inline constexpr Int128 kMaxWideRaw = kMaxWideUnits * kScale;

/// n / d rounded as asked; d must be positive.
constexpr Int128 div_round(Int128 n, Int128 d, Round mode) noexcept {
    Int128 q = n / d;  // truncates toward zero
    const Int128 r = n % d;
    if (r == 0) {
        return q;
    }
    const bool negative = n < 0;
    // |r| < d, so compare |r| with d - |r| instead of doubling (no overflow for any d).
    const Int128 ar = r < 0 ? -r : r;
    const Int128 rest = d - ar;
    switch (mode) {
        case Round::kDown:
            return negative ? q - 1 : q;
        case Round::kUp:
            return negative ? q : q + 1;
        case Round::kTowardZero:
            return q;
        case Round::kAwayFromZero:
            return negative ? q - 1 : q + 1;
        case Round::kHalfEven:
            if (ar > rest || (ar == rest && (q % 2) != 0)) {
                return negative ? q - 1 : q + 1;
            }
            return q;
        case Round::kHalfAwayFromZero:
            if (ar >= rest) {
                return negative ? q - 1 : q + 1;
            }
            return q;
    }
    return q;
}

constexpr bool fits_int64(Int128 v) noexcept {
    return v >= INT64_MIN && v <= INT64_MAX;
}

/// Whether `v` fits the representation R (int64 or Int128).
template <class R>
constexpr bool fits(Int128 v) noexcept {
    if constexpr (sizeof(R) == sizeof(std::int64_t)) {
        return fits_int64(v);
    } else {
        return true;
    }
}

/// Fast path of parse_fixed for the common shape "-123.45678" (at most 11 integer digits, at most
/// 8 decimals, no exponent). Returns false when the text needs the general parser, which also
/// produces the error message. Inline because bulk loaders call it millions of times.
inline bool parse_fixed_fast(std::string_view text, std::int64_t& out) noexcept {
    constexpr std::uint64_t kPow10[] = {
        1, 10, 100, 1'000, 10'000, 100'000, 1'000'000, 10'000'000, 100'000'000};
    const char* p = text.data();
    const char* const end = p + text.size();
    bool negative = false;
    if (p != end && (*p == '-' || *p == '+')) {
        negative = *p == '-';
        ++p;
    }
    const char* const int_begin = p;
    std::uint64_t int_part = 0;
    while (p != end && static_cast<unsigned char>(*p - '0') < 10) {
        int_part = int_part * 10 + static_cast<std::uint64_t>(*p - '0');
        ++p;
    }
    const auto int_digits = p - int_begin;
    std::uint64_t frac_part = 0;
    std::ptrdiff_t frac_digits = 0;
    if (p != end && *p == '.') {
        ++p;
        const char* const frac_begin = p;
        while (p != end && static_cast<unsigned char>(*p - '0') < 10) {
            frac_part = frac_part * 10 + static_cast<std::uint64_t>(*p - '0');
            ++p;
        }
        frac_digits = p - frac_begin;
    }
    if (p != end || int_digits > 11 || frac_digits > kDecimals || int_digits + frac_digits == 0) {
        return false;
    }
    const std::uint64_t magnitude =
        int_part * static_cast<std::uint64_t>(kScale) + frac_part * kPow10[kDecimals - frac_digits];
    if (magnitude > static_cast<std::uint64_t>(INT64_MAX)) {
        return false;
    }
    const auto value = static_cast<std::int64_t>(magnitude);
    out = negative ? -value : value;
    return true;
}

/// Parses a decimal string ("-12.5", "1e-3", "+7") into raw units of 10^-8, exactly. Fails on
/// anything that is not a finite number, on more precision than 8 decimals (unless the extra
/// digits are zeros) and on values outside the int64 range. `what` names the type in messages.
Result<std::int64_t> parse_fixed(std::string_view text, std::string_view what);

/// The same for 128-bit values (Qty, Money): fails beyond |value| >= 1e20 (kMaxWideUnits).
Result<Int128> parse_fixed_wide(std::string_view text, std::string_view what);

/// Writes raw as a decimal with trailing fractional zeros removed ("57953.86", "-0.5", "3") into
/// buf (at least 48 chars); returns the number of chars written.
std::size_t format_fixed(Int128 raw, char* buf) noexcept;

std::string format_fixed(Int128 raw);

/// Nearest raw value of `value` under `mode`; kInvalidArgument for NaN or infinity, kOutOfRange
/// beyond `max_raw` in magnitude.
Result<Int128> fixed_from_double(double value, Round mode, std::string_view what, Int128 max_raw);

std::ostream& write_fixed(std::ostream& os, Int128 raw);

/// a * b, false when it overflows 128 bits.
inline bool mul_overflows(Int128 a, Int128 b, Int128& out) noexcept {
    return __builtin_mul_overflow(a, b, &out);
}

/// a * b / d (d > 0) rounded as asked, exactly (a 256-bit intermediate); kOutOfRange when the
/// quotient does not fit 128 bits. For proportional splits: a * part / whole never overflows.
Result<Int128> mul_div(Int128 a, Int128 b, Int128 d, Round mode);

}  // namespace detail

/// A signed decimal with 8 fractional digits stored as a count of 10^-8 units in `R` (int64 for
/// prices, 128 bits for quantities and money). Distinct tag types make Price, Qty and Money
/// impossible to mix up. Arithmetic between values of one type is checked: operators abort on
/// overflow (a broken invariant in trusted code: inputs are range-checked where they enter, so
/// no input can reach it), checked_add and checked_sub return an error instead. Crossing to
/// double is explicit.
template <class Tag, class R = std::int64_t>
class Fixed {
public:
    using Rep = R;
    static constexpr bool kWide = sizeof(R) > sizeof(std::int64_t);

    constexpr Fixed() noexcept = default;

    static constexpr Fixed from_raw(Rep raw) noexcept { return Fixed(raw); }

    /// Whole units, e.g. Qty::from_units(3) == 3.0. Aborts when out of range.
    static constexpr Fixed from_units(std::int64_t units) {
        Rep raw = 0;
        ATS_CHECK(
            !__builtin_mul_overflow(static_cast<Rep>(units), static_cast<Rep>(kScale), &raw),
            "fixed-point overflow: {}",
            units);
        return Fixed(raw);
    }

    /// Exact parse of a decimal string; see detail::parse_fixed and detail::parse_fixed_wide.
    static Result<Fixed> parse(std::string_view text) {
        if constexpr (kWide) {
            auto raw = detail::parse_fixed_wide(text, Tag::kName);
            if (!raw) {
                return tl::unexpected(raw.error());
            }
            return Fixed(*raw);
        } else {
            auto raw = detail::parse_fixed(text, Tag::kName);
            if (!raw) {
                return tl::unexpected(raw.error());
            }
            return Fixed(*raw);
        }
    }

    /// Nearest representable value under `mode`. NaN, infinity and out-of-range values (beyond
    /// int64 for prices, beyond 1e20 units for quantities and money) are errors.
    static Result<Fixed> from_double(double value, Round mode = Round::kHalfEven) {
        auto raw = detail::fixed_from_double(
            value, mode, Tag::kName, kWide ? detail::kMaxWideRaw : detail::Int128{INT64_MAX});
        if (!raw) {
            return tl::unexpected(raw.error());
        }
        return Fixed(static_cast<Rep>(*raw));
    }

    static constexpr Fixed max() noexcept {
        if constexpr (kWide) {
            return Fixed(detail::kInt128Max);
        } else {
            return Fixed(INT64_MAX);
        }
    }
    static constexpr Fixed min() noexcept {
        if constexpr (kWide) {
            return Fixed(detail::kInt128Min);
        } else {
            return Fixed(INT64_MIN);
        }
    }

    constexpr Rep raw() const noexcept { return raw_; }
    double to_double() const noexcept {
        return static_cast<double>(raw_) / static_cast<double>(kScale);
    }
    std::string to_string() const { return detail::format_fixed(raw_); }

    constexpr bool is_zero() const noexcept { return raw_ == 0; }
    constexpr bool is_positive() const noexcept { return raw_ > 0; }
    constexpr bool is_negative() const noexcept { return raw_ < 0; }

    friend constexpr bool operator==(Fixed a, Fixed b) noexcept { return a.raw_ == b.raw_; }
    friend constexpr auto operator<=>(Fixed a, Fixed b) noexcept { return a.raw_ <=> b.raw_; }

    friend constexpr Fixed operator+(Fixed a, Fixed b) {
        Rep out = 0;
        ATS_CHECK(!__builtin_add_overflow(a.raw_, b.raw_, &out), "{} overflow in +", Tag::kName);
        return Fixed(out);
    }
    friend constexpr Fixed operator-(Fixed a, Fixed b) {
        Rep out = 0;
        ATS_CHECK(!__builtin_sub_overflow(a.raw_, b.raw_, &out), "{} overflow in -", Tag::kName);
        return Fixed(out);
    }
    constexpr Fixed operator-() const {
        ATS_CHECK(raw_ != min().raw_, "{} overflow in unary -", Tag::kName);
        return Fixed(-raw_);
    }
    constexpr Fixed& operator+=(Fixed other) { return *this = *this + other; }
    constexpr Fixed& operator-=(Fixed other) { return *this = *this - other; }

    /// Scaling by a whole number (e.g. 3 lots), checked.
    friend constexpr Fixed operator*(Fixed a, std::int64_t k) {
        Rep out = 0;
        ATS_CHECK(
            !__builtin_mul_overflow(a.raw_, static_cast<Rep>(k), &out),
            "{} overflow in *",
            Tag::kName);
        return Fixed(out);
    }

    static Result<Fixed> checked_add(Fixed a, Fixed b) {
        Rep out = 0;
        if (__builtin_add_overflow(a.raw_, b.raw_, &out)) {
            return make_error(ErrorCode::kOutOfRange, fmt::format("{} overflow in +", Tag::kName));
        }
        return Fixed(out);
    }
    static Result<Fixed> checked_sub(Fixed a, Fixed b) {
        Rep out = 0;
        if (__builtin_sub_overflow(a.raw_, b.raw_, &out)) {
            return make_error(ErrorCode::kOutOfRange, fmt::format("{} overflow in -", Tag::kName));
        }
        return Fixed(out);
    }

    constexpr Fixed abs() const { return raw_ < 0 ? -*this : *this; }

    /// This value rounded to a multiple of `increment` (> 0), e.g. a price to the tick size.
    constexpr Fixed round_to(Fixed increment, Round mode) const {
        ATS_CHECK(increment.raw_ > 0, "{} increment must be positive", Tag::kName);
        const auto steps = detail::div_round(raw_, increment.raw_, mode);
        detail::Int128 out = 0;
        ATS_CHECK(
            !detail::mul_overflows(steps, increment.raw_, out) && detail::fits<Rep>(out),
            "{} overflow in round_to",
            Tag::kName);
        return Fixed(static_cast<Rep>(out));
    }

    /// True when this value is a whole multiple of `increment` (> 0).
    constexpr bool is_multiple_of(Fixed increment) const noexcept {
        return increment.raw_ > 0 && raw_ % increment.raw_ == 0;
    }

    friend std::ostream& operator<<(std::ostream& os, Fixed value) {
        return detail::write_fixed(os, value.raw_);
    }

private:
    constexpr explicit Fixed(Rep raw) noexcept : raw_(raw) {}

    Rep raw_ = 0;
};

struct PriceTag {
    static constexpr const char* kName = "Price";
};
struct QtyTag {
    static constexpr const char* kName = "Qty";
};
struct MoneyTag {
    static constexpr const char* kName = "Money";
};

/// Price of one unit of base asset in quote asset, e.g. 57953.86 USDT per BTC. 64-bit.
using Price = Fixed<PriceTag, std::int64_t>;
/// Quantity of base asset, e.g. 0.00125 BTC. 128-bit.
using Qty = Fixed<QtyTag, detail::Int128>;
/// Amount of quote asset (cash, notional, P&L, fees), e.g. 72.44 USDT. 128-bit.
using Money = Fixed<MoneyTag, detail::Int128>;

/// Notional price * qty through a wide intermediate, rounded to 10^-8 as asked. Fails with
/// kOutOfRange when the product overflows 128 bits (a quantity near 1e20 at a price near 1e10).
Result<Money> notional(Price price, Qty qty, Round mode);

/// Average price money / qty (qty != 0), rounded to 10^-8 as asked; kOutOfRange when it is not a
/// valid Price.
Result<Price> average_price(Money money, Qty qty, Round mode);

/// Quantity that `money` buys at `price` (> 0): money / price, rounded as asked.
Result<Qty> quantity_for(Money money, Price price, Round mode);

}  // namespace ats

template <class Tag, class R>
struct fmt::formatter<ats::Fixed<Tag, R>> : fmt::formatter<std::string_view> {
    template <class Context>
    auto format(ats::Fixed<Tag, R> value, Context& ctx) const {
        char buf[48];
        const auto n = ats::detail::format_fixed(value.raw(), buf);
        return fmt::formatter<std::string_view>::format(std::string_view(buf, n), ctx);
    }
};
