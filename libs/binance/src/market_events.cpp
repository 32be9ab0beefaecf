#include "ats/binance/market_events.hpp"

#include <fmt/format.h>
#include <simdjson.h>

#include "stream_json.hpp"

namespace ats::binance {
namespace {

namespace od = simdjson::ondemand;

Status fail(std::string_view what, std::string_view detail) {
    return make_error(ErrorCode::kParse, fmt::format("{}: {}", what, detail));
}

template <typename T>
bool decimal(od::value value, T& out) {
    std::string_view text;
    if (value.get_string().get(text)) {
        return false;
    }
    std::int64_t raw = 0;
    if (detail::parse_fixed_fast(text, raw)) {
        out = T::from_raw(raw);
        return true;
    }
    auto parsed = T::parse(text);
    if (!parsed) {
        return false;
    }
    out = *parsed;
    return true;
}

}  // namespace

Status parse_trade_event(std::string_view json, TradeEvent& out) {
    od::document doc;
    od::object event;
    if (const char* problem = stream_json::open_stream_event(json, doc, event)) {
        return fail("trade", problem);
    }
    unsigned have = 0;  // bits: e s id p q T
    out.first_id = out.last_id = 0;
    for (auto field : event) {
        std::string_view key;
        od::value v;
        if (field.unescaped_key().get(key) || field.value().get(v)) {
            return fail("trade", "bad field");
        }
        if (key.size() != 1) {
            continue;
        }
        std::string_view text;
        switch (key[0]) {
            case 'e':
                if (v.get_string().get(text) || (text != "trade" && text != "aggTrade")) {
                    return fail("trade", "not a trade or aggTrade event");
                }
                out.aggregate = text == "aggTrade";
                have |= 1U;
                break;
            case 's':
                if (v.get_string().get(text)) {
                    return fail("trade", "bad s");
                }
                out.symbol.assign(text);
                have |= 2U;
                break;
            case 't':
            case 'a':
                if (v.get_int64().get(out.id)) {
                    return fail("trade", "bad id");
                }
                have |= 4U;
                break;
            case 'f':
                if (v.get_int64().get(out.first_id)) {
                    return fail("trade", "bad f");
                }
                break;
            case 'l':
                if (v.get_int64().get(out.last_id)) {
                    return fail("trade", "bad l");
                }
                break;
            case 'p':
                if (!decimal(v, out.price)) {
                    return fail("trade", "bad p");
                }
                have |= 8U;
                break;
            case 'q':
                if (!decimal(v, out.qty)) {
                    return fail("trade", "bad q");
                }
                have |= 16U;
                break;
            case 'T':
                if (v.get_int64().get(out.trade_ms)) {
                    return fail("trade", "bad T");
                }
                have |= 32U;
                break;
            case 'm':
                if (v.get_bool().get(out.buyer_maker)) {
                    return fail("trade", "bad m");
                }
                break;
            default:
                break;  // E, M and future fields
        }
    }
    if (have != 63U) {
        return fail("trade", "missing e/s/t/p/q/T");
    }
    if (out.first_id == 0) {
        out.first_id = out.id;
    }
    if (out.last_id == 0) {
        out.last_id = out.id;
    }
    return ok_status();
}

Status parse_book_ticker(std::string_view json, BookTickerEvent& out) {
    od::document doc;
    od::object event;
    if (const char* problem = stream_json::open_stream_event(json, doc, event)) {
        return fail("bookTicker", problem);
    }
    unsigned have = 0;  // bits: u s b B a A
    for (auto field : event) {
        std::string_view key;
        od::value v;
        if (field.unescaped_key().get(key) || field.value().get(v)) {
            return fail("bookTicker", "bad field");
        }
        if (key.size() != 1) {
            continue;
        }
        std::string_view text;
        bool ok = true;
        switch (key[0]) {
            case 'u':
                ok = !v.get_int64().get(out.update_id);
                have |= 1U;
                break;
            case 's':
                ok = !v.get_string().get(text);
                out.symbol.assign(text);
                have |= 2U;
                break;
            case 'b':
                ok = decimal(v, out.bid);
                have |= 4U;
                break;
            case 'B':
                ok = decimal(v, out.bid_qty);
                have |= 8U;
                break;
            case 'a':
                ok = decimal(v, out.ask);
                have |= 16U;
                break;
            case 'A':
                ok = decimal(v, out.ask_qty);
                have |= 32U;
                break;
            case 'e':
                // Spot's bookTicker has no event type; another type is another event.
                if (v.get_string().get(text) || text != "bookTicker") {
                    return fail("bookTicker", "not a bookTicker event");
                }
                break;
            default:
                break;
        }
        if (!ok) {
            return fail("bookTicker", fmt::format("bad {}", key));
        }
    }
    if (have != 63U) {
        return fail("bookTicker", "missing u/s/b/B/a/A");
    }
    return ok_status();
}

}  // namespace ats::binance
