// Streaming updates never allocate: global operator new is replaced with a counting one for this
// test binary, and the count must not move while every indicator is updated.
#include <atomic>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <new>
#include <tuple>

#include <gtest/gtest.h>

#include "ats/indicators/batch.hpp"

#include "all_indicators.hpp"
#include "test_data.hpp"

namespace {
std::atomic<std::int64_t> g_allocations{0};
}  // namespace

void* operator new(std::size_t size) {
    g_allocations.fetch_add(1, std::memory_order_relaxed);
    if (void* p = std::malloc(size == 0 ? 1 : size)) {
        return p;
    }
    throw std::bad_alloc();
}
// GCC warns that free() does not match the operator new it sees inlined; here both sides are ours.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
void operator delete(void* p) noexcept {
    std::free(p);
}
void operator delete(void* p, std::size_t /*size*/) noexcept {
    std::free(p);
}
#pragma GCC diagnostic pop

namespace ats::indicators {
namespace {

TEST(AllocationTest, UpdatesNeverAllocate) {
    const BarColumns& bars = testing::bundled("BTCUSDT_1h_2021-04_2025-12.csv");
    ASSERT_GT(bars.size(), 10'000u);
    auto all = testing::all_indicators();
    const std::int64_t before = g_allocations.load();
    double sink = 0.0;
    for (std::size_t i = 0; i < 10'000; ++i) {
        const Ohlcv bar = bars.at(i);
        std::apply(
            [&](auto&... ind) {
                ((ind.update(bar), sink += ind.ready() ? ind.output(0) : 0.0), ...);
            },
            all);
    }
    EXPECT_EQ(g_allocations.load() - before, 0);
    EXPECT_FALSE(std::isnan(sink));
}

TEST(AllocationTest, TheCounterSeesAllocations) {
    const std::int64_t before = g_allocations.load();
    auto* p = new Sma(20);  // the object and its ring
    EXPECT_GE(g_allocations.load() - before, 2);
    delete p;
}

}  // namespace
}  // namespace ats::indicators
