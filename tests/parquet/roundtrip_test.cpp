#include <cstring>
#include <random>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "ats/parquet/reader.hpp"
#include "ats/parquet/writer.hpp"

#include "parquet_test_util.hpp"

namespace ats::parquet {
namespace {

using testing::compare_columns;
using testing::random_column;
using testing::read_all;
using testing::TempDir;

std::vector<ColumnSchema> random_schema(std::mt19937_64& rng) {
    std::vector<ColumnSchema> schema;
    const std::size_t n = 1 + rng() % 6;
    for (std::size_t i = 0; i < n; ++i) {
        ColumnSchema c;
        c.name = fmt::format("c{}", i);
        c.repetition = rng() % 2 == 0 ? Repetition::kRequired : Repetition::kOptional;
        switch (rng() % 9) {
            case 0:
                c.type = PhysicalType::kBoolean;
                break;
            case 1:
                c.type = PhysicalType::kInt32;
                break;
            case 2:
                c.type = PhysicalType::kInt64;
                c.logical = LogicalType::timestamp(TimeUnit::kMillis);
                break;
            case 3:
                c.type = PhysicalType::kInt64;
                c.logical = LogicalType::decimal(18, 8);
                break;
            case 4:
                c.type = PhysicalType::kFloat;
                break;
            case 5:
                c.type = PhysicalType::kDouble;
                break;
            case 6:
                c.type = PhysicalType::kByteArray;
                c.logical = LogicalType::string();
                break;
            case 7:
                c.type = PhysicalType::kFixedLenByteArray;
                c.type_length = 16;
                c.logical = LogicalType::decimal(38, 8);
                break;
            default:
                c.type = PhysicalType::kFixedLenByteArray;
                c.type_length = 1 + static_cast<std::int32_t>(rng() % 20);
                break;
        }
        schema.push_back(c);
    }
    return schema;
}

EncodingChoice random_encoding(PhysicalType type, std::mt19937_64& rng) {
    switch (rng() % 4) {
        case 0:
            return EncodingChoice::kPlain;
        case 1:
            return type == PhysicalType::kBoolean ? EncodingChoice::kRle
                                                  : EncodingChoice::kDictionary;
        case 2:
            return type == PhysicalType::kInt32 || type == PhysicalType::kInt64
                       ? EncodingChoice::kDelta
                       : EncodingChoice::kAuto;
        default:
            return EncodingChoice::kAuto;
    }
}

TEST(ParquetRoundTripTest, RandomSchemasEncodingsCodecsAndPageVersions) {
    TempDir dir;
    std::mt19937_64 rng(20240601);
    const Codec codecs[] = {Codec::kUncompressed, Codec::kSnappy, Codec::kZstd};
    for (int trial = 0; trial < 60; ++trial) {
        const auto schema = random_schema(rng);
        const std::size_t rows = trial % 10 == 0 ? 0 : 1 + rng() % 5000;
        std::vector<ColumnData> columns;
        WriterOptions options;
        options.codec = codecs[trial % 3];
        options.page_version = rng() % 2 == 0 ? PageVersion::kV1 : PageVersion::kV2;
        options.row_group_rows = 1 + rng() % 3000;
        options.page_rows = 1 + rng() % 1500;
        options.sync = false;
        for (const auto& c : schema) {
            columns.push_back(random_column(c, rows, rng));
            options.encodings.push_back(random_encoding(c.type, rng));
        }
        options.metadata = {{"trial", std::to_string(trial)}, {"empty", std::nullopt}};
        const std::string path = dir.file(fmt::format("t{}.parquet", trial));
        ASSERT_TRUE(write_table(path, schema, columns, options)) << trial;
        auto file = FileReader::open(path);
        ASSERT_TRUE(file) << file.error().message;
        const FileMetadata& meta = file->metadata();
        EXPECT_EQ(meta.columns, schema);
        EXPECT_EQ(meta.num_rows, static_cast<std::int64_t>(rows));
        EXPECT_EQ(meta.find_key("trial"), std::to_string(trial));
        auto back = read_all(*file);
        ASSERT_TRUE(back) << back.error().message;
        for (std::size_t c = 0; c < schema.size(); ++c) {
            EXPECT_EQ(compare_columns(columns[c], (*back)[c]), "")
                << "trial " << trial << " column " << schema[c].name << " "
                << to_string(schema[c].type);
        }
    }
}

TEST(ParquetRoundTripTest, ChoosesCompactEncodingsAndWritesStatistics) {
    TempDir dir;
    std::vector<std::int64_t> times(100'000);
    std::vector<std::int64_t> prices(times.size());
    for (std::size_t i = 0; i < times.size(); ++i) {
        times[i] = 1'700'000'000'000 + static_cast<std::int64_t>(i) * 60'000;
        prices[i] = 9'000'000'000'000 + static_cast<std::int64_t>(i % 100) * 1'000'000;
    }
    const std::vector<ColumnSchema> schema = {
        testing::column(
            "ts",
            PhysicalType::kInt64,
            Repetition::kRequired,
            0,
            LogicalType::timestamp(TimeUnit::kMillis)),
        testing::column(
            "price", PhysicalType::kInt64, Repetition::kRequired, 0, LogicalType::decimal(18, 8))};
    WriterOptions options;
    options.row_group_rows = 30'000;
    options.sync = false;
    const std::string path = dir.file("bars.parquet");
    ASSERT_TRUE(write_table(
        path, schema, {ColumnData::of_int64(times), ColumnData::of_int64(prices)}, options));
    auto file = FileReader::open(path);
    ASSERT_TRUE(file) << file.error().message;
    const auto& meta = file->metadata();
    ASSERT_EQ(meta.row_groups.size(), 4U);
    const auto& ts = meta.row_groups[1].columns[0];
    EXPECT_NE(
        std::find(ts.encodings.begin(), ts.encodings.end(), Encoding::kDeltaBinaryPacked),
        ts.encodings.end());
    const auto& px = meta.row_groups[1].columns[1];
    EXPECT_NE(
        std::find(px.encodings.begin(), px.encodings.end(), Encoding::kRleDictionary),
        px.encodings.end());
    EXPECT_TRUE(px.dictionary_page_offset.has_value());
    const auto range = int64_range(ts);
    ASSERT_TRUE(range.has_value());
    EXPECT_EQ(range->first, times[30'000]);
    EXPECT_EQ(range->second, times[59'999]);
    EXPECT_EQ(ts.statistics.null_count, 0);
    EXPECT_LT(file->file_size(), 100'000U);  // 1.6 MB of raw values
}

TEST(ParquetRoundTripTest, CheckpointsSurviveACrashAndRecoverCutsBackToThem) {
    TempDir dir;
    const std::vector<ColumnSchema> schema = {
        testing::column("x", PhysicalType::kInt64), testing::column("s", PhysicalType::kByteArray)};
    auto group = [](std::int64_t first) {
        std::vector<ColumnData> cols = {
            ColumnData(PhysicalType::kInt64), ColumnData(PhysicalType::kByteArray)};
        for (std::int64_t i = 0; i < 1000; ++i) {
            cols[0].int64s.push_back(first + i);
            cols[1].push_bytes(fmt::format("row {}", first + i));
        }
        return cols;
    };
    const std::string path = dir.file("rec.parquet");
    std::string crashed;
    std::uint64_t checkpoint_size = 0;
    {
        WriterOptions options;
        options.sync = false;
        auto w = FileWriter::create(path, schema, options);
        ASSERT_TRUE(w);
        ASSERT_TRUE(w->write_row_group(group(0)));
        ASSERT_TRUE(w->checkpoint());
        ASSERT_TRUE(w->write_row_group(group(1000)));
        ASSERT_TRUE(w->checkpoint());
        checkpoint_size = w->bytes_written();
        ASSERT_TRUE(w->write_row_group(group(2000)));
        crashed = testing::read_bytes(w->working_path());
        // The writer is dropped without close(): the partial file goes away, as after kill -9
        // it would stay; the copy stands for it.
    }
    EXPECT_FALSE(std::filesystem::exists(path));
    ASSERT_GT(crashed.size(), checkpoint_size);
    // Every cut after the second checkpoint recovers both checkpointed row groups.
    for (std::size_t cut :
         {crashed.size(),
          crashed.size() - 1,
          static_cast<std::size_t>(checkpoint_size) + 3,
          static_cast<std::size_t>(checkpoint_size)}) {
        const std::string copy = dir.file("copy.parquet");
        testing::write_bytes(copy, crashed.substr(0, cut));
        EXPECT_FALSE(FileReader::open(copy).has_value() && cut != checkpoint_size);
        auto recovered = recover_file(copy);
        ASSERT_TRUE(recovered) << recovered.error().message;
        EXPECT_EQ(recovered->rows, 2000);
        EXPECT_EQ(recovered->bytes_after, checkpoint_size);
        auto file = FileReader::open(copy);
        ASSERT_TRUE(file) << file.error().message;
        auto cols = testing::read_all(*file);
        ASSERT_TRUE(cols) << cols.error().message;
        ASSERT_EQ((*cols)[0].int64s.size(), 2000U);
        EXPECT_EQ((*cols)[0].int64s[1999], 1999);
        EXPECT_EQ((*cols)[1].bytes_at(1500), "row 1500");
    }
    // Before any checkpoint there is nothing to recover.
    const std::string early = dir.file("early.parquet");
    testing::write_bytes(early, crashed.substr(0, 200));
    auto none = recover_file(early);
    ASSERT_FALSE(none);
    EXPECT_EQ(none.error().code, ErrorCode::kParse);
}

TEST(ParquetRoundTripTest, CloseRenamesAtomicallyAndRefusesBadSchemas) {
    TempDir dir;
    const std::string path = dir.file("a.parquet");
    auto bad = FileWriter::create(
        path,
        {testing::column(
            "t",
            PhysicalType::kInt32,
            Repetition::kRequired,
            0,
            LogicalType::timestamp(TimeUnit::kMillis))},
        WriterOptions{});
    ASSERT_FALSE(bad);
    EXPECT_NE(bad.error().message.find("TIMESTAMP needs INT64"), std::string::npos);
    auto dup = FileWriter::create(
        path,
        {testing::column("a", PhysicalType::kInt64), testing::column("a", PhysicalType::kInt64)},
        WriterOptions{});
    ASSERT_FALSE(dup);
    auto big = FileWriter::create(
        path,
        {testing::column(
            "d", PhysicalType::kInt64, Repetition::kRequired, 0, LogicalType::decimal(19, 2))},
        WriterOptions{});
    ASSERT_FALSE(big);
    WriterOptions options;
    options.sync = false;
    auto w = FileWriter::create(path, {testing::column("a", PhysicalType::kInt64)}, options);
    ASSERT_TRUE(w);
    EXPECT_FALSE(std::filesystem::exists(path));
    auto wrong_type = w->write_row_group({ColumnData::of_double({1.0})});
    ASSERT_FALSE(wrong_type);
    ColumnData with_null(PhysicalType::kInt64);
    with_null.push_null();
    ASSERT_FALSE(w->write_row_group({with_null}));
    ASSERT_TRUE(w->write_row_group({ColumnData::of_int64({1, 2, 3})}));
    ASSERT_TRUE(w->close());
    EXPECT_TRUE(std::filesystem::exists(path));
    EXPECT_FALSE(std::filesystem::exists(path + ".partial"));
}

}  // namespace
}  // namespace ats::parquet
