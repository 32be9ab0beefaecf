#pragma once

#include <compare>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "ats/core/error.hpp"

namespace ats {

/// A numeric identifier that cannot be mixed up with another kind of id.
template <class Tag>
class NumericId {
public:
    constexpr explicit NumericId(std::uint64_t value) noexcept : value_(value) {}
    constexpr std::uint64_t value() const noexcept { return value_; }
    friend constexpr auto operator<=>(NumericId, NumericId) noexcept = default;

private:
    std::uint64_t value_;
};

struct OrderIdTag {};
struct TradeIdTag {};

/// Venue-assigned order id.
using OrderId = NumericId<OrderIdTag>;
/// Venue-assigned trade id.
using TradeId = NumericId<TradeIdTag>;

/// Client order id: our own idempotency key for an order, 1 to 36 chars of [A-Za-z0-9_-] (the
/// Binance rule). Distinct from OrderId.
class ClientOrderId {
public:
    static Result<ClientOrderId> parse(std::string_view text);

    const std::string& str() const noexcept { return value_; }
    friend bool operator==(const ClientOrderId&, const ClientOrderId&) = default;
    friend auto operator<=>(const ClientOrderId&, const ClientOrderId&) = default;

private:
    explicit ClientOrderId(std::string value) : value_(std::move(value)) {}

    std::string value_;
};

}  // namespace ats

template <class Tag>
struct std::hash<ats::NumericId<Tag>> {
    std::size_t operator()(ats::NumericId<Tag> id) const noexcept {
        return std::hash<std::uint64_t>{}(id.value());
    }
};

template <>
struct std::hash<ats::ClientOrderId> {
    std::size_t operator()(const ats::ClientOrderId& id) const noexcept {
        return std::hash<std::string>{}(id.str());
    }
};
