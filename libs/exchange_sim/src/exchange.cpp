#include "ats/exchange_sim/exchange.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "ats/binance/signing.hpp"

namespace ats::exchange_sim {

namespace {

using Json = nlohmann::ordered_json;
using Int128 = detail::Int128;

constexpr std::int64_t kMsPerMinute = 60'000;
constexpr std::int64_t kMsPer10s = 10'000;
constexpr std::int64_t kMsPerDay = 86'400'000;
constexpr std::int64_t kBanMs = 120'000;
constexpr int kHitsBeforeBan = 10;
constexpr std::int64_t kMaxRecvWindowMs = 60'000;
/// Internal stream name of the account's user data stream (not subscribable by name).
const std::string kUserStream = "@user";

/// Binance pads decimals to 8 places: "0.01634790".
std::string dec(Int128 raw) {
    if (detail::fits_int64(raw)) {
        const auto narrow = static_cast<std::int64_t>(raw);
        const bool negative = narrow < 0;
        const auto magnitude = negative ? static_cast<std::uint64_t>(-(narrow + 1)) + 1U
                                        : static_cast<std::uint64_t>(narrow);
        const auto scale = static_cast<std::uint64_t>(kScale);
        return fmt::format("{}{}.{:08}", negative ? "-" : "", magnitude / scale, magnitude % scale);
    }
    // Wider (a meme coin's volume): the exact decimal, padded to 8 places.
    std::string out = detail::format_fixed(raw);
    const auto point = out.find('.');
    const std::size_t decimals = point == std::string::npos ? 0 : out.size() - point - 1;
    if (point == std::string::npos) {
        out += '.';
    }
    out.append(8 - decimals, '0');
    return out;
}

/// The simulator keeps its books in 64-bit raw units (the range of Binance's own fields); a
/// wider value (a meme coin's bar volume) saturates.
template <class T>
std::int64_t raw64(T value) {
    const Int128 r = value.raw();
    return r > INT64_MAX ? INT64_MAX : r < INT64_MIN ? INT64_MIN : static_cast<std::int64_t>(r);
}

/// price * qty in raw units of 10^-8, rounded as asked.
std::int64_t quote_of(std::int64_t price, std::int64_t qty, Round mode) {
    const Int128 product = static_cast<Int128>(price) * static_cast<Int128>(qty);
    const Int128 out = detail::div_round(product, kScale, mode);
    ATS_CHECK(detail::fits_int64(out), "notional overflow");
    return static_cast<std::int64_t>(out);
}

/// amount * 10^8 / price, rounded down to a multiple of step.
std::int64_t qty_for_quote(std::int64_t quote, std::int64_t price, std::int64_t step) {
    const Int128 raw = static_cast<Int128>(quote) * kScale / price;
    const Int128 floored = raw - raw % step;
    return detail::fits_int64(floored) ? static_cast<std::int64_t>(floored) : 0;
}

std::int64_t floor_to(std::int64_t value, std::int64_t step) {
    return value - value % step;
}

struct ApiError {
    int status = 400;
    int code = -1000;
    std::string message;
    std::int64_t retry_after_s = 0;
};

ApiError bad(int code, std::string message) {
    return ApiError{400, code, std::move(message), 0};
}

enum class OrderSide : std::uint8_t { kBuy, kSell };
enum class OrderKind : std::uint8_t {
    kLimit,
    kMarket,
    kLimitMaker,
    kStopLoss,         ///< a MARKET order once the trigger trades
    kStopLossLimit,    ///< a LIMIT order once the trigger trades
    kTakeProfit,       ///< a MARKET order once the (favourable) trigger trades
    kTakeProfitLimit,  ///< a LIMIT order once the (favourable) trigger trades
};

constexpr std::pair<std::string_view, OrderKind> kKindNames[] = {
    {"LIMIT", OrderKind::kLimit},
    {"MARKET", OrderKind::kMarket},
    {"LIMIT_MAKER", OrderKind::kLimitMaker},
    {"STOP_LOSS", OrderKind::kStopLoss},
    {"STOP_LOSS_LIMIT", OrderKind::kStopLossLimit},
    {"TAKE_PROFIT", OrderKind::kTakeProfit},
    {"TAKE_PROFIT_LIMIT", OrderKind::kTakeProfitLimit},
};

bool is_trigger(OrderKind kind) {
    return kind == OrderKind::kStopLoss || kind == OrderKind::kStopLossLimit ||
           kind == OrderKind::kTakeProfit || kind == OrderKind::kTakeProfitLimit;
}
bool is_stop_loss(OrderKind kind) {
    return kind == OrderKind::kStopLoss || kind == OrderKind::kStopLossLimit;
}
bool needs_tif(OrderKind kind) {
    return kind == OrderKind::kLimit || kind == OrderKind::kStopLossLimit ||
           kind == OrderKind::kTakeProfitLimit;
}
bool needs_price(OrderKind kind) {
    return needs_tif(kind) || kind == OrderKind::kLimitMaker;
}
/// Whether a trigger order's stop price lies above the market (it triggers when the price rises
/// to it): a buy stop loss and a sell take profit; else below.
bool triggers_above(bool buy, OrderKind kind) {
    return buy == is_stop_loss(kind);
}
enum class Tif : std::uint8_t { kGtc, kIoc, kFok };

std::string_view side_name(OrderSide side) {
    return side == OrderSide::kBuy ? "BUY" : "SELL";
}
std::string_view kind_name(OrderKind kind) {
    for (const auto& [name, k] : kKindNames) {
        if (k == kind) {
            return name;
        }
    }
    return "LIMIT";
}
std::string_view tif_name(Tif tif) {
    switch (tif) {
        case Tif::kGtc:
            return "GTC";
        case Tif::kIoc:
            return "IOC";
        case Tif::kFok:
            return "FOK";
    }
    return "GTC";
}

struct SimOrder {
    std::int64_t id = 0;
    std::size_t symbol = 0;
    std::string client_id;
    OrderSide side = OrderSide::kBuy;
    OrderKind kind = OrderKind::kLimit;
    Tif tif = Tif::kGtc;
    std::int64_t price = 0;  ///< 0 for market orders
    std::int64_t orig_qty = 0;
    std::int64_t orig_quote_qty = 0;
    std::int64_t executed = 0;
    std::int64_t cum_quote = 0;
    std::string status = "NEW";
    std::int64_t time_ms = 0;
    std::int64_t update_ms = 0;
    bool user = true;
    std::int64_t locked = 0;  ///< funds this order still holds: quote for a buy, base for a sell
    std::int64_t stop_price = 0;  ///< trigger orders
    std::int64_t list_id = -1;    ///< the OCO list it belongs to, else -1
    bool triggered = false;

    std::int64_t remaining() const { return orig_qty - executed; }
    bool open() const { return status == "NEW" || status == "PARTIALLY_FILLED"; }
    /// On the book or executing: every order but a trigger order waiting for its trigger.
    bool working() const { return !is_trigger(kind) || triggered; }
};

/// An OCO order list: two legs of which the first to execute (trigger or fill) expires the other.
struct OrderList {
    std::int64_t id = 0;
    std::string client_id;
    std::size_t symbol = 0;
    std::vector<std::int64_t> legs;
    std::int64_t time_ms = 0;
};

struct FillOut {
    std::int64_t price = 0;
    std::int64_t qty = 0;
    std::int64_t commission = 0;
    std::string commission_asset;
    std::int64_t trade_id = 0;
};

struct PublicTrade {
    std::int64_t id = 0;
    std::int64_t price = 0;
    std::int64_t qty = 0;
    std::int64_t time_ms = 0;
    bool buyer_maker = false;
};

struct MyTrade {
    std::size_t symbol = 0;
    std::int64_t id = 0;
    std::int64_t order_id = 0;
    std::int64_t price = 0;
    std::int64_t qty = 0;
    std::int64_t quote = 0;
    std::int64_t commission = 0;
    std::string commission_asset;
    std::int64_t time_ms = 0;
    bool buyer = false;
    bool maker = false;
};

struct Market {
    SymbolSpec spec;
    std::size_t cursor = 0;  ///< index of the current bar
    std::map<std::int64_t, std::deque<std::int64_t>, std::greater<>> bids;
    std::map<std::int64_t, std::deque<std::int64_t>> asks;
    std::deque<PublicTrade> trades;
    std::int64_t update_id = 1;
    std::int64_t flushed_id = 1;  ///< last update id published in a depth diff
    std::set<std::int64_t> touched_bids;
    std::set<std::int64_t> touched_asks;
    std::pair<std::int64_t, std::int64_t> last_best{-1, -1};
    std::string stream_prefix;              ///< "btcusdt@"
    std::string kline_stream;               ///< "btcusdt@kline_1m"
    std::optional<std::string> held_depth;  ///< a diff held back by the reorder fault
};

struct Balance {
    std::int64_t free = 0;
    std::int64_t locked = 0;
};

struct ClientLimits {
    std::int64_t window = -1;  ///< minute index of `used`
    int used = 0;
    int hits_over_limit = 0;
    std::int64_t banned_until_ms = 0;
};

struct Call {
    const HttpRequest* request = nullptr;
    std::string path;
    std::string query;
    binance::Params params;  ///< query then body; query wins on duplicates
    std::int64_t now_ms = 0;

    const std::string* get(std::string_view name) const {
        for (const auto& [key, value] : params) {
            if (key == name) {
                return &value;
            }
        }
        return nullptr;
    }
};

using Reply = std::variant<Json, ApiError>;

bool is_digits(std::string_view text, std::size_t max_len) {
    return !text.empty() && text.size() <= max_len &&
           std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool is_decimal(std::string_view text) {
    const auto dot = text.find('.');
    const auto whole = text.substr(0, dot);
    if (!is_digits(whole, 20)) {
        return false;
    }
    return dot == std::string_view::npos || is_digits(text.substr(dot + 1), 20);
}

}  // namespace

Result<SymbolSpec> make_symbol_spec(const std::string& symbol) {
    static constexpr std::array<std::string_view, 10> kQuotes = {
        "USDT", "USDC", "FDUSD", "BUSD", "TUSD", "BTC", "ETH", "BNB", "EUR", "TRY"};
    for (const auto quote : kQuotes) {
        if (symbol.size() > quote.size() && symbol.ends_with(quote)) {
            SymbolSpec spec;
            spec.symbol = symbol;
            spec.base = symbol.substr(0, symbol.size() - quote.size());
            spec.quote = std::string(quote);
            return spec;
        }
    }
    return make_error(
        ErrorCode::kInvalidArgument, fmt::format("{}: no known quote asset suffix", symbol));
}

Result<FaultConfig> parse_faults(const std::string& text) {
    FaultConfig out;
    binance::Params items;
    std::string normalized = text;
    std::replace(normalized.begin(), normalized.end(), ',', '&');
    if (!binance::parse_params(normalized, items)) {
        return make_error(ErrorCode::kInvalidArgument, "faults: malformed list");
    }
    for (const auto& [key, value] : items) {
        try {
            std::size_t used = 0;
            if (key == "5xx" || key == "429" || key == "executed" || key == "ws-dup" ||
                key == "ws-reorder") {
                const double p = std::stod(value, &used);
                if (used != value.size() || p < 0 || p > 1) {
                    return make_error(
                        ErrorCode::kInvalidArgument,
                        fmt::format("faults: {} must be a probability in [0,1]", key));
                }
                double* target = &out.error_5xx;
                if (key == "429") {
                    target = &out.error_429;
                } else if (key == "executed") {
                    target = &out.executed_before_5xx;
                } else if (key == "ws-dup") {
                    target = &out.stream_duplicate;
                } else if (key == "ws-reorder") {
                    target = &out.stream_reorder;
                }
                *target = p;
            } else if (key == "ws-drop" || key == "freeze") {
                const double seconds = std::stod(value, &used);
                if (!(seconds > 0) || seconds > 1e6) {
                    return make_error(
                        ErrorCode::kInvalidArgument,
                        fmt::format("faults: {} must be seconds in (0, 1e6]", key));
                }
                (key == "freeze" ? out.freeze_after_ms : out.stream_drop_ms) =
                    static_cast<std::int64_t>(seconds * 1000);
            } else if (key == "latency") {
                out.latency_ms = std::stoi(value, &used);
            } else if (key == "seed") {
                out.seed = std::stoull(value, &used);
            } else {
                return make_error(
                    ErrorCode::kInvalidArgument,
                    fmt::format(
                        "faults: unknown key '{}' (5xx, 429, latency, executed, ws-dup, "
                        "ws-reorder, ws-drop, freeze, seed)",
                        key));
            }
            if (used != value.size()) {
                return make_error(
                    ErrorCode::kInvalidArgument, fmt::format("faults: bad value for {}", key));
            }
        } catch (const std::exception&) {
            return make_error(
                ErrorCode::kInvalidArgument, fmt::format("faults: bad value for {}", key));
        }
    }
    return out;
}

struct Exchange::Impl {
    ExchangeConfig config;
    const Clock* clock = nullptr;
    std::vector<Market> markets;
    std::map<std::string, Balance> balances;
    std::unordered_map<std::int64_t, SimOrder> orders;  // user and synthetic; guarded by mu
    std::map<std::int64_t, OrderList> lists;            // OCO lists by orderListId
    std::set<std::int64_t> waiting_triggers;  // user trigger orders not triggered yet (or stale)
    std::int64_t next_list_id = 1;
    std::vector<MyTrade> my_trades;
    std::unordered_map<std::string, ClientLimits> limits;
    std::int64_t next_order_id = 1;
    std::int64_t next_synthetic_id = -1;
    std::int64_t next_trade_id = 1;
    std::int64_t next_execution_id = 1;
    std::int64_t started_ms = 0;
    std::int64_t order_window_10s = -1;
    int orders_in_10s = 0;
    std::int64_t order_window_day = -1;
    int orders_in_day = 0;
    std::size_t accepted = 0;
    std::mt19937_64 rng;
    std::map<std::uint64_t, StreamSink> sinks;
    std::uint64_t next_sink_id = 1;
    mutable std::mutex mu;

