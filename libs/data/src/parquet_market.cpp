#include "ats/data/parquet_market.hpp"

#include <fmt/format.h>

#include "ats/parquet/reader.hpp"
#include "ats/parquet/writer.hpp"

#include "decimal_columns.hpp"

namespace ats::data {
namespace {

using parquet::ColumnData;
using parquet::ColumnSchema;
using parquet::LogicalType;
using parquet::PhysicalType;
using parquet::Repetition;

// Microseconds: DuckDB reads UTC timestamps as TIMESTAMPTZ, which holds microseconds.
ColumnSchema us_time(const char* name) {
    return ColumnSchema{
        name,
        PhysicalType::kInt64,
        Repetition::kRequired,
        0,
        LogicalType::timestamp(parquet::TimeUnit::kMicros)};
}

ColumnSchema text(const char* name) {
    return ColumnSchema{
        name, PhysicalType::kByteArray, Repetition::kRequired, 0, LogicalType::string()};
}

ColumnSchema int64(const char* name) {
    return ColumnSchema{name, PhysicalType::kInt64, Repetition::kRequired, 0, {}};
}

Status check_price(Price p, std::size_t row) {
    if (!decimal::fits_decimal18(p.raw())) {
        return make_error(
            ErrorCode::kOutOfRange,
            fmt::format("row {}: price {} does not fit DECIMAL(18, 8)", row + 1, p));
    }
    return ok_status();
}

Status write_rows(
    const std::vector<ColumnSchema>& schema,
    Result<std::vector<ColumnData>> columns,
    std::vector<parquet::KeyValue> metadata,
    const std::string& path,
    const ParquetWriteOptions& options) {
    if (!columns) {
        return make_error(
            columns.error().code, fmt::format("{}: {}", path, columns.error().message));
    }
    parquet::WriterOptions w;
    w.codec = options.codec;
    w.zstd_level = options.zstd_level;
    w.row_group_rows = options.row_group_rows;
    w.sync = options.sync;
    w.min_compression_gain = options.min_compression_gain;
    w.metadata = std::move(metadata);
    return parquet::write_table(path, schema, *columns, w);
}

// Finds the columns `names` in a file; kParse naming the first missing one.
Result<std::vector<std::size_t>> find(
    const parquet::FileMetadata& meta,
    const std::string& path,
    std::initializer_list<const char*> names) {
    std::vector<std::size_t> out;
    for (const char* n : names) {
        auto idx = meta.find_column(n);
        if (!idx) {
            return make_error(ErrorCode::kParse, fmt::format("{}: no column '{}'", path, n));
        }
        out.push_back(*idx);
    }
    return out;
}

// Reads column `idx` of every selected row group, concatenated.
Result<ColumnData> read_whole(
    const parquet::FileReader& file, std::size_t idx, const std::vector<std::size_t>& groups) {
    const auto& s = file.metadata().columns[idx];
    ColumnData out(s.type, s.type == PhysicalType::kFixedLenByteArray ? s.type_length : 0);
    for (const auto g : groups) {
        if (auto st = file.read_column_into(g, idx, out); !st) {
            return tl::unexpected(st.error());
        }
    }
    if (out.has_nulls()) {
        return make_error(
            ErrorCode::kParse, fmt::format("{}: column '{}' holds nulls", file.path(), s.name));
    }
    return out;
}

// Times in ns from a TIMESTAMP column of any unit.
Result<std::vector<std::int64_t>> read_times(
    const parquet::FileReader& file, std::size_t idx, const std::vector<std::size_t>& groups) {
    const auto& s = file.metadata().columns[idx];
    if (s.type != PhysicalType::kInt64 || s.logical.kind != LogicalType::Kind::kTimestamp) {
        return make_error(
            ErrorCode::kParse,
            fmt::format("{}: column '{}' is not a TIMESTAMP", file.path(), s.name));
    }
    auto col = read_whole(file, idx, groups);
    if (!col) {
        return tl::unexpected(col.error());
    }
    const std::int64_t factor = s.logical.unit == parquet::TimeUnit::kMillis   ? 1'000'000
                                : s.logical.unit == parquet::TimeUnit::kMicros ? 1'000
                                                                               : 1;
    for (auto& v : col->int64s) {
        if (__builtin_mul_overflow(v, factor, &v)) {
            return make_error(
                ErrorCode::kParse,
                fmt::format("{}: column '{}': time beyond year 2262", file.path(), s.name));
        }
    }
    return std::move(col->int64s);
}

Result<std::vector<ats::detail::Int128>> read_decimals(
    const parquet::FileReader& file,
    std::size_t idx,
    const std::vector<std::size_t>& groups,
    bool price) {
    auto col = read_whole(file, idx, groups);
    if (!col) {
        return tl::unexpected(col.error());
    }
    const auto& s = file.metadata().columns[idx];
    decimal::RawColumn converted;
    decimal::to_raw(std::move(*col), s, price, s.name, converted);
    if (!converted.problems.empty()) {
        return make_error(
            ErrorCode::kParse,
            fmt::format(
                "{}: row {}: {}",
                file.path(),
                converted.problems.front().first + 1,
                converted.problems.front().second.message));
    }
    std::vector<ats::detail::Int128> out(converted.size());
    for (std::size_t i = 0; i < out.size(); ++i) {
        out[i] = converted.at(i);
    }
    return out;
}

// Row groups whose ts_event statistics overlap `range`.
std::vector<std::size_t> groups_in(
    const parquet::FileReader& file, std::size_t ts_idx, const TimeRange& range) {
    std::vector<std::size_t> out;
    const auto& meta = file.metadata();
    const auto& s = meta.columns[ts_idx];
    const std::int64_t factor = s.logical.unit == parquet::TimeUnit::kMillis   ? 1'000'000
                                : s.logical.unit == parquet::TimeUnit::kMicros ? 1'000
                                                                               : 1;
    for (std::size_t g = 0; g < meta.row_groups.size(); ++g) {
        const auto stats = parquet::int64_range(meta.row_groups[g].columns[ts_idx]);
        std::int64_t lo = 0;
        std::int64_t hi = 0;
        if (stats && !__builtin_mul_overflow(stats->first, factor, &lo) &&
            !__builtin_mul_overflow(stats->second, factor, &hi) &&
            !range.overlaps(Timestamp::from_unix_ns(lo), Timestamp::from_unix_ns(hi))) {
            continue;
        }
        out.push_back(g);
    }
    return out;
}

}  // namespace

std::vector<ColumnSchema> trade_schema() {
    return {
        us_time("ts_event"),
        us_time("ts_recv"),
        int64("trade_id"),
        decimal::decimal_column("price", false),
        decimal::decimal_column("qty", true),
        text("aggressor")};
}

std::vector<ColumnSchema> depth_schema() {
    return {
        us_time("ts_event"),
        us_time("ts_recv"),
        int64("first_update_id"),
        int64("final_update_id"),
        text("side"),
        decimal::decimal_column("price", false),
        decimal::decimal_column("qty", true),
        ColumnSchema{"is_snapshot", PhysicalType::kBoolean, Repetition::kRequired, 0, {}}};
}

Result<std::vector<ColumnData>> trade_columns(std::span<const TradeRecord> rows) {
    std::vector<ColumnData> c = {
        ColumnData(PhysicalType::kInt64),
        ColumnData(PhysicalType::kInt64),
        ColumnData(PhysicalType::kInt64),
        decimal::empty_decimal_column(false),
        decimal::empty_decimal_column(true),
        ColumnData(PhysicalType::kByteArray)};
    for (auto& col : c) {
        col.reserve(rows.size());
    }
    for (std::size_t i = 0; i < rows.size(); ++i) {
        const auto& r = rows[i];
        if (auto st = check_price(r.price, i); !st) {
            return tl::unexpected(st.error());
        }
        c[0].int64s.push_back(r.ts_event.unix_us());
        c[1].int64s.push_back(r.ts_recv.unix_us());
        c[2].int64s.push_back(r.trade_id);
        decimal::push_decimal(c[3], r.price.raw(), false);
        decimal::push_decimal(c[4], r.qty.raw(), true);
        c[5].push_bytes(r.aggressor == Side::kBuy ? "buy" : "sell");
    }
    return c;
}

Result<std::vector<ColumnData>> depth_columns(std::span<const DepthRecord> rows) {
    std::vector<ColumnData> c = {
        ColumnData(PhysicalType::kInt64),
        ColumnData(PhysicalType::kInt64),
        ColumnData(PhysicalType::kInt64),
        ColumnData(PhysicalType::kInt64),
        ColumnData(PhysicalType::kByteArray),
        decimal::empty_decimal_column(false),
        decimal::empty_decimal_column(true),
        ColumnData(PhysicalType::kBoolean)};
    for (auto& col : c) {
        col.reserve(rows.size());
    }
    for (std::size_t i = 0; i < rows.size(); ++i) {
        const auto& r = rows[i];
        if (auto st = check_price(r.price, i); !st) {
            return tl::unexpected(st.error());
        }
        c[0].int64s.push_back(r.ts_event.unix_us());
        c[1].int64s.push_back(r.ts_recv.unix_us());
        c[2].int64s.push_back(r.first_update_id);
        c[3].int64s.push_back(r.final_update_id);
        c[4].push_bytes(r.side == Side::kBuy ? "bid" : "ask");
        decimal::push_decimal(c[5], r.price.raw(), false);
        decimal::push_decimal(c[6], r.qty.raw(), true);
        c[7].booleans.push_back(r.is_snapshot ? 1 : 0);
    }
    return c;
}

std::vector<parquet::KeyValue> market_metadata(
    const std::string& schema,
    const Symbol& symbol,
    const std::optional<model::Instrument>& instrument) {
    std::vector<parquet::KeyValue> kv = {
        {"ats.schema", schema},
        {"ats.symbol", symbol.to_string()},
        {"ats.decimals", std::to_string(kDecimals)}};
    if (instrument) {
        kv.push_back({"ats.instrument.tick_size", instrument->tick_size.to_string()});
        kv.push_back({"ats.instrument.step_size", instrument->step_size.to_string()});
        kv.push_back({"ats.instrument.base_asset", instrument->base_asset});
        kv.push_back({"ats.instrument.quote_asset", instrument->quote_asset});
    }
    return kv;
}

Status write_trades_parquet(
    std::span<const TradeRecord> rows,
    const Symbol& symbol,
    const std::string& path,
    const ParquetWriteOptions& options) {
    return write_rows(
        trade_schema(),
        trade_columns(rows),
        market_metadata("trades/1", symbol, options.instrument),
        path,
        options);
}

Status write_depth_parquet(
    std::span<const DepthRecord> rows,
    const Symbol& symbol,
    const std::string& path,
    const ParquetWriteOptions& options) {
    return write_rows(
        depth_schema(),
        depth_columns(rows),
        market_metadata("depth/1", symbol, options.instrument),
        path,
        options);
}

Result<std::vector<TradeRecord>> read_trades_parquet(
    const std::string& path, const TimeRange& range) {
    auto file = parquet::FileReader::open(path);
    if (!file) {
        return tl::unexpected(file.error());
    }
    auto idx = find(
        file->metadata(), path, {"ts_event", "ts_recv", "trade_id", "price", "qty", "aggressor"});
    if (!idx) {
        return tl::unexpected(idx.error());
    }
    const auto groups = groups_in(*file, (*idx)[0], range);
    auto ts = read_times(*file, (*idx)[0], groups);
    auto recv = read_times(*file, (*idx)[1], groups);
    auto ids = read_whole(*file, (*idx)[2], groups);
    auto price = read_decimals(*file, (*idx)[3], groups, true);
    auto qty = read_decimals(*file, (*idx)[4], groups, false);
    auto side = read_whole(*file, (*idx)[5], groups);
    for (const Error* e :
         {ts ? nullptr : &ts.error(),
          recv ? nullptr : &recv.error(),
          ids ? nullptr : &ids.error(),
          price ? nullptr : &price.error(),
          qty ? nullptr : &qty.error(),
          side ? nullptr : &side.error()}) {
        if (e != nullptr) {
            return tl::unexpected(*e);
        }
    }
    if (ids->type != PhysicalType::kInt64 || side->type != PhysicalType::kByteArray) {
        return make_error(
            ErrorCode::kParse,
            fmt::format("{}: trade_id must be INT64 and aggressor a string", path));
    }
    std::vector<TradeRecord> out;
    out.reserve(ts->size());
    for (std::size_t i = 0; i < ts->size(); ++i) {
        TradeRecord r;
        r.ts_event = Timestamp::from_unix_ns((*ts)[i]);
        if (!range.contains(r.ts_event)) {
            continue;
        }
        r.ts_recv = Timestamp::from_unix_ns((*recv)[i]);
        r.trade_id = ids->int64s[i];
        r.price = Price::from_raw(static_cast<std::int64_t>((*price)[i]));
        r.qty = Qty::from_raw((*qty)[i]);
        const auto s = side->bytes_at(i);
        if (s != "buy" && s != "sell") {
            return make_error(
                ErrorCode::kParse,
                fmt::format("{}: row {}: aggressor '{}' is not buy or sell", path, i + 1, s));
        }
        r.aggressor = s == "buy" ? Side::kBuy : Side::kSell;
        out.push_back(r);
    }
    return out;
}

Result<std::vector<DepthRecord>> read_depth_parquet(
    const std::string& path, const TimeRange& range) {
    auto file = parquet::FileReader::open(path);
    if (!file) {
        return tl::unexpected(file.error());
    }
    auto idx = find(
        file->metadata(),
        path,
        {"ts_event",
         "ts_recv",
         "first_update_id",
         "final_update_id",
         "side",
         "price",
         "qty",
         "is_snapshot"});
    if (!idx) {
        return tl::unexpected(idx.error());
    }
    const auto groups = groups_in(*file, (*idx)[0], range);
    auto ts = read_times(*file, (*idx)[0], groups);
    auto recv = read_times(*file, (*idx)[1], groups);
    auto first = read_whole(*file, (*idx)[2], groups);
    auto last = read_whole(*file, (*idx)[3], groups);
    auto side = read_whole(*file, (*idx)[4], groups);
    auto price = read_decimals(*file, (*idx)[5], groups, true);
    auto qty = read_decimals(*file, (*idx)[6], groups, false);
    auto snap = read_whole(*file, (*idx)[7], groups);
    for (const Error* e :
         {ts ? nullptr : &ts.error(),
          recv ? nullptr : &recv.error(),
          first ? nullptr : &first.error(),
          last ? nullptr : &last.error(),
          side ? nullptr : &side.error(),
          price ? nullptr : &price.error(),
          qty ? nullptr : &qty.error(),
          snap ? nullptr : &snap.error()}) {
        if (e != nullptr) {
            return tl::unexpected(*e);
        }
    }
    if (first->type != PhysicalType::kInt64 || last->type != PhysicalType::kInt64 ||
        side->type != PhysicalType::kByteArray || snap->type != PhysicalType::kBoolean) {
        return make_error(
            ErrorCode::kParse, fmt::format("{}: unexpected column types for depth updates", path));
    }
    std::vector<DepthRecord> out;
    out.reserve(ts->size());
    for (std::size_t i = 0; i < ts->size(); ++i) {
        DepthRecord r;
        r.ts_event = Timestamp::from_unix_ns((*ts)[i]);
        if (!range.contains(r.ts_event)) {
            continue;
        }
        r.ts_recv = Timestamp::from_unix_ns((*recv)[i]);
        r.first_update_id = first->int64s[i];
        r.final_update_id = last->int64s[i];
        const auto s = side->bytes_at(i);
        if (s != "bid" && s != "ask") {
            return make_error(
                ErrorCode::kParse,
                fmt::format("{}: row {}: side '{}' is not bid or ask", path, i + 1, s));
        }
        r.side = s == "bid" ? Side::kBuy : Side::kSell;
        r.price = Price::from_raw(static_cast<std::int64_t>((*price)[i]));
        r.qty = Qty::from_raw((*qty)[i]);
        r.is_snapshot = snap->booleans[i] != 0;
        out.push_back(r);
    }
    return out;
}

}  // namespace ats::data
