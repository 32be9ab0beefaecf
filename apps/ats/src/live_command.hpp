#pragma once

#include <optional>
#include <string>
#include <vector>

namespace ats::cli {

/// Command-line flags of `ats live`; see docs/binance.md.
struct LiveArgs {
    std::vector<std::string> assets;     ///< "BTCUSDT,ETHUSDT" or repeated
    std::string exchange;                ///< binance | testnet | http(s)://127.0.0.1:PORT
    std::optional<std::string> ca_file;  ///< extra trusted CA certificates (PEM) for https/wss
    std::optional<std::string> strategy;
    std::vector<std::string> params;
    std::optional<std::string> config;
    std::optional<std::string> model;  ///< `ml`: model directory from `ats train`
    std::string state = "live.db";
    std::string interval = "1m";
    std::optional<std::string> keys;  ///< 0600 file with api_key=... and api_secret=...
    std::size_t max_bars = 0;
    double read_timeout_s = 30;
    bool real_money = false;           ///< --i-understand-this-trades-real-money
    bool no_user_stream = false;       ///< --no-user-stream: REST polling only
    bool client_stops = false;         ///< --client-stops: stops and targets kept in ats
    std::optional<std::string> redis;  ///< --redis URL: status and halt mark through Redis too
    std::string redis_key;             ///< --redis-key
    /// Set by `ats paper --feed live:TARGET`: the live feed and the exchange's filters, orders
    /// filled by the paper venue; no keys and no real-money flag needed.
    bool paper = false;
};

int run_live_command(const LiveArgs& args);

}  // namespace ats::cli
