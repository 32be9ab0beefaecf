#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <map>
#include <vector>

#include "ats/core/check.hpp"
#include "ats/core/error.hpp"
#include "ats/core/fixed_point.hpp"
#include "ats/core/side.hpp"

namespace ats::hft {

/// A level-2 (market-by-price) order book addressed by price ticks (price / tick size).
///
/// Storage (hftbacktest's "region of interest" idea): a dense array per side covers the ticks
/// in [roi_low, roi_high], where nearly every update lands; levels outside it live in a sorted
/// map, so no price is ever refused or dropped. Setting a level is O(1) inside the region;
/// finding the next best after the best empties scans the dense array (levels near the touch are
/// close together) and looks at the map. Quantities are exact (Qty). Not thread-safe.
class L2Book {
public:
    static constexpr std::int64_t kNoBid = std::numeric_limits<std::int64_t>::min();
    static constexpr std::int64_t kNoAsk = std::numeric_limits<std::int64_t>::max();
    /// Largest dense region per side (ticks): 16M levels, 256 MB per side.
    static constexpr std::int64_t kMaxRoiTicks = 16'000'000;

    /// kInvalidArgument unless tick > 0, roi_low <= roi_high and the region is at most
    /// kMaxRoiTicks wide. Both bounds are rounded to the tick.
    static Result<L2Book> create(Price tick_size, Price roi_low, Price roi_high);

    Price tick_size() const noexcept { return tick_; }
    /// Whether `price` is a whole number of ticks.
    bool on_tick(Price price) const noexcept { return price.raw() % tick_.raw() == 0; }
    std::int64_t to_tick(Price price) const noexcept { return price.raw() / tick_.raw(); }
    Price to_price(std::int64_t tick) const noexcept { return Price::from_raw(tick * tick_.raw()); }

    /// Sets a level's quantity (zero removes it); returns the previous quantity.
    Qty set(Side side, std::int64_t tick, Qty qty) {
        return side == Side::kBuy ? set_bid(tick, qty) : set_ask(tick, qty);
    }
    Qty qty_at(Side side, std::int64_t tick) const noexcept {
        return side == Side::kBuy ? bids_.get(tick) : asks_.get(tick);
    }

    bool has_bid() const noexcept { return best_bid_ != kNoBid; }
    bool has_ask() const noexcept { return best_ask_ != kNoAsk; }
    /// kNoBid / kNoAsk when the side is empty.
    std::int64_t best_bid_tick() const noexcept { return best_bid_; }
    std::int64_t best_ask_tick() const noexcept { return best_ask_; }
    std::int64_t best_tick(Side side) const noexcept {
        return side == Side::kBuy ? best_bid_ : best_ask_;
    }
    Qty best_bid_qty() const noexcept { return has_bid() ? bids_.get(best_bid_) : Qty{}; }
    Qty best_ask_qty() const noexcept { return has_ask() ? asks_.get(best_ask_) : Qty{}; }
    /// (best bid + best ask) / 2 in price units; 0 unless both sides have a level.
    double mid() const noexcept {
        if (!has_bid() || !has_ask()) {
            return 0;
        }
        return 0.5 * static_cast<double>(best_bid_ + best_ask_) * tick_.to_double();
    }

    /// Calls f(tick, qty) for the levels of `side` from the best outward while it returns true.
    template <class F>
    void walk(Side side, F&& f) const {
        std::int64_t t = best_tick(side);
        while (t != kNoBid && t != kNoAsk) {
            if (!f(t, qty_at(side, t))) {
                return;
            }
            t = side == Side::kBuy ? next_bid_below(t) : next_ask_above(t);
        }
    }

    /// Removes every level.
    void clear();
    /// Levels outside the dense region (stored in the maps).
    std::size_t outside_levels() const noexcept {
        return bids_.outside.size() + asks_.outside.size();
    }

    /// The best bid strictly below `tick` (kNoBid if none); the best ask strictly above.
    std::int64_t next_bid_below(std::int64_t tick) const;
    std::int64_t next_ask_above(std::int64_t tick) const;

private:
    struct SideLevels {
        std::int64_t lo = 0;  // dense region [lo, lo + dense.size())
        std::vector<Qty> dense;
        std::size_t dense_count = 0;  // non-zero dense levels
        std::map<std::int64_t, Qty> outside;

        bool in_roi(std::int64_t tick) const noexcept {
            return static_cast<std::uint64_t>(tick - lo) < dense.size();
        }
        Qty get(std::int64_t tick) const noexcept {
            if (in_roi(tick)) {
                return dense[static_cast<std::size_t>(tick - lo)];
            }
            const auto it = outside.find(tick);
            return it == outside.end() ? Qty{} : it->second;
        }
        Qty put(std::int64_t tick, Qty qty);
    };

    L2Book() = default;

    Qty set_bid(std::int64_t tick, Qty qty) {
        const Qty before = bids_.put(tick, qty);
        if (qty.is_positive()) {
            if (tick > best_bid_ || best_bid_ == kNoBid) {
                best_bid_ = tick;
            }
        } else if (tick == best_bid_) {
            best_bid_ = next_bid_below(tick);
        }
        return before;
    }
    Qty set_ask(std::int64_t tick, Qty qty) {
        const Qty before = asks_.put(tick, qty);
        if (qty.is_positive()) {
            if (tick < best_ask_) {
                best_ask_ = tick;
            }
        } else if (tick == best_ask_) {
            best_ask_ = next_ask_above(tick);
        }
        return before;
    }

    Price tick_;
    SideLevels bids_;
    SideLevels asks_;
    std::int64_t best_bid_ = kNoBid;
    std::int64_t best_ask_ = kNoAsk;
};

inline Qty L2Book::SideLevels::put(std::int64_t tick, Qty qty) {
    if (in_roi(tick)) {
        Qty& slot = dense[static_cast<std::size_t>(tick - lo)];
        const Qty before = slot;
        dense_count += static_cast<std::size_t>(qty.is_positive()) -
                       static_cast<std::size_t>(before.is_positive());
        slot = qty;
        return before;
    }
    if (qty.is_positive()) {
        auto [it, inserted] = outside.try_emplace(tick, qty);
        if (inserted) {
            return Qty{};
        }
        const Qty before = it->second;
        it->second = qty;
        return before;
    }
    const auto it = outside.find(tick);
    if (it == outside.end()) {
        return Qty{};
    }
    const Qty before = it->second;
    outside.erase(it);
    return before;
}

}  // namespace ats::hft
