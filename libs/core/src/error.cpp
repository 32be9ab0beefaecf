#include "ats/core/error.hpp"

#include <cstdio>
#include <cstdlib>

#include "ats/core/check.hpp"

namespace ats {

std::string_view to_string(ErrorCode code) noexcept {
    switch (code) {
        case ErrorCode::kInvalidArgument:
            return "invalid_argument";
        case ErrorCode::kParse:
            return "parse";
        case ErrorCode::kNotFound:
            return "not_found";
        case ErrorCode::kAlreadyExists:
            return "already_exists";
        case ErrorCode::kFailedPrecondition:
            return "failed_precondition";
        case ErrorCode::kOutOfRange:
            return "out_of_range";
        case ErrorCode::kUnavailable:
            return "unavailable";
        case ErrorCode::kTimeout:
            return "timeout";
        case ErrorCode::kRejected:
            return "rejected";
        case ErrorCode::kIo:
            return "io";
        case ErrorCode::kInternal:
            return "internal";
    }
    return "unknown";
}

std::string Error::to_string() const {
    return fmt::format("{}: {}", ats::to_string(code), message);
}

namespace detail {

void check_failed(const char* file, int line, const char* cond, const std::string& msg) {
    std::fprintf(stderr, "ATS_CHECK failed at %s:%d: %s: %s\n", file, line, cond, msg.c_str());
    std::fflush(stderr);
    std::abort();
}

}  // namespace detail
}  // namespace ats
