#include "ats/gym/tick_env.hpp"

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include <fmt/format.h>

#include "ats/hft/market_maker.hpp"
#include "ats/hft/simulator.hpp"
#include "ats/hft/tick_data.hpp"

namespace ats::gym {

namespace {

Status bad(std::string what) {
    return Status(make_error(ErrorCode::kInvalidArgument, std::move(what)));
}

Result<hft::QueueModel> parse_queue(const std::string& text) {
    hft::QueueModel m;
    if (text == "risk-averse") {
        m = {hft::QueueKind::kRiskAverse, 0};
    } else if (text == "log") {
        m = {hft::QueueKind::kLog, 0};
    } else if (text.rfind("power:", 0) == 0) {
        char* end = nullptr;
        const double n = std::strtod(text.c_str() + 6, &end);
        if (end == text.c_str() + 6 || *end != '\0') {
            return make_error(ErrorCode::kInvalidArgument, "queue: power:N with a number N");
        }
        m = {hft::QueueKind::kPower, n};
    } else {
        return make_error(
            ErrorCode::kInvalidArgument,
            fmt::format("queue '{}': risk-averse, power:N or log", text));
    }
    if (auto st = m.validate(); !st) {
        return tl::unexpected(st.error());
    }
    return m;
}

std::int64_t ms(double v) {
    return static_cast<std::int64_t>(std::llround(v * 1e6));
}

/// The agent's hands: a quote maker whose sides the action sets (maker mode), or market orders
/// toward a target position (taker mode); it also sums the trade flow of each step.
class Agent final : public hft::HftStrategy {
public:
    Agent(hft::MakerParams p, bool maker) : maker_(p), p_(p), is_maker_(maker) {
        maker_.set_sides(false, false);
    }

    void on_market(hft::SimContext& ctx, const hft::MarketEvent& e) override {
        if (e.kind == hft::EventKind::kTradeBuy) {
            buy_flow_ += e.qty.to_double();
        } else if (e.kind == hft::EventKind::kTradeSell) {
            sell_flow_ += e.qty.to_double();
        }
        if (active_ && is_maker_) {
            maker_.on_market(ctx, e);
        }
    }
    void on_fill(hft::SimContext& ctx, const hft::SimFill& f) override {
        fees_ += f.fee.to_double();
        ++fills_;
        if (is_maker_) {
            maker_.on_fill(ctx, f);
        }
    }
    void on_order_update(hft::SimContext&, const hft::OpenOrder& o, bool done) override {
        if (done && o.id == market_order_) {
            market_order_ = 0;
        }
    }

    void act(hft::SimContext& ctx, int action) {
        active_ = true;
        if (is_maker_) {
            maker_.set_sides(action == 1 || action == 2, action == 1 || action == 3);
            return;
        }
        if (market_order_ != 0) {
            return;  // the last one is still in flight
        }
        const Qty target = action == 1 ? p_.max_position : action == 2 ? -p_.max_position : Qty{};
        const Qty diff = target - ctx.position();
        if (diff.is_positive()) {
            market_order_ = ctx.market(Side::kBuy, diff);
        } else if (diff.is_negative()) {
            market_order_ = ctx.market(Side::kSell, -diff);
        }
    }

