#pragma once

#include <optional>
#include <string>

#include "ats/core/error.hpp"
#include "ats/core/fixed_point.hpp"
#include "ats/core/symbol.hpp"

namespace ats::model {

/// A tradable spot instrument with its exchange filters (Binance PRICE_FILTER, LOT_SIZE,
/// MIN_NOTIONAL). Filters are fixed-point values, never doubles.
struct Instrument {
    Symbol symbol;
    std::string base_asset;   ///< e.g. "BTC"
    std::string quote_asset;  ///< e.g. "USDT"
    Price tick_size;          ///< prices must be multiples of this (> 0)
    Qty step_size;            ///< quantities must be multiples of this (> 0)
    Qty min_qty;
    std::optional<Qty> max_qty;
    Money min_notional;

    /// Price rounded to the tick. Buy limit prices usually round down and sell prices up, so a
    /// rounded order is never more aggressive than asked; the caller chooses.
    Price round_price(Price price, Round mode) const { return price.round_to(tick_size, mode); }

    /// Quantity rounded to the step; kTowardZero never buys more than asked.
    Qty round_qty(Qty qty, Round mode) const { return qty.round_to(step_size, mode); }

    /// Checks an order against the filters without changing it. kInvalidArgument names the filter
    /// that fails, e.g. "BTCUSDT: qty 0.000001 is below min_qty 0.00001".
    Status validate_order(std::optional<Price> price, Qty qty, Price reference_price) const;

    /// Checks that the filters themselves are sane (positive tick and step, min <= max).
    Status validate() const;
};

}  // namespace ats::model
