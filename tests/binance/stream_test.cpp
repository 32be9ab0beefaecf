#include <atomic>
#include <memory>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "ats/binance/kline_event.hpp"
#include "ats/binance/local_book.hpp"
#include "ats/binance/market_events.hpp"
#include "ats/binance/rest_client.hpp"
#include "ats/binance/ws_client.hpp"
#include "ats/core/clock.hpp"
#include "ats/data/kline_csv.hpp"
#include "ats/exchange_sim/exchange.hpp"
#include "ats/exchange_sim/http_server.hpp"

namespace ats::binance {
namespace {

constexpr const char* kKey = "stream-test-key-0123456789";
constexpr const char* kSecret = "stream-test-secret-abcdefghij";

class AtomicClock final : public Clock {
public:
    explicit AtomicClock(std::int64_t ms) : ns_(ms * 1'000'000) {}
    Timestamp now() const override { return Timestamp::from_unix_ns(ns_.load()); }
    void advance(Duration d) { ns_ += d.ns(); }

private:
    std::atomic<std::int64_t> ns_;
};

class StreamTest : public ::testing::Test {
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
        exchange_sim::ExchangeConfig config;
        config.api_key = kKey;
        config.api_secret = kSecret;
        config.start_bar = 100;
        config.bar_period_ms = 1000;
        config.faults = faults_;
        config.balances = {
            {"USDT", Money::from_units(1'000'000).raw()}, {"BTC", Qty::from_units(10).raw()}};
        auto exchange = exchange_sim::Exchange::create(config, {std::move(*spec)}, clock_);
        ASSERT_TRUE(exchange) << exchange.error().to_string();
        exchange_ = std::move(*exchange);
        auto* venue = exchange_.get();
        auto server = exchange_sim::HttpServer::start(
            "127.0.0.1",
            0,
            [venue](const exchange_sim::HttpRequest& r) { return venue->handle(r); },
            1,
            venue);
        ASSERT_TRUE(server) << server.error().to_string();
        server_ = std::move(*server);
        RestConfig rc;
        rc.base_url = base("http");
        rc.api_key = kKey;
        rc.api_secret = kSecret;
        auto rest = RestClient::create(rc, clock_, [](Duration) {});
        ASSERT_TRUE(rest);
        rest_ = std::make_unique<RestClient>(std::move(*rest));
    }

    void TearDown() override {
        if (server_) {
            server_->stop();
        }
    }

    std::string base(const std::string& scheme) const {
        return scheme + "://127.0.0.1:" + std::to_string(server_->port());
    }

    /// Reads diffs into `book` until it reaches the exchange's current update id (from a REST
    /// snapshot, which is also returned for comparison).
    DepthSnapshot catch_up(WsClient& ws, LocalOrderBook& book, bool drop_one = false) {
        auto truth = rest_->depth("BTCUSDT", 5000);
        EXPECT_TRUE(truth) << truth.error().to_string();
        bool dropped = false;
        while (book.update_id() < truth->last_update_id && !book.needs_snapshot()) {
            auto message = ws.read(Duration::from_seconds(5));
            EXPECT_TRUE(message) << message.error().to_string();
            if (!message) {
                break;
            }
            DepthUpdate update;
            EXPECT_TRUE(parse_depth_update(*message, update));
            if (drop_one && !dropped && update.final_id > book.update_id()) {
                dropped = true;  // a lost message
                continue;
            }
            book.on_update(std::move(update));
            ++messages_;
        }
        return *truth;
    }

    static void expect_equal(const LocalOrderBook& book, const DepthSnapshot& truth) {
        ASSERT_EQ(book.bids().size(), truth.bids.size());
        ASSERT_EQ(book.asks().size(), truth.asks.size());
        std::size_t i = 0;
        for (const auto& [price, qty] : book.bids()) {
            EXPECT_EQ(price, truth.bids[i].first);
            EXPECT_EQ(qty, truth.bids[i].second);
            ++i;
        }
        i = 0;
        for (const auto& [price, qty] : book.asks()) {
            EXPECT_EQ(price, truth.asks[i].first);
            EXPECT_EQ(qty, truth.asks[i].second);
            ++i;
        }
    }

