#include "ats/binance/local_book.hpp"

#include <fmt/format.h>
#include <simdjson.h>

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
        if (!detail::parse_fixed_fast(texts[0], price) ||
            !detail::parse_fixed_fast(texts[1], qty) || price <= 0 || qty < 0) {
            return fail(fmt::format("bad level [{}, {}]", texts[0], texts[1]));
        }
        out.emplace_back(Price::from_raw(price), Qty::from_raw(qty));
    }
    return ok_status();
}

}  // namespace

Status parse_depth_update(std::string_view json, DepthUpdate& out) {
    simdjson::padded_string padded;
    od::document doc;
    od::object event;
    if (const char* problem = stream_json::open_stream_event(json, padded, doc, event)) {
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

void LocalOrderBook::apply_levels(const DepthUpdate& update) {
    for (const auto& [price, qty] : update.bids) {
        if (qty.is_zero()) {
            bids_.erase(price);
        } else {
            bids_.insert_or_assign(price, qty);
        }
    }
    for (const auto& [price, qty] : update.asks) {
        if (qty.is_zero()) {
            asks_.erase(price);
        } else {
            asks_.insert_or_assign(price, qty);
        }
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
        bids_.clear();
        asks_.clear();
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
    bids_.clear();
    asks_.clear();
    for (const auto& [price, qty] : snapshot.bids) {
        bids_.insert_or_assign(price, qty);
    }
    for (const auto& [price, qty] : snapshot.asks) {
        asks_.insert_or_assign(price, qty);
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
