#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ats/binance/http_client.hpp"
#include "ats/binance/local_book.hpp"
#include "ats/binance/signing.hpp"
#include "ats/binance/tls.hpp"
#include "ats/core/clock.hpp"
#include "ats/core/error.hpp"
#include "ats/core/fixed_point.hpp"
#include "ats/core/side.hpp"
#include "ats/core/time.hpp"
#include "ats/model/bar.hpp"
#include "ats/model/instrument.hpp"

namespace ats::binance {

struct RestConfig {
    /// e.g. "https://api.binance.com" or "http://127.0.0.1:8900"; paths /api/v3/... are appended
    std::string base_url;
    TlsOptions tls;       ///< https only: extra trusted CA file
    std::string api_key;  ///< needed for signed calls only; never logged
    std::string api_secret;
    Duration timeout = Duration::from_seconds(10);
    std::int64_t recv_window_ms = 5000;
    int max_attempts = 8;  ///< per call, across 429/418/5xx/timeouts
    int weight_limit_per_minute = 6000;
    /// Before a request that would take the used weight (X-MBX-USED-WEIGHT-1M) above this
    /// fraction of the limit, wait for the next minute.
    double weight_headroom = 0.9;
    /// A 418 ban or a Retry-After longer than this is an error instead of a wait.
    Duration max_wait = Duration::from_seconds(120);
};

/// What the client did, for logs, the progress line and tests.
struct RestStats {
    std::int64_t requests = 0;
    std::int64_t rate_limited = 0;   ///< 429 replies
    std::int64_t banned = 0;         ///< 418 replies
    std::int64_t server_errors = 0;  ///< 5xx replies
    std::int64_t timeouts = 0;       ///< transport timeouts and failures
    std::int64_t retries = 0;
    std::int64_t weight_pauses = 0;  ///< waits for the next minute to stay under the weight limit
    std::int64_t unknown_order_status = 0;  ///< order sends whose fate had to be queried
    std::int64_t order_resends = 0;         ///< resends after the query proved the order absent
    /// Unknown outcomes the user data stream settled (the order's report came in): queried at
    /// once instead of after the recvWindow wait.
    std::int64_t stream_proofs = 0;
    int used_weight = 0;  ///< last X-MBX-USED-WEIGHT-1M seen
};

struct NewOrder {
    std::string symbol;
    Side side = Side::kBuy;
    /// LIMIT, MARKET, LIMIT_MAKER, STOP_LOSS, STOP_LOSS_LIMIT, TAKE_PROFIT, TAKE_PROFIT_LIMIT
    std::string type = "LIMIT";
    Qty quantity;  ///< ignored when quote_order_qty is set
    /// MARKET only: spend (BUY) or receive (SELL) this much quote asset.
    std::optional<Money> quote_order_qty;
    std::optional<Price> price;         ///< LIMIT, LIMIT_MAKER and the *_LIMIT trigger types
    std::optional<Price> stop_price;    ///< the trigger types
    std::string time_in_force = "GTC";  ///< LIMIT and the *_LIMIT trigger types
    std::string client_order_id;        ///< generated when empty; reused on every retry
};

/// One leg of an OCO list: its type (LIMIT_MAKER, STOP_LOSS(_LIMIT), TAKE_PROFIT(_LIMIT)),
/// prices and client order id.
struct OcoLeg {
    std::string type;
    std::optional<Price> price;
    std::optional<Price> stop_price;
    std::string client_order_id;  ///< required: the list is found by it after a timeout
};

/// POST /api/v3/orderList/oco: a sell has its take-profit leg above the market and its stop
/// below (a buy the mirror); both share the quantity.
struct NewOco {
    std::string symbol;
    Side side = Side::kSell;
    Qty quantity;
    OcoLeg above;
    OcoLeg below;
    std::string list_client_order_id;  ///< generated when empty
};

/// The parameters of POST /api/v3/orderList/oco, in send order.
Params new_oco_params(const NewOco& oco);

/// The parameters of POST /api/v3/order for `order` (client order id included), in send order.
Params new_order_params(const NewOrder& order);

/// The request target of a signed call: "/api/v3<path>?<params>&timestamp=..&recvWindow=..
/// &signature=<HMAC-SHA256 hex>", exactly as RestClient sends it (with the X-MBX-APIKEY header).
std::string signed_target(
    std::string_view path,
    Params params,
    std::string_view secret,
    std::int64_t timestamp_ms,
    std::int64_t recv_window_ms);

struct OrderState {
    std::string symbol;
    std::int64_t order_id = 0;
    std::string client_order_id;
    std::string status;  ///< NEW, PARTIALLY_FILLED, FILLED, CANCELED, EXPIRED, REJECTED
    Price price;
    Qty orig_qty;
    Qty executed_qty;
    Money cumulative_quote;
    std::int64_t transact_time_ms = 0;  ///< the exchange's stamp (order replies; 0 when absent)
    std::int64_t order_list_id = -1;    ///< the OCO list of the order, else -1
};

/// An OCO list: its id and its legs' states (above leg first, as sent).
struct OrderListState {
    std::int64_t list_id = -1;
    std::string list_client_order_id;
    std::vector<OrderState> orders;
};

/// One of our trades (GET /myTrades).
struct AccountTrade {
    std::int64_t id = 0;
    std::int64_t order_id = 0;
    Price price;
    Qty qty;
    Money quote_qty;
    Qty commission;  ///< in commission_asset
    std::string commission_asset;
    std::int64_t time_ms = 0;
    bool buyer = false;
    bool maker = false;
};

/// Free and locked amount of one asset, 8 decimals (a Qty whatever the asset).
struct AssetBalance {
    std::string asset;
    Qty free;
    Qty locked;
};

/// Binance Spot REST client: public market data and signed order/account calls, rate-limit aware
/// (weight headers, 429 Retry-After, 418), with a server time offset and recvWindow. Order
/// placement is idempotent: after a timeout or 5xx it queries the order by its client order id
/// before any resend, so an order is never sent twice. Not thread-safe.
class RestClient {
public:
    /// Waits for a duration; tests inject a fake. Default: std::this_thread::sleep_for.
    using Sleeper = std::function<void(Duration)>;

