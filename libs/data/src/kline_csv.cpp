#include "ats/data/kline_csv.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <deque>
#include <map>
#include <utility>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ats/core/decimal_swar.hpp"
#include "ats/core/fixed_point.hpp"
#include "ats/core/symbol.hpp"

#include "bar_rules.hpp"

namespace ats::data {
namespace {

using rules::Field;
using rules::kBinanceNames;
using rules::Problem;
using rules::Row;
using namespace rules;  // the Field enumerators (kOpen, kHigh, ...)

constexpr std::size_t kChunkSize = 1U << 20;  // read granularity
constexpr std::size_t kMaxLine = 1U << 20;  // longer lines are an error, not a reallocation spiral
constexpr std::size_t kLookahead = 64;      // rows used to infer the interval
constexpr std::size_t kMaxFields = 64;

std::string_view trim(std::string_view s) {
    if (!s.empty() && s.front() > ' ' && s.back() > ' ' && s.front() != '"') {
        return s;  // the common case: nothing to trim
    }
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
        s.remove_prefix(1);
    }
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
        s.remove_suffix(1);
    }
    if (s.size() >= 2 && s.front() == '"' && s.back() == '"') {
        s = s.substr(1, s.size() - 2);
    }
    return s;
}

bool is_blank(std::string_view line) {
    return std::all_of(
        line.begin(), line.end(), [](char c) { return c == ' ' || c == '\t' || c == '\r'; });
}

