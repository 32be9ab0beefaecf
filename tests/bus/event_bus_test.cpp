// The event bus is a FIFO: events are dispatched in the order they were emitted, including those
// raised while handling others, however deep the queue grows. Once it has grown it does not
// allocate: global operator new is replaced with a counting one for this test binary.
#include "ats/bus/event_bus.hpp"

#include <cstdint>
#include <vector>

#include <gtest/gtest.h>

#include "count_allocations.hpp"

namespace ats::bus {
namespace {

model::Event alert(std::int64_t sequence) {
    const auto ts = Timestamp::from_unix_ns(sequence);
    return model::AlertLogged{ts, ts, model::AlertLevel::kWarning, model::Text("x")};
}

std::int64_t sequence_of(const model::Event& event) {
    return std::get<model::AlertLogged>(event).ts_event.unix_ns();
}

TEST(EventBusTest, DispatchesInEmissionOrderAcrossGrowthAndWrapAround) {
    EventBus bus;
    std::int64_t emitted = 0;
    for (; emitted < 40; ++emitted) {
        bus.emit(alert(emitted));
    }
    std::vector<std::int64_t> dispatched;
    // Each event raises 0 to 3 more while it is handled: the queue grows past 64, 128, 256 and
    // 512 slots and wraps around many times, and must still hand events out as emitted.
    bus.drain([&](const model::Event& event) {
        const auto s = sequence_of(event);
        dispatched.push_back(s);
        const int children = emitted < 5'000 ? static_cast<int>((s * 7) % 4) : 0;
        for (int c = 0; c < children; ++c) {
            bus.emit(alert(emitted++));
        }
    });
    ASSERT_EQ(static_cast<std::int64_t>(dispatched.size()), emitted);
    EXPECT_GT(emitted, 4'000);
    for (std::size_t i = 0; i < dispatched.size(); ++i) {
        ASSERT_EQ(dispatched[i], static_cast<std::int64_t>(i));
    }
    EXPECT_TRUE(bus.empty());
    EXPECT_EQ(bus.dispatched(), static_cast<std::uint64_t>(emitted));
    EXPECT_EQ(bus.counts()[11], static_cast<std::uint64_t>(emitted));  // AlertLogged
}

TEST(EventBusTest, EmitAndDrainDoNotAllocateOnceGrown) {
    EventBus bus;
    std::int64_t handled = 0;
    const auto round = [&] {
        for (int i = 0; i < 300; ++i) {
            bus.emit(alert(i));
        }
        bus.drain([&](const model::Event&) { ++handled; });
    };
    round();  // grows the ring to hold 300
    const auto before = ats::testing::allocations();
    for (int r = 0; r < 20; ++r) {
        round();
    }
    EXPECT_EQ(ats::testing::allocations(), before);
    EXPECT_EQ(handled, 21 * 300);
}

}  // namespace
}  // namespace ats::bus
