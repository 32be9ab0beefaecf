#include "ats/sim/bar_path.hpp"

#include <algorithm>

namespace ats::sim {

BarPath::BarPath(const model::Bar& bar)
    : open_time_(bar.open_time), close_time_(bar.close_time), low_(bar.low), high_(bar.high) {
    const std::int64_t o = bar.open.raw();
    const std::int64_t h = bar.high.raw();
    const std::int64_t l = bar.low.raw();
    const std::int64_t c = bar.close.raw();
    // Distances to the extremes; a malformed bar (open outside its range) still gives a path.
    const Distance up = static_cast<Distance>(h) - o;
    const Distance down = static_cast<Distance>(o) - l;
    const bool high_first = up < down;
    p_ = {o, high_first ? h : l, high_first ? l : h, c};
    const auto span = [](std::int64_t a, std::int64_t b) {
        const Distance v = static_cast<Distance>(b) - a;
        return v < 0 ? -v : v;
    };
    d_[0] = 0;
    for (std::size_t k = 1; k < 4; ++k) {
        d_[k] = d_[k - 1] + span(p_[k - 1], p_[k]);
    }
}

Price BarPath::price_at(Distance x) const noexcept {
    x = std::clamp(x, Distance{0}, d_[3]);
    for (std::size_t k = 0; k < 3; ++k) {
        if (x <= d_[k + 1]) {
            const Distance step = x - d_[k];
            const Distance v = p_[k + 1] >= p_[k] ? p_[k] + step : p_[k] - step;
            return Price::from_raw(static_cast<std::int64_t>(v));
        }
    }
    return Price::from_raw(p_[3]);
}

Timestamp BarPath::time_at(Distance x) const noexcept {
    const Distance span_ns = close_time_.unix_ns() - open_time_.unix_ns();
    if (d_[3] == 0 || span_ns <= 0) {
        return open_time_;
    }
    x = std::clamp(x, Distance{0}, d_[3]);
    const Distance offset = span_ns * x / d_[3];
    return open_time_ + Duration::from_ns(static_cast<std::int64_t>(offset));
}

BarPath::Distance BarPath::position_at(Timestamp t) const noexcept {
    if (t <= open_time_) {
        return 0;
    }
    if (t >= close_time_) {
        return d_[3];
    }
    const Distance span_ns = close_time_.unix_ns() - open_time_.unix_ns();
    const Distance offset = (t - open_time_).ns();
    return (offset * d_[3] + span_ns - 1) / span_ns;  // ceiling: never before t
}

std::optional<BarPath::Distance> BarPath::first_reach(
    Distance from, Price level, bool at_or_below) const noexcept {
    const std::int64_t target = level.raw();
    const auto holds = [&](std::int64_t price) {
        return at_or_below ? price <= target : price >= target;
    };
    from = std::max(from, Distance{0});
    if (from > d_[3]) {
        return std::nullopt;
    }
    for (std::size_t k = 0; k < 3; ++k) {
        if (d_[k + 1] < from) {
            continue;
        }
        const Distance x = std::max(from, d_[k]);
        const std::int64_t start = price_at(x).raw();
        if (holds(start)) {
            return x;
        }
        const std::int64_t end = p_[k + 1];
        if (holds(end)) {
            // The segment moves monotonically from `start` to `end` and crosses the level.
            const Distance gap = at_or_below ? static_cast<Distance>(start) - target
                                             : static_cast<Distance>(target) - start;
            return x + gap;
        }
    }
    return std::nullopt;
}

}  // namespace ats::sim
