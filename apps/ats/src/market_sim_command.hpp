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
    bool no_trades = false;  ///< skip trades.csv (large for long runs)
};

/// `ats market-sim`: a multi-agent market scenario, its bars and the realism scorecard
/// (docs/agents.md).
int run_market_sim(const MarketSimArgs& args);

}  // namespace ats::cli
