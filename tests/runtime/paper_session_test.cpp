#include "ats/runtime/paper_session.hpp"

#include <filesystem>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include "ats/backtest/backtest.hpp"
#include "ats/data/kline_csv.hpp"

namespace ats::runtime {
namespace {

namespace fs = std::filesystem;

class RecordingNotifier final : public model::Notifier {
public:
    void notify(const model::AlertLogged& alert) override { alerts.push_back(alert); }
    std::vector<model::AlertLogged> alerts;
};

class PaperSessionTest : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() /
               ("ats_paper_session_" + std::to_string(::getpid()) + "_" +
                ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::remove_all(dir_);
        fs::create_directories(dir_);
        auto loaded = data::load_klines_csv(
            std::string(ATS_BUNDLED_DATA_DIR) + "/BTCUSDT_1h_2021-04_2025-12.csv", {});
        ASSERT_TRUE(loaded) << loaded.error().message;
        // The first 3000 hours.
        model::BarSeries series(loaded->series.interval(), *Symbol::parse("BTCUSDT"));
        for (std::size_t i = 0; i < 3000; ++i) {
            series.push_back(loaded->series.bar(i));
        }
        assets_.push_back(
            PaperAsset{backtest::default_instrument(*Symbol::parse("BTCUSDT")), std::move(series)});
    }
    void TearDown() override { fs::remove_all(dir_); }

    PaperConfig config(const std::string& state) const {
        PaperConfig c;
        c.strategy = "sma_cross";
        c.params = {{"fast", 5}, {"slow", 20}};
        c.venue.fees = sim::FeeModel{10, 10};
        c.state_path = (dir_ / state).string();
        c.session_text = "test session";
        return c;
    }

    fs::path dir_;
    std::vector<PaperAsset> assets_;
};

TEST_F(PaperSessionTest, FailingJobAlertsIsRecordedAndTradingGoesOn) {
    const auto plain = run_paper(config("plain.db"), assets_);
    ASSERT_TRUE(plain) << plain.error().message;
    ASSERT_GT(plain->fills, 20U);

    RecordingNotifier notifier;
    PaperConfig c = config("jobs.db");
    c.notifier = &notifier;
    int daily = 0;
    c.jobs.push_back(PaperJob{"update_data", "0 */6 * * *", [](const auto&, Timestamp) -> Status {
                                  return make_error(ErrorCode::kUnavailable, "source offline");
                              }});
    c.jobs.push_back(PaperJob{"daily", "0 0 * * *", [&](const auto&, Timestamp) {
                                  ++daily;
                                  return ok_status();
                              }});
    const auto with_jobs = run_paper(c, assets_);
    ASSERT_TRUE(with_jobs) << with_jobs.error().message;
    EXPECT_TRUE(with_jobs->finished);
    // 3000 hours = 125 days: about 500 six-hourly failures and 125 daily runs.
    EXPECT_GE(with_jobs->job_failures, 490U);
    EXPECT_GE(daily, 120);
    EXPECT_EQ(with_jobs->job_runs, with_jobs->job_failures + static_cast<std::uint64_t>(daily));
    std::size_t failure_alerts = 0;
    for (const auto& a : notifier.alerts) {
        failure_alerts += a.message.str() == "job update_data failed: source offline" ? 1U : 0U;
    }
    EXPECT_EQ(failure_alerts, with_jobs->job_failures);
    // Trading is untouched by the jobs.
    EXPECT_EQ(with_jobs->fills, plain->fills);
    EXPECT_EQ(with_jobs->equity, plain->equity);
    EXPECT_EQ(with_jobs->cash, plain->cash);

    auto db = store::SqliteStateStore::open(c.state_path);
    ASSERT_TRUE(db);
    auto runs = (*db)->job_runs("update_data", 1000);
    ASSERT_TRUE(runs);
    EXPECT_EQ(runs->size(), with_jobs->job_failures);
    EXPECT_FALSE(runs->front().ok);
    EXPECT_EQ(runs->front().message, "source offline");
}

TEST_F(PaperSessionTest, ReadOnlyStateFileHaltsBeforeTrading) {
    ASSERT_TRUE(run_paper(config("ro.db"), assets_));
    PaperConfig c = config("ro.db");
    c.store.read_only = true;
    const auto r = run_paper(c, assets_);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, ErrorCode::kIo);
    EXPECT_NE(r.error().message.find("readonly"), std::string::npos) << r.error().message;
    EXPECT_NE(r.error().message.find("trading not started"), std::string::npos);
}

