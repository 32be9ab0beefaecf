#pragma once

#include <cstddef>
#include <optional>
#include <string>

#include "ats/ml/labels.hpp"
#include "ats/ml/walk_forward.hpp"

namespace ats::cli {

/// `ats train --ablation`: parsed and range-checked by run_train.
struct AblationArgs {
    std::string asset;
    std::string data;
    std::optional<std::string> features;
    std::optional<std::string> altdata;
    ml::LabelSpec label;
    ml::WalkForwardSpec walk_forward;
    ml::TrainParams params;
    std::size_t permutations = 1000;
    double fee_bps = 10;
    int seed = 42;
    std::string output;
    bool no_progress = false;
};

int run_ablation_command(const AblationArgs& args);

}  // namespace ats::cli
