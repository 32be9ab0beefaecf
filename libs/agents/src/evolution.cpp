#include "ats/agents/evolution.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include <fmt/format.h>

namespace ats::agents {

namespace {

constexpr std::int64_t kMinuteNs = 60'000'000'000;
constexpr double kSecond = 1e9;

double lerp(double lo, double hi, double g) {
    return lo + (hi - lo) * std::clamp(g, 0.0, 1.0);
}

/// An agent whose rules come from a genome (docs/agents.md has the parameter ranges).
class EvolvingAgent final : public Agent {
public:
    EvolvingAgent(Genome g, std::uint32_t market, int alphabet, std::vector<Utterance>* said)
        : g_(g), market_(market), alphabet_(alphabet), said_(said) {}

    const char* family() const noexcept override {
        static constexpr const char* kNames[] = {"evo_maker", "evo_taker", "evo_value"};
        return kNames[std::clamp(g_.family, 0, kFamilies - 1)];
    }
    const Genome& genome() const { return g_; }

    void on_wake(AgentContext& ctx) override {
        const Quote q = ctx.quote(market_);
        const int heard = alphabet_ > 0 ? ctx.last_token() : -1;
        const double bias =
            heard >= 0 && heard < kMaxAlphabet ? g_.listen[static_cast<std::size_t>(heard)] : 0.0;
        int bucket = 1;
        int action = 0;
        std::int64_t next = ctx.now() + static_cast<std::int64_t>(kSecond);
        if (g_.family == 0) {
            const double half = lerp(1, 30, g_.g[0]);
            const auto size = static_cast<std::int64_t>(lerp(5, 100, g_.g[1]));
            const double skew = lerp(0, 0.2, g_.g[2]);
            for (const auto h : quotes_) {
                ctx.cancel(h);
            }
            quotes_.clear();
            const double mid = q.mid();
            const auto inv = static_cast<double>(ctx.position(market_));
            bucket = inv < -static_cast<double>(size) ? 0 : inv > static_cast<double>(size) ? 2 : 1;
            if (mid > 0) {
                const double center = mid - skew * inv + bias * half;
                for (int i = 0; i < 2; ++i) {
                    const double d = half + 5.0 * i;
                    if (inv < 20.0 * static_cast<double>(size)) {
                        quotes_.push_back(ctx.limit(
                            market_,
                            Side::kBuy,
                            static_cast<std::int64_t>(std::floor(center - d)),
                            size));
                    }
                    if (inv > -20.0 * static_cast<double>(size)) {
                        quotes_.push_back(ctx.limit(
                            market_,
                            Side::kSell,
                            static_cast<std::int64_t>(std::ceil(center + d)),
                            size));
                    }
                }
            }
            next = ctx.now() + static_cast<std::int64_t>(lerp(1, 20, g_.g[3]) * kSecond);
        } else if (g_.family == 1) {
            const auto lookback = static_cast<std::int64_t>(lerp(30, 900, g_.g[0]) * kSecond);
            const double threshold = lerp(1, 50, g_.g[1]);
            const auto size = static_cast<std::int64_t>(lerp(5, 100, g_.g[2]));
            const double mid = q.mid();
            if (mid > 0) {
                mids_.emplace_back(ctx.now(), mid);
            }
            while (mids_.size() > 2 && mids_[1].first <= ctx.now() - lookback) {
                mids_.erase(mids_.begin());
            }
            double r = 0;
            if (mid > 0 && !mids_.empty() && mids_.front().first <= ctx.now() - lookback) {
                r = (mid / mids_.front().second - 1) * 1e4;
            }
            bucket = r < -threshold / 2 ? 0 : r > threshold / 2 ? 2 : 1;
            const double own = (g_.g[4] > 0.5 ? -1.0 : 1.0) * r / threshold;  // contrarian flips
            const double signal = own + bias;
            const auto pos = ctx.position(market_);
            if (signal > 1 && pos < 20 * size) {
                ctx.market_order(market_, Side::kBuy, size);
                action = 1;
            } else if (signal < -1 && pos > -20 * size) {
                ctx.market_order(market_, Side::kSell, size);
                action = -1;
            }
            next = ctx.now() + static_cast<std::int64_t>(lerp(5, 120, g_.g[3]) * kSecond);
        } else {
            const double threshold = lerp(0.5, 30, g_.g[0]) / 1e4;
            const auto size = static_cast<std::int64_t>(lerp(5, 100, g_.g[1]));
            const double aggressive = lerp(1, 50, g_.g[3]) / 1e4;
            const double estimate =
                ctx.fundamental() * (1 + (g_.g[4] - 0.5) * 20 / 1e4) * (1 + bias * threshold);
            const auto pos = ctx.position(market_);
            if (q.ask != hft::L3Book::kNone) {
                const auto ask = static_cast<double>(q.ask);
                const auto bid = static_cast<double>(q.bid != hft::L3Book::kNone ? q.bid : q.ask);
                bucket = ask < estimate * (1 - threshold)   ? 2
                         : bid > estimate * (1 + threshold) ? 0
                                                            : 1;
                if (bucket == 2 && pos < 20 * size) {
                    if (ask < estimate * (1 - aggressive)) {
                        ctx.market_order(market_, Side::kBuy, size);
                    } else {
                        ctx.limit(market_, Side::kBuy, q.ask, size);
                    }
                    action = 1;
                } else if (bucket == 0 && q.bid != hft::L3Book::kNone && pos > -20 * size) {
                    if (bid > estimate * (1 + aggressive)) {
                        ctx.market_order(market_, Side::kSell, size);
                    } else {
                        ctx.limit(market_, Side::kSell, q.bid, size);
                    }
                    action = -1;
                }
            }
            const double rate = lerp(0.2, 20, g_.g[2]) / 60.0 / kSecond;
            next =
                ctx.now() + 1 +
                static_cast<std::int64_t>(std::exponential_distribution<double>(rate)(ctx.rng()));
        }
        if (alphabet_ > 0 && std::bernoulli_distribution(g_.g[7])(ctx.rng())) {
            const std::uint8_t token = g_.speak[static_cast<std::size_t>(bucket)];
            ctx.post(token);
            said_->push_back(Utterance{ctx.now(), ctx.self(), token, action});
        }
        ctx.wake_at(next);
    }

private:
    Genome g_;
    std::uint32_t market_;
    int alphabet_;
    std::vector<Utterance>* said_;
    std::vector<std::uint64_t> quotes_;
    std::vector<std::pair<std::int64_t, double>> mids_;
};

}  // namespace

std::vector<double> Genome::pack() const {
    std::vector<double> v;
    v.push_back(family);
    v.insert(v.end(), g.begin(), g.end());
    for (const auto s : speak) {
        v.push_back(s);
    }
    v.insert(v.end(), listen.begin(), listen.end());
    return v;
}

Genome Genome::unpack(const double* v) {
    Genome out;
    out.family = std::clamp(static_cast<int>(v[0]), 0, kFamilies - 1);
    for (int i = 0; i < kGenes; ++i) {
        out.g[static_cast<std::size_t>(i)] = std::clamp(v[1 + i], 0.0, 1.0);
    }
    for (int i = 0; i < 3; ++i) {
        out.speak[static_cast<std::size_t>(i)] =
            static_cast<std::uint8_t>(std::clamp(v[1 + kGenes + i], 0.0, kMaxAlphabet - 1.0));
    }
    for (int i = 0; i < kMaxAlphabet; ++i) {
        out.listen[static_cast<std::size_t>(i)] = std::clamp(v[1 + kGenes + 3 + i], -1.0, 1.0);
    }
    return out;
}

Genome random_genome(std::mt19937_64& rng, int alphabet) {
    Genome g;
    std::uniform_real_distribution<double> u(0, 1);
    g.family = std::uniform_int_distribution<int>(0, kFamilies - 1)(rng);
    for (auto& x : g.g) {
        x = u(rng);
    }
    g.g[7] *= 0.3;  // speaking starts rare
    for (auto& s : g.speak) {
        s = static_cast<std::uint8_t>(
            alphabet > 0 ? std::uniform_int_distribution<int>(0, alphabet - 1)(rng) : 0);
    }
    for (auto& l : g.listen) {
        l = std::uniform_real_distribution<double>(-0.2, 0.2)(rng);
    }
    return g;
}

Genome crossover(const Genome& a, const Genome& b, std::mt19937_64& rng) {
    std::bernoulli_distribution coin(0.5);
    Genome c = coin(rng) ? a : b;  // the family comes whole from one parent
    for (std::size_t i = 0; i < c.g.size(); ++i) {
        c.g[i] = coin(rng) ? a.g[i] : b.g[i];
    }
    for (std::size_t i = 0; i < c.speak.size(); ++i) {
        c.speak[i] = coin(rng) ? a.speak[i] : b.speak[i];
    }
    for (std::size_t i = 0; i < c.listen.size(); ++i) {
        c.listen[i] = coin(rng) ? a.listen[i] : b.listen[i];
    }
    return c;
}

void mutate(Genome& g, double rate, double sigma, int alphabet, std::mt19937_64& rng) {
    std::bernoulli_distribution hit(rate);
    std::normal_distribution<double> z(0, sigma);
    for (auto& x : g.g) {
        if (hit(rng)) {
            x = std::clamp(x + z(rng), 0.0, 1.0);
        }
    }
    for (auto& l : g.listen) {
        if (hit(rng)) {
            l = std::clamp(l + 2 * z(rng), -1.0, 1.0);
        }
    }
    if (alphabet > 0) {
        for (auto& s : g.speak) {
            if (hit(rng)) {
                s = static_cast<std::uint8_t>(
                    std::uniform_int_distribution<int>(0, alphabet - 1)(rng));
            }
        }
    }
    if (std::bernoulli_distribution(rate * 0.1)(rng)) {
        g.family = std::uniform_int_distribution<int>(0, kFamilies - 1)(rng);
    }
}

const char* family_name(int family) noexcept {
    static constexpr const char* kNames[] = {"maker", "taker", "value"};
    return family >= 0 && family < kFamilies ? kNames[family] : "?";
}

std::string genome_toml(const Genome& g, double wealth) {
    std::string out = fmt::format(
        "[[genome]]\nfamily = \"{}\"\nwealth = {:.2f}\n", family_name(g.family), wealth);
    if (g.family == 0) {
        out += fmt::format(
            "half_spread_ticks = {:.3f}\nsize_lots = {:.1f}\nskew_ticks_per_lot = {:.4f}\n"
            "refresh_s = {:.2f}\n",
            lerp(1, 30, g.g[0]),
            lerp(5, 100, g.g[1]),
            lerp(0, 0.2, g.g[2]),
            lerp(1, 20, g.g[3]));
    } else if (g.family == 1) {
        out += fmt::format(
            "style = \"{}\"\nlookback_s = {:.1f}\nthreshold_bps = {:.2f}\nsize_lots = {:.1f}\n"
            "interval_s = {:.1f}\n",
            g.g[4] > 0.5 ? "contrarian" : "momentum",
            lerp(30, 900, g.g[0]),
            lerp(1, 50, g.g[1]),
            lerp(5, 100, g.g[2]),
            lerp(5, 120, g.g[3]));
    } else {
        out += fmt::format(
            "threshold_bps = {:.2f}\nsize_lots = {:.1f}\nrate_per_min = {:.2f}\n"
            "aggressive_bps = {:.2f}\nbias_bps = {:.2f}\n",
            lerp(0.5, 30, g.g[0]),
            lerp(5, 100, g.g[1]),
            lerp(0.2, 20, g.g[2]),
            lerp(1, 50, g.g[3]),
            (g.g[4] - 0.5) * 20);
    }
    out += fmt::format(
        "speak_probability = {:.3f}\nspeak = [{}, {}, {}]\nlisten = [{:.3f}]\n",
        g.g[7],
        g.speak[0],
        g.speak[1],
        g.speak[2],
        fmt::join(g.listen, ", "));
    return out;
}

double mutual_information(const std::vector<int>& x, const std::vector<int>& y) {
    const std::size_t n = std::min(x.size(), y.size());
    if (n == 0) {
        return 0;
    }
    std::map<int, double> px;
    std::map<int, double> py;
    std::map<std::pair<int, int>, double> pxy;
    for (std::size_t i = 0; i < n; ++i) {
        px[x[i]] += 1;
        py[y[i]] += 1;
        pxy[{x[i], y[i]}] += 1;
    }
    const auto N = static_cast<double>(n);
    double mi = 0;
    for (const auto& [k, c] : pxy) {
        const double p = c / N;
        mi += p * std::log2(p / (px[k.first] / N * py[k.second] / N));
    }
    return std::max(mi, 0.0);
}

Status EvolutionConfig::validate() const {
    const auto bad = [](const char* what) {
        return Status(make_error(ErrorCode::kInvalidArgument, fmt::format("evolution: {}", what)));
    };
    if (evolving < 2 || evolving > 10'000) {
        return bad("evolving must be in [2, 10000]");
    }
    if (!(initial_wealth > 0 && initial_wealth <= 1e12)) {
        return bad("initial_wealth must be in (0, 1e12]");
    }
    if (!(broke_fraction >= 0 && broke_fraction < 1) ||
        !(cull_fraction >= 0 && cull_fraction <= 0.5)) {
        return bad("broke_fraction in [0, 1), cull_fraction in [0, 0.5]");
    }
    if (generation_minutes < 1 || generation_minutes > 10'080) {
        return bad("generation_minutes must be in [1, 10080]");
    }
    if (!(mutation_rate >= 0 && mutation_rate <= 1) ||
        !(mutation_sigma >= 0 && mutation_sigma <= 1)) {
        return bad("mutation_rate and mutation_sigma in [0, 1]");
    }
    if (!(latency_ms >= 0 && latency_ms <= 60'000)) {
        return bad("latency_ms in [0, 60000]");
    }
    return ok_status();
}

Status MigrationConfig::validate() const {
    if (topology != "ring" && topology != "full") {
        return Status(make_error(
            ErrorCode::kInvalidArgument,
            fmt::format("migration topology '{}': ring or full", topology)));
    }
    if (migrate_every < 1 || migrate_every > 10'000 || migrants < 0 || migrants > 1'000) {
        return Status(make_error(
            ErrorCode::kInvalidArgument,
            "migration: migrate_every in [1, 10000], migrants in [0, 1000]"));
    }
    return ok_status();
}

struct Island::Impl {
    ScenarioConfig scenario;
    EvolutionConfig evo;
    std::unique_ptr<Kernel> kernel;
    std::mt19937_64 rng;
    std::vector<std::uint32_t> ids;  // kernel indices of the evolving agents
    std::vector<Genome> genomes;
    std::vector<Utterance> said;
    int generation = 0;
    int alphabet = 0;

    double last_price() const {
        const Quote q = kernel->top(0);
        const auto& m = scenario.kernel.markets[0];
        return q.mid() * m.tick;
    }

    double wealth(std::size_t i) const {
        const Account& a = kernel->account(ids[i], 0);
        const auto& m = scenario.kernel.markets[0];
        return evo.initial_wealth + static_cast<double>(a.cash) * m.tick * m.lot +
               static_cast<double>(a.position) * m.lot * last_price() - a.fees;
    }

    void place(std::size_t i, const Genome& g, bool fresh) {
        auto agent = std::make_unique<EvolvingAgent>(g, 0, alphabet, &said);
        const auto wake =
            kernel->now() + 1 + std::uniform_int_distribution<std::int64_t>(0, 5'000'000'000)(rng);
        if (fresh) {
            ids.push_back(kernel->add(
                std::move(agent), static_cast<std::int64_t>(evo.latency_ms * 1e6), wake));
            genomes.push_back(g);
        } else {
            kernel->replace(ids[i], std::move(agent), wake);
            genomes[i] = g;
        }
    }
};

Island::~Island() = default;

Result<std::unique_ptr<Island>> Island::create(
    const ScenarioConfig& scenario, const EvolutionConfig& evolution, std::uint64_t seed) {
    if (auto st = evolution.validate(); !st) {
        return tl::unexpected(st.error());
    }
    ScenarioConfig sc = scenario;
    sc.kernel.seed = seed;
    auto kernel = Kernel::create(sc.kernel);
    if (!kernel) {
        return tl::unexpected(kernel.error());
    }
    std::unique_ptr<Island> island(new Island());
    island->impl_ = std::make_unique<Impl>();
    Impl& s = *island->impl_;
    s.scenario = sc;
    s.evo = evolution;
    s.kernel = std::move(*kernel);
    s.rng.seed(seed * 0x2545F4914F6CDD1DULL + 17);
    s.alphabet = std::min(sc.kernel.alphabet, kMaxAlphabet);
    populate(*s.kernel, sc);
    for (int i = 0; i < evolution.evolving; ++i) {
        s.place(static_cast<std::size_t>(i), random_genome(s.rng, s.alphabet), true);
    }
    return island;
}

bool Island::done() const {
    return impl_->kernel->now() >= impl_->scenario.kernel.duration_ns;
}

const Kernel& Island::kernel() const {
    return *impl_->kernel;
}

GenerationStats Island::step() {
    Impl& s = *impl_;
    GenerationStats st;
    st.generation = ++s.generation;
    const std::int64_t start = s.kernel->now();
    const std::size_t said_from = s.said.size();
    std::vector<double> wealth_before(s.ids.size());
    for (std::size_t i = 0; i < s.ids.size(); ++i) {
        wealth_before[i] = s.wealth(i);
    }
    // Minute by minute: the book's quoted spread and the mid (for the tokens' future returns).
    std::vector<double> mids;
    double spread_sum = 0;
    int spread_n = 0;
    const auto minutes = s.evo.generation_minutes;
    mids.push_back(s.kernel->top(0).mid());
    for (int m = 0; m < minutes; ++m) {
        s.kernel->advance(start + (m + 1) * kMinuteNs);
        const Quote q = s.kernel->top(0);
        if (q.two_sided()) {
            spread_sum += static_cast<double>(q.ask - q.bid);
            ++spread_n;
        }
        mids.push_back(q.mid());
        if (done()) {
            break;
        }
    }
    st.time_ns = s.kernel->now();
    st.maker_spread_ticks = spread_n > 0 ? spread_sum / spread_n : 0;
    // Messages: what senders did, and where the price went the next minute.
    std::vector<int> tokens;
    std::vector<int> actions;
    std::vector<int> rtokens;
    std::vector<int> returns;
    for (std::size_t k = said_from; k < s.said.size(); ++k) {
        const Utterance& u = s.said[k];
        tokens.push_back(u.token);
        actions.push_back(u.action);
        const auto m = static_cast<std::size_t>((u.time_ns - start) / kMinuteNs);
        if (m + 1 < mids.size() && mids[m] > 0) {
            const double r = mids[m + 1] - mids[m];
            rtokens.push_back(u.token);
            returns.push_back(r > 0 ? 1 : r < 0 ? -1 : 0);
        }
    }
    st.messages_per_agent = static_cast<double>(tokens.size()) / static_cast<double>(s.ids.size());
    st.mi_token_action = mutual_information(tokens, actions);
    st.mi_token_return = mutual_information(rtokens, returns);
    // Ecology.
    std::vector<double> w(s.ids.size());
    double total = 0;
    for (std::size_t i = 0; i < s.ids.size(); ++i) {
        w[i] = s.wealth(i);
        const int f = s.genomes[i].family;
        st.count[static_cast<std::size_t>(f)] += 1;
        st.wealth_share[static_cast<std::size_t>(f)] += std::max(w[i], 0.0);
        total += std::max(w[i], 0.0);
        if (f == 0) {
            st.maker_pnl += w[i] - wealth_before[i];
        }
    }
    for (auto& x : st.wealth_share) {
        x = total > 0 ? x / total : 0;
    }
    for (const int c : st.count) {
        if (c > 0) {
            const double p = static_cast<double>(c) / static_cast<double>(s.ids.size());
            st.entropy -= p * std::log2(p);
        }
    }
    // Selection: the broke and the poorest are replaced by offspring of the wealthy.
    if (!done()) {
        std::vector<std::size_t> order(s.ids.size());
        std::iota(order.begin(), order.end(), 0);
        std::sort(
            order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return w[a] < w[b]; });
        const auto cull =
            static_cast<std::size_t>(s.evo.cull_fraction * static_cast<double>(order.size()));
        std::vector<std::size_t> out;
        for (std::size_t k = 0; k < order.size(); ++k) {
            const std::size_t i = order[k];
            if (k < cull || w[i] < s.evo.broke_fraction * s.evo.initial_wealth) {
                out.push_back(i);
            }
        }
        std::vector<double> weights(s.ids.size());
        for (std::size_t i = 0; i < s.ids.size(); ++i) {
            const bool replaced = std::find(out.begin(), out.end(), i) != out.end();
            weights[i] = replaced ? 0.0 : std::max(w[i], 0.0);
        }
        if (std::accumulate(weights.begin(), weights.end(), 0.0) > 0) {
            std::discrete_distribution<std::size_t> pick(weights.begin(), weights.end());
            for (const std::size_t i : out) {
                Genome child = crossover(s.genomes[pick(s.rng)], s.genomes[pick(s.rng)], s.rng);
                mutate(child, s.evo.mutation_rate, s.evo.mutation_sigma, s.alphabet, s.rng);
                s.place(i, child, false);
                ++st.replaced;
            }
        }
    }
    return st;
}

std::vector<Genome> Island::best(std::size_t n) const {
    const Impl& s = *impl_;
    std::vector<std::size_t> order(s.ids.size());
    std::iota(order.begin(), order.end(), 0);
    std::vector<double> w(s.ids.size());
    for (std::size_t i = 0; i < s.ids.size(); ++i) {
        w[i] = s.wealth(i);
    }
    std::stable_sort(
        order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return w[a] > w[b]; });
    std::vector<Genome> out;
    for (std::size_t k = 0; k < n && k < order.size(); ++k) {
        out.push_back(s.genomes[order[k]]);
    }
    return out;
}

void Island::receive(const std::vector<Genome>& migrants) {
    Impl& s = *impl_;
    std::vector<std::size_t> order(s.ids.size());
    std::iota(order.begin(), order.end(), 0);
    std::vector<double> w(s.ids.size());
    for (std::size_t i = 0; i < s.ids.size(); ++i) {
        w[i] = s.wealth(i);
    }
    std::stable_sort(
        order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return w[a] < w[b]; });
    for (std::size_t k = 0; k < migrants.size() && k < order.size(); ++k) {
        s.place(order[k], migrants[k], false);
    }
}

