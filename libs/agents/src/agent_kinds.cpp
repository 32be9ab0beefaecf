#include "ats/agents/agent_kinds.hpp"

#include <algorithm>
#include <cmath>
#include <random>

#include <fmt/format.h>

namespace ats::agents {

namespace {

constexpr double kSecond = 1e9;

bool in(double v, double lo, double hi) {
    return std::isfinite(v) && v >= lo && v <= hi;
}

Status bad(const char* kind, const char* what) {
    return Status(make_error(ErrorCode::kInvalidArgument, fmt::format("{}: {}", kind, what)));
}

/// Next Poisson wake-up for a rate per minute scaled by the activity factor.
std::int64_t poisson_wait(AgentContext& ctx, double rate_per_min) {
    const double rate = std::max(rate_per_min * ctx.activity(), 1e-9) / 60.0 / kSecond;
    return static_cast<std::int64_t>(std::exponential_distribution<double>(rate)(ctx.rng())) + 1;
}

std::int64_t geometric_lots(AgentContext& ctx, double mean) {
    if (mean <= 1) {
        return 1;
    }
    return 1 + std::geometric_distribution<std::int64_t>(1.0 / mean)(ctx.rng());
}

}  // namespace

Status NoiseParams::validate() const {
    if (!in(rate_per_min, 1e-6, 1e5) || !in(p_market, 0, 1) || !in(offset_ticks, 0, 1e7) ||
        !in(size_lots, 1, 1e9) || !in(order_life_s, 0.001, 1e7)) {
        return bad(
            "noise",
            "rate_per_min in [1e-6, 1e5], p_market in [0, 1], offset_ticks in [0, 1e7], "
            "size_lots in [1, 1e9], order_life_s in [0.001, 1e7]");
    }
    return ok_status();
}

Status MakerAgentParams::validate() const {
    if (levels < 1 || levels > 50 || !in(half_spread_ticks, 0.5, 1e6) ||
        !in(level_step_ticks, 1, 1e6) || !in(size_lots, 1, 1e9) ||
        !in(skew_ticks_per_lot, 0, 1e6) || !in(max_inventory, 1, 1e12) ||
        !in(refresh_s, 0.001, 1e6) || !in(vol_mult, 0, 100)) {
        return bad(
            "market_maker",
            "levels in [1, 50], half_spread_ticks in [0.5, 1e6], level_step_ticks in [1, 1e6], "
            "size_lots in [1, 1e9], skew_ticks_per_lot in [0, 1e6], max_inventory in [1, 1e12], "
            "refresh_s in [0.001, 1e6], vol_mult in [0, 100]");
    }
    return ok_status();
}

Status MomentumParams::validate() const {
    if (!in(interval_s, 0.001, 1e6) || !in(lookback_s, 0.001, 1e7) || !in(threshold_bps, 0, 1e4) ||
        !in(size_lots, 1, 1e9) || !in(max_position, 1, 1e12)) {
        return bad(
            "momentum",
            "interval_s in [0.001, 1e6], lookback_s in [0.001, 1e7], threshold_bps in [0, 1e4], "
            "size_lots in [1, 1e9], max_position in [1, 1e12]");
    }
    return ok_status();
}

Status ValueParams::validate() const {
    if (!in(rate_per_min, 1e-6, 1e5) || !in(bias_bps, 0, 1e4) || !in(noise_bps, 0, 1e4) ||
        !in(threshold_bps, 0, 1e4) || !in(aggressive_bps, 0, 1e4) || !in(size_lots, 1, 1e9) ||
        !in(max_position, 1, 1e12)) {
        return bad(
            "value",
            "rate_per_min in [1e-6, 1e5], bias_bps, noise_bps, threshold_bps and aggressive_bps "
            "in [0, 1e4], "
            "size_lots in [1, 1e9], max_position in [1, 1e12]");
    }
    return ok_status();
}

Status ArbParams::validate() const {
    if (!in(interval_s, 0.001, 1e6) || !in(min_edge_bps, 0, 1e4) || !in(size_lots, 1, 1e9) ||
        !in(max_position, 1, 1e12)) {
        return bad(
            "arbitrageur",
            "interval_s in [0.001, 1e6], min_edge_bps in [0, 1e4], size_lots in [1, 1e9], "
            "max_position in [1, 1e12]");
    }
    return ok_status();
}

void NoiseTrader::on_wake(AgentContext& ctx) {
    const std::int64_t now = ctx.now();
    while (!open_.empty() && open_.front().second <= now) {
        ctx.cancel(open_.front().first);
        open_.pop_front();
    }
    const Quote q = ctx.quote(market_);
    const double mid = q.mid();
    auto& rng = ctx.rng();
    const Side side = std::bernoulli_distribution(0.5)(rng) ? Side::kBuy : Side::kSell;
    const std::int64_t lots = geometric_lots(ctx, p_.size_lots);
    if (mid > 0) {
        if (std::bernoulli_distribution(p_.p_market)(rng)) {
            ctx.market_order(market_, side, lots);
        } else {
            // Around the mid: mostly passive, sometimes through it.
            const double off =
                p_.offset_ticks > 0
                    ? std::exponential_distribution<double>(1.0 / p_.offset_ticks)(rng)
                    : 0.0;
            const double shift = std::bernoulli_distribution(0.15)(rng) ? -off * 0.2 : off;
            const auto tick = static_cast<std::int64_t>(
                std::llround(side == Side::kBuy ? mid - 0.5 - shift : mid + 0.5 + shift));
            if (tick > 0) {
                const std::uint64_t h = ctx.limit(market_, side, tick, lots);
                if (h != 0) {
                    open_.emplace_back(
                        h, now + static_cast<std::int64_t>(p_.order_life_s * kSecond));
                }
            }
        }
    }
    ctx.wake_at(now + poisson_wait(ctx, p_.rate_per_min));
}

void NoiseTrader::on_fill(AgentContext& /*ctx*/, const AgentFill& fill) {
    if (fill.done) {
        std::erase_if(open_, [&](const auto& o) { return o.first == fill.order; });
    }
}

void MarketMakerAgent::requote(AgentContext& ctx) {
    for (const auto h : quotes_) {
        ctx.cancel(h);
    }
    quotes_.clear();
    const Quote q = ctx.quote(market_);
    const double mid = q.mid();
    if (mid <= 0) {
        return;
    }
    const double move = last_mid_ > 0 ? std::abs(mid - last_mid_) : 0;
    last_mid_ = mid;
    const auto inv = static_cast<double>(ctx.position(market_));
    const double center = mid - p_.skew_ticks_per_lot * inv;
    const double half = p_.half_spread_ticks + p_.vol_mult * move;
    const auto lots = static_cast<std::int64_t>(p_.size_lots);
    for (int i = 0; i < p_.levels; ++i) {
        const double d = half + p_.level_step_ticks * i;
        if (inv + static_cast<double>(lots) <= p_.max_inventory) {
            const auto bid = static_cast<std::int64_t>(std::floor(center - d));
            if (bid > 0) {
                quotes_.push_back(ctx.limit(market_, Side::kBuy, bid, lots));
            }
        }
        if (inv - static_cast<double>(lots) >= -p_.max_inventory) {
            const auto ask = static_cast<std::int64_t>(std::ceil(center + d));
            quotes_.push_back(ctx.limit(market_, Side::kSell, ask, lots));
        }
    }
}

void MarketMakerAgent::on_wake(AgentContext& ctx) {
    requote(ctx);
    ctx.wake_at(ctx.now() + static_cast<std::int64_t>(p_.refresh_s * kSecond));
}

void MarketMakerAgent::on_fill(AgentContext& ctx, const AgentFill& /*fill*/) {
    // Lean against the new inventory at once, at most once a second.
    if (ctx.now() - last_fill_requote_ >= static_cast<std::int64_t>(kSecond)) {
        last_fill_requote_ = ctx.now();
        requote(ctx);
    }
}

void MomentumTrader::on_wake(AgentContext& ctx) {
    const std::int64_t now = ctx.now();
    const double mid = ctx.quote(market_).mid();
    if (mid > 0) {
        mids_.emplace_back(now, mid);
    }
    const auto lookback = static_cast<std::int64_t>(p_.lookback_s * kSecond);
    while (mids_.size() > 2 && mids_[1].first <= now - lookback) {
        mids_.pop_front();
    }
    if (mid > 0 && mids_.front().first <= now - lookback && mids_.front().second > 0) {
        const double r = (mid / mids_.front().second - 1) * 1e4;
        const auto pos = static_cast<double>(ctx.position(market_));
        const auto lots = static_cast<std::int64_t>(p_.size_lots);
        if (r > p_.threshold_bps && pos + static_cast<double>(lots) <= p_.max_position) {
            ctx.market_order(market_, Side::kBuy, lots);
        } else if (r < -p_.threshold_bps && pos - static_cast<double>(lots) >= -p_.max_position) {
            ctx.market_order(market_, Side::kSell, lots);
        }
    }
    ctx.wake_at(now + poisson_wait(ctx, 60.0 / p_.interval_s));
}

void ValueTrader::on_wake(AgentContext& ctx) {
    const Quote q = ctx.quote(market_);
    auto& rng = ctx.rng();
    const double noise = std::normal_distribution<double>(0, p_.noise_bps / 1e4)(rng);
    const double estimate = ctx.fundamental() * (1 + bias_ + noise);
    const double thr = p_.threshold_bps / 1e4;
    const auto pos = static_cast<double>(ctx.position(market_));
    const auto lots = static_cast<std::int64_t>(p_.size_lots);
    const double aggressive = p_.aggressive_bps / 1e4;
    if (q.ask != hft::L3Book::kNone && static_cast<double>(q.ask) < estimate * (1 - thr) &&
        pos + static_cast<double>(lots) <= p_.max_position) {
        if (static_cast<double>(q.ask) < estimate * (1 - aggressive)) {
            ctx.market_order(market_, Side::kBuy, lots);
        } else {
            ctx.limit(market_, Side::kBuy, q.ask, lots);
        }
    } else if (
        q.bid != hft::L3Book::kNone && static_cast<double>(q.bid) > estimate * (1 + thr) &&
        pos - static_cast<double>(lots) >= -p_.max_position) {
        if (static_cast<double>(q.bid) > estimate * (1 + aggressive)) {
            ctx.market_order(market_, Side::kSell, lots);
        } else {
            ctx.limit(market_, Side::kSell, q.bid, lots);
        }
    }
    ctx.wake_at(ctx.now() + poisson_wait(ctx, p_.rate_per_min));
}

void Arbitrageur::on_wake(AgentContext& ctx) {
    const Quote a = ctx.quote(0);
    const Quote b = ctx.quote(1);
    const double need = (fee_bps_ + p_.min_edge_bps) / 1e4;
    const auto pos_a = static_cast<double>(ctx.position(0));
    const auto pos_b = static_cast<double>(ctx.position(1));
    const auto size = static_cast<std::int64_t>(p_.size_lots);
    if (a.two_sided() && b.two_sided()) {
        const double a_bid = static_cast<double>(a.bid) * tick0_;
        const double a_ask = static_cast<double>(a.ask) * tick0_;
        const double b_bid = static_cast<double>(b.bid) * tick1_;
        const double b_ask = static_cast<double>(b.ask) * tick1_;
        if (a_bid > b_ask * (1 + need) && pos_a - static_cast<double>(size) >= -p_.max_position &&
            pos_b + static_cast<double>(size) <= p_.max_position) {
            const std::int64_t lots = std::min({size, a.bid_lots, b.ask_lots});
            ctx.market_order(0, Side::kSell, lots);
            ctx.market_order(1, Side::kBuy, lots);
        } else if (
            b_bid > a_ask * (1 + need) && pos_b - static_cast<double>(size) >= -p_.max_position &&
            pos_a + static_cast<double>(size) <= p_.max_position) {
            const std::int64_t lots = std::min({size, b.bid_lots, a.ask_lots});
            ctx.market_order(1, Side::kSell, lots);
            ctx.market_order(0, Side::kBuy, lots);
        }
    }
    ctx.wake_at(ctx.now() + static_cast<std::int64_t>(p_.interval_s * kSecond));
}

}  // namespace ats::agents