    double take_flow_imbalance() {
        const double total = buy_flow_ + sell_flow_;
        const double out = total > 0 ? (buy_flow_ - sell_flow_) / total : 0;
        buy_flow_ = sell_flow_ = 0;
        return out;
    }
    double fees() const { return fees_; }
    std::size_t fills() const { return fills_; }
    bool quoting(Side side) const { return is_maker_ && maker_.quoting(side); }

private:
    hft::QuoteMaker maker_;
    hft::MakerParams p_;
    bool is_maker_;
    bool active_ = false;
    std::uint64_t market_order_ = 0;
    double buy_flow_ = 0;
    double sell_flow_ = 0;
    double fees_ = 0;
    std::size_t fills_ = 0;
};

}  // namespace

Status TickEnvOptions::validate() const {
    if (mode != "maker" && mode != "taker") {
        return bad(fmt::format("mode '{}': maker or taker", mode));
    }
    if (step_ms < 10 || step_ms > 60'000) {
        return bad(fmt::format("step_ms must be in [10, 60000], got {}", step_ms));
    }
    if (episode_steps < 1 || episode_steps > 1'000'000) {
        return bad(fmt::format("episode_steps must be in [1, 1000000], got {}", episode_steps));
    }
    if (window < 1 || window > 256) {
        return bad(fmt::format("window must be in [1, 256], got {}", window));
    }
    if (levels < 1 || levels > 50) {
        return bad(fmt::format("levels must be in [1, 50], got {}", levels));
    }
    for (const auto& [name, v, lo, hi] :
         {std::tuple{"maker_fee_bps", maker_fee_bps, -100.0, 1000.0},
          std::tuple{"taker_fee_bps", taker_fee_bps, -100.0, 1000.0},
          std::tuple{"entry_ms", entry_ms, 0.0, 60'000.0},
          std::tuple{"response_ms", response_ms, 0.0, 60'000.0},
          std::tuple{"feed_latency_ms", feed_latency_ms, 0.0, 10'000.0},
          std::tuple{"max_drawdown_pct", max_drawdown_pct, 0.0, 1.0}}) {
        if (!std::isfinite(v) || v < lo || v > hi) {
            return bad(fmt::format("{} must be in [{}, {}], got {}", name, lo, hi, v));
        }
    }
    if (!std::isfinite(cash) || cash <= 0 || cash > 1e10) {
        return bad(fmt::format("cash must be in (0, 1e10], got {}", cash));
    }
    for (const auto& [name, text] :
         {std::pair{"qty", qty}, std::pair{"max_position", max_position}}) {
        const auto q = Qty::parse(text);
        if (!q || !q->is_positive() || *q > *Qty::parse("1000000")) {
            return bad(fmt::format("{} '{}' must be a positive quantity", name, text));
        }
    }
    if (*Qty::parse(qty) > *Qty::parse(max_position)) {
        return bad("qty must not exceed max_position");
    }
    if (auto q = parse_queue(queue); !q) {
        return Status(tl::unexpected(q.error()));
    }
    return ok_status();
}

struct TickEnv::Impl {
    TickEnvOptions o;
    std::shared_ptr<const hft::TickData> data;
    hft::SimConfig config;
    hft::MakerParams params;
    std::int64_t step_ns = 0;
    // Episode.
    std::unique_ptr<hft::Simulator> sim;
    std::unique_ptr<Agent> agent;
    std::vector<double> mids;  // the last window + 1 mids at step ends
    double start_equity = 0;
    double last_equity = 0;
    double flow = 0;
    int steps = 0;

    std::size_t obs_size() const { return static_cast<std::size_t>(o.window) + 7; }

    double equity(hft::SimContext& ctx) const {
        const double mid = ctx.book().mid();
        return ctx.cash().to_double() + ctx.position().to_double() * (mid > 0 ? mid : 0);
    }

    void observe(float* obs) {
        auto ctx = sim->context();
        const auto clip = [](double v) {
            return static_cast<float>(std::clamp(std::isfinite(v) ? v : 0.0, -10.0, 10.0));
        };
        std::size_t k = 0;
        for (std::size_t i = 1; i < mids.size(); ++i) {
            obs[k++] =
                clip(mids[i - 1] > 0 && mids[i] > 0 ? 1e4 * std::log(mids[i] / mids[i - 1]) : 0);
        }
        const hft::L2Book& book = ctx.book();
        double spread = 0;
        double bid_qty = 0;
        double ask_qty = 0;
        if (book.has_bid() && book.has_ask()) {
            spread = static_cast<double>(book.best_ask_tick() - book.best_bid_tick());
            int n = 0;
            book.walk(Side::kBuy, [&](std::int64_t, Qty q) {
                bid_qty += q.to_double();
                return ++n < o.levels;
            });
            n = 0;
            book.walk(Side::kSell, [&](std::int64_t, Qty q) {
                ask_qty += q.to_double();
                return ++n < o.levels;
            });
        }
        obs[k++] = clip(spread);
        obs[k++] = clip(bid_qty + ask_qty > 0 ? (bid_qty - ask_qty) / (bid_qty + ask_qty) : 0);
        obs[k++] = clip(flow);
        obs[k++] = clip(ctx.position().to_double() / params.max_position.to_double());
        obs[k++] = agent->quoting(Side::kBuy) ? 1.0F : 0.0F;
        obs[k++] = agent->quoting(Side::kSell) ? 1.0F : 0.0F;
        obs[k++] = clip((equity(ctx) - start_equity) / o.cash * 1e4 / 10);
    }
};

TickEnv::TickEnv() : impl_(std::make_unique<Impl>()) {}
TickEnv::TickEnv(TickEnv&&) noexcept = default;
TickEnv& TickEnv::operator=(TickEnv&&) noexcept = default;
TickEnv::~TickEnv() = default;

Result<TickEnv> TickEnv::create(const TickEnvOptions& options) {
    if (auto st = options.validate(); !st) {
        return tl::unexpected(st.error());
    }
    auto symbol = Symbol::parse(options.symbol);
    if (!symbol) {
        return tl::unexpected(symbol.error());
    }
    hft::TickLoadOptions load;
    load.base_feed_latency = Duration::from_ns(ms(options.feed_latency_ms));
    auto data = hft::load_ticks(options.ticks, *symbol, load);
    if (!data) {
        return tl::unexpected(data.error());
    }
    TickEnv env;
    Impl& s = *env.impl_;
    s.o = options;
    s.step_ns = static_cast<std::int64_t>(options.step_ms) * 1'000'000;
    const std::int64_t need = s.step_ns * (options.window + options.episode_steps + 1);
    const std::int64_t span = data->events.back().local_ns - data->snapshot_local_ns;
    if (span < need) {
        return make_error(
            ErrorCode::kInvalidArgument,
            fmt::format(
                "{}: the recording spans {:.0f} s; window + episode need {:.0f} s",
                options.ticks,
                static_cast<double>(span) / 1e9,
                static_cast<double>(need) / 1e9));
    }
    s.data = std::make_shared<const hft::TickData>(std::move(*data));
    s.config.queue = *parse_queue(options.queue);
    s.config.entry.constant_ns = ms(options.entry_ms);
    s.config.response.constant_ns = ms(options.response_ms);
    s.config.maker_fee_bps = options.maker_fee_bps;
    s.config.taker_fee_bps = options.taker_fee_bps;
    s.config.initial_cash = *Money::from_double(options.cash, Round::kHalfEven);
    if (options.max_drawdown_pct > 0) {
        s.config.risk.max_drawdown_pct = options.max_drawdown_pct;
    }
    s.params.quote_qty = *Qty::parse(options.qty);
    s.params.max_position = *Qty::parse(options.max_position);
    s.params.skew_ticks = 0;
    if (auto st = s.config.validate(); !st) {
        return tl::unexpected(st.error());
    }
    return env;
}

std::size_t TickEnv::observation_size() const noexcept {
    return impl_->obs_size();
}

int TickEnv::actions() const noexcept {
    return impl_->o.mode == "maker" ? 4 : 3;
}

Status TickEnv::reset(std::uint64_t seed, std::optional<double> start, float* obs) {
    Impl& s = *impl_;
    auto sim = hft::Simulator::create(*s.data, s.config);
    if (!sim) {
        return Status(tl::unexpected(sim.error()));
    }
    s.sim = std::move(*sim);
    s.agent = std::make_unique<Agent>(s.params, s.o.mode == "maker");
    if (auto st = s.sim->begin(*s.agent); !st) {
        return st;
    }
    const std::int64_t first = s.data->snapshot_local_ns;
    const std::int64_t last = s.data->events.back().local_ns;
    const std::int64_t room = last - first - s.step_ns * (s.o.window + s.o.episode_steps + 1);
    std::int64_t t0 = first;
    if (start) {
        t0 += static_cast<std::int64_t>(std::clamp(*start, 0.0, 1.0) * static_cast<double>(room));
    } else {
        std::mt19937_64 rng(seed);
        t0 += std::uniform_int_distribution<std::int64_t>(0, room)(rng);
    }
    // Replay to the start with the agent idle, then `window` steps to fill its history.
    s.mids.clear();
    for (int i = 0; i <= s.o.window; ++i) {
        const std::int64_t t = t0 + s.step_ns * (i + 1);
        if (auto more = s.sim->advance(t); !more) {
            return Status(tl::unexpected(more.error()));
        }
        s.mids.push_back(s.sim->context().book().mid());
    }
    s.agent->take_flow_imbalance();
    auto ctx = s.sim->context();
    s.start_equity = s.equity(ctx);
    s.last_equity = s.start_equity;
    s.flow = 0;
    s.steps = 0;
    s.observe(obs);
    return ok_status();
}

Result<double> TickEnv::step(
    int action, float* obs, bool& terminated, bool& truncated, TickStepInfo& info) {
    Impl& s = *impl_;
    if (!s.sim) {
        return make_error(ErrorCode::kFailedPrecondition, "step() before reset()");
    }
    if (action < 0 || action >= actions()) {
        return make_error(
            ErrorCode::kInvalidArgument,
            fmt::format("action {} is outside [0, {})", action, actions()));
    }
    {
        auto ctx = s.sim->context();
        s.agent->act(ctx, action);
    }
    auto more = s.sim->advance(s.sim->now() + s.step_ns);
    if (!more) {
        return tl::unexpected(more.error());
    }
    auto ctx = s.sim->context();
    s.mids.erase(s.mids.begin());
    s.mids.push_back(ctx.book().mid());
    s.flow = s.agent->take_flow_imbalance();
    const double eq = s.equity(ctx);
    const double reward = (eq - s.last_equity) / s.o.cash * 1e4;
    s.last_equity = eq;
    ++s.steps;
    terminated = ctx.halted() || eq <= 0;
    truncated = !terminated && (s.steps >= s.o.episode_steps || !*more);
    info.equity = eq;
    info.position = ctx.position().to_double();
    info.mid = ctx.book().mid();
    info.fees = s.agent->fees();
    info.fills = s.agent->fills();
    info.time_ns = s.sim->now();
    s.observe(obs);
    return reward;
}

}  // namespace ats::gym
