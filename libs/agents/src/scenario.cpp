#include "ats/agents/scenario.hpp"

#include <chrono>
#include <cmath>
#include <fstream>
#include <map>
#include <random>
#include <sstream>

#include <fmt/format.h>
#include <toml++/toml.h>

namespace ats::agents {

namespace {

Status bad(const std::string& where, const std::string& what) {
    return Status(make_error(ErrorCode::kInvalidArgument, fmt::format("{}: {}", where, what)));
}

/// Reads the keys of one table into numbers/strings, refusing unknown ones.
class Table {
public:
    Table(const toml::table& t, std::string where) : t_(t), where_(std::move(where)) {}

    Status number(const char* key, double& out) {
        seen_.push_back(key);
        const toml::node* n = t_.get(key);
        if (n == nullptr) {
            return ok_status();
        }
        const auto v = n->value<double>();
        if (!n->is_number() || !v || !std::isfinite(*v)) {
            return bad(where_, fmt::format("{}: expected a number", key));
        }
        out = *v;
        return ok_status();
    }
    Status integer(const char* key, int& out) {
        double v = out;
        if (auto st = number(key, v); !st) {
            return st;
        }
        if (v != std::floor(v) || v < -1e9 || v > 1e9) {
            return bad(where_, fmt::format("{}: expected an integer", key));
        }
        out = static_cast<int>(v);
        return ok_status();
    }
    Status text(const char* key, std::string& out) {
        seen_.push_back(key);
        const toml::node* n = t_.get(key);
        if (n == nullptr) {
            return ok_status();
        }
        const auto v = n->value<std::string>();
        if (!v) {
            return bad(where_, fmt::format("{}: expected a string", key));
        }
        out = *v;
        return ok_status();
    }
    Status finish() const {
        for (const auto& [k, v] : t_) {
            const std::string key(k.str());
            if (std::find(seen_.begin(), seen_.end(), key) == seen_.end()) {
                return bad(
                    where_,
                    fmt::format("unknown key '{}' (valid: {})", key, fmt::join(seen_, ", ")));
            }
        }
        return ok_status();
    }

private:
    const toml::table& t_;
    std::string where_;
    std::vector<std::string> seen_;
};

#define ATS_TRY(expr)                           \
    do {                                        \
        if (auto st_ = (expr); !st_) {          \
            return tl::unexpected(st_.error()); \
        }                                       \
    } while (false)

}  // namespace

Result<ScenarioConfig> parse_scenario(const std::string& text, const std::string& origin) {
    toml::table root;
    try {
        root = toml::parse(text, origin);
    } catch (const toml::parse_error& e) {
        return make_error(
            ErrorCode::kInvalidArgument,
            fmt::format("{}:{}: {}", origin, e.source().begin.line, e.description()));
    }
    ScenarioConfig c;
    c.kernel.markets.clear();
    for (const auto& [k, v] : root) {
        const std::string key(k.str());
        if (key != "simulation" && key != "market" && key != "fundamental" && key != "activity" &&
            key != "agents" && key != "evolution" && key != "migration" && key != "island") {
            return make_error(
                ErrorCode::kInvalidArgument,
                fmt::format(
                    "{}: unknown section [{}] (valid: [simulation], [[market]], [fundamental], "
                    "[activity], [[agents]], [evolution], [migration], [[island]])",
                    origin,
                    key));
        }
    }
    if (const auto* t = root["simulation"].as_table()) {
        Table s(*t, origin + ": [simulation]");
        double hours = 1;
        double seed = 1;
        double cost = 0;
        int alphabet = 0;
        ATS_TRY(s.number("hours", hours));
        ATS_TRY(s.number("seed", seed));
        ATS_TRY(s.number("message_cost", cost));
        ATS_TRY(s.integer("alphabet", alphabet));
        ATS_TRY(s.finish());
        if (!(hours > 0 && hours <= 720)) {
            return make_error(
                ErrorCode::kInvalidArgument,
                fmt::format("{}: [simulation] hours must be in (0, 720]", origin));
        }
        if (!(seed >= 0 && seed <= 9e15) || seed != std::floor(seed)) {
            return make_error(
                ErrorCode::kInvalidArgument,
                fmt::format("{}: [simulation] seed must be an integer >= 0", origin));
        }
        c.kernel.duration_ns = static_cast<std::int64_t>(hours * 3600e9);
        c.kernel.seed = static_cast<std::uint64_t>(seed);
        c.kernel.message_cost = cost;
        c.kernel.alphabet = alphabet;
    }
    std::map<std::string, std::uint32_t> market_index;
    if (const auto* arr = root["market"].as_array()) {
        for (const auto& node : *arr) {
            const auto* t = node.as_table();
            if (t == nullptr) {
                return make_error(
                    ErrorCode::kInvalidArgument,
                    fmt::format("{}: [[market]] entries must be tables", origin));
            }
            MarketConfig m;
            double latency_ms = 0;
            Table s(*t, fmt::format("{}: [[market]] {}", origin, c.kernel.markets.size() + 1));
            ATS_TRY(s.text("name", m.name));
            ATS_TRY(s.number("tick", m.tick));
            ATS_TRY(s.number("lot", m.lot));
            ATS_TRY(s.number("maker_fee_bps", m.maker_fee_bps));
            ATS_TRY(s.number("taker_fee_bps", m.taker_fee_bps));
            ATS_TRY(s.number("latency_ms", latency_ms));
            ATS_TRY(s.number("initial_price", m.initial_price));
            ATS_TRY(s.finish());
            if (!(latency_ms >= 0 && latency_ms <= 60'000)) {
                return make_error(
                    ErrorCode::kInvalidArgument,
                    fmt::format("{}: market {}: latency_ms in [0, 60000]", origin, m.name));
            }
            m.latency_ns = static_cast<std::int64_t>(latency_ms * 1e6);
            if (market_index.count(m.name) != 0) {
                return make_error(
                    ErrorCode::kInvalidArgument,
                    fmt::format("{}: market {} twice", origin, m.name));
            }
            market_index[m.name] = static_cast<std::uint32_t>(c.kernel.markets.size());
            c.kernel.markets.push_back(m);
        }
    }
    if (c.kernel.markets.empty()) {
        c.kernel.markets.push_back(MarketConfig{});
        market_index[c.kernel.markets[0].name] = 0;
    }
    if (const auto* t = root["fundamental"].as_table()) {
        auto& f = c.kernel.fundamental;
        Table s(*t, origin + ": [fundamental]");
        ATS_TRY(s.number("mean_reversion_per_day", f.mean_reversion_per_day));
        ATS_TRY(s.number("vol_per_day", f.vol_per_day));
        ATS_TRY(s.number("jumps_per_day", f.jumps_per_day));
        ATS_TRY(s.number("jump_sigma", f.jump_sigma));
        ATS_TRY(s.finish());
    }
    if (const auto* t = root["activity"].as_table()) {
        Table s(*t, origin + ": [activity]");
        ATS_TRY(s.number("sigma", c.kernel.activity.sigma));
        ATS_TRY(s.number("halflife_s", c.kernel.activity.halflife_s));
        ATS_TRY(s.finish());
    }
    if (const auto* arr = root["agents"].as_array()) {
        for (const auto& node : *arr) {
            const auto* t = node.as_table();
            if (t == nullptr) {
                return make_error(
                    ErrorCode::kInvalidArgument,
                    fmt::format("{}: [[agents]] entries must be tables", origin));
            }
            Population p;
            std::string market = c.kernel.markets[0].name;
            const std::string where =
                fmt::format("{}: [[agents]] {}", origin, c.populations.size() + 1);
            Table s(*t, where);
            ATS_TRY(s.text("kind", p.kind));
            ATS_TRY(s.integer("count", p.count));
            ATS_TRY(s.text("market", market));
            ATS_TRY(s.number("latency_ms", p.latency_ms));
            ATS_TRY(s.number("latency_jitter_ms", p.latency_jitter_ms));
            Status kind_status = ok_status();
            if (p.kind == "noise") {
                ATS_TRY(s.number("rate_per_min", p.noise.rate_per_min));
                ATS_TRY(s.number("p_market", p.noise.p_market));
                ATS_TRY(s.number("offset_ticks", p.noise.offset_ticks));
                ATS_TRY(s.number("size_lots", p.noise.size_lots));
                ATS_TRY(s.number("order_life_s", p.noise.order_life_s));
                kind_status = p.noise.validate();
            } else if (p.kind == "market_maker") {
                ATS_TRY(s.integer("levels", p.maker.levels));
                ATS_TRY(s.number("half_spread_ticks", p.maker.half_spread_ticks));
                ATS_TRY(s.number("level_step_ticks", p.maker.level_step_ticks));
                ATS_TRY(s.number("size_lots", p.maker.size_lots));
                ATS_TRY(s.number("skew_ticks_per_lot", p.maker.skew_ticks_per_lot));
                ATS_TRY(s.number("max_inventory", p.maker.max_inventory));
                ATS_TRY(s.number("refresh_s", p.maker.refresh_s));
                ATS_TRY(s.number("vol_mult", p.maker.vol_mult));
                kind_status = p.maker.validate();
            } else if (p.kind == "momentum") {
                ATS_TRY(s.number("interval_s", p.momentum.interval_s));
                ATS_TRY(s.number("lookback_s", p.momentum.lookback_s));
                ATS_TRY(s.number("threshold_bps", p.momentum.threshold_bps));
                ATS_TRY(s.number("size_lots", p.momentum.size_lots));
                ATS_TRY(s.number("max_position", p.momentum.max_position));
                kind_status = p.momentum.validate();
            } else if (p.kind == "value") {
                ATS_TRY(s.number("rate_per_min", p.value.rate_per_min));
                ATS_TRY(s.number("bias_bps", p.value.bias_bps));
                ATS_TRY(s.number("noise_bps", p.value.noise_bps));
                ATS_TRY(s.number("threshold_bps", p.value.threshold_bps));
                ATS_TRY(s.number("aggressive_bps", p.value.aggressive_bps));
                ATS_TRY(s.number("size_lots", p.value.size_lots));
                ATS_TRY(s.number("max_position", p.value.max_position));
                kind_status = p.value.validate();
            } else if (p.kind == "arbitrageur") {
                ATS_TRY(s.number("interval_s", p.arb.interval_s));
                ATS_TRY(s.number("min_edge_bps", p.arb.min_edge_bps));
                ATS_TRY(s.number("size_lots", p.arb.size_lots));
                ATS_TRY(s.number("max_position", p.arb.max_position));
                kind_status = p.arb.validate();
                if (c.kernel.markets.size() < 2) {
                    return make_error(
                        ErrorCode::kInvalidArgument,
                        fmt::format("{}: an arbitrageur needs two [[market]]s", where));
                }
                if (c.kernel.markets[0].lot != c.kernel.markets[1].lot) {
                    return make_error(
                        ErrorCode::kInvalidArgument,
                        fmt::format("{}: the arbitrageur's two markets need the same lot", where));
                }
            } else {
                return make_error(
                    ErrorCode::kInvalidArgument,
                    fmt::format(
                        "{}: kind '{}': noise, market_maker, momentum, value or arbitrageur",
                        where,
                        p.kind));
            }
            ATS_TRY(s.finish());
            if (!kind_status) {
                return make_error(
                    ErrorCode::kInvalidArgument,
                    fmt::format("{}: {}", where, kind_status.error().message));
            }
            if (p.count < 0 || p.count > 100'000) {
                return make_error(
                    ErrorCode::kInvalidArgument,
                    fmt::format("{}: count must be in [0, 100000]", where));
            }
            if (!(p.latency_ms >= 0 && p.latency_ms <= 60'000 && p.latency_jitter_ms >= 0 &&
                  p.latency_jitter_ms <= p.latency_ms)) {
                return make_error(
                    ErrorCode::kInvalidArgument,
                    fmt::format(
                        "{}: latency_ms in [0, 60000], latency_jitter_ms in [0, "
                        "latency_ms]",
                        where));
            }
            const auto it = market_index.find(market);
            if (it == market_index.end()) {
                return make_error(
                    ErrorCode::kInvalidArgument, fmt::format("{}: no market '{}'", where, market));
            }
            p.market = it->second;
            c.populations.push_back(p);
        }
    }
    if (const auto* t = root["evolution"].as_table()) {
        EvolutionConfig e;
        Table s(*t, origin + ": [evolution]");
        ATS_TRY(s.integer("evolving", e.evolving));
        ATS_TRY(s.number("initial_wealth", e.initial_wealth));
        ATS_TRY(s.number("broke_fraction", e.broke_fraction));
        ATS_TRY(s.number("cull_fraction", e.cull_fraction));
        ATS_TRY(s.integer("generation_minutes", e.generation_minutes));
        ATS_TRY(s.number("mutation_rate", e.mutation_rate));
        ATS_TRY(s.number("mutation_sigma", e.mutation_sigma));
        ATS_TRY(s.number("latency_ms", e.latency_ms));
        ATS_TRY(s.finish());
        if (auto st = e.validate(); !st) {
            return make_error(
                ErrorCode::kInvalidArgument, fmt::format("{}: {}", origin, st.error().message));
        }
        c.evolution = e;
    }
    if (const auto* t = root["migration"].as_table()) {
        Table s(*t, origin + ": [migration]");
        ATS_TRY(s.text("topology", c.migration.topology));
        ATS_TRY(s.integer("migrate_every", c.migration.migrate_every));
        ATS_TRY(s.integer("migrants", c.migration.migrants));
        ATS_TRY(s.finish());
        if (auto st = c.migration.validate(); !st) {
            return make_error(
                ErrorCode::kInvalidArgument, fmt::format("{}: {}", origin, st.error().message));
        }
    }
    if (const auto* arr = root["island"].as_array()) {
        for (const auto& node : *arr) {
            const auto* t = node.as_table();
            if (t == nullptr) {
                return make_error(
                    ErrorCode::kInvalidArgument,
                    fmt::format("{}: [[island]] entries must be tables", origin));
            }
            MarketConfig m = c.kernel.markets[0];
            double latency_ms = static_cast<double>(m.latency_ns) / 1e6;
            Table s(*t, fmt::format("{}: [[island]] {}", origin, c.islands.size() + 1));
            ATS_TRY(s.text("name", m.name));
            ATS_TRY(s.number("tick", m.tick));
            ATS_TRY(s.number("maker_fee_bps", m.maker_fee_bps));
            ATS_TRY(s.number("taker_fee_bps", m.taker_fee_bps));
            ATS_TRY(s.number("latency_ms", latency_ms));
            ATS_TRY(s.finish());
            if (!(latency_ms >= 0 && latency_ms <= 60'000)) {
                return make_error(
                    ErrorCode::kInvalidArgument,
                    fmt::format("{}: island {}: latency_ms in [0, 60000]", origin, m.name));
            }
            m.latency_ns = static_cast<std::int64_t>(latency_ms * 1e6);
            if (auto st = m.validate(); !st) {
                return make_error(
                    ErrorCode::kInvalidArgument, fmt::format("{}: {}", origin, st.error().message));
            }
            c.islands.push_back(m);
        }
        if (!c.islands.empty() && !c.evolution) {
            return make_error(
                ErrorCode::kInvalidArgument,
                fmt::format("{}: [[island]] needs [evolution]", origin));
        }
    }
    if (auto st = c.kernel.validate(); !st) {
        return make_error(
            ErrorCode::kInvalidArgument, fmt::format("{}: {}", origin, st.error().message));
    }
    return c;
}

Result<ScenarioConfig> load_scenario(const std::string& path) {
    std::ifstream in(path);
    if (!in) {
        return make_error(ErrorCode::kNotFound, fmt::format("{}: cannot read", path));
    }
    std::stringstream ss;
    ss << in.rdbuf();
    return parse_scenario(ss.str(), path);
}

std::vector<Bar1m> minute_bars(
    const std::vector<Trade>& trades,
    std::uint32_t market,
    const MarketConfig& m,
    std::int64_t duration_ns,
    std::int64_t start_ms) {
    constexpr std::int64_t kMinute = 60'000'000'000;
    const auto minutes = static_cast<std::size_t>((duration_ns + kMinute - 1) / kMinute);
    std::vector<Bar1m> bars(minutes);
    double last = m.initial_price;
    std::size_t ti = 0;
    for (std::size_t i = 0; i < minutes; ++i) {
        Bar1m& b = bars[i];
        b.open_time_ms = start_ms + static_cast<std::int64_t>(i) * 60'000;
        b.open = b.high = b.low = b.close = last;
        bool first = true;
        const auto end = static_cast<std::int64_t>(i + 1) * kMinute;
        for (; ti < trades.size() && trades[ti].time_ns < end; ++ti) {
            const Trade& t = trades[ti];
            if (t.market != market) {
                continue;
            }
            const double px = static_cast<double>(t.tick) * m.tick;
            if (first) {
                b.open = b.high = b.low = px;
                first = false;
            }
            b.high = std::max(b.high, px);
            b.low = std::min(b.low, px);
            b.close = px;
            b.volume += static_cast<double>(t.lots) * m.lot;
        }
        last = b.close;
    }
    return bars;
}

std::vector<double> populate(Kernel& k, const ScenarioConfig& config) {
    std::mt19937_64 setup(config.kernel.seed ^ 0x9E3779B97F4A7C15ULL);
    std::vector<double> latencies;
    for (const auto& p : config.populations) {
        for (int i = 0; i < p.count; ++i) {
            const double lat =
                p.latency_ms + (p.latency_jitter_ms > 0
                                    ? std::uniform_real_distribution<double>(
                                          -p.latency_jitter_ms, p.latency_jitter_ms)(setup)
                                    : 0.0);
            const auto first_wake =
                static_cast<std::int64_t>(std::uniform_real_distribution<double>(0, 10e9)(setup));
            std::unique_ptr<Agent> a;
            if (p.kind == "noise") {
                a = std::make_unique<NoiseTrader>(p.noise, p.market);
            } else if (p.kind == "market_maker") {
                a = std::make_unique<MarketMakerAgent>(p.maker, p.market);
            } else if (p.kind == "momentum") {
                a = std::make_unique<MomentumTrader>(p.momentum, p.market);
            } else if (p.kind == "value") {
                const double bias =
                    std::normal_distribution<double>(0, p.value.bias_bps / 1e4)(setup);
                a = std::make_unique<ValueTrader>(p.value, p.market, bias);
            } else {
                const auto& m0 = config.kernel.markets[0];
                const auto& m1 = config.kernel.markets[1];
                a = std::make_unique<Arbitrageur>(
                    p.arb, m0.taker_fee_bps, m1.taker_fee_bps, m0.tick, m1.tick);
            }
            k.add(std::move(a), static_cast<std::int64_t>(std::max(lat, 0.0) * 1e6), first_wake);
            latencies.push_back(std::max(lat, 0.0));
        }
    }
    return latencies;
}

Result<ScenarioResult> run_scenario(
    const ScenarioConfig& config, const std::function<void(double)>& progress) {
    auto kernel = Kernel::create(config.kernel);
    if (!kernel) {
        return tl::unexpected(kernel.error());
    }
    Kernel& k = **kernel;
    const std::vector<double> latencies = populate(k, config);
    const auto t0 = std::chrono::steady_clock::now();
    if (auto st = k.run(progress); !st) {
        return tl::unexpected(st.error());
    }
    ScenarioResult r;
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    r.actions = k.actions();
    r.events = k.events();
    r.trades = k.trades();
    for (std::uint32_t m = 0; m < config.kernel.markets.size(); ++m) {
        r.bars.push_back(minute_bars(
            r.trades, m, config.kernel.markets[m], config.kernel.duration_ns, config.start_ms));
    }
    for (std::uint32_t i = 0; i < k.agents(); ++i) {
        AgentResult a;
        a.id = i;
        a.family = k.agent(i).family();
        a.latency_ms = latencies[i];
        for (std::uint32_t m = 0; m < config.kernel.markets.size(); ++m) {
            const Account& acc = k.account(i, m);
            a.accounts.push_back(acc);
            const auto& mc = config.kernel.markets[m];
            const double last = r.bars[m].empty() ? mc.initial_price : r.bars[m].back().close;
            a.pnl += static_cast<double>(acc.cash) * mc.tick * mc.lot +
                     static_cast<double>(acc.position) * mc.lot * last - acc.fees;
        }
        r.agents.push_back(std::move(a));
    }
    return r;
}

}  // namespace ats::agents
