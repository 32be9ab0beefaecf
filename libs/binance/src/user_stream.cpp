#include "ats/binance/user_stream.hpp"

#include <utility>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "ats/binance/signing.hpp"
#include "ats/core/log.hpp"

namespace ats::binance {
namespace {

using Json = nlohmann::json;

template <typename T>
Result<T> decimal(const Json& event, const char* key) {
    const auto& v = event.at(key);
    if (v.is_null()) {
        return T{};
    }
    return T::parse(v.get<std::string>());
}

std::string text(const Json& event, const char* key) {
    const auto it = event.find(key);
    return it == event.end() || !it->is_string() ? std::string() : it->get<std::string>();
}

Result<ExecutionReport> parse_report(const Json& e) {
    ExecutionReport r;
    r.symbol = e.at("s").get<std::string>();
    r.client_order_id = e.at("c").get<std::string>();
    r.orig_client_order_id = text(e, "C");
    r.side = e.at("S").get<std::string>();
    r.exec_type = e.at("x").get<std::string>();
    r.status = e.at("X").get<std::string>();
    r.order_id = e.at("i").get<std::int64_t>();
    r.trade_id = e.value("t", std::int64_t{-1});
    r.commission_asset = text(e, "N");
    r.maker = e.value("m", false);
    r.transact_ms = e.value("T", std::int64_t{0});
    auto last_qty = decimal<Qty>(e, "l");
    auto last_price = decimal<Price>(e, "L");
    auto cumulative = decimal<Qty>(e, "z");
    auto commission = decimal<Qty>(e, "n");
    if (!last_qty || !last_price || !cumulative || !commission) {
        return make_error(ErrorCode::kParse, "executionReport: bad decimal");
    }
    r.last_qty = *last_qty;
    r.last_price = *last_price;
    r.cumulative_qty = *cumulative;
    r.commission = *commission;
    return r;
}

Result<AccountUpdate> parse_account(const Json& e) {
    AccountUpdate u;
    u.event_ms = e.value("E", std::int64_t{0});
    for (const auto& b : e.at("B")) {
        auto free = Qty::parse(b.at("f").get<std::string>());
        auto locked = Qty::parse(b.at("l").get<std::string>());
        if (!free || !locked) {
            return make_error(ErrorCode::kParse, "outboundAccountPosition: bad decimal");
        }
        u.balances.push_back(AssetBalance{b.at("a").get<std::string>(), *free, *locked});
    }
    return u;
}

}  // namespace

Result<std::optional<UserEvent>> parse_user_event(std::string_view message) {
    try {
        const auto json = Json::parse(message);
        if (!json.is_object()) {
            return make_error(ErrorCode::kParse, "user stream: not a JSON object");
        }
        const Json& event = json.contains("event") ? json.at("event") : json;
        if (!event.is_object() || !event.contains("e")) {
            return std::optional<UserEvent>{};  // a reply or something else: not an event
        }
        const auto type = event.at("e").get<std::string>();
        if (type == "executionReport") {
            auto r = parse_report(event);
            if (!r) {
                return tl::unexpected(r.error());
            }
            return std::optional<UserEvent>{std::move(*r)};
        }
        if (type == "outboundAccountPosition") {
            auto u = parse_account(event);
            if (!u) {
                return tl::unexpected(u.error());
            }
            return std::optional<UserEvent>{std::move(*u)};
        }
        return std::optional<UserEvent>{};  // balanceUpdate, listStatus, eventStreamTerminated...
    } catch (const std::exception& e) {
        return make_error(ErrorCode::kParse, fmt::format("user stream: {}", e.what()));
    }
}

Result<UserStream> UserStream::connect(
    const UserStreamConfig& config, const Clock& clock, std::int64_t time_offset_ms) {
    auto ws = WsClient::connect(config.url, config.timeout, config.tls);
    if (!ws) {
        return tl::unexpected(ws.error());
    }
    const std::int64_t timestamp = clock.now().unix_ms() + time_offset_ms;
    // Signature payload: every param but the signature, sorted by name.
    const std::string payload = fmt::format(
        "apiKey={}&recvWindow={}&timestamp={}", config.api_key, config.recv_window_ms, timestamp);
    const Json request{
        {"id", "ats-user-stream"},
        {"method", "userDataStream.subscribe.signature"},
        {"params",
         {{"apiKey", config.api_key},
          {"recvWindow", config.recv_window_ms},
          {"timestamp", timestamp},
          {"signature", hmac_sha256_hex(config.api_secret, payload)}}}};
    if (auto s = ws->send(request.dump()); !s) {
        return tl::unexpected(s.error());
    }
    UserStream stream(std::move(*ws));
    // The reply carries our id; events cannot come before it (nothing is subscribed yet).
    for (;;) {
        auto reply = stream.ws_.read(config.timeout);
        if (!reply) {
            return tl::unexpected(reply.error());
        }
        try {
            const auto json = Json::parse(*reply);
            if (json.value("id", Json()) != "ats-user-stream") {
                continue;
            }
            if (json.value("status", 0) == 200) {
                return stream;
            }
            const auto& error = json.at("error");
            return make_error(
                ErrorCode::kRejected,
                fmt::format(
                    "user data stream refused: code {}: {}",
                    error.value("code", 0),
                    error.value("msg", std::string())));
        } catch (const std::exception& e) {
            return make_error(
                ErrorCode::kParse, fmt::format("user data stream reply: {}", e.what()));
        }
    }
}

Result<std::optional<UserEvent>> UserStream::next(Duration wait) {
    for (;;) {
        auto message = ws_.poll(wait);
        if (!message) {
            return tl::unexpected(message.error());
        }
        if (!*message) {
            return std::optional<UserEvent>{};
        }
        ++stats_.messages;
        auto event = parse_user_event(**message);
        if (!event) {
            ++stats_.bad_messages;
            log::warn("user stream: skipped a bad message: {}", event.error().message);
            continue;
        }
        if (*event) {
            ++stats_.events;
            return event;
        }
        wait = Duration{};  // something else (a reply): take what is already there, no new wait
    }
}

}  // namespace ats::binance
