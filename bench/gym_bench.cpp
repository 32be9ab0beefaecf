// The Gym environments' C++ cores: BarEnv steps, VectorBarEnv env-steps (64 environments, the
// observation written for each), and TickEnv steps (one second of ticks each) on the bundled data.
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "ats/gym/bar_env.hpp"
#include "ats/gym/tick_env.hpp"
#include "ats/gym/vector_env.hpp"

namespace {

using namespace ats;

gym::BarEnvOptions bar_options() {
    gym::BarEnvOptions o;
    o.data = std::string(ATS_BUNDLED_DATA_DIR) + "/BTCUSDT_1h_2021-04_2025-12.csv";
    o.episode_bars = 0;
    o.max_drawdown = 1;
    o.ruin = 0;
    return o;
}

void BM_BarEnvStep(benchmark::State& state) {
    auto env = *gym::BarEnv::create(bar_options());
    std::vector<float> obs(env.observation_size());
    env.reset(1, std::nullopt, obs.data());
    bool term = false;
    bool trunc = false;
    gym::StepInfo info;
    int k = 0;
    for (auto _ : state) {
        const double target = (k++ / 7) % 3 - 1.0;
        benchmark::DoNotOptimize(env.step(target, obs.data(), term, trunc, info));
        if (term || trunc) {
            env.reset(1, std::nullopt, obs.data());
        }
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_BarEnvStep);

void BM_VectorBarEnvStep(benchmark::State& state) {
    const auto n = static_cast<std::size_t>(state.range(0));
    auto o = bar_options();
    o.episode_bars = 512;
    auto env = *gym::VectorBarEnv::create(o, n);
    std::vector<float> obs(n * env.observation_size());
    std::vector<double> targets(n);
    std::vector<double> rewards(n);
    std::vector<double> equity(n);
    std::vector<std::uint8_t> term(n);
    std::vector<std::uint8_t> trunc(n);
    env.reset(1, obs.data());
    int k = 0;
    for (auto _ : state) {
        for (std::size_t i = 0; i < n; ++i) {
            targets[i] = static_cast<double>((k + static_cast<int>(i)) / 5 % 3) - 1.0;
        }
        ++k;
        env.step(
            targets.data(), obs.data(), rewards.data(), term.data(), trunc.data(), equity.data());
        benchmark::DoNotOptimize(obs.data());
    }
    state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(n));
    state.counters["obs_floats"] = static_cast<double>(env.observation_size());
}
BENCHMARK(BM_VectorBarEnvStep)->Arg(64)->Arg(1024);

void BM_TickEnvStep(benchmark::State& state) {
    gym::TickEnvOptions o;
    o.ticks = std::string(ATS_BUNDLED_DATA_DIR) + "/ticks";
    o.episode_steps = 200;
    auto env = *gym::TickEnv::create(o);
    std::vector<float> obs(env.observation_size());
    (void)env.reset(1, std::nullopt, obs.data());
    bool term = false;
    bool trunc = false;
    gym::TickStepInfo info;
    int k = 0;
    for (auto _ : state) {
        benchmark::DoNotOptimize(env.step(k++ % 4, obs.data(), term, trunc, info));
        if (term || trunc) {
            state.PauseTiming();
            (void)env.reset(static_cast<std::uint64_t>(k), std::nullopt, obs.data());
            state.ResumeTiming();
        }
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_TickEnvStep);

}  // namespace
