// Small cases computed by hand, flat prices (zero ranges) and parameter validation.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <tuple>
#include <typeinfo>
#include <vector>

#include <gtest/gtest.h>

#include "ats/indicators/batch.hpp"

#include "all_indicators.hpp"

namespace ats::indicators {
namespace {

std::vector<double> run(auto indicator, const std::vector<double>& x) {
    return batch(indicator, std::span<const double>(x))[0];
}

Ohlcv bar(double high, double low, double close, double volume = 1.0, std::int64_t t_ns = 0) {
    return Ohlcv{t_ns, close, high, low, close, volume};
}

TEST(HandTest, SmaEmaWma) {
    const std::vector<double> x = {1, 2, 3, 4, 5};
    const auto sma = run(Sma(3), x);
    EXPECT_TRUE(std::isnan(sma[0]));
    EXPECT_TRUE(std::isnan(sma[1]));
    EXPECT_DOUBLE_EQ(sma[2], 2.0);
    EXPECT_DOUBLE_EQ(sma[4], 4.0);
    // EMA(3): seed mean(1, 2, 3) = 2, k = 0.5.
    const auto ema = run(Ema(3), x);
    EXPECT_DOUBLE_EQ(ema[2], 2.0);
    EXPECT_DOUBLE_EQ(ema[3], 3.0);
    EXPECT_DOUBLE_EQ(ema[4], 4.0);
    const std::vector<double> y = {2, 4, 8, 16};
    const auto ema_y = run(Ema(2), y);  // seed 3, k = 2/3
    EXPECT_DOUBLE_EQ(ema_y[1], 3.0);
    EXPECT_DOUBLE_EQ(ema_y[2], 3.0 + (8.0 - 3.0) * 2.0 / 3.0);
    const auto wma = run(Wma(3), y);
    EXPECT_DOUBLE_EQ(wma[2], (2.0 * 1 + 4.0 * 2 + 8.0 * 3) / 6.0);
    EXPECT_DOUBLE_EQ(wma[3], (4.0 * 1 + 8.0 * 2 + 16.0 * 3) / 6.0);
}

TEST(HandTest, LongestPeriodsDoNotOverflowTheWeights) {
    const std::vector<double> flat(100'001, 3.0);
    const auto wma = run(Wma(100'000), flat);
    const auto trima = run(Trima(99'999), flat);
    EXPECT_TRUE(std::isnan(wma[99'998]));
    EXPECT_NEAR(wma[99'999], 3.0, 1e-9);
    EXPECT_NEAR(wma[100'000], 3.0, 1e-9);
    EXPECT_NEAR(trima[99'998], 3.0, 1e-9);
    EXPECT_NEAR(trima[100'000], 3.0, 1e-9);
}

TEST(HandTest, TrimaWeightsAreTriangular) {
    // Period 4: weights 1, 2, 2, 1 over 6.
    const std::vector<double> x = {1, 10, 100, 1000, 10000};
    const auto t = run(Trima(4), x);
    EXPECT_TRUE(std::isnan(t[2]));
    EXPECT_DOUBLE_EQ(t[3], (1 + 2 * 10 + 2 * 100 + 1000) / 6.0);
    EXPECT_DOUBLE_EQ(t[4], (10 + 2 * 100 + 2 * 1000 + 10000) / 6.0);
}

TEST(HandTest, MacdAlignsFastEmaWithSlowOne) {
    // fast 2, slow 3, signal 2: the fast EMA is seeded with mean(x[1], x[2]), not x[0..1].
    const std::vector<double> x = {10, 20, 40, 80};
    const auto out = batch(Macd(2, 3, 2), std::span<const double>(x));
    EXPECT_TRUE(std::isnan(out[0][2]));
    const double macd2 = 30.0 - 70.0 / 3.0;
    const double fast = (80.0 - 30.0) * (2.0 / 3.0) + 30.0;
    const double slow = (80.0 - 70.0 / 3.0) * 0.5 + 70.0 / 3.0;
    const double macd3 = fast - slow;
    EXPECT_DOUBLE_EQ(out[0][3], macd3);
    EXPECT_DOUBLE_EQ(out[1][3], (macd2 + macd3) / 2.0);  // signal EMA(2) seeded with the mean
    EXPECT_DOUBLE_EQ(out[2][3], macd3 - (macd2 + macd3) / 2.0);
}

TEST(HandTest, RsiWilder) {
    const std::vector<double> x = {1, 2, 1, 2};
    const auto rsi = run(Rsi(2), x);
    EXPECT_TRUE(std::isnan(rsi[1]));
    EXPECT_DOUBLE_EQ(rsi[2], 50.0);  // gains 1, losses 1
    EXPECT_DOUBLE_EQ(rsi[3], 75.0);  // gain (0.5 + 1) / 2, loss 0.5 / 2
}

TEST(HandTest, MomRocTrix) {
    const std::vector<double> x = {100, 110, 121, 133.1};
    EXPECT_DOUBLE_EQ(run(Mom(2), x)[2], 21.0);
    EXPECT_NEAR(run(Roc(1), x)[3], 10.0, 1e-12);
    EXPECT_TRUE(std::isnan(run(Roc(1), x)[0]));
    // TRIX(2), k = 2/3, worked in exact fractions: EMA1 = 3/2, 19/6, 115/18, 691/54, 4147/162
    // from bar 1; EMA2 = 7/3, 136/27, 827/81, 1658/81 from bar 2; EMA3 = 199/54, 3905/486, ...
    const std::vector<double> g = {1, 2, 4, 8, 16, 32};
    const auto trix = run(Trix(2), g);
    EXPECT_TRUE(std::isnan(trix[3]));
    EXPECT_NEAR(trix[4], 118.03461753210497, 1e-9);
    EXPECT_NEAR(trix[5], 103.16688006828852, 1e-9);
}

TEST(HandTest, TrueRangeAtrNatr) {
    const std::vector<Ohlcv> bars = {bar(10, 8, 9), bar(12, 9, 11), bar(11, 6, 7), bar(8, 7, 8)};
    TRange tr;
    Atr atr(2);
    Natr natr(2);
    std::vector<double> trs;
    for (const auto& b : bars) {
        tr.update(b);
        atr.update(b);
        natr.update(b);
        trs.push_back(tr.ready() ? tr.value() : kNaN);
    }
    EXPECT_TRUE(std::isnan(trs[0]));
    EXPECT_DOUBLE_EQ(trs[1], 3.0);  // 12 - 9
    EXPECT_DOUBLE_EQ(trs[2], 5.0);  // 11 - 6
    EXPECT_DOUBLE_EQ(trs[3], 1.0);  // max(8, 7) - min(7, 7)
    // ATR(2): seed mean(3, 5) = 4 at bar 2, then (4 * 1 + 1) / 2 = 2.5.
    EXPECT_DOUBLE_EQ(atr.value(), 2.5);
    EXPECT_DOUBLE_EQ(natr.value(), 2.5 / 8.0 * 100.0);
}

TEST(HandTest, WillrIsMinusZeroAtTheHighAndZeroOnAFlatRange) {
    Willr w(2);
    w.update(bar(10, 5, 7));
    w.update(bar(12, 6, 12));
    EXPECT_EQ(w.value(), 0.0);
    EXPECT_TRUE(std::signbit(w.value()));
    Willr flat(2);
    flat.update(bar(5, 5, 5));
    flat.update(bar(5, 5, 5));
    EXPECT_EQ(flat.value(), 0.0);
    EXPECT_FALSE(std::signbit(flat.value()));
}

TEST(HandTest, AroonTiesGoToTheNewestBar) {
    Aroon a(2);
    a.update(bar(5, 1, 3));
    a.update(bar(5, 2, 3));
    EXPECT_FALSE(a.ready());
    a.update(bar(4, 1, 3));
    ASSERT_TRUE(a.ready());
    EXPECT_DOUBLE_EQ(a.aroonup(), 50.0);     // high 5 last seen 1 bar ago
    EXPECT_DOUBLE_EQ(a.aroondown(), 100.0);  // low 1 seen today (tie with bar 0)
    AroonOsc o(2);
    o.update(bar(5, 1, 3));
    o.update(bar(5, 2, 3));
    o.update(bar(4, 1, 3));
    EXPECT_DOUBLE_EQ(o.value(), -50.0);
}

TEST(HandTest, RollingExtremesMatchANaiveScanWithTiesToTheNewest) {
    // Few distinct values, so ties are common.
    std::vector<double> x;
    std::uint32_t seed = 12345;
    for (int i = 0; i < 500; ++i) {
        seed = seed * 1664525u + 1013904223u;
        x.push_back(static_cast<double>((seed >> 16) % 7));
    }
    for (std::size_t window = 1; window <= 23; ++window) {
        detail::RollingMax highest(window);
        detail::RollingMin lowest(window);
        detail::RollingRange range(window);
        for (std::size_t t = 0; t < x.size(); ++t) {
            highest.push(x[t], static_cast<std::int64_t>(t));
            lowest.push(x[t], static_cast<std::int64_t>(t));
            range.push(x[t], x[x.size() - 1 - t]);
            const std::size_t first = t + 1 >= window ? t + 1 - window : 0;
            std::size_t hi = first;
            std::size_t lo = first;
            for (std::size_t j = first; j <= t; ++j) {
                hi = x[j] >= x[hi] ? j : hi;
                lo = x[j] <= x[lo] ? j : lo;
            }
            ASSERT_EQ(highest.value(), x[hi]) << window << " " << t;
            ASSERT_EQ(highest.index(), static_cast<std::int64_t>(hi)) << window << " " << t;
            ASSERT_EQ(lowest.value(), x[lo]) << window << " " << t;
            ASSERT_EQ(lowest.index(), static_cast<std::int64_t>(lo)) << window << " " << t;
            double range_high = x[first];
            double range_low = x[x.size() - 1 - first];
            for (std::size_t j = first; j <= t; ++j) {
                range_high = std::max(range_high, x[j]);
                range_low = std::min(range_low, x[x.size() - 1 - j]);
            }
            ASSERT_EQ(range.highest(), range_high) << window << " " << t;
            ASSERT_EQ(range.lowest(), range_low) << window << " " << t;
        }
    }
}

TEST(HandTest, ObvAndAd) {
    Obv obv;
    Ad ad;
    const std::vector<Ohlcv> bars = {
        bar(10, 8, 9, 100), bar(10, 8, 10, 50), bar(10, 8, 8, 20), bar(9, 9, 9, 7)};
    std::vector<double> o;
    std::vector<double> a;
    for (const auto& b : bars) {
        obv.update(b);
        ad.update(b);
        o.push_back(obv.value());
        a.push_back(ad.value());
    }
    EXPECT_EQ(o, (std::vector<double>{100, 150, 130, 137}));
    // CLV: (9-8 - (10-9)) / 2 = 0; (10-8 - 0) / 2 = 1; (0 - 2) / 2 = -1; high == low adds nothing.
    EXPECT_EQ(a, (std::vector<double>{0, 50, 30, 30}));
}

TEST(HandTest, VwapAnchorsToTheUtcDay) {
    constexpr std::int64_t kHour = 3'600'000'000'000;
    Vwap v;
    v.update(bar(12, 9, 9, 1, 22 * kHour));  // tp 10
    EXPECT_DOUBLE_EQ(v.value(), 10.0);
    v.update(bar(22, 19, 19, 3, 23 * kHour));  // tp 20
    EXPECT_DOUBLE_EQ(v.value(), (10.0 + 60.0) / 4.0);
    v.update(bar(32, 29, 29, 2, 24 * kHour));  // next UTC day: starts again
    EXPECT_DOUBLE_EQ(v.value(), 30.0);
    v.update(bar(42, 39, 39, 0, 25 * kHour));  // no volume: unchanged
    EXPECT_DOUBLE_EQ(v.value(), 30.0);
    Vwap zero;
    zero.update(bar(12, 9, 9, 0, 0));  // a day without volume: the bar's typical price
    EXPECT_DOUBLE_EQ(zero.value(), 10.0);
}

TEST(HandTest, RollingVwap) {
    RollingVwap v(2);
    v.update(bar(12, 9, 9, 1));  // tp 10
    EXPECT_FALSE(v.ready());
    v.update(bar(22, 19, 19, 3));  // tp 20
    EXPECT_DOUBLE_EQ(v.value(), 70.0 / 4.0);
    v.update(bar(32, 29, 29, 1));  // tp 30, bar 0 leaves
    EXPECT_DOUBLE_EQ(v.value(), 90.0 / 4.0);
    v.update(bar(3, 3, 3, 0));
    v.update(bar(6, 6, 6, 0));  // window without volume
    EXPECT_DOUBLE_EQ(v.value(), 6.0);
}

TEST(HandTest, DonchianAndKeltner) {
    Donchian d(2);
    d.update(bar(10, 5, 7));
    EXPECT_FALSE(d.ready());
    d.update(bar(8, 6, 7));
    EXPECT_DOUBLE_EQ(d.upperband(), 10.0);
    EXPECT_DOUBLE_EQ(d.lowerband(), 5.0);
    EXPECT_DOUBLE_EQ(d.middleband(), 7.5);
    d.update(bar(9, 7, 8));
    EXPECT_DOUBLE_EQ(d.upperband(), 9.0);
    EXPECT_DOUBLE_EQ(d.lowerband(), 6.0);

    Keltner k(2, 2.0, 1);
    k.update(bar(10, 8, 9));
    EXPECT_FALSE(k.ready());
    k.update(bar(12, 9, 11));  // EMA(2) seed 10, ATR(1) = TR = 3
    ASSERT_TRUE(k.ready());
    EXPECT_DOUBLE_EQ(k.middleband(), 10.0);
    EXPECT_DOUBLE_EQ(k.upperband(), 16.0);
    EXPECT_DOUBLE_EQ(k.lowerband(), 4.0);
}

TEST(HandTest, SupertrendFlipsUpOnABreakout) {
    Supertrend s(1, 1.0);
    s.update(bar(10, 8, 9));
    EXPECT_FALSE(s.ready());
    s.update(bar(10, 8, 9));  // ATR 2, bands 9 +/- 2, starts down
    ASSERT_TRUE(s.ready());
    EXPECT_DOUBLE_EQ(s.direction(), -1.0);
    EXPECT_DOUBLE_EQ(s.supertrend(), 11.0);
    s.update(bar(10, 8, 9));  // the upper band may only fall: stays 11
    EXPECT_DOUBLE_EQ(s.supertrend(), 11.0);
    s.update(bar(20, 12, 19));  // TR 11, basic upper 27 > 11 keeps 11; close 19 > 11: up
    EXPECT_DOUBLE_EQ(s.direction(), 1.0);
    EXPECT_DOUBLE_EQ(s.supertrend(), 7.0);  // basic lower 5 is below 7: the lower band stays
}

TEST(HandTest, SarStartsFromTheFirstBarsExtreme) {
    Sar sar(0.02, 0.2);
    sar.update(bar(10, 8, 9));
    EXPECT_FALSE(sar.ready());
    sar.update(bar(11, 9, 10));  // no -DM: long, first SAR = bar 0's low
    ASSERT_TRUE(sar.ready());
    EXPECT_DOUBLE_EQ(sar.value(), 8.0);
    sar.update(bar(12, 10, 11));
    // SAR after bar 1: 8 + 0.02 * (11 - 8) = 8.06, below both lows.
    EXPECT_DOUBLE_EQ(sar.value(), 8.0 + 0.02 * (11.0 - 8.0));
}

template <class I>
void check_flat(I indicator) {
    const auto name = typeid(I).name();
    BarColumns bars;
    for (int i = 0; i < 200; ++i) {
        bars.open_time_ns.push_back(std::int64_t{i} * 3'600'000'000'000);
        bars.open.push_back(100.0);
        bars.high.push_back(100.0);
        bars.low.push_back(100.0);
        bars.close.push_back(100.0);
        bars.volume.push_back(5.0);
    }
    const auto out = batch(indicator, bars);
    for (std::size_t k = 0; k < I::kOutputCount; ++k) {
        for (std::size_t i = static_cast<std::size_t>(indicator.lookback()); i < bars.size(); ++i) {
            ASSERT_TRUE(std::isfinite(out[k][i])) << name << " output " << k << " bar " << i;
        }
    }
}

TEST(FlatPricesTest, NoIndicatorDividesByZero) {
    auto all = testing::all_indicators();
    std::apply([](auto&... i) { (check_flat(i), ...); }, all);
}

TEST(FlatPricesTest, ZeroRangeResultsFollowTaLib) {
    const std::vector<Ohlcv> flat(60, bar(100, 100, 100, 5));
    auto last = [&](auto indicator) {
        for (const auto& b : flat) {
            indicator.update(b);
        }
        EXPECT_TRUE(indicator.ready());
        return indicator.output(0);
    };
    EXPECT_EQ(last(Rsi(14)), 0.0);
    EXPECT_EQ(last(Stoch(14, 3, 3)), 0.0);
    EXPECT_EQ(last(StochF(14, 3)), 0.0);
    EXPECT_EQ(last(StochRsi(14, 14, 3)), 0.0);
    EXPECT_EQ(last(Willr(14)), 0.0);
    EXPECT_EQ(last(Cci(20)), 0.0);
    EXPECT_EQ(last(Mfi(14)), 0.0);
    EXPECT_EQ(last(UltOsc(7, 14, 28)), 0.0);
    EXPECT_EQ(last(PlusDi(14)), 0.0);
    EXPECT_EQ(last(MinusDi(14)), 0.0);
    EXPECT_EQ(last(Adx(14)), 0.0);
    EXPECT_EQ(last(Adxr(14)), 0.0);
    EXPECT_EQ(last(Atr(14)), 0.0);
    EXPECT_EQ(last(Natr(14)), 0.0);
    EXPECT_EQ(last(StdDev(20, 1.0)), 0.0);
    EXPECT_EQ(last(Trix(15)), 0.0);
    EXPECT_EQ(last(Roc(10)), 0.0);
    EXPECT_EQ(last(Mom(10)), 0.0);
    EXPECT_EQ(last(Kama(30)), 100.0);
    EXPECT_EQ(last(BBands(20, 2.0, 2.0)), 100.0);  // upper band = middle
    EXPECT_EQ(last(Aroon(14)), 100.0);             // ties go to the newest bar
    EXPECT_EQ(last(AroonOsc(14)), 0.0);
    EXPECT_EQ(last(Vwap()), 100.0);
}

TEST(ValidationTest, RejectsOutOfRangeParameters) {
    auto expect_invalid = [](const auto& made, const std::string& mention) {
        ASSERT_FALSE(made.has_value());
        EXPECT_EQ(made.error().code, ErrorCode::kInvalidArgument);
        EXPECT_NE(made.error().message.find(mention), std::string::npos) << made.error().message;
    };
    expect_invalid(Sma::create(1), "sma: period");
    expect_invalid(Sma::create(100'001), "100000");
    expect_invalid(Ema::create(0), "ema");
    expect_invalid(Rsi::create(-3), "got -3");
    expect_invalid(Macd::create(12, 26, 0), "signal period");
    expect_invalid(Stoch::create(14, 0, 3), "slowk period");
    expect_invalid(StochRsi::create(1, 14, 3), "stochrsi");
    expect_invalid(BBands::create(20, std::nan(""), 2.0), "nbdevup");
    expect_invalid(StdDev::create(1, 1.0), "stddev");
    expect_invalid(Sar::create(-0.02, 0.2), "acceleration");
    expect_invalid(Sar::create(0.02, INFINITY), "maximum");
    expect_invalid(AdOsc::create(1, 10), "fast period");
    expect_invalid(UltOsc::create(7, 14, 0), "period3");
    expect_invalid(Keltner::create(20, -1.0, 10), "multiplier");
    expect_invalid(PlusDi::create(0), "plus_di");
    expect_invalid(RollingVwap::create(0), "rolling_vwap");
    EXPECT_TRUE(Sma::create(2).has_value());
    EXPECT_TRUE(Atr::create(1).has_value());
    EXPECT_TRUE(Sar::create(0.5, 0.2).has_value());  // capped at the maximum, as TA-Lib
}

// Parameters TA-Lib accepts but computes wrongly (found by comparing with TA-Lib itself): here they
// give the defined values.
TEST(ValidationTest, ParametersWhereTaLibIsBrokenGiveTheDefinedValues) {
    const std::vector<double> x = {100, 110, 99, 120, 125};
    const auto macd = batch(Macd(2, 3, 1), std::span<const double>(x));
    EXPECT_TRUE(std::isnan(macd[0][1]));
    for (std::size_t i = 2; i < x.size(); ++i) {
        EXPECT_EQ(macd[1][i], macd[0][i]);  // signal EMA(1) = macd
        EXPECT_EQ(macd[2][i], 0.0);
    }
    const auto trix = run(Trix(1), x);  // EMA(1) is the input: TRIX(1) is ROC(1)
    const auto roc = run(Roc(1), x);
    EXPECT_TRUE(std::isnan(trix[0]));
    for (std::size_t i = 1; i < x.size(); ++i) {
        EXPECT_NEAR(trix[i], roc[i], 1e-12);
    }
    Natr natr(1);
    PlusDi plus(1);
    MinusDi minus(1);
    UltOsc ult(1, 1, 1);
    for (const auto& b : {bar(10, 8, 9), bar(12, 9, 11)}) {
        natr.update(b);
        plus.update(b);
        minus.update(b);
        ult.update(b);
    }
    // Bar 1: TR = 3, +DM = 2, -DM = 0, close - true low = 11 - 9 = 2.
    EXPECT_DOUBLE_EQ(natr.value(), 100.0 * 3.0 / 11.0);
    EXPECT_DOUBLE_EQ(plus.value(), 100.0 * 2.0 / 3.0);
    EXPECT_DOUBLE_EQ(minus.value(), 0.0);
    EXPECT_DOUBLE_EQ(ult.value(), 100.0 * ((4.0 + 2.0 + 1.0) * (2.0 / 3.0) / 7.0));
}

TEST(ValidationTest, LookbacksMatchTaLib) {
    EXPECT_EQ(Sma(20).lookback(), 19);
    EXPECT_EQ(Dema(20).lookback(), 38);
    EXPECT_EQ(Tema(20).lookback(), 57);
    EXPECT_EQ(Kama(30).lookback(), 30);
    EXPECT_EQ(Trix(15).lookback(), 43);
    EXPECT_EQ(Macd(12, 26, 9).lookback(), 33);
    EXPECT_EQ(Macd(26, 12, 9).lookback(), 33);  // swapped, as TA-Lib
    EXPECT_EQ(Stoch(14, 3, 3).lookback(), 17);
    EXPECT_EQ(Stoch(5, 3, 3).lookback(), 8);
    EXPECT_EQ(StochF(14, 3).lookback(), 15);
    EXPECT_EQ(StochRsi(14, 14, 3).lookback(), 29);
    EXPECT_EQ(Adx(14).lookback(), 27);
    EXPECT_EQ(Adxr(14).lookback(), 40);
    EXPECT_EQ(AdOsc(3, 10).lookback(), 9);
    EXPECT_EQ(UltOsc(28, 7, 14).lookback(), 28);
    EXPECT_EQ(Sar(0.02, 0.2).lookback(), 1);
}

}  // namespace
}  // namespace ats::indicators
