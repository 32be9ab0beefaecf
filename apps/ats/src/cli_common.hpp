#pragma once

#include <atomic>
#include <optional>
#include <string>
#include <vector>

namespace ats::cli {

/// "BTCUSDT,ETHUSDT" -> {"BTCUSDT", "ETHUSDT"}; empty parts are dropped.
std::vector<std::string> split_list(const std::string& text);

/// Plotly.js inlined into reports: $ATS_PLOTLY_JS, else web/node_modules of the source tree.
std::string plotly_js_path();

/// Prints "ats: <message>" on stderr and returns `code` (the command's exit code).
int fail(const std::string& message, int code);

struct Endpoints {
    std::string rest;
    std::string ws;
};

/// Where `--exchange` points: binance, testnet, or an http(s):// URL (its stream URL is the same
/// authority with ws:// or wss://). nullopt for anything else.
std::optional<Endpoints> endpoints_for(const std::string& target);

/// Installs SIGINT/SIGTERM handlers (once) that set the returned flag: long-running commands
/// poll it and stop cleanly.
const std::atomic<bool>& stop_on_signals();

}  // namespace ats::cli
