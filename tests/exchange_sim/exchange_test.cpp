#include "ats/exchange_sim/exchange.hpp"

#include <memory>
#include <string>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "ats/binance/signing.hpp"
#include "ats/core/clock.hpp"
#include "ats/data/kline_csv.hpp"

namespace ats::exchange_sim {
namespace {

using Json = nlohmann::json;

std::string dec8(detail::Int128 raw) {
    const auto narrow = static_cast<std::int64_t>(raw);  // test values are small
    return fmt::format("{}.{:08}", narrow / kScale, narrow % kScale);
}

constexpr const char* kKey = "test-key-0123456789";
constexpr const char* kSecret = "test-secret-abcdefghijklmnop";
// 2026-01-01T00:00:00Z
constexpr std::int64_t kStartMs = 1'767'225'600'000;

class ExchangeTest : public ::testing::Test {
protected:
    void SetUp() override { make({}); }

    void make(const ExchangeConfig& overrides) {
        auto loaded = data::load_klines_csv(
            std::string(ATS_TEST_DATA_DIR) + "/BTCUSDT-1m-2024-12-02-positional.csv", {});
        ASSERT_TRUE(loaded) << loaded.error().to_string();
        auto spec = make_symbol_spec("BTCUSDT");
        ASSERT_TRUE(spec);
        spec->interval = loaded->series.interval();
        for (std::size_t i = 0; i < loaded->series.size(); ++i) {
            spec->bars.push_back(loaded->series.bar(i));
        }
        bars_ = spec->bars;
        ExchangeConfig config = overrides;
        config.api_key = kKey;
        config.api_secret = kSecret;
        if (config.balances.empty()) {
            config.balances = {
                {"USDT", Money::from_units(100'000).raw()}, {"BTC", Qty::from_units(1).raw()}};
        }
        config.start_bar = 100;
        exchange_.reset();
        auto created = Exchange::create(config, {std::move(*spec)}, clock_);
        ASSERT_TRUE(created) << created.error().to_string();
        exchange_ = std::move(*created);
    }

    HttpResponse get(const std::string& target) {
        return exchange_->handle(HttpRequest{"GET", target, "", "", "127.0.0.1"});
    }

    /// Signed like ccxt: params in the body for POST, in the query for GET/DELETE.
    HttpResponse call(
        const std::string& method,
        const std::string& path,
        const std::string& params,
        std::int64_t skew_ms = 0,
        const char* secret = kSecret,
        const char* key = kKey) {
        const auto payload = params + (params.empty() ? "" : "&") +
                             "timestamp=" + std::to_string(clock_.now().unix_ms() + skew_ms) +
                             "&recvWindow=5000";
        const auto signed_payload = binance::sign_query(secret, payload);
        if (method == "POST") {
            return exchange_->handle(HttpRequest{method, path, signed_payload, key, "127.0.0.1"});
        }
        return exchange_->handle(
            HttpRequest{method, path + "?" + signed_payload, "", key, "127.0.0.1"});
    }

    static Json body(const HttpResponse& r) { return Json::parse(r.body); }

    std::string free_of(const std::string& asset) {
        auto account = body(call("GET", "/api/v3/account", ""));
        for (const auto& b : account["balances"]) {
            if (b["asset"] == asset) {
                return b["free"].get<std::string>();
            }
        }
        return "missing";
    }
    std::string locked_of(const std::string& asset) {
        auto account = body(call("GET", "/api/v3/account", ""));
        for (const auto& b : account["balances"]) {
            if (b["asset"] == asset) {
                return b["locked"].get<std::string>();
            }
        }
        return "missing";
    }

    SimulatedClock clock_{Timestamp::from_unix_ms(kStartMs)};
    std::vector<model::Bar> bars_;
    std::unique_ptr<Exchange> exchange_;
};

TEST_F(ExchangeTest, ServesPublicEndpointsWithWeightHeader) {
    auto ping = get("/api/v3/ping");
    EXPECT_EQ(ping.status, 200);
    EXPECT_EQ(ping.body, "{}");
    auto time = body(get("/api/v3/time"));
    EXPECT_EQ(time["serverTime"].get<std::int64_t>(), kStartMs);
    auto info = get("/api/v3/exchangeInfo");
    ASSERT_EQ(info.status, 200);
    auto json = body(info);
    ASSERT_EQ(json["symbols"].size(), 1U);
    EXPECT_EQ(json["symbols"][0]["filters"][0]["tickSize"], "0.01000000");
    EXPECT_EQ(json["symbols"][0]["filters"][1]["filterType"], "LOT_SIZE");
    bool found = false;
    for (const auto& [name, value] : info.headers) {
        if (name == "X-MBX-USED-WEIGHT-1M") {
            found = true;
            EXPECT_EQ(value, "22");  // 1 + 1 + 20
        }
    }
    EXPECT_TRUE(found);
    EXPECT_EQ(body(get("/api/v3/depth?symbol=NOPE"))["code"], -1121);
    EXPECT_EQ(get("/api/v3/nothing").status, 404);
}

TEST_F(ExchangeTest, KlinesPaginateOverReplayedBarsUpToTheCursor) {
    const auto first = bars_[0].open_time.unix_ms();
    auto page = body(
        get(fmt::format("/api/v3/klines?symbol=BTCUSDT&interval=1m&startTime={}&limit=60", first)));
    ASSERT_EQ(page.size(), 60U);
    EXPECT_EQ(page[0][0].get<std::int64_t>(), first);
    EXPECT_EQ(page[0][1].get<std::string>(), dec8(bars_[0].open.raw()));
    EXPECT_EQ(page[0][5].get<std::string>(), dec8(bars_[0].volume.raw()));
    EXPECT_EQ(page[59][6].get<std::int64_t>(), bars_[59].close_time.unix_ms());
    // Only bars up to the replay cursor (bar 100) exist yet.
    auto rest = body(get(
        fmt::format("/api/v3/klines?symbol=BTCUSDT&interval=1m&startTime={}&limit=1000", first)));
    EXPECT_EQ(rest.size(), 101U);
    clock_.advance_by(Duration::from_seconds(10));
    rest = body(get(
        fmt::format("/api/v3/klines?symbol=BTCUSDT&interval=1m&startTime={}&limit=1000", first)));
    EXPECT_EQ(rest.size(), 111U);
    auto newest = body(get("/api/v3/klines?symbol=BTCUSDT&interval=1m&limit=5"));
    EXPECT_EQ(newest[4][0].get<std::int64_t>(), bars_[110].open_time.unix_ms());
    EXPECT_EQ(body(get("/api/v3/klines?symbol=BTCUSDT&interval=7m"))["code"], -1120);
}

TEST_F(ExchangeTest, RejectsBadKeySignatureAndTimestamp) {
    auto no_key = exchange_->handle(HttpRequest{"GET", "/api/v3/account?timestamp=1", "", "", "c"});
    EXPECT_EQ(no_key.status, 401);
    EXPECT_EQ(body(no_key)["code"], -2014);
    auto wrong_key = call("GET", "/api/v3/account", "", 0, kSecret, "other-key");
    EXPECT_EQ(wrong_key.status, 401);
    EXPECT_EQ(body(wrong_key)["code"], -2015);
    auto wrong_secret = call("GET", "/api/v3/account", "", 0, "wrong-secret");
    EXPECT_EQ(wrong_secret.status, 400);
    EXPECT_EQ(body(wrong_secret)["code"], -1022);
    EXPECT_EQ(body(call("GET", "/api/v3/account", "", -6000))["code"], -1021);
    EXPECT_EQ(body(call("GET", "/api/v3/account", "", 1500))["code"], -1021);
    EXPECT_EQ(call("GET", "/api/v3/account", "", -4000).status, 200);
}

TEST_F(ExchangeTest, ValidatesFilters) {
    EXPECT_EQ(
        body(call(
            "POST",
            "/api/v3/order",
            "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.001&price=50000.005"))
            ["msg"],
        "Filter failure: PRICE_FILTER");
    EXPECT_EQ(
        body(call(
            "POST",
            "/api/v3/order",
            "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.000015&price=50000"))
            ["msg"],
        "Filter failure: LOT_SIZE");
    EXPECT_EQ(
        body(call(
            "POST",
            "/api/v3/order",
            "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.00001&price=50000"))
            ["msg"],
        "Filter failure: MIN_NOTIONAL");
    EXPECT_EQ(
        body(call(
            "POST",
            "/api/v3/order",
            "symbol=BTCUSDT&side=BUY&type=LIMIT&quantity=0.001&price=50000"))["code"],
        -1102);
    EXPECT_EQ(
        body(call(
            "POST",
            "/api/v3/order",
            "symbol=BTCUSDT&side=UP&type=LIMIT&timeInForce=GTC&quantity=0.001&price=50000"))
            ["code"],
        -1117);
    EXPECT_EQ(
        body(call(
            "POST",
            "/api/v3/order",
            "symbol=BTCUSDT&side=BUY&type=MARKET&timeInForce=GTC&quantity=0.001"))["code"],
        -1106);
    EXPECT_EQ(
        body(call(
            "POST",
            "/api/v3/order",
            "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1e-3&price=50000"))
            ["code"],
        -1100);
    EXPECT_EQ(
        body(call(
            "POST",
            "/api/v3/order",
            "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=10&price=50000"))["msg"],
        "Account has insufficient balance for requested action.");
    EXPECT_EQ(exchange_->orders_accepted(), 0U);
}

TEST_F(ExchangeTest, LimitOrderRestsLocksFundsAndCancels) {
    auto placed = call(
        "POST",
        "/api/v3/order",
        "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.01&price=50000&"
        "newClientOrderId=my-1");
    ASSERT_EQ(placed.status, 200) << placed.body;
    auto order = body(placed);
    EXPECT_EQ(order["status"], "NEW");
    EXPECT_EQ(order["fills"].size(), 0U);
    EXPECT_EQ(locked_of("USDT"), "500.00000000");
    EXPECT_EQ(free_of("USDT"), "99500.00000000");
    auto dup = call(
        "POST",
        "/api/v3/order",
        "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.01&price=50000&"
        "newClientOrderId=my-1");
    EXPECT_EQ(body(dup)["msg"], "Duplicate order sent.");
    auto open = body(call("GET", "/api/v3/openOrders", "symbol=BTCUSDT"));
    ASSERT_EQ(open.size(), 1U);
    EXPECT_EQ(open[0]["clientOrderId"], "my-1");
    auto queried = body(call("GET", "/api/v3/order", "symbol=BTCUSDT&origClientOrderId=my-1"));
    EXPECT_EQ(queried["orderId"], order["orderId"]);
    auto canceled = body(call(
        "DELETE",
        "/api/v3/order",
        fmt::format("symbol=BTCUSDT&orderId={}", order["orderId"].get<std::int64_t>())));
    EXPECT_EQ(canceled["status"], "CANCELED");
    EXPECT_EQ(locked_of("USDT"), "0.00000000");
    EXPECT_EQ(free_of("USDT"), "100000.00000000");
    EXPECT_EQ(body(call("DELETE", "/api/v3/order", "symbol=BTCUSDT&orderId=999"))["code"], -2011);
    EXPECT_EQ(body(call("GET", "/api/v3/order", "symbol=BTCUSDT&orderId=999"))["code"], -2013);
}

TEST_F(ExchangeTest, MarketBuyTakesTheBookAndPaysCommissionInBase) {
    auto book = body(get("/api/v3/depth?symbol=BTCUSDT&limit=5"));
    ASSERT_EQ(book["asks"].size(), 5U);
    const auto best_ask = book["asks"][0][0].get<std::string>();
    auto filled =
        body(call("POST", "/api/v3/order", "symbol=BTCUSDT&side=BUY&type=MARKET&quantity=0.01"));
    EXPECT_EQ(filled["status"], "FILLED");
    ASSERT_GE(filled["fills"].size(), 1U);
    EXPECT_EQ(filled["fills"][0]["price"], best_ask);
    EXPECT_EQ(filled["fills"][0]["commissionAsset"], "BTC");
    EXPECT_EQ(free_of("BTC"), "1.00999000");  // 0.01 minus 10 bps
    const auto cost = Money::parse(filled["cummulativeQuoteQty"].get<std::string>());
    ASSERT_TRUE(cost);
    EXPECT_EQ(free_of("USDT"), dec8((Money::from_units(100'000) - *cost).raw()));
    auto trades = body(call("GET", "/api/v3/myTrades", "symbol=BTCUSDT"));
    ASSERT_EQ(trades.size(), filled["fills"].size());
    auto aggregated = body(get("/api/v3/aggTrades?symbol=BTCUSDT"));
    ASSERT_EQ(aggregated.size(), trades.size());
    EXPECT_EQ(aggregated[0]["a"], trades[0]["id"]);
    EXPECT_EQ(aggregated[0]["p"], trades[0]["price"]);
    EXPECT_FALSE(aggregated[0]["m"].get<bool>());  // the buyer was the taker
    const auto from = trades.back()["id"].get<std::int64_t>();
    EXPECT_EQ(
        body(get(fmt::format("/api/v3/aggTrades?symbol=BTCUSDT&fromId={}", from))).size(), 1U);
    EXPECT_TRUE(trades[0]["isBuyer"].get<bool>());
    EXPECT_FALSE(trades[0]["isMaker"].get<bool>());
}

TEST_F(ExchangeTest, UserOrdersMatchByPriceThenTime) {
    auto bid = body(get("/api/v3/depth?symbol=BTCUSDT&limit=1"))["bids"][0][0].get<std::string>();
    auto best_bid = Price::parse(bid);
    ASSERT_TRUE(best_bid);
    // Three user asks inside the spread: two at the same price (time decides), one better.
    const auto p1 = (*best_bid + Price::from_raw(2'000'000)).to_string();
    const auto p0 = (*best_bid + Price::from_raw(1'000'000)).to_string();
    auto a = body(call(
        "POST",
        "/api/v3/order",
        "symbol=BTCUSDT&side=SELL&type=LIMIT&timeInForce=GTC&quantity=0.001&price=" + p1 +
            "&newClientOrderId=first"));
    auto b = body(call(
        "POST",
        "/api/v3/order",
        "symbol=BTCUSDT&side=SELL&type=LIMIT&timeInForce=GTC&quantity=0.001&price=" + p1 +
            "&newClientOrderId=second"));
    auto c = body(call(
        "POST",
        "/api/v3/order",
        "symbol=BTCUSDT&side=SELL&type=LIMIT&timeInForce=GTC&quantity=0.001&price=" + p0 +
            "&newClientOrderId=better"));
    ASSERT_EQ(a["status"], "NEW") << a.dump();
    ASSERT_EQ(c["status"], "NEW") << c.dump();
    auto taker = body(call(
        "POST",
        "/api/v3/order",
        "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=IOC&quantity=0.002&price=" + p1));
    EXPECT_EQ(taker["status"], "FILLED");
    ASSERT_EQ(taker["fills"].size(), 2U);
    EXPECT_EQ(Price::parse(taker["fills"][0]["price"].get<std::string>())->to_string(), p0);
    EXPECT_EQ(
        body(call("GET", "/api/v3/order", "symbol=BTCUSDT&origClientOrderId=better"))["status"],
        "FILLED");
    EXPECT_EQ(
        body(call("GET", "/api/v3/order", "symbol=BTCUSDT&origClientOrderId=first"))["status"],
        "FILLED");
    EXPECT_EQ(
        body(call("GET", "/api/v3/order", "symbol=BTCUSDT&origClientOrderId=second"))["status"],
        "NEW");
    // LIMIT_MAKER that would take is rejected.
    EXPECT_EQ(
        body(call(
            "POST",
            "/api/v3/order",
            "symbol=BTCUSDT&side=BUY&type=LIMIT_MAKER&quantity=0.001&price=" + p1))["msg"],
        "Order would immediately match and take.");
}

TEST_F(ExchangeTest, RestingOrderFillsWhenALaterBarTradesThroughIt) {
    // The lowest low of the next 200 bars, then a bid one tick above it.
    Price lowest = bars_[101].low;
    for (std::size_t i = 101; i < 300; ++i) {
        lowest = std::min(lowest, bars_[i].low);
    }
    const auto price = (lowest + Price::from_raw(1'000'000)).to_string();
    auto placed = body(call(
        "POST",
        "/api/v3/order",
        "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.001&price=" + price));
    ASSERT_EQ(placed["status"], "NEW") << placed.dump();
    clock_.advance_by(Duration::from_seconds(200));
    auto order = body(call(
        "GET",
        "/api/v3/order",
        fmt::format("symbol=BTCUSDT&orderId={}", placed["orderId"].get<std::int64_t>())));
    EXPECT_EQ(order["status"], "FILLED");
    EXPECT_EQ(
        Price::parse(order["cummulativeQuoteQty"].get<std::string>())->raw(),
        notional(*Price::parse(price), Qty::from_raw(100'000), Round::kDown)->raw());
    auto trades = body(call("GET", "/api/v3/myTrades", "symbol=BTCUSDT"));
    ASSERT_EQ(trades.size(), 1U);
    EXPECT_TRUE(trades[0]["isMaker"].get<bool>());
}

/// The first bar after the cursor (100) whose range reaches `price` from above (`low`) or below.
std::size_t first_reach(const std::vector<model::Bar>& bars, Price price, bool low) {
    for (std::size_t i = 101; i < bars.size(); ++i) {
        if (low ? bars[i].low <= price : bars[i].high >= price) {
            return i;
        }
    }
    return bars.size();
}

TEST_F(ExchangeTest, StopLossWaitsLockedThenFillsAtItsTriggerOrTheGapOpen) {
    const Price last = bars_[100].close;
    EXPECT_EQ(
        body(call(
            "POST",
            "/api/v3/order",
            "symbol=BTCUSDT&side=SELL&type=STOP_LOSS&quantity=0.01&stopPrice=" +
                (last + Price::from_units(10)).to_string()))["msg"],
        "Order would trigger immediately.");
    EXPECT_EQ(
        body(call(
            "POST",
            "/api/v3/order",
            "symbol=BTCUSDT&side=SELL&type=STOP_LOSS&quantity=0.01"))["code"],
        -1102);  // no stopPrice
    EXPECT_EQ(
        body(call(
            "POST",
            "/api/v3/order",
            "symbol=BTCUSDT&side=SELL&type=LIMIT&timeInForce=GTC&quantity=0.01&price=99000&"
            "stopPrice=90000"))["code"],
        -1106);  // stopPrice on a plain limit
    // A stop the next 200 bars reach.
    Price lowest = bars_[101].low;
    for (std::size_t i = 101; i < 300; ++i) {
        lowest = std::min(lowest, bars_[i].low);
    }
    const Price stop = lowest + Price::from_units(20);
    ASSERT_LT(stop, last);
    const std::size_t hit = first_reach(bars_, stop, true);
    ASSERT_LT(hit, 300U);
    auto placed = call(
        "POST",
        "/api/v3/order",
        "symbol=BTCUSDT&side=SELL&type=STOP_LOSS&quantity=0.01&newClientOrderId=sl-1&"
        "stopPrice=" +
            stop.to_string());
    ASSERT_EQ(placed.status, 200) << placed.body;
    EXPECT_FALSE(body(placed).contains("status"));  // ACK is the default for trigger orders
    auto waiting = body(call("GET", "/api/v3/order", "symbol=BTCUSDT&origClientOrderId=sl-1"));
    EXPECT_EQ(waiting["status"], "NEW");
    EXPECT_EQ(waiting["type"], "STOP_LOSS");
    EXPECT_FALSE(waiting["isWorking"].get<bool>());
    EXPECT_EQ(*Price::parse(waiting["stopPrice"].get<std::string>()), stop);
    EXPECT_EQ(locked_of("BTC"), "0.01000000");
    // One bar before the trigger bar: still waiting.
    clock_.advance_by(Duration::from_ms(static_cast<std::int64_t>(hit - 100 - 1) * 1000));
    EXPECT_EQ(
        body(call("GET", "/api/v3/order", "symbol=BTCUSDT&origClientOrderId=sl-1"))["status"],
        "NEW");
    clock_.advance_by(Duration::from_seconds(1));
    auto done = body(call("GET", "/api/v3/order", "symbol=BTCUSDT&origClientOrderId=sl-1"));
    ASSERT_EQ(done["status"], "FILLED") << done.dump();
    const Price expected = std::min(stop, bars_[hit].open);
    const auto quote = notional(expected, Qty::from_raw(1'000'000), Round::kDown)->raw();
    EXPECT_EQ(Price::parse(done["cummulativeQuoteQty"].get<std::string>())->raw(), quote);
    EXPECT_EQ(locked_of("BTC"), "0.00000000");
    EXPECT_EQ(free_of("BTC"), "0.99000000");
    EXPECT_EQ(
        free_of("USDT"), dec8(Money::from_units(100'000).raw() + quote - quote * 10 / 10'000));
    auto trades = body(call("GET", "/api/v3/myTrades", "symbol=BTCUSDT"));
    ASSERT_EQ(trades.size(), 1U);
    EXPECT_FALSE(trades[0]["isMaker"].get<bool>());
}

TEST_F(ExchangeTest, StopLimitBecomesALimitOrderThatRestsUntilReached) {
    const Price last = bars_[100].close;
    // A buy stop limit above the market whose limit lies far below: triggered, it rests.
    Price highest = bars_[101].high;
    for (std::size_t i = 101; i < 300; ++i) {
        highest = std::max(highest, bars_[i].high);
    }
    const Price stop = highest - Price::from_units(20);
    ASSERT_GT(stop, last);
    const std::size_t hit = first_reach(bars_, stop, false);
    ASSERT_LT(hit, 300U);
    const Price limit = Price::from_units(1000);
    auto placed = body(call(
        "POST",
        "/api/v3/order",
        fmt::format(
            "symbol=BTCUSDT&side=BUY&type=STOP_LOSS_LIMIT&timeInForce=GTC&quantity=0.01&"
            "price={}&stopPrice={}&newOrderRespType=RESULT",
            limit.to_string(),
            stop.to_string())));
    ASSERT_EQ(placed["status"], "NEW") << placed.dump();
    EXPECT_EQ(*Price::parse(placed["stopPrice"].get<std::string>()), stop);
    EXPECT_EQ(locked_of("USDT"), "10.00000000");  // limit price x quantity
    clock_.advance_by(Duration::from_ms(static_cast<std::int64_t>(hit - 100) * 1000));
    auto order = body(call(
        "GET",
        "/api/v3/order",
        fmt::format("symbol=BTCUSDT&orderId={}", placed["orderId"].get<std::int64_t>())));
    EXPECT_EQ(order["status"], "NEW");
    EXPECT_TRUE(order["isWorking"].get<bool>());  // triggered: now a limit order on the book
    auto book = body(get("/api/v3/depth?symbol=BTCUSDT&limit=5000"));
    bool on_book = false;
    for (const auto& level : book["bids"]) {
        on_book = on_book || *Price::parse(level[0].get<std::string>()) == limit;
    }
    EXPECT_TRUE(on_book);
    auto canceled = body(call(
        "DELETE",
        "/api/v3/order",
        fmt::format("symbol=BTCUSDT&orderId={}", placed["orderId"].get<std::int64_t>())));
    EXPECT_EQ(canceled["status"], "CANCELED");
    EXPECT_EQ(locked_of("USDT"), "0.00000000");
}

TEST_F(ExchangeTest, OcoLocksOnceAndTheFirstLegToTriggerExpiresTheOther) {
    const Price last = bars_[100].close;
    EXPECT_EQ(
        body(call(
            "POST",
            "/api/v3/orderList/oco",
            "symbol=BTCUSDT&side=SELL&quantity=0.5&aboveType=STOP_LOSS&aboveStopPrice=1&"
            "belowType=TAKE_PROFIT&belowStopPrice=1"))["code"],
        -1116);  // a sell's stop loss lies below the market
    Price lowest = bars_[101].low;
    for (std::size_t i = 101; i < 300; ++i) {
        lowest = std::min(lowest, bars_[i].low);
    }
    const Price stop = lowest + Price::from_units(20);
    const Price target = last + Price::from_units(100'000);  // never reached
    const std::size_t hit = first_reach(bars_, stop, true);
    ASSERT_LT(hit, 300U);
    const auto oco = fmt::format(
        "symbol=BTCUSDT&side=SELL&quantity=0.5&listClientOrderId=pair-1&aboveType=TAKE_PROFIT&"
        "aboveStopPrice={}&aboveClientOrderId=tp-1&belowType=STOP_LOSS&belowStopPrice={}&"
        "belowClientOrderId=sl-1",
        target.to_string(),
        stop.to_string());
    auto placed = call("POST", "/api/v3/orderList/oco", oco);
    ASSERT_EQ(placed.status, 200) << placed.body;
    auto list = body(placed);
    EXPECT_EQ(list["contingencyType"], "OCO");
    EXPECT_EQ(list["listClientOrderId"], "pair-1");
    EXPECT_EQ(list["listOrderStatus"], "EXECUTING");
    ASSERT_EQ(list["orderReports"].size(), 2U);
    EXPECT_EQ(locked_of("BTC"), "0.50000000");  // one lock for both legs
    auto open = body(call("GET", "/api/v3/openOrders", "symbol=BTCUSDT"));
    ASSERT_EQ(open.size(), 2U);
    EXPECT_EQ(open[0]["orderListId"], list["orderListId"]);
    // The same pair again: its client ids are taken while the first is open.
    EXPECT_EQ(body(call("POST", "/api/v3/orderList/oco", oco))["msg"], "Duplicate order sent.");
    clock_.advance_by(Duration::from_ms(static_cast<std::int64_t>(hit - 100) * 1000));
    auto sl = body(call("GET", "/api/v3/order", "symbol=BTCUSDT&origClientOrderId=sl-1"));
    auto tp = body(call("GET", "/api/v3/order", "symbol=BTCUSDT&origClientOrderId=tp-1"));
    EXPECT_EQ(sl["status"], "FILLED");
    EXPECT_EQ(tp["status"], "EXPIRED");
    EXPECT_EQ(locked_of("BTC"), "0.00000000");
    EXPECT_EQ(free_of("BTC"), "0.50000000");
    EXPECT_EQ(body(call("GET", "/api/v3/openOrders", "symbol=BTCUSDT")).size(), 0U);
}

TEST_F(ExchangeTest, CancelingOneOcoLegCancelsTheListAndItsIdsCanBeReused) {
    const Price last = bars_[100].close;
    const auto oco = fmt::format(
        "symbol=BTCUSDT&side=SELL&quantity=0.5&aboveType=TAKE_PROFIT&aboveStopPrice={}&"
        "aboveClientOrderId=tp-2&belowType=STOP_LOSS&belowStopPrice={}&belowClientOrderId=sl-2",
        (last + Price::from_units(50'000)).to_string(),
        Price::from_units(1000).to_string());
    auto list = body(call("POST", "/api/v3/orderList/oco", oco));
    ASSERT_TRUE(list.contains("orderListId")) << list.dump();
    auto canceled = body(call("DELETE", "/api/v3/order", "symbol=BTCUSDT&origClientOrderId=sl-2"));
    EXPECT_EQ(canceled["status"], "CANCELED");
    EXPECT_EQ(
        body(call("GET", "/api/v3/order", "symbol=BTCUSDT&origClientOrderId=tp-2"))["status"],
        "CANCELED");
    EXPECT_EQ(locked_of("BTC"), "0.00000000");
    // Client ids are unique among open orders only: the pair can be placed again.
    auto again = body(call("POST", "/api/v3/orderList/oco", oco));
    ASSERT_TRUE(again.contains("orderListId")) << again.dump();
    EXPECT_NE(again["orderListId"], list["orderListId"]);
    auto open = body(call("GET", "/api/v3/order", "symbol=BTCUSDT&origClientOrderId=tp-2"));
    EXPECT_EQ(open["status"], "NEW");  // the open one wins a lookup by client id
    auto by_list = body(call(
        "DELETE",
        "/api/v3/orderList",
        fmt::format("symbol=BTCUSDT&orderListId={}", again["orderListId"].get<std::int64_t>())));
    EXPECT_EQ(by_list["listOrderStatus"], "ALL_DONE");
    EXPECT_EQ(by_list["orderReports"][0]["status"], "CANCELED");
    EXPECT_EQ(by_list["orderReports"][1]["status"], "CANCELED");
    EXPECT_EQ(
        body(call(
            "DELETE",
            "/api/v3/orderList",
            fmt::format(
                "symbol=BTCUSDT&orderListId={}",
                again["orderListId"].get<std::int64_t>())))["code"],
        -2011);
    EXPECT_EQ(locked_of("BTC"), "0.00000000");
    EXPECT_EQ(free_of("BTC"), "1.00000000");
}

TEST_F(ExchangeTest, WeightLimitGives429ThenBan418) {
    ExchangeConfig config;
    config.weight_limit_per_minute = 10;
    make(config);
    for (int i = 0; i < 10; ++i) {
        ASSERT_EQ(get("/api/v3/ping").status, 200);
    }
    auto limited = get("/api/v3/ping");
    EXPECT_EQ(limited.status, 429);
    EXPECT_EQ(body(limited)["code"], -1003);
    bool retry_after = false;
    for (const auto& [name, value] : limited.headers) {
        retry_after = retry_after || (name == "Retry-After" && std::stoi(value) > 0);
    }
    EXPECT_TRUE(retry_after);
    int banned = 0;
    for (int i = 0; i < 12; ++i) {
        banned += get("/api/v3/ping").status == 418 ? 1 : 0;
    }
    EXPECT_GT(banned, 0);
    clock_.advance_by(Duration::from_seconds(180));
    EXPECT_EQ(get("/api/v3/ping").status, 200);
}

TEST_F(ExchangeTest, InjectedFaultsReturn503AndSometimesExecute) {
    ExchangeConfig config;
    config.faults.error_5xx = 1.0;
    config.faults.executed_before_5xx = 1.0;
    config.faults.latency_ms = 7;
    make(config);
    auto reply = call(
        "POST",
        "/api/v3/order",
        "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.001&price=50000&"
        "newClientOrderId=lost");
    EXPECT_EQ(reply.status, 503);
    EXPECT_EQ(body(reply)["code"], -1001);
    EXPECT_EQ(reply.delay_ms, 7);
    EXPECT_EQ(exchange_->orders_accepted(), 1U);  // executed although the reply was lost
}

TEST(FaultConfigTest, ParsesAndRejects) {
    auto faults = parse_faults("5xx=0.2,429=0.1,latency=30,seed=9");
    ASSERT_TRUE(faults);
    EXPECT_DOUBLE_EQ(faults->error_5xx, 0.2);
    EXPECT_DOUBLE_EQ(faults->error_429, 0.1);
    EXPECT_EQ(faults->latency_ms, 30);
    EXPECT_EQ(faults->seed, 9U);
    auto stream = parse_faults("ws-dup=0.25,ws-reorder=0.5");
    ASSERT_TRUE(stream);
    EXPECT_DOUBLE_EQ(stream->stream_duplicate, 0.25);
    EXPECT_DOUBLE_EQ(stream->stream_reorder, 0.5);
    auto drop = parse_faults("ws-drop=2.5");
    ASSERT_TRUE(drop);
    EXPECT_EQ(drop->stream_drop_ms, 2500);
    EXPECT_FALSE(parse_faults("ws-drop=0"));
    EXPECT_FALSE(parse_faults("5xx=2"));
    EXPECT_FALSE(parse_faults("bogus=1"));
    EXPECT_FALSE(make_symbol_spec("FOO"));
    EXPECT_EQ(make_symbol_spec("ETHBTC")->base, "ETH");
}

}  // namespace
}  // namespace ats::exchange_sim
