#pragma once

#include <array>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include "ats/core/error.hpp"

namespace ats {

/// An exchange symbol such as "BTCUSDT": 1 to 20 characters from A-Z and 0-9. Validated on
/// construction; trivially copyable and cheap to compare.
class Symbol {
public:
    static constexpr std::size_t kMaxLength = 20;

    /// Fails with kInvalidArgument naming the text when it is empty, too long or has a character
    /// outside A-Z, 0-9.
    static Result<Symbol> parse(std::string_view text);

    std::string_view view() const noexcept { return {chars_.data(), size_}; }
    std::string to_string() const { return std::string(view()); }

    /// Three 8-byte compares (the unused tail is always zero): no memcmp call on hot paths.
    friend bool operator==(const Symbol& a, const Symbol& b) noexcept {
        std::uint64_t x[3];
        std::uint64_t y[3];
        std::memcpy(x, a.chars_.data(), sizeof x);
        std::memcpy(y, b.chars_.data(), sizeof y);
        return ((x[0] ^ y[0]) | (x[1] ^ y[1]) | (x[2] ^ y[2])) == 0;
    }
    friend std::strong_ordering operator<=>(const Symbol& a, const Symbol& b) noexcept {
        return a.view().compare(b.view()) <=> 0;
    }

private:
    Symbol() = default;

    std::array<char, 24> chars_{};  // kMaxLength chars, zero-padded to three words
    std::uint8_t size_ = 0;
};

}  // namespace ats

template <>
struct std::hash<ats::Symbol> {
    std::size_t operator()(const ats::Symbol& s) const noexcept {
        return std::hash<std::string_view>{}(s.view());
    }
};

template <>
struct fmt::formatter<ats::Symbol> : fmt::formatter<std::string_view> {
    template <class Context>
    auto format(const ats::Symbol& s, Context& ctx) const {
        return fmt::formatter<std::string_view>::format(s.view(), ctx);
    }
};
