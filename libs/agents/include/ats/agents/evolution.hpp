#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "ats/agents/kernel.hpp"
#include "ats/agents/scenario.hpp"
#include "ats/core/error.hpp"

namespace ats::agents {

inline constexpr int kGenes = 8;
inline constexpr int kMaxAlphabet = 8;
inline constexpr int kFamilies = 3;  ///< 0 maker, 1 taker (trend or contrarian), 2 value

/// An evolving agent's strategy: a family, rule parameters in [0, 1] (mapped to ranges by the
/// family, docs/agents.md), and the message genes: which token it posts for each state of its own
/// signal (down, flat, up), how often it speaks, and how each token it hears biases its action.
struct Genome {
    int family = 0;
    std::array<double, kGenes> g{};
    std::array<std::uint8_t, 3> speak{};
    std::array<double, kMaxAlphabet> listen{};  ///< in [-1, 1]: sell .. buy

    /// Flat form for migration between processes (and back).
    std::vector<double> pack() const;
    static Genome unpack(const double* v);
    static constexpr std::size_t kPacked = 1 + kGenes + 3 + kMaxAlphabet;
};

Genome random_genome(std::mt19937_64& rng, int alphabet);
Genome crossover(const Genome& a, const Genome& b, std::mt19937_64& rng);
void mutate(Genome& g, double rate, double sigma, int alphabet, std::mt19937_64& rng);
const char* family_name(int family) noexcept;
/// TOML of a genome with its parameters decoded (the final genomes file).
std::string genome_toml(const Genome& g, double wealth);

/// What an evolving agent posted and then did in the same wake-up (for mutual information).
struct Utterance {
    std::int64_t time_ns = 0;
    std::uint32_t sender = 0;
    std::uint8_t token = 0;
    int action = 0;  ///< -1 sold, 0 nothing, +1 bought
};

struct GenerationStats {
    int generation = 0;
    std::int64_t time_ns = 0;
    std::array<double, kFamilies> wealth_share{};  ///< of the evolving agents' total wealth
    std::array<int, kFamilies> count{};
    double entropy = 0;  ///< Shannon entropy (bits) of the family counts
    int replaced = 0;
    double messages_per_agent = 0;
    double mi_token_action = 0;     ///< bits, plug-in estimate, this generation's utterances
    double mi_token_return = 0;     ///< bits: token vs the sign of the next minute's return
    double maker_spread_ticks = 0;  ///< mean quoted spread of the book, sampled each minute
    double maker_pnl = 0;           ///< evolving makers' P&L this generation (quote)
};

/// One market with its background agents and an evolving population: the meta-evolution runs
/// inside the running market, one generation (`generation_minutes`) at a time: agents below
/// `broke_fraction` of their starting wealth and the poorest `cull_fraction` are replaced by
/// offspring of two parents drawn in proportion to wealth (wealth-share selection), by uniform
/// crossover and Gaussian mutation.
class Island {
public:
    static Result<std::unique_ptr<Island>> create(
        const ScenarioConfig& scenario, const EvolutionConfig& evolution, std::uint64_t seed);
    ~Island();

    /// Runs one generation and measures it.
    GenerationStats step();
    bool done() const;
    /// The `n` wealthiest genomes.
    std::vector<Genome> best(std::size_t n) const;
    /// Migrants replace the poorest agents.
    void receive(const std::vector<Genome>& migrants);
    std::vector<std::pair<Genome, double>> population() const;  ///< genome, wealth
    const Kernel& kernel() const;

private:
    Island() = default;
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

/// Islands (markets with different fees, ticks and latencies) evolved in lock step; every
/// `migrate_every` generations each island's best `migrants` genomes go to its neighbours on the
/// topology ("ring": to the next island; "full": to every other). With `all_gather` (MPI),
/// island i runs on rank i % size and the genomes travel between processes; the result is the
/// same as on one rank.
struct IslandResult {
    std::string market;
    std::vector<GenerationStats> ecology;
    std::vector<std::pair<Genome, double>> population;
};

using AllGather = std::function<std::vector<std::vector<double>>(const std::vector<double>&)>;

Result<std::vector<IslandResult>> run_islands(
    const std::vector<ScenarioConfig>& islands,
    const EvolutionConfig& evolution,
    const MigrationConfig& migration,
    int rank = 0,
    int size = 1,
    const AllGather& all_gather = {},
    const std::function<void(int island, const GenerationStats&)>& progress = {});

/// Plug-in mutual information (bits) of paired discrete samples.
double mutual_information(const std::vector<int>& x, const std::vector<int>& y);

}  // namespace ats::agents
