// The dashboard server's hot paths with Google Benchmark: /candles over 100k 1m bars (cached
// and with indicator columns), the hub's publish to 10 followers, and /status.
#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>

#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include "ats/server/api.hpp"
#include "ats/server/auth.hpp"
#include "ats/server/hub.hpp"

namespace {

namespace fs = std::filesystem;
using ats::server::Api;
using ats::server::Request;
using ats::server::Response;

/// 100,000 one-minute bars of a random walk (the server's speed does not depend on the prices).
void write_bars(const fs::path& file, std::size_t n) {
    std::ofstream out(file);
    std::mt19937_64 rng(42);
    std::normal_distribution<double> step(0.0, 0.001);
    double price = 50'000;
    std::int64_t t = 1'700'000'000'000;
    for (std::size_t i = 0; i < n; ++i, t += 60'000) {
        const double open = price;
        price *= std::exp(step(rng));
        const double high = std::max(open, price) * 1.0005;
        const double low = std::min(open, price) * 0.9995;
        out << fmt::format(
            "{},{:.2f},{:.2f},{:.2f},{:.2f},{:.5f},{},0,0\n",
            t,
            open,
            high,
            low,
            price,
            12.5 + i % 7,
            t + 59'999);
    }
}

struct Server {
    fs::path dir;
    std::unique_ptr<Api> api;
    std::string token;

    Server() {
        dir = fs::temp_directory_path() / "ats_server_bench";
        fs::remove_all(dir);
        fs::create_directories(dir / "data");
        write_bars(dir / "data" / "BTCUSDT_1m_synthetic.csv", 100'000);
        ats::server::ServerOptions o;
        o.db_path = (dir / "ats.db").string();
        o.data_dirs = {(dir / "data").string()};
        o.sessions_dir = (dir / "sessions").string();
        o.jobs_dir = (dir / "jobs").string();
        o.resume_sessions = false;
        api = std::move(*Api::create(o));
        (void)api->auth().add_user("bench", "bench-pass-1", ats::server::Role::kViewer);
        token = api->auth()
                    .login(
                        "bench",
                        "bench-pass-1",
                        "127.0.0.1",
                        ats::Timestamp::from_unix_ms(
                            std::chrono::duration_cast<std::chrono::milliseconds>(
                                std::chrono::system_clock::now().time_since_epoch())
                                .count()))
                    ->access_token;
    }
    ~Server() {
        api.reset();
        fs::remove_all(dir);
    }
    Response get(const std::string& target) {
        Request r;
        r.method = "GET";
        r.target = target;
        r.headers["authorization"] = "Bearer " + token;
        r.parse_target();
        return api->handle(r);
    }
};

Server& server() {
    static Server s;
    return s;
}

void BM_Candles100k(benchmark::State& state) {
    auto& s = server();
    const std::string target = "/api/v1/candles?symbol=BTCUSDT&interval=1m";
    auto warm = s.get(target);  // loads and caches the file
    if (warm.status != 200) {
        state.SkipWithError(warm.body.c_str());
        return;
    }
    std::size_t bytes = 0;
    for (auto _ : state) {
        auto r = s.get(target);
        bytes = r.body.size();
        benchmark::DoNotOptimize(r.body.data());
    }
    state.counters["bars"] = 100'000;
    state.counters["body_MB"] = static_cast<double>(bytes) / 1e6;
}
BENCHMARK(BM_Candles100k)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_Candles100kWithIndicators(benchmark::State& state) {
    auto& s = server();
    const std::string target =
        "/api/v1/candles?symbol=BTCUSDT&interval=1m&indicators=rsi:14,bbands:20:2:2,ema:50";
    for (auto _ : state) {
        auto r = s.get(target);
        benchmark::DoNotOptimize(r.body.data());
    }
}
BENCHMARK(BM_Candles100kWithIndicators)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_Candles100kFirstLoad(benchmark::State& state) {
    auto& s = server();
    const auto file = s.dir / "data" / "BTCUSDT_1m_synthetic.csv";
    const std::string target = "/api/v1/candles?symbol=BTCUSDT&interval=1m";
    for (auto _ : state) {
        state.PauseTiming();
        fs::last_write_time(
            file, fs::last_write_time(file) + std::chrono::seconds(1));  // not cached
        state.ResumeTiming();
        auto r = s.get(target);
        benchmark::DoNotOptimize(r.body.data());
    }
}
BENCHMARK(BM_Candles100kFirstLoad)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_Status(benchmark::State& state) {
    auto& s = server();
    for (auto _ : state) {
        auto r = s.get("/api/v1/status");
        benchmark::DoNotOptimize(r.body.data());
    }
}
BENCHMARK(BM_Status)->Unit(benchmark::kMicrosecond);

/// A follower that accepts everything (the hub's own cost, without sockets).
class NullPeer final : public ats::server::WsPeer {
public:
    bool send(std::shared_ptr<const std::string> text) override {
        benchmark::DoNotOptimize(text.get());
        return true;
    }
    std::size_t queued() const override { return 0; }
    void close() override {}
};

void BM_HubPublishTo10(benchmark::State& state) {
    ats::server::Hub hub;
    for (int i = 0; i < 10; ++i) {
        const auto c = hub.attach(std::make_shared<NullPeer>(), {});
        hub.subscribe(c, "s1", {"*"});
    }
    const std::string data =
        R"({"order_id":"paper-123","symbol":"BTCUSDT","side":"BUY","qty":"0.10358329","price":"96444.22","fee":"9.99000961","maker":false,"time_ms":1733010180000})";
    for (auto _ : state) {
        benchmark::DoNotOptimize(hub.publish("s1", "fills", data));
    }
    state.SetItemsProcessed(state.iterations() * 10);  // deliveries
}
BENCHMARK(BM_HubPublishTo10);

}  // namespace
