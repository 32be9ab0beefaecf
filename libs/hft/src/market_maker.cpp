#include "ats/hft/market_maker.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

namespace ats::hft {

Status MakerParams::validate() const {
    if (!quote_qty.is_positive() || !max_position.is_positive() || quote_qty > max_position) {
        return make_error(
            ErrorCode::kInvalidArgument,
            "quote size and max position must be positive, the quote no larger than the max");
    }
    if (!std::isfinite(skew_ticks) || skew_ticks < 0 || skew_ticks > 1000) {
        return make_error(
            ErrorCode::kInvalidArgument,
            fmt::format("skew must be in [0, 1000] ticks, got {}", skew_ticks));
    }
    if (min_requote_ns < 0 || min_requote_ns > 3'600'000'000'000) {
        return make_error(ErrorCode::kInvalidArgument, "requote interval must be in [0, 1 h]");
    }
    return ok_status();
}

void QuoteMaker::on_market(SimContext& ctx, const MarketEvent& /*event*/) {
    const L2Book& book = ctx.book();
    if (!book.has_bid() || !book.has_ask()) {
        return;
    }
    const double inventory = ctx.position().to_double() / p_.max_position.to_double();
    const auto skew = static_cast<std::int64_t>(std::lround(p_.skew_ticks * inventory));
    const bool can_buy = sides_[0] && ctx.position() + p_.quote_qty <= p_.max_position;
    const bool can_sell = sides_[1] && ctx.position() - p_.quote_qty >= -p_.max_position;
    quote(ctx, Side::kBuy, can_buy ? book.best_bid_tick() - skew : L2Book::kNoBid);
    quote(ctx, Side::kSell, can_sell ? book.best_ask_tick() - skew : L2Book::kNoAsk);
}

void QuoteMaker::quote(SimContext& ctx, Side side, std::int64_t wanted_tick) {
    const int i = side == Side::kBuy ? 0 : 1;
    const bool want = wanted_tick != L2Book::kNoBid && wanted_tick != L2Book::kNoAsk;
    const auto& orders = ctx.orders();
    const auto it = std::find_if(
        orders.begin(), orders.end(), [&](const OpenOrder& o) { return o.id == working_[i]; });
    if (it == orders.end()) {
        working_[i] = 0;  // filled or canceled
    }
    if (working_[i] != 0) {
        const bool right = want && ctx.book().to_tick(it->price) == wanted_tick;
        if (!right && it->live && ctx.now() - last_cancel_[i] >= p_.min_requote_ns) {
            ctx.cancel(working_[i]);
            last_cancel_[i] = ctx.now();
            ++requotes_;
        }
        return;
    }
    if (want) {
        working_[i] = ctx.limit(side, ctx.book().to_price(wanted_tick), p_.quote_qty);
    }
}

Status AvellanedaStoikovParams::validate() const {
    const auto in = [](double v, double lo, double hi) {
        return std::isfinite(v) && v > lo && v <= hi;
    };
    if (!in(gamma, 0, 100) || !in(kappa, 0, 1e6) || !in(tau_s, 0, 86400) ||
        !in(sigma_halflife_s, 0, 86400)) {
        return make_error(
            ErrorCode::kInvalidArgument,
            fmt::format(
                "Avellaneda-Stoikov: gamma in (0, 100], kappa in (0, 1e6], tau and half-life in "
                "(0, 86400] s; got {}, {}, {}, {}",
                gamma,
                kappa,
                tau_s,
                sigma_halflife_s));
    }
    if (!quote_qty.is_positive() || !max_position.is_positive() || quote_qty > max_position) {
        return make_error(
            ErrorCode::kInvalidArgument,
            "quote size and max position must be positive, the quote no larger than the max");
    }
    if (min_requote_ns < 0 || min_requote_ns > 3'600'000'000'000) {
        return make_error(ErrorCode::kInvalidArgument, "requote interval must be in [0, 1 h]");
    }
    return ok_status();
}

void AvellanedaStoikovMaker::on_market(SimContext& ctx, const MarketEvent& /*event*/) {
    const L2Book& book = ctx.book();
    if (!book.has_bid() || !book.has_ask()) {
        return;
    }
    const double mid = book.mid();
    const std::int64_t now = ctx.now();
    if (last_mid_ > 0 && now > last_ns_) {
        const double dt = static_cast<double>(now - last_ns_) / 1e9;
        const double dm = mid - last_mid_;
        const double alpha = 1 - std::exp(-std::log(2.0) * dt / p_.sigma_halflife_s);
        var_ += alpha * (dm * dm / dt - var_);
    }
    last_mid_ = mid;
    last_ns_ = now;
    const double q = ctx.position().to_double() / p_.quote_qty.to_double();
    const double risk = p_.gamma * var_ * p_.tau_s;
    const double r = mid - q * risk;
    const double half = 0.5 * (risk + 2 / p_.gamma * std::log1p(p_.gamma / p_.kappa));
    const double tick = book.tick_size().to_double();
    // Rounded away from the mid, never through the local touch.
    const auto bid =
        std::min(static_cast<std::int64_t>(std::floor((r - half) / tick)), book.best_bid_tick());
    const auto ask =
        std::max(static_cast<std::int64_t>(std::ceil((r + half) / tick)), book.best_ask_tick());
    const bool can_buy = ctx.position() + p_.quote_qty <= p_.max_position;
    const bool can_sell = ctx.position() - p_.quote_qty >= -p_.max_position;
    quote(ctx, Side::kBuy, can_buy && bid > 0 ? bid : L2Book::kNoBid);
    quote(ctx, Side::kSell, can_sell ? ask : L2Book::kNoAsk);
}

void AvellanedaStoikovMaker::quote(SimContext& ctx, Side side, std::int64_t tick) {
    const int i = side == Side::kBuy ? 0 : 1;
    const bool want = tick != L2Book::kNoBid && tick != L2Book::kNoAsk;
    const auto& orders = ctx.orders();
    const auto it = std::find_if(
        orders.begin(), orders.end(), [&](const OpenOrder& o) { return o.id == working_[i]; });
    if (it == orders.end()) {
        working_[i] = 0;
    }
    if (working_[i] != 0) {
        const bool right = want && ctx.book().to_tick(it->price) == tick;
        if (!right && it->live && ctx.now() - last_cancel_[i] >= p_.min_requote_ns) {
            ctx.cancel(working_[i]);
            last_cancel_[i] = ctx.now();
        }
        return;
    }
    if (want) {
        working_[i] = ctx.limit(side, ctx.book().to_price(tick), p_.quote_qty);
    }
}

Status ImbalanceParams::validate() const {
    if (levels < 1 || levels > 100) {
        return make_error(
            ErrorCode::kInvalidArgument,
            fmt::format("imbalance levels must be in [1, 100], got {}", levels));
    }
    if (!std::isfinite(threshold) || threshold <= 0 || threshold >= 1) {
        return make_error(
            ErrorCode::kInvalidArgument,
            fmt::format("imbalance threshold must be in (0, 1), got {}", threshold));
    }
    if (!qty.is_positive() || !max_position.is_positive() || qty > max_position) {
        return make_error(
            ErrorCode::kInvalidArgument,
            "order size and max position must be positive, the order no larger than the max");
    }
    if (cooldown_ns < 0 || cooldown_ns > 3'600'000'000'000) {
        return make_error(ErrorCode::kInvalidArgument, "cooldown must be in [0, 1 h]");
    }
    return ok_status();
}

void ImbalanceTaker::on_market(SimContext& ctx, const MarketEvent& /*event*/) {
    if (ctx.now() - last_ < p_.cooldown_ns || !ctx.orders().empty()) {
        return;  // one order at a time
    }
    double depth[2] = {0, 0};
    for (const Side side : {Side::kBuy, Side::kSell}) {
        int n = 0;
        ctx.book().walk(side, [&](std::int64_t, Qty q) {
            depth[side == Side::kBuy ? 0 : 1] += q.to_double();
            return ++n < p_.levels;
        });
    }
    const double total = depth[0] + depth[1];
    if (total <= 0) {
        return;
    }
    const double imbalance = (depth[0] - depth[1]) / total;
    if (imbalance > p_.threshold && ctx.position() + p_.qty <= p_.max_position) {
        ctx.market(Side::kBuy, p_.qty);
        last_ = ctx.now();
    } else if (imbalance < -p_.threshold && ctx.position() - p_.qty >= -p_.max_position) {
        ctx.market(Side::kSell, p_.qty);
        last_ = ctx.now();
    }
}

}  // namespace ats::hft