TEST_F(PaperSessionTest, TamperedJournalIsADivergenceNotASilentResume) {
    const auto first = run_paper(config("t.db"), assets_);
    ASSERT_TRUE(first);
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open((dir_ / "t.db").c_str(), &db), SQLITE_OK);
    ASSERT_EQ(
        sqlite3_exec(
            db,
            "UPDATE journal SET body = replace(body, '\"BUY\"', '\"SELL\"') WHERE seq = (SELECT "
            "MIN(seq) FROM journal WHERE type = 'OrderPlaced')",
            nullptr,
            nullptr,
            nullptr),
        SQLITE_OK);
    EXPECT_EQ(sqlite3_changes(db), 1);
    sqlite3_close(db);
    const auto r = run_paper(config("t.db"), assets_);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, ErrorCode::kFailedPrecondition);
    EXPECT_NE(r.error().message.find("diverges"), std::string::npos) << r.error().message;
}

// A halt only the state store knows (an operator's emergency stop) survives a restart: the replay
// rebuilds the rest, the stored risk state is put back on top, and no entry is sent after it.
TEST_F(PaperSessionTest, StoredRiskHaltSurvivesARestart) {
    std::vector<PaperAsset> first_part;
    first_part.push_back(assets_.front());
    model::BarSeries head(assets_.front().series.interval(), *Symbol::parse("BTCUSDT"));
    for (std::size_t i = 0; i < 2000; ++i) {
        head.push_back(assets_.front().series.bar(i));
    }
    first_part.front().series = std::move(head);
    const auto buys_after = [&](const std::string& file) {
        auto db = store::SqliteStateStore::open((dir_ / file).string());
        EXPECT_TRUE(db);
        auto journal = (*db)->read_journal(1, 1'000'000);
        EXPECT_TRUE(journal);
        std::size_t buys = 0;
        std::size_t bars = 0;
        for (const auto& e : *journal) {
            bars += e.type == "MarketData" ? 1U : 0U;
            if (bars > 2000 && e.type == "OrderPlaced" &&
                e.body.find("\"BUY\"") != std::string::npos) {
                ++buys;
            }
        }
        return buys;
    };
    for (const char* file : {"control.db", "halted.db"}) {
        ASSERT_TRUE(run_paper(config(file), first_part));
    }
    {
        auto db = store::SqliteStateStore::open((dir_ / "halted.db").string());
        ASSERT_TRUE(db);
        ASSERT_TRUE((*db)->put_state(
            "risk",
            R"({"halted":true,"halt_reason":"emergency stop: operator","day_halted":false,)"
            R"("day":null,"day_start_equity":"0","equity_high_water_mark":null,"cooldowns":{}})"));
        ASSERT_TRUE((*db)->commit());
    }
    const auto control = run_paper(config("control.db"), assets_);
    const auto halted = run_paper(config("halted.db"), assets_);
    ASSERT_TRUE(control && halted);
    EXPECT_EQ(halted->bars_replayed, 2000U);
    EXPECT_GT(buys_after("control.db"), 0U);
    EXPECT_EQ(buys_after("halted.db"), 0U);
    auto db = store::SqliteStateStore::open((dir_ / "halted.db").string());
    ASSERT_TRUE(db);
    auto risk = (*db)->get_state("risk");
    ASSERT_TRUE(risk && *risk);
    EXPECT_NE((*risk)->find("\"halted\":true"), std::string::npos);
    EXPECT_NE((*risk)->find("operator"), std::string::npos);
}

/// Issues scripted commands at given bar counts, as the dashboard would.
class ScriptedControl final : public SessionControl {
public:
    std::vector<std::pair<std::uint64_t, SessionCommand>> script;
    std::uint64_t bars = 0;
    std::size_t steps = 0;
    std::size_t positions_seen = 0;

