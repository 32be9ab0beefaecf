#include "ats/core/fixed_point.hpp"

#include <cmath>
#include <cstdint>
#include <random>
#include <string>

#include <gtest/gtest.h>

namespace ats {
namespace {

template <class A, class B>
concept Addable = requires(A a, B b) {
    a + b;
};
template <class A, class B>
concept Comparable = requires(A a, B b) {
    a < b;
};
template <class A, class B>
concept Multipliable = requires(A a, B b) {
    a* b;
};

static_assert(Addable<Price, Price>);
static_assert(Addable<Money, Money>);
static_assert(!Addable<Price, Qty>, "cannot mix up price and quantity");
static_assert(!Addable<Price, Money>);
static_assert(!Addable<Qty, Money>);
static_assert(!Comparable<Price, Qty>);
static_assert(!Multipliable<Price, Qty>, "Price x Qty needs an explicit rounding mode");
static_assert(!Addable<Price, double>, "no implicit conversion from double");
static_assert(!std::is_convertible_v<std::int64_t, Price>);
static_assert(!std::is_convertible_v<Price, double>);
static_assert(sizeof(Price) == sizeof(std::int64_t));

TEST(FixedPointTest, ParsesDecimalsExactly) {
    EXPECT_EQ(Price::parse("57953.86")->raw(), 5'795'386'000'000);
    EXPECT_EQ(Qty::parse("0.00000001")->raw(), 1);
    EXPECT_EQ(Qty::parse("-1.5")->raw(), -150'000'000);
    EXPECT_EQ(Qty::parse("+2")->raw(), 200'000'000);
    EXPECT_EQ(Qty::parse(".5")->raw(), 50'000'000);
    EXPECT_EQ(Qty::parse("7.")->raw(), 700'000'000);
    EXPECT_EQ(Qty::parse("0.123456780000")->raw(), 12'345'678);  // zeros beyond 8 decimals
    EXPECT_EQ(Price::parse("92233720368.54775807")->raw(), INT64_MAX);
    // 0.1 + 0.2 is exact here, unlike double.
    EXPECT_EQ(*Price::parse("0.1") + *Price::parse("0.2"), *Price::parse("0.3"));
}

TEST(FixedPointTest, ParsesScientificNotation) {
    EXPECT_EQ(Qty::parse("1e-8")->raw(), 1);
    EXPECT_EQ(Qty::parse("1.5E3")->raw(), 150'000'000'000);
    EXPECT_EQ(Qty::parse("2.5e+2")->raw(), 25'000'000'000);
    EXPECT_EQ(Qty::parse("12345e-4")->raw(), 123'450'000);
    EXPECT_EQ(Qty::parse("0e10")->raw(), 0);
}

TEST(FixedPointTest, RejectsWhatIsNotAnExactNumber) {
    for (const char* bad : {"",     "-",   ".",    "abc",  "1.2.3",       "1e",
                            "1e-",  "nan", "NaN",  "inf",  "-inf",        "1,5",
                            " 1",   "1 ",  "0x10", "1e-9", "0.000000001", "92233720368.54775808",
                            "1e11", "--1"}) {
        auto parsed = Price::parse(bad);
        EXPECT_FALSE(parsed.has_value()) << "'" << bad << "'";
    }
    EXPECT_EQ(Price::parse("1e11").error().code, ErrorCode::kOutOfRange);
    EXPECT_EQ(Price::parse("abc").error().code, ErrorCode::kParse);
    EXPECT_NE(Price::parse("abc").error().message.find("Price 'abc'"), std::string::npos);
}

TEST(FixedPointTest, FormatsWithoutTrailingZeros) {
    EXPECT_EQ(Price::from_raw(5'795'386'000'000).to_string(), "57953.86");
    EXPECT_EQ(Price::from_raw(100'000'000).to_string(), "1");
    EXPECT_EQ(Price::from_raw(0).to_string(), "0");
    EXPECT_EQ(Price::from_raw(-50'000'000).to_string(), "-0.5");
    EXPECT_EQ(Price::from_raw(1).to_string(), "0.00000001");
    EXPECT_EQ(Price::from_raw(INT64_MIN).to_string(), "-92233720368.54775808");
    EXPECT_EQ(fmt::format("{}", Qty::from_raw(123'456'789)), "1.23456789");
}

TEST(FixedPointTest, FormatThenParseIsIdentity) {
    std::mt19937_64 rng(20261125);
    std::uniform_int_distribution<std::int64_t> any(INT64_MIN, INT64_MAX);
    std::uniform_int_distribution<std::int64_t> small(-10'000'000'000'000, 10'000'000'000'000);
    for (int i = 0; i < 100'000; ++i) {
        const auto raw = (i % 2 == 0) ? any(rng) : small(rng);
        const auto text = Money::from_raw(raw).to_string();
        const auto back = Money::parse(text);
        ASSERT_TRUE(back.has_value()) << text;
        ASSERT_EQ(back->raw(), raw) << text;
    }
}

TEST(FixedPointTest, AdditionAndSubtractionInvert) {
    std::mt19937_64 rng(7);
    std::uniform_int_distribution<std::int64_t> dist(INT64_MIN / 2, INT64_MAX / 2);
    for (int i = 0; i < 100'000; ++i) {
        const auto a = Money::from_raw(dist(rng));
        const auto b = Money::from_raw(dist(rng));
        ASSERT_EQ((a + b) - b, a);
        ASSERT_EQ((a - b) + b, a);
        ASSERT_EQ(a + b, b + a);
    }
}

TEST(FixedPointTest, CheckedArithmeticReportsOverflow) {
    const auto max = Money::max();
    const auto one = Money::from_raw(1);
    EXPECT_FALSE(Money::checked_add(max, one).has_value());
    EXPECT_EQ(Money::checked_add(max, one).error().code, ErrorCode::kOutOfRange);
    EXPECT_FALSE(Money::checked_sub(Money::min(), one).has_value());
    EXPECT_EQ(Money::checked_add(max, -one)->raw(), detail::kInt128Max - 1);
    EXPECT_FALSE(Price::checked_add(Price::max(), Price::from_raw(1)).has_value());
    EXPECT_EQ(Price::max().raw(), INT64_MAX);
}

TEST(FixedPointDeathTest, OperatorsAbortOnOverflow) {
    const auto max = Money::max();
    const auto one = Money::from_raw(1);
    EXPECT_DEATH((void)(max + one), "Money overflow");
    EXPECT_DEATH((void)(Money::min() - one), "Money overflow");
    EXPECT_DEATH((void)(-Money::min()), "overflow");
    EXPECT_DEATH((void)(max * 2), "overflow");
}

TEST(FixedPointTest, NotionalUsesWideIntermediateAndRounding) {
    const auto price = *Price::parse("57953.86");
    const auto qty = *Qty::parse("0.00123457");
    // 57953.86 * 0.00123457 = 71.5480969402 exactly; the raw product has 16 decimals.
    const auto down = notional(price, qty, Round::kDown);
    const auto up = notional(price, qty, Round::kUp);
    ASSERT_TRUE(down && up);
    EXPECT_EQ(down->to_string(), "71.54809694");
    EXPECT_EQ(up->to_string(), "71.54809695");
    // Large values would overflow a 64-bit product of raws.
    const auto big = notional(*Price::parse("100000"), *Qty::parse("1000"), Round::kHalfEven);
    ASSERT_TRUE(big);
    EXPECT_EQ(big->to_string(), "100000000");
    // Past 9.2e10 quote (the old 64-bit limit) it is still exact.
    const auto past = notional(*Price::parse("90000000000"), *Qty::parse("2"), Round::kDown);
    ASSERT_TRUE(past);
    EXPECT_EQ(past->to_string(), "180000000000");
    // Only a product beyond 128 bits is an error.
    const auto huge = notional(Price::max(), *Qty::parse("99999999999999999999"), Round::kDown);
    ASSERT_FALSE(huge);
    EXPECT_EQ(huge.error().code, ErrorCode::kOutOfRange);
}

// The stop-13 review: quantities and money past 9.2e10 aborted or were refused. Meme-coin rows
// (volume 1.5e11 and 1e12, price 1e-8) and positions worth 1e12 quote must be exact.
TEST(FixedPointTest, QuantityAndMoneyCoverRealMarkets) {
    const auto volume = Qty::parse("152345678901.00");
    ASSERT_TRUE(volume) << volume.error().message;
    EXPECT_EQ(volume->to_string(), "152345678901");
    const auto trillion = *Qty::parse("1000000000000.12345678");
    EXPECT_EQ(trillion.to_string(), "1000000000000.12345678");
    const auto tiny = *Price::parse("0.00000001");
    EXPECT_EQ(notional(tiny, trillion, Round::kDown)->to_string(), "10000");
    EXPECT_EQ(notional(tiny, trillion, Round::kUp)->to_string(), "10000.00000001");
    const auto worth = notional(*Price::parse("1.5"), trillion, Round::kHalfEven);
    ASSERT_TRUE(worth);
    EXPECT_EQ(worth->to_string(), "1500000000000.18518517");
    EXPECT_EQ(Money::parse("90000000000")->to_string(), "90000000000");
    EXPECT_EQ(Money::parse("-1e19")->to_string(), "-10000000000000000000");
    // Inputs are bounded so that sums cannot overflow; the bound is an error, never an abort.
    EXPECT_TRUE(Qty::parse("100000000000000000000"));  // 1e20: the largest accepted
    const auto beyond = Qty::parse("100000000000000000001");
    ASSERT_FALSE(beyond);
    EXPECT_EQ(beyond.error().code, ErrorCode::kOutOfRange);
    EXPECT_FALSE(Money::from_double(1e21));
    EXPECT_EQ(Money::from_double(1e15)->to_string(), "1000000000000000");
    EXPECT_FALSE(Price::parse("100000000000"));  // prices stay 64-bit: 1e11 is not a price
    // Formatting round-trips across the 64-bit boundary and at the limits.
    std::mt19937_64 rng(11);
    for (int i = 0; i < 20'000; ++i) {
        const auto hi = static_cast<detail::Int128>(rng() % 10'000'000'000ULL);
        const detail::Int128 raw =
            (hi * static_cast<detail::Int128>(1'000'000'000'000'000'000ULL) +
             static_cast<detail::Int128>(rng() % 1'000'000'000'000'000'000ULL)) *
            (i % 2 == 0 ? 1 : -1);
        const auto q = Qty::from_raw(raw);
        const auto back = Qty::parse(q.to_string());
        ASSERT_TRUE(back) << q.to_string();
        ASSERT_EQ(*back, q);
    }
    EXPECT_EQ(Money::max().to_string(), "1701411834604692317316873037158.84105727");
    EXPECT_EQ(Money::min().to_string(), "-1701411834604692317316873037158.84105728");
}

TEST(FixedPointTest, MulDivIsExactBeyond128Bits) {
    using detail::Int128;
    using detail::mul_div;
    const Int128 e37 = static_cast<Int128>(10'000'000'000'000'000'000ULL) *
                       static_cast<Int128>(1'000'000'000'000'000'000ULL);  // 1e37
    // The product overflows 128 bits; the quotient is exact.
    EXPECT_EQ(*mul_div(e37, 10'000'000'000, 10'000'000'000, Round::kDown), e37);
    EXPECT_EQ(*mul_div(e37, 30'000'000'000, 10'000'000'000, Round::kDown), 3 * e37);
    EXPECT_EQ(*mul_div(-e37, 30'000'000'000, 10'000'000'000, Round::kUp), -3 * e37);
    const auto too_big = mul_div(e37, 10'000'000'000, 3, Round::kDown);
    ASSERT_FALSE(too_big);
    EXPECT_EQ(too_big.error().code, ErrorCode::kOutOfRange);
    // A tie in the wide path: odd * odd / 2 (the product, about 3e38, overflows 128 bits; the
    // quotient fits).
    const Int128 e28 = e37 / 1'000'000'000;
    const Int128 a = 3 * e28 + 1;
    const Int128 b = 10'000'000'001;
    ASSERT_TRUE(mul_div(a, b, 2, Round::kDown));
    const Int128 down = *mul_div(a, b, 2, Round::kDown);
    EXPECT_EQ(*mul_div(a, b, 2, Round::kUp), down + 1);
    EXPECT_EQ(*mul_div(a, b, 2, Round::kHalfEven), down % 2 == 0 ? down : down + 1);
    EXPECT_EQ(*mul_div(a, b, 2, Round::kHalfAwayFromZero), down + 1);
    EXPECT_EQ(*mul_div(-a, b, 2, Round::kDown), -(down + 1));
    EXPECT_EQ(*mul_div(-a, b, 2, Round::kTowardZero), -down);
    // Agrees with the narrow path wherever that one fits, and is within one of the real value.
    std::mt19937_64 rng(3);
    for (int i = 0; i < 50'000; ++i) {
        const auto x = static_cast<Int128>(static_cast<std::int64_t>(rng())) *
                       static_cast<Int128>(rng() % 1'000'000'000);
        const auto y = static_cast<Int128>(static_cast<std::int64_t>(rng()));
        const auto d = static_cast<Int128>(rng() % 1'000'000'000'000'000ULL) + 1;
        const auto got = mul_div(x, y, d, Round::kDown);
        const long double approx =
            static_cast<long double>(x) * static_cast<long double>(y) / static_cast<long double>(d);
        if (!got) {
            ASSERT_GT(fabsl(approx), 1.6e38L);
            continue;
        }
        Int128 product = 0;
        if (!detail::mul_overflows(x, y, product)) {
            ASSERT_EQ(*got, detail::div_round(product, d, Round::kDown));
        }
        const long double diff = static_cast<long double>(*got) - approx;
        ASSERT_LE(fabsl(diff), 1.0L + fabsl(approx) * 1e-17L);
    }
}

TEST(FixedPointTest, NotionalAgreesWithWideArithmeticEverywhere) {
    std::mt19937_64 rng(5);
    std::uniform_int_distribution<std::int64_t> any(INT64_MIN, INT64_MAX);
    std::uniform_int_distribution<std::int64_t> price(-20'000'000'000'000, 20'000'000'000'000);
    std::uniform_int_distribution<std::int64_t> qty(-1'000'000'000'000, 1'000'000'000'000);
    const Round modes[] = {
        Round::kDown,
        Round::kUp,
        Round::kTowardZero,
        Round::kAwayFromZero,
        Round::kHalfEven,
        Round::kHalfAwayFromZero};
    for (int i = 0; i < 200'000; ++i) {
        const std::int64_t p = i % 3 == 0 ? any(rng) : price(rng);
        const std::int64_t q = i % 3 == 0 ? any(rng) / (1 + (i % 1000)) : qty(rng);
        const Round mode = modes[i % 6];
        const detail::Int128 wide =
            detail::div_round(static_cast<detail::Int128>(p) * q, kScale, mode);
        const auto got = notional(Price::from_raw(p), Qty::from_raw(q), mode);
        // Every product of a 64-bit price and a 64-bit quantity fits Money now.
        ASSERT_TRUE(got.has_value()) << p << " x " << q;
        ASSERT_EQ(got->raw(), wide) << p << " x " << q << " mode " << (i % 6);
    }
}

TEST(FixedPointTest, RoundingModesOnTies) {
    using detail::div_round;
    struct Case {
        std::int64_t n;
        Round mode;
        std::int64_t expected;
    };
    // n / 10 for ties (x.5) and non-ties (x.7, x.3), both signs.
    const Case cases[] = {
        {25, Round::kHalfEven, 2},
        {35, Round::kHalfEven, 4},
        {-25, Round::kHalfEven, -2},
        {-35, Round::kHalfEven, -4},
        {25, Round::kHalfAwayFromZero, 3},
        {-25, Round::kHalfAwayFromZero, -3},
        {27, Round::kHalfEven, 3},
        {23, Round::kHalfEven, 2},
        {27, Round::kDown, 2},
        {-27, Round::kDown, -3},
        {23, Round::kUp, 3},
        {-23, Round::kUp, -2},
        {-27, Round::kTowardZero, -2},
        {27, Round::kTowardZero, 2},
        {21, Round::kAwayFromZero, 3},
        {-21, Round::kAwayFromZero, -3},
        {20, Round::kUp, 2},
        {-20, Round::kDown, -2},
    };
    for (const auto& c : cases) {
        EXPECT_EQ(static_cast<std::int64_t>(div_round(c.n, 10, c.mode)), c.expected)
            << c.n << " mode " << static_cast<int>(c.mode);
    }
}

TEST(FixedPointTest, RoundsToIncrement) {
    const auto tick = *Price::parse("0.01");
    EXPECT_EQ(Price::parse("100.125")->round_to(tick, Round::kDown).to_string(), "100.12");
    EXPECT_EQ(Price::parse("100.125")->round_to(tick, Round::kUp).to_string(), "100.13");
    EXPECT_EQ(Price::parse("100.125")->round_to(tick, Round::kHalfEven).to_string(), "100.12");
    EXPECT_EQ(Price::parse("100.135")->round_to(tick, Round::kHalfEven).to_string(), "100.14");
    EXPECT_TRUE(Price::parse("100.12")->is_multiple_of(tick));
    EXPECT_FALSE(Price::parse("100.125")->is_multiple_of(tick));
}

TEST(FixedPointTest, FromDoubleRejectsNonFiniteAndRounds) {
    EXPECT_FALSE(Price::from_double(std::numeric_limits<double>::quiet_NaN()).has_value());
    EXPECT_FALSE(Price::from_double(std::numeric_limits<double>::infinity()).has_value());
    EXPECT_FALSE(Price::from_double(1e12).has_value());
    EXPECT_EQ(Price::from_double(0.1)->raw(), 10'000'000);
    EXPECT_EQ(Price::from_double(1.000000005, Round::kDown)->raw(), 100'000'000);
    EXPECT_EQ(Price::from_double(1.000000005, Round::kUp)->raw(), 100'000'001);
    EXPECT_DOUBLE_EQ(Price::parse("57953.86")->to_double(), 57953.86);
}

TEST(FixedPointTest, AveragePrice) {
    const auto avg = average_price(*Money::parse("100"), *Qty::parse("3"), Round::kHalfEven);
    ASSERT_TRUE(avg);
    EXPECT_EQ(avg->to_string(), "33.33333333");
    EXPECT_FALSE(average_price(*Money::parse("1"), Qty{}, Round::kDown).has_value());
}

}  // namespace
}  // namespace ats
