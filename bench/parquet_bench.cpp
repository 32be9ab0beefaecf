// Parquet against CSV on a year of 1m bars (525,600 rows, the bundled real December 2024 BTCUSDT
// minutes repeated with shifted times, in Binance's 12-column CSV layout), side by side:
//   BM_Bars_LoadCsv            the project's CSV loader (load_klines_csv)
//   BM_Bars_LoadParquet/c      load_bars_parquet into a BarSeries (c: 0 none, 1 snappy, 2 zstd)
//   BM_Parquet_DecodeColumns/c the format layer alone: every column decoded, no BarSeries
//   BM_Bars_WriteParquet/c     write_bars_parquet;  BM_Bars_WriteCsv: write_klines_csv
// Counters: rows_per_s, and for Parquet the file size as a fraction of the CSV's (size_vs_csv).
// Redis (a redis-server started on a free 127.0.0.1 port when the binary is on PATH):
//   BM_Redis_Publish/b         EventPublisher, b events per pipelined round trip (1 = none)
//   BM_Paper_Redis/r           a paper session on the December 1m bars, r = 1 with publishing
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <arpa/inet.h>
#include <benchmark/benchmark.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ats/backtest/backtest.hpp"
#include "ats/data/kline_csv.hpp"
#include "ats/data/parquet_bars.hpp"
#include "ats/parquet/reader.hpp"
#include "ats/redis/event_publisher.hpp"
#include "ats/runtime/paper_session.hpp"

