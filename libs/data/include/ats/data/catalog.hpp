#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "ats/core/error.hpp"
#include "ats/core/symbol.hpp"
#include "ats/core/time.hpp"
#include "ats/data/kline_csv.hpp"
#include "ats/data/parquet_bars.hpp"

namespace ats::data {

/// The market-data catalog: Hive-style partitioned Parquet files that DuckDB, pandas and polars
/// read as they are (`read_parquet('cat/bars/**/*.parquet', hive_partitioning = true)`), and
/// that every `ats` command taking `--data` reads. Layout (docs/catalog.md):
///
///   <root>/bars/symbol=BTCUSDT/interval=1m/month=2024-12/data.parquet      bulk (convert,
///   download) <root>/bars/symbol=BTCUSDT/interval=1m/month=2024-12/20241201T13.parquet   recorder,
///   hourly <root>/trades/symbol=BTCUSDT/date=2024-12-01/13.parquet                  recorder,
///   hourly <root>/depth/symbol=BTCUSDT/date=2024-12-01/13.parquet                   snapshots and
///   diffs <root>/gaps/symbol=BTCUSDT/date=2024-12-01/13.parquet                    recorder's gap
///   ledger
///
/// Bars are partitioned by UTC month (a month of 1m bars is ~45k rows, a good file size); ticks by
/// UTC day and hour. Files of one partition are merged by time when read: exact duplicates are
/// dropped, conflicting bars for one open time are an error naming both files. `*.partial` files
/// are being written (or were left by a crash) and are never read. Each bar file carries the gap
/// ledger of its month in its key-value metadata (ats.gaps).
namespace catalog {

/// "1m", "1h" as directory values.
std::string interval_name(Duration interval);
std::string bars_dir(const std::string& root, const Symbol& symbol, Duration interval);
std::string month_dir(
    const std::string& root, const Symbol& symbol, Duration interval, Timestamp t);
/// <root>/<kind>/symbol=S/date=YYYY-MM-DD; `kind` is trades, depth or gaps.
std::string day_dir(
    const std::string& root, const std::string& kind, const Symbol& symbol, Timestamp t);
/// First instant of the UTC month / hour holding `t`.
Timestamp month_start(Timestamp t);
Timestamp next_month(Timestamp t);
Timestamp hour_start(Timestamp t);

/// A directory that holds bars/, trades/ or depth/.
bool is_root(const std::string& dir);
/// Symbols with bars in the catalog, sorted.
std::vector<std::string> symbols(const std::string& root);
/// Intervals with bars for `symbol`, shortest first.
std::vector<Duration> intervals(const std::string& root, const Symbol& symbol);
/// Every readable .parquet file under `dir` (recursively, *.partial excluded), sorted by path.
std::vector<std::string> parquet_files(const std::string& dir);

}  // namespace catalog

struct CatalogWriteReport {
    std::size_t files_written = 0;
    std::size_t bars_written = 0;  ///< bars in the rewritten files
    std::size_t bars_new = 0;      ///< bars that were not in the catalog before
};

/// Writes `series` (with a symbol and an interval) into month files named data.parquet under the
/// catalog root, merging with bars already there (the same bar twice is kept once; different
/// values for one open time are an error and nothing is written for that month).
Result<CatalogWriteReport> write_bars_to_catalog(
    const std::string& root, const model::BarSeries& series, const ParquetWriteOptions& options);

/// Reads and merges bar files (all of one symbol and interval): files sorted by time, duplicates
/// dropped, conflicts an error, the gap ledger rebuilt over the whole span (missing runs from the
/// data, filled/backfilled runs from the files' ledgers). `name` stands for the set in messages.
Result<LoadedBars> load_bar_files(
    const std::vector<std::string>& files,
    const std::string& name,
    const KlineCsvOptions& options,
    const TimeRange& range = {});

/// Bars of one symbol from a catalog root; `interval` chooses among several (default: 1h when
/// present, else the shortest). Month partitions outside `range` are not opened.
Result<LoadedBars> load_catalog_bars(
    const std::string& root,
    const Symbol& symbol,
    std::optional<Duration> interval,
    const KlineCsvOptions& options,
    const TimeRange& range = {});

}  // namespace ats::data
