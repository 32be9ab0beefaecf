#pragma once

#include <string>
#include <vector>

namespace ats::cli {

/// "BTCUSDT,ETHUSDT" -> {"BTCUSDT", "ETHUSDT"}; empty parts are dropped.
std::vector<std::string> split_list(const std::string& text);

/// Plotly.js inlined into reports: $ATS_PLOTLY_JS, else web/node_modules of the source tree.
std::string plotly_js_path();

}  // namespace ats::cli
