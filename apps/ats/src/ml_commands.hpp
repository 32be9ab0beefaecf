#pragma once

#include <memory>
#include <optional>
#include <string>

#include "ats/core/error.hpp"
#include "ats/ml/features.hpp"

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
    bool ablation = false;  ///< with and without the alternative-data features (docs/altdata.md)
    std::size_t permutations = 1000;
    double fee_bps = 10;  ///< costs of the ablation's traded Sharpe
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

/// `--features`: a comma list ("ret_1,rsi_14") or a TOML file with `features = [...]`.
Result<ml::FeatureSet> features_from_flag(const std::string& flag);
/// The alternative data a feature set needs: from `flag` (--altdata FILE), else from the
/// features TOML when it has an [altdata] table; null when the set needs none. `path` gets the
/// config's path (for a model's metadata).
Result<std::shared_ptr<const altdata::AltData>> altdata_for(
    const ml::FeatureSet& set,
    const std::optional<std::string>& flag,
    const std::optional<std::string>& features_flag,
    std::string& path);

/// `ats models list`: the model registry in SQLite, most recent first.
int run_models_list(const std::string& db_path, std::size_t limit);
int run_predict(const PredictArgs& args);

}  // namespace ats::cli
