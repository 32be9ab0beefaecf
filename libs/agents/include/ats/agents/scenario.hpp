#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "ats/agents/agent_kinds.hpp"
#include "ats/agents/kernel.hpp"
#include "ats/core/error.hpp"

namespace ats::agents {

/// A group of agents of one kind with the same parameters.
struct Population {
    std::string kind;  ///< noise, market_maker, momentum, value, arbitrageur
    int count = 1;
    std::uint32_t market = 0;
    double latency_ms = 1;  ///< mean; each agent draws its own in [mean - jitter, + jitter]
    double latency_jitter_ms = 0;
    NoiseParams noise;
    MakerAgentParams maker;
    MomentumParams momentum;
    ValueParams value;
    ArbParams arb;
};

struct EvolutionConfig {
    int evolving = 40;                ///< evolving agents added to the scenario's, [2, 10000]
    double initial_wealth = 100'000;  ///< quote units each starts (and is reborn) with
    double broke_fraction = 0.5;      ///< below this share of its start it is replaced
    double cull_fraction = 0.1;       ///< and the poorest this share of them each generation
    int generation_minutes = 60;      ///< [1, 10080]
    double mutation_rate = 0.2;       ///< per gene, [0, 1]
    double mutation_sigma = 0.1;      ///< [0, 1]
    double latency_ms = 5;            ///< of the evolving agents
    Status validate() const;
};

/// How genomes travel between islands (docs/agents.md).
struct MigrationConfig {
    std::string topology = "ring";
    int migrate_every = 2;
    int migrants = 2;
    Status validate() const;
};

struct ScenarioConfig {
    KernelConfig kernel;
    std::vector<Population> populations;
    std::int64_t start_ms = 1'704'067'200'000;  ///< wall time of t = 0 (2024-01-01T00:00Z)
    /// [evolution]: the meta-evolution runs when present.
    std::optional<EvolutionConfig> evolution;
    MigrationConfig migration;
    /// [[island]]: variants of the first market (its own name, tick, fees, latency), one island
    /// each; none: one island on the first market.
    std::vector<MarketConfig> islands;
};

/// `configs/market_*.toml` (docs/agents.md): [simulation] hours, seed; [[market]] name, tick,
/// lot, maker_fee_bps, taker_fee_bps, latency_ms, initial_price; [fundamental]; [activity];
/// [[agents]] kind, count, market, latency_ms, latency_jitter_ms and the kind's parameters.
/// Unknown keys, wrong types and values out of range are errors naming them.
Result<ScenarioConfig> parse_scenario(const std::string& text, const std::string& origin);
Result<ScenarioConfig> load_scenario(const std::string& path);

struct Bar1m {
    std::int64_t open_time_ms = 0;
    double open = 0, high = 0, low = 0, close = 0, volume = 0;
};

struct AgentResult {
    std::uint32_t id = 0;
    std::string family;
    double latency_ms = 0;
    std::vector<Account> accounts;  ///< per market
    double pnl = 0;                 ///< quote: cash + positions at the last trade - fees
};

struct ScenarioResult {
    std::vector<std::vector<Bar1m>> bars;  ///< per market, every minute of the run
    std::vector<Trade> trades;
    std::vector<AgentResult> agents;
    std::uint64_t actions = 0;
    std::uint64_t events = 0;
    double seconds = 0;  ///< wall time of the run
};

/// Adds the scenario's populations to `kernel` (latencies and first wake-ups drawn from the
/// seed); returns each agent's latency in ms.
std::vector<double> populate(Kernel& kernel, const ScenarioConfig& config);

/// Builds the kernel and the agents (latencies and first wake-ups drawn from the seed) and runs.
Result<ScenarioResult> run_scenario(
    const ScenarioConfig& config, const std::function<void(double)>& progress = {});

/// 1-minute bars of `market` from its trades, every minute of [0, duration): a minute without
/// trades repeats the last close with zero volume.
std::vector<Bar1m> minute_bars(
    const std::vector<Trade>& trades,
    std::uint32_t market,
    const MarketConfig& m,
    std::int64_t duration_ns,
    std::int64_t start_ms);

}  // namespace ats::agents
