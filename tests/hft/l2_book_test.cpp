#include "ats/hft/l2_book.hpp"

#include <map>
#include <random>
#include <vector>

#include <gtest/gtest.h>

namespace ats::hft {
namespace {

Price px(const char* s) {
    return *Price::parse(s);
}
Qty qty(const char* s) {
    return *Qty::parse(s);
}

TEST(L2BookTest, RefusesBadTicksAndRegions) {
    EXPECT_FALSE(L2Book::create(px("0"), px("1"), px("2")));
    EXPECT_FALSE(L2Book::create(px("0.01"), px("2"), px("1")));
    EXPECT_FALSE(L2Book::create(px("0.00000001"), px("0"), px("1000")));  // 1e11 ticks
    EXPECT_TRUE(L2Book::create(px("0.01"), px("100"), px("200")));
}

TEST(L2BookTest, BestLevelsFollowSetsAndRemovals) {
    auto book = *L2Book::create(px("0.01"), px("99"), px("101"));
    EXPECT_FALSE(book.has_bid());
    EXPECT_FALSE(book.has_ask());
    book.set(Side::kBuy, book.to_tick(px("100.00")), qty("1"));
    book.set(Side::kBuy, book.to_tick(px("99.50")), qty("2"));
    book.set(Side::kSell, book.to_tick(px("100.05")), qty("3"));
    book.set(Side::kSell, book.to_tick(px("150.00")), qty("4"));  // outside the region
    EXPECT_EQ(book.to_price(book.best_bid_tick()), px("100.00"));
    EXPECT_EQ(book.to_price(book.best_ask_tick()), px("100.05"));
    EXPECT_EQ(book.best_ask_qty(), qty("3"));
    EXPECT_DOUBLE_EQ(book.mid(), 100.025);
    EXPECT_EQ(book.outside_levels(), 1U);
    // Removing the best finds the next one, inside and then outside the region.
    EXPECT_EQ(book.set(Side::kBuy, book.to_tick(px("100.00")), Qty{}), qty("1"));
    EXPECT_EQ(book.to_price(book.best_bid_tick()), px("99.50"));
    book.set(Side::kSell, book.to_tick(px("100.05")), Qty{});
    EXPECT_EQ(book.to_price(book.best_ask_tick()), px("150.00"));
    book.set(Side::kSell, book.to_tick(px("150.00")), Qty{});
    EXPECT_FALSE(book.has_ask());
    book.clear();
    EXPECT_FALSE(book.has_bid());
    EXPECT_EQ(book.outside_levels(), 0U);
}

// A random walk of level updates against std::map as the reference: best levels and the walk
// from the touch agree after every update, inside and outside the dense region.
TEST(L2BookTest, AgreesWithASortedMapUnderRandomUpdates) {
    auto book = *L2Book::create(px("0.01"), px("90"), px("110"));
    std::map<std::int64_t, Qty> bids;
    std::map<std::int64_t, Qty> asks;
    std::mt19937_64 rng(7);
    std::uniform_int_distribution<std::int64_t> tick(8'000, 12'000);  // 80.00 .. 120.00
    std::uniform_int_distribution<int> q(0, 3);
    for (int i = 0; i < 20'000; ++i) {
        const std::int64_t t = tick(rng);
        const Qty v = Qty::from_raw(q(rng) * 100'000'000);
        // Keep the book uncrossed, as a real one is: bids below 100, asks from 100.
        const Side side = t < 10'000 ? Side::kBuy : Side::kSell;
        book.set(side, t, v);
        auto& ref = side == Side::kBuy ? bids : asks;
        if (v.is_positive()) {
            ref[t] = v;
        } else {
            ref.erase(t);
        }
        ASSERT_EQ(book.best_bid_tick(), bids.empty() ? L2Book::kNoBid : bids.rbegin()->first);
        ASSERT_EQ(book.best_ask_tick(), asks.empty() ? L2Book::kNoAsk : asks.begin()->first);
    }
    std::vector<std::int64_t> walked;
    book.walk(Side::kBuy, [&](std::int64_t t, Qty v) {
        EXPECT_EQ(v, bids.at(t));
        walked.push_back(t);
        return true;
    });
    std::vector<std::int64_t> expected;
    for (auto it = bids.rbegin(); it != bids.rend(); ++it) {
        expected.push_back(it->first);
    }
    EXPECT_EQ(walked, expected);
}

}  // namespace
}  // namespace ats::hft
