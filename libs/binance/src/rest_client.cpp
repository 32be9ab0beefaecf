#include "ats/binance/rest_client.hpp"

#include <algorithm>
#include <chrono>
#include <random>
#include <thread>
#include <utility>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "ats/core/log.hpp"

namespace ats::binance {

namespace {

using Json = nlohmann::json;

enum class Retry : std::uint8_t { kSafe, kOrderSend };

/// Binance error body {"code","msg"} as an Error with a canonical code.
Error api_error(const HttpResult& reply, std::string_view path) {
    int code = 0;
    std::string msg = reply.body.substr(0, 200);
    try {
        const auto json = Json::parse(reply.body);
        code = json.at("code").get<int>();
        msg = json.at("msg").get<std::string>();
    } catch (const std::exception&) {
    }
    ErrorCode canonical = ErrorCode::kRejected;
    if (code == -2013 || code == -2011) {
        canonical = ErrorCode::kNotFound;
    } else if (code == -1121 || code == -1100 || code == -1102 || code == -1013 || code == -1120) {
        canonical = ErrorCode::kInvalidArgument;
    } else if (code == -2014 || code == -2015 || code == -1022) {
        // The key or the secret is wrong (or not allowed here): a configuration error, not a
        // network one; retrying will not help.
        return Error{
            ErrorCode::kInvalidArgument,
            fmt::format(
                "{}: HTTP {} code {}: {} (check the API key and secret)",
                path,
                reply.status,
                code,
                msg)};
    } else if (reply.status >= 500) {
        canonical = ErrorCode::kUnavailable;
    }
    return Error{canonical, fmt::format("{}: HTTP {} code {}: {}", path, reply.status, code, msg)};
}

Result<Price> price_of(const Json& json, const char* key) {
    return Price::parse(json.at(key).get<std::string>());
}

Result<OrderState> parse_order(const std::string& body) {
    try {
        const auto json = Json::parse(body);
        OrderState out;
        out.symbol = json.at("symbol").get<std::string>();
        out.order_id = json.at("orderId").get<std::int64_t>();
        out.client_order_id = json.at("clientOrderId").get<std::string>();
        out.status = json.value("status", "NEW");
        out.transact_time_ms = json.value("transactTime", std::int64_t{0});
        out.order_list_id = json.value("orderListId", std::int64_t{-1});
        if (json.contains("price")) {
            auto price = price_of(json, "price");
            auto orig = Qty::parse(json.at("origQty").get<std::string>());
            auto executed = Qty::parse(json.at("executedQty").get<std::string>());
            auto quote = Money::parse(json.at("cummulativeQuoteQty").get<std::string>());
            if (!price || !orig || !executed || !quote) {
                return make_error(ErrorCode::kParse, "order reply: bad decimal");
            }
            out.price = *price;
            out.orig_qty = *orig;
            out.executed_qty = *executed;
            out.cumulative_quote = *quote;
        }
        return out;
    } catch (const std::exception& e) {
        return make_error(ErrorCode::kParse, fmt::format("order reply: {}", e.what()));
    }
}

Result<OrderListState> parse_order_list(const std::string& body) {
    try {
        const auto json = Json::parse(body);
        OrderListState out;
        out.list_id = json.at("orderListId").get<std::int64_t>();
        out.list_client_order_id = json.value("listClientOrderId", "");
        for (const auto& report : json.at("orderReports")) {
            auto state = parse_order(report.dump());
            if (!state) {
                return tl::unexpected(state.error());
            }
            out.orders.push_back(std::move(*state));
        }
        return out;
    } catch (const std::exception& e) {
        return make_error(ErrorCode::kParse, fmt::format("order list reply: {}", e.what()));
    }
}

}  // namespace

struct RestClient::Impl {
    RestConfig config;
    const Clock* clock = nullptr;
    Sleeper sleeper;
    HttpClient http;
    RestStats stats;
    std::int64_t offset_ms = 0;
    std::int64_t weight_minute = -1;  ///< server minute the used weight belongs to
    std::mt19937_64 rng{std::random_device{}()};
    OrderProbe probe;

