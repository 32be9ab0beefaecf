#include "ats/agents/kernel.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <queue>

#include <fmt/format.h>

namespace ats::agents {

namespace {

Status bad(std::string what) {
    return Status(make_error(ErrorCode::kInvalidArgument, std::move(what)));
}

bool in(double v, double lo, double hi) {
    return std::isfinite(v) && v >= lo && v <= hi;
}

constexpr std::int64_t kMinuteNs = 60'000'000'000;
constexpr std::int64_t kDayNs = 86'400'000'000'000;

}  // namespace

double Quote::mid() const noexcept {
    if (two_sided()) {
        return 0.5 * static_cast<double>(bid + ask);
    }
    if (last != hft::L3Book::kNone) {
        return static_cast<double>(last);
    }
    return bid != hft::L3Book::kNone   ? static_cast<double>(bid)
           : ask != hft::L3Book::kNone ? static_cast<double>(ask)
                                       : 0.0;
}

Status MarketConfig::validate() const {
    if (name.empty() || name.size() > 32 || !std::all_of(name.begin(), name.end(), [](char c) {
            return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '-';
        })) {
        return bad(fmt::format("market name '{}': 1 to 32 of A-Z a-z 0-9 _ -", name));
    }
    if (!in(tick, 1e-8, 1e6) || !in(lot, 1e-8, 1e6)) {
        return bad(fmt::format("market {}: tick and lot must be in [1e-8, 1e6]", name));
    }
    if (!in(maker_fee_bps, -100, 1000) || !in(taker_fee_bps, -100, 1000)) {
        return bad(fmt::format("market {}: fees must be in [-100, 1000] bps", name));
    }
    if (latency_ns < 0 || latency_ns > 60'000'000'000) {
        return bad(fmt::format("market {}: latency must be in [0, 60 s]", name));
    }
    if (!in(initial_price, 1e-6, 1e9) || initial_price / tick > 1e12) {
        return bad(
            fmt::format("market {}: initial price must be in (0, 1e9] and under 1e12 ticks", name));
    }
    return ok_status();
}

Status FundamentalConfig::validate() const {
    if (!in(mean_reversion_per_day, 0, 1000) || !in(vol_per_day, 0, 10) ||
        !in(jumps_per_day, 0, 1000) || !in(jump_sigma, 0, 1)) {
        return bad(
            "fundamental: mean_reversion_per_day in [0, 1000], vol_per_day in [0, 10], "
            "jumps_per_day in [0, 1000], jump_sigma in [0, 1]");
    }
    if (step_ns < 1'000'000 || step_ns > kDayNs) {
        return bad("fundamental: step must be in [1 ms, 1 day]");
    }
    return ok_status();
}

Status ActivityConfig::validate() const {
    if (!in(sigma, 0, 3) || !in(halflife_s, 1e-3, 1e7)) {
        return bad("activity: sigma in [0, 3], halflife_s in (0, 1e7]");
    }
    return ok_status();
}

Status KernelConfig::validate() const {
    if (markets.empty() || markets.size() > 16) {
        return bad("1 to 16 markets");
    }
    for (const auto& m : markets) {
        if (auto st = m.validate(); !st) {
            return st;
        }
    }
    if (auto st = fundamental.validate(); !st) {
        return st;
    }
    if (auto st = activity.validate(); !st) {
        return st;
    }
    if (duration_ns <= 0 || duration_ns > 30 * kDayNs) {
        return bad("duration must be in (0, 30 days]");
    }
    if (history < 16 || history > 10'000'000) {
        return bad("history must be in [16, 1e7]");
    }
    if (!in(message_cost, 0, 1e6) || alphabet < 0 || alphabet > 64) {
        return bad("message_cost in [0, 1e6], alphabet in [0, 64]");
    }
    return ok_status();
}

namespace {

enum class Ev : std::uint8_t { kWake, kArrive, kReport, kFundamental, kToken };

struct Event {
    std::int64_t time = 0;
    std::uint64_t seq = 0;
    Ev kind = Ev::kWake;
    std::uint32_t agent = 0;
    std::uint64_t ref = 0;  // order handle, report index or token
    bool operator>(const Event& o) const { return time != o.time ? time > o.time : seq > o.seq; }
};

enum class OrderKind : std::uint8_t { kLimit, kMarket, kCancel };

struct Pending {
    std::uint32_t agent = 0;
    std::uint32_t market = 0;
    OrderKind kind = OrderKind::kLimit;
    Side side = Side::kBuy;
    std::int64_t tick = 0;
    std::int64_t lots = 0;
    std::uint64_t target = 0;   // cancel: the handle to cancel
    std::uint64_t book_id = 0;  // once resting
    bool cancel_early = false;  // canceled before it arrived
    bool done = false;
    std::uint32_t generation = 0;  // of the sender's slot
};

struct TopOfBook {
    std::int64_t time = 0;
    Quote quote;
};

struct AgentSlot {
    std::unique_ptr<Agent> agent;
    std::int64_t latency = 0;
    std::vector<Account> accounts;
    std::vector<std::int64_t> known_position;
    std::uint32_t generation = 0;  // bumps when replaced: pending wakes of the old one are void
    std::vector<std::uint64_t> limits;  // handles of limit orders sent (pruned when done)
    std::size_t prune_at = 256;
};

}  // namespace

struct Kernel::Impl {
    KernelConfig config;
    std::vector<hft::L3Book> books;
    std::vector<std::vector<TopOfBook>> history;  // ring per market
    std::vector<std::size_t> history_next;
    std::vector<std::int64_t> last_trade;
    std::vector<AgentSlot> slots;
    std::vector<Pending> orders;                // by handle - 1
    std::vector<std::uint64_t> handle_of_slot;  // book slot -> handle of the order resting there
    std::vector<AgentFill> reports;
    std::priority_queue<Event, std::vector<Event>, std::greater<>> queue;
    std::uint64_t seq = 0;
    std::int64_t now = 0;
    std::mt19937_64 rng;
    std::vector<hft::L3Book::Fill> fills;
    std::vector<Trade> trades;
    std::uint64_t actions = 0;
    std::uint64_t events = 0;
    // Fundamental (log ticks of market 0) and activity.
    double log_f0 = 0;
    double log_f = 0;
    std::vector<std::pair<std::int64_t, double>> fundamental_hist;  // ring of (time, ticks)
    std::size_t fundamental_next = 0;
    double activity_x = 0;
    double activity = 1;
    std::vector<Kernel::Message> messages;
    std::vector<std::pair<std::int64_t, std::uint8_t>> channel;  // as delivered (time, token)

