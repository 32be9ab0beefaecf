#pragma once

#include <cstdint>
#include <vector>

#include "ats/core/error.hpp"
#include "ats/core/time.hpp"
#include "ats/model/bar_series.hpp"

namespace ats::data {

/// A target bucket that did not get every source bar it should have (a gap in the source or the
/// first/last partial bucket of the series).
struct IncompleteBucket {
    Timestamp open_time;
    std::int64_t bars_present = 0;
    std::int64_t bars_expected = 0;
};

struct ResampleResult {
    model::BarSeries series;
    std::vector<IncompleteBucket> incomplete;  ///< in time order; kept in `series` unless dropped
};

struct ResampleOptions {
    bool drop_incomplete = false;  ///< leave incomplete buckets out (they are still reported)
};

/// Aggregates bars into UTC-aligned buckets of `to` (a multiple of the source interval that
/// divides a day, or a whole number of days): open of the first bar, max high, min low, close of
/// the last bar, sums of volumes and trade counts. Buckets are aligned to the Unix epoch, so 1d
/// buckets start at 00:00 UTC and 4h buckets at 00, 04, ... UTC. Buckets with no source bar are
/// not invented: they go into the output's gap ledger. kInvalidArgument for an unsupported target,
/// kOutOfRange when a sum overflows.
Result<ResampleResult> resample(
    const model::BarSeries& source, Duration to, const ResampleOptions& options = {});

}  // namespace ats::data
