#pragma once

#include <string>
#include <string_view>

#include "ats/core/error.hpp"
#include "ats/model/bar.hpp"

namespace ats::binance {

/// One `kline` stream event: the bar so far (or final when `closed`, Binance's `x`).
struct KlineEvent {
    std::string symbol;  ///< `k.s`, e.g. "BTCUSDT"
    std::string interval;
    bool closed = false;
    model::Bar bar;
};

/// Parses a kline event (raw, or wrapped as {"stream","data"} by combined streams) with
/// simdjson; decimals go straight to fixed point. Unknown fields are ignored. kParse for
/// malformed JSON, another event type or a missing/bad o/h/l/c/v/t/T. Reuses `out`'s strings.
/// Not thread-safe across threads sharing `out` (the parser is per thread).
Status parse_kline_event(std::string_view json, KlineEvent& out);

}  // namespace ats::binance
