#include "ats/core/symbol.hpp"

#include <algorithm>

namespace ats {

Result<Symbol> Symbol::parse(std::string_view text) {
    if (text.empty() || text.size() > kMaxLength) {
        return make_error(
            ErrorCode::kInvalidArgument,
            fmt::format("symbol '{}': must have 1 to {} characters", text, kMaxLength));
    }
    const bool valid = std::all_of(text.begin(), text.end(), [](char c) {
        return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    });
    if (!valid) {
        return make_error(
            ErrorCode::kInvalidArgument,
            fmt::format("symbol '{}': only A-Z and 0-9 are allowed", text));
    }
    Symbol out;
    std::copy(text.begin(), text.end(), out.chars_.begin());
    out.size_ = static_cast<std::uint8_t>(text.size());
    return out;
}

}  // namespace ats
