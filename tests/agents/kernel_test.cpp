#include "ats/agents/kernel.hpp"

#include <map>

#include <gtest/gtest.h>

#include "ats/agents/scenario.hpp"

namespace ats::agents {
namespace {

constexpr std::int64_t kMs = 1'000'000;

// Sends one limit order at its first wake-up and records when it heard of fills.
class Scripted final : public Agent {
public:
    Scripted(Side side, std::int64_t tick, std::int64_t lots, bool market)
        : side_(side), tick_(tick), lots_(lots), market_(market) {}
    void on_wake(AgentContext& ctx) override {
        woke.push_back(ctx.now());
        seen = ctx.quote(0);
        if (market_) {
            ctx.market_order(0, side_, lots_);
        } else {
            ctx.limit(0, side_, tick_, lots_);
        }
    }
    void on_fill(AgentContext& ctx, const AgentFill& f) override {
        heard.emplace_back(ctx.now(), f);
    }
    const char* family() const noexcept override { return "scripted"; }
    std::vector<std::int64_t> woke;
    std::vector<std::pair<std::int64_t, AgentFill>> heard;
    Quote seen;

private:
    Side side_;
    std::int64_t tick_;
    std::int64_t lots_;
    bool market_;
};

TEST(KernelTest, LatenciesDelayOrdersFillsAndWhatAgentsSee) {
    KernelConfig c;
    c.markets[0].initial_price = 100;
    c.markets[0].tick = 0.01;  // 10,000 ticks
    c.markets[0].latency_ns = 1 * kMs;
    c.duration_ns = 1'000 * kMs;
    auto k = *Kernel::create(c);
    auto maker = std::make_unique<Scripted>(Side::kSell, 10'001, 5, false);
    auto taker = std::make_unique<Scripted>(Side::kBuy, 0, 3, true);
    Scripted& m = *maker;
    Scripted& t = *taker;
    k->add(std::move(maker), 2 * kMs, 10 * kMs);   // arrives at 10 + 2 + 1 = 13 ms
    k->add(std::move(taker), 20 * kMs, 12 * kMs);  // sees the book as of 12 - 21 ms < 13: empty
    ASSERT_TRUE(k->run());
    EXPECT_EQ(t.seen.ask, hft::L3Book::kNone);  // the maker's order had not arrived 21 ms before
    // The taker's market order arrives at 12 + 20 + 1 = 33 ms and takes 3 of 5.
    ASSERT_EQ(k->trades().size(), 1U);
    EXPECT_EQ(k->trades()[0].time_ns, 33 * kMs);
    EXPECT_EQ(k->trades()[0].lots, 3);
    // Reports: one latency (agent + market) later for each side.
    ASSERT_EQ(m.heard.size(), 1U);
    EXPECT_EQ(m.heard[0].first, 33 * kMs + 3 * kMs);
    EXPECT_TRUE(m.heard[0].second.maker);
    ASSERT_EQ(t.heard.size(), 1U);
    EXPECT_EQ(t.heard[0].first, 33 * kMs + 21 * kMs);
    EXPECT_TRUE(t.heard[0].second.done);
    // Exact accounts: 3 lots at 10,001 ticks; fees on the taker only (defaults 0 / 5 bps).
    EXPECT_EQ(k->account(0, 0).position, -3);
    EXPECT_EQ(k->account(0, 0).cash, 30'003);
    EXPECT_EQ(k->account(1, 0).position, 3);
    EXPECT_EQ(k->account(1, 0).cash, -30'003);
    EXPECT_DOUBLE_EQ(k->account(0, 0).fees, 0);
    EXPECT_NEAR(k->account(1, 0).fees, 30'003 * 0.01 * 0.001 * 5 / 1e4, 1e-15);
}

ScenarioConfig small_scenario(std::uint64_t seed) {
    auto c = parse_scenario(
        R"(
[simulation]
hours = 2
seed = 1
[[market]]
name = "main"
[[agents]]
kind = "market_maker"
count = 2
[[agents]]
kind = "noise"
count = 20
[[agents]]
kind = "momentum"
count = 3
[[agents]]
kind = "value"
count = 5
)",
        "test");
    EXPECT_TRUE(c) << c.error().message;
    c->kernel.seed = seed;
    return *c;
}

TEST(KernelTest, ScenariosAreDeterministicAndMoneyReconcilesExactly) {
    const auto a = *run_scenario(small_scenario(5));
    const auto b = *run_scenario(small_scenario(5));
    const auto other = *run_scenario(small_scenario(6));
    ASSERT_GT(a.trades.size(), 1'000U);
    ASSERT_EQ(a.trades.size(), b.trades.size());
    for (std::size_t i = 0; i < a.trades.size(); ++i) {
        ASSERT_EQ(a.trades[i].time_ns, b.trades[i].time_ns);
        ASSERT_EQ(a.trades[i].tick, b.trades[i].tick);
        ASSERT_EQ(a.trades[i].buyer, b.trades[i].buyer);
    }
    EXPECT_NE(a.trades.size(), other.trades.size());
    // Every lot bought was sold; every tick paid was received; each account is its trades.
    std::int64_t position = 0;
    std::int64_t cash = 0;
    std::map<std::uint32_t, std::pair<std::int64_t, std::int64_t>> from_trades;
    for (const auto& t : a.trades) {
        from_trades[t.buyer].first += t.lots;
        from_trades[t.buyer].second -= t.tick * t.lots;
        from_trades[t.seller].first -= t.lots;
        from_trades[t.seller].second += t.tick * t.lots;
    }
    for (const auto& ag : a.agents) {
        position += ag.accounts[0].position;
        cash += ag.accounts[0].cash;
        EXPECT_EQ(ag.accounts[0].position, from_trades[ag.id].first);
        EXPECT_EQ(ag.accounts[0].cash, from_trades[ag.id].second);
    }
    EXPECT_EQ(position, 0);
    EXPECT_EQ(cash, 0);
    // Bars: every minute, volume equal to the trades'.
    ASSERT_EQ(a.bars[0].size(), 120U);
    double volume = 0;
    for (const auto& bar : a.bars[0]) {
        volume += bar.volume;
        EXPECT_LE(bar.low, bar.open);
        EXPECT_GE(bar.high, bar.close);
    }
    std::int64_t lots = 0;
    for (const auto& t : a.trades) {
        lots += t.lots;
    }
    EXPECT_NEAR(volume, static_cast<double>(lots) * 0.001, 1e-6);
}

TEST(KernelTest, ScenarioFilesAreCheckedKeyByKey) {
    const auto expect_error = [](const char* text, const char* word) {
        auto c = parse_scenario(text, "bad.toml");
        ASSERT_FALSE(c) << text;
        EXPECT_NE(c.error().message.find(word), std::string::npos) << c.error().message;
    };
    expect_error("[simulation]\nhours = 0\n", "hours");
    expect_error("[simulation]\nhourz = 1\n", "hourz");
    expect_error("[[agents]]\nkind = \"wizard\"\n", "wizard");
    expect_error("[[agents]]\nkind = \"noise\"\np_market = 2\n", "p_market");
    expect_error("[[agents]]\nkind = \"noise\"\nmarket = \"nope\"\n", "nope");
    expect_error("[[agents]]\nkind = \"arbitrageur\"\n", "two");
    expect_error("[[market]]\nname = \"a\"\ntick = -1\n", "tick");
    expect_error("[oops]\n", "oops");
    expect_error("not toml [", "bad.toml");
}

// Two venues of the same asset with different latencies and fees, each with its own traders:
// arbitrageurs keep their prices together (the mean gap falls several-fold), and the slow
// venue's makers pay for it (they are picked off).
TEST(KernelTest, ArbitrageursKeepTwoMarketsTogether) {
    const std::string text = R"([simulation]
hours = 3
seed = 3
[fundamental]
vol_per_day = 0.15
jumps_per_day = 6
jump_sigma = 0.003
[[market]]
name = "fast"
latency_ms = 1
[[market]]
name = "slow"
latency_ms = 40
taker_fee_bps = 2
[[agents]]
kind = "market_maker"
count = 2
market = "fast"
[[agents]]
kind = "market_maker"
count = 2
market = "slow"
[[agents]]
kind = "noise"
count = 20
market = "fast"
[[agents]]
kind = "value"
count = 12
market = "fast"
rate_per_min = 25
aggressive_bps = 2
threshold_bps = 1
noise_bps = 1
bias_bps = 1
size_lots = 80
[[agents]]
kind = "arbitrageur"
count = ARBS
max_position = 20000
[[agents]]
kind = "noise"
count = 10
market = "slow"
[[agents]]
kind = "value"
count = 4
market = "slow"
rate_per_min = 5
aggressive_bps = 10
threshold_bps = 5
size_lots = 40
)";
    const auto gap = [&](const char* arbs, std::int64_t* arb_volume) {
        std::string t = text;
        t.replace(t.find("ARBS"), 4, arbs);
        auto c = parse_scenario(t, "arb.toml");
        EXPECT_TRUE(c) << c.error().message;
        const auto r = *run_scenario(*c);
        for (const auto& a : r.agents) {
            if (a.family == "arbitrageur") {
                *arb_volume += a.accounts[1].volume;
            }
        }
        double sum = 0;
        for (std::size_t i = 30; i < r.bars[0].size(); ++i) {
            sum += std::abs(r.bars[1][i].close / r.bars[0][i].close - 1);
        }
        return sum / static_cast<double>(r.bars[0].size() - 30);
    };
    std::int64_t volume = 0;
    std::int64_t none = 0;
    const double with = gap("2", &volume);
    const double without = gap("0", &none);
    EXPECT_GT(volume, 0);
    EXPECT_EQ(none, 0);
    EXPECT_LT(with, 0.4 * without)
        << "mean gap " << with << " with arbitrageurs, " << without << " without";
}

}  // namespace
}  // namespace ats::agents
