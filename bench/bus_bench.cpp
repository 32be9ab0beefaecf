// The event bus on its own: events emitted into the FIFO and drained to a handler that looks at
// each one, as the engine does. Mixed event types (market data, signals, orders, fills) so the
// variant's dispatch is not a single predictable branch. The goal (issue 21): >= 20M events/s.
#include <cstdint>
#include <vector>

#include <benchmark/benchmark.h>

#include "ats/bus/event_bus.hpp"
#include "ats/model/events.hpp"

namespace {

using namespace ats;  // NOLINT(google-build-using-namespace): benchmark file

std::vector<model::Event> sample_events() {
    const Symbol btc = *Symbol::parse("BTCUSDT");
    const Timestamp t = Timestamp::from_unix_ms(1'733'097'600'000);
    model::Bar bar;
    bar.open_time = t;
    bar.close_time = t;
    bar.close = Price::from_units(96'000);
    std::vector<model::Event> out;
    out.emplace_back(model::MarketData{t, t, btc, bar});
    out.emplace_back(model::SignalGenerated{t, t, btc, model::Direction::kLong, 1.0, 1.0, {}});
    const model::OrderRequest request{
        btc,
        Side::kBuy,
        model::OrderType::kMarket,
        Qty::from_units(1),
        std::nullopt,
        std::nullopt,
        false,
        0};
    out.emplace_back(model::OrderPlaced{t, t, *ClientOrderId::parse("o-1"), request});
    out.emplace_back(model::OrderCanceled{t, t, *ClientOrderId::parse("o-1"), btc, {}});
    return out;
}

/// Emits `batch` events, then drains them; repeated. Items: events dispatched.
void BM_Bus_EmitDrain(benchmark::State& state) {
    const auto events = sample_events();
    const auto batch = static_cast<std::size_t>(state.range(0));
    bus::EventBus bus;
    std::uint64_t seen = 0;
    std::uint64_t dispatched = 0;
    for ([[maybe_unused]] auto _ : state) {
        for (std::size_t i = 0; i < batch; ++i) {
            bus.emit(events[i & 3U]);
        }
        bus.drain([&](const model::Event& e) { seen += e.index(); });
        dispatched += batch;
    }
    benchmark::DoNotOptimize(seen);
    state.SetItemsProcessed(static_cast<std::int64_t>(dispatched));
}
BENCHMARK(BM_Bus_EmitDrain)->Arg(1)->Arg(64)->Arg(1024);

}  // namespace
