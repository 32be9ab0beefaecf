#pragma once

// For .cpp files of targets that link tomlplusplus only (it includes toml++): never include it
// from a header.

#include <filesystem>
#include <string>
#include <system_error>

#include <fmt/format.h>
#include <toml++/toml.h>

#include "ats/core/error.hpp"

namespace ats {

/// Reads a TOML file: kNotFound "<path>: no such file" when it is missing (or not a regular
/// file), kParse "<path>:<line>: <what>" when it is not valid TOML.
inline Result<toml::table> read_toml_file(const std::string& path) {
    if (std::error_code ec; !std::filesystem::is_regular_file(path, ec)) {
        return make_error(ErrorCode::kNotFound, fmt::format("{}: no such file", path));
    }
    try {
        return toml::parse_file(path);
    } catch (const toml::parse_error& e) {
        return make_error(
            ErrorCode::kParse,
            fmt::format("{}:{}: {}", path, e.source().begin.line, e.description()));
    }
}

}  // namespace ats
