#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ats/core/error.hpp"
#include "ats/core/fixed_point.hpp"

namespace ats::binance {

using Level = std::pair<Price, Qty>;

namespace detail {

/// An open-addressing hash (linear probing, backward-shift deletion) from a price to its node
/// in one side of the book: a level that is already there (most diffs change a quantity) is
/// found without walking the ordered map. Prices are positive, so key 0 marks a free slot.
template <class Map>
class LevelIndex {
public:
    using Iter = typename Map::iterator;
    static constexpr std::size_t kNone = ~std::size_t{0};

    /// The slot holding `key`, or kNone.
    std::size_t find(std::int64_t key) const noexcept {
        if (slots_.empty()) {
            return kNone;
        }
        for (std::size_t i = home(key);; i = (i + 1) & mask_) {
            if (slots_[i].key == key) {
                return i;
            }
            if (slots_[i].key == 0) {
                return kNone;
            }
        }
    }
    Iter at(std::size_t slot) const noexcept { return slots_[slot].it; }

    /// Adds a key that is not in the index.
    void insert(std::int64_t key, Iter it) {
        if ((size_ + 1) * 2 > slots_.size()) {
            grow();
        }
        std::size_t i = home(key);
        while (slots_[i].key != 0) {
            i = (i + 1) & mask_;
        }
        slots_[i] = Slot{key, it};
        ++size_;
    }

    /// Removes the key in `slot` (from find), shifting back the probe chain behind it.
    void erase(std::size_t slot) noexcept {
        std::size_t hole = slot;
        for (std::size_t i = (hole + 1) & mask_; slots_[i].key != 0; i = (i + 1) & mask_) {
            const std::size_t want = home(slots_[i].key);
            // The entry may move into the hole when its home is not inside (hole, i].
            if (((i - want) & mask_) >= ((i - hole) & mask_)) {
                slots_[hole] = slots_[i];
                hole = i;
            }
        }
        slots_[hole] = Slot{};
        --size_;
    }

    void clear() noexcept {
        for (auto& slot : slots_) {
            slot = Slot{};
        }
        size_ = 0;
    }

private:
    struct Slot {
        std::int64_t key = 0;
        Iter it{};
    };

    std::size_t home(std::int64_t key) const noexcept {
        return static_cast<std::size_t>(
                   (static_cast<std::uint64_t>(key) * 0x9E3779B97F4A7C15ULL) >> 32) &
               mask_;
    }

    void grow() {
        std::vector<Slot> old = std::move(slots_);
        slots_.assign(old.empty() ? 64 : old.size() * 2, Slot{});
        mask_ = slots_.size() - 1;
        size_ = 0;
        for (const auto& slot : old) {
            if (slot.key != 0) {
                insert(slot.key, slot.it);
            }
        }
    }

    std::vector<Slot> slots_;
    std::size_t mask_ = 0;
    std::size_t size_ = 0;
};

}  // namespace detail

/// A `depthUpdate` diff event: levels with absolute quantities (0 = remove the level).
struct DepthUpdate {
    std::string symbol;
    std::int64_t event_ms = 0;
    std::int64_t first_id = 0;  ///< U
    std::int64_t final_id = 0;  ///< u
    std::vector<Level> bids;
    std::vector<Level> asks;
};

/// A REST `/depth` snapshot.
struct DepthSnapshot {
    std::int64_t last_update_id = 0;
    std::vector<Level> bids;
    std::vector<Level> asks;
};

/// Parses a depthUpdate event (raw or wrapped as {"stream","data"}); decimals go straight to
/// fixed point. Messages in Binance's own compact shape take a strict scanner (SWAR decimals);
/// every other text goes to simdjson, which gives the same result for any message both accept.
/// kParse for malformed JSON, a missing field or a bad decimal; unknown fields are ignored. Reuses
/// `out`'s vectors. Not thread-safe (one parser per thread).
Status parse_depth_update(std::string_view json, DepthUpdate& out);

namespace detail {
/// parse_depth_update without its fast path (simdjson alone): the reference it is tested
/// against.
Status parse_depth_update_simdjson(std::string_view json, DepthUpdate& out);
}  // namespace detail

/// Parses a REST depth snapshot.
Status parse_depth_snapshot(std::string_view json, DepthSnapshot& out);

/// An order book kept from a snapshot plus diffs by Binance's documented procedure
/// (binance-spot.md §10): buffer diffs until a snapshot; drop those with u <= lastUpdateId; the
/// first applied must straddle lastUpdateId + 1; afterwards an event with u < book id is stale
/// (ignored) and one with U > book id + 1 is a gap, which discards the book until the next
/// snapshot. Counters record every recovery. Not thread-safe.
class LocalOrderBook {
public:
    enum class State : std::uint8_t { kBuffering, kSynced };

    struct Counters {
        std::int64_t applied = 0;        ///< diffs applied
        std::int64_t stale = 0;          ///< diffs ignored as older than the book
        std::int64_t gaps = 0;           ///< missed diffs detected (each forces a resync)
        std::int64_t snapshots = 0;      ///< snapshots taken into the book
        std::int64_t too_old = 0;        ///< snapshots refused as older than the buffer
        std::int64_t level_updates = 0;  ///< price levels set or removed
    };

    /// One run of missed diffs: the book was discarded at it and rebuilt from a snapshot.
    struct Gap {
        std::int64_t event_ms = 0;      ///< E of the diff that revealed it
        std::int64_t missing_from = 0;  ///< first update id that never arrived (book id + 1)
        std::int64_t missing_to = 0;    ///< last one (U - 1)
        std::int64_t resynced_at = 0;   ///< lastUpdateId of the snapshot that replaced the book
                                        ///< (0: not resynced yet, the book is not usable)
    };

    /// A diff from the stream: buffered while not synced, applied once synced.
    void on_update(DepthUpdate update);

    /// Step 2-6 of the procedure. kFailedPrecondition when the snapshot is older than the first
    /// buffered diff (fetch another); on success the book is synced and the buffer applied.
    Status on_snapshot(const DepthSnapshot& snapshot);

    /// Whether a new REST snapshot is needed (after a start or a gap).
    bool needs_snapshot() const noexcept { return state_ == State::kBuffering; }
    State state() const noexcept { return state_; }
    std::int64_t update_id() const noexcept { return update_id_; }
    const std::map<Price, Qty, std::greater<>>& bids() const noexcept { return bids_; }
    const std::map<Price, Qty>& asks() const noexcept { return asks_; }
    const Counters& counters() const noexcept { return counters_; }
    /// The gap ledger of this book: every run of missed diffs and the snapshot that recovered
    /// it (the last 1,000 kept).
    const std::vector<Gap>& gaps() const noexcept { return gaps_; }

    /// Applies one diff's levels without the id checks (the hot loop; benchmarked).
    void apply_levels(const DepthUpdate& update);

private:
    using BidMap = std::map<Price, Qty, std::greater<>>;
    using AskMap = std::map<Price, Qty>;

    void apply(const DepthUpdate& update);
    void clear_levels() noexcept;

    State state_ = State::kBuffering;
    std::int64_t update_id_ = 0;
    BidMap bids_;
    AskMap asks_;
    detail::LevelIndex<BidMap> bid_index_;
    detail::LevelIndex<AskMap> ask_index_;
    std::vector<DepthUpdate> buffer_;
    Counters counters_;
    std::vector<Gap> gaps_;
};

}  // namespace ats::binance
