#include "evolve_command.hpp"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include "ats/altdata/alt_features.hpp"
#include "ats/backtest/outputs.hpp"
#include "ats/data/bar_source.hpp"
#include "ats/evolve/deflated_sharpe.hpp"
#include "ats/evolve/hyper_search.hpp"
#include "ats/evolve/mpi_exchange.hpp"
#include "ats/evolve/search.hpp"
#include "ats/evolve/strategy_search.hpp"
#include "ats/store/run_store.hpp"

#include "backtest_command.hpp"
#include "cli_common.hpp"
#include "evolve_report.hpp"
#include "exit_codes.hpp"
#include "ml_commands.hpp"

namespace ats::cli {
namespace {

namespace fs = std::filesystem;

std::string duration_text(double seconds) {
    if (!std::isfinite(seconds) || seconds < 0) {
        return "?";
    }
    const auto s = static_cast<long long>(seconds);
    return s >= 60 ? fmt::format("{}m{:02}s", s / 60, s % 60) : fmt::format("{}s", s);
}

/// One line per generation (rewritten in place on a terminal).
class ProgressPrinter {
public:
    explicit ProgressPrinter(bool tty) : tty_(tty) {}
    void operator()(const evolve::SearchProgress& p) const {
        const double rate = p.seconds > 0 ? static_cast<double>(p.evaluations) / p.seconds : 0;
        const double per_gen = p.generation > 0 ? p.seconds / static_cast<double>(p.generation) : 0;
        const double eta = per_gen * static_cast<double>(p.generations - p.generation);
        const std::string line = fmt::format(
            "gen {:>3}/{} | best {:>8.4f} mean {:>8.4f} | {} evals, {:.{}f}/s | ETA {}",
            p.generation,
            p.generations,
            p.best,
            p.mean,
            p.evaluations,
            rate,
            rate < 10 ? 2 : 0,
            p.generation == 0 ? std::string("?") : duration_text(eta));
        if (tty_) {
            std::fprintf(stderr, "\r%s", line.c_str());
            if (p.generation == p.generations) {
                std::fputc('\n', stderr);
            }
        } else {
            std::fprintf(stderr, "%s\n", line.c_str());
        }
        std::fflush(stderr);
    }

private:
    bool tty_;
};

nlohmann::json metrics_brief(const backtest::Metrics& m) {
    return {
        {"sharpe", m.sharpe},
        {"total_return_pct", m.total_return_pct},
        {"max_drawdown_pct", m.max_drawdown_pct},
        {"trades", m.trades},
        {"win_rate_pct", m.win_rate_pct},
        {"final_equity", m.final_equity},
        {"benchmark_return_pct", m.benchmark_return_pct}};
}

int finish(
    const EvolveArgs& args,
    const evolve::SearchConfig& search_config,
    evolve::MpiExchange* mpi,
    const std::string& mode,
    const Symbol& symbol,
    const std::string& data_file,
    const evolve::SearchResult& result,
    EvolveReport report,
    nlohmann::json hof,
    const std::vector<double>& winner_returns,
    const std::string& periods,
    const std::string& outputs_line) {
    const auto dsr =
        evolve::deflated_sharpe(winner_returns, result.trial_sharpes, result.evaluations);
    report.dsr = dsr;
    report.trials = result.evaluations;

    nlohmann::json summary;
    summary["mode"] = mode;
    summary["asset"] = std::string(symbol.view());
    summary["data"] = data_file;
    summary["algorithm"] = std::string(evolve::to_string(search_config.algorithm));
    summary["islands"] = search_config.islands;
    summary["population"] = search_config.population;
    summary["generations"] = search_config.generations;
    summary["migration_interval"] = search_config.migration_interval;
    summary["migrants"] = search_config.migrants;
    summary["seed"] = search_config.seed;
    summary["processes"] = mpi != nullptr ? mpi->size() : 1;
    summary["trials"] = result.evaluations;
    summary["seconds"] = result.seconds;
    summary["evaluations_per_second"] =
        result.seconds > 0 ? static_cast<double>(result.evaluations) / result.seconds : 0.0;
    summary["periods"] = periods;
    if (mode == "strategy") {
        summary["windows"] = args.windows;
    } else {
        summary["walk_forward"] = args.walk_forward;
        summary["label"] = args.label;
    }
    summary["deflated_sharpe"] = {
        {"probability", dsr.probability},
        {"sharpe_per_bar", dsr.sharpe},
        {"expected_max_sharpe_per_bar", dsr.expected_max},
        {"trial_sharpe_std", dsr.trial_sharpe_std},
        {"skewness", dsr.skewness},
        {"kurtosis", dsr.kurtosis},
        {"trials", dsr.trials}};
    summary["hall_of_fame"] = hof;
    nlohmann::json history = nlohmann::json::array();
    for (const auto& h : result.history) {
        history.push_back({h.generation, h.island, h.best, h.mean});
    }
    summary["history"] = history;  // [generation, island, best, mean]

    const std::string summary_text = summary.dump(2) + "\n";
    if (auto s =
            backtest::write_text((fs::path(args.output) / "summary.json").string(), summary_text);
        !s) {
        return fail(s.error().message, kExitIo);
    }
    std::string csv = "generation,island,best,mean\n";
    for (const auto& h : result.history) {
        csv += fmt::format("{},{},{},{}\n", h.generation, h.island, h.best, h.mean);
    }
    if (auto s = backtest::write_text((fs::path(args.output) / "evolution.csv").string(), csv);
        !s) {
        return fail(s.error().message, kExitIo);
    }
    const std::string report_path = (fs::path(args.output) / "report.html").string();
    if (auto s = write_evolve_report(report_path, plotly_js_path(), report); !s) {
        std::fprintf(stderr, "ats: report not written: %s\n", s.error().message.c_str());
    }

    const auto& best = report.entries.front();
    fmt::print(
        "\n{} trials in {:.1f} s ({:.2f}/s)\nwinner  {}\n        fitness {:.4f} | Sharpe: "
        "in-sample "
        "{:.3f}, walk-forward windows {:.3f}, holdout {:.3f} | trades {} / {}\n"
        "deflated Sharpe: P(true Sharpe > 0) = {:.3f} after {} trials (SR0 {:.4f}/bar vs "
        "{:.4f}/bar)\n",
        result.evaluations,
        result.seconds,
        result.seconds > 0 ? static_cast<double>(result.evaluations) / result.seconds : 0.0,
        best.rules,
        best.fitness,
        best.in_sample_sharpe,
        best.walk_forward_sharpe,
        best.holdout_sharpe,
        best.search_trades,
        best.holdout_trades,
        dsr.probability,
        result.evaluations,
        dsr.expected_max,
        dsr.sharpe);
    fmt::print("{}\nreport: {}\n", outputs_line, report_path);

    if (!args.no_db) {
        auto store = store::RunStore::open(args.db);
        if (!store) {
            return fail(store.error().message, kExitIo);
        }
        store::EvolutionRecord rec;
        rec.created_ms =
            Timestamp::from_unix_ms(std::chrono::duration_cast<std::chrono::milliseconds>(
                                        std::chrono::system_clock::now().time_since_epoch())
                                        .count())
                .unix_ms();
        rec.mode = mode;
        rec.asset = std::string(symbol.view());
        rec.algorithm = std::string(evolve::to_string(search_config.algorithm));
        rec.config = fmt::format(
            "islands={} population={} generations={} seed={} holdout={} windows={}",
            search_config.islands,
            search_config.population,
            search_config.generations,
            search_config.seed,
            args.holdout,
            args.windows);
        rec.trials = static_cast<std::int64_t>(result.evaluations);
        rec.best_fitness = best.fitness;
        rec.winner = best.rules;
        rec.in_sample_sharpe = best.in_sample_sharpe;
        rec.holdout_sharpe = best.holdout_sharpe;
        rec.deflated_sharpe = dsr.probability;
        rec.summary_json = summary_text;
        rec.dir = args.output;
        auto id = store->record_evolution(rec);
        if (!id) {
            return fail(id.error().message, kExitIo);
        }
        fmt::print("recorded as evolution {} in {}\n", *id, args.db);
    }
    return kExitOk;
}

int run_strategy_mode(
    const EvolveArgs& args,
    const evolve::SearchConfig& search_config,
    evolve::MpiExchange* mpi,
    model::BarSeries series,
    const std::string& data_file,
    const Symbol& symbol) {
    const bool root = mpi == nullptr || mpi->rank() == 0;
    evolve::StrategySearchSpec spec;
    spec.symbol = symbol;
    spec.series = std::move(series);
    spec.data_path = data_file;
    spec.holdout_fraction = args.holdout;
    spec.windows = args.windows;
    spec.min_trades = args.min_trades;
    spec.cash = args.cash;
    spec.fee_bps = args.fee_bps;
    spec.slippage = args.slippage;
    if (args.altdata) {
        auto config = altdata::load_altdata_config(*args.altdata);
        if (!config) {
            return fail(config.error().message, exit_code_for(config.error()));
        }
        auto alt = altdata::AltData::load(*config, Timestamp{});
        if (!alt) {
            return fail(alt.error().message, exit_code_for(alt.error()));
        }
        spec.alt = *alt;
        spec.altdata_path = *args.altdata;
    }
    auto objective = evolve::StrategyObjective::create(std::move(spec));
    if (!objective) {
        return fail(objective.error().message, exit_code_for(objective.error()));
    }
    const auto& obj = **objective;
    if (root) {
        fmt::print(
            "evolve strategy: {} {} bars | search {} .. {} | holdout {} .. {} (never seen by the "
            "search)\n",
            symbol,
            obj.spec().series.size(),
            obj.search_from().to_iso8601(),
            obj.holdout_from().to_iso8601(),
            obj.holdout_from().to_iso8601(),
            obj.data_end().to_iso8601());
        fmt::print(
            "islands {} x population {} x {} generations, {} ({}), seed {}, {} process(es)\n",
            search_config.islands,
            search_config.population,
            search_config.generations,
            evolve::to_string(search_config.algorithm),
            search_config.algorithm == evolve::Algorithm::kSga ? "integer genes native"
                                                               : "integer genes rounded",
            search_config.seed,
            mpi != nullptr ? mpi->size() : 1);
        std::fflush(stdout);
    }
    const bool tty = ::isatty(STDERR_FILENO) == 1;
    ProgressPrinter printer(tty);
    std::function<void(const evolve::SearchProgress&)> progress;
    if (root && !args.no_progress) {
        progress = printer;
    }
    auto result = evolve::run_search(obj, search_config, mpi, progress);
    if (!result) {
        return fail(result.error().message, exit_code_for(result.error()));
    }
    if (!root) {
        return kExitOk;
    }

    // Hall of fame: the best distinct strategies, re-run on the search period and the holdout.
    std::error_code ec;
    fs::create_directories(fs::path(args.output) / "hall_of_fame", ec);
    if (ec) {
        return fail(fmt::format("{}: cannot create: {}", args.output, ec.message()), kExitIo);
    }
    EvolveReport report;
    report.title = fmt::format("ats evolve: {} rule strategies", symbol);
    report.history = result->history;
    report.islands = search_config.islands;
    nlohmann::json hof = nlohmann::json::array();
    std::vector<std::string> seen_rules;
    std::vector<double> winner_returns;
    for (const auto& ind : result->ranked) {
        if (hof.size() >= std::max<std::size_t>(args.hall_of_fame, 1) &&
            report.entries.size() >= 20) {
            break;
        }
        const auto genome = obj.decode(ind.x);
        const std::string key = obj.to_toml(genome, false, "");
        if (std::find(seen_rules.begin(), seen_rules.end(), key) != seen_rules.end()) {
            continue;  // different genes, same strategy
        }
        seen_rules.push_back(key);
        auto eval = obj.evaluate(genome);
        auto holdout = obj.evaluate_holdout(genome);
        if (!eval || !holdout) {
            return fail((!eval ? eval.error() : holdout.error()).message, kExitInternal);
        }
        double wf = 0;
        for (const double s : eval->search.window_sharpe) {
            wf += s / static_cast<double>(eval->search.window_sharpe.size());
        }
        const std::string rules = fmt::format(
            "entry: {} | exit: {} | stop {} ATR | target {} | size {}",
            strategy::to_string(genome.entry),
            strategy::to_string(genome.exit),
            genome.stop_loss_atr,
            genome.take_profit_atr ? fmt::format("{} ATR", *genome.take_profit_atr)
                                   : std::string("none"),
            genome.fraction);
        report.entries.push_back(EvolveEntry{
            rules,
            eval->fitness,
            eval->search.metrics.sharpe,
            wf,
            holdout->metrics.sharpe,
            eval->search.metrics.trades,
            holdout->metrics.trades});
        if (winner_returns.empty()) {
            winner_returns = eval->search.returns;
            report.winner_search_returns = eval->search.returns;
            report.winner_holdout_returns = holdout->returns;
            report.winner_window_sharpe = eval->search.window_sharpe;
        }
        if (hof.size() < std::max<std::size_t>(args.hall_of_fame, 1)) {
            const std::size_t rank = hof.size() + 1;
            const std::string base = fmt::format("hof_{:02}", rank);
            const fs::path dir = fs::path(args.output) / "hall_of_fame";
            const std::string search_toml =
                obj.to_toml(genome, false, (fs::path(args.output) / "backtests" / base).string());
            const std::string holdout_toml = obj.to_toml(
                genome, true, (fs::path(args.output) / "backtests" / (base + "_holdout")).string());
            for (const auto& [file, text] :
                 {std::pair{dir / (base + ".toml"), search_toml},
                  std::pair{dir / (base + "_holdout.toml"), holdout_toml}}) {
                const std::string header = fmt::format(
                    "# ats evolve hall of fame #{} ({} period): fitness {}\n# {}\n# Run: ats "
                    "backtest --config {}\n",
                    rank,
                    file.string().find("_holdout") != std::string::npos ? "holdout" : "search",
                    eval->fitness,
                    rules,
                    file.string());
                if (auto s = backtest::write_text(file.string(), header + text); !s) {
                    return fail(s.error().message, kExitIo);
                }
            }
            hof.push_back(
                {{"rank", rank},
                 {"fitness", eval->fitness},
                 {"entry", strategy::to_string(genome.entry)},
                 {"exit", strategy::to_string(genome.exit)},
                 {"stop_loss_atr", genome.stop_loss_atr},
                 {"take_profit_atr",
                  genome.take_profit_atr ? nlohmann::json(*genome.take_profit_atr) : nullptr},
                 {"fraction", genome.fraction},
                 {"search", metrics_brief(eval->search.metrics)},
                 {"search_final_equity", eval->search.final_equity},
                 {"window_sharpe", eval->search.window_sharpe},
                 {"walk_forward_mean_sharpe", wf},
                 {"holdout", metrics_brief(holdout->metrics)},
                 {"holdout_final_equity", holdout->final_equity},
                 {"config", (dir / (base + ".toml")).string()},
                 {"holdout_config", (dir / (base + "_holdout.toml")).string()}});
        }
    }
    if (report.entries.empty()) {
        return fail("evolve: the search produced no strategy", kExitInternal);
    }
    return finish(
        args,
        search_config,
        mpi,
        "strategy",
        symbol,
        data_file,
        *result,
        std::move(report),
        std::move(hof),
        winner_returns,
        fmt::format(
            "search {} .. {}, holdout {} .. {}",
            obj.search_from().to_iso8601(),
            obj.holdout_from().to_iso8601(),
            obj.holdout_from().to_iso8601(),
            obj.data_end().to_iso8601()),
        fmt::format(
            "hall of fame: {}/hall_of_fame (hof_01.toml runs with `ats backtest --config`)",
            args.output));
}

int run_hyper_mode(
    const EvolveArgs& args,
    const evolve::SearchConfig& search_config,
    evolve::MpiExchange* mpi,
    model::BarSeries series,
    const std::string& data_file,
    const Symbol& symbol) {
    const bool root = mpi == nullptr || mpi->rank() == 0;
    evolve::HyperSearchSpec spec;
    spec.symbol = symbol;
    spec.series = std::move(series);
    if (args.features) {
        auto set = features_from_flag(*args.features);
        if (!set) {
            return fail(set.error().message, kExitUsage);
        }
        spec.features = *set;
    }
    std::string altdata_path;
    auto alt = altdata_for(spec.features, args.altdata, args.features, altdata_path);
    if (!alt) {
        return fail(alt.error().message, exit_code_for(alt.error()));
    }
    spec.alt = ml::AltInput{*alt, altdata::base_asset(symbol.view())};
    auto label = ml::LabelSpec::parse(args.label);
    if (!label) {
        return fail(label.error().message, kExitUsage);
    }
    spec.label = *label;
    auto wf = ml::WalkForwardSpec::parse(args.walk_forward);
    if (!wf) {
        return fail(wf.error().message, kExitUsage);
    }
    spec.walk_forward = *wf;
    spec.holdout_fraction = args.holdout;
    spec.min_trades = args.min_trades;
    spec.cash = args.cash;
    spec.fee_bps = args.fee_bps;
    spec.slippage = args.slippage;
    auto objective = evolve::HyperObjective::create(std::move(spec));
    if (!objective) {
        return fail(objective.error().message, exit_code_for(objective.error()));
    }
    const auto& obj = **objective;
    if (root) {
        fmt::print(
            "evolve hyperparams: {} {} bars, {} labelled rows before the holdout {} .. {} (never "
            "seen by the search), walk-forward {}\n",
            symbol,
            obj.spec().series.size(),
            obj.search_rows(),
            obj.holdout_from().to_iso8601(),
            obj.data_end().to_iso8601(),
            obj.spec().walk_forward.to_string());
        fmt::print(
            "islands {} x population {} x {} generations, {}, seed {}, {} process(es)\n",
            search_config.islands,
            search_config.population,
            search_config.generations,
            evolve::to_string(search_config.algorithm),
            search_config.seed,
            mpi != nullptr ? mpi->size() : 1);
        std::fflush(stdout);
    }
    ProgressPrinter printer(::isatty(STDERR_FILENO) == 1);
    std::function<void(const evolve::SearchProgress&)> progress;
    if (root && !args.no_progress) {
        progress = printer;
    }
    auto result = evolve::run_search(obj, search_config, mpi, progress);
    if (!result) {
        return fail(result.error().message, exit_code_for(result.error()));
    }
    if (!root) {
        return kExitOk;
    }
    std::error_code ec;
    fs::create_directories(args.output, ec);
    if (ec) {
        return fail(fmt::format("{}: cannot create: {}", args.output, ec.message()), kExitIo);
    }
    EvolveReport report;
    report.title = fmt::format("ats evolve: {} ML hyperparameters", symbol);
    report.history = result->history;
    report.islands = search_config.islands;
    nlohmann::json hof = nlohmann::json::array();
    std::vector<double> winner_returns;
    for (const auto& ind : result->ranked) {
        if (hof.size() >= std::max<std::size_t>(args.hall_of_fame, 1)) {
            break;
        }
        const auto genome = obj.decode(ind.x);
        auto eval = obj.evaluate(genome);
        auto holdout = obj.evaluate_holdout(genome);
        if (!eval || !holdout) {
            return fail((!eval ? eval.error() : holdout.error()).message, kExitInternal);
        }
        report.entries.push_back(EvolveEntry{
            genome.describe(),
            eval->fitness,
            eval->metrics.sharpe,
            eval->metrics.sharpe,
            holdout->metrics.sharpe,
            eval->metrics.trades,
            holdout->metrics.trades});
        if (winner_returns.empty()) {
            winner_returns = eval->returns;
            report.winner_search_returns = eval->returns;
            report.winner_holdout_returns = holdout->returns;
        }
        const bool forest = genome.train.choice == ml::ModelChoice::kRandomForest;
        const auto& b = forest ? genome.train.forest : genome.train.boosting;
        hof.push_back(
            {{"rank", hof.size() + 1},
             {"fitness", eval->fitness},
             {"model", forest ? "random_forest" : "xgboost"},
             {"max_depth", b.max_depth},
             {"rounds_or_trees", forest ? b.trees : b.rounds},
             {"learning_rate", b.learning_rate},
             {"subsample", b.subsample},
             {"colsample", b.colsample},
             {"min_child_weight", b.min_child_weight},
             {"reg_lambda", b.reg_lambda},
             {"reg_alpha", b.reg_alpha},
             {"entry", genome.entry},
             {"exit", genome.exit},
             {"walk_forward", metrics_brief(eval->metrics)},
             {"walk_forward_auc", eval->oos.auc},
             {"walk_forward_log_loss", eval->oos.log_loss},
             {"holdout", metrics_brief(holdout->metrics)},
             {"holdout_auc", holdout->oos.auc},
             {"holdout_log_loss", holdout->oos.log_loss}});
    }
    if (report.entries.empty()) {
        return fail("evolve: the search produced no candidate", kExitInternal);
    }
    return finish(
        args,
        search_config,
        mpi,
        "hyperparams",
        symbol,
        data_file,
        *result,
        std::move(report),
        std::move(hof),
        winner_returns,
        fmt::format(
            "walk-forward out of sample before {}, holdout {} .. {}",
            obj.holdout_from().to_iso8601(),
            obj.holdout_from().to_iso8601(),
            obj.data_end().to_iso8601()),
        fmt::format(
            "hall of fame: {}/summary.json (hyperparameters with walk-forward and holdout results; "
            "in-sample = walk-forward out-of-sample here)",
            args.output));
}

}  // namespace

int run_evolve(const EvolveArgs& args) {
    auto mpi = evolve::MpiExchange::start_if_launched();
    auto algorithm = evolve::parse_algorithm(args.algorithm);
    if (!algorithm) {
        return fail(algorithm.error().message, kExitUsage);
    }
    auto symbol = Symbol::parse(args.asset);
    if (!symbol) {
        return fail(symbol.error().message, kExitUsage);
    }
    data::BarRequest request;
    request.data = args.data;
    request.symbol = args.asset;
    auto loaded = data::load_bars(request);
    if (!loaded) {
        return fail(loaded.error().message, exit_code_for(loaded.error()));
    }
    evolve::SearchConfig config;
    config.algorithm = *algorithm;
    config.islands = args.islands;
    config.population = args.population;
    config.generations = args.generations;
    config.migration_interval = args.migration_interval;
    config.migrants = args.migrants;
    config.seed = args.seed;
    config.threads = args.threads;
    int code = kExitOk;
    if (args.mode == "strategy") {
        code = run_strategy_mode(
            args, config, mpi.get(), std::move(loaded->series), args.data, *symbol);
    } else if (args.mode == "hyperparams") {
        code =
            run_hyper_mode(args, config, mpi.get(), std::move(loaded->series), args.data, *symbol);
    } else {
        code = fail(fmt::format("--mode '{}': use strategy or hyperparams", args.mode), kExitUsage);
    }
    if (code != kExitOk && mpi != nullptr) {
        mpi->abort(code);  // the other ranks may be waiting for this one in a collective
    }
    return code;
}

int run_evolutions_list(const std::string& db_path, std::size_t limit) {
    if (!fs::exists(db_path)) {
        return fail(
            fmt::format("{}: no searches recorded yet (run `ats evolve` first)", db_path), kExitIo);
    }
    auto db = store::RunStore::open(db_path);
    if (!db) {
        return fail(db.error().message, kExitIo);
    }
    auto rows = db->list_evolutions(limit);
    if (!rows) {
        return fail(rows.error().message, kExitIo);
    }
    fmt::print(
        "{:>4}  {:<20}  {:<11}  {:<8}  {:<5}  {:>7}  {:>8}  {:>8}  {:>8}  {:>6}  {}\n",
        "id",
        "created (UTC)",
        "mode",
        "asset",
        "algo",
        "trials",
        "fitness",
        "IS SR",
        "holdout",
        "DSR",
        "winner");
    for (const auto& e : *rows) {
        fmt::print(
            "{:>4}  {:<20}  {:<11}  {:<8}  {:<5}  {:>7}  {:>8.4f}  {:>8.3f}  {:>8.3f}  {:>6.3f}  "
            "{}\n",
            e.id,
            Timestamp::from_unix_ms(e.created_ms).to_iso8601().substr(0, 19),
            e.mode,
            e.asset,
            e.algorithm,
            e.trials,
            e.best_fitness,
            e.in_sample_sharpe,
            e.holdout_sharpe,
            e.deflated_sharpe,
            e.winner);
    }
    return kExitOk;
}

}  // namespace ats::cli
