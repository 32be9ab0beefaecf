#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "ats/binance/binance_venue.hpp"
#include "ats/binance/rest_client.hpp"
#include "ats/binance/user_stream.hpp"
#include "ats/core/clock.hpp"
#include "ats/data/kline_csv.hpp"
#include "ats/exchange_sim/exchange.hpp"
#include "ats/exchange_sim/http_server.hpp"
#include "ats/model/events.hpp"

namespace ats::binance {
namespace {

constexpr const char* kKey = "venue-test-key-0123456789";
constexpr const char* kSecret = "venue-test-secret-abcdefghij";

class TickClock final : public Clock {
public:
    explicit TickClock(std::int64_t ms) : ns_(ms * 1'000'000) {}
    Timestamp now() const override { return Timestamp::from_unix_ns(ns_.load()); }
    void advance(Duration d) { ns_ += d.ns(); }

private:
    std::atomic<std::int64_t> ns_;
};

class RecordingSink final : public model::EventSink {
public:
    void emit(model::Event event) override { events.push_back(std::move(event)); }

    template <class T>
    std::vector<T> all() const {
        std::vector<T> out;
        for (const auto& e : events) {
            if (const auto* x = std::get_if<T>(&e)) {
                out.push_back(*x);
            }
        }
        return out;
    }