namespace {

namespace fs = std::filesystem;
constexpr std::size_t kRows = 525'600;

std::string temp(const std::string& name) {
    return (fs::temp_directory_path() /
            ("ats_parquet_bench_" + std::to_string(::getpid()) + "_" + name))
        .string();
}

const std::string& year_csv() {
    static const std::string path = [] {
        const std::string out = temp("year.csv");
        std::ifstream in(std::string(ATS_BUNDLED_DATA_DIR) + "/BTCUSDT_1m_2024-12.csv");
        std::string line;
        std::getline(in, line);
        std::vector<std::vector<std::string>> rows;
        while (std::getline(in, line)) {
            std::vector<std::string> fields;
            std::stringstream ss(line);
            std::string f;
            while (std::getline(ss, f, ',')) {
                fields.push_back(f);
            }
            rows.push_back(fields);
        }
        std::ofstream o(out);
        const long long start = 1704067200000LL;  // NOLINT(google-runtime-int): 2024-01-01
        for (std::size_t i = 0; i < kRows; ++i) {
            const auto& r = rows[i % rows.size()];
            const long long t =
                start + static_cast<long long>(i) * 60000;  // NOLINT(google-runtime-int)
            o << t << ',' << r[2] << ',' << r[3] << ',' << r[4] << ',' << r[5] << ',' << r[6] << ','
              << (t + 59999) << ',' << r[7] << ',' << r[8] << ",0,0,0\n";
        }
        return out;
    }();
    return path;
}

const ats::model::BarSeries& year_series() {
    static const ats::model::BarSeries series = [] {
        auto loaded = ats::data::load_klines_csv(year_csv(), {});
        auto s = std::move(loaded->series);
        s.set_symbol(*ats::Symbol::parse("BTCUSDT"));
        return s;
    }();
    return series;
}

ats::parquet::Codec codec_of(std::int64_t c) {
    return c == 0   ? ats::parquet::Codec::kUncompressed
           : c == 1 ? ats::parquet::Codec::kSnappy
                    : ats::parquet::Codec::kZstd;
}

ats::data::ParquetWriteOptions options_of(std::int64_t c) {
    ats::data::ParquetWriteOptions o;
    o.codec = codec_of(c);
    o.sync = false;
    return o;
}

const std::string& year_parquet(std::int64_t c) {
    static std::string paths[3];
    auto& p = paths[c];
    if (p.empty()) {
        p = temp("year_" + std::to_string(c) + ".parquet");
        if (!ats::data::write_bars_parquet(year_series(), p, options_of(c))) {
            std::abort();
        }
    }
    return p;
}

void rate(benchmark::State& state) {
    state.counters["rows_per_s"] = benchmark::Counter(
        static_cast<double>(kRows) * static_cast<double>(state.iterations()),
        benchmark::Counter::kIsRate);
}

void BM_Bars_LoadCsv(benchmark::State& state) {
    const auto& path = year_csv();
    for ([[maybe_unused]] auto _ : state) {
        auto loaded = ats::data::load_klines_csv(path, {});
        if (!loaded || loaded->series.size() != kRows) {
            state.SkipWithError("load failed");
            return;
        }
        benchmark::DoNotOptimize(loaded->series.close().data());
    }
    rate(state);
    state.counters["bytes"] = static_cast<double>(fs::file_size(path));
}

void BM_Bars_LoadParquet(benchmark::State& state) {
    const auto& path = year_parquet(state.range(0));
    for ([[maybe_unused]] auto _ : state) {
        auto loaded = ats::data::load_bars_parquet(path, {});
        if (!loaded || loaded->series.size() != kRows) {
            state.SkipWithError(loaded ? "wrong row count" : loaded.error().message.c_str());
            return;
        }
        benchmark::DoNotOptimize(loaded->series.close().data());
    }
    rate(state);
    state.counters["bytes"] = static_cast<double>(fs::file_size(path));
    state.counters["size_vs_csv"] =
        static_cast<double>(fs::file_size(path)) / static_cast<double>(fs::file_size(year_csv()));
}

void BM_Parquet_DecodeColumns(benchmark::State& state) {
    const auto& path = year_parquet(state.range(0));
    for ([[maybe_unused]] auto _ : state) {
        auto file = ats::parquet::FileReader::open(path);
        if (!file) {
            state.SkipWithError(file.error().message.c_str());
            return;
        }
        const auto& meta = file->metadata();
        for (std::size_t c = 0; c < meta.columns.size(); ++c) {
            const auto& s = meta.columns[c];
            ats::parquet::ColumnData col(s.type, s.type_length);
            col.reserve(kRows);
            for (std::size_t g = 0; g < meta.row_groups.size(); ++g) {
                if (!file->read_column_into(g, c, col)) {
                    state.SkipWithError("decode failed");
                    return;
                }
            }
            benchmark::DoNotOptimize(col.bytes.data());
            benchmark::DoNotOptimize(col.int64s.data());
        }
    }
    rate(state);
}

void BM_Bars_WriteParquet(benchmark::State& state) {
    const auto& series = year_series();
    const std::string path = temp("write.parquet");
    for ([[maybe_unused]] auto _ : state) {
        if (!ats::data::write_bars_parquet(series, path, options_of(state.range(0)))) {
            state.SkipWithError("write failed");
            return;
        }
    }
    rate(state);
    state.counters["size_vs_csv"] =
        static_cast<double>(fs::file_size(path)) / static_cast<double>(fs::file_size(year_csv()));
    fs::remove(path);
}

void BM_Bars_WriteCsv(benchmark::State& state) {
    const auto& series = year_series();
    const std::string path = temp("write.csv");
    for ([[maybe_unused]] auto _ : state) {
        if (!ats::data::write_klines_csv(series, path)) {
            state.SkipWithError("write failed");
            return;
        }
    }
    rate(state);
    fs::remove(path);
}

BENCHMARK(BM_Bars_LoadCsv)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Bars_LoadParquet)->Arg(0)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Parquet_DecodeColumns)->Arg(0)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Bars_WriteCsv)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Bars_WriteParquet)->Arg(0)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond);

// ---- Redis

