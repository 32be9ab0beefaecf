// The multi-agent market: agent actions (orders and cancels) per second through the kernel and
// the L3 book, on the shipped default scenario for one simulated hour, and the same hour with its
// populations scaled to 1,000 agents.
#include <string>

#include <benchmark/benchmark.h>

#include "ats/agents/scenario.hpp"

namespace {

using namespace ats;

void run(benchmark::State& state, int total_agents) {
    auto c = *agents::load_scenario(std::string(ATS_SOURCE_DIR) + "/configs/market_default.toml");
    c.kernel.duration_ns = 3'600'000'000'000;
    int n = 0;
    for (const auto& p : c.populations) {
        n += p.count;
    }
    if (total_agents > 0) {
        for (auto& p : c.populations) {
            p.count = p.count * total_agents / n;
        }
    }
    std::uint64_t actions = 0;
    double seconds = 0;
    for (auto _ : state) {
        auto r = *agents::run_scenario(c);
        actions += r.actions;
        seconds += r.seconds;
        benchmark::DoNotOptimize(r.trades.data());
    }
    state.counters["actions/s"] =
        benchmark::Counter(static_cast<double>(actions), benchmark::Counter::kIsRate);
    state.counters["sim_hour_s"] = seconds / static_cast<double>(state.iterations());
}

void BM_DefaultScenarioOneHour(benchmark::State& state) {
    run(state, 0);
}
BENCHMARK(BM_DefaultScenarioOneHour)->Unit(benchmark::kMillisecond);

void BM_ThousandAgentsOneHour(benchmark::State& state) {
    run(state, 1000);
}
BENCHMARK(BM_ThousandAgentsOneHour)->Unit(benchmark::kMillisecond);

}  // namespace
