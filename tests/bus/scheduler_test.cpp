#include "ats/bus/scheduler.hpp"

#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <unistd.h>

#include "ats/core/clock.hpp"
#include "ats/store/sqlite_state_store.hpp"

namespace ats::bus {
namespace {

Timestamp at(const char* iso) {
    return *Timestamp::parse_iso8601(iso);
}

std::string next(const char* cron, const char* after) {
    auto c = CronExpression::parse(cron);
    EXPECT_TRUE(c) << c.error().message;
    auto n = c->next_after(at(after));
    return n ? n->to_iso8601() : "never";
}

class RecordingNotifier final : public model::Notifier {
public:
    void notify(const model::AlertLogged& alert) override { alerts.push_back(alert); }
    std::vector<model::AlertLogged> alerts;
};

TEST(CronExpressionTest, WeeklyMondayAtThree) {
    // 2024-01-01 is a Monday.
    EXPECT_EQ(next("0 3 * * 1", "2024-01-01T00:00:00Z"), at("2024-01-01T03:00:00Z").to_iso8601());
    EXPECT_EQ(next("0 3 * * 1", "2024-01-01T03:00:00Z"), at("2024-01-08T03:00:00Z").to_iso8601());
    EXPECT_EQ(next("0 3 * * 1", "2024-01-06T12:34:56Z"), at("2024-01-08T03:00:00Z").to_iso8601());
}

TEST(CronExpressionTest, StepsRangesListsAndMonths) {
    EXPECT_EQ(
        next("*/15 * * * *", "2024-05-05T10:07:00Z"), at("2024-05-05T10:15:00Z").to_iso8601());
    EXPECT_EQ(
        next("*/15 * * * *", "2024-05-05T23:59:00Z"), at("2024-05-06T00:00:00Z").to_iso8601());
    EXPECT_EQ(
        next("30 9-17/4 * * *", "2024-05-05T10:00:00Z"), at("2024-05-05T13:30:00Z").to_iso8601());
    EXPECT_EQ(next("0 0 1 1 *", "2024-03-01T00:00:00Z"), at("2025-01-01T00:00:00Z").to_iso8601());
    EXPECT_EQ(
        next("5,10 0 * * *", "2024-03-01T00:05:00Z"), at("2024-03-01T00:10:00Z").to_iso8601());
    // 29 February only in leap years.
    EXPECT_EQ(next("0 0 29 2 *", "2024-03-01T00:00:00Z"), at("2028-02-29T00:00:00Z").to_iso8601());
    // Sunday is 0 and 7.
    EXPECT_EQ(next("0 12 * * 7", "2024-01-01T00:00:00Z"), at("2024-01-07T12:00:00Z").to_iso8601());
    EXPECT_EQ(next("0 12 * * 0", "2024-01-01T00:00:00Z"), at("2024-01-07T12:00:00Z").to_iso8601());
}

TEST(CronExpressionTest, DayOfMonthOrDayOfWeekWhenBothRestricted) {
    // The 13th or any Friday: 2024-09-06 is a Friday, before the 13th.
    EXPECT_EQ(next("0 0 13 * 5", "2024-09-01T00:00:00Z"), at("2024-09-06T00:00:00Z").to_iso8601());
    EXPECT_EQ(next("0 0 13 * 5", "2024-09-12T00:00:00Z"), at("2024-09-13T00:00:00Z").to_iso8601());
}

TEST(CronExpressionTest, MalformedExpressionsNameTheField) {
    for (const char* bad :
         {"61 * * * *",
          "* * *",
          "a * * * *",
          "5-1 * * * *",
          "* 24 * * *",
          "* * 0 * *",
          "*/0 * * * *",
          "* * * 13 *",
          "* * * * 8",
          "1,,2 * * * *"}) {
        auto c = CronExpression::parse(bad);
        ASSERT_FALSE(c) << bad;
        EXPECT_EQ(c.error().code, ErrorCode::kInvalidArgument);
        EXPECT_NE(c.error().message.find(bad), std::string::npos) << c.error().message;
    }
    auto c = CronExpression::parse("0 25 * * *");
    ASSERT_FALSE(c);
    EXPECT_NE(c.error().message.find("hour"), std::string::npos);
}

TEST(SchedulerTest, JobsRunOnSimulatedTimeAndFailuresAlertWithoutStoppingOthers) {
    SimulatedClock clock(at("2024-01-01T00:00:00Z"));
    RecordingNotifier notifier;
    Scheduler scheduler(clock, nullptr, &notifier);
    std::vector<Timestamp> weekly;
    int hourly = 0;
    ASSERT_TRUE(scheduler.add("retrain", "0 3 * * 1", [&] {
        weekly.push_back(clock.now());
        return ok_status();
    }));
    ASSERT_TRUE(scheduler.add("update_data", "0 * * * *", [&]() -> Status {
        ++hourly;
        return make_error(ErrorCode::kUnavailable, "exchange down");
    }));
    ASSERT_TRUE(scheduler.add(
        "throws", "30 12 * * *", []() -> Status { throw std::runtime_error("boom"); }));
    EXPECT_FALSE(scheduler.add("retrain", "* * * * *", [] { return ok_status(); }));
    EXPECT_FALSE(scheduler.add("never", "0 0 30 2 *", [] { return ok_status(); }));
    // Three weeks of one-minute engine steps.
    for (int m = 0; m < 21 * 1440; ++m) {
        clock.advance_by(Duration::from_seconds(60));
        scheduler.run_due();
    }
    ASSERT_EQ(weekly.size(), 3U);
    EXPECT_EQ(weekly[0], at("2024-01-01T03:00:00Z"));
    EXPECT_EQ(weekly[2], at("2024-01-15T03:00:00Z"));
    EXPECT_EQ(hourly, 21 * 24);
    EXPECT_EQ(scheduler.failures(), 21U * 24U + 21U);
    ASSERT_EQ(notifier.alerts.size(), 21U * 24U + 21U);
    EXPECT_EQ(notifier.alerts.front().level, model::AlertLevel::kCritical);
    EXPECT_EQ(notifier.alerts.front().message.str(), "job update_data failed: exchange down");
    bool saw_exception = false;
    for (const auto& a : notifier.alerts) {
        saw_exception = saw_exception || a.message.str() == "job throws failed: exception: boom";
    }
    EXPECT_TRUE(saw_exception);
    EXPECT_EQ(*scheduler.next_run("retrain"), at("2024-01-22T03:00:00Z"));
}

TEST(SchedulerTest, MissedSlotsRunOnceThenTheNextSlotAfterNow) {
    SimulatedClock clock(at("2024-01-01T00:00:00Z"));
    Scheduler scheduler(clock, nullptr, nullptr);
    int runs = 0;
    ASSERT_TRUE(scheduler.add("hourly", "0 * * * *", [&] {
        ++runs;
        return ok_status();
    }));
    clock.advance_to(at("2024-01-01T05:30:00Z"));
    EXPECT_EQ(scheduler.run_due(), 1U);
    EXPECT_EQ(scheduler.run_due(), 0U);
    EXPECT_EQ(runs, 1);
    EXPECT_EQ(*scheduler.next_run("hourly"), at("2024-01-01T06:00:00Z"));
}

TEST(SchedulerTest, HistoryIsRecordedInSqlite) {
    const auto path = std::filesystem::temp_directory_path() /
                      ("ats_scheduler_" + std::to_string(::getpid()) + ".db");
    std::filesystem::remove(path);
    {
        auto db = store::SqliteStateStore::open(path.string());
        ASSERT_TRUE(db) << db.error().message;
        SimulatedClock clock(at("2024-01-01T00:00:00Z"));
        Scheduler scheduler(clock, db->get(), nullptr);
        int n = 0;
        ASSERT_TRUE(scheduler.add("backtest", "0 0 * * *", [&]() -> Status {
            if (++n == 2) {
                return make_error(ErrorCode::kIo, "report directory missing");
            }
            return ok_status();
        }));
        for (int d = 0; d < 3; ++d) {
            clock.advance_by(Duration::from_seconds(86'400));
            scheduler.run_due();
        }
    }
    auto db = store::SqliteStateStore::open(path.string());
    ASSERT_TRUE(db);
    auto runs = (*db)->job_runs("backtest", 10);
    ASSERT_TRUE(runs) << runs.error().message;
    ASSERT_EQ(runs->size(), 3U);
    EXPECT_TRUE((*runs)[0].ok);  // newest first
    EXPECT_FALSE((*runs)[1].ok);
    EXPECT_EQ((*runs)[1].message, "report directory missing");
    EXPECT_EQ((*runs)[1].scheduled, at("2024-01-03T00:00:00Z"));
    EXPECT_EQ((*db)->job_runs("other", 10)->size(), 0U);
    EXPECT_EQ((*db)->job_runs("", 10)->size(), 3U);
    db->reset();
    std::filesystem::remove(path);
    std::filesystem::remove(path.string() + "-wal");
    std::filesystem::remove(path.string() + "-shm");
}

TEST(SchedulerTest, CatchUpRunsAMissedSlotOnceAndNeverRepeatsOneThatCrashed) {
    const auto path = std::filesystem::temp_directory_path() /
                      ("ats_scheduler_catchup_" + std::to_string(::getpid()) + ".db");
    std::filesystem::remove(path);
    SimulatedClock clock(at("2024-01-01T12:00:00Z"));
    int runs = 0;
    {
        auto db = store::SqliteStateStore::open(path.string());
        ASSERT_TRUE(db);
        Scheduler scheduler(clock, db->get(), nullptr);
        // A first start does not catch up: nothing ran before.
        ASSERT_TRUE(scheduler.add(
            "retrain",
            "0 3 * * *",
            [&]() -> Status {
                ++runs;
                return ok_status();
            },
            true));
        EXPECT_EQ(scheduler.next_run("retrain"), at("2024-01-02T03:00:00Z"));
        clock.advance_to(at("2024-01-02T03:00:00Z"));
        EXPECT_EQ(scheduler.run_due(), 1U);
    }
    // Down from the 2nd to the 5th at noon: the 3rd, 4th and 5th 03:00 slots were missed; the
    // restart runs the latest of them once.
    clock.advance_to(at("2024-01-05T12:00:00Z"));
    {
        auto db = store::SqliteStateStore::open(path.string());
        ASSERT_TRUE(db);
        Scheduler scheduler(clock, db->get(), nullptr);
        ASSERT_TRUE(scheduler.add(
            "retrain",
            "0 3 * * *",
            [&]() -> Status {
                ++runs;
                return ok_status();
            },
            true));
        EXPECT_EQ(scheduler.next_run("retrain"), at("2024-01-05T03:00:00Z"));
        EXPECT_EQ(scheduler.run_due(), 1U);
        EXPECT_EQ(scheduler.run_due(), 0U);
        EXPECT_EQ(scheduler.next_run("retrain"), at("2024-01-06T03:00:00Z"));
        // The 6th's run crashes the process half way (an exception stands in for the crash:
        // its start is on record before it runs).
        clock.advance_to(at("2024-01-06T03:00:00Z"));
    }
    EXPECT_EQ(runs, 2);
    {
        auto db = store::SqliteStateStore::open(path.string());
        ASSERT_TRUE(db);
        // What a crash leaves: the start marker, no finish.
        ASSERT_TRUE((*db)->record_job_run(model::JobRun{
            "retrain", at("2024-01-06T03:00:00Z"), clock.now(), clock.now(), false, "started"}));
    }
    clock.advance_to(at("2024-01-06T03:20:00Z"));
    {
        auto db = store::SqliteStateStore::open(path.string());
        ASSERT_TRUE(db);
        Scheduler scheduler(clock, db->get(), nullptr);
        ASSERT_TRUE(scheduler.add(
            "retrain",
            "0 3 * * *",
            [&]() -> Status {
                ++runs;
                return ok_status();
            },
            true));
        // The crashed slot is not run again; the next one is tomorrow's.
        EXPECT_EQ(scheduler.next_run("retrain"), at("2024-01-07T03:00:00Z"));
        EXPECT_EQ(scheduler.run_due(), 0U);
        auto history = (*db)->job_runs("retrain", 10);
        ASSERT_TRUE(history);
        // Each run leaves a start marker and a result: 2 runs x 2 + the crashed start.
        EXPECT_EQ(history->size(), 5U);
    }
    EXPECT_EQ(runs, 2);
    std::filesystem::remove(path);
    std::filesystem::remove(path.string() + "-wal");
    std::filesystem::remove(path.string() + "-shm");
}

}  // namespace
}  // namespace ats::bus
