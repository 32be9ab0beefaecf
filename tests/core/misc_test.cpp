#include <unordered_set>

#include <gtest/gtest.h>

#include "ats/core/error.hpp"
#include "ats/core/ids.hpp"
#include "ats/core/log.hpp"
#include "ats/core/side.hpp"
#include "ats/core/symbol.hpp"

namespace ats {
namespace {

static_assert(!std::is_convertible_v<OrderId, TradeId>, "order and trade ids are distinct");
static_assert(!std::is_constructible_v<TradeId, OrderId>);
static_assert(!std::is_convertible_v<std::uint64_t, OrderId>);

TEST(SymbolTest, ValidatesText) {
    auto s = Symbol::parse("BTCUSDT");
    ASSERT_TRUE(s);
    EXPECT_EQ(s->view(), "BTCUSDT");
    EXPECT_EQ(fmt::format("{}", *s), "BTCUSDT");
    for (const char* bad :
         {"", "btcusdt", "BTC-USDT", "BTC/USDT", "ABCDEFGHIJKLMNOPQRSTU", " BTC"}) {
        EXPECT_FALSE(Symbol::parse(bad).has_value()) << bad;
    }
    EXPECT_TRUE(Symbol::parse("ABCDEFGHIJKLMNOPQRST").has_value());  // 20 chars
    EXPECT_LT(*Symbol::parse("BTCUSDT"), *Symbol::parse("ETHUSDT"));
    std::unordered_set<Symbol> set{*Symbol::parse("BTCUSDT"), *Symbol::parse("BTCUSDT")};
    EXPECT_EQ(set.size(), 1U);
}

TEST(SideTest, SignAndText) {
    EXPECT_EQ(sign(Side::kBuy), 1);
    EXPECT_EQ(sign(Side::kSell), -1);
    EXPECT_EQ(opposite(Side::kBuy), Side::kSell);
    EXPECT_EQ(to_string(Side::kSell), "SELL");
    EXPECT_EQ(parse_side("buy"), Side::kBuy);
    EXPECT_EQ(parse_side("SELL"), Side::kSell);
    EXPECT_FALSE(parse_side("hold").has_value());
}

TEST(IdsTest, ClientOrderIdFollowsBinanceRule) {
    EXPECT_TRUE(ClientOrderId::parse("ats-sma-000001").has_value());
    EXPECT_FALSE(ClientOrderId::parse("").has_value());
    EXPECT_FALSE(ClientOrderId::parse("has space").has_value());
    EXPECT_FALSE(ClientOrderId::parse(std::string(37, 'a')).has_value());
    EXPECT_EQ(OrderId(5), OrderId(5));
    EXPECT_LT(OrderId(4), OrderId(5));
}

TEST(ErrorTest, NamesCodes) {
    const Error e{ErrorCode::kParse, "data.csv:3: bad"};
    EXPECT_EQ(e.to_string(), "parse: data.csv:3: bad");
    EXPECT_EQ(to_string(ErrorCode::kFailedPrecondition), "failed_precondition");
    const Result<int> r = make_error(ErrorCode::kIo, "x");
    EXPECT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code, ErrorCode::kIo);
}

TEST(LogTest, RedactsRegisteredSecrets) {
    log::add_secret("s3cr3tKEYvalue");
    EXPECT_EQ(log::redact("key is s3cr3tKEYvalue!"), "key is ***!");
    EXPECT_EQ(log::redact("s3cr3tKEYvalue s3cr3tKEYvalue"), "*** ***");
}

TEST(LogTest, RedactsSecretLookingFields) {
    EXPECT_EQ(
        log::redact("GET /api/v3/order?symbol=BTCUSDT&signature=abcdef0123456789"),
        "GET /api/v3/order?symbol=BTCUSDT&signature=***");
    EXPECT_EQ(log::redact("X-MBX-APIKEY: vmPUZE6mv9SD5VNHk4HlWFsOr"), "X-MBX-APIKEY: ***");
    EXPECT_EQ(log::redact(R"({"api_secret": "abc123def"})"), R"({"api_secret": "***"})");
    EXPECT_EQ(log::redact("password=hunter2 user=bob"), "password=*** user=bob");
    EXPECT_EQ(
        log::redact(
            "https://api.telegram.org/bot123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw/sendMessage"),
        "https://api.telegram.org/bot***/sendMessage");
    // Ordinary text is left alone.
    EXPECT_EQ(
        log::redact("token bucket refilled; robot 12:30"), "token bucket refilled; robot 12:30");
}

TEST(LogTest, LevelsFilter) {
    log::Level level{};
    ASSERT_TRUE(log::parse_level("warn", level));
    log::set_level(level);
    EXPECT_FALSE(log::enabled(log::Level::kInfo));
    EXPECT_TRUE(log::enabled(log::Level::kError));
    log::set_level(log::Level::kInfo);
    EXPECT_FALSE(log::parse_level("loud", level));
}

}  // namespace
}  // namespace ats