    void push(std::int64_t t, Ev kind, std::uint32_t agent, std::uint64_t ref) {
        queue.push(Event{t, seq++, kind, agent, ref});
    }

    Quote current(std::uint32_t m) const {
        Quote q;
        const auto& b = books[m];
        q.bid = b.best_bid();
        q.ask = b.best_ask();
        q.last = last_trade[m];
        q.bid_lots = q.bid != hft::L3Book::kNone ? b.lots_at(Side::kBuy, q.bid) : 0;
        q.ask_lots = q.ask != hft::L3Book::kNone ? b.lots_at(Side::kSell, q.ask) : 0;
        return q;
    }

    void record_top(std::uint32_t m) {
        auto& ring = history[m];
        const Quote q = current(m);
        const std::size_t prev = (history_next[m] + ring.size() - 1) % ring.size();
        const Quote& p = ring[prev].quote;
        if (ring[prev].time != INT64_MIN && p.bid == q.bid && p.ask == q.ask && p.last == q.last &&
            p.bid_lots == q.bid_lots && p.ask_lots == q.ask_lots) {
            return;
        }
        if (ring[prev].time == now) {
            ring[prev].quote = q;  // the same instant: keep the latest state only
            return;
        }
        ring[history_next[m]] = TopOfBook{now, q};
        history_next[m] = (history_next[m] + 1) % ring.size();
    }

