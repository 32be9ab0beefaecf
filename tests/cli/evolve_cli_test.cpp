// `ats evolve` as a user runs it: on one process and under mpirun, and the exported hall of fame
// replayed with `ats backtest --config`.
#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <sys/wait.h>

#include "../data/temp_file.hpp"

namespace {

namespace fs = std::filesystem;

struct Outcome {
    int code = -1;
    std::string out;
};

Outcome shell(const std::string& cmd) {
    Outcome r;
    FILE* pipe = ::popen((cmd + " 2>&1").c_str(), "r");
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
    return r;
}

nlohmann::json read_json(const fs::path& path) {
    std::ifstream in(path);
    return nlohmann::json::parse(in);
}

std::string temp_dir(const std::string& name) {
    const fs::path dir =
        fs::temp_directory_path() / ("ats_evolve_" + name + "_" + std::to_string(::getpid()));
    fs::remove_all(dir);
    return dir.string();
}

std::string evolve_args(
    const std::string& out,
    const std::string& extra = "",
    const std::string& sizes = "--generations 4 --population 12 --islands 4") {
    return std::string(" evolve --data ") +
           ats::testing::bundled_file("BTCUSDT_1h_2021-04_2025-12.csv") + " " + sizes +
           " --seed 5 --hall-of-fame 2 --no-db --no-progress --output " + out + " " + extra;
}

TEST(EvolveCli, HallOfFameTomlReproducesTheSearchExactlyInBacktest) {
    const std::string out = temp_dir("toml");
    const Outcome r = shell(std::string(ATS_CLI_PATH) + evolve_args(out));
    ASSERT_EQ(r.code, 0) << r.out;
    EXPECT_NE(r.out.find("deflated Sharpe"), std::string::npos);
    EXPECT_TRUE(fs::exists(fs::path(out) / "report.html"));
    EXPECT_TRUE(fs::exists(fs::path(out) / "evolution.csv"));
    const auto summary = read_json(fs::path(out) / "summary.json");
    EXPECT_EQ(
        summary["trials"].get<std::uint64_t>(),
        summary["deflated_sharpe"]["trials"].get<std::uint64_t>());
    EXPECT_GE(summary["trials"].get<std::uint64_t>(), 4U * 12U * 5U);
    const auto& hof = summary["hall_of_fame"];
    ASSERT_EQ(hof.size(), 2U);
    for (const auto& entry : hof) {
        for (const auto& [key, period] :
             {std::pair{"config", "search"}, {"holdout_config", "holdout"}}) {
            const std::string config = entry[key].get<std::string>();
            const Outcome bt = shell(
                std::string(ATS_CLI_PATH) + " backtest --config " + config +
                " --no-db --no-progress --report " + out + "/bt_" + period);
            ASSERT_EQ(bt.code, 0) << bt.out;
            const auto metrics =
                read_json(fs::path(out) / ("bt_" + std::string(period)) / "metrics.json");
            // Same run, same numbers: exact equality of doubles written by the same code.
            EXPECT_EQ(metrics["sharpe"], entry[period]["sharpe"]) << config;
            EXPECT_EQ(metrics["trades"], entry[period]["trades"]) << config;
            EXPECT_EQ(metrics["final_equity"], entry[period]["final_equity"]) << config;
        }
    }
    // The search period ends where the holdout starts, and the holdout is last.
    EXPECT_LT(summary["periods"].get<std::string>().find("holdout"), std::string::npos);
    fs::remove_all(out);
}

TEST(EvolveCli, TwoMpiRanksGiveTheSameResultAsOne) {
    const std::string one = temp_dir("one");
    const std::string two = temp_dir("two");
    const Outcome a = shell(std::string(ATS_CLI_PATH) + evolve_args(one));
    ASSERT_EQ(a.code, 0) << a.out;
    const Outcome b = shell(
        "OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_plm=isolated "
        "OMPI_MCA_btl_vader_single_copy_mechanism=none mpirun --oversubscribe -np 2 " +
        std::string(ATS_CLI_PATH) + evolve_args(two));
    ASSERT_EQ(b.code, 0) << b.out;
    auto sa = read_json(fs::path(one) / "summary.json");
    auto sb = read_json(fs::path(two) / "summary.json");
    EXPECT_EQ(sa["processes"], 1);
    EXPECT_EQ(sb["processes"], 2);
    EXPECT_EQ(sa["history"], sb["history"]);
    EXPECT_EQ(sa["trials"], sb["trials"]);
    EXPECT_EQ(sa["deflated_sharpe"], sb["deflated_sharpe"]);
    ASSERT_EQ(sa["hall_of_fame"].size(), sb["hall_of_fame"].size());
    for (std::size_t i = 0; i < sa["hall_of_fame"].size(); ++i) {
        for (const char* key : {"fitness", "entry", "exit", "search", "holdout", "stop_loss_atr"}) {
            EXPECT_EQ(sa["hall_of_fame"][i][key], sb["hall_of_fame"][i][key]) << key;
        }
    }
    fs::remove_all(one);
    fs::remove_all(two);
}

TEST(EvolveCli, HyperparameterModeReportsWalkForwardAndHoldout) {
    const std::string out = temp_dir("hyper");
    const Outcome r = shell(
        std::string(ATS_CLI_PATH) +
        evolve_args(
            out,
            "--mode hyperparams --walk-forward train=8760h,test=4380h,embargo=24h",
            "--generations 1 --population 5 --islands 1"));
    ASSERT_EQ(r.code, 0) << r.out;
    const auto summary = read_json(fs::path(out) / "summary.json");
    EXPECT_EQ(summary["mode"], "hyperparams");
    ASSERT_GE(summary["hall_of_fame"].size(), 1U);
    const auto& best = summary["hall_of_fame"][0];
    EXPECT_GE(best["max_depth"].get<int>(), 2);
    EXPECT_LE(best["max_depth"].get<int>(), 8);
    EXPECT_TRUE(best["holdout"].contains("sharpe"));
    EXPECT_GT(best["walk_forward_auc"].get<double>(), 0.3);
    EXPECT_EQ(summary["trials"].get<int>(), 10);  // 5 initial + 5 offspring
    fs::remove_all(out);
}

TEST(EvolveCli, SearchesAreRecordedInSqlite) {
    const std::string out = temp_dir("db");
    const std::string db = out + ".db";
    std::string args = evolve_args(out, "", "--generations 2 --population 8 --islands 2");
    args.replace(args.find("--no-db"), 7, "--db " + db);
    const Outcome r = shell(std::string(ATS_CLI_PATH) + args);
    ASSERT_EQ(r.code, 0) << r.out;
    const Outcome list = shell(std::string(ATS_CLI_PATH) + " evolutions list --db " + db);
    ASSERT_EQ(list.code, 0) << list.out;
    EXPECT_NE(list.out.find("strategy"), std::string::npos) << list.out;
    EXPECT_NE(list.out.find("BTCUSDT"), std::string::npos) << list.out;
    EXPECT_NE(list.out.find("entry: "), std::string::npos) << list.out;
    EXPECT_EQ(
        shell(std::string(ATS_CLI_PATH) + " evolutions list --db " + out + "_none.db").code, 4);
    fs::remove_all(out);
    fs::remove(db);
}

TEST(EvolveCli, BadArgumentsAreUsageErrors) {
    EXPECT_EQ(shell(std::string(ATS_CLI_PATH) + " evolve --algorithm annealing").code, 2);
    EXPECT_EQ(shell(std::string(ATS_CLI_PATH) + " evolve --population 2").code, 2);
    EXPECT_EQ(
        shell(std::string(ATS_CLI_PATH) + " evolve --data /nonexistent/x.csv --no-db").code, 4);
    const Outcome r =
        shell(std::string(ATS_CLI_PATH) + evolve_args(temp_dir("bad"), "--holdout 1.5"));
    EXPECT_EQ(r.code, 2) << r.out;
    EXPECT_NE(r.out.find("holdout"), std::string::npos);
}

}  // namespace
