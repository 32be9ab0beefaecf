// Runs the real `ats indicators` command.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

namespace {

int run(const std::string& args) {
    const std::string cmd = std::string(ATS_CLI_PATH) + " " + args + " 2>/dev/null";
    const int status = std::system(cmd.c_str());
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string temp_path(const char* name) {
    return (std::string(::testing::TempDir()) + "/ats_ind_" + std::to_string(::getpid()) + "_") +
           name;
}

TEST(IndicatorsCliTest, WritesNamedColumnsWithEmptyCellsBeforeTheLookback) {
    const std::string out = temp_path("out.csv");
    const std::string data = std::string(ATS_BUNDLED_DATA_DIR) + "/BTCUSDT_1h_2021-04_2025-12.csv";
    ASSERT_EQ(
        run("indicators --data " + data + " --set 'sma:20,macd:12:26:9,obv' --output " + out), 0);
    std::ifstream in(out);
    std::string header;
    std::getline(in, header);
    EXPECT_EQ(
        header,
        "open_time,sma_20,macd_12_26_9_macd,macd_12_26_9_macdsignal,macd_12_26_9_macdhist,obv");
    std::string line;
    std::getline(in, line);
    EXPECT_EQ(line, "1617566400000,,,,,1240.209016");  // OBV starts at the first volume
    for (int i = 1; i <= 19; ++i) {
        std::getline(in, line);
    }
    // Row 19 holds the first SMA(20); the golden test checks the value itself.
    std::istringstream row(line);
    std::string time;
    std::string sma;
    std::getline(row, time, ',');
    std::getline(row, sma, ',');
    EXPECT_EQ(time, "1617634800000");
    EXPECT_FALSE(sma.empty());
    EXPECT_TRUE(std::isfinite(std::stod(sma)));
    int lines = 2 + 19;
    while (std::getline(in, line)) {
        ++lines;
    }
    EXPECT_EQ(lines, 40'846 + 1);
    std::remove(out.c_str());
}

TEST(IndicatorsCliTest, BadSetIsAUsageError) {
    const std::string data = std::string(ATS_BUNDLED_DATA_DIR) + "/BTCUSDT_1h_2021-04_2025-12.csv";
    const std::string out = temp_path("bad.csv");
    EXPECT_EQ(run("indicators --data " + data + " --set 'nosuch:3' --output " + out), 2);
    EXPECT_EQ(run("indicators --data " + data + " --set 'rsi:1' --output " + out), 2);
    EXPECT_EQ(run("indicators --data " + data + " --output " + out), 2);  // --set is required
    EXPECT_EQ(run("indicators --data /nonexistent/file.csv --set rsi --output " + out), 4);
}

}  // namespace
