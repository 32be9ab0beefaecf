#include "ats/data/catalog.hpp"

#include <filesystem>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "ats/data/bar_source.hpp"
#include "ats/data/parquet_market.hpp"

#include "temp_file.hpp"

namespace ats::data {
namespace {

namespace fs = std::filesystem;
using ats::testing::bundled_file;

class TempDir {
public:
    TempDir() {
        static int n = 0;
        path_ = fs::temp_directory_path() / fmt::format("ats_catalog_{}_{}", ::getpid(), n++);
        fs::create_directories(path_);
    }
    ~TempDir() {
        std::error_code ec;
        fs::remove_all(path_, ec);
    }
    std::string operator/(const std::string& name) const { return (path_ / name).string(); }
    std::string str() const { return path_.string(); }

private:
    fs::path path_;
};

ParquetWriteOptions quick() {
    ParquetWriteOptions o;
    o.sync = false;
    return o;
}

model::BarSeries slice(const model::BarSeries& s, std::size_t begin, std::size_t end) {
    model::BarSeries out(s.interval(), s.symbol());
    for (std::size_t i = begin; i < end; ++i) {
        out.push_back(s.bar(i));
    }
    return out;
}

TEST(CatalogTest, WritesMonthPartitionsAndMergesOverlappingWrites) {
    auto csv = load_klines_csv(bundled_file("BTCUSDT_1m_2024-12.csv"), {});
    ASSERT_TRUE(csv);
    const auto& s = csv->series;
    TempDir root;
    auto first = write_bars_to_catalog(root.str(), slice(s, 0, 30'000), quick());
    ASSERT_TRUE(first) << first.error().message;
    EXPECT_EQ(first->bars_new, 30'000U);
    auto second = write_bars_to_catalog(root.str(), slice(s, 20'000, s.size()), quick());
    ASSERT_TRUE(second) << second.error().message;
    EXPECT_EQ(second->bars_new, s.size() - 30'000);
    EXPECT_EQ(catalog::symbols(root.str()), std::vector<std::string>{"BTCUSDT"});
    EXPECT_EQ(
        catalog::intervals(root.str(), Symbol::parse("BTCUSDT").value()),
        std::vector<Duration>{Duration::from_minutes(1)});
    auto back = load_catalog_bars(root.str(), Symbol::parse("BTCUSDT").value(), std::nullopt, {});
    ASSERT_TRUE(back) << back.error().message;
    ASSERT_EQ(back->series.size(), s.size());
    for (std::size_t i = 0; i < s.size(); i += 997) {
        EXPECT_EQ(back->series.bar(i), s.bar(i));
    }
    EXPECT_EQ(back->series.gaps().gaps(), s.gaps().gaps());
    // A different bar for an open time already there is refused.
    model::BarSeries changed = slice(s, 100, 101);
    model::Bar b = changed.bar(0);
    b.close = b.close + Price::from_raw(1);
    if (b.close > b.high) {
        b.high = b.close;
    }
    model::BarSeries one(s.interval(), s.symbol());
    one.push_back(b);
    auto refused = write_bars_to_catalog(root.str(), one, quick());
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, ErrorCode::kAlreadyExists);
    EXPECT_NE(refused.error().message.find("different bar"), std::string::npos);
    // Month pruning: a range inside December opens only December's files.
    TimeRange range{
        Timestamp::parse_iso8601("2024-12-05T00:00:00Z").value(),
        Timestamp::parse_iso8601("2024-12-06T00:00:00Z").value()};
    auto day =
        load_catalog_bars(root.str(), Symbol::parse("BTCUSDT").value(), std::nullopt, {}, range);
    ASSERT_TRUE(day) << day.error().message;
    EXPECT_EQ(day->series.size(), 1440U);
}

TEST(CatalogTest, OverlappingPartsMergeAndConflictsNameBothFiles) {
    auto csv = load_klines_csv(bundled_file("BTCUSDT_1m_2024-12.csv"), {});
    ASSERT_TRUE(csv);
    const auto& s = csv->series;
    TempDir dir;
    ASSERT_TRUE(write_bars_parquet(slice(s, 0, 5'000), dir / "a.parquet", quick()));
    ASSERT_TRUE(write_bars_parquet(slice(s, 4'000, 9'000), dir / "b.parquet", quick()));
    auto merged = load_bar_files({dir / "b.parquet", dir / "a.parquet"}, dir.str(), {});
    ASSERT_TRUE(merged) << merged.error().message;
    EXPECT_EQ(merged->series.size(), 9'000U);
    EXPECT_EQ(merged->report.duplicates_dropped, 1'000U);
    model::BarSeries bad = slice(s, 6'000, 6'001);
    model::Bar b = bad.bar(0);
    b.volume = b.volume + Qty::from_raw(1);
    model::BarSeries one(s.interval(), s.symbol());
    one.push_back(b);
    ASSERT_TRUE(write_bars_parquet(one, dir / "c.parquet", quick()));
    auto conflict =
        load_bar_files({dir / "a.parquet", dir / "b.parquet", dir / "c.parquet"}, dir.str(), {});
    ASSERT_FALSE(conflict);
    EXPECT_NE(conflict.error().message.find("b.parquet and"), std::string::npos)
        << conflict.error().message;
    EXPECT_NE(conflict.error().message.find("c.parquet"), std::string::npos)
        << conflict.error().message;
}

TEST(CatalogTest, LoadBarsFindsFilesDirectoriesAndCatalogs) {
    auto btc = load_klines_csv(bundled_file("BTCUSDT_1h_2021-04_2025-12.csv"), {});
    auto eth = load_klines_csv(bundled_file("ETHUSDT_1h_2021-04_2025-12.csv"), {});
    ASSERT_TRUE(btc && eth);
    TempDir dir;
    ASSERT_TRUE(write_bars_parquet(btc->series, dir / "BTCUSDT_1h.parquet", quick()));
    auto file = load_bars(bar_request(dir / "BTCUSDT_1h.parquet"));
    ASSERT_TRUE(file) << file.error().message;
    EXPECT_EQ(file->series.size(), btc->series.size());
    auto by_name = load_bars(bar_request(dir.str(), "BTCUSDT"));
    ASSERT_TRUE(by_name) << by_name.error().message;
    EXPECT_EQ(by_name->series.size(), btc->series.size());
    TempDir root;
    ASSERT_TRUE(write_bars_to_catalog(root.str(), btc->series, quick()));
    ASSERT_TRUE(write_bars_to_catalog(root.str(), eth->series, quick()));
    auto ambiguous = load_bars(bar_request(root.str()));
    ASSERT_FALSE(ambiguous);
    EXPECT_NE(ambiguous.error().message.find("2 symbols (BTCUSDT, ETHUSDT)"), std::string::npos)
        << ambiguous.error().message;
    auto e = load_bars(bar_request(root.str(), "ETHUSDT"));
    ASSERT_TRUE(e) << e.error().message;
    EXPECT_EQ(e->series.size(), eth->series.size());
    EXPECT_EQ(e->series.symbol()->to_string(), "ETHUSDT");
    auto part = load_bars(bar_request(root / "bars/symbol=ETHUSDT"));
    ASSERT_TRUE(part) << part.error().message;
    EXPECT_EQ(part->series.size(), eth->series.size());
    auto missing = load_bars(bar_request(root.str(), "SOLUSDT"));
    ASSERT_FALSE(missing);
    EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
}

TEST(CatalogTest, TradesAndDepthRoundTripToTheMicrosecond) {
    TempDir dir;
    std::vector<TradeRecord> trades;
    std::vector<DepthRecord> depth;
    for (int i = 0; i < 3000; ++i) {
        TradeRecord t;
        t.ts_event = Timestamp::from_unix_ms(1'733'011'200'000 + i);
        t.ts_recv = Timestamp::from_unix_us(1'733'011'200'000'123 + i * 1000);
        t.trade_id = 100 + i;
        t.price = Price::from_raw(9'600'000'000'000 + i);
        t.qty = *Qty::parse("123456789012.12345678");
        t.aggressor = i % 3 == 0 ? Side::kSell : Side::kBuy;
        trades.push_back(t);
        DepthRecord d;
        d.ts_event = t.ts_event;
        d.ts_recv = t.ts_recv;
        d.first_update_id = i;
        d.final_update_id = i + 1;
        d.side = i % 2 == 0 ? Side::kBuy : Side::kSell;
        d.price = t.price;
        d.qty = i % 5 == 0 ? Qty{} : t.qty;
        d.is_snapshot = i < 10;
        depth.push_back(d);
    }
    const auto sym = Symbol::parse("BTCUSDT").value();
    ParquetWriteOptions o = quick();
    o.row_group_rows = 700;
    ASSERT_TRUE(write_trades_parquet(trades, sym, dir / "t.parquet", o));
    ASSERT_TRUE(write_depth_parquet(depth, sym, dir / "d.parquet", o));
    auto t = read_trades_parquet(dir / "t.parquet");
    ASSERT_TRUE(t) << t.error().message;
    EXPECT_EQ(*t, trades);
    auto d = read_depth_parquet(dir / "d.parquet");
    ASSERT_TRUE(d) << d.error().message;
    EXPECT_EQ(*d, depth);
    TimeRange range{
        Timestamp::from_unix_ms(1'733'011'201'000), Timestamp::from_unix_ms(1'733'011'201'500)};
    auto part = read_trades_parquet(dir / "t.parquet", range);
    ASSERT_TRUE(part);
    EXPECT_EQ(part->size(), 500U);
    TradeRecord huge = trades[0];
    huge.price = Price::from_raw(INT64_MAX);
    auto refused = write_trades_parquet(std::vector<TradeRecord>{huge}, sym, dir / "x.parquet", o);
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, ErrorCode::kOutOfRange);
}

}  // namespace
}  // namespace ats::data
