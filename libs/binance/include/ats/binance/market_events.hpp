#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "ats/core/error.hpp"
#include "ats/core/fixed_point.hpp"

namespace ats::binance {

/// A `trade` or `aggTrade` stream event (`t` or `a` is the id; an aggregate also has `f`/`l`).
struct TradeEvent {
    std::string symbol;
    bool aggregate = false;     ///< aggTrade
    std::int64_t id = 0;        ///< trade id, or aggregate trade id
    std::int64_t first_id = 0;  ///< aggTrade: first trade id (else = id)
    std::int64_t last_id = 0;   ///< aggTrade: last trade id (else = id)
    Price price;
    Qty qty;
    std::int64_t trade_ms = 0;  ///< `T`
    bool buyer_maker = false;   ///< `m`: the seller was the taker
};

/// A `bookTicker` stream event: best bid and ask (no event type or time on Binance).
struct BookTickerEvent {
    std::string symbol;
    std::int64_t update_id = 0;
    Price bid;
    Qty bid_qty;
    Price ask;
    Qty ask_qty;
};

/// Parse raw or combined-stream (`{"stream","data"}`) events with simdjson, decimals straight
/// to fixed point, unknown fields ignored. kParse for malformed JSON, another event type or a
/// missing/bad field. Reuse `out` across calls (its string keeps its buffer).
Status parse_trade_event(std::string_view json, TradeEvent& out);
Status parse_book_ticker(std::string_view json, BookTickerEvent& out);

}  // namespace ats::binance
