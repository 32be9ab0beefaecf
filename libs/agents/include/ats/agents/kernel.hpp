#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "ats/core/error.hpp"
#include "ats/core/side.hpp"
#include "ats/hft/l3_book.hpp"

namespace ats::agents {

/// One venue of the simulated market: a price-time priority L3 book (hft::L3Book) in ticks and
/// lots, with fees and its own latency (added to every agent's).
struct MarketConfig {
    std::string name = "main";
    double tick = 0.1;              ///< price of one tick (quote units), (0, 1e6]
    double lot = 0.001;             ///< size of one lot (base units), (0, 1e6]
    double maker_fee_bps = 0;       ///< [-100, 1000]; negative: a rebate
    double taker_fee_bps = 5;       ///< [-100, 1000]
    std::int64_t latency_ns = 0;    ///< the venue's own delay on orders and data, [0, 60 s]
    double initial_price = 60'000;  ///< where the book and the fundamental start, > 0

    Status validate() const;
};

/// What an agent sees of a market: the top of the book and the last trade, as of a past time
/// (its latency ago).
struct Quote {
    std::int64_t bid = hft::L3Book::kNone;  ///< ticks; kNone when that side is empty
    std::int64_t ask = hft::L3Book::kNone;
    std::int64_t last = hft::L3Book::kNone;  ///< last trade's tick
    std::int64_t bid_lots = 0;
    std::int64_t ask_lots = 0;
    bool two_sided() const noexcept {
        return bid != hft::L3Book::kNone && ask != hft::L3Book::kNone;
    }
    double mid() const noexcept;  ///< in ticks; the last trade when one side is empty
};

struct AgentFill {
    std::uint32_t market = 0;
    std::uint64_t order = 0;  ///< the agent's order handle
    Side side = Side::kBuy;
    std::int64_t tick = 0;
    std::int64_t lots = 0;
    bool maker = false;
    bool done = false;             ///< nothing of the order is left open
    std::uint32_t generation = 0;  ///< of the agent slot (a replaced agent's fills are dropped)
};

/// An agent's account on one market: exact lots and notional (ticks x lots), fees in quote.
struct Account {
    std::int64_t position = 0;  ///< lots
    std::int64_t cash = 0;      ///< ticks x lots received minus paid (exact)
    double fees = 0;            ///< quote units
    std::int64_t volume = 0;    ///< lots traded
    std::int64_t orders = 0;    ///< limit and market orders sent
    std::int64_t cancels = 0;
};

class Kernel;

/// What an agent may do when it wakes or hears of a fill. Orders and cancels reach the market
/// after the agent's latency plus the market's; what it observes is as old as that latency.
class AgentContext {
public:
    AgentContext(Kernel& kernel, std::uint32_t self) : k_(kernel), self_(self) {}
    std::int64_t now() const noexcept;
    std::uint32_t self() const noexcept { return self_; }
    std::size_t markets() const noexcept;
    /// The market's top of book as it was one latency ago.
    Quote quote(std::uint32_t market) const;
    /// The fundamental value (ticks of market 0) as it was one latency ago: what value traders
    /// observe (each adds its own noise).
    double fundamental() const;
    /// The shared activity factor A(t) (1 on average).
    double activity() const;
    /// Position as the agent knows it (fills heard so far), lots.
    std::int64_t position(std::uint32_t market) const;
    std::uint64_t limit(std::uint32_t market, Side side, std::int64_t tick, std::int64_t lots);
    std::uint64_t market_order(std::uint32_t market, Side side, std::int64_t lots);
    void cancel(std::uint64_t order);
    /// Wakes the agent again at `t` (ns; not before now).
    void wake_at(std::int64_t t);
    /// Posts a token (0..alphabet-1) to the shared message channel; costs the channel's price.
    void post(std::uint8_t token);
    /// The last token posted by anyone, as of one latency ago (-1: none).
    int last_token() const;
    std::mt19937_64& rng();

private:
    Kernel& k_;
    std::uint32_t self_;
};

class Agent {
public:
    virtual ~Agent() = default;
    virtual void on_wake(AgentContext& ctx) = 0;
    virtual void on_fill(AgentContext& /*ctx*/, const AgentFill& /*fill*/) {}
    /// A family name for reports ("market_maker", "noise", ...).
    virtual const char* family() const noexcept = 0;
};

/// One trade of the simulation, for bars and the trades file.
struct Trade {
    std::int64_t time_ns = 0;
    std::int64_t tick = 0;
    std::int64_t lots = 0;
    std::uint32_t market = 0;
    std::uint32_t buyer = 0;
    std::uint32_t seller = 0;
    Side aggressor = Side::kBuy;
};

/// The fundamental: log value follows an Ornstein-Uhlenbeck process around its start with
/// Poisson jumps (per day rates and scales), stepped every `step_ns`; its variance rate and jump
/// rate are multiplied by the activity factor (news comes in bursts).
struct FundamentalConfig {
    double mean_reversion_per_day = 2.0;  ///< kappa, [0, 1000]
    double vol_per_day = 0.02;            ///< sigma of log value per sqrt(day), [0, 10]
    double jumps_per_day = 2;             ///< [0, 1000]
    double jump_sigma = 0.005;            ///< of log value, [0, 1]
    std::int64_t step_ns = 1'000'000'000;

