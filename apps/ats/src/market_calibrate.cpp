#include "src/market_calibrate.hpp"

#include <chrono>
#include <cmath>

#include <fmt/format.h>

#include "ats/evolve/search.hpp"

namespace ats::cli {
namespace {

struct Knob {
    const char* name;
    double lo;
    double hi;
};

// The parameters searched: the processes and the populations' key rates.
constexpr Knob kKnobs[] = {
    {"activity.sigma", 0.0, 1.5},
    {"activity.halflife_s", 600, 14'400},
    {"fundamental.vol_per_day", 0.01, 0.06},
    {"fundamental.jumps_per_day", 0, 12},
    {"fundamental.jump_sigma", 0, 0.01},
    {"value.rate_per_min", 5, 40},
    {"noise.p_market", 0.1, 0.6},
    {"momentum.threshold_bps", 5, 60},
};

agents::ScenarioConfig with_params(const agents::ScenarioConfig& base, std::span<const double> x) {
    agents::ScenarioConfig c = base;
    c.kernel.activity.sigma = x[0];
    c.kernel.activity.halflife_s = x[1];
    c.kernel.fundamental.vol_per_day = x[2];
    c.kernel.fundamental.jumps_per_day = x[3];
    c.kernel.fundamental.jump_sigma = x[4];
    for (auto& p : c.populations) {
        if (p.kind == "value") {
            p.value.rate_per_min = x[5];
        } else if (p.kind == "noise") {
            p.noise.p_market = x[6];
        } else if (p.kind == "momentum") {
            p.momentum.threshold_bps = x[7];
        }
    }
    return c;
}

agents::StylizedFacts simulate(const agents::ScenarioConfig& c) {
    auto r = agents::run_scenario(c);
    if (!r) {
        return {};
    }
    std::vector<double> close;
    std::vector<double> volume;
    for (const auto& b : r->bars[0]) {
        close.push_back(b.close);
        volume.push_back(b.volume);
    }
    return agents::stylized_facts(close, volume);
}

class FactsObjective final : public evolve::Objective {
public:
    FactsObjective(agents::ScenarioConfig base, agents::StylizedFacts real)
        : base_(std::move(base)), real_(std::move(real)) {}
    std::vector<double> lower() const override {
        std::vector<double> v;
        for (const auto& k : kKnobs) {
            v.push_back(k.lo);
        }
        return v;
    }
    std::vector<double> upper() const override {
        std::vector<double> v;
        for (const auto& k : kKnobs) {
            v.push_back(k.hi);
        }
        return v;
    }
    std::size_t integer_genes() const override { return 0; }
    Score score(std::span<const double> x) const override {
        return Score{-fact_distance(simulate(with_params(base_, x)), real_), 0};
    }

private:
    agents::ScenarioConfig base_;
    agents::StylizedFacts real_;
};

}  // namespace

double fact_distance(const agents::StylizedFacts& s, const agents::StylizedFacts& r) {
    if (s.bars < 100 || s.acf_abs.size() < 60 || r.acf_abs.size() < 60) {
        return 1e6;  // a run that produced no usable bars
    }
    const auto ratio = [](const agents::StylizedFacts& f) {
        return f.kurtosis_1m > 0 ? f.kurtosis_60m / f.kurtosis_1m : 1.0;
    };
    const auto lk = [](double k) {
        return std::log1p(std::max(k, 0.0));
    };
    const double terms[] = {
        (lk(s.kurtosis_1m) - lk(r.kurtosis_1m)) / 1.0,
        (ratio(s) - ratio(r)) / 0.3,
        (s.mean_abs_acf_returns - r.mean_abs_acf_returns) / 0.02,
        (s.acf_returns[0] - r.acf_returns[0]) / 0.05,
        (s.acf_abs[0] - r.acf_abs[0]) / 0.1,
        (s.acf_abs[59] - r.acf_abs[59]) / 0.1,
        (s.hill_alpha - r.hill_alpha) / 1.0,
        (s.volume_volatility_corr - r.volume_volatility_corr) / 0.2,
        (s.gain_loss_ratio - r.gain_loss_ratio) / 0.2,
    };
    double d = 0;
    for (const double t : terms) {
        d += t * t;
    }
    return d;
}

Result<CalibrationOutcome> calibrate_scenario(
    const agents::ScenarioConfig& base,
    const agents::StylizedFacts& real,
    int generations,
    int population,
    double hours,
    std::uint64_t seed) {
    agents::ScenarioConfig b = base;
    b.kernel.duration_ns = static_cast<std::int64_t>(hours * 3600e9);
    FactsObjective objective(b, real);
    evolve::SearchConfig sc;
    sc.algorithm = evolve::Algorithm::kSade;
    sc.islands = 1;
    sc.population = static_cast<std::size_t>(population);
    sc.generations = static_cast<std::size_t>(generations);
    sc.seed = seed;
    const auto t0 = std::chrono::steady_clock::now();
    CalibrationOutcome out;
    auto r = evolve::run_search(objective, sc, nullptr, [&](const evolve::SearchProgress& p) {
        out.history.emplace_back(p.generation, -p.best);
        std::fprintf(
            stderr,
            "\rcalibration: generation %zu/%zu, distance %.3f",
            p.generation,
            p.generations,
            -p.best);
    });
    std::fprintf(stderr, "\n");
    if (!r) {
        return tl::unexpected(r.error());
    }
    out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    out.evaluations = r->evaluations;
    out.x = r->ranked.front().x;
    out.distance = -r->ranked.front().fitness;
    out.start_distance = fact_distance(simulate(b), real);
    out.best = with_params(base, out.x);
    for (const auto& k : kKnobs) {
        out.names.emplace_back(k.name);
    }
    return out;
}

}  // namespace ats::cli
