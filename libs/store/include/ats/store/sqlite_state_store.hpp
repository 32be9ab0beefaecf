#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "ats/core/error.hpp"
#include "ats/model/job_history.hpp"
#include "ats/model/state_store.hpp"

namespace ats::store {

/// How hard a commit pushes data to the disk (SQLite `PRAGMA synchronous` in WAL mode).
enum class Durability : std::uint8_t {
    kNormal,  ///< WAL, fsync at checkpoints: survives a killed process, may lose the last
              ///< commits (never consistency) on power loss. The default.
    kFull,    ///< WAL, fsync at every commit: survives power loss too; slower per commit.
    /// NORMAL, except that a commit recording an order intent is fsynced (FULL): an order is
    /// never sent without its intent on disk, even through a power loss, and the other commits
    /// (bars, fills' journal) keep NORMAL's speed. The default of live sessions.
    kIntents,
};

struct StateStoreOptions {
    Durability durability = Durability::kNormal;
    bool read_only = false;  ///< open without write access (every write returns kIo)
    bool create = true;      ///< create the file when it does not exist
    /// Hold the file's lock for the whole session (PRAGMA locking_mode=EXCLUSIVE): a second
    /// process on the same file gets kUnavailable, and each commit saves the lock round trips.
    bool exclusive = false;
    /// Caps the file size (PRAGMA max_page_count, 4 KiB pages): a full disk, for tests.
    std::optional<std::int64_t> max_pages;
};

/// One order round trip as `ats live` measured it: local clock when the request left, the
/// exchange's transaction time, local clock when the response came (nanoseconds). The tick
/// simulator's latency model replays these (docs/hft.md).
struct OrderLatency {
    std::string order_id;
    std::int64_t request_ns = 0;
    std::int64_t exchange_ns = 0;
    std::int64_t response_ns = 0;
};

/// When an order was placed, first filled and canceled (event times, ns; -1 when it never was).
struct OrderTimes {
    std::string order_id;
    std::int64_t placed_ns = -1;
    std::int64_t first_fill_ns = -1;
    std::int64_t canceled_ns = -1;
};

/// The StateStore port on one SQLite file in WAL mode. Schema versions live in
/// `PRAGMA user_version` and are migrated forward on open, one transaction per step; the file is
/// tagged with `PRAGMA application_id` so a foreign or emptied file is refused.
///
/// Opening an existing file runs `PRAGMA quick_check`: a corrupt or truncated file is kParse
/// naming the file, never an empty start. Money, prices and quantities are stored as their exact
/// raw int64 (scale 10^8). Not thread-safe.
class SqliteStateStore final : public model::StateStore, public model::JobHistory {
public:
    static constexpr int kSchemaVersion = 4;

    static Result<std::unique_ptr<SqliteStateStore>> open(
        const std::string& path, StateStoreOptions options = {});

    SqliteStateStore(const SqliteStateStore&) = delete;
    SqliteStateStore& operator=(const SqliteStateStore&) = delete;
    ~SqliteStateStore() override;

    Status append(const model::Event& event) override;
    Status record_order_intent(
        const model::Order& order, std::optional<Money> quote_budget) override;
    Status set_balance(std::string_view asset, Money amount) override;
    Status put_state(std::string_view key, std::string_view value) override;
    Status save_snapshot(const model::Snapshot& snapshot) override;
    Status commit() override;

    std::uint64_t journal_size() const override;
    Result<std::vector<model::JournalEntry>> read_journal(
        std::uint64_t first, std::size_t limit) override;
    Result<std::optional<model::Snapshot>> last_snapshot() override;
    Result<std::optional<std::string>> get_state(std::string_view key) override;
    Result<std::vector<model::StoredOrder>> orders() override;
    Result<std::vector<model::Fill>> fills() override;
    Result<std::optional<Money>> balance(std::string_view asset) override;

    /// Scheduler history (schema 2): each run is committed with the current batch at once.
    Status record_job_run(const model::JobRun& run) override;
    Result<std::vector<model::JobRun>> job_runs(std::string_view job, std::size_t limit) override;

    /// Order latencies (schema 4): written in the current batch, committed with it.
    Status record_order_latency(const OrderLatency& row);
    Result<std::vector<OrderLatency>> order_latencies();
    /// Per order with events, in the order they were first recorded (for fill-rate calibration).
    Result<std::vector<OrderTimes>> order_times();

    /// The schema version of the open file (after migrations).
    int schema_version() const;
    const std::string& path() const;

    /// Runs one statement with no result rows inside the current batch. kIo on failure.
    Status execute(const std::string& sql);

private:
    struct Impl;
    explicit SqliteStateStore(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace ats::store
