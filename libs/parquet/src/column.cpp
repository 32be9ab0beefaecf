#include "ats/parquet/column.hpp"

#include "ats/core/check.hpp"

namespace ats::parquet {

std::size_t ColumnData::size() const noexcept {
    switch (type) {
        case PhysicalType::kBoolean:
            return booleans.size();
        case PhysicalType::kInt32:
            return int32s.size();
        case PhysicalType::kInt64:
            return int64s.size();
        case PhysicalType::kFloat:
            return floats.size();
        case PhysicalType::kDouble:
            return doubles.size();
        case PhysicalType::kByteArray:
            return offsets.empty() ? 0 : offsets.size() - 1;
        case PhysicalType::kFixedLenByteArray:
        case PhysicalType::kInt96:
            return width > 0 ? bytes.size() / static_cast<std::size_t>(width) : 0;
    }
    return 0;
}

std::string_view ColumnData::bytes_at(std::size_t row) const noexcept {
    if (type == PhysicalType::kByteArray) {
        return std::string_view(bytes).substr(offsets[row], offsets[row + 1] - offsets[row]);
    }
    const auto w = static_cast<std::size_t>(width);
    return std::string_view(bytes).substr(row * w, w);
}

void ColumnData::reserve(std::size_t rows) {
    switch (type) {
        case PhysicalType::kBoolean:
            booleans.reserve(rows);
            break;
        case PhysicalType::kInt32:
            int32s.reserve(rows);
            break;
        case PhysicalType::kInt64:
            int64s.reserve(rows);
            break;
        case PhysicalType::kFloat:
            floats.reserve(rows);
            break;
        case PhysicalType::kDouble:
            doubles.reserve(rows);
            break;
        case PhysicalType::kByteArray:
            offsets.reserve(rows + 1);
            break;
        case PhysicalType::kFixedLenByteArray:
        case PhysicalType::kInt96:
            bytes.reserve(rows * static_cast<std::size_t>(width));
            break;
    }
}

void ColumnData::push_bytes(std::string_view value) {
    ATS_CHECK(
        type == PhysicalType::kByteArray ||
            ((type == PhysicalType::kFixedLenByteArray || type == PhysicalType::kInt96) &&
             value.size() == static_cast<std::size_t>(width)),
        "push_bytes on a {} column of width {} with {} bytes",
        to_string(type),
        width,
        value.size());
    bytes.append(value.data(), value.size());
    if (type == PhysicalType::kByteArray) {
        offsets.push_back(bytes.size());
    }
    mark_valid_tail();
}

void ColumnData::push_null() {
    const std::size_t before = size();
    if (valid.empty()) {
        valid.assign(before, 1);
    }
    switch (type) {
        case PhysicalType::kBoolean:
            booleans.push_back(0);
            break;
        case PhysicalType::kInt32:
            int32s.push_back(0);
            break;
        case PhysicalType::kInt64:
            int64s.push_back(0);
            break;
        case PhysicalType::kFloat:
            floats.push_back(0);
            break;
        case PhysicalType::kDouble:
            doubles.push_back(0);
            break;
        case PhysicalType::kByteArray:
            offsets.push_back(bytes.size());
            break;
        case PhysicalType::kFixedLenByteArray:
        case PhysicalType::kInt96:
            bytes.append(static_cast<std::size_t>(width), '\0');
            break;
    }
    valid.push_back(0);
}

void ColumnData::mark_valid_tail() {
    if (!valid.empty()) {
        valid.push_back(1);
    }
}

void ColumnData::clear() {
    booleans.clear();
    int32s.clear();
    int64s.clear();
    floats.clear();
    doubles.clear();
    offsets.clear();
    bytes.clear();
    valid.clear();
    if (type == PhysicalType::kByteArray) {
        offsets.push_back(0);
    }
}

ColumnData ColumnData::of_int64(std::vector<std::int64_t> values) {
    ColumnData c(PhysicalType::kInt64);
    c.int64s = std::move(values);
    return c;
}

ColumnData ColumnData::of_int32(std::vector<std::int32_t> values) {
    ColumnData c(PhysicalType::kInt32);
    c.int32s = std::move(values);
    return c;
}

ColumnData ColumnData::of_double(std::vector<double> values) {
    ColumnData c(PhysicalType::kDouble);
    c.doubles = std::move(values);
    return c;
}

ColumnData ColumnData::of_bool(std::vector<std::uint8_t> values) {
    ColumnData c(PhysicalType::kBoolean);
    c.booleans = std::move(values);
    return c;
}

ColumnData ColumnData::of_strings(const std::vector<std::string>& values) {
    ColumnData c(PhysicalType::kByteArray);
    for (const auto& v : values) {
        c.push_bytes(v);
    }
    return c;
}

}  // namespace ats::parquet
