#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "ats/core/error.hpp"
#include "ats/model/bar_series.hpp"

namespace ats::ml {

/// How rows are labelled. kForwardReturn: 1 when close[t+horizon] > close[t] (rows whose absolute
/// simple return is <= dead_zone are dropped). kTripleBarrier: walking bars t+1..t+horizon, 1 when
/// the high reaches the take-profit barrier first, 0 when the low reaches the stop first (a bar
/// touching both counts as the stop), and at the time limit the sign of the return; barriers are
/// close[t] * (1 +/- pct) or close[t] +/- multiple * ATR(14) at t.
struct LabelSpec {
    enum class Kind : unsigned char { kForwardReturn, kTripleBarrier };
    Kind kind = Kind::kForwardReturn;
    std::size_t horizon = 1;
    double dead_zone = 0.0;     ///< forward return only, as a fraction (0.001 = 0.1%)
    double take_profit = 0.02;  ///< triple barrier
    double stop_loss = 0.02;    ///< triple barrier
    bool atr_units = false;     ///< triple barrier: barriers in ATR(14) multiples instead of %

    /// "forward_return:1", "forward_return:4:0.001", "triple_barrier:24:0.02:0.02",
    /// "triple_barrier:24:2atr:1atr". kInvalidArgument on anything else.
    static Result<LabelSpec> parse(std::string_view text);
    std::string to_string() const;
};

/// One label per usable bar: bar index, the label and the index of the last bar the label looks
/// at (for purging training rows whose label reaches into a test window).
struct Labels {
    std::vector<std::size_t> index;
    std::vector<float> value;
    std::vector<std::size_t> horizon_end;
    std::size_t size() const noexcept { return index.size(); }
};

Labels make_labels(const LabelSpec& spec, const model::BarSeries& series);

}  // namespace ats::ml
