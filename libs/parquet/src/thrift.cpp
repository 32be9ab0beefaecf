#include "thrift.hpp"

#include <cstring>

#include <fmt/format.h>

namespace ats::parquet::thrift {

void Reader::fail(std::string message) {
    if (error_.empty()) {
        error_ = fmt::format("thrift at byte {}: {}", position(), message);
        p_ = end_;
    }
}

std::uint64_t Reader::read_varint() {
    std::uint64_t value = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        if (p_ == end_) {
            fail("truncated varint");
            return 0;
        }
        const std::uint8_t byte = *p_++;
        value |= static_cast<std::uint64_t>(byte & 0x7F) << shift;
        if ((byte & 0x80) == 0) {
            return value;
        }
    }
    fail("varint longer than 10 bytes");
    return 0;
}

bool Reader::expect(std::uint8_t type, std::uint8_t want, const char* what) {
    if (type != want) {
        fail(fmt::format("expected {} (type {}), found type {}", what, want, type));
        return false;
    }
    return ok();
}

void Reader::begin_struct() {
    if (static_cast<int>(last_ids_.size()) >= max_depth_) {
        fail(fmt::format("structs nested deeper than {}", max_depth_));
    }
    last_ids_.push_back(0);
}

void Reader::end_struct() {
    if (!last_ids_.empty()) {
        last_ids_.pop_back();
    }
}

bool Reader::next_field(std::int16_t& id, std::uint8_t& type) {
    if (!ok() || last_ids_.empty()) {
        return false;
    }
    if (p_ == end_) {
        fail("truncated struct");
        return false;
    }
    const std::uint8_t byte = *p_++;
    type = byte & 0x0F;
    if (type == kStop) {
        return false;
    }
    const std::uint8_t delta = byte >> 4;
    if (delta != 0) {
        id = static_cast<std::int16_t>(last_ids_.back() + delta);
    } else {
        const std::int64_t v = read_zigzag();
        if (v < INT16_MIN || v > INT16_MAX) {
            fail("field id out of range");
            return false;
        }
        id = static_cast<std::int16_t>(v);
    }
    if (type > kStruct) {
        fail(fmt::format("unknown field type {}", type));
        return false;
    }
    last_ids_.back() = id;
    return ok();
}

bool Reader::read_bool(std::uint8_t type) {
    if (type == kBoolTrue) {
        return true;
    }
    if (type == kBoolFalse) {
        return false;
    }
    fail(fmt::format("expected bool, found type {}", type));
    return false;
}

std::int32_t Reader::read_i32(std::uint8_t type) {
    if (type == kByte) {
        if (p_ == end_) {
            fail("truncated byte");
            return 0;
        }
        return static_cast<std::int8_t>(*p_++);
    }
    if (type != kI16 && !expect(type, kI32, "i32")) {
        return 0;
    }
    const std::int64_t v = read_zigzag();
    if (v < INT32_MIN || v > INT32_MAX) {
        fail("i32 out of range");
        return 0;
    }
    return static_cast<std::int32_t>(v);
}

std::int64_t Reader::read_i64(std::uint8_t type) {
    if (type == kI32 || type == kI16 || type == kByte) {
        return read_i32(type);
    }
    if (!expect(type, kI64, "i64")) {
        return 0;
    }
    return read_zigzag();
}

double Reader::read_double(std::uint8_t type) {
    if (!expect(type, kDouble, "double")) {
        return 0;
    }
    if (end_ - p_ < 8) {
        fail("truncated double");
        return 0;
    }
    double v = 0;
    std::memcpy(&v, p_, 8);
    p_ += 8;
    return v;
}

std::string Reader::read_binary(std::uint8_t type) {
    if (!expect(type, kBinary, "binary")) {
        return {};
    }
    const std::uint64_t n = read_varint();
    if (!ok()) {
        return {};
    }
    if (n > static_cast<std::uint64_t>(end_ - p_)) {
        fail(fmt::format("binary of {} bytes beyond the end", n));
        return {};
    }
    std::string out(reinterpret_cast<const char*>(p_), static_cast<std::size_t>(n));
    p_ += n;
    return out;
}

