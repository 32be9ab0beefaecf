#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ats/core/clock.hpp"
#include "ats/core/error.hpp"
#include "ats/core/time.hpp"
#include "ats/model/job_history.hpp"
#include "ats/model/ports.hpp"

namespace ats::bus {

/// A five-field cron expression, UTC: minute (0-59), hour (0-23), day of month (1-31), month
/// (1-12), day of week (0-7, 0 and 7 are Sunday). Each field is `*`, a value, a range `a-b`, a
/// step `*/n` or `a-b/n`, or a comma list of those. As in cron, when both day fields are
/// restricted a day matches if either matches. Example: "0 3 * * 1" is Mondays at 03:00.
class CronExpression {
public:
    /// kInvalidArgument naming the field and the text.
    static Result<CronExpression> parse(std::string_view text);

    /// The first matching minute strictly after `t`; nullopt when none exists within 8 years
    /// (e.g. "0 0 30 2 *").
    std::optional<Timestamp> next_after(Timestamp t) const;
    const std::string& text() const noexcept { return text_; }

private:
    std::string text_;
    std::uint64_t minutes_ = 0;
    std::uint32_t hours_ = 0;
    std::uint32_t days_ = 0;    // bit d for day of month d
    std::uint32_t months_ = 0;  // bit m for month m
    std::uint32_t weekdays_ = 0;
    bool any_day_ = true;
    bool any_weekday_ = true;
};

/// Cron-like jobs inside the engine, driven by the engine's Clock (simulated in backtests and
/// tests, so jobs run on simulated time). `run_due` runs every job whose time has come, once
/// even when several slots were missed, then schedules its next slot after now. A job that
/// fails (an error Status or an exception) is recorded, raises an alert through the notifier
/// and leaves the other jobs and trading untouched. Every run is recorded in the job history
/// (SQLite in production). Not thread-safe: runs on the engine thread.
class Scheduler {
public:
    using Job = std::function<Status()>;

    Scheduler(const Clock& clock, model::JobHistory* history, model::Notifier* notifier);

    /// kInvalidArgument for a bad expression or a duplicate name. With `catch_up` and a history,
    /// a slot missed while the process was down (the latest slot at or before now, after the
    /// last one the history shows started) runs once at the next run_due; a slot that started
    /// before a crash is never run again (each run is recorded as started before it runs).
    /// Without it the first run is the first slot after now (and only finished runs are
    /// recorded).
    Status add(std::string name, std::string_view cron, Job job, bool catch_up = false);
    /// Runs the jobs that are due at clock.now(); returns how many ran.
    std::size_t run_due();

    std::optional<Timestamp> next_run(std::string_view name) const;
    std::uint64_t failures() const noexcept { return failures_; }

private:
    struct Entry {
        std::string name;
        CronExpression cron;
        Job job;
        std::optional<Timestamp> next;
        bool catch_up = false;  ///< records "started" before running; catches up after downtime
    };

    const Clock& clock_;
    model::JobHistory* history_;
    model::Notifier* notifier_;
    std::vector<Entry> jobs_;
    std::uint64_t failures_ = 0;
};

}  // namespace ats::bus
