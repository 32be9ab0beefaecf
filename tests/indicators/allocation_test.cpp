// Streaming updates never allocate: global operator new is replaced with a counting one for this
// test binary, and the count must not move while every indicator is updated.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <tuple>

#include <gtest/gtest.h>

#include "ats/indicators/batch.hpp"

#include "all_indicators.hpp"
#include "count_allocations.hpp"
#include "test_data.hpp"

namespace ats::indicators {
namespace {

TEST(AllocationTest, UpdatesNeverAllocate) {
    const BarColumns& bars = testing::bundled("BTCUSDT_1h_2021-04_2025-12.csv");
    ASSERT_GT(bars.size(), 10'000u);
    auto all = testing::all_indicators();
    const std::int64_t before = ats::testing::allocations();
    double sink = 0.0;
    for (std::size_t i = 0; i < 10'000; ++i) {
        const Ohlcv bar = bars.at(i);
        std::apply(
            [&](auto&... ind) {
                ((ind.update(bar), sink += ind.ready() ? ind.output(0) : 0.0), ...);
            },
            all);
    }
    EXPECT_EQ(ats::testing::allocations() - before, 0);
    EXPECT_FALSE(std::isnan(sink));
}

TEST(AllocationTest, TheCounterSeesAllocations) {
    const std::int64_t before = ats::testing::allocations();
    auto* p = new Sma(20);  // the object and its ring
    EXPECT_GE(ats::testing::allocations() - before, 2);
    delete p;
}

}  // namespace
}  // namespace ats::indicators
