// `ats train --ablation`: the purged walk-forward with and without the alternative-data features,
// on the same rows, with a paired permutation test of the difference (docs/altdata.md).
#include "ablation_command.hpp"

#include <chrono>
#include <cstdio>
#include <filesystem>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "ats/altdata/alt_features.hpp"
#include "ats/backtest/outputs.hpp"
#include "ats/data/bar_source.hpp"
#include "ats/evolve/ablation.hpp"

#include "cli_common.hpp"
#include "exit_codes.hpp"
#include "ml_commands.hpp"

namespace ats::cli {
namespace {

/// The alternative-data features `--ablation` adds when `--features` names none: those the
/// bundled on-chain files have for both BTC and ETH, and Fear & Greed.
constexpr const char* kDefaultAltFeatures =
    "fear_greed,onchain_active_addresses_z:30,onchain_tx_count_z:30";

nlohmann::json arm_json(const evolve::AblationArm& a) {
    nlohmann::json folds = nlohmann::json::array();
    for (std::size_t i = 0; i < a.folds.size(); ++i) {
        const auto& f = a.folds[i];
        folds.push_back(
            {{"fold", f.fold},
             {"test_from", f.test_from.to_iso8601()},
             {"test_to", f.test_to.to_iso8601()},
             {"rows", f.model.count},
             {"accuracy", f.model.accuracy},
             {"auc", f.model.auc},
             {"sharpe", i < a.fold_sharpe.size() ? a.fold_sharpe[i] : 0.0}});
    }
    return {
        {"features", a.features},
        {"accuracy", a.overall.accuracy},
        {"auc", a.overall.auc},
        {"log_loss", a.overall.log_loss},
        {"sharpe", a.sharpe},
        {"total_return_pct", a.trading.total_return_pct},
        {"max_drawdown_pct", a.trading.max_drawdown_pct},
        {"trades", a.trading.trades},
        {"folds", folds}};
}

nlohmann::json test_json(const evolve::PairedTest& t) {
    return {{"difference", t.difference}, {"p_value", t.p_value}};
}

std::string report_html(
    const std::string& plotly, const std::string& title, const nlohmann::json& d) {
    std::string html =
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>" + title +
        "</title><style>body{font-family:system-ui,sans-serif;margin:20px}.chart{width:100%;"
        "height:400px}td,th{padding:2px 10px;text-align:right}</style><script>" +
        plotly + "</script></head><body><h1>" + title +
        "</h1><table id=\"summary\"></table><div id=\"auc\" class=\"chart\"></div><div "
        "id=\"acc\" class=\"chart\"></div><div id=\"sharpe\" class=\"chart\"></div><div "
        "id=\"equity\" class=\"chart\"></div><script>const D=" +
        backtest::script_safe(d.dump()) + ";";
    html += R"JS(
const arms = [['without', D.base], ['with alternative data', D.extended]];
const row = (k, f) => `<tr><th>${k}</th>${arms.map(([, a]) => `<td>${f(a)}</td>`).join('')}<td>${D.tests[k] ? D.tests[k].difference.toFixed(4) + ' (p = ' + D.tests[k].p_value.toFixed(3) + ')' : ''}</td></tr>`;
document.getElementById('summary').innerHTML =
  `<tr><th></th>${arms.map(([n]) => `<th>${n}</th>`).join('')}<th>difference (permutation p)</th></tr>` +
  row('accuracy', a => a.accuracy.toFixed(4)) + row('auc', a => a.auc.toFixed(4)) +
  row('sharpe', a => a.sharpe.toFixed(3)) + row('trades', a => a.trades) +
  `<tr><th>rows</th><td colspan="3">${D.rows} labelled, ${D.oos_rows} out of sample</td></tr>`;
const ft = D.base.folds.map(f => new Date(f.test_from));
for (const [div, key, name] of [['auc', 'auc', 'AUC'], ['acc', 'accuracy', 'Accuracy'], ['sharpe', 'sharpe', 'Traded Sharpe after costs']]) {
  Plotly.newPlot(div, arms.map(([n, a]) => ({type: 'bar', name: n, x: ft, y: a.folds.map(f => f[key])})),
    {title: `${name} per walk-forward fold (test window start)`, barmode: 'group', margin: {t: 40},
     yaxis: key === 'sharpe' ? {} : {range: [0.4, 0.65]}});
}
const growth = r => { let e = 1; return r.map(x => (e *= 1 + x)); };
Plotly.newPlot('equity', arms.map(([n, a]) => ({x: D.times.map(t => new Date(t)), y: growth(a.returns), name: n})),
  {title: 'Trading the out-of-sample probabilities, after costs (growth of 1)', yaxis: {type: 'log'}, margin: {t: 40}});
document.body.dataset.rendered = 'yes';
</script></body></html>
)JS";
    return html;
}

}  // namespace

