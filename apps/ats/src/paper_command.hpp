#pragma once

#include <optional>
#include <string>
#include <vector>

namespace ats::cli {

/// Command-line flags of `ats paper`; see docs/paper.md.
struct PaperArgs {
    std::vector<std::string> assets;  ///< "BTCUSDT,ETHUSDT" or repeated
    /// "replay:FILE[,FILE]" (one file per asset) or "live:TARGET" (the exchange's kline
    /// stream: binance, testnet or http(s)://127.0.0.1:PORT)
    std::string feed;
    std::optional<std::string> ca_file;  ///< live feeds over https/wss: extra trusted CAs
    std::size_t max_bars = 0;            ///< live feeds: stop after N closed bars (0: never)
    std::string interval = "1m";         ///< live feeds: kline interval
    std::string speed = "max";           ///< "60x" or "max"
    std::optional<std::string> strategy;
    std::vector<std::string> params;
    std::optional<std::string> config;
    std::optional<std::string> model;  ///< `ml`: model directory from `ats train`
    /// Not ats.db: that is the backtest run history, a different kind of SQLite file.
    std::string state = "paper.db";
    std::string sync = "normal";  ///< normal | full
    std::size_t commit_every = 1024;
    std::size_t snapshot_every = 8192;
    std::vector<std::string> jobs;                    ///< "summary=0 0 * * *"
    bool telegram = false;                            ///< alerts to Telegram too
    std::optional<std::string> telegram_credentials;  ///< 0600 file (else the environment)
    std::string telegram_api = "https://api.telegram.org";
    std::optional<std::string> redis;         ///< redis://HOST:PORT: publish events to a stream
    std::string redis_stream = "ats:events";  ///< the stream's key
};

int run_paper_command(const PaperArgs& args);

}  // namespace ats::cli
