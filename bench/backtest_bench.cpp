// Full event-driven backtests (bus, strategy, risk, orders, portfolio, simulated venue) on real
// bars repeated to a large count with shifted times.
#include <string>
#include <vector>

#include <benchmark/benchmark.h>
#include <sys/resource.h>

#include "ats/backtest/backtest.hpp"
#include "ats/data/kline_csv.hpp"

namespace {

using ats::backtest::Asset;

// `source` repeated until it has `n` bars, times shifted to stay increasing.
ats::model::BarSeries repeat(const ats::model::BarSeries& source, std::size_t n) {
    ats::model::BarSeries out(source.interval(), source.symbol());
    out.reserve(n);
    const ats::Duration span =
        source.open_time().back() - source.open_time().front() + source.interval();
    for (std::size_t i = 0; i < n; ++i) {
        ats::model::Bar b = source.bar(i % source.size());
        const auto shift = span * static_cast<std::int64_t>(i / source.size());
        b.open_time += shift;
        b.close_time += shift;
        out.push_back(b);
    }
    return out;
}

// Loaded once per (file, n) and kept; benchmarks take a one-asset vector from here without copying.
const std::vector<Asset>& asset(const char* file, const char* symbol, std::size_t n) {
    static std::vector<std::pair<std::string, std::vector<Asset>>> cache;
    const std::string key = std::string(file) + std::to_string(n);
    for (auto& [k, a] : cache) {
        if (k == key) {
            return a;
        }
    }
    auto loaded = ats::data::load_klines_csv(std::string(ATS_BUNDLED_DATA_DIR) + "/" + file, {});
    const auto sym = *ats::Symbol::parse(symbol);
    std::vector<Asset> one;
    one.push_back(Asset{ats::backtest::default_instrument(sym), repeat(loaded->series, n)});
    cache.emplace_back(key, std::move(one));
    return cache.back().second;
}

ats::backtest::BacktestConfig config(const char* sizing) {
    ats::backtest::BacktestConfig c;
    c.strategy = "sma_cross";
    c.params = {{"fast", 10}, {"slow", 30}};
    c.engine.sizing = *ats::execution::Sizing::parse(sizing);
    c.venue.fees = ats::sim::FeeModel{10, 10};
    return c;
}

void run(
    benchmark::State& state,
    const std::vector<Asset>& assets,
    const ats::backtest::BacktestConfig& c) {
    std::size_t bars = 0;
    for ([[maybe_unused]] auto _ : state) {
        auto r = ats::backtest::run_backtest(c, assets);
        if (!r) {
            state.SkipWithError(r.error().message.c_str());
            return;
        }
        bars += r->bars;
        benchmark::DoNotOptimize(r->final_equity);
    }
    state.counters["bars_per_s"] =
        benchmark::Counter(static_cast<double>(bars), benchmark::Counter::kIsRate);
    state.counters["ns_per_bar"] = benchmark::Counter(
        static_cast<double>(bars), benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

void BM_Backtest_SmaCross1m_OneAsset(benchmark::State& state) {
    const auto& assets = asset("BTCUSDT_1m_2024-12.csv", "BTCUSDT", 1'000'000);
    run(state, assets, config("fixed_qty:0.01"));
}

// Peak resident memory of a 5-million-bar run (data included), in MB.
void BM_Backtest_SmaCross1m_FiveMillionBars(benchmark::State& state) {
    const auto& assets = asset("BTCUSDT_1m_2024-12.csv", "BTCUSDT", 5'000'000);
    run(state, assets, config("fixed_qty:0.01"));
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    state.counters["peak_rss_mb"] = static_cast<double>(usage.ru_maxrss) / 1024.0;
}

void BM_Backtest_SmaCross1h_TwoAssets(benchmark::State& state) {
    const std::vector<Asset> assets{
        asset("BTCUSDT_1h_2021-04_2025-12.csv", "BTCUSDT", 500'000)[0],
        asset("ETHUSDT_1h_2021-04_2025-12.csv", "ETHUSDT", 500'000)[0]};
    run(state, assets, config("fraction:0.45"));
}

void BM_Backtest_BacktraderParityCase(benchmark::State& state) {
    const auto& assets = asset("BTCUSDT_1h_2021-04_2025-12.csv", "BTCUSDT", 40'846);
    run(state, assets, config("all_in"));
}

BENCHMARK(BM_Backtest_SmaCross1m_OneAsset)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Backtest_SmaCross1m_FiveMillionBars)->Unit(benchmark::kMillisecond)->Iterations(1);
BENCHMARK(BM_Backtest_SmaCross1h_TwoAssets)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Backtest_BacktraderParityCase)->Unit(benchmark::kMillisecond);

}  // namespace
