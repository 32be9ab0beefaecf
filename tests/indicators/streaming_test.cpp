// Streaming == batch, bit for bit, and lookback == first valid index, on the bundled ETHUSDT 1h
// series (never used for the TA-Lib goldens).
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <tuple>
#include <typeinfo>
#include <vector>

#include <gtest/gtest.h>

#include "ats/data/kline_csv.hpp"
#include "ats/indicators/batch.hpp"

#include "all_indicators.hpp"
#include "test_data.hpp"

namespace ats::indicators {
namespace {

bool same_bits(double a, double b) {
    std::uint64_t x = 0;
    std::uint64_t y = 0;
    std::memcpy(&x, &a, sizeof x);
    std::memcpy(&y, &b, sizeof y);
    return x == y || (std::isnan(a) && std::isnan(b));
}

template <class I>
void check_streaming_equals_batch(
    I indicator, const model::BarSeries& series, const BarColumns& bars) {
    const auto name = typeid(I).name();
    const auto batched = batch(indicator, bars);
    I stream = indicator;
    std::size_t mismatches = 0;
    std::size_t first_valid = bars.size();
    for (std::size_t i = 0; i < series.size(); ++i) {
        stream.update(series.bar(i));  // the model::Bar entry point
        for (std::size_t k = 0; k < I::kOutputCount; ++k) {
            const double s = stream.ready() ? stream.output(k) : kNaN;
            if (!same_bits(s, batched[k][i]) && ++mismatches <= 3) {
                ADD_FAILURE() << name << " output " << k << " bar " << i << ": streaming " << s
                              << " batch " << batched[k][i];
            }
            if (!std::isnan(batched[k][i]) && i < first_valid) {
                first_valid = i;
            }
        }
    }
    EXPECT_EQ(mismatches, 0u) << name;
    EXPECT_EQ(first_valid, static_cast<std::size_t>(indicator.lookback())) << name;
    // Every output is finite from the lookback on.
    for (std::size_t k = 0; k < I::kOutputCount; ++k) {
        for (std::size_t i = first_valid; i < bars.size(); ++i) {
            if (!std::isfinite(batched[k][i])) {
                ADD_FAILURE() << name << " output " << k << " bar " << i << " is not finite";
                break;
            }
        }
    }
}

TEST(StreamingTest, EqualsBatchBitForBitOnEthusdt) {
    auto loaded = data::load_klines_csv(
        std::string(ATS_BUNDLED_DATA_DIR) + "/ETHUSDT_1h_2021-04_2025-12.csv", {});
    ASSERT_TRUE(loaded.has_value()) << loaded.error().to_string();
    const auto& series = loaded->series;
    ASSERT_GT(series.size(), 40'000u);
    const BarColumns bars = BarColumns::from(series);
    auto all = testing::all_indicators();
    std::apply(
        [&](auto&... indicator) { (check_streaming_equals_batch(indicator, series, bars), ...); },
        all);
}

TEST(StreamingTest, SingleInputBatchEqualsBarBatch) {
    const BarColumns& bars = testing::bundled("BTCUSDT_1h_2021-04_2025-12.csv");
    const auto from_span = batch(Macd(12, 26, 9), std::span<const double>(bars.close));
    const auto from_bars = batch(Macd(12, 26, 9), bars);
    for (std::size_t k = 0; k < 3; ++k) {
        for (std::size_t i = 0; i < bars.size(); ++i) {
            ASSERT_TRUE(same_bits(from_span[k][i], from_bars[k][i])) << k << " " << i;
        }
    }
}

template <class I>
void check_warmed_batch_continues(I indicator, const BarColumns& bars) {
    // The first 100 bars streamed, then batch() over the rest from that object: the fold must
    // continue its state (the fresh-object loops of MOM, TRANGE and OBV do not apply).
    constexpr std::size_t kWarm = 100;
    I stream = indicator;
    for (std::size_t i = 0; i < kWarm; ++i) {
        stream.update(bars.at(i));
    }
    BarColumns rest;
    for (std::size_t i = kWarm; i < kWarm + 500; ++i) {
        rest.open_time_ns.push_back(bars.open_time_ns[i]);
        rest.open.push_back(bars.open[i]);
        rest.high.push_back(bars.high[i]);
        rest.low.push_back(bars.low[i]);
        rest.close.push_back(bars.close[i]);
        rest.volume.push_back(bars.volume[i]);
    }
    const auto batched = batch(stream, rest);
    for (std::size_t i = 0; i < rest.size(); ++i) {
        stream.update(rest.at(i));
        ASSERT_TRUE(same_bits(stream.output(0), batched[0][i])) << typeid(I).name() << " " << i;
    }
}

TEST(StreamingTest, BatchFromAWarmedObjectContinuesItsState) {
    const BarColumns& bars = testing::bundled("BTCUSDT_1h_2021-04_2025-12.csv");
    check_warmed_batch_continues(Mom(10), bars);
    check_warmed_batch_continues(TRange(), bars);
    check_warmed_batch_continues(Obv(), bars);
    check_warmed_batch_continues(Mfi(14), bars);
    check_warmed_batch_continues(PlusDi(14), bars);
    check_warmed_batch_continues(MinusDi(14), bars);
    check_warmed_batch_continues(Adx(14), bars);
    check_warmed_batch_continues(AroonOsc(14), bars);
    check_warmed_batch_continues(Rsi(14), bars);
    // Shorter than the lookback, and empty: nothing but NaN, no read past the input.
    const std::vector<double> few = {1.0, 2.0};
    const auto short_out = batch(Mom(10), std::span<const double>(few));
    ASSERT_EQ(short_out[0].size(), 2u);
    for (const double v : short_out[0]) {
        EXPECT_TRUE(std::isnan(v));
    }
    EXPECT_TRUE(batch(Obv(), BarColumns{})[0].empty());
}

TEST(StreamingTest, AroonOscBatchMatchesStreamingOnTiesAndLongPeriods) {
    // Flat stretches (every bar ties with the kept extreme: the newest must win) and a period
    // above the batch loop's scan limit (update()'s blocks run instead).
    BarColumns bars;
    for (int i = 0; i < 400; ++i) {
        const double level = 100.0 + static_cast<double>((i / 37) % 5);
        bars.open_time_ns.push_back(i);
        bars.open.push_back(level);
        bars.high.push_back(i % 3 == 0 ? level + 1.0 : level);
        bars.low.push_back(i % 4 == 0 ? level - 1.0 : level);
        bars.close.push_back(level);
        bars.volume.push_back(1.0);
    }
    for (const int period : {5, 14, AroonOsc::kMaxScanPeriod, AroonOsc::kMaxScanPeriod + 36}) {
        const auto batched = batch(AroonOsc(period), bars);
        AroonOsc stream(period);
        for (std::size_t i = 0; i < bars.size(); ++i) {
            stream.update(bars.at(i));
            const double s = stream.ready() ? stream.output(0) : kNaN;
            ASSERT_TRUE(same_bits(s, batched[0][i])) << period << " bar " << i;
        }
    }
}

TEST(StreamingTest, BatchOnShortInputIsAllNaN) {
    const std::vector<double> x = {1.0, 2.0, 3.0};
    const auto out = batch(Sma(5), std::span<const double>(x));
    ASSERT_EQ(out[0].size(), 3u);
    for (const double v : out[0]) {
        EXPECT_TRUE(std::isnan(v));
    }
}

}  // namespace
}  // namespace ats::indicators
