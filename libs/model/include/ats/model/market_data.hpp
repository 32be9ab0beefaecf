#pragma once

#include <optional>

#include "ats/core/fixed_point.hpp"
#include "ats/core/ids.hpp"
#include "ats/core/side.hpp"
#include "ats/core/symbol.hpp"
#include "ats/core/time.hpp"

namespace ats::model {

/// One public trade print.
struct Trade {
    Symbol symbol;
    Timestamp ts_event;
    Price price;
    Qty qty;
    Side aggressor;  ///< side of the taker: kBuy when the buyer lifted the offer
    std::optional<TradeId> trade_id;
};

/// Best bid and offer.
struct Quote {
    Symbol symbol;
    Timestamp ts_event;
    Price bid_price;
    Qty bid_qty;
    Price ask_price;
    Qty ask_qty;

    /// Mid price rounded down to 1e-8.
    Price mid() const {
        return Price::from_raw(static_cast<std::int64_t>(
            (static_cast<detail::Int128>(bid_price.raw()) + ask_price.raw()) / 2));
    }
};

/// One price level of an order book side: total resting quantity at a price.
struct BookLevel {
    Price price;
    Qty qty;

    friend bool operator==(const BookLevel&, const BookLevel&) = default;
};

}  // namespace ats::model
