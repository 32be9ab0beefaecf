#include "evolve_report.hpp"

#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "ats/backtest/outputs.hpp"

namespace ats::cli {
namespace {

nlohmann::json growth(const std::vector<double>& returns) {
    nlohmann::json out = nlohmann::json::array();
    double g = 1.0;
    for (const double r : returns) {
        g *= 1.0 + r;
        out.push_back(g);
    }
    return out;
}

}  // namespace

Status write_evolve_report(
    const std::string& path, const std::string& plotly_js, const EvolveReport& report) {
    auto plotly = backtest::read_plotly(plotly_js);
    if (!plotly) {
        return tl::unexpected(plotly.error());
    }

    nlohmann::json d;
    nlohmann::json islands = nlohmann::json::array();
    for (std::size_t i = 0; i < report.islands; ++i) {
        nlohmann::json gen = nlohmann::json::array();
        nlohmann::json best = nlohmann::json::array();
        nlohmann::json mean = nlohmann::json::array();
        for (const auto& h : report.history) {
            if (h.island == i) {
                gen.push_back(h.generation);
                best.push_back(h.best);
                mean.push_back(h.mean);
            }
        }
        islands.push_back({{"gen", gen}, {"best", best}, {"mean", mean}});
    }
    d["islands"] = islands;
    nlohmann::json entries = nlohmann::json::array();
    for (const auto& e : report.entries) {
        entries.push_back(
            {{"rules", e.rules},
             {"fitness", e.fitness},
             {"is", e.in_sample_sharpe},
             {"wf", e.walk_forward_sharpe},
             {"ho", e.holdout_sharpe},
             {"trades", e.search_trades},
             {"ho_trades", e.holdout_trades}});
    }
    d["entries"] = entries;
    d["search_growth"] = growth(report.winner_search_returns);
    d["holdout_growth"] = growth(report.winner_holdout_returns);
    d["windows"] = report.winner_window_sharpe;
    d["dsr"] = {
        {"p", report.dsr.probability},
        {"sr", report.dsr.sharpe},
        {"sr0", report.dsr.expected_max},
        {"trials", report.trials}};

    std::string html =
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>" + report.title +
        "</title><style>body{font-family:system-ui,sans-serif;margin:20px}.chart{width:100%;"
        "height:420px}table{border-collapse:collapse;font-size:13px}td,th{border:1px solid "
        "#ccc;padding:4px 8px;text-align:right}td.r{text-align:left}</style><script>" +
        *plotly + "</script></head><body><h1>" + report.title +
        "</h1><p id=\"summary\"></p><div id=\"fitness\" class=\"chart\"></div><div "
        "id=\"scatter\" class=\"chart\"></div><div id=\"winner\" class=\"chart\"></div><div "
        "id=\"equity\" class=\"chart\"></div><h2>Top strategies</h2><table "
        "id=\"top\"></table><script>const D=" +
        backtest::script_safe(d.dump()) + ";";
    html += R"JS(
const w = D.entries[0];
document.getElementById('summary').textContent =
  `${D.dsr.trials} strategies tried. Winner: ${w.rules}. Sharpe in-sample ${w.is.toFixed(3)}, ` +
  `walk-forward windows ${w.wf.toFixed(3)}, holdout (never seen by the search) ${w.ho.toFixed(3)}. ` +
  `Deflated Sharpe ratio: P(true Sharpe > 0) = ${D.dsr.p.toFixed(3)} ` +
  `(per-bar Sharpe ${D.dsr.sr.toFixed(4)} vs ${D.dsr.sr0.toFixed(4)} expected from the best of ${D.dsr.trials} unskilled trials).`;
const traces = [];
D.islands.forEach((isl, i) => {
  traces.push({x: isl.gen, y: isl.best, name: `island ${i} best`, mode: 'lines'});
  traces.push({x: isl.gen, y: isl.mean, name: `island ${i} mean`, mode: 'lines', line: {dash: 'dot'}});
});
Plotly.newPlot('fitness', traces, {title: 'Fitness per generation and island', xaxis: {title: 'generation'}, margin: {t: 40}});
Plotly.newPlot('scatter', [
  {x: D.entries.map(e => e.is), y: D.entries.map(e => e.ho), text: D.entries.map(e => e.rules), mode: 'markers', name: 'top strategies', marker: {size: 9}},
  {x: [-3, 3], y: [-3, 3], mode: 'lines', name: 'holdout = in-sample', line: {dash: 'dot'}}],
  {title: 'In-sample vs holdout Sharpe of the top strategies', xaxis: {title: 'in-sample Sharpe'}, yaxis: {title: 'holdout Sharpe'}, margin: {t: 40}});
Plotly.newPlot('winner', [
  {type: 'bar', x: D.windows.map((_, i) => `window ${i + 1}`).concat(['in-sample', 'walk-forward mean', 'holdout']),
   y: D.windows.concat([w.is, w.wf, w.ho])}],
  {title: 'Winner: Sharpe per search window, in-sample, walk-forward mean and holdout', margin: {t: 40}});
Plotly.newPlot('equity', [
  {y: D.search_growth, name: 'search period'},
  {x: D.holdout_growth.map((_, i) => D.search_growth.length + i), y: D.holdout_growth, name: 'holdout (restarted at 1)'}],
  {title: 'Winner equity (growth of 1, bars)', margin: {t: 40}});
const rows = ['<tr><th>#</th><th>fitness</th><th>Sharpe in-sample</th><th>walk-forward</th><th>holdout</th><th>trades</th><th>holdout trades</th><th>strategy</th></tr>'];
D.entries.forEach((e, i) => rows.push(`<tr><td>${i + 1}</td><td>${e.fitness.toFixed(4)}</td><td>${e.is.toFixed(3)}</td><td>${e.wf.toFixed(3)}</td><td>${e.ho.toFixed(3)}</td><td>${e.trades}</td><td>${e.ho_trades}</td><td class="r">${e.rules.replace(/</g, '&lt;')}</td></tr>`));
document.getElementById('top').innerHTML = rows.join('');
document.body.dataset.rendered = 'yes';
</script></body></html>
)JS";
    return backtest::write_text(path, html);
}

}  // namespace ats::cli
