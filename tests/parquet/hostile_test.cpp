#include <cstring>

#include <gtest/gtest.h>

#include "ats/parquet/reader.hpp"
#include "ats/parquet/writer.hpp"

#include "fuzz_harness.hpp"
#include "parquet_test_util.hpp"

namespace ats::parquet {
namespace {

using testing::TempDir;

std::string valid_file() {
    TempDir dir;
    const std::string path = dir.file("v.parquet");
    WriterOptions options;
    options.codec = Codec::kUncompressed;
    options.sync = false;
    std::vector<std::int64_t> v(1000);
    for (std::size_t i = 0; i < v.size(); ++i) {
        v[i] = static_cast<std::int64_t>(i * i);
    }
    EXPECT_TRUE(write_table(
        path, {testing::column("v", PhysicalType::kInt64)}, {ColumnData::of_int64(v)}, options));
    return testing::read_bytes(path);
}

void expect_error(const std::string& bytes, const std::string& needle) {
    auto reader = FileReader::from_buffer(bytes, {}, "bad.parquet");
    std::string message;
    if (!reader) {
        message = reader.error().message;
    } else {
        auto all = testing::read_all(*reader);
        ASSERT_FALSE(all) << "expected an error containing '" << needle << "'";
        message = all.error().message;
    }
    EXPECT_NE(message.find(needle), std::string::npos) << message;
    EXPECT_EQ(message.rfind("bad.parquet", 0), 0U) << message;
}

TEST(ParquetHostileTest, WrongMagicTruncationAndBadFooterLength) {
    const std::string good = valid_file();
    expect_error("hello", "too small");
    std::string magic = good;
    magic[0] = 'X';
    expect_error(magic, "no PAR1 magic at the start");
    expect_error(good.substr(0, good.size() - 1), "no PAR1 magic at the end");
    std::string len = good;
    const std::uint32_t huge = 0x7FFFFFFF;
    std::memcpy(len.data() + len.size() - 8, &huge, 4);
    expect_error(len, "footer length");
    // Every truncation is an error, never a crash.
    for (std::size_t cut = 0; cut < good.size(); cut += 7) {
        EXPECT_FALSE(FileReader::from_buffer(good.substr(0, cut)).has_value()) << cut;
    }
}

TEST(ParquetHostileTest, OffsetsOutsideTheFileAndOversizedPages) {
    TempDir dir;
    const std::string path = dir.file("x.parquet");
    WriterOptions options;
    options.codec = Codec::kUncompressed;
    options.sync = false;
    ASSERT_TRUE(write_table(
        path,
        {testing::column("v", PhysicalType::kInt64)},
        {ColumnData::of_int64({1, 2, 3})},
        options));
    auto file = FileReader::open(path);
    ASSERT_TRUE(file);
    // The page header starts at byte 4; replace its compressed size by a huge one by editing the
    // reader limits instead: a limit of 8 bytes makes the 24-byte page too big.
    ReaderLimits tight;
    tight.max_page_bytes = 8;
    auto limited = FileReader::open(path, tight);
    ASSERT_TRUE(limited);
    auto col = limited->read_column(0, 0);
    ASSERT_FALSE(col);
    EXPECT_EQ(col.error().code, ErrorCode::kOutOfRange);
    EXPECT_NE(col.error().message.find("exceeds the limit"), std::string::npos)
        << col.error().message;

    // A data_page_offset beyond the file: find the varint of the offset (4) in the footer and
    // point it far away by rewriting the whole footer through the writer is not possible, so
    // flip bytes until the reader names the problem.
    std::string bytes = testing::read_bytes(path);
    bool saw_outside = false;
    for (std::size_t i = bytes.size() - 9; i > 4 && !saw_outside; --i) {
        std::string copy = bytes;
        copy[i] = static_cast<char>(0x7E);
        auto r = FileReader::from_buffer(copy, {}, "bad.parquet");
        if (!r && r.error().message.find("outside the data") != std::string::npos) {
            saw_outside = true;
        }
    }
    EXPECT_TRUE(saw_outside);
}

TEST(ParquetHostileTest, UnsupportedCodecIsNamed) {
    std::string bytes = valid_file();
    // Codec is field 4 of ColumnMetaData: the byte after its header 0x15 (delta 1, i32) is the
    // zigzag codec (0 = UNCOMPRESSED). Turn the first such codec into GZIP (2 -> zigzag 4).
    const std::string needle = std::string("\x15\x00", 2);
    const auto at = bytes.find(needle, bytes.size() - 200);
    ASSERT_NE(at, std::string::npos);
    bytes[at + 1] = 0x04;
    auto reader = FileReader::from_buffer(bytes, {}, "bad.parquet");
    ASSERT_TRUE(reader) << reader.error().message;
    auto col = reader->read_column(0, 0);
    ASSERT_FALSE(col);
    EXPECT_NE(col.error().message.find("GZIP is not supported"), std::string::npos)
        << col.error().message;
}

TEST(ParquetHostileTest, SeededMutationFuzzShortRun) {
    const auto seeds = testing::fuzz_seeds();
    ASSERT_EQ(seeds.size(), 18U);
    const auto stats = testing::run_fuzz(42, 20'000, seeds);
    EXPECT_EQ(stats.cases, 20'000U);
    // Both outcomes occur: the mutations reach the page decoders and are rejected there.
    EXPECT_GT(stats.read_ok, 100U);
    EXPECT_GT(stats.rejected, 1000U);
    EXPECT_GT(stats.opened, stats.read_ok);
}

}  // namespace
}  // namespace ats::parquet
