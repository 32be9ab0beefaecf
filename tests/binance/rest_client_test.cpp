#include "ats/binance/rest_client.hpp"

#include <atomic>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include <gtest/gtest.h>
#include <unistd.h>

#include "ats/binance/kline_download.hpp"
#include "ats/core/clock.hpp"
#include "ats/core/log.hpp"
#include "ats/data/kline_csv.hpp"
#include "ats/exchange_sim/exchange.hpp"
#include "ats/exchange_sim/http_server.hpp"

namespace ats::binance {
namespace {

constexpr const char* kKey = "rest-test-key-0123456789";
constexpr const char* kSecret = "rest-test-secret-abcdefghijklmnop";

/// A clock both the simulator (server thread) and the client (test thread) read; the client's
/// sleeper advances it, so waits cost no real time.
class SharedClock final : public Clock {
public:
    explicit SharedClock(std::int64_t ms) : ns_(ms * 1'000'000) {}
    Timestamp now() const override { return Timestamp::from_unix_ns(ns_.load()); }
    void advance(Duration d) { ns_ += d.ns(); }

private:
    std::atomic<std::int64_t> ns_;
};

/// Another view of a clock, shifted (a client whose clock is off).
class OffsetClock final : public Clock {
public:
    OffsetClock(const Clock& base, Duration offset) : base_(base), offset_(offset) {}
    Timestamp now() const override { return base_.now() + offset_; }

private:
    const Clock& base_;
    Duration offset_;
};

class RestClientTest : public ::testing::Test {
protected:
    void start(
        exchange_sim::ExchangeConfig config,
        std::size_t drop_from = 0,
        std::size_t drop_count = 0) {
        auto loaded = data::load_klines_csv(
            std::string(ATS_TEST_DATA_DIR) + "/BTCUSDT-1m-2024-12-02-positional.csv", {});
        ASSERT_TRUE(loaded) << loaded.error().to_string();
        auto spec = exchange_sim::make_symbol_spec("BTCUSDT");
        ASSERT_TRUE(spec);
        spec->interval = loaded->series.interval();
        for (std::size_t i = 0; i < loaded->series.size(); ++i) {
            bars_.push_back(loaded->series.bar(i));
        }
        for (std::size_t i = 0; i < bars_.size(); ++i) {
            if (i < drop_from || i >= drop_from + drop_count) {
                spec->bars.push_back(bars_[i]);
            }
        }
        config.api_key = kKey;
        config.api_secret = kSecret;
        config.bar_period_ms = 0;
        config.start_bar = spec->bars.size() - 1;
        if (config.balances.empty()) {
            config.balances = {{"USDT", Money::from_units(100'000).raw()}};
        }
        auto exchange = exchange_sim::Exchange::create(config, {std::move(*spec)}, clock_);
        ASSERT_TRUE(exchange) << exchange.error().to_string();
        exchange_ = std::move(*exchange);
        auto* venue = exchange_.get();
        auto server = exchange_sim::HttpServer::start(
            "127.0.0.1", 0, [venue](const exchange_sim::HttpRequest& r) {
                return venue->handle(r);
            });
        ASSERT_TRUE(server) << server.error().to_string();
        server_ = std::move(*server);
    }

    RestClient client(const Clock& clock, RestConfig config = {}) {
        config.base_url = "http://127.0.0.1:" + std::to_string(server_->port());
        config.api_key = kKey;
        config.api_secret = kSecret;
        auto made = RestClient::create(config, clock, [this](Duration d) {
            waited_ += d.ns();
            clock_.advance(d);
        });
        EXPECT_TRUE(made) << made.error().to_string();
        return std::move(*made);
    }

    std::string temp_file(const std::string& name) {
        auto path = std::filesystem::temp_directory_path() /
                    ("ats_rest_" + std::to_string(::getpid()) + "_" + name);
        std::filesystem::remove(path);
        files_.push_back(path);
        return path.string();
    }

    void TearDown() override {
        if (server_) {
            server_->stop();
        }
        for (const auto& f : files_) {
            std::filesystem::remove(f);
        }
    }

    SharedClock clock_{1'767'225'600'000};
    std::vector<model::Bar> bars_;
    std::unique_ptr<exchange_sim::Exchange> exchange_;
    std::unique_ptr<exchange_sim::HttpServer> server_;
    std::vector<std::filesystem::path> files_;
    std::int64_t waited_ = 0;
};

TEST_F(RestClientTest, DownloadPaginatesResumesAndEqualsTheSource) {
    start({});
    auto rest = client(clock_);
    const auto path = temp_file("download.csv");
    DownloadRequest request{
        "BTCUSDT", "1m", bars_[0].open_time.unix_ms(), bars_[720].open_time.unix_ms(), path, 100};
    auto first = download_klines(rest, request);
    ASSERT_TRUE(first) << first.error().to_string();
    EXPECT_EQ(first->bars_written, 720U);
    EXPECT_EQ(first->pages, 8U);
    EXPECT_TRUE(first->gaps.empty());
    {
        std::ofstream torn(path, std::ios::app);
        torn << "1733";  // an interrupted write
    }
    request.to_ms = bars_.back().close_time.unix_ms() + 1;
    std::int64_t progress_calls = 0;
    auto second = download_klines(
        rest, request, [&](std::int64_t, const DownloadReport&) { ++progress_calls; });
    ASSERT_TRUE(second) << second.error().to_string();
    EXPECT_EQ(second->bars_already_present, 720U);
    EXPECT_EQ(second->bars_written, 720U);
    EXPECT_EQ(progress_calls, 8);
    auto loaded = data::load_klines_csv(path, {});
    ASSERT_TRUE(loaded) << loaded.error().to_string();
    ASSERT_EQ(loaded->series.size(), bars_.size());
    for (std::size_t i = 0; i < bars_.size(); ++i) {
        const auto bar = loaded->series.bar(i);
        ASSERT_EQ(bar.open_time, bars_[i].open_time) << i;
        ASSERT_EQ(bar.close, bars_[i].close) << i;
        ASSERT_EQ(bar.volume, bars_[i].volume) << i;
        ASSERT_EQ(bar.quote_volume, bars_[i].quote_volume) << i;
    }
}

TEST_F(RestClientTest, DownloadReportsGapsInTheExchangeData) {
    start({}, 300, 7);
    auto rest = client(clock_);
    const auto path = temp_file("gaps.csv");
    auto report = download_klines(
        rest,
        {"BTCUSDT",
         "1m",
         bars_[0].open_time.unix_ms(),
         bars_[600].open_time.unix_ms(),
         path,
         1000});
    ASSERT_TRUE(report) << report.error().to_string();
    EXPECT_EQ(report->bars_written, 593U);
    ASSERT_EQ(report->gaps.size(), 1U);
    EXPECT_EQ(report->gaps[0].first, bars_[300].open_time.unix_ms());
    EXPECT_EQ(report->gaps[0].second, bars_[307].open_time.unix_ms());
    EXPECT_EQ(report->missing_bars, 7U);
}

TEST_F(RestClientTest, RateLimitRepliesAreWaitedOutAndNothingIsLost) {
    exchange_sim::ExchangeConfig config;
    config.faults.error_429 = 0.3;
    config.faults.error_5xx = 0.2;
    config.faults.seed = 11;
    start(config);
    auto rest = client(clock_);
    const auto path = temp_file("faults.csv");
    auto report = download_klines(
        rest,
        {"BTCUSDT", "1m", bars_[0].open_time.unix_ms(), bars_[1000].open_time.unix_ms(), path, 50});
    ASSERT_TRUE(report) << report.error().to_string();
    EXPECT_EQ(report->bars_written, 1000U);
    EXPECT_GT(rest.stats().rate_limited, 0);
    EXPECT_GT(rest.stats().server_errors, 0);
    EXPECT_GE(waited_, rest.stats().rate_limited * 1'000'000'000);  // Retry-After: 1 s each
    auto loaded = data::load_klines_csv(path, {});
    ASSERT_TRUE(loaded);
    EXPECT_EQ(loaded->series.size(), 1000U);
}

TEST_F(RestClientTest, StaysUnderTheWeightLimitByWaitingForTheNextMinute) {
    exchange_sim::ExchangeConfig config;
    config.weight_limit_per_minute = 60;
    start(config);
    RestConfig rc;
    rc.weight_limit_per_minute = 60;
    auto rest = client(clock_, rc);
    const auto path = temp_file("weight.csv");
    auto report = download_klines(
        rest,
        {"BTCUSDT", "1m", bars_[0].open_time.unix_ms(), bars_[800].open_time.unix_ms(), path, 20});
    ASSERT_TRUE(report) << report.error().to_string();
    EXPECT_EQ(report->bars_written, 800U);
    EXPECT_GE(rest.stats().weight_pauses, 1);
    EXPECT_EQ(rest.stats().rate_limited, 0);  // never hit the exchange's limit
    EXPECT_LE(rest.stats().used_weight, 60);
}

TEST_F(RestClientTest, SignedOrderLifecycleAndBalances) {
    start({});
    auto rest = client(clock_);
    NewOrder order;
    order.symbol = "BTCUSDT";
    order.quantity = *Qty::parse("0.01");
    order.price = *Price::parse("50000");
    order.client_order_id = "life-1";
    auto placed = rest.place_order(order);
    ASSERT_TRUE(placed) << placed.error().to_string();
    EXPECT_EQ(placed->status, "NEW");
    auto balances = rest.balances();
    ASSERT_TRUE(balances) << balances.error().to_string();
    bool saw_usdt = false;
    for (const auto& b : *balances) {
        if (b.asset == "USDT") {
            saw_usdt = true;
            EXPECT_EQ(b.locked, *Qty::parse("500"));
        }
    }
    EXPECT_TRUE(saw_usdt);
    auto queried = rest.query_order("BTCUSDT", "life-1");
    ASSERT_TRUE(queried);
    EXPECT_EQ(queried->order_id, placed->order_id);
    auto canceled = rest.cancel_order("BTCUSDT", "life-1");
    ASSERT_TRUE(canceled) << canceled.error().to_string();
    EXPECT_EQ(canceled->status, "CANCELED");
    // The client registered its key and secret with the log redactor.
    EXPECT_EQ(
        log::redact(std::string("key ") + kKey + " secret " + kSecret).find(kSecret),
        std::string::npos);
    EXPECT_EQ(log::redact(std::string("key ") + kKey).find(kKey), std::string::npos);
    auto missing = rest.query_order("BTCUSDT", "never-sent");
    ASSERT_FALSE(missing);
    EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
}

TEST_F(RestClientTest, SkewedClockIsCorrectedFromServerTime) {
    start({});
    OffsetClock ahead(clock_, Duration::from_seconds(3600));
    auto rest = client(ahead);
    // The first signed call gets -1021, resyncs the offset and succeeds.
    auto balances = rest.balances();
    ASSERT_TRUE(balances) << balances.error().to_string();
    EXPECT_NEAR(static_cast<double>(rest.time_offset_ms()), -3'600'000.0, 50.0);
}

TEST_F(RestClientTest, UnknownOrderStatusIsQueriedSoNoOrderIsSentTwice) {
    exchange_sim::ExchangeConfig config;
    config.faults.error_5xx = 0.35;
    config.faults.executed_before_5xx = 0.5;
    config.faults.seed = 3;
    config.balances = {{"USDT", Money::from_units(100'000).raw()}};
    start(config);
    RestConfig rc;
    rc.max_attempts = 20;
    auto rest = client(clock_, rc);
    constexpr int kOrders = 30;
    const Timestamp began = clock_.now();
    for (int i = 0; i < kOrders; ++i) {
        NewOrder order;
        order.symbol = "BTCUSDT";
        order.type = "MARKET";
        order.quantity = *Qty::parse("0.001");
        order.client_order_id = "idem-" + std::to_string(i);
        auto placed = rest.place_order(order);
        ASSERT_TRUE(placed) << i << ": " << placed.error().to_string();
        EXPECT_EQ(placed->status, "FILLED");
        EXPECT_EQ(placed->client_order_id, order.client_order_id);
    }
    EXPECT_EQ(exchange_->orders_accepted(), static_cast<std::size_t>(kOrders));
    EXPECT_GT(rest.stats().unknown_order_status, 0);
    EXPECT_GT(rest.stats().order_resends, 0);
    // Each unknown was queried only once its request could no longer land: after its
    // timestamp + recvWindow (5 s) + 1 s, on the (simulated) clock.
    EXPECT_GE(
        (clock_.now() - began).ms(),
        static_cast<std::int64_t>(rest.stats().unknown_order_status) * 6000);
    // Exactly 30 fills of 0.001 BTC minus 10 bps: a duplicate would show here.
    auto balances = rest.balances();
    ASSERT_TRUE(balances);
    for (const auto& b : *balances) {
        if (b.asset == "BTC") {
            EXPECT_EQ(b.free, *Qty::parse("0.02997"));
        }
    }
}

TEST(HttpClientTest, RejectsUrlsItCannotServe) {
    EXPECT_FALSE(HttpClient::create("ftp://api.binance.com", Duration::from_seconds(1)));
    EXPECT_FALSE(HttpClient::create("https://", Duration::from_seconds(1)));
    // https connects lazily: creating the client contacts nobody.
    EXPECT_TRUE(HttpClient::create("https://api.binance.com", Duration::from_seconds(1)));
    EXPECT_FALSE(HttpClient::create("http://", Duration::from_seconds(1)));
    EXPECT_TRUE(HttpClient::create("http://127.0.0.1:1/x/", Duration::from_seconds(1)));
}

TEST(HttpClientTest, ConnectionRefusedIsUnavailable) {
    // Bind then close a server to get a port nobody listens on.
    auto server =
        exchange_sim::HttpServer::start("127.0.0.1", 0, [](const exchange_sim::HttpRequest&) {
            return exchange_sim::HttpResponse{};
        });
    ASSERT_TRUE(server);
    const auto port = (*server)->port();
    server->reset();
    auto client =
        HttpClient::create("http://127.0.0.1:" + std::to_string(port), Duration::from_seconds(2));
    ASSERT_TRUE(client);
    auto reply = client->request("GET", "/api/v3/ping", "", {});
    ASSERT_FALSE(reply);
    EXPECT_EQ(reply.error().code, ErrorCode::kUnavailable);
}

}  // namespace
}  // namespace ats::binance
