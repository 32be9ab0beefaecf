#include "ats/binance/local_book.hpp"

#include <fmt/format.h>
#include <simdjson.h>

#include "ats/core/decimal_swar.hpp"

#include "stream_json.hpp"

namespace ats::binance {

namespace {

namespace od = simdjson::ondemand;

Status fail(std::string_view what) {
    return make_error(ErrorCode::kParse, fmt::format("depth: {}", what));
}

/// [["price","qty"], ...] into levels.
Status parse_levels(od::array array, std::vector<Level>& out) {
    out.clear();
    for (auto entry : array) {
        od::array pair;
        if (entry.get_array().get(pair)) {
            return fail("level is not an array");
        }
        std::string_view texts[2];
        std::size_t n = 0;
        for (auto item : pair) {
            if (n == 2) {
                return fail("level has more than two fields");
            }
            if (item.get_string().get(texts[n])) {
                return fail("level field is not a string");
            }
            ++n;
        }
        if (n != 2) {
            return fail("level has fewer than two fields");
        }
        std::int64_t price = 0;
        std::int64_t qty = 0;
        if (!ats::detail::parse_fixed_fast(texts[0], price) ||
            !ats::detail::parse_fixed_fast(texts[1], qty) || price <= 0 || qty < 0) {
            return fail(fmt::format("bad level [{}, {}]", texts[0], texts[1]));
        }
        out.emplace_back(Price::from_raw(price), Qty::from_raw(qty));
    }
    return ok_status();
}

/// A strict scanner over JSON text, read in place: a decimal with 16 bytes of text left after
/// its start takes the SWAR path (which reads that far), the last few take the byte loop. It
/// accepts a subset of JSON: levels as `[["price","qty"],...]` with decimals that have no
/// escapes, and the compact objects Binance sends. Anything else makes it decline, and the
/// caller hands the text to simdjson, which then decides and names the problem.
struct Scanner {
    const char* p;
    const char* end;

    explicit Scanner(std::string_view text) : p(text.data()), end(text.data() + text.size()) {}

