#include "ats/core/decimal_swar.hpp"

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "ats/core/fixed_point.hpp"

namespace ats {
namespace {

/// Every split of integer digits (0-10) and decimals (none, or 0-9), plus shapes the SWAR path
/// must refuse or hand on.
std::vector<std::string> decimal_shapes() {
    std::mt19937_64 rng(3);
    std::vector<std::string> out;
    for (int int_digits = 0; int_digits <= 10; ++int_digits) {
        for (int frac_digits = -1; frac_digits <= 9; ++frac_digits) {
            for (int variant = 0; variant < 4; ++variant) {
                std::string text;
                for (int i = 0; i < int_digits; ++i) {
                    text += static_cast<char>('0' + rng() % 10);
                }
                if (frac_digits >= 0) {
                    text += '.';
                    for (int i = 0; i < frac_digits; ++i) {
                        text += static_cast<char>(variant == 0 ? '9' : '0' + rng() % 10);
                    }
                }
                out.push_back(text);
            }
        }
    }
    for (const char* odd :
         {"",
          ".",
          "1..2",
          "1.2.3",
          "-1.5",
          "+1.5",
          "1e3",
          "1.5e-2",
          "0",
          "00012",
          "1 ",
          " 1",
          "1/2",
          "1:2",
          "12345678.12345678",
          "123456789",
          "1234567890123456"}) {
        out.emplace_back(odd);
    }
    return out;
}

template <char Terminator>
void check_against_byte_parser() {
    int fast = 0;
    for (const auto& text : decimal_shapes()) {
        // The number, its terminator, then digits that must not be read as part of it, and
        // 16 bytes of room.
        const std::string buffer = text + Terminator + "987654321" + std::string(16, '7');
        std::int64_t value = 0;
        const char* stop = nullptr;
        const bool parsed = swar::parse_unsigned<Terminator>(buffer.data(), value, stop);
        std::int64_t expected = 0;
        const bool plain = text.find_first_not_of("0123456789.") == std::string::npos &&
                           detail::parse_fixed_fast(text, expected);
        if (!parsed) {
            continue;  // handed on: the byte-wise parser decides
        }
        ++fast;
        ASSERT_TRUE(plain) << "accepted what the byte parser refuses: '" << text << "'";
        EXPECT_EQ(value, expected) << text;
        EXPECT_EQ(stop, buffer.data() + text.size()) << text;
    }
    if constexpr (swar::kEnabled) {
        // Every shape with at most 8 digits on each side takes the fast path.
        EXPECT_GT(fast, 300);
    } else {
        EXPECT_EQ(fast, 0);
    }
}

TEST(DecimalSwarTest, AgreesWithTheByteParserOnEveryShape) {
    check_against_byte_parser<'"'>();
    check_against_byte_parser<','>();
}

TEST(DecimalSwarTest, RefusesWhatItCannotTake) {
    // Refused on every target (without SSE2 everything is refused: the byte parsers run).
    std::int64_t value = 0;
    const char* stop = nullptr;
    for (const char* text :
         {"-1.5\"",
          "1e3\"",
          "1..2\"",
          "123456789.5\"",
          "1.123456789\"",
          "\"",
          ".\"",
          "1234567890123456789"}) {
        const std::string buffer = std::string(text) + std::string(16, ' ');
        EXPECT_FALSE(swar::parse_unsigned<'"'>(buffer.data(), value, stop)) << text;
    }
    const std::string ok = std::string("96000.12\"") + std::string(16, ' ');
    const bool parsed = swar::parse_unsigned<'"'>(ok.data(), value, stop);
    ASSERT_EQ(parsed, swar::kEnabled);
    if (parsed) {
        EXPECT_EQ(value, Price::parse("96000.12")->raw());
        EXPECT_EQ(*stop, '"');
    }
}

TEST(DecimalSwarTest, IntegersOfEveryLengthMatchTheirDigits) {
    std::mt19937_64 rng(9);
    int fast = 0;
    for (int digits = 0; digits <= 18; ++digits) {
        for (int variant = 0; variant < 20; ++variant) {
            std::string text;
            for (int i = 0; i < digits; ++i) {
                text += static_cast<char>('0' + (variant == 0 ? 9 : rng() % 10));
            }
            const std::string buffer = text + ",123" + std::string(16, '5');
            std::int64_t value = -1;
            const char* stop = nullptr;
            if (!swar::parse_integer<','>(buffer.data(), value, stop)) {
                EXPECT_TRUE(digits == 0 || digits > 15 || !swar::kEnabled) << text;
                continue;
            }
            ++fast;
            EXPECT_EQ(value, std::stoll(text)) << text;
            EXPECT_EQ(stop, buffer.data() + text.size()) << text;
        }
    }
    EXPECT_EQ(fast, swar::kEnabled ? 15 * 20 : 0);
    for (const char* odd : {"-5,", "1.5,", "12a4,", " 1,", "1 ,", "+7,"}) {
        const std::string buffer = std::string(odd) + std::string(16, '5');
        std::int64_t value = 0;
        const char* stop = nullptr;
        EXPECT_FALSE(swar::parse_integer<','>(buffer.data(), value, stop)) << odd;
    }
}

}  // namespace
}  // namespace ats
