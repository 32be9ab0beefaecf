#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "ats/core/error.hpp"
#include "ats/core/time.hpp"

namespace ats::model {

/// One run of a scheduled job.
struct JobRun {
    std::string job;
    Timestamp scheduled;  ///< the cron slot it ran for
    Timestamp started;
    Timestamp finished;
    bool ok = true;
    std::string message;  ///< the error when it failed
};

/// Where the scheduler records job runs (SQLite in production).
class JobHistory {
public:
    virtual ~JobHistory() = default;
    /// Durable when it returns; kIo when the medium refuses it.
    virtual Status record_job_run(const JobRun& run) = 0;
    /// The latest `limit` runs of `job` (all jobs when empty), newest first.
    virtual Result<std::vector<JobRun>> job_runs(std::string_view job, std::size_t limit) = 0;
};

}  // namespace ats::model
