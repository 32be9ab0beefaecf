// Paper trading with every event journaled in the SQLite state store, against the same engine
// without a store (the backtest), on the bundled real BTCUSDT 1m bars (December 2024).
// items_per_second = engine events per second. The state file goes to $ATS_BENCH_DIR (default
// /tmp): put it on the disk you will trade on.
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>
#include <unistd.h>

#include "ats/backtest/backtest.hpp"
#include "ats/data/kline_csv.hpp"
#include "ats/runtime/paper_session.hpp"

namespace {

namespace fs = std::filesystem;

const ats::model::BarSeries& bars() {
    static const ats::model::BarSeries series = [] {
        auto loaded = ats::data::load_klines_csv(
            std::string(ATS_BUNDLED_DATA_DIR) + "/BTCUSDT_1m_2024-12.csv", {});
        return std::move(loaded->series);
    }();
    return series;
}

ats::model::Instrument btc() {
    return ats::backtest::default_instrument(*ats::Symbol::parse("BTCUSDT"));
}

std::string state_path() {
    const char* dir = std::getenv("ATS_BENCH_DIR");
    return (fs::path(dir != nullptr ? dir : "/tmp") /
            ("ats_paper_bench_" + std::to_string(::getpid()) + ".db"))
        .string();
}

void remove_state(const std::string& path) {
    for (const char* suffix : {"", "-wal", "-shm"}) {
        fs::remove(path + suffix);
    }
}

// range(0): bars between commits; range(1): 0 = NORMAL, 1 = FULL, 2 = intents fsynced (the
// live default). One commit per bar is what a live session does.
void BM_Paper_Journaled(benchmark::State& state) {
    std::vector<ats::runtime::PaperAsset> assets{{btc(), bars()}};
    ats::runtime::PaperConfig c;
    c.strategy = "sma_cross";
    c.params = {{"fast", 50}, {"slow", 200}};
    c.venue.fees = ats::sim::FeeModel{10, 10};
    c.commit_every_bars = static_cast<std::uint64_t>(state.range(0));
    c.snapshot_every_bars = c.commit_every_bars * 16;
    c.store.durability = state.range(1) == 1   ? ats::store::Durability::kFull
                         : state.range(1) == 2 ? ats::store::Durability::kIntents
                                               : ats::store::Durability::kNormal;
    c.state_path = state_path();
    std::uint64_t events = 0;
    std::uint64_t orders = 0;
    for ([[maybe_unused]] auto _ : state) {
        state.PauseTiming();
        remove_state(c.state_path);
        state.ResumeTiming();
        auto r = ats::runtime::run_paper(c, assets);
        if (!r) {
            state.SkipWithError(r.error().message.c_str());
            break;
        }
        events += r->events;
        orders = r->orders_sent;
    }
    remove_state(c.state_path);
    state.SetItemsProcessed(static_cast<std::int64_t>(events));
    state.counters["orders"] = static_cast<double>(orders);
}
BENCHMARK(BM_Paper_Journaled)
    ->Args({64, 0})
    ->Args({1024, 0})
    ->Args({64, 1})
    ->Args({1, 0})
    ->Args({1, 1})
    ->Args({1, 2})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

// The same engine, strategy and venue without any persistence: the ceiling.
void BM_Paper_NoStoreBacktest(benchmark::State& state) {
    std::vector<ats::backtest::Asset> assets{{btc(), bars()}};
    ats::backtest::BacktestConfig c;
    c.strategy = "sma_cross";
    c.params = {{"fast", 50}, {"slow", 200}};
    c.venue.fees = ats::sim::FeeModel{10, 10};
    std::uint64_t events = 0;
    for ([[maybe_unused]] auto _ : state) {
        auto r = ats::backtest::run_backtest(c, assets);
        if (!r) {
            state.SkipWithError(r.error().message.c_str());
            break;
        }
        events += r->events;
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(events));
}
BENCHMARK(BM_Paper_NoStoreBacktest)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
