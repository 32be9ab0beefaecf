#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <utility>
#include <vector>

#include "ats/agents/kernel.hpp"

namespace ats::agents {

/// Zero-intelligence / noise trader (Gode and Sunder 1993, as in ABIDES' noise agents): wakes
/// at Poisson times (rate x the activity factor); with probability `p_market` sends a market
/// order of a random side, else a limit order at a random distance from the mid it sees
/// (exponential, mean `offset_ticks`, on either side: some cross); limit orders are canceled
/// after `order_life_s`. Sizes are geometric with mean `size_lots`.
struct NoiseParams {
    double rate_per_min = 2;
    double p_market = 0.2;
    double offset_ticks = 20;
    double size_lots = 20;
    double order_life_s = 120;
    Status validate() const;
};

/// Market maker: every `refresh_s` (and after each fill) cancels its quotes and posts `levels`
/// bids and asks `half_spread_ticks` + i x `level_step_ticks` around a center shifted against
/// inventory by `skew_ticks_per_lot` per lot held; the half-spread widens by `vol_mult` x the
/// absolute mid change since the last refresh; no quotes on the side past `max_inventory`.
struct MakerAgentParams {
    int levels = 3;
    double half_spread_ticks = 5;
    double level_step_ticks = 5;
    double size_lots = 50;
    double skew_ticks_per_lot = 0.05;
    double max_inventory = 2000;
    double refresh_s = 5;
    double vol_mult = 0.5;
    Status validate() const;
};

/// Momentum taker (trend follower): every `interval_s` (Poisson, scaled by activity) compares
/// the mid it sees with the one `lookback_s` ago; past `threshold_bps` it buys (sells) `size_lots`
/// at market, within `max_position`.
struct MomentumParams {
    double interval_s = 30;
    double lookback_s = 300;
    double threshold_bps = 10;
    double size_lots = 30;
    double max_position = 500;
    Status validate() const;
};

/// Value trader (fundamentalist): sees the fundamental with its own persistent bias (normal,
/// sd `bias_bps`) plus fresh noise (sd `noise_bps`); when the ask is below its estimate by more
/// than `threshold_bps` it buys `size_lots` with a limit at the ask (at market past
/// `aggressive_bps`), when the bid is above it sells; within `max_position`. Wakes at Poisson
/// times (rate x activity).
struct ValueParams {
    double rate_per_min = 1;
    double aggressive_bps = 30;  ///< past this mispricing it takes at market instead
    double bias_bps = 10;
    double noise_bps = 10;
    double threshold_bps = 5;
    double size_lots = 30;
    double max_position = 1000;
    Status validate() const;
};

/// Arbitrageur across markets 0 and 1 (the same asset): every `interval_s` compares what it
/// sees of both books; when one's bid is above the other's ask by more than both taker fees plus
/// `min_edge_bps`, it sells there and buys here at market, `size_lots` (capped by the top-of-book
/// sizes it saw), within `max_position` per market.
struct ArbParams {
    double interval_s = 1;
    double min_edge_bps = 1;
    double size_lots = 50;
    double max_position = 1000;
    Status validate() const;
};

class NoiseTrader final : public Agent {
public:
    NoiseTrader(NoiseParams p, std::uint32_t market) : p_(p), market_(market) {}
    void on_wake(AgentContext& ctx) override;
    void on_fill(AgentContext& ctx, const AgentFill& fill) override;
    const char* family() const noexcept override { return "noise"; }

private:
    NoiseParams p_;
    std::uint32_t market_;
    std::deque<std::pair<std::uint64_t, std::int64_t>> open_;  // handle, expiry
};

class MarketMakerAgent final : public Agent {
public:
    MarketMakerAgent(MakerAgentParams p, std::uint32_t market) : p_(p), market_(market) {}
    void on_wake(AgentContext& ctx) override;
    void on_fill(AgentContext& ctx, const AgentFill& fill) override;
    const char* family() const noexcept override { return "market_maker"; }

private:
    void requote(AgentContext& ctx);
    MakerAgentParams p_;
    std::uint32_t market_;
    std::vector<std::uint64_t> quotes_;
    double last_mid_ = 0;
    std::int64_t last_fill_requote_ = 0;
};

class MomentumTrader final : public Agent {
public:
    MomentumTrader(MomentumParams p, std::uint32_t market) : p_(p), market_(market) {}
    void on_wake(AgentContext& ctx) override;
    const char* family() const noexcept override { return "momentum"; }

private:
    MomentumParams p_;
    std::uint32_t market_;
    std::deque<std::pair<std::int64_t, double>> mids_;  // time, mid seen
};

class ValueTrader final : public Agent {
public:
    ValueTrader(ValueParams p, std::uint32_t market, double bias)
        : p_(p), market_(market), bias_(bias) {}
    void on_wake(AgentContext& ctx) override;
    const char* family() const noexcept override { return "value"; }

private:
    ValueParams p_;
    std::uint32_t market_;
    double bias_;  // relative
};

class Arbitrageur final : public Agent {
public:
    Arbitrageur(ArbParams p, double fee0_bps, double fee1_bps, double tick0, double tick1)
        : p_(p), fee_bps_(fee0_bps + fee1_bps), tick0_(tick0), tick1_(tick1) {}
    void on_wake(AgentContext& ctx) override;
    const char* family() const noexcept override { return "arbitrageur"; }

private:
    ArbParams p_;
    double fee_bps_;
    double tick0_;
    double tick1_;
};

}  // namespace ats::agents
