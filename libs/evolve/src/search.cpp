#include "ats/evolve/search.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <exception>
#include <map>
#include <memory>
#include <set>
#include <thread>
#include <utility>

#include <fmt/format.h>
#include <pagmo/algorithm.hpp>
#include <pagmo/algorithms/cmaes.hpp>
#include <pagmo/algorithms/pso.hpp>
#include <pagmo/algorithms/sade.hpp>
#include <pagmo/algorithms/sga.hpp>
#include <pagmo/population.hpp>
#include <pagmo/problem.hpp>
#include <pagmo/r_policies/fair_replace.hpp>
#include <pagmo/s_policies/select_best.hpp>
#include <pagmo/topologies/ring.hpp>
#include <pagmo/types.hpp>

namespace ats::evolve {
namespace {

constexpr double kWorst = 1e9;  // pagmo minimises: bad or non-finite scores map here

/// The pagmo user-defined problem around an Objective. Each island's copy logs its trials.
struct PagmoProblem {
    const Objective* objective = nullptr;
    std::vector<double>* trial_log = nullptr;
    std::vector<double> lo;
    std::vector<double> hi;
    std::size_t nix = 0;

    pagmo::vector_double fitness(const pagmo::vector_double& x) const {
        const Objective::Score s = objective->score(x);
        if (trial_log != nullptr) {
            trial_log->push_back(std::isfinite(s.trial_sharpe) ? s.trial_sharpe : 0.0);
        }
        return {std::isfinite(s.fitness) ? std::min(-s.fitness, kWorst) : kWorst};
    }
    std::pair<pagmo::vector_double, pagmo::vector_double> get_bounds() const { return {lo, hi}; }
    pagmo::vector_double::size_type get_nix() const { return nix; }
    std::string get_name() const { return "ats objective"; }
};

unsigned island_seed(std::uint64_t seed, std::size_t island, unsigned salt) {
    // SplitMix64 of (seed, island, salt): independent streams per island.
    std::uint64_t z = seed * 0x9E3779B97F4A7C15ULL + island * 0xBF58476D1CE4E5B9ULL + salt;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return static_cast<unsigned>((z ^ (z >> 31)) & 0xFFFFFFFFULL);
}

pagmo::algorithm make_algorithm(Algorithm kind, unsigned seed) {
    switch (kind) {
        case Algorithm::kSga:
            return pagmo::algorithm(pagmo::sga(
                1u, 0.9, 1.0, 0.1, 1.0, 2u, "binomial", "polynomial", "tournament", seed));
        case Algorithm::kSade:
            return pagmo::algorithm(pagmo::sade(1u, 2u, 1u, 1e-6, 1e-6, true, seed));
        case Algorithm::kPso:
            return pagmo::algorithm(
                pagmo::pso(1u, 0.7298, 2.05, 2.05, 0.5, 5u, 2u, 4u, true, seed));
        case Algorithm::kCmaes:
            return pagmo::algorithm(
                pagmo::cmaes(1u, -1, -1, -1, -1, 0.3, 1e-6, 1e-6, true, true, seed));
    }
    return pagmo::algorithm(pagmo::sga(1u));
}

struct Island {
    std::size_t index = 0;
    std::vector<double> trials;  // this island's trial Sharpe ratios (owner only)
    std::size_t trials_sent = 0;
    std::unique_ptr<pagmo::population> pop;
    std::unique_ptr<pagmo::algorithm> algo;
};

/// What every rank knows about every island after a generation.
struct IslandView {
    std::vector<std::vector<double>> x;
    std::vector<double> f;  // pagmo fitness (minimised)
    std::uint64_t fevals = 0;
};

void serialize(const Island& island, std::vector<double>& out) {
    const auto& xs = island.pop->get_x();
    const auto& fs = island.pop->get_f();
    const std::size_t dim = xs.empty() ? 0 : xs.front().size();
    out.push_back(static_cast<double>(island.index));
    out.push_back(static_cast<double>(island.pop->get_problem().get_fevals()));
    out.push_back(static_cast<double>(xs.size()));
    out.push_back(static_cast<double>(dim));
    for (std::size_t i = 0; i < xs.size(); ++i) {
        out.insert(out.end(), xs[i].begin(), xs[i].end());
        out.push_back(fs[i][0]);
    }
    const std::size_t fresh = island.trials.size() - island.trials_sent;
    out.push_back(static_cast<double>(fresh));
    out.insert(
        out.end(), island.trials.end() - static_cast<std::ptrdiff_t>(fresh), island.trials.end());
}

Status deserialize(
    const std::vector<double>& in,
    std::vector<IslandView>& views,
    std::vector<std::vector<double>>& trials) {
    std::size_t at = 0;
    auto take = [&]() -> double {
        return at < in.size() ? in[at++] : NAN;
    };
    while (at < in.size()) {
        const double id = take();
        const double fevals = take();
        const double n = take();
        const double dim = take();
        if (!(id >= 0) || static_cast<std::size_t>(id) >= views.size() || !(n >= 0) ||
            !(dim >= 0)) {
            return make_error(ErrorCode::kInternal, "evolve: malformed island message");
        }
        IslandView& v = views[static_cast<std::size_t>(id)];
        v.fevals = static_cast<std::uint64_t>(fevals);
        v.x.assign(static_cast<std::size_t>(n), std::vector<double>(static_cast<std::size_t>(dim)));
        v.f.assign(static_cast<std::size_t>(n), 0.0);
        for (std::size_t i = 0; i < v.x.size(); ++i) {
            for (auto& g : v.x[i]) {
                g = take();
            }
            v.f[i] = take();
        }
        const auto fresh = static_cast<std::size_t>(take());
        auto& log = trials[static_cast<std::size_t>(id)];
        for (std::size_t i = 0; i < fresh; ++i) {
            log.push_back(take());
        }
        if (at > in.size()) {
            return make_error(ErrorCode::kInternal, "evolve: truncated island message");
        }
    }
    return ok_status();
}

pagmo::individuals_group_t group_of(const IslandView& v) {
    pagmo::individuals_group_t g;
    for (std::size_t i = 0; i < v.x.size(); ++i) {
        std::get<0>(g).push_back(i);
        std::get<1>(g).push_back(v.x[i]);
        std::get<2>(g).push_back({v.f[i]});
    }
    return g;
}

}  // namespace

Result<Algorithm> parse_algorithm(std::string_view text) {
    for (auto a : {Algorithm::kSga, Algorithm::kSade, Algorithm::kPso, Algorithm::kCmaes}) {
        if (to_string(a) == text) {
            return a;
        }
    }
    return make_error(
        ErrorCode::kInvalidArgument,
        fmt::format("algorithm '{}': use sga, sade, pso or cmaes", text));
}

std::string_view to_string(Algorithm algorithm) noexcept {
    switch (algorithm) {
        case Algorithm::kSga:
            return "sga";
        case Algorithm::kSade:
            return "sade";
        case Algorithm::kPso:
            return "pso";
        case Algorithm::kCmaes:
            return "cmaes";
    }
    return "?";
}

Result<SearchResult> run_search(
    const Objective& objective,
    const SearchConfig& config,
    Exchange* exchange,
    const std::function<void(const SearchProgress&)>& progress) {
    const auto started = std::chrono::steady_clock::now();
    const std::vector<double> lo = objective.lower();
    const std::vector<double> hi = objective.upper();
    if (lo.empty() || lo.size() != hi.size() || objective.integer_genes() > lo.size()) {
        return make_error(ErrorCode::kInvalidArgument, "evolve: objective has bad bounds");
    }
    if (config.islands == 0 || config.generations == 0) {
        return make_error(
            ErrorCode::kInvalidArgument, "evolve: islands and generations must be >= 1");
    }
    const std::size_t min_pop = config.algorithm == Algorithm::kSade ? 7 : 5;
    if (config.population < min_pop) {
        return make_error(
            ErrorCode::kInvalidArgument,
            fmt::format(
                "evolve: population {} is too small for {} (at least {})",
                config.population,
                to_string(config.algorithm),
                min_pop));
    }
    const int rank = exchange != nullptr ? exchange->rank() : 0;
    const int ranks = exchange != nullptr ? exchange->size() : 1;
    const std::size_t nix =
        config.algorithm == Algorithm::kSga ? objective.integer_genes() : std::size_t{0};

    // Islands this process owns.
    std::vector<Island> owned;
    for (std::size_t i = 0; i < config.islands; ++i) {
        if (static_cast<int>(i % static_cast<std::size_t>(ranks)) == rank) {
            owned.emplace_back();
            owned.back().index = i;
        }
    }
    auto for_each_owned = [&](auto&& fn) -> Status {
        std::vector<std::exception_ptr> errors(owned.size());
        const std::size_t threads =
            std::max<std::size_t>(1, std::min(config.threads, owned.size()));
        std::vector<std::thread> pool;
        for (std::size_t t = 0; t < threads; ++t) {
            pool.emplace_back([&, t] {
                for (std::size_t k = t; k < owned.size(); k += threads) {
                    try {
                        fn(owned[k]);
                    } catch (...) {
                        errors[k] = std::current_exception();
                    }
                }
            });
        }
        for (auto& th : pool) {
            th.join();
        }
        for (const auto& e : errors) {
            if (e) {
                try {
                    std::rethrow_exception(e);
                } catch (const std::exception& ex) {
                    return make_error(ErrorCode::kInternal, fmt::format("evolve: {}", ex.what()));
                }
            }
        }
        return ok_status();
    };

    if (auto s = for_each_owned([&](Island& island) {
            PagmoProblem udp{&objective, &island.trials, lo, hi, nix};
            island.pop = std::make_unique<pagmo::population>(
                pagmo::problem(udp), config.population, island_seed(config.seed, island.index, 1));
            island.algo = std::make_unique<pagmo::algorithm>(
                make_algorithm(config.algorithm, island_seed(config.seed, island.index, 2)));
        });
        !s) {
        return tl::unexpected(s.error());
    }

    SearchResult result;
    std::vector<IslandView> views(config.islands);
    std::vector<std::vector<double>> trials(config.islands);
    pagmo::ring ring;
    for (std::size_t i = 0; i < config.islands; ++i) {
        ring.push_back();
    }
    const pagmo::select_best select(config.migrants);
    const pagmo::fair_replace replace(config.migrants);

    for (std::size_t gen = 0; gen <= config.generations; ++gen) {
        if (gen > 0) {
            if (auto s = for_each_owned(
                    [&](Island& island) { *island.pop = island.algo->evolve(*island.pop); });
                !s) {
                return tl::unexpected(s.error());
            }
        }
        // Share every island with every rank.
        std::vector<double> mine;
        for (auto& island : owned) {
            serialize(island, mine);
            island.trials_sent = island.trials.size();
        }
        std::vector<std::vector<double>> all;
        if (exchange != nullptr) {
            all = exchange->all_gather(mine);
        } else {
            all.push_back(std::move(mine));
        }
        for (const auto& buffer : all) {
            if (auto s = deserialize(buffer, views, trials); !s) {
                return tl::unexpected(s.error());
            }
        }
        double best_all = -kWorst;
        double mean_all = 0;
        std::uint64_t evaluations = 0;
        for (std::size_t i = 0; i < config.islands; ++i) {
            const auto& v = views[i];
            double best = -kWorst;
            double sum = 0;
            for (const double f : v.f) {
                best = std::max(best, -f);
                sum += -f;
            }
            const double mean = v.f.empty() ? 0.0 : sum / static_cast<double>(v.f.size());
            result.history.push_back(GenerationStats{gen, i, best, mean});
            best_all = std::max(best_all, best);
            mean_all += mean / static_cast<double>(config.islands);
            evaluations += v.fevals;
        }
        result.evaluations = evaluations;
        if (progress) {
            progress(SearchProgress{
                gen,
                config.generations,
                best_all,
                mean_all,
                evaluations,
                std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count()});
        }
        // Migration on the ring, from the shared (pre-migration) populations.
        if (gen > 0 && gen < config.generations && config.islands > 1 && config.migrants > 0 &&
            gen % std::max<std::size_t>(config.migration_interval, 1) == 0) {
            const std::size_t dim = lo.size();
            for (auto& island : owned) {
                pagmo::individuals_group_t incoming;
                for (const std::size_t source : ring.get_connections(island.index).first) {
                    const auto chosen =
                        select.select(group_of(views[source]), dim, nix, 1, 0, 0, {});
                    for (std::size_t k = 0; k < std::get<1>(chosen).size(); ++k) {
                        std::get<0>(incoming).push_back(std::get<0>(chosen)[k]);
                        std::get<1>(incoming).push_back(std::get<1>(chosen)[k]);
                        std::get<2>(incoming).push_back(std::get<2>(chosen)[k]);
                    }
                }
                const auto merged =
                    replace.replace(group_of(views[island.index]), dim, nix, 1, 0, 0, {}, incoming);
                for (std::size_t k = 0; k < std::get<1>(merged).size(); ++k) {
                    island.pop->set_xf(k, std::get<1>(merged)[k], std::get<2>(merged)[k]);
                }
            }
        }
    }

    // Final ranking of every island's population, duplicates removed.
    std::set<std::vector<double>> seen;
    for (std::size_t i = 0; i < config.islands; ++i) {
        for (std::size_t k = 0; k < views[i].x.size(); ++k) {
            if (seen.insert(views[i].x[k]).second) {
                result.ranked.push_back(Individual{views[i].x[k], -views[i].f[k], i});
            }
        }
    }
    std::stable_sort(result.ranked.begin(), result.ranked.end(), [](const auto& a, const auto& b) {
        return a.fitness > b.fitness;
    });
    for (const auto& log : trials) {
        result.trial_sharpes.insert(result.trial_sharpes.end(), log.begin(), log.end());
    }
    result.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    return result;
}

}  // namespace ats::evolve
