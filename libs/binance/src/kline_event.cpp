#include "ats/binance/kline_event.hpp"

#include <fmt/format.h>
#include <simdjson.h>

#include "ats/core/fixed_point.hpp"

#include "stream_json.hpp"

namespace ats::binance {
namespace {

namespace od = simdjson::ondemand;

Status fail(std::string_view what) {
    return make_error(ErrorCode::kParse, fmt::format("kline: {}", what));
}

bool fixed(od::value value, detail::Int128& raw) {
    std::string_view text;
    if (value.get_string().get(text)) {
        return false;
    }
    std::int64_t narrow = 0;
    if (detail::parse_fixed_fast(text, narrow)) {
        raw = narrow;
        return true;
    }
    // Longer or unusual decimals: the general parser (it never loses precision silently).
    auto parsed = Qty::parse(text);
    if (!parsed) {
        return false;
    }
    raw = parsed->raw();
    return true;
}

}  // namespace

Status parse_kline_event(std::string_view json, KlineEvent& out) {
    od::document doc;
    od::object event;
    if (const char* problem = stream_json::open_stream_event(json, doc, event)) {
        return fail(problem);
    }
    bool is_kline = false;
    bool have_k = false;
    unsigned have = 0;  // bits: t T o h l c v
    out.closed = false;
    out.bar = model::Bar{};
    for (auto field : event) {
        std::string_view key;
        if (field.unescaped_key().get(key)) {
            return fail("bad key");
        }
        auto value = field.value();
        if (key == "e") {
            std::string_view type;
            is_kline = !value.get_string().get(type) && type == "kline";
            if (!is_kline) {
                return fail("not a kline event");
            }
        } else if (key == "k") {
            od::object k;
            if (value.get_object().get(k)) {
                return fail("k is not an object");
            }
            have_k = true;
            for (auto kf : k) {
                std::string_view name;
                if (kf.unescaped_key().get(name) || name.size() != 1) {
                    continue;  // unknown longer keys are ignored
                }
                od::value v;
                if (kf.value().get(v)) {
                    return fail("bad value");
                }
                detail::Int128 raw = 0;
                std::string_view text;
                switch (name[0]) {
                    case 't':
                    case 'T': {
                        std::int64_t ms = 0;
                        if (v.get_int64().get(ms)) {
                            return fail("bad t/T");
                        }
                        (name[0] == 't' ? out.bar.open_time : out.bar.close_time) =
                            Timestamp::from_unix_ms(ms);
                        have |= name[0] == 't' ? 1U : 2U;
                        break;
                    }
                    case 's':
                        if (v.get_string().get(text)) {
                            return fail("bad s");
                        }
                        out.symbol.assign(text);
                        break;
                    case 'i':
                        if (v.get_string().get(text)) {
                            return fail("bad i");
                        }
                        out.interval.assign(text);
                        break;
                    case 'x':
                        if (v.get_bool().get(out.closed)) {
                            return fail("bad x");
                        }
                        break;
                    case 'n': {
                        std::int64_t n = 0;
                        if (!v.get_int64().get(n)) {
                            out.bar.trade_count = n;
                        }
                        break;
                    }
                    case 'o':
                    case 'h':
                    case 'l':
                    case 'c':
                    case 'v':
                    case 'q':
                    case 'V':
                    case 'Q':
                        // Prices are 64-bit: a wider value is not a price.
                        if (!fixed(v, raw) ||
                            (std::string_view("ohlc").find(name[0]) != std::string_view::npos &&
                             !detail::fits_int64(raw))) {
                            return fail(fmt::format("bad {}", name));
                        }
                        switch (name[0]) {
                            case 'o':
                                out.bar.open = Price::from_raw(static_cast<std::int64_t>(raw));
                                have |= 4U;
                                break;
                            case 'h':
                                out.bar.high = Price::from_raw(static_cast<std::int64_t>(raw));
                                have |= 8U;
                                break;
                            case 'l':
                                out.bar.low = Price::from_raw(static_cast<std::int64_t>(raw));
                                have |= 16U;
                                break;
                            case 'c':
                                out.bar.close = Price::from_raw(static_cast<std::int64_t>(raw));
                                have |= 32U;
                                break;
                            case 'v':
                                out.bar.volume = Qty::from_raw(raw);
                                have |= 64U;
                                break;
                            case 'q':
                                out.bar.quote_volume = Money::from_raw(raw);
                                break;
                            case 'V':
                                out.bar.taker_buy_base_volume = Qty::from_raw(raw);
                                break;
                            default:
                                out.bar.taker_buy_quote_volume = Money::from_raw(raw);
                                break;
                        }
                        break;
                    default:
                        break;  // f, L, B and future fields
                }
            }
        }
    }
    if (!is_kline || !have_k) {
        return fail("not a kline event");
    }
    if (have != 127U || out.symbol.empty()) {
        return fail("missing s/t/T/o/h/l/c/v");
    }
    return ok_status();
}

}  // namespace ats::binance
