// Kline CSV bulk load: ats's reader against a naive std::getline + std::stod reader, side by side
// on the same file. The file is a year of 1m bars (525,600 rows) in Binance's 12-column layout,
// built from the bundled real December 2024 BTCUSDT minutes repeated with shifted times.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "ats/data/kline_csv.hpp"

namespace {

constexpr std::size_t kRows = 525'600;

const std::string& year_file() {
    static const std::string path = [] {
        const std::string out =
            (std::filesystem::temp_directory_path() / "ats_bench_btcusdt_1m_year.csv").string();
        std::ifstream in(std::string(ATS_BUNDLED_DATA_DIR) + "/BTCUSDT_1m_2024-12.csv");
        std::string line;
        std::getline(in, line);  // header
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
        const long long start = 1704067200000LL;  // 2024-01-01
        for (std::size_t i = 0; i < kRows; ++i) {
            const auto& r = rows[i % rows.size()];
            const long long t = start + static_cast<long long>(i) * 60000;
            // open_time,open_time_utc,open,high,low,close,volume,quote_volume,trades
            o << t << ',' << r[2] << ',' << r[3] << ',' << r[4] << ',' << r[5] << ',' << r[6] << ','
              << (t + 59999) << ',' << r[7] << ',' << r[8] << ",0,0,0\n";
        }
        return out;
    }();
    return path;
}

void BM_KlineCsv_AtsBulkLoad(benchmark::State& state) {
    const auto& path = year_file();
    for ([[maybe_unused]] auto _ : state) {
        auto loaded = ats::data::load_klines_csv(path, {});
        if (!loaded || loaded->series.size() != kRows) {
            state.SkipWithError("load failed");
            return;
        }
        benchmark::DoNotOptimize(loaded->series.close().data());
    }
    state.counters["rows_per_s"] = benchmark::Counter(
        static_cast<double>(kRows) * static_cast<double>(state.iterations()),
        benchmark::Counter::kIsRate);
}

struct NaiveBar {
    long long open_time;
    double open, high, low, close, volume, quote_volume;
    long long trades;
};

void BM_KlineCsv_NaiveGetlineStod(benchmark::State& state) {
    const auto& path = year_file();
    for ([[maybe_unused]] auto _ : state) {
        std::ifstream in(path);
        std::vector<NaiveBar> bars;
        std::string line;
        while (std::getline(in, line)) {
            std::stringstream ss(line);
            std::string f[12];
            for (auto& field : f) {
                std::getline(ss, field, ',');
            }
            bars.push_back(NaiveBar{
                std::stoll(f[0]),
                std::stod(f[1]),
                std::stod(f[2]),
                std::stod(f[3]),
                std::stod(f[4]),
                std::stod(f[5]),
                std::stod(f[7]),
                std::stoll(f[8])});
        }
        if (bars.size() != kRows) {
            state.SkipWithError("naive load failed");
            return;
        }
        benchmark::DoNotOptimize(bars.data());
    }
    state.counters["rows_per_s"] = benchmark::Counter(
        static_cast<double>(kRows) * static_cast<double>(state.iterations()),
        benchmark::Counter::kIsRate);
}

BENCHMARK(BM_KlineCsv_AtsBulkLoad)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_KlineCsv_NaiveGetlineStod)->Unit(benchmark::kMillisecond);

}  // namespace