    static Result<RestClient> create(RestConfig config, const Clock& clock, Sleeper sleeper = {});

    RestClient(RestClient&&) noexcept;
    RestClient& operator=(RestClient&&) noexcept;
    ~RestClient();

    Result<std::int64_t> server_time_ms();
    /// Measures the offset server - local from GET /time (midpoint of the round trip).
    Status sync_time();
    std::int64_t time_offset_ms() const noexcept;

    /// GET /klines: bars with open time in [start_ms, end_ms], at most `limit` (<= 1000). A
    /// negative bound is not sent: (-1, -1) gives the latest `limit` bars, the last one possibly
    /// still open (close time in the future).
    Result<std::vector<model::Bar>> klines(
        const std::string& symbol,
        const std::string& interval,
        std::int64_t start_ms,
        std::int64_t end_ms,
        int limit);

    /// GET /exchangeInfo for one symbol: base and quote assets and the PRICE_FILTER, LOT_SIZE and
    /// NOTIONAL / MIN_NOTIONAL filters. kNotFound for a symbol the exchange does not list,
    /// kParse for a reply without the filters an order needs.
    Result<model::Instrument> instrument(const std::string& symbol);

    /// GET /depth: a snapshot of up to `limit` (<= 5000) levels per side.
    Result<DepthSnapshot> depth(const std::string& symbol, int limit);

    Result<OrderState> place_order(NewOrder order);
    /// Places an OCO list, as idempotently as place_order (its legs' client ids are the proof).
    Result<OrderListState> place_oco(NewOco oco);
    /// DELETE /orderList: cancels both legs. kNotFound when the list has no open leg.
    Result<OrderListState> cancel_order_list(const std::string& symbol, std::int64_t list_id);
    /// kNotFound (-2013) when the exchange has no such order.
    Result<OrderState> query_order(const std::string& symbol, const std::string& client_order_id);
    Result<OrderState> cancel_order(const std::string& symbol, const std::string& client_order_id);
    Result<std::vector<AssetBalance>> balances();
    /// DELETE /openOrders: cancels every open order of `symbol` (an OCO list with both legs).
    /// Returns how many orders were canceled (0 when none was open).
    Result<std::size_t> cancel_open_orders(const std::string& symbol);
    /// GET /ticker/price: the last traded price.
    Result<Price> last_price(const std::string& symbol);
    /// GET /myTrades for one order.
    Result<std::vector<AccountTrade>> my_trades(const std::string& symbol, std::int64_t order_id);

    const RestStats& stats() const noexcept;

    /// After an order send whose outcome is unknown, asked first: true when `client_order_id`
    /// is proven to have reached the exchange (its execution report came on the user data
    /// stream), waiting for that proof up to the given time. The client then queries the order
    /// at once; without proof it waits out timestamp + recvWindow before the query decides.
    using OrderProbe = std::function<bool(const std::string& client_order_id, Duration wait)>;
    void set_order_probe(OrderProbe probe);

private:
    struct Impl;
    explicit RestClient(std::unique_ptr<Impl> impl);
    /// POSTs an order request that must never execute twice: after a timeout or 5xx it waits
    /// until the request can no longer land, then queries `probe_id`; found, the reply is
    /// nullopt (the caller reads the order), not found, it resends.
    Result<std::optional<std::string>> send_new(
        std::string_view path,
        const Params& params,
        const std::string& symbol,
        const std::string& probe_id);
    std::unique_ptr<Impl> impl_;
};

}  // namespace ats::binance