std::string lower(std::string_view s) {
    std::string out(s);
    for (auto& c : out) {
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    return out;
}

// Splits on commas into `fields`; returns the number of fields (may exceed kMaxFields, in which
// case only the first kMaxFields are stored).
std::size_t split(std::string_view line, std::array<std::string_view, kMaxFields>& fields) {
    std::size_t n = 0;
    const char* const begin = line.data();
    const std::size_t size = line.size();
    std::size_t field_begin = 0;
    auto emit = [&](std::size_t comma) {
        if (n < kMaxFields) {
            fields[n] = std::string_view(begin + field_begin, comma - field_begin);
        }
        ++n;
        field_begin = comma + 1;
    };
    // Eight bytes at a time: a byte equal to ',' becomes zero after the xor, and the classic
    // "has zero byte" bit trick marks it (exact for the lowest marked byte, which is all we use).
    constexpr std::uint64_t kOnes = 0x0101010101010101ULL;
    constexpr std::uint64_t kHighs = 0x8080808080808080ULL;
    constexpr std::uint64_t kCommas = kOnes * static_cast<std::uint8_t>(',');
    std::size_t i = 0;
    for (; i + 8 <= size; i += 8) {
        std::uint64_t word = 0;
        std::memcpy(&word, begin + i, 8);
        const std::uint64_t x = word ^ kCommas;
        std::uint64_t marks = (x - kOnes) & ~x & kHighs;
        while (marks != 0) {
            const auto byte = static_cast<std::size_t>(__builtin_ctzll(marks)) / 8;
            emit(i + byte);
            // Clear this byte's mark and recompute the rest: a borrow may have set false marks
            // above a true zero byte.
            const std::uint64_t above = byte == 7 ? 0 : (~0ULL << ((byte + 1) * 8));
            const std::uint64_t rest = x | ~above;
            marks = (rest - kOnes) & ~rest & kHighs & above;
        }
    }
    for (; i < size; ++i) {
        if (begin[i] == ',') {
            emit(i);
        }
    }
    if (n < kMaxFields) {
        fields[n] = std::string_view(begin + field_begin, size - field_begin);
    }
    return n + 1;
}

// Scans a non-negative integer of 1 to 18 digits at p (advancing p); false otherwise.
bool scan_integer(const char*& p, const char* end, std::int64_t& out) {
    const char* const begin = p;
    std::int64_t v = 0;
    while (p != end && static_cast<unsigned char>(*p - '0') < 10) {
        v = v * 10 + (*p - '0');
        ++p;
    }
    const auto digits = p - begin;
    out = v;
    return digits > 0 && digits <= 18;
}

// Scans a plain decimal ("-123.45678": at most 11 integer digits and 8 decimals) at p, advancing
// p; false for anything else (the general parser then takes the line).
bool scan_fixed(const char*& p, const char* end, std::int64_t& out) {
    constexpr std::int64_t kPow10[] = {
        1, 10, 100, 1'000, 10'000, 100'000, 1'000'000, 10'000'000, 100'000'000};
    bool negative = false;
    if (p != end && *p == '-') {
        negative = true;
        ++p;
    }
    const char* const int_begin = p;
    std::int64_t int_part = 0;
    while (p != end && static_cast<unsigned char>(*p - '0') < 10) {
        int_part = int_part * 10 + (*p - '0');
        ++p;
    }
    const auto int_digits = p - int_begin;
    if (int_digits > 11) {
        return false;
    }
    std::int64_t frac_part = 0;
    std::ptrdiff_t frac_digits = 0;
    if (p != end && *p == '.') {
        ++p;
        const char* const frac_begin = p;
        while (p != end && static_cast<unsigned char>(*p - '0') < 10) {
            frac_part = frac_part * 10 + (*p - '0');
            ++p;
        }
        frac_digits = p - frac_begin;
        if (frac_digits > kDecimals) {
            return false;
        }
    }
    if (int_digits + frac_digits == 0 || int_part > 92'233'720'367) {
        return false;
    }
    const std::int64_t value = int_part * kScale + frac_part * kPow10[kDecimals - frac_digits];
    out = negative ? -value : value;
    return true;
}

// Parses an all-digit epoch integer that fits int64 (up to 19 digits); false for anything else.
bool parse_epoch(std::string_view s, std::int64_t& out) {
    if (s.empty() || s.size() > 19) {
        return false;
    }
    std::uint64_t v = 0;  // 19 digits cannot overflow uint64
    for (const char c : s) {
        if (static_cast<unsigned char>(c - '0') >= 10) {
            return false;
        }
        v = v * 10 + static_cast<std::uint64_t>(c - '0');
    }
    if (v > static_cast<std::uint64_t>(INT64_MAX)) {
        return false;
    }
    out = static_cast<std::int64_t>(v);
    return true;
}

bool all_digits(std::string_view s) {
    return !s.empty() &&
           std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// Reads physical lines from a file. Regular files are memory-mapped (read-only, sequential
// advice) and pages behind the cursor are released every 64 MiB, so memory stays bounded however
// big the file is; anything mmap cannot take (pipes, empty files) goes through a read buffer.
class LineSource {
public:
    LineSource() = default;
    LineSource(const LineSource&) = delete;
    LineSource& operator=(const LineSource&) = delete;
    ~LineSource() {
        if (map_ != nullptr) {
            ::munmap(map_, map_size_);
        }
        if (fd_ >= 0) {
            ::close(fd_);
        }
    }

    Status open(const std::string& path) {
        fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd_ < 0) {
            return make_error(
                ErrorCode::kIo, fmt::format("{}: cannot open: {}", path, std::strerror(errno)));
        }
        struct stat st {};
        if (::fstat(fd_, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) {
            void* map = ::mmap(
                nullptr, static_cast<std::size_t>(st.st_size), PROT_READ, MAP_PRIVATE, fd_, 0);
            if (map != MAP_FAILED) {
                map_ = static_cast<char*>(map);
                map_size_ = static_cast<std::size_t>(st.st_size);
                ::madvise(map_, map_size_, MADV_SEQUENTIAL);
                data_ = map_;
                end_ = map_size_;
                eof_ = true;
                return ok_status();
            }
        }
        buffer_.resize(kChunkSize);
        data_ = buffer_.data();
        return ok_status();
    }

    // Next line without its '\n' (a trailing '\r' is kept; trim removes it). False at the end.
    Result<bool> next(std::string_view& line) {
        while (true) {
            const auto* nl =
                static_cast<const char*>(std::memchr(data_ + begin_, '\n', end_ - begin_));
            if (nl != nullptr || (eof_ && begin_ != end_)) {
                const std::size_t len =
                    nl != nullptr ? static_cast<std::size_t>(nl - (data_ + begin_)) : end_ - begin_;
                if (len > kMaxLine) {
                    return make_error(
                        ErrorCode::kParse,
                        fmt::format("line {} is longer than {} bytes", line_no_ + 1, kMaxLine));
                }
                line = std::string_view(data_ + begin_, len);
                begin_ = nl != nullptr ? begin_ + len + 1 : end_;
                ++line_no_;
                release_behind();
                return true;
            }
            if (eof_) {
                return false;
            }
            if (auto filled = fill(); !filled) {
                return tl::unexpected(filled.error());
            }
        }
    }

    std::size_t line_no() const noexcept { return line_no_; }

private:
    static constexpr std::size_t kReleaseStep = 64U << 20;

    // Drops mapped pages already read, in 64 MiB steps (the look-ahead never reaches back that
    // far).
    void release_behind() {
        if (map_ == nullptr || begin_ < released_ + 2 * kReleaseStep) {
            return;
        }
        ::madvise(map_ + released_, kReleaseStep, MADV_DONTNEED);
        released_ += kReleaseStep;
    }

    Status fill() {
        if (begin_ > 0) {
            std::memmove(buffer_.data(), buffer_.data() + begin_, end_ - begin_);
            end_ -= begin_;
            begin_ = 0;
        }
        if (end_ > kMaxLine) {
            return make_error(
                ErrorCode::kParse,
                fmt::format("line {} is longer than {} bytes", line_no_ + 1, kMaxLine));
        }
        if (end_ == buffer_.size()) {
            buffer_.resize(buffer_.size() + kChunkSize);
        }
        data_ = buffer_.data();
        const ::ssize_t got = ::read(fd_, buffer_.data() + end_, buffer_.size() - end_);
        if (got < 0) {
            return make_error(ErrorCode::kIo, fmt::format("read error: {}", std::strerror(errno)));
        }
        if (got == 0) {
            eof_ = true;
        }
        end_ += static_cast<std::size_t>(got);
        return ok_status();
    }

    int fd_ = -1;
    char* map_ = nullptr;
    std::size_t map_size_ = 0;
    std::size_t released_ = 0;
    const char* data_ = nullptr;
    std::vector<char> buffer_;
    std::size_t begin_ = 0;
    std::size_t end_ = 0;
    std::size_t line_no_ = 0;
    bool eof_ = false;
};

}  // namespace

std::string_view to_string(BadRowPolicy policy) noexcept {
    switch (policy) {
        case BadRowPolicy::kStrict:
            return "strict";
        case BadRowPolicy::kSkip:
            return "skip";
        case BadRowPolicy::kRepair:
            return "repair";
    }
    return "unknown";
}

Result<BadRowPolicy> parse_policy(std::string_view text) {
    if (text == "strict") {
        return BadRowPolicy::kStrict;
    }
    if (text == "skip") {
        return BadRowPolicy::kSkip;
    }
    if (text == "repair") {
        return BadRowPolicy::kRepair;
    }
    return make_error(
        ErrorCode::kInvalidArgument,
        fmt::format("policy '{}': expected strict, skip or repair", text));
}

std::string_view to_string(RowIssue issue) noexcept {
    switch (issue) {
        case RowIssue::kWrongColumnCount:
            return "wrong_column_count";
        case RowIssue::kTruncatedRow:
            return "truncated_row";
        case RowIssue::kBadNumber:
            return "bad_number";
        case RowIssue::kNonFinite:
            return "non_finite";
        case RowIssue::kBadTimestamp:
            return "bad_timestamp";
        case RowIssue::kTimeUnitMismatch:
            return "time_unit_mismatch";
        case RowIssue::kNonPositivePrice:
            return "non_positive_price";
        case RowIssue::kNegativeVolume:
            return "negative_volume";
        case RowIssue::kOhlcInconsistent:
            return "ohlc_inconsistent";
        case RowIssue::kBadCloseTime:
            return "bad_close_time";
        case RowIssue::kDuplicate:
            return "duplicate";
        case RowIssue::kConflictingDuplicate:
            return "conflicting_duplicate";
        case RowIssue::kOutOfOrder:
            return "out_of_order";
        case RowIssue::kMisaligned:
            return "misaligned";
    }
    return "unknown";
}

std::string_view to_string(TimeUnit unit) noexcept {
    switch (unit) {
        case TimeUnit::kSeconds:
            return "s";
        case TimeUnit::kMilliseconds:
            return "ms";
        case TimeUnit::kMicroseconds:
            return "us";
        case TimeUnit::kNanoseconds:
            return "ns";
        case TimeUnit::kIso8601:
            return "iso8601";
    }
    return "unknown";
}

std::string_view to_string(CsvLayout layout) noexcept {
    return layout == CsvLayout::kBinance ? "binance" : "header";
}

std::size_t KlineCsvReport::bad_row_total() const noexcept {
    std::size_t total = 0;
    for (const auto n : bad_rows) {
        total += n;
    }
    return total;
}

struct KlineCsvReader::Impl {
    KlineCsvOptions options;
    KlineCsvReport report;
    LineSource source;
    std::array<int, kFieldCount> column{};  // field -> column index, -1 when absent
    std::size_t column_count = 0;
    bool unit_known = false;
    bool sequence = true;  // false: the bulk repair load orders rows itself
    std::deque<Row> lookahead;
    std::optional<Error> pending_error;  // strict error met while looking ahead
    std::optional<Error> failed;
    std::array<std::string_view, kMaxFields> fields{};
    // Order, duplicate, alignment and gap rules (shared with the Parquet loader).
    rules::BarSequencer seq{options, report, false};

    Error row_error(std::size_t line, const Problem& p) const { return seq.row_error(line, p); }

    std::string column_name(Field f) const {
        const auto idx = static_cast<std::size_t>(column[f]);
        return idx < report.columns.size() ? report.columns[idx] : std::string(kBinanceNames[f]);
    }

    bool parse_time(std::string_view text, Field f, Timestamp& out, Problem& problem) {
        std::int64_t v = 0;
        if (parse_epoch(text, v)) {
            const TimeUnit unit = classify_epoch(v);
            if (!unit_known) {
                report.time_unit = unit;
                unit_known = true;
            } else if (unit != report.time_unit) {
                problem = {
                    RowIssue::kTimeUnitMismatch,
                    fmt::format(
                        "column '{}': '{}' looks like epoch {} but the file uses {}",
                        column_name(f),
                        text,
                        to_string(unit),
                        to_string(report.time_unit))};
                return false;
            }
            std::int64_t factor = 1;
            switch (unit) {
                case TimeUnit::kSeconds:
                    factor = 1'000'000'000;
                    break;
                case TimeUnit::kMilliseconds:
                    factor = 1'000'000;
                    break;
                case TimeUnit::kMicroseconds:
                    factor = 1'000;
                    break;
                case TimeUnit::kNanoseconds:
                case TimeUnit::kIso8601:
                    break;
            }
            epoch_factor = factor;
            std::int64_t ns = 0;
            if (__builtin_mul_overflow(v, factor, &ns)) {
                problem = {
                    RowIssue::kBadTimestamp,
                    fmt::format(
                        "column '{}': '{}' is beyond year 2262 in {}",
                        column_name(f),
                        text,
                        to_string(unit))};
                return false;
            }
            out = Timestamp::from_unix_ns(ns);
            return true;
        }
        auto iso = Timestamp::parse_iso8601(text);
        if (!iso) {
            problem = {
                RowIssue::kBadTimestamp,
                fmt::format(
                    "column '{}': '{}' is neither epoch s/ms/us/ns nor ISO-8601",
                    column_name(f),
                    text)};
            return false;
        }
        if (!unit_known) {
            report.time_unit = TimeUnit::kIso8601;
            unit_known = true;
        } else if (report.time_unit != TimeUnit::kIso8601) {
            problem = {
                RowIssue::kTimeUnitMismatch,
                fmt::format(
                    "column '{}': '{}' is ISO-8601 but the file uses epoch {}",
                    column_name(f),
                    text,
                    to_string(report.time_unit))};
            return false;
        }
        out = *iso;
        return true;
    }

    // Prices are 64-bit; volumes and counts are 128-bit (a meme coin trades 1e12 coins a bar).
    bool parse_raw(std::string_view text, Field f, detail::Int128& raw, Problem& problem) const {
        const bool price = f == kOpen || f == kHigh || f == kLow || f == kClose;
        return rules::parse_decimal(text, price, raw, problem, [&] { return column_name(f); });
    }

    // Field carried by each column (kFieldCount: not used), for the fast path.
    std::array<std::uint8_t, kMaxFields> field_of_column{};
    std::int64_t epoch_factor = 0;  // ns per epoch unit once known; 0 for ISO-8601 or unknown

    void index_columns() {
        field_of_column.fill(kFieldCount);
        for (std::size_t f = 0; f < kFieldCount; ++f) {
            if (column[f] >= 0) {
                field_of_column[static_cast<std::size_t>(column[f])] = static_cast<std::uint8_t>(f);
            }
        }
    }

    // One pass over a clean line: numbers parsed straight from the text, no split or trim. Gives
    // up (false) on anything unusual (quotes, spaces, exponents, ISO times, unknown time unit,
    // wrong column count, a failed check) and leaves that line to parse_line, which also writes
    // the error. Both paths give the same bar for lines the fast path accepts.
    bool fast_parse_line(std::string_view line, Row& row) {
        if (epoch_factor == 0) {
            return false;
        }
        if (!line.empty() && line.back() == '\r') {
            line.remove_suffix(1);
        }
        if (line.empty()) {
            return false;
        }
        const char* p = line.data();
        const char* const end = p + line.size();
        std::int64_t raw[kFieldCount] = {};
        for (std::size_t c = 0; c < column_count; ++c) {
            if (c > 0) {
                if (p == end || *p != ',') {
                    return false;  // too few columns, or junk after a number
                }
                ++p;
            }
            const std::uint8_t f = field_of_column[c];
            if (f == kFieldCount) {
                while (p != end && *p != ',') {
                    ++p;
                }
            } else if (f == kOpenTime || f == kCloseTime || f == kTrades) {
                const char* stop = nullptr;
                if (c + 1 < column_count && end - p >= 16 &&
                    swar::parse_integer<','>(p, raw[f], stop) && stop < end) {
                    p = stop;
                } else if (!scan_integer(p, end, raw[f])) {
                    return false;
                }
                if (f != kTrades && (classify_epoch(raw[f]) != report.time_unit ||
                                     __builtin_mul_overflow(raw[f], epoch_factor, &raw[f]))) {
                    return false;
                }
            } else {
                // A decimal followed by another column: 16 bytes are readable (this line and
                // the ones after it); the SWAR path ends at its comma.
                const char* stop = nullptr;
                if (c + 1 < column_count && end - p >= 16 &&
                    swar::parse_unsigned<','>(p, raw[f], stop) && stop < end) {
                    p = stop;
                } else if (!scan_fixed(p, end, raw[f])) {
                    return false;
                }
            }
        }
        if (p != end) {
            return false;  // too many columns
        }
        model::Bar& b = row.bar;
        b.open_time = Timestamp::from_unix_ns(raw[kOpenTime]);
        b.open = Price::from_raw(raw[kOpen]);
        b.high = Price::from_raw(raw[kHigh]);
        b.low = Price::from_raw(raw[kLow]);
        b.close = Price::from_raw(raw[kClose]);
        b.volume = Qty::from_raw(raw[kVolume]);
        row.has_close_time = column[kCloseTime] >= 0;
        if (row.has_close_time) {
            b.close_time = Timestamp::from_unix_ns(raw[kCloseTime]);
            if (b.close_time < b.open_time) {
                return false;
            }
        }
        b.quote_volume = column[kQuoteVolume] >= 0
                             ? std::optional(Money::from_raw(raw[kQuoteVolume]))
                             : std::nullopt;
        b.trade_count = column[kTrades] >= 0 ? std::optional(raw[kTrades]) : std::nullopt;
        if (column[kTakerBase] >= 0 && column[kTakerQuote] >= 0) {
            b.taker_buy_base_volume = Qty::from_raw(raw[kTakerBase]);
            b.taker_buy_quote_volume = Money::from_raw(raw[kTakerQuote]);
        } else {
            b.taker_buy_base_volume.reset();
            b.taker_buy_quote_volume.reset();
        }
        Problem ignored;
        return validate_values(b, ignored);
    }

    // Parses one non-blank line into a row; false with `problem` set when the row is bad.
    bool parse_line(std::string_view line, Row& row, Problem& problem) {
        const std::size_t n = split(line, fields);
        if (n != column_count) {
            problem = {
                n < column_count ? RowIssue::kTruncatedRow : RowIssue::kWrongColumnCount,
                fmt::format("expected {} columns, found {}", column_count, n)};
            return false;
        }
        auto field = [this](Field f) {
            return trim(fields[static_cast<std::size_t>(column[f])]);
        };
        model::Bar& b = row.bar;
        if (!parse_time(field(kOpenTime), kOpenTime, b.open_time, problem)) {
            return false;
        }
        detail::Int128 raw[kFieldCount] = {};
        for (const Field f : {kOpen, kHigh, kLow, kClose, kVolume}) {
            if (!parse_raw(field(f), f, raw[f], problem)) {
                return false;
            }
        }
        // parse_raw kept the prices inside 64 bits.
        b.open = Price::from_raw(static_cast<std::int64_t>(raw[kOpen]));
        b.high = Price::from_raw(static_cast<std::int64_t>(raw[kHigh]));
        b.low = Price::from_raw(static_cast<std::int64_t>(raw[kLow]));
        b.close = Price::from_raw(static_cast<std::int64_t>(raw[kClose]));
        b.volume = Qty::from_raw(raw[kVolume]);
        row.has_close_time = column[kCloseTime] >= 0;
        if (row.has_close_time) {
            if (!parse_time(field(kCloseTime), kCloseTime, b.close_time, problem)) {
                return false;
            }
            if (b.close_time < b.open_time) {
                problem = {
                    RowIssue::kBadCloseTime,
                    fmt::format(
                        "column '{}': close time {} is before open time {}",
                        column_name(kCloseTime),
                        b.close_time,
                        b.open_time)};
                return false;
            }
        }
        b.quote_volume.reset();
        b.trade_count.reset();
        b.taker_buy_base_volume.reset();
        b.taker_buy_quote_volume.reset();
        if (column[kQuoteVolume] >= 0) {
            if (!parse_raw(field(kQuoteVolume), kQuoteVolume, raw[kQuoteVolume], problem)) {
                return false;
            }
            b.quote_volume = Money::from_raw(raw[kQuoteVolume]);
        }
        if (column[kTrades] >= 0) {
            const auto text = field(kTrades);
            std::int64_t count = 0;
            const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), count);
            if (ec != std::errc() || ptr != text.data() + text.size()) {
                // Accept integral decimals such as "2382.0" (pandas writes counts as floats).
                if (!parse_raw(text, kTrades, raw[kTrades], problem)) {
                    return false;
                }
                if (raw[kTrades] % kScale != 0 || !detail::fits_int64(raw[kTrades] / kScale)) {
                    problem = {
                        RowIssue::kBadNumber,
                        fmt::format(
                            "column '{}': '{}' is not a whole number", column_name(kTrades), text)};
                    return false;
                }
                count = static_cast<std::int64_t>(raw[kTrades] / kScale);
            }
            b.trade_count = count;
        }
        if (column[kTakerBase] >= 0 && column[kTakerQuote] >= 0) {
            if (!parse_raw(field(kTakerBase), kTakerBase, raw[kTakerBase], problem) ||
                !parse_raw(field(kTakerQuote), kTakerQuote, raw[kTakerQuote], problem)) {
                return false;
            }
            b.taker_buy_base_volume = Qty::from_raw(raw[kTakerBase]);
            b.taker_buy_quote_volume = Money::from_raw(raw[kTakerQuote]);
        }
        return validate_values(b, problem);
    }

    bool validate_values(const model::Bar& b, Problem& problem) const {
        return rules::validate_bar_values(b, problem, [this](Field f) { return column_name(f); });
    }

    enum class ReadOutcome : std::uint8_t { kRow, kBad, kEnd };

    // Next non-blank line parsed into `row`. I/O failures are returned as errors.
    Result<ReadOutcome> read_row(Row& row, Problem& problem) {
        std::string_view line;
        while (true) {
            auto got = source.next(line);
            if (!got) {
                return tl::unexpected(Error{
                    got.error().code, fmt::format("{}: {}", report.path, got.error().message)});
            }
            if (!*got) {
                return ReadOutcome::kEnd;
            }
            ++report.lines;
            if (is_blank(line)) {
                ++report.blank_lines;
                continue;
            }
            row.line = source.line_no();
            if (fast_parse_line(line, row)) {
                return ReadOutcome::kRow;
            }
            return parse_line(line, row, problem) ? ReadOutcome::kRow : ReadOutcome::kBad;
        }
    }

    // Handles a row-level problem under the policy: an error, or counted and skipped.
    std::optional<Error> on_bad_row(std::size_t line, const Problem& problem) {
        return seq.on_bad_row(line, problem);
    }

    void fill_close_time(Row& row) const { seq.fill_close_time(row); }

    using SeqOutcome = rules::BarSequencer::Outcome;

    Result<SeqOutcome> sequence_row(Row& row) { return seq.sequence(row); }

    Status read_header() {
        std::string_view line;
        while (true) {
            auto got = source.next(line);
            if (!got) {
                return tl::unexpected(got.error());
            }
            if (!*got) {
                return make_error(ErrorCode::kParse, fmt::format("{}: no data rows", report.path));
            }
            ++report.lines;
            if (report.lines == 1 && line.size() >= 3 && line.substr(0, 3) == "\xEF\xBB\xBF") {
                line.remove_prefix(3);
            }
            if (!is_blank(line)) {
                break;
            }
            ++report.blank_lines;
        }
        const std::size_t n = split(line, fields);
        if (n > kMaxFields) {
            return make_error(
                ErrorCode::kParse,
                fmt::format(
                    "{}:{}: {} columns, at most {} supported",
                    report.path,
                    source.line_no(),
                    n,
                    kMaxFields));
        }
        column.fill(-1);
        column_count = n;
        const std::string_view first = trim(fields[0]);
        Problem problem;
        const bool first_is_time = all_digits(first) || Timestamp::parse_iso8601(first).has_value();
        if (first_is_time) {
            // No header: Binance kline columns by position.
            report.layout = CsvLayout::kBinance;
            if (n < 6 || n > 12) {
                return make_error(
                    ErrorCode::kParse,
                    fmt::format(
                        "{}:{}: a file without header must have Binance kline columns (6 to 12), "
                        "found {}",
                        report.path,
                        source.line_no(),
                        n));
            }
            for (std::size_t i = 0; i < n; ++i) {
                report.columns.emplace_back(kBinanceNames[i]);
                if (i < kFieldCount) {
                    column[i] = static_cast<int>(i);
                }
            }
            if (n < 11) {
                column[kTakerBase] = -1;
                column[kTakerQuote] = -1;
            }
            index_columns();
            // The first line is data: parse it now and queue it.
            Row row;
            row.line = source.line_no();
            if (parse_line(line, row, problem)) {
                lookahead.push_back(row);
            } else if (auto err = on_bad_row(row.line, problem)) {
                pending_error = *err;
            }
            return ok_status();
        }
        report.layout = CsvLayout::kHeader;
        std::vector<std::string> names;
        for (std::size_t i = 0; i < n; ++i) {
            report.columns.emplace_back(trim(fields[i]));
            names.push_back(lower(trim(fields[i])));
        }
        const auto& aliases = header_aliases();
        for (std::size_t f = 0; f < kFieldCount; ++f) {
            for (const auto alias : aliases[f]) {
                const auto it = std::find(names.begin(), names.end(), alias);
                if (it != names.end()) {
                    column[f] = static_cast<int>(it - names.begin());
                    break;
                }
            }
        }
        std::vector<std::string_view> missing;
        for (const Field f : {kOpenTime, kOpen, kHigh, kLow, kClose, kVolume}) {
            if (column[f] < 0) {
                missing.emplace_back(
                    f == kOpenTime ? "open_time_ms/open_time/timestamp/time/date"
                                   : kBinanceNames[f]);
            }
        }
        if (!missing.empty()) {
            return make_error(
                ErrorCode::kParse,
                fmt::format(
                    "{}:{}: header lacks required column(s) {} (found: {})",
                    report.path,
                    source.line_no(),
                    fmt::join(missing, ", "),
                    fmt::join(report.columns, ",")));
        }
        if ((column[kTakerBase] >= 0) != (column[kTakerQuote] >= 0)) {
            column[kTakerBase] = -1;
            column[kTakerQuote] = -1;
        }
        index_columns();
        return ok_status();
    }

    // Fills the look-ahead and infers the interval from the most common positive step.
    Status prime() {
        Row row;
        Problem problem;
        while (!pending_error && lookahead.size() < kLookahead) {
            auto outcome = read_row(row, problem);
            if (!outcome) {
                return tl::unexpected(outcome.error());
            }
            if (*outcome == ReadOutcome::kEnd) {
                break;
            }
            if (*outcome == ReadOutcome::kBad) {
                if (auto err = on_bad_row(row.line, problem)) {
                    pending_error = *err;
                }
                continue;
            }
            lookahead.push_back(row);
        }
        if (options.interval) {
            report.interval = *options.interval;
        } else {
            std::map<std::int64_t, std::size_t> steps;
            for (std::size_t i = 1; i < lookahead.size(); ++i) {
                const Duration d = lookahead[i].bar.open_time - lookahead[i - 1].bar.open_time;
                if (d > Duration{}) {
                    ++steps[d.ns()];
                }
            }
            const auto best = std::max_element(
                steps.begin(), steps.end(), [](auto& a, auto& b) { return a.second < b.second; });
            if (best != steps.end()) {
                report.interval = Duration::from_ns(best->first);
                report.interval_inferred = true;
            }
        }
        seq.gaps = model::GapLedger(report.interval);
        return ok_status();
    }

    Result<bool> next(model::Bar& out) {
        if (failed) {
            return tl::unexpected(*failed);
        }
        Problem problem;
        while (true) {
            Row row;
            if (!lookahead.empty()) {
                row = lookahead.front();
                lookahead.pop_front();
            } else if (pending_error) {
                failed = pending_error;
                return tl::unexpected(*failed);
            } else {
                auto outcome = read_row(row, problem);
                if (!outcome) {
                    failed = outcome.error();
                    return tl::unexpected(*failed);
                }
                if (*outcome == ReadOutcome::kEnd) {
                    return false;
                }
                if (*outcome == ReadOutcome::kBad) {
                    if (auto err = on_bad_row(row.line, problem)) {
                        failed = *err;
                        return tl::unexpected(*failed);
                    }
                    continue;
                }
            }
            if (!sequence) {
                fill_close_time(row);
                out = row.bar;
                last_line = row.line;
                return true;
            }
            auto outcome = sequence_row(row);
            if (!outcome) {
                failed = outcome.error();
                return tl::unexpected(*failed);
            }
            if (*outcome == SeqOutcome::kAccept) {
                ++report.rows;
                out = row.bar;
                return true;
            }
        }
    }

    std::size_t last_line = 0;  // line of the last row returned when not sequencing
};

