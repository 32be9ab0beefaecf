#pragma once

#include <tuple>

#include "ats/indicators/moving_averages.hpp"
#include "ats/indicators/oscillators.hpp"
#include "ats/indicators/trend.hpp"
#include "ats/indicators/volatility.hpp"
#include "ats/indicators/volume.hpp"

namespace ats::indicators::testing {

/// One object of every indicator, with the parameters the golden files use.
inline auto all_indicators() {
    return std::make_tuple(
        Sma(20),
        Ema(20),
        Wma(20),
        Dema(20),
        Tema(20),
        Trima(20),
        Trima(15),
        Kama(30),
        Trix(15),
        Macd(12, 26, 9),
        Rsi(14),
        Stoch(14, 3, 3),
        StochF(14, 3),
        StochRsi(14, 14, 3),
        Willr(14),
        Cci(20),
        Mfi(14),
        Mom(10),
        Roc(10),
        Aroon(14),
        AroonOsc(14),
        UltOsc(7, 14, 28),
        TRange(),
        Atr(14),
        Natr(14),
        StdDev(20, 1.0),
        BBands(20, 2.0, 2.0),
        Keltner(20, 2.0, 10),
        Donchian(20),
        Supertrend(10, 3.0),
        PlusDi(14),
        MinusDi(14),
        Adx(14),
        Adxr(14),
        Sar(0.02, 0.2),
        Obv(),
        Ad(),
        AdOsc(3, 10),
        Vwap(),
        RollingVwap(24));
}

}  // namespace ats::indicators::testing
