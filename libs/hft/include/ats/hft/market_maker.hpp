#pragma once

#include <cstdint>
#include <limits>

#include "ats/core/error.hpp"
#include "ats/hft/simulator.hpp"

namespace ats::hft {

/// An example market maker for the simulator: one bid and one ask at the local touch, shifted
/// against inventory (long -> both quotes lower by skew_ticks x position / max_position, rounded),
/// no quote on the side that would pass max_position; a quote away from its wanted price is
/// canceled (at most once per min_requote_ns) and placed again once the cancel is confirmed.
struct MakerParams {
    Qty quote_qty = Qty::from_raw(100'000);       ///< 0.001
    Qty max_position = Qty::from_raw(1'000'000);  ///< 0.01
    double skew_ticks = 2;
    std::int64_t min_requote_ns = 100'000'000;  ///< 100 ms

    Status validate() const;
};

class QuoteMaker final : public HftStrategy {
public:
    explicit QuoteMaker(MakerParams p) : p_(p) {}
    void on_market(SimContext& ctx, const MarketEvent& event) override;

    std::size_t requotes() const noexcept { return requotes_; }

private:
    void quote(SimContext& ctx, Side side, std::int64_t wanted_tick);

    MakerParams p_;
    std::uint64_t working_[2] = {0, 0};  // bid, ask order ids (0: none)
    std::int64_t last_cancel_[2] = {0, 0};
    std::size_t requotes_ = 0;
};

/// An example taker on order-book imbalance: with I = (B - A) / (B + A) over the quantities of
/// the best `levels` levels of each side of the local book, it buys `qty` at market when
/// I > threshold and sells when I < -threshold (within +-max_position), at most once per
/// cooldown_ns.
struct ImbalanceParams {
    int levels = 5;
    double threshold = 0.6;
    Qty qty = Qty::from_raw(100'000);           ///< 0.001
    Qty max_position = Qty::from_raw(500'000);  ///< 0.005
    std::int64_t cooldown_ns = 1'000'000'000;   ///< 1 s

    Status validate() const;
};

class ImbalanceTaker final : public HftStrategy {
public:
    explicit ImbalanceTaker(ImbalanceParams p) : p_(p) {}
    void on_market(SimContext& ctx, const MarketEvent& event) override;

private:
    ImbalanceParams p_;
    std::int64_t last_ = std::numeric_limits<std::int64_t>::min() / 2;
};

}  // namespace ats::hft