KlineCsvReader::KlineCsvReader(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
KlineCsvReader::KlineCsvReader(KlineCsvReader&&) noexcept = default;
KlineCsvReader& KlineCsvReader::operator=(KlineCsvReader&&) noexcept = default;
KlineCsvReader::~KlineCsvReader() = default;

Result<KlineCsvReader> KlineCsvReader::open(
    const std::string& path, const KlineCsvOptions& options) {
    auto impl = std::make_unique<Impl>();
    impl->options = options;
    impl->report.path = path;
    if (options.interval && *options.interval <= Duration{}) {
        return make_error(ErrorCode::kInvalidArgument, "interval must be positive");
    }
    if (auto s = impl->source.open(path); !s) {
        return tl::unexpected(s.error());
    }
    if (auto s = impl->read_header(); !s) {
        return tl::unexpected(s.error());
    }
    if (auto s = impl->prime(); !s) {
        return tl::unexpected(s.error());
    }
    return KlineCsvReader(std::move(impl));
}

Result<bool> KlineCsvReader::next(model::Bar& out) {
    return impl_->next(out);
}
const KlineCsvReport& KlineCsvReader::report() const noexcept {
    return impl_->report;
}
const model::GapLedger& KlineCsvReader::gaps() const noexcept {
    return impl_->seq.gaps;
}
bool KlineCsvReader::has_quote_volume() const noexcept {
    return impl_->column[kQuoteVolume] >= 0;
}
bool KlineCsvReader::has_trade_count() const noexcept {
    return impl_->column[kTrades] >= 0;
}
bool KlineCsvReader::has_taker_buy_volumes() const noexcept {
    return impl_->column[kTakerBase] >= 0;
}

namespace {

std::optional<Symbol> symbol_from_path(const std::string& path) {
    const auto slash = path.find_last_of('/');
    const std::string_view name = slash == std::string::npos
                                      ? std::string_view(path)
                                      : std::string_view(path).substr(slash + 1);
    const auto sep = name.find_first_of("_-.");
    if (sep == std::string_view::npos) {
        return std::nullopt;
    }
    auto symbol = Symbol::parse(name.substr(0, sep));
    return symbol ? std::optional<Symbol>(*symbol) : std::nullopt;
}

}  // namespace

Result<LoadedBars> load_klines_csv(const std::string& path, const KlineCsvOptions& options) {
    auto reader = KlineCsvReader::open(path, options);
    if (!reader) {
        return tl::unexpected(reader.error());
    }
    KlineCsvReader::Impl& impl = *reader->impl_;
    LoadedBars loaded{model::BarSeries(impl.report.interval, symbol_from_path(path)), {}};
    // About 40 bytes per row at the least; reserving avoids regrowth on big files. The size comes
    // from stat, never a second open: a FIFO or a pipe can be read only once.
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) {
        loaded.series.reserve(static_cast<std::size_t>(st.st_size) / 40 + 16);
    }
    model::Bar bar;
    if (options.policy != BadRowPolicy::kRepair) {
        while (true) {
            auto got = reader->next(bar);
            if (!got) {
                return tl::unexpected(got.error());
            }
            if (!*got) {
                break;
            }
            loaded.series.push_back(bar);
        }
        if (loaded.series.empty() && impl.report.bad_row_total() == 0) {
            // A header and nothing else: nothing to trade or learn from is bad data, not a
            // usage error.
            return make_error(ErrorCode::kParse, fmt::format("{}: no bars (only a header)", path));
        }
        for (const auto& g : impl.seq.gaps.gaps()) {
            loaded.series.gaps().record(g.first, g.bars);
        }
        loaded.report = impl.report;
        return loaded;
    }
    // Repair: read everything, order it by time (stable, so duplicates keep file order), then
    // apply the same sequencing rules as the streaming reader.
    impl.sequence = false;
    std::vector<Row> rows;
    while (true) {
        auto got = reader->next(bar);
        if (!got) {
            return tl::unexpected(got.error());
        }
        if (!*got) {
            break;
        }
        rows.push_back(Row{bar, impl.last_line, true});
    }
    Timestamp high_water = Timestamp::from_unix_ns(INT64_MIN);
    for (const auto& r : rows) {
        if (r.bar.open_time < high_water) {
            ++impl.report.rows_reordered;
        }
        high_water = std::max(high_water, r.bar.open_time);
    }
    std::stable_sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) {
        return a.bar.open_time < b.bar.open_time;
    });
    for (auto& r : rows) {
        auto seq = impl.sequence_row(r);
        if (!seq) {
            return tl::unexpected(seq.error());
        }
        if (*seq == KlineCsvReader::Impl::SeqOutcome::kAccept) {
            ++impl.report.rows;
            loaded.series.push_back(r.bar);
        }
    }
    for (const auto& g : impl.seq.gaps.gaps()) {
        loaded.series.gaps().record(g.first, g.bars);
    }
    loaded.report = impl.report;
    return loaded;
}

