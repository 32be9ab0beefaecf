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
#include "ats/runtime/session_control.hpp"
#include "ats/sim/bar_venue.hpp"
#include "ats/store/sqlite_state_store.hpp"
#include "ats/strategy/strategy.hpp"

namespace ats::runtime {

/// Live sessions' store default: an order intent is fsynced before the order leaves.
inline store::StateStoreOptions fsynced_intents() {
    store::StateStoreOptions o;
    o.durability = store::Durability::kIntents;
    return o;
}

struct LiveConfig {
    std::string strategy = "sma_cross";
    strategy::Params params;
    strategy::StrategySources sources;
    engine::EngineConfig engine;  ///< initial_cash is replaced by the account's quote balance
    std::string rest_url;         ///< "https://api.binance.com", "http://127.0.0.1:8900"
    std::string ws_url;           ///< "wss://stream.binance.com:9443", "ws://127.0.0.1:8900"
    /// The WebSocket API for the user data stream; empty: ws_url + "/ws-api/v3".
    std::string ws_api_url;
    /// Drive orders from the user data stream (REST polling stays the fallback); false: REST
    /// polling only.
    bool user_stream = true;
    /// Stops and targets as orders on the exchange (STOP_LOSS / TAKE_PROFIT, OCO lists), kept
    /// through a restart; false keeps them in ats (market orders when a closed bar trades
    /// through them).
    bool exchange_protection = true;
    /// redis://host:port: the status (<key>:status) is also published there and a halt mark
    /// (<key>:halt) read from there, for a watchdog on another machine.
    std::optional<std::string> redis;
    std::string redis_key;  ///< default: ats:live:<state file name without extension>
    std::string ca_file;    ///< https/wss: extra trusted CA certificates (PEM)
    /// Paper trading on the live feed: the exchange's klines and filters, but orders fill in a
    /// sim::BarVenue (no keys, no account); starting cash is engine.initial_cash.
    bool paper = false;
    sim::BarVenueConfig paper_venue;  ///< fees, fill model (quote_balance is set from the cash)
    std::string paper_slippage = "none";
    std::string api_key;     ///< never logged
    std::string api_secret;  ///< never logged
    std::string interval = "1m";
    /// The stream is replaced after this long without a message.
    Duration read_timeout = Duration::from_seconds(30);
    std::string state_path = "live.db";
    /// Intents are fsynced before the order leaves (docs/operations.md).
    store::StateStoreOptions store = fsynced_intents();
    std::string session_text;
    std::uint64_t max_bars = 0;  ///< stop after this many closed bars (0: run until stopped)
    const std::atomic<bool>* stop = nullptr;
    model::Notifier* notifier = nullptr;
    /// Operator commands in, a view of each bar out (the dashboard); not owned, may be null.
    /// With a control, a stop request must also set its wake() flag (the wait for the next bar
    /// watches that one flag).
    SessionControl* control = nullptr;
    /// Sees every event after the journal (not owned, may be null).
    model::EventObserver* observer = nullptr;
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
    std::uint64_t rotations = 0;  ///< connections replaced before Binance's 24 h limit
};

struct LiveSymbolBars {
    Symbol symbol;
    std::vector<Timestamp> open_times;  ///< every bar the engine processed, in order
    model::GapLedger gaps;
};

/// The engine's books against the account at the end of a run, for one asset: the quote
/// asset's cash, or a base asset's position (free + locked on the exchange).
struct LiveReconciliation {
    std::string asset;
    Qty engine;
    Qty account;
    bool matches() const noexcept { return engine == account; }
};

/// How order state reached the engine.
struct LiveOrderFlow {
    bool user_stream = false;  ///< the stream was enabled (it may have dropped since)
    std::uint64_t stream_connects = 0;
    std::uint64_t stream_drops = 0;
    std::uint64_t stream_events = 0;
    std::uint64_t stream_fills = 0;
    std::uint64_t rest_fills = 0;
    std::uint64_t rest_polls = 0;
};

struct LiveResult {
    std::uint64_t starts = 1;          ///< runs of this session, this one included
    std::uint64_t restored_fills = 0;  ///< fills of earlier runs that rebuilt the books
    std::uint64_t settled_orders = 0;  ///< orders earlier runs left open, settled at this start
    std::uint64_t quote_stops = 0;  ///< --client-stops: stops/targets fired on a bookTicker quote
    std::uint64_t kept_orders = 0;  ///< stops and targets earlier runs left on the exchange, kept
    std::uint64_t warmup_bars = 0;  ///< closed bars read over REST to warm the strategy up
    std::uint64_t bars = 0;
    std::uint64_t orders_sent = 0;
    std::uint64_t events = 0;
    std::uint64_t rest_requests = 0;
    std::vector<model::Fill> fills;
    std::vector<LiveSymbolBars> symbols;
    LiveFeedSummary feed;
    LiveOrderFlow order_flow;
    Money initial_cash;
    Money cash;
    Money equity;
    Money fees;
    /// Quote cash and every traded base asset, engine vs exchange balances after the last poll;
    /// the account side less what it held at the start that the session does not own (dust,
    /// locked funds) (paper: vs the paper venue's books; empty when the balances could not be read;
    /// a mismatch also raises a critical alert).
    std::vector<LiveReconciliation> reconciliation;
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
