#pragma once

#include <optional>
#include <string>

namespace ats::cli {

struct IndicatorsArgs {
    std::string data;    ///< kline CSV
    std::string set;     ///< "sma:20,ema:20,rsi:14,macd:12:26:9,..."
    std::string output;  ///< CSV to write; "-" for stdout
    std::optional<std::string> interval;
    std::string policy = "strict";
};

/// `ats indicators`: loads bars, computes every indicator of the set and writes one CSV with
/// `open_time` (ms) and one column per output, empty before each lookback, values as %.17g.
/// A bad set is a usage error (exit 2) whose message lists the valid indicators.
int run_indicators(const IndicatorsArgs& args);

}  // namespace ats::cli
