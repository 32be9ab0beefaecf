#pragma once

#include "ats/core/time.hpp"

namespace ats {

/// Source of the current time. Domain code takes a Clock& and never calls the system clock itself,
/// so a backtest and a live run differ only in which clock is injected.
class Clock {
public:
    virtual ~Clock() = default;
    virtual Timestamp now() const = 0;
};

/// Wall-clock UTC time from std::chrono::system_clock.
class RealClock final : public Clock {
public:
    Timestamp now() const override;
};

/// A clock that moves only when told: backtests advance it to each event's time. Never goes
/// backwards (moving it back is a broken invariant and aborts). Not thread-safe.
class SimulatedClock final : public Clock {
public:
    explicit SimulatedClock(Timestamp start = Timestamp{}) noexcept : now_(start) {}

    Timestamp now() const override { return now_; }
    void advance_to(Timestamp t);
    void advance_by(Duration d);

private:
    Timestamp now_;
};

}  // namespace ats
