#include "ats/execution/order_manager.hpp"

#include <deque>

#include <gtest/gtest.h>

#include "ats/core/clock.hpp"

#include "testkit.hpp"

namespace ats::execution {
namespace {

using namespace ats::testing;  // NOLINT(google-build-using-namespace): test helpers

/// A venue whose answers are scripted: each submit pops the next status (default ok).
class ScriptedVenue final : public model::ExecutionVenue {
public:
    Status submit(const model::Order& order, std::optional<Money>) override {
        submitted.push_back(order.id().str());
        if (script.empty()) {
            return ok_status();
        }
        Status s = script.front();
        script.pop_front();
        return s;
    }
    Status cancel(const ClientOrderId& id) override {
        canceled.push_back(id.str());
        return ok_status();
    }

    std::deque<Status> script;
    std::vector<std::string> submitted;
    std::vector<std::string> canceled;
};

model::OrderApproved approved(model::OrderRequest r) {
    return model::OrderApproved{
        Timestamp{},
        Timestamp{},
        r,
        std::nullopt,
        model::OrderPurpose::kEntry,
        model::Text("test")};
}

model::OrderRequest limit_buy(const char* q, const char* p) {
    return model::OrderRequest{
        sym("BTCUSDT"),
        Side::kBuy,
        model::OrderType::kLimit,
        qty(q),
        px(p),
        std::nullopt,
        false,
        0};
}

struct Fixture {
    SimulatedClock clock{Timestamp::from_unix_seconds(1'700'000'000)};
    RecordingSink sink;
    ScriptedVenue venue;
    OrderManager om{
        clock, sink, "t", RetryPolicy{3, Duration::from_ms(100), Duration::from_seconds(1)}};
    Fixture() {
        om.set_venue(&venue);
        om.add_instrument(instrument());
    }
};

TEST(OrderManagerTest, RoundsConservativelyAndPlaces) {
    Fixture f;
    auto id = f.om.place(approved(limit_buy("0.123456", "50000.019")));
    ASSERT_TRUE(id);
    EXPECT_EQ(id->str(), "t-1");
    const auto* o = f.om.order(*id);
    ASSERT_NE(o, nullptr);
    EXPECT_EQ(o->request().qty, qty("0.12345"));          // toward zero to the step
    EXPECT_EQ(o->request().limit_price, px("50000.01"));  // buy limit rounds down
    EXPECT_EQ(o->status(), model::OrderStatus::kAccepted);
    EXPECT_EQ(f.sink.of<model::OrderPlaced>().size(), 1U);
    EXPECT_EQ(f.om.open_order_count(sym("BTCUSDT")), 1U);
}

TEST(OrderManagerTest, RejectsWithTheFilterName) {
    Fixture f;
    EXPECT_FALSE(f.om.place(approved(limit_buy("0.00001", "100"))));  // 0.001 USDT < min notional 5
    auto rejected = f.sink.of<model::OrderRejected>();
    ASSERT_EQ(rejected.size(), 1U);
    EXPECT_NE(rejected[0].reason.view().find("min_notional"), std::string_view::npos);
    EXPECT_EQ(f.sink.of<model::AlertLogged>().size(), 1U);
    auto shape = limit_buy("1", "100");
    shape.limit_price.reset();
    EXPECT_FALSE(f.om.place(approved(shape)));
    EXPECT_NE(
        f.sink.of<model::OrderRejected>()[1].reason.view().find("needs a limit price"),
        std::string_view::npos);
    auto unknown = limit_buy("1", "100");
    unknown.symbol = sym("DOGEUSDT");
    EXPECT_FALSE(f.om.place(approved(unknown)));
    EXPECT_TRUE(f.venue.submitted.empty());
}

TEST(OrderManagerTest, QuoteBudgetBelowMinNotionalIsNotSent) {
    Fixture f;
    model::OrderRequest buy{
        sym("BTCUSDT"),
        Side::kBuy,
        model::OrderType::kMarket,
        Qty{},
        std::nullopt,
        std::nullopt,
        false,
        0};
    auto tiny = approved(buy);
    tiny.quote_budget = money("4.99");  // min notional 5: the exchange would refuse it
    EXPECT_FALSE(f.om.place(tiny));
    auto rejected = f.sink.of<model::OrderRejected>();
    ASSERT_EQ(rejected.size(), 1U);
    EXPECT_NE(rejected[0].reason.view().find("below min_notional"), std::string_view::npos);
    EXPECT_TRUE(f.venue.submitted.empty());
    auto enough = approved(buy);
    enough.quote_budget = money("5");
    EXPECT_TRUE(f.om.place(enough));
    EXPECT_EQ(f.venue.submitted.size(), 1U);
}

TEST(OrderManagerTest, RetriesTransientErrorsWithBackoffAndSameId) {
    Fixture f;
    f.venue.script = {
        make_error(ErrorCode::kUnavailable, "503"), make_error(ErrorCode::kTimeout, "timeout")};
    auto id = f.om.place(approved(limit_buy("0.1", "50000")));
    ASSERT_TRUE(id);
    EXPECT_EQ(f.venue.submitted.size(), 1U);
    EXPECT_EQ(f.om.retries_pending(), 1U);
    f.clock.advance_by(Duration::from_ms(99));
    f.om.on_timer();
    EXPECT_EQ(f.venue.submitted.size(), 1U);  // not due yet
    f.clock.advance_by(Duration::from_ms(1));
    f.om.on_timer();
    EXPECT_EQ(f.venue.submitted.size(), 2U);
    f.clock.advance_by(Duration::from_ms(199));
    f.om.on_timer();
    EXPECT_EQ(f.venue.submitted.size(), 2U);  // backoff doubled to 200 ms
    f.clock.advance_by(Duration::from_ms(1));
    f.om.on_timer();
    ASSERT_EQ(f.venue.submitted.size(), 3U);
    EXPECT_EQ(f.venue.submitted[0], f.venue.submitted[2]);  // idempotent client id
    EXPECT_EQ(f.om.order(*id)->status(), model::OrderStatus::kAccepted);
    EXPECT_EQ(f.sink.of<model::OrderPlaced>().size(), 1U);
}

TEST(OrderManagerTest, GivesUpAfterMaxAttemptsAndRejectsHardErrors) {
    Fixture f;
    f.venue.script = {
        make_error(ErrorCode::kUnavailable, "down"),
        make_error(ErrorCode::kUnavailable, "down"),
        make_error(ErrorCode::kUnavailable, "down")};
    auto id = f.om.place(approved(limit_buy("0.1", "50000")));
    for (int i = 0; i < 5; ++i) {
        f.clock.advance_by(Duration::from_seconds(2));
        f.om.on_timer();
    }
    EXPECT_EQ(f.venue.submitted.size(), 3U);
    EXPECT_EQ(f.om.order(*id)->status(), model::OrderStatus::kRejected);
    EXPECT_NE(
        f.sink.of<model::OrderRejected>()[0].reason.view().find("after 3 attempts"),
        std::string_view::npos);

    f.venue.script = {make_error(ErrorCode::kRejected, "insufficient balance")};
    auto id2 = f.om.place(approved(limit_buy("0.1", "50000")));
    EXPECT_EQ(f.om.order(*id2)->status(), model::OrderStatus::kRejected);
    EXPECT_EQ(f.om.retries_pending(), 0U);
}

TEST(OrderManagerTest, AlreadyExistsCountsAsAccepted) {
    Fixture f;
    f.venue.script = {make_error(ErrorCode::kAlreadyExists, "dup")};
    auto id = f.om.place(approved(limit_buy("0.1", "50000")));
    EXPECT_EQ(f.om.order(*id)->status(), model::OrderStatus::kAccepted);
}

TEST(OrderManagerTest, FillsDriveTheStateMachine) {
    Fixture f;
    auto id = *f.om.place(approved(limit_buy("0.1", "50000")));
    const auto fill = [&](const char* q) {
        f.om.on_fill(model::OrderFilled{
            f.clock.now(),
            f.clock.now(),
            model::Fill{
                id,
                sym("BTCUSDT"),
                Side::kBuy,
                qty(q),
                px("50000"),
                money("1"),
                true,
                f.clock.now()}});
    };
    fill("0.04");
    EXPECT_EQ(f.om.order(id)->status(), model::OrderStatus::kPartiallyFilled);
    fill("0.06");
    EXPECT_EQ(f.om.order(id)->status(), model::OrderStatus::kFilled);
    EXPECT_EQ(f.om.order(id)->fees(), money("2"));
    EXPECT_EQ(f.om.open_order_count(), 0U);
    fill("0.01");  // an overfill is a critical alert, not a crash
    const auto alerts = f.sink.of<model::AlertLogged>();
    ASSERT_FALSE(alerts.empty());
    EXPECT_EQ(alerts.back().level, model::AlertLevel::kCritical);
}

model::OrderRequest market_buy(const char* q) {
    return model::OrderRequest{
        sym("BTCUSDT"),
        Side::kBuy,
        model::OrderType::kMarket,
        qty(q),
        std::nullopt,
        std::nullopt,
        false,
        0};
}

model::OrderFilled filled(const ClientOrderId& id, const char* q, bool complete) {
    return model::OrderFilled{
        Timestamp{},
        Timestamp{},
        model::Fill{id, sym("BTCUSDT"), Side::kBuy, qty(q), px("50000"), money("1"), false, {}},
        complete};
}

// The stop-11 review's bug: a venue that refuses an accepted order (insufficient balance at the
// fill) left it "accepted" forever, and every later entry for the symbol was dropped.
TEST(OrderManagerTest, VenueRejectionOfAnAcceptedOrderEndsIt) {
    Fixture f;
    const auto id = *f.om.place(approved(market_buy("0.1")));
    ASSERT_EQ(f.om.order(id)->status(), model::OrderStatus::kAccepted);
    EXPECT_TRUE(f.om.entry_working(sym("BTCUSDT")));
    f.om.on_rejected(model::OrderRejected{
        Timestamp{}, Timestamp{}, id, sym("BTCUSDT"), model::Text("insufficient balance")});
    EXPECT_EQ(f.om.order(id)->status(), model::OrderStatus::kRejected);
    EXPECT_FALSE(f.om.entry_working(sym("BTCUSDT")));
    EXPECT_EQ(f.om.open_order_count(), 0U);
    EXPECT_EQ(f.om.rejected(), 1U);
    // A partly filled order may be rejected or canceled too.
    const auto id2 = *f.om.place(approved(market_buy("0.1")));
    f.om.on_fill(filled(id2, "0.05", false));
    ASSERT_EQ(f.om.order(id2)->status(), model::OrderStatus::kPartiallyFilled);
    f.om.on_rejected(model::OrderRejected{
        Timestamp{}, Timestamp{}, id2, sym("BTCUSDT"), model::Text("min notional")});
    EXPECT_EQ(f.om.order(id2)->status(), model::OrderStatus::kRejected);
    EXPECT_EQ(f.om.rejected(), 2U);
    // Reported twice: counted once, and the second report is only an alert.
    f.om.on_rejected(
        model::OrderRejected{Timestamp{}, Timestamp{}, id2, sym("BTCUSDT"), model::Text("again")});
    EXPECT_EQ(f.om.rejected(), 2U);
}

TEST(OrderManagerTest, RefusedHereCountsOnceWhenTheEventComesBack) {
    Fixture f;
    f.venue.script = {make_error(ErrorCode::kRejected, "insufficient balance")};
    const auto id = f.om.place(approved(limit_buy("0.1", "50000")));
    ASSERT_TRUE(id);  // it was sent; the venue refused it
    EXPECT_EQ(f.om.order(*id)->status(), model::OrderStatus::kRejected);
    EXPECT_EQ(f.om.rejected(), 1U);
    const auto rejected = f.sink.of<model::OrderRejected>();
    ASSERT_EQ(rejected.size(), 1U);
    f.om.on_rejected(rejected.front());  // the engine hands the event back
    EXPECT_EQ(f.om.rejected(), 1U);
}

// An all-in order's quantity is the venue's: fills accumulate until the venue says it finished.
TEST(OrderManagerTest, QuoteBudgetOrderWorksUntilTheVenueCompletesIt) {
    Fixture f;
    auto a = approved(market_buy("0"));
    a.quote_budget = money("1000");
    const auto id = *f.om.place(a);
    f.om.on_fill(filled(id, "0.005", false));
    EXPECT_EQ(f.om.order(id)->status(), model::OrderStatus::kPartiallyFilled);
    EXPECT_TRUE(f.om.entry_working(sym("BTCUSDT")));
    f.om.on_fill(filled(id, "0.007", false));
    EXPECT_EQ(f.om.order(id)->status(), model::OrderStatus::kPartiallyFilled);
    f.om.on_fill(filled(id, "0.0069", true));
    EXPECT_EQ(f.om.order(id)->status(), model::OrderStatus::kFilled);
    EXPECT_EQ(f.om.order(id)->filled_qty(), qty("0.0189"));
    EXPECT_FALSE(f.om.entry_working(sym("BTCUSDT")));
    EXPECT_TRUE(f.sink.of<model::AlertLogged>().empty());
}

TEST(OrderManagerTest, PendingExitQuantityCountsWorkingMarketExits) {
    Fixture f;
    auto exit = approved(model::OrderRequest{
        sym("BTCUSDT"),
        Side::kSell,
        model::OrderType::kMarket,
        qty("0.3"),
        std::nullopt,
        std::nullopt,
        true,
        0});
    exit.purpose = model::OrderPurpose::kExit;
    ASSERT_TRUE(f.om.place(exit));
    auto stop = exit;
    stop.request.type = model::OrderType::kStopMarket;
    stop.request.trigger_price = px("40000");
    ASSERT_TRUE(f.om.place(stop));
    EXPECT_EQ(f.om.pending_exit_qty(sym("BTCUSDT")), -qty("0.3"));
    EXPECT_FALSE(f.om.entry_working(sym("BTCUSDT")));
}

TEST(OrderStateTest, VenueMayRejectOrCancelAWorkingOrder) {
    using S = model::OrderStatus;
    EXPECT_TRUE(model::is_legal_transition(S::kAccepted, S::kRejected));
    EXPECT_TRUE(model::is_legal_transition(S::kPartiallyFilled, S::kRejected));
    EXPECT_TRUE(model::is_legal_transition(S::kPartiallyFilled, S::kCanceled));
    EXPECT_FALSE(model::is_legal_transition(S::kRejected, S::kCanceled));
}

TEST(OrderStateTest, IllegalTransitionsAreCaught) {
    using S = model::OrderStatus;
    EXPECT_TRUE(model::is_legal_transition(S::kNew, S::kSubmitted));
    EXPECT_TRUE(model::is_legal_transition(S::kAccepted, S::kPartiallyFilled));
    EXPECT_TRUE(model::is_legal_transition(S::kPartiallyFilled, S::kPartiallyFilled));
    EXPECT_FALSE(model::is_legal_transition(S::kNew, S::kFilled));
    EXPECT_FALSE(model::is_legal_transition(S::kFilled, S::kCanceled));
    EXPECT_FALSE(model::is_legal_transition(S::kCanceled, S::kAccepted));
    EXPECT_FALSE(model::is_legal_transition(S::kRejected, S::kSubmitted));
    model::Order o(*ClientOrderId::parse("x"), limit_buy("1", "1"), Timestamp{});
    auto s = o.transition(S::kFilled, Timestamp{});
    ASSERT_FALSE(s);
    EXPECT_EQ(s.error().code, ErrorCode::kFailedPrecondition);
    EXPECT_NE(s.error().message.find("new -> filled"), std::string::npos);
}

}  // namespace
}  // namespace ats::execution
