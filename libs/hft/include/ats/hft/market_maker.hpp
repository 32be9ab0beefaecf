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
    /// Which sides to quote (both by default); a side turned off has its quote canceled at the
    /// next market event. The tick-level Gym environment drives this.
    void set_sides(bool bid, bool ask) noexcept {
        sides_[0] = bid;
        sides_[1] = ask;
    }
    bool quoting(Side side) const noexcept { return working_[side == Side::kBuy ? 0 : 1] != 0; }

private:
    void quote(SimContext& ctx, Side side, std::int64_t wanted_tick);

    MakerParams p_;
    bool sides_[2] = {true, true};
    std::uint64_t working_[2] = {0, 0};  // bid, ask order ids (0: none)
    std::int64_t last_cancel_[2] = {0, 0};
    std::size_t requotes_ = 0;
};

/// Avellaneda and Stoikov (2008) quoting, infinite-horizon form with a fixed horizon tau:
///   reservation price  r = mid - q * gamma * sigma^2 * tau
///   total spread       delta = gamma * sigma^2 * tau + (2 / gamma) * ln(1 + gamma / kappa)
/// quotes r -/+ delta/2 rounded away from the mid to the tick and never through the local
/// touch; q the position in quote_qty units, sigma^2 an EWMA of squared mid changes per second
/// (price units), tau in seconds. One quote per side, replaced when its price moves.
struct AvellanedaStoikovParams {
    double gamma = 0.1;                           ///< risk aversion, (0, 100]
    double kappa = 1.5;                           ///< order-arrival decay per price unit, (0, 1e6]
    double tau_s = 30;                            ///< horizon in seconds, (0, 86400]
    double sigma_halflife_s = 30;                 ///< EWMA half-life of the variance, (0, 86400]
    Qty quote_qty = Qty::from_raw(100'000);       ///< 0.001
    Qty max_position = Qty::from_raw(1'000'000);  ///< 0.01
    std::int64_t min_requote_ns = 100'000'000;

    Status validate() const;
};

class AvellanedaStoikovMaker final : public HftStrategy {
public:
    explicit AvellanedaStoikovMaker(AvellanedaStoikovParams p) : p_(p) {}
    void on_market(SimContext& ctx, const MarketEvent& event) override;

    double sigma2() const noexcept { return var_; }

private:
    void quote(SimContext& ctx, Side side, std::int64_t tick);

    AvellanedaStoikovParams p_;
    double last_mid_ = 0;
    std::int64_t last_ns_ = 0;
    double var_ = 0;  // per second, price units squared
    std::uint64_t working_[2] = {0, 0};
    std::int64_t last_cancel_[2] = {0, 0};
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
