#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace ats::cli {

struct MarketSimArgs {
    std::string config = "configs/market_default.toml";
    std::string output = "out/market";
    std::string real = "data/BTCUSDT_1m_2024-12.csv";  ///< real 1m bars for the scorecard
    std::optional<std::uint64_t> seed;
    std::optional<double> hours;
    bool no_trades = false;         ///< skip trades.csv (large for long runs)
    int calibrate_generations = 0;  ///< > 0: calibrate to the real facts first (pagmo)
    int calibrate_population = 8;   // sade needs at least 7
    double calibrate_hours = 12;
};

/// `ats market-sim`: a multi-agent market scenario, its bars and the realism scorecard
/// (docs/agents.md).
int run_market_sim(const MarketSimArgs& args);

}  // namespace ats::cli
