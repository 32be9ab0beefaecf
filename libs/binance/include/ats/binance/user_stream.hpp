#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "ats/binance/rest_client.hpp"
#include "ats/binance/tls.hpp"
#include "ats/binance/ws_client.hpp"
#include "ats/core/clock.hpp"
#include "ats/core/error.hpp"
#include "ats/core/fixed_point.hpp"
#include "ats/core/time.hpp"

namespace ats::binance {

/// One `executionReport` of the user data stream: a change of one of the account's orders.
struct ExecutionReport {
    std::string symbol;
    std::string client_order_id;       ///< `c`; on a cancel the cancel request's id
    std::string orig_client_order_id;  ///< `C`: the canceled order's own id (else empty)
    std::string side;                  ///< BUY / SELL
    std::string exec_type;             ///< `x`: NEW, TRADE, CANCELED, EXPIRED, REJECTED, ...
    std::string status;                ///< `X`: NEW, PARTIALLY_FILLED, FILLED, CANCELED, ...
    std::int64_t order_id = 0;
    std::int64_t trade_id = -1;  ///< -1 unless exec_type is TRADE
    Qty last_qty;                ///< `l`
    Price last_price;            ///< `L`
    Qty cumulative_qty;          ///< `z`
    Qty commission;              ///< `n`, in commission_asset
    std::string commission_asset;
    bool maker = false;
    std::int64_t transact_ms = 0;  ///< `T`

    /// The order this report is about: `C` for cancels, else `c`.
    const std::string& order_client_id() const noexcept {
        return orig_client_order_id.empty() ? client_order_id : orig_client_order_id;
    }
};

/// One `outboundAccountPosition`: balances after a change.
struct AccountUpdate {
    std::int64_t event_ms = 0;
    std::vector<AssetBalance> balances;
};

using UserEvent = std::variant<ExecutionReport, AccountUpdate>;

/// Parses one message of the WebSocket API connection: an event wrapped as
/// {"subscriptionId":N,"event":{...}} (or bare). nullopt for messages that are not user events
/// (replies, other event types such as balanceUpdate); kParse for malformed JSON or a report
/// missing fields.
Result<std::optional<UserEvent>> parse_user_event(std::string_view text);

struct UserStreamConfig {
    std::string url;  ///< the WebSocket API, e.g. "ws://127.0.0.1:8900/ws-api/v3"
    std::string api_key;
    std::string api_secret;                        ///< signs the subscription; never logged
    Duration timeout = Duration::from_seconds(5);  ///< connect and subscription reply
    std::int64_t recv_window_ms = 5000;
    TlsOptions tls;  ///< for wss://
};

struct UserStreamStats {
    std::uint64_t messages = 0;
    std::uint64_t events = 0;        ///< executionReport + outboundAccountPosition delivered
    std::uint64_t bad_messages = 0;  ///< malformed (counted, logged, skipped)
};

/// The account's user data stream over Binance's WebSocket API: connects, subscribes with
/// `userDataStream.subscribe.signature` (apiKey and timestamp signed with HMAC-SHA256, sorted
/// by name) and yields execution reports and balance updates. The legacy listenKey flow is not
/// used (retired by Binance in 2026). Blocking, not thread-safe.
class UserStream {
public:
    /// Connects and subscribes. `time_offset_ms` is server - local (RestClient::time_offset_ms).
    /// A refusal (bad key, signature or timestamp) is kRejected with Binance's code and message,
    /// transport failures kUnavailable / kTimeout.
    static Result<UserStream> connect(
        const UserStreamConfig& config, const Clock& clock, std::int64_t time_offset_ms);

    /// The next user event within `wait` (nullopt when none came). kUnavailable when the
    /// connection is gone: reconnect (events in between are lost: re-read the orders over REST).
    Result<std::optional<UserEvent>> next(Duration wait);

    const UserStreamStats& stats() const noexcept { return stats_; }

private:
    explicit UserStream(WsClient ws) : ws_(std::move(ws)) {}
    WsClient ws_;
    UserStreamStats stats_;
};

}  // namespace ats::binance
