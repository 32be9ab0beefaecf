#pragma once

#include <string>
#include <vector>

namespace ats::agents {

/// Stylized facts of a price series of 1-minute bars (Cont 2001; Vyetrenko et al. 2019),
/// computed the same way for simulated and real bars.
struct StylizedFacts {
    std::size_t bars = 0;
    double kurtosis_1m = 0;  ///< excess kurtosis of 1m log returns
    double kurtosis_5m = 0;  ///< of non-overlapping 5m sums (aggregational Gaussianity)
    double kurtosis_15m = 0;
    double kurtosis_60m = 0;
    std::vector<double> acf_returns;    ///< lags 1..20 of r
    std::vector<double> acf_abs;        ///< lags 1..60 of |r|
    double mean_abs_acf_returns = 0;    ///< mean |acf(r)| over lags 1..20
    double hill_alpha = 0;              ///< Hill tail index of |r| over the top 2.5%
    double volume_volatility_corr = 0;  ///< Pearson correlation of volume and |r|
    double gain_loss_ratio = 0;         ///< q99.5(r) / -q0.5(r): above 1 gains' tail is heavier
    double stdev_1m = 0;                ///< of r, for scale
    double flat_share = 0;  ///< share of minutes with |r| < 0.2 bp: a market that stalls
};

/// `close` and `volume` per 1-minute bar (bars without trades carry the last close and 0).
StylizedFacts stylized_facts(const std::vector<double>& close, const std::vector<double>& volume);

/// One line of the realism scorecard: a fact, its value in both series, the band it must be
/// in, and whether the simulation is.
struct FactCheck {
    std::string name;
    std::string band;  ///< human-readable
    std::string why;   ///< the source of the band
    double simulated = 0;
    double real = 0;
    bool real_passes = false;  ///< the band holds for the real data (a sanity check of the band)
    bool passes = false;
};

/// Pass bands from the literature, checked against the real data too (docs/agents.md).
std::vector<FactCheck> scorecard(const StylizedFacts& simulated, const StylizedFacts& real);

}  // namespace ats::agents
