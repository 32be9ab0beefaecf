#include "ats/execution/sizing.hpp"

#include <gtest/gtest.h>

#include "testkit.hpp"

namespace ats::execution {
namespace {

using namespace ats::testing;  // NOLINT(google-build-using-namespace): test helpers

SizingInputs inputs() {
    SizingInputs in;
    in.equity = money("10000");
    in.cash = money("8000");
    in.price = px("50000");
    in.atr = 500.0;
    in.stop_atr = 2.0;
    return in;
}

TEST(SizingTest, ParsesEveryModeAndRejectsBadText) {
    for (const char* ok :
         {"all_in",
          "fixed_qty:0.1",
          "fixed_notional:1000",
          "fraction:0.5",
          "vol_target:0.01",
          "kelly:0.25"}) {
        auto s = Sizing::parse(ok);
        ASSERT_TRUE(s) << ok;
        EXPECT_EQ(s->to_string(), ok);
    }
    for (const char* bad :
         {"",
          "all",
          "fixed_qty",
          "fixed_qty:",
          "fixed_qty:-1",
          "fraction:2",
          "all_in:1",
          "kelly:x"}) {
        EXPECT_FALSE(Sizing::parse(bad)) << bad;
    }
    EXPECT_NE(Sizing::parse("lots:3").error().message.find("fixed_qty"), std::string::npos);
}

TEST(SizingTest, ComputesQuantities) {
    const auto in = inputs();
    EXPECT_EQ(size_entry(*Sizing::parse("fixed_qty:0.1"), in)->qty, qty("0.1"));
    EXPECT_EQ(size_entry(*Sizing::parse("fixed_notional:1000"), in)->qty, qty("0.02"));
    EXPECT_EQ(size_entry(*Sizing::parse("fraction:0.5"), in)->qty, qty("0.1"));
    // Risk 1% of 10000 = 100 on a 2 * 500 = 1000 stop: 0.1 units.
    EXPECT_EQ(size_entry(*Sizing::parse("vol_target:0.01"), in)->qty, qty("0.1"));
    const auto all_in = size_entry(*Sizing::parse("all_in"), in);
    EXPECT_EQ(all_in->quote_budget, money("8000"));
    auto no_atr = in;
    no_atr.atr.reset();
    EXPECT_FALSE(size_entry(*Sizing::parse("vol_target:0.01"), no_atr));
}

TEST(SizingTest, KellyIsCappedAndNeedsHistory) {
    auto in = inputs();
    EXPECT_EQ(size_entry(*Sizing::parse("kelly:0.25"), in)->qty, Qty{});  // no trades yet
    in.closed_trades = 40;
    in.win_rate = 0.6;
    in.payoff_ratio = 2.0;  // Kelly = 0.6 - 0.4 / 2 = 0.4, capped at 0.25
    EXPECT_EQ(size_entry(*Sizing::parse("kelly:0.25"), in)->qty, qty("0.05"));
    in.win_rate = 0.3;  // negative edge: no trade
    EXPECT_EQ(size_entry(*Sizing::parse("kelly:0.25"), in)->qty, Qty{});
}

}  // namespace
}  // namespace ats::execution