    // ---- streams

    void publish(const std::string& stream, const std::string& payload) {
        for (const auto& [id, sink] : sinks) {
            sink(stream, payload);
        }
    }

    /// The user data stream (one account): an executionReport for a user order's change, then
    /// outboundAccountPosition with the pair's balances. `fill` is the trade for x=TRADE.
    void report(
        const SimOrder& order,
        std::string_view exec_type,
        std::int64_t now_ms,
        const FillOut* fill = nullptr,
        bool maker = false) {
        if (!order.user || sinks.empty()) {
            return;
        }
        const auto& spec = markets[order.symbol].spec;
        Json event{
            {"e", "executionReport"},
            {"E", now_ms},
            {"s", spec.symbol},
            {"c", order.client_id},
            {"S", side_name(order.side)},
            {"o", kind_name(order.kind)},
            {"f", tif_name(order.tif)},
            {"q", dec(order.orig_qty)},
            {"p", dec(order.price)},
            {"P", dec(order.stop_price)},
            {"F", dec(0)},
            {"g", order.list_id},
            {"C", exec_type == "CANCELED" ? order.client_id : std::string()},
            {"x", exec_type},
            {"X", order.status},
            {"r", "NONE"},
            {"i", order.id},
            {"l", dec(fill != nullptr ? fill->qty : 0)},
            {"z", dec(order.executed)},
            {"L", dec(fill != nullptr ? fill->price : 0)},
            {"n", dec(fill != nullptr ? fill->commission : 0)},
            {"N", fill != nullptr ? Json(fill->commission_asset) : Json()},
            {"T", now_ms},
            {"t", fill != nullptr ? fill->trade_id : -1},
            {"I", next_execution_id++},
            {"w", order.open() && order.working()},
            {"m", maker},
            {"M", false},
            {"O", order.time_ms},
            {"Z", dec(order.cum_quote)},
            {"Y", dec(fill != nullptr ? quote_of(fill->price, fill->qty, Round::kDown) : 0)},
            {"Q", dec(order.orig_quote_qty)},
            {"W", order.time_ms},
            {"V", "NONE"}};
        publish(kUserStream, event.dump());
        Json assets = Json::array();
        for (const auto* asset : {&spec.base, &spec.quote}) {
            const Balance& b = balance(*asset);
            assets.push_back(Json{{"a", *asset}, {"f", dec(b.free)}, {"l", dec(b.locked)}});
        }
        publish(
            kUserStream,
            Json{{"e", "outboundAccountPosition"}, {"E", now_ms}, {"u", now_ms}, {"B", assets}}
                .dump());
    }

    void publish_depth(const Market& market, const std::string& payload) {
        publish(market.stream_prefix + "depth", payload);
        publish(market.stream_prefix + "depth@100ms", payload);
    }

    void publish_kline(const Market& market, std::int64_t now_ms) {
        if (sinks.empty()) {
            return;
        }
        const auto& bar = market.spec.bars[market.cursor];
        publish(
            market.kline_stream,
            Json{
                {"e", "kline"},
                {"E", now_ms},
                {"s", market.spec.symbol},
                {"k",
                 {{"t", bar.open_time.unix_ms()},
                  {"T", bar.close_time.unix_ms()},
                  {"s", market.spec.symbol},
                  {"i", market.kline_stream.substr(market.kline_stream.rfind('_') + 1)},
                  {"f", -1},
                  {"L", -1},
                  {"o", dec(bar.open.raw())},
                  {"c", dec(bar.close.raw())},
                  {"h", dec(bar.high.raw())},
                  {"l", dec(bar.low.raw())},
                  {"v", dec(bar.volume.raw())},
                  {"n", bar.trade_count.value_or(0)},
                  {"x", true},
                  {"q", dec(bar.quote_volume ? bar.quote_volume->raw() : 0)},
                  {"V", dec(bar.taker_buy_base_volume ? bar.taker_buy_base_volume->raw() : 0)},
                  {"Q", dec(bar.taker_buy_quote_volume ? bar.taker_buy_quote_volume->raw() : 0)},
                  {"B", "0"}}}}
                .dump());
    }

    template <class Levels>
    std::int64_t level_qty(const Levels& levels, std::int64_t price) const {
        auto it = levels.find(price);
        if (it == levels.end()) {
            return 0;
        }
        std::int64_t qty = 0;
        for (const auto id : it->second) {
            qty += orders.at(id).remaining();
        }
        return qty;
    }

    /// Publishes one depth diff per market covering every update id since the last one (so
    /// U = previous u + 1), with absolute quantities ("0" = level gone), then bookTicker when the
    /// best level changed.
    void flush(std::int64_t now_ms) {
        for (auto& market : markets) {
            if (market.update_id == market.flushed_id) {
                if (market.held_depth) {  // a reordered diff goes out at the latest now
                    publish_depth(market, *market.held_depth);
                    market.held_depth.reset();
                }
                continue;
            }
            if (!sinks.empty()) {
                Json bids = Json::array();
                Json asks = Json::array();
                for (auto it = market.touched_bids.rbegin(); it != market.touched_bids.rend();
                     ++it) {
                    bids.push_back(Json{dec(*it), dec(level_qty(market.bids, *it))});
                }
                for (const auto price : market.touched_asks) {
                    asks.push_back(Json{dec(price), dec(level_qty(market.asks, price))});
                }
                const auto payload = Json{
                    {"e", "depthUpdate"},
                    {"E", now_ms},
                    {"s", market.spec.symbol},
                    {"U", market.flushed_id + 1},
                    {"u", market.update_id},
                    {"b", bids},
                    {"a", asks}}.dump();
                if (market.held_depth) {
                    publish_depth(market, payload);  // out of order: newer first
                    publish_depth(market, *market.held_depth);
                    market.held_depth.reset();
                } else if (roll(config.faults.stream_reorder)) {
                    market.held_depth = payload;
                } else {
                    publish_depth(market, payload);
                    if (roll(config.faults.stream_duplicate)) {
                        publish_depth(market, payload);
                    }
                }
                const auto [bid, bid_qty] = best(market.bids);
                const auto [ask, ask_qty] = best(market.asks);
                if (std::pair{bid, ask} != market.last_best) {
                    market.last_best = {bid, ask};
                    publish(
                        market.stream_prefix + "bookTicker",
                        Json{
                            {"u", market.update_id},
                            {"s", market.spec.symbol},
                            {"b", dec(bid)},
                            {"B", dec(bid_qty)},
                            {"a", dec(ask)},
                            {"A", dec(ask_qty)}}
                            .dump());
                }
            }
            market.touched_bids.clear();
            market.touched_asks.clear();
            market.flushed_id = market.update_id;
        }
    }

    // ---- replay and synthetic liquidity

    /// Records that a book level changed (for the next depth diff) and bumps the update id.
    static void touch(Market& market, bool bid, std::int64_t price) {
        (bid ? market.touched_bids : market.touched_asks).insert(price);
        ++market.update_id;
    }

