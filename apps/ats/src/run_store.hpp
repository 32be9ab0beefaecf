#pragma once

#include <cstdint>
#include <string>

#include "ats/backtest/backtest.hpp"
#include "ats/backtest/outputs.hpp"
#include "ats/core/error.hpp"
#include "ats/runtime/backtest_job.hpp"

namespace ats::cli {

using runtime::make_run_id;
using runtime::record_run;

/// `ats runs list` and `ats runs show ID`.
int run_runs_list(const std::string& db_path, std::size_t limit);
int run_runs_show(const std::string& db_path, std::int64_t id, bool trades);

}  // namespace ats::cli
