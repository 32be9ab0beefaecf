#pragma once

#include <cstddef>
#include <optional>
#include <vector>

#include "ats/core/clock.hpp"
#include "ats/core/error.hpp"
#include "ats/engine/trading_engine.hpp"
#include "ats/model/bar_series.hpp"
#include "ats/sim/bar_venue.hpp"

namespace ats::backtest {

/// One replayed asset: its symbol and its bars (not owned; must outlive the kernel).
struct ReplayInput {
    Symbol symbol;
    const model::BarSeries* series = nullptr;
};

/// The one replay loop: backtests, paper replays and strategy searches all run it, so causality
/// holds by construction rather than by each caller's care. Time advances in steps, one per bar
/// open time across the assets; each step has three phases:
///
/// (a) open: every asset with a bar at this time opens it at the venue; the venue's fills of
///     working orders are then taken one at a time in time order across all assets (a fill is a
///     point on its bar's path, see sim::BarPath); the clock moves to each fill and the engine
///     handles it at once, so its reactions (protective stops, cancels) join the path there;
/// (b) fills: every fill of the step has been applied before anything closes;
/// (c) close: the clock moves to the bars' close; every asset is marked at its close first, then
///     each asset's risk rules, strategy and orders run in input order; orders placed here are
///     eligible from the next step only (or, with MarketFill::kSignalClose, fill at this close).
///
/// An order therefore never fills before it was placed: a kill-switch flatten decided at one
/// asset's close cannot fill at another asset's open of the same hour. Assets must share one bar
/// interval (check_inputs refuses mixed intervals: annualising one equity curve over several
/// clocks would be wrong); missing bars of one asset are simply absent from a step.
class ReplayKernel {
public:
    /// A bar of the current step: which input and its index in that input's series.
    struct BarRef {
        std::size_t input = 0;
        std::size_t index = 0;
    };
    struct Step {
        Timestamp open_time;
        Timestamp close_time;
        std::vector<BarRef> bars;  ///< in input order
        std::size_t fills = 0;     ///< fills the venue made in phases (a) and (c)
    };

    /// kInvalidArgument for no input, an empty series, a repeated symbol or mixed intervals,
    /// naming the assets.
    static Status check_inputs(const std::vector<ReplayInput>& inputs);

    ReplayKernel(
        SimulatedClock& clock,
        engine::TradingEngine& engine,
        sim::BarVenue& venue,
        std::vector<ReplayInput> inputs);

    /// Open time of the next step; nullopt when every series is done.
    std::optional<Timestamp> next_time() const noexcept { return next_; }
    /// Runs the next step (next_time() must have a value) and returns it.
    const Step& step();

    std::size_t bars_done() const noexcept { return done_; }
    std::size_t bars_total() const noexcept { return total_; }

private:
    SimulatedClock& clock_;
    engine::TradingEngine& engine_;
    sim::BarVenue& venue_;
    std::vector<ReplayInput> inputs_;
    std::vector<sim::BarVenue::BookId> books_;  // the venue's book of each input
    std::vector<std::size_t> cursor_;
    std::vector<model::Bar> bars_;  // the current step's bars, by position in step_.bars
    Step step_;
    std::size_t done_ = 0;
    std::size_t total_ = 0;
    std::optional<Timestamp> next_;

    void find_next();
};

}  // namespace ats::backtest
