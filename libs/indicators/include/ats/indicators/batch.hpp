#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <utility>
#include <vector>

#include "ats/indicators/common.hpp"
#include "ats/model/bar_series.hpp"

/// Batch computation as a fold over the streaming objects, so batch and streaming results are
/// bit-identical by construction. Outputs have the input's length, with NaN before the lookback.
///
///     auto bars = BarColumns::from(series);
///     auto rsi = batch(Rsi(14), bars)[0];                 // one vector per output
///     auto [macd, signal, hist] = batch(Macd(12, 26, 9), bars);
namespace ats::indicators {

/// A BarSeries as double columns (open time in ns).
struct BarColumns {
    std::vector<std::int64_t> open_time_ns;
    std::vector<double> open;
    std::vector<double> high;
    std::vector<double> low;
    std::vector<double> close;
    std::vector<double> volume;

    std::size_t size() const noexcept { return close.size(); }
    Ohlcv at(std::size_t i) const noexcept {
        return Ohlcv{open_time_ns[i], open[i], high[i], low[i], close[i], volume[i]};
    }

    static BarColumns from(const model::BarSeries& series);
};

template <class Indicator>
using BatchOutputs = std::array<std::vector<double>, Indicator::kOutputCount>;

namespace detail {

/// The fold shared by every batch form. The state lives in a local copy and the outputs are
/// written through restrict pointers, so the compiler can keep the state in registers (a store
/// to a `double*` might otherwise alias the indicator's own doubles).
template <class Indicator, class InputAt>
void fold(Indicator& indicator, std::size_t n, InputAt input_at, BatchOutputs<Indicator>& out) {
    Indicator local = std::move(indicator);
    if constexpr (Indicator::kOutputCount == 1) {
        double* __restrict dst = out[0].data();
        // Indicators whose per-bar step is a plain expression of the inputs (MOM, TRANGE, OBV)
        // offer a loop without their streaming state; it runs only from a fresh object and does
        // the same floating-point operations in the same order (tests/indicators compare both).
        if constexpr (requires { local.batch_fresh(n, input_at, dst); }) {
            if (local.fresh()) {
                local.batch_fresh(n, input_at, dst);
                return;
            }
        }
        for (std::size_t i = 0; i < n; ++i) {
            local.update(input_at(i));
            if (local.ready()) {
                dst[i] = local.output(0);
            }
        }
    } else {
        for (std::size_t i = 0; i < n; ++i) {
            local.update(input_at(i));
            if (local.ready()) {
                for (std::size_t k = 0; k < Indicator::kOutputCount; ++k) {
                    double* __restrict dst = out[k].data();
                    dst[i] = local.output(k);
                }
            }
        }
    }
}

}  // namespace detail

/// Folds `indicator` over every bar.
template <class Indicator>
BatchOutputs<Indicator> batch(Indicator indicator, const BarColumns& bars) {
    BatchOutputs<Indicator> out;
    for (auto& column : out) {
        column.assign(bars.size(), kNaN);
    }
    // Column pointers by value: loads through them cannot alias the outputs, so the compiler
    // keeps them in registers and drops the columns an indicator does not read.
    const std::int64_t* __restrict t = bars.open_time_ns.data();
    const double* __restrict o = bars.open.data();
    const double* __restrict h = bars.high.data();
    const double* __restrict l = bars.low.data();
    const double* __restrict c = bars.close.data();
    const double* __restrict v = bars.volume.data();
    detail::fold(
        indicator,
        bars.size(),
        [t, o, h, l, c, v](std::size_t i) {
            return Ohlcv{t[i], o[i], h[i], l[i], c[i], v[i]};
        },
        out);
    return out;
}

template <class Indicator>
BatchOutputs<Indicator> batch(Indicator indicator, const model::BarSeries& series) {
    return batch(std::move(indicator), BarColumns::from(series));
}

/// Folds a single-input indicator (SMA, EMA, RSI, MACD, ...) over `input`.
template <class Indicator>
requires requires(Indicator& i, double x) {
    i.update(x);
}
BatchOutputs<Indicator> batch(Indicator indicator, std::span<const double> input) {
    BatchOutputs<Indicator> out;
    for (auto& column : out) {
        column.assign(input.size(), kNaN);
    }
    const double* in = input.data();
    detail::fold(
        indicator, input.size(), [in](std::size_t i) { return in[i]; }, out);
    return out;
}

}  // namespace ats::indicators
