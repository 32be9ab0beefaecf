#pragma once

#include <cstdint>
#include <string>

#include "ats/backtest/backtest.hpp"
#include "ats/backtest/outputs.hpp"
#include "ats/core/error.hpp"

namespace ats::cli {

/// A short stable id for a configuration: "cfg-" + 12 hex digits of its FNV-1a hash, so the
/// same configuration always writes the same metrics.json.
std::string make_run_id(const std::string& config_text);

/// Records a finished backtest in the SQLite file at `db_path`.
Status record_run(
    const std::string& db_path,
    const backtest::RunInfo& info,
    const backtest::BacktestResult& result,
    const std::string& report_dir);

/// `ats runs list` and `ats runs show ID`.
int run_runs_list(const std::string& db_path, std::size_t limit);
int run_runs_show(const std::string& db_path, std::int64_t id, bool trades);

}  // namespace ats::cli
