#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "ats/core/error.hpp"
#include "ats/core/fixed_point.hpp"
#include "ats/core/side.hpp"
#include "ats/core/symbol.hpp"
#include "ats/core/time.hpp"
#include "ats/data/parquet_bars.hpp"
#include "ats/parquet/column.hpp"
#include "ats/parquet/types.hpp"

namespace ats::data {

/// One public trade as recorded.
struct TradeRecord {
    Timestamp ts_event;  ///< exchange trade time
    Timestamp ts_recv;   ///< when the recorder received it (kept to the microsecond)
    std::int64_t trade_id = 0;
    Price price;
    Qty qty;
    Side aggressor = Side::kBuy;  ///< kBuy when the buyer was the taker
    friend bool operator==(const TradeRecord&, const TradeRecord&) = default;
};

/// One order book level change: a diff's level (qty 0 removes it), or a level of a snapshot.
struct DepthRecord {
    Timestamp ts_event;  ///< exchange event time (snapshots: when it was taken)
    Timestamp ts_recv;
    std::int64_t first_update_id = 0;  ///< U (snapshots: lastUpdateId)
    std::int64_t final_update_id = 0;  ///< u (snapshots: lastUpdateId)
    Side side = Side::kBuy;            ///< kBuy: bid, kSell: ask
    Price price;
    Qty qty;
    bool is_snapshot = false;
    friend bool operator==(const DepthRecord&, const DepthRecord&) = default;
};

/// Schemas (docs/catalog.md): times INT64 TIMESTAMP(MICROS, UTC) (finer times are truncated:
/// DuckDB's TIMESTAMPTZ holds microseconds); prices INT64 DECIMAL(18, 8);
/// quantities FIXED_LEN_BYTE_ARRAY(16) DECIMAL(38, 8); sides as dictionary-encoded strings
/// ("buy"/"sell" aggressor, "bid"/"ask"); is_snapshot BOOLEAN. Key-value metadata: ats.schema
/// ("trades/1", "depth/1"), ats.symbol, ats.decimals and ats.instrument.* when known.
std::vector<parquet::ColumnSchema> trade_schema();
std::vector<parquet::ColumnSchema> depth_schema();
/// Columns of `rows`; kOutOfRange when a price is beyond DECIMAL(18, 8) (1e10).
Result<std::vector<parquet::ColumnData>> trade_columns(std::span<const TradeRecord> rows);
Result<std::vector<parquet::ColumnData>> depth_columns(std::span<const DepthRecord> rows);
std::vector<parquet::KeyValue> market_metadata(
    const std::string& schema,
    const Symbol& symbol,
    const std::optional<model::Instrument>& instrument);

Status write_trades_parquet(
    std::span<const TradeRecord> rows,
    const Symbol& symbol,
    const std::string& path,
    const ParquetWriteOptions& options);
Status write_depth_parquet(
    std::span<const DepthRecord> rows,
    const Symbol& symbol,
    const std::string& path,
    const ParquetWriteOptions& options);

/// Reads files of the schemas above (columns found by name). kParse names file, row and column.
Result<std::vector<TradeRecord>> read_trades_parquet(
    const std::string& path, const TimeRange& range = {});
Result<std::vector<DepthRecord>> read_depth_parquet(
    const std::string& path, const TimeRange& range = {});

}  // namespace ats::data
