#include "ats/core/ids.hpp"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

#include "ats/core/side.hpp"

namespace ats {

Result<ClientOrderId> ClientOrderId::parse(std::string_view text) {
    const bool valid =
        !text.empty() && text.size() <= 36 && std::all_of(text.begin(), text.end(), [](char c) {
            return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '_';
        });
    if (!valid) {
        return make_error(
            ErrorCode::kInvalidArgument,
            fmt::format("client order id '{}': must be 1 to 36 chars of A-Z a-z 0-9 _ -", text));
    }
    return ClientOrderId(std::string(text));
}

std::optional<Side> parse_side(std::string_view text) noexcept {
    auto equals = [text](std::string_view word) {
        return text.size() == word.size() &&
               std::equal(text.begin(), text.end(), word.begin(), [](char a, char b) {
                   return std::toupper(static_cast<unsigned char>(a)) == b;
               });
    };
    if (equals("BUY")) {
        return Side::kBuy;
    }
    if (equals("SELL")) {
        return Side::kSell;
    }
    return std::nullopt;
}

}  // namespace ats
