#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "ats/core/error.hpp"

namespace ats::store {

/// One closed trade as stored (exact decimal strings).
struct TradeRow {
    std::string symbol;
    std::string side;
    std::int64_t entry_time_ms = 0;
    std::string entry_price;
    std::int64_t exit_time_ms = 0;
    std::string exit_price;
    std::string quantity;
    std::string pnl_gross;
    std::string fees;
    std::string pnl_net;
};

/// A finished backtest run.
struct RunRecord {
    std::int64_t id = 0;  ///< assigned by the store
    std::string run_key;  ///< hash of the configuration
    std::int64_t created_ms = 0;
    std::string kind = "backtest";
    std::string strategy;
    std::string params;
    std::string assets;
    std::string config_toml;
    std::string metrics_json;
    std::string report_dir;
    double final_equity = 0;
    double total_return_pct = 0;
    double max_drawdown_pct = 0;
    double sharpe = 0;
    std::int64_t trades = 0;
};

/// A trained model in the registry: where it is, what it was trained on, how it scored out of
/// sample.
struct ModelRecord {
    std::int64_t id = 0;  ///< assigned by the store
    std::int64_t created_ms = 0;
    std::string asset;
    std::string model;  ///< xgboost | random_forest | ensemble
    std::string label;
    std::string features;
    std::int64_t train_from_ms = 0;
    std::int64_t train_to_ms = 0;
    std::string data_hash;
    std::string walk_forward;       ///< spec text
    std::string walk_forward_json;  ///< per-fold and overall metrics
    std::string dir;                ///< model directory
    double oos_accuracy = 0;
    double oos_auc = 0;
    std::int64_t oos_rows = 0;
};

/// A strategy or hyperparameter search (`ats evolve`) and its honest results.
struct EvolutionRecord {
    std::int64_t id = 0;  ///< assigned by the store
    std::int64_t created_ms = 0;
    std::string mode;  ///< strategy | hyperparams
    std::string asset;
    std::string algorithm;
    std::string config;  ///< command-line settings
    std::int64_t trials = 0;
    double best_fitness = 0;
    std::string winner;  ///< rules or hyperparameters of the best individual
    double in_sample_sharpe = 0;
    double holdout_sharpe = 0;
    double deflated_sharpe = 0;  ///< probability, 0..1
    std::string summary_json;
    std::string dir;
};

/// Runs, their configuration, metrics and trades in an SQLite file (the embedded default: no
/// server). Schema created on open; writes are one transaction per run. Not thread-safe.
class RunStore {
public:
    /// Opens or creates the database. kIo when the file cannot be opened or is not a database.
    static Result<RunStore> open(const std::string& path);

    RunStore(RunStore&&) noexcept;
    RunStore& operator=(RunStore&&) noexcept;
    ~RunStore();

    /// Stores a run and its trades; returns the new id.
    Result<std::int64_t> record(const RunRecord& run, const std::vector<TradeRow>& trades);
    /// Most recent first.
    Result<std::vector<RunRecord>> list(std::size_t limit = 50);
    /// kNotFound for an unknown id.
    Result<RunRecord> get(std::int64_t id);
    Result<std::vector<TradeRow>> trades(std::int64_t id);

    /// The model registry (same database): record a trained model, list the most recent first.
    Result<std::int64_t> record_model(const ModelRecord& model);
    Result<std::vector<ModelRecord>> list_models(std::size_t limit = 50);

    /// Searches run by `ats evolve`, most recent first.
    Result<std::int64_t> record_evolution(const EvolutionRecord& evolution);
    Result<std::vector<EvolutionRecord>> list_evolutions(std::size_t limit = 50);

private:
    struct Impl;
    explicit RunStore(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace ats::store
