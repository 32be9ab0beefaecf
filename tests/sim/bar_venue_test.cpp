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
    f.venue.on_bar(sym("BTCUSDT"), bar(1, "100", "110", "90", "105"));
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
    f.venue.on_bar(sym("BTCUSDT"), bar(1, "100", "101", "96", "97"));
    EXPECT_TRUE(f.fills().empty());
    f.venue.on_bar(sym("BTCUSDT"), bar(2, "97", "98", "94", "96"));
    ASSERT_EQ(f.fills().size(), 1U);
    EXPECT_EQ(f.fills()[0].price, px("95"));
    f.submit(OrderType::kStopMarket, Side::kSell, "0.1", std::nullopt, px("90"));
    f.venue.on_bar(sym("BTCUSDT"), bar(3, "85", "88", "80", "86"));  // gaps through the stop
    ASSERT_EQ(f.fills().size(), 2U);
    EXPECT_EQ(f.fills()[1].price, px("85"));
}

TEST(BarVenueTest, StopFirstWhenStopAndTargetShareABar) {
    Fixture f;
    const auto stop =
        f.submit(OrderType::kStopMarket, Side::kSell, "0.1", std::nullopt, px("95"), 7);
    f.submit(OrderType::kTakeProfit, Side::kSell, "0.1", std::nullopt, px("110"), 7);
    f.venue.on_bar(sym("BTCUSDT"), bar(1, "100", "115", "90", "100"));  // both inside the bar
    const auto fills = f.fills();
    ASSERT_EQ(fills.size(), 1U);
    EXPECT_EQ(fills[0].order_id, stop);
    EXPECT_EQ(fills[0].price, px("95"));
    const auto canceled = f.sink.of<model::OrderCanceled>();
    ASSERT_EQ(canceled.size(), 1U);
    EXPECT_EQ(canceled[0].reason.view(), "one-cancels-other");
    EXPECT_EQ(f.venue.working_orders(), 0U);
}

TEST(BarVenueTest, LimitFillsAsMakerAtItsPriceOrTakerWhenMarketable) {
    Fixture f;
    f.submit(OrderType::kLimit, Side::kBuy, "0.1", px("95"));
    f.venue.on_bar(sym("BTCUSDT"), bar(1, "100", "101", "94", "99"));
    ASSERT_EQ(f.fills().size(), 1U);
    EXPECT_EQ(f.fills()[0].price, px("95"));
    EXPECT_TRUE(f.fills()[0].maker);
    EXPECT_EQ(f.fills()[0].fee, money("0.0019"));  // 2 bps of 9.5
    f.submit(OrderType::kLimit, Side::kSell, "0.1", px("90"));
    f.venue.on_bar(sym("BTCUSDT"), bar(2, "99", "100", "98", "99"));  // marketable at the open
    ASSERT_EQ(f.fills().size(), 2U);
    EXPECT_EQ(f.fills()[1].price, px("99"));
    EXPECT_FALSE(f.fills()[1].maker);
}

TEST(BarVenueTest, StopLimitTriggersThenRestsAsLimit) {
    Fixture f;
    f.submit(OrderType::kStopLimit, Side::kBuy, "0.1", px("106"), px("105"));
    f.venue.on_bar(sym("BTCUSDT"), bar(1, "100", "104", "99", "103"));
    EXPECT_TRUE(f.fills().empty());
    f.venue.on_bar(sym("BTCUSDT"), bar(2, "103", "108", "102", "107"));  // triggers at 105 <= 106
    ASSERT_EQ(f.fills().size(), 1U);
    EXPECT_EQ(f.fills()[0].price, px("105"));
}

TEST(BarVenueTest, VolumeParticipationGivesPartialFills) {
    Fixture f(std::make_unique<VolumeParticipationSlippage>(0.1, 0.0));
    f.submit(OrderType::kMarket, Side::kBuy, "25");
    f.venue.on_bar(sym("BTCUSDT"), bar(1, "100", "101", "99", "100", "100"));  // cap 10
    f.venue.on_bar(sym("BTCUSDT"), bar(2, "101", "102", "100", "101", "100"));
    f.venue.on_bar(sym("BTCUSDT"), bar(3, "102", "103", "101", "102", "100"));
    const auto fills = f.fills();
    ASSERT_EQ(fills.size(), 3U);
    EXPECT_EQ(fills[0].qty, qty("10"));
    EXPECT_EQ(fills[1].qty, qty("10"));
    EXPECT_EQ(fills[2].qty, qty("5"));
    EXPECT_EQ(fills[2].price, px("102"));
}

