#include "ats/data/parquet_bars.hpp"

#include <cstring>
#include <filesystem>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "ats/data/kline_csv.hpp"
#include "ats/parquet/reader.hpp"
#include "ats/parquet/writer.hpp"

#include "temp_file.hpp"

namespace ats::data {
namespace {

using ats::testing::bundled_file;
using ats::testing::TempFile;
using parquet::ColumnData;
using parquet::ColumnSchema;
using parquet::LogicalType;
using parquet::PhysicalType;
using parquet::Repetition;

ParquetWriteOptions quick() {
    ParquetWriteOptions o;
    o.sync = false;
    return o;
}

void expect_same_series(const model::BarSeries& a, const model::BarSeries& b) {
    ASSERT_EQ(a.size(), b.size());
    EXPECT_EQ(a.interval(), b.interval());
    EXPECT_EQ(a.symbol(), b.symbol());
    EXPECT_EQ(a.has_quote_volume(), b.has_quote_volume());
    EXPECT_EQ(a.has_trade_count(), b.has_trade_count());
    EXPECT_EQ(a.has_taker_buy_volumes(), b.has_taker_buy_volumes());
    for (std::size_t i = 0; i < a.size(); ++i) {
        ASSERT_EQ(a.bar(i), b.bar(i)) << "bar " << i;
    }
    EXPECT_EQ(a.gaps().gaps(), b.gaps().gaps());
}

ColumnSchema col(
    std::string name,
    PhysicalType type,
    LogicalType logical = {},
    std::int32_t len = 0,
    Repetition rep = Repetition::kOptional) {
    return ColumnSchema{std::move(name), type, rep, len, logical};
}

TEST(ParquetBarsTest, BundledFilesRoundTripExactlyWithTheirGaps) {
    for (const char* name : {"BTCUSDT_1h_2021-04_2025-12.csv", "BTCUSDT_1m_2024-12.csv"}) {
        auto csv = load_klines_csv(bundled_file(name), {});
        ASSERT_TRUE(csv) << csv.error().message;
        TempFile dir("", "x");
        const std::string path = std::filesystem::path(dir.path()).parent_path() / "bars.parquet";
        ASSERT_TRUE(write_bars_parquet(csv->series, path, quick()));
        auto back = load_bars_parquet(path, {});
        ASSERT_TRUE(back) << back.error().message;
        expect_same_series(csv->series, back->series);
        EXPECT_EQ(back->report.format, "parquet");
        EXPECT_EQ(back->report.rows, csv->series.size());
        EXPECT_FALSE(back->report.interval_inferred);  // from ats.interval
        auto file = parquet::FileReader::open(path);
        ASSERT_TRUE(file);
        EXPECT_EQ(file->metadata().find_key("ats.schema"), "bars/1");
        EXPECT_EQ(file->metadata().find_key("ats.symbol"), "BTCUSDT");
        EXPECT_EQ(file->metadata().columns[1].logical, LogicalType::decimal(18, 8));
        EXPECT_EQ(
            file->metadata().columns[0].logical,
            LogicalType::timestamp(parquet::TimeUnit::kMillis));
    }
}

TEST(ParquetBarsTest, HugeVolumesUseWideDecimalsAndStayExact) {
    model::BarSeries s(Duration::from_minutes(1), Symbol::parse("PEPEUSDT").value());
    for (int i = 0; i < 50; ++i) {
        model::Bar b;
        b.open_time = Timestamp::from_unix_ms(1'700'000'000'000 + i * 60'000LL);
        b.close_time = b.open_time + Duration::from_ms(59'999);
        b.open = b.high = b.low = b.close = Price::from_raw(1);  // 1e-8
        b.volume = *Qty::parse("150000000000.12345678");         // 1.5e11
        b.quote_volume = *Money::parse("99999999999999999999.99999999");
        b.trade_count = 7;
        b.taker_buy_base_volume = *Qty::parse("1");
        b.taker_buy_quote_volume = *Money::parse("0.00000001");
        s.push_back(b);
    }
    TempFile dir("", "x");
    const std::string path = std::filesystem::path(dir.path()).parent_path() / "pepe.parquet";
    ASSERT_TRUE(write_bars_parquet(s, path, quick()));
    auto file = parquet::FileReader::open(path);
    ASSERT_TRUE(file);
    EXPECT_EQ(file->metadata().columns[5].type, PhysicalType::kFixedLenByteArray);
    EXPECT_EQ(file->metadata().columns[5].logical, LogicalType::decimal(38, 8));
    auto back = load_bars_parquet(path, {});
    ASSERT_TRUE(back) << back.error().message;
    expect_same_series(s, back->series);
}

// A file as DuckDB or pyarrow write it: nullable columns, epoch-ms BIGINT open_time, DOUBLE
// prices, no close time; it loads exactly like the same numbers in a CSV.
TEST(ParquetBarsTest, ForeignDoubleFileLoadsLikeTheSameCsv) {
    const std::vector<ColumnSchema> schema = {
        col("open_time", PhysicalType::kInt64),
        col("open", PhysicalType::kDouble),
        col("high", PhysicalType::kDouble),
        col("low", PhysicalType::kDouble),
        col("close", PhysicalType::kDouble),
        col("volume", PhysicalType::kDouble),
        col("trades", PhysicalType::kDouble)};
    std::vector<ColumnData> c = {
        ColumnData::of_int64({1733011200000, 1733011260000, 1733011380000}),
        ColumnData::of_double({96407.99, 0.1, 1e-8}),
        ColumnData::of_double({96500.0, 0.3, 2e-8}),
        ColumnData::of_double({96400.01, 0.1, 1e-8}),
        ColumnData::of_double({96450.12, 0.2, 1e-8}),
        ColumnData::of_double({12.34567, 1234567.8, 0.0}),
        ColumnData::of_double({2382.0, 5.0, 0.0})};
    for (auto& x : c) {
        x.valid.assign(3, 1);
    }
    TempFile dir("", "x");
    const auto base = std::filesystem::path(dir.path()).parent_path();
    const std::string path = base / "ETHUSDT_duck.parquet";
    parquet::WriterOptions w;
    w.sync = false;
    ASSERT_TRUE(parquet::write_table(path, schema, c, w));
    auto pq = load_bars_parquet(path, {});
    ASSERT_TRUE(pq) << pq.error().message;
    const std::string csv_path = base / "ETHUSDT_duck.csv";
    {
        std::FILE* f = std::fopen(csv_path.c_str(), "w");
        std::fputs("open_time,open,high,low,close,volume,trades\n", f);
        std::fputs("1733011200000,96407.99,96500.0,96400.01,96450.12,12.34567,2382.0\n", f);
        std::fputs("1733011260000,0.1,0.3,0.1,0.2,1234567.8,5.0\n", f);
        std::fputs("1733011380000,1e-08,2e-08,1e-08,1e-08,0.0,0.0\n", f);
        std::fclose(f);
    }
    auto csv = load_klines_csv(csv_path, {});
    ASSERT_TRUE(csv) << csv.error().message;
    expect_same_series(csv->series, pq->series);
    EXPECT_EQ(pq->series.gaps().missing_bars(), 1);
    EXPECT_EQ(pq->series.open()[1].to_string(), "0.1");
    EXPECT_EQ(pq->report.time_unit, TimeUnit::kMilliseconds);
}

TEST(ParquetBarsTest, TimestampAndDecimalColumnsOfAnyScaleLoad) {
    // ts TIMESTAMP(MICROS), DECIMAL(10, 2) INT64 prices, DECIMAL(20, 10) FLBA volume, string close.
    const std::vector<ColumnSchema> schema = {
        col("ts", PhysicalType::kInt64, LogicalType::timestamp(parquet::TimeUnit::kMicros)),
        col("open", PhysicalType::kInt64, LogicalType::decimal(10, 2)),
        col("high", PhysicalType::kInt32, LogicalType::decimal(9, 2)),
        col("low", PhysicalType::kInt64, LogicalType::decimal(10, 2)),
        col("close", PhysicalType::kByteArray, LogicalType::string()),
        col("volume", PhysicalType::kFixedLenByteArray, LogicalType::decimal(20, 10), 9)};
    std::vector<ColumnData> c = {
        ColumnData::of_int64({1'700'000'000'000'000, 1'700'000'060'000'000}),
        ColumnData::of_int64({10050, 10100}),
        ColumnData::of_int32({10100, 10200}),
        ColumnData::of_int64({10000, 10050}),
        ColumnData::of_strings({"100.75", "101.5"}),
        ColumnData(PhysicalType::kFixedLenByteArray, 9)};
    // 1.2345678900 and -0 with scale 10: unscaled 12345678900 big-endian in 9 bytes.
    for (const std::int64_t v : {12'345'678'900LL, 5'000'000'000'000LL}) {
        std::string be(9, '\0');  // byte 0 is the (zero) sign extension
        for (int i = 8; i >= 1; --i) {
            be[static_cast<std::size_t>(i)] = static_cast<char>((v >> (8 * (8 - i))) & 0xFF);
        }
        c[5].push_bytes(be);
    }
    TempFile dir("", "x");
    const std::string path = std::filesystem::path(dir.path()).parent_path() / "BTCUSDT_ts.parquet";
    parquet::WriterOptions w;
    w.sync = false;
    ASSERT_TRUE(parquet::write_table(path, schema, c, w));
    auto pq = load_bars_parquet(path, {});
    ASSERT_TRUE(pq) << pq.error().message;
    ASSERT_EQ(pq->series.size(), 2U);
    EXPECT_EQ(pq->series.open()[0].to_string(), "100.5");
    EXPECT_EQ(pq->series.high()[1].to_string(), "102");
    EXPECT_EQ(pq->series.close()[0].to_string(), "100.75");
    EXPECT_EQ(pq->series.volume()[0].to_string(), "1.23456789");
    EXPECT_EQ(pq->series.volume()[1].to_string(), "500");
    EXPECT_EQ(pq->series.open_time()[1], Timestamp::from_unix_ms(1'700'000'060'000));
    EXPECT_EQ(pq->series.close_time()[0], Timestamp::from_unix_ms(1'700'000'059'999));
    EXPECT_EQ(pq->report.time_unit, TimeUnit::kMicroseconds);
    EXPECT_EQ(pq->series.symbol()->to_string(), "BTCUSDT");
}

void expect_load_error(
    const std::vector<ColumnSchema>& schema,
    const std::vector<ColumnData>& cols,
    std::initializer_list<const char*> needles,
    KlineCsvOptions options = {}) {
    TempFile dir("", "x");
    const std::string path = std::filesystem::path(dir.path()).parent_path() / "bad.parquet";
    parquet::WriterOptions w;
    w.sync = false;
    ASSERT_TRUE(parquet::write_table(path, schema, cols, w));
    auto loaded = load_bars_parquet(path, options);
    ASSERT_FALSE(loaded);
    for (const char* needle : needles) {
        EXPECT_NE(loaded.error().message.find(needle), std::string::npos) << loaded.error().message;
    }
}

TEST(ParquetBarsTest, BadValuesAreNamedErrorsOrSkippedLikeCsv) {
    const std::vector<ColumnSchema> schema = {
        col("open_time", PhysicalType::kInt64),
        col("open", PhysicalType::kDouble),
        col("high", PhysicalType::kDouble),
        col("low", PhysicalType::kDouble),
        col("close", PhysicalType::kDouble),
        col("volume", PhysicalType::kDouble)};
    auto make = [](std::vector<double> high) {
        std::vector<ColumnData> c = {
            ColumnData::of_int64({1733011200000, 1733011260000, 1733011320000}),
            ColumnData::of_double({1, 1, 1}),
            ColumnData::of_double(high),
            ColumnData::of_double({1, 1, 1}),
            ColumnData::of_double({1, 1, 1}),
            ColumnData::of_double({1, 1, 1})};
        for (auto& x : c) {
            x.valid.assign(3, 1);
        }
        return c;
    };
    // 0.1 + 0.2 prints as 0.30000000000000004: more than 8 decimals, as in a CSV.
    expect_load_error(
        schema,
        make({1, 0.1 + 0.2, 1}),
        {"bad.parquet: row 2: column 'high'", "at most 8 decimals"});
    expect_load_error(schema, make({1, std::nan(""), 1}), {"row 2", "not a finite number"});
    auto nulls = make({1, 1, 1});
    nulls[2].valid[2] = 0;
    expect_load_error(schema, nulls, {"row 3: column 'high': empty"});
    expect_load_error(schema, make({1, 0.5, 1}), {"row 2: column 'high': high 0.5 is below"});
    // Under skip the bad row is counted and the rest loads.
    TempFile dir("", "x");
    const std::string path = std::filesystem::path(dir.path()).parent_path() / "skip.parquet";
    parquet::WriterOptions w;
    w.sync = false;
    ASSERT_TRUE(parquet::write_table(path, schema, nulls, w));
    KlineCsvOptions skip;
    skip.policy = BadRowPolicy::kSkip;
    auto loaded = load_bars_parquet(path, skip);
    ASSERT_TRUE(loaded) << loaded.error().message;
    EXPECT_EQ(loaded->series.size(), 2U);
    EXPECT_EQ(loaded->report.bad_row_total(), 1U);
    ASSERT_EQ(loaded->report.examples.size(), 1U);
    EXPECT_EQ(loaded->report.examples[0].line, 3U);
}

TEST(ParquetBarsTest, TimeRangeReadsSkipRowGroupsOutsideIt) {
    auto csv = load_klines_csv(bundled_file("BTCUSDT_1m_2024-12.csv"), {});
    ASSERT_TRUE(csv);
    TempFile dir("", "x");
    const std::string path = std::filesystem::path(dir.path()).parent_path() / "range.parquet";
    ParquetWriteOptions o = quick();
    o.row_group_rows = 4'000;
    o.codec = parquet::Codec::kUncompressed;
    ASSERT_TRUE(write_bars_parquet(csv->series, path, o));
    TimeRange range{
        Timestamp::parse_iso8601("2024-12-10T00:00:00Z").value(),
        Timestamp::parse_iso8601("2024-12-11T00:00:00Z").value()};
    auto loaded = load_bars_parquet(path, {}, range);
    ASSERT_TRUE(loaded) << loaded.error().message;
    ASSERT_FALSE(loaded->series.empty());
    EXPECT_GE(loaded->series.open_time().front(), *range.from);
    EXPECT_LT(loaded->series.open_time().back(), *range.to);
    std::size_t expected = 0;
    for (const auto t : csv->series.open_time()) {
        expected += range.contains(t) ? 1U : 0U;
    }
    EXPECT_EQ(loaded->series.size(), expected);
    // Proof of skipping: wreck the first row group's pages; the range read never touches them.
    std::string bytes;
    {
        std::FILE* f = std::fopen(path.c_str(), "rb");
        std::fseek(f, 0, SEEK_END);
        bytes.resize(static_cast<std::size_t>(std::ftell(f)));
        std::fseek(f, 0, SEEK_SET);
        ASSERT_EQ(std::fread(bytes.data(), 1, bytes.size(), f), bytes.size());
        std::fclose(f);
    }
    auto file = parquet::FileReader::open(path);
    ASSERT_TRUE(file);
    const auto& first = file->metadata().row_groups[0].columns[1];
    for (std::int64_t i = 0; i < first.total_compressed_size; ++i) {
        bytes[static_cast<std::size_t>(first.data_page_offset + i)] = '\xFF';
    }
    {
        std::FILE* f = std::fopen(path.c_str(), "wb");
        std::fwrite(bytes.data(), 1, bytes.size(), f);
        std::fclose(f);
    }
    auto again = load_bars_parquet(path, {}, range);
    ASSERT_TRUE(again) << again.error().message;
    EXPECT_EQ(again->series.size(), expected);
    EXPECT_FALSE(load_bars_parquet(path, {}).has_value());
}

TEST(ParquetBarsTest, FilledAndBackfilledGapsTravelInTheFile) {
    auto csv = load_klines_csv(bundled_file("BTCUSDT_1h_2021-04_2025-12.csv"), {});
    ASSERT_TRUE(csv);
    model::BarSeries s = csv->series;
    ASSERT_GE(s.gaps().gaps().size(), 2U);
    s.gaps().set_state(0, model::GapState::kFilled);
    TempFile dir("", "x");
    const std::string path = std::filesystem::path(dir.path()).parent_path() / "gaps.parquet";
    ASSERT_TRUE(write_bars_parquet(s, path, quick()));
    auto back = load_bars_parquet(path, {});
    ASSERT_TRUE(back);
    // The filled run's bars are absent here, so the data itself shows a missing run there; the
    // file's ledger says what became of it... the computed missing run wins where they overlap.
    EXPECT_EQ(back->series.gaps().gaps().size(), s.gaps().gaps().size());
    // A backfilled run (bars present) appears only through the file's ledger.
    model::BarSeries t(Duration::from_hours(1), Symbol::parse("BTCUSDT").value());
    for (std::size_t i = 0; i < 10; ++i) {
        t.push_back(s.bar(i));
    }
    t.gaps().record(t.open_time()[3], 2);
    t.gaps().set_state(0, model::GapState::kBackfilled);
    ASSERT_TRUE(write_bars_parquet(t, path, quick()));
    auto back2 = load_bars_parquet(path, {});
    ASSERT_TRUE(back2);
    ASSERT_EQ(back2->series.gaps().gaps().size(), 1U);
    EXPECT_EQ(
        back2->series.gaps().gaps()[0],
        (model::Gap{t.open_time()[3], 2, model::GapState::kBackfilled}));
}

}  // namespace
}  // namespace ats::data