    /// The newest state at or before `at` (the oldest kept when `at` is older than the ring).
    Quote view(std::uint32_t m, std::int64_t at) const {
        const auto& ring = history[m];
        const std::size_t n = ring.size();
        std::size_t i = (history_next[m] + n - 1) % n;
        Quote oldest;
        for (std::size_t k = 0; k < n; ++k) {
            const auto& e = ring[i];
            if (e.time == INT64_MIN) {
                break;
            }
            if (e.time <= at) {
                return e.quote;
            }
            oldest = e.quote;
            i = (i + n - 1) % n;
        }
        return oldest;
    }

    double fundamental_at(std::int64_t at) const {
        const std::size_t n = fundamental_hist.size();
        std::size_t i = (fundamental_next + n - 1) % n;
        double v = std::exp(log_f);
        for (std::size_t k = 0; k < n; ++k) {
            const auto& e = fundamental_hist[i];
            if (e.first == INT64_MIN) {
                break;
            }
            v = e.second;
            if (e.first <= at) {
                return v;
            }
            i = (i + n - 1) % n;
        }
        return v;
    }

    void settle(
        std::uint32_t agent,
        std::uint32_t m,
        Side side,
        std::int64_t tick,
        std::int64_t lots,
        bool maker) {
        Account& a = slots[agent].accounts[m];
        const std::int64_t value = tick * lots;
        const MarketConfig& mc = config.markets[m];
        a.position += side == Side::kBuy ? lots : -lots;
        a.cash += side == Side::kBuy ? -value : value;
        a.volume += lots;
        a.fees += static_cast<double>(value) * mc.tick * mc.lot *
                  (maker ? mc.maker_fee_bps : mc.taker_fee_bps) / 1e4;
    }

    void report(std::uint32_t agent, AgentFill f) {
        f.generation = slots[agent].generation;
        reports.push_back(f);
        push(
            now + slots[agent].latency + config.markets[f.market].latency_ns,
            Ev::kReport,
            agent,
            reports.size() - 1);
    }

    void arrive(std::uint64_t handle) {
        Pending& p = orders[handle - 1];
        if (p.generation != slots[p.agent].generation) {
            p.done = true;  // sent by an agent that has been replaced since
            return;
        }
        ++actions;
        Account& acc = slots[p.agent].accounts[p.market];
        auto& book = books[p.market];
        if (p.kind == OrderKind::kCancel) {
            ++acc.cancels;
            Pending& t = orders[p.target - 1];
            if (t.book_id != 0 && !t.done) {
                if (book.cancel(t.book_id)) {
                    t.done = true;
                    record_top(p.market);
                }
            } else if (!t.done) {
                t.cancel_early = true;
            }
            return;
        }
        ++acc.orders;
        if (p.cancel_early) {
            p.done = true;
            return;
        }
        fills.clear();
        if (p.kind == OrderKind::kMarket) {
            book.market(p.agent, p.side, p.lots, fills);
            p.done = true;
        } else {
            p.book_id = book.limit(p.agent, p.side, p.tick, p.lots, fills);
            p.done = p.book_id == 0;
            if (p.book_id != 0) {
                const auto slot = static_cast<std::size_t>(p.book_id & 0xFFFFFFFFU);
                if (slot >= handle_of_slot.size()) {
                    handle_of_slot.resize(slot + 1, 0);
                }
                handle_of_slot[slot] = handle;
            }
        }
        const Side maker_side = opposite(p.side);
        for (std::size_t k = 0; k < fills.size(); ++k) {
            const auto& f = fills[k];
            const std::uint32_t maker = f.maker_owner;
            settle(maker, p.market, maker_side, f.tick, f.lots, true);
            settle(p.agent, p.market, p.side, f.tick, f.lots, false);
            trades.push_back(Trade{
                now,
                f.tick,
                f.lots,
                p.market,
                p.side == Side::kBuy ? p.agent : maker,
                p.side == Side::kBuy ? maker : p.agent,
                p.side});
            last_trade[p.market] = f.tick;
            const auto slot = static_cast<std::size_t>(f.maker_order & 0xFFFFFFFFU);
            const std::uint64_t maker_handle =
                slot < handle_of_slot.size() ? handle_of_slot[slot] : 0;
            if (f.maker_done && maker_handle != 0) {
                orders[maker_handle - 1].done = true;
            }
            report(
                maker,
                AgentFill{p.market, maker_handle, maker_side, f.tick, f.lots, true, f.maker_done});
            report(
                p.agent,
                AgentFill{
                    p.market,
                    handle,
                    p.side,
                    f.tick,
                    f.lots,
                    false,
                    k + 1 == fills.size() && p.done});
        }
        record_top(p.market);
    }

