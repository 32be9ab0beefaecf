#include "ats/redis/market_cache.hpp"

#include <charconv>
#include <map>

#include <fmt/format.h>

namespace ats::redis {
namespace {

Result<std::map<std::string, std::string>> hgetall(Connection& c, const std::string& key) {
    auto reply = c.command({"HGETALL", key});
    if (!reply) {
        return tl::unexpected(reply.error());
    }
    std::map<std::string, std::string> out;
    for (std::size_t i = 0; i + 1 < reply->elements.size(); i += 2) {
        out[reply->elements[i].str] = reply->elements[i + 1].str;
    }
    return out;
}

bool to_int(const std::string& s, std::int64_t& out) {
    const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc() && p == s.data() + s.size();
}

std::string levels_text(const std::vector<model::BookLevel>& levels) {
    std::string out;
    for (const auto& l : levels) {
        if (!out.empty()) {
            out += ',';
        }
        out += l.price.to_string();
        out += ':';
        out += l.qty.to_string();
    }
    return out;
}

Result<std::vector<model::BookLevel>> parse_levels(
    const std::string& text, const std::string& key) {
    std::vector<model::BookLevel> out;
    std::size_t pos = 0;
    while (pos < text.size()) {
        const auto comma = text.find(',', pos);
        const std::string item =
            text.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
        const auto colon = item.find(':');
        if (colon == std::string::npos) {
            return make_error(
                ErrorCode::kParse, fmt::format("{}: level '{}' is not price:qty", key, item));
        }
        auto price = Price::parse(item.substr(0, colon));
        auto qty = Qty::parse(item.substr(colon + 1));
        if (!price || !qty) {
            return make_error(
                ErrorCode::kParse, fmt::format("{}: level '{}' is not price:qty", key, item));
        }
        out.push_back(model::BookLevel{*price, *qty});
        if (comma == std::string::npos) {
            break;
        }
        pos = comma + 1;
    }
    return out;
}

}  // namespace

Result<MarketCache> MarketCache::connect(const Endpoint& endpoint, std::string prefix) {
    auto c = Connection::connect(endpoint);
    if (!c) {
        return tl::unexpected(c.error());
    }
    return MarketCache(std::move(*c), std::move(prefix));
}

Status MarketCache::put_bar(const Symbol& symbol, const model::Bar& b) {
    auto reply = connection_.command(
        {"HSET",
         prefix_ + "bar:" + symbol.to_string(),
         "open_time_ms",
         std::to_string(b.open_time.unix_ms()),
         "close_time_ms",
         std::to_string(b.close_time.unix_ms()),
         "open",
         b.open.to_string(),
         "high",
         b.high.to_string(),
         "low",
         b.low.to_string(),
         "close",
         b.close.to_string(),
         "volume",
         b.volume.to_string()});
    if (!reply) {
        return tl::unexpected(reply.error());
    }
    return ok_status();
}

Result<std::optional<model::Bar>> MarketCache::get_bar(const Symbol& symbol) {
    const std::string key = prefix_ + "bar:" + symbol.to_string();
    auto h = hgetall(connection_, key);
    if (!h) {
        return tl::unexpected(h.error());
    }
    if (h->empty()) {
        return std::optional<model::Bar>{};
    }
    model::Bar b;
    std::int64_t open_ms = 0;
    std::int64_t close_ms = 0;
    auto open = Price::parse((*h)["open"]);
    auto high = Price::parse((*h)["high"]);
    auto low = Price::parse((*h)["low"]);
    auto close = Price::parse((*h)["close"]);
    auto volume = Qty::parse((*h)["volume"]);
    if (!to_int((*h)["open_time_ms"], open_ms) || !to_int((*h)["close_time_ms"], close_ms) ||
        !open || !high || !low || !close || !volume) {
        return make_error(ErrorCode::kParse, fmt::format("{}: not a bar", key));
    }
    b.open_time = Timestamp::from_unix_ms(open_ms);
    b.close_time = Timestamp::from_unix_ms(close_ms);
    b.open = *open;
    b.high = *high;
    b.low = *low;
    b.close = *close;
    b.volume = *volume;
    return std::optional<model::Bar>(b);
}

Status MarketCache::put_book(const Symbol& symbol, const BookSnapshot& book) {
    auto reply = connection_.command(
        {"HSET",
         prefix_ + "book:" + symbol.to_string(),
         "update_id",
         std::to_string(book.update_id),
         "ts_ns",
         std::to_string(book.ts.unix_ns()),
         "bids",
         levels_text(book.bids),
         "asks",
         levels_text(book.asks)});
    if (!reply) {
        return tl::unexpected(reply.error());
    }
    return ok_status();
}

Result<std::optional<BookSnapshot>> MarketCache::get_book(const Symbol& symbol) {
    const std::string key = prefix_ + "book:" + symbol.to_string();
    auto h = hgetall(connection_, key);
    if (!h) {
        return tl::unexpected(h.error());
    }
    if (h->empty()) {
        return std::optional<BookSnapshot>{};
    }
    BookSnapshot book;
    std::int64_t ts = 0;
    if (!to_int((*h)["update_id"], book.update_id) || !to_int((*h)["ts_ns"], ts)) {
        return make_error(ErrorCode::kParse, fmt::format("{}: not a book snapshot", key));
    }
    book.ts = Timestamp::from_unix_ns(ts);
    auto bids = parse_levels((*h)["bids"], key);
    auto asks = parse_levels((*h)["asks"], key);
    if (!bids || !asks) {
        return tl::unexpected(bids ? asks.error() : bids.error());
    }
    book.bids = std::move(*bids);
    book.asks = std::move(*asks);
    return std::optional<BookSnapshot>(std::move(book));
}

}  // namespace ats::redis
