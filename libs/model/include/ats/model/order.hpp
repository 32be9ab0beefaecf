#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "ats/core/error.hpp"
#include "ats/core/fixed_point.hpp"
#include "ats/core/ids.hpp"
#include "ats/core/side.hpp"
#include "ats/core/symbol.hpp"
#include "ats/core/time.hpp"

namespace ats::model {

enum class OrderType : std::uint8_t {
    kMarket,      ///< fill at the next available price
    kLimit,       ///< fill at limit_price or better
    kStopMarket,  ///< becomes a market order once the trigger price trades
    kStopLimit,   ///< becomes a limit order at limit_price once the trigger price trades
    kTakeProfit,  ///< market order once the price reaches the (favourable) trigger
};

enum class OrderStatus : std::uint8_t {
    kNew,              ///< built and validated, not yet sent
    kSubmitted,        ///< sent to the venue, no answer yet
    kAccepted,         ///< resting at the venue
    kPartiallyFilled,  ///< some quantity filled, the rest still working
    kFilled,           ///< terminal
    kCanceled,         ///< terminal
    kRejected,         ///< terminal
    kExpired,          ///< terminal
};

std::string_view to_string(OrderType type) noexcept;
std::string_view to_string(OrderStatus status) noexcept;
std::optional<OrderType> parse_order_type(std::string_view text) noexcept;

constexpr bool is_terminal(OrderStatus s) noexcept {
    return s == OrderStatus::kFilled || s == OrderStatus::kCanceled ||
           s == OrderStatus::kRejected || s == OrderStatus::kExpired;
}

/// Whether an order may move from `from` to `to`. Fills may repeat in kPartiallyFilled; a venue
/// may reject or cancel a working order at any time (asynchronous rejections: insufficient
/// balance at the fill, min notional at the fill price); nothing leaves a terminal state.
bool is_legal_transition(OrderStatus from, OrderStatus to) noexcept;

/// What a strategy or the risk engine asks for; the order manager turns it into an Order.
struct OrderRequest {
    Symbol symbol;
    Side side = Side::kBuy;
    OrderType type = OrderType::kMarket;
    Qty qty;
    std::optional<Price> limit_price;    ///< kLimit, kStopLimit
    std::optional<Price> trigger_price;  ///< kStopMarket, kStopLimit, kTakeProfit
    bool reduce_only = false;            ///< may only shrink a position (exits, stops)
    std::uint32_t oco_group = 0;         ///< non-zero: one fill cancels the group's other orders
};

/// Checks that the request has the prices its type needs (and only those).
Status validate_shape(const OrderRequest& request);

/// An order and its life cycle. Quantities and money are exact; `transition` refuses illegal
/// moves with kFailedPrecondition. Callers treat that as a broken invariant: the order manager
/// only asks for moves the table allows for the events it receives, so a refusal is a bug and
/// never ignored.
///
/// A quote-budget order (an all-in market buy: "spend this much quote, fees included") has no
/// quantity until the venue fills it: its request qty is zero, any positive fill is accepted, and
/// it stays kPartiallyFilled until a fill says the venue has finished it (`order_complete`).
class Order {
public:
    Order(
        ClientOrderId id,
        OrderRequest request,
        Timestamp created,
        std::optional<Money> quote_budget = std::nullopt);

    const ClientOrderId& id() const noexcept { return id_; }
    const OrderRequest& request() const noexcept { return request_; }
    OrderStatus status() const noexcept { return status_; }
    Qty filled_qty() const noexcept { return filled_qty_; }
    /// What is left to fill; zero for a quote-budget order (its quantity is the venue's).
    Qty remaining_qty() const noexcept {
        return quote_budget_ ? Qty{} : request_.qty - filled_qty_;
    }
    std::optional<Money> quote_budget() const noexcept { return quote_budget_; }
    Money filled_notional() const noexcept { return filled_notional_; }
    Money fees() const noexcept { return fees_; }
    Timestamp created() const noexcept { return created_; }
    Timestamp updated() const noexcept { return updated_; }
    std::optional<OrderId> venue_id() const noexcept { return venue_id_; }
    int attempts() const noexcept { return attempts_; }

    Status transition(OrderStatus to, Timestamp at);
    /// Adds a fill: moves to kPartiallyFilled or kFilled. A quantity order is filled when nothing
    /// remains; a quote-budget order when `order_complete` (the venue finished it).
    /// kFailedPrecondition when the fill is larger than what remains or the order is not working.
    Status apply_fill(Qty qty, Price price, Money fee, Timestamp at, bool order_complete = false);
    void set_venue_id(OrderId id) { venue_id_ = id; }
    void count_attempt() { ++attempts_; }

private:
    ClientOrderId id_;
    OrderRequest request_;
    OrderStatus status_ = OrderStatus::kNew;
    Qty filled_qty_;
    Money filled_notional_;
    Money fees_;
    Timestamp created_;
    Timestamp updated_;
    std::optional<OrderId> venue_id_;
    std::optional<Money> quote_budget_;
    int attempts_ = 0;
};

/// One execution of (part of) an order.
struct Fill {
    ClientOrderId order_id;
    Symbol symbol;
    Side side = Side::kBuy;
    Qty qty;
    Price price;
    Money fee;  ///< in the quote asset
    bool maker = false;
    Timestamp ts;
    /// Commission taken from the base asset instead (Binance charges a buy's commission in the coin
    /// received): the position changes by qty - base_fee on a buy, qty + base_fee on a sell, while
    /// the quote cash flow stays price x qty. Zero for quote-asset fees.
    Qty base_fee{};
};

}  // namespace ats::model
