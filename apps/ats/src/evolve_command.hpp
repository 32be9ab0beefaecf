#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

namespace ats::cli {

/// Flags of `ats evolve`; see docs/evolve.md.
struct EvolveArgs {
    std::string mode = "strategy";  ///< strategy | hyperparams
    std::string asset = "BTCUSDT";
    std::string data = "data";
    std::string algorithm = "sga";
    std::size_t generations = 50;
    std::size_t population = 64;
    std::size_t islands = 4;
    std::size_t migration_interval = 5;
    std::size_t migrants = 2;
    std::uint64_t seed = 1;
    std::size_t threads = 1;
    double holdout = 0.25;
    std::size_t windows = 4;
    std::size_t min_trades = 20;
    std::size_t hall_of_fame = 5;
    double cash = 10'000;
    double fee_bps = 10;
    std::string slippage = "fixed:2";
    // hyperparams mode
    std::optional<std::string> features;
    std::optional<std::string> altdata;  ///< [altdata] config for alternative-data features
    std::string label = "forward_return:1";
    std::string walk_forward = "train=8760h,test=2160h,embargo=24h";
    std::string output = "out/evolve";
    std::string db = "ats.db";
    bool no_db = false;
    bool no_progress = false;
};

int run_evolve(const EvolveArgs& args);

/// `ats evolutions list`: recorded searches, most recent first.
int run_evolutions_list(const std::string& db_path, std::size_t limit);

}  // namespace ats::cli
