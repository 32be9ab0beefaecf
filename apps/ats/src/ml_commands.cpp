#include "ml_commands.hpp"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <toml++/toml.h>

#include "ats/altdata/alt_features.hpp"
#include "ats/backtest/outputs.hpp"
#include "ats/data/bar_source.hpp"
#include "ats/ml/booster.hpp"
#include "ats/ml/features.hpp"
#include "ats/ml/labels.hpp"
#include "ats/ml/metrics.hpp"
#include "ats/ml/model_bundle.hpp"
#include "ats/ml/walk_forward.hpp"
#include "ats/store/run_store.hpp"

#include "ablation_command.hpp"
#include "cli_common.hpp"
#include "exit_codes.hpp"
#include "ml_report.hpp"

namespace ats::cli {
namespace {

int fail(const Error& error) {
    return cli::fail(error.message, exit_code_for(error));
}

nlohmann::json metrics_json(const ml::Metrics& m) {
    return nlohmann::json::parse(ml::to_json(m));
}

std::string metrics_csv(const ml::Metrics& m) {
    return fmt::format(
        "{},{:.6f},{:.6f},{:.6f},{:.6f},{:.6f},{:.6f},{:.6f}",
        m.count,
        m.accuracy,
        m.precision,
        m.recall,
        m.f1,
        m.auc,
        m.log_loss,
        m.brier);
}

using backtest::write_text;

std::string path_in(const std::string& dir, const char* file) {
    return (std::filesystem::path(dir) / file).string();
}

}  // namespace

// `--features` may name a TOML file (features = [...], optionally under [ml]) so feature sets
// can be kept with a strategy's config.
Result<ml::FeatureSet> features_from_flag(const std::string& flag) {
    if (flag.size() < 5 || flag.compare(flag.size() - 5, 5, ".toml") != 0) {
        return ml::FeatureSet::parse(flag);
    }
    toml::table root;
    try {
        root = toml::parse_file(flag);
    } catch (const toml::parse_error& e) {
        return make_error(
            ErrorCode::kInvalidArgument,
            fmt::format("{}:{}: {}", flag, e.source().begin.line, e.description()));
    }
    const toml::node* list = root.get("features");
    if (list == nullptr) {
        if (const auto* ml_table = root["ml"].as_table()) {
            list = ml_table->get("features");
        }
    }
    const auto* array = list != nullptr ? list->as_array() : nullptr;
    if (array == nullptr) {
        return make_error(
            ErrorCode::kInvalidArgument,
            fmt::format("{}: expected features = [\"ret_1\", \"rsi_14\", ...]", flag));
    }
    std::vector<std::string> names;
    for (const auto& item : *array) {
        if (auto v = item.value<std::string>()) {
            names.push_back(*v);
        } else {
            return make_error(
                ErrorCode::kInvalidArgument,
                fmt::format("{}: features: every entry must be a string", flag));
        }
    }
    return ml::FeatureSet::parse(fmt::format("{}", fmt::join(names, ",")));
}

Result<std::shared_ptr<const altdata::AltData>> altdata_for(
    const ml::FeatureSet& set,
    const std::optional<std::string>& flag,
    const std::optional<std::string>& features_flag,
    std::string& path) {
    if (!set.needs_altdata()) {
        return std::shared_ptr<const altdata::AltData>{};
    }
    if (flag) {
        path = *flag;
    } else if (features_flag && features_flag->ends_with(".toml")) {
        path = *features_flag;
    } else {
        return make_error(
            ErrorCode::kInvalidArgument,
            "alternative-data features need --altdata FILE (a TOML file with an [altdata] "
            "table, e.g. configs/altdata.toml)");
    }
    auto config = altdata::load_altdata_config(path);
    if (!config) {
        return tl::unexpected(config.error());
    }
    auto loaded = altdata::AltData::load(*config, Timestamp{});
    if (!loaded) {
        return tl::unexpected(loaded.error());
    }
    std::fprintf(
        stderr,
        "altdata: %zu values from %s (read point in time at each bar's close)\n",
        (*loaded)->store().size(),
        path.c_str());
    return loaded;
}

namespace {

ml::TrainParams train_params(const TrainArgs& args, ml::ModelChoice choice) {
    ml::TrainParams params;
    params.choice = choice;
    params.boosting.rounds = args.rounds;
    params.boosting.max_depth = args.max_depth;
    params.boosting.learning_rate = args.learning_rate;
    params.boosting.seed = static_cast<std::uint64_t>(args.seed);
    params.boosting.threads = args.threads;
    params.forest.trees = args.trees;
    params.forest.max_depth = std::max(args.max_depth, 6);
    params.forest.seed = static_cast<std::uint64_t>(args.seed);
    params.forest.threads = args.threads;
    return params;
}

}  // namespace

int run_train(const TrainArgs& args) {
    const auto started = std::chrono::steady_clock::now();
    auto choice = ml::parse_model_choice(args.model);
    if (!choice) {
        return fail(choice.error());
    }
    auto label = ml::LabelSpec::parse(args.label);
    if (!label) {
        return fail(label.error());
    }
    auto wf = ml::WalkForwardSpec::parse(args.walk_forward);
    if (!wf) {
        return fail(wf.error());
    }
    auto features = args.features ? features_from_flag(*args.features)
                                  : Result<ml::FeatureSet>(ml::FeatureSet::defaults());
    if (!features) {
        return fail(features.error());
    }
    if (args.rounds < 1 || args.trees < 1 || args.max_depth < 1 || args.max_depth > 16 ||
        !(args.learning_rate > 0.0) || args.threads < 1) {
        return fail(
            "--rounds, --trees, --threads must be >= 1, --max-depth in [1, 16], --learning-rate > "
            "0",
            kExitUsage);
    }
    if (args.ablation) {
        if (args.to) {
            return fail(
                "--ablation: --to is not supported (the walk-forward is the test)", kExitUsage);
        }
        if (args.permutations < 1 || args.permutations > 1'000'000 || !(args.fee_bps >= 0) ||
            !(args.fee_bps <= 1000)) {
            return fail(
                "--permutations must be in [1, 1000000] and --fee-bps in [0, 1000]", kExitUsage);
        }
        AblationArgs a;
        a.asset = args.asset;
        a.data = args.data;
        a.features = args.features;
        a.altdata = args.altdata;
        a.label = *label;
        a.walk_forward = *wf;
        a.permutations = args.permutations;
        a.fee_bps = args.fee_bps;
        a.seed = args.seed;
        a.output = args.output;
        a.no_progress = args.no_progress;
        a.params = train_params(args, *choice);
        return run_ablation_command(a);
    }
    auto loaded = data::load_bars(data::bar_request(args.data, args.asset));
    if (!loaded) {
        return fail(loaded.error());
    }
    model::BarSeries series = std::move(loaded->series);
    if (args.to) {
        auto to = Timestamp::parse_iso8601(*args.to);
        if (!to) {
            return fail(fmt::format("--to: {}", to.error().message), kExitUsage);
        }
        model::BarSeries head(series.interval(), series.symbol());
        for (std::size_t i = 0; i < series.size() && series.open_time()[i] < *to; ++i) {
            head.push_back(series.bar(i));
        }
        series = std::move(head);
    }

    const ml::TrainParams params = train_params(args, *choice);

    std::string altdata_path;
    auto alt = altdata_for(*features, args.altdata, args.features, altdata_path);
    if (!alt) {
        return fail(alt.error());
    }
    auto computed = ml::compute_features(
        *features, series, series.size(), ml::AltInput{*alt, altdata::base_asset(args.asset)});
    if (!computed) {
        return fail(computed.error());
    }
    const auto& matrix = *computed;
    const auto labels = ml::make_labels(*label, series);
    const auto dataset = ml::make_dataset(matrix, labels, series);
    std::fprintf(
        stderr,
        "train: %s %s on %zu bars, %zu labelled rows x %zu features, label %s, %s\n",
        args.asset.c_str(),
        std::string(ml::to_string(*choice)).c_str(),
        series.size(),
        dataset.size(),
        dataset.cols,
        label->to_string().c_str(),
        wf->to_string().c_str());

    const auto progress = [&](std::size_t done, std::size_t total) {
        if (args.no_progress) {
            return;
        }
        const double elapsed =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
        const double eta = elapsed / static_cast<double>(done) * static_cast<double>(total - done);
        std::fprintf(
            stderr,
            "\rtrain: fold %zu/%zu  elapsed %.1fs  ETA %.1fs   ",
            done,
            total,
            elapsed,
            eta);
        if (done == total) {
            std::fprintf(stderr, "\n");
        }
    };
    auto result = ml::walk_forward(dataset, series, *wf, params, progress);
    if (!result) {
        return fail(result.error());
    }

    const auto rows = ml::final_training_rows(dataset, wf->train, wf->anchored);
    auto model = ml::train_model(dataset, rows, params);
    if (!model) {
        return fail(model.error());
    }
    ml::ModelMetadata meta;
    meta.asset = args.asset;
    meta.model = std::string(ml::to_string(*choice));
    meta.features = *features;
    meta.label = *label;
    meta.train_from = dataset.time[rows.front()];
    meta.train_to = dataset.time[rows.back()];
    meta.train_rows = rows.size();
    meta.data_hash = ml::data_hash(series);
    meta.walk_forward = wf->to_string();
    meta.oos = result->overall;
    meta.altdata = altdata_path;
    if (auto s = ml::save_model_dir(args.output, *model, meta); !s) {
        return fail(s.error());
    }

    // Per-fold metrics (JSON and CSV), out-of-sample predictions, gain importance.
    nlohmann::json folds = nlohmann::json::array();
    std::string csv =
        "fold,train_from,test_from,test_to,train_rows,purged_rows,who,count,accuracy,precision,"
        "recall,f1,roc_auc,log_loss,brier\n";
    for (const auto& f : result->folds) {
        folds.push_back(
            {{"fold", f.fold},
             {"train_from", f.train_from.to_iso8601()},
             {"test_from", f.test_from.to_iso8601()},
             {"test_to", f.test_to.to_iso8601()},
             {"train_rows", f.train_rows},
             {"purged_rows", f.purged_rows},
             {"weights", f.weights},
             {"model", metrics_json(f.model)},
             {"majority", metrics_json(f.majority)},
             {"previous_direction", metrics_json(f.previous)}});
        for (const auto& [who, m] :
             {std::pair<const char*, const ml::Metrics*>{"model", &f.model},
              {"majority", &f.majority},
              {"previous_direction", &f.previous}}) {
            csv += fmt::format(
                "{},{},{},{},{},{},{},{}\n",
                f.fold,
                f.train_from.to_iso8601(),
                f.test_from.to_iso8601(),
                f.test_to.to_iso8601(),
                f.train_rows,
                f.purged_rows,
                who,
                metrics_csv(*m));
        }
    }
    const nlohmann::json summary = {
        {"walk_forward", wf->to_string()},
        {"model", meta.model},
        {"label", label->to_string()},
        {"overall",
         {{"model", metrics_json(result->overall)},
          {"majority", metrics_json(result->overall_majority)},
          {"previous_direction", metrics_json(result->overall_previous)}}},
        {"folds", folds}};
    std::string oos = "open_time,probability,label\n";
    for (std::size_t i = 0; i < result->oos_rows.size(); ++i) {
        const auto r = result->oos_rows[i];
        oos += fmt::format(
            "{},{:.9g},{}\n",
            dataset.time[r].unix_ns() / 1'000'000,
            result->oos_probability[i],
            static_cast<int>(dataset.y[r]));
    }
    std::string importance = "feature,member,total_gain\n";
    std::vector<MemberImportance> member_importance;
    for (std::size_t m = 0; m < model->members.size(); ++m) {
        auto gain = model->members[m].gain_importance(dataset.cols);
        if (!gain) {
            return fail(gain.error());
        }
        member_importance.push_back(MemberImportance{model->member_names[m], *gain});
        for (std::size_t c = 0; c < dataset.cols; ++c) {
            importance +=
                fmt::format("{},{},{:.6g}\n", dataset.names[c], model->member_names[m], (*gain)[c]);
        }
    }
    for (const auto& [file, text] :
         {std::pair<const char*, std::string>{"walk_forward.json", summary.dump(2) + "\n"},
          {"folds.csv", csv},
          {"oos_predictions.csv", oos},
          {"importance.csv", importance}}) {
        if (auto s = write_text(path_in(args.output, file), text); !s) {
            return fail(s.error());
        }
    }

    const std::string plotly = plotly_js_path();
    const std::string report = path_in(args.output, "report.html");
    const auto html = write_ml_report(
        report,
        plotly,
        fmt::format(
            "ats train {} {} ({}, {})",
            args.asset,
            meta.model,
            label->to_string(),
            wf->to_string()),
        *result,
        dataset,
        series,
        member_importance,
        10.0);
    if (!html) {
        std::fprintf(stderr, "ats: report.html not written: %s\n", html.error().message.c_str());
    }

    if (!args.no_db) {
        auto db = store::RunStore::open(args.db);
        std::error_code ec;
        store::ModelRecord rec;
        rec.created_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();
        rec.asset = meta.asset;
        rec.model = meta.model;
        rec.label = meta.label.to_string();
        rec.features = meta.features.spec();
        rec.train_from_ms = meta.train_from.unix_ms();
        rec.train_to_ms = meta.train_to.unix_ms();
        rec.data_hash = meta.data_hash;
        rec.walk_forward = meta.walk_forward;
        rec.walk_forward_json = summary.dump();
        rec.dir = std::filesystem::absolute(args.output, ec).string();
        rec.oos_accuracy = result->overall.accuracy;
        rec.oos_auc = result->overall.auc;
        rec.oos_rows = static_cast<std::int64_t>(result->overall.count);
        auto id = db ? db->record_model(rec) : tl::unexpected(db.error());
        if (!id) {
            std::fprintf(
                stderr,
                "ats: model not registered in %s: %s\n",
                args.db.c_str(),
                id.error().message.c_str());
        }
    }

    const double elapsed =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    const auto line = [](const char* who, const ml::Metrics& m) {
        fmt::print(
            "  {:<20} accuracy {:.4f}  auc {:.4f}  f1 {:.4f}  log_loss {:.4f}  brier {:.4f}\n",
            who,
            m.accuracy,
            m.auc,
            m.f1,
            m.log_loss,
            m.brier);
    };
    fmt::print(
        "train {} {}: {} folds, {} out-of-sample rows\n",
        args.asset,
        meta.model,
        result->folds.size(),
        result->overall.count);
    line("model", result->overall);
    line("majority class", result->overall_majority);
    line("previous direction", result->overall_previous);
    fmt::print(
        "final model on {} rows ({} .. {}) -> {} ({:.1f}s)\n",
        rows.size(),
        meta.train_from.to_iso8601(),
        meta.train_to.to_iso8601(),
        args.output,
        elapsed);
    return kExitOk;
}

int run_predict(const PredictArgs& args) {
    auto predictor = ml::Predictor::load(args.model);
    if (!predictor) {
        return fail(predictor.error());
    }
    auto loaded = data::load_bars(data::bar_request(args.data));
    if (!loaded) {
        return fail(loaded.error());
    }
    const auto& series = loaded->series;
    std::string altdata_path;
    auto alt = altdata_for(
        predictor->features(),
        args.altdata
            ? args.altdata
            : (predictor->altdata().empty() ? std::nullopt : std::optional(predictor->altdata())),
        std::nullopt,
        altdata_path);
    if (!alt) {
        return fail(alt.error());
    }
    const std::string symbol = series.symbol() ? series.symbol()->to_string() : predictor->asset();
    auto computed = ml::compute_features(
        predictor->features(),
        series,
        series.size(),
        ml::AltInput{*alt, altdata::base_asset(symbol)});
    if (!computed) {
        return fail(computed.error());
    }
    const auto& matrix = *computed;
    std::string preds = "open_time,probability\n";
    std::string dump = "open_time";
    for (const auto& name : matrix.names) {
        dump += "," + name;
    }
    dump += "\n";
    std::size_t written = 0;
    for (std::size_t t = 0; t < matrix.rows; ++t) {
        if (!matrix.row_complete(t)) {
            continue;
        }
        const auto ms = series.open_time()[t].unix_ns() / 1'000'000;
        preds += fmt::format("{},{:.9g}\n", ms, predictor->predict(matrix.row(t)));
        if (args.dump_features) {
            dump += fmt::format("{}", ms);
            for (const double v : matrix.row(t)) {
                dump += fmt::format(",{:.17g}", v);
            }
            dump += "\n";
        }
        ++written;
    }
    if (auto s = write_text(args.output, preds); !s) {
        return fail(s.error());
    }
    if (args.dump_features) {
        if (auto s = write_text(*args.dump_features, dump); !s) {
            return fail(s.error());
        }
    }
    fmt::print("predict: {} rows -> {}\n", written, args.output);
    return kExitOk;
}

int run_models_list(const std::string& db_path, std::size_t limit) {
    if (!std::filesystem::exists(db_path)) {
        std::fprintf(
            stderr, "ats: %s: no models registered yet (run `ats train` first)\n", db_path.c_str());
        return kExitIo;
    }
    auto db = store::RunStore::open(db_path);
    if (!db) {
        std::fprintf(stderr, "ats: %s\n", db.error().message.c_str());
        return kExitIo;
    }
    auto models = db->list_models(limit);
    if (!models) {
        std::fprintf(stderr, "ats: %s\n", models.error().message.c_str());
        return kExitIo;
    }
    fmt::print(
        "{:>4}  {:<20}  {:<8}  {:<13}  {:<18}  {:<21}  {:>8}  {:>6}  {:>7}  {}\n",
        "id",
        "created (UTC)",
        "asset",
        "model",
        "label",
        "trained until",
        "oos acc",
        "auc",
        "rows",
        "directory");
    for (const auto& m : *models) {
        fmt::print(
            "{:>4}  {:<20}  {:<8}  {:<13}  {:<18}  {:<21}  {:>8.4f}  {:>6.4f}  {:>7}  {}\n",
            m.id,
            Timestamp::from_unix_ms(m.created_ms).to_iso8601().substr(0, 19),
            m.asset,
            m.model,
            m.label,
            Timestamp::from_unix_ms(m.train_to_ms).to_iso8601().substr(0, 19),
            m.oos_accuracy,
            m.oos_auc,
            m.oos_rows,
            m.dir);
    }
    return kExitOk;
}

}  // namespace ats::cli
