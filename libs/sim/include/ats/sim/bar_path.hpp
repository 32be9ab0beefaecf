#pragma once

#include <array>
#include <optional>

#include "ats/core/fixed_point.hpp"
#include "ats/core/time.hpp"
#include "ats/model/bar.hpp"

namespace ats::sim {

/// The path a bar's price is assumed to take, for fills inside the bar: open, then the extreme
/// nearer the open, then the other extreme, then the close (O→H→L→C or O→L→H→C; when both
/// extremes are equally far, the low comes first), at constant speed over the bar's time
/// [open_time, close_time]. OHLC says nothing of the real order; this rule is the documented
/// assumption, and it makes every fill inside a bar a point in time, so orders can be matched
/// causally: an order placed at a point is only matched against the path after it.
///
/// Positions on the path are distances in raw price units (10^-8) from the open.
class BarPath {
public:
    using Distance = detail::Int128;

    explicit BarPath(const model::Bar& bar);

    Distance length() const noexcept { return d_[3]; }
    Timestamp open_time() const noexcept { return open_time_; }
    Timestamp close_time() const noexcept { return close_time_; }
    Price open() const noexcept { return Price::from_raw(p_[0]); }
    Price close() const noexcept { return Price::from_raw(p_[3]); }
    Price low() const noexcept { return low_; }
    Price high() const noexcept { return high_; }

    /// Price at distance x (clamped to the path).
    Price price_at(Distance x) const noexcept;
    /// When the path is at x: open_time + (close_time - open_time) * x / length, rounded down.
    Timestamp time_at(Distance x) const noexcept;
    /// The first position at or after time t (0 at or before the open, length() at the close).
    Distance position_at(Timestamp t) const noexcept;
    /// First x >= from where the price is at or below `level` (at_or_below) or at or above it;
    /// nullopt when the rest of the path never gets there.
    std::optional<Distance> first_reach(
        Distance from, Price level, bool at_or_below) const noexcept;

private:
    Timestamp open_time_;
    Timestamp close_time_;
    Price low_;
    Price high_;
    std::array<std::int64_t, 4> p_{};  // raw prices of the path's points
    std::array<Distance, 4> d_{};      // cumulative distance of each point
};

}  // namespace ats::sim