TEST(BarVenueTest, SlippageMovesTakerPricesAgainstTheTaker) {
    Fixture f(std::make_unique<FixedBpsSlippage>(10));
    f.submit(OrderType::kMarket, Side::kBuy, "1");
    f.submit(OrderType::kMarket, Side::kSell, "1");
    f.venue.on_bar(sym("BTCUSDT"), bar(1, "1000", "1001", "999", "1000"));
    ASSERT_EQ(f.fills().size(), 2U);
    EXPECT_EQ(f.fills()[0].price, px("1001"));
    EXPECT_EQ(f.fills()[1].price, px("999"));
    auto vol = make_slippage("volatility:0.1");
    ASSERT_TRUE(vol);
    EXPECT_EQ((*vol)->apply(Side::kBuy, px("100"), bar(1, "100", "110", "90", "100")), px("102"));
    EXPECT_FALSE(make_slippage("volume:2:1"));
    EXPECT_FALSE(make_slippage("random"));
}

TEST(BarVenueTest, AllInBudgetIsSizedAtTheFillWithFees) {
    Fixture f;
    f.submit(OrderType::kMarket, Side::kBuy, "0", std::nullopt, std::nullopt, 0, money("1000"));
    f.venue.on_bar(sym("BTCUSDT"), bar(1, "300", "301", "299", "300"));
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
    f.venue.on_bar(sym("BTCUSDT"), bar(1, "100", "101", "99", "100"));
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
    f.venue.on_bar(sym("BTCUSDT"), bar(1, "100", "101", "99", "100"));
    EXPECT_TRUE(f.fills().empty());
    ASSERT_EQ(f.sink.of<model::OrderCanceled>().size(), 1U);
    f.submit(OrderType::kMarket, Side::kBuy, "0.3");
    f.venue.on_bar(sym("BTCUSDT"), bar(2, "100", "101", "99", "100"));
    reduce_only("0.5");  // capped at the 0.3 held
    reduce_only("0.5");  // the position is gone by then: canceled
    f.venue.on_bar(sym("BTCUSDT"), bar(3, "100", "101", "99", "100"));
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
    f.venue.on_bar(sym("BTCUSDT"), bar(1, "100", "101", "99", "100"));
    const auto rejected = f.sink.of<model::OrderRejected>();
    ASSERT_EQ(rejected.size(), 2U);
    EXPECT_NE(rejected[0].reason.view().find("insufficient balance"), std::string_view::npos);
    EXPECT_NE(rejected[1].reason.view().find("insufficient BTC balance"), std::string_view::npos);
    ASSERT_EQ(f.fills().size(), 1U);
    f.submit(OrderType::kMarket, Side::kBuy, "1");  // 99.1 left: 100 + fee does not fit
    f.venue.on_bar(sym("BTCUSDT"), bar(2, "100", "101", "99", "100"));
    EXPECT_EQ(f.sink.of<model::OrderRejected>().size(), 3U);
    f.submit(OrderType::kMarket, Side::kSell, "9");  // selling what is held is fine
    f.venue.on_bar(sym("BTCUSDT"), bar(3, "100", "101", "99", "100"));
    EXPECT_EQ(f.fills().size(), 2U);
}

TEST(BarVenueTest, CloseFillModeFillsAtTheDecisionBarClose) {
    Fixture f(
        nullptr, BarVenueConfig{FeeModel{0, 0}, MarketFill::kSignalClose, std::nullopt, true});
    const auto b = bar(1, "100", "110", "90", "105");
    f.venue.on_bar(sym("BTCUSDT"), b);
    f.submit(OrderType::kMarket, Side::kBuy, "1");  // decided after seeing bar 1
    f.venue.on_bar_close(sym("BTCUSDT"), b);
    ASSERT_EQ(f.fills().size(), 1U);
    EXPECT_EQ(f.fills()[0].price, px("105"));
    EXPECT_EQ(f.fills()[0].ts, b.close_time);
}

}  // namespace
}  // namespace ats::sim
