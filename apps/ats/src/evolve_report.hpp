#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "ats/core/error.hpp"
#include "ats/evolve/deflated_sharpe.hpp"
#include "ats/evolve/search.hpp"

namespace ats::cli {

/// One strategy of the final populations, re-run on the search period and on the holdout.
struct EvolveEntry {
    std::string rules;
    double fitness = 0;
    double in_sample_sharpe = 0;
    double walk_forward_sharpe = 0;  ///< mean of the window Sharpe ratios
    double holdout_sharpe = 0;
    std::size_t search_trades = 0;
    std::size_t holdout_trades = 0;
};

struct EvolveReport {
    std::string title;
    std::size_t islands = 0;
    std::vector<evolve::GenerationStats> history;
    std::vector<EvolveEntry> entries;  ///< best first
    std::vector<double> winner_search_returns;
    std::vector<double> winner_holdout_returns;
    std::vector<double> winner_window_sharpe;
    evolve::DeflatedSharpe dsr;
    std::uint64_t trials = 0;
};

/// Self-contained HTML (Plotly inlined): fitness per generation per island, in-sample vs holdout
/// Sharpe of the top strategies, the winner's windows and equity, the deflated Sharpe ratio.
Status write_evolve_report(
    const std::string& path, const std::string& plotly_js, const EvolveReport& report);

}  // namespace ats::cli
