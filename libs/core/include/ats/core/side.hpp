#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace ats {

/// Order or trade side. The value is the sign of the position change.
enum class Side : std::int8_t { kBuy = 1, kSell = -1 };

constexpr Side opposite(Side side) noexcept {
    return side == Side::kBuy ? Side::kSell : Side::kBuy;
}

constexpr std::int64_t sign(Side side) noexcept {
    return static_cast<std::int64_t>(side);
}

/// "BUY" or "SELL", as Binance writes them.
constexpr std::string_view to_string(Side side) noexcept {
    return side == Side::kBuy ? "BUY" : "SELL";
}

/// Accepts "BUY"/"SELL" in any case.
std::optional<Side> parse_side(std::string_view text) noexcept;

}  // namespace ats