    Impl(RestConfig c, const Clock& k, Sleeper s, HttpClient h)
        : config(std::move(c)), clock(&k), sleeper(std::move(s)), http(std::move(h)) {}

    std::int64_t server_now_ms() const { return clock->now().unix_ms() + offset_ms; }
    /// The timestamp of the last signed request (server time, ms).
    std::int64_t last_signed_ms = 0;

    void wait(Duration d) {
        if (d.ns() > 0) {
            sleeper(d);
        }
    }

    Duration backoff(int attempt) {
        const auto base_ms = std::int64_t{100} << std::min(attempt, 6);
        std::uniform_int_distribution<std::int64_t> jitter(0, base_ms / 2);
        return Duration::from_ms(base_ms + jitter(rng));
    }

    /// Waits for the next server minute when `weight` would cross the headroom.
    void respect_weight(int weight) {
        const auto now = server_now_ms();
        const auto minute = now / 60'000;
        if (minute != weight_minute) {
            return;  // a new window: the used weight restarts at 0
        }
        const auto cap = static_cast<int>(config.weight_limit_per_minute * config.weight_headroom);
        if (stats.used_weight + weight > cap) {
            ++stats.weight_pauses;
            log::info(
                "binance: used weight {} near the limit; waiting for the next minute",
                stats.used_weight);
            wait(Duration::from_ms((minute + 1) * 60'000 - now + 50));
        }
    }

    Result<HttpResult> send(
        std::string_view method,
        const std::string& path,
        const Params& params,
        bool signed_request,
        int weight,
        Retry retry) {
        Error last{ErrorCode::kUnavailable, "no attempt"};
        bool resynced = false;
        for (int attempt = 0; attempt < config.max_attempts; ++attempt) {
            if (attempt > 0) {
                ++stats.retries;
            }
            respect_weight(weight);
            Headers headers;
            std::string target;
            if (signed_request) {
                last_signed_ms = server_now_ms();
                target = signed_target(
                    path, params, config.api_secret, last_signed_ms, config.recv_window_ms);
                headers.emplace_back("X-MBX-APIKEY", config.api_key);
            } else {
                const auto query = encode_params(params);
                target = "/api/v3" + path + (query.empty() ? "" : "?" + query);
            }
            ++stats.requests;
            auto reply = http.request(method, target, "", headers);
            if (!reply) {
                ++stats.timeouts;
                last = reply.error();
                if (retry == Retry::kOrderSend) {
                    return tl::unexpected(last);  // fate unknown: the caller queries
                }
                wait(backoff(attempt));
                continue;
            }
            if (const auto used = reply->header("X-MBX-USED-WEIGHT-1M"); !used.empty()) {
                stats.used_weight = std::atoi(used.c_str());
                weight_minute = server_now_ms() / 60'000;
            }
            const int status = reply->status;
            if (status == 429 || status == 418) {
                (status == 429 ? stats.rate_limited : stats.banned) += 1;
                const auto header = reply->header("Retry-After");
                const auto seconds = header.empty() ? 1 : std::max(1, std::atoi(header.c_str()));
                const auto delay = Duration::from_seconds(seconds);
                last = api_error(*reply, path);
                if (delay > config.max_wait) {
                    return tl::unexpected(Error{
                        ErrorCode::kUnavailable,
                        fmt::format(
                            "{} (Retry-After {} s exceeds the wait limit)",
                            last.message,
                            seconds)});
                }
                log::warn(
                    "binance: HTTP {} on {}; waiting {} s (Retry-After)", status, path, seconds);
                wait(delay);
                continue;  // rejected before execution: safe to resend
            }
            if (status >= 500) {
                ++stats.server_errors;
                last = api_error(*reply, path);
                if (retry == Retry::kOrderSend) {
                    return tl::unexpected(last);
                }
                wait(backoff(attempt));
                continue;
            }
            if (status >= 400) {
                auto error = api_error(*reply, path);
                if (error.message.find("code -1021") != std::string::npos && !resynced) {
                    resynced = true;  // clock drift: measure the offset again and resend
                    if (auto synced = sync_time(); synced) {
                        continue;
                    }
                }
                return tl::unexpected(std::move(error));
            }
            return reply;
        }
        return tl::unexpected(Error{
            last.code,
            fmt::format("{} (gave up after {} attempts)", last.message, config.max_attempts)});
    }

    Status sync_time() {
        const auto before = clock->now().unix_ms();
        ++stats.requests;
        auto reply = http.request("GET", "/api/v3/time", "", {});
        const auto after = clock->now().unix_ms();
        if (!reply) {
            return tl::unexpected(reply.error());
        }
        if (reply->status != 200) {
            return tl::unexpected(api_error(*reply, "/time"));
        }
        try {
            const auto server = Json::parse(reply->body).at("serverTime").get<std::int64_t>();
            offset_ms = server - (before + after) / 2;
        } catch (const std::exception& e) {
            return make_error(ErrorCode::kParse, fmt::format("/time: {}", e.what()));
        }
        return ok_status();
    }
};

RestClient::RestClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
RestClient::RestClient(RestClient&&) noexcept = default;
RestClient& RestClient::operator=(RestClient&&) noexcept = default;
RestClient::~RestClient() = default;

Result<RestClient> RestClient::create(RestConfig config, const Clock& clock, Sleeper sleeper) {
    auto http = HttpClient::create(config.base_url, config.timeout, config.tls);
    if (!http) {
        return tl::unexpected(http.error());
    }
    if (!sleeper) {
        sleeper = [](Duration d) {
            std::this_thread::sleep_for(std::chrono::nanoseconds(d.ns()));
        };
    }
    if (!config.api_secret.empty()) {
        log::add_secret(config.api_secret);
    }
    if (!config.api_key.empty()) {
        log::add_secret(config.api_key);
    }
    return RestClient(
        std::make_unique<Impl>(std::move(config), clock, std::move(sleeper), std::move(*http)));
}

Result<std::int64_t> RestClient::server_time_ms() {
    auto reply = impl_->send("GET", "/time", {}, false, 1, Retry::kSafe);
    if (!reply) {
        return tl::unexpected(reply.error());
    }
    try {
        return Json::parse(reply->body).at("serverTime").get<std::int64_t>();
    } catch (const std::exception& e) {
        return make_error(ErrorCode::kParse, fmt::format("/time: {}", e.what()));
    }
}

Status RestClient::sync_time() {
    return impl_->sync_time();
}

std::int64_t RestClient::time_offset_ms() const noexcept {
    return impl_->offset_ms;
}

Result<std::vector<model::Bar>> RestClient::klines(
    const std::string& symbol,
    const std::string& interval,
    std::int64_t start_ms,
    std::int64_t end_ms,
    int limit) {
    Params params = {{"symbol", symbol}, {"interval", interval}};
    if (start_ms >= 0) {
        params.emplace_back("startTime", std::to_string(start_ms));
    }
    if (end_ms >= 0) {
        params.emplace_back("endTime", std::to_string(end_ms));
    }
    params.emplace_back("limit", std::to_string(limit));
    auto reply = impl_->send("GET", "/klines", params, false, 2, Retry::kSafe);
    if (!reply) {
        return tl::unexpected(reply.error());
    }
    std::vector<model::Bar> out;
    try {
        const auto json = Json::parse(reply->body);
        out.reserve(json.size());
        for (const auto& row : json) {
            model::Bar bar;
            bar.open_time = Timestamp::from_unix_ms(row.at(0).get<std::int64_t>());
            bar.close_time = Timestamp::from_unix_ms(row.at(6).get<std::int64_t>());
            auto open = Price::parse(row.at(1).get<std::string>());
            auto high = Price::parse(row.at(2).get<std::string>());
            auto low = Price::parse(row.at(3).get<std::string>());
            auto close = Price::parse(row.at(4).get<std::string>());
            auto volume = Qty::parse(row.at(5).get<std::string>());
            auto quote = Money::parse(row.at(7).get<std::string>());
            auto taker_base = Qty::parse(row.at(9).get<std::string>());
            auto taker_quote = Money::parse(row.at(10).get<std::string>());
            if (!open || !high || !low || !close || !volume || !quote || !taker_base ||
                !taker_quote) {
                return make_error(
                    ErrorCode::kParse,
                    fmt::format("/klines {}: bad decimal in row {}", symbol, out.size()));
            }
            bar.open = *open;
            bar.high = *high;
            bar.low = *low;
            bar.close = *close;
            bar.volume = *volume;
            bar.quote_volume = *quote;
            bar.trade_count = row.at(8).get<std::int64_t>();
            bar.taker_buy_base_volume = *taker_base;
            bar.taker_buy_quote_volume = *taker_quote;
            out.push_back(bar);
        }
    } catch (const std::exception& e) {
        return make_error(ErrorCode::kParse, fmt::format("/klines {}: {}", symbol, e.what()));
    }
    return out;
}

Result<DepthSnapshot> RestClient::depth(const std::string& symbol, int limit) {
    const int weight = limit <= 100 ? 5 : limit <= 500 ? 25 : limit <= 1000 ? 50 : 250;
    auto reply = impl_->send(
        "GET",
        "/depth",
        {{"symbol", symbol}, {"limit", std::to_string(limit)}},
        false,
        weight,
        Retry::kSafe);
    if (!reply) {
        return tl::unexpected(reply.error());
    }
    DepthSnapshot out;
    if (auto parsed = parse_depth_snapshot(reply->body, out); !parsed) {
        return tl::unexpected(parsed.error());
    }
    return out;
}

Params new_order_params(const NewOrder& order) {
    Params params = {
        {"symbol", order.symbol},
        {"side", std::string(to_string(order.side))},
        {"type", order.type},
        {"newClientOrderId", order.client_order_id},
        {"newOrderRespType", "RESULT"}};
    if (order.quote_order_qty) {
        params.emplace_back("quoteOrderQty", order.quote_order_qty->to_string());
    } else {
        params.emplace_back("quantity", order.quantity.to_string());
    }
    if (order.price) {
        params.emplace_back("price", order.price->to_string());
    }
    if (order.stop_price) {
        params.emplace_back("stopPrice", order.stop_price->to_string());
    }
    if (order.type == "LIMIT" || order.type == "STOP_LOSS_LIMIT" ||
        order.type == "TAKE_PROFIT_LIMIT") {
        params.emplace_back("timeInForce", order.time_in_force);
    }
    return params;
}

Params new_oco_params(const NewOco& oco) {
    Params params = {
        {"symbol", oco.symbol},
        {"side", std::string(to_string(oco.side))},
        {"quantity", oco.quantity.to_string()},
        {"listClientOrderId", oco.list_client_order_id},
        {"newOrderRespType", "RESULT"}};
    for (const auto& [prefix, leg] : {std::pair{"above", &oco.above}, {"below", &oco.below}}) {
        const std::string p(prefix);
        params.emplace_back(p + "Type", leg->type);
        params.emplace_back(p + "ClientOrderId", leg->client_order_id);
        if (leg->price) {
            params.emplace_back(p + "Price", leg->price->to_string());
        }
        if (leg->stop_price) {
            params.emplace_back(p + "StopPrice", leg->stop_price->to_string());
        }
        if (leg->type.ends_with("_LIMIT")) {
            params.emplace_back(p + "TimeInForce", "GTC");
        }
    }
    return params;
}

std::string signed_target(
    std::string_view path,
    Params params,
    std::string_view secret,
    std::int64_t timestamp_ms,
    std::int64_t recv_window_ms) {
    params.emplace_back("timestamp", std::to_string(timestamp_ms));
    params.emplace_back("recvWindow", std::to_string(recv_window_ms));
    std::string target = "/api/v3";
    target += path;
    target += '?';
    target += sign_query(secret, encode_params(params));
    return target;
}

Result<OrderState> RestClient::place_order(NewOrder order) {
    if (order.client_order_id.empty()) {
        order.client_order_id = fmt::format("ats-{:016x}", impl_->rng());
    }
    auto body = send_new("/order", new_order_params(order), order.symbol, order.client_order_id);
    if (!body) {
        return tl::unexpected(body.error());
    }
    if (*body) {
        return parse_order(**body);
    }
    return query_order(order.symbol, order.client_order_id);
}

Result<OrderListState> RestClient::place_oco(NewOco oco) {
    if (oco.above.client_order_id.empty() || oco.below.client_order_id.empty()) {
        return make_error(ErrorCode::kInvalidArgument, "OCO: both legs need a client order id");
    }
    if (oco.list_client_order_id.empty()) {
        oco.list_client_order_id = fmt::format("atsl-{:016x}", impl_->rng());
    }
    auto body =
        send_new("/orderList/oco", new_oco_params(oco), oco.symbol, oco.below.client_order_id);
    if (!body) {
        return tl::unexpected(body.error());
    }
    if (*body) {
        return parse_order_list(**body);
    }
    // Found by a leg after an unknown outcome: the list is read leg by leg.
    OrderListState out;
    out.list_client_order_id = oco.list_client_order_id;
    for (const auto* leg : {&oco.above, &oco.below}) {
        auto state = query_order(oco.symbol, leg->client_order_id);
        if (!state) {
            return tl::unexpected(state.error());
        }
        out.list_id = state->order_list_id;
        out.orders.push_back(std::move(*state));
    }
    return out;
}

Result<OrderListState> RestClient::cancel_order_list(
    const std::string& symbol, std::int64_t list_id) {
    auto reply = impl_->send(
        "DELETE",
        "/orderList",
        {{"symbol", symbol}, {"orderListId", std::to_string(list_id)}},
        true,
        1,
        Retry::kSafe);
    if (!reply) {
        return tl::unexpected(reply.error());
    }
    return parse_order_list(reply->body);
}

Result<std::optional<std::string>> RestClient::send_new(
    std::string_view path,
    const Params& params,
    const std::string& symbol,
    const std::string& probe_id) {
    for (int attempt = 0; attempt < impl_->config.max_attempts; ++attempt) {
        auto reply = impl_->send("POST", std::string(path), params, true, 1, Retry::kOrderSend);
        if (reply) {
            return std::optional<std::string>(std::move(reply->body));
        }
        const auto code = reply.error().code;
        if (code != ErrorCode::kUnavailable && code != ErrorCode::kTimeout) {
            return tl::unexpected(reply.error());
        }
        // Execution status unknown: ask the exchange before anything else, but only once the
        // request can no longer land. The exchange refuses a request that reaches it after its
        // timestamp + recvWindow; before then, an order still in flight would be "not found"
        // now and executed later, and a resend would double it. Past that, "not found" is proof.
        ++impl_->stats.unknown_order_status;
        const auto settled = impl_->last_signed_ms + impl_->config.recv_window_ms + 1000;
        const auto wait_ms = settled - impl_->server_now_ms();
        log::warn(
            "binance: order {} status unknown ({}); settling it by the user stream, else by a "
            "query in "
            "{} ms, before any resend",
            probe_id,
            reply.error().message,
            std::max<std::int64_t>(wait_ms, 0));
        // The user data stream first: the order's report there proves it landed.
        const bool landed =
            impl_->probe &&
            impl_->probe(probe_id, Duration::from_ms(std::max<std::int64_t>(wait_ms, 0)));
        if (landed) {
            ++impl_->stats.stream_proofs;
        } else if (const auto left = settled - impl_->server_now_ms(); left > 0) {
            impl_->wait(Duration::from_ms(left));
        }
        auto state = query_order(symbol, probe_id);
        if (state) {
            return std::optional<std::string>();
        }
        if (state.error().code != ErrorCode::kNotFound) {
            return tl::unexpected(state.error());
        }
        ++impl_->stats.order_resends;
        impl_->wait(impl_->backoff(attempt));
    }
    return make_error(
        ErrorCode::kUnavailable,
        fmt::format(
            "order {}: not placed after {} attempts", probe_id, impl_->config.max_attempts));
}

void RestClient::set_order_probe(OrderProbe probe) {
    impl_->probe = std::move(probe);
}

Result<OrderState> RestClient::query_order(
    const std::string& symbol, const std::string& client_order_id) {
    auto reply = impl_->send(
        "GET",
        "/order",
        {{"symbol", symbol}, {"origClientOrderId", client_order_id}},
        true,
        4,
        Retry::kSafe);
    if (!reply) {
        return tl::unexpected(reply.error());
    }
    return parse_order(reply->body);
}

Result<OrderState> RestClient::cancel_order(
    const std::string& symbol, const std::string& client_order_id) {
    // A cancel is idempotent on the exchange (a second one gets -2011), so it retries like a GET.
    auto reply = impl_->send(
        "DELETE",
        "/order",
        {{"symbol", symbol}, {"origClientOrderId", client_order_id}},
        true,
        1,
        Retry::kSafe);
    if (!reply) {
        return tl::unexpected(reply.error());
    }
    return parse_order(reply->body);
}

Result<model::Instrument> RestClient::instrument(const std::string& symbol) {
    auto reply = impl_->send("GET", "/exchangeInfo", {{"symbol", symbol}}, false, 20, Retry::kSafe);
    if (!reply) {
        if (reply.error().message.find("-1121") != std::string::npos) {
            return make_error(
                ErrorCode::kNotFound, fmt::format("exchangeInfo: {} is not listed", symbol));
        }
        return tl::unexpected(reply.error());
    }
    const auto bad = [&](std::string_view what) {
        return make_error(ErrorCode::kParse, fmt::format("exchangeInfo {}: {}", symbol, what));
    };
    try {
        const auto json = Json::parse(reply->body);
        for (const auto& item : json.at("symbols")) {
            if (item.at("symbol").get<std::string>() != symbol) {
                continue;
            }
            auto name = Symbol::parse(symbol);
            if (!name) {
                return tl::unexpected(name.error());
            }
            model::Instrument out{*name, {}, {}, Price{}, Qty{}, Qty{}, std::nullopt, Money{}};
            out.base_asset = item.at("baseAsset").get<std::string>();
            out.quote_asset = item.at("quoteAsset").get<std::string>();
            bool price_filter = false;
            bool lot_size = false;
            for (const auto& f : item.at("filters")) {
                const auto type = f.at("filterType").get<std::string>();
                const auto decimal = [&](const char* key) -> Result<Qty> {
                    return Qty::parse(f.at(key).get<std::string>());
                };
                if (type == "PRICE_FILTER") {
                    auto tick = Price::parse(f.at("tickSize").get<std::string>());
                    if (!tick) {
                        return bad("bad tickSize");
                    }
                    out.tick_size = *tick;
                    price_filter = true;
                } else if (type == "LOT_SIZE") {
                    auto step = decimal("stepSize");
                    auto min = decimal("minQty");
                    auto max = decimal("maxQty");
                    if (!step || !min || !max) {
                        return bad("bad LOT_SIZE");
                    }
                    out.step_size = *step;
                    out.min_qty = *min;
                    out.max_qty = *max;
                    lot_size = true;
                } else if (type == "MIN_NOTIONAL" || type == "NOTIONAL") {
                    auto min = Money::parse(f.at("minNotional").get<std::string>());
                    if (!min) {
                        return bad("bad minNotional");
                    }
                    out.min_notional = std::max(out.min_notional, *min);
                }
            }
            if (!price_filter || !lot_size) {
                return bad("PRICE_FILTER or LOT_SIZE missing");
            }
            if (auto s = out.validate(); !s) {
                return tl::unexpected(s.error());
            }
            return out;
        }
    } catch (const std::exception& e) {
        return bad(e.what());
    }
    return make_error(ErrorCode::kNotFound, fmt::format("exchangeInfo: {} is not listed", symbol));
}

Result<std::vector<AssetBalance>> RestClient::balances() {
    auto reply = impl_->send("GET", "/account", {}, true, 20, Retry::kSafe);
    if (!reply) {
        return tl::unexpected(reply.error());
    }
    std::vector<AssetBalance> out;
    try {
        const auto json = Json::parse(reply->body);  // keep alive across the loop
        for (const auto& item : json.at("balances")) {
            auto free = Qty::parse(item.at("free").get<std::string>());
            auto locked = Qty::parse(item.at("locked").get<std::string>());
            if (!free || !locked) {
                return make_error(ErrorCode::kParse, "/account: bad decimal");
            }
            out.push_back(AssetBalance{item.at("asset").get<std::string>(), *free, *locked});
        }
    } catch (const std::exception& e) {
        return make_error(ErrorCode::kParse, fmt::format("/account: {}", e.what()));
    }
    return out;
}

Result<std::size_t> RestClient::cancel_open_orders(const std::string& symbol) {
    auto reply = impl_->send("DELETE", "/openOrders", {{"symbol", symbol}}, true, 1, Retry::kSafe);
    if (!reply) {
        if (reply.error().code == ErrorCode::kNotFound) {
            return std::size_t{0};  // Binance answers -2011 when nothing was open
        }
        return tl::unexpected(reply.error());
    }
    try {
        std::size_t canceled = 0;
        for (const auto& item : Json::parse(reply->body)) {
            canceled += item.contains("orderReports") ? item.at("orderReports").size() : 1U;
        }
        return canceled;
    } catch (const std::exception& e) {
        return make_error(ErrorCode::kParse, fmt::format("/openOrders: {}", e.what()));
    }
}

Result<Price> RestClient::last_price(const std::string& symbol) {
    auto reply = impl_->send("GET", "/ticker/price", {{"symbol", symbol}}, false, 2, Retry::kSafe);
    if (!reply) {
        return tl::unexpected(reply.error());
    }
    try {
        return Price::parse(Json::parse(reply->body).at("price").get<std::string>());
    } catch (const std::exception& e) {
        return make_error(ErrorCode::kParse, fmt::format("/ticker/price: {}", e.what()));
    }
}

Result<std::vector<AccountTrade>> RestClient::my_trades(
    const std::string& symbol, std::int64_t order_id) {
    auto reply = impl_->send(
        "GET",
        "/myTrades",
        {{"symbol", symbol}, {"orderId", std::to_string(order_id)}},
        true,
        5,
        Retry::kSafe);
    if (!reply) {
        return tl::unexpected(reply.error());
    }
    std::vector<AccountTrade> out;
    try {
        const auto json = Json::parse(reply->body);
        for (const auto& item : json) {
            auto price = Price::parse(item.at("price").get<std::string>());
            auto qty = Qty::parse(item.at("qty").get<std::string>());
            auto quote = Money::parse(item.at("quoteQty").get<std::string>());
            auto commission = Qty::parse(item.at("commission").get<std::string>());
            if (!price || !qty || !quote || !commission) {
                return make_error(ErrorCode::kParse, "/myTrades: bad decimal");
            }
            AccountTrade trade;
            trade.id = item.at("id").get<std::int64_t>();
            trade.order_id = item.at("orderId").get<std::int64_t>();
            trade.price = *price;
            trade.qty = *qty;
            trade.quote_qty = *quote;
            trade.commission = *commission;
            trade.commission_asset = item.at("commissionAsset").get<std::string>();
            trade.time_ms = item.at("time").get<std::int64_t>();
            trade.buyer = item.at("isBuyer").get<bool>();
            trade.maker = item.at("isMaker").get<bool>();
            out.push_back(std::move(trade));
        }
    } catch (const std::exception& e) {
        return make_error(ErrorCode::kParse, fmt::format("/myTrades: {}", e.what()));
    }
    return out;
}

const RestStats& RestClient::stats() const noexcept {
    return impl_->stats;
}

}  // namespace ats::binance
