#pragma once

#include <optional>
#include <string>

namespace ats::cli {

/// Flags of `ats doctor` (docs/operations.md).
struct DoctorArgs {
    std::string state_dir = ".";          ///< where state databases and sessions go
    std::optional<std::string> keys;      ///< API key file to check (mode, format)
    std::optional<std::string> exchange;  ///< binance | testnet | URL: clock offset
    std::optional<std::string> ca_file;   ///< extra trusted CA for an https exchange
    std::optional<std::string> redis;     ///< redis://HOST:PORT to PING
};

/// Prints one line per check (ok, WARN, FAIL, skip) with the fix for each problem; exit 0 when
/// nothing failed, 3 otherwise.
int run_doctor(const DoctorArgs& args);

}  // namespace ats::cli
