#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "ats/backtest/metrics.hpp"
#include "ats/core/error.hpp"
#include "ats/engine/trading_engine.hpp"
#include "ats/model/bar_series.hpp"
#include "ats/model/events.hpp"
#include "ats/model/instrument.hpp"
#include "ats/sim/bar_venue.hpp"
#include "ats/strategy/strategy.hpp"

namespace ats::backtest {

/// One traded asset: its bars and its exchange filters.
struct Asset {
    model::Instrument instrument;
    model::BarSeries series;
};

/// Default spot filters for a symbol in backtests: tick and step 1e-8, no minimums, so results
/// depend only on the strategy (real Binance filters can be given in the config).
model::Instrument default_instrument(const Symbol& symbol);

struct BacktestConfig {
    std::string strategy = "sma_cross";
    strategy::Params params;
    strategy::StrategySources sources;  ///< e.g. the model directory of the `ml` strategy
    std::optional<Timestamp> from;      ///< first traded bar (open time); earlier bars warm up only
    std::optional<Timestamp> to;        ///< bars at or after this open time are not used
    std::size_t warmup_bars = 0;        ///< further bars at the start that only warm up
    engine::EngineConfig engine;
    sim::BarVenueConfig venue;
    std::string slippage = "none";
    std::optional<std::string> journal_path;
    /// Sees every event the engine dispatches (not owned; may be null): tests, live views.
    model::EventObserver* observer = nullptr;
    /// Called every ~1% of bars with (done, total), for progress bars.
    std::function<void(std::size_t, std::size_t)> progress;
};

/// A fill, for trade markers on charts.
struct FillMark {
    Symbol symbol;
    Timestamp time;
    Side side = Side::kBuy;
    Price price;
    Qty qty;
};

struct BacktestResult {
    std::vector<EquityPoint> equity;
    std::vector<execution::ClosedTrade> trades;
    std::vector<FillMark> fills;
    std::vector<execution::Position> open_positions;
    Metrics metrics;
    Money final_cash;
    Money final_equity;
    Money fees;  ///< every fee paid, exact
    std::uint64_t bars = 0;
    std::uint64_t events = 0;
    std::uint64_t signals = 0;
    std::uint64_t rejections = 0;        ///< signals refused by sizing or risk checks
    std::uint64_t order_rejections = 0;  ///< orders refused by the filters or the venue
    std::vector<model::AlertLogged> alerts;
    /// Per asset, indicator lines the strategy plots: names, then one row per traded bar.
    std::vector<std::string> plot_names;
    std::vector<std::vector<std::vector<float>>> plot_values;  ///< [asset][line][bar], for charts
    std::vector<std::size_t> first_traded_bar;                 ///< per asset, index in its series
};

/// Runs one backtest: assets merged by open time (ties in asset order), one shared engine and
/// a simulated bar venue. kInvalidArgument for a bad configuration (naming the key), never a
/// crash; orders the venue rejects become events.
Result<BacktestResult> run_backtest(const BacktestConfig& config, const std::vector<Asset>& assets);

}  // namespace ats::backtest
