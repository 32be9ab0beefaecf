#include "ats/model/gap_ledger.hpp"

#include <algorithm>

#include "ats/core/check.hpp"

namespace ats::model {

std::string_view to_string(GapState state) noexcept {
    switch (state) {
        case GapState::kMissing:
            return "missing";
        case GapState::kFilled:
            return "filled";
        case GapState::kBackfilled:
            return "backfilled";
    }
    return "unknown";
}

std::size_t GapLedger::missing_runs() const noexcept {
    return static_cast<std::size_t>(std::count_if(
        gaps_.begin(), gaps_.end(), [](const Gap& g) { return g.state == GapState::kMissing; }));
}

std::int64_t GapLedger::missing_bars() const noexcept {
    std::int64_t total = 0;
    for (const auto& g : gaps_) {
        if (g.state == GapState::kMissing) {
            total += g.bars;
        }
    }
    return total;
}

bool GapLedger::is_missing(Timestamp open_time) const noexcept {
    // First gap starting after open_time; the candidate is the one before it.
    auto it =
        std::upper_bound(gaps_.begin(), gaps_.end(), open_time, [](Timestamp t, const Gap& g) {
            return t < g.first;
        });
    if (it == gaps_.begin()) {
        return false;
    }
    --it;
    if (it->state != GapState::kMissing) {
        return false;
    }
    const Duration offset = open_time - it->first;
    return offset % interval_ == Duration{} && offset / interval_ < it->bars;
}

void GapLedger::record(Timestamp first, std::int64_t bars) {
    ATS_CHECK(bars > 0, "gap of {} bars at {}", bars, first);
    ATS_CHECK(
        gaps_.empty() || gaps_.back().last(interval_) < first,
        "gap at {} recorded out of order",
        first);
    gaps_.push_back(Gap{first, bars, GapState::kMissing});
}

void GapLedger::set_state(std::size_t index, GapState state) {
    ATS_CHECK(index < gaps_.size(), "gap index {} out of range", index);
    gaps_[index].state = state;
}

}  // namespace ats::model
