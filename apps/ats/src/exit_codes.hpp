#pragma once

#include "ats/core/error.hpp"

namespace ats::cli {

/// Process exit codes, documented in docs/cli.md.
enum ExitCode : int {
    kExitOk = 0,
    kExitInternal = 1,  ///< a bug or an unexpected exception
    kExitUsage = 2,     ///< bad command line
    kExitBadData = 3,   ///< input data failed validation
    kExitIo = 4,        ///< a file could not be read or written
    kExitNetwork = 5,   ///< an exchange or network call failed (after its retries)
};

/// Exit code for an error returned by a library call.
inline int exit_code_for(const Error& error) {
    switch (error.code) {
        case ErrorCode::kIo:
        case ErrorCode::kNotFound:
            return kExitIo;
        case ErrorCode::kParse:
        case ErrorCode::kOutOfRange:
            return kExitBadData;
        case ErrorCode::kInvalidArgument:
        case ErrorCode::kFailedPrecondition:
            return kExitUsage;
        case ErrorCode::kUnavailable:
        case ErrorCode::kTimeout:
        case ErrorCode::kRejected:
            return kExitNetwork;
        default:
            return kExitInternal;
    }
}

}  // namespace ats::cli
