#pragma once

#include <vector>

#include "ats/core/fixed_point.hpp"
#include "ats/core/symbol.hpp"
#include "ats/model/bar.hpp"
#include "ats/model/events.hpp"
#include "ats/model/instrument.hpp"
#include "ats/model/ports.hpp"

namespace ats::testing {

/// Records every event emitted into it.
class RecordingSink final : public model::EventSink {
public:
    void emit(model::Event event) override { events.push_back(std::move(event)); }

    template <class T>
    std::vector<T> of() const {
        std::vector<T> out;
        for (const auto& e : events) {
            if (const auto* p = std::get_if<T>(&e)) {
                out.push_back(*p);
            }
        }
        return out;
    }

    std::vector<model::Event> events;
};

inline Price px(const char* s) {
    return *Price::parse(s);
}
inline Qty qty(const char* s) {
    return *Qty::parse(s);
}
inline Money money(const char* s) {
    return *Money::parse(s);
}
inline Symbol sym(const char* s) {
    return *Symbol::parse(s);
}

/// An hourly bar at hour `h` (from the epoch).
inline model::Bar bar(
    std::int64_t h,
    const char* o,
    const char* hi,
    const char* lo,
    const char* c,
    const char* v = "100") {
    const auto t = Timestamp::from_unix_seconds(h * 3600);
    return model::Bar{
        t,
        t + Duration::from_hours(1) - Duration::from_ms(1),
        px(o),
        px(hi),
        px(lo),
        px(c),
        qty(v),
        std::nullopt,
        std::nullopt,
        std::nullopt,
        std::nullopt};
}

inline model::Instrument instrument(const char* symbol = "BTCUSDT") {
    return model::Instrument{
        sym(symbol),
        "BTC",
        "USDT",
        px("0.01"),
        qty("0.00001"),
        qty("0.00001"),
        std::nullopt,
        money("5")};
}

}  // namespace ats::testing
