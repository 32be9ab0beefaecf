#include "ats/watchdog/watchdog.hpp"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "ats/runtime/session_status.hpp"

namespace ats::watchdog {
namespace {

constexpr std::int64_t kNow = 1'800'000'000'000;

runtime::SessionStatus status() {
    runtime::SessionStatus s;
    s.pid = 42;
    s.heartbeat_ms = kNow - 500;
    s.started_ms = kNow - 60'000;
    s.symbols = {"BTCUSDT"};
    s.quote = "USDT";
    s.base_of = {{"BTCUSDT", "BTC"}};
    s.interval_ms = 60'000;
    s.last_bar_ms = kNow - 30'000;
    s.bars = 10;
    s.initial_cash = Money::from_units(10'000);
    s.cash = Money::from_units(5'000);
    s.equity = Money::from_units(10'000);
    s.peak_equity = Money::from_units(10'000);
    s.positions = {{"BTC", *Qty::parse("0.05")}};
    // The account held 100 USDT and 0.01 BTC of someone else before the session began.
    s.held_at_start = {{"USDT", *Qty::parse("10100")}, {"BTC", *Qty::parse("0.01")}};
    return s;
}

/// The account that agrees with status(): 5,000 + 100 USDT, 0.05 + 0.01 BTC at 100,000.
AccountView account() {
    AccountView a;
    a.balances = {{"USDT", *Qty::parse("5100")}, {"BTC", *Qty::parse("0.06")}};
    a.prices = {{"BTCUSDT", *Price::parse("100000")}};
    return a;
}

Timestamp at(std::int64_t ms) {
    return Timestamp::from_unix_ms(ms);
}

TEST(Watchdog, AHealthySessionPasses) {
    WatchMemory memory;
    EXPECT_EQ(judge(status(), account(), WatchedSession{}, at(kNow), memory), std::nullopt);
    EXPECT_EQ(account_value(status(), account()), Money::from_units(10'000));
    EXPECT_EQ(memory.peak, Money::from_units(10'000));
}

TEST(Watchdog, CatchesAMissingHeartbeatAndAStalledFeed) {
    WatchMemory memory;
    WatchedSession session;
    session.heartbeat_timeout = Duration::from_seconds(30);
    auto frozen = status();
    frozen.heartbeat_ms = kNow - 31'000;
    auto reason = judge(frozen, account(), session, at(kNow), memory);
    ASSERT_TRUE(reason);
    EXPECT_NE(reason->find("no heartbeat for 31.0 s"), std::string::npos) << *reason;
    // Default staleness: three intervals plus 10 s (190 s for 1m bars).
    auto quiet = status();
    quiet.last_bar_ms = kNow - 189'000;
    EXPECT_EQ(judge(quiet, account(), session, at(kNow), memory), std::nullopt);
    quiet.last_bar_ms = kNow - 191'000;
    reason = judge(quiet, account(), session, at(kNow), memory);
    ASSERT_TRUE(reason);
    EXPECT_NE(reason->find("no closed bar"), std::string::npos) << *reason;
    session.stale_after = Duration::from_seconds(200);
    EXPECT_EQ(judge(quiet, account(), session, at(kNow), memory), std::nullopt);
}

TEST(Watchdog, CatchesADrawdownOfTheAccountValueFromItsPeak) {
    WatchMemory memory;
    WatchedSession session;
    session.max_drawdown = 0.1;
    auto a = account();
    a.prices["BTCUSDT"] = *Price::parse("120000");  // worth 11,000: a new peak
    auto s = status();
    s.cash = Money::from_units(5'000);
    EXPECT_EQ(judge(s, a, session, at(kNow), memory), std::nullopt);
    EXPECT_EQ(memory.peak, Money::from_units(11'000));
    a.prices["BTCUSDT"] = *Price::parse("81000");  // 9,050: 17.7 % below 11,000
    const auto reason = judge(s, a, session, at(kNow), memory);
    ASSERT_TRUE(reason);
    EXPECT_NE(reason->find("drawdown 17.727%"), std::string::npos) << *reason;
}

TEST(Watchdog, BooksAndAccountApartOnlyCountAfterTheGrace) {
    WatchMemory memory;
    WatchedSession session;
    session.drift_tolerance = 1.0;
    session.drift_grace = Duration::from_seconds(5);
    auto a = account();
    a.balances["BTC"] = *Qty::parse("0.05");  // 0.01 BTC (1,000 USDT) gone from the account
    EXPECT_EQ(judge(status(), a, session, at(kNow), memory), std::nullopt);
    EXPECT_EQ(memory.drift_since_ms, kNow);
    EXPECT_EQ(judge(status(), a, session, at(kNow + 4'000), memory), std::nullopt);
    const auto reason = judge(status(), a, session, at(kNow + 5'000), memory);
    ASSERT_TRUE(reason);
    EXPECT_NE(reason->find("BTC engine 0.05000000 account 0.04000000"), std::string::npos)
        << *reason;
    // Back in agreement: the clock restarts.
    EXPECT_EQ(judge(status(), account(), session, at(kNow + 6'000), memory), std::nullopt);
    EXPECT_EQ(memory.drift_since_ms, 0);
}

TEST(Watchdog, StatusAndHaltFilesRoundTrip) {
    const auto dir =
        std::filesystem::temp_directory_path() /
        ("ats_wd_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()));
    std::filesystem::create_directories(dir);
    const std::string state = (dir / "live.db").string();
    EXPECT_EQ(runtime::read_session_status(state).error().code, ErrorCode::kNotFound);
    ASSERT_TRUE(runtime::write_session_status(state, status()));
    auto back = runtime::read_session_status(state);
    ASSERT_TRUE(back) << back.error().message;
    EXPECT_EQ(runtime::to_json(*back), runtime::to_json(status()));
    auto none = runtime::read_halt(state);
    ASSERT_TRUE(none);
    EXPECT_FALSE(*none);
    ASSERT_TRUE(runtime::write_halt(state, {kNow, "watchdog", "no heartbeat"}));
    auto halt = runtime::read_halt(state);
    ASSERT_TRUE(halt && *halt);
    EXPECT_EQ((*halt)->reason, "no heartbeat");
    std::ofstream(runtime::halt_path(state)) << "{broken";
    EXPECT_FALSE(runtime::read_halt(state));  // malformed: an error, treated as halted
    std::ofstream(runtime::status_path(state)) << "{\"pid\": 1}";
    EXPECT_EQ(runtime::read_session_status(state).error().code, ErrorCode::kParse);
    std::filesystem::remove_all(dir);
}

TEST(Watchdog, ConfigIsRangeChecked) {
    const auto path = std::filesystem::temp_directory_path() / "ats_wd_config.toml";
    const auto load = [&](const std::string& text) {
        std::ofstream(path) << text;
        return load_watchdog_config(path.string());
    };
    auto good = load(
        "[watchdog]\nexchange = \"testnet\"\ncheck_seconds = 2\n[[session]]\nstate = \"a.db\"\n"
        "max_drawdown = 0.1\nflatten = true\n[[session]]\nstate = \"b.db\"\n");
    ASSERT_TRUE(good) << good.error().message;
    EXPECT_EQ(good->sessions.size(), 2U);
    EXPECT_TRUE(good->sessions[0].flatten);
    EXPECT_EQ(good->check_every, Duration::from_seconds(2));
    for (const auto& [text, word] : std::vector<std::pair<std::string, std::string>>{
             {"[watchdog]\nexchange = \"testnet\"\n", "no [[session]]"},
             {"[watchdog]\n[[session]]\nstate = \"a.db\"\n", "exchange: required"},
             {"[watchdog]\nexchange = \"testnet\"\n[[session]]\nstate = \"a.db\"\n"
              "max_drawdown = 2\n",
              "max_drawdown"},
             {"[watchdog]\nexchange = \"testnet\"\ncheck_seconds = -1\n[[session]]\nstate = "
              "\"a.db\"\n",
              "check_seconds"},
             {"[watchdog]\nexchange = \"testnet\"\n[[session]]\nstate = \"a.db\"\nflaten = true\n",
              "unknown key 'flaten'"},
             {"[watchdog]\nexchange = \"testnet\"\n[[session]]\nheartbeat_seconds = 5\n",
              "state: required"}}) {
        auto bad = load(text);
        ASSERT_FALSE(bad) << text;
        EXPECT_NE(bad.error().message.find(word), std::string::npos) << bad.error().message;
    }
    EXPECT_EQ(load_watchdog_config("/nonexistent/w.toml").error().code, ErrorCode::kNotFound);
    // The shipped example loads.
    auto shipped = load_watchdog_config(std::string(ATS_CONFIGS_DIR) + "/watchdog.toml");
    ASSERT_TRUE(shipped) << shipped.error().message;
    EXPECT_EQ(shipped->sessions.size(), 1U);
    EXPECT_DOUBLE_EQ(shipped->sessions[0].max_drawdown, 0.15);
    std::filesystem::remove(path);
}

}  // namespace
}  // namespace ats::watchdog
