#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ats/core/error.hpp"
#include "ats/hft/simulator.hpp"

namespace ats::hft {

/// Distance buckets from the touch, in ticks behind the same side's best when the order reached
/// the exchange: "inside" (< 0, improving the touch), "0", "1", "2-4", "5-9", "10+".
inline constexpr int kDistanceBuckets = 6;
int distance_bucket(std::int64_t touch_ticks) noexcept;
const char* distance_bucket_name(int bucket) noexcept;

/// Resting orders and how many of them got any fill, per distance bucket, and their waits in the
/// queue (arrival to first fill, seconds) for the report's histogram.
struct FillRatios {
    std::size_t orders[kDistanceBuckets] = {};
    std::size_t filled[kDistanceBuckets] = {};
    std::vector<double> queue_wait_s;
};
FillRatios fill_ratios(const SimResult& result);

/// A limit order of a recorded session (`ats live` or `ats paper` state), with what happened to
/// it there.
struct RecordedOrder {
    std::int64_t placed_ns = 0;
    Side side = Side::kBuy;
    Price price;
    Qty qty;
    Qty filled;                       ///< what the session got
    std::int64_t first_fill_ns = -1;  ///< -1: never filled
    std::int64_t canceled_ns = -1;    ///< -1: never canceled (filled, or open at the end)
};

struct CalibrationRow {
    std::string bucket;
    std::size_t orders = 0;
    std::size_t real_filled = 0;
    std::size_t sim_filled = 0;
    double real_wait_s = 0;  ///< mean time placed -> first fill of the filled ones (0 if none)
    double sim_wait_s = 0;
};

struct Calibration {
    std::vector<CalibrationRow> rows;  ///< the buckets with orders, then "all"
    std::size_t replayed = 0;
    std::size_t outside = 0;  ///< recorded orders outside the recording's time span, skipped
    SimResult sim;
};

/// Replays the recorded orders through the simulator at their placement and cancel times (the
/// same prices and sizes, nothing else trading for us) and compares, per distance bucket, how
/// many got a fill there and here and how long it took. The simulator's models are what is
/// being calibrated: the closer the columns, the better they fit that venue.
Result<Calibration> calibrate(
    const TickData& data, const SimConfig& config, const std::vector<RecordedOrder>& recorded);

}  // namespace ats::hft
