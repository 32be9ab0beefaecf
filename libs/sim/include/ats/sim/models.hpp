#pragma once

#include <cstdint>
#include <memory>
#include <string_view>

#include "ats/core/error.hpp"
#include "ats/core/fixed_point.hpp"
#include "ats/core/side.hpp"
#include "ats/model/bar.hpp"

namespace ats::sim {

/// Maker/taker fees as rates in basis points (10 bps = 0.1%). Fees are in the quote asset and
/// rounded up to 1e-8 (the venue never undercharges).
struct FeeModel {
    double maker_bps = 10;
    double taker_bps = 10;

    /// Rate in units of 1e-8 (0.1% -> 100'000), the exact form used for money.
    std::int64_t rate_raw(bool maker) const;
    Money fee(Money notional_value, bool maker) const;
};

/// Moves a fill price against the taker. Limit orders filled at their limit are not slipped.
class SlippageModel {
public:
    virtual ~SlippageModel() = default;
    /// Price after slippage for a taker fill of `side` at `price` inside `bar`.
    virtual Price apply(Side side, Price price, const model::Bar& bar) const = 0;
    /// Largest quantity that may fill in this bar (volume participation); nullopt: no cap.
    virtual std::optional<Qty> max_fill(const model::Bar& /*bar*/) const { return std::nullopt; }
};

/// No slippage.
class NoSlippage final : public SlippageModel {
public:
    Price apply(Side, Price price, const model::Bar&) const override { return price; }
};

/// A fixed number of basis points against the taker.
class FixedBpsSlippage final : public SlippageModel {
public:
    explicit FixedBpsSlippage(double bps) : bps_(bps) {}
    Price apply(Side side, Price price, const model::Bar& bar) const override;

private:
    double bps_;
};

/// A fraction of the bar's range (high - low) against the taker: volatile bars cost more.
class VolatilitySlippage final : public SlippageModel {
public:
    explicit VolatilitySlippage(double range_fraction) : fraction_(range_fraction) {}
    Price apply(Side side, Price price, const model::Bar& bar) const override;

private:
    double fraction_;
};

/// Caps each bar's fill at a fraction of its volume (partial fills; the rest waits for later
/// bars) and slips by a fixed number of bps.
class VolumeParticipationSlippage final : public SlippageModel {
public:
    VolumeParticipationSlippage(double max_participation, double bps)
        : participation_(max_participation), bps_(bps) {}
    Price apply(Side side, Price price, const model::Bar& bar) const override;
    std::optional<Qty> max_fill(const model::Bar& bar) const override;

private:
    double participation_;
    double bps_;
};

/// Parses "none", "fixed:5" (bps), "volatility:0.1" (range fraction) or
/// "volume:0.1:5" (participation, bps).
Result<std::unique_ptr<SlippageModel>> make_slippage(std::string_view text);

}  // namespace ats::sim
