#include "encoding.hpp"

#include <cstring>
#include <random>

#include <gtest/gtest.h>

namespace ats::parquet::detail {
namespace {

TEST(BitPackTest, MatchesTheSpecExample) {
    // Encodings.md: 0..7 with bit width 3 pack to 10001000 11000110 11111010.
    const std::uint32_t values[8] = {0, 1, 2, 3, 4, 5, 6, 7};
    std::string out;
    bit_pack(values, 8, 3, out);
    ASSERT_EQ(out.size(), 3U);
    EXPECT_EQ(static_cast<std::uint8_t>(out[0]), 0b10001000);
    EXPECT_EQ(static_cast<std::uint8_t>(out[1]), 0b11000110);
    EXPECT_EQ(static_cast<std::uint8_t>(out[2]), 0b11111010);
}

TEST(BitPackTest, RoundTripsEveryWidth) {
    std::mt19937_64 rng(7);
    for (int width = 1; width <= 32; ++width) {
        const std::uint64_t mask = width == 32 ? 0xFFFFFFFFULL : (1ULL << width) - 1;
        std::vector<std::uint32_t> values(203);
        for (auto& v : values) {
            v = static_cast<std::uint32_t>(rng() & mask);
        }
        std::string packed;
        bit_pack(values.data(), values.size(), width, packed);
        EXPECT_EQ(packed.size(), (values.size() + 7) / 8 * static_cast<std::size_t>(width));
        std::vector<std::uint32_t> back(values.size());
        bit_unpack(
            reinterpret_cast<const std::uint8_t*>(packed.data()), width, back.data(), back.size());
        EXPECT_EQ(back, values) << "width " << width;
    }
    for (int width = 1; width <= 64; ++width) {
        const std::uint64_t mask = width == 64 ? ~0ULL : (1ULL << width) - 1;
        std::vector<std::uint64_t> values(77);
        for (auto& v : values) {
            v = rng() & mask;
        }
        std::string packed;
        bit_pack64(values.data(), values.size(), width, packed);
        std::vector<std::uint64_t> back(values.size());
        bit_unpack64(
            reinterpret_cast<const std::uint8_t*>(packed.data()), width, back.data(), back.size());
        EXPECT_EQ(back, values) << "width " << width;
    }
}

TEST(RleHybridTest, RoundTripsRunsAndLiterals) {
    std::mt19937 rng(11);
    for (int trial = 0; trial < 200; ++trial) {
        const int width = static_cast<int>(rng() % 21);
        const std::uint32_t max = width == 0 ? 0 : (1U << width) - 1;
        std::vector<std::uint32_t> values;
        const std::size_t n = rng() % 3000;
        while (values.size() < n) {
            const auto v = static_cast<std::uint32_t>(max == 0 ? 0 : rng() % (max + 1));
            const std::size_t repeat = rng() % 4 == 0 ? rng() % 100 : 1;
            for (std::size_t k = 0; k < repeat && values.size() < n; ++k) {
                values.push_back(v);
            }
        }
        std::string encoded;
        encode_rle_hybrid(values.data(), values.size(), width, encoded);
        std::vector<std::uint32_t> back(values.size());
        const auto d = decode_rle_hybrid(
            reinterpret_cast<const std::uint8_t*>(encoded.data()),
            encoded.size(),
            width,
            back.data(),
            back.size());
        ASSERT_TRUE(d.ok()) << d.error;
        EXPECT_EQ(back, values);
        EXPECT_EQ(d.consumed, encoded.size());
    }
}

TEST(RleHybridTest, UsesRunsForRepeats) {
    std::vector<std::uint32_t> values(10000, 1);
    std::string encoded;
    encode_rle_hybrid(values.data(), values.size(), 1, encoded);
    EXPECT_LE(encoded.size(), 4U);  // one run: a varint header and one value byte
}

TEST(RleHybridTest, RefusesTruncatedAndOverwideInput) {
    std::vector<std::uint32_t> values(100);
    for (std::size_t i = 0; i < values.size(); ++i) {
        values[i] = static_cast<std::uint32_t>(i % 7);
    }
    std::string encoded;
    encode_rle_hybrid(values.data(), values.size(), 3, encoded);
    std::vector<std::uint32_t> back(values.size());
    const auto* p = reinterpret_cast<const std::uint8_t*>(encoded.data());
    EXPECT_FALSE(decode_rle_hybrid(p, encoded.size() / 2, 3, back.data(), back.size()).ok());
    EXPECT_FALSE(decode_rle_hybrid(p, encoded.size(), 33, back.data(), back.size()).ok());
    // An RLE run whose value is wider than the bit width.
    const std::uint8_t bad[] = {0x08, 0x09};  // run of 4, value 9 with width 3
    EXPECT_FALSE(decode_rle_hybrid(bad, sizeof bad, 3, back.data(), 4).ok());
}

TEST(DeltaBinaryPackedTest, MatchesTheSpecExampleAndRoundTrips) {
    std::mt19937_64 rng(5);
    const std::vector<std::vector<std::int64_t>> fixed = {
        {},
        {42},
        {1, 2, 3, 4, 5},
        {7, 5, 3, 1, 2, 3, 4, 5},
        {INT64_MIN, INT64_MAX, 0, INT64_MIN, -1, INT64_MAX},
    };
    std::vector<std::vector<std::int64_t>> cases = fixed;
    for (int t = 0; t < 50; ++t) {
        std::vector<std::int64_t> v(rng() % 1000);
        std::int64_t x = static_cast<std::int64_t>(rng());
        for (auto& e : v) {
            x += static_cast<std::int64_t>(rng() % 2000) - 1000;
            e = t % 5 == 0 ? static_cast<std::int64_t>(rng()) : x;
        }
        cases.push_back(v);
    }
    for (const auto& values : cases) {
        std::string encoded;
        encode_delta_binary_packed(values.data(), values.size(), 64, encoded);
        EXPECT_LE(encoded.size(), delta_binary_packed_size(values.data(), values.size(), 64));
        std::vector<std::int64_t> back;
        const auto d = decode_delta_binary_packed(
            reinterpret_cast<const std::uint8_t*>(encoded.data()),
            encoded.size(),
            values.size(),
            64,
            back);
        ASSERT_TRUE(d.ok()) << d.error;
        EXPECT_EQ(back, values);
        EXPECT_EQ(d.consumed, encoded.size());
    }
}

TEST(DeltaBinaryPackedTest, WrapsInThirtyTwoBits) {
    const std::vector<std::int64_t> values = {INT32_MIN, INT32_MAX, 0, INT32_MIN, 5, -5};
    std::string encoded;
    encode_delta_binary_packed(values.data(), values.size(), 32, encoded);
    std::vector<std::int64_t> back;
    const auto d = decode_delta_binary_packed(
        reinterpret_cast<const std::uint8_t*>(encoded.data()), encoded.size(), 6, 32, back);
    ASSERT_TRUE(d.ok()) << d.error;
    EXPECT_EQ(back, values);
}

TEST(DeltaBinaryPackedTest, ConstantStepTakesAlmostNothing) {
    std::vector<std::int64_t> times(525'600);
    for (std::size_t i = 0; i < times.size(); ++i) {
        times[i] = 1'700'000'000'000 + static_cast<std::int64_t>(i) * 60'000;
    }
    std::string encoded;
    encode_delta_binary_packed(times.data(), times.size(), 64, encoded);
    EXPECT_LT(encoded.size(), times.size() / 10);
}

TEST(DeltaBinaryPackedTest, RefusesBadHeadersAndTooManyValues) {
    std::vector<std::int64_t> back;
    const std::uint8_t bad_block[] = {0x07, 0x01, 0x01, 0x00};  // block size 7
    EXPECT_FALSE(decode_delta_binary_packed(bad_block, sizeof bad_block, 10, 64, back).ok());
    const std::uint8_t many[] = {0x80, 0x01, 0x04, 0xFF, 0xFF, 0x03, 0x00};  // 65535 values
    EXPECT_FALSE(decode_delta_binary_packed(many, sizeof many, 10, 64, back).ok());
    const std::uint8_t truncated[] = {0x80, 0x01, 0x04, 0x05, 0x00, 0x00, 0x40};
    EXPECT_FALSE(decode_delta_binary_packed(truncated, sizeof truncated, 10, 64, back).ok());
}

}  // namespace
}  // namespace ats::parquet::detail