class LocalRedis {
public:
    LocalRedis() {
        const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
        socklen_t len = sizeof addr;
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
        ::close(fd);
        port_ = ntohs(addr.sin_port);
        pid_ = ::fork();
        if (pid_ == 0) {
            const std::string port = std::to_string(port_);
            ::execlp(
                "redis-server",
                "redis-server",
                "--port",
                port.c_str(),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--loglevel",
                "warning",
                static_cast<char*>(nullptr));
            std::_Exit(127);
        }
        for (int i = 0; i < 300; ++i) {
            if (ats::redis::Connection::connect(endpoint())) {
                ok_ = true;
                return;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
    }
    ~LocalRedis() {
        if (pid_ > 0) {
            ::kill(pid_, SIGTERM);
            ::waitpid(pid_, nullptr, 0);
        }
    }
    bool ok() const { return ok_; }
    ats::redis::Endpoint endpoint() const {
        ats::redis::Endpoint e;
        e.port = port_;
        return e;
    }

private:
    int port_ = 0;
    pid_t pid_ = -1;
    bool ok_ = false;
};

LocalRedis& redis_server() {
    static LocalRedis server;
    return server;
}

ats::model::Event bar_event(int i) {
    ats::model::Bar b;
    b.open_time = ats::Timestamp::from_unix_ms(1'733'011'200'000 + i * 60'000LL);
    b.close_time = b.open_time + ats::Duration::from_ms(59'999);
    b.open = ats::Price::from_raw(9'600'000'000'000 + i);
    b.high = b.open;
    b.low = b.open;
    b.close = b.open;
    b.volume = ats::Qty::from_raw(123'456'789);
    return ats::model::MarketData{b.close_time, b.close_time, *ats::Symbol::parse("BTCUSDT"), b};
}

void BM_Redis_Publish(benchmark::State& state) {
    auto& server = redis_server();
    if (!server.ok()) {
        state.SkipWithError("redis-server not available");
        return;
    }
    ats::redis::PublisherConfig config;
    config.endpoint = server.endpoint();
    config.stream = "bench:events";
    config.batch = static_cast<std::size_t>(state.range(0));
    config.max_len = 100'000;
    auto publisher = ats::redis::EventPublisher::start(config);
    constexpr int kEvents = 50'000;
    std::vector<ats::model::Event> events;
    for (int i = 0; i < kEvents; ++i) {
        events.push_back(bar_event(i));
    }
    for ([[maybe_unused]] auto _ : state) {
        for (const auto& e : events) {
            (*publisher)->on_event(e);
        }
        if (!(*publisher)->flush(std::chrono::seconds(60))) {
            state.SkipWithError("flush timed out");
            return;
        }
    }
    state.counters["events_per_s"] = benchmark::Counter(
        static_cast<double>(kEvents) * static_cast<double>(state.iterations()),
        benchmark::Counter::kIsRate);
}
BENCHMARK(BM_Redis_Publish)
    ->Arg(1)
    ->Arg(64)
    ->Arg(512)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

void BM_Paper_Redis(benchmark::State& state) {
    static const ats::model::BarSeries bars = [] {
        auto loaded = ats::data::load_klines_csv(
            std::string(ATS_BUNDLED_DATA_DIR) + "/BTCUSDT_1m_2024-12.csv", {});
        return std::move(loaded->series);
    }();
    std::unique_ptr<ats::redis::EventPublisher> publisher;
    if (state.range(0) == 1) {
        auto& server = redis_server();
        if (!server.ok()) {
            state.SkipWithError("redis-server not available");
            return;
        }
        ats::redis::PublisherConfig config;
        config.endpoint = server.endpoint();
        config.stream = "bench:paper";
        publisher = std::move(*ats::redis::EventPublisher::start(config));
    }
    std::vector<ats::runtime::PaperAsset> assets{
        {ats::backtest::default_instrument(*ats::Symbol::parse("BTCUSDT")), bars}};
    ats::runtime::PaperConfig c;
    c.strategy = "sma_cross";
    c.params = {{"fast", 10}, {"slow", 30}};
    c.venue.fees = ats::sim::FeeModel{10, 10};
    c.observer = publisher.get();
    c.state_path = temp("paper.db");
    std::uint64_t events = 0;
    for ([[maybe_unused]] auto _ : state) {
        state.PauseTiming();
        for (const char* suffix : {"", "-wal", "-shm"}) {
            fs::remove(c.state_path + suffix);
        }
        state.ResumeTiming();
        auto r = ats::runtime::run_paper(c, assets);
        if (!r) {
            state.SkipWithError(r.error().message.c_str());
            return;
        }
        events += r->events;
        state.PauseTiming();  // the drain after the session is not the session's time
        if (publisher && !publisher->flush(std::chrono::seconds(30))) {
            state.SkipWithError("flush timed out");
            return;
        }
        state.ResumeTiming();
    }
    for (const char* suffix : {"", "-wal", "-shm"}) {
        fs::remove(c.state_path + suffix);
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(events));
}
BENCHMARK(BM_Paper_Redis)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
