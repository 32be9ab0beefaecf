#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "ats/core/error.hpp"
#include "ats/core/time.hpp"
#include "ats/data/kline_csv.hpp"
#include "ats/model/bar_series.hpp"
#include "ats/model/instrument.hpp"
#include "ats/parquet/column.hpp"
#include "ats/parquet/types.hpp"

namespace ats::data {

/// How market-data Parquet files are written (bars, trades, depth).
struct ParquetWriteOptions {
    parquet::Codec codec = parquet::Codec::kZstd;
    int zstd_level = 3;
    std::size_t row_group_rows = 65'536;
    bool sync = true;  ///< fsync on close (tests and bulk conversions may turn it off)
    /// A column chunk that the codec shrinks by less than this fraction is stored uncompressed
    /// (most bar columns are already compact after DELTA/dictionary encoding; reading them then
    /// costs no decompression).
    double min_compression_gain = 0.1;
    /// Written as ats.instrument.* keys (tick and step sizes: the precision of the values).
    std::optional<model::Instrument> instrument;
};

/// Open times in [from, to); either side may be open.
struct TimeRange {
    std::optional<Timestamp> from;
    std::optional<Timestamp> to;
    bool contains(Timestamp t) const noexcept { return (!from || t >= *from) && (!to || t < *to); }
    bool overlaps(Timestamp first, Timestamp last) const noexcept {
        return (!from || last >= *from) && (!to || first < *to);
    }
};

/// The bar schema ats writes (docs/catalog.md):
///   open_time, close_time   INT64 TIMESTAMP(MILLIS, UTC) (MICROS or NANOS when the times need it)
///   open, high, low, close  INT64 DECIMAL(18, 8) (FIXED_LEN_BYTE_ARRAY(16) DECIMAL(38, 8) beyond)
///   volume                  DECIMAL(18, 8) or DECIMAL(38, 8) as above
///   quote_volume, trades (INT64), taker_buy_base_volume, taker_buy_quote_volume  when present
/// Key-value metadata: ats.schema = "bars/1", ats.symbol, ats.interval ("1m"), ats.decimals = 8,
/// ats.gaps (the gap ledger as JSON), ats.instrument.* (base, quote, tick_size, step_size, ...).
struct BarSchemaOptions {
    parquet::TimeUnit time_unit = parquet::TimeUnit::kMillis;
    bool wide_prices = false;   ///< FIXED_LEN_BYTE_ARRAY(16) DECIMAL(38, 8) for prices
    bool wide_volumes = false;  ///< the same for volumes (always safe; INT64 when all fit)
    bool quote_volume = true;
    bool trade_count = true;
    bool taker_buy_volumes = true;
};

/// The narrowest schema options that hold `series` exactly.
BarSchemaOptions bar_schema_for(const model::BarSeries& series);
std::vector<parquet::ColumnSchema> bar_schema(const BarSchemaOptions& options);
/// Rows [begin, end) of `series` as columns of `bar_schema(options)`.
std::vector<parquet::ColumnData> bar_columns(
    const model::BarSeries& series,
    std::size_t begin,
    std::size_t end,
    const BarSchemaOptions& options);
/// The key-value metadata written with a series (symbol, interval, gaps, instrument).
std::vector<parquet::KeyValue> bar_metadata(
    const model::BarSeries& series, const std::optional<model::Instrument>& instrument);

/// Writes a series as Parquet (atomically: a crash leaves no partial file under `path`).
Status write_bars_parquet(
    const model::BarSeries& series, const std::string& path, const ParquetWriteOptions& options);

/// Reads a Parquet file of bars: those ats writes and those of other tools (DuckDB, pyarrow,
/// pandas). Columns are found by name as in CSV (open_time_ms/open_time/timestamp/ts/time/date,
/// open, high, low, close, volume, ...). Times: TIMESTAMP(ms/us/ns), DATE, INT96, epoch integers
/// (s/ms/us/ns by magnitude) or ISO-8601 strings. Values: DECIMAL (any scale up to 8, or more with
/// zero extra digits), integers, strings, and DOUBLE/FLOAT converted exactly as the CSV reader
/// reads the same number written as text (shortest round-trip digits). Rows go through the same
/// rules and policies as CSV rows (errors name "file: row N: column 'x'"). Row groups whose time
/// statistics lie outside `range` are not read; rows outside it are dropped.
Result<LoadedBars> load_bars_parquet(
    const std::string& path, const KlineCsvOptions& options, const TimeRange& range = {});

/// Gap ledger entries as JSON ([{"first_ms":..,"bars":..,"state":"missing"}, ...]) and back.
std::string gaps_to_json(const model::GapLedger& ledger);
Result<std::vector<model::Gap>> gaps_from_json(const std::string& text);

}  // namespace ats::data
