#pragma once

#include <cstdint>

#include "ats/core/error.hpp"

namespace ats::hft {

/// How a resting order's place in its price level's queue (the quantity ahead of it) moves.
///
/// - Risk-averse: the queue ahead shrinks only by trades at the order's price; a depth decrease
///   moves the order forward only when the level becomes smaller than the quantity ahead.
/// - Probabilistic (hftbacktest's ProbQueueModel): a depth decrease not explained by trades at
///   the level is split between the front and the back of the queue. With `front` the quantity
///   ahead, `back` the quantity behind and p = f(back) / (f(back) + f(front)) the probability
///   that the cancel came from behind:
///       front' = front - (1 - p) * chg + min(back - p * chg, 0),  clamped to [0, new level]
///   where f(x) = x^n (power) or f(x) = log(1 + x) (log).
enum class QueueKind : std::uint8_t { kRiskAverse, kPower, kLog };

struct QueueModel {
    QueueKind kind = QueueKind::kRiskAverse;
    double power = 2.0;  ///< n of f(x) = x^n, in (0, 10]

    Status validate() const;

    /// p in [0, 1]: the probability that a decrease at the level came from behind the order.
    double prob_behind(double front, double back) const noexcept;

    /// The new quantity ahead after the level went from `before` to `after`, where `traded` of
    /// the change is trades at this price already taken off `front` when they happened.
    double on_depth(double front, double before, double after, double traded) const noexcept;
};

}  // namespace ats::hft
