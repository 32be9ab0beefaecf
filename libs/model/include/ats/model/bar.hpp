#pragma once

#include <cstdint>
#include <optional>

#include "ats/core/fixed_point.hpp"
#include "ats/core/time.hpp"

namespace ats::model {

/// One OHLCV candle (Binance kline). `open_time` is the first instant of the bar; `close_time` is
/// the last one included, Binance's convention: open_time + interval - 1 ms. A bar is only final
/// (usable without look-ahead) at close_time. Optional fields are absent when the source lacks
/// them; absent never means zero.
struct Bar {
    Timestamp open_time;
    Timestamp close_time;
    Price open;
    Price high;
    Price low;
    Price close;
    Qty volume;                               ///< base asset volume
    std::optional<Money> quote_volume;        ///< quote asset volume
    std::optional<std::int64_t> trade_count;  ///< number of trades
    std::optional<Qty> taker_buy_base_volume;
    std::optional<Money> taker_buy_quote_volume;

    friend bool operator==(const Bar&, const Bar&) = default;
};

}  // namespace ats::model