    bool at_end() {
        skip_space();
        return p == end;
    }
    void skip_space() {
        while (p != end && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t')) {
            ++p;
        }
    }
    bool expect(char c) {
        if (p != end && *p == c) {  // Binance sends no whitespace
            ++p;
            return true;
        }
        skip_space();
        if (p == end || *p != c) {
            return false;
        }
        ++p;
        return true;
    }
    /// `text` exactly as written, no whitespace inside.
    bool literal(std::string_view text) {
        if (static_cast<std::size_t>(end - p) < text.size() ||
            std::string_view(p, text.size()) != text) {
            return false;
        }
        p += text.size();
        return true;
    }
    /// A string of letters, digits, '_', '-', '.' and '@' (symbols, stream names).
    bool name(std::string_view& out) {
        if (!expect('"')) {
            return false;
        }
        const char* const begin = p;
        const auto allowed = [](char c) {
            return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                   c == '_' || c == '-' || c == '.' || c == '@';
        };
        while (p != end && allowed(*p)) {
            ++p;
        }
        if (p == end || *p != '"') {
            return false;
        }
        out = std::string_view(begin, static_cast<std::size_t>(p - begin));
        ++p;
        return true;
    }
    /// A non-negative JSON integer of at most 18 digits (no sign, no leading zero).
    bool integer(std::int64_t& out) {
        skip_space();
        const char* const begin = p;
        std::int64_t value = 0;
        while (p != end && static_cast<unsigned char>(*p - '0') < 10 && p - begin < 18) {
            value = value * 10 + (*p - '0');
            ++p;
        }
        const auto digits = p - begin;
        if (digits == 0 || (digits > 1 && *begin == '0') ||
            (p != end && static_cast<unsigned char>(*p - '0') < 10)) {
            return false;
        }
        out = value;
        return true;
    }
    /// Two characters at once (the compact form), else each after optional whitespace.
    bool expect2(char a, char b) {
        if (end - p >= 2 && p[0] == a && p[1] == b) {
            p += 2;
            return true;
        }
        return expect(a) && expect(b);
    }
    /// A quoted decimal whose opening quote is already read.
    bool decimal_rest(std::int64_t& value) {
        if constexpr (swar::kEnabled) {
            const char* stop = nullptr;
            if (end - p >= 16 && swar::parse_unsigned<'"'>(p, value, stop)) {
                p = stop + 1;
                return true;
            }
        }
        const char* const begin = p;
        while (p != end && *p != '"' && *p != '\\') {
            ++p;
        }
        if (p == end || *p != '"') {
            return false;
        }
        const std::string_view digits(begin, static_cast<std::size_t>(p - begin));
        ++p;
        return ats::detail::parse_fixed_fast(digits, value);
    }
    /// `[["price","qty"],...]` into `out` (cleared first); prices positive, quantities not
    /// negative.
    bool levels(std::vector<Level>& out) {
        out.clear();
        if (!expect('[')) {
            return false;
        }
        skip_space();
        if (p != end && *p == ']') {
            ++p;
            return true;
        }
        for (;;) {
            std::int64_t price = 0;
            std::int64_t qty = 0;
            if (!expect2('[', '"') || !decimal_rest(price) || !expect2(',', '"') ||
                !decimal_rest(qty) || !expect(']') || price <= 0 || qty < 0) {
                return false;
            }
            out.emplace_back(Price::from_raw(price), Qty::from_raw(qty));
            skip_space();
            if (p == end) {
                return false;
            }
            if (*p == ']') {
                ++p;
                return true;
            }
            if (*p != ',') {
                return false;
            }
            ++p;
        }
    }
};

/// The fast path of a whole depthUpdate, in the shape Binance sends it (fields in its order,
/// raw or wrapped by a combined stream, no whitespace between fields). False for any other shape
/// or value, which the simdjson path then parses (or refuses) as before: both accept the same
/// messages and produce the same update.
bool scan_depth_update(std::string_view json, DepthUpdate& out) {
    Scanner s(json);
    std::string_view name;
    const bool wrapped = s.literal("{\"stream\":");
    if (wrapped && !(s.name(name) && s.literal(",\"data\":"))) {
        return false;
    }
    std::int64_t event_ms = 0;
    std::int64_t first_id = 0;
    std::int64_t final_id = 0;
    std::string_view symbol;
    if (!s.literal("{\"e\":\"depthUpdate\",\"E\":") || !s.integer(event_ms) ||
        !s.literal(",\"s\":") || !s.name(symbol) || !s.literal(",\"U\":") || !s.integer(first_id) ||
        !s.literal(",\"u\":") || !s.integer(final_id) || !s.literal(",\"b\":") ||
        !s.levels(out.bids) || !s.literal(",\"a\":") || !s.levels(out.asks) || !s.literal("}") ||
        (wrapped && !s.literal("}")) || !s.at_end() || final_id < first_id) {
        return false;
    }
    out.event_ms = event_ms;
    out.first_id = first_id;
    out.final_id = final_id;
    out.symbol.assign(symbol);
    return true;
}

}  // namespace

Status parse_depth_update(std::string_view json, DepthUpdate& out) {
    if (scan_depth_update(json, out)) {
        return ok_status();
    }
    return detail::parse_depth_update_simdjson(json, out);
}

Status detail::parse_depth_update_simdjson(std::string_view json, DepthUpdate& out) {
    od::document doc;
    od::object event;
    if (const char* problem = stream_json::open_stream_event(json, doc, event)) {
        return fail(problem);
    }
    bool have_first = false;
    bool have_final = false;
    for (auto field : event) {
        std::string_view key;
        if (field.unescaped_key().get(key)) {
            return fail("bad key");
        }
        auto value = field.value();
        if (key == "e") {
            std::string_view type;
            if (value.get_string().get(type) || type != "depthUpdate") {
                return fail("not a depthUpdate event");
            }
        } else if (key == "E") {
            if (value.get_int64().get(out.event_ms)) {
                return fail("bad E");
            }
        } else if (key == "s") {
            std::string_view symbol;
            if (value.get_string().get(symbol)) {
                return fail("bad s");
            }
            out.symbol.assign(symbol);
        } else if (key == "U") {
            have_first = !value.get_int64().get(out.first_id);
        } else if (key == "u") {
            have_final = !value.get_int64().get(out.final_id);
        } else if (key == "b" || key == "a") {
            od::array levels;
            if (value.get_array().get(levels)) {
                return fail("levels are not an array");
            }
            if (auto s = parse_levels(levels, key == "b" ? out.bids : out.asks); !s) {
                return s;
            }
        }  // unknown fields are ignored, as Binance asks clients to
    }
    if (!have_first || !have_final || out.final_id < out.first_id) {
        return fail("missing or inconsistent U/u");
    }
    return ok_status();
}

Status parse_depth_snapshot(std::string_view json, DepthSnapshot& out) {
    simdjson::padded_string padded(json);
    od::document doc;
    if (stream_json::stream_parser().iterate(padded).get(doc)) {
        return fail("malformed snapshot JSON");
    }
    od::object object;
    if (doc.get_object().get(object)) {
        return fail("snapshot is not an object");
    }
    bool have_id = false;
    for (auto field : object) {
        std::string_view key;
        if (field.unescaped_key().get(key)) {
            return fail("bad key");
        }
        auto value = field.value();
        if (key == "lastUpdateId") {
            have_id = !value.get_int64().get(out.last_update_id);
        } else if (key == "bids" || key == "asks") {
            od::array levels;
            if (value.get_array().get(levels)) {
                return fail("levels are not an array");
            }
            if (auto s = parse_levels(levels, key == "bids" ? out.bids : out.asks); !s) {
                return s;
            }
        }
    }
    if (!have_id) {
        return fail("snapshot without lastUpdateId");
    }
    return ok_status();
}

namespace {

/// Sets (or, for a zero quantity, removes) one level of one side, keeping its index.
template <class Map>
void set_level(Map& map, detail::LevelIndex<Map>& index, Price price, Qty qty) {
    const auto slot = index.find(price.raw());
    if (slot != detail::LevelIndex<Map>::kNone) {
        if (qty.is_zero()) {
            map.erase(index.at(slot));
            index.erase(slot);
        } else {
            index.at(slot)->second = qty;
        }
    } else if (!qty.is_zero()) {
        index.insert(price.raw(), map.emplace(price, qty).first);
    }
}

}  // namespace

void LocalOrderBook::clear_levels() noexcept {
    bids_.clear();
    asks_.clear();
    bid_index_.clear();
    ask_index_.clear();
}

void LocalOrderBook::apply_levels(const DepthUpdate& update) {
    for (const auto& [price, qty] : update.bids) {
        set_level(bids_, bid_index_, price, qty);
    }
    for (const auto& [price, qty] : update.asks) {
        set_level(asks_, ask_index_, price, qty);
    }
    counters_.level_updates += static_cast<std::int64_t>(update.bids.size() + update.asks.size());
}

void LocalOrderBook::apply(const DepthUpdate& update) {
    if (update.final_id <= update_id_) {
        ++counters_.stale;
        return;
    }
    if (update.first_id > update_id_ + 1) {
        // Missed diffs: this book no longer matches the exchange. Start over from a snapshot.
        ++counters_.gaps;
        if (gaps_.size() >= 1000) {
            gaps_.erase(gaps_.begin());
        }
        gaps_.push_back(Gap{update.event_ms, update_id_ + 1, update.first_id - 1, 0});
        state_ = State::kBuffering;
        clear_levels();
        buffer_.clear();
        buffer_.push_back(update);
        return;
    }
    apply_levels(update);
    update_id_ = update.final_id;
    ++counters_.applied;
}

void LocalOrderBook::on_update(DepthUpdate update) {
    if (state_ == State::kBuffering) {
        buffer_.push_back(std::move(update));
        return;
    }
    apply(update);
}

Status LocalOrderBook::on_snapshot(const DepthSnapshot& snapshot) {
    if (!buffer_.empty() && snapshot.last_update_id < buffer_.front().first_id - 1) {
        ++counters_.too_old;
        return make_error(
            ErrorCode::kFailedPrecondition,
            fmt::format(
                "depth snapshot {} is older than the first buffered diff (U={})",
                snapshot.last_update_id,
                buffer_.front().first_id));
    }
    clear_levels();
    for (const auto& [price, qty] : snapshot.bids) {
        set_level(bids_, bid_index_, price, qty);
    }
    for (const auto& [price, qty] : snapshot.asks) {
        set_level(asks_, ask_index_, price, qty);
    }
    update_id_ = snapshot.last_update_id;
    state_ = State::kSynced;
    ++counters_.snapshots;
    if (!gaps_.empty() && gaps_.back().resynced_at == 0) {
        gaps_.back().resynced_at = snapshot.last_update_id;
    }
    auto pending = std::move(buffer_);
    buffer_.clear();
    for (const auto& update : pending) {
        if (state_ != State::kSynced) {
            buffer_.push_back(update);  // a gap inside the buffer: keep the rest for the next try
            continue;
        }
        apply(update);
    }
    return ok_status();
}

}  // namespace ats::binance
