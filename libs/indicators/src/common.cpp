#include "ats/indicators/common.hpp"

#include <cmath>

#include <fmt/format.h>

#include "ats/indicators/batch.hpp"
#include "ats/indicators/oscillators.hpp"
#include "ats/indicators/trend.hpp"

namespace ats::indicators {

Status check_period(std::string_view indicator, std::string_view param, int value, int min) {
    if (value < min || value > kMaxPeriod) {
        return make_error(
            ErrorCode::kInvalidArgument,
            fmt::format(
                "{}: {} must be an integer in [{}, {}], got {}",
                indicator,
                param,
                min,
                kMaxPeriod,
                value));
    }
    return ok_status();
}

Status check_real(std::string_view indicator, std::string_view param, double value, double min) {
    if (!std::isfinite(value) || value < min) {
        return make_error(
            ErrorCode::kInvalidArgument,
            fmt::format(
                "{}: {} must be a finite number >= {}, got {}", indicator, param, min, value));
    }
    return ok_status();
}

BarColumns BarColumns::from(const model::BarSeries& series) {
    BarColumns out;
    out.open_time_ns.reserve(series.size());
    for (const auto t : series.open_time()) {
        out.open_time_ns.push_back(t.unix_ns());
    }
    out.open = model::BarSeries::to_double(series.open());
    out.high = model::BarSeries::to_double(series.high());
    out.low = model::BarSeries::to_double(series.low());
    out.close = model::BarSeries::to_double(series.close());
    out.volume = model::BarSeries::to_double(series.volume());
    return out;
}

UltOsc::UltOsc(int period1, int period2, int period3)
    : seen_(detail::checked(validate(period1, period2, period3), 0)) {
    std::int64_t p[3] = {period1, period2, period3};
    // Ascending: the shortest period gets weight 4, the longest weight 1 (TA-Lib sorts too).
    for (int i = 0; i < 2; ++i) {
        for (int j = 0; j < 2 - i; ++j) {
            if (p[j] > p[j + 1]) {
                const std::int64_t t = p[j];
                p[j] = p[j + 1];
                p[j + 1] = t;
            }
        }
    }
    for (std::size_t k = 0; k < 3; ++k) {
        periods_[k] = p[k];
        first_[k] = p[2] - p[k] + 1;
    }
    buying_ = detail::Ring(static_cast<std::size_t>(p[2]));
    ranges_ = detail::Ring(static_cast<std::size_t>(p[2]));
}

}  // namespace ats::indicators
