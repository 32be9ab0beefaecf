#include "src/market_sim_command.hpp"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "ats/agents/evolution.hpp"
#include "ats/agents/facts.hpp"
#include "ats/agents/scenario.hpp"
#include "ats/backtest/outputs.hpp"
#include "ats/data/kline_csv.hpp"
#include "ats/evolve/mpi_exchange.hpp"

#include "src/cli_common.hpp"
#include "src/exit_codes.hpp"
#include "src/market_calibrate.hpp"

namespace ats::cli {
namespace {

namespace fs = std::filesystem;

nlohmann::json facts_json(const agents::StylizedFacts& f) {
    return {
        {"bars", f.bars},
        {"kurtosis", {f.kurtosis_1m, f.kurtosis_5m, f.kurtosis_15m, f.kurtosis_60m}},
        {"acf_returns", f.acf_returns},
        {"acf_abs", f.acf_abs},
        {"mean_abs_acf_returns", f.mean_abs_acf_returns},
        {"hill_alpha", f.hill_alpha},
        {"volume_volatility_corr", f.volume_volatility_corr},
        {"gain_loss_ratio", f.gain_loss_ratio},
        {"stdev_1m", f.stdev_1m}};
}

Status write_text(const fs::path& path, const std::string& text) {
    std::ofstream f(path);
    f << text;
    if (!f) {
        return make_error(ErrorCode::kIo, fmt::format("{}: write failed", path.string()));
    }
    return ok_status();
}

struct Summary {
    double mi_action = 0;
    double mi_return = 0;
    double spread = 0;
    double maker_pnl = 0;
    double messages = 0;
};

Summary summarize(const std::vector<agents::IslandResult>& runs) {
    Summary s;
    std::size_t n = 0;
    for (const auto& r : runs) {
        for (const auto& e : r.ecology) {
            s.mi_action += e.mi_token_action;
            s.mi_return += e.mi_token_return;
            s.spread += e.maker_spread_ticks;
            s.maker_pnl += e.maker_pnl;
            s.messages += e.messages_per_agent;
            ++n;
        }
    }
    if (n > 0) {
        const auto d = static_cast<double>(n);
        s.mi_action /= d;
        s.mi_return /= d;
        s.spread /= d;
        s.messages /= d;
    }
    return s;
}

int run_evolution(const MarketSimArgs& args, const agents::ScenarioConfig& config) {
    auto mpi = evolve::MpiExchange::start_if_launched();
    const int rank = mpi ? mpi->rank() : 0;
    const int size = mpi ? mpi->size() : 1;
    agents::AllGather gather;
    if (mpi) {
        gather = [&](const std::vector<double>& mine) {
            return mpi->all_gather(mine);
        };
    }
    std::vector<agents::ScenarioConfig> islands;
    if (config.islands.empty()) {
        islands.push_back(config);
    } else {
        for (const auto& m : config.islands) {
            agents::ScenarioConfig c = config;
            c.kernel.markets = {m};
            islands.push_back(c);
        }
    }
    const auto& evo = *config.evolution;
    if (rank == 0) {
        std::printf(
            "market-sim %s: meta-evolution, %zu island(s), %d evolving agents each, %.1f hours, "
            "generations of %d min, %d rank(s)\n",
            args.config.c_str(),
            islands.size(),
            evo.evolving,
            static_cast<double>(config.kernel.duration_ns) / 3600e9,
            evo.generation_minutes,
            size);
    }
    const auto run = [&](const char* label, const std::vector<agents::ScenarioConfig>& cfg)
        -> Result<std::vector<agents::IslandResult>> {
        const auto t0 = std::chrono::steady_clock::now();
        auto r = agents::run_islands(
            cfg,
            evo,
            config.migration,
            rank,
            size,
            gather,
            [&](int island, const agents::GenerationStats& st) {
                if (rank == 0 && island == 0 && st.generation % 6 == 0) {
                    std::fprintf(stderr, "\r%s: generation %d", label, st.generation);
                }
            });
        if (rank == 0) {
            std::fprintf(
                stderr,
                "\r%s: %.2f s%20s\n",
                label,
                std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(),
                "");
        }
        return r;
    };
    auto main_run = run("evolution", islands);
    if (!main_run) {
        return fail(main_run.error().message, exit_code_for(main_run.error()));
    }
    // Controls: the same runs with the channel shuffled (tokens lose their timing) and with no
    // channel at all (for collusion: spreads and makers' profit).
    std::optional<std::vector<agents::IslandResult>> shuffled;
    std::optional<std::vector<agents::IslandResult>> silent;
    if (config.kernel.alphabet > 0) {
        auto cfg = islands;
        for (auto& c : cfg) {
            c.kernel.shuffle_channel = true;
        }
        auto r = run("control, shuffled channel", cfg);
        if (!r) {
            return fail(r.error().message, exit_code_for(r.error()));
        }
        shuffled = std::move(*r);
        cfg = islands;
        for (auto& c : cfg) {
            c.kernel.alphabet = 0;
        }
        r = run("control, no channel", cfg);
        if (!r) {
            return fail(r.error().message, exit_code_for(r.error()));
        }
        silent = std::move(*r);
    }
    if (rank != 0) {
        return kExitOk;
    }
    std::error_code ec;
    fs::create_directories(args.output, ec);
    if (ec) {
        return fail(fmt::format("--output {}: {}", args.output, ec.message()), kExitIo);
    }
    std::string eco =
        "island,generation,time_s,share_maker,share_taker,share_value,count_maker,count_taker,"
        "count_value,entropy_bits,replaced,messages_per_agent,mi_token_action,mi_token_return,"
        "spread_ticks,maker_pnl\n";
    std::string genomes;
    nlohmann::json j;
    for (const auto& r : *main_run) {
        nlohmann::json isl;
        isl["market"] = r.market;
        for (const auto& e : r.ecology) {
            eco += fmt::format(
                "{},{},{:.0f},{:.6f},{:.6f},{:.6f},{},{},{},{:.6f},{},{:.4f},{:.6f},{:.6f},{:.3f},"
                "{:.4f}\n",
                r.market,
                e.generation,
                static_cast<double>(e.time_ns) / 1e9,
                e.wealth_share[0],
                e.wealth_share[1],
                e.wealth_share[2],
                e.count[0],
                e.count[1],
                e.count[2],
                e.entropy,
                e.replaced,
                e.messages_per_agent,
                e.mi_token_action,
                e.mi_token_return,
                e.maker_spread_ticks,
                e.maker_pnl);
            isl["generation"].push_back(e.generation);
            for (int f = 0; f < agents::kFamilies; ++f) {
                isl["share"][agents::family_name(f)].push_back(
                    e.wealth_share[static_cast<std::size_t>(f)]);
                isl["count"][agents::family_name(f)].push_back(
                    e.count[static_cast<std::size_t>(f)]);
            }
            isl["entropy"].push_back(e.entropy);
            isl["messages"].push_back(e.messages_per_agent);
            isl["mi_action"].push_back(e.mi_token_action);
            isl["mi_return"].push_back(e.mi_token_return);
            isl["spread"].push_back(e.maker_spread_ticks);
        }
        auto pop = r.population;
        std::sort(pop.begin(), pop.end(), [](const auto& a, const auto& b) {
            return a.second > b.second;
        });
        genomes += fmt::format("# island {}\n", r.market);
        for (const auto& [g, w] : pop) {
            genomes += agents::genome_toml(g, w) + "island = \"" + r.market + "\"\n\n";
        }
        j["islands"].push_back(isl);
    }
    const Summary main_s = summarize(*main_run);
    std::printf("ecology    final family counts:");
    for (const auto& r : *main_run) {
        if (!r.ecology.empty()) {
            const auto& e = r.ecology.back();
            std::printf(
                " %s maker %d taker %d value %d (entropy %.2f bits)",
                r.market.c_str(),
                e.count[0],
                e.count[1],
                e.count[2],
                e.entropy);
        }
    }
    std::printf("\n");
    j["summary"]["main"] = {
        {"mi_action", main_s.mi_action},
        {"mi_return", main_s.mi_return},
        {"spread", main_s.spread},
        {"maker_pnl", main_s.maker_pnl},
        {"messages", main_s.messages}};
    if (shuffled && silent) {
        const Summary sh = summarize(*shuffled);
        const Summary si = summarize(*silent);
        j["summary"]["shuffled"] = {
            {"mi_action", sh.mi_action},
            {"mi_return", sh.mi_return},
            {"spread", sh.spread},
            {"maker_pnl", sh.maker_pnl},
            {"messages", sh.messages}};
        j["summary"]["silent"] = {{"spread", si.spread}, {"maker_pnl", si.maker_pnl}};
        std::printf(
            "messages   %.2f per agent per generation\n"
            "MI         token -> sender's action %.4f bits (shuffled channel %.4f); token -> next "
            "minute's return %.4f bits (shuffled %.4f)\n"
            "collusion  quoted spread %.2f ticks with the channel, %.2f without; evolving makers' "
            "P&L %.0f with, %.0f without\n",
            main_s.messages,
            main_s.mi_action,
            sh.mi_action,
            main_s.mi_return,
            sh.mi_return,
            main_s.spread,
            si.spread,
            main_s.maker_pnl,
            si.maker_pnl);
    }
    for (const auto& [name, text] :
         {std::pair{"ecology.csv", eco},
          std::pair{"genomes.toml", genomes},
          std::pair{"evolution.json", j.dump(2)}}) {
        if (auto st = write_text(fs::path(args.output) / name, text); !st) {
            return fail(st.error().message, kExitIo);
        }
    }
    auto plotly = backtest::read_plotly(plotly_js_path());
    std::string html =
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>ats market-sim "
        "evolution</title><style>body{font-family:system-ui,sans-serif;margin:20px}.half{width:"
        "49%;height:330px;display:inline-block}table{border-collapse:collapse}td,th{border:1px "
        "solid #ccc;padding:3px 8px}</style><script>" +
        (plotly ? *plotly : std::string()) +
        "</script></head><body><h1>Meta-evolution</h1><div id=\"sum\"></div><div id=\"plots\">"
        "</div><script>const E=" +
        backtest::script_safe(j.dump()) + ";";
    html += R"JS(
const S = E.summary, f = v => v === undefined ? '-' : Number(v).toFixed(4);
let h = '<table><tr><th></th><th>MI token/action (bits)</th><th>MI token/next return</th><th>quoted spread (ticks)</th><th>evolving makers P&amp;L</th></tr>';
h += `<tr><td>with the channel</td><td>${f(S.main.mi_action)}</td><td>${f(S.main.mi_return)}</td><td>${f(S.main.spread)}</td><td>${f(S.main.maker_pnl)}</td></tr>`;
if (S.shuffled) h += `<tr><td>shuffled channel (control)</td><td>${f(S.shuffled.mi_action)}</td><td>${f(S.shuffled.mi_return)}</td><td>${f(S.shuffled.spread)}</td><td>${f(S.shuffled.maker_pnl)}</td></tr>`;
if (S.silent) h += `<tr><td>no channel (control)</td><td>-</td><td>-</td><td>${f(S.silent.spread)}</td><td>${f(S.silent.maker_pnl)}</td></tr>`;
document.getElementById('sum').innerHTML = h + '</table>';
const P = document.getElementById('plots');
E.islands.forEach((isl, i) => {
  for (const k of ['share', 'stats', 'mi']) { const d = document.createElement('div'); d.id = k + i; d.className = 'half'; P.appendChild(d); }
  Plotly.newPlot('share' + i, ['maker', 'taker', 'value'].map(fam => ({x: isl.generation, y: isl.share[fam], name: fam, stackgroup: 'w'})),
    {title: `${isl.market}: wealth share by family`, margin: {t: 40}, yaxis: {range: [0, 1]}});
  Plotly.newPlot('stats' + i, [{x: isl.generation, y: isl.entropy, name: 'strategy entropy (bits)'},
    {x: isl.generation, y: isl.messages, name: 'messages per agent', yaxis: 'y2'}],
    {title: `${isl.market}: diversity and message use`, margin: {t: 40}, yaxis2: {overlaying: 'y', side: 'right'}});
  Plotly.newPlot('mi' + i, [{x: isl.generation, y: isl.mi_action, name: 'MI token / action'},
    {x: isl.generation, y: isl.mi_return, name: 'MI token / next return'}],
    {title: `${isl.market}: mutual information (bits)`, margin: {t: 40}});
});
</script></body></html>
)JS";
    if (auto st = write_text(fs::path(args.output) / "report.html", html); !st) {
        return fail(st.error().message, kExitIo);
    }
    std::printf(
        "outputs    %s/{ecology.csv,genomes.toml,evolution.json,report.html}\n",
        args.output.c_str());
    return kExitOk;
}

}  // namespace