int run_ablation_command(const AblationArgs& args) {
    const auto started = std::chrono::steady_clock::now();
    // The extended set: --features as given (with its alternative-data features), or the
    // default price features plus the default alternative-data ones.
    ml::FeatureSet extended;
    if (args.features) {
        auto set = features_from_flag(*args.features);
        if (!set) {
            return fail(set.error().message, kExitUsage);
        }
        extended = *set;
    } else {
        extended =
            *ml::FeatureSet::parse(ml::FeatureSet::defaults().spec() + "," + kDefaultAltFeatures);
    }
    std::vector<std::string> base_names;
    for (const auto& n : extended.names()) {
        if (!altdata::is_alt_feature_name(n)) {
            base_names.push_back(n);
        }
    }
    if (base_names.size() == extended.size() || base_names.empty()) {
        return fail(
            "--ablation: the feature set needs price features and at least one alternative-data "
            "feature (fear_greed, onchain_*:N, news_*:W)",
            kExitUsage);
    }
    auto base = ml::FeatureSet::parse(fmt::format("{}", fmt::join(base_names, ",")));
    if (!base) {
        return fail(base.error().message, kExitUsage);
    }
    std::string altdata_path;
    auto alt = altdata_for(extended, args.altdata, args.features, altdata_path);
    if (!alt) {
        return fail(alt.error().message, exit_code_for(alt.error()));
    }
    auto loaded = data::load_bars(data::bar_request(args.data, args.asset));
    if (!loaded) {
        return fail(loaded.error().message, exit_code_for(loaded.error()));
    }
    evolve::AblationSpec spec;
    auto symbol = Symbol::parse(args.asset);
    if (!symbol) {
        return fail(fmt::format("--asset: {}", symbol.error().message), kExitUsage);
    }
    spec.symbol = *symbol;
    spec.series = std::move(loaded->series);
    spec.base = *base;
    spec.extended = extended;
    spec.alt = ml::AltInput{*alt, altdata::base_asset(args.asset)};
    spec.label = args.label;
    spec.walk_forward = args.walk_forward;
    spec.params = args.params;
    spec.permutations = args.permutations;
    spec.fee_bps = args.fee_bps;
    spec.seed = static_cast<std::uint64_t>(args.seed);
    std::fprintf(
        stderr,
        "ablation: %s, %zu price features with and without %zu alternative-data features, %s\n",
        args.asset.c_str(),
        base->size(),
        extended.size() - base->size(),
        args.walk_forward.to_string().c_str());
    auto result = evolve::run_ablation(spec, [&](const std::string& stage) {
        if (!args.no_progress) {
            const double s =
                std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
            std::fprintf(stderr, "ablation: %s (%.1fs)\n", stage.c_str(), s);
        }
    });
    if (!result) {
        return fail(result.error().message, exit_code_for(result.error()));
    }
    const auto& r = *result;
    nlohmann::json d = {
        {"asset", args.asset},
        {"walk_forward", args.walk_forward.to_string()},
        {"label", args.label.to_string()},
        {"altdata", altdata_path},
        {"rows", r.rows},
        {"oos_rows", r.oos_rows},
        {"permutations", args.permutations},
        {"fee_bps", args.fee_bps},
        {"base", arm_json(r.base)},
        {"extended", arm_json(r.extended)},
        {"tests",
         {{"accuracy", test_json(r.accuracy)},
          {"auc", test_json(r.auc)},
          {"sharpe", test_json(r.sharpe)}}}};
    std::error_code ec;
    std::filesystem::create_directories(args.output, ec);
    const auto out = [&](const char* f) {
        return (std::filesystem::path(args.output) / f).string();
    };
    std::string csv = "arm,fold,test_from,test_to,rows,accuracy,auc,sharpe\n";
    for (const auto* arm : {&r.base, &r.extended}) {
        for (std::size_t i = 0; i < arm->folds.size(); ++i) {
            const auto& f = arm->folds[i];
            csv += fmt::format(
                "{},{},{},{},{},{:.6f},{:.6f},{:.6f}\n",
                arm == &r.base ? "without" : "with",
                f.fold,
                f.test_from.to_iso8601(),
                f.test_to.to_iso8601(),
                f.model.count,
                f.model.accuracy,
                f.model.auc,
                arm->fold_sharpe[i]);
        }
    }
    if (auto s = backtest::write_text(out("ablation.json"), d.dump(2) + "\n"); !s) {
        return fail(s.error().message, kExitIo);
    }
    if (auto s = backtest::write_text(out("ablation_folds.csv"), csv); !s) {
        return fail(s.error().message, kExitIo);
    }
    // The chart data: per-bar returns and times of the traded windows.
    d["base"]["returns"] = r.base.returns;
    d["extended"]["returns"] = r.extended.returns;
    nlohmann::json times = nlohmann::json::array();
    for (const Timestamp t : r.base.times) {
        times.push_back(t.unix_ms());
    }
    d["times"] = times;
    auto plotly = backtest::read_plotly(plotly_js_path());
    if (!plotly) {
        return fail(plotly.error().message, exit_code_for(plotly.error()));
    }
    const std::string title = fmt::format("ats train --ablation {}", args.asset);
    if (auto s = backtest::write_text(out("ablation.html"), report_html(*plotly, title, d)); !s) {
        return fail(s.error().message, kExitIo);
    }
    const auto line = [](const char* what, const evolve::AblationArm& a) {
        std::printf(
            "  %-34s accuracy %.4f  auc %.4f  traded Sharpe %7.3f  trades %llu\n",
            what,
            a.overall.accuracy,
            a.overall.auc,
            a.sharpe,
            static_cast<unsigned long long>(a.trading.trades));
    };
    std::printf(
        "ablation %s: %zu rows with every feature, %zu out of sample in %zu folds\n",
        args.asset.c_str(),
        r.rows,
        r.oos_rows,
        r.base.folds.size());
    line("without alternative data", r.base);
    line("with alternative data", r.extended);
    std::printf(
        "  difference (with - without), paired day-block permutation test, %zu draws:\n"
        "    accuracy %+.4f (p = %.3f)   auc %+.4f (p = %.3f)   Sharpe %+.3f (p = %.3f)\n",
        args.permutations,
        r.accuracy.difference,
        r.accuracy.p_value,
        r.auc.difference,
        r.auc.p_value,
        r.sharpe.difference,
        r.sharpe.p_value);
    std::printf(
        "outputs  %s/{ablation.json,ablation_folds.csv,ablation.html}\n", args.output.c_str());
    return kExitOk;
}

}  // namespace ats::cli
