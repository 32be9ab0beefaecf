#pragma once

#include <string>
#include <string_view>
#include <utility>

#include <tl/expected.hpp>

namespace ats {

/// Canonical error codes (few, after Abseil's). Pick the most specific one.
enum class ErrorCode : unsigned char {
    kInvalidArgument,
    kParse,
    kNotFound,
    kAlreadyExists,
    kFailedPrecondition,
    kOutOfRange,
    kUnavailable,
    kTimeout,
    kRejected,
    kIo,
    kInternal,
};

/// Stable lower-case name of a code, e.g. "invalid_argument".
std::string_view to_string(ErrorCode code) noexcept;

/// An expected failure: a code and a message that names the thing (file:line, symbol, order id)
/// and never a secret.
struct Error {
    ErrorCode code = ErrorCode::kInternal;
    std::string message;

    /// "parse: data.csv:12: column 'high': not a number".
    std::string to_string() const;
};

/// Result<T> holds a T or an Error. The alias makes the switch to std::expected (C++23) one line.
template <class T>
using Result = tl::expected<T, Error>;

/// Result of an operation that returns nothing on success.
using Status = Result<void>;

/// Builds the unexpected value for a Result: `return make_error(ErrorCode::kParse, "...");`.
inline tl::unexpected<Error> make_error(ErrorCode code, std::string message) {
    return tl::unexpected<Error>(Error{code, std::move(message)});
}

inline Status ok_status() {
    return {};
}

}  // namespace ats