int run_market_sim(const MarketSimArgs& args) {
    auto config = agents::load_scenario(args.config);
    if (!config) {
        return fail(
            config.error().message,
            config.error().code == ErrorCode::kNotFound ? exit_code_for(config.error())
                                                        : kExitUsage);
    }
    if (args.seed) {
        config->kernel.seed = *args.seed;
    }
    if (args.hours) {
        if (!(*args.hours > 0 && *args.hours <= 720)) {
            return fail(
                fmt::format("--hours must be in (0, 720], got {}", *args.hours), kExitUsage);
        }
        config->kernel.duration_ns = static_cast<std::int64_t>(*args.hours * 3600e9);
    }
    if (config->evolution) {
        return run_evolution(args, *config);
    }
    // The real bars first: a bad --real path should not cost a whole simulation.
    auto real = data::load_klines_csv(args.real, {});
    if (!real) {
        return fail(
            fmt::format("--real {}: {}", args.real, real.error().message),
            exit_code_for(real.error()));
    }
    std::vector<double> real_close;
    std::vector<double> real_volume;
    for (const auto& p : real->series.close()) {
        real_close.push_back(p.to_double());
    }
    for (const auto& q : real->series.volume()) {
        real_volume.push_back(q.to_double());
    }
    const auto real_facts_for_calibration = agents::stylized_facts(real_close, real_volume);
    nlohmann::json calibration_json;
    if (args.calibrate_generations > 0) {
        if (args.calibrate_generations > 1000 || args.calibrate_population < 7 ||
            args.calibrate_population > 1000 ||
            !(args.calibrate_hours > 0 && args.calibrate_hours <= 720)) {
            return fail(
                "--calibrate-generations in [1, 1000], --calibrate-population in [7, 1000], "
                "--calibrate-hours in (0, 720]",
                kExitUsage);
        }
        auto cal = calibrate_scenario(
            *config,
            real_facts_for_calibration,
            args.calibrate_generations,
            args.calibrate_population,
            args.calibrate_hours,
            config->kernel.seed);
        if (!cal) {
            return fail(cal.error().message, exit_code_for(cal.error()));
        }
        std::printf(
            "calibrate  %zu runs of %.0f h in %.1f s: distance to the real facts %.3f -> %.3f\n",
            cal->evaluations,
            args.calibrate_hours,
            cal->seconds,
            cal->start_distance,
            cal->distance);
        for (std::size_t i = 0; i < cal->names.size(); ++i) {
            std::printf("           %-28s %.6g\n", cal->names[i].c_str(), cal->x[i]);
            calibration_json["parameters"][cal->names[i]] = cal->x[i];
        }
        calibration_json["distance"] = cal->distance;
        calibration_json["start_distance"] = cal->start_distance;
        calibration_json["evaluations"] = cal->evaluations;
        for (const auto& [g, d] : cal->history) {
            calibration_json["history"].push_back({{"generation", g}, {"distance", d}});
        }
        const auto duration = config->kernel.duration_ns;
        *config = cal->best;
        config->kernel.duration_ns = duration;
    }
    std::size_t agents_n = 0;
    for (const auto& p : config->populations) {
        agents_n += static_cast<std::size_t>(p.count);
    }
    std::printf(
        "market-sim %s: %zu agents, %zu market(s), %.1f hours, seed %llu\n",
        args.config.c_str(),
        agents_n,
        config->kernel.markets.size(),
        static_cast<double>(config->kernel.duration_ns) / 3600e9,
        static_cast<unsigned long long>(config->kernel.seed));
    int last_pct = -1;
    auto result = agents::run_scenario(*config, [&](double done) {
        const int pct = static_cast<int>(done * 100);
        if (pct / 10 != last_pct / 10) {
            std::fprintf(stderr, "\rprogress %3d%%", pct);
            std::fflush(stderr);
            last_pct = pct;
        }
    });
    std::fprintf(stderr, "\n");
    if (!result) {
        return fail(result.error().message, exit_code_for(result.error()));
    }
    std::printf(
        "kernel     %llu events, %llu actions (orders and cancels), %zu trades in %.2f s "
        "(%.2f M actions/s)\n",
        static_cast<unsigned long long>(result->events),
        static_cast<unsigned long long>(result->actions),
        result->trades.size(),
        result->seconds,
        static_cast<double>(result->actions) / result->seconds / 1e6);
    std::error_code ec;
    fs::create_directories(args.output, ec);
    if (ec) {
        return fail(fmt::format("--output {}: {}", args.output, ec.message()), kExitIo);
    }
    const auto& markets = config->kernel.markets;
    nlohmann::json report;
    const auto real_facts = agents::stylized_facts(real_close, real_volume);
    report["real"] = {{"file", args.real}, {"facts", facts_json(real_facts)}};
    bool all_pass = true;
    for (std::size_t m = 0; m < markets.size(); ++m) {
        const auto& bars = result->bars[m];
        const std::string name =
            markets.size() == 1 ? "bars_1m.csv" : "bars_1m_" + markets[m].name + ".csv";
        std::string csv = "open_time_ms,open,high,low,close,volume\n";
        std::vector<double> close;
        std::vector<double> volume;
        for (const auto& b : bars) {
            csv += fmt::format(
                "{},{},{},{},{},{}\n", b.open_time_ms, b.open, b.high, b.low, b.close, b.volume);
            close.push_back(b.close);
            volume.push_back(b.volume);
        }
        if (auto st = write_text(fs::path(args.output) / name, csv); !st) {
            return fail(st.error().message, kExitIo);
        }
        const auto sim_facts = agents::stylized_facts(close, volume);
        const auto card = agents::scorecard(sim_facts, real_facts);
        nlohmann::json checks = nlohmann::json::array();
        std::printf(
            "realism    %s vs %s (%zu vs %zu bars)\n",
            markets[m].name.c_str(),
            args.real.c_str(),
            sim_facts.bars,
            real_facts.bars);
        int passed = 0;
        for (const auto& c : card) {
            std::printf(
                "  %-4s %-38s sim %9.4f  real %9.4f  band %s\n",
                c.passes ? "pass" : "FAIL",
                c.name.c_str(),
                c.simulated,
                c.real,
                c.band.c_str());
            passed += c.passes ? 1 : 0;
            checks.push_back(
                {{"name", c.name},
                 {"band", c.band},
                 {"why", c.why},
                 {"simulated", c.simulated},
                 {"real", c.real},
                 {"passes", c.passes},
                 {"real_passes", c.real_passes}});
        }
        std::printf("           %d of %zu facts pass\n", passed, card.size());
        all_pass = all_pass && passed == static_cast<int>(card.size());
        std::vector<double> t;
        std::vector<double> c;
        for (std::size_t i = 0; i < bars.size();
             i += std::max<std::size_t>(1, bars.size() / 5000)) {
            t.push_back(static_cast<double>(bars[i].open_time_ms));
            c.push_back(bars[i].close);
        }
        report["markets"].push_back(
            {{"name", markets[m].name},
             {"facts", facts_json(sim_facts)},
             {"checks", checks},
             {"t", t},
             {"close", c}});
    }
    // Agents: per agent and per family.
    std::string agents_csv =
        "agent,family,latency_ms,market,position_lots,cash,fees,volume_lots,"
        "orders,cancels,pnl\n";
    std::map<std::string, std::pair<double, int>> family_pnl;
    for (const auto& a : result->agents) {
        for (std::size_t m = 0; m < a.accounts.size(); ++m) {
            const auto& acc = a.accounts[m];
            agents_csv += fmt::format(
                "{},{},{:.3f},{},{},{:.8f},{:.8f},{},{},{},{:.8f}\n",
                a.id,
                a.family,
                a.latency_ms,
                markets[m].name,
                acc.position,
                static_cast<double>(acc.cash) * markets[m].tick * markets[m].lot,
                acc.fees,
                acc.volume,
                acc.orders,
                acc.cancels,
                m == 0 ? a.pnl : 0.0);
        }
        family_pnl[a.family].first += a.pnl;
        family_pnl[a.family].second += 1;
    }
    if (auto st = write_text(fs::path(args.output) / "agents.csv", agents_csv); !st) {
        return fail(st.error().message, kExitIo);
    }
    std::printf("agents    ");
    for (const auto& [f, v] : family_pnl) {
        std::printf(" %s %d (P&L %.0f)", f.c_str(), v.second, v.first);
        report["families"].push_back({{"family", f}, {"count", v.second}, {"pnl", v.first}});
    }
    std::printf("\n");
    if (!args.no_trades) {
        std::ofstream f(fs::path(args.output) / "trades.csv");
        f << "time_ns,market,price,qty,aggressor,buyer,seller\n";
        for (const auto& t : result->trades) {
            const auto& mc = markets[t.market];
            f << t.time_ns << ',' << mc.name << ','
              << fmt::format("{}", static_cast<double>(t.tick) * mc.tick) << ','
              << fmt::format("{}", static_cast<double>(t.lots) * mc.lot) << ','
              << (t.aggressor == Side::kBuy ? "buy" : "sell") << ',' << t.buyer << ',' << t.seller
              << '\n';
        }
        if (!f) {
            return fail("trades.csv: write failed", kExitIo);
        }
    }
    if (!calibration_json.is_null()) {
        report["calibration"] = calibration_json;
    }
    report["kernel"] = {
        {"events", result->events},
        {"actions", result->actions},
        {"trades", result->trades.size()},
        {"seconds", result->seconds}};
    if (auto st = write_text(fs::path(args.output) / "facts.json", report.dump(2)); !st) {
        return fail(st.error().message, kExitIo);
    }
    auto plotly = backtest::read_plotly(plotly_js_path());
    std::string html =
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>ats market-sim"
        "</title><style>body{font-family:system-ui,sans-serif;margin:20px}.chart{width:100%;"
        "height:360px}.half{width:49%;height:320px;display:inline-block}table{border-collapse:"
        "collapse;margin:8px 0}td,th{border:1px solid #ccc;padding:3px 8px}td.n{text-align:right}"
        ".pass{color:#1b7f3b}.fail{color:#c62828;font-weight:bold}</style><script>" +
        (plotly ? *plotly : std::string()) +
        "</script></head><body><h1>ats market-sim</h1><div id=\"cards\"></div>"
        "<div id=\"price\" class=\"chart\"></div><div id=\"acf\" class=\"half\"></div>"
        "<div id=\"acfabs\" class=\"half\"></div><div id=\"kurt\" class=\"half\"></div>"
        "<div id=\"fam\" class=\"half\"></div><script>const R=" +
        backtest::script_safe(report.dump()) + ";";
    html += R"JS(
const esc = s => String(s).replace(/[&<>"]/g, c => ({'&':'&amp;','<':'&lt;','>':'&gt;','"':'&quot;'}[c]));
let h = '';
for (const m of R.markets) {
  h += `<h2>Realism scorecard: ${esc(m.name)} vs real ${esc(R.real.file)}</h2><table><tr><th>fact</th><th>simulated</th><th>real</th><th>band</th><th>result</th><th>why this band</th></tr>`;
  for (const c of m.checks) h += `<tr><td>${esc(c.name)}</td><td class=n>${c.simulated.toFixed(4)}</td><td class=n>${c.real.toFixed(4)}</td><td>${esc(c.band)}</td><td class=${c.passes ? 'pass' : 'fail'}>${c.passes ? 'pass' : 'FAIL'}</td><td>${esc(c.why)}</td></tr>`;
  h += '</table>';
}
document.getElementById('cards').innerHTML = h;
Plotly.newPlot('price', R.markets.map(m => ({x: m.t.map(v => new Date(v)), y: m.close, name: m.name})),
  {title: 'Simulated price (1m closes)', margin: {t: 40}});
const lags = n => Array.from({length: n}, (_, i) => i + 1);
const m0 = R.markets[0];
Plotly.newPlot('acf', [{x: lags(20), y: m0.facts.acf_returns, name: 'simulated', type: 'bar'},
  {x: lags(20), y: R.real.facts.acf_returns, name: 'real BTCUSDT', type: 'bar'}],
  {title: 'Autocorrelation of 1m returns', barmode: 'group', margin: {t: 40}});
Plotly.newPlot('acfabs', [{x: lags(60), y: m0.facts.acf_abs, name: 'simulated'},
  {x: lags(60), y: R.real.facts.acf_abs, name: 'real BTCUSDT'}],
  {title: 'Autocorrelation of |r| (volatility clustering)', margin: {t: 40}});
const hz = ['1m', '5m', '15m', '60m'];
Plotly.newPlot('kurt', [{x: hz, y: m0.facts.kurtosis, name: 'simulated', type: 'bar'},
  {x: hz, y: R.real.facts.kurtosis, name: 'real BTCUSDT', type: 'bar'}],
  {title: 'Excess kurtosis by horizon (aggregational Gaussianity)', barmode: 'group', margin: {t: 40}});
Plotly.newPlot('fam', [{x: R.families.map(f => f.family), y: R.families.map(f => f.pnl), type: 'bar',
  text: R.families.map(f => f.count + ' agents')}], {title: 'P&L by agent family (quote)', margin: {t: 40}});
</script></body></html>
)JS";
    if (auto st = write_text(fs::path(args.output) / "report.html", html); !st) {
        return fail(st.error().message, kExitIo);
    }
    std::printf(
        "outputs    %s/{%s,trades.csv,agents.csv,facts.json,report.html}\n",
        args.output.c_str(),
        markets.size() == 1 ? "bars_1m.csv" : "bars_1m_*.csv");
    (void)all_pass;
    return kExitOk;
}

}  // namespace ats::cli
