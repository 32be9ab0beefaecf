#pragma once

#include <optional>
#include <string>
#include <vector>

namespace ats::cli {

struct RecordArgs {
    std::vector<std::string> symbols;  ///< "BTCUSDT,ETHUSDT" or repeated
    std::vector<std::string> streams;  ///< kline_1m, trade, depth
    std::string catalog;
    std::optional<std::string> redis;
    std::string exchange = "binance";  ///< binance | testnet | http(s)://HOST:PORT
    std::optional<std::string> ca_file;
    double checkpoint_seconds = 5;
    std::optional<double> duration_seconds;  ///< stop after this long
    std::string codec = "zstd";
    bool no_progress = false;
};

/// `ats record`: records market streams into the Parquet catalog until SIGINT/SIGTERM (or
/// --duration), with a progress line; prints the counters at the end. Returns an exit code.
int run_record_command(const RecordArgs& args);

}  // namespace ats::cli
