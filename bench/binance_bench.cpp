// Market-data hot paths of the Binance adapter: parsing depthUpdate messages (simdjson, decimals
// straight to fixed point) and applying their levels to the local order book. Messages are built
// like Binance's (and the simulator's) depth diffs: 10 bid and 10 ask levels, prices within the
// 5,000 ticks (0.01) per side a Binance snapshot covers around 96,000 USDT, ~2 % of them zero
// quantities (level removals).
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include "ats/binance/kline_event.hpp"
#include "ats/binance/local_book.hpp"
#include "ats/binance/market_events.hpp"
#include "ats/binance/signing.hpp"

namespace {

std::vector<std::string> make_messages(std::size_t count, std::size_t levels) {
    std::mt19937_64 rng(42);
    std::uniform_int_distribution<int> offset(0, 4'999);  // ticks from the touch
    std::uniform_int_distribution<int> qty(0, 500'000);
    std::uniform_int_distribution<int> removal(0, 49);
    std::vector<std::string> out;
    std::int64_t id = 1000;
    for (std::size_t i = 0; i < count; ++i) {
        std::string bids;
        std::string asks;
        for (std::size_t l = 0; l < levels; ++l) {
            const auto q = removal(rng) == 0 ? 0 : qty(rng);
            const auto bid_ticks = 9'600'000 - offset(rng);
            const auto ask_ticks = 9'600'001 + offset(rng);
            bids += fmt::format(
                R"({}["{}.{:02}","{}.{:05}"])",
                l == 0 ? "" : ",",
                bid_ticks / 100,
                bid_ticks % 100,
                q / 100'000,
                q % 100'000);
            asks += fmt::format(
                R"({}["{}.{:02}","{}.{:05}"])",
                l == 0 ? "" : ",",
                ask_ticks / 100,
                ask_ticks % 100,
                q / 100'000,
                (q * 7) % 100'000);
        }
        out.push_back(fmt::format(
            R"({{"e":"depthUpdate","E":1733011200000,"s":"BTCUSDT","U":{},"u":{},"b":[{}],"a":[{}]}})",
            id + 1,
            id + 3,
            bids,
            asks));
        id += 3;
    }
    return out;
}

void BM_DepthUpdate_Parse(benchmark::State& state) {
    const auto messages = make_messages(4096, 10);
    ats::binance::DepthUpdate update;
    std::size_t i = 0;
    for ([[maybe_unused]] auto _ : state) {
        auto parsed = ats::binance::parse_depth_update(messages[i], update);
        benchmark::DoNotOptimize(parsed);
        i = i + 1 == messages.size() ? 0 : i + 1;  // no division in the timed loop
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_DepthUpdate_Parse);

// The other market streams, as the simulator and Binance send them (combined-stream wrapped).
std::vector<std::string> make_stream_messages(int kind) {
    std::mt19937_64 rng(7);
    std::uniform_int_distribution<int> cents(0, 99'999);
    std::vector<std::string> out;
    for (int i = 0; i < 4096; ++i) {
        const int c = cents(rng);
        if (kind == 0) {
            out.push_back(fmt::format(
                R"({{"stream":"btcusdt@trade","data":{{"e":"trade","E":1733011200{:03},"s":"BTCUSDT",)"
                R"("t":{},"p":"96{:03}.{:02}","q":"0.{:05}","T":1733011200{:03},"m":{},"M":true}}}})",
                i % 1000,
                4'000'000 + i,
                c / 100,
                c % 100,
                c % 100'000,
                i % 1000,
                c % 2 == 0 ? "true" : "false"));
        } else if (kind == 1) {
            out.push_back(fmt::format(
                R"({{"stream":"btcusdt@bookTicker","data":{{"u":{},"s":"BTCUSDT","b":"96{:03}.{:02}",)"
                R"("B":"1.{:05}","a":"96{:03}.{:02}","A":"0.{:05}"}}}})",
                400'000'000 + i,
                c / 100,
                c % 100,
                c % 100'000,
                c / 100,
                (c % 100) + 1,
                (c * 3) % 100'000));
        } else {
            out.push_back(fmt::format(
                R"({{"stream":"btcusdt@kline_1m","data":{{"e":"kline","E":1,"s":"BTCUSDT","k":{{)"
                R"("t":{},"T":{},"s":"BTCUSDT","i":"1m","f":1,"L":2,"o":"96{:03}.{:02}",)"
                R"("c":"96{:03}.{:02}","h":"96999.99","l":"96000.00","v":"12.{:05}","n":321,)"
                R"("x":true,"q":"1185000.5","V":"6.1","Q":"585000.25","B":"0"}}}}}})",
                1733011200000 + 60'000 * i,
                1733011259999 + 60'000 * i,
                c / 100,
                c % 100,
                (c / 7) % 1000,
                c % 100,
                c % 100'000));
        }
    }
    return out;
}

void BM_Trade_Parse(benchmark::State& state) {
    const auto messages = make_stream_messages(0);
    ats::binance::TradeEvent event;
    std::size_t i = 0;
    for ([[maybe_unused]] auto _ : state) {
        auto parsed = ats::binance::parse_trade_event(messages[i++ % messages.size()], event);
        benchmark::DoNotOptimize(parsed);
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Trade_Parse);

void BM_BookTicker_Parse(benchmark::State& state) {
    const auto messages = make_stream_messages(1);
    ats::binance::BookTickerEvent event;
    std::size_t i = 0;
    for ([[maybe_unused]] auto _ : state) {
        auto parsed = ats::binance::parse_book_ticker(messages[i++ % messages.size()], event);
        benchmark::DoNotOptimize(parsed);
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_BookTicker_Parse);

void BM_Kline_Parse(benchmark::State& state) {
    const auto messages = make_stream_messages(2);
    ats::binance::KlineEvent event;
    std::size_t i = 0;
    for ([[maybe_unused]] auto _ : state) {
        auto parsed = ats::binance::parse_kline_event(messages[i++ % messages.size()], event);
        benchmark::DoNotOptimize(parsed);
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Kline_Parse);

void BM_LocalBook_ApplyLevels(benchmark::State& state) {
    const auto messages = make_messages(4096, 10);
    std::vector<ats::binance::DepthUpdate> updates(messages.size());
    for (std::size_t i = 0; i < messages.size(); ++i) {
        (void)ats::binance::parse_depth_update(messages[i], updates[i]);
    }
    ats::binance::LocalOrderBook book;
    std::size_t i = 0;
    for ([[maybe_unused]] auto _ : state) {
        book.apply_levels(updates[i]);
        i = i + 1 == updates.size() ? 0 : i + 1;
    }
    state.SetItemsProcessed(state.iterations() * 20);  // level updates
}
BENCHMARK(BM_LocalBook_ApplyLevels);

// The signature of a typical order query (the last step before an order's bytes go out).
void BM_HmacSha256_OrderQuery(benchmark::State& state) {
    const std::string secret(64, 'k');
    const std::string query =
        "symbol=BTCUSDT&side=BUY&type=MARKET&quoteOrderQty=1000.00000000&"
        "newClientOrderId=ats-1-42&newOrderRespType=FULL&recvWindow=5000&timestamp=1733011200000";
    for ([[maybe_unused]] auto _ : state) {
        benchmark::DoNotOptimize(ats::binance::hmac_sha256_hex(secret, query));
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_HmacSha256_OrderQuery);

}  // namespace
