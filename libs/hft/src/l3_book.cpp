#include "ats/hft/l3_book.hpp"

#include <algorithm>

namespace ats::hft {

L3Book::L3Book(std::int64_t center_tick, std::int64_t initial_width) {
    const std::int64_t width = std::max<std::int64_t>(initial_width, 64);
    base_ = center_tick - width / 2;
    bids_.resize(static_cast<std::size_t>(width));
    asks_.resize(static_cast<std::size_t>(width));
}

void L3Book::ensure(std::int64_t tick) {
    const auto size = static_cast<std::int64_t>(bids_.size());
    if (tick >= base_ && tick < base_ + size) {
        return;
    }
    const std::int64_t lo = std::min(base_, tick);
    const std::int64_t hi = std::max(base_ + size, tick + 1);
    const std::int64_t width = std::max<std::int64_t>(2 * size, 2 * (hi - lo));
    const std::int64_t new_base = lo - (width - (hi - lo)) / 2;
    std::vector<Level> bids(static_cast<std::size_t>(width));
    std::vector<Level> asks(static_cast<std::size_t>(width));
    const auto shift = static_cast<std::size_t>(base_ - new_base);
    std::copy(bids_.begin(), bids_.end(), bids.begin() + static_cast<std::ptrdiff_t>(shift));
    std::copy(asks_.begin(), asks_.end(), asks.begin() + static_cast<std::ptrdiff_t>(shift));
    bids_.swap(bids);
    asks_.swap(asks);
    base_ = new_base;
}

L3Book::Level& L3Book::level(Side side, std::int64_t tick) {
    ensure(tick);
    auto& levels = side == Side::kBuy ? bids_ : asks_;
    return levels[static_cast<std::size_t>(tick - base_)];
}

const L3Book::Level* L3Book::find_level(Side side, std::int64_t tick) const noexcept {
    const auto& levels = side == Side::kBuy ? bids_ : asks_;
    if (tick < base_ || tick >= base_ + static_cast<std::int64_t>(levels.size())) {
        return nullptr;
    }
    return &levels[static_cast<std::size_t>(tick - base_)];
}

std::uint32_t L3Book::allocate() {
    if (!free_.empty()) {
        const std::uint32_t i = free_.back();
        free_.pop_back();
        return i;
    }
    nodes_.emplace_back();
    nodes_.back().generation = 1;  // ids are never 0
    return static_cast<std::uint32_t>(nodes_.size() - 1);
}

void L3Book::unlink(std::uint32_t i) {
    Node& n = nodes_[i];
    Level& l = level(n.side, n.tick);
    if (n.prev != kNil) {
        nodes_[n.prev].next = n.next;
    } else {
        l.head = n.next;
    }
    if (n.next != kNil) {
        nodes_[n.next].prev = n.prev;
    } else {
        l.tail = n.prev;
    }
    l.lots -= n.lots;
    n.active = false;
    ++n.generation;  // ids of this slot's earlier order are stale from now on
    free_.push_back(i);
    --resting_;
}

void L3Book::refresh_best(Side side) {
    if (side == Side::kBuy) {
        std::int64_t t = best_bid_;
        while (t != kNone) {
            const Level* l = find_level(Side::kBuy, t);
            if (l == nullptr) {
                t = kNone;
            } else if (l->lots > 0) {
                break;
            } else {
                t = t - 1 >= base_ ? t - 1 : kNone;
            }
        }
        best_bid_ = t;
    } else {
        std::int64_t t = best_ask_;
        const std::int64_t end = base_ + static_cast<std::int64_t>(asks_.size());
        while (t != kNone) {
            const Level* l = find_level(Side::kSell, t);
            if (l == nullptr) {
                t = kNone;
            } else if (l->lots > 0) {
                break;
            } else {
                t = t + 1 < end ? t + 1 : kNone;
            }
        }
        best_ask_ = t;
    }
}

std::int64_t L3Book::take(
    std::uint32_t owner,
    Side side,
    std::int64_t lots,
    std::int64_t limit_tick,
    std::vector<Fill>& fills) {
    (void)owner;
    const Side other = opposite(side);
    std::int64_t done = 0;
    while (lots > 0) {
        const std::int64_t best = other == Side::kSell ? best_ask_ : best_bid_;
        if (best == kNone) {
            break;
        }
        if (limit_tick != kNone && (side == Side::kBuy ? best > limit_tick : best < limit_tick)) {
            break;
        }
        Level& l = level(other, best);
        while (lots > 0 && l.head != kNil) {
            const std::uint32_t i = l.head;
            Node& n = nodes_[i];
            const std::int64_t q = std::min(lots, n.lots);
            const std::uint64_t id = (std::uint64_t{n.generation} << 32) | i;
            const std::uint32_t maker = n.owner;
            n.lots -= q;
            l.lots -= q;
            lots -= q;
            done += q;
            const bool maker_done = n.lots == 0;
            if (maker_done) {
                unlink(i);  // n.lots is 0: the level's total is already right
            }
            fills.push_back(Fill{id, maker, best, q, maker_done});
        }
        if (l.lots == 0) {
            refresh_best(other);
        }
    }
    return done;
}

std::uint64_t L3Book::limit(
    std::uint32_t owner,
    Side side,
    std::int64_t tick,
    std::int64_t lots,
    std::vector<Fill>& fills) {
    if (lots <= 0) {
        return 0;
    }
    lots -= take(owner, side, lots, tick, fills);
    if (lots == 0) {
        return 0;
    }
    const std::uint32_t i = allocate();
    Level& l = level(side, tick);  // may recenter: take node references after it
    Node& n = nodes_[i];
    n.owner = owner;
    n.side = side;
    n.tick = tick;
    n.lots = lots;
    n.active = true;
    n.next = kNil;
    n.prev = l.tail;
    if (l.tail != kNil) {
        nodes_[l.tail].next = i;
    } else {
        l.head = i;
    }
    l.tail = i;
    l.lots += lots;
    ++resting_;
    if (side == Side::kBuy) {
        best_bid_ = best_bid_ == kNone ? tick : std::max(best_bid_, tick);
    } else {
        best_ask_ = best_ask_ == kNone ? tick : std::min(best_ask_, tick);
    }
    return (std::uint64_t{n.generation} << 32) | i;
}

std::int64_t L3Book::market(
    std::uint32_t owner, Side side, std::int64_t lots, std::vector<Fill>& fills) {
    return lots > 0 ? take(owner, side, lots, kNone, fills) : 0;
}

bool L3Book::live(std::uint64_t id) const noexcept {
    const auto i = static_cast<std::uint32_t>(id & 0xFFFFFFFFU);
    const auto generation = static_cast<std::uint32_t>(id >> 32);
    return i < nodes_.size() && nodes_[i].active && nodes_[i].generation == generation;
}

bool L3Book::cancel(std::uint64_t id, std::int64_t* lots_left) {
    if (!live(id)) {
        return false;
    }
    const auto i = static_cast<std::uint32_t>(id & 0xFFFFFFFFU);
    const Side side = nodes_[i].side;
    const std::int64_t tick = nodes_[i].tick;
    if (lots_left != nullptr) {
        *lots_left = nodes_[i].lots;
    }
    unlink(i);
    const Level* l = find_level(side, tick);
    if (l != nullptr && l->lots == 0 && tick == (side == Side::kBuy ? best_bid_ : best_ask_)) {
        refresh_best(side);
    }
    return true;
}

std::int64_t L3Book::lots_at(Side side, std::int64_t tick) const noexcept {
    const Level* l = find_level(side, tick);
    return l != nullptr ? l->lots : 0;
}

std::int64_t L3Book::depth(Side side, int levels) const noexcept {
    std::int64_t t = side == Side::kBuy ? best_bid_ : best_ask_;
    std::int64_t total = 0;
    int seen = 0;
    const std::int64_t end = base_ + static_cast<std::int64_t>(bids_.size());
    while (t != kNone && t >= base_ && t < end && seen < levels) {
        const std::int64_t q = lots_at(side, t);
        if (q > 0) {
            total += q;
            ++seen;
        }
        t += side == Side::kBuy ? -1 : 1;
    }
    return total;
}

}  // namespace ats::hft
