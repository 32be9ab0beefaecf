#include "ats/model/instrument.hpp"

#include <gtest/gtest.h>

#include "ats/model/market_data.hpp"

namespace ats::model {
namespace {

Instrument btcusdt() {
    return Instrument{
        *Symbol::parse("BTCUSDT"),
        "BTC",
        "USDT",
        *Price::parse("0.01"),
        *Qty::parse("0.00001"),
        *Qty::parse("0.00001"),
        *Qty::parse("9000"),
        *Money::parse("5")};
}

TEST(InstrumentTest, RoundsToFilters) {
    const auto i = btcusdt();
    EXPECT_EQ(i.round_price(*Price::parse("57953.867"), Round::kDown).to_string(), "57953.86");
    EXPECT_EQ(i.round_price(*Price::parse("57953.861"), Round::kUp).to_string(), "57953.87");
    EXPECT_EQ(i.round_qty(*Qty::parse("0.12345678"), Round::kTowardZero).to_string(), "0.12345");
}

TEST(InstrumentTest, ValidatesOrdersAgainstFilters) {
    const auto i = btcusdt();
    ASSERT_TRUE(i.validate());
    const auto ref = *Price::parse("60000");
    EXPECT_TRUE(i.validate_order(*Price::parse("60000.01"), *Qty::parse("0.001"), ref));
    EXPECT_TRUE(i.validate_order(std::nullopt, *Qty::parse("0.001"), ref));

    auto bad_tick = i.validate_order(*Price::parse("60000.001"), *Qty::parse("0.001"), ref);
    ASSERT_FALSE(bad_tick);
    EXPECT_NE(bad_tick.error().message.find("tick_size"), std::string::npos);

    auto bad_step = i.validate_order(std::nullopt, *Qty::parse("0.000015"), ref);
    ASSERT_FALSE(bad_step);
    EXPECT_NE(bad_step.error().message.find("step_size"), std::string::npos);

    auto small = i.validate_order(*Price::parse("100"), *Qty::parse("0.01"), ref);  // 1 USDT
    ASSERT_FALSE(small);
    EXPECT_NE(small.error().message.find("min_notional"), std::string::npos);

    EXPECT_FALSE(i.validate_order(std::nullopt, *Qty::parse("9000.00001"), ref));
    EXPECT_FALSE(i.validate_order(std::nullopt, Qty{}, ref));
    EXPECT_FALSE(i.validate_order(Price{}, *Qty::parse("1"), ref));
}

TEST(InstrumentTest, RejectsInsaneFilters) {
    auto i = btcusdt();
    i.tick_size = Price{};
    EXPECT_FALSE(i.validate());
    i = btcusdt();
    i.max_qty = *Qty::parse("0.000001");
    EXPECT_FALSE(i.validate());
}

TEST(QuoteTest, MidRoundsDown) {
    const Quote q{
        *Symbol::parse("BTCUSDT"),
        Timestamp{},
        *Price::parse("100.00000001"),
        Qty{},
        *Price::parse("100.00000002"),
        Qty{}};
    EXPECT_EQ(q.mid().to_string(), "100.00000001");
}

}  // namespace
}  // namespace ats::model
