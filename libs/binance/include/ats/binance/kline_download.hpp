#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "ats/binance/rest_client.hpp"
#include "ats/core/error.hpp"

namespace ats::binance {

struct DownloadRequest {
    std::string symbol;        ///< "BTCUSDT"
    std::string interval;      ///< Binance interval, "1m" .. "1w" (not "1M")
    std::int64_t from_ms = 0;  ///< first open time, inclusive
    std::int64_t to_ms = 0;    ///< end, exclusive
    std::string output;        ///< CSV path, Binance's 12 positional columns, no header
    int page_limit = 1000;
};

struct DownloadReport {
    std::size_t bars_written = 0;
    std::size_t bars_already_present = 0;  ///< rows found in the file when resuming
    std::size_t pages = 0;
    /// Runs of open times the exchange had no bar for: [first missing, first present again).
    std::vector<std::pair<std::int64_t, std::int64_t>> gaps;
    std::size_t missing_bars = 0;
};

/// Called after each page with the open time reached and the range end.
using DownloadProgress = std::function<void(std::int64_t reached_ms, const DownloadReport&)>;

/// Pages through GET /klines from `from_ms` to `to_ms` and appends the rows to `output`, flushing
/// after every page. Resumable: when `output` already holds rows, it continues after the last one
/// (a torn last line is cut first). Gaps in the exchange's data are reported, never filled.
Result<DownloadReport> download_klines(
    RestClient& client, const DownloadRequest& request, const DownloadProgress& progress = {});

}  // namespace ats::binance
