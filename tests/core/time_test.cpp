#include "ats/core/time.hpp"

#include <random>

#include <gtest/gtest.h>

#include "ats/core/clock.hpp"

namespace ats {
namespace {

template <class A, class B>
concept Addable = requires(A a, B b) {
    a + b;
};
template <class A, class B>
concept Subtractable = requires(A a, B b) {
    a - b;
};

static_assert(!Addable<Timestamp, Timestamp>, "adding two instants is meaningless");
static_assert(Addable<Timestamp, Duration>);
static_assert(Addable<Duration, Duration>);
static_assert(std::is_same_v<decltype(Timestamp{} - Timestamp{}), Duration>);
static_assert(!Addable<Timestamp, std::int64_t>);
static_assert(!std::is_convertible_v<std::int64_t, Timestamp>);

TEST(TimestampTest, UnixConversions) {
    const auto t = Timestamp::from_unix_ms(1617566400000);
    EXPECT_EQ(t.unix_ns(), 1617566400000000000);
    EXPECT_EQ(t.unix_ms(), 1617566400000);
    EXPECT_EQ(t.unix_us(), 1617566400000000);
    EXPECT_EQ(Timestamp::from_unix_us(1617566400000000), t);
    EXPECT_EQ(Timestamp::from_unix_seconds(1617566400), t);
    // Floor toward negative infinity before the epoch.
    EXPECT_EQ(Timestamp::from_unix_ns(-1).unix_ms(), -1);
}

TEST(TimestampTest, FormatsIso8601) {
    EXPECT_EQ(Timestamp::from_unix_ms(1617566400000).to_iso8601(), "2021-04-04T20:00:00Z");
    EXPECT_EQ(Timestamp::from_unix_ms(1617566400123).to_iso8601(), "2021-04-04T20:00:00.123Z");
    EXPECT_EQ(Timestamp::from_unix_ns(1).to_iso8601(), "1970-01-01T00:00:00.000000001Z");
    EXPECT_EQ(Timestamp::from_unix_seconds(-1).to_iso8601(), "1969-12-31T23:59:59Z");
    EXPECT_EQ(Timestamp::from_unix_seconds(951782400).to_iso8601(), "2000-02-29T00:00:00Z");
}

TEST(TimestampTest, ParsesIso8601Forms) {
    const auto expected = Timestamp::from_unix_ms(1617566400000);
    for (const char* text :
         {"2021-04-04 20:00:00",
          "2021-04-04T20:00:00Z",
          "2021-04-04T20:00",
          "2021-04-04T20:00:00.000Z",
          "2021-04-04T22:00:00+02:00",
          "2021-04-04T15:00:00-0500",
          "2021-04-04 20:00:00+00:00"}) {
        auto parsed = Timestamp::parse_iso8601(text);
        ASSERT_TRUE(parsed.has_value()) << text << ": " << parsed.error().message;
        EXPECT_EQ(*parsed, expected) << text;
    }
    EXPECT_EQ(*Timestamp::parse_iso8601("2021-04-04"), Timestamp::from_unix_ms(1617494400000));
    EXPECT_EQ(
        *Timestamp::parse_iso8601("2024-12-01 00:00:59.999"),
        Timestamp::from_unix_ms(1733011259999));
}

TEST(TimestampTest, RejectsBadIso8601) {
    for (const char* text :
         {"",
          "2021",
          "2021-13-01",
          "2021-02-30",
          "2023-02-29",
          "2021-04-04X20:00",
          "2021-04-04 25:00",
          "2021-04-04 20:00:00junk",
          "04/04/2021",
          "2021-04-04T20:00:00+2"}) {
        EXPECT_FALSE(Timestamp::parse_iso8601(text).has_value()) << text;
    }
    EXPECT_TRUE(Timestamp::parse_iso8601("2024-02-29").has_value());
}

TEST(TimestampTest, FormatParseRoundTrip) {
    std::mt19937_64 rng(42);
    std::uniform_int_distribution<std::int64_t> dist(
        -2'000'000'000'000'000'000, 9'000'000'000'000'000'000);
    for (int i = 0; i < 20'000; ++i) {
        const auto t = Timestamp::from_unix_ns(dist(rng));
        const auto back = Timestamp::parse_iso8601(t.to_iso8601());
        ASSERT_TRUE(back.has_value()) << t.to_iso8601();
        ASSERT_EQ(*back, t) << t.to_iso8601();
    }
}

TEST(TimestampTest, FloorsToUtcBuckets) {
    const auto t = *Timestamp::parse_iso8601("2024-12-17T13:47:12Z");
    EXPECT_EQ(t.floor(Duration::from_hours(4)), *Timestamp::parse_iso8601("2024-12-17T12:00:00Z"));
    EXPECT_EQ(t.floor(Duration::from_days(1)), *Timestamp::parse_iso8601("2024-12-17"));
    EXPECT_EQ(
        Timestamp::from_unix_ns(-1).floor(Duration::from_days(1)),
        *Timestamp::parse_iso8601("1969-12-31"));
}

TEST(DurationTest, ParsesAndFormatsIntervals) {
    EXPECT_EQ(*parse_duration("1m"), Duration::from_minutes(1));
    EXPECT_EQ(*parse_duration("15m"), Duration::from_minutes(15));
    EXPECT_EQ(*parse_duration("4h"), Duration::from_hours(4));
    EXPECT_EQ(*parse_duration("1d"), Duration::from_days(1));
    EXPECT_EQ(*parse_duration("250ms"), Duration::from_ms(250));
    EXPECT_EQ(Duration::from_hours(4).to_string(), "4h");
    EXPECT_EQ(Duration::from_minutes(90).to_string(), "90m");
    EXPECT_EQ(Duration::from_ms(1500).to_string(), "1500ms");
    for (const char* bad : {"", "h", "0m", "-1h", "1x", "1 h", "99999999999999d"}) {
        EXPECT_FALSE(parse_duration(bad).has_value()) << bad;
    }
}

TEST(ClockTest, SimulatedClockMovesOnlyForward) {
    SimulatedClock clock(Timestamp::from_unix_ms(1000));
    const Clock& as_clock = clock;
    EXPECT_EQ(as_clock.now(), Timestamp::from_unix_ms(1000));
    clock.advance_by(Duration::from_ms(5));
    EXPECT_EQ(clock.now(), Timestamp::from_unix_ms(1005));
    clock.advance_to(Timestamp::from_unix_ms(2000));
    EXPECT_EQ(clock.now(), Timestamp::from_unix_ms(2000));
    EXPECT_DEATH(clock.advance_to(Timestamp::from_unix_ms(1999)), "moved back");
}

TEST(ClockTest, RealClockIsUtcNow) {
    const RealClock clock;
    const auto now = clock.now();
    EXPECT_GT(now, *Timestamp::parse_iso8601("2024-01-01"));
    EXPECT_LT(now, *Timestamp::parse_iso8601("2100-01-01"));
}

}  // namespace
}  // namespace ats
