#pragma once

// Thrift compact protocol, hand-written for the Parquet footer and page headers (the format's
// own parquet.thrift structures are mapped by hand in metadata.cpp). Only what Parquet uses:
// structs, lists, binary, bool, i8/i16/i32/i64, double; maps and sets are skipped on read.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ats::parquet::thrift {

enum Type : std::uint8_t {
    kStop = 0,
    kBoolTrue = 1,
    kBoolFalse = 2,
    kByte = 3,
    kI16 = 4,
    kI32 = 5,
    kI64 = 6,
    kDouble = 7,
    kBinary = 8,
    kList = 9,
    kSet = 10,
    kMap = 11,
    kStruct = 12,
};

/// Decoder over a byte range. Errors are sticky: after the first one every read returns a zero
/// value and next_field() returns false; check ok() at the end. Every size read from the input
/// is bounded by the bytes left, so nothing allocates more than the input could describe.
class Reader {
public:
    Reader(const std::uint8_t* data, std::size_t size, int max_depth)
        : p_(data), begin_(data), end_(data + size), max_depth_(max_depth) {}

    bool ok() const noexcept { return error_.empty(); }
    const std::string& error() const noexcept { return error_; }
    std::size_t position() const noexcept { return static_cast<std::size_t>(p_ - begin_); }
    void fail(std::string message);

    /// Struct traversal: begin_struct(); while (next_field(id, type)) {...} end_struct().
    void begin_struct();
    bool next_field(std::int16_t& id, std::uint8_t& type);
    void end_struct();

    /// Field values; `type` is the field (or element) type, checked against the expectation.
    bool read_bool(std::uint8_t type);
    std::int32_t read_i32(std::uint8_t type);
    std::int64_t read_i64(std::uint8_t type);
    double read_double(std::uint8_t type);
    std::string read_binary(std::uint8_t type);
    /// List header: element type and count (count <= bytes left).
    std::uint32_t read_list_header(std::uint8_t type, std::uint8_t& element_type);
    /// Skips a value of any type (depth-limited).
    void skip(std::uint8_t type);

private:
    std::uint64_t read_varint();
    std::int64_t read_zigzag() {
        const std::uint64_t v = read_varint();
        return static_cast<std::int64_t>(v >> 1) ^ -static_cast<std::int64_t>(v & 1);
    }
    bool expect(std::uint8_t type, std::uint8_t want, const char* what);

    const std::uint8_t* p_;
    const std::uint8_t* begin_;
    const std::uint8_t* end_;
    int max_depth_;
    std::vector<std::int16_t> last_ids_;
    std::string error_;
};

/// Encoder appending to a string.
class Writer {
public:
    explicit Writer(std::string& out) : out_(out) {}

    void begin_struct() { last_ids_.push_back(0); }
    void end_struct() {
        out_.push_back(static_cast<char>(kStop));
        last_ids_.pop_back();
    }
    void field_i32(std::int16_t id, std::int32_t v) {
        field_header(id, kI32);
        write_zigzag(v);
    }
    void field_i64(std::int16_t id, std::int64_t v) {
        field_header(id, kI64);
        write_zigzag(v);
    }
    void field_i8(std::int16_t id, std::int8_t v) {
        field_header(id, kByte);
        out_.push_back(static_cast<char>(v));
    }
    void field_i16(std::int16_t id, std::int16_t v) {
        field_header(id, kI16);
        write_zigzag(v);
    }
    void field_bool(std::int16_t id, bool v) { field_header(id, v ? kBoolTrue : kBoolFalse); }
    void field_binary(std::int16_t id, std::string_view v) {
        field_header(id, kBinary);
        write_binary(v);
    }
    void field_struct_begin(std::int16_t id) {
        field_header(id, kStruct);
        begin_struct();
    }
    void field_list_begin(std::int16_t id, std::uint8_t element_type, std::size_t size) {
        field_header(id, kList);
        list_header(element_type, size);
    }
    void list_header(std::uint8_t element_type, std::size_t size);
    void write_i32(std::int32_t v) { write_zigzag(v); }
    void write_i64(std::int64_t v) { write_zigzag(v); }
    void write_binary(std::string_view v);

private:
    void field_header(std::int16_t id, std::uint8_t type);
    void write_varint(std::uint64_t v);
    void write_zigzag(std::int64_t v) {
        write_varint((static_cast<std::uint64_t>(v) << 1) ^ static_cast<std::uint64_t>(v >> 63));
    }

    std::string& out_;
    std::vector<std::int16_t> last_ids_;
};

}  // namespace ats::parquet::thrift
