#pragma once

#include <string>
#include <vector>

#include "ats/agents/facts.hpp"
#include "ats/agents/scenario.hpp"

namespace ats::cli {

/// Simulated method of moments: a pagmo search (libs/evolve) over the scenario's population and
/// process parameters that minimizes the distance between the simulated and the real stylized
/// facts (docs/agents.md).
struct CalibrationOutcome {
    agents::ScenarioConfig best;
    double distance = 0;
    double start_distance = 0;
    std::vector<std::string> names;
    std::vector<double> x;
    std::size_t evaluations = 0;
    double seconds = 0;
    std::vector<std::pair<std::size_t, double>> history;  ///< generation, best distance
};

/// The distance between two sets of facts (squared differences over scales; docs/agents.md).
double fact_distance(const agents::StylizedFacts& sim, const agents::StylizedFacts& real);

Result<CalibrationOutcome> calibrate_scenario(
    const agents::ScenarioConfig& base,
    const agents::StylizedFacts& real,
    int generations,
    int population,
    double hours,
    std::uint64_t seed);

}  // namespace ats::cli