    exchange_sim::FaultConfig faults_;
    AtomicClock clock_{1'767'225'600'000};
    std::unique_ptr<exchange_sim::Exchange> exchange_;
    std::unique_ptr<exchange_sim::HttpServer> server_;
    std::unique_ptr<RestClient> rest_;
    std::int64_t messages_ = 0;
};

TEST_F(StreamTest, LocalBookEqualsTheSimulatorBookThroughTradesBarsAndAGap) {
    auto ws = WsClient::connect(base("ws") + "/ws/btcusdt@depth@100ms", Duration::from_seconds(5));
    ASSERT_TRUE(ws) << ws.error().to_string();
    // Let the server register the subscription before the snapshot (LIST_SUBSCRIPTIONS answers
    // after it).
    ASSERT_TRUE(ws->send(R"({"method":"LIST_SUBSCRIPTIONS","id":1})"));
    auto listed = ws->read(Duration::from_seconds(5));
    ASSERT_TRUE(listed);
    EXPECT_EQ(nlohmann::json::parse(*listed)["result"][0], "btcusdt@depth@100ms");

    LocalOrderBook book;
    auto snapshot = rest_->depth("BTCUSDT", 5000);
    ASSERT_TRUE(snapshot);
    ASSERT_TRUE(book.on_snapshot(*snapshot));
    for (int round = 0; round < 12; ++round) {
        clock_.advance(Duration::from_ms(1000));  // the replay moves a bar: requotes
        NewOrder taker;
        taker.symbol = "BTCUSDT";
        taker.type = "MARKET";
        taker.side = round % 2 == 0 ? Side::kBuy : Side::kSell;
        taker.quantity = *Qty::parse("0.0123");
        ASSERT_TRUE(rest_->place_order(taker));
        NewOrder maker;
        maker.symbol = "BTCUSDT";
        maker.side = Side::kBuy;
        maker.quantity = *Qty::parse("0.002");
        maker.price = book.bids().begin()->first - Price::from_units(5 + round);
        ASSERT_TRUE(rest_->place_order(maker));
        const auto truth = catch_up(*ws, book, round == 6);
        if (book.needs_snapshot()) {
            EXPECT_EQ(round, 6);
            auto fresh = rest_->depth("BTCUSDT", 5000);
            ASSERT_TRUE(fresh);
            ASSERT_TRUE(book.on_snapshot(*fresh));
            expect_equal(book, *fresh);
            continue;
        }
        ASSERT_EQ(book.update_id(), truth.last_update_id) << "round " << round;
        expect_equal(book, truth);
    }
    EXPECT_EQ(book.counters().gaps, 1);
    EXPECT_EQ(book.counters().snapshots, 2);
    EXPECT_GT(book.counters().applied, 20);
    EXPECT_GT(messages_, 20);
}

TEST_F(StreamTest, CombinedStreamCarriesTradesKlinesAndBookTicker) {
    auto ws = WsClient::connect(
        base("ws") + "/stream?streams=btcusdt@trade/btcusdt@kline_1m/btcusdt@bookTicker",
        Duration::from_seconds(5));
    ASSERT_TRUE(ws) << ws.error().to_string();
    ASSERT_TRUE(ws->send(R"({"method":"SUBSCRIBE","params":["nope@trade"],"id":7})"));
    auto refused = nlohmann::json::parse(*ws->read(Duration::from_seconds(5)));
    EXPECT_EQ(refused["code"], 2);
    ASSERT_TRUE(ws->send("this is not json"));
    EXPECT_EQ(nlohmann::json::parse(*ws->read(Duration::from_seconds(5)))["code"], 2);
    clock_.advance(Duration::from_ms(1000));
    NewOrder taker;
    taker.symbol = "BTCUSDT";
    taker.type = "MARKET";
    taker.quantity = *Qty::parse("0.01");
    auto filled = rest_->place_order(taker);
    ASSERT_TRUE(filled);
    bool trade = false;
    bool kline = false;
    bool ticker = false;
    for (int i = 0; i < 20 && !(trade && kline && ticker); ++i) {
        auto message = ws->read(Duration::from_seconds(5));
        ASSERT_TRUE(message) << message.error().to_string();
        const auto json = nlohmann::json::parse(*message);
        const auto stream = json["stream"].get<std::string>();
        const auto& data = json["data"];
        // The typed simdjson parsers read the wrapped messages exactly as the JSON says.
        if (stream == "btcusdt@trade") {
            trade = true;
            TradeEvent t;
            ASSERT_TRUE(parse_trade_event(*message, t));
            EXPECT_FALSE(t.aggregate);
            EXPECT_EQ(t.symbol, "BTCUSDT");
            EXPECT_EQ(t.id, data["t"].get<std::int64_t>());
            EXPECT_EQ(t.price, *Price::parse(data["p"].get<std::string>()));
            EXPECT_EQ(t.qty, *Qty::parse(data["q"].get<std::string>()));
            EXPECT_EQ(t.trade_ms, data["T"].get<std::int64_t>());
        } else if (stream == "btcusdt@kline_1m") {
            kline = true;
            KlineEvent k;
            ASSERT_TRUE(parse_kline_event(*message, k));
            EXPECT_EQ(k.interval, "1m");
            EXPECT_TRUE(k.closed);
            EXPECT_EQ(k.bar.close, *Price::parse(data["k"]["c"].get<std::string>()));
        } else if (stream == "btcusdt@bookTicker") {
            ticker = true;
            BookTickerEvent b;
            ASSERT_TRUE(parse_book_ticker(*message, b));
            EXPECT_EQ(b.symbol, "BTCUSDT");
            EXPECT_EQ(b.bid, *Price::parse(data["b"].get<std::string>()));
            EXPECT_EQ(b.ask_qty, *Qty::parse(data["A"].get<std::string>()));
            EXPECT_LT(b.bid, b.ask);
        }
    }
    EXPECT_TRUE(trade);
    EXPECT_TRUE(kline);
    EXPECT_TRUE(ticker);
}

class StreamFaultTest : public StreamTest {
protected:
    StreamFaultTest() {
        faults_.stream_duplicate = 0.3;
        faults_.stream_reorder = 0.3;
        faults_.seed = 5;
    }
};

TEST_F(StreamFaultTest, DuplicatedAndReorderedDiffsAreCountedAndRecovered) {
    auto ws = WsClient::connect(base("ws") + "/ws/btcusdt@depth", Duration::from_seconds(5));
    ASSERT_TRUE(ws) << ws.error().to_string();
    ASSERT_TRUE(ws->send(R"({"method":"LIST_SUBSCRIPTIONS","id":1})"));
    ASSERT_TRUE(ws->read(Duration::from_seconds(5)));
    LocalOrderBook book;
    auto snapshot = rest_->depth("BTCUSDT", 5000);
    ASSERT_TRUE(snapshot);
    ASSERT_TRUE(book.on_snapshot(*snapshot));
    int resyncs = 0;
    for (int round = 0; round < 16; ++round) {
        clock_.advance(Duration::from_ms(1000));
        NewOrder taker;
        taker.symbol = "BTCUSDT";
        taker.type = "MARKET";
        taker.side = round % 2 == 0 ? Side::kBuy : Side::kSell;
        taker.quantity = *Qty::parse("0.0051");
        ASSERT_TRUE(rest_->place_order(taker));
        NewOrder maker;  // a second book change, so a held diff can come after a newer one
        maker.symbol = "BTCUSDT";
        maker.quantity = *Qty::parse("0.002");
        maker.price = snapshot->bids.front().first - Price::from_units(7 + round);
        ASSERT_TRUE(rest_->place_order(maker));
        exchange_->poll();  // releases a diff held back by the reorder fault
        const auto truth = catch_up(*ws, book);
        if (book.needs_snapshot()) {
            ++resyncs;
            auto fresh = rest_->depth("BTCUSDT", 5000);
            ASSERT_TRUE(fresh);
            ASSERT_TRUE(book.on_snapshot(*fresh));
            expect_equal(book, *fresh);
            continue;
        }
        ASSERT_EQ(book.update_id(), truth.last_update_id) << "round " << round;
        expect_equal(book, truth);
    }
    EXPECT_GT(book.counters().stale, 0);       // duplicates and late diffs were ignored
    EXPECT_GT(book.counters().gaps, 0);        // an early diff was seen as a gap...
    EXPECT_EQ(resyncs, book.counters().gaps);  // ...and each one was resynced
    // ...and recorded in the book's gap ledger with the snapshot that recovered it.
    ASSERT_EQ(static_cast<std::int64_t>(book.gaps().size()), book.counters().gaps);
    for (const auto& gap : book.gaps()) {
        EXPECT_LE(gap.missing_from, gap.missing_to);
        EXPECT_GT(gap.resynced_at, gap.missing_to);
    }
}

TEST(MarketEventParse, TradesAggTradesBookTickersAndBadMessages) {
    TradeEvent t;
    ASSERT_TRUE(parse_trade_event(
        R"({"e":"aggTrade","E":1,"s":"ETHUSDT","a":77,"p":"3000.5","q":"1.25","f":100,"l":104,)"
        R"("T":5,"m":true,"M":true,"x_new":{}})",
        t));
    EXPECT_TRUE(t.aggregate);
    EXPECT_EQ(t.id, 77);
    EXPECT_EQ(t.first_id, 100);
    EXPECT_EQ(t.last_id, 104);
    EXPECT_EQ(t.price, *Price::parse("3000.5"));
    EXPECT_EQ(t.qty, *Qty::parse("1.25"));
    EXPECT_TRUE(t.buyer_maker);
    ASSERT_TRUE(parse_trade_event(
        R"({"e":"trade","E":1,"s":"BTCUSDT","t":9,"p":"1","q":"2","T":3,"m":false})", t));
    EXPECT_EQ(t.first_id, 9);  // a single trade is its own range
    BookTickerEvent b;
    ASSERT_TRUE(parse_book_ticker(
        R"({"stream":"bnbusdt@bookTicker","data":{"u":400900217,"s":"BNBUSDT","b":"25.35190000",)"
        R"("B":"31.21000000","a":"25.36520000","A":"40.66000000"}})",
        b));
    EXPECT_EQ(b.update_id, 400900217);
    EXPECT_EQ(b.ask, *Price::parse("25.3652"));
    EXPECT_EQ(b.bid_qty, *Qty::parse("31.21"));
    for (const std::string& bad :
         {std::string("{"),
          std::string(R"({"e":"kline","s":"BTCUSDT"})"),
          std::string(R"({"e":"trade","s":"BTCUSDT","t":1,"p":"x","q":"1","T":1})"),
          std::string(R"({"e":"trade","s":"BTCUSDT","t":1,"p":"1","q":"1"})")}) {
        const auto s = parse_trade_event(bad, t);
        ASSERT_FALSE(s) << bad;
        EXPECT_EQ(s.error().code, ErrorCode::kParse);
    }
    EXPECT_FALSE(parse_book_ticker(R"({"u":1,"s":"X","b":"1","B":"1","a":"2"})", b));
    EXPECT_FALSE(
        parse_book_ticker(R"({"e":"trade","u":1,"s":"X","b":"1","B":"1","a":"2","A":"1"})", b));
}

TEST(KlineEventParse, WrappedRawUnknownFieldsAndBadMessages) {
    KlineEvent e;
    const std::string k =
        R"({"t":1733011200000,"T":1733011259999,"s":"BTCUSDT","i":"1m","f":1,"L":2,)"
        R"("o":"96000.01","c":"96010.50","h":"96020.00","l":"95990.00","v":"12.34567","n":321,)"
        R"("x":true,"q":"1185000.5","V":"6.1","Q":"585000.25","B":"0","new_field":[1,{"a":2}]})";
    ASSERT_TRUE(parse_kline_event(
        R"({"stream":"btcusdt@kline_1m","data":{"e":"kline","E":1,"s":"BTCUSDT","k":)" + k + "}}",
        e));
    EXPECT_EQ(e.symbol, "BTCUSDT");
    EXPECT_EQ(e.interval, "1m");
    EXPECT_TRUE(e.closed);
    EXPECT_EQ(e.bar.open_time, Timestamp::from_unix_ms(1733011200000));
    EXPECT_EQ(e.bar.close_time, Timestamp::from_unix_ms(1733011259999));
    EXPECT_EQ(e.bar.open, *Price::parse("96000.01"));
    EXPECT_EQ(e.bar.high, *Price::parse("96020"));
    EXPECT_EQ(e.bar.low, *Price::parse("95990"));
    EXPECT_EQ(e.bar.close, *Price::parse("96010.5"));
    EXPECT_EQ(e.bar.volume, *Qty::parse("12.34567"));
    EXPECT_EQ(e.bar.trade_count, 321);
    EXPECT_EQ(e.bar.taker_buy_quote_volume, *Money::parse("585000.25"));
    // Raw (single stream) form, an open bar.
    std::string open_bar = k;
    open_bar.replace(open_bar.find(R"("x":true)"), 8, R"("x":false)");
    ASSERT_TRUE(parse_kline_event(R"({"e":"kline","E":1,"s":"BTCUSDT","k":)" + open_bar + "}", e));
    EXPECT_FALSE(e.closed);
    // Broken input: a clear kParse, never a crash.
    for (const std::string& bad :
         {std::string("{not json"),
          std::string("[]"),
          std::string(R"({"e":"trade","s":"BTCUSDT","p":"1"})"),
          std::string(R"({"e":"kline","k":{"t":1,"T":2,"s":"BTCUSDT","o":"1","h":"1"}})"),
          std::string(R"({"e":"kline","k":{"t":1,"T":2,"s":"BTCUSDT","o":"x","h":"1","l":"1",)"
                      R"("c":"1","v":"1"}})"),
          std::string(R"({"e":"kline","k":"oops"})")}) {
        const auto s = parse_kline_event(bad, e);
        ASSERT_FALSE(s) << bad;
        EXPECT_EQ(s.error().code, ErrorCode::kParse) << bad;
    }
}

}  // namespace
}  // namespace ats::binance
