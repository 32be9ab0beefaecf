#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string_view>
#include <vector>

#include "ats/core/error.hpp"

namespace ats::evolve {

/// What a search optimises. Decision vectors hold continuous genes first and the last
/// `integer_genes()` genes integer-valued (pagmo's convention). Higher scores are better.
class Objective {
public:
    virtual ~Objective() = default;
    virtual std::vector<double> lower() const = 0;
    virtual std::vector<double> upper() const = 0;
    virtual std::size_t integer_genes() const = 0;
    /// Deterministic and thread-safe (islands evaluate concurrently).
    struct Score {
        double fitness = 0;       ///< what the search maximises
        double trial_sharpe = 0;  ///< the trial's per-period Sharpe ratio, for the deflated Sharpe
    };
    virtual Score score(std::span<const double> x) const = 0;
};

/// pagmo algorithms. kSga handles integer genes natively; the others are continuous, so integer
/// genes are relaxed to reals and rounded by the objective's decoder.
enum class Algorithm : unsigned char { kSga, kSade, kPso, kCmaes };
Result<Algorithm> parse_algorithm(std::string_view text);
std::string_view to_string(Algorithm algorithm) noexcept;

struct SearchConfig {
    Algorithm algorithm = Algorithm::kSga;
    std::size_t islands = 4;
    std::size_t population = 64;
    std::size_t generations = 50;
    std::size_t migration_interval = 5;  ///< generations between migrations (ring topology)
    std::size_t migrants = 2;            ///< best individuals sent to the next island
    std::uint64_t seed = 1;
    std::size_t threads = 1;  ///< islands evolved at once in this process
};

struct GenerationStats {
    std::size_t generation = 0;  ///< 0 is the initial population
    std::size_t island = 0;
    double best = 0;
    double mean = 0;
};

struct Individual {
    std::vector<double> x;
    double fitness = 0;
    std::size_t island = 0;
};

struct SearchResult {
    std::vector<GenerationStats> history;
    /// Every island's final population, best first, duplicates removed.
    std::vector<Individual> ranked;
    std::uint64_t evaluations = 0;
    /// Per-period Sharpe ratio of every trial evaluated (island by island, in evaluation order).
    std::vector<double> trial_sharpes;
    double seconds = 0;
};

/// Moves islands between processes. Rank r owns the islands i with i % size == r; after every
/// generation each rank contributes its islands and receives everyone's, in rank order.
class Exchange {
public:
    virtual ~Exchange() = default;
    virtual int rank() const = 0;
    virtual int size() const = 0;
    virtual std::vector<std::vector<double>> all_gather(const std::vector<double>& mine) = 0;
};

struct SearchProgress {
    std::size_t generation = 0;
    std::size_t generations = 0;
    double best = 0;
    double mean = 0;
    std::uint64_t evaluations = 0;
    double seconds = 0;
};

/// The island model on pagmo: each island is a pagmo population evolved by its own pagmo
/// algorithm (seeded from `seed` and the island index), one generation at a time in lock step;
/// every `migration_interval` generations each island receives the best `migrants` of the
/// previous island on a pagmo ring (select_best / fair_replace policies). Lock-step migration
/// makes the result depend only on the seed, not on threads or MPI ranks.
Result<SearchResult> run_search(
    const Objective& objective,
    const SearchConfig& config,
    Exchange* exchange = nullptr,
    const std::function<void(const SearchProgress&)>& progress = {});

}  // namespace ats::evolve
