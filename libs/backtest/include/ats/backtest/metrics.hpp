#pragma once

#include <cstddef>
#include <vector>

#include "ats/core/fixed_point.hpp"
#include "ats/core/time.hpp"
#include "ats/execution/portfolio.hpp"

namespace ats::backtest {

/// Equity after a timestamp's bars, marked at their closes; `time` is the bars' open time.
struct EquityPoint {
    Money equity;  ///< first: 16-byte aligned, so the point packs into 32 bytes
    Timestamp time;
    float benchmark = 0;  ///< buy-and-hold of the same assets (equal weight), same fees; for charts
    bool exposed = false;  ///< a position was open after this bar
};

/// Performance figures of a run. Returns are simple per-bar returns of the equity curve;
/// annualisation assumes markets open all year (crypto): periods per year = 365.25 d / interval.
/// Drawdown follows backtrader: the peak starts at the initial equity and includes every bar.
struct Metrics {
    double initial_equity = 0;
    double final_equity = 0;
    double total_return_pct = 0;
    double cagr_pct = 0;
    double annual_volatility_pct = 0;
    double sharpe = 0;  ///< risk-free rate 0
    double sortino = 0;
    double calmar = 0;
    double max_drawdown_pct = 0;
    double max_drawdown_money = 0;
    Duration max_drawdown_duration;  ///< longest peak-to-recovery time (to the end if unrecovered)
    std::size_t trades = 0;          ///< closed round trips
    double win_rate_pct = 0;
    double profit_factor = 0;      ///< gross wins / gross losses (net of fees); 0 without losses
    double expectancy = 0;         ///< mean net P&L per trade, quote currency
    double average_trade_pct = 0;  ///< mean net return per trade, % of entry notional
    double exposure_pct = 0;       ///< share of bars with an open position
    double fees = 0;
    double turnover = 0;  ///< traded notional / mean equity
    double benchmark_return_pct = 0;
    std::size_t bars = 0;
    double years = 0;
};

Metrics compute_metrics(
    const std::vector<EquityPoint>& equity,
    const std::vector<execution::ClosedTrade>& trades,
    Money initial_equity,
    Money fees,
    double traded_notional,
    Duration interval,
    double benchmark_final);

}  // namespace ats::backtest
