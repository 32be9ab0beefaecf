#include "ats/hft/l3_book.hpp"

#include <map>
#include <random>
#include <vector>

#include <gtest/gtest.h>

namespace ats::hft {
namespace {

TEST(L3BookTest, PriceTimePriorityPartialFillsAndCancels) {
    L3Book book(1000, 64);
    std::vector<L3Book::Fill> fills;
    const auto a = book.limit(1, Side::kSell, 1001, 5, fills);
    const auto b = book.limit(2, Side::kSell, 1001, 5, fills);  // behind a at the same price
    const auto c = book.limit(3, Side::kSell, 1000, 2, fills);  // a better price
    EXPECT_TRUE(fills.empty());
    EXPECT_EQ(book.best_ask(), 1000);
    EXPECT_EQ(book.lots_at(Side::kSell, 1001), 10);
    // A buy of 6 up to 1001: c first (better price), then a (older), not b.
    book.limit(9, Side::kBuy, 1001, 6, fills);
    ASSERT_EQ(fills.size(), 2U);
    EXPECT_EQ(fills[0].maker_owner, 3U);
    EXPECT_EQ(fills[0].tick, 1000);
    EXPECT_EQ(fills[0].lots, 2);
    EXPECT_TRUE(fills[0].maker_done);
    EXPECT_EQ(fills[1].maker_owner, 1U);
    EXPECT_EQ(fills[1].lots, 4);
    EXPECT_FALSE(fills[1].maker_done);
    EXPECT_FALSE(book.live(c));
    EXPECT_TRUE(book.live(a));
    EXPECT_EQ(book.best_ask(), 1001);
    // Cancel a (1 left): b is now first; a's id is stale afterwards, even once its slot is reused.
    std::int64_t left = 0;
    EXPECT_TRUE(book.cancel(a, &left));
    EXPECT_EQ(left, 1);
    EXPECT_FALSE(book.cancel(a));
    const auto d = book.limit(4, Side::kBuy, 990, 1, fills);
    EXPECT_NE(d, a);
    EXPECT_FALSE(book.cancel(a));
    EXPECT_TRUE(book.live(d));
    fills.clear();
    EXPECT_EQ(book.market(9, Side::kBuy, 100, fills), 5);  // only b is left
    ASSERT_EQ(fills.size(), 1U);
    EXPECT_EQ(fills[0].maker_owner, 2U);
    EXPECT_EQ(book.best_ask(), L3Book::kNone);
    EXPECT_TRUE(book.live(d) && !book.live(b));
    // A price far outside the initial region recenters the levels; the book stays intact.
    book.limit(5, Side::kSell, 1'000'000, 3, fills);
    book.limit(6, Side::kBuy, -500, 3, fills);
    EXPECT_EQ(book.best_ask(), 1'000'000);
    EXPECT_EQ(book.best_bid(), 990);
    EXPECT_EQ(book.lots_at(Side::kBuy, 990), 1);
    EXPECT_EQ(book.depth(Side::kBuy, 2), 4);
}

// Random operations against a simple reference (a map of price -> FIFO of (owner, lots)).
TEST(L3BookTest, AgreesWithAReferenceBookUnderRandomOrders) {
    L3Book book(5000, 64);
    std::map<std::int64_t, std::vector<std::pair<std::uint64_t, std::int64_t>>> ref[2];
    std::vector<std::uint64_t> ids;
    std::map<std::uint64_t, std::pair<int, std::int64_t>> where;  // id -> side, tick
    std::mt19937_64 rng(3);
    std::vector<L3Book::Fill> fills;
    std::int64_t matched = 0;
    for (int step = 0; step < 20'000; ++step) {
        const int op = static_cast<int>(rng() % 10);
        if (op < 7) {
            const Side side = rng() % 2 == 0 ? Side::kBuy : Side::kSell;
            const std::int64_t tick = 4970 + static_cast<std::int64_t>(rng() % 60);
            const std::int64_t lots = 1 + static_cast<std::int64_t>(rng() % 9);
            fills.clear();
            const auto id = book.limit(1, side, tick, lots, fills);
            // The reference: match against the other side, best first, FIFO.
            auto& other = ref[side == Side::kBuy ? 1 : 0];
            std::int64_t left = lots;
            std::size_t fi = 0;
            while (left > 0 && !other.empty()) {
                auto it = side == Side::kBuy ? other.begin() : std::prev(other.end());
                if (side == Side::kBuy ? it->first > tick : it->first < tick) {
                    break;
                }
                auto& q = it->second;
                const std::int64_t take = std::min(left, q.front().second);
                ASSERT_LT(fi, fills.size());
                ASSERT_EQ(fills[fi].maker_order, q.front().first);
                ASSERT_EQ(fills[fi].lots, take);
                ASSERT_EQ(fills[fi].tick, it->first);
                ++fi;
                matched += take;
                left -= take;
                q.front().second -= take;
                if (q.front().second == 0) {
                    where.erase(q.front().first);
                    q.erase(q.begin());
                }
                if (q.empty()) {
                    other.erase(it);
                }
            }
            ASSERT_EQ(fi, fills.size());
            if (left > 0) {
                ASSERT_NE(id, 0U);
                ref[side == Side::kBuy ? 0 : 1][tick].emplace_back(id, left);
                where[id] = {side == Side::kBuy ? 0 : 1, tick};
                ids.push_back(id);
            } else {
                ASSERT_EQ(id, 0U);
            }
        } else if (!ids.empty()) {
            const auto id = ids[rng() % ids.size()];
            const bool in_ref = where.count(id) != 0;
            ASSERT_EQ(book.cancel(id), in_ref);
            if (in_ref) {
                auto [s, tick] = where[id];
                auto& q = ref[s][tick];
                std::erase_if(q, [&](const auto& e) { return e.first == id; });
                if (q.empty()) {
                    ref[s].erase(tick);
                }
                where.erase(id);
            }
        }
        const std::int64_t bid = ref[0].empty() ? L3Book::kNone : std::prev(ref[0].end())->first;
        const std::int64_t ask = ref[1].empty() ? L3Book::kNone : ref[1].begin()->first;
        ASSERT_EQ(book.best_bid(), bid) << step;
        ASSERT_EQ(book.best_ask(), ask) << step;
    }
    EXPECT_GT(matched, 10'000);
    EXPECT_EQ(book.resting_orders(), where.size());
}

}  // namespace
}  // namespace ats::hft
