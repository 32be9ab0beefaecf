#include "ats/execution/sizing.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>

namespace ats::execution {
namespace {

struct ModeName {
    Sizing::Mode mode;
    std::string_view name;
    bool needs_value;
};

constexpr ModeName kModes[] = {
    {Sizing::Mode::kFixedQty, "fixed_qty", true},
    {Sizing::Mode::kFixedNotional, "fixed_notional", true},
    {Sizing::Mode::kFraction, "fraction", true},
    {Sizing::Mode::kVolTarget, "vol_target", true},
    {Sizing::Mode::kKelly, "kelly", true},
    {Sizing::Mode::kAllIn, "all_in", false},
};

Result<SizedOrder> qty_of(double qty) {
    auto q = Qty::from_double(qty, Round::kTowardZero);
    if (!q) {
        return tl::unexpected(q.error());
    }
    return SizedOrder{std::max(*q, Qty{}), std::nullopt};
}

}  // namespace

Result<Sizing> Sizing::parse(std::string_view text) {
    const auto colon = text.find(':');
    const std::string_view name = text.substr(0, colon);
    const auto it = std::find_if(
        std::begin(kModes), std::end(kModes), [&](const ModeName& m) { return m.name == name; });
    if (it == std::end(kModes)) {
        return make_error(
            ErrorCode::kInvalidArgument,
            fmt::format(
                "sizing '{}': unknown mode (use fixed_qty:Q, fixed_notional:N, fraction:F, "
                "vol_target:R, kelly:CAP or all_in)",
                text));
    }
    Sizing out{it->mode, 0};
    if (!it->needs_value) {
        if (colon != std::string_view::npos) {
            return make_error(
                ErrorCode::kInvalidArgument, fmt::format("sizing '{}': takes no value", text));
        }
        return out;
    }
    if (colon == std::string_view::npos) {
        return make_error(
            ErrorCode::kInvalidArgument,
            fmt::format("sizing '{}': needs a value, e.g. {}:0.1", text, name));
    }
    const std::string_view value = text.substr(colon + 1);
    const auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), out.value);
    if (ec != std::errc() || ptr != value.data() + value.size() || !std::isfinite(out.value) ||
        out.value <= 0) {
        return make_error(
            ErrorCode::kInvalidArgument,
            fmt::format("sizing '{}': value must be a positive number", text));
    }
    if ((out.mode == Mode::kFraction || out.mode == Mode::kKelly || out.mode == Mode::kVolTarget) &&
        out.value > 1) {
        return make_error(
            ErrorCode::kInvalidArgument, fmt::format("sizing '{}': value must be at most 1", text));
    }
    return out;
}

std::string Sizing::to_string() const {
    const auto it = std::find_if(
        std::begin(kModes), std::end(kModes), [&](const ModeName& m) { return m.mode == mode; });
    return it->needs_value ? fmt::format("{}:{}", it->name, value) : std::string(it->name);
}

Result<SizedOrder> size_entry(const Sizing& sizing, const SizingInputs& in) {
    const double price = in.price.to_double();
    const double equity = in.equity.to_double();
    if (price <= 0) {
        return make_error(ErrorCode::kInvalidArgument, "sizing: price must be positive");
    }
    switch (sizing.mode) {
        case Sizing::Mode::kFixedQty:
            return qty_of(sizing.value);
        case Sizing::Mode::kFixedNotional:
            return qty_of(sizing.value / price);
        case Sizing::Mode::kFraction:
            return qty_of(sizing.value * std::max(equity, 0.0) / price);
        case Sizing::Mode::kVolTarget: {
            if (!in.atr || *in.atr <= 0) {
                return make_error(ErrorCode::kFailedPrecondition, "sizing vol_target: no ATR yet");
            }
            return qty_of(sizing.value * std::max(equity, 0.0) / (in.stop_atr * *in.atr));
        }
        case Sizing::Mode::kKelly: {
            if (in.closed_trades < 10 || in.payoff_ratio <= 0) {
                return SizedOrder{Qty{}, std::nullopt};
            }
            const double kelly = in.win_rate - (1 - in.win_rate) / in.payoff_ratio;
            const double fraction = std::clamp(kelly, 0.0, sizing.value);
            return qty_of(fraction * std::max(equity, 0.0) / price);
        }
        case Sizing::Mode::kAllIn:
            return SizedOrder{Qty{}, std::max(in.cash, Money{})};
    }
    return make_error(ErrorCode::kInternal, "sizing: unknown mode");
}

}  // namespace ats::execution
