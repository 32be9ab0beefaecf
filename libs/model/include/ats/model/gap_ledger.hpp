#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "ats/core/time.hpp"

namespace ats::model {

/// What became of a run of missing bars. Nothing is ever forward-filled silently: a filled or
/// backfilled run keeps its entry so consumers can still tell real bars from absent ones.
enum class GapState : std::uint8_t {
    kMissing,     ///< no bar exists in the series for these times
    kFilled,      ///< synthetic bars were inserted (e.g. flat bars at the previous close)
    kBackfilled,  ///< real bars were fetched later (e.g. from REST history) and inserted
};

std::string_view to_string(GapState state) noexcept;

/// One run of consecutive missing bars: `bars` bars starting at `first` (an open time).
struct Gap {
    Timestamp first;
    std::int64_t bars = 0;
    GapState state = GapState::kMissing;

    /// Open time of the last missing bar.
    Timestamp last(Duration interval) const { return first + interval * (bars - 1); }
    friend bool operator==(const Gap&, const Gap&) = default;
};

/// The record of absent bars that travels with a BarSeries, sorted by time. Built by loaders
/// (append only, in time order) and updated by fillers/backfillers via set_state.
class GapLedger {
public:
    GapLedger() = default;
    explicit GapLedger(Duration interval) : interval_(interval) {}

    Duration interval() const noexcept { return interval_; }
    const std::vector<Gap>& gaps() const noexcept { return gaps_; }
    bool empty() const noexcept { return gaps_.empty(); }

    /// Number of runs and of bars still in state kMissing.
    std::size_t missing_runs() const noexcept;
    std::int64_t missing_bars() const noexcept;

    /// True when `open_time` falls in a recorded gap in state kMissing.
    bool is_missing(Timestamp open_time) const noexcept;

    /// Records `bars` missing bars from `first`; runs must be appended in time order.
    void record(Timestamp first, std::int64_t bars);
    void set_state(std::size_t index, GapState state);
    void clear() noexcept { gaps_.clear(); }

private:
    Duration interval_;
    std::vector<Gap> gaps_;
};

}  // namespace ats::model
