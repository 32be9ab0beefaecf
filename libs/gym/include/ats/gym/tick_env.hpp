#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "ats/core/error.hpp"

namespace ats::gym {

/// Options of the tick trading environment; every one has a default (docs/gym.md).
struct TickEnvOptions {
    std::string ticks = "data/ticks";  ///< a directory with a Binance recording (docs/hft.md)
    std::string symbol = "BTCUSDT";
    /// "maker": Discrete(4) quoting at the touch (0 none, 1 both sides, 2 bid, 3 ask);
    /// "taker": Discrete(3) target position at market (0 flat, 1 long, 2 short max_position).
    std::string mode = "maker";
    int step_ms = 1000;                  ///< decision interval, [10, 60000]
    int episode_steps = 120;             ///< steps per episode, [1, 1000000]
    int window = 8;                      ///< past steps of mid returns in the observation, [1, 256]
    int levels = 5;                      ///< book levels per side for the imbalance, [1, 50]
    std::string qty = "0.001";           ///< quote or order size
    std::string max_position = "0.005";  ///< inventory limit
    double maker_fee_bps = 1;            ///< [-100, 1000]; negative for a rebate
    double taker_fee_bps = 7.5;
    double entry_ms = 5;            ///< order entry latency, [0, 60000]
    double response_ms = 5;         ///< exchange response latency
    double feed_latency_ms = 5;     ///< the fastest market data event's delay
    std::string queue = "power:2";  ///< risk-averse, power:N or log
    double cash = 10'000;           ///< starting quote balance, (0, 1e10]
    double max_drawdown_pct = 0;    ///< the engine's kill switch (terminates), (0, 1]; 0 off

    Status validate() const;
};

struct TickStepInfo {
    double equity = 0;    ///< quote balance + position x mid, as the agent knows it
    double position = 0;  ///< base units
    double mid = 0;       ///< local mid at the step's end
    double fees = 0;      ///< paid so far this episode (quote)
    std::size_t fills = 0;
    std::int64_t time_ns = 0;  ///< local clock at the step's end
};

/// A Gym environment core on the tick-level simulator (libs/hft): every step is `step_ms` of
/// the recording replayed with the action in force: latency, queue position, partial fills,
/// fees, the engine's portfolio and risk manager. The reward is the change of equity in basis
/// points of the starting cash. Observations use only what the agent has heard by the step's
/// end (local clock).
class TickEnv {
public:
    static Result<TickEnv> create(const TickEnvOptions& options);
    TickEnv(TickEnv&&) noexcept;
    TickEnv& operator=(TickEnv&&) noexcept;
    ~TickEnv();

    std::size_t observation_size() const noexcept;
    int actions() const noexcept;
    /// A new episode starting at a seeded random time (`start` in [0, 1] places it along the
    /// recording instead). Writes the observation.
    Status reset(std::uint64_t seed, std::optional<double> start, float* obs);
    /// kInvalidArgument for an action outside [0, actions()).
    Result<double> step(
        int action, float* obs, bool& terminated, bool& truncated, TickStepInfo& info);

    static constexpr float kObsBound = 10.0F;

private:
    TickEnv();
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace ats::gym
