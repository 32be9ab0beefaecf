#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "ats/binance/kline_event.hpp"
#include "ats/binance/market_events.hpp"
#include "ats/binance/rest_client.hpp"
#include "ats/binance/tls.hpp"
#include "ats/binance/ws_client.hpp"
#include "ats/core/error.hpp"
#include "ats/core/symbol.hpp"
#include "ats/core/time.hpp"
#include "ats/model/bar.hpp"
#include "ats/model/gap_ledger.hpp"

namespace ats::binance {

struct KlineFeedConfig {
    /// "wss://stream.binance.com:9443" or "ws://127.0.0.1:8900"; the combined stream path is
    /// appended
    std::string ws_base;
    TlsOptions tls;  ///< wss only: extra trusted CA file
    std::vector<Symbol> symbols;
    std::string interval = "1m";
    /// No message for this long: the connection is treated as dead and replaced.
    Duration read_timeout = Duration::from_seconds(30);
    Duration connect_timeout = Duration::from_seconds(5);
    /// Binance closes a stream connection after 24 hours; the feed replaces it before that, make
    /// before break (the new connection is up before the old one closes; a bar that falls in
    /// between is backfilled, a duplicate dropped).
    Duration max_connection_age = Duration::from_hours(23);
    Duration backoff_initial = Duration::from_ms(100);
    Duration backoff_max = Duration::from_seconds(10);
    std::uint64_t seed = 1;  ///< jitter
    /// Called about every 100 ms while next() waits (a heartbeat, a check of a stop order from
    /// outside); returning true makes next() return nullopt as a stop would.
    std::function<bool()> idle;
    /// When set, the combined stream also carries each symbol's `bookTicker` and every best
    /// bid/ask update is handed here as it arrives (client-side stops judge them).
    std::function<void(const Symbol&, Price bid, Price ask)> on_quote;
};

/// What the feed did, for logs and tests.
struct KlineFeedStats {
    std::uint64_t messages = 0;      ///< WebSocket messages read
    std::uint64_t bars = 0;          ///< closed bars delivered (live and backfilled)
    std::uint64_t connects = 0;      ///< successful connections (the first one included)
    std::uint64_t reconnects = 0;    ///< connections lost (read error, timeout, close)
    std::uint64_t rotations = 0;     ///< connections replaced for age (max_connection_age)
    std::uint64_t gaps = 0;          ///< runs of missing bars detected
    std::uint64_t backfilled = 0;    ///< bars fetched over REST to close gaps
    std::uint64_t missing = 0;       ///< bars neither streamed nor backfilled
    std::uint64_t duplicates = 0;    ///< closed bars already delivered (dropped)
    std::uint64_t bad_messages = 0;  ///< malformed or unexpected messages (counted, skipped)
};

struct ClosedBar {
    Symbol symbol;
    model::Bar bar;
    bool backfilled = false;
};

/// Closed klines of several symbols from Binance's combined WebSocket stream
/// (`/stream?streams=btcusdt@kline_1m/...`), delivered exactly once per symbol and in open-time
/// order. Robustness: a dead connection (error, close, or silence longer than read_timeout) is
/// replaced with exponential backoff and full jitter, re-subscribing the same streams; a closed
/// bar that is not the successor of the last one delivered reveals a gap, which is fetched over
/// REST (GET /klines) and delivered before it, and recorded in the symbol's GapLedger as
/// kBackfilled (or kMissing when REST could not supply every bar). Only `x: true` (final) klines
/// are used. Blocking, not thread-safe: call next() from the engine thread.
class KlineFeed {
public:
    KlineFeed(KlineFeedConfig config, RestClient& rest);

    /// The next closed bar; nullopt when `stop` became true while waiting. Errors only for a
    /// configuration that can never work (bad URL, unknown interval).
    Result<std::optional<ClosedBar>> next(const std::atomic<bool>* stop);

    const KlineFeedStats& stats() const noexcept { return stats_; }
    /// Continue after a bar already known (e.g. the last REST warm-up bar): the stream's next
    /// bar must be its successor, else the bars in between are backfilled (and ledgered).
    void resume_after(const Symbol& symbol, Timestamp open_time);
    /// The gaps seen on this symbol's stream (with what was backfilled).
    const model::GapLedger& gaps(const Symbol& symbol) const;

private:
    void on_message(const std::string& text);
    void on_closed(const Symbol& symbol, const model::Bar& bar);
    void sleep_backoff(const std::atomic<bool>* stop);
    void rotate_if_old();

    KlineFeedConfig config_;
    RestClient& rest_;
    KlineEvent event_;       ///< parse buffer, reused
    BookTickerEvent quote_;  ///< parse buffer, reused
    Duration interval_;
    std::string url_;
    std::optional<WsClient> ws_;
    std::chrono::steady_clock::time_point connected_at_;
    Duration backoff_;
    std::mt19937_64 rng_;
    std::deque<ClosedBar> queue_;
    std::map<Symbol, std::optional<Timestamp>> last_open_;
    std::map<Symbol, model::GapLedger> ledgers_;
    KlineFeedStats stats_;
};

}  // namespace ats::binance
