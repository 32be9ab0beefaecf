#include "ats/sim/bar_venue.hpp"

#include <gtest/gtest.h>

#include "ats/core/clock.hpp"

#include "testkit.hpp"

namespace ats::sim {
namespace {

using namespace ats::testing;  // NOLINT(google-build-using-namespace): test helpers
using model::OrderType;

struct Fixture {
    SimulatedClock clock;
    RecordingSink sink;
    BarVenue venue;
    std::uint64_t next_id = 0;

    explicit Fixture(
        std::unique_ptr<SlippageModel> slippage = nullptr,
        BarVenueConfig config = {FeeModel{2, 10}, MarketFill::kNextOpen, std::nullopt, true})
        : venue(clock, sink, config, std::move(slippage)) {
        venue.add_instrument(instrument());
    }

    ClientOrderId submit(
        OrderType type,
        Side side,
        const char* q,
        std::optional<Price> limit = std::nullopt,
        std::optional<Price> trigger = std::nullopt,
        std::uint32_t oco = 0,
        std::optional<Money> budget = std::nullopt) {
        const auto id = *ClientOrderId::parse(fmt::format("o{}", ++next_id));
        model::Order o(
            id,
            model::OrderRequest{sym("BTCUSDT"), side, type, qty(q), limit, trigger, false, oco},
            Timestamp{});
        EXPECT_TRUE(venue.submit(o, budget));
        return id;
    }
    /// One bar, as the replay kernel drives it: open, fills one at a time (the clock at each),
    /// then the close.
    void run(const model::Bar& b) {
        clock.advance_to(std::max(clock.now(), b.open_time));
        venue.run_bar(
            sym("BTCUSDT"),
            b,
            [&](Timestamp t) { clock.advance_to(std::max(clock.now(), t)); },
            [] {});
        clock.advance_to(std::max(clock.now(), b.close_time));
        venue.close_bar(sym("BTCUSDT"));
    }
    std::vector<model::Fill> fills() const {
        std::vector<model::Fill> out;
        for (const auto& e : sink.of<model::OrderFilled>()) {
            out.push_back(e.fill);
        }
        return out;
    }
};

TEST(BarVenueTest, MarketOrderFillsAtNextOpenAsTaker) {
    Fixture f;
    f.submit(OrderType::kMarket, Side::kBuy, "0.1");
    f.run(bar(1, "100", "110", "90", "105"));
    const auto fills = f.fills();
    ASSERT_EQ(fills.size(), 1U);
    EXPECT_EQ(fills[0].price, px("100"));
    EXPECT_FALSE(fills[0].maker);
    EXPECT_EQ(fills[0].fee, money("0.01"));  // 10 bps of 10
    EXPECT_EQ(fills[0].ts, bar(1, "1", "1", "1", "1").open_time);
    EXPECT_EQ(f.venue.working_orders(), 0U);
}

TEST(BarVenueTest, StopTriggersAtTriggerOrGapOpen) {
    Fixture f;
    f.submit(OrderType::kStopMarket, Side::kSell, "0.1", std::nullopt, px("95"));
    f.run(bar(1, "100", "101", "96", "97"));
    EXPECT_TRUE(f.fills().empty());
    f.run(bar(2, "97", "98", "94", "96"));
    ASSERT_EQ(f.fills().size(), 1U);
    EXPECT_EQ(f.fills()[0].price, px("95"));
    f.submit(OrderType::kStopMarket, Side::kSell, "0.1", std::nullopt, px("90"));
    f.run(bar(3, "85", "88", "80", "86"));  // gaps through the stop
    ASSERT_EQ(f.fills().size(), 2U);
    EXPECT_EQ(f.fills()[1].price, px("85"));
}

// OHLC does not say which extreme came first; the venue's path goes to the nearer one first.
TEST(BarVenueTest, StopAndTargetInOneBarFollowThePath) {
    Fixture f;
    const auto stop =
        f.submit(OrderType::kStopMarket, Side::kSell, "0.1", std::nullopt, px("95"), 7);
    f.submit(OrderType::kTakeProfit, Side::kSell, "0.1", std::nullopt, px("110"), 7);
    // Low (10 away) is nearer the open than the high (15): O -> L -> H -> C, the stop fills.
    f.run(bar(1, "100", "115", "90", "100"));
    auto fills = f.fills();
    ASSERT_EQ(fills.size(), 1U);
    EXPECT_EQ(fills[0].order_id, stop);
    EXPECT_EQ(fills[0].price, px("95"));
    // 5 of the path's 50 (10 down, 25 up, 15 down) into the bar's 3599.999 s.
    EXPECT_EQ(
        fills[0].ts, bar(1, "1", "1", "1", "1").open_time + Duration::from_ns(359'999'900'000));
    const auto canceled = f.sink.of<model::OrderCanceled>();
    ASSERT_EQ(canceled.size(), 1U);
    EXPECT_EQ(canceled[0].reason.view(), "one-cancels-other");
    EXPECT_EQ(f.venue.working_orders(), 0U);
    // High (12) nearer than the low (15): O -> H -> L -> C, the target fills first.
    f.submit(OrderType::kStopMarket, Side::kSell, "0.1", std::nullopt, px("95"), 8);
    const auto target =
        f.submit(OrderType::kTakeProfit, Side::kSell, "0.1", std::nullopt, px("110"), 8);
    f.run(bar(2, "100", "112", "85", "100"));
    fills = f.fills();
    ASSERT_EQ(fills.size(), 2U);
    EXPECT_EQ(fills[1].order_id, target);
    EXPECT_EQ(fills[1].price, px("110"));
    // A bar that opens through the target fills it at the open.
    f.submit(OrderType::kTakeProfit, Side::kSell, "0.1", std::nullopt, px("110"));
    f.run(bar(3, "120", "125", "118", "121"));
    ASSERT_EQ(f.fills().size(), 3U);
    EXPECT_EQ(f.fills()[2].price, px("120"));
}

TEST(BarVenueTest, LimitFillsAsMakerAtItsPriceOrTakerWhenMarketable) {
    Fixture f;
    f.submit(OrderType::kLimit, Side::kBuy, "0.1", px("95"));
    f.run(bar(1, "100", "101", "94", "99"));
    ASSERT_EQ(f.fills().size(), 1U);
    EXPECT_EQ(f.fills()[0].price, px("95"));
    EXPECT_TRUE(f.fills()[0].maker);
    EXPECT_EQ(f.fills()[0].fee, money("0.0019"));  // 2 bps of 9.5
    f.submit(OrderType::kLimit, Side::kSell, "0.1", px("90"));
    f.run(bar(2, "99", "100", "98", "99"));  // marketable at the open
    ASSERT_EQ(f.fills().size(), 2U);
    EXPECT_EQ(f.fills()[1].price, px("99"));
    EXPECT_FALSE(f.fills()[1].maker);
}

TEST(BarVenueTest, StopLimitTriggersThenRestsAsLimit) {
    Fixture f;
    f.submit(OrderType::kStopLimit, Side::kBuy, "0.1", px("106"), px("105"));
    f.run(bar(1, "100", "104", "99", "103"));
    EXPECT_TRUE(f.fills().empty());
    f.run(bar(2, "103", "108", "102", "107"));  // triggers at 105 <= 106
    ASSERT_EQ(f.fills().size(), 1U);
    EXPECT_EQ(f.fills()[0].price, px("105"));
}

TEST(BarVenueTest, VolumeParticipationGivesPartialFills) {
    Fixture f(std::make_unique<VolumeParticipationSlippage>(0.1, 0.0));
    f.run(bar(1, "100", "101", "99", "100", "100"));  // history: nothing known before it
    f.submit(OrderType::kMarket, Side::kBuy, "25");
    // The cap comes from closed bars only (10% of their mean volume 100), not from the bar that
    // fills: bar 3's own volume of 1000 changes nothing.
    f.run(bar(2, "101", "102", "100", "101", "100"));
    f.run(bar(3, "102", "103", "101", "102", "1000"));
    f.run(bar(4, "103", "104", "102", "103", "100"));
    const auto fills = f.fills();
    ASSERT_EQ(fills.size(), 3U);
    EXPECT_EQ(fills[0].qty, qty("10"));
    EXPECT_EQ(fills[1].qty, qty("10"));
    EXPECT_EQ(fills[2].qty, qty("5"));  // mean of 100, 100, 1000 is 400: the rest fits
    EXPECT_EQ(fills[2].price, px("103"));
    const auto events = f.sink.of<model::OrderFilled>();
    EXPECT_FALSE(events[1].order_complete);
    EXPECT_TRUE(events[2].order_complete);
}

// A stop that a volume cap stopped half way stays triggered: the rest goes at market on the next
// bars, not when the price comes back to the trigger.
TEST(BarVenueTest, ATriggeredStopFillsItsRestAtMarket) {
    Fixture f(std::make_unique<VolumeParticipationSlippage>(0.1, 0.0));
    f.run(bar(1, "100", "101", "99", "100", "100"));
    f.submit(OrderType::kStopMarket, Side::kSell, "15", std::nullopt, px("95"));
    f.run(bar(2, "100", "100", "94", "96", "100"));  // triggers at 95: 10 fill
    f.run(bar(3, "97", "99", "96", "98", "100"));    // never back at 95: the rest at the open
    const auto fills = f.fills();
    ASSERT_EQ(fills.size(), 2U);
    EXPECT_EQ(fills[0].price, px("95"));
    EXPECT_EQ(fills[0].qty, qty("10"));
    EXPECT_EQ(fills[1].price, px("97"));
    EXPECT_EQ(fills[1].qty, qty("5"));
    EXPECT_EQ(f.venue.working_orders(), 0U);
}

TEST(BarVenueTest, SlippageMovesTakerPricesAgainstTheTaker) {
    Fixture f(std::make_unique<FixedBpsSlippage>(10));
    f.submit(OrderType::kMarket, Side::kBuy, "1");
    f.submit(OrderType::kMarket, Side::kSell, "1");
    f.run(bar(1, "1000", "1001", "999", "1000"));
    ASSERT_EQ(f.fills().size(), 2U);
    EXPECT_EQ(f.fills()[0].price, px("1001"));
    EXPECT_EQ(f.fills()[1].price, px("999"));
    auto vol = make_slippage("volatility:0.1");
    ASSERT_TRUE(vol);
    MarketContext known;
    EXPECT_EQ((*vol)->apply(Side::kBuy, px("100"), known), px("100"));  // nothing known yet
    known.on_bar_closed(bar(1, "100", "110", "90", "100"));             // ATR 20
    EXPECT_EQ((*vol)->apply(Side::kBuy, px("100"), known), px("102"));
    EXPECT_FALSE(make_slippage("volume:2:1"));
    EXPECT_FALSE(make_slippage("fixed:5000"));
    EXPECT_FALSE(make_slippage("fixed:-1"));
    EXPECT_FALSE(make_slippage("fixed:nan"));
    EXPECT_FALSE(make_slippage("volatility:11"));
    EXPECT_FALSE(make_slippage("random"));
}

// The review's finding: fixed:20 put fills outside their bar (a buy at 105332.19 on a bar whose
// high was 105300). Taker prices stay inside the bar, on the tick, and never pass a limit.
TEST(BarVenueTest, TakerPricesStayInsideTheBarAndTheLimit) {
    Fixture f(std::make_unique<FixedBpsSlippage>(20));
    f.submit(OrderType::kMarket, Side::kBuy, "0.1");
    f.submit(OrderType::kLimit, Side::kBuy, "0.1", px("105290"));  // marketable at the open
    f.submit(OrderType::kMarket, Side::kSell, "0.1");
    f.run(bar(1, "105250.37", "105300", "105200.5", "105280"));
    const auto fills = f.fills();
    ASSERT_EQ(fills.size(), 3U);
    EXPECT_EQ(fills[0].price, px("105300"));    // 105460.87 clamped to the high
    EXPECT_EQ(fills[1].price, px("105290"));    // never past its limit
    EXPECT_EQ(fills[2].price, px("105200.5"));  // 105039.87 clamped to the low
    for (const auto& fill : fills) {
        EXPECT_TRUE(fill.price.is_multiple_of(px("0.01")));
    }
}

// An order placed while a bar is matched joins its path where it was placed; an order placed at
// or after a bar's close waits for the next bar.
TEST(BarVenueTest, OrdersSeeOnlyThePathAfterThemAndNeverTheirDecisionBar) {
    Fixture f;
    const auto b1 = bar(1, "100", "110", "90", "105");  // O -> H(10) -> L(20) -> C(15)
    f.submit(OrderType::kMarket, Side::kBuy, "0.1");
    bool placed = false;
    f.clock.advance_to(b1.open_time);
    f.venue.run_bar(
        sym("BTCUSDT"),
        b1,
        [&](Timestamp t) { f.clock.advance_to(std::max(f.clock.now(), t)); },
        [&] {
            if (!placed) {
                placed = true;  // a protective stop after the entry
                f.submit(OrderType::kStopMarket, Side::kSell, "0.1", std::nullopt, px("95"));
            }
        });
    // The market order fills at the open; the stop placed at that fill joins the path there and
    // fills on the way down to 90, later in the bar.
    auto fills = f.fills();
    ASSERT_EQ(fills.size(), 2U);
    EXPECT_EQ(fills[1].price, px("95"));
    EXPECT_GE(fills[1].ts, fills[0].ts);
    f.clock.advance_to(b1.close_time);
    f.venue.close_bar(sym("BTCUSDT"));
    // Decided at the close: not matched against the bar that was decided on.
    f.submit(OrderType::kMarket, Side::kBuy, "0.1");
    EXPECT_FALSE(f.venue.next_fill_time(sym("BTCUSDT")));
    f.run(bar(2, "104", "106", "103", "105"));
    fills = f.fills();
    ASSERT_EQ(fills.size(), 3U);
    EXPECT_EQ(fills[2].price, px("104"));
    EXPECT_EQ(fills[2].ts, bar(2, "1", "1", "1", "1").open_time);
}

// A quote-budget order stopped by the volume cap keeps the rest of its budget.
TEST(BarVenueTest, APartlyFilledBudgetKeepsItsRest) {
    Fixture f(std::make_unique<VolumeParticipationSlippage>(0.01, 0.0));
    f.run(bar(1, "100", "101", "99", "100", "1000"));  // cap 10 per bar from here
    f.submit(OrderType::kMarket, Side::kBuy, "0", std::nullopt, std::nullopt, 0, money("2500"));
    f.run(bar(2, "100", "101", "99", "100", "1000"));
    f.run(bar(3, "100", "101", "99", "100", "1000"));
    f.run(bar(4, "100", "101", "99", "100", "1000"));
    const auto events = f.sink.of<model::OrderFilled>();
    ASSERT_EQ(events.size(), 3U);
    EXPECT_EQ(events[0].fill.qty, qty("10"));
    EXPECT_EQ(events[1].fill.qty, qty("10"));
    EXPECT_FALSE(events[1].order_complete);
    // 2500 - 2 x (1000 + 1 fee) = 498 buys 4.97502 at 100 with the fee.
    EXPECT_EQ(events[2].fill.qty, qty("4.97502"));
    EXPECT_TRUE(events[2].order_complete);
    Money spent;
    for (const auto& e : events) {
        spent += *notional(e.fill.price, e.fill.qty, Round::kHalfEven) + e.fill.fee;
    }
    EXPECT_LE(spent, money("2500"));
    EXPECT_GT(spent, money("2499.9"));
    EXPECT_EQ(f.venue.working_orders(), 0U);
}

TEST(BarVenueTest, AllInBudgetIsSizedAtTheFillWithFees) {
    Fixture f;
    f.submit(OrderType::kMarket, Side::kBuy, "0", std::nullopt, std::nullopt, 0, money("1000"));
    f.run(bar(1, "300", "301", "299", "300"));
    ASSERT_EQ(f.fills().size(), 1U);
    const auto all = f.fills();
    const auto& fill = all[0];
    // 1000 / (300 * 1.001) = 3.33000333 -> 3.33 at step 0.00001
    EXPECT_EQ(fill.qty, qty("3.33"));
    EXPECT_LE(*notional(fill.price, fill.qty, Round::kHalfEven) + fill.fee, money("1000"));
}

TEST(BarVenueTest, RejectsBelowMinNotionalAndUnknownSymbols) {
    Fixture f;
    f.submit(OrderType::kMarket, Side::kBuy, "0.00001");
    f.run(bar(1, "100", "101", "99", "100"));
    EXPECT_TRUE(f.fills().empty());
    ASSERT_EQ(f.sink.of<model::OrderRejected>().size(), 1U);
    EXPECT_NE(
        f.sink.of<model::OrderRejected>()[0].reason.view().find("min_notional"),
        std::string_view::npos);
    model::Order other(
        *ClientOrderId::parse("z"),
        model::OrderRequest{
            sym("ETHBTC"),
            Side::kBuy,
            OrderType::kMarket,
            qty("1"),
            std::nullopt,
            std::nullopt,
            false,
            0},
        Timestamp{});
    auto s = f.venue.submit(other, std::nullopt);
    ASSERT_FALSE(s);
    EXPECT_EQ(s.error().code, ErrorCode::kRejected);
    EXPECT_EQ(
        f.venue
            .submit(
                model::Order(
                    *ClientOrderId::parse("o9"),
                    model::OrderRequest{
                        sym("BTCUSDT"),
                        Side::kBuy,
                        OrderType::kLimit,
                        qty("1"),
                        px("1"),
                        std::nullopt,
                        false,
                        0},
                    Timestamp{}),
                std::nullopt)
            .has_value(),
        true);
    EXPECT_EQ(
        f.venue
            .submit(
                model::Order(
                    *ClientOrderId::parse("o9"),
                    model::OrderRequest{
                        sym("BTCUSDT"),
                        Side::kBuy,
                        OrderType::kLimit,
                        qty("1"),
                        px("1"),
                        std::nullopt,
                        false,
                        0},
                    Timestamp{}),
                std::nullopt)
            .error()
            .code,
        ErrorCode::kAlreadyExists);
}

TEST(BarVenueTest, ReduceOnlyNeverOpensOrGrowsAPosition) {
    Fixture f;
    auto reduce_only = [&](const char* q) {
        const auto id = *ClientOrderId::parse(fmt::format("r{}", ++f.next_id));
        model::Order o(
            id,
            model::OrderRequest{
                sym("BTCUSDT"),
                Side::kSell,
                OrderType::kMarket,
                qty(q),
                std::nullopt,
                std::nullopt,
                true,
                0},
            Timestamp{});
        EXPECT_TRUE(f.venue.submit(o, std::nullopt));
    };
    reduce_only("1");  // nothing held: canceled, not filled
    f.run(bar(1, "100", "101", "99", "100"));
    EXPECT_TRUE(f.fills().empty());
    ASSERT_EQ(f.sink.of<model::OrderCanceled>().size(), 1U);
    f.submit(OrderType::kMarket, Side::kBuy, "0.3");
    f.run(bar(2, "100", "101", "99", "100"));
    reduce_only("0.5");  // capped at the 0.3 held
    reduce_only("0.5");  // the position is gone by then: canceled
    f.run(bar(3, "100", "101", "99", "100"));
    const auto fills = f.fills();
    ASSERT_EQ(fills.size(), 2U);
    EXPECT_EQ(fills[1].qty, qty("0.3"));
    EXPECT_EQ(f.sink.of<model::OrderCanceled>().size(), 2U);
}

TEST(BarVenueTest, SpotBalancesAreEnforced) {
    Fixture f(
        nullptr, BarVenueConfig{FeeModel{0, 10}, MarketFill::kNextOpen, money("1000"), false});
    f.submit(OrderType::kMarket, Side::kBuy, "20");  // 2000 + fee > 1000
    f.submit(OrderType::kMarket, Side::kSell, "1");  // nothing held, no shorting
    f.submit(OrderType::kMarket, Side::kBuy, "9");   // 900 + 0.9 fee fits
    f.run(bar(1, "100", "101", "99", "100"));
    const auto rejected = f.sink.of<model::OrderRejected>();
    ASSERT_EQ(rejected.size(), 2U);
    EXPECT_NE(rejected[0].reason.view().find("insufficient balance"), std::string_view::npos);
    EXPECT_NE(rejected[1].reason.view().find("insufficient BTC balance"), std::string_view::npos);
    ASSERT_EQ(f.fills().size(), 1U);
    f.submit(OrderType::kMarket, Side::kBuy, "1");  // 99.1 left: 100 + fee does not fit
    f.run(bar(2, "100", "101", "99", "100"));
    EXPECT_EQ(f.sink.of<model::OrderRejected>().size(), 3U);
    f.submit(OrderType::kMarket, Side::kSell, "9");  // selling what is held is fine
    f.run(bar(3, "100", "101", "99", "100"));
    EXPECT_EQ(f.fills().size(), 2U);
}

TEST(BarVenueTest, CloseFillModeFillsAtTheDecisionBarClose) {
    Fixture f(
        nullptr, BarVenueConfig{FeeModel{0, 0}, MarketFill::kSignalClose, std::nullopt, true});
    const auto b = bar(1, "100", "110", "90", "105");
    f.clock.advance_to(b.open_time);
    f.venue.open_bar(sym("BTCUSDT"), b);
    EXPECT_FALSE(f.venue.next_fill_time(sym("BTCUSDT")));
    f.clock.advance_to(b.close_time);
    f.submit(OrderType::kMarket, Side::kBuy, "1");  // decided after seeing bar 1
    f.venue.close_bar(sym("BTCUSDT"));
    ASSERT_EQ(f.fills().size(), 1U);
    EXPECT_EQ(f.fills()[0].price, px("105"));
    EXPECT_EQ(f.fills()[0].ts, b.close_time);
}

TEST(BarPathTest, WalksOpenNearerExtremeOtherExtremeClose) {
    const BarPath up(bar(1, "100", "104", "90", "95"));  // high nearer: O H L C
    EXPECT_EQ(up.length(), px("4").raw() + px("14").raw() + px("5").raw());
    EXPECT_EQ(up.price_at(0), px("100"));
    EXPECT_EQ(up.price_at(px("4").raw()), px("104"));
    EXPECT_EQ(up.price_at(px("6").raw()), px("102"));
    EXPECT_EQ(up.price_at(up.length()), px("95"));
    EXPECT_EQ(*up.first_reach(0, px("103"), false), px("3").raw());
    EXPECT_EQ(*up.first_reach(0, px("92"), true), px("16").raw());
    EXPECT_EQ(*up.first_reach(px("5").raw(), px("103"), false), px("5").raw());  // already there
    EXPECT_FALSE(up.first_reach(0, px("105"), false));
    EXPECT_FALSE(up.first_reach(px("19").raw(), px("96"), false));  // 95 at most after it
    const BarPath tie(bar(2, "100", "105", "95", "100"));  // equal distances: the low first
    EXPECT_EQ(tie.price_at(px("5").raw()), px("95"));
    const BarPath flat(bar(3, "100", "100", "100", "100"));
    EXPECT_EQ(flat.length(), 0);
    EXPECT_EQ(*flat.first_reach(0, px("100"), true), 0);
    EXPECT_EQ(flat.time_at(0), bar(3, "1", "1", "1", "1").open_time);
    // Times: constant speed; position_at never goes before the time asked.
    const auto b = bar(4, "100", "104", "90", "95");
    const BarPath timed(b);
    EXPECT_EQ(timed.time_at(0), b.open_time);
    EXPECT_EQ(timed.time_at(timed.length()), b.close_time);
    for (const auto x : {px("1").raw(), px("7.5").raw(), px("22.99999999").raw()}) {
        const auto t = timed.time_at(x);
        EXPECT_LE(timed.position_at(t), x);
        EXPECT_GE(timed.time_at(timed.position_at(t)), t);
    }
}

}  // namespace
}  // namespace ats::sim
