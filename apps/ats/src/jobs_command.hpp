#pragma once

#include <optional>
#include <string>

namespace ats::cli {

/// Flags of `ats jobs` (docs/operations.md).
struct JobsArgs {
    std::string config = "configs/jobs.toml";
    std::optional<std::string> simulate_from;  ///< run on simulated time over [from, to]
    std::optional<std::string> simulate_to;
    int step_minutes = 60;  ///< simulated time step
    bool once = false;      ///< run what is due now (with catch-up) and exit
};

/// Runs the `[jobs]` of a TOML file (update_data, retrain, backtest) on the cron scheduler with
/// catch-up and a SQLite history; a slot that started before a crash is not run again. Exit 0,
/// or 3 when a job failed.
int run_jobs(const JobsArgs& args);

}  // namespace ats::cli
