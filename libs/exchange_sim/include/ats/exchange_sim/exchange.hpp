#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "ats/core/clock.hpp"
#include "ats/core/error.hpp"
#include "ats/core/fixed_point.hpp"
#include "ats/exchange_sim/http.hpp"
#include "ats/model/bar.hpp"

namespace ats::exchange_sim {

/// A tradable symbol and the real bars it replays. Filters follow Binance's PRICE_FILTER,
/// LOT_SIZE and MIN_NOTIONAL.
struct SymbolSpec {
    std::string symbol;                            ///< "BTCUSDT"
    std::string base;                              ///< "BTC"
    std::string quote;                             ///< "USDT"
    Price tick_size = Price::from_raw(1'000'000);  ///< 0.01
    Price min_price = Price::from_raw(1'000'000);
    Price max_price = Price::from_units(1'000'000);
    Qty step_size = Qty::from_raw(1'000);  ///< 0.00001
    Qty min_qty = Qty::from_raw(1'000);
    Qty max_qty = Qty::from_units(9'000);
    Money min_notional = Money::from_units(5);
    Duration interval;             ///< bar interval of `bars`
    std::vector<model::Bar> bars;  ///< oldest first, at least one
};

/// Splits "BTCUSDT" into base and quote by the known quote assets (USDT, USDC, FDUSD, BUSD, TUSD,
/// BTC, ETH, BNB, EUR, TRY). kInvalidArgument when none matches.
Result<SymbolSpec> make_symbol_spec(const std::string& symbol);

/// Fault injection (docs/binance.md): each request independently.
struct FaultConfig {
    double error_5xx = 0;  ///< probability of a 503 -1001 reply
    double error_429 = 0;  ///< probability of a spurious 429 -1003 reply
    int latency_ms = 0;    ///< added to every reply
    /// For POST/DELETE hit by a 5xx: probability that the request was executed before the 503
    /// (execution status unknown, as on Binance).
    double executed_before_5xx = 0.5;
    /// Depth diff stream faults: probability that a diff is sent twice, and that a diff is held
    /// back and sent after the next one (at the latest on the next poll), i.e. out of order.
    double stream_duplicate = 0;
    double stream_reorder = 0;
    /// Close every WebSocket connection this many milliseconds after it opened (0: never).
    std::int64_t stream_drop_ms = 0;
    /// The market stops this many milliseconds after the start (0: never): no new bar, no
    /// trade, while REST and streams stay up (a halted symbol, a stalled feed).
    std::int64_t freeze_after_ms = 0;
    std::uint64_t seed = 1;
};

/// Parses "5xx=0.1,429=0.05,latency=20,executed=0.5,ws-dup=0.1,ws-reorder=0.1,ws-drop=2,
/// freeze=30,seed=7" (any subset; ws-drop and freeze in seconds, fractions allowed).
Result<FaultConfig> parse_faults(const std::string& text);

struct ExchangeConfig {
    std::string api_key;
    std::string api_secret;
    /// Starting balances, asset -> amount (8 decimals).
    std::vector<std::pair<std::string, std::int64_t>> balances;
    int weight_limit_per_minute = 6000;
    int orders_per_10s = 100;
    int orders_per_day = 200000;
    /// Wall-clock milliseconds per replayed bar; 0 freezes the replay.
    std::int64_t bar_period_ms = 1000;
    /// Bars already "in the past" at start (the replay cursor starts here); clamped to the data.
    std::size_t start_bar = 1000;
    int fee_bps = 10;
    int book_levels = 20;  ///< synthetic depth per side around the replayed price
    /// Before a bar closes, bookTicker quotes along its path: its open, then its low and high
    /// (in the order the bar's direction suggests), so a client judging prices between bars sees
    /// the range. They are not backed by the depth stream's book (off by default).
    bool quote_path = false;
    FaultConfig faults;
};

/// A Binance Spot compatible exchange (REST subset and market streams of docs/binance.md) over
/// replayed real bars:
/// the replay cursor moves one bar per `bar_period_ms`; synthetic liquidity is quoted around the
/// current bar's close, user orders match against it and each other by price-time priority, and
/// resting user orders fill when a later bar trades through their price. Streams: `<s>@trade`,
/// `<s>@kline_<file interval>`, `<s>@bookTicker`, `<s>@depth` and `<s>@depth@100ms` (diffs with
/// Binance's U/u update ids, published after every request and every poll()). Thread-safe (one
/// mutex).
class Exchange final : public StreamSource {
public:
    static Result<std::unique_ptr<Exchange>> create(
        ExchangeConfig config, std::vector<SymbolSpec> symbols, const Clock& clock);
    ~Exchange() override;
    Exchange(const Exchange&) = delete;
    Exchange& operator=(const Exchange&) = delete;

    /// Serves one request: routing, rate limits, faults, signature and timestamp checks,
    /// validation, matching. Never throws.
    HttpResponse handle(const HttpRequest& request);

    /// Number of orders accepted so far (for tests: duplicates would show here).
    std::size_t orders_accepted() const;

    /// Moves the replay to the clock's time and publishes pending stream events. Call it
    /// periodically (the CLI does every 100 ms) so streams flow without REST traffic.
    void poll();

    std::uint64_t add_stream_sink(StreamSink sink) override;
    void remove_stream_sink(std::uint64_t id) override;
    bool has_stream(std::string_view name) const override;
    std::int64_t stream_drop_ms() const override;
    /// userDataStream.subscribe.signature (apiKey, timestamp, signature over the sorted params),
    /// userDataStream.unsubscribe, ping and time. The user stream carries executionReport and
    /// outboundAccountPosition events for every change of a user order.
    std::string ws_api(const std::string& request, std::string& user_stream) override;

private:
    struct Impl;
    explicit Exchange(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace ats::exchange_sim
