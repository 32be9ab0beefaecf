#pragma once

#include <optional>
#include <string>
#include <vector>

#include "ats/core/error.hpp"
#include "ats/engine/trading_engine.hpp"
#include "ats/sim/bar_venue.hpp"
#include "ats/strategy/strategy.hpp"

namespace ats::cli {

/// Strategy, engine and venue settings shared by `ats backtest` and `ats paper`: the same TOML
/// file format ([backtest] cash, fees, slippage, sizing, fill, allow_short; [strategy]; [risk]),
/// then --strategy and --param on top.
struct TradingSetup {
    std::string strategy;
    strategy::Params params;
    engine::EngineConfig engine;
    sim::BarVenueConfig venue;
    std::string slippage;
    strategy::StrategySources sources;  ///< `ml`: the model directory (or recorded predictions)
    std::string config_text;            ///< the effective configuration, as TOML
};

/// kInvalidArgument naming the file, key or flag that is wrong; kNotFound for a missing config
/// file. `model`: --model, over [strategy] model.
Result<TradingSetup> load_trading_setup(
    const std::optional<std::string>& config,
    const std::optional<std::string>& strategy,
    const std::vector<std::string>& params,
    const std::optional<std::string>& model = std::nullopt);

}  // namespace ats::cli