    void requote(std::size_t m, std::int64_t now_ms) {
        Market& market = markets[m];
        auto drop_synthetic = [&](auto& side, bool bid) {
            for (auto it = side.begin(); it != side.end();) {
                auto& queue = it->second;
                const auto removed = std::erase_if(queue, [&](std::int64_t id) {
                    if (id < 0) {
                        orders.erase(id);
                        return true;
                    }
                    return false;
                });
                if (removed > 0) {
                    touch(market, bid, it->first);
                }
                it = queue.empty() ? side.erase(it) : std::next(it);
            }
        };
        drop_synthetic(market.bids, true);
        drop_synthetic(market.asks, false);
        const auto& bar = market.spec.bars[market.cursor];
        const auto tick = market.spec.tick_size.raw();
        const auto close = bar.close.round_to(market.spec.tick_size, Round::kHalfEven).raw();
        const auto step = std::max(tick, floor_to(close / 10'000, tick));
        const auto levels = std::max(1, config.book_levels);
        auto qty = floor_to(raw64(bar.volume) / (2 * levels), raw64(market.spec.step_size));
        qty = std::max(qty, raw64(market.spec.min_qty) * 100);
        const auto best_user_bid = market.bids.empty() ? 0 : market.bids.begin()->first;
        const auto best_user_ask = market.asks.empty() ? INT64_MAX : market.asks.begin()->first;
        for (int i = 0; i < levels; ++i) {
            const auto ask = close + step * (i + 1);
            const auto bid = close - step * i;
            if (ask > best_user_bid) {
                add_synthetic(market, m, OrderSide::kSell, ask, qty, now_ms);
            }
            if (bid > 0 && bid < best_user_ask) {
                add_synthetic(market, m, OrderSide::kBuy, bid, qty, now_ms);
            }
        }
    }

    void add_synthetic(
        Market& market,
        std::size_t m,
        OrderSide side,
        std::int64_t price,
        std::int64_t qty,
        std::int64_t now_ms) {
        SimOrder order;
        order.id = next_synthetic_id--;
        order.symbol = m;
        order.side = side;
        order.price = price;
        order.orig_qty = qty;
        order.user = false;
        order.time_ms = now_ms;
        if (side == OrderSide::kBuy) {
            market.bids[price].push_back(order.id);
        } else {
            market.asks[price].push_back(order.id);
        }
        touch(market, side == OrderSide::kBuy, price);
        orders.emplace(order.id, std::move(order));
    }

    /// A new bar traded between its low and high: resting user orders inside that range fill at
    /// their own price (as makers), best price first, then by time.
    void trade_through(std::size_t m, std::int64_t now_ms) {
        Market& market = markets[m];
        const auto& bar = market.spec.bars[market.cursor];
        std::vector<std::int64_t> hit;
        for (const auto& [price, queue] : market.bids) {
            if (price < bar.low.raw()) {
                break;
            }
            for (const auto id : queue) {
                if (id > 0) {
                    hit.push_back(id);
                }
            }
        }
        for (const auto& [price, queue] : market.asks) {
            if (price > bar.high.raw()) {
                break;
            }
            for (const auto id : queue) {
                if (id > 0) {
                    hit.push_back(id);
                }
            }
        }
        for (const auto id : hit) {
            SimOrder& order = orders.at(id);
            if (!order.open()) {
                continue;  // expired by the other leg of its OCO list, filled just before
            }
            remove_from_book(order);
            const auto qty = order.remaining();
            record_public_trade(market, order.price, qty, now_ms, order.side == OrderSide::kBuy);
            apply_fill(order, order.price, qty, true, now_ms, nullptr);
            ++next_trade_id;
        }
    }

    /// The new bar traded through the stop price of waiting trigger orders: each becomes the
    /// order its type names. A market one fills at once at its stop price, or at the bar's open
    /// when the bar gapped through it; a limit one fills at its limit price when the bar reached
    /// it, else rests on the book. Of an OCO list the first leg to trigger expires the other;
    /// when one bar reaches both, the stop loss goes first (the conservative reading).
    void trigger_orders(std::size_t m, std::int64_t now_ms) {
        Market& market = markets[m];
        const auto& bar = market.spec.bars[market.cursor];
        const auto low = bar.low.raw();
        const auto high = bar.high.raw();
        const auto open = bar.open.raw();
        std::vector<std::pair<bool, std::int64_t>> hit;  // (not a stop loss, id)
        for (auto it = waiting_triggers.begin(); it != waiting_triggers.end();) {
            const std::int64_t id = *it;
            const SimOrder& o = orders.at(id);
            if (!o.open() || o.working()) {
                it = waiting_triggers.erase(it);  // triggered, canceled or expired since
                continue;
            }
            ++it;
            if (o.symbol != m) {
                continue;
            }
            const bool above = triggers_above(o.side == OrderSide::kBuy, o.kind);
            if (above ? high >= o.stop_price : low <= o.stop_price) {
                hit.emplace_back(!is_stop_loss(o.kind), id);
            }
        }
        std::sort(hit.begin(), hit.end());
        for (const auto& [not_stop, id] : hit) {
            SimOrder& o = orders.at(id);
            if (!o.open()) {
                continue;  // the other leg of its list went first
            }
            o.triggered = true;
            o.update_ms = now_ms;
            activate_list_leg(o, now_ms);
            const bool buy = o.side == OrderSide::kBuy;
            if (o.kind == OrderKind::kStopLoss || o.kind == OrderKind::kTakeProfit) {
                const auto px = triggers_above(buy, o.kind) ? std::max(o.stop_price, open)
                                                            : std::min(o.stop_price, open);
                const auto qty = o.remaining();
                record_public_trade(market, px, qty, now_ms, !buy);
                apply_fill(o, px, qty, false, now_ms, nullptr);
                ++next_trade_id;
                continue;
            }
            const bool reached = buy ? low <= o.price : high >= o.price;
            if (reached) {
                const auto qty = o.remaining();
                record_public_trade(market, o.price, qty, now_ms, buy);
                apply_fill(o, o.price, qty, true, now_ms, nullptr);
                ++next_trade_id;
            } else {
                (buy ? market.bids[o.price] : market.asks[o.price]).push_back(o.id);
                touch(market, buy, o.price);
            }
        }
    }

    /// `order`, a leg of an OCO list, executes: the list's funds move to it and the other legs
    /// expire.
    void activate_list_leg(SimOrder& order, std::int64_t now_ms) {
        const auto it = lists.find(order.list_id);
        if (it == lists.end()) {
            return;
        }
        bool changed = false;
        for (const auto leg : it->second.legs) {
            SimOrder& other = orders.at(leg);
            if (leg == order.id || !other.open()) {
                continue;
            }
            order.locked += other.locked;
            other.locked = 0;
            if (other.working()) {
                remove_from_book(other);
            }
            other.status = "EXPIRED";
            other.update_ms = now_ms;
            report(other, "EXPIRED", now_ms);
            changed = true;
        }
        if (changed) {
            report_list(it->second, now_ms);
        }
    }

    /// bookTicker quotes at the new bar's open, then its low and high (high first for a
    /// falling bar), a tick wide.
    void publish_path(Market& market) {
        if (sinks.empty()) {
            return;
        }
        const auto& bar = market.spec.bars[market.cursor];
        const bool up = bar.close >= bar.open;
        for (const Price px : {bar.open, up ? bar.low : bar.high, up ? bar.high : bar.low}) {
            publish(
                market.stream_prefix + "bookTicker",
                Json{
                    {"u", market.update_id},
                    {"s", market.spec.symbol},
                    {"b", dec(px.raw())},
                    {"B", dec(Qty::from_units(1).raw())},
                    {"a", dec((px + market.spec.tick_size).raw())},
                    {"A", dec(Qty::from_units(1).raw())}}
                    .dump());
        }
    }

    void advance(std::int64_t now_ms) {
        for (std::size_t m = 0; m < markets.size(); ++m) {
            Market& market = markets[m];
            const auto last = market.spec.bars.size() - 1;
            std::size_t target = market.cursor;
            if (config.bar_period_ms > 0 && now_ms > started_ms) {
                // The freeze fault: the market stops (no new bar) this long after the start.
                const auto elapsed =
                    config.faults.freeze_after_ms > 0
                        ? std::min(now_ms - started_ms, config.faults.freeze_after_ms)
                        : now_ms - started_ms;
                const auto steps = static_cast<std::size_t>(elapsed / config.bar_period_ms);
                target = std::min(last, std::min(config.start_bar, last) + steps);
            }
            while (market.cursor < target) {
                ++market.cursor;
                if (config.quote_path) {
                    publish_path(market);
                }
                trade_through(m, now_ms);
                trigger_orders(m, now_ms);
                requote(m, now_ms);
                publish_kline(market, now_ms);
            }
        }
    }

    // ---- balances and fills

    Balance& balance(const std::string& asset) { return balances[asset]; }

    void record_public_trade(
        Market& market,
        std::int64_t price,
        std::int64_t qty,
        std::int64_t now_ms,
        bool buyer_maker) {
        market.trades.push_back(PublicTrade{next_trade_id, price, qty, now_ms, buyer_maker});
        if (!sinks.empty()) {
            publish(
                market.stream_prefix + "trade",
                Json{
                    {"e", "trade"},
                    {"E", now_ms},
                    {"s", market.spec.symbol},
                    {"t", next_trade_id},
                    {"p", dec(price)},
                    {"q", dec(qty)},
                    {"T", now_ms},
                    {"m", buyer_maker},
                    {"M", true}}
                    .dump());
            // Every simulator trade is its own aggregate (one taker, one maker, one price).
            publish(
                market.stream_prefix + "aggTrade",
                Json{
                    {"e", "aggTrade"},
                    {"E", now_ms},
                    {"s", market.spec.symbol},
                    {"a", next_trade_id},
                    {"p", dec(price)},
                    {"q", dec(qty)},
                    {"f", next_trade_id},
                    {"l", next_trade_id},
                    {"T", now_ms},
                    {"m", buyer_maker},
                    {"M", true}}
                    .dump());
        }
        if (market.trades.size() > 1000) {
            market.trades.pop_front();
        }
    }

    /// Books a fill of `qty` at `price` for a user order: moves funds, charges the commission in
    /// the received asset and records the trade. The caller records the public trade first, so
    /// next_trade_id is that trade's id.
    void apply_fill(
        SimOrder& order,
        std::int64_t price,
        std::int64_t qty,
        bool maker,
        std::int64_t now_ms,
        std::vector<FillOut>* fills) {
        if (order.user && order.list_id >= 0) {
            activate_list_leg(order, now_ms);  // e.g. a LIMIT_MAKER leg filled on the book
        }
        const auto trade_id = next_trade_id;
        const auto quote = quote_of(price, qty, Round::kDown);
        order.executed += qty;
        order.cum_quote += quote;
        order.update_ms = now_ms;
        const bool done = order.remaining() == 0;
        order.status = done ? "FILLED" : "PARTIALLY_FILLED";
        if (!order.user) {
            return;
        }
        const auto& spec = markets[order.symbol].spec;
        Balance& base = balance(spec.base);
        Balance& quote_bal = balance(spec.quote);
        FillOut fill{price, qty, 0, "", trade_id};
        if (order.side == OrderSide::kBuy) {
            fill.commission = qty * config.fee_bps / 10'000;
            fill.commission_asset = spec.base;
            if (order.locked > 0 || order.kind != OrderKind::kMarket) {
                auto release = done
                                   ? order.locked
                                   : std::min(order.locked, quote_of(order.price, qty, Round::kUp));
                order.locked -= release;
                quote_bal.locked -= release;
                quote_bal.free += release - quote;
            } else {
                quote_bal.free -= quote;
            }
            base.free += qty - fill.commission;
        } else {
            fill.commission = quote * config.fee_bps / 10'000;
            fill.commission_asset = spec.quote;
            if (order.kind != OrderKind::kMarket) {
                const auto release = done ? order.locked : std::min(order.locked, qty);
                order.locked -= release;
                base.locked -= release;
                base.free += release - qty;
            } else {
                base.free -= qty;
            }
            quote_bal.free += quote - fill.commission;
        }
        my_trades.push_back(MyTrade{
            order.symbol,
            trade_id,
            order.id,
            price,
            qty,
            quote,
            fill.commission,
            fill.commission_asset,
            now_ms,
            order.side == OrderSide::kBuy,
            maker});
        report(order, "TRADE", now_ms, &fill, maker);
        if (fills != nullptr) {
            fills->push_back(std::move(fill));
        }
    }

    void release_lock(SimOrder& order) {
        if (!order.user || order.locked == 0) {
            return;
        }
        const auto& spec = markets[order.symbol].spec;
        Balance& bal = balance(order.side == OrderSide::kBuy ? spec.quote : spec.base);
        bal.locked -= order.locked;
        bal.free += order.locked;
        order.locked = 0;
    }

    void remove_from_book(const SimOrder& order) {
        Market& market = markets[order.symbol];
        auto erase = [&](auto& side) {
            auto it = side.find(order.price);
            if (it == side.end()) {
                return;
            }
            std::erase(it->second, order.id);
            if (it->second.empty()) {
                side.erase(it);
            }
        };
        if (order.side == OrderSide::kBuy) {
            erase(market.bids);
        } else {
            erase(market.asks);
        }
        touch(market, order.side == OrderSide::kBuy, order.price);
    }

    struct Match {
        std::int64_t maker_id = 0;
        std::int64_t price = 0;
        std::int64_t qty = 0;
    };

    /// Walks the opposite side best price first, then by time (price-time priority), up to
    /// `max_qty` base or `quote_budget` quote (when > 0) and the taker's limit price (0 = none).
    /// Does not change anything.
    std::vector<Match> plan(
        const Market& market,
        OrderSide side,
        std::int64_t limit,
        std::int64_t max_qty,
        std::int64_t quote_budget) const {
        std::vector<Match> out;
        std::int64_t left = max_qty;
        std::int64_t budget = quote_budget;
        const auto step = raw64(market.spec.step_size);
        auto walk = [&](const auto& levels, auto crosses) {
            for (const auto& [price, queue] : levels) {
                if (limit > 0 && !crosses(price)) {
                    return;
                }
                for (const auto id : queue) {
                    const SimOrder& maker = orders.at(id);
                    auto qty = std::min(left, maker.remaining());
                    if (quote_budget > 0) {
                        qty = std::min(qty, qty_for_quote(budget, price, step));
                    }
                    if (qty <= 0) {
                        return;
                    }
                    out.push_back(Match{id, price, qty});
                    left -= qty;
                    if (quote_budget > 0) {
                        budget -= quote_of(price, qty, Round::kDown);
                    }
                }
            }
        };
        if (side == OrderSide::kBuy) {
            walk(market.asks, [&](std::int64_t p) { return p <= limit; });
        } else {
            walk(market.bids, [&](std::int64_t p) { return p >= limit; });
        }
        return out;
    }

    void execute(
        Market& market,
        SimOrder& taker,
        const std::vector<Match>& matches,
        std::int64_t now_ms,
        std::vector<FillOut>& fills) {
        for (const auto& match : matches) {
            SimOrder& maker = orders.at(match.maker_id);
            record_public_trade(
                market, match.price, match.qty, now_ms, maker.side == OrderSide::kBuy);
            apply_fill(maker, match.price, match.qty, true, now_ms, nullptr);
            apply_fill(taker, match.price, match.qty, false, now_ms, &fills);
            ++next_trade_id;
            if (maker.remaining() == 0) {
                remove_from_book(maker);
                if (!maker.user) {
                    orders.erase(match.maker_id);
                }
            } else {
                touch(market, maker.side == OrderSide::kBuy, match.price);
            }
        }
    }

    // ---- rate limits and faults

    std::optional<ApiError> charge_weight(
        const std::string& client, int weight, std::int64_t now_ms, int& used_out) {
        ClientLimits& lim = limits[client];
        const auto window = now_ms / kMsPerMinute;
        if (window != lim.window) {
            lim.window = window;
            lim.used = 0;
            lim.hits_over_limit = 0;
        }
        if (lim.banned_until_ms > now_ms) {
            used_out = lim.used;
            return ApiError{
                418,
                -1003,
                fmt::format("Way too many requests; IP banned until {}.", lim.banned_until_ms),
                (lim.banned_until_ms - now_ms + 999) / 1000};
        }
        if (lim.used + weight > config.weight_limit_per_minute) {
            used_out = lim.used;
            if (++lim.hits_over_limit > kHitsBeforeBan) {
                lim.banned_until_ms = now_ms + kBanMs;
                return ApiError{
                    418,
                    -1003,
                    fmt::format("Way too many requests; IP banned until {}.", lim.banned_until_ms),
                    kBanMs / 1000};
            }
            const auto retry = ((window + 1) * kMsPerMinute - now_ms + 999) / 1000;
            return ApiError{
                429,
                -1003,
                fmt::format(
                    "Too much request weight used; current limit is {} request weight per 1 "
                    "MINUTE. Please use WebSocket Streams for live updates to avoid polling the "
                    "API.",
                    config.weight_limit_per_minute),
                retry};
        }
        lim.used += weight;
        used_out = lim.used;
        return std::nullopt;
    }

    bool roll(double p) {
        if (p <= 0) {
            return false;
        }
        return std::uniform_real_distribution<double>(0.0, 1.0)(rng) < p;
    }

    // ---- parameters

    std::optional<ApiError> need(const Call& call, std::string_view name, const std::string*& out) {
        out = call.get(name);
        if (out == nullptr || out->empty()) {
            return bad(
                -1102,
                fmt::format(
                    "Mandatory parameter '{}' was not sent, was empty/null, or malformed.", name));
        }
        return std::nullopt;
    }

    std::optional<ApiError> integer(
        const Call& call, std::string_view name, std::optional<std::int64_t>& out) {
        const auto* text = call.get(name);
        if (text == nullptr) {
            return std::nullopt;
        }
        if (!is_digits(*text, 18)) {
            return bad(
                -1100,
                fmt::format(
                    "Illegal characters found in parameter '{}'; legal range is '^[0-9]{{1,20}}$'.",
                    name));
        }
        out = std::stoll(*text);
        return std::nullopt;
    }

    std::optional<ApiError> decimal(
        const Call& call, std::string_view name, std::optional<std::int64_t>& out) {
        const auto* text = call.get(name);
        if (text == nullptr) {
            return std::nullopt;
        }
        if (!is_decimal(*text)) {
            return bad(
                -1100,
                fmt::format(
                    "Illegal characters found in parameter '{}'; legal range is "
                    "'^([0-9]{{1,20}})(\\.[0-9]{{1,20}})?$'.",
                    name));
        }
        auto raw = detail::parse_fixed(*text, "decimal");
        if (!raw) {
            return bad(-1111, fmt::format("Parameter '{}' has too much precision.", name));
        }
        out = *raw;
        return std::nullopt;
    }

    std::optional<ApiError> symbol_of(const Call& call, std::size_t& out) {
        const std::string* text = nullptr;
        if (auto e = need(call, "symbol", text)) {
            return e;
        }
        for (std::size_t i = 0; i < markets.size(); ++i) {
            if (markets[i].spec.symbol == *text) {
                out = i;
                return std::nullopt;
            }
        }
        return bad(-1121, "Invalid symbol.");
    }

    std::optional<ApiError> check_signed(const Call& call) {
        const auto& request = *call.request;
        if (request.api_key.empty()) {
            return ApiError{401, -2014, "API-key format invalid.", 0};
        }
        if (request.api_key != config.api_key) {
            return ApiError{401, -2015, "Invalid API-key, IP, or permissions for action.", 0};
        }
        // Sim rule (spec §3): raw query + raw body without the signature pair, no re-encoding.
        auto strip = [](std::string_view text, std::string& signature) {
            std::string out;
            std::size_t pos = 0;
            while (pos <= text.size()) {
                auto amp = text.find('&', pos);
                if (amp == std::string_view::npos) {
                    amp = text.size();
                }
                const auto pair = text.substr(pos, amp - pos);
                if (pair.starts_with("signature=")) {
                    signature = std::string(pair.substr(10));
                } else if (!pair.empty()) {
                    if (!out.empty()) {
                        out.push_back('&');
                    }
                    out.append(pair);
                }
                pos = amp + 1;
            }
            return out;
        };
        std::string signature;
        const auto payload = strip(call.query, signature) + strip(request.body, signature);
        if (signature.empty()) {
            return bad(
                -1102,
                "Mandatory parameter 'signature' was not sent, was empty/null, or malformed.");
        }
        if (!binance::signature_equals(
                binance::hmac_sha256_hex(config.api_secret, payload), signature)) {
            return bad(-1022, "Signature for this request is not valid.");
        }
        std::optional<std::int64_t> timestamp;
        std::optional<std::int64_t> recv_window;
        if (auto e = integer(call, "timestamp", timestamp)) {
            return e;
        }
        if (!timestamp) {
            return bad(
                -1102,
                "Mandatory parameter 'timestamp' was not sent, was empty/null, or malformed.");
        }
        if (const auto* rw = call.get("recvWindow")) {
            const auto dot = rw->find('.');
            const std::string whole = rw->substr(0, dot);
            if (!is_digits(whole, 18)) {
                return bad(-1100, "Illegal characters found in parameter 'recvWindow'.");
            }
            recv_window = std::stoll(whole);
        }
        const auto window = recv_window.value_or(5000);
        if (window > kMaxRecvWindowMs) {
            return bad(-1131, "recvWindow must be less than 60000");
        }
        if (*timestamp >= call.now_ms + 1000 || call.now_ms - *timestamp > window) {
            return bad(-1021, "Timestamp for this request is outside of the recvWindow.");
        }
        return std::nullopt;
    }

    // ---- JSON shapes

    Json symbol_json(const Market& market) const {
        const auto& s = market.spec;
        return Json{
            {"symbol", s.symbol},
            {"status", "TRADING"},
            {"baseAsset", s.base},
            {"baseAssetPrecision", 8},
            {"quoteAsset", s.quote},
            {"quotePrecision", 8},
            {"quoteAssetPrecision", 8},
            {"baseCommissionPrecision", 8},
            {"quoteCommissionPrecision", 8},
            {"orderTypes",
             {"LIMIT",
              "LIMIT_MAKER",
              "MARKET",
              "STOP_LOSS",
              "STOP_LOSS_LIMIT",
              "TAKE_PROFIT",
              "TAKE_PROFIT_LIMIT"}},
            {"icebergAllowed", false},
            {"ocoAllowed", true},
            {"otoAllowed", false},
            {"quoteOrderQtyMarketAllowed", true},
            {"allowTrailingStop", false},
            {"cancelReplaceAllowed", false},
            {"isSpotTradingAllowed", true},
            {"isMarginTradingAllowed", false},
            {"filters",
             {{{"filterType", "PRICE_FILTER"},
               {"minPrice", dec(s.min_price.raw())},
               {"maxPrice", dec(s.max_price.raw())},
               {"tickSize", dec(s.tick_size.raw())}},
              {{"filterType", "LOT_SIZE"},
               {"minQty", dec(s.min_qty.raw())},
               {"maxQty", dec(s.max_qty.raw())},
               {"stepSize", dec(s.step_size.raw())}},
              {{"filterType", "MIN_NOTIONAL"},
               {"minNotional", dec(s.min_notional.raw())},
               {"applyToMarket", true},
               {"avgPriceMins", 5}}}},
            {"permissions", Json::array()},
            {"permissionSets", {{"SPOT"}}},
            {"defaultSelfTradePreventionMode", "NONE"},
            {"allowedSelfTradePreventionModes", {"NONE"}}};
    }

    Json order_json(const SimOrder& order) const {
        return Json{
            {"symbol", markets[order.symbol].spec.symbol},
            {"orderId", order.id},
            {"orderListId", order.list_id},
            {"clientOrderId", order.client_id},
            {"price", dec(order.price)},
            {"origQty", dec(order.orig_qty)},
            {"executedQty", dec(order.executed)},
            {"cummulativeQuoteQty", dec(order.cum_quote)},
            {"status", order.status},
            {"timeInForce", tif_name(order.tif)},
            {"type", kind_name(order.kind)},
            {"side", side_name(order.side)},
            {"stopPrice", dec(order.stop_price)},
            {"icebergQty", dec(0)},
            {"time", order.time_ms},
            {"updateTime", order.update_ms},
            {"isWorking", order.working()},
            {"workingTime", order.time_ms},
            {"origQuoteOrderQty", dec(order.orig_quote_qty)},
            {"selfTradePreventionMode", "NONE"}};
    }

    /// The order result shape of POST/DELETE /order (RESULT fields).
    Json result_json(const SimOrder& order, std::int64_t transact_ms) const {
        Json out{
            {"symbol", markets[order.symbol].spec.symbol},
            {"orderId", order.id},
            {"orderListId", order.list_id},
            {"clientOrderId", order.client_id},
            {"transactTime", transact_ms},
            {"price", dec(order.price)},
            {"origQty", dec(order.orig_qty)},
            {"executedQty", dec(order.executed)},
            {"origQuoteOrderQty", dec(order.orig_quote_qty)},
            {"cummulativeQuoteQty", dec(order.cum_quote)},
            {"status", order.status},
            {"timeInForce", tif_name(order.tif)},
            {"type", kind_name(order.kind)},
            {"side", side_name(order.side)},
            {"workingTime", order.time_ms},
            {"selfTradePreventionMode", "NONE"}};
        if (is_trigger(order.kind)) {
            out["stopPrice"] = dec(order.stop_price);
        }
        return out;
    }

    /// An OCO list as POST/DELETE /orderList return it.
    Json list_json(const OrderList& list, std::int64_t transact_ms) const {
        Json legs = Json::array();
        Json reports = Json::array();
        bool open = false;
        for (const auto id : list.legs) {
            const SimOrder& leg = orders.at(id);
            open = open || leg.open();
            legs.push_back(Json{
                {"symbol", markets[leg.symbol].spec.symbol},
                {"orderId", leg.id},
                {"clientOrderId", leg.client_id}});
            reports.push_back(result_json(leg, transact_ms));
        }
        return Json{
            {"orderListId", list.id},
            {"contingencyType", "OCO"},
            {"listStatusType", open ? "EXEC_STARTED" : "ALL_DONE"},
            {"listOrderStatus", open ? "EXECUTING" : "ALL_DONE"},
            {"listClientOrderId", list.client_id},
            {"transactionTime", transact_ms},
            {"symbol", markets[list.symbol].spec.symbol},
            {"orders", legs},
            {"orderReports", reports}};
    }

    /// The user stream's listStatus event for `list`.
    void report_list(const OrderList& list, std::int64_t now_ms) {
        if (sinks.empty()) {
            return;
        }
        const Json json = list_json(list, now_ms);
        publish(
            kUserStream,
            Json{
                {"e", "listStatus"},
                {"E", now_ms},
                {"s", json["symbol"]},
                {"g", list.id},
                {"c", "OCO"},
                {"l", json["listStatusType"]},
                {"L", json["listOrderStatus"]},
                {"r", "NONE"},
                {"C", list.client_id},
                {"T", now_ms},
                {"O", json["orders"]}}
                .dump());
    }

    Json kline_json(const model::Bar& bar) const {
        return Json{
            bar.open_time.unix_ms(),
            dec(bar.open.raw()),
            dec(bar.high.raw()),
            dec(bar.low.raw()),
            dec(bar.close.raw()),
            dec(bar.volume.raw()),
            bar.close_time.unix_ms(),
            dec(bar.quote_volume ? bar.quote_volume->raw() : 0),
            bar.trade_count.value_or(0),
            dec(bar.taker_buy_base_volume ? bar.taker_buy_base_volume->raw() : 0),
            dec(bar.taker_buy_quote_volume ? bar.taker_buy_quote_volume->raw() : 0),
            "0"};
    }

    Json ticker_json(const Market& market) const {
        const auto& bars = market.spec.bars;
        const auto& last = bars[market.cursor];
        const auto from_ms = last.close_time.unix_ms() - kMsPerDay;
        std::size_t first = market.cursor;
        while (first > 0 && bars[first - 1].open_time.unix_ms() > from_ms) {
            --first;
        }
        std::int64_t high = 0;
        std::int64_t low = INT64_MAX;
        Int128 volume = 0;
        Int128 quote_volume = 0;
        std::int64_t count = 0;
        for (auto i = first; i <= market.cursor; ++i) {
            high = std::max(high, bars[i].high.raw());
            low = std::min(low, bars[i].low.raw());
            volume += bars[i].volume.raw();
            quote_volume += bars[i].quote_volume ? bars[i].quote_volume->raw() : 0;
            count += bars[i].trade_count.value_or(0);
        }
        const auto open = bars[first].open.raw();
        const auto close = last.close.raw();
        const auto change = close - open;
        const double pct =
            open > 0 ? 100.0 * static_cast<double>(change) / static_cast<double>(open) : 0.0;
        const auto [bid, bid_qty] = best(market.bids);
        const auto [ask, ask_qty] = best(market.asks);
        return Json{
            {"symbol", market.spec.symbol},
            {"priceChange", dec(change)},
            {"priceChangePercent", fmt::format("{:.3f}", pct)},
            {"weightedAvgPrice",
             dec(volume > 0 ? static_cast<std::int64_t>(
                                  static_cast<Int128>(quote_volume) * kScale / volume)
                            : close)},
            {"prevClosePrice", dec(first > 0 ? bars[first - 1].close.raw() : open)},
            {"lastPrice", dec(close)},
            {"lastQty", dec(market.trades.empty() ? 0 : market.trades.back().qty)},
            {"bidPrice", dec(bid)},
            {"bidQty", dec(bid_qty)},
            {"askPrice", dec(ask)},
            {"askQty", dec(ask_qty)},
            {"openPrice", dec(open)},
            {"highPrice", dec(high)},
            {"lowPrice", dec(low)},
            {"volume", dec(volume)},
            {"quoteVolume", dec(quote_volume)},
            {"openTime", bars[first].open_time.unix_ms()},
            {"closeTime", last.close_time.unix_ms()},
            {"firstId", market.trades.empty() ? -1 : market.trades.front().id},
            {"lastId", market.trades.empty() ? -1 : market.trades.back().id},
            {"count", count}};
    }

    template <class Levels>
    std::pair<std::int64_t, std::int64_t> best(const Levels& levels) const {
        if (levels.empty()) {
            return {0, 0};
        }
        std::int64_t qty = 0;
        for (const auto id : levels.begin()->second) {
            qty += orders.at(id).remaining();
        }
        return {levels.begin()->first, qty};
    }

    template <class Levels>
    Json depth_side(const Levels& levels, std::size_t limit) const {
        Json out = Json::array();
        for (const auto& [price, queue] : levels) {
            if (out.size() >= limit) {
                break;
            }
            std::int64_t qty = 0;
            for (const auto id : queue) {
                qty += orders.at(id).remaining();
            }
            out.push_back(Json{dec(price), dec(qty)});
        }
        return out;
    }

    // ---- endpoints

    Reply exchange_info(const Call& call) {
        Json symbols = Json::array();
        std::vector<std::string> wanted;
        if (const auto* one = call.get("symbol")) {
            wanted.push_back(*one);
        } else if (const auto* many = call.get("symbols")) {
            try {
                for (const auto& s : Json::parse(*many)) {
                    wanted.push_back(s.get<std::string>());
                }
            } catch (const std::exception&) {
                return bad(-1100, "Illegal characters found in parameter 'symbols'.");
            }
        }
        for (const auto& name : wanted) {
            if (std::none_of(markets.begin(), markets.end(), [&](const Market& m) {
                    return m.spec.symbol == name;
                })) {
                return bad(-1121, "Invalid symbol.");
            }
        }
        for (const auto& market : markets) {
            if (wanted.empty() ||
                std::find(wanted.begin(), wanted.end(), market.spec.symbol) != wanted.end()) {
                symbols.push_back(symbol_json(market));
            }
        }
        return Json{
            {"timezone", "UTC"},
            {"serverTime", call.now_ms},
            {"rateLimits",
             {{{"rateLimitType", "REQUEST_WEIGHT"},
               {"interval", "MINUTE"},
               {"intervalNum", 1},
               {"limit", config.weight_limit_per_minute}},
              {{"rateLimitType", "ORDERS"},
               {"interval", "SECOND"},
               {"intervalNum", 10},
               {"limit", config.orders_per_10s}},
              {{"rateLimitType", "ORDERS"},
               {"interval", "DAY"},
               {"intervalNum", 1},
               {"limit", config.orders_per_day}}}},
            {"exchangeFilters", Json::array()},
            {"symbols", symbols}};
    }

    Reply klines(const Call& call) {
        std::size_t m = 0;
        if (auto e = symbol_of(call, m)) {
            return *e;
        }
        const std::string* interval = nullptr;
        if (auto e = need(call, "interval", interval)) {
            return *e;
        }
        auto parsed = parse_duration(*interval);
        static constexpr std::array<std::string_view, 16> kIntervals = {
            "1s",
            "1m",
            "3m",
            "5m",
            "15m",
            "30m",
            "1h",
            "2h",
            "4h",
            "6h",
            "8h",
            "12h",
            "1d",
            "3d",
            "1w",
            "1M"};
        if (std::find(kIntervals.begin(), kIntervals.end(), *interval) == kIntervals.end()) {
            return bad(-1120, "Invalid interval.");
        }
        const Market& market = markets[m];
        if (!parsed || *parsed != market.spec.interval) {
            return bad(
                -1120,
                fmt::format(
                    "Invalid interval. This simulator replays {} bars only.",
                    market.spec.interval.to_string()));
        }
        std::optional<std::int64_t> start;
        std::optional<std::int64_t> end;
        std::optional<std::int64_t> limit;
        for (auto [name, out] :
             {std::pair{"startTime", &start},
              std::pair{"endTime", &end},
              std::pair{"limit", &limit}}) {
            if (auto e = integer(call, name, *out)) {
                return *e;
            }
        }
        const auto n =
            static_cast<std::size_t>(std::clamp<std::int64_t>(limit.value_or(500), 1, 1000));
        const auto& bars = market.spec.bars;
        const auto visible = market.cursor + 1;
        Json out = Json::array();
        if (start) {
            auto it = std::lower_bound(
                bars.begin(),
                bars.begin() + static_cast<std::ptrdiff_t>(visible),
                *start,
                [](const model::Bar& bar, std::int64_t t) { return bar.open_time.unix_ms() < t; });
            for (; it != bars.begin() + static_cast<std::ptrdiff_t>(visible) && out.size() < n;
                 ++it) {
                if (end && it->open_time.unix_ms() > *end) {
                    break;
                }
                out.push_back(kline_json(*it));
            }
            return out;
        }
        auto stop = visible;
        if (end) {
            stop = static_cast<std::size_t>(
                std::upper_bound(
                    bars.begin(),
                    bars.begin() + static_cast<std::ptrdiff_t>(visible),
                    *end,
                    [](std::int64_t t, const model::Bar& bar) {
                        return t < bar.open_time.unix_ms();
                    }) -
                bars.begin());
        }
        const auto first = stop > n ? stop - n : 0;
        for (auto i = first; i < stop; ++i) {
            out.push_back(kline_json(bars[i]));
        }
        return out;
    }

    Reply depth(const Call& call) {
        std::size_t m = 0;
        if (auto e = symbol_of(call, m)) {
            return *e;
        }
        std::optional<std::int64_t> limit;
        if (auto e = integer(call, "limit", limit)) {
            return *e;
        }
        const auto n =
            static_cast<std::size_t>(std::clamp<std::int64_t>(limit.value_or(100), 1, 5000));
        const Market& market = markets[m];
        return Json{
            {"lastUpdateId", market.update_id},
            {"bids", depth_side(market.bids, n)},
            {"asks", depth_side(market.asks, n)}};
    }

    Reply tickers(const Call& call, int kind) {
        // kind 0: 24hr, 1: price, 2: bookTicker
        auto one = [&](const Market& market) -> Json {
            if (kind == 0) {
                return ticker_json(market);
            }
            if (kind == 1) {
                return Json{
                    {"symbol", market.spec.symbol},
                    {"price", dec(market.spec.bars[market.cursor].close.raw())}};
            }
            const auto [bid, bid_qty] = best(market.bids);
            const auto [ask, ask_qty] = best(market.asks);
            return Json{
                {"symbol", market.spec.symbol},
                {"bidPrice", dec(bid)},
                {"bidQty", dec(bid_qty)},
                {"askPrice", dec(ask)},
                {"askQty", dec(ask_qty)}};
        };
        if (call.get("symbol") != nullptr) {
            std::size_t m = 0;
            if (auto e = symbol_of(call, m)) {
                return *e;
            }
            return one(markets[m]);
        }
        Json out = Json::array();
        for (const auto& market : markets) {
            out.push_back(one(market));
        }
        return out;
    }

    Reply avg_price(const Call& call) {
        std::size_t m = 0;
        if (auto e = symbol_of(call, m)) {
            return *e;
        }
        const auto& bar = markets[m].spec.bars[markets[m].cursor];
        return Json{
            {"mins", 5}, {"price", dec(bar.close.raw())}, {"closeTime", bar.close_time.unix_ms()}};
    }

    /// GET /aggTrades: each simulator trade is its own aggregate (a = f = l = trade id).
    Reply agg_trades(const Call& call) {
        std::size_t m = 0;
        if (auto e = symbol_of(call, m)) {
            return *e;
        }
        std::optional<std::int64_t> from_id;
        std::optional<std::int64_t> start;
        std::optional<std::int64_t> end;
        std::optional<std::int64_t> limit;
        for (auto [name, out] :
             {std::pair{"fromId", &from_id},
              std::pair{"startTime", &start},
              std::pair{"endTime", &end},
              std::pair{"limit", &limit}}) {
            if (auto e = integer(call, name, *out)) {
                return *e;
            }
        }
        const auto n =
            static_cast<std::size_t>(std::clamp<std::int64_t>(limit.value_or(500), 1, 1000));
        const auto& trades = markets[m].trades;
        std::vector<const PublicTrade*> picked;
        for (const auto& t : trades) {
            if ((from_id && t.id < *from_id) || (start && t.time_ms < *start) ||
                (end && t.time_ms > *end)) {
                continue;
            }
            picked.push_back(&t);
        }
        // fromId / startTime: the oldest from there; otherwise the newest `limit`.
        const bool oldest_first = from_id.has_value() || start.has_value();
        const auto first = oldest_first || picked.size() <= n ? 0 : picked.size() - n;
        Json out = Json::array();
        for (auto i = first; i < picked.size() && out.size() < n; ++i) {
            const auto& t = *picked[i];
            out.push_back(Json{
                {"a", t.id},
                {"p", dec(t.price)},
                {"q", dec(t.qty)},
                {"f", t.id},
                {"l", t.id},
                {"T", t.time_ms},
                {"m", t.buyer_maker},
                {"M", true}});
        }
        return out;
    }

    Reply recent_trades(const Call& call) {
        std::size_t m = 0;
        if (auto e = symbol_of(call, m)) {
            return *e;
        }
        std::optional<std::int64_t> limit;
        if (auto e = integer(call, "limit", limit)) {
            return *e;
        }
        const auto n =
            static_cast<std::size_t>(std::clamp<std::int64_t>(limit.value_or(500), 1, 1000));
        const auto& trades = markets[m].trades;
        Json out = Json::array();
        for (auto i = trades.size() > n ? trades.size() - n : 0; i < trades.size(); ++i) {
            const auto& t = trades[i];
            out.push_back(Json{
                {"id", t.id},
                {"price", dec(t.price)},
                {"qty", dec(t.qty)},
                {"quoteQty", dec(quote_of(t.price, t.qty, Round::kDown))},
                {"time", t.time_ms},
                {"isBuyerMaker", t.buyer_maker},
                {"isBestMatch", true}});
        }
        return out;
    }

    Reply account(const Call& call) {
        Json list = Json::array();
        const bool omit_zero =
            call.get("omitZeroBalances") != nullptr && *call.get("omitZeroBalances") == "true";
        for (const auto& [asset, bal] : balances) {
            if (omit_zero && bal.free == 0 && bal.locked == 0) {
                continue;
            }
            list.push_back(
                Json{{"asset", asset}, {"free", dec(bal.free)}, {"locked", dec(bal.locked)}});
        }
        const auto bps = dec(static_cast<std::int64_t>(config.fee_bps) * kScale / 10'000);
        return Json{
            {"makerCommission", config.fee_bps},
            {"takerCommission", config.fee_bps},
            {"buyerCommission", 0},
            {"sellerCommission", 0},
            {"commissionRates",
             {{"maker", bps}, {"taker", bps}, {"buyer", dec(0)}, {"seller", dec(0)}}},
            {"canTrade", true},
            {"canWithdraw", false},
            {"canDeposit", false},
            {"brokered", false},
            {"requireSelfTradePrevention", false},
            {"preventSor", false},
            {"updateTime", call.now_ms},
            {"accountType", "SPOT"},
            {"balances", list},
            {"permissions", {"SPOT"}},
            {"uid", 1}};
    }

    std::optional<ApiError> count_order(std::int64_t now_ms) {
        const auto w10 = now_ms / kMsPer10s;
        if (w10 != order_window_10s) {
            order_window_10s = w10;
            orders_in_10s = 0;
        }
        const auto wd = now_ms / kMsPerDay;
        if (wd != order_window_day) {
            order_window_day = wd;
            orders_in_day = 0;
        }
        if (orders_in_10s >= config.orders_per_10s) {
            return ApiError{
                429,
                -1015,
                fmt::format(
                    "Too many new orders; current limit is {} orders per TEN_SECOND.",
                    config.orders_per_10s),
                ((w10 + 1) * kMsPer10s - now_ms + 999) / 1000};
        }
        if (orders_in_day >= config.orders_per_day) {
            return ApiError{
                429,
                -1015,
                fmt::format(
                    "Too many new orders; current limit is {} orders per DAY.",
                    config.orders_per_day),
                ((wd + 1) * kMsPerDay - now_ms + 999) / 1000};
        }
        ++orders_in_10s;
        ++orders_in_day;
        return std::nullopt;
    }

    /// A validated order request, not placed yet.
    struct Prepared {
        SimOrder order;
        std::vector<Match> matches;
        std::int64_t plan_qty = 0;
        std::int64_t lock = 0;
        std::optional<std::int64_t> quote_qty;
        std::string resp_type;
    };

    /// Validates one order request (type, parameters, filters, balance) and plans its matching.
    std::variant<Prepared, ApiError> prepare(const Call& call) {
        std::size_t m = 0;
        if (auto e = symbol_of(call, m)) {
            return *e;
        }
        Market& market = markets[m];
        const auto& spec = market.spec;
        const std::string* side_text = nullptr;
        const std::string* type_text = nullptr;
        if (auto e = need(call, "side", side_text)) {
            return *e;
        }
        if (auto e = need(call, "type", type_text)) {
            return *e;
        }
        Prepared out;
        SimOrder& order = out.order;
        order.symbol = m;
        if (*side_text == "BUY") {
            order.side = OrderSide::kBuy;
        } else if (*side_text == "SELL") {
            order.side = OrderSide::kSell;
        } else {
            return bad(-1117, "Invalid side.");
        }
        const auto kind =
            std::find_if(std::begin(kKindNames), std::end(kKindNames), [&](const auto& k) {
                return k.first == *type_text;
            });
        if (kind == std::end(kKindNames)) {
            return bad(-1116, "Invalid orderType.");
        }
        order.kind = kind->second;
        const auto* tif_text = call.get("timeInForce");
        if (needs_tif(order.kind)) {
            if (tif_text == nullptr) {
                return bad(
                    -1102,
                    "Mandatory parameter 'timeInForce' was not sent, was empty/null, or "
                    "malformed.");
            }
            if (*tif_text == "GTC") {
                order.tif = Tif::kGtc;
            } else if (*tif_text == "IOC") {
                order.tif = Tif::kIoc;
            } else if (*tif_text == "FOK") {
                order.tif = Tif::kFok;
            } else {
                return bad(-1115, "Invalid timeInForce.");
            }
        } else if (tif_text != nullptr) {
            return bad(-1106, "Parameter 'timeInForce' sent when not required.");
        }
        std::optional<std::int64_t> qty;
        std::optional<std::int64_t> quote_qty;
        std::optional<std::int64_t> price;
        std::optional<std::int64_t> stop;
        for (auto [name, value] :
             {std::pair{"quantity", &qty},
              std::pair{"quoteOrderQty", &quote_qty},
              std::pair{"price", &price},
              std::pair{"stopPrice", &stop}}) {
            if (auto e = decimal(call, name, *value)) {
                return *e;
            }
        }
        if (is_trigger(order.kind) && !stop) {
            return bad(
                -1102,
                "Mandatory parameter 'stopPrice' was not sent, was empty/null, or malformed.");
        }
        if (!is_trigger(order.kind) && stop) {
            return bad(-1106, "Parameter 'stopPrice' sent when not required.");
        }
        if (order.kind == OrderKind::kMarket) {
            if (price) {
                return bad(-1106, "Parameter 'price' sent when not required.");
            }
            if (qty.has_value() == quote_qty.has_value()) {
                return bad(
                    -1102,
                    "Param 'quantity' or 'quoteOrderQty' must be sent, but both were empty!");
            }
        } else {
            if (!qty) {
                return bad(
                    -1102,
                    "Mandatory parameter 'quantity' was not sent, was empty/null, or malformed.");
            }
            if (needs_price(order.kind) && !price) {
                return bad(
                    -1102,
                    "Mandatory parameter 'price' was not sent, was empty/null, or malformed.");
            }
            if (!needs_price(order.kind) && price) {
                return bad(-1106, "Parameter 'price' sent when not required.");
            }
            if (quote_qty) {
                return bad(-1106, "Parameter 'quoteOrderQty' sent when not required.");
            }
        }
        // Filters, in integer arithmetic.
        for (const auto* value : {&price, &stop}) {
            if (!*value) {
                continue;
            }
            const auto px = **value;
            if (px <= 0) {
                return bad(-1013, value == &price ? "Invalid price." : "Invalid stopPrice.");
            }
            if ((spec.min_price.raw() > 0 && px < spec.min_price.raw()) ||
                (spec.max_price.raw() > 0 && px > spec.max_price.raw()) ||
                (spec.tick_size.raw() > 0 && px % spec.tick_size.raw() != 0)) {
                return bad(-1013, "Filter failure: PRICE_FILTER");
            }
        }
        order.price = price.value_or(0);
        if (qty) {
            if (*qty <= 0) {
                return bad(-1013, "Invalid quantity.");
            }
            if ((raw64(spec.min_qty) > 0 && *qty < raw64(spec.min_qty)) ||
                (raw64(spec.max_qty) > 0 && *qty > raw64(spec.max_qty)) ||
                (raw64(spec.step_size) > 0 && *qty % raw64(spec.step_size) != 0)) {
                return bad(-1013, "Filter failure: LOT_SIZE");
            }
            order.orig_qty = *qty;
        }
        const auto last_price = spec.bars[market.cursor].close.raw();
        {
            const auto reference = price ? *price : stop ? *stop : last_price;
            const auto notional_value =
                quote_qty ? *quote_qty : quote_of(reference, *qty, Round::kDown);
            if (notional_value < raw64(spec.min_notional)) {
                return bad(-1013, "Filter failure: MIN_NOTIONAL");
            }
        }
        if (stop) {
            const bool above = triggers_above(order.side == OrderSide::kBuy, order.kind);
            if (above ? *stop <= last_price : *stop >= last_price) {
                return bad(-2010, "Order would trigger immediately.");
            }
            order.stop_price = *stop;
        }
        if (const auto* cid = call.get("newClientOrderId")) {
            if (!valid_client_id(*cid)) {
                return bad(
                    -1100,
                    "Illegal characters found in parameter 'newClientOrderId'; legal range is "
                    "'^[a-zA-Z0-9-_]{1,36}$'.");
            }
            order.client_id = *cid;
        }
        out.resp_type =
            order.kind == OrderKind::kMarket || order.kind == OrderKind::kLimit ? "FULL" : "ACK";
        if (const auto* rt = call.get("newOrderRespType")) {
            if (*rt != "ACK" && *rt != "RESULT" && *rt != "FULL") {
                return bad(-1177, "Invalid newOrderRespType.");
            }
            out.resp_type = *rt;
        }
        if (client_id_open(order.client_id)) {
            return bad(-2010, "Duplicate order sent.");
        }
        // Balance and matching plan (a trigger order matches nothing until it triggers).
        const bool market_order = order.kind == OrderKind::kMarket;
        if (!is_trigger(order.kind)) {
            out.matches = plan(
                market,
                order.side,
                market_order ? 0 : order.price,
                quote_qty ? INT64_MAX / 4 : order.orig_qty,
                quote_qty.value_or(0));
        }
        std::int64_t plan_quote = 0;
        for (const auto& match : out.matches) {
            out.plan_qty += match.qty;
            plan_quote += quote_of(match.price, match.qty, Round::kDown);
        }
        if (order.kind == OrderKind::kLimitMaker && !out.matches.empty()) {
            return bad(-2010, "Order would immediately match and take.");
        }
        const Balance& base = balances[spec.base];
        const Balance& quote = balances[spec.quote];
        if (market_order) {
            const bool enough = order.side == OrderSide::kBuy ? quote.free >= plan_quote
                                                              : base.free >= out.plan_qty;
            if (!enough) {
                return bad(-2010, "Account has insufficient balance for requested action.");
            }
        } else {
            const auto reference = order.price > 0 ? order.price : order.stop_price;
            out.lock = order.side == OrderSide::kBuy
                           ? quote_of(reference, order.orig_qty, Round::kUp)
                           : order.orig_qty;
            if ((order.side == OrderSide::kBuy ? quote.free : base.free) < out.lock) {
                return bad(-2010, "Account has insufficient balance for requested action.");
            }
        }
        out.quote_qty = quote_qty;
        return out;
    }

    static bool valid_client_id(const std::string& id) {
        return !id.empty() && id.size() <= 36 && std::all_of(id.begin(), id.end(), [](char c) {
            return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                   c == '-' || c == '_';
        });
    }

    bool client_id_open(const std::string& client_id) const {
        if (client_id.empty()) {
            return false;
        }
        for (const auto& [id, other] : orders) {
            if (other.user && other.open() && other.client_id == client_id) {
                return true;
            }
        }
        return false;
    }

    /// Books a prepared order (id, client id, locked funds); nothing is matched yet.
    SimOrder& insert(Prepared& p, std::int64_t now_ms) {
        SimOrder order = std::move(p.order);
        const auto& spec = markets[order.symbol].spec;
        order.id = next_order_id++;
        if (order.client_id.empty()) {
            order.client_id = fmt::format("sim{:019}", order.id);
        }
        order.time_ms = now_ms;
        order.update_ms = now_ms;
        if (p.quote_qty) {
            order.orig_quote_qty = *p.quote_qty;
            order.orig_qty = p.plan_qty;  // what the budget buys or sells on the book
        }
        if (p.lock > 0) {
            order.locked = p.lock;
            Balance& held = balances[order.side == OrderSide::kBuy ? spec.quote : spec.base];
            held.free -= p.lock;
            held.locked += p.lock;
        }
        ++accepted;
        if (is_trigger(order.kind)) {
            waiting_triggers.insert(order.id);
        }
        auto [it, inserted] = orders.emplace(order.id, std::move(order));
        return it->second;
    }

    /// Puts a placed order's rest on the book (GTC limits, LIMIT_MAKER) or expires it.
    void rest_or_expire(Market& market, SimOrder& placed, std::int64_t now_ms) {
        if (placed.remaining() > 0) {
            if (is_trigger(placed.kind)) {
                return;  // waits for its trigger
            }
            const bool rests = placed.kind == OrderKind::kLimitMaker ||
                               (placed.kind == OrderKind::kLimit && placed.tif == Tif::kGtc);
            if (rests) {
                if (placed.side == OrderSide::kBuy) {
                    market.bids[placed.price].push_back(placed.id);
                } else {
                    market.asks[placed.price].push_back(placed.id);
                }
                touch(market, placed.side == OrderSide::kBuy, placed.price);
            } else {
                placed.status = "EXPIRED";
                release_lock(placed);
                report(placed, "EXPIRED", now_ms);
            }
        } else if (placed.orig_qty == 0) {
            placed.status = "EXPIRED";
            report(placed, "EXPIRED", now_ms);
        }
    }

    Reply new_order(const Call& call, bool test_only) {
        auto prepared = prepare(call);
        if (auto* e = std::get_if<ApiError>(&prepared)) {
            return *e;
        }
        auto& p = std::get<Prepared>(prepared);
        if (test_only) {
            return Json::object();
        }
        if (auto e = count_order(call.now_ms)) {
            return *e;
        }
        const std::string resp_type = p.resp_type;
        const auto matches = p.matches;
        const bool fok_short = p.order.tif == Tif::kFok && p.plan_qty < p.order.orig_qty;
        SimOrder& placed = insert(p, call.now_ms);
        Market& market = markets[placed.symbol];
        std::vector<FillOut> fills;
        report(placed, "NEW", call.now_ms);
        if (!fok_short) {
            execute(market, placed, matches, call.now_ms, fills);
        }
        rest_or_expire(market, placed, call.now_ms);
        if (resp_type == "ACK") {
            return Json{
                {"symbol", market.spec.symbol},
                {"orderId", placed.id},
                {"orderListId", placed.list_id},
                {"clientOrderId", placed.client_id},
                {"transactTime", call.now_ms}};
        }
        Json out = result_json(placed, call.now_ms);
        if (resp_type == "FULL") {
            Json list = Json::array();
            for (const auto& fill : fills) {
                list.push_back(Json{
                    {"price", dec(fill.price)},
                    {"qty", dec(fill.qty)},
                    {"commission", dec(fill.commission)},
                    {"commissionAsset", fill.commission_asset},
                    {"tradeId", fill.trade_id}});
            }
            out["fills"] = list;
        }
        return out;
    }

    /// POST /api/v3/orderList/oco: two legs on one side sharing one quantity and one lock of
    /// funds; a sell has a LIMIT_MAKER or TAKE_PROFIT(_LIMIT) leg above the market and a
    /// STOP_LOSS(_LIMIT) leg below it (a buy the mirror). The first leg to execute expires the
    /// other; canceling either cancels both.
    Reply post_oco(const Call& call) {
        std::size_t m = 0;
        if (auto e = symbol_of(call, m)) {
            return *e;
        }
        const std::string* side = nullptr;
        const std::string* above_type = nullptr;
        const std::string* below_type = nullptr;
        const std::string* quantity = nullptr;
        for (auto [name, out] :
             {std::pair{"side", &side},
              std::pair{"quantity", &quantity},
              std::pair{"aboveType", &above_type},
              std::pair{"belowType", &below_type}}) {
            if (auto e = need(call, name, *out)) {
                return *e;
            }
        }
        const bool buy = *side == "BUY";
        if (!buy && *side != "SELL") {
            return bad(-1117, "Invalid side.");
        }
        const auto allowed = [](const std::string& type, bool stop_side) {
            return stop_side ? (type == "STOP_LOSS" || type == "STOP_LOSS_LIMIT")
                             : (type == "LIMIT_MAKER" || type == "TAKE_PROFIT" ||
                                type == "TAKE_PROFIT_LIMIT");
        };
        // A sell stops out below the market and takes profit above it; a buy the other way.
        if (!allowed(*above_type, buy) || !allowed(*below_type, !buy)) {
            return bad(-1116, "Invalid orderType.");
        }
        const auto leg_call = [&](std::string_view prefix, const std::string& type) {
            Call leg = call;
            leg.params = {
                {"symbol", *call.get("symbol")},
                {"side", *side},
                {"quantity", *quantity},
                {"type", type}};
            for (const auto& [from, to] :
                 {std::pair{"Price", "price"},
                  std::pair{"StopPrice", "stopPrice"},
                  std::pair{"TimeInForce", "timeInForce"},
                  std::pair{"ClientOrderId", "newClientOrderId"}}) {
                if (const auto* value = call.get(fmt::format("{}{}", prefix, from))) {
                    leg.params.emplace_back(to, *value);
                }
            }
            return leg;
        };
        auto above = prepare(leg_call("above", *above_type));
        if (auto* e = std::get_if<ApiError>(&above)) {
            return *e;
        }
        auto below = prepare(leg_call("below", *below_type));
        if (auto* e = std::get_if<ApiError>(&below)) {
            return *e;
        }
        auto& a = std::get<Prepared>(above);
        auto& b = std::get<Prepared>(below);
        if (!a.order.client_id.empty() && a.order.client_id == b.order.client_id) {
            return bad(-2010, "Duplicate order sent.");
        }
        std::string list_client_id;
        if (const auto* cid = call.get("listClientOrderId")) {
            if (!valid_client_id(*cid)) {
                return bad(
                    -1100,
                    "Illegal characters found in parameter 'listClientOrderId'; legal range is "
                    "'^[a-zA-Z0-9-_]{1,36}$'.");
            }
            list_client_id = *cid;
        }
        if (auto e = count_order(call.now_ms)) {
            return *e;
        }
        if (auto e = count_order(call.now_ms)) {
            return *e;
        }
        // One lock for the list, held by the stop-loss leg (placed first, so it also wins a
        // bar that reaches both).
        Prepared& stop_leg = buy ? a : b;
        Prepared& other_leg = buy ? b : a;
        stop_leg.lock = std::max(stop_leg.lock, other_leg.lock);
        other_leg.lock = 0;
        OrderList list;
        list.id = next_list_id++;
        list.client_id =
            list_client_id.empty() ? fmt::format("simlist{:015}", list.id) : list_client_id;
        list.symbol = m;
        list.time_ms = call.now_ms;
        for (Prepared* leg : {&stop_leg, &other_leg}) {
            leg->order.list_id = list.id;
            SimOrder& placed = insert(*leg, call.now_ms);
            list.legs.push_back(placed.id);
        }
        const auto& stored = lists.emplace(list.id, std::move(list)).first->second;
        for (const auto id : stored.legs) {
            SimOrder& placed = orders.at(id);
            report(placed, "NEW", call.now_ms);
            rest_or_expire(markets[m], placed, call.now_ms);
        }
        report_list(stored, call.now_ms);
        return list_json(stored, call.now_ms);
    }

    /// DELETE /api/v3/orderList: cancels the open legs of a list.
    Reply cancel_list(const Call& call) {
        std::size_t m = 0;
        if (auto e = symbol_of(call, m)) {
            return *e;
        }
        std::optional<std::int64_t> id;
        if (auto e = integer(call, "orderListId", id)) {
            return *e;
        }
        const auto* cid = call.get("listClientOrderId");
        if (!id && cid == nullptr) {
            return bad(
                -1102,
                "Param 'orderListId' or 'listClientOrderId' must be sent, but both were "
                "empty/null!");
        }
        OrderList* found = nullptr;
        for (auto& [lid, list] : lists) {
            if (list.symbol == m && (!id || lid == *id) &&
                (cid == nullptr || list.client_id == *cid)) {
                const bool open = std::any_of(list.legs.begin(), list.legs.end(), [&](auto leg) {
                    return orders.at(leg).open();
                });
                if (open || found == nullptr) {
                    found = &list;
                }
            }
        }
        if (found == nullptr || std::none_of(found->legs.begin(), found->legs.end(), [&](auto leg) {
                return orders.at(leg).open();
            })) {
            return bad(-2011, "Unknown order list sent.");
        }
        for (const auto leg : found->legs) {
            if (SimOrder& order = orders.at(leg); order.open()) {
                cancel(order, call.now_ms);
            }
        }
        report_list(*found, call.now_ms);
        return list_json(*found, call.now_ms);
    }

    /// Finds a user order of symbol `m` by orderId or origClientOrderId.
    std::variant<SimOrder*, ApiError> find_order(
        const Call& call, std::size_t m, int missing_code, std::string_view missing_msg) {
        std::optional<std::int64_t> id;
        if (auto e = integer(call, "orderId", id)) {
            return *e;
        }
        const auto* cid = call.get("origClientOrderId");
        if (!id && cid == nullptr) {
            return bad(
                -1102,
                "Param 'origClientOrderId' or 'orderId' must be sent, but both were empty/null!");
        }
        SimOrder* found = nullptr;
        if (id) {
            auto it = orders.find(*id);
            if (it != orders.end() && it->second.user && it->second.symbol == m &&
                (cid == nullptr || it->second.client_id == *cid)) {
                found = &it->second;
            }
        } else {
            // The open order with this client id wins; else the most recent one.
            for (auto& [oid, order] : orders) {
                if (order.user && order.symbol == m && order.client_id == *cid &&
                    (found == nullptr || (order.open() && !found->open()) ||
                     (order.open() == found->open() && order.id > found->id))) {
                    found = &order;
                }
            }
        }
        if (found == nullptr) {
            return bad(missing_code, std::string(missing_msg));
        }
        return found;
    }

    Reply query_order(const Call& call) {
        std::size_t m = 0;
        if (auto e = symbol_of(call, m)) {
            return *e;
        }
        auto found = find_order(call, m, -2013, "Order does not exist.");
        if (auto* e = std::get_if<ApiError>(&found)) {
            return *e;
        }
        return order_json(*std::get<SimOrder*>(found));
    }

    Json cancel(SimOrder& order, std::int64_t now_ms) {
        if (order.working()) {
            remove_from_book(order);
        }
        release_lock(order);
        order.status = "CANCELED";
        order.update_ms = now_ms;
        report(order, "CANCELED", now_ms);
        Json out = result_json(order, now_ms);
        out["origClientOrderId"] = order.client_id;
        return out;
    }

    /// Cancels `order` and, for a leg of an OCO list, the list's other open legs (as Binance).
    Json cancel_with_list(SimOrder& order, std::int64_t now_ms) {
        const auto list = lists.find(order.list_id);
        if (list != lists.end()) {
            for (const auto leg : list->second.legs) {
                if (SimOrder& other = orders.at(leg); leg != order.id && other.open()) {
                    cancel(other, now_ms);
                }
            }
        }
        Json out = cancel(order, now_ms);
        if (list != lists.end()) {
            report_list(list->second, now_ms);
        }
        return out;
    }

    Reply cancel_order(const Call& call) {
        std::size_t m = 0;
        if (auto e = symbol_of(call, m)) {
            return *e;
        }
        auto found = find_order(call, m, -2011, "Unknown order sent.");
        if (auto* e = std::get_if<ApiError>(&found)) {
            return *e;
        }
        SimOrder& order = *std::get<SimOrder*>(found);
        if (!order.open()) {
            return bad(-2011, "Unknown order sent.");
        }
        return cancel_with_list(order, call.now_ms);
    }

    std::vector<SimOrder*> user_orders(std::optional<std::size_t> m, bool open_only) {
        std::vector<SimOrder*> out;
        for (auto& [id, order] : orders) {
            if (order.user && (!m || order.symbol == *m) && (!open_only || order.open())) {
                out.push_back(&order);
            }
        }
        std::sort(out.begin(), out.end(), [](const SimOrder* a, const SimOrder* b) {
            return a->id < b->id;
        });
        return out;
    }

    Reply open_orders(const Call& call) {
        std::optional<std::size_t> m;
        if (call.get("symbol") != nullptr) {
            std::size_t index = 0;
            if (auto e = symbol_of(call, index)) {
                return *e;
            }
            m = index;
        }
        Json out = Json::array();
        for (const auto* order : user_orders(m, true)) {
            out.push_back(order_json(*order));
        }
        return out;
    }

    Reply cancel_open_orders(const Call& call) {
        std::size_t m = 0;
        if (auto e = symbol_of(call, m)) {
            return *e;
        }
        Json out = Json::array();
        for (auto* order : user_orders(m, true)) {
            if (!order->open()) {
                continue;  // a leg of a list canceled with its other leg
            }
            Json canceled = cancel_with_list(*order, call.now_ms);
            const auto list = lists.find(order->list_id);
            // As on Binance: an order list appears as one list object.
            out.push_back(list != lists.end() ? list_json(list->second, call.now_ms) : canceled);
        }
        return out;
    }

    Reply all_orders(const Call& call) {
        std::size_t m = 0;
        if (auto e = symbol_of(call, m)) {
            return *e;
        }
        std::optional<std::int64_t> limit;
        if (auto e = integer(call, "limit", limit)) {
            return *e;
        }
        const auto all = user_orders(m, false);
        const auto n =
            static_cast<std::size_t>(std::clamp<std::int64_t>(limit.value_or(500), 1, 1000));
        Json out = Json::array();
        for (auto i = all.size() > n ? all.size() - n : 0; i < all.size(); ++i) {
            out.push_back(order_json(*all[i]));
        }
        return out;
    }

    Reply my_trades_reply(const Call& call) {
        std::size_t m = 0;
        if (auto e = symbol_of(call, m)) {
            return *e;
        }
        std::optional<std::int64_t> order_id;
        std::optional<std::int64_t> limit;
        if (auto e = integer(call, "orderId", order_id)) {
            return *e;
        }
        if (auto e = integer(call, "limit", limit)) {
            return *e;
        }
        std::vector<const MyTrade*> picked;
        for (const auto& t : my_trades) {
            if (t.symbol == m && (!order_id || t.order_id == *order_id)) {
                picked.push_back(&t);
            }
        }
        const auto n =
            static_cast<std::size_t>(std::clamp<std::int64_t>(limit.value_or(500), 1, 1000));
        Json out = Json::array();
        for (auto i = picked.size() > n ? picked.size() - n : 0; i < picked.size(); ++i) {
            const auto& t = *picked[i];
            out.push_back(Json{
                {"symbol", markets[t.symbol].spec.symbol},
                {"id", t.id},
                {"orderId", t.order_id},
                {"orderListId", -1},
                {"price", dec(t.price)},
                {"qty", dec(t.qty)},
                {"quoteQty", dec(t.quote)},
                {"commission", dec(t.commission)},
                {"commissionAsset", t.commission_asset},
                {"time", t.time_ms},
                {"isBuyer", t.buyer},
                {"isMaker", t.maker},
                {"isBestMatch", true}});
        }
        return out;
    }

    // ---- routing

    struct Route {
        std::string_view method;
        std::string_view path;
        int weight;
        bool signed_request;
        bool order_endpoint;
        Reply (Impl::*handler)(const Call&);
    };

    Reply ping(const Call&) { return Json::object(); }
    Reply time(const Call& call) { return Json{{"serverTime", call.now_ms}}; }
    Reply ticker_24hr(const Call& call) { return tickers(call, 0); }
    Reply ticker_price(const Call& call) { return tickers(call, 1); }
    Reply ticker_book(const Call& call) { return tickers(call, 2); }
    Reply post_order(const Call& call) { return new_order(call, false); }
    Reply post_order_test(const Call& call) { return new_order(call, true); }

    static const std::vector<Route>& routes() {
        static const std::vector<Route> kRoutes = {
            {"GET", "/api/v3/ping", 1, false, false, &Impl::ping},
            {"GET", "/api/v3/time", 1, false, false, &Impl::time},
            {"GET", "/api/v3/exchangeInfo", 20, false, false, &Impl::exchange_info},
            {"GET", "/api/v3/klines", 2, false, false, &Impl::klines},
            {"GET", "/api/v3/uiKlines", 2, false, false, &Impl::klines},
            {"GET", "/api/v3/depth", 5, false, false, &Impl::depth},
            {"GET", "/api/v3/trades", 25, false, false, &Impl::recent_trades},
            {"GET", "/api/v3/aggTrades", 4, false, false, &Impl::agg_trades},
            {"GET", "/api/v3/avgPrice", 2, false, false, &Impl::avg_price},
            {"GET", "/api/v3/ticker/24hr", 2, false, false, &Impl::ticker_24hr},
            {"GET", "/api/v3/ticker/price", 2, false, false, &Impl::ticker_price},
            {"GET", "/api/v3/ticker/bookTicker", 2, false, false, &Impl::ticker_book},
            {"POST", "/api/v3/order", 1, true, true, &Impl::post_order},
            {"POST", "/api/v3/order/test", 1, true, false, &Impl::post_order_test},
            {"POST", "/api/v3/orderList/oco", 1, true, true, &Impl::post_oco},
            {"DELETE", "/api/v3/orderList", 1, true, false, &Impl::cancel_list},
            {"GET", "/api/v3/order", 4, true, false, &Impl::query_order},
            {"DELETE", "/api/v3/order", 1, true, false, &Impl::cancel_order},
            {"GET", "/api/v3/openOrders", 6, true, false, &Impl::open_orders},
            {"DELETE", "/api/v3/openOrders", 1, true, false, &Impl::cancel_open_orders},
            {"GET", "/api/v3/allOrders", 20, true, false, &Impl::all_orders},
            {"GET", "/api/v3/account", 20, true, false, &Impl::account},
            {"GET", "/api/v3/myTrades", 20, true, false, &Impl::my_trades_reply},
        };
        return kRoutes;
    }

    static int weight_of(const Route& route, const Call& call) {
        const bool has_symbol = call.get("symbol") != nullptr;
        if (route.path == "/api/v3/depth") {
            std::int64_t limit = 100;
            if (const auto* text = call.get("limit"); text != nullptr && is_digits(*text, 9)) {
                limit = std::stoll(*text);
            }
            return limit <= 100 ? 5 : limit <= 500 ? 25 : limit <= 1000 ? 50 : 250;
        }
        if (route.path == "/api/v3/ticker/24hr" && !has_symbol) {
            return 80;
        }
        if ((route.path == "/api/v3/ticker/price" || route.path == "/api/v3/ticker/bookTicker") &&
            !has_symbol) {
            return 4;
        }
        if (route.path == "/api/v3/openOrders" && route.method == "GET" && !has_symbol) {
            return 80;
        }
        return route.weight;
    }

    static HttpResponse error_response(const ApiError& error) {
        HttpResponse out;
        out.status = error.status;
        out.body = Json{{"code", error.code}, {"msg", error.message}}.dump();
        if (error.retry_after_s > 0) {
            out.headers.emplace_back("Retry-After", std::to_string(error.retry_after_s));
        }
        return out;
    }

    HttpResponse serve(const HttpRequest& request) {
        const std::lock_guard lock(mu);
        Call call;
        call.request = &request;
        call.now_ms = clock->now().unix_ms();
        advance(call.now_ms);
        const auto question = request.target.find('?');
        call.path = request.target.substr(0, question);
        call.query = question == std::string::npos ? "" : request.target.substr(question + 1);

        HttpResponse out;
        const Route* route = nullptr;
        bool method_known = false;
        for (const auto& r : routes()) {
            if (r.path == call.path) {
                method_known = true;
                if (r.method == request.method) {
                    route = &r;
                }
            }
        }
        binance::Params query_params;
        binance::Params body_params;
        const bool parsed = binance::parse_params(call.query, query_params) &&
                            binance::parse_params(request.body, body_params);
        call.params = query_params;
        for (auto& param : body_params) {
            if (call.get(param.first) == nullptr) {
                call.params.push_back(std::move(param));
            }
        }
        int used = 0;
        const int weight = route != nullptr ? weight_of(*route, call) : 1;
        if (auto e = charge_weight(request.client, weight, call.now_ms, used)) {
            out = error_response(*e);
        } else if (route == nullptr) {
            out = error_response(ApiError{
                method_known ? 405 : 404,
                -1000,
                fmt::format("{} {} is not served by this simulator.", request.method, call.path),
                0});
        } else if (roll(config.faults.error_429)) {
            out = error_response(ApiError{429, -1003, "Too many requests (injected fault).", 1});
        } else {
            const bool state_changing = request.method == "POST" || request.method == "DELETE";
            const bool fault_5xx = roll(config.faults.error_5xx);
            const bool run =
                !fault_5xx || (state_changing && roll(config.faults.executed_before_5xx));
            Reply reply = ApiError{};
            if (run) {
                reply = dispatch(*route, call, parsed);
            }
            if (fault_5xx) {
                out = error_response(ApiError{
                    503,
                    -1001,
                    "Internal error; unable to process your request. Please try again.",
                    0});
            } else if (const auto* failure = std::get_if<ApiError>(&reply)) {
                out = error_response(*failure);
            } else {
                out.body = std::get<Json>(reply).dump();
            }
            if (route->order_endpoint) {
                out.headers.emplace_back("X-MBX-ORDER-COUNT-10S", std::to_string(orders_in_10s));
                out.headers.emplace_back("X-MBX-ORDER-COUNT-1D", std::to_string(orders_in_day));
            }
        }
        out.headers.emplace_back("X-MBX-USED-WEIGHT-1M", std::to_string(used));
        out.delay_ms = config.faults.latency_ms;
        flush(call.now_ms);
        return out;
    }

    Reply dispatch(const Route& route, Call& call, bool parsed) {
        if (!parsed) {
            return bad(
                -1100, "Illegal characters found in a parameter (malformed percent-encoding).");
        }
        for (std::size_t i = 0; i < call.params.size(); ++i) {
            for (std::size_t j = i + 1; j < call.params.size(); ++j) {
                if (call.params[i].first == call.params[j].first) {
                    return bad(
                        -1101,
                        fmt::format("Duplicate values for parameter '{}'.", call.params[i].first));
                }
            }
        }
        if (route.signed_request) {
            if (auto e = check_signed(call)) {
                return *e;
            }
        }
        try {
            return (this->*route.handler)(call);
        } catch (const std::exception& e) {
            return ApiError{500, -1000, fmt::format("An unknown error occurred: {}", e.what()), 0};
        }
    }
};

Exchange::Exchange(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Exchange::~Exchange() = default;

Result<std::unique_ptr<Exchange>> Exchange::create(
    ExchangeConfig config, std::vector<SymbolSpec> symbols, const Clock& clock) {
    if (symbols.empty()) {
        return make_error(ErrorCode::kInvalidArgument, "exchange-sim: no symbol data");
    }
    if (config.api_key.empty() || config.api_secret.empty()) {
        return make_error(
            ErrorCode::kInvalidArgument, "exchange-sim: API key and secret are required");
    }
    auto impl = std::make_unique<Impl>();
    impl->clock = &clock;
    impl->started_ms = clock.now().unix_ms();
    impl->rng.seed(config.faults.seed);
    for (const auto& [asset, amount] : config.balances) {
        impl->balances[asset].free = amount;
    }
    for (auto& spec : symbols) {
        if (spec.bars.empty()) {
            return make_error(ErrorCode::kInvalidArgument, fmt::format("{}: no bars", spec.symbol));
        }
        impl->balances[spec.base];
        impl->balances[spec.quote];
        Market market;
        market.cursor = std::min(config.start_bar, spec.bars.size() - 1);
        std::string lower = spec.symbol;
        std::transform(lower.begin(), lower.end(), lower.begin(), [](char c) {
            return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
        });
        market.stream_prefix = lower + "@";
        market.kline_stream = lower + "@kline_" + spec.interval.to_string();
        market.spec = std::move(spec);
        impl->markets.push_back(std::move(market));
    }
    impl->config = std::move(config);
    for (std::size_t m = 0; m < impl->markets.size(); ++m) {
        impl->requote(m, impl->started_ms);
    }
    impl->flush(impl->started_ms);
    return std::unique_ptr<Exchange>(new Exchange(std::move(impl)));
}

HttpResponse Exchange::handle(const HttpRequest& request) {
    try {
        return impl_->serve(request);
    } catch (const std::exception& e) {
        HttpResponse out;
        out.status = 500;
        out.body =
            Json{{"code", -1000}, {"msg", fmt::format("An unknown error occurred: {}", e.what())}}
                .dump();
        return out;
    }
}

void Exchange::poll() {
    const std::lock_guard lock(impl_->mu);
    const auto now_ms = impl_->clock->now().unix_ms();
    impl_->advance(now_ms);
    impl_->flush(now_ms);
}

std::uint64_t Exchange::add_stream_sink(StreamSink sink) {
    const std::lock_guard lock(impl_->mu);
    const auto id = impl_->next_sink_id++;
    impl_->sinks.emplace(id, std::move(sink));
    return id;
}

void Exchange::remove_stream_sink(std::uint64_t id) {
    const std::lock_guard lock(impl_->mu);
    impl_->sinks.erase(id);
}

std::int64_t Exchange::stream_drop_ms() const {
    return impl_->config.faults.stream_drop_ms;
}

bool Exchange::has_stream(std::string_view name) const {
    for (const auto& market : impl_->markets) {
        if (!name.starts_with(market.stream_prefix)) {
            continue;
        }
        const auto rest = name.substr(market.stream_prefix.size());
        if (rest == "trade" || rest == "aggTrade" || rest == "bookTicker" || rest == "depth" ||
            rest == "depth@100ms" || name == market.kline_stream) {
            return true;
        }
    }
    return false;
}

std::string Exchange::ws_api(const std::string& request, std::string& user_stream) {
    Json id;
    const auto error = [&](int status, int code, std::string_view msg) {
        return Json{{"id", id}, {"status", status}, {"error", {{"code", code}, {"msg", msg}}}}
            .dump();
    };
    const auto ok = [&](Json result) {
        return Json{{"id", id}, {"status", 200}, {"result", std::move(result)}}.dump();
    };
    Json json;
    try {
        json = Json::parse(request);
        id = json.value("id", Json());
    } catch (const std::exception&) {
        return error(400, -1102, "Malformed request: not JSON.");
    }
    if (!json.is_object() || !json.contains("method") || !json["method"].is_string()) {
        return error(400, -1102, "Mandatory parameter 'method' was not sent.");
    }
    const auto method = json["method"].get<std::string>();
    const Json params = json.value("params", Json::object());
    const auto now_ms = impl_->clock->now().unix_ms();
    if (method == "ping") {
        return ok(Json::object());
    }
    if (method == "time") {
        return ok(Json{{"serverTime", now_ms}});
    }
    if (method == "userDataStream.unsubscribe") {
        user_stream.clear();
        return ok(Json::object());
    }
    if (method != "userDataStream.subscribe.signature") {
        return error(400, -1100, fmt::format("Unknown method '{}'.", method));
    }
    if (!params.is_object()) {
        return error(400, -1102, "Mandatory parameter 'params' was not sent.");
    }
    for (const char* name : {"apiKey", "timestamp", "signature"}) {
        if (!params.contains(name)) {
            return error(
                400,
                -1102,
                fmt::format(
                    "Mandatory parameter '{}' was not sent, was empty/null, or malformed.", name));
        }
    }
    // Signature payload: every param but the signature, sorted by name, as k=v&k=v.
    std::string payload;
    for (const auto& [key, value] : params.items()) {  // nlohmann objects iterate sorted
        if (key == "signature") {
            continue;
        }
        payload += (payload.empty() ? "" : "&") + key + "=" +
                   (value.is_string() ? value.get<std::string>() : value.dump());
    }
    const auto& config = impl_->config;
    if (!params["apiKey"].is_string() || params["apiKey"].get<std::string>() != config.api_key) {
        return error(401, -2015, "Invalid API-key, IP, or permissions for action.");
    }
    if (!params["signature"].is_string() ||
        !binance::signature_equals(
            binance::hmac_sha256_hex(config.api_secret, payload),
            params["signature"].get<std::string>())) {
        return error(400, -1022, "Signature for this request is not valid.");
    }
    const auto& ts = params["timestamp"];
    const std::int64_t timestamp = ts.is_number_integer() ? ts.get<std::int64_t>() : -1;
    const std::int64_t window =
        params.contains("recvWindow") && params["recvWindow"].is_number_integer()
            ? params["recvWindow"].get<std::int64_t>()
            : 5000;
    if (timestamp < 0 || timestamp >= now_ms + 1000 || now_ms - timestamp > window) {
        return error(400, -1021, "Timestamp for this request is outside of the recvWindow.");
    }
    user_stream = kUserStream;
    return ok(Json{{"subscriptionId", 0}});
}

std::size_t Exchange::orders_accepted() const {
    const std::lock_guard lock(impl_->mu);
    return impl_->accepted;
}

}  // namespace ats::exchange_sim
