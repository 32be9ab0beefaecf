// Built only when TA-Lib's C sources are configured (ATS_TALIB_SOURCE_DIR): calls TA-Lib itself
// on whole bundled series, including ETHUSDT (never used for the goldens), with the golden
// parameters and with others, and compares every output and every lookback.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <ta_libc.h>

#include "ats/indicators/registry.hpp"

#include "test_data.hpp"

namespace ats::indicators {
namespace {

using Outputs = std::vector<std::vector<double>>;
using Call = std::function<TA_RetCode(const BarColumns&, int, int*, int*, double**)>;

struct LiveCase {
    const char* spec;
    std::size_t outputs;
    double rtol;
    double atol;
    Call call;
};

constexpr double kPrice = 1e-8;
constexpr double kOsc = 1e-9;
constexpr double kVolume = 1e-5;
constexpr TA_MAType kSma = TA_MAType_SMA;

const double* h(const BarColumns& b) {
    return b.high.data();
}
const double* l(const BarColumns& b) {
    return b.low.data();
}
const double* c(const BarColumns& b) {
    return b.close.data();
}
const double* v(const BarColumns& b) {
    return b.volume.data();
}

#define ATS_TA(expr)                                                \
    [](const BarColumns& b, int e, int* beg, int* nb, double** o) { \
        return expr;                                                \
    }

std::vector<LiveCase> live_cases() {
    return {
        {"sma:20", 1, 1e-9, kPrice, ATS_TA(TA_SMA(0, e, c(b), 20, beg, nb, o[0]))},
        {"sma:7", 1, 1e-9, kPrice, ATS_TA(TA_SMA(0, e, c(b), 7, beg, nb, o[0]))},
        {"ema:20", 1, 1e-9, kPrice, ATS_TA(TA_EMA(0, e, c(b), 20, beg, nb, o[0]))},
        {"ema:50", 1, 1e-9, kPrice, ATS_TA(TA_EMA(0, e, c(b), 50, beg, nb, o[0]))},
        {"wma:20", 1, 1e-9, kPrice, ATS_TA(TA_WMA(0, e, c(b), 20, beg, nb, o[0]))},
        {"wma:9", 1, 1e-9, kPrice, ATS_TA(TA_WMA(0, e, c(b), 9, beg, nb, o[0]))},
        {"dema:20", 1, 1e-9, kPrice, ATS_TA(TA_DEMA(0, e, c(b), 20, beg, nb, o[0]))},
        {"dema:5", 1, 1e-9, kPrice, ATS_TA(TA_DEMA(0, e, c(b), 5, beg, nb, o[0]))},
        {"tema:20", 1, 1e-9, kPrice, ATS_TA(TA_TEMA(0, e, c(b), 20, beg, nb, o[0]))},
        {"tema:9", 1, 1e-9, kPrice, ATS_TA(TA_TEMA(0, e, c(b), 9, beg, nb, o[0]))},
        {"trima:20", 1, 1e-9, kPrice, ATS_TA(TA_TRIMA(0, e, c(b), 20, beg, nb, o[0]))},
        {"trima:15", 1, 1e-9, kPrice, ATS_TA(TA_TRIMA(0, e, c(b), 15, beg, nb, o[0]))},
        {"trima:2", 1, 1e-9, kPrice, ATS_TA(TA_TRIMA(0, e, c(b), 2, beg, nb, o[0]))},
        {"kama:30", 1, 1e-9, kPrice, ATS_TA(TA_KAMA(0, e, c(b), 30, beg, nb, o[0]))},
        {"kama:10", 1, 1e-9, kPrice, ATS_TA(TA_KAMA(0, e, c(b), 10, beg, nb, o[0]))},
        {"rsi:14", 1, 1e-9, kOsc, ATS_TA(TA_RSI(0, e, c(b), 14, beg, nb, o[0]))},
        {"rsi:2", 1, 1e-9, kOsc, ATS_TA(TA_RSI(0, e, c(b), 2, beg, nb, o[0]))},
        {"stoch:14:3:3",
         2,
         1e-9,
         kOsc,
         ATS_TA(TA_STOCH(0, e, h(b), l(b), c(b), 14, 3, kSma, 3, kSma, beg, nb, o[0], o[1]))},
        {"stoch",
         2,
         1e-9,
         kOsc,
         ATS_TA(TA_STOCH(0, e, h(b), l(b), c(b), 5, 3, kSma, 3, kSma, beg, nb, o[0], o[1]))},
        {"stoch:9:1:4",
         2,
         1e-9,
         kOsc,
         ATS_TA(TA_STOCH(0, e, h(b), l(b), c(b), 9, 1, kSma, 4, kSma, beg, nb, o[0], o[1]))},
        {"stochf:14:3",
         2,
         1e-9,
         kOsc,
         ATS_TA(TA_STOCHF(0, e, h(b), l(b), c(b), 14, 3, kSma, beg, nb, o[0], o[1]))},
        {"stochf:5:1",
         2,
         1e-9,
         kOsc,
         ATS_TA(TA_STOCHF(0, e, h(b), l(b), c(b), 5, 1, kSma, beg, nb, o[0], o[1]))},
        {"stochrsi:14:14:3",
         2,
         1e-9,
         kOsc,
         ATS_TA(TA_STOCHRSI(0, e, c(b), 14, 14, 3, kSma, beg, nb, o[0], o[1]))},
        {"stochrsi:10:5:3",
         2,
         1e-9,
         kOsc,
         ATS_TA(TA_STOCHRSI(0, e, c(b), 10, 5, 3, kSma, beg, nb, o[0], o[1]))},
        {"macd:12:26:9",
         3,
         1e-9,
         kPrice,
         ATS_TA(TA_MACD(0, e, c(b), 12, 26, 9, beg, nb, o[0], o[1], o[2]))},
        {"macd:5:35:5",
         3,
         1e-9,
         kPrice,
         ATS_TA(TA_MACD(0, e, c(b), 5, 35, 5, beg, nb, o[0], o[1], o[2]))},
        {"bbands:20:2:2",
         3,
         1e-7,
         kPrice,
         ATS_TA(TA_BBANDS(0, e, c(b), 20, 2.0, 2.0, kSma, beg, nb, o[0], o[1], o[2]))},
        {"bbands:10:1.5:2.5",
         3,
         1e-7,
         kPrice,
         ATS_TA(TA_BBANDS(0, e, c(b), 10, 1.5, 2.5, kSma, beg, nb, o[0], o[1], o[2]))},
        {"atr:14", 1, 1e-9, kPrice, ATS_TA(TA_ATR(0, e, h(b), l(b), c(b), 14, beg, nb, o[0]))},
        {"atr:1", 1, 1e-9, kPrice, ATS_TA(TA_ATR(0, e, h(b), l(b), c(b), 1, beg, nb, o[0]))},
        {"natr:14", 1, 1e-9, kOsc, ATS_TA(TA_NATR(0, e, h(b), l(b), c(b), 14, beg, nb, o[0]))},
        {"natr:7", 1, 1e-9, kOsc, ATS_TA(TA_NATR(0, e, h(b), l(b), c(b), 7, beg, nb, o[0]))},
        {"trange", 1, 1e-9, kPrice, ATS_TA(TA_TRANGE(0, e, h(b), l(b), c(b), beg, nb, o[0]))},
        {"adx:14", 1, 1e-9, kOsc, ATS_TA(TA_ADX(0, e, h(b), l(b), c(b), 14, beg, nb, o[0]))},
        {"adx:7", 1, 1e-9, kOsc, ATS_TA(TA_ADX(0, e, h(b), l(b), c(b), 7, beg, nb, o[0]))},
        {"adxr:14", 1, 1e-9, kOsc, ATS_TA(TA_ADXR(0, e, h(b), l(b), c(b), 14, beg, nb, o[0]))},
        {"adxr:5", 1, 1e-9, kOsc, ATS_TA(TA_ADXR(0, e, h(b), l(b), c(b), 5, beg, nb, o[0]))},
        {"plus_di:14",
         1,
         1e-9,
         kOsc,
         ATS_TA(TA_PLUS_DI(0, e, h(b), l(b), c(b), 14, beg, nb, o[0]))},
        {"plus_di:3", 1, 1e-9, kOsc, ATS_TA(TA_PLUS_DI(0, e, h(b), l(b), c(b), 3, beg, nb, o[0]))},
        {"minus_di:14",
         1,
         1e-9,
         kOsc,
         ATS_TA(TA_MINUS_DI(0, e, h(b), l(b), c(b), 14, beg, nb, o[0]))},
        {"minus_di:3",
         1,
         1e-9,
         kOsc,
         ATS_TA(TA_MINUS_DI(0, e, h(b), l(b), c(b), 3, beg, nb, o[0]))},
        {"cci:20", 1, 1e-9, kOsc, ATS_TA(TA_CCI(0, e, h(b), l(b), c(b), 20, beg, nb, o[0]))},
        {"cci:5", 1, 1e-9, kOsc, ATS_TA(TA_CCI(0, e, h(b), l(b), c(b), 5, beg, nb, o[0]))},
        {"willr:14", 1, 1e-9, kOsc, ATS_TA(TA_WILLR(0, e, h(b), l(b), c(b), 14, beg, nb, o[0]))},
        {"willr:30", 1, 1e-9, kOsc, ATS_TA(TA_WILLR(0, e, h(b), l(b), c(b), 30, beg, nb, o[0]))},
        {"mfi:14", 1, 1e-9, kOsc, ATS_TA(TA_MFI(0, e, h(b), l(b), c(b), v(b), 14, beg, nb, o[0]))},
        {"mfi:20", 1, 1e-9, kOsc, ATS_TA(TA_MFI(0, e, h(b), l(b), c(b), v(b), 20, beg, nb, o[0]))},
        {"obv", 1, 1e-9, kVolume, ATS_TA(TA_OBV(0, e, c(b), v(b), beg, nb, o[0]))},
        {"ad", 1, 1e-9, kVolume, ATS_TA(TA_AD(0, e, h(b), l(b), c(b), v(b), beg, nb, o[0]))},
        {"adosc:3:10",
         1,
         1e-9,
         kVolume,
         ATS_TA(TA_ADOSC(0, e, h(b), l(b), c(b), v(b), 3, 10, beg, nb, o[0]))},
        {"adosc:20:5",
         1,
         1e-9,
         kVolume,
         ATS_TA(TA_ADOSC(0, e, h(b), l(b), c(b), v(b), 20, 5, beg, nb, o[0]))},
        {"roc:10", 1, 1e-9, kOsc, ATS_TA(TA_ROC(0, e, c(b), 10, beg, nb, o[0]))},
        {"roc:1", 1, 1e-9, kOsc, ATS_TA(TA_ROC(0, e, c(b), 1, beg, nb, o[0]))},
        {"mom:10", 1, 1e-9, kPrice, ATS_TA(TA_MOM(0, e, c(b), 10, beg, nb, o[0]))},
        {"mom:1", 1, 1e-9, kPrice, ATS_TA(TA_MOM(0, e, c(b), 1, beg, nb, o[0]))},
        {"trix:15", 1, 1e-9, kOsc, ATS_TA(TA_TRIX(0, e, c(b), 15, beg, nb, o[0]))},
        {"trix:5", 1, 1e-9, kOsc, ATS_TA(TA_TRIX(0, e, c(b), 5, beg, nb, o[0]))},
        {"sar:0.02:0.2",
         1,
         1e-9,
         kPrice,
         ATS_TA(TA_SAR(0, e, h(b), l(b), 0.02, 0.2, beg, nb, o[0]))},
        {"sar:0.03:0.3",
         1,
         1e-9,
         kPrice,
         ATS_TA(TA_SAR(0, e, h(b), l(b), 0.03, 0.3, beg, nb, o[0]))},
        {"sar:0.5:0.2", 1, 1e-9, kPrice, ATS_TA(TA_SAR(0, e, h(b), l(b), 0.5, 0.2, beg, nb, o[0]))},
        {"aroon:14", 2, 1e-9, kOsc, ATS_TA(TA_AROON(0, e, h(b), l(b), 14, beg, nb, o[0], o[1]))},
        {"aroon:25", 2, 1e-9, kOsc, ATS_TA(TA_AROON(0, e, h(b), l(b), 25, beg, nb, o[0], o[1]))},
        {"aroonosc:14", 1, 1e-9, kOsc, ATS_TA(TA_AROONOSC(0, e, h(b), l(b), 14, beg, nb, o[0]))},
        {"ultosc:7:14:28",
         1,
         1e-9,
         kOsc,
         ATS_TA(TA_ULTOSC(0, e, h(b), l(b), c(b), 7, 14, 28, beg, nb, o[0]))},
        {"ultosc:20:5:10",
         1,
         1e-9,
         kOsc,
         ATS_TA(TA_ULTOSC(0, e, h(b), l(b), c(b), 20, 5, 10, beg, nb, o[0]))},
        {"stddev:20:1", 1, 1e-7, kPrice, ATS_TA(TA_STDDEV(0, e, c(b), 20, 1.0, beg, nb, o[0]))},
        {"stddev:10:2", 1, 1e-7, kPrice, ATS_TA(TA_STDDEV(0, e, c(b), 10, 2.0, beg, nb, o[0]))},
        {"macd:26:12:9",
         3,
         1e-9,
         kPrice,
         ATS_TA(TA_MACD(0, e, c(b), 26, 12, 9, beg, nb, o[0], o[1], o[2]))},
        {"macd:2:3:2",
         3,
         1e-9,
         kPrice,
         ATS_TA(TA_MACD(0, e, c(b), 2, 3, 2, beg, nb, o[0], o[1], o[2]))},
        {"kama:2", 1, 1e-9, kPrice, ATS_TA(TA_KAMA(0, e, c(b), 2, beg, nb, o[0]))},
        {"stochrsi:14:1:1",
         2,
         1e-9,
         kOsc,
         ATS_TA(TA_STOCHRSI(0, e, c(b), 14, 1, 1, kSma, beg, nb, o[0], o[1]))},
        {"stoch:1:1:1",
         2,
         1e-9,
         kOsc,
         ATS_TA(TA_STOCH(0, e, h(b), l(b), c(b), 1, 1, kSma, 1, kSma, beg, nb, o[0], o[1]))},
        {"willr:2", 1, 1e-9, kOsc, ATS_TA(TA_WILLR(0, e, h(b), l(b), c(b), 2, beg, nb, o[0]))},
        {"cci:2", 1, 1e-9, kOsc, ATS_TA(TA_CCI(0, e, h(b), l(b), c(b), 2, beg, nb, o[0]))},
        {"aroon:2", 2, 1e-9, kOsc, ATS_TA(TA_AROON(0, e, h(b), l(b), 2, beg, nb, o[0], o[1]))},
        {"aroonosc:50", 1, 1e-9, kOsc, ATS_TA(TA_AROONOSC(0, e, h(b), l(b), 50, beg, nb, o[0]))},
        {"sar:0:0", 1, 1e-9, kPrice, ATS_TA(TA_SAR(0, e, h(b), l(b), 0.0, 0.0, beg, nb, o[0]))},
        {"adx:2", 1, 1e-9, kOsc, ATS_TA(TA_ADX(0, e, h(b), l(b), c(b), 2, beg, nb, o[0]))},
        {"ultosc:1:1:2",
         1,
         1e-9,
         kOsc,
         ATS_TA(TA_ULTOSC(0, e, h(b), l(b), c(b), 1, 1, 2, beg, nb, o[0]))},
        {"bbands:5:-1:0",
         3,
         1e-7,
         kPrice,
         ATS_TA(TA_BBANDS(0, e, c(b), 5, -1.0, 0.0, kSma, beg, nb, o[0], o[1], o[2]))},
        {"trix:2", 1, 1e-9, kOsc, ATS_TA(TA_TRIX(0, e, c(b), 2, beg, nb, o[0]))},
        {"adosc:2:2",
         1,
         1e-9,
         kVolume,
         ATS_TA(TA_ADOSC(0, e, h(b), l(b), c(b), v(b), 2, 2, beg, nb, o[0]))},
        {"natr:2", 1, 1e-9, kOsc, ATS_TA(TA_NATR(0, e, h(b), l(b), c(b), 2, beg, nb, o[0]))},
        {"wma:2", 1, 1e-9, kPrice, ATS_TA(TA_WMA(0, e, c(b), 2, beg, nb, o[0]))},
        {"trima:3", 1, 1e-9, kPrice, ATS_TA(TA_TRIMA(0, e, c(b), 3, beg, nb, o[0]))},
        {"dema:2", 1, 1e-9, kPrice, ATS_TA(TA_DEMA(0, e, c(b), 2, beg, nb, o[0]))},
        {"mfi:2", 1, 1e-9, kOsc, ATS_TA(TA_MFI(0, e, h(b), l(b), c(b), v(b), 2, beg, nb, o[0]))},
    };
}

#undef ATS_TA

void compare_with_talib(const char* file) {
    static const bool initialized = TA_Initialize() == TA_SUCCESS;
    ASSERT_TRUE(initialized);
    const BarColumns& bars = testing::bundled(file);
    const int n = static_cast<int>(bars.size());
    ASSERT_GT(n, 40'000);
    for (const auto& lc : live_cases()) {
        std::vector<std::vector<double>> raw(lc.outputs, std::vector<double>(bars.size(), 0.0));
        std::array<double*, 3> ptrs{};
        for (std::size_t k = 0; k < lc.outputs; ++k) {
            ptrs[k] = raw[k].data();
        }
        int beg = 0;
        int nb = 0;
        ASSERT_EQ(lc.call(bars, n - 1, &beg, &nb, ptrs.data()), TA_SUCCESS) << lc.spec;
        auto spec = parse_indicator_spec(lc.spec);
        ASSERT_TRUE(spec.has_value()) << lc.spec;
        auto ours = compute(*spec, bars);
        ASSERT_TRUE(ours.has_value()) << lc.spec;
        ASSERT_EQ(ours->size(), lc.outputs) << lc.spec;
        for (std::size_t k = 0; k < lc.outputs; ++k) {
            const auto& got = (*ours)[k];
            std::size_t failures = 0;
            double max_rel = 0.0;
            for (int i = 0; i < n; ++i) {
                const auto u = static_cast<std::size_t>(i);
                if (i < beg) {
                    if (!std::isnan(got[u]) && ++failures <= 3) {
                        ADD_FAILURE() << file << " " << lc.spec << "[" << k << "] bar " << i
                                      << ": before TA-Lib's begin index " << beg;
                    }
                    continue;
                }
                const double want = raw[k][static_cast<std::size_t>(i - beg)];
                const double diff = std::fabs(got[u] - want);
                const double scale = std::max(std::fabs(got[u]), std::fabs(want));
                if (scale > 0) {
                    max_rel = std::max(max_rel, diff / scale);
                }
                if (!(diff <= lc.rtol * scale + lc.atol) && ++failures <= 3) {
                    ADD_FAILURE() << file << " " << lc.spec << "[" << k << "] bar " << i
                                  << ": ours " << got[u] << ", TA-Lib " << want;
                }
            }
            EXPECT_EQ(beg + nb, n) << lc.spec;
            EXPECT_EQ(failures, 0u) << file << " " << lc.spec << "[" << k << "]";
            std::printf(
                "[talib] %-8.8s %-20s out %zu begin %5d max relative error %.3g\n",
                file,
                lc.spec,
                k,
                beg,
                max_rel);
        }
    }
}

TEST(TaLibLiveTest, AgreesWithTaLibOnUnseenEthusdt) {
    compare_with_talib("ETHUSDT_1h_2021-04_2025-12.csv");
}

TEST(TaLibLiveTest, AgreesWithTaLibOnAllBtcusdtBars) {
    compare_with_talib("BTCUSDT_1h_2021-04_2025-12.csv");
}

}  // namespace
}  // namespace ats::indicators
