#include "ats/agents/evolution.hpp"

#include <condition_variable>
#include <mutex>
#include <random>
#include <thread>

#include <gtest/gtest.h>

namespace ats::agents {
namespace {

TEST(EvolutionTest, MutualInformationOfKnownTables) {
    // Independent: 0 bits; a copy of a fair bit: 1 bit; a copy of a fair 4-way choice: 2 bits.
    std::vector<int> a;
    std::vector<int> b;
    std::vector<int> c;
    for (int i = 0; i < 4000; ++i) {
        a.push_back(i % 2);
        b.push_back((i / 2) % 2);
        c.push_back(i % 4);
    }
    EXPECT_NEAR(mutual_information(a, b), 0, 1e-12);
    EXPECT_NEAR(mutual_information(a, a), 1, 1e-12);
    EXPECT_NEAR(mutual_information(c, c), 2, 1e-12);
    EXPECT_NEAR(mutual_information(c, a), 1, 1e-12);  // c determines a
    EXPECT_EQ(mutual_information({}, {}), 0);
}

TEST(EvolutionTest, GenomesPackCrossAndMutateWithinBounds) {
    std::mt19937_64 rng(1);
    for (int k = 0; k < 200; ++k) {
        const Genome a = random_genome(rng, 4);
        const Genome b = random_genome(rng, 4);
        const auto packed = a.pack();
        ASSERT_EQ(packed.size(), Genome::kPacked);
        const Genome back = Genome::unpack(packed.data());
        EXPECT_EQ(back.family, a.family);
        EXPECT_EQ(back.g, a.g);
        EXPECT_EQ(back.speak, a.speak);
        EXPECT_EQ(back.listen, a.listen);
        Genome c = crossover(a, b, rng);
        for (std::size_t i = 0; i < c.g.size(); ++i) {
            EXPECT_TRUE(c.g[i] == a.g[i] || c.g[i] == b.g[i]);
        }
        EXPECT_TRUE(c.family == a.family || c.family == b.family);
        mutate(c, 1.0, 0.5, 4, rng);
        for (const double x : c.g) {
            EXPECT_GE(x, 0);
            EXPECT_LE(x, 1);
        }
        for (const auto s : c.speak) {
            EXPECT_LT(s, 4);
        }
        for (const double l : c.listen) {
            EXPECT_GE(l, -1);
            EXPECT_LE(l, 1);
        }
    }
    EXPECT_NE(genome_toml(random_genome(rng, 4), 1.0).find("family ="), std::string::npos);
}

ScenarioConfig island_scenario() {
    auto c = parse_scenario(
        R"(
[simulation]
hours = 4
seed = 2
alphabet = 4
message_cost = 0.01
[[agents]]
kind = "market_maker"
count = 2
[[agents]]
kind = "noise"
count = 15
[[agents]]
kind = "value"
count = 4
rate_per_min = 25
aggressive_bps = 2
threshold_bps = 1
noise_bps = 1
bias_bps = 1
size_lots = 80
[evolution]
evolving = 12
generation_minutes = 30
cull_fraction = 0.25
[[island]]
name = "a"
[[island]]
name = "b"
taker_fee_bps = 2
latency_ms = 3
[[island]]
name = "c"
tick = 1.0
)",
        "evo.toml");
    EXPECT_TRUE(c) << c.error().message;
    return *c;
}

std::vector<ScenarioConfig> islands_of(const ScenarioConfig& c) {
    std::vector<ScenarioConfig> out;
    for (const auto& m : c.islands) {
        ScenarioConfig i = c;
        i.kernel.markets = {m};
        out.push_back(i);
    }
    return out;
}

TEST(EvolutionTest, IslandsEvolveDeterministicallyAndTheSameOnAnyNumberOfRanks) {
    const auto c = island_scenario();
    const auto islands = islands_of(c);
    MigrationConfig mig;
    mig.topology = "full";
    mig.migrate_every = 2;
    mig.migrants = 1;
    auto one = run_islands(islands, *c.evolution, mig);
    ASSERT_TRUE(one) << one.error().message;
    ASSERT_EQ(one->size(), 3U);
    for (const auto& r : *one) {
        ASSERT_EQ(r.ecology.size(), 8U);  // 4 hours of 30-minute generations
        int replaced = 0;
        for (const auto& e : r.ecology) {
            EXPECT_EQ(e.count[0] + e.count[1] + e.count[2], 12);
            EXPECT_NEAR(e.wealth_share[0] + e.wealth_share[1] + e.wealth_share[2], 1, 1e-9);
            EXPECT_GE(e.entropy, 0);
            EXPECT_LE(e.entropy, std::log2(3.0) + 1e-12);
            replaced += e.replaced;
        }
        EXPECT_GE(replaced, 7 * 3);  // at least the poorest quarter every generation but the last
        EXPECT_GT(r.ecology.back().messages_per_agent, 0);
        EXPECT_EQ(r.population.size(), 12U);
    }
    // Two ranks in one process (threads), each running the islands i with i % 2 == rank and
    // exchanging genomes and results through an in-memory all-gather: the same populations.
    struct Loopback {
        std::mutex m;
        std::condition_variable cv;
        std::vector<std::vector<double>> parts{2};
        int arrived = 0;
        int round = 0;
        std::vector<std::vector<double>> gather(int rank, const std::vector<double>& mine) {
            std::unique_lock lock(m);
            const int my_round = round;
            parts[static_cast<std::size_t>(rank)] = mine;
            if (++arrived == 2) {
                arrived = 0;
                ++round;
                cv.notify_all();
            } else {
                cv.wait(lock, [&] { return round != my_round; });
            }
            return parts;  // both parts are in before either leaves the round
        }
    } loop;
    std::vector<std::vector<IslandResult>> split(2);
    std::vector<std::thread> ranks;
    for (int r = 0; r < 2; ++r) {
        ranks.emplace_back([&, r] {
            auto res =
                run_islands(islands, *c.evolution, mig, r, 2, [&](const std::vector<double>& mine) {
                    return loop.gather(r, mine);
                });
            ASSERT_TRUE(res);
            split[static_cast<std::size_t>(r)] = std::move(*res);
        });
    }
    for (auto& t : ranks) {
        t.join();
    }
    for (const auto& rank_result : split) {
        for (std::size_t i = 0; i < one->size(); ++i) {
            const auto& a = (*one)[i];
            const auto& b = rank_result[i];
            ASSERT_EQ(a.population.size(), b.population.size());
            for (std::size_t k = 0; k < a.population.size(); ++k) {
                EXPECT_EQ(a.population[k].first.pack(), b.population[k].first.pack());
                EXPECT_DOUBLE_EQ(a.population[k].second, b.population[k].second);
            }
            ASSERT_EQ(a.ecology.size(), b.ecology.size());
            for (std::size_t g = 0; g < a.ecology.size(); ++g) {
                EXPECT_EQ(a.ecology[g].count, b.ecology[g].count);
                EXPECT_DOUBLE_EQ(a.ecology[g].mi_token_action, b.ecology[g].mi_token_action);
            }
        }
    }
}

TEST(EvolutionTest, MigrantsReplaceThePoorest) {
    const auto c = island_scenario();
    auto island = *Island::create(islands_of(c)[0], *c.evolution, 5);
    island->step();
    const auto before = island->population();
    std::mt19937_64 rng(9);
    Genome migrant = random_genome(rng, 4);
    migrant.g[0] = 0.123456;
    island->receive({migrant});
    const auto after = island->population();
    std::size_t poorest = 0;
    for (std::size_t i = 1; i < before.size(); ++i) {
        if (before[i].second < before[poorest].second) {
            poorest = i;
        }
    }
    EXPECT_EQ(after[poorest].first.g[0], 0.123456);
    EXPECT_DOUBLE_EQ(after[poorest].second, c.evolution->initial_wealth);  // a fresh account
}

TEST(EvolutionTest, BadEvolutionSectionsAreNamed) {
    auto c = parse_scenario("[evolution]\nevolving = 1\n", "x.toml");
    ASSERT_FALSE(c);
    EXPECT_NE(c.error().message.find("evolving"), std::string::npos);
    c = parse_scenario("[evolution]\n[migration]\ntopology = \"star\"\n", "x.toml");
    ASSERT_FALSE(c);
    EXPECT_NE(c.error().message.find("star"), std::string::npos);
    c = parse_scenario("[[island]]\nname = \"a\"\n", "x.toml");
    ASSERT_FALSE(c);
    EXPECT_NE(c.error().message.find("[evolution]"), std::string::npos);
}

}  // namespace
}  // namespace ats::agents
