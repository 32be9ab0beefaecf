// The tick-level simulator on the bundled BTCUSDT recording (11 minutes, ~318k events): events
// per second through the exchange and local books with the example market maker, per queue model;
// and the L2 book's level updates alone.
#include <string>

#include <benchmark/benchmark.h>

#include "ats/hft/market_maker.hpp"
#include "ats/hft/simulator.hpp"
#include "ats/hft/tick_data.hpp"

namespace {

using namespace ats;

const hft::TickData& btc() {
    static const hft::TickData data = [] {
        const std::string dir = std::string(ATS_BUNDLED_DATA_DIR) + "/ticks/";
        const std::string w = "2024-08-08_2354_to_2024-08-09_0005.csv.gz";
        return *hft::load_binance_ticks(
            *Symbol::parse("BTCUSDT"),
            {dir + "BTCUSDT_spot_trades_" + w,
             dir + "BTCUSDT_spot_depth_snapshot_" + w,
             dir + "BTCUSDT_spot_depth_diff_100ms_" + w},
            {});
    }();
    return data;
}

void BM_HftSimMarketMaker(benchmark::State& state) {
    hft::SimConfig cfg;
    cfg.queue = {static_cast<hft::QueueKind>(state.range(0)), 2.0};
    cfg.entry.constant_ns = 5'000'000;
    cfg.response.constant_ns = 5'000'000;
    std::size_t events = 0;
    for (auto _ : state) {
        auto sim = *hft::Simulator::create(btc(), cfg);
        hft::QuoteMaker maker({});
        auto r = *sim->run(maker);
        events += r.events;
        benchmark::DoNotOptimize(r.cash);
    }
    state.counters["events/s"] =
        benchmark::Counter(static_cast<double>(events), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_HftSimMarketMaker)->Arg(0)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond);

void BM_L2BookReplay(benchmark::State& state) {
    const auto& d = btc();
    std::size_t updates = 0;
    for (auto _ : state) {
        auto book = *hft::L2Book::create(
            *Price::parse("0.01"), *Price::parse("58000"), *Price::parse("65000"));
        for (const auto& e : d.events) {
            if (hft::is_depth(e.kind)) {
                book.set(e.side(), book.to_tick(e.price), e.qty);
                ++updates;
            }
        }
        benchmark::DoNotOptimize(book.best_bid_tick());
    }
    state.counters["updates/s"] =
        benchmark::Counter(static_cast<double>(updates), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_L2BookReplay)->Unit(benchmark::kMillisecond);

}  // namespace
