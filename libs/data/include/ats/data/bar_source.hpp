#pragma once

#include <optional>
#include <string>
#include <utility>

#include "ats/core/error.hpp"
#include "ats/core/time.hpp"
#include "ats/data/kline_csv.hpp"
#include "ats/data/parquet_bars.hpp"

namespace ats::data {

/// Where the bars of one symbol are, given what `--data` names. The one loading path of every
/// command that takes `--data` (backtest, paper, indicators, train, predict, evolve, data ...).
struct BarRequest {
    std::string data;                   ///< a file, a directory of files, or a catalog
    std::optional<std::string> symbol;  ///< needed for directories with several symbols
    bool single = true;                 ///< one asset asked for: a single file may serve it
    std::optional<Duration> interval;   ///< catalog: which interval (default 1h, else shortest)
    KlineCsvOptions options;
    TimeRange range;  ///< Parquet: row groups and months outside are skipped
};

/// A request with defaults for everything but the path (and the symbol).
inline BarRequest bar_request(std::string data, std::optional<std::string> symbol = std::nullopt) {
    BarRequest r;
    r.data = std::move(data);
    r.symbol = std::move(symbol);
    return r;
}

/// A file of `symbol` in a directory: SYMBOL_*.csv or SYMBOL_*.parquet (also '-' or '.' after the
/// symbol), preferring 1h files, then name order. `data` may be the file itself when `single`.
Result<std::string> find_data_file(const std::string& data, const std::string& symbol, bool single);

/// Whether the file is Parquet (by its magic bytes, else by the .parquet extension).
bool is_parquet_file(const std::string& path);

/// Loads bars from:
///   - a CSV or Parquet file;
///   - a catalog root (bars/symbol=.../): the symbol's bars, merged over the months;
///   - a catalog partition directory (.../symbol=BTCUSDT[/interval=1m[/month=...]]) or any
///     directory of Parquet parts: all its files merged;
///   - a directory of SYMBOL_*.csv / SYMBOL_*.parquet files (see find_data_file).
/// Errors name the path and what was looked for.
Result<LoadedBars> load_bars(const BarRequest& request);

}  // namespace ats::data
