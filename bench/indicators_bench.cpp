// Indicator speed on 1,000,000 one-minute bars: the bundled December 2024 BTCUSDT minutes
// (41,761 real bars) repeated, each copy shifted in time and scaled slightly so windows never
// see identical repeats. Batch SMA/EMA, a panel of 30 streaming indicators updated bar by bar,
// and O(1) streaming updates side by side with a naive recompute of the whole window.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <tuple>
#include <vector>

#include <benchmark/benchmark.h>

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

}  // namespace
