#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ats/backtest/backtest.hpp"
#include "ats/backtest/outputs.hpp"
#include "ats/core/error.hpp"
#include "ats/engine/trading_engine.hpp"
#include "ats/risk/risk_manager.hpp"
#include "ats/sim/bar_venue.hpp"
#include "ats/strategy/strategy.hpp"

namespace ats::runtime {

/// Everything a backtest needs, after defaults, the TOML file and flags are merged (the format of
/// docs/backtest.md). Front ends (the CLI, the dashboard) fill it and call finish_settings.
struct BacktestSettings {
    std::vector<std::string> assets{"BTCUSDT"};
    std::string data = "data";
    std::string strategy = "sma_cross";
    strategy::Params params;
    std::optional<std::string> entry_rule;  ///< `rules` strategy
    std::optional<std::string> exit_rule;
    std::optional<std::string> from;
    std::optional<std::string> to;
    double cash = 10'000;
    double maker_fee_bps = 10;
    double taker_fee_bps = 10;
    std::string slippage = "none";
    std::string sizing = "all_in";
    std::string fill = "next_open";
    std::size_t warmup_bars = 0;
    bool allow_short = false;
    std::string report = "out/backtest";
    std::optional<std::string> journal;
    risk::RiskLimits risk;
    std::string db = "ats.db";
    std::optional<std::string> model;        ///< `ml`: model directory
    std::optional<std::string> altdata;      ///< `ml`/`rules`: [altdata] config (docs/altdata.md)
    std::optional<std::string> predictions;  ///< `ml`: recorded probabilities
    std::optional<std::string> predictions_hash;
};

/// Reads a TOML configuration file into `s` (keys it does not set keep their values). kNotFound
/// for a missing file; kInvalidArgument for a directory, a syntax error (file:line:column), an
/// unknown section or key, or a value of the wrong type or outside its range (naming the key).
Status load_backtest_toml(const std::string& path, BacktestSettings& s);
/// The same from text; `origin` names it in messages (e.g. "request").
Status parse_backtest_toml(std::string_view text, std::string_view origin, BacktestSettings& s);

/// Checks what flags may have changed (cash, fees, warm-up) and hashes the predictions file
/// (refusing one that changed since a configuration recorded its hash, unless `fresh_predictions`
/// says it was just given). kInvalidArgument naming the flag and key; kNotFound for an unreadable
/// predictions file.
Status finish_settings(BacktestSettings& s, bool fresh_predictions);

/// The effective configuration as TOML (saved as config.toml and in the run history; the run id
/// is a hash of it).
std::string effective_config(const BacktestSettings& s);
/// "fast=10 slow=30", or "(default parameters)".
std::string params_text(const strategy::Params& params);

/// The engine, venue and strategy settings of a backtest. kInvalidArgument for a bad date,
/// sizing or fill.
Result<backtest::BacktestConfig> make_backtest_config(const BacktestSettings& s);

/// The kline file for `symbol`: `data` itself when it is a file (only for a single asset), else
/// the one file in directory `data` named SYMBOL_*.csv (kNotFound / kInvalidArgument otherwise).
Result<std::string> find_data_file(const std::string& data, const std::string& symbol, bool single);

/// Loads every asset's bars (errors name the file: kNotFound, kParse).
Result<std::vector<backtest::Asset>> load_assets(const BacktestSettings& s);

/// A short stable id for a configuration: "cfg-" + 12 hex digits of its FNV-1a hash, so the
/// same configuration always writes the same metrics.json.
std::string make_run_id(const std::string& config_text);

/// Records a finished backtest in the SQLite run history at `db_path`; returns its id.
Result<std::int64_t> record_run(
    const std::string& db_path,
    const backtest::RunInfo& info,
    const backtest::BacktestResult& result,
    const std::string& report_dir);

struct BacktestJobOptions {
    /// Plotly.js to inline into report.html; empty: no HTML report.
    std::string plotly_js;
    bool record = true;  ///< into the run history (settings.db)
    /// Called every ~1% of bars with (done, total).
    std::function<void(std::size_t, std::size_t)> progress;
};

struct BacktestJobResult {
    backtest::BacktestResult result;
    backtest::RunInfo info;
    std::optional<std::int64_t> run_id;  ///< in the run history, when recorded
    std::string report_html;             ///< path, when written
    std::vector<std::string> warnings;   ///< what did not stop the run (report, history)
    double seconds = 0;
};

/// The whole `ats backtest` job for any front end: loads the data, runs, writes trades.csv,
/// equity.csv, metrics.json, config.toml (and report.html) into settings.report, and records the
/// run. Settings must have passed finish_settings.
Result<BacktestJobResult> run_backtest_job(
    const BacktestSettings& s, const BacktestJobOptions& options);

/// Strategy, engine and venue settings shared by `ats paper`, `ats live` and the dashboard's
/// sessions: the same TOML file format, then a strategy and parameters on top.
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
/// file. `config_text` (TOML text) is used when `config` is empty; `model` overrides
/// [strategy] model; `params` are "name=value".
Result<TradingSetup> load_trading_setup(
    const std::optional<std::string>& config,
    const std::optional<std::string>& strategy,
    const std::vector<std::string>& params,
    const std::optional<std::string>& model = std::nullopt,
    const std::optional<std::string>& config_text = std::nullopt);

}  // namespace ats::runtime
