// The pagmo island search: finds a planted optimum, is deterministic for a seed whatever the
// thread count, and the deflated Sharpe ratio behaves as its definition says.
#include <cmath>
#include <random>
#include <vector>

#include <gtest/gtest.h>

#include "ats/evolve/deflated_sharpe.hpp"
#include "ats/evolve/search.hpp"

namespace {

using namespace ats;

/// Maximum at x = (0.3, -1.2, 2.5) for the continuous genes and (3, 7) for the integer genes.
class Planted final : public evolve::Objective {
public:
    std::vector<double> lower() const override { return {-5, -5, -5, 0, 0}; }
    std::vector<double> upper() const override { return {5, 5, 5, 10, 10}; }
    std::size_t integer_genes() const override { return 2; }
    Score score(std::span<const double> x) const override {
        const double target[] = {0.3, -1.2, 2.5};
        double s = 0;
        for (int i = 0; i < 3; ++i) {
            s -= (x[static_cast<std::size_t>(i)] - target[i]) *
                 (x[static_cast<std::size_t>(i)] - target[i]);
        }
        s -= std::fabs(std::round(x[3]) - 3) + std::fabs(std::round(x[4]) - 7);
        return Score{s, s / 10};
    }
};

evolve::SearchConfig small(evolve::Algorithm algorithm) {
    evolve::SearchConfig c;
    c.algorithm = algorithm;
    c.islands = 3;
    c.population = 24;
    c.generations = 60;
    c.migration_interval = 5;
    c.seed = 11;
    return c;
}

TEST(Search, SgaFindsThePlantedOptimum) {
    Planted p;
    auto r = evolve::run_search(p, small(evolve::Algorithm::kSga));
    ASSERT_TRUE(r.has_value()) << r.error().message;
    const auto& best = r->ranked.front();
    EXPECT_GT(best.fitness, -0.05);
    EXPECT_EQ(best.x[3], 3.0);  // integer genes stay integers and reach the optimum
    EXPECT_EQ(best.x[4], 7.0);
    EXPECT_NEAR(best.x[0], 0.3, 0.2);
    EXPECT_NEAR(best.x[2], 2.5, 0.2);
    // Every trial was logged: initial populations plus one offspring per individual per
    // generation.
    EXPECT_EQ(r->trial_sharpes.size(), r->evaluations);
    EXPECT_GE(r->evaluations, 3U * 24U * 61U);
    // The history has one row per island per generation (0 = initial), and elitism keeps each
    // island's best from getting worse.
    ASSERT_EQ(r->history.size(), 3U * 61U);
    for (std::size_t i = 3; i < r->history.size(); ++i) {
        EXPECT_GE(r->history[i].best, r->history[i - 3].best - 1e-12);
    }
}

TEST(Search, ContinuousAlgorithmsRoundIntegerGenesAndImprove) {
    Planted p;
    for (auto a : {evolve::Algorithm::kSade, evolve::Algorithm::kPso, evolve::Algorithm::kCmaes}) {
        auto r = evolve::run_search(p, small(a));
        ASSERT_TRUE(r.has_value()) << evolve::to_string(a) << ": " << r.error().message;
        const double first = r->history.front().best;
        EXPECT_GT(r->ranked.front().fitness, first) << evolve::to_string(a);
        EXPECT_GT(r->ranked.front().fitness, -1.5) << evolve::to_string(a);
    }
}

TEST(Search, SameSeedSameResultWhateverTheThreads) {
    Planted p;
    auto c = small(evolve::Algorithm::kSga);
    c.generations = 20;
    auto a = evolve::run_search(p, c);
    auto b = evolve::run_search(p, c);
    c.threads = 3;
    auto t = evolve::run_search(p, c);
    c.seed = 12;
    auto other = evolve::run_search(p, c);
    ASSERT_TRUE(a && b && t && other);
    ASSERT_EQ(a->ranked.size(), b->ranked.size());
    for (std::size_t i = 0; i < a->ranked.size(); ++i) {
        ASSERT_EQ(a->ranked[i].x, b->ranked[i].x);
        ASSERT_EQ(a->ranked[i].x, t->ranked[i].x);
    }
    EXPECT_EQ(a->trial_sharpes, t->trial_sharpes);
    EXPECT_NE(a->ranked.front().x, other->ranked.front().x);
}

TEST(Search, RejectsBadConfigurations) {
    Planted p;
    auto c = small(evolve::Algorithm::kSade);
    c.population = 4;
    EXPECT_FALSE(evolve::run_search(p, c).has_value());
    c = small(evolve::Algorithm::kSga);
    c.islands = 0;
    EXPECT_FALSE(evolve::run_search(p, c).has_value());
    EXPECT_FALSE(evolve::parse_algorithm("annealing").has_value());
    EXPECT_EQ(*evolve::parse_algorithm("cmaes"), evolve::Algorithm::kCmaes);
}

TEST(DeflatedSharpe, MatchesItsDefinition) {
    std::mt19937_64 rng(3);
    std::normal_distribution<double> n(0.001, 0.01);  // true per-bar Sharpe 0.1
    std::vector<double> returns(2000);
    for (auto& r : returns) {
        r = n(rng);
    }
    // One trial: SR0 = 0, so the DSR is the probabilistic Sharpe ratio against zero.
    const auto one = evolve::deflated_sharpe(returns, std::vector<double>{0.1}, 1);
    EXPECT_EQ(one.expected_max, 0.0);
    EXPECT_NEAR(one.sharpe, 0.1, 0.03);
    EXPECT_NEAR(one.kurtosis, 3.0, 0.3);
    EXPECT_GT(one.probability, 0.99);
    // Many trials with dispersed Sharpe ratios raise SR0 and deflate the probability.
    std::vector<double> trials;
    std::normal_distribution<double> spread(0.0, 0.05);
    for (int i = 0; i < 1000; ++i) {
        trials.push_back(spread(rng));
    }
    const auto many = evolve::deflated_sharpe(returns, trials, 1000);
    EXPECT_GT(many.expected_max, 0.1);  // E[max of 1000 N(0, 0.05)] is about 0.16
    EXPECT_LT(many.expected_max, 0.2);
    EXPECT_LT(many.probability, 0.2);
    const auto more = evolve::deflated_sharpe(returns, trials, 100000);
    EXPECT_GT(more.expected_max, many.expected_max);
    EXPECT_LT(more.probability, many.probability);
    // Zero-mean returns: about even odds with one trial.
    for (auto& r : returns) {
        r -= one.sharpe * 0.01;
    }
    const auto flat = evolve::deflated_sharpe(returns, std::vector<double>{0.0}, 1);
    EXPECT_NEAR(flat.probability, 0.5, 0.1);
}

}  // namespace
