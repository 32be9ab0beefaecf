#pragma once

#include <optional>

#include "ats/core/error.hpp"
#include "ats/model/events.hpp"
#include "ats/model/order.hpp"

namespace ats::model {

/// Where engines (strategy, risk, execution, sim) put the events they raise. The bus implements
/// it; tests pass a recording sink.
class EventSink {
public:
    virtual ~EventSink() = default;
    virtual void emit(Event event) = 0;
};

/// An exchange (simulated or real) that takes orders. Acknowledgements, fills, rejections and
/// cancels come back later as events through the EventSink the venue was given. `submit` returns
/// kUnavailable or kTimeout for transient failures (the order manager retries with the same
/// client order id, which the venue must treat as idempotent: kAlreadyExists means "already have
/// it"), and kRejected when the venue refuses the order outright.
class ExecutionVenue {
public:
    virtual ~ExecutionVenue() = default;
    /// `quote_budget`: for all-in market buys, the quote amount to spend including fees; the venue
    /// sizes the order at the fill price.
    virtual Status submit(const Order& order, std::optional<Money> quote_budget) = 0;
    virtual Status cancel(const ClientOrderId& id) = 0;
};

/// Sees every event the engine dispatches, in dispatch order, before its handler runs (the
/// state journal). Must not emit into the bus it observes.
class EventObserver {
public:
    virtual ~EventObserver() = default;
    virtual void on_event(const Event& event) = 0;
};

/// Receives alerts (AlertLogged) for people: log, Telegram, ...
class Notifier {
public:
    virtual ~Notifier() = default;
    virtual void notify(const AlertLogged& alert) = 0;
};

}  // namespace ats::model
