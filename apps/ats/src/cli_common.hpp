#pragma once

#include <atomic>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ats/core/error.hpp"

namespace ats::cli {

/// "BTCUSDT,ETHUSDT" -> {"BTCUSDT", "ETHUSDT"}; empty parts are dropped.
std::vector<std::string> split_list(const std::string& text);

/// Plotly.js inlined into reports: $ATS_PLOTLY_JS, else web/node_modules of the source tree.
/// <prefix>/share/ats when this binary runs from an install (`make install`), else "".
std::string installed_share_dir();
/// Plotly.js for reports: $ATS_PLOTLY_JS, the installed copy, or web/node_modules of the source.
std::string plotly_js_path();

/// Prints "ats: <message>" on stderr and returns `code` (the command's exit code). Control
/// characters (which a message may quote from an input file) are escaped.
int fail(const std::string& message, int code);

/// `text` with control characters and DEL written as \xNN, so text from input files cannot move
/// the cursor, change colours or clear the user's terminal.
std::string printable(std::string_view text);

/// Installs SIGINT/SIGTERM handlers (once) that set the returned flag: long-running commands
/// poll it and stop cleanly.
const std::atomic<bool>& stop_on_signals();

struct ApiKeys {
    std::string key;
    std::string secret;
};

/// Exchange keys from a file (mode 0600 or stricter: refused when group or others may read it)
/// or from ATS_BINANCE_API_KEY / ATS_BINANCE_API_SECRET. Errors never contain the values.
Result<ApiKeys> load_api_keys(const std::optional<std::string>& file);

}  // namespace ats::cli
