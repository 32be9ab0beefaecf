#include "ml_report.hpp"

#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "ats/backtest/outputs.hpp"

namespace ats::cli {
Status write_ml_report(
    const std::string& path,
    const std::string& plotly_js,
    const std::string& title,
    const ml::WalkForwardResult& result,
    const ml::Dataset& dataset,
    const model::BarSeries& series,
    const std::vector<MemberImportance>& importance,
    double fee_bps) {
    auto plotly = backtest::read_plotly(plotly_js);
    if (!plotly) {
        return tl::unexpected(plotly.error());
    }

    nlohmann::json d;
    nlohmann::json folds = nlohmann::json::array();
    for (const auto& f : result.folds) {
        folds.push_back(
            {{"test_from", f.test_from.unix_ms()},
             {"auc", f.model.auc},
             {"accuracy", f.model.accuracy},
             {"majority_accuracy", f.majority.accuracy},
             {"previous_accuracy", f.previous.accuracy},
             {"count", f.model.count}});
    }
    d["folds"] = folds;
    d["features"] = dataset.names;
    nlohmann::json imp = nlohmann::json::array();
    for (const auto& m : importance) {
        imp.push_back({{"member", m.member}, {"gain", m.gain}});
    }
    d["importance"] = imp;
    d["probabilities"] = result.oos_probability;
    // Calibration: ten equal-width bins of predicted probability.
    std::vector<double> sum_p(10, 0.0);
    std::vector<double> sum_y(10, 0.0);
    std::vector<double> count(10, 0.0);
    for (std::size_t i = 0; i < result.oos_rows.size(); ++i) {
        const double p = result.oos_probability[i];
        const auto bin = static_cast<std::size_t>(std::min(9.0, std::floor(p * 10)));
        sum_p[bin] += p;
        sum_y[bin] += static_cast<double>(dataset.y[result.oos_rows[i]]);
        count[bin] += 1;
    }
    nlohmann::json cal_p = nlohmann::json::array();
    nlohmann::json cal_y = nlohmann::json::array();
    nlohmann::json cal_n = nlohmann::json::array();
    for (std::size_t b = 0; b < 10; ++b) {
        if (count[b] > 0) {
            cal_p.push_back(sum_p[b] / count[b]);
            cal_y.push_back(sum_y[b] / count[b]);
            cal_n.push_back(count[b]);
        }
    }
    d["calibration"] = {{"p", cal_p}, {"y", cal_y}, {"n", cal_n}};
    // Out-of-sample equity: long for the next bar when p > 0.5.
    const auto close = series.close();
    const auto times = series.open_time();
    nlohmann::json eq_t = nlohmann::json::array();
    nlohmann::json gross = nlohmann::json::array();
    nlohmann::json net = nlohmann::json::array();
    nlohmann::json hold = nlohmann::json::array();
    double g = 1.0;
    double n = 1.0;
    double h = 1.0;
    double position = 0.0;
    const double fee = fee_bps / 10'000.0;
    for (std::size_t i = 0; i < result.oos_rows.size(); ++i) {
        const std::size_t b = dataset.bar[result.oos_rows[i]];
        if (b + 1 >= series.size()) {
            break;
        }
        const double r = close[b + 1].to_double() / close[b].to_double() - 1.0;
        const double next = result.oos_probability[i] > 0.5 ? 1.0 : 0.0;
        n *= 1.0 - fee * std::fabs(next - position);
        position = next;
        g *= 1.0 + position * r;
        n *= 1.0 + position * r;
        h *= 1.0 + r;
        eq_t.push_back(times[b + 1].unix_ms());
        gross.push_back(g);
        net.push_back(n);
        hold.push_back(h);
    }
    d["equity"] = {
        {"t", eq_t}, {"gross", gross}, {"net", net}, {"hold", hold}, {"fee_bps", fee_bps}};
    d["overall"] = {
        {"accuracy", result.overall.accuracy},
        {"auc", result.overall.auc},
        {"majority_accuracy", result.overall_majority.accuracy},
        {"previous_accuracy", result.overall_previous.accuracy},
        {"rows", result.overall.count}};

    std::string html =
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>" + title +
        "</"
        "title><style>body{font-family:system-ui,sans-serif;margin:20px}.chart{width:100%;height:"
        "420px}"
        "</style><script>" +
        *plotly + "</script></head><body><h1>" + title +
        "</h1><p id=\"summary\"></p><div id=\"folds\" class=\"chart\"></div><div id=\"importance\" "
        "class=\"chart\"></div><div id=\"hist\" class=\"chart\"></div><div id=\"calibration\" "
        "class=\"chart\"></div><div id=\"equity\" class=\"chart\"></div><script>const D=" +
        backtest::script_safe(d.dump()) + ";";
    html += R"JS(
const ts = a => a.map(v => new Date(v));
const o = D.overall;
document.getElementById('summary').textContent =
  `Out of sample only: ${o.rows} rows, accuracy ${o.accuracy.toFixed(4)} (majority class ${o.majority_accuracy.toFixed(4)}, previous direction ${o.previous_accuracy.toFixed(4)}), AUC ${o.auc.toFixed(4)}.`;
const ft = ts(D.folds.map(f => f.test_from));
Plotly.newPlot('folds', [
  {x: ft, y: D.folds.map(f => f.accuracy), name: 'model accuracy', mode: 'lines+markers'},
  {x: ft, y: D.folds.map(f => f.auc), name: 'model AUC', mode: 'lines+markers'},
  {x: ft, y: D.folds.map(f => f.majority_accuracy), name: 'majority class accuracy', line: {dash: 'dot'}},
  {x: ft, y: D.folds.map(f => f.previous_accuracy), name: 'previous direction accuracy', line: {dash: 'dot'}}],
  {title: 'Metrics per walk-forward fold (test window start)', yaxis: {range: [0.3, 0.7]}, margin: {t: 40}});
Plotly.newPlot('importance', D.importance.map(m => ({type: 'bar', name: m.member, x: D.features, y: m.gain})),
  {title: 'Feature importance (total gain)', barmode: 'group', margin: {t: 40}});
Plotly.newPlot('hist', [{type: 'histogram', x: D.probabilities, nbinsx: 50}],
  {title: 'Confidence: out-of-sample probabilities', margin: {t: 40}});
Plotly.newPlot('calibration', [
  {x: D.calibration.p, y: D.calibration.y, mode: 'lines+markers', name: 'observed', text: D.calibration.n.map(n => n + ' rows')},
  {x: [0, 1], y: [0, 1], mode: 'lines', name: 'perfect', line: {dash: 'dot'}}],
  {title: 'Calibration', xaxis: {title: 'predicted probability'}, yaxis: {title: 'observed frequency'}, margin: {t: 40}});
Plotly.newPlot('equity', [
  {x: ts(D.equity.t), y: D.equity.gross, name: 'long when p > 0.5, no fees'},
  {x: ts(D.equity.t), y: D.equity.net, name: `long when p > 0.5, ${D.equity.fee_bps} bps per change`},
  {x: ts(D.equity.t), y: D.equity.hold, name: 'buy and hold', line: {dash: 'dot'}}],
  {title: 'Out-of-sample equity (growth of 1)', yaxis: {type: 'log'}, margin: {t: 40}});
document.body.dataset.rendered = 'yes';
</script></body></html>
)JS";
    return backtest::write_text(path, html);
}

}  // namespace ats::cli
