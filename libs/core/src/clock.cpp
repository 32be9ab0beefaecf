#include "ats/core/clock.hpp"

#include <chrono>

#include "ats/core/check.hpp"

namespace ats {

Timestamp RealClock::now() const {
    const auto since_epoch = std::chrono::system_clock::now().time_since_epoch();
    return Timestamp::from_unix_ns(
        std::chrono::duration_cast<std::chrono::nanoseconds>(since_epoch).count());
}

void SimulatedClock::advance_to(Timestamp t) {
    ATS_CHECK(t >= now_, "simulated clock moved back from {} to {}", now_, t);
    now_ = t;
}

void SimulatedClock::advance_by(Duration d) {
    ATS_CHECK(d >= Duration{}, "simulated clock advanced by a negative duration {}", d);
    now_ += d;
}

}  // namespace ats
