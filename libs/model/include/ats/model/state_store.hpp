#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ats/core/error.hpp"
#include "ats/core/fixed_point.hpp"
#include "ats/core/time.hpp"
#include "ats/model/events.hpp"
#include "ats/model/order.hpp"

namespace ats::model {

/// One journaled event as stored: its sequence number (1, 2, ...), type and JSON line.
struct JournalEntry {
    std::uint64_t sequence = 0;
    std::string type;
    std::string body;
};

/// The account as of a journal sequence number. `body` is JSON with positions, open orders, risk
/// state and strategy state (written by the runtime; the store keeps it opaque).
struct Snapshot {
    std::uint64_t sequence = 0;  ///< journal events covered
    std::uint64_t inputs = 0;    ///< input bars processed
    Timestamp ts;
    Money cash;
    Money equity;
    std::string body;
};

/// An order as the state store keeps it (the write-ahead record plus its latest status).
struct StoredOrder {
    ClientOrderId id;
    OrderRequest request;
    std::optional<Money> quote_budget;
    std::string status;  ///< "sent", "placed", "partially_filled", "filled", "canceled", "rejected"
    Qty filled_qty;
};

/// Durable trading state: an append-only event journal, the write-ahead record of every order,
/// fills, positions, balances, risk and strategy state, and periodic snapshots.
///
/// Writes are batched: `append`, `set_balance`, `put_state` and `save_snapshot` join the current
/// batch, which `commit` makes durable. `record_order_intent` commits the batch and the intent
/// together before returning, so an order is on disk before its request leaves the process.
/// Every write returns kIo when the medium refuses it (read-only file, full disk); the caller
/// must then stop trading. Not thread-safe: the engine thread owns it.
class StateStore {
public:
    virtual ~StateStore() = default;

    /// Appends the next event (sequence = last + 1) and updates orders, fills and positions.
    virtual Status append(const Event& event) = 0;
    /// Durably records an order before it is sent. kAlreadyExists when the id is recorded with
    /// the same request (a replay or a retry); kFailedPrecondition when it differs.
    virtual Status record_order_intent(const Order& order, std::optional<Money> quote_budget) = 0;
    virtual Status set_balance(std::string_view asset, Money amount) = 0;
    /// Risk state ("risk") and strategy state ("strategy.<name>") as JSON text.
    virtual Status put_state(std::string_view key, std::string_view value) = 0;
    virtual Status save_snapshot(const Snapshot& snapshot) = 0;
    /// Makes the current batch durable.
    virtual Status commit() = 0;

    /// Events journaled (and committed or in the current batch).
    virtual std::uint64_t journal_size() const = 0;
    /// Up to `limit` journal entries from `first` (1-based), in order.
    virtual Result<std::vector<JournalEntry>> read_journal(
        std::uint64_t first, std::size_t limit) = 0;
    virtual Result<std::optional<Snapshot>> last_snapshot() = 0;
    virtual Result<std::optional<std::string>> get_state(std::string_view key) = 0;
    virtual Result<std::vector<StoredOrder>> orders() = 0;
    virtual Result<std::vector<Fill>> fills() = 0;
    virtual Result<std::optional<Money>> balance(std::string_view asset) = 0;
};

}  // namespace ats::model
