#pragma once

#include <cstdint>
#include <vector>

#include "ats/core/side.hpp"

namespace ats::hft {

/// A price-time priority limit order book, order by order (market by order), in integer ticks
/// and lots: the matching engine of the multi-agent market (libs/agents). Orders at a price
/// form a FIFO queue; a marketable order takes the best level first and, within a level, the
/// oldest order first; the rest of a limit order rests at the back of its level's queue.
///
/// Prices live in a dense array of levels that grows (recentering) when a price falls outside
/// it, so adding, canceling and matching are O(1) per order and per level touched. Order ids
/// carry a generation, so a stale id (of an order already done) never cancels another order.
class L3Book {
public:
    struct Fill {
        std::uint64_t maker_order = 0;
        std::uint32_t maker_owner = 0;
        std::int64_t tick = 0;
        std::int64_t lots = 0;
        bool maker_done = false;  ///< the resting order is now completely filled
    };

    static constexpr std::int64_t kNone = INT64_MIN;

    explicit L3Book(std::int64_t center_tick = 0, std::int64_t initial_width = 4096);

    /// A limit order of `owner`: matches what it crosses (fills appended to `fills`, in order),
    /// then rests. Returns its id (0 when nothing rests: filled at once, or `lots` <= 0).
    std::uint64_t limit(
        std::uint32_t owner,
        Side side,
        std::int64_t tick,
        std::int64_t lots,
        std::vector<Fill>& fills);
    /// A market order: takes up to `lots` from the best levels; returns the lots filled.
    std::int64_t market(
        std::uint32_t owner, Side side, std::int64_t lots, std::vector<Fill>& fills);
    /// Removes a resting order; false when it is no longer in the book. `lots_left` gets what
    /// was still open.
    bool cancel(std::uint64_t id, std::int64_t* lots_left = nullptr);

    bool live(std::uint64_t id) const noexcept;
    std::int64_t best_bid() const noexcept { return best_bid_; }  ///< kNone when empty
    std::int64_t best_ask() const noexcept { return best_ask_; }  ///< kNone when empty
    std::int64_t lots_at(Side side, std::int64_t tick) const noexcept;
    /// Lots of the best `levels` levels of a side.
    std::int64_t depth(Side side, int levels) const noexcept;
    std::size_t resting_orders() const noexcept { return resting_; }

private:
    struct Level {
        std::uint32_t head = kNil;
        std::uint32_t tail = kNil;
        std::int64_t lots = 0;
    };
    struct Node {
        std::uint32_t prev = kNil;
        std::uint32_t next = kNil;
        std::uint32_t generation = 0;
        std::uint32_t owner = 0;
        std::int64_t tick = 0;
        std::int64_t lots = 0;
        Side side = Side::kBuy;
        bool active = false;
    };
    static constexpr std::uint32_t kNil = 0xFFFFFFFFU;

    Level& level(Side side, std::int64_t tick);
    const Level* find_level(Side side, std::int64_t tick) const noexcept;
    void ensure(std::int64_t tick);
    void unlink(std::uint32_t index);
    std::uint32_t allocate();
    /// Matches an incoming order against the other side up to `limit_tick` (kNone: any price).
    std::int64_t take(
        std::uint32_t owner,
        Side side,
        std::int64_t lots,
        std::int64_t limit_tick,
        std::vector<Fill>& fills);
    void refresh_best(Side side);

    std::int64_t base_ = 0;  // tick of levels index 0
    std::vector<Level> bids_;
    std::vector<Level> asks_;
    std::vector<Node> nodes_;
    std::vector<std::uint32_t> free_;
    std::int64_t best_bid_ = kNone;
    std::int64_t best_ask_ = kNone;
    std::size_t resting_ = 0;
};

}  // namespace ats::hft