Status write_klines_csv(const model::BarSeries& series, const std::string& path) {
    std::FILE* f = std::fopen(path.c_str(), "wb");
    if (f == nullptr) {
        return make_error(
            ErrorCode::kIo, fmt::format("{}: cannot write: {}", path, std::strerror(errno)));
    }
    std::string out = "open_time_ms,open,high,low,close,volume,close_time_ms";
    if (series.has_quote_volume()) {
        out += ",quote_volume";
    }
    if (series.has_trade_count()) {
        out += ",trades";
    }
    if (series.has_taker_buy_volumes()) {
        out += ",taker_buy_base_volume,taker_buy_quote_volume";
    }
    out += '\n';
    for (std::size_t i = 0; i < series.size(); ++i) {
        fmt::format_to(
            std::back_inserter(out),
            "{},{},{},{},{},{},{}",
            series.open_time()[i].unix_ms(),
            series.open()[i],
            series.high()[i],
            series.low()[i],
            series.close()[i],
            series.volume()[i],
            series.close_time()[i].unix_ms());
        if (series.has_quote_volume()) {
            fmt::format_to(std::back_inserter(out), ",{}", series.quote_volume()[i]);
        }
        if (series.has_trade_count()) {
            fmt::format_to(std::back_inserter(out), ",{}", series.trade_count()[i]);
        }
        if (series.has_taker_buy_volumes()) {
            fmt::format_to(
                std::back_inserter(out),
                ",{},{}",
                series.taker_buy_base_volume()[i],
                series.taker_buy_quote_volume()[i]);
        }
        out += '\n';
        if (out.size() > kChunkSize) {
            std::fwrite(out.data(), 1, out.size(), f);
            out.clear();
        }
    }
    std::fwrite(out.data(), 1, out.size(), f);
    const bool failed = std::ferror(f) != 0;
    if (std::fclose(f) != 0 || failed) {
        return make_error(ErrorCode::kIo, fmt::format("{}: write failed", path));
    }
    return ok_status();
}

}  // namespace ats::data
