#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ats/core/error.hpp"
#include "ats/model/instrument.hpp"
#include "ats/runtime/backtest_job.hpp"
#include "ats/runtime/live_session.hpp"
#include "ats/runtime/paper_session.hpp"

namespace ats::runtime {

/// What starts a paper or live session, whatever the front end (`ats paper`, `ats live`, the
/// dashboard): the same checks and the same session identity everywhere.
struct SessionRequest {
    std::vector<std::string> assets;
    /// "replay:FILE[,FILE]" (one file per asset) or "live:TARGET" (the exchange's kline stream,
    /// orders filled by the paper venue). Unused for live trading (`live`).
    std::string feed;
    bool live = false;          ///< live trading on `exchange` with keys
    std::string exchange;       ///< live: binance | testnet | http(s)://HOST:PORT
    bool real_money = false;    ///< live on anything but testnet or a local URL needs it
    std::string speed = "max";  ///< replay pace: "60x" or "max"
    std::string interval = "1m";
    std::optional<std::string> ca_file;
    TradingSetup setup;
    std::string state_path;
    std::uint64_t commit_every = 1024;
    std::uint64_t snapshot_every = 8192;
    bool sync_full = false;
    std::string api_key;     ///< live only
    std::string api_secret;  ///< live only
    bool user_stream = true;
    bool client_stops = false;         ///< stops and targets in ats instead of on the exchange
    std::optional<std::string> redis;  ///< live: status and halt mark also through Redis
    std::string redis_key;             ///< their key prefix (default ats:live:<state stem>)
    double read_timeout_s = 30;
    std::size_t max_bars = 0;
    std::string order_id_prefix;  ///< default "paper" or "live"
};

/// Binance's Spot endpoints for "binance" and "testnet"; a URL's own authority otherwise.
struct Endpoints {
    std::string rest;
    std::string ws;
};
std::optional<Endpoints> endpoints_for(const std::string& target);
/// http(s)://127.0.0.1 or localhost (any port).
bool is_local_url(const std::string& url);
/// "max" -> 0, "60x" -> 60; kInvalidArgument otherwise.
Result<double> parse_speed(const std::string& text);

/// A replay feed's paper session, ready to run (notifier, jobs, stop, control to be set).
struct PaperSetup {
    PaperConfig config;
    std::vector<PaperAsset> assets;
};
/// kInvalidArgument naming the flag for a bad request; data errors name the file.
Result<PaperSetup> make_paper_setup(const SessionRequest& request);

/// A live-feed session (paper on the live feed, or live trading), ready to run.
struct LiveSetup {
    LiveConfig config;
    std::vector<model::Instrument> instruments;
};
/// kInvalidArgument for a refused target (real money without the flag), missing keys or a bad
/// request.
Result<LiveSetup> make_live_setup(const SessionRequest& request);

}  // namespace ats::runtime