std::vector<std::pair<Genome, double>> Island::population() const {
    std::vector<std::pair<Genome, double>> out;
    for (std::size_t i = 0; i < impl_->ids.size(); ++i) {
        out.emplace_back(impl_->genomes[i], impl_->wealth(i));
    }
    return out;
}

Result<std::vector<IslandResult>> run_islands(
    const std::vector<ScenarioConfig>& islands,
    const EvolutionConfig& evolution,
    const MigrationConfig& migration,
    int rank,
    int size,
    const AllGather& all_gather,
    const std::function<void(int, const GenerationStats&)>& progress) {
    if (auto st = migration.validate(); !st) {
        return tl::unexpected(st.error());
    }
    if (islands.empty() || size < 1 || rank < 0 || rank >= size) {
        return make_error(ErrorCode::kInvalidArgument, "run_islands: no islands, or a bad rank");
    }
    const auto n = static_cast<int>(islands.size());
    std::vector<std::unique_ptr<Island>> mine(islands.size());
    for (int i = 0; i < n; ++i) {
        if (i % size != rank) {
            continue;
        }
        auto island = Island::create(
            islands[static_cast<std::size_t>(i)],
            evolution,
            islands[static_cast<std::size_t>(i)].kernel.seed +
                std::uint64_t{1000003} * static_cast<std::uint64_t>(i));
        if (!island) {
            return tl::unexpected(island.error());
        }
        mine[static_cast<std::size_t>(i)] = std::move(*island);
    }
    std::vector<IslandResult> results(islands.size());
    for (int i = 0; i < n; ++i) {
        results[static_cast<std::size_t>(i)].market =
            islands[static_cast<std::size_t>(i)].kernel.markets[0].name;
    }
    // Every island has the same duration and generation length: lock step.
    const std::int64_t duration = islands[0].kernel.duration_ns;
    const auto generations = static_cast<int>(
        (duration + evolution.generation_minutes * kMinuteNs - 1) /
        (evolution.generation_minutes * kMinuteNs));
    for (int gen = 1; gen <= generations; ++gen) {
        for (int i = 0; i < n; ++i) {
            if (auto& island = mine[static_cast<std::size_t>(i)]) {
                const auto st = island->step();
                results[static_cast<std::size_t>(i)].ecology.push_back(st);
                if (progress) {
                    progress(i, st);
                }
            }
        }
        if (n < 2 || migration.migrants == 0 || gen % migration.migrate_every != 0 ||
            gen == generations) {
            continue;
        }
        // Each island's best, gathered from every rank (island order), then sent on.
        std::vector<double> packed;
        for (int i = 0; i < n; ++i) {
            if (auto& island = mine[static_cast<std::size_t>(i)]) {
                packed.push_back(i);
                for (const auto& g : island->best(static_cast<std::size_t>(migration.migrants))) {
                    const auto v = g.pack();
                    packed.insert(packed.end(), v.begin(), v.end());
                }
            }
        }
        std::vector<std::vector<double>> everyone =
            all_gather ? all_gather(packed) : std::vector<std::vector<double>>{packed};
        std::vector<std::vector<Genome>> best(islands.size());
        const std::size_t per = 1 + static_cast<std::size_t>(migration.migrants) * Genome::kPacked;
        for (const auto& part : everyone) {
            for (std::size_t at = 0; at + per <= part.size(); at += per) {
                const auto island = static_cast<std::size_t>(part[at]);
                for (int k = 0; k < migration.migrants; ++k) {
                    best[island].push_back(Genome::unpack(
                        &part[at + 1 + static_cast<std::size_t>(k) * Genome::kPacked]));
                }
            }
        }
        for (int i = 0; i < n; ++i) {
            auto& island = mine[static_cast<std::size_t>(i)];
            if (!island) {
                continue;
            }
            std::vector<Genome> incoming;
            if (migration.topology == "ring") {
                incoming = best[static_cast<std::size_t>((i + n - 1) % n)];
            } else {
                for (int j = 0; j < n; ++j) {
                    if (j != i) {
                        const auto& b = best[static_cast<std::size_t>(j)];
                        incoming.insert(incoming.end(), b.begin(), b.end());
                    }
                }
            }
            island->receive(incoming);
        }
    }
    for (int i = 0; i < n; ++i) {
        if (auto& island = mine[static_cast<std::size_t>(i)]) {
            results[static_cast<std::size_t>(i)].population = island->population();
        }
    }
    if (!all_gather) {
        return results;
    }
    // Every rank ends with every island's results.
    std::vector<double> packed;
    for (int i = 0; i < n; ++i) {
        if (!mine[static_cast<std::size_t>(i)]) {
            continue;
        }
        const auto& r = results[static_cast<std::size_t>(i)];
        packed.push_back(i);
        packed.push_back(static_cast<double>(r.ecology.size()));
        for (const auto& e : r.ecology) {
            packed.insert(
                packed.end(),
                {static_cast<double>(e.generation),
                 static_cast<double>(e.time_ns),
                 e.wealth_share[0],
                 e.wealth_share[1],
                 e.wealth_share[2],
                 static_cast<double>(e.count[0]),
                 static_cast<double>(e.count[1]),
                 static_cast<double>(e.count[2]),
                 e.entropy,
                 static_cast<double>(e.replaced),
                 e.messages_per_agent,
                 e.mi_token_action,
                 e.mi_token_return,
                 e.maker_spread_ticks,
                 e.maker_pnl});
        }
        packed.push_back(static_cast<double>(r.population.size()));
        for (const auto& [g, w] : r.population) {
            const auto v = g.pack();
            packed.insert(packed.end(), v.begin(), v.end());
            packed.push_back(w);
        }
    }
    for (const auto& part : all_gather(packed)) {
        std::size_t at = 0;
        while (at < part.size()) {
            auto& r = results[static_cast<std::size_t>(part[at++])];
            const auto gens = static_cast<std::size_t>(part[at++]);
            r.ecology.clear();
            for (std::size_t k = 0; k < gens; ++k, at += 15) {
                const double* v = &part[at];
                GenerationStats e;
                e.generation = static_cast<int>(v[0]);
                e.time_ns = static_cast<std::int64_t>(v[1]);
                e.wealth_share = {v[2], v[3], v[4]};
                e.count = {static_cast<int>(v[5]), static_cast<int>(v[6]), static_cast<int>(v[7])};
                e.entropy = v[8];
                e.replaced = static_cast<int>(v[9]);
                e.messages_per_agent = v[10];
                e.mi_token_action = v[11];
                e.mi_token_return = v[12];
                e.maker_spread_ticks = v[13];
                e.maker_pnl = v[14];
                r.ecology.push_back(e);
            }
            const auto pop = static_cast<std::size_t>(part[at++]);
            r.population.clear();
            for (std::size_t k = 0; k < pop; ++k) {
                r.population.emplace_back(Genome::unpack(&part[at]), part[at + Genome::kPacked]);
                at += Genome::kPacked + 1;
            }
        }
    }
    return results;
}

}  // namespace ats::agents
