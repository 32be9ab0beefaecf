#pragma once

#include <string>
#include <string_view>

#include "ats/backtest/backtest.hpp"
#include "ats/core/error.hpp"

namespace ats::backtest {

/// What a run is called and how it was configured, for the report header and metrics.json.
struct RunInfo {
    std::string run_id;
    std::string strategy;
    std::string params;       ///< "fast=10 slow=30"
    std::string assets;       ///< "BTCUSDT,ETHUSDT"
    std::string config_text;  ///< the effective configuration (TOML), embedded in reports
};

/// trades.csv: symbol,side,entry_time_ms,entry_price,exit_time_ms,exit_price,quantity,pnl_gross,
/// fees,pnl_net (one row per closed round trip; exact decimals; times are the fills' bar opens).
Status write_trades_csv(const BacktestResult& result, const std::string& path);
/// equity.csv: time_ms,equity (after each bar, marked to its close; time is the bar's open).
Status write_equity_csv(const BacktestResult& result, const std::string& path);
/// metrics.json: every Metrics field plus final_equity, trades, run info. Deterministic: the same
/// run gives byte-identical files (no wall-clock times).
std::string metrics_json(const BacktestResult& result, const RunInfo& info);
Status write_text(const std::string& path, const std::string& text);
/// Plotly.js for inlining into self-contained reports (kNotFound says how to install it).
Result<std::string> read_plotly(const std::string& path);
/// The chart module (web/charts/ats-charts.js, compiled in): atsCharts.candles, equity,
/// drawdown, monthly, histogram, hbars and report; reports inline it, the dashboard serves it.
std::string_view charts_js() noexcept;
/// Keeps "</script>" out of JSON inlined in a <script> element.
std::string script_safe(std::string s);

/// report.html: self-contained (Plotly.js inlined from `plotly_js_path`), opens offline.
/// Candles with indicators and fills per asset, equity vs buy-and-hold, drawdown, monthly returns
/// heatmap, metrics and trades tables.
Status write_report_html(
    const BacktestResult& result,
    const std::vector<Asset>& assets,
    const RunInfo& info,
    const std::string& plotly_js_path,
    const std::string& path);

}  // namespace ats::backtest
