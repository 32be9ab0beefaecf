#pragma once

#include <optional>
#include <string>

namespace ats::cli {

/// Flags of `ats train`; see docs/ml.md.
struct TrainArgs {
    std::string asset = "BTCUSDT";
    std::string data;
    std::string model = "xgboost";
    std::string label = "forward_return:1";
    std::string walk_forward = "train=8760h,test=720h,embargo=24h";
    std::optional<std::string> features;
    std::optional<std::string> to;       ///< use only bars opening before this UTC date/time
    std::optional<std::string> altdata;  ///< [altdata] config for alternative-data features
    std::string output = "out/model";
    int rounds = 200;
    int trees = 100;
    int max_depth = 4;
    double learning_rate = 0.05;
    int seed = 42;
    int threads = 2;
    bool no_progress = false;
    std::string db = "ats.db";  ///< model registry
    bool no_db = false;
};

/// Flags of `ats predict`.
struct PredictArgs {
    std::string model;
    std::string data;
    std::string output = "preds.csv";
    std::optional<std::string> dump_features;
    std::optional<std::string> altdata;  ///< overrides the model's recorded [altdata] config
};

int run_train(const TrainArgs& args);

/// `ats models list`: the model registry in SQLite, most recent first.
int run_models_list(const std::string& db_path, std::size_t limit);
int run_predict(const PredictArgs& args);

}  // namespace ats::cli
