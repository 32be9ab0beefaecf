#pragma once

#include <compare>
#include <cstdint>
#include <iosfwd>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include "ats/core/error.hpp"

namespace ats {

/// A signed span of time in int64 nanoseconds.
class Duration {
public:
    constexpr Duration() noexcept = default;

    static constexpr Duration from_ns(std::int64_t ns) noexcept { return Duration(ns); }
    static constexpr Duration from_us(std::int64_t us) noexcept { return Duration(us * 1'000); }
    static constexpr Duration from_ms(std::int64_t ms) noexcept { return Duration(ms * 1'000'000); }
    static constexpr Duration from_seconds(std::int64_t s) noexcept {
        return Duration(s * 1'000'000'000);
    }
    static constexpr Duration from_minutes(std::int64_t m) noexcept { return from_seconds(m * 60); }
    static constexpr Duration from_hours(std::int64_t h) noexcept { return from_seconds(h * 3600); }
    static constexpr Duration from_days(std::int64_t d) noexcept { return from_seconds(d * 86400); }

    constexpr std::int64_t ns() const noexcept { return ns_; }
    constexpr std::int64_t ms() const noexcept { return ns_ / 1'000'000; }
    constexpr std::int64_t seconds() const noexcept { return ns_ / 1'000'000'000; }

    friend constexpr auto operator<=>(Duration, Duration) noexcept = default;
    friend constexpr Duration operator+(Duration a, Duration b) noexcept {
        return Duration(a.ns_ + b.ns_);
    }
    friend constexpr Duration operator-(Duration a, Duration b) noexcept {
        return Duration(a.ns_ - b.ns_);
    }
    friend constexpr Duration operator*(Duration a, std::int64_t k) noexcept {
        return Duration(a.ns_ * k);
    }
    /// How many whole `b` fit in `a` (truncated).
    friend constexpr std::int64_t operator/(Duration a, Duration b) noexcept {
        return a.ns_ / b.ns_;
    }
    friend constexpr Duration operator%(Duration a, Duration b) noexcept {
        return Duration(a.ns_ % b.ns_);
    }
    constexpr Duration operator-() const noexcept { return Duration(-ns_); }

    /// Compact interval text: "1m", "4h", "1d", "90s", "1500ms", "0s".
    std::string to_string() const;

private:
    constexpr explicit Duration(std::int64_t ns) noexcept : ns_(ns) {}

    std::int64_t ns_ = 0;
};

/// Parses an interval such as "1s", "1m", "15m", "1h", "4h", "1d", "1w", "250ms" (positive).
Result<Duration> parse_duration(std::string_view text);

/// A point in time: int64 nanoseconds since the Unix epoch, UTC. Covers 1677..2262.
/// Timestamp - Timestamp -> Duration and Timestamp +- Duration; Timestamp + Timestamp does not
/// compile.
class Timestamp {
public:
    constexpr Timestamp() noexcept = default;

    static constexpr Timestamp from_unix_ns(std::int64_t ns) noexcept { return Timestamp(ns); }
    static constexpr Timestamp from_unix_us(std::int64_t us) noexcept {
        return Timestamp(us * 1'000);
    }
    static constexpr Timestamp from_unix_ms(std::int64_t ms) noexcept {
        return Timestamp(ms * 1'000'000);
    }
    static constexpr Timestamp from_unix_seconds(std::int64_t s) noexcept {
        return Timestamp(s * 1'000'000'000);
    }

    constexpr std::int64_t unix_ns() const noexcept { return ns_; }
    /// Milliseconds since the epoch, rounded toward negative infinity.
    constexpr std::int64_t unix_ms() const noexcept { return floor_div(ns_, 1'000'000); }
    constexpr std::int64_t unix_us() const noexcept { return floor_div(ns_, 1'000); }
    constexpr std::int64_t unix_seconds() const noexcept { return floor_div(ns_, 1'000'000'000); }

    /// Start of the bucket of length `width` (> 0) holding this instant, aligned to the epoch
    /// (UTC midnight for days).
    constexpr Timestamp floor(Duration width) const noexcept {
        return Timestamp(floor_div(ns_, width.ns()) * width.ns());
    }

    friend constexpr auto operator<=>(Timestamp, Timestamp) noexcept = default;
    friend constexpr Duration operator-(Timestamp a, Timestamp b) noexcept {
        return Duration::from_ns(a.ns_ - b.ns_);
    }
    friend constexpr Timestamp operator+(Timestamp a, Duration d) noexcept {
        return Timestamp(a.ns_ + d.ns());
    }
    friend constexpr Timestamp operator-(Timestamp a, Duration d) noexcept {
        return Timestamp(a.ns_ - d.ns());
    }
    constexpr Timestamp& operator+=(Duration d) noexcept { return *this = *this + d; }

    /// ISO-8601 UTC: "2021-04-04T20:00:00Z", with a fraction only when non-zero
    /// ("...T20:00:00.123Z", up to 9 digits).
    std::string to_iso8601() const;

    /// Parses "YYYY-MM-DD", "YYYY-MM-DD HH:MM[:SS[.fff]]" or the same with 'T', and an optional
    /// "Z" or "+HH:MM"/"-HH:MM" offset. Without an offset the time is taken as UTC.
    static Result<Timestamp> parse_iso8601(std::string_view text);

private:
    constexpr explicit Timestamp(std::int64_t ns) noexcept : ns_(ns) {}

    static constexpr std::int64_t floor_div(std::int64_t a, std::int64_t b) noexcept {
        const std::int64_t q = a / b;
        return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
    }

    std::int64_t ns_ = 0;
};

/// Days since 1970-01-01 for a proleptic Gregorian date (Howard Hinnant's algorithm).
constexpr std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) noexcept {
    y -= m <= 2 ? 1 : 0;
    const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
    const auto yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3U : 9U)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

/// Stream output (ISO-8601 / interval text), for test failure messages and ad-hoc printing.
std::ostream& operator<<(std::ostream& os, Timestamp ts);
std::ostream& operator<<(std::ostream& os, Duration d);

}  // namespace ats

template <>
struct fmt::formatter<ats::Timestamp> : fmt::formatter<std::string_view> {
    template <class Context>
    auto format(ats::Timestamp ts, Context& ctx) const {
        return fmt::formatter<std::string_view>::format(ts.to_iso8601(), ctx);
    }
};

template <>
struct fmt::formatter<ats::Duration> : fmt::formatter<std::string_view> {
    template <class Context>
    auto format(ats::Duration d, Context& ctx) const {
        return fmt::formatter<std::string_view>::format(d.to_string(), ctx);
    }
};
