#pragma once

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

/// Parses a depthUpdate event (raw or wrapped as {"stream","data"}) with simdjson; decimals go
/// straight to fixed point. kParse for malformed JSON, a missing field or a bad decimal; unknown
/// fields are ignored. Reuses `out`'s vectors. Not thread-safe (one parser per thread).
Status parse_depth_update(std::string_view json, DepthUpdate& out);

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
    void apply(const DepthUpdate& update);

    State state_ = State::kBuffering;
    std::int64_t update_id_ = 0;
    std::map<Price, Qty, std::greater<>> bids_;
    std::map<Price, Qty> asks_;
    std::vector<DepthUpdate> buffer_;
    Counters counters_;
    std::vector<Gap> gaps_;
};

}  // namespace ats::binance
