#pragma once

#include <cstdint>
#include <span>

namespace ats::evolve {

struct DeflatedSharpe {
    double sharpe = 0;        ///< per-period Sharpe ratio of the selected strategy
    double expected_max = 0;  ///< SR0: expected maximum Sharpe of `trials` unskilled trials
    double probability = 0;   ///< DSR: P(true Sharpe > 0) after the selection
    double skewness = 0;
    double kurtosis = 3;  ///< not excess
    std::uint64_t trials = 0;
    double trial_sharpe_std = 0;  ///< standard deviation of the trials' Sharpe ratios
};

/// Deflated Sharpe ratio (Bailey and López de Prado, 2014): the probabilistic Sharpe ratio of the
/// winner's per-period `returns` against SR0 = sqrt(V[SR_n]) ((1 - g) Z^-1(1 - 1/N) + g Z^-1(1 -
/// 1/(N e))), g the Euler-Mascheroni constant, N = `trials` and V[SR_n] the variance of the
/// trials' per-period Sharpe ratios.
DeflatedSharpe deflated_sharpe(
    std::span<const double> returns, std::span<const double> trial_sharpes, std::uint64_t trials);

}  // namespace ats::evolve