    std::uint64_t send(Pending p) {
        AgentSlot& slot = slots[p.agent];
        p.generation = slot.generation;
        orders.push_back(p);
        const std::uint64_t handle = orders.size();
        if (p.kind == OrderKind::kLimit) {
            if (slot.limits.size() >= slot.prune_at) {
                // Amortized: the next prune waits until the list has doubled again.
                std::erase_if(slot.limits, [&](std::uint64_t h) { return orders[h - 1].done; });
                slot.prune_at = std::max<std::size_t>(256, 2 * slot.limits.size());
            }
            slot.limits.push_back(handle);
        }
        push(
            now + slots[p.agent].latency + config.markets[p.market].latency_ns,
            Ev::kArrive,
            p.agent,
            handle);
        return handle;
    }

    void step_processes() {
        const double dt_ns = static_cast<double>(config.fundamental.step_ns);
        const double dt = dt_ns / static_cast<double>(kDayNs);
        const auto& fc = config.fundamental;
        std::normal_distribution<double> z(0.0, 1.0);
        // News arrives at the activity's rate (Clark 1973's subordination: the same factor drives
        // trading and information, so volume and volatility move together).
        log_f += -fc.mean_reversion_per_day * (log_f - log_f0) * dt +
                 fc.vol_per_day * std::sqrt(dt * activity) * z(rng);
        if (fc.jumps_per_day > 0 &&
            std::uniform_real_distribution<double>(0, 1)(rng) < fc.jumps_per_day * dt * activity) {
            log_f += fc.jump_sigma * z(rng);
        }
        fundamental_hist[fundamental_next] = {now, std::exp(log_f)};
        fundamental_next = (fundamental_next + 1) % fundamental_hist.size();
        const auto& ac = config.activity;
        if (ac.sigma > 0) {
            const double theta = std::log(2.0) / ac.halflife_s;
            const double decay = std::exp(-theta * dt_ns / 1e9);
            activity_x = activity_x * decay + std::sqrt(1 - decay * decay) * z(rng);
            activity = std::exp(ac.sigma * activity_x - 0.5 * ac.sigma * ac.sigma);
        }
    }
};

std::int64_t AgentContext::now() const noexcept {
    return k_.impl_->now;
}
std::size_t AgentContext::markets() const noexcept {
    return k_.impl_->books.size();
}
Quote AgentContext::quote(std::uint32_t market) const {
    const auto& s = *k_.impl_;
    return s.view(market, s.now - s.slots[self_].latency - s.config.markets[market].latency_ns);
}
double AgentContext::fundamental() const {
    const auto& s = *k_.impl_;
    return s.fundamental_at(s.now - s.slots[self_].latency);
}
double AgentContext::activity() const {
    return k_.impl_->activity;
}
std::int64_t AgentContext::position(std::uint32_t market) const {
    return k_.impl_->slots[self_].known_position[market];
}
std::uint64_t AgentContext::limit(
    std::uint32_t market, Side side, std::int64_t tick, std::int64_t lots) {
    if (lots <= 0 || tick <= 0 || market >= markets()) {
        return 0;
    }
    Pending p;
    p.agent = self_;
    p.market = market;
    p.kind = OrderKind::kLimit;
    p.side = side;
    p.tick = tick;
    p.lots = lots;
    return k_.impl_->send(p);
}
std::uint64_t AgentContext::market_order(std::uint32_t market, Side side, std::int64_t lots) {
    if (lots <= 0 || market >= markets()) {
        return 0;
    }
    Pending p;
    p.agent = self_;
    p.market = market;
    p.kind = OrderKind::kMarket;
    p.side = side;
    p.lots = lots;
    return k_.impl_->send(p);
}
void AgentContext::cancel(std::uint64_t order) {
    auto& s = *k_.impl_;
    if (order == 0 || order > s.orders.size() || s.orders[order - 1].agent != self_ ||
        s.orders[order - 1].done) {
        return;
    }
    Pending p;
    p.agent = self_;
    p.market = s.orders[order - 1].market;
    p.kind = OrderKind::kCancel;
    p.target = order;
    s.send(p);
}
void AgentContext::wake_at(std::int64_t t) {
    auto& s = *k_.impl_;
    s.push(std::max(t, s.now + 1), Ev::kWake, self_, s.slots[self_].generation);
}
void AgentContext::post(std::uint8_t token) {
    auto& s = *k_.impl_;
    if (s.config.alphabet == 0 || token >= s.config.alphabet) {
        return;
    }
    s.messages.push_back(Kernel::Message{s.now, self_, token});
    s.slots[self_].accounts[0].fees += s.config.message_cost;
    std::uint8_t delivered = token;
    if (s.config.shuffle_channel) {
        // The control: a token drawn from everything posted so far, so frequencies are kept and
        // timing (what the token could mean) is destroyed.
        delivered =
            s.messages[std::uniform_int_distribution<std::size_t>(0, s.messages.size() - 1)(s.rng)]
                .token;
    }
    s.channel.emplace_back(s.now, delivered);
}
int AgentContext::last_token() const {
    const auto& s = *k_.impl_;
    const std::int64_t at = s.now - s.slots[self_].latency;
    for (auto it = s.channel.rbegin(); it != s.channel.rend(); ++it) {
        if (it->first <= at) {
            return it->second;
        }
    }
    return -1;
}
std::mt19937_64& AgentContext::rng() {
    return k_.impl_->rng;
}

Kernel::~Kernel() = default;

Result<std::unique_ptr<Kernel>> Kernel::create(KernelConfig config) {
    if (auto st = config.validate(); !st) {
        return tl::unexpected(st.error());
    }
    std::unique_ptr<Kernel> k(new Kernel());
    k->impl_ = std::make_unique<Impl>();
    Impl& s = *k->impl_;
    s.config = std::move(config);
    s.rng.seed(s.config.seed);
    for (const auto& m : s.config.markets) {
        const auto center = static_cast<std::int64_t>(std::llround(m.initial_price / m.tick));
        s.books.emplace_back(center, 8192);
        s.history.emplace_back(s.config.history, TopOfBook{INT64_MIN, Quote{}});
        s.history_next.push_back(0);
        s.last_trade.push_back(center);
        s.record_top(static_cast<std::uint32_t>(s.books.size() - 1));  // the opening price
    }
    const auto& m0 = s.config.markets[0];
    s.log_f0 = std::log(m0.initial_price / m0.tick);
    s.log_f = s.log_f0;
    s.fundamental_hist.assign(4096, {INT64_MIN, 0.0});
    s.push(0, Ev::kFundamental, 0, 0);
    return k;
}

std::uint32_t Kernel::add(
    std::unique_ptr<Agent> agent, std::int64_t latency_ns, std::int64_t first_wake_ns) {
    Impl& s = *impl_;
    AgentSlot slot;
    slot.agent = std::move(agent);
    slot.latency = std::clamp<std::int64_t>(latency_ns, 0, 60'000'000'000);
    slot.accounts.resize(s.books.size());
    slot.known_position.resize(s.books.size(), 0);
    s.slots.push_back(std::move(slot));
    const auto i = static_cast<std::uint32_t>(s.slots.size() - 1);
    s.push(std::max<std::int64_t>(first_wake_ns, 0), Ev::kWake, i, 0);
    return i;
}

void Kernel::replace(std::uint32_t i, std::unique_ptr<Agent> agent, std::int64_t wake_ns) {
    Impl& s = *impl_;
    AgentSlot& slot = s.slots[i];
    // The old agent's resting orders leave the book with it.
    for (const std::uint64_t h : slot.limits) {
        Pending& p = s.orders[h - 1];
        if (!p.done && p.book_id != 0 && s.books[p.market].cancel(p.book_id)) {
            s.record_top(p.market);
        }
        p.done = true;
    }
    slot.limits.clear();
    slot.agent = std::move(agent);
    ++slot.generation;
    std::fill(slot.accounts.begin(), slot.accounts.end(), Account{});
    std::fill(slot.known_position.begin(), slot.known_position.end(), 0);
    s.push(std::max(wake_ns, s.now + 1), Ev::kWake, i, slot.generation);
}

Status Kernel::run(
    const std::function<void(double)>& progress, const std::function<void()>& every_minute) {
    Impl& s = *impl_;
    const std::int64_t end = s.config.duration_ns;
    // In one-minute steps (the hook's cadence), reporting progress about every 1%.
    std::int64_t next_progress = end / 100;
    for (std::int64_t t = std::min(kMinuteNs, end);; t = std::min(t + kMinuteNs, end)) {
        advance(t);
        if (every_minute && t < end) {
            every_minute();
        }
        if (progress && t >= next_progress) {
            progress(static_cast<double>(t) / static_cast<double>(end));
            next_progress += std::max<std::int64_t>(end / 100, 1);
        }
        if (t >= end) {
            break;
        }
    }
    return ok_status();
}

void Kernel::advance(std::int64_t until_ns) {
    Impl& s = *impl_;
    const std::int64_t end = std::min(until_ns, s.config.duration_ns);
    while (!s.queue.empty()) {
        const Event e = s.queue.top();
        if (e.time > end) {
            break;
        }
        s.queue.pop();
        s.now = e.time;
        ++s.events;
        switch (e.kind) {
            case Ev::kFundamental:
                s.step_processes();
                s.push(s.now + s.config.fundamental.step_ns, Ev::kFundamental, 0, 0);
                break;
            case Ev::kWake: {
                AgentSlot& slot = s.slots[e.agent];
                if (e.ref != slot.generation) {
                    break;  // a replaced agent's wake-up
                }
                AgentContext ctx(*this, e.agent);
                slot.agent->on_wake(ctx);
                break;
            }
            case Ev::kArrive:
                s.arrive(e.ref);
                break;
            case Ev::kReport: {
                const AgentFill f = s.reports[e.ref];
                AgentSlot& slot = s.slots[e.agent];
                if (f.generation != slot.generation) {
                    break;  // a fill of the agent this slot held before
                }
                slot.known_position[f.market] += f.side == Side::kBuy ? f.lots : -f.lots;
                AgentContext ctx(*this, e.agent);
                slot.agent->on_fill(ctx, f);
                break;
            }
            case Ev::kToken:
                break;
        }
    }
    s.now = std::max(s.now, end);
}

Quote Kernel::top(std::uint32_t market) const {
    return impl_->current(market);
}

const KernelConfig& Kernel::config() const noexcept {
    return impl_->config;
}
std::size_t Kernel::agents() const noexcept {
    return impl_->slots.size();
}
Agent& Kernel::agent(std::uint32_t i) {
    return *impl_->slots[i].agent;
}
const Account& Kernel::account(std::uint32_t agent, std::uint32_t market) const {
    return impl_->slots[agent].accounts[market];
}
const std::vector<Trade>& Kernel::trades() const noexcept {
    return impl_->trades;
}
double Kernel::activity() const noexcept {
    return impl_->activity;
}
std::int64_t Kernel::now() const noexcept {
    return impl_->now;
}
std::uint64_t Kernel::actions() const noexcept {
    return impl_->actions;
}
std::uint64_t Kernel::events() const noexcept {
    return impl_->events;
}
std::uint64_t Kernel::messages() const noexcept {
    return impl_->messages.size();
}
const std::vector<Kernel::Message>& Kernel::message_log() const noexcept {
    return impl_->messages;
}
double Kernel::fundamental_now() const noexcept {
    return std::exp(impl_->log_f);
}
const hft::L3Book& Kernel::book(std::uint32_t market) const {
    return impl_->books[market];
}

}  // namespace ats::agents
