// Indicator speed on 1,000,000 one-minute bars: the bundled December 2024 BTCUSDT minutes
// (41,761 real bars) repeated, each copy shifted in time and scaled slightly so windows never
// see identical repeats. Batch SMA/EMA, a panel of 30 streaming indicators updated bar by bar,
// and O(1) streaming updates side by side with a naive recompute of the whole window.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <tuple>
#include <vector>

#include <benchmark/benchmark.h>
#ifdef ATS_HAVE_TALIB
#include <ta_libc.h>
#endif
#ifdef ATS_HAVE_TULIP
extern "C" {
#include <indicators.h>
}
#endif

#include "ats/data/kline_csv.hpp"
#include "ats/indicators/batch.hpp"
#include "ats/indicators/moving_averages.hpp"
#include "ats/indicators/oscillators.hpp"
#include "ats/indicators/trend.hpp"
#include "ats/indicators/volatility.hpp"
#include "ats/indicators/volume.hpp"

namespace {

using namespace ats::indicators;  // NOLINT(google-build-using-namespace): benchmark file

constexpr std::size_t kBars = 1'000'000;

const BarColumns& million_bars() {
    static const BarColumns bars = [] {
        auto loaded = ats::data::load_klines_csv(
            std::string(ATS_BUNDLED_DATA_DIR) + "/BTCUSDT_1m_2024-12.csv", {});
        const BarColumns month = BarColumns::from(loaded.value().series);
        BarColumns out;
        const std::int64_t span_ns =
            month.open_time_ns.back() - month.open_time_ns.front() + 60'000'000'000;
        for (std::size_t i = 0; i < kBars; ++i) {
            const std::size_t copy = i / month.size();
            const std::size_t j = i % month.size();
            const double scale = 1.0 + 0.001 * static_cast<double>(copy);
            out.open_time_ns.push_back(
                month.open_time_ns[j] + static_cast<std::int64_t>(copy) * span_ns);
            out.open.push_back(month.open[j] * scale);
            out.high.push_back(month.high[j] * scale);
            out.low.push_back(month.low[j] * scale);
            out.close.push_back(month.close[j] * scale);
            out.volume.push_back(month.volume[j]);
        }
        return out;
    }();
    return bars;
}

void per_bar(benchmark::State& state, std::size_t bars) {
    state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(bars));
    // Seconds per bar, printed with an SI prefix (e.g. "1.9n" = 1.9 ns).
    state.counters["per_bar"] = benchmark::Counter(
        static_cast<double>(bars),
        benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
}

void BM_Sma_Batch(benchmark::State& state) {
    const auto& bars = million_bars();
    const std::span<const double> close(bars.close);
    for ([[maybe_unused]] auto _ : state) {
        auto out = batch(Sma(20), close);
        benchmark::DoNotOptimize(out[0].data());
        benchmark::ClobberMemory();
    }
    per_bar(state, bars.size());
}
BENCHMARK(BM_Sma_Batch)->Unit(benchmark::kMillisecond);

void BM_Ema_Batch(benchmark::State& state) {
    const auto& bars = million_bars();
    const std::span<const double> close(bars.close);
    for ([[maybe_unused]] auto _ : state) {
        auto out = batch(Ema(20), close);
        benchmark::DoNotOptimize(out[0].data());
        benchmark::ClobberMemory();
    }
    per_bar(state, bars.size());
}
BENCHMARK(BM_Ema_Batch)->Unit(benchmark::kMillisecond);

// The 30 indicators of the panel: every TA-Lib one of the issue except DEMA/TRIMA/ADXR/MINUS_DI
// (covered by TEMA/SMA/ADX/PLUS_DI), plus VWAP and Supertrend.
auto panel() {
    return std::make_tuple(
        Sma(20),
        Ema(20),
        Wma(20),
        Tema(20),
        Kama(30),
        Rsi(14),
        Stoch(14, 3, 3),
        StochF(14, 3),
        StochRsi(14, 14, 3),
        Macd(12, 26, 9),
        BBands(20, 2.0, 2.0),
        Atr(14),
        Natr(14),
        TRange(),
        Adx(14),
        PlusDi(14),
        Cci(20),
        Willr(14),
        Mfi(14),
        Obv(),
        Ad(),
        AdOsc(3, 10),
        Roc(10),
        Mom(10),
        Trix(15),
        Sar(0.02, 0.2),
        Aroon(14),
        UltOsc(7, 14, 28),
        Vwap(),
        Supertrend(10, 3.0));
}

void BM_Panel30_Streaming(benchmark::State& state) {
    const auto& bars = million_bars();
    for ([[maybe_unused]] auto _ : state) {
        auto indicators = panel();
        double sink = 0.0;
        for (std::size_t i = 0; i < bars.size(); ++i) {
            const Ohlcv bar = bars.at(i);
            std::apply(
                [&](auto&... ind) { ((ind.update(bar), sink += ind.output(0)), ...); }, indicators);
        }
        benchmark::DoNotOptimize(sink);
    }
    static_assert(std::tuple_size_v<decltype(panel())> == 30);
    per_bar(state, bars.size());
}
BENCHMARK(BM_Panel30_Streaming)->Unit(benchmark::kMillisecond);

// O(1) streaming updates against recomputing the whole window at every bar.

void BM_Sma_Streaming(benchmark::State& state) {
    const auto& bars = million_bars();
    const int n = static_cast<int>(state.range(0));
    for ([[maybe_unused]] auto _ : state) {
        Sma sma(n);
        double sink = 0.0;
        for (const double x : bars.close) {
            sma.update(x);
            sink += sma.value();
        }
        benchmark::DoNotOptimize(sink);
    }
    per_bar(state, bars.size());
}
BENCHMARK(BM_Sma_Streaming)->Arg(20)->Arg(200)->Unit(benchmark::kMillisecond);

void BM_Sma_NaiveWindow(benchmark::State& state) {
    const auto& bars = million_bars();
    const auto n = static_cast<std::size_t>(state.range(0));
    for ([[maybe_unused]] auto _ : state) {
        double sink = 0.0;
        for (std::size_t i = n - 1; i < bars.size(); ++i) {
            double sum = 0.0;
            for (std::size_t j = i + 1 - n; j <= i; ++j) {
                sum += bars.close[j];
            }
            sink += sum / static_cast<double>(n);
        }
        benchmark::DoNotOptimize(sink);
    }
    per_bar(state, bars.size());
}
BENCHMARK(BM_Sma_NaiveWindow)->Arg(20)->Arg(200)->Unit(benchmark::kMillisecond);

void BM_Willr_Streaming(benchmark::State& state) {
    const auto& bars = million_bars();
    const int n = static_cast<int>(state.range(0));
    for ([[maybe_unused]] auto _ : state) {
        Willr willr(n);
        double sink = 0.0;
        for (std::size_t i = 0; i < bars.size(); ++i) {
            willr.update(bars.at(i));
            sink += willr.value();
        }
        benchmark::DoNotOptimize(sink);
    }
    per_bar(state, bars.size());
}
BENCHMARK(BM_Willr_Streaming)->Arg(14)->Arg(200)->Unit(benchmark::kMillisecond);

void BM_Willr_NaiveWindow(benchmark::State& state) {
    const auto& bars = million_bars();
    const auto n = static_cast<std::size_t>(state.range(0));
    for ([[maybe_unused]] auto _ : state) {
        double sink = 0.0;
        for (std::size_t i = n - 1; i < bars.size(); ++i) {
            double hi = bars.high[i + 1 - n];
            double lo = bars.low[i + 1 - n];
            for (std::size_t j = i + 2 - n; j <= i; ++j) {
                hi = bars.high[j] > hi ? bars.high[j] : hi;
                lo = bars.low[j] < lo ? bars.low[j] : lo;
            }
            const double diff = (hi - lo) / -100.0;
            sink += diff != 0.0 ? (hi - bars.close[i]) / diff : 0.0;
        }
        benchmark::DoNotOptimize(sink);
    }
    per_bar(state, bars.size());
}
BENCHMARK(BM_Willr_NaiveWindow)->Arg(14)->Arg(200)->Unit(benchmark::kMillisecond);

void BM_StdDev_Streaming(benchmark::State& state) {
    const auto& bars = million_bars();
    const int n = static_cast<int>(state.range(0));
    for ([[maybe_unused]] auto _ : state) {
        StdDev sd(n, 1.0);
        double sink = 0.0;
        for (const double x : bars.close) {
            sd.update(x);
            sink += sd.value();
        }
        benchmark::DoNotOptimize(sink);
    }
    per_bar(state, bars.size());
}
BENCHMARK(BM_StdDev_Streaming)->Arg(20)->Arg(200)->Unit(benchmark::kMillisecond);

void BM_StdDev_NaiveWindow(benchmark::State& state) {
    const auto& bars = million_bars();
    const auto n = static_cast<std::size_t>(state.range(0));
    for ([[maybe_unused]] auto _ : state) {
        double sink = 0.0;
        for (std::size_t i = n - 1; i < bars.size(); ++i) {
            double mean = 0.0;
            for (std::size_t j = i + 1 - n; j <= i; ++j) {
                mean += bars.close[j];
            }
            mean /= static_cast<double>(n);
            double var = 0.0;
            for (std::size_t j = i + 1 - n; j <= i; ++j) {
                var += (bars.close[j] - mean) * (bars.close[j] - mean);
            }
            sink += std::sqrt(var / static_cast<double>(n));
        }
        benchmark::DoNotOptimize(sink);
    }
    per_bar(state, bars.size());
}
BENCHMARK(BM_StdDev_NaiveWindow)->Arg(20)->Arg(200)->Unit(benchmark::kMillisecond);

void BM_Ema_Streaming(benchmark::State& state) {
    const auto& bars = million_bars();
    for ([[maybe_unused]] auto _ : state) {
        Ema ema(20);
        double sink = 0.0;
        for (const double x : bars.close) {
            ema.update(x);
            sink += ema.value();
        }
        benchmark::DoNotOptimize(sink);
    }
    per_bar(state, bars.size());
}
BENCHMARK(BM_Ema_Streaming)->Unit(benchmark::kMillisecond);

// A naive EMA recomputes from the seed at every bar (what a stateless per-bar call would do).
void BM_Ema_NaiveRecompute(benchmark::State& state) {
    const auto& bars = million_bars();
    constexpr std::size_t kN = 20;
    constexpr std::size_t kHistory = 200;  // recompute over the last 200 bars only
    for ([[maybe_unused]] auto _ : state) {
        double sink = 0.0;
        for (std::size_t i = kHistory; i < bars.size(); ++i) {
            Ema ema(kN);
            for (std::size_t j = i - kHistory; j <= i; ++j) {
                ema.update(bars.close[j]);
            }
            sink += ema.value();
        }
        benchmark::DoNotOptimize(sink);
    }
    per_bar(state, bars.size());
}
BENCHMARK(BM_Ema_NaiveRecompute)->Unit(benchmark::kMillisecond);

void BM_Adx_Streaming(benchmark::State& state) {
    const auto& bars = million_bars();
    for ([[maybe_unused]] auto _ : state) {
        Adx adx(14);
        double sink = 0.0;
        for (std::size_t i = 0; i < bars.size(); ++i) {
            adx.update(bars.at(i));
            sink += adx.value();
        }
        benchmark::DoNotOptimize(sink);
    }
    per_bar(state, bars.size());
}
BENCHMARK(BM_Adx_Streaming)->Unit(benchmark::kMillisecond);

#ifdef ATS_HAVE_TALIB
// Batch form of every TA-Lib indicator, ours against TA-Lib's C code on the same 1M bars, in the
// same binary and run (registered from a table so each pair sits side by side).

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
std::span<const double> cs(const BarColumns& b) {
    return b.close;
}

struct Versus {
    const char* name;
    std::size_t outputs;
    std::function<void(const BarColumns&)> ours;
    std::function<void(const BarColumns&, std::vector<double>*)> talib;
};

#define ATS_OURS(expr)                           \
    [](const BarColumns& b) {                    \
        auto out = expr;                         \
        benchmark::DoNotOptimize(out[0].data()); \
    }
#define ATS_TALIB(expr)                               \
    [](const BarColumns& b, std::vector<double>* o) { \
        const int e = static_cast<int>(b.size()) - 1; \
        int beg = 0;                                  \
        int nb = 0;                                   \
        const TA_MAType sma = TA_MAType_SMA;          \
        static_cast<void>(sma);                       \
        auto* o0 = o[0].data();                       \
        auto* o1 = o[1].data();                       \
        auto* o2 = o[2].data();                       \
        static_cast<void>(o1);                        \
        static_cast<void>(o2);                        \
        benchmark::DoNotOptimize(expr);               \
        benchmark::DoNotOptimize(o0);                 \
    }

const std::vector<Versus>& versus() {
    static const std::vector<Versus> kVersus = {
        {"SMA",
         1,
         ATS_OURS(batch(Sma(20), cs(b))),
         ATS_TALIB(TA_SMA(0, e, c(b), 20, &beg, &nb, o0))},
        {"EMA",
         1,
         ATS_OURS(batch(Ema(20), cs(b))),
         ATS_TALIB(TA_EMA(0, e, c(b), 20, &beg, &nb, o0))},
        {"WMA",
         1,
         ATS_OURS(batch(Wma(20), cs(b))),
         ATS_TALIB(TA_WMA(0, e, c(b), 20, &beg, &nb, o0))},
        {"DEMA",
         1,
         ATS_OURS(batch(Dema(20), cs(b))),
         ATS_TALIB(TA_DEMA(0, e, c(b), 20, &beg, &nb, o0))},
        {"TEMA",
         1,
         ATS_OURS(batch(Tema(20), cs(b))),
         ATS_TALIB(TA_TEMA(0, e, c(b), 20, &beg, &nb, o0))},
        {"TRIMA",
         1,
         ATS_OURS(batch(Trima(20), cs(b))),
         ATS_TALIB(TA_TRIMA(0, e, c(b), 20, &beg, &nb, o0))},
        {"KAMA",
         1,
         ATS_OURS(batch(Kama(30), cs(b))),
         ATS_TALIB(TA_KAMA(0, e, c(b), 30, &beg, &nb, o0))},
        {"RSI",
         1,
         ATS_OURS(batch(Rsi(14), cs(b))),
         ATS_TALIB(TA_RSI(0, e, c(b), 14, &beg, &nb, o0))},
        {"STOCH",
         2,
         ATS_OURS(batch(Stoch(14, 3, 3), b)),
         ATS_TALIB(TA_STOCH(0, e, h(b), l(b), c(b), 14, 3, sma, 3, sma, &beg, &nb, o0, o1))},
        {"STOCHF",
         2,
         ATS_OURS(batch(StochF(14, 3), b)),
         ATS_TALIB(TA_STOCHF(0, e, h(b), l(b), c(b), 14, 3, sma, &beg, &nb, o0, o1))},
        {"STOCHRSI",
         2,
         ATS_OURS(batch(StochRsi(14, 14, 3), cs(b))),
         ATS_TALIB(TA_STOCHRSI(0, e, c(b), 14, 14, 3, sma, &beg, &nb, o0, o1))},
        {"MACD",
         3,
         ATS_OURS(batch(Macd(12, 26, 9), cs(b))),
         ATS_TALIB(TA_MACD(0, e, c(b), 12, 26, 9, &beg, &nb, o0, o1, o2))},
        {"BBANDS",
         3,
         ATS_OURS(batch(BBands(20, 2.0, 2.0), cs(b))),
         ATS_TALIB(TA_BBANDS(0, e, c(b), 20, 2.0, 2.0, sma, &beg, &nb, o0, o1, o2))},
        {"ATR",
         1,
         ATS_OURS(batch(Atr(14), b)),
         ATS_TALIB(TA_ATR(0, e, h(b), l(b), c(b), 14, &beg, &nb, o0))},
        {"NATR",
         1,
         ATS_OURS(batch(Natr(14), b)),
         ATS_TALIB(TA_NATR(0, e, h(b), l(b), c(b), 14, &beg, &nb, o0))},
        {"TRANGE",
         1,
         ATS_OURS(batch(TRange(), b)),
         ATS_TALIB(TA_TRANGE(0, e, h(b), l(b), c(b), &beg, &nb, o0))},
        {"ADX",
         1,
         ATS_OURS(batch(Adx(14), b)),
         ATS_TALIB(TA_ADX(0, e, h(b), l(b), c(b), 14, &beg, &nb, o0))},
        {"ADXR",
         1,
         ATS_OURS(batch(Adxr(14), b)),
         ATS_TALIB(TA_ADXR(0, e, h(b), l(b), c(b), 14, &beg, &nb, o0))},
        {"PLUS_DI",
         1,
         ATS_OURS(batch(PlusDi(14), b)),
         ATS_TALIB(TA_PLUS_DI(0, e, h(b), l(b), c(b), 14, &beg, &nb, o0))},
        {"MINUS_DI",
         1,
         ATS_OURS(batch(MinusDi(14), b)),
         ATS_TALIB(TA_MINUS_DI(0, e, h(b), l(b), c(b), 14, &beg, &nb, o0))},
        {"CCI",
         1,
         ATS_OURS(batch(Cci(20), b)),
         ATS_TALIB(TA_CCI(0, e, h(b), l(b), c(b), 20, &beg, &nb, o0))},
        {"WILLR",
         1,
         ATS_OURS(batch(Willr(14), b)),
         ATS_TALIB(TA_WILLR(0, e, h(b), l(b), c(b), 14, &beg, &nb, o0))},
        {"MFI",
         1,
         ATS_OURS(batch(Mfi(14), b)),
         ATS_TALIB(TA_MFI(0, e, h(b), l(b), c(b), v(b), 14, &beg, &nb, o0))},
        {"OBV", 1, ATS_OURS(batch(Obv(), b)), ATS_TALIB(TA_OBV(0, e, c(b), v(b), &beg, &nb, o0))},
        {"AD",
         1,
         ATS_OURS(batch(Ad(), b)),
         ATS_TALIB(TA_AD(0, e, h(b), l(b), c(b), v(b), &beg, &nb, o0))},
        {"ADOSC",
         1,
         ATS_OURS(batch(AdOsc(3, 10), b)),
         ATS_TALIB(TA_ADOSC(0, e, h(b), l(b), c(b), v(b), 3, 10, &beg, &nb, o0))},
        {"ROC",
         1,
         ATS_OURS(batch(Roc(10), cs(b))),
         ATS_TALIB(TA_ROC(0, e, c(b), 10, &beg, &nb, o0))},
        {"MOM",
         1,
         ATS_OURS(batch(Mom(10), cs(b))),
         ATS_TALIB(TA_MOM(0, e, c(b), 10, &beg, &nb, o0))},
        {"TRIX",
         1,
         ATS_OURS(batch(Trix(15), cs(b))),
         ATS_TALIB(TA_TRIX(0, e, c(b), 15, &beg, &nb, o0))},
        {"SAR",
         1,
         ATS_OURS(batch(Sar(0.02, 0.2), b)),
         ATS_TALIB(TA_SAR(0, e, h(b), l(b), 0.02, 0.2, &beg, &nb, o0))},
        {"AROON",
         2,
         ATS_OURS(batch(Aroon(14), b)),
         ATS_TALIB(TA_AROON(0, e, h(b), l(b), 14, &beg, &nb, o0, o1))},
        {"AROONOSC",
         1,
         ATS_OURS(batch(AroonOsc(14), b)),
         ATS_TALIB(TA_AROONOSC(0, e, h(b), l(b), 14, &beg, &nb, o0))},
        {"ULTOSC",
         1,
         ATS_OURS(batch(UltOsc(7, 14, 28), b)),
         ATS_TALIB(TA_ULTOSC(0, e, h(b), l(b), c(b), 7, 14, 28, &beg, &nb, o0))},
        {"STDDEV",
         1,
         ATS_OURS(batch(StdDev(20, 1.0), cs(b))),
         ATS_TALIB(TA_STDDEV(0, e, c(b), 20, 1.0, &beg, &nb, o0))},
    };
    return kVersus;
}

#undef ATS_OURS
#undef ATS_TALIB

// TA-Lib writes into caller-provided buffers; the batch functions allocate their outputs, so the
// TA-Lib side allocates its output vectors too, to compare like with like.
[[maybe_unused]] const bool kRegistered = [] {
    TA_Initialize();
    for (const auto& vs : versus()) {
        benchmark::RegisterBenchmark(
            (std::string("BM_Ours_") + vs.name).c_str(),
            [&vs](benchmark::State& state) {
                const auto& bars = million_bars();
                for ([[maybe_unused]] auto _ : state) {
                    vs.ours(bars);
                }
                per_bar(state, bars.size());
            })
            ->Unit(benchmark::kMillisecond);
        benchmark::RegisterBenchmark(
            (std::string("BM_TaLib_") + vs.name).c_str(),
            [&vs](benchmark::State& state) {
                const auto& bars = million_bars();
                for ([[maybe_unused]] auto _ : state) {
                    std::vector<double> out[3];
                    for (std::size_t k = 0; k < vs.outputs; ++k) {
                        out[k].resize(bars.size());
                    }
                    vs.talib(bars, out);
                }
                per_bar(state, bars.size());
            })
            ->Unit(benchmark::kMillisecond);
    }
    return true;
}();
#endif

#ifdef ATS_HAVE_TULIP
// Tulip Indicators on the same 1M bars, for the six the issue names (their output starts after
// the warm-up, so the buffers are one warm-up shorter; the work per bar is the same).
struct Tulip {
    const char* name;
    const ti_indicator_info* info;
    std::vector<double> options;
    int inputs;  ///< 1: close; 3: high, low, close
};

[[maybe_unused]] const bool kTulipRegistered = [] {
    static const std::vector<Tulip> kTulip = {
        {"SMA", ti_find_indicator("sma"), {20}, 1},
        {"EMA", ti_find_indicator("ema"), {20}, 1},
        {"ATR", ti_find_indicator("atr"), {14}, 3},
        {"BBANDS", ti_find_indicator("bbands"), {20, 2.0}, 1},
        {"RSI", ti_find_indicator("rsi"), {14}, 1},
        {"MACD", ti_find_indicator("macd"), {12, 26, 9}, 1},
    };
    for (const auto& t : kTulip) {
        benchmark::RegisterBenchmark(
            (std::string("BM_Tulip_") + t.name).c_str(),
            [&t](benchmark::State& state) {
                const auto& bars = million_bars();
                const int size = static_cast<int>(bars.size());
                const double* in[3] = {bars.close.data(), nullptr, nullptr};
                if (t.inputs == 3) {
                    in[0] = bars.high.data();
                    in[1] = bars.low.data();
                    in[2] = bars.close.data();
                }
                for ([[maybe_unused]] auto _ : state) {
                    const int start = t.info->start(t.options.data());
                    std::vector<double> out[3];
                    double* outs[3] = {nullptr, nullptr, nullptr};
                    for (int k = 0; k < t.info->outputs; ++k) {
                        out[k].resize(static_cast<std::size_t>(size - start));
                        outs[k] = out[k].data();
                    }
                    benchmark::DoNotOptimize(t.info->indicator(size, in, t.options.data(), outs));
                    benchmark::DoNotOptimize(outs[0]);
                }
                per_bar(state, bars.size());
            })
            ->Unit(benchmark::kMillisecond);
    }
    return true;
}();
#endif

}  // namespace
