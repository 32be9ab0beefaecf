#pragma once

#include <optional>
#include <string>
#include <vector>

#include "ats/core/error.hpp"
#include "ats/runtime/backtest_job.hpp"

namespace ats::cli {

/// Command-line flags of `ats backtest`. Flags override the TOML config file, which overrides
/// the defaults; see docs/backtest.md.
struct BacktestArgs {
    std::optional<std::string> config;
    std::vector<std::string> assets;
    std::optional<std::string> data;
    std::optional<std::string> strategy;
    std::vector<std::string> params;         ///< "fast=10"
    std::optional<std::string> model;        ///< model directory for --strategy ml
    std::optional<std::string> altdata;      ///< [altdata] config for alternative-data features
    std::optional<std::string> predictions;  ///< or recorded probabilities for --strategy ml
    std::optional<std::string> from;
    std::optional<std::string> to;
    std::optional<double> cash;
    std::optional<double> fee_bps;
    std::optional<double> slippage_bps;
    std::optional<std::string> slippage;
    std::optional<std::string> sizing;
    std::optional<std::string> fill;
    std::optional<std::size_t> warmup_bars;
    std::optional<std::string> report;
    std::optional<std::string> journal;
    std::optional<std::string> plotly;
    std::optional<std::string> db;
    bool no_progress = false;
    bool no_db = false;
};

int run_backtest_command(const BacktestArgs& args);

/// The kline file for `symbol` (see runtime::find_data_file).
using runtime::find_data_file;

}  // namespace ats::cli