std::uint32_t Reader::read_list_header(std::uint8_t type, std::uint8_t& element_type) {
    if (type != kSet && !expect(type, kList, "list")) {
        return 0;
    }
    if (p_ == end_) {
        fail("truncated list header");
        return 0;
    }
    const std::uint8_t byte = *p_++;
    element_type = byte & 0x0F;
    std::uint64_t size = byte >> 4;
    if (size == 15) {
        size = read_varint();
    }
    // Every element takes at least one byte, except bools in some writers' lists (one byte
    // each too): the count can never exceed the bytes left.
    if (!ok() || size > static_cast<std::uint64_t>(end_ - p_)) {
        fail(fmt::format("list of {} elements beyond the end", size));
        return 0;
    }
    return static_cast<std::uint32_t>(size);
}

void Reader::skip(std::uint8_t type) {
    switch (type) {
        case kBoolTrue:
        case kBoolFalse:
            return;
        case kByte:
            if (p_ == end_) {
                fail("truncated byte");
            } else {
                ++p_;
            }
            return;
        case kI16:
        case kI32:
        case kI64:
            read_varint();
            return;
        case kDouble:
            if (end_ - p_ < 8) {
                fail("truncated double");
            } else {
                p_ += 8;
            }
            return;
        case kBinary: {
            const std::uint64_t n = read_varint();
            if (ok() && n > static_cast<std::uint64_t>(end_ - p_)) {
                fail("binary beyond the end");
            } else if (ok()) {
                p_ += n;
            }
            return;
        }
        case kList:
        case kSet: {
            std::uint8_t element = 0;
            const std::uint32_t n = read_list_header(type, element);
            if (static_cast<int>(last_ids_.size()) >= max_depth_) {
                fail("containers nested too deep");
                return;
            }
            last_ids_.push_back(0);  // depth accounting for nested containers
            for (std::uint32_t i = 0; i < n && ok(); ++i) {
                if (element == kBoolTrue || element == kBoolFalse) {
                    skip(kByte);  // a bool element is one byte
                } else {
                    skip(element);
                }
            }
            last_ids_.pop_back();
            return;
        }
        case kMap: {
            const std::uint64_t n = read_varint();
            if (!ok() || n == 0) {
                return;
            }
            if (n > static_cast<std::uint64_t>(end_ - p_)) {
                fail("map beyond the end");
                return;
            }
            if (p_ == end_) {
                fail("truncated map");
                return;
            }
            const std::uint8_t kinds = *p_++;
            const std::uint8_t key = kinds >> 4;
            const std::uint8_t value = kinds & 0x0F;
            if (static_cast<int>(last_ids_.size()) >= max_depth_) {
                fail("containers nested too deep");
                return;
            }
            last_ids_.push_back(0);
            for (std::uint64_t i = 0; i < n && ok(); ++i) {
                skip(key == kBoolTrue || key == kBoolFalse ? std::uint8_t{kByte} : key);
                skip(value == kBoolTrue || value == kBoolFalse ? std::uint8_t{kByte} : value);
            }
            last_ids_.pop_back();
            return;
        }
        case kStruct: {
            begin_struct();
            std::int16_t id = 0;
            std::uint8_t t = 0;
            while (next_field(id, t)) {
                skip(t);
            }
            end_struct();
            return;
        }
        default:
            fail(fmt::format("cannot skip type {}", type));
    }
}

void Writer::field_header(std::int16_t id, std::uint8_t type) {
    const std::int16_t last = last_ids_.back();
    const int delta = id - last;
    if (delta > 0 && delta <= 15) {
        out_.push_back(static_cast<char>((delta << 4) | type));
    } else {
        out_.push_back(static_cast<char>(type));
        write_zigzag(id);
    }
    last_ids_.back() = id;
}

void Writer::list_header(std::uint8_t element_type, std::size_t size) {
    if (size < 15) {
        out_.push_back(static_cast<char>((size << 4) | element_type));
    } else {
        out_.push_back(static_cast<char>(0xF0 | element_type));
        write_varint(size);
    }
}

void Writer::write_binary(std::string_view v) {
    write_varint(v.size());
    out_.append(v.data(), v.size());
}

void Writer::write_varint(std::uint64_t v) {
    while (v >= 0x80) {
        out_.push_back(static_cast<char>((v & 0x7F) | 0x80));
        v >>= 7;
    }
    out_.push_back(static_cast<char>(v));
}

}  // namespace ats::parquet::thrift
