#include "ats/core/time.hpp"

#include <charconv>
#include <ostream>

namespace ats {
namespace {

struct Civil {
    std::int64_t year;
    unsigned month;
    unsigned day;
};

// Inverse of days_from_civil (Howard Hinnant's algorithm).
Civil civil_from_days(std::int64_t z) noexcept {
    z += 719468;
    const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const auto doe = static_cast<unsigned>(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const std::int64_t y = static_cast<std::int64_t>(yoe) + era * 400;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    const unsigned d = doy - (153 * mp + 2) / 5 + 1;
    const unsigned m = mp < 10 ? mp + 3 : mp - 9;
    return {y + (m <= 2 ? 1 : 0), m, d};
}

bool read_digits(std::string_view text, std::size_t& pos, std::size_t count, int& out) {
    if (pos + count > text.size()) {
        return false;
    }
    int value = 0;
    for (std::size_t i = 0; i < count; ++i) {
        const char c = text[pos + i];
        if (c < '0' || c > '9') {
            return false;
        }
        value = value * 10 + (c - '0');
    }
    pos += count;
    out = value;
    return true;
}

tl::unexpected<Error> bad_time(std::string_view text, const char* why) {
    return make_error(ErrorCode::kParse, fmt::format("timestamp '{}': {}", text, why));
}

}  // namespace

std::string Duration::to_string() const {
    struct Unit {
        std::int64_t ns;
        const char* suffix;
    };
    static constexpr Unit kUnits[] = {
        {604'800'000'000'000, "w"},
        {86'400'000'000'000, "d"},
        {3'600'000'000'000, "h"},
        {60'000'000'000, "m"},
        {1'000'000'000, "s"},
        {1'000'000, "ms"},
        {1'000, "us"},
        {1, "ns"},
    };
    if (ns_ == 0) {
        return "0s";
    }
    for (const auto& unit : kUnits) {
        if (ns_ % unit.ns == 0) {
            return fmt::format("{}{}", ns_ / unit.ns, unit.suffix);
        }
    }
    return fmt::format("{}ns", ns_);
}

Result<Duration> parse_duration(std::string_view text) {
    std::int64_t count = 0;
    const auto* begin = text.data();
    const auto* end = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(begin, end, count);
    if (ec != std::errc() || ptr == begin || count <= 0) {
        return make_error(
            ErrorCode::kInvalidArgument,
            fmt::format(
                "interval '{}': expected a positive count and a unit, e.g. 1m, 4h, 1d", text));
    }
    const std::string_view unit(ptr, static_cast<std::size_t>(end - ptr));
    std::int64_t unit_ns = 0;
    if (unit == "ns") {
        unit_ns = 1;
    } else if (unit == "us") {
        unit_ns = 1'000;
    } else if (unit == "ms") {
        unit_ns = 1'000'000;
    } else if (unit == "s") {
        unit_ns = 1'000'000'000;
    } else if (unit == "m") {
        unit_ns = 60'000'000'000;
    } else if (unit == "h") {
        unit_ns = 3'600'000'000'000;
    } else if (unit == "d") {
        unit_ns = 86'400'000'000'000;
    } else if (unit == "w") {
        unit_ns = 604'800'000'000'000;
    } else {
        return make_error(
            ErrorCode::kInvalidArgument,
            fmt::format(
                "interval '{}': unknown unit '{}' (use ns, us, ms, s, m, h, d, w)", text, unit));
    }
    std::int64_t ns = 0;
    if (__builtin_mul_overflow(count, unit_ns, &ns)) {
        return make_error(ErrorCode::kOutOfRange, fmt::format("interval '{}': too long", text));
    }
    return Duration::from_ns(ns);
}

std::string Timestamp::to_iso8601() const {
    constexpr std::int64_t kNsPerDay = 86'400'000'000'000;
    std::int64_t days = ns_ / kNsPerDay;
    std::int64_t rem = ns_ % kNsPerDay;
    if (rem < 0) {
        rem += kNsPerDay;
        --days;
    }
    const Civil c = civil_from_days(days);
    const std::int64_t secs = rem / 1'000'000'000;
    std::int64_t frac = rem % 1'000'000'000;
    std::string out = fmt::format(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
        c.year,
        c.month,
        c.day,
        secs / 3600,
        (secs / 60) % 60,
        secs % 60);
    if (frac != 0) {
        int digits = 9;
        while (frac % 10 == 0) {
            frac /= 10;
            --digits;
        }
        out += fmt::format(".{:0{}}", frac, digits);
    }
    out += 'Z';
    return out;
}

std::ostream& operator<<(std::ostream& os, Timestamp ts) {
    return os << ts.to_iso8601();
}
std::ostream& operator<<(std::ostream& os, Duration d) {
    return os << d.to_string();
}

Result<Timestamp> Timestamp::parse_iso8601(std::string_view text) {
    std::size_t pos = 0;
    int year = 0;
    int month = 0;
    int day = 0;
    if (!read_digits(text, pos, 4, year) || pos >= text.size() || text[pos++] != '-' ||
        !read_digits(text, pos, 2, month) || pos >= text.size() || text[pos++] != '-' ||
        !read_digits(text, pos, 2, day)) {
        return bad_time(text, "expected YYYY-MM-DD");
    }
    if (month < 1 || month > 12 || day < 1 || day > 31) {
        return bad_time(text, "month or day out of range");
    }
    static constexpr int kDaysInMonth[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    if (day > kDaysInMonth[month - 1] || (month == 2 && day == 29 && !leap)) {
        return bad_time(text, "no such day");
    }
    int hour = 0;
    int minute = 0;
    int second = 0;
    std::int64_t frac_ns = 0;
    std::int64_t offset_seconds = 0;
    if (pos < text.size() && (text[pos] == 'T' || text[pos] == ' ')) {
        ++pos;
        if (!read_digits(text, pos, 2, hour) || pos >= text.size() || text[pos++] != ':' ||
            !read_digits(text, pos, 2, minute)) {
            return bad_time(text, "expected HH:MM");
        }
        if (pos < text.size() && text[pos] == ':') {
            ++pos;
            if (!read_digits(text, pos, 2, second)) {
                return bad_time(text, "expected seconds");
            }
            if (pos < text.size() && (text[pos] == '.' || text[pos] == ',')) {
                ++pos;
                int digits = 0;
                while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
                    if (digits < 9) {
                        frac_ns = frac_ns * 10 + (text[pos] - '0');
                        ++digits;
                    } else if (text[pos] != '0') {
                        return bad_time(text, "more than nanosecond precision");
                    }
                    ++pos;
                }
                if (digits == 0) {
                    return bad_time(text, "empty fraction");
                }
                for (; digits < 9; ++digits) {
                    frac_ns *= 10;
                }
            }
        }
        if (hour > 23 || minute > 59 || second > 59) {
            return bad_time(text, "time of day out of range");
        }
        if (pos < text.size() && text[pos] == 'Z') {
            ++pos;
        } else if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
            const bool negative = text[pos] == '-';
            ++pos;
            int oh = 0;
            int om = 0;
            if (!read_digits(text, pos, 2, oh)) {
                return bad_time(text, "bad UTC offset");
            }
            if (pos < text.size() && text[pos] == ':') {
                ++pos;
            }
            if (!read_digits(text, pos, 2, om) || oh > 23 || om > 59) {
                return bad_time(text, "bad UTC offset");
            }
            offset_seconds = (oh * 3600 + om * 60) * (negative ? -1 : 1);
        }
    }
    if (pos != text.size()) {
        return bad_time(text, "unexpected trailing characters");
    }
    const std::int64_t days =
        days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
    const std::int64_t seconds = days * 86400 + hour * 3600 + minute * 60 + second - offset_seconds;
    return Timestamp(seconds * 1'000'000'000 + frac_ns);
}

}  // namespace ats
