#include "thrift.hpp"

#include <gtest/gtest.h>

namespace ats::parquet::thrift {
namespace {

const std::uint8_t* bytes(const std::string& s) {
    return reinterpret_cast<const std::uint8_t*>(s.data());
}

TEST(ThriftCompactTest, RoundTripsFieldsOfEveryKind) {
    std::string out;
    Writer w(out);
    w.begin_struct();
    w.field_i32(1, -7);
    w.field_i64(2, INT64_MIN);
    w.field_bool(3, true);
    w.field_bool(4, false);
    w.field_binary(5, "hello");
    w.field_i32(40, 123456);           // long-form field header (delta > 15)
    w.field_list_begin(41, kI32, 20);  // long-form list header (size >= 15)
    for (int i = 0; i < 20; ++i) {
        w.write_i32(i - 10);
    }
    w.field_struct_begin(42);
    w.field_i64(1, 99);
    w.end_struct();
    w.field_i8(43, -3);
    w.end_struct();

    Reader r(bytes(out), out.size(), 8);
    r.begin_struct();
    std::int16_t id = 0;
    std::uint8_t t = 0;
    std::vector<std::int16_t> seen;
    while (r.next_field(id, t)) {
        seen.push_back(id);
        switch (id) {
            case 1:
                EXPECT_EQ(r.read_i32(t), -7);
                break;
            case 2:
                EXPECT_EQ(r.read_i64(t), INT64_MIN);
                break;
            case 3:
                EXPECT_TRUE(r.read_bool(t));
                break;
            case 4:
                EXPECT_FALSE(r.read_bool(t));
                break;
            case 5:
                EXPECT_EQ(r.read_binary(t), "hello");
                break;
            case 40:
                EXPECT_EQ(r.read_i32(t), 123456);
                break;
            case 41: {
                std::uint8_t et = 0;
                const auto n = r.read_list_header(t, et);
                ASSERT_EQ(n, 20U);
                for (std::uint32_t i = 0; i < n; ++i) {
                    EXPECT_EQ(r.read_i32(et), static_cast<std::int32_t>(i) - 10);
                }
                break;
            }
            case 43:
                EXPECT_EQ(r.read_i32(t), -3);
                break;
            default:
                r.skip(t);  // 42: a nested struct, skipped
        }
    }
    r.end_struct();
    EXPECT_TRUE(r.ok()) << r.error();
    EXPECT_EQ(r.position(), out.size());
    EXPECT_EQ(seen, (std::vector<std::int16_t>{1, 2, 3, 4, 5, 40, 41, 42, 43}));
}

TEST(ThriftCompactTest, TruncationAndHugeSizesAreErrors) {
    std::string out;
    Writer w(out);
    w.begin_struct();
    w.field_binary(1, std::string(100, 'x'));
    w.end_struct();
    for (std::size_t cut = 0; cut < out.size(); ++cut) {
        Reader r(bytes(out), cut, 8);
        r.begin_struct();
        std::int16_t id = 0;
        std::uint8_t t = 0;
        while (r.next_field(id, t)) {
            r.skip(t);
        }
        EXPECT_FALSE(r.ok()) << "cut at " << cut;
    }
    // A list claiming 2^31 elements in a few bytes.
    const std::string huge = std::string("\x19\xF8\xFF\xFF\xFF\xFF\x07", 7);
    Reader r(bytes(huge), huge.size(), 8);
    r.begin_struct();
    std::int16_t id = 0;
    std::uint8_t t = 0;
    ASSERT_TRUE(r.next_field(id, t));
    std::uint8_t et = 0;
    EXPECT_EQ(r.read_list_header(t, et), 0U);
    EXPECT_FALSE(r.ok());
}

TEST(ThriftCompactTest, NestingIsBounded) {
    // 100 nested structs: field 1 of type struct, over and over.
    std::string deep(100, '\x1C');
    deep += std::string(101, '\0');
    Reader r(bytes(deep), deep.size(), 16);
    r.skip(kStruct);
    EXPECT_FALSE(r.ok());
    EXPECT_NE(r.error().find("deeper"), std::string::npos) << r.error();
}

}  // namespace
}  // namespace ats::parquet::thrift
