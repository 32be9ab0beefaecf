#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
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

    /// kInvalidArgument unless both rates are finite and in [0, 10000] bps.
    Status validate() const;

    /// Rate in units of 1e-8 (0.1% -> 100'000), the exact form used for money.
    std::int64_t rate_raw(bool maker) const;
    Money fee(Money notional_value, bool maker) const;
};

/// What the market looked like before a fill: closed bars only, never the bar being filled (its
/// range and volume are not known until it closes). Fed by the venue at every bar close.
class MarketContext {
public:
    static constexpr int kAtrPeriod = 14;
    static constexpr std::size_t kVolumeBars = 20;

    /// A bar closed: it becomes history.
    void on_bar_closed(const model::Bar& bar) {
        on_bar_closed(bar.high, bar.low, bar.close, bar.volume);
    }
    void on_bar_closed(Price high, Price low, Price close, Qty volume);

    /// Wilder's ATR(14) of the closed bars (the mean true range until 14 bars closed); NaN before
    /// the first bar.
    double atr() const noexcept { return atr_; }
    /// Mean volume of the last 20 closed bars (fewer at the start); NaN before the first bar.
    double average_volume() const noexcept;
    std::size_t closed_bars() const noexcept { return bars_; }

private:
    double atr_ = std::numeric_limits<double>::quiet_NaN();
    double previous_close_ = 0;
    double tr_sum_ = 0;
    std::size_t bars_ = 0;
    double volumes_[kVolumeBars] = {};
    double volume_sum_ = 0;
};

/// Moves a taker's fill price against the taker. Limit orders filled at their limit are not
/// slipped. Models see only the MarketContext (closed bars), so a fill never depends on the range
/// or volume of its own bar. The venue then clamps the price to the bar's [low, high], rounds it
/// to the tick against the taker, and never lets it pass a limit order's limit.
class SlippageModel {
public:
    virtual ~SlippageModel() = default;
    /// Price after slippage for a taker fill of `side` at `price`.
    virtual Price apply(Side side, Price price, const MarketContext& known) const = 0;
    /// Largest quantity that may fill in the coming bar (volume participation); nullopt: no cap.
    virtual std::optional<Qty> max_fill(const MarketContext& /*known*/) const {
        return std::nullopt;
    }
    /// Whether apply or max_fill read the MarketContext (the venue skips keeping it otherwise).
    virtual bool uses_history() const { return false; }
    /// Whether max_fill can cap a bar (the venue skips asking otherwise).
    virtual bool caps_volume() const { return false; }
};

/// No slippage.
class NoSlippage final : public SlippageModel {
public:
    Price apply(Side, Price price, const MarketContext&) const override { return price; }
};

/// A fixed number of basis points against the taker.
class FixedBpsSlippage final : public SlippageModel {
public:
    explicit FixedBpsSlippage(double bps) : bps_(bps) {}
    Price apply(Side side, Price price, const MarketContext& known) const override;

private:
    double bps_;
};

/// A fraction of the ATR(14) of the closed bars against the taker: volatile markets cost more.
/// No slippage before the first bar has closed.
class VolatilitySlippage final : public SlippageModel {
public:
    explicit VolatilitySlippage(double atr_fraction) : fraction_(atr_fraction) {}
    Price apply(Side side, Price price, const MarketContext& known) const override;
    bool uses_history() const override { return true; }

private:
    double fraction_;
};

/// Caps each bar's fills at a fraction of the mean volume of the last 20 closed bars (partial
/// fills; the rest waits for later bars; nothing fills before a bar has closed) and slips by a
/// fixed number of bps.
class VolumeParticipationSlippage final : public SlippageModel {
public:
    VolumeParticipationSlippage(double max_participation, double bps)
        : participation_(max_participation), bps_(bps) {}
    Price apply(Side side, Price price, const MarketContext& known) const override;
    std::optional<Qty> max_fill(const MarketContext& known) const override;
    bool uses_history() const override { return true; }
    bool caps_volume() const override { return true; }

private:
    double participation_;
    double bps_;
};

/// Parses "none", "fixed:5" (bps), "volatility:0.1" (fraction of ATR) or "volume:0.1:5"
/// (participation, bps). Bps are in [0, 1000] (10%), the ATR fraction in [0, 10] and the
/// participation in (0, 1]; anything else is kInvalidArgument naming the value.
Result<std::unique_ptr<SlippageModel>> make_slippage(std::string_view text);

}  // namespace ats::sim
