#include "ats/hft/queue_model.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

namespace ats::hft {

Status QueueModel::validate() const {
    if (kind == QueueKind::kPower && !(power > 0 && power <= 10)) {
        return make_error(
            ErrorCode::kInvalidArgument,
            fmt::format("queue model power must be in (0, 10], got {}", power));
    }
    return ok_status();
}

double QueueModel::prob_behind(double front, double back) const noexcept {
    front = std::max(front, 0.0);
    back = std::max(back, 0.0);
    double f_front = 0;
    double f_back = 0;
    if (kind == QueueKind::kLog) {
        f_front = std::log1p(front);
        f_back = std::log1p(back);
    } else {
        f_front = std::pow(front, power);
        f_back = std::pow(back, power);
    }
    const double sum = f_front + f_back;
    return sum > 0 ? f_back / sum : 1.0;
}

double QueueModel::on_depth(
    double front, double before, double after, double traded) const noexcept {
    if (kind == QueueKind::kRiskAverse) {
        return std::clamp(std::min(front, after), 0.0, std::max(after, 0.0));
    }
    // What the level held apart from the trades already taken off the front.
    const double level = std::max(before - traded, 0.0);
    const double chg = level - after;  // the decrease not explained by trades
    if (chg <= 0) {
        return std::clamp(std::min(front, after), 0.0, std::max(after, 0.0));  // joins behind
    }
    const double back = std::max(level - front, 0.0);
    const double p = prob_behind(front, back);
    const double est = front - (1 - p) * chg + std::min(back - p * chg, 0.0);
    return std::clamp(est, 0.0, std::max(after, 0.0));
}

}  // namespace ats::hft
