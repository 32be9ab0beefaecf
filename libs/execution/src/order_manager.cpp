#include "ats/execution/order_manager.hpp"

#include <algorithm>

#include "ats/core/log.hpp"

namespace ats::execution {

using model::OrderStatus;

namespace {
constexpr std::size_t kMaxRememberedOrders = 4096;

// The order manager asks only for moves the table allows for what it saw; a refusal is a bug in
// the manager or a venue that broke the protocol, and trading on with a drifted order state
// would silence its symbol (a rejected entry left "accepted" blocks every later entry).
void must(const Status& s) {
    ATS_CHECK(s.has_value(), "order state: {}", s ? std::string() : s.error().message);
}
}  // namespace

OrderManager::OrderManager(
    const Clock& clock, model::EventSink& sink, std::string id_prefix, RetryPolicy retry)
    : clock_(clock), sink_(sink), prefix_(std::move(id_prefix)), retry_(retry) {}

void OrderManager::add_instrument(const model::Instrument& instrument) {
    const auto it = std::find_if(instruments_.begin(), instruments_.end(), [&](const auto& i) {
        return i.symbol == instrument.symbol;
    });
    if (it != instruments_.end()) {
        *it = instrument;
    } else {
        instruments_.push_back(instrument);
    }
}

const model::Instrument* OrderManager::instrument(const Symbol& symbol) const {
    const auto it = std::find_if(instruments_.begin(), instruments_.end(), [&](const auto& i) {
        return i.symbol == symbol;
    });
    return it == instruments_.end() ? nullptr : &*it;
}

model::Order* OrderManager::find(const ClientOrderId& id) {
    const auto it = orders_.find(id);
    return it == orders_.end() ? nullptr : &it->second;
}

const model::Order* OrderManager::order(const ClientOrderId& id) const {
    const auto it = orders_.find(id);
    return it == orders_.end() ? nullptr : &it->second;
}

std::size_t OrderManager::open_order_count(const Symbol& symbol) const {
    return static_cast<std::size_t>(
        std::count_if(working_.begin(), working_.end(), [&](const auto& id) {
            return orders_.at(id).request().symbol == symbol;
        }));
}

std::vector<const model::Order*> OrderManager::working_orders() const {
    std::vector<const model::Order*> out;
    out.reserve(working_.size());
    for (const auto& id : working_) {
        out.push_back(&orders_.at(id));
    }
    return out;
}

std::size_t OrderManager::open_order_count() const {
    return working_.size();
}

bool OrderManager::entry_working(const Symbol& symbol) const {
    return std::any_of(working_.begin(), working_.end(), [&](const ClientOrderId& id) {
        const auto& r = orders_.at(id).request();
        return r.symbol == symbol && !r.reduce_only;
    });
}

Qty OrderManager::pending_exit_qty(const Symbol& symbol) const {
    Qty out;
    for (const auto& id : working_) {
        const model::Order& o = orders_.at(id);
        const auto& r = o.request();
        // Protective stops and targets wait for a price; only exits that are on their way count.
        if (r.symbol == symbol && r.reduce_only && r.type == model::OrderType::kMarket) {
            out += o.remaining_qty() * sign(r.side);
        }
    }
    return out;
}

std::optional<ClientOrderId> OrderManager::place(const model::OrderApproved& approved) {
    const Timestamp now = clock_.now();
    auto id = ClientOrderId::parse(fmt::format("{}-{}", prefix_, ++sequence_));
    if (!id) {
        sink_.emit(model::AlertLogged{
            now, now, model::AlertLevel::kCritical, model::Text(id.error().message)});
        return std::nullopt;
    }
    model::OrderRequest request = approved.request;
    const model::Instrument* inst = instrument(request.symbol);
    std::string problem;
    if (auto shape = model::validate_shape(request); !shape && !approved.quote_budget) {
        problem = shape.error().message;
    } else if (inst == nullptr) {
        problem = fmt::format("{}: unknown instrument", request.symbol);
    } else if (!approved.quote_budget) {
        request.qty = inst->round_qty(request.qty, Round::kTowardZero);
        if (request.limit_price) {
            request.limit_price = inst->round_price(
                *request.limit_price, request.side == Side::kBuy ? Round::kDown : Round::kUp);
        }
        if (request.trigger_price) {
            request.trigger_price = inst->round_price(*request.trigger_price, Round::kHalfEven);
        }
        const Price reference =
            request.limit_price.value_or(request.trigger_price.value_or(inst->tick_size));
        if (auto valid = inst->validate_order(request.limit_price, request.qty, reference);
            !valid) {
            // Market orders have no price here; the venue checks min notional at the fill price.
            const bool market_min_notional =
                !request.limit_price &&
                valid.error().message.find("min_notional") != std::string::npos;
            if (!market_min_notional) {
                problem = valid.error().message;
            }
        }
    } else if (request.type != model::OrderType::kMarket || request.side != Side::kBuy) {
        problem = fmt::format("{}: a quote budget is only for market buys", request.symbol);
    } else if (*approved.quote_budget < inst->min_notional) {
        // The exchange would refuse it (MIN_NOTIONAL / NOTIONAL): do not send it.
        problem = fmt::format(
            "{}: quote budget {} is below min_notional {}",
            request.symbol,
            *approved.quote_budget,
            inst->min_notional);
    }
    // Keep memory bounded in long runs: forget finished orders once there are many.
    if (orders_.size() >= kMaxRememberedOrders) {
        std::erase_if(
            orders_, [](const auto& kv) { return model::is_terminal(kv.second.status()); });
    }
    auto [it, inserted] =
        orders_.emplace(*id, model::Order(*id, request, now, approved.quote_budget));
    model::Order& order = it->second;
    if (!problem.empty()) {
        reject(order, problem);
        return std::nullopt;
    }
    working_.push_back(*id);
    submit(order, approved.quote_budget);
    return *id;
}

void OrderManager::submit(model::Order& order, std::optional<Money> quote_budget) {
    const Timestamp now = clock_.now();
    if (venue_ == nullptr) {
        reject(order, "no venue connected");
        return;
    }
    order.count_attempt();
    if (order.status() == OrderStatus::kNew) {
        must(order.transition(OrderStatus::kSubmitted, now));
        sink_.emit(model::OrderPlaced{now, now, order.id(), order.request()});
    }
    const Status sent = venue_->submit(order, quote_budget);
    if (sent || sent.error().code == ErrorCode::kAlreadyExists) {
        if (order.status() == OrderStatus::kSubmitted) {
            must(order.transition(OrderStatus::kAccepted, now));
        }
        return;
    }
    const bool transient =
        sent.error().code == ErrorCode::kUnavailable || sent.error().code == ErrorCode::kTimeout;
    if (transient && order.attempts() < retry_.max_attempts) {
        Duration wait = retry_.initial_backoff;
        for (int k = 1; k < order.attempts() && wait < retry_.max_backoff; ++k) {
            wait = wait * 2;
        }
        wait = std::min(wait, retry_.max_backoff);
        log::warn(
            "order {}: venue error ({}), retry {} in {}",
            order.id().str(),
            sent.error().message,
            order.attempts(),
            wait);
        retries_.push_back(Retry{order.id(), now + wait, quote_budget});
        return;
    }
    reject(
        order,
        transient
            ? fmt::format(
                  "venue unavailable after {} attempts: {}", order.attempts(), sent.error().message)
            : sent.error().message);
}

void OrderManager::reject(model::Order& order, std::string_view reason) {
    const Timestamp now = clock_.now();
    must(order.transition(OrderStatus::kRejected, now));
    ++rejected_;
    working_.erase(std::remove(working_.begin(), working_.end(), order.id()), working_.end());
    const model::Text text(fmt::format("order {} rejected: {}", order.id().str(), reason));
    sink_.emit(model::OrderRejected{now, now, order.id(), order.request().symbol, text});
    sink_.emit(model::AlertLogged{now, now, model::AlertLevel::kWarning, text});
}

void OrderManager::on_timer() {
    if (retries_.empty()) {
        return;
    }
    const Timestamp now = clock_.now();
    const std::size_t n = retries_.size();
    for (std::size_t i = 0; i < n; ++i) {
        Retry r = retries_.front();
        retries_.pop_front();
        if (r.due > now) {
            retries_.push_back(r);
            continue;
        }
        model::Order* order = find(r.id);
        if (order != nullptr && !model::is_terminal(order->status())) {
            submit(*order, r.quote_budget);
        }
    }
}

Status OrderManager::adopt(const model::Order& order) {
    if (orders_.count(order.id()) != 0) {
        return make_error(
            ErrorCode::kAlreadyExists, fmt::format("order {} is known", order.id().str()));
    }
    if (order.status() != OrderStatus::kNew) {
        return make_error(
            ErrorCode::kInvalidArgument,
            fmt::format("order {}: only a new order can be adopted", order.id().str()));
    }
    model::Order adopted = order;
    const Timestamp now = clock_.now();
    must(adopted.transition(OrderStatus::kSubmitted, now));
    must(adopted.transition(OrderStatus::kAccepted, now));
    working_.push_back(adopted.id());
    orders_.emplace(adopted.id(), std::move(adopted));
    return ok_status();
}

void OrderManager::cancel(const ClientOrderId& id, std::string_view reason) {
    model::Order* order = find(id);
    if (order == nullptr || model::is_terminal(order->status()) || venue_ == nullptr) {
        return;
    }
    // kNotFound: the venue no longer has it (filled or canceled, the event is on its way).
    if (auto s = venue_->cancel(id); !s && s.error().code != ErrorCode::kNotFound) {
        const Timestamp now = clock_.now();
        sink_.emit(model::AlertLogged{
            now,
            now,
            model::AlertLevel::kWarning,
            model::Text(
                fmt::format("cancel of {} ({}) failed: {}", id.str(), reason, s.error().message))});
    }
}

void OrderManager::cancel_all(const Symbol& symbol, std::string_view reason) {
    const std::vector<ClientOrderId> ids = working_;
    for (const auto& id : ids) {
        if (orders_.at(id).request().symbol == symbol) {
            cancel(id, reason);
        }
    }
}

void OrderManager::on_fill(const model::OrderFilled& filled) {
    const model::Fill& fill = filled.fill;
    model::Order* order = find(fill.order_id);
    const Timestamp now = clock_.now();
    if (order == nullptr) {
        sink_.emit(model::AlertLogged{
            now,
            now,
            model::AlertLevel::kCritical,
            model::Text(fmt::format("fill for unknown order {}", fill.order_id.str()))});
        return;
    }
    if (model::is_terminal(order->status())) {
        // A venue reporting a fill after it finished the order: the fill is real (the portfolio
        // books it), the order's history is not rewritten.
        sink_.emit(model::AlertLogged{
            now,
            now,
            model::AlertLevel::kCritical,
            model::Text(fmt::format(
                "fill of {} for order {} after it was {}",
                fill.qty,
                fill.order_id.str(),
                model::to_string(order->status())))});
        return;
    }
    if (auto s = order->apply_fill(fill.qty, fill.price, fill.fee, now, filled.order_complete);
        !s) {
        sink_.emit(model::AlertLogged{
            now, now, model::AlertLevel::kCritical, model::Text(s.error().message)});
        return;
    }
    if (model::is_terminal(order->status())) {
        working_.erase(std::remove(working_.begin(), working_.end(), order->id()), working_.end());
    }
}

void OrderManager::on_rejected(const model::OrderRejected& rejected) {
    finish(rejected.order_id, OrderStatus::kRejected);
}

void OrderManager::on_canceled(const model::OrderCanceled& canceled) {
    finish(canceled.order_id, OrderStatus::kCanceled);
}

void OrderManager::finish(const ClientOrderId& id, OrderStatus status) {
    model::Order* order = find(id);
    if (order == nullptr) {
        return;  // forgotten long ago (bounded memory) or never ours
    }
    if (model::is_terminal(order->status())) {
        if (order->status() != status) {
            const Timestamp now = clock_.now();
            sink_.emit(model::AlertLogged{
                now,
                now,
                model::AlertLevel::kWarning,
                model::Text(fmt::format(
                    "venue reports order {} {} after it was {}",
                    id.str(),
                    model::to_string(status),
                    model::to_string(order->status())))});
        }
        return;
    }
    must(order->transition(status, clock_.now()));
    if (status == OrderStatus::kRejected) {
        ++rejected_;
    }
    working_.erase(std::remove(working_.begin(), working_.end(), order->id()), working_.end());
}

}  // namespace ats::execution
