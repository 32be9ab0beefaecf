#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ats/core/error.hpp"
#include "ats/core/fixed_point.hpp"
#include "ats/core/side.hpp"
#include "ats/core/symbol.hpp"
#include "ats/core/time.hpp"

namespace ats::hft {

/// What one market event is.
enum class EventKind : std::uint8_t {
    kDepthBid,   ///< a bid level's new absolute quantity (0 removes the level)
    kDepthAsk,   ///< an ask level's new absolute quantity
    kTradeBuy,   ///< a trade whose aggressor bought (it lifted asks)
    kTradeSell,  ///< a trade whose aggressor sold (it hit bids)
};

constexpr bool is_depth(EventKind kind) noexcept {
    return kind == EventKind::kDepthBid || kind == EventKind::kDepthAsk;
}

/// One row of the merged stream: a price level of a depth diff or one trade. 48 bytes. Every
/// event carries the exchange's time (`exch_ns`) and the time our machine received it
/// (`local_ns`): their difference is the feed latency. A depth diff message of several levels is
/// several events of one batch; the last one has `end_of_batch` set (the book is consistent only
/// between batches, so strategies hear of depth once per batch).
struct MarketEvent {
    Qty qty;  ///< level quantity (depth) or traded quantity (trade)
    std::int64_t exch_ns = 0;
    std::int64_t local_ns = 0;
    Price price;
    EventKind kind = EventKind::kDepthBid;
    bool end_of_batch = false;

    Side side() const noexcept {
        return kind == EventKind::kDepthBid || kind == EventKind::kTradeBuy ? Side::kBuy
                                                                            : Side::kSell;
    }
};

/// A level of the starting snapshot.
struct SnapshotLevel {
    Price price;
    Qty qty;
};

/// Where one symbol's recording is (Binance spot as the README of data/ticks describes it). Plain
/// CSV or gzip (read with zlib either way).
struct TickFiles {
    std::string trades;          ///< trade_id,price,qty,trade_time_ms,is_buyer_maker,...
    std::string depth_snapshot;  ///< recv_time_ns,last_update_id,side,level,price,qty
    std::string depth_diffs;     ///< recv_time_ns,event_time_ms,first_update_id,final_update_id,...
};

/// The recording of `symbol` in `dir`: the one SYMBOL_spot_trades_*, SYMBOL_spot_depth_snapshot_*
/// and SYMBOL_spot_depth_diff_100ms_* file each (.csv or .csv.gz). kNotFound naming what is
/// missing; kInvalidArgument when a kind has several files.
Result<TickFiles> find_tick_files(const std::string& dir, const std::string& symbol);

struct TickLoadOptions {
    /// Added to the smallest observed feed latency when the recording clock is behind the
    /// exchange (as it is in the bundled files): local times are shifted so that the fastest
    /// event arrives `base_feed_latency` after its exchange time (hftbacktest's
    /// correct_local_timestamp). Must be in [0, 10 s].
    Duration base_feed_latency;
    /// Events after this many (0 = all), for quick runs.
    std::size_t max_events = 0;
};

/// One symbol's events, merged by exchange time, from the snapshot on.
struct TickData {
    explicit TickData(Symbol s) : symbol(s) {}

    Symbol symbol;
    std::int64_t snapshot_update_id = 0;
    std::int64_t snapshot_local_ns = 0;  ///< when the snapshot arrived (corrected local clock)
    std::vector<SnapshotLevel> snapshot_bids;  ///< best first
    std::vector<SnapshotLevel> snapshot_asks;  ///< best first
    /// Sorted by exch_ns; ties keep trades before depth (a 100 ms diff already includes the
    /// trades of its window) and file order otherwise.
    std::vector<MarketEvent> events;
    /// Indices into `events` sorted by local_ns (ties by exchange order): the order in which
    /// our machine heard of them.
    std::vector<std::uint32_t> local_order;
    /// Per depth batch in stream order: Binance's final update id `u` (to compare the rebuilt
    /// book with bookTicker, which carries the same ids).
    std::vector<std::int64_t> batch_update_ids;

    std::int64_t feed_offset_ns = 0;         ///< added to every recv_time_ns
    std::size_t diffs_before_snapshot = 0;   ///< diff messages dropped (u <= lastUpdateId)
    std::size_t trades_before_snapshot = 0;  ///< trades received before the snapshot, dropped
    std::size_t depth_rows = 0;
    std::size_t trade_rows = 0;

    Timestamp first_exch() const { return Timestamp::from_unix_ns(events.front().exch_ns); }
    Timestamp last_exch() const { return Timestamp::from_unix_ns(events.back().exch_ns); }
};

/// Loads a Binance recording: the snapshot, the diffs after it (Binance's procedure: drop
/// u <= lastUpdateId, the first applied must straddle lastUpdateId + 1, then U = previous u + 1)
/// and the trades, merged into one stream. kParse names file:line and column for a bad row;
/// kInvalidArgument for a gap in the update ids or a file that does not fit the others; kIo when
/// a file cannot be read; never a crash.
Result<TickData> load_binance_ticks(
    const Symbol& symbol, const TickFiles& files, const TickLoadOptions& options);

/// One symbol's ticks from the Parquet catalog (`trades/` and `depth/` as `ats record` writes
/// them, docs/catalog.md), times in [from, to): the first depth snapshot, then the trades and
/// diffs after it, up to the next snapshot (the recorder takes one after every gap, so the replay
/// stops there; `to` or a later `from` chooses another stretch). Times are microseconds there.
Result<TickData> load_catalog_ticks(
    const Symbol& symbol,
    const std::string& root,
    std::optional<Timestamp> from,
    std::optional<Timestamp> to,
    const TickLoadOptions& options);

/// `dir` a catalog root (it has trades/ and depth/) or a directory of CSV files.
Result<TickData> load_ticks(
    const std::string& dir, const Symbol& symbol, const TickLoadOptions& options);

/// One bookTicker row (best bid and ask after update `update_id`).
struct BookTickerRow {
    std::int64_t update_id = 0;
    Price bid;
    Qty bid_qty;
    Price ask;
    Qty ask_qty;
};

/// recv_time_ns,update_id,bid_price,bid_qty,ask_price,ask_qty (plain or gzip).
Result<std::vector<BookTickerRow>> load_book_ticker(const std::string& path);

/// A text file read line by line, plain or gzip (zlib reads both). Lines keep no '\n'.
class LineReader {
public:
    static Result<LineReader> open(const std::string& path);
    LineReader(LineReader&& other) noexcept;
    LineReader& operator=(LineReader&& other) noexcept;
    LineReader(const LineReader&) = delete;
    LineReader& operator=(const LineReader&) = delete;
    ~LineReader();

    /// The next line; false at the end. kIo for a damaged file.
    Result<bool> next(std::string& line);
    std::size_t line_number() const noexcept { return line_; }
    const std::string& path() const noexcept { return path_; }

private:
    LineReader() = default;

    void* file_ = nullptr;  // gzFile
    std::string path_;
    std::size_t line_ = 0;
    std::vector<char> buffer_;
};

}  // namespace ats::hft
