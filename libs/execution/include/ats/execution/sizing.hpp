#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "ats/core/error.hpp"
#include "ats/core/fixed_point.hpp"

namespace ats::execution {

/// How big an entry is.
///
/// | mode | text | quantity |
/// | --- | --- | --- |
/// | fixed quantity | `fixed_qty:0.1` | 0.1 base units |
/// | fixed notional | `fixed_notional:1000` | 1000 quote / price |
/// | fraction of equity | `fraction:0.5` | 0.5 * equity / price |
/// | volatility target | `vol_target:0.01` | risk 1% of equity on a stop `stop_atr` ATRs away: 0.01
/// * equity / (stop_atr * ATR) | | capped Kelly | `kelly:0.25` | Kelly fraction p - (1-p)/b from
/// the closed trades (win rate p, payoff ratio b), capped at 0.25, times equity / price; 0 until 10
/// trades exist | | all in | `all_in` | all cash, fees included: cash / (fill price * (1 + fee
/// rate)), sized by the venue at the fill |
///
/// Quantities are rounded toward zero to the instrument's step by the order manager.
struct Sizing {
    enum class Mode : std::uint8_t {
        kFixedQty,
        kFixedNotional,
        kFraction,
        kVolTarget,
        kKelly,
        kAllIn
    };
    Mode mode = Mode::kAllIn;
    double value = 0;  ///< the number after the colon

    static Result<Sizing> parse(std::string_view text);
    std::string to_string() const;
};

/// What sizing needs to know about the account and the market at decision time.
struct SizingInputs {
    Money equity;
    Money cash;
    Price price;                ///< reference price (the signal bar's close)
    std::optional<double> atr;  ///< for kVolTarget
    double stop_atr = 2.0;      ///< stop distance in ATRs for kVolTarget
    int closed_trades = 0;      ///< for kKelly
    double win_rate = 0;
    double payoff_ratio = 0;  ///< average win / average loss
};

/// The order size for an entry: a quantity, or for kAllIn a quote budget. Zero quantity means
/// "no trade" (e.g. Kelly with no edge); errors name the problem (e.g. no ATR yet).
struct SizedOrder {
    Qty qty;
    std::optional<Money> quote_budget;
};
Result<SizedOrder> size_entry(const Sizing& sizing, const SizingInputs& in);

}  // namespace ats::execution
