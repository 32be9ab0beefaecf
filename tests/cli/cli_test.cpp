// Runs the real `ats` binary as a user would and checks output and exit codes.
#include <algorithm>
#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <sys/wait.h>
#include <unistd.h>

#include "ats/data/kline_csv.hpp"

#include "../data/temp_file.hpp"

namespace {

using ats::testing::bundled_file;
using ats::testing::data_file;
using ats::testing::TempFile;

struct Run {
    int code = -1;
    std::string out;
    std::string err;
};

Run run(const std::string& args) {
    TempFile err_file("", "stderr.txt");
    const std::string cmd = std::string(ATS_CLI_PATH) + " " + args + " 2>" + err_file.path();
    Run r;
    FILE* pipe = ::popen(cmd.c_str(), "r");
    if (pipe == nullptr) {
        return r;
    }
    std::array<char, 4096> buf{};
    std::size_t n = 0;
    while ((n = std::fread(buf.data(), 1, buf.size(), pipe)) > 0) {
        r.out.append(buf.data(), n);
    }
    const int status = ::pclose(pipe);
    r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    std::ifstream in(err_file.path());
    std::stringstream ss;
    ss << in.rdbuf();
    r.err = ss.str();
    return r;
}

TEST(CliTest, VersionAndHelp) {
    const auto version = run("--version");
    EXPECT_EQ(version.code, 0);
    EXPECT_NE(version.out.find("ats 0."), std::string::npos);
    const auto help = run("--help");
    EXPECT_EQ(help.code, 0);
    EXPECT_NE(help.out.find("data"), std::string::npos);
}

TEST(CliTest, UsageErrorsExitTwo) {
    EXPECT_EQ(run("").code, 2);
    EXPECT_EQ(run("frobnicate").code, 2);
    EXPECT_EQ(run("data inspect").code, 2);
    const auto bad_policy =
        run("data inspect " + bundled_file("BTCUSDT_1h_2021-04_2025-12.csv") + " --policy lenient");
    EXPECT_EQ(bad_policy.code, 2);
    const auto bad_interval =
        run("data inspect " + bundled_file("BTCUSDT_1h_2021-04_2025-12.csv") + " --interval 7x");
    EXPECT_EQ(bad_interval.code, 2);
    EXPECT_NE(bad_interval.err.find("interval '7x'"), std::string::npos);
}

TEST(CliTest, InspectsBundledFile) {
    const auto r = run("data inspect " + bundled_file("BTCUSDT_1h_2021-04_2025-12.csv"));
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_NE(r.out.find("rows          40846"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("5 runs, 12 missing bars"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("high 126199.63 at 2025-10-06T18:00:00Z"), std::string::npos) << r.out;
    EXPECT_TRUE(r.err.empty()) << r.err;
}

TEST(CliTest, InspectJsonHasCountsForBothTimeUnits) {
    for (const char* name :
         {"ETHUSDT-1m-2024-08-08-binance-ms.csv", "ETHUSDT-1m-2024-08-08-binance-us.csv"}) {
        const auto r = run("data inspect --json " + data_file(name));
        ASSERT_EQ(r.code, 0) << r.err;
        const auto j = nlohmann::json::parse(r.out);
        EXPECT_EQ(j["rows"], 10);
        EXPECT_EQ(j["layout"], "binance");
        EXPECT_EQ(j["interval"], "1m");
        EXPECT_EQ(j["first_open_time"], "2024-08-08T23:55:00Z");
        EXPECT_EQ(j["gaps"]["missing_bars"], 0);
        EXPECT_EQ(j["bad_rows"]["total"], 0);
    }
    const auto ms = nlohmann::json::parse(
        run("data inspect --json " + data_file("ETHUSDT-1m-2024-08-08-binance-ms.csv")).out);
    const auto us = nlohmann::json::parse(
        run("data inspect --json " + data_file("ETHUSDT-1m-2024-08-08-binance-us.csv")).out);
    EXPECT_EQ(ms["time_unit"], "ms");
    EXPECT_EQ(us["time_unit"], "us");
    EXPECT_EQ(ms["volume"], us["volume"]);
}

TEST(CliTest, BadDataExitsThreeWithFileLine) {
    TempFile f(
        "open_time_ms,open,high,low,close,volume\n1700000000000,1,2,0.5,1.5,10\n"
        "1700000060000,1,2,0.5,oops,10\n",
        "broken.csv");
    const auto strict = run("data inspect " + f.path());
    EXPECT_EQ(strict.code, 3);
    EXPECT_NE(strict.err.find("broken.csv:3: column 'close': 'oops'"), std::string::npos)
        << strict.err;
    EXPECT_TRUE(strict.out.empty());
    const auto skip = run("data inspect --json --policy skip " + f.path());
    ASSERT_EQ(skip.code, 0) << skip.err;
    const auto j = nlohmann::json::parse(skip.out);
    EXPECT_EQ(j["rows"], 1);
    EXPECT_EQ(j["bad_rows"]["by_kind"]["bad_number"], 1);
    EXPECT_EQ(j["examples"][0]["line"], 3);
}

TEST(CliTest, InspectTotalsBeyondTheFixedPointRange) {
    // Each quote volume fits (5e10 < 9.2e10) but their sum does not: the summary must not overflow.
    TempFile f(
        "open_time_ms,open,high,low,close,volume,quote_volume\n"
        "1700000000000,1,2,0.5,1.5,10,50000000000\n"
        "1700000060000,1,2,0.5,1.5,10,50000000000\n"
        "1700000120000,1,2,0.5,1.5,10,50000000000\n");
    const auto r = run("data inspect --json " + f.path());
    ASSERT_EQ(r.code, 0) << r.err;
    const auto j = nlohmann::json::parse(r.out);
    EXPECT_DOUBLE_EQ(j["volume"]["quote_total"].get<double>(), 1.5e11);
    EXPECT_DOUBLE_EQ(j["volume"]["total"].get<double>(), 30.0);
}

TEST(CliTest, MissingFileExitsFour) {
    const auto r = run("data inspect /nonexistent/file.csv");
    EXPECT_EQ(r.code, 4);
    EXPECT_NE(r.err.find("/nonexistent/file.csv: cannot open"), std::string::npos) << r.err;
}

TEST(CliTest, ResampleWritesReadableFile) {
    TempFile out("", "btc_4h.csv");
    const auto r =
        run("data resample " + bundled_file("BTCUSDT_1m_2024-12.csv") + " --to 4h --output " +
            out.path());
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_NE(r.err.find("incomplete"), std::string::npos);
    auto loaded = ats::data::load_klines_csv(out.path(), {});
    ASSERT_TRUE(loaded) << loaded.error().message;
    // 2024-11-30 23:00 .. 2024-12-29 23:00 in 4h buckets: 20:00 (partial) to 20:00 (partial).
    EXPECT_EQ(loaded->series.size(), 175U);
    EXPECT_EQ(loaded->series.interval(), ats::Duration::from_hours(4));
    EXPECT_EQ(
        run("data resample " + bundled_file("BTCUSDT_1m_2024-12.csv") + " --to 7m --output " +
            out.path())
            .code,
        2);
}

std::string slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

TEST(CliTest, BacktestWritesReportsAndRecordsTheRun) {
    TempFile dir("", "placeholder");
    const std::string base = dir.path() + ".d";
    const std::string db = base + "/runs.db";
    const std::string args =
        "backtest --data " + std::string(ATS_BUNDLED_DATA_DIR) +
        " --asset BTCUSDT --strategy sma_cross -p fast=10 -p slow=30 --sizing all_in"
        " --fee-bps 10 --no-progress --plotly /nonexistent.js --db " +
        db;
    const auto first = run(args + " --report " + base + "/a");
    ASSERT_EQ(first.code, 0) << first.err;
    EXPECT_NE(first.out.find("trades        820 closed"), std::string::npos) << first.out;
    EXPECT_NE(
        first.err.find("report.html not written"), std::string::npos);  // no Plotly: clear warning
    const auto metrics = nlohmann::json::parse(slurp(base + "/a/metrics.json"));
    EXPECT_EQ(metrics["trades"], 820);
    EXPECT_NEAR(metrics["final_equity"].get<double>(), 3769.7596, 1e-3);
    EXPECT_TRUE(metrics.contains("max_drawdown_pct"));
    EXPECT_TRUE(metrics.contains("sharpe"));
    const std::string trades = slurp(base + "/a/trades.csv");
    EXPECT_EQ(
        trades.rfind(
            "symbol,side,entry_time_ms,entry_price,exit_time_ms,exit_price,quantity,pnl_gross,fees,"
            "pnl_net\n",
            0),
        0U);
    EXPECT_EQ(std::count(trades.begin(), trades.end(), '\n'), 821);
    EXPECT_EQ(slurp(base + "/a/equity.csv").rfind("time_ms,equity\n", 0), 0U);
    // The same run again: byte-identical outputs.
    const auto second = run(args + " --report " + base + "/b");
    ASSERT_EQ(second.code, 0);
    for (const char* f : {"trades.csv", "equity.csv", "metrics.json", "config.toml"}) {
        EXPECT_EQ(slurp(base + "/a/" + f), slurp(base + "/b/" + f)) << f;
    }
    const auto list = run("runs list --db " + db);
    ASSERT_EQ(list.code, 0) << list.err;
    EXPECT_NE(list.out.find("sma_cross"), std::string::npos);
    const auto show = run("runs show 2 --trades --db " + db);
    ASSERT_EQ(show.code, 0) << show.err;
    EXPECT_NE(show.out.find("\"trades\": 820"), std::string::npos);
    EXPECT_EQ(run("runs show 99 --db " + db).code, 2);
    std::filesystem::remove_all(base);
}

TEST(CliTest, BacktestConfigErrorsNameTheKey) {
    TempFile bad_key("[backtest]\ncash = 1000\nleverage = 3\n", "bad.toml");
    const auto r = run("backtest --no-db --config " + bad_key.path());
    EXPECT_EQ(r.code, 2);
    EXPECT_NE(r.err.find("[backtest] leverage: unknown key"), std::string::npos) << r.err;
    TempFile bad_value("[risk]\nstop_loss_atr = \"wide\"\n", "bad2.toml");
    const auto v = run("backtest --no-db --config " + bad_value.path());
    EXPECT_EQ(v.code, 2);
    EXPECT_NE(v.err.find("[risk] stop_loss_atr"), std::string::npos) << v.err;
    TempFile broken("[backtest\n", "broken.toml");
    const auto b = run("backtest --no-db --config " + broken.path());
    EXPECT_EQ(b.code, 2);
    EXPECT_NE(b.err.find("broken.toml:1"), std::string::npos) << b.err;
    const auto p =
        run("backtest --no-db --data " + std::string(ATS_BUNDLED_DATA_DIR) + " -p fast=ten");
    EXPECT_EQ(p.code, 2);
    EXPECT_NE(p.err.find("--param 'fast=ten'"), std::string::npos);
    const auto s =
        run("backtest --no-db --data " + std::string(ATS_BUNDLED_DATA_DIR) + " -p fats=3");
    EXPECT_EQ(s.code, 2);
    EXPECT_NE(s.err.find("'fats'"), std::string::npos) << s.err;
    const auto missing =
        run("backtest --no-db --data " + std::string(ATS_BUNDLED_DATA_DIR) + " --asset SOLUSDT");
    EXPECT_EQ(missing.code, 4);
    EXPECT_NE(missing.err.find("SOLUSDT"), std::string::npos);
}

// Every number a user gives is range-checked and named; nothing runs with a nonsense value.
TEST(CliTest, OutOfRangeInputsAreRefusedNamingTheFlagOrKey) {
    const std::string data = " --no-db --data " + std::string(ATS_BUNDLED_DATA_DIR);
    struct Case {
        std::string args;
        std::string needle;
    };
    const std::vector<Case> flags{
        {"--fee-bps 20000", "--fee-bps"},
        {"--fee-bps nan", "--fee-bps"},
        {"--fee-bps -1", "--fee-bps"},
        {"--cash 0", "--cash"},
        {"--cash inf", "--cash"},
        {"--cash 1e30", "--cash"},
        {"--slippage fixed:5000", "fixed:5000"},
        {"--slippage fixed:nan", "fixed:nan"},
        {"--slippage volume:0:5", "volume:0:5"},
        {"--slippage-bps 2000", "--slippage-bps"},
    };
    for (const auto& c : flags) {
        const auto r = run("backtest" + data + " " + c.args);
        EXPECT_EQ(r.code, 2) << c.args << ": " << r.err;
        EXPECT_NE(r.err.find(c.needle), std::string::npos) << c.args << ": " << r.err;
    }
    const std::vector<Case> keys{
        {"[backtest]\ncash = true\n", "[backtest] cash"},
        {"[backtest]\ncash = \"1000\"\n", "[backtest] cash"},
        {"[backtest]\nwarmup_bars = 2.5\n", "[backtest] warmup_bars"},
        {"[backtest]\nfee_bps = 20000\n", "[backtest] fee_bps"},
        {"[risk]\nmax_drawdown_pct = 1.5\n", "[risk] max_drawdown_pct"},
        {"[risk]\natr_period = 0\n", "[risk] atr_period"},
        {"[risk]\nmax_open_orders = 2.5\n", "[risk] max_open_orders"},
        {"[strategy.params]\nfast = nan\n", "[strategy.params] fast"},
    };
    for (const auto& c : keys) {
        TempFile config(c.args, "range.toml");
        const auto r = run("backtest" + data + " --config " + config.path());
        EXPECT_EQ(r.code, 2) << c.args << ": " << r.err;
        EXPECT_NE(r.err.find(c.needle), std::string::npos) << c.args << ": " << r.err;
    }
    // A missing config file is an I/O error; a directory is a usage error.
    const auto missing = run("backtest" + data + " --config /nonexistent/ats.toml");
    EXPECT_EQ(missing.code, 4) << missing.err;
    const auto dir = run("backtest" + data + " --config " + std::string(ATS_BUNDLED_DATA_DIR));
    EXPECT_EQ(dir.code, 2) << dir.err;
    EXPECT_NE(dir.err.find("not a file"), std::string::npos) << dir.err;
}

// Review finding: 60 days of BTC 1m bars hold 96e9 USDT of quote volume, past the old 64-bit
// money range ("Money overflow").
TEST(CliTest, ResamplingPastTheOldMoneyRangeWorks) {
    TempFile out("", "btc_60d.csv");
    const auto r =
        run("data resample " + std::string(ATS_BUNDLED_DATA_DIR) +
            "/BTCUSDT_1m_2024-12.csv --to 60d " + "--output " + out.path());
    ASSERT_EQ(r.code, 0) << r.err;
    std::ifstream in(out.path());
    std::string header;
    std::string row;
    std::getline(in, header);
    std::getline(in, row);
    EXPECT_NE(row.find(",96036262884.44708328,"), std::string::npos) << row;
}

TEST(CliTest, HeaderOnlyCsvIsBadData) {
    TempFile header("open_time_ms,open,high,low,close,volume\n", "BTCUSDT_1h.csv");
    const auto r = run("backtest --no-db --asset BTCUSDT --data " + header.path());
    EXPECT_EQ(r.code, 3) << r.err;
    EXPECT_NE(r.err.find("no bars"), std::string::npos) << r.err;
}

// Text from input files never reaches the terminal raw (an escape sequence could rewrite it).
TEST(CliTest, ControlCharactersFromFilesAreEscaped) {
    TempFile evil(
        "open_time_ms,open,high,low,close,volume\n1700000000000,1,1,1,\x1b[2J\x07,1\n", "evil.csv");
    const auto r = run("data inspect " + evil.path());
    EXPECT_EQ(r.code, 3);
    EXPECT_EQ(r.err.find('\x1b'), std::string::npos) << r.err;
    EXPECT_EQ(r.err.find('\x07'), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("\\x1b"), std::string::npos) << r.err;
}

TEST(CliTest, PredictionsFileMustHaveOneProbabilityPerBar) {
    const std::string data = " --no-db --data " + std::string(ATS_BUNDLED_DATA_DIR) +
                             " --strategy ml --from 2024-01-01 --to 2024-02-01";
    TempFile empty("open_time,probability\n", "empty_preds.csv");
    const auto e = run("backtest" + data + " --predictions " + empty.path());
    EXPECT_EQ(e.code, 3) << e.err;
    EXPECT_NE(e.err.find("no predictions"), std::string::npos) << e.err;
    TempFile twice(
        "open_time,probability\n1704067200000,0.7\n1704067200000,0.2\n", "twice_preds.csv");
    const auto t = run("backtest" + data + " --predictions " + twice.path());
    EXPECT_EQ(t.code, 3) << t.err;
    EXPECT_NE(t.err.find("more than once"), std::string::npos) << t.err;
}

// The predictions' content is part of a run: the saved config names the file and its hash, and
// running that config after the file changed is refused.
TEST(CliTest, PredictionsAreInTheRunsIdentity) {
    const auto dir =
        std::filesystem::temp_directory_path() / ("ats_cli_preds_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    const std::string preds = (dir / "preds.csv").string();
    {
        std::ofstream out(preds);
        out << "open_time,probability\n";
        for (int h = 0; h < 500; ++h) {
            out << 1704067200000LL + 3'600'000LL * h << "," << (h % 48 < 24 ? 0.8 : 0.2) << "\n";
        }
    }
    const std::string base = " --no-db --data " + std::string(ATS_BUNDLED_DATA_DIR) +
                             " --strategy ml --from 2024-01-01 --to 2024-01-20 --report " +
                             (dir / "r1").string();
    const auto first = run("backtest" + base + " --predictions " + preds);
    ASSERT_EQ(first.code, 0) << first.err;
    std::ifstream saved((dir / "r1" / "config.toml").string());
    std::stringstream text;
    text << saved.rdbuf();
    EXPECT_NE(text.str().find("predictions_hash = \"fnv1a64:"), std::string::npos) << text.str();
    const auto again =
        run("backtest --no-db --config " + (dir / "r1" / "config.toml").string() + " --report " +
            (dir / "r2").string());
    EXPECT_EQ(again.code, 0) << again.err;
    {
        std::ofstream out(preds, std::ios::app);
        out << 1704067200000LL + 3'600'000LL * 600 << ",0.9\n";
    }
    const auto changed =
        run("backtest --no-db --config " + (dir / "r1" / "config.toml").string() + " --report " +
            (dir / "r3").string());
    EXPECT_EQ(changed.code, 2) << changed.err;
    EXPECT_NE(changed.err.find("changed"), std::string::npos) << changed.err;
    std::filesystem::remove_all(dir);
}

TEST(CliTest, ExchangeSimulatorRefusesBadNumbers) {
    const std::string data =
        " --api-key k --api-secret s --data BTCUSDT=" + std::string(ATS_BUNDLED_DATA_DIR) +
        "/BTCUSDT_1m_2024-12.csv";
    for (const std::string bad :
         {"--fee-bps -5", "--bar-ms -1", "--threads 0", "--weight-limit 0"}) {
        const auto r = run("exchange-sim --port 0" + data + " " + bad);
        EXPECT_EQ(r.code, 2) << bad << ": " << r.err;
        EXPECT_NE(r.err.find(bad.substr(0, bad.find(' '))), std::string::npos) << r.err;
    }
    const auto twice =
        run("exchange-sim --port 0" + data +
            " --data BTCUSDT=" + std::string(ATS_BUNDLED_DATA_DIR) + "/BTCUSDT_1m_2024-12.csv");
    EXPECT_EQ(twice.code, 2) << twice.err;
    EXPECT_NE(twice.err.find("twice"), std::string::npos) << twice.err;
}

// The paper state file is not the run history: the default is paper.db, and giving ats.db says
// what it is.
TEST(CliTest, PaperDefaultStateIsNotTheRunHistory) {
    const auto help = run("paper --help");
    EXPECT_NE(help.out.find("paper.db"), std::string::npos) << help.out;
    const auto dir =
        std::filesystem::temp_directory_path() / ("ats_cli_history_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    const std::string history = (dir / "ats.db").string();
    const std::string data = std::string(ATS_BUNDLED_DATA_DIR) + "/BTCUSDT_1h_2021-04_2025-12.csv";
    ASSERT_EQ(
        run("backtest --data " + data + " --from 2025-06-01 --db " + history + " --report " +
            (dir / "r").string())
            .code,
        0);
    const auto r = run("paper --assets BTCUSDT --feed replay:" + data + " --state " + history);
    EXPECT_EQ(r.code, 2) << r.err;
    EXPECT_NE(r.err.find("run history"), std::string::npos) << r.err;
    std::filesystem::remove_all(dir);
}

}  // namespace
