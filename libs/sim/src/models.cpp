#include "ats/sim/models.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <string>
#include <vector>

namespace ats::sim {
namespace {

Price shift(Side side, Price price, double amount) {
    // Against the taker: buys pay more, sells receive less; rounded against the taker too.
    const double target = price.to_double() + (side == Side::kBuy ? amount : -amount);
    auto p =
        Price::from_double(std::max(target, 1e-8), side == Side::kBuy ? Round::kUp : Round::kDown);
    return p ? *p : price;
}

constexpr double kMaxSlippageBps = 1000;

Result<double> number(std::string_view text, std::string_view whole) {
    double v = 0;
    const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc() || ptr != text.data() + text.size() || !std::isfinite(v) || v < 0) {
        return make_error(
            ErrorCode::kInvalidArgument,
            fmt::format("slippage '{}': '{}' is not a non-negative number", whole, text));
    }
    return v;
}

}  // namespace

Status FeeModel::validate() const {
    for (const auto& [name, bps] :
         {std::pair{"maker_fee_bps", maker_bps}, {"taker_fee_bps", taker_bps}}) {
        if (!std::isfinite(bps) || bps < 0 || bps > 10'000) {
            return make_error(
                ErrorCode::kInvalidArgument,
                fmt::format("{} must be in [0, 10000] (bps), got {}", name, bps));
        }
    }
    return ok_status();
}

std::int64_t FeeModel::rate_raw(bool maker) const {
    return std::llround((maker ? maker_bps : taker_bps) * 10'000.0);
}

Money FeeModel::fee(Money notional_value, bool maker) const {
    // rate_raw <= 1e8 (fees are at most 100%): the fee is at most the notional, so it fits.
    auto f = detail::mul_div(notional_value.abs().raw(), rate_raw(maker), kScale, Round::kUp);
    return Money::from_raw(f.value_or(0));
}

void MarketContext::on_bar_closed(Price high_price, Price low_price, Price close, Qty volume_qty) {
    const double high = high_price.to_double();
    const double low = low_price.to_double();
    double tr = high - low;
    if (bars_ > 0) {
        tr = std::max({tr, std::fabs(high - previous_close_), std::fabs(low - previous_close_)});
    }
    previous_close_ = close.to_double();
    const std::size_t n = bars_ + 1;
    if (n <= static_cast<std::size_t>(kAtrPeriod)) {
        tr_sum_ += tr;
        atr_ = tr_sum_ / static_cast<double>(n);
    } else {
        atr_ = (atr_ * (kAtrPeriod - 1) + tr) / kAtrPeriod;
    }
    const double volume = volume_qty.to_double();
    auto& slot = volumes_[bars_ % kVolumeBars];
    volume_sum_ += volume - slot;
    slot = volume;
    bars_ = n;
}

double MarketContext::average_volume() const noexcept {
    if (bars_ == 0) {
        return std::numeric_limits<double>::quiet_NaN();
    }
    return volume_sum_ / static_cast<double>(std::min(bars_, kVolumeBars));
}

Price FixedBpsSlippage::apply(Side side, Price price, const MarketContext&) const {
    return bps_ == 0 ? price : shift(side, price, price.to_double() * bps_ / 10'000.0);
}

Price VolatilitySlippage::apply(Side side, Price price, const MarketContext& known) const {
    const double atr = known.atr();
    return std::isnan(atr) || fraction_ == 0 ? price : shift(side, price, atr * fraction_);
}

Price VolumeParticipationSlippage::apply(Side side, Price price, const MarketContext&) const {
    return bps_ == 0 ? price : shift(side, price, price.to_double() * bps_ / 10'000.0);
}

std::optional<Qty> VolumeParticipationSlippage::max_fill(const MarketContext& known) const {
    const double average = known.average_volume();
    if (std::isnan(average)) {
        return Qty{};  // no closed bar yet: nothing is known about the volume
    }
    auto q = Qty::from_double(average * participation_, Round::kDown);
    return q ? std::optional<Qty>(*q) : std::optional<Qty>(Qty{});
}

Result<std::unique_ptr<SlippageModel>> make_slippage(std::string_view text) {
    std::vector<std::string_view> parts;
    std::size_t start = 0;
    while (true) {
        const auto colon = text.find(':', start);
        parts.push_back(text.substr(start, colon - start));
        if (colon == std::string_view::npos) {
            break;
        }
        start = colon + 1;
    }
    if (parts[0] == "none" && parts.size() == 1) {
        return std::unique_ptr<SlippageModel>(std::make_unique<NoSlippage>());
    }
    if (parts[0] == "fixed" && parts.size() == 2) {
        auto bps = number(parts[1], text);
        if (!bps) {
            return tl::unexpected(bps.error());
        }
        if (*bps > kMaxSlippageBps) {
            return make_error(
                ErrorCode::kInvalidArgument,
                fmt::format("slippage '{}': bps must be in [0, {}]", text, kMaxSlippageBps));
        }
        return std::unique_ptr<SlippageModel>(std::make_unique<FixedBpsSlippage>(*bps));
    }
    if (parts[0] == "volatility" && parts.size() == 2) {
        auto f = number(parts[1], text);
        if (!f) {
            return tl::unexpected(f.error());
        }
        if (*f > 10) {
            return make_error(
                ErrorCode::kInvalidArgument,
                fmt::format("slippage '{}': the ATR fraction must be in [0, 10]", text));
        }
        return std::unique_ptr<SlippageModel>(std::make_unique<VolatilitySlippage>(*f));
    }
    if (parts[0] == "volume" && parts.size() == 3) {
        auto p = number(parts[1], text);
        auto bps = number(parts[2], text);
        if (!p || !bps || *p <= 0 || *p > 1 || *bps > kMaxSlippageBps) {
            return make_error(
                ErrorCode::kInvalidArgument,
                fmt::format(
                    "slippage '{}': expected volume:<participation in (0,1]>:<bps in [0, {}]>",
                    text,
                    kMaxSlippageBps));
        }
        return std::unique_ptr<SlippageModel>(
            std::make_unique<VolumeParticipationSlippage>(*p, *bps));
    }
    return make_error(
        ErrorCode::kInvalidArgument,
        fmt::format(
            "slippage '{}': use none, fixed:<bps>, volatility:<ATR fraction> or "
            "volume:<participation>:<bps>",
            text));
}

}  // namespace ats::sim
