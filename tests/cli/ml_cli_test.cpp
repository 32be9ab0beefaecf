// Runs `ats train`, `ats predict` and `ats backtest --strategy ml` as a user would.
#include <array>
#include <cmath>
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

#include "ats/ml/booster.hpp"

#include "../data/temp_file.hpp"

namespace {

using ats::testing::bundled_file;

struct Run {
    int code = -1;
    std::string out;
};

Run run(const std::string& args) {
    const std::string cmd = std::string(ATS_CLI_PATH) + " " + args + " 2>/dev/null";
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
    return r;
}

std::vector<std::vector<std::string>> read_csv(const std::string& path) {
    std::ifstream in(path);
    std::vector<std::vector<std::string>> rows;
    std::string line;
    while (std::getline(in, line)) {
        std::vector<std::string> cells;
        std::stringstream ss(line);
        std::string cell;
        while (std::getline(ss, cell, ',')) {
            cells.push_back(cell);
        }
        rows.push_back(std::move(cells));
    }
    return rows;
}

TEST(MlCliTest, TrainPredictBacktest) {
    const auto dir =
        std::filesystem::temp_directory_path() / ("ats_ml_cli_" + std::to_string(::getpid()));
    const auto model = (dir / "model").string();
    const auto data = bundled_file("BTCUSDT_1h_2021-04_2025-12.csv");
    const auto train =
        run("train --asset BTCUSDT --data " + data +
            " --model ensemble --rounds 20 --trees 20 --label forward_return:1 --to 2025-01-01 "
            "--walk-forward train=8760h,test=4380h,embargo=24h --no-progress --db " +
            (dir / "registry.db").string() + " --output " + model);
    ASSERT_EQ(train.code, 0) << train.out;
    // The model is in the registry.
    const auto models = run("models list --db " + (dir / "registry.db").string());
    ASSERT_EQ(models.code, 0);
    EXPECT_NE(models.out.find("ensemble"), std::string::npos) << models.out;
    EXPECT_NE(models.out.find(model), std::string::npos) << models.out;
    EXPECT_NE(train.out.find("previous direction"), std::string::npos);
    for (const char* file :
         {"metadata.json",
          "xgboost.json",
          "random_forest.json",
          "walk_forward.json",
          "folds.csv",
          "oos_predictions.csv",
          "importance.csv",
          "report.html"}) {
        EXPECT_TRUE(std::filesystem::exists(std::filesystem::path(model) / file)) << file;
    }
    std::ifstream meta_in(std::filesystem::path(model) / "metadata.json");
    const auto meta = nlohmann::json::parse(meta_in);
    EXPECT_EQ(meta.at("label"), "forward_return:1");
    EXPECT_LT(meta.at("train_to").get<std::string>(), "2025-01-01");
    const double w0 = meta.at("members")[0].at("weight").get<double>();
    const double w1 = meta.at("members")[1].at("weight").get<double>();
    EXPECT_NEAR(w0 + w1, 1.0, 1e-12);

    // preds.csv equals XGBoost's own prediction on the dumped feature rows.
    const auto preds = (dir / "preds.csv").string();
    const auto features = (dir / "features.csv").string();
    const auto predict =
        run("predict --model " + model + " --data " + data + " --output " + preds +
            " --dump-features " + features);
    ASSERT_EQ(predict.code, 0);
    const auto p = read_csv(preds);
    const auto f = read_csv(features);
    ASSERT_EQ(p.size(), f.size());
    ASSERT_GT(p.size(), 40'000U);
    EXPECT_EQ(p[0][0], "open_time");
    EXPECT_EQ(p[0][1], "probability");
    const std::size_t cols = f[0].size() - 1;
    std::vector<float> x;
    const std::size_t n = 3'000;
    for (std::size_t i = 1; i <= n; ++i) {
        EXPECT_EQ(f[i][0], p[i][0]);
        for (std::size_t c = 1; c <= cols; ++c) {
            x.push_back(static_cast<float>(std::stod(f[i][c])));
        }
    }
    std::vector<double> expected(n, 0.0);
    for (int m = 0; m < 2; ++m) {
        const auto& member = meta.at("members")[static_cast<std::size_t>(m)];
        auto booster = ats::ml::Booster::load(
            (std::filesystem::path(model) / member.at("file").get<std::string>()).string());
        ASSERT_TRUE(booster.has_value());
        const auto out = booster->predict(ats::ml::DenseRows{x, n, cols});
        ASSERT_TRUE(out.has_value());
        for (std::size_t i = 0; i < n; ++i) {
            expected[i] += member.at("weight").get<double>() * (*out)[i];
        }
    }
    for (std::size_t i = 0; i < n; ++i) {
        EXPECT_NEAR(std::stod(p[i + 1][1]), expected[i], 2e-6) << i;
    }

    const auto bt =
        run("backtest --asset BTCUSDT --data " + data + " --strategy ml --model " + model +
            " --from 2025-01-01 --no-db --no-progress --report " + (dir / "bt").string());
    EXPECT_EQ(bt.code, 0) << bt.out;
    EXPECT_NE(bt.out.find("ml"), std::string::npos);
    // The real backtester on the walk-forward's out-of-sample probabilities only.
    const auto oos =
        run("backtest --asset BTCUSDT --data " + data + " --strategy ml --predictions " +
            (std::filesystem::path(model) / "oos_predictions.csv").string() +
            " --no-db --no-progress --report " + (dir / "bt_oos").string());
    EXPECT_EQ(oos.code, 0) << oos.out;
    EXPECT_NE(oos.out.find("trades"), std::string::npos);
    EXPECT_EQ(run("backtest --asset BTCUSDT --data " + data + " --strategy ml --no-db").code, 2);
    EXPECT_EQ(run("train --no-db --data " + data + " --label forward_return:x").code, 2);
    {
        const auto toml = std::filesystem::temp_directory_path() /
                          ("ats_features_" + std::to_string(::getpid()) + ".toml");
        std::ofstream(toml) << "features = [\"ret_1\", \"moon_7\"]\n";
        const auto bad = run("train --no-db --data " + data + " --features " + toml.string());
        EXPECT_EQ(bad.code, 2);
        std::filesystem::remove(toml);
    }
    std::filesystem::remove_all(dir);
}

}  // namespace
