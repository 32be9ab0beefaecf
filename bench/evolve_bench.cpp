// Strategy search speed: rule-strategy genomes evaluated through the full engine (the same
// backtest `ats backtest` runs) on one year of real hourly bars, indicator series cached across
// genomes. One thread: the figure is evaluations per second per core.
#include <random>
#include <vector>

#include <benchmark/benchmark.h>

#include "ats/data/kline_csv.hpp"
#include "ats/evolve/search.hpp"
#include "ats/evolve/strategy_search.hpp"

namespace {

using namespace ats;

// 200 warm-up bars + one year (8,760 bars) searched + 100 holdout bars.
const evolve::StrategyObjective& objective() {
    static const auto obj = [] {
        auto loaded = data::load_klines_csv(
            std::string(ATS_BUNDLED_DATA_DIR) + "/BTCUSDT_1h_2021-04_2025-12.csv", {});
        model::BarSeries year(loaded->series.interval(), loaded->series.symbol());
        const std::size_t start = 20'000;
        for (std::size_t i = start; i < start + 200 + 8'760 + 100; ++i) {
            year.push_back(loaded->series.bar(i));
        }
        evolve::StrategySearchSpec spec;
        spec.series = std::move(year);
        spec.holdout_fraction = 100.5 / 9'060.0;
        spec.data_path = "bench";
        return std::move(*evolve::StrategyObjective::create(std::move(spec)));
    }();
    return *obj;
}

std::vector<std::vector<double>> genomes(std::size_t n) {
    const auto& obj = objective();
    const auto lo = obj.lower();
    const auto hi = obj.upper();
    std::mt19937_64 rng(42);
    std::vector<std::vector<double>> out;
    for (std::size_t k = 0; k < n; ++k) {
        std::vector<double> x(lo.size());
        for (std::size_t i = 0; i < x.size(); ++i) {
            x[i] = std::uniform_real_distribution<double>(lo[i], hi[i])(rng);
        }
        out.push_back(std::move(x));
    }
    return out;
}

void BM_EvaluateRuleGenome_OneYear1h(benchmark::State& state) {
    const auto& obj = objective();
    const auto pool = genomes(256);
    std::size_t i = 0;
    std::size_t bars = 0;
    for (auto _ : state) {
        auto s = obj.score(pool[i++ % pool.size()]);
        benchmark::DoNotOptimize(s);
        bars += 8'760;
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
    state.counters["bars/s"] =
        benchmark::Counter(static_cast<double>(bars), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_EvaluateRuleGenome_OneYear1h)->Unit(benchmark::kMicrosecond)->MinTime(3.0);

// The floor: a genome whose entry never holds (no orders), so only the per-bar engine work.
void BM_EvaluateNeverTradingGenome_OneYear1h(benchmark::State& state) {
    const auto& obj = objective();
    evolve::StrategyGenome g;
    g.entry = *strategy::parse_rule("rsi(14) < 0");
    for (auto _ : state) {
        auto e = obj.evaluate(g);
        benchmark::DoNotOptimize(e);
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_EvaluateNeverTradingGenome_OneYear1h)->Unit(benchmark::kMicrosecond);

void BM_IslandSearch_OneYear1h(benchmark::State& state) {
    const auto& obj = objective();
    evolve::SearchConfig c;
    c.islands = 2;
    c.population = 32;
    c.generations = 5;
    c.threads = static_cast<std::size_t>(state.range(0));
    std::uint64_t evals = 0;
    for (auto _ : state) {
        auto r = evolve::run_search(obj, c);
        evals += r->evaluations;
    }
    state.counters["evals/s"] =
        benchmark::Counter(static_cast<double>(evals), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_IslandSearch_OneYear1h)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
