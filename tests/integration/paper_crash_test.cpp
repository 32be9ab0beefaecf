// `ats paper` killed with SIGKILL at many moments must end exactly where an uninterrupted run
// ends: same journal, orders, fills, positions, cash and equity; nothing sent twice, nothing lost.
#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ats/store/sqlite_state_store.hpp"

#include "notify/stub_bot_api.hpp"

namespace ats {
namespace {

namespace fs = std::filesystem;

struct Outcome {
    bool killed = false;  ///< ended by SIGKILL
    bool signaled = false;
    int exit_code = -1;
    std::string out;
    std::string err;
};

std::string read_all(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

struct RunOptions {
    std::optional<long long> crash_after;           ///< ATS_TEST_CRASH_AFTER
    std::optional<std::chrono::microseconds> kill;  ///< SIGKILL from outside after this delay
    std::optional<rlim_t> max_file_size;            ///< RLIMIT_FSIZE: a disk that fills up
    std::vector<std::string> extra;                 ///< more arguments
    int signal = SIGKILL;                           ///< what `kill` sends
};

RunOptions crash_after(long long n) {
    RunOptions o;
    o.crash_after = n;
    return o;
}
RunOptions kill_after(std::chrono::microseconds delay) {
    RunOptions o;
    o.kill = delay;
    return o;
}
RunOptions file_size_limit(rlim_t bytes) {
    RunOptions o;
    o.max_file_size = bytes;
    return o;
}
store::StateStoreOptions read_only() {
    store::StateStoreOptions o;
    o.read_only = true;
    return o;
}

class PaperCrashTest : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() /
               ("ats_paper_crash_" + std::to_string(::getpid()) + "_" +
                ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::remove_all(dir_);
        fs::create_directories(dir_);
        // A real feed: the first 2500 hours of the bundled Binance BTCUSDT and ETHUSDT bars.
        for (const char* asset : {"BTCUSDT", "ETHUSDT"}) {
            std::ifstream in(
                std::string(ATS_BUNDLED_DATA_DIR) + "/" + asset + "_1h_2021-04_2025-12.csv");
            std::ofstream out(dir_ / (std::string(asset) + ".csv"));
            std::string line;
            for (int i = 0; i < 2501 && std::getline(in, line); ++i) {
                out << line << '\n';
            }
        }
        std::ofstream cfg(dir_ / "paper.toml");
        cfg << "[backtest]\ncash = 10000\nfee_bps = 10\nslippage = \"fixed:2\"\n"
               "sizing = \"fraction:0.45\"\n\n[strategy]\nname = \"sma_cross\"\n\n"
               "[strategy.params]\nfast = 5\nslow = 20\n\n[risk]\nstop_loss_atr = 2.0\n"
               "take_profit_atr = 4.0\ncooldown_after_stop = \"2h\"\n";
    }
    void TearDown() override { fs::remove_all(dir_); }

    Outcome run(const std::string& state, const RunOptions& o = {}) {
        const std::string feed =
            "replay:" + (dir_ / "BTCUSDT.csv").string() + "," + (dir_ / "ETHUSDT.csv").string();
        const std::string cfg = (dir_ / "paper.toml").string();
        const std::string db = (dir_ / state).string();
        const fs::path out_path = dir_ / "stdout.txt";
        const fs::path err_path = dir_ / "stderr.txt";
        std::vector<std::string> args = {
            ATS_CLI_PATH,
            "paper",
            "--assets",
            "BTCUSDT,ETHUSDT",
            "--feed",
            feed,
            "--config",
            cfg,
            "--state",
            db,
            "--commit-every",
            "16",
            "--snapshot-every",
            "256"};
        args.insert(args.end(), o.extra.begin(), o.extra.end());
        const pid_t pid = ::fork();
        if (pid == 0) {
            if (o.crash_after) {
                ::setenv("ATS_TEST_CRASH_AFTER", std::to_string(*o.crash_after).c_str(), 1);
            } else {
                ::unsetenv("ATS_TEST_CRASH_AFTER");
            }
            ::setenv("ATS_TELEGRAM_BOT_TOKEN", testing::kToken, 1);
            ::setenv("ATS_TELEGRAM_CHAT_ID", "987654321", 1);
            if (o.max_file_size) {
                const rlimit lim{*o.max_file_size, *o.max_file_size};
                ::setrlimit(RLIMIT_FSIZE, &lim);
                std::signal(SIGXFSZ, SIG_IGN);  // writes fail with EFBIG, as on a full disk
            }
            if (!std::freopen(out_path.c_str(), "w", stdout) ||
                !std::freopen(err_path.c_str(), "w", stderr)) {
                ::_exit(126);
            }
            std::vector<char*> argv;
            for (auto& a : args) {
                argv.push_back(a.data());
            }
            argv.push_back(nullptr);
            ::execv(argv[0], argv.data());
            ::_exit(127);
        }
        if (o.kill) {
            std::this_thread::sleep_for(*o.kill);
            ::kill(pid, o.signal);
        }
        int status = 0;
        ::waitpid(pid, &status, 0);
        Outcome r;
        r.killed = WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL;
        r.signaled = WIFSIGNALED(status);
        r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        r.out = read_all(out_path);
        r.err = read_all(err_path);
        return r;
    }

    static std::vector<std::string> lines_starting(const std::string& text, const char* prefix) {
        std::vector<std::string> out;
        std::istringstream in(text);
        std::string line;
        while (std::getline(in, line)) {
            if (line.rfind(prefix, 0) == 0) {
                out.push_back(line);
            }
        }
        return out;
    }

    std::unique_ptr<store::SqliteStateStore> open(const std::string& state) {
        auto s = store::SqliteStateStore::open((dir_ / state).string(), read_only());
        EXPECT_TRUE(s.has_value()) << (s ? "" : s.error().message);
        return s ? std::move(*s) : nullptr;
    }

    /// Everything the two state files must agree on.
    void expect_same_state(const std::string& a_name, const std::string& b_name) {
        auto a = open(a_name);
        auto b = open(b_name);
        ASSERT_TRUE(a && b);
        ASSERT_EQ(a->journal_size(), b->journal_size()) << "events lost or duplicated";
        auto ja = a->read_journal(1, 10'000'000);
        auto jb = b->read_journal(1, 10'000'000);
        ASSERT_TRUE(ja && jb);
        ASSERT_EQ(ja->size(), jb->size());
        for (std::size_t i = 0; i < ja->size(); ++i) {
            ASSERT_EQ((*ja)[i].body, (*jb)[i].body) << "event " << i + 1;
        }
        auto oa = a->orders();
        auto ob = b->orders();
        ASSERT_TRUE(oa && ob);
        ASSERT_EQ(oa->size(), ob->size());
        for (std::size_t i = 0; i < oa->size(); ++i) {
            EXPECT_EQ((*oa)[i].id, (*ob)[i].id);
            EXPECT_EQ((*oa)[i].status, (*ob)[i].status);
            EXPECT_EQ((*oa)[i].filled_qty, (*ob)[i].filled_qty);
            EXPECT_EQ((*oa)[i].request.qty, (*ob)[i].request.qty);
        }
        // Each order was placed exactly once: one OrderPlaced per recorded intent.
        std::size_t placed = 0;
        for (const auto& e : *jb) {
            placed += e.type == "OrderPlaced" ? 1U : 0U;
        }
        EXPECT_EQ(placed, ob->size());
        auto fa = a->fills();
        auto fb = b->fills();
        ASSERT_TRUE(fa && fb);
        ASSERT_EQ(fa->size(), fb->size());
        for (std::size_t i = 0; i < fa->size(); ++i) {
            EXPECT_EQ((*fa)[i].order_id, (*fb)[i].order_id);
            EXPECT_EQ((*fa)[i].qty, (*fb)[i].qty);
            EXPECT_EQ((*fa)[i].price, (*fb)[i].price);
            EXPECT_EQ((*fa)[i].fee, (*fb)[i].fee);
        }
        EXPECT_EQ(*a->balance("USDT"), *b->balance("USDT"));
        auto sa = a->last_snapshot();
        auto sb = b->last_snapshot();
        ASSERT_TRUE(sa && sb && *sa && *sb);
        EXPECT_EQ((*sa)->cash, (*sb)->cash);
        EXPECT_EQ((*sa)->equity, (*sb)->equity);
        EXPECT_EQ((*sa)->body, (*sb)->body);  // positions, risk state
    }

    fs::path dir_;
};

TEST_F(PaperCrashTest, TwentyFourSigkillsEndWhereAnUninterruptedRunEnds) {
    const Outcome whole = run("whole.db");
    ASSERT_EQ(whole.exit_code, 0) << whole.err;
    auto reference = open("whole.db");
    ASSERT_NE(reference, nullptr);
    auto ref_orders = reference->orders();
    ASSERT_TRUE(ref_orders);
    ASSERT_GT(ref_orders->size(), 40U) << "the feed must make the strategy trade";
    // Crash points of a whole run: one per journaled event plus one per order intent.
    const auto points = static_cast<long long>(reference->journal_size() + ref_orders->size());
    reference.reset();

    std::mt19937_64 rng(8);  // fixed seed: the same kill moments every run
    std::uniform_int_distribution<long long> step(1, points / 30);
    int kills = 0;
    for (int i = 0; i < 24; ++i) {
        const Outcome r = run("crashed.db", crash_after(step(rng)));
        if (!r.killed) {
            ASSERT_EQ(r.exit_code, 0) << r.err;
            break;  // the run ended before its crash point
        }
        ++kills;
    }
    // A few kills from outside at random moments as well (one may land after the end).
    for (int i = 0; i < 4; ++i) {
        const auto delay =
            std::chrono::microseconds(std::uniform_int_distribution<int>(2'000, 60'000)(rng));
        const Outcome r = run("crashed.db", kill_after(delay));
        if (!r.killed) {
            ASSERT_EQ(r.exit_code, 0) << r.err;
        }
    }
    const Outcome last = run("crashed.db");
    EXPECT_GE(kills, 20);
    ASSERT_EQ(last.exit_code, 0) << last.err;
    EXPECT_NE(last.out.find("feed          ended"), std::string::npos) << last.out;
    EXPECT_NE(last.out.find("journal, venue and state agree"), std::string::npos) << last.out;
    for (const char* key : {"cash ", "equity ", "fills ", "position"}) {
        EXPECT_EQ(lines_starting(whole.out, key), lines_starting(last.out, key)) << key;
    }
    expect_same_state("whole.db", "crashed.db");
}

TEST_F(PaperCrashTest, RestartAfterTheEndChangesNothingAndResendsNothing) {
    ASSERT_EQ(run("s.db").exit_code, 0);
    const Outcome again = run("s.db");
    ASSERT_EQ(again.exit_code, 0) << again.err;
    EXPECT_NE(again.out.find("orders        0 sent by this process"), std::string::npos)
        << again.out;
    EXPECT_NE(again.out.find(", 0 new)"), std::string::npos) << again.out;
    EXPECT_NE(again.out.find("start 2"), std::string::npos);
}

TEST_F(PaperCrashTest, TruncatedStateFileIsRefusedAndLeftAlone) {
    ASSERT_EQ(run("t.db").exit_code, 0);
    const auto path = dir_ / "t.db";
    const auto size = fs::file_size(path);
    fs::resize_file(path, size / 3);
    const Outcome r = run("t.db");
    EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
    EXPECT_NE(r.err.find("corrupt or truncated"), std::string::npos) << r.err;
    EXPECT_EQ(r.out.find("paper"), std::string::npos) << "must not trade: " << r.out;
    EXPECT_EQ(fs::file_size(path), size / 3);
}

TEST_F(PaperCrashTest, CorruptStateFileIsRefused) {
    ASSERT_EQ(run("c.db").exit_code, 0);
    {
        std::fstream f(dir_ / "c.db", std::ios::in | std::ios::out | std::ios::binary);
        f.seekp(0);
        f.write("garbage garbage!", 16);  // the SQLite header
    }
    const Outcome r = run("c.db");
    EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
    EXPECT_NE(r.err.find("corrupt or truncated"), std::string::npos) << r.err;
}

TEST_F(PaperCrashTest, FullDiskHaltsTradingAndARestartWithSpaceCatchesUp) {
    const Outcome whole = run("whole.db");
    ASSERT_EQ(whole.exit_code, 0) << whole.err;
    const Outcome full = run("full.db", file_size_limit(rlim_t{256} * 1024));
    EXPECT_EQ(full.exit_code, 4) << full.out << full.err;
    EXPECT_NE(full.err.find("trading halted"), std::string::npos) << full.err;
    EXPECT_EQ(full.out.find("feed          ended"), std::string::npos);
    // The file is consistent: with space again the session resumes and ends as if never halted.
    const Outcome resumed = run("full.db");
    ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
    EXPECT_EQ(lines_starting(whole.out, "equity "), lines_starting(resumed.out, "equity "));
    expect_same_state("whole.db", "full.db");
}

TEST_F(PaperCrashTest, TelegramGetsTheHaltAlertWithoutTheToken) {
    testing::StubBotApi api;
    ASSERT_EQ(run("tg.db").exit_code, 0);
    fs::resize_file(dir_ / "tg.db", fs::file_size(dir_ / "tg.db") / 3);
    RunOptions o;
    o.extra = {"--telegram", "--telegram-api", api.base()};
    const Outcome r = run("tg.db", o);
    EXPECT_EQ(r.exit_code, 3) << r.err;
    const auto reqs = api.requests();
    ASSERT_EQ(reqs.size(), 1U) << r.err;
    EXPECT_EQ(reqs[0].target, std::string("/bot") + testing::kToken + "/sendMessage");
    EXPECT_EQ(reqs[0].body["chat_id"], "987654321");
    const std::string text = reqs[0].body["text"].get<std::string>();
    EXPECT_NE(text.find("ats paper stopped"), std::string::npos) << text;
    EXPECT_NE(text.find("corrupt or truncated"), std::string::npos) << text;
    EXPECT_NE(r.err.find("telegram: 1 sent"), std::string::npos) << r.err;
    EXPECT_EQ(r.err.find(testing::kToken), std::string::npos);
    EXPECT_EQ(r.out.find(testing::kToken), std::string::npos);
}

TEST_F(PaperCrashTest, SigtermStopsAPacedSessionCleanlyAndItResumes) {
    const Outcome whole = run("whole.db");
    ASSERT_EQ(whole.exit_code, 0) << whole.err;
    RunOptions o;
    o.extra = {"--speed", "360000x"};  // an hour of bars every 10 ms
    o.kill = std::chrono::milliseconds(700);
    o.signal = SIGTERM;
    const Outcome stopped = run("paced.db", o);
    EXPECT_FALSE(stopped.signaled);
    ASSERT_EQ(stopped.exit_code, 0) << stopped.err;
    EXPECT_NE(stopped.out.find("stopped (state saved)"), std::string::npos) << stopped.out;
    const Outcome resumed = run("paced.db");
    ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
    EXPECT_NE(resumed.out.find("feed          ended"), std::string::npos);
    EXPECT_EQ(resumed.out.find("(0 replayed"), std::string::npos) << resumed.out;
    EXPECT_EQ(lines_starting(whole.out, "equity "), lines_starting(resumed.out, "equity "));
    expect_same_state("whole.db", "paced.db");
}

TEST_F(PaperCrashTest, AnotherSessionsStateFileIsRefused) {
    ASSERT_EQ(run("x.db").exit_code, 0);
    std::ofstream(dir_ / "paper.toml", std::ios::app) << "max_open_orders = 3\n";
    const Outcome r = run("x.db");
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_NE(r.err.find("another paper session"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace ats
