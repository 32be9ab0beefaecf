#include <atomic>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include <gtest/gtest.h>

#include "ats/binance/binance_venue.hpp"
#include "ats/binance/rest_client.hpp"
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
            "127.0.0.1", 0, [sim](const exchange_sim::HttpRequest& r) { return sim->handle(r); });
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

}  // namespace
}  // namespace ats::binance
