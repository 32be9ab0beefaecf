#include "ats/hft/l2_book.hpp"

#include <algorithm>
#include <iterator>

#include <fmt/format.h>

namespace ats::hft {

Result<L2Book> L2Book::create(Price tick_size, Price roi_low, Price roi_high) {
    if (!tick_size.is_positive()) {
        return make_error(
            ErrorCode::kInvalidArgument,
            fmt::format("tick size must be positive, got {}", tick_size.to_string()));
    }
    if (roi_low.is_negative() || roi_high < roi_low) {
        return make_error(
            ErrorCode::kInvalidArgument,
            fmt::format(
                "the dense region [{}, {}] must be non-negative and ordered",
                roi_low.to_string(),
                roi_high.to_string()));
    }
    const std::int64_t lo = roi_low.raw() / tick_size.raw();
    const std::int64_t hi = roi_high.raw() / tick_size.raw();
    if (hi - lo + 1 > kMaxRoiTicks) {
        return make_error(
            ErrorCode::kInvalidArgument,
            fmt::format(
                "the dense region [{}, {}] spans {} ticks; at most {}",
                roi_low.to_string(),
                roi_high.to_string(),
                hi - lo + 1,
                kMaxRoiTicks));
    }
    L2Book book;
    book.tick_ = tick_size;
    for (SideLevels* s : {&book.bids_, &book.asks_}) {
        s->lo = lo;
        s->dense.assign(static_cast<std::size_t>(hi - lo + 1), Qty{});
    }
    return book;
}

void L2Book::clear() {
    for (SideLevels* s : {&bids_, &asks_}) {
        std::fill(s->dense.begin(), s->dense.end(), Qty{});
        s->dense_count = 0;
        s->outside.clear();
    }
    best_bid_ = kNoBid;
    best_ask_ = kNoAsk;
}

std::int64_t L2Book::next_bid_below(std::int64_t tick) const {
    const SideLevels& s = bids_;
    std::int64_t best = kNoBid;
    // Outside the region: the greatest key below `tick`.
    auto it = s.outside.lower_bound(tick);
    if (it != s.outside.begin()) {
        best = std::prev(it)->first;
    }
    if (s.dense_count > 0) {
        const std::int64_t hi = s.lo + static_cast<std::int64_t>(s.dense.size()) - 1;
        for (std::int64_t t = std::min(tick - 1, hi); t >= s.lo && t > best; --t) {
            if (s.dense[static_cast<std::size_t>(t - s.lo)].is_positive()) {
                return t;
            }
        }
    }
    return best;
}

std::int64_t L2Book::next_ask_above(std::int64_t tick) const {
    const SideLevels& s = asks_;
    std::int64_t best = kNoAsk;
    auto it = s.outside.upper_bound(tick);
    if (it != s.outside.end()) {
        best = it->first;
    }
    if (s.dense_count > 0) {
        const std::int64_t hi = s.lo + static_cast<std::int64_t>(s.dense.size()) - 1;
        for (std::int64_t t = std::max(tick + 1, s.lo); t <= hi && t < best; ++t) {
            if (s.dense[static_cast<std::size_t>(t - s.lo)].is_positive()) {
                return t;
            }
        }
    }
    return best;
}

}  // namespace ats::hft