    std::vector<model::Event> events;
};

class VenueTest : public ::testing::Test {
protected:
    void SetUp() override {
        auto loaded = data::load_klines_csv(
            std::string(ATS_TEST_DATA_DIR) + "/BTCUSDT-1m-2024-12-02-positional.csv", {});
        ASSERT_TRUE(loaded) << loaded.error().to_string();
        auto spec = exchange_sim::make_symbol_spec("BTCUSDT");
        ASSERT_TRUE(spec);
        spec->interval = loaded->series.interval();
        for (std::size_t i = 0; i < loaded->series.size(); ++i) {
            spec->bars.push_back(loaded->series.bar(i));
        }
        bars_ = spec->bars;
        exchange_sim::ExchangeConfig config;
        config.api_key = kKey;
        config.api_secret = kSecret;
        config.start_bar = 100;
        config.bar_period_ms = 1000;
        config.balances = {{"USDT", Money::from_units(10'000).raw()}};
        auto exchange = exchange_sim::Exchange::create(config, {std::move(*spec)}, clock_);
        ASSERT_TRUE(exchange);
        exchange_ = std::move(*exchange);
        auto* sim = exchange_.get();
        auto server = exchange_sim::HttpServer::start(
            "127.0.0.1",
            0,
            [sim, this](const exchange_sim::HttpRequest& r) {
                auto out = sim->handle(r);
                // An order executed, but its reply lost in a 503: the outcome is unknown.
                if (r.method == "POST" && r.target.rfind("/api/v3/order", 0) == 0 &&
                    fail_posts_ > 0) {
                    --fail_posts_;
                    out.status = 503;
                    out.body = R"({"code":-1001,"msg":"Internal error; try again."})";
                }
                return out;
            },
            1,
            sim);
        ASSERT_TRUE(server);
        server_ = std::move(*server);
        RestConfig rc;
        rc.base_url = "http://127.0.0.1:" + std::to_string(server_->port());
        rc.api_key = kKey;
        rc.api_secret = kSecret;
        auto rest = RestClient::create(rc, clock_, [](Duration) {});
        ASSERT_TRUE(rest);
        rest_ = std::make_unique<RestClient>(std::move(*rest));
        venue_ = std::make_unique<BinanceVenue>(*rest_, sink_, clock_);
    }

    void TearDown() override {
        if (server_) {
            server_->stop();
        }
    }

    UserStreamConfig stream_config(const char* secret = kSecret) const {
        UserStreamConfig c;
        c.url = "ws://127.0.0.1:" + std::to_string(server_->port()) + "/ws-api/v3";
        c.api_key = kKey;
        c.api_secret = secret;
        c.timeout = Duration::from_seconds(2);
        return c;
    }

    model::Order order(
        const std::string& id,
        Side side,
        model::OrderType type,
        const char* qty,
        std::optional<Price> limit = std::nullopt) {
        const model::OrderRequest request{
            .symbol = *Symbol::parse("BTCUSDT"),
            .side = side,
            .type = type,
            .qty = *Qty::parse(qty),
            .limit_price = limit,
            .trigger_price = std::nullopt,
            .reduce_only = false,
            .oco_group = 0};
        return model::Order(*ClientOrderId::parse(id), request, clock_.now());
    }

    TickClock clock_{1'767'225'600'000};
    std::atomic<int> fail_posts_{0};
    std::vector<model::Bar> bars_;
    std::unique_ptr<exchange_sim::Exchange> exchange_;
    std::unique_ptr<exchange_sim::HttpServer> server_;
    std::unique_ptr<RestClient> rest_;
    RecordingSink sink_;
    std::unique_ptr<BinanceVenue> venue_;
};

TEST_F(VenueTest, MarketOrderFillsAndIsIdempotent) {
    const auto buy = order("venue-mkt-1", Side::kBuy, model::OrderType::kMarket, "0.01");
    ASSERT_TRUE(venue_->submit(buy, std::nullopt));
    const auto fills = sink_.all<model::OrderFilled>();
    ASSERT_FALSE(fills.empty());
    Qty total;
    for (const auto& f : fills) {
        total += f.fill.qty;
        EXPECT_EQ(f.fill.order_id, buy.id());
        EXPECT_FALSE(f.fill.maker);
        // 10 bps charged in the BTC received: a base-asset fee, nothing in quote.
        EXPECT_EQ(f.fill.fee, Money{});
        EXPECT_NEAR(f.fill.base_fee.to_double(), f.fill.qty.to_double() * 0.001, 1e-8);
    }
    EXPECT_EQ(total, *Qty::parse("0.01"));
    EXPECT_EQ(venue_->working_orders(), 0U);
    auto again = venue_->submit(buy, std::nullopt);
    ASSERT_FALSE(again);
    EXPECT_EQ(again.error().code, ErrorCode::kAlreadyExists);
    EXPECT_EQ(exchange_->orders_accepted(), 1U);
}

TEST_F(VenueTest, QuoteBudgetMarketBuySpendsAtMostTheBudget) {
    const auto buy = order("venue-quote-1", Side::kBuy, model::OrderType::kMarket, "1");
    ASSERT_TRUE(venue_->submit(buy, *Money::parse("100")));
    Money spent;
    for (const auto& f : sink_.all<model::OrderFilled>()) {
        spent += *notional(f.fill.price, f.fill.qty, Round::kDown);
    }
    EXPECT_LE(spent, *Money::parse("100"));
    EXPECT_GT(spent, *Money::parse("99"));
}

TEST_F(VenueTest, LimitOrderRestsThenPollSeesTheFillWhenBarsTradeThrough) {
    Price lowest = bars_[101].low;
    for (std::size_t i = 101; i < 160; ++i) {
        lowest = std::min(lowest, bars_[i].low);
    }
    const auto limit = lowest + Price::from_raw(1'000'000);
    const auto buy = order("venue-lmt-1", Side::kBuy, model::OrderType::kLimit, "0.001", limit);
    ASSERT_TRUE(venue_->submit(buy, std::nullopt));
    EXPECT_TRUE(sink_.all<model::OrderFilled>().empty());
    EXPECT_EQ(venue_->working_orders(), 1U);
    ASSERT_TRUE(venue_->poll());
    EXPECT_TRUE(sink_.all<model::OrderFilled>().empty());
    clock_.advance(Duration::from_seconds(60));
    ASSERT_TRUE(venue_->poll());
    const auto fills = sink_.all<model::OrderFilled>();
    ASSERT_EQ(fills.size(), 1U);
    EXPECT_EQ(fills[0].fill.price, limit);
    EXPECT_TRUE(fills[0].fill.maker);
    EXPECT_EQ(venue_->working_orders(), 0U);
}

TEST_F(VenueTest, CancelEmitsCanceledAndRefusalsAreRejections) {
    const auto far =
        order("venue-cxl-1", Side::kBuy, model::OrderType::kLimit, "0.001", *Price::parse("10000"));
    ASSERT_TRUE(venue_->submit(far, std::nullopt));
    ASSERT_TRUE(venue_->cancel(far.id()));
    const auto canceled = sink_.all<model::OrderCanceled>();
    ASSERT_EQ(canceled.size(), 1U);
    EXPECT_EQ(canceled[0].order_id, far.id());
    EXPECT_EQ(venue_->working_orders(), 0U);
    EXPECT_EQ(venue_->cancel(far.id()).error().code, ErrorCode::kNotFound);

    const auto too_big =
        order("venue-big-1", Side::kBuy, model::OrderType::kLimit, "1", *Price::parse("50000"));
    auto refused = venue_->submit(too_big, std::nullopt);
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, ErrorCode::kRejected);
    const model::OrderRequest stop{
        .symbol = *Symbol::parse("BTCUSDT"),
        .side = Side::kSell,
        .type = model::OrderType::kStopMarket,
        .qty = *Qty::parse("0.001"),
        .limit_price = std::nullopt,
        .trigger_price = *Price::parse("90000"),
        .reduce_only = false,
        .oco_group = 0};
    auto stop_order = model::Order(*ClientOrderId::parse("venue-stop-1"), stop, clock_.now());
    EXPECT_EQ(venue_->submit(stop_order, std::nullopt).error().code, ErrorCode::kRejected);
}

class ProtectionTest : public VenueTest {
protected:
    void SetUp() override {
        VenueTest::SetUp();
        ASSERT_FALSE(HasFatalFailure());
        venue_->set_exchange_protection(true);
        // A long position: 0.01 BTC bought, 0.00001 of it paid as the fee.
        ASSERT_TRUE(venue_->submit(
            order("prot-entry", Side::kBuy, model::OrderType::kMarket, "0.01"), std::nullopt));
        Price lowest = bars_[101].low;
        for (std::size_t i = 101; i < 300; ++i) {
            lowest = std::min(lowest, bars_[i].low);
        }
        stop_price_ = lowest + Price::from_units(20);
        for (hit_ = 101; hit_ < 300 && bars_[hit_].low > stop_price_; ++hit_) {
        }
        sink_.events.clear();
    }

    model::Order leg(const std::string& id, model::OrderType type, Price trigger, int group) {
        const model::OrderRequest request{
            .symbol = *Symbol::parse("BTCUSDT"),
            .side = Side::kSell,
            .type = type,
            .qty = *Qty::parse("0.00999"),
            .limit_price = std::nullopt,
            .trigger_price = trigger,
            .reduce_only = true,
            .oco_group = static_cast<std::uint32_t>(group)};
        return model::Order(*ClientOrderId::parse(id), request, clock_.now());
    }

    /// Places the pair stop-<n> / target-<n> (OCO group n).
    void protect(int n) {
        const auto stop =
            leg(fmt::format("stop-{}", n), model::OrderType::kStopMarket, stop_price_, n);
        const auto target =
            leg(fmt::format("target-{}", n),
                model::OrderType::kTakeProfit,
                bars_[100].close + Price::from_units(50'000),
                n);
        ASSERT_TRUE(venue_->submit(stop, std::nullopt));
        EXPECT_EQ(venue_->held_orders(), 1U);  // waits for its partner
        ASSERT_TRUE(venue_->submit(target, std::nullopt));
        EXPECT_EQ(venue_->held_orders(), 0U);
    }

    Qty locked_btc() {
        auto balances = rest_->balances();
        EXPECT_TRUE(balances);
        for (const auto& b : *balances) {
            if (b.asset == "BTC") {
                return b.locked;
            }
        }
        return Qty{};
    }

    Price stop_price_;
    std::size_t hit_ = 0;
};

TEST_F(ProtectionTest, StopAndTargetGoOutAsOneOcoListThatLocksThePosition) {
    protect(1);
    auto stop = rest_->query_order("BTCUSDT", "stop-1");
    auto target = rest_->query_order("BTCUSDT", "target-1");
    ASSERT_TRUE(stop && target);
    EXPECT_EQ(stop->status, "NEW");
    EXPECT_EQ(target->status, "NEW");
    EXPECT_GE(stop->order_list_id, 0);
    EXPECT_EQ(stop->order_list_id, target->order_list_id);
    EXPECT_EQ(locked_btc(), *Qty::parse("0.00999"));
    EXPECT_EQ(venue_->working_orders(), 2U);
    // The stop triggers on the exchange: its fill comes in, the target ends (expired).
    clock_.advance(Duration::from_ms(static_cast<std::int64_t>(hit_ - 100) * 1000));
    ASSERT_TRUE(venue_->poll());
    const auto fills = sink_.all<model::OrderFilled>();
    ASSERT_EQ(fills.size(), 1U);
    EXPECT_EQ(fills[0].fill.order_id.str(), "stop-1");
    EXPECT_EQ(fills[0].fill.price, std::min(stop_price_, bars_[hit_].open));
    const auto canceled = sink_.all<model::OrderCanceled>();
    ASSERT_EQ(canceled.size(), 1U);
    EXPECT_EQ(canceled[0].order_id.str(), "target-1");
    EXPECT_EQ(venue_->working_orders(), 0U);
    EXPECT_EQ(locked_btc(), Qty{});
}

TEST_F(ProtectionTest, AnExitCancelsTheListFirstAndARefusedExitPutsItBack) {
    protect(2);
    // More than the account holds: refused, and the protection is back on the exchange.
    auto refused = venue_->submit(
        order("exit-too-big", Side::kSell, model::OrderType::kMarket, "0.5"), std::nullopt);
    ASSERT_FALSE(refused);
    EXPECT_TRUE(sink_.all<model::OrderCanceled>().empty());
    auto stop = rest_->query_order("BTCUSDT", "stop-2");
    ASSERT_TRUE(stop);
    EXPECT_EQ(stop->status, "NEW");
    EXPECT_EQ(locked_btc(), *Qty::parse("0.00999"));
    EXPECT_EQ(venue_->working_orders(), 2U);
    // The real exit: the list steps aside, the exit fills, both legs end canceled.
    ASSERT_TRUE(venue_->submit(
        order("exit-1", Side::kSell, model::OrderType::kMarket, "0.00999"), std::nullopt));
    const auto canceled = sink_.all<model::OrderCanceled>();
    ASSERT_EQ(canceled.size(), 2U);
    const auto fills = sink_.all<model::OrderFilled>();
    ASSERT_FALSE(fills.empty());
    EXPECT_EQ(fills.back().fill.order_id.str(), "exit-1");
    EXPECT_EQ(venue_->working_orders(), 0U);
    EXPECT_EQ(rest_->query_order("BTCUSDT", "stop-2")->status, "CANCELED");
    EXPECT_EQ(rest_->query_order("BTCUSDT", "target-2")->status, "CANCELED");
    // Nothing open is left behind on the exchange.
    EXPECT_EQ(locked_btc(), Qty{});
}

TEST_F(ProtectionTest, AStopTheMarketAlreadyPassedExecutesAtOnce) {
    // The price fell through the stop between the bar's close and the order: Binance refuses
    // the stop ("would trigger immediately"), so it goes out as a market order, and its target
    // ends with it.
    const Price above = bars_[100].close + Price::from_units(500);
    const auto stop = leg("late-stop", model::OrderType::kStopMarket, above, 9);
    const auto target =
        leg("late-target", model::OrderType::kTakeProfit, above + Price::from_units(50'000), 9);
    ASSERT_TRUE(venue_->submit(stop, std::nullopt));
    ASSERT_TRUE(venue_->submit(target, std::nullopt));
    const auto fills = sink_.all<model::OrderFilled>();
    ASSERT_FALSE(fills.empty());
    EXPECT_EQ(fills.back().fill.order_id.str(), "late-stop");
    EXPECT_TRUE(fills.back().order_complete);
    const auto canceled = sink_.all<model::OrderCanceled>();
    ASSERT_EQ(canceled.size(), 1U);
    EXPECT_EQ(canceled[0].order_id.str(), "late-target");
    EXPECT_EQ(locked_btc(), Qty{});
    EXPECT_EQ(venue_->working_orders(), 0U);
}

TEST_F(ProtectionTest, CancelingAListThatAlreadyExecutedReadsItsLegsAtOnce) {
    protect(5);
    // The stop fires on the exchange; nothing has polled yet when the engine cancels the pair.
    clock_.advance(Duration::from_ms(static_cast<std::int64_t>(hit_ - 100) * 1000));
    ASSERT_TRUE(venue_->cancel(*ClientOrderId::parse("stop-5")));
    const auto fills = sink_.all<model::OrderFilled>();
    ASSERT_EQ(fills.size(), 1U);  // read at once, before the engine acts on the position again
    EXPECT_EQ(fills[0].fill.order_id.str(), "stop-5");
    const auto canceled = sink_.all<model::OrderCanceled>();
    ASSERT_EQ(canceled.size(), 1U);
    EXPECT_EQ(canceled[0].order_id.str(), "target-5");
    EXPECT_EQ(venue_->working_orders(), 0U);
}

TEST_F(ProtectionTest, CancelingOneLegEndsBothAndALoneLegGoesOutAtThePoll) {
    protect(3);
    ASSERT_TRUE(venue_->cancel(*ClientOrderId::parse("stop-3")));
    const auto canceled = sink_.all<model::OrderCanceled>();
    ASSERT_EQ(canceled.size(), 2U);
    EXPECT_EQ(venue_->working_orders(), 0U);
    EXPECT_EQ(venue_->cancel(*ClientOrderId::parse("target-3")).error().code, ErrorCode::kNotFound);
    // A leg whose partner never comes is placed alone at the next poll.
    ASSERT_TRUE(
        venue_->submit(leg("stop-4", model::OrderType::kStopMarket, stop_price_, 4), std::nullopt));
    EXPECT_EQ(venue_->held_orders(), 1U);
    ASSERT_TRUE(venue_->poll());
    EXPECT_EQ(venue_->held_orders(), 0U);
    auto alone = rest_->query_order("BTCUSDT", "stop-4");
    ASSERT_TRUE(alone);
    EXPECT_EQ(alone->status, "NEW");
    EXPECT_EQ(alone->order_list_id, -1);
    // A restart takes it over: the new venue sees its trigger and fill.
    BinanceVenue restarted(*rest_, sink_, clock_);
    restarted.set_exchange_protection(true);
    ASSERT_TRUE(restarted.adopt(leg("stop-4", model::OrderType::kStopMarket, stop_price_, 4)));
    EXPECT_EQ(
        restarted.adopt(leg("stop-none", model::OrderType::kStopMarket, stop_price_, 4))
            .error()
            .code,
        ErrorCode::kNotFound);
    sink_.events.clear();
    clock_.advance(Duration::from_ms(static_cast<std::int64_t>(hit_ - 100) * 1000));
    ASSERT_TRUE(restarted.poll());
    const auto fills = sink_.all<model::OrderFilled>();
    ASSERT_EQ(fills.size(), 1U);
    EXPECT_EQ(fills[0].fill.order_id.str(), "stop-4");
}

TEST_F(VenueTest, AnUnknownSendIsSettledByTheUserStreamFirst) {
    // Without the stream the recvWindow wait decides (no proof): found, never resent.
    fail_posts_ = 1;
    ASSERT_TRUE(venue_->submit(
        order("venue-unknown-1", Side::kBuy, model::OrderType::kMarket, "0.01"), std::nullopt));
    EXPECT_EQ(rest_->stats().unknown_order_status, 1);
    EXPECT_EQ(rest_->stats().stream_proofs, 0);
    EXPECT_EQ(rest_->stats().order_resends, 0);
    EXPECT_EQ(exchange_->orders_accepted(), 1U);
    // With it, the order's execution reports prove it landed: queried at once.
    ASSERT_TRUE(venue_->enable_user_stream(stream_config(), clock_));
    sink_.events.clear();
    fail_posts_ = 1;
    ASSERT_TRUE(venue_->submit(
        order("venue-unknown-2", Side::kBuy, model::OrderType::kMarket, "0.01"), std::nullopt));
    EXPECT_EQ(rest_->stats().unknown_order_status, 2);
    EXPECT_EQ(rest_->stats().stream_proofs, 1);
    EXPECT_EQ(rest_->stats().order_resends, 0);
    EXPECT_EQ(exchange_->orders_accepted(), 2U);
    Qty total;
    for (const auto& f : sink_.all<model::OrderFilled>()) {
        EXPECT_EQ(f.fill.order_id.str(), "venue-unknown-2");
        total += f.fill.qty;
    }
    EXPECT_EQ(total, *Qty::parse("0.01"));  // each fill once
    EXPECT_EQ(venue_->working_orders(), 0U);
}

TEST(UserStreamParse, EventsRepliesAndBadMessages) {
    const auto report = parse_user_event(
        R"({"subscriptionId":0,"event":{"e":"executionReport","E":1,"s":"BTCUSDT","c":"ats-7",)"
        R"("S":"BUY","o":"MARKET","x":"TRADE","X":"FILLED","i":42,"l":"0.01000000",)"
        R"("z":"0.01000000","L":"96000.50","n":"0.00001000","N":"BTC","T":5,"t":9,"m":false,)"
        R"("C":"","future_field":{"x":1}}})");
    ASSERT_TRUE(report) << report.error().message;
    ASSERT_TRUE(*report);
    const auto& r = std::get<ExecutionReport>(**report);
    EXPECT_EQ(r.order_client_id(), "ats-7");
    EXPECT_EQ(r.exec_type, "TRADE");
    EXPECT_EQ(r.status, "FILLED");
    EXPECT_EQ(r.order_id, 42);
    EXPECT_EQ(r.trade_id, 9);
    EXPECT_EQ(r.last_qty, *Qty::parse("0.01"));
    EXPECT_EQ(r.last_price, *Price::parse("96000.5"));
    EXPECT_EQ(r.commission, *Qty::parse("0.00001"));
    EXPECT_EQ(r.commission_asset, "BTC");
    // A cancel names the canceled order in C.
    const auto cancel = parse_user_event(
        R"({"e":"executionReport","s":"BTCUSDT","c":"cxl-1","C":"ats-8","S":"SELL","x":"CANCELED",)"
        R"("X":"CANCELED","i":43,"l":"0","z":"0","L":"0","n":"0","N":null})");
    ASSERT_TRUE(cancel && *cancel);
    EXPECT_EQ(std::get<ExecutionReport>(**cancel).order_client_id(), "ats-8");
    const auto account = parse_user_event(
        R"({"subscriptionId":0,"event":{"e":"outboundAccountPosition","E":3,"u":3,)"
        R"("B":[{"a":"BTC","f":"0.5","l":"0.25"}]}})");
    ASSERT_TRUE(account && *account);
    const auto& balances = std::get<AccountUpdate>(**account).balances;
    ASSERT_EQ(balances.size(), 1U);
    EXPECT_EQ(balances[0].free + balances[0].locked, *Qty::parse("0.75"));
    // Replies and other event types are not events; broken ones are errors, never a crash.
    EXPECT_FALSE(*parse_user_event(R"({"id":"x","status":200,"result":{}})"));
    EXPECT_FALSE(*parse_user_event(R"({"e":"balanceUpdate","a":"BTC","d":"1"})"));
    EXPECT_EQ(parse_user_event("{not json").error().code, ErrorCode::kParse);
    EXPECT_EQ(parse_user_event("[1,2]").error().code, ErrorCode::kParse);
    EXPECT_EQ(
        parse_user_event(R"({"e":"executionReport","s":"BTCUSDT"})").error().code,
        ErrorCode::kParse);
    EXPECT_EQ(
        parse_user_event(R"({"e":"executionReport","s":"BTCUSDT","c":"a","S":"BUY","x":"TRADE",)"
                         R"("X":"FILLED","i":1,"l":"abc","z":"0","L":"0","n":"0"})")
            .error()
            .code,
        ErrorCode::kParse);
}

TEST_F(VenueTest, UserStreamRefusesABadSignatureOrKey) {
    auto bad_secret = UserStream::connect(stream_config("not-the-secret"), clock_, 0);
    ASSERT_FALSE(bad_secret);
    EXPECT_EQ(bad_secret.error().code, ErrorCode::kRejected);
    EXPECT_NE(bad_secret.error().message.find("-1022"), std::string::npos);
    EXPECT_EQ(bad_secret.error().message.find("not-the-secret"), std::string::npos);
    auto config = stream_config();
    config.api_key = "someone-else";
    auto bad_key = UserStream::connect(config, clock_, 0);
    ASSERT_FALSE(bad_key);
    EXPECT_NE(bad_key.error().message.find("-2015"), std::string::npos);
    auto stale = UserStream::connect(stream_config(), clock_, -60'000);  // a minute behind
    ASSERT_FALSE(stale);
    EXPECT_NE(stale.error().message.find("-1021"), std::string::npos);
    EXPECT_TRUE(UserStream::connect(stream_config(), clock_, 0));
}

TEST_F(VenueTest, UserStreamDrivesFillsWithoutRestPolling) {
    ASSERT_TRUE(venue_->enable_user_stream(stream_config(), clock_));
    const auto requests_before = rest_->stats().requests;
    const auto buy = order("venue-us-1", Side::kBuy, model::OrderType::kMarket, "0.01");
    ASSERT_TRUE(venue_->submit(buy, std::nullopt));
    // The fills came from the execution reports: one REST request (the order), no /myTrades.
    EXPECT_EQ(rest_->stats().requests, requests_before + 1);
    const auto fills = sink_.all<model::OrderFilled>();
    ASSERT_FALSE(fills.empty());
    EXPECT_EQ(venue_->stats().stream_fills, fills.size());
    EXPECT_EQ(venue_->stats().rest_fills, 0U);
    EXPECT_EQ(venue_->working_orders(), 0U);
    // The same fills as the exchange's own trade list, fee in BTC.
    auto state = rest_->query_order("BTCUSDT", "venue-us-1");
    ASSERT_TRUE(state);
    auto trades = rest_->my_trades("BTCUSDT", state->order_id);
    ASSERT_TRUE(trades);
    ASSERT_EQ(trades->size(), fills.size());
    for (std::size_t i = 0; i < fills.size(); ++i) {
        EXPECT_EQ(fills[i].fill.qty, (*trades)[i].qty);
        EXPECT_EQ(fills[i].fill.price, (*trades)[i].price);
        EXPECT_EQ(fills[i].fill.base_fee, (*trades)[i].commission);
    }
    // A resting order filled later, when a bar trades through it, arrives on the stream.
    Price lowest = bars_[101].low;
    for (std::size_t i = 101; i < 160; ++i) {
        lowest = std::min(lowest, bars_[i].low);
    }
    const auto limit = lowest + Price::from_raw(1'000'000);
    const auto rest_buy = order("venue-us-2", Side::kBuy, model::OrderType::kLimit, "0.001", limit);
    ASSERT_TRUE(venue_->submit(rest_buy, std::nullopt));
    EXPECT_EQ(venue_->working_orders(), 1U);
    clock_.advance(Duration::from_seconds(60));
    exchange_->poll();
    for (int i = 0; i < 200 && venue_->working_orders() > 0; ++i) {
        ASSERT_TRUE(venue_->poll());
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    EXPECT_EQ(venue_->working_orders(), 0U);
    const auto after = sink_.all<model::OrderFilled>();
    ASSERT_EQ(after.size(), fills.size() + 1);
    EXPECT_EQ(after.back().fill.price, limit);
    EXPECT_TRUE(after.back().fill.maker);
    EXPECT_EQ(venue_->stats().rest_polls, 0U);
    EXPECT_EQ(venue_->stats().rest_fills, 0U);
    // The account update that came with it.
    EXPECT_GT(venue_->stream_balances().at("BTC"), Qty{});
    // A cancel: one OrderCanceled, although both the REST reply and the stream report it.
    const auto far =
        order("venue-us-3", Side::kBuy, model::OrderType::kLimit, "0.001", *Price::parse("10000"));
    ASSERT_TRUE(venue_->submit(far, std::nullopt));
    ASSERT_TRUE(venue_->cancel(far.id()));
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    ASSERT_TRUE(venue_->poll());
    EXPECT_EQ(sink_.all<model::OrderCanceled>().size(), 1U);
}

}  // namespace
}  // namespace ats::binance
