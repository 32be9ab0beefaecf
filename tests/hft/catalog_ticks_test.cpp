// Ticks from the Parquet catalog equal the same recording read from its CSV files.
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <unistd.h>

#include "ats/data/parquet_market.hpp"
#include "ats/hft/simulator.hpp"
#include "ats/hft/tick_data.hpp"

namespace ats::hft {
namespace {

namespace fs = std::filesystem;

std::vector<std::vector<std::string>> rows_of(const std::string& path) {
    auto reader = LineReader::open(path);
    EXPECT_TRUE(reader);
    std::vector<std::vector<std::string>> out;
    std::string line;
    bool header = true;
    while (*reader->next(line)) {
        if (header) {
            header = false;
            continue;
        }
        std::vector<std::string> f;
        std::stringstream ss(line);
        std::string x;
        while (std::getline(ss, x, ',')) {
            f.push_back(x);
        }
        out.push_back(f);
    }
    return out;
}

Timestamp ns(const std::string& s) {
    return Timestamp::from_unix_ns(std::stoll(s));
}

TEST(CatalogTicksTest, TheCatalogGivesTheSameStreamAsTheCsvFiles) {
    const Symbol btc = *Symbol::parse("BTCUSDT");
    auto files = find_tick_files(std::string(ATS_BUNDLED_DATA_DIR) + "/ticks", "BTCUSDT");
    ASSERT_TRUE(files) << files.error().message;
    // The CSV rows as the recorder would have written them (times to the microsecond).
    const auto us = [](Timestamp t) {
        return Timestamp::from_unix_ns(t.unix_ns() / 1000 * 1000);
    };
    std::vector<data::DepthRecord> depth;
    for (const auto& f : rows_of(files->depth_snapshot)) {
        const auto id = std::stoll(f[1]);
        depth.push_back(data::DepthRecord{
            us(ns(f[0])),
            us(ns(f[0])),
            id,
            id,
            f[2] == "bid" ? Side::kBuy : Side::kSell,
            *Price::parse(f[4]),
            *Qty::parse(f[5]),
            true});
    }
    for (const auto& f : rows_of(files->depth_diffs)) {
        depth.push_back(data::DepthRecord{
            Timestamp::from_unix_ms(std::stoll(f[1])),
            us(ns(f[0])),
            std::stoll(f[2]),
            std::stoll(f[3]),
            f[4] == "bid" ? Side::kBuy : Side::kSell,
            *Price::parse(f[5]),
            *Qty::parse(f[6]),
            false});
    }
    std::vector<data::TradeRecord> trades;
    for (const auto& f : rows_of(files->trades)) {
        trades.push_back(data::TradeRecord{
            Timestamp::from_unix_ms(std::stoll(f[3])),
            us(ns(f[6])),
            std::stoll(f[0]),
            *Price::parse(f[1]),
            *Qty::parse(f[2]),
            f[4] == "1" ? Side::kSell : Side::kBuy});
    }
    const fs::path root =
        fs::temp_directory_path() / ("ats_tick_catalog_" + std::to_string(::getpid()));
    fs::remove_all(root);
    fs::create_directories(root / "depth/symbol=BTCUSDT/date=2024-08-08");
    fs::create_directories(root / "trades/symbol=BTCUSDT/date=2024-08-08");
    data::ParquetWriteOptions w;
    w.sync = false;
    ASSERT_TRUE(data::write_depth_parquet(
        depth, btc, (root / "depth/symbol=BTCUSDT/date=2024-08-08/23.parquet").string(), w));
    ASSERT_TRUE(data::write_trades_parquet(
        trades, btc, (root / "trades/symbol=BTCUSDT/date=2024-08-08/23.parquet").string(), w));

    TickLoadOptions lo;
    lo.base_feed_latency = Duration::from_ms(5);
    auto csv = load_binance_ticks(btc, *files, lo);
    ASSERT_TRUE(csv) << csv.error().message;
    auto cat = load_ticks(root.string(), btc, lo);  // a catalog root: read as one
    ASSERT_TRUE(cat) << cat.error().message;
    ASSERT_EQ(cat->events.size(), csv->events.size());
    EXPECT_EQ(cat->snapshot_bids.size(), csv->snapshot_bids.size());
    EXPECT_EQ(cat->snapshot_update_id, csv->snapshot_update_id);
    EXPECT_EQ(cat->batch_update_ids, csv->batch_update_ids);
    for (std::size_t i = 0; i < csv->events.size(); ++i) {
        const auto& a = csv->events[i];
        const auto& b = cat->events[i];
        ASSERT_EQ(a.exch_ns, b.exch_ns) << i;
        ASSERT_EQ(a.price, b.price) << i;
        ASSERT_EQ(a.qty, b.qty) << i;
        ASSERT_EQ(a.kind, b.kind) << i;
        ASSERT_EQ(a.end_of_batch, b.end_of_batch) << i;
        ASSERT_LE(std::abs(a.local_ns - b.local_ns), 2'000) << i;  // microsecond times
    }
    // A time range cuts the stretch; a catalog without depth is a clear error.
    auto late = load_catalog_ticks(
        btc, root.string(), csv->first_exch() + Duration::from_ms(60'000), std::nullopt, lo);
    EXPECT_FALSE(late);  // the only snapshot is before the range
    EXPECT_EQ(late.error().code, ErrorCode::kNotFound);
    fs::remove_all(root / "depth");
    EXPECT_FALSE(load_catalog_ticks(btc, root.string(), std::nullopt, std::nullopt, lo));
    fs::remove_all(root);
}

}  // namespace
}  // namespace ats::hft
