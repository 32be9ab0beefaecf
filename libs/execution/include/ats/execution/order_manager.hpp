#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "ats/core/clock.hpp"
#include "ats/core/ids.hpp"
#include "ats/model/events.hpp"
#include "ats/model/instrument.hpp"
#include "ats/model/order.hpp"
#include "ats/model/ports.hpp"

namespace ats::execution {

/// Retries of transient venue failures (kUnavailable, kTimeout): attempt k waits
/// min(initial * 2^(k-1), max) after the previous one, up to max_attempts in all.
struct RetryPolicy {
    int max_attempts = 5;
    Duration initial_backoff = Duration::from_ms(200);
    Duration max_backoff = Duration::from_seconds(10);
};

/// Turns approved orders into venue orders and keeps their life cycle.
///
/// - Validation: the request shape (prices its type needs), then the instrument filters. Rounding
///   is documented and conservative: quantities round toward zero to the step size; buy limit
///   prices round down and sell limit prices up to the tick (never more aggressive than asked);
///   trigger prices round to the nearest tick. A request that still fails a filter (e.g. below
///   min notional) is rejected with the filter's name.
/// - Client order ids are "<prefix>-<sequence>", unique per manager and reused on retries, so a
///   venue that already has the order answers kAlreadyExists and nothing is placed twice.
/// - Every outcome is an event: OrderPlaced, or OrderRejected plus AlertLogged. Nothing throws.
class OrderManager {
public:
    OrderManager(
        const Clock& clock, model::EventSink& sink, std::string id_prefix, RetryPolicy retry = {});

    void set_venue(model::ExecutionVenue* venue) { venue_ = venue; }
    void add_instrument(const model::Instrument& instrument);
    const model::Instrument* instrument(const Symbol& symbol) const;

    /// Validates, rounds and submits an approved order. Returns the client id when it was sent.
    std::optional<ClientOrderId> place(const model::OrderApproved& approved);
    /// Takes over an order an earlier run placed (a resume): it is working from now on, no
    /// event is emitted (the journal has it). kAlreadyExists when the id is known, kInvalidArgument
    /// for an order that is not new.
    Status adopt(const model::Order& order);
    /// Cancels one working order or every working order of a symbol.
    void cancel(const ClientOrderId& id, std::string_view reason);
    void cancel_all(const Symbol& symbol, std::string_view reason);

    /// Venue events. Each moves its order along the state table (a rejection or cancel may come
    /// at any time while it works); a move the table refuses is a broken invariant (abort). A
    /// venue event about an order that already ended is raised as an alert.
    void on_fill(const model::OrderFilled& filled);
    void on_rejected(const model::OrderRejected& rejected);
    void on_canceled(const model::OrderCanceled& canceled);
    /// Runs retries that are due at clock.now().
    void on_timer();

    /// A working order, or a finished one not yet forgotten (finished orders are dropped once
    /// 4096 orders are remembered; their history lives in the event journal).
    const model::Order* order(const ClientOrderId& id) const;
    std::size_t open_order_count(const Symbol& symbol) const;
    /// The working orders, in placement order (views valid until the next call that changes
    /// orders).
    std::vector<const model::Order*> working_orders() const;
    std::size_t open_order_count() const;
    std::size_t retries_pending() const noexcept { return retries_.size(); }
    /// Orders that ended rejected: refused here (filters, no venue) or by the venue.
    std::uint64_t rejected() const noexcept { return rejected_; }
    /// Whether an order of `symbol` that is not reduce-only (an entry) is working.
    bool entry_working(const Symbol& symbol) const;
    /// Signed quantity the working reduce-only orders of `symbol` would still trade.
    Qty pending_exit_qty(const Symbol& symbol) const;

private:
    struct Retry {
        ClientOrderId id;
        Timestamp due;
        std::optional<Money> quote_budget;
    };

    void submit(model::Order& order, std::optional<Money> quote_budget);
    void reject(model::Order& order, std::string_view reason);
    void finish(const ClientOrderId& id, model::OrderStatus status);
    model::Order* find(const ClientOrderId& id);

    const Clock& clock_;
    model::EventSink& sink_;
    model::ExecutionVenue* venue_ = nullptr;
    std::string prefix_;
    RetryPolicy retry_;
    std::uint64_t sequence_ = 0;
    std::vector<model::Instrument> instruments_;
    std::unordered_map<ClientOrderId, model::Order> orders_;
    std::vector<ClientOrderId> working_;  // ids of non-terminal orders, in placement order
    std::deque<Retry> retries_;
    std::uint64_t rejected_ = 0;
};

}  // namespace ats::execution
