#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "ats/core/error.hpp"
#include "ats/engine/trading_engine.hpp"
#include "ats/model/gap_ledger.hpp"
#include "ats/model/instrument.hpp"
#include "ats/model/ports.hpp"
#include "ats/store/sqlite_state_store.hpp"
#include "ats/strategy/strategy.hpp"

namespace ats::runtime {

struct LiveConfig {
    std::string strategy = "sma_cross";
    strategy::Params params;
    strategy::StrategySources sources;
    engine::EngineConfig engine;  ///< initial_cash is replaced by the account's quote balance
    std::string rest_url;         ///< "https://api.binance.com", "http://127.0.0.1:8900"
    std::string ws_url;           ///< "wss://stream.binance.com:9443", "ws://127.0.0.1:8900"
    std::string ca_file;          ///< https/wss: extra trusted CA certificates (PEM)
    std::string api_key;          ///< never logged
    std::string api_secret;       ///< never logged
    std::string interval = "1m";
    /// The stream is replaced after this long without a message.
    Duration read_timeout = Duration::from_seconds(30);
    std::string state_path = "live.db";
    store::StateStoreOptions store;
    std::string session_text;
    std::uint64_t max_bars = 0;  ///< stop after this many closed bars (0: run until stopped)
    const std::atomic<bool>* stop = nullptr;
    model::Notifier* notifier = nullptr;
};

struct LiveFeedSummary {
    std::uint64_t messages = 0;
    std::uint64_t connects = 0;
    std::uint64_t reconnects = 0;
    std::uint64_t gaps = 0;
    std::uint64_t backfilled = 0;
    std::uint64_t missing = 0;
    std::uint64_t duplicates = 0;
    std::uint64_t bad_messages = 0;
};

struct LiveSymbolBars {
    Symbol symbol;
    std::vector<Timestamp> open_times;  ///< every bar the engine processed, in order
    model::GapLedger gaps;
};

struct LiveResult {
    std::uint64_t bars = 0;
    std::uint64_t orders_sent = 0;
    std::uint64_t events = 0;
    std::uint64_t rest_requests = 0;
    std::vector<model::Fill> fills;
    std::vector<LiveSymbolBars> symbols;
    LiveFeedSummary feed;
    Money initial_cash;
    Money cash;
    Money equity;
    Money fees;
    double seconds = 0;
};

/// Live trading: the backtest's and paper's TradingEngine (strategy, risk, order manager,
/// portfolio) with binance::BinanceVenue as the execution venue and closed klines from the
/// WebSocket stream (binance::KlineFeed: reconnects, backfills gaps over REST) as the bar feed.
/// Every event is journaled in the state store and every order intent is committed before it is
/// sent (the paper session's write-ahead rule). The engine clock is the bars' time. The starting
/// cash is the account's free quote balance; the account must hold none of the traded base
/// assets (positions already there are not adopted yet). Resuming from a state file that has a
/// journal is not implemented yet (kFailedPrecondition): use a new file per run.
Result<LiveResult> run_live(const LiveConfig& config, const std::vector<model::Instrument>& assets);

}  // namespace ats::runtime
