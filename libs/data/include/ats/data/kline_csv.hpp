#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ats/core/error.hpp"
#include "ats/core/time.hpp"
#include "ats/model/bar.hpp"
#include "ats/model/bar_series.hpp"
#include "ats/model/gap_ledger.hpp"

namespace ats::data {

/// What the reader does with a bad row. See docs/data.md for the full rules.
enum class BadRowPolicy : std::uint8_t {
    kStrict,  ///< the first bad row is an error naming file:line, column and reason
    kSkip,    ///< bad rows are skipped and counted per kind; examples are kept for the report
    kRepair,  ///< exact duplicate rows are dropped (counted apart from bad rows); the bulk loader
              ///< also re-sorts out-of-order rows; everything else is an error as in kStrict
};

std::string_view to_string(BadRowPolicy policy) noexcept;
Result<BadRowPolicy> parse_policy(std::string_view text);

/// Why a row is bad.
enum class RowIssue : std::uint8_t {
    kWrongColumnCount,      ///< more fields than the header/first row
    kTruncatedRow,          ///< fewer fields than the header/first row
    kBadNumber,             ///< empty or not a decimal number (or > 8 decimals)
    kNonFinite,             ///< NaN or infinity
    kBadTimestamp,          ///< time field is not epoch s/ms/us/ns or ISO-8601
    kTimeUnitMismatch,      ///< epoch magnitude differs from the unit detected for the file
    kNonPositivePrice,      ///< open/high/low/close <= 0
    kNegativeVolume,        ///< a volume or the trade count is negative
    kOhlcInconsistent,      ///< high < max(open, close) or low > min(open, close)
    kBadCloseTime,          ///< close time before open time
    kDuplicate,             ///< same open time and same values as the previous row
    kConflictingDuplicate,  ///< same open time as the previous row, different values
    kOutOfOrder,            ///< open time before the previous row's
    kMisaligned,            ///< open time off the interval grid of the first bar
};
inline constexpr std::size_t kRowIssueCount = 14;

std::string_view to_string(RowIssue issue) noexcept;

/// How the open time of a file is written; detected per file from its first data row.
enum class TimeUnit : std::uint8_t {
    kSeconds,
    kMilliseconds,
    kMicroseconds,
    kNanoseconds,
    kIso8601
};
std::string_view to_string(TimeUnit unit) noexcept;

/// kBinance: no header, Binance kline columns by position (open_time, open, high, low, close,
/// volume[, close_time, quote_volume, trades, taker_buy_base, taker_buy_quote, ignore]).
/// kHeader: columns found by name.
enum class CsvLayout : std::uint8_t { kBinance, kHeader };
std::string_view to_string(CsvLayout layout) noexcept;

struct KlineCsvOptions {
    BadRowPolicy policy = BadRowPolicy::kStrict;
    /// Bar interval; inferred from the first rows (most common step) when not given.
    std::optional<Duration> interval;
    /// How many example problems to keep per kind for the report.
    std::size_t examples_per_issue = 3;
};

struct RowProblem {
    std::size_t line = 0;  ///< 1-based physical line in the file
    RowIssue issue = RowIssue::kBadNumber;
    std::string message;  ///< "column 'high': 'abc' is not a number"
};

/// What a read saw. Counts are final once the reader reaches the end.
struct KlineCsvReport {
    std::string path;
    std::string format = "csv";  ///< "csv" or "parquet" (Parquet rows count as lines)
    CsvLayout layout = CsvLayout::kHeader;
    TimeUnit time_unit = TimeUnit::kMilliseconds;
    std::vector<std::string> columns;  ///< names as found (header) or Binance names (positional)
    Duration interval;
    bool interval_inferred = false;
    std::size_t lines = 0;               ///< physical lines, header and blank lines included
    std::size_t blank_lines = 0;         ///< empty or whitespace-only lines (ignored)
    std::size_t rows = 0;                ///< bars delivered
    std::size_t duplicates_dropped = 0;  ///< exact duplicates removed under kRepair
    std::size_t rows_reordered = 0;      ///< out-of-order rows re-sorted by the bulk kRepair load
    std::array<std::size_t, kRowIssueCount> bad_rows{};  ///< skipped rows per RowIssue
    std::vector<RowProblem> examples;

    std::size_t bad_row_total() const noexcept;
    std::size_t bad_rows_of(RowIssue issue) const noexcept {
        return bad_rows[static_cast<std::size_t>(issue)];
    }
};

struct LoadedBars;

/// Streaming reader of kline CSV files in constant memory (a fixed read buffer and a look-ahead
/// of at most 64 rows to infer the interval). Accepts a UTF-8 BOM, CRLF, blank lines, quoted
/// fields (without embedded commas), surrounding spaces and scientific notation; rejects NaN,
/// infinities, truncated rows and wrong column counts.
///
///     auto reader = KlineCsvReader::open("BTCUSDT_1h.csv", {});
///     model::Bar bar;
///     while (true) {
///         auto got = reader->next(bar);
///         if (!got) { /* got.error(): "BTCUSDT_1h.csv:17: column 'high': ..." */ }
///         if (!*got) break;
///         use(bar);
///     }
class KlineCsvReader {
public:
    /// Opens the file and reads the header. kIo when it cannot be read, kParse when it has no
    /// usable header or first row (e.g. no time column).
    static Result<KlineCsvReader> open(const std::string& path, const KlineCsvOptions& options);

    KlineCsvReader(KlineCsvReader&&) noexcept;
    KlineCsvReader& operator=(KlineCsvReader&&) noexcept;
    ~KlineCsvReader();

    /// Reads the next good bar into `out`: true when one was read, false at the end. Under
    /// kStrict (and kRepair for what it cannot repair) a bad row is an error; after an error the
    /// reader stays failed.
    Result<bool> next(model::Bar& out);

    /// Whether the file has quote volume, trade count and taker buy volume columns.
    bool has_quote_volume() const noexcept;
    bool has_trade_count() const noexcept;
    bool has_taker_buy_volumes() const noexcept;

    const KlineCsvReport& report() const noexcept;
    /// Gaps between delivered bars so far.
    const model::GapLedger& gaps() const noexcept;

private:
    friend Result<LoadedBars> load_klines_csv(const std::string&, const KlineCsvOptions&);
    struct Impl;
    explicit KlineCsvReader(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

struct LoadedBars {
    model::BarSeries series;  ///< carries the gap ledger
    KlineCsvReport report;
};

/// Reads a whole file into a BarSeries. The series symbol is taken from the file name when it
/// starts with a valid symbol followed by '_' or '-' (e.g. "BTCUSDT_1h.csv").
Result<LoadedBars> load_klines_csv(const std::string& path, const KlineCsvOptions& options);

/// Writes a series as header CSV: open_time_ms, open, high, low, close, volume, close_time_ms and
/// the optional columns it has (quote_volume, trades, taker_buy_base_volume,
/// taker_buy_quote_volume). The reader reads it back unchanged.
Status write_klines_csv(const model::BarSeries& series, const std::string& path);

}  // namespace ats::data