    Status validate() const;
};

/// Shared market activity: a log-OU factor A(t) = exp(sigma * X(t) - sigma^2/2) with X of
/// unit variance and the given half-life, stepped every second; agents scale their wake-up
/// rates by it (news and attention arrive in bursts: volatility clustering).
struct ActivityConfig {
    double sigma = 0.0;        ///< [0, 3]; 0: constant activity
    double halflife_s = 3600;  ///< (0, 1e7]

    Status validate() const;
};

struct KernelConfig {
    std::vector<MarketConfig> markets{MarketConfig{}};
    FundamentalConfig fundamental;
    ActivityConfig activity;
    std::int64_t duration_ns = 3'600'000'000'000;  ///< (0, 30 days]
    std::uint64_t seed = 1;
    std::size_t history = 8192;    ///< top-of-book updates kept per market for delayed views
    double message_cost = 0;       ///< quote units per token posted
    int alphabet = 0;              ///< tokens 0..alphabet-1; 0: no channel
    bool shuffle_channel = false;  ///< control runs: deliver tokens in a shuffled order

    Status validate() const;
};

/// The discrete-event kernel: per-agent wake-ups, orders and cancels arriving after latencies,
/// fills reported after them, the fundamental and activity processes, all in one time-ordered
/// queue; ties in the order they were scheduled. Deterministic for a seed.
class Kernel {
public:
    static Result<std::unique_ptr<Kernel>> create(KernelConfig config);
    ~Kernel();

    /// Adds an agent with its latency (ns, [0, 60 s]); returns its index. Before run().
    std::uint32_t add(
        std::unique_ptr<Agent> agent, std::int64_t latency_ns, std::int64_t first_wake_ns);
    /// Runs to the configured duration. `progress(done_fraction)` is called about every 1%,
    /// `every_minute()` at each minute boundary of simulated time (the meta-evolution's hook).
    Status run(
        const std::function<void(double)>& progress = {},
        const std::function<void()>& every_minute = {});

    /// Processes everything up to `until_ns` (lock-step islands). run() is advance() minute by
    /// minute to the end.
    void advance(std::int64_t until_ns);
    /// The market's top of book now (for measurements, not for agents).
    Quote top(std::uint32_t market) const;

    const KernelConfig& config() const noexcept;
    std::size_t agents() const noexcept;
    Agent& agent(std::uint32_t i);
    const Account& account(std::uint32_t agent, std::uint32_t market) const;
    const std::vector<Trade>& trades() const noexcept;
    double activity() const noexcept;  ///< A(t) now
    std::int64_t now() const noexcept;
    /// Statistics.
    std::uint64_t actions() const noexcept;  ///< orders and cancels that reached a market
    std::uint64_t events() const noexcept;
    std::uint64_t messages() const noexcept;
    /// Tokens posted: (time, sender, token), in time order.
    struct Message {
        std::int64_t time_ns;
        std::uint32_t sender;
        std::uint8_t token;
    };
    const std::vector<Message>& message_log() const noexcept;
    /// Tick of the fundamental now (market 0's ticks).
    double fundamental_now() const noexcept;
    const hft::L3Book& book(std::uint32_t market) const;
    /// Replaces agent i (the meta-evolution's offspring); its account is reset.
    void replace(std::uint32_t i, std::unique_ptr<Agent> agent, std::int64_t wake_ns);

private:
    friend class AgentContext;
    struct Impl;
    Kernel() = default;
    std::unique_ptr<Impl> impl_;
};

}  // namespace ats::agents
