#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ats/core/error.hpp"
#include "ats/core/symbol.hpp"
#include "ats/core/time.hpp"
#include "ats/data/parquet_bars.hpp"

namespace ats::recorder {

struct RecorderConfig {
    std::string rest_base;  ///< "https://api.binance.com" or "http://127.0.0.1:8900"
    std::string ws_base;    ///< "wss://stream.binance.com:9443" or "ws://127.0.0.1:8900"
    std::string ca_file;    ///< https/wss: extra trusted CA certificates
    std::vector<Symbol> symbols;
    std::optional<std::string> kline_interval;  ///< "1m" for kline_1m; none: no klines
    bool trades = false;
    bool depth = false;
    std::string catalog;               ///< the catalog root (docs/catalog.md)
    std::optional<std::string> redis;  ///< redis://...: latest bars and book snapshots
    /// Buffered rows are written and a footer is checkpointed at least this often: a crash loses
    /// at most this much of the open hour (the closed hours are complete files).
    Duration checkpoint_every = Duration::from_seconds(5);
    Duration read_timeout = Duration::from_seconds(10);
    int depth_snapshot_levels = 1000;
    Duration book_cache_every = Duration::from_seconds(1);
    int book_cache_levels = 20;
    data::ParquetWriteOptions parquet;
    /// Stop after this long (tests, bounded sessions); none: until `stop`.
    std::optional<Duration> max_duration;
    const std::atomic<bool>* stop = nullptr;
    /// Told about Redis trouble and recovered files (from any thread).
    std::function<void(const std::string&)> on_warning;
};

/// Counters for the progress line and the final report (a consistent copy).
struct RecorderCounters {
    std::uint64_t messages = 0;  ///< WebSocket messages read (klines, trades, depth)
    std::uint64_t bars = 0;      ///< closed bars written (streamed and backfilled)
    std::uint64_t bars_backfilled = 0;
    std::uint64_t trades = 0;
    std::uint64_t depth_updates = 0;   ///< diff events written
    std::uint64_t depth_levels = 0;    ///< level rows written (diffs and snapshots)
    std::uint64_t snapshots = 0;       ///< order book snapshots taken and written
    std::uint64_t book_gaps = 0;       ///< missed diffs detected (each forces a resync)
    std::uint64_t reconnects = 0;      ///< stream connections lost and remade
    std::uint64_t ledger_entries = 0;  ///< gap ledger rows written
    std::uint64_t files_closed = 0;
    std::uint64_t files_recovered = 0;  ///< crashed files cut back to their last checkpoint
    std::uint64_t files_discarded = 0;  ///< crashed files with nothing to recover
    std::uint64_t rows_recovered = 0;
    std::uint64_t bad_messages = 0;
    std::uint64_t redis_errors = 0;
    bool redis_connected = false;
};

/// What a catalog's leftover `*.partial` files (a crash while writing) became.
struct RecoveryReport {
    std::uint64_t recovered = 0;
    std::uint64_t discarded = 0;
    std::uint64_t rows = 0;
    std::vector<std::string> files;  ///< the recovered files under their final names
};

/// Cuts every `*.partial` file under `root` back to its last checkpointed footer and renames it
/// into place (a free name if the final one exists); a file without a complete footer is
/// removed. Afterwards every .parquet file of the catalog is a complete file.
Result<RecoveryReport> recover_catalog(const std::string& root);

/// Records Binance market streams (or `ats exchange-sim`'s) into the catalog: closed klines
/// (through binance::KlineFeed: reconnects, REST backfill into the gap ledger), trades, and
/// depth diffs with the local order book's snapshots (at every (re)sync and at the start of
/// each hourly file, so each depth file replays on its own). Hourly Parquet files; footers
/// checkpointed every `checkpoint_every`; crashed files recovered at start; the gap ledger
/// (disconnects, backfills, missing bars, book gaps and resyncs, recovered files) written to
/// gaps/ files; klines resume after the last recorded bar (the rest is backfilled).
class Recorder {
public:
    static Result<std::unique_ptr<Recorder>> create(RecorderConfig config);
    ~Recorder();
    Recorder(const Recorder&) = delete;
    Recorder& operator=(const Recorder&) = delete;

    /// Records until `stop` or max_duration, then closes every file. Errors: a catalog that
    /// cannot be written, or a configuration that can never work.
    Status run();
    RecorderCounters counters() const;

private:
    struct Impl;
    explicit Recorder(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace ats::recorder
