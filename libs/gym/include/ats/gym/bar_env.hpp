#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ats/core/error.hpp"

namespace ats::gym {

/// Options of the bar trading environment; every one has a default (docs/gym.md).
struct BarEnvOptions {
    std::string data;                                ///< kline CSV, Parquet file or catalog
    std::optional<std::string> symbol;               ///< for a catalog or a directory
    std::string features = "rsi:14,natr:14,adx:14";  ///< indicator registry names
    int window = 16;         ///< bars of features per observation, in [1, 256]
    int norm_window = 256;   ///< past bars of the rolling z-score of each feature, in [16, 10000]
    int episode_bars = 512;  ///< steps per episode (0: from the start to the end of the data)
    double fee_bps = 10;     ///< per trade, on the traded notional, in [0, 1000]
    bool allow_short = true;
    std::string reward =
        "equity";               ///< "equity" (change / start equity) or "dsr" (differential Sharpe)
    double max_drawdown = 0.5;  ///< terminate past this drawdown from the episode's peak, (0, 1]
    double ruin = 0.1;          ///< terminate when equity falls below this fraction, [0, 1)

    Status validate() const;
};

struct StepInfo {
    double equity = 0;         ///< relative to the episode's start (1 = unchanged)
    double position = 0;       ///< exposure at the bar's close: units x close / equity
    double price = 0;          ///< the bar's close
    double fee = 0;            ///< paid this step, relative to the start equity
    std::int64_t time_ms = 0;  ///< the bar's close time
    std::size_t bar = 0;       ///< index into the data
};

/// The environment core: the agent decides at a bar's close a target exposure in [-1, 1] of
/// its equity. A target different from the last one trades at the next bar's open to the
/// quantity whose exposure after the fee is the target, paying `fee_bps` on the traded notional
/// (from flat to 1 this is the backtester's `all_in` sizing); the same target again holds the
/// quantity (no rebalancing, no fee). The reward is measured at the next bar's close. Observations
/// use data up to the decision bar's close only (features with a causal rolling z-score).
class BarEnv {
public:
    static Result<BarEnv> create(const BarEnvOptions& options);
    BarEnv(BarEnv&&) noexcept;
    BarEnv& operator=(BarEnv&&) noexcept;
    ~BarEnv();

    /// Another environment on the same data and features (shared, not copied), episode state
    /// copied.
    BarEnv copy() const;

    std::size_t observation_size() const noexcept;
    std::size_t bars() const noexcept;
    /// Starts an episode at a random bar (seeded; `start` forces one). Writes the observation.
    void reset(std::uint64_t seed, std::optional<std::size_t> start, float* obs);
    /// One step; false in `terminated`/`truncated` while the episode goes on.
    double step(double target, float* obs, bool& terminated, bool& truncated, StepInfo& info);

    static constexpr float kObsBound = 10.0F;

private:
    BarEnv();
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace ats::gym
