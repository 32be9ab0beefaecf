#include "ats/model/order.hpp"

#include <utility>

namespace ats::model {

std::string_view to_string(OrderType type) noexcept {
    switch (type) {
        case OrderType::kMarket:
            return "market";
        case OrderType::kLimit:
            return "limit";
        case OrderType::kStopMarket:
            return "stop_market";
        case OrderType::kStopLimit:
            return "stop_limit";
        case OrderType::kTakeProfit:
            return "take_profit";
    }
    return "unknown";
}

std::optional<OrderType> parse_order_type(std::string_view text) noexcept {
    for (const auto t :
         {OrderType::kMarket,
          OrderType::kLimit,
          OrderType::kStopMarket,
          OrderType::kStopLimit,
          OrderType::kTakeProfit}) {
        if (to_string(t) == text) {
            return t;
        }
    }
    return std::nullopt;
}

std::string_view to_string(OrderStatus status) noexcept {
    switch (status) {
        case OrderStatus::kNew:
            return "new";
        case OrderStatus::kSubmitted:
            return "submitted";
        case OrderStatus::kAccepted:
            return "accepted";
        case OrderStatus::kPartiallyFilled:
            return "partially_filled";
        case OrderStatus::kFilled:
            return "filled";
        case OrderStatus::kCanceled:
            return "canceled";
        case OrderStatus::kRejected:
            return "rejected";
        case OrderStatus::kExpired:
            return "expired";
    }
    return "unknown";
}

bool is_legal_transition(OrderStatus from, OrderStatus to) noexcept {
    using S = OrderStatus;
    switch (from) {
        case S::kNew:
            return to == S::kSubmitted || to == S::kRejected || to == S::kCanceled;
        case S::kSubmitted:
            return to == S::kAccepted || to == S::kRejected || to == S::kPartiallyFilled ||
                   to == S::kFilled || to == S::kCanceled || to == S::kExpired;
        case S::kAccepted:
        case S::kPartiallyFilled:
            return to == S::kPartiallyFilled || to == S::kFilled || to == S::kCanceled ||
                   to == S::kRejected || to == S::kExpired;
        case S::kFilled:
        case S::kCanceled:
        case S::kRejected:
        case S::kExpired:
            return false;
    }
    return false;
}

Status validate_shape(const OrderRequest& r) {
    if (!r.qty.is_positive()) {
        return make_error(
            ErrorCode::kInvalidArgument,
            fmt::format("{}: order qty {} must be positive", r.symbol, r.qty));
    }
    const bool needs_limit = r.type == OrderType::kLimit || r.type == OrderType::kStopLimit;
    const bool needs_trigger = r.type == OrderType::kStopMarket ||
                               r.type == OrderType::kStopLimit || r.type == OrderType::kTakeProfit;
    if (needs_limit != r.limit_price.has_value()) {
        return make_error(
            ErrorCode::kInvalidArgument,
            fmt::format(
                "{}: a {} order {} a limit price",
                r.symbol,
                to_string(r.type),
                needs_limit ? "needs" : "takes no"));
    }
    if (needs_trigger != r.trigger_price.has_value()) {
        return make_error(
            ErrorCode::kInvalidArgument,
            fmt::format(
                "{}: a {} order {} a trigger price",
                r.symbol,
                to_string(r.type),
                needs_trigger ? "needs" : "takes no"));
    }
    return ok_status();
}

Order::Order(
    ClientOrderId id, OrderRequest request, Timestamp created, std::optional<Money> quote_budget)
    : id_(std::move(id)),
      request_(request),
      created_(created),
      updated_(created),
      quote_budget_(quote_budget) {}

Status Order::transition(OrderStatus to, Timestamp at) {
    if (!is_legal_transition(status_, to)) {
        return make_error(
            ErrorCode::kFailedPrecondition,
            fmt::format(
                "order {}: illegal transition {} -> {}",
                id_.str(),
                to_string(status_),
                to_string(to)));
    }
    status_ = to;
    updated_ = at;
    return ok_status();
}

Status Order::apply_fill(Qty qty, Price price, Money fee, Timestamp at, bool order_complete) {
    if (!qty.is_positive() || (!quote_budget_ && qty > remaining_qty())) {
        return make_error(
            ErrorCode::kFailedPrecondition,
            fmt::format(
                "order {}: fill of {} exceeds remaining {}", id_.str(), qty, remaining_qty()));
    }
    const auto notional_value = notional(price, qty, Round::kHalfEven);
    if (!notional_value) {
        return tl::unexpected(notional_value.error());
    }
    const bool done = quote_budget_ ? order_complete : qty == remaining_qty();
    const auto next = done ? OrderStatus::kFilled : OrderStatus::kPartiallyFilled;
    if (auto s = transition(next, at); !s) {
        return s;
    }
    filled_qty_ += qty;
    filled_notional_ += *notional_value;
    fees_ += fee;
    return ok_status();
}

}  // namespace ats::model