    std::vector<SessionCommand> take_commands() override {
        std::vector<SessionCommand> out;
        for (auto it = script.begin(); it != script.end();) {
            if (it->first <= bars) {
                out.push_back(it->second);
                it = script.erase(it);
            } else {
                ++it;
            }
        }
        return out;
    }
    void on_step(const engine::TradingEngine& engine, const SessionStep& step) override {
        bars = step.bars;
        ++steps;
        positions_seen +=
            engine.portfolio().position_qty(*Symbol::parse("BTCUSDT")).is_zero() ? 0U : 1U;
    }
    const std::atomic<bool>& wake() const override { return wake_; }

private:
    std::atomic<bool> wake_{false};
};

// Operator commands change what a session does, so a restart must apply them again at the same
// point: the replay then regenerates the journal byte for byte.
TEST_F(PaperSessionTest, OperatorCommandsAreReplayedExactlyAfterARestart) {
    std::vector<PaperAsset> head = assets_;
    model::BarSeries first(assets_.front().series.interval(), *Symbol::parse("BTCUSDT"));
    for (std::size_t i = 0; i < 2000; ++i) {
        first.push_back(assets_.front().series.bar(i));
    }
    head.front().series = std::move(first);
    ScriptedControl control;
    const auto sym = *Symbol::parse("BTCUSDT");
    SessionCommand pause;
    pause.kind = SessionCommand::Kind::kPauseEntries;
    pause.reason = "test";
    SessionCommand resume = pause;
    resume.kind = SessionCommand::Kind::kResumeEntries;
    SessionCommand close_half;
    close_half.kind = SessionCommand::Kind::kClosePosition;
    close_half.symbol = sym;
    close_half.fraction = 0.5;
    close_half.reason = "test";
    SessionCommand tighter;
    tighter.kind = SessionCommand::Kind::kSetRisk;
    tighter.risk = risk::RiskLimits{};
    tighter.risk->stop_loss_atr = 1.5;
    tighter.reason = "test";
    for (std::uint64_t at = 100; at < 2000; at += 150) {
        control.script.emplace_back(at, close_half);
    }
    control.script.emplace_back(400, pause);
    control.script.emplace_back(700, resume);
    control.script.emplace_back(900, tighter);
    PaperConfig c = config("cmd.db");
    c.control = &control;
    c.commit_every_bars = 64;
    c.snapshot_every_bars = 512;
    const auto first_run = run_paper(c, head);
    ASSERT_TRUE(first_run) << first_run.error().message;
    EXPECT_EQ(first_run->commands, 16U);
    EXPECT_GT(control.positions_seen, 0U);
    // The closes did something: some fills are the operator's half exits.
    auto db = store::SqliteStateStore::open(c.state_path);
    ASSERT_TRUE(db);
    auto journal = (*db)->read_journal(1, 1'000'000);
    ASSERT_TRUE(journal);
    std::size_t operator_exits = 0;
    for (const auto& e : *journal) {
        operator_exits +=
            e.type == "OrderApproved" && e.body.find("closed by the operator") != std::string::npos
                ? 1U
                : 0U;
    }
    EXPECT_GT(operator_exits, 0U);
    db->reset();
    // Restart on the longer feed without a control: the replay applies the recorded commands.
    PaperConfig again = config("cmd.db");
    again.commit_every_bars = 64;
    again.snapshot_every_bars = 512;
    const auto resumed = run_paper(again, assets_);
    ASSERT_TRUE(resumed) << resumed.error().message;
    EXPECT_EQ(resumed->bars_replayed, 2000U);
    EXPECT_EQ(resumed->bars_new, 1000U);
    EXPECT_EQ(resumed->commands, 16U);
    EXPECT_TRUE(resumed->recovery_notes.empty());
}

TEST_F(PaperSessionTest, StateSavedEventsAreJournaledAtCommitPoints) {
    PaperConfig c = config("s.db");
    c.commit_every_bars = 100;
    c.snapshot_every_bars = 1000;
    const auto r = run_paper(c, assets_);
    ASSERT_TRUE(r);
    auto db = store::SqliteStateStore::open(c.state_path);
    ASSERT_TRUE(db);
    auto journal = (*db)->read_journal(1, 1'000'000);
    ASSERT_TRUE(journal);
    std::size_t saved = 0;
    for (const auto& e : *journal) {
        saved += e.type == "StateSaved" ? 1U : 0U;
    }
    EXPECT_EQ(saved, 30U);  // 3000 bars / 100
    EXPECT_EQ(journal->size(), r->journal_size);
}

}  // namespace
}  // namespace ats::runtime
