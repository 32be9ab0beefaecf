#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "ats/core/fixed_point.hpp"
#include "ats/core/ids.hpp"
#include "ats/core/symbol.hpp"
#include "ats/core/time.hpp"
#include "ats/model/bar.hpp"
#include "ats/model/order.hpp"

namespace ats::model {

/// A short message stored inline (no heap allocation per event); longer text is truncated.
class Text {
public:
    static constexpr std::size_t kCapacity = 119;

    Text() = default;
    explicit Text(std::string_view s) noexcept
        : size_(static_cast<std::uint8_t>(std::min(s.size(), kCapacity))) {
        std::copy_n(s.data(), size_, chars_.data());
    }
    std::string_view view() const noexcept { return {chars_.data(), size_}; }
    std::string str() const { return std::string(view()); }
    friend bool operator==(const Text& a, const Text& b) noexcept { return a.view() == b.view(); }

private:
    std::array<char, kCapacity> chars_{};
    std::uint8_t size_ = 0;
};

/// Which way a strategy wants to be. kFlat asks to close.
enum class Direction : std::int8_t { kShort = -1, kFlat = 0, kLong = 1 };
std::string_view to_string(Direction d) noexcept;

/// Every event is an immutable past-tense fact with the time it happened (ts_event) and the
/// time the engine built it (ts_init). The engine dispatches them in one thread, in order:
/// MarketData -> SignalGenerated -> RiskCheck -> OrderApproved | SignalRejected -> OrderPlaced ->
/// OrderFilled -> PositionUpdated -> StateSaved; rejections raise AlertLogged.
struct MarketData {
    Timestamp ts_event;
    Timestamp ts_init;
    Symbol symbol;
    Bar bar;
};

struct SignalGenerated {
    Timestamp ts_event;
    Timestamp ts_init;
    Symbol symbol;
    Direction direction = Direction::kFlat;
    double strength = 1.0;    ///< 0..1, how strong the setup is
    double confidence = 1.0;  ///< 0..1, e.g. a classifier's probability
    Text reason;
};

/// Why an order exists.
enum class OrderPurpose : std::uint8_t { kEntry, kExit, kStopLoss, kTakeProfit };
std::string_view to_string(OrderPurpose purpose) noexcept;

/// The order a signal turned into, as the risk engine is asked to check it.
struct RiskCheck {
    Timestamp ts_event;
    Timestamp ts_init;
    OrderRequest request;
    std::optional<Money> quote_budget;  ///< all-in market buys: spend this much, fees included
    OrderPurpose purpose = OrderPurpose::kEntry;
    Text reason;  ///< the signal's reason
};

struct OrderApproved {
    Timestamp ts_event;
    Timestamp ts_init;
    OrderRequest request;
    std::optional<Money> quote_budget;
    OrderPurpose purpose = OrderPurpose::kEntry;
    Text reason;  ///< why the order exists ("fast average crossed above slow", "stop loss")
};

struct SignalRejected {
    Timestamp ts_event;
    Timestamp ts_init;
    Symbol symbol;
    Text reason;
};

struct OrderPlaced {
    Timestamp ts_event;
    Timestamp ts_init;
    ClientOrderId order_id;
    OrderRequest request;
};

/// The venue or the order manager refused an order (bad filters, no funds, venue error).
struct OrderRejected {
    Timestamp ts_event;
    Timestamp ts_init;
    ClientOrderId order_id;
    Symbol symbol;
    Text reason;
};

struct OrderCanceled {
    Timestamp ts_event;
    Timestamp ts_init;
    ClientOrderId order_id;
    Symbol symbol;
    Text reason;
};

struct OrderFilled {
    Timestamp ts_event;
    Timestamp ts_init;
    Fill fill;
    /// The venue has nothing left of the order to fill after this one. A quote-budget order's
    /// quantity is only known at its end, so its last fill must say so; for quantity orders the
    /// order manager also completes on the quantity.
    bool order_complete = false;
};

struct PositionUpdated {
    Timestamp ts_event;
    Timestamp ts_init;
    Symbol symbol;
    Qty qty;  ///< signed: negative is short
    Price average_entry;
    Money realized_pnl;  ///< cumulative for the symbol, before fees
};

struct StateSaved {
    Timestamp ts_event;
    Timestamp ts_init;
    std::uint64_t sequence = 0;
};

enum class AlertLevel : std::uint8_t { kInfo, kWarning, kCritical };
std::string_view to_string(AlertLevel level) noexcept;

struct AlertLogged {
    Timestamp ts_event;
    Timestamp ts_init;
    AlertLevel level = AlertLevel::kWarning;
    Text message;
};

using Event = std::variant<
    MarketData,
    SignalGenerated,
    RiskCheck,
    OrderApproved,
    SignalRejected,
    OrderPlaced,
    OrderRejected,
    OrderCanceled,
    OrderFilled,
    PositionUpdated,
    StateSaved,
    AlertLogged>;

/// Event type name, e.g. "OrderFilled".
std::string_view event_name(const Event& event) noexcept;

/// One line of JSON describing the event, for the journal and for debugging.
std::string to_json_line(const Event& event);

}  // namespace ats::model
