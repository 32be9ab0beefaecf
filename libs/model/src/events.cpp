#include "ats/model/events.hpp"

#include <fmt/format.h>

namespace ats::model {
namespace {

template <class... Ts>
struct Overloaded : Ts... {
    using Ts::operator()...;
};
template <class... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;

// JSON string escaping for the few characters that can appear in reasons.
std::string quoted(std::string_view s) {
    std::string out = "\"";
    for (const char c : s) {
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (static_cast<unsigned char>(c) < 0x20) {
            out += fmt::format("\\u{:04x}", static_cast<unsigned>(c));
        } else {
            out += c;
        }
    }
    out += '"';
    return out;
}

std::string request_json(const OrderRequest& r) {
    std::string out = fmt::format(
        R"({{"symbol":"{}","side":"{}","type":"{}","qty":"{}")",
        r.symbol,
        to_string(r.side),
        to_string(r.type),
        r.qty);
    if (r.limit_price) {
        out += fmt::format(R"(,"limit_price":"{}")", *r.limit_price);
    }
    if (r.trigger_price) {
        out += fmt::format(R"(,"trigger_price":"{}")", *r.trigger_price);
    }
    if (r.reduce_only) {
        out += R"(,"reduce_only":true)";
    }
    out += '}';
    return out;
}

}  // namespace

std::string_view to_string(Direction d) noexcept {
    switch (d) {
        case Direction::kShort:
            return "short";
        case Direction::kFlat:
            return "flat";
        case Direction::kLong:
            return "long";
    }
    return "unknown";
}

std::string_view to_string(OrderPurpose purpose) noexcept {
    switch (purpose) {
        case OrderPurpose::kEntry:
            return "entry";
        case OrderPurpose::kExit:
            return "exit";
        case OrderPurpose::kStopLoss:
            return "stop_loss";
        case OrderPurpose::kTakeProfit:
            return "take_profit";
    }
    return "unknown";
}

std::string_view to_string(AlertLevel level) noexcept {
    switch (level) {
        case AlertLevel::kInfo:
            return "info";
        case AlertLevel::kWarning:
            return "warning";
        case AlertLevel::kCritical:
            return "critical";
    }
    return "unknown";
}

std::string_view event_name(const Event& event) noexcept {
    static constexpr std::string_view kNames[] = {
        "MarketData",
        "SignalGenerated",
        "RiskCheck",
        "OrderApproved",
        "SignalRejected",
        "OrderPlaced",
        "OrderRejected",
        "OrderCanceled",
        "OrderFilled",
        "PositionUpdated",
        "StateSaved",
        "AlertLogged",
    };
    return kNames[event.index()];
}

std::string to_json_line(const Event& event) {
    const auto head = [&](Timestamp ts_event, Timestamp ts_init) {
        return fmt::format(
            R"({{"event":"{}","ts_event":{},"ts_init":{})",
            event_name(event),
            ts_event.unix_ns(),
            ts_init.unix_ns());
    };
    return std::visit(
        Overloaded{
            [&](const MarketData& e) {
                return head(e.ts_event, e.ts_init) +
                       fmt::format(
                           R"(,"symbol":"{}","open_time":{},"open":"{}","high":"{}","low":"{}","close":"{}","volume":"{}"}})",
                           e.symbol,
                           e.bar.open_time.unix_ns(),
                           e.bar.open,
                           e.bar.high,
                           e.bar.low,
                           e.bar.close,
                           e.bar.volume);
            },
            [&](const SignalGenerated& e) {
                return head(e.ts_event, e.ts_init) +
                       fmt::format(
                           R"(,"symbol":"{}","direction":"{}","strength":{},"confidence":{},"reason":{}}})",
                           e.symbol,
                           to_string(e.direction),
                           e.strength,
                           e.confidence,
                           quoted(e.reason.view()));
            },
            [&](const RiskCheck& e) {
                return head(e.ts_event, e.ts_init) + R"(,"request":)" + request_json(e.request) +
                       (e.quote_budget ? fmt::format(R"(,"quote_budget":"{}")", *e.quote_budget)
                                       : std::string()) +
                       fmt::format(R"(,"purpose":"{}","reason":)", to_string(e.purpose)) +
                       quoted(e.reason.view()) + "}";
            },
            [&](const OrderApproved& e) {
                return head(e.ts_event, e.ts_init) + R"(,"request":)" + request_json(e.request) +
                       (e.quote_budget ? fmt::format(R"(,"quote_budget":"{}")", *e.quote_budget)
                                       : std::string()) +
                       fmt::format(R"(,"purpose":"{}","reason":)", to_string(e.purpose)) +
                       quoted(e.reason.view()) + "}";
            },
            [&](const SignalRejected& e) {
                return head(e.ts_event, e.ts_init) +
                       fmt::format(
                           R"(,"symbol":"{}","reason":{}}})", e.symbol, quoted(e.reason.view()));
            },
            [&](const OrderPlaced& e) {
                return head(e.ts_event, e.ts_init) +
                       fmt::format(R"(,"order_id":"{}","request":)", e.order_id.str()) +
                       request_json(e.request) + "}";
            },
            [&](const OrderRejected& e) {
                return head(e.ts_event, e.ts_init) +
                       fmt::format(
                           R"(,"order_id":"{}","symbol":"{}","reason":{}}})",
                           e.order_id.str(),
                           e.symbol,
                           quoted(e.reason.view()));
            },
            [&](const OrderCanceled& e) {
                return head(e.ts_event, e.ts_init) +
                       fmt::format(
                           R"(,"order_id":"{}","symbol":"{}","reason":{}}})",
                           e.order_id.str(),
                           e.symbol,
                           quoted(e.reason.view()));
            },
            [&](const OrderFilled& e) {
                const auto& f = e.fill;
                return head(e.ts_event, e.ts_init) +
                       fmt::format(
                           R"(,"order_id":"{}","symbol":"{}","side":"{}","qty":"{}","price":"{}","fee":"{}","maker":{}{}{}}})",
                           f.order_id.str(),
                           f.symbol,
                           to_string(f.side),
                           f.qty,
                           f.price,
                           f.fee,
                           f.maker,
                           f.base_fee.is_zero() ? std::string()
                                                : fmt::format(R"(,"base_fee":"{}")", f.base_fee),
                           e.order_complete ? R"(,"order_complete":true)" : "");
            },
            [&](const PositionUpdated& e) {
                return head(e.ts_event, e.ts_init) +
                       fmt::format(
                           R"(,"symbol":"{}","qty":"{}","average_entry":"{}","realized_pnl":"{}"}})",
                           e.symbol,
                           e.qty,
                           e.average_entry,
                           e.realized_pnl);
            },
            [&](const StateSaved& e) {
                return head(e.ts_event, e.ts_init) + fmt::format(R"(,"sequence":{}}})", e.sequence);
            },
            [&](const AlertLogged& e) {
                return head(e.ts_event, e.ts_init) + fmt::format(
                                                         R"(,"level":"{}","message":{}}})",
                                                         to_string(e.level),
                                                         quoted(e.message.view()));
            },
        },
        event);
}

}  // namespace ats::model
