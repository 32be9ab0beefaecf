// `ats jobs`: the background tasks (update-data, retrain, backtest) on the engine's cron
// scheduler, with their history in SQLite (docs/operations.md).
#include "jobs_command.hpp"

#include <atomic>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <toml++/toml.h>

#include "ats/bus/scheduler.hpp"
#include "ats/core/clock.hpp"
#include "ats/core/toml_file.hpp"
#include "ats/runtime/session_setup.hpp"
#include "ats/runtime/session_status.hpp"
#include "ats/store/sqlite_state_store.hpp"

#include "backtest_command.hpp"
#include "cli_common.hpp"
#include "download_command.hpp"
#include "exit_codes.hpp"
#include "ml_commands.hpp"

namespace ats::cli {
namespace {

namespace fs = std::filesystem;

struct UpdateDataJob {
    std::string cron;
    std::string exchange;
    std::vector<std::string> symbols;
    std::string interval = "1h";
    std::string dir = "data/live";
    std::string from = "2024-01-01";
};
struct RetrainJob {
    std::string cron;
    std::string asset = "BTCUSDT";
    std::string data;
    std::optional<std::string> features;
    std::optional<std::string> altdata;
    std::string model = "xgboost";
    std::string label = "forward_return:1";
    std::string walk_forward = "train=8760h,test=720h,embargo=24h";
    std::string models = "models";
    std::string metric = "auc";  ///< auc | accuracy
    int rounds = 200;
};
struct BacktestJob {
    std::string cron;
    std::string config;
    std::string reports = "out/nightly";
    /// The live session running `config` (its --state file): the backtest is replayed over
    /// the bars the session traded and compared with it.
    std::optional<std::string> live_state;
    double max_divergence_pct = 2.0;  ///< |backtest return - live return|, percentage points
};
struct JobsConfig {
    std::string history = "jobs.db";
    std::string db = "ats.db";  ///< run history and model registry
    std::optional<UpdateDataJob> update_data;
    std::optional<RetrainJob> retrain;
    std::optional<BacktestJob> backtest;
};

/// Reads `[jobs]`; every key is checked (unknown ones are errors naming them).
Result<JobsConfig> load_jobs_config(const std::string& path) {
    auto parsed = read_toml_file(path);
    if (!parsed) {
        return tl::unexpected(parsed.error());
    }
    const toml::table& root = *parsed;
    const auto* jobs = root["jobs"].as_table();
    if (jobs == nullptr) {
        return make_error(ErrorCode::kNotFound, fmt::format("{}: no [jobs] table", path));
    }
    JobsConfig out;
    std::string error;
    const auto str =
        [&](const toml::table& t, const char* key, std::string& into, const char* where) {
            if (const auto* n = t.get(key)) {
                const auto v = n->value<std::string>();
                if (!v || v->empty()) {
                    error = fmt::format(
                        "{}: [jobs{}] {}: expected a non-empty string", path, where, key);
                    return;
                }
                into = *v;
            }
        };
    const auto check_keys =
        [&](const toml::table& t, std::initializer_list<std::string_view> keys, const char* where) {
            for (const auto& [k, _] : t) {
                if (std::find(keys.begin(), keys.end(), k.str()) == keys.end()) {
                    error = fmt::format("{}: [jobs{}] unknown key '{}'", path, where, k.str());
                }
            }
        };
    check_keys(*jobs, {"history", "db", "update_data", "retrain", "backtest"}, "");
    str(*jobs, "history", out.history, "");
    str(*jobs, "db", out.db, "");
    if (const auto* t = (*jobs)["update_data"].as_table()) {
        UpdateDataJob j;
        check_keys(*t, {"cron", "exchange", "symbols", "interval", "dir", "from"}, ".update_data");
        str(*t, "cron", j.cron, ".update_data");
        str(*t, "exchange", j.exchange, ".update_data");
        str(*t, "interval", j.interval, ".update_data");
        str(*t, "dir", j.dir, ".update_data");
        str(*t, "from", j.from, ".update_data");
        if (const auto* a = (*t)["symbols"].as_array()) {
            for (const auto& s : *a) {
                if (auto v = s.value<std::string>()) {
                    j.symbols.push_back(*v);
                }
            }
        }
        if (j.symbols.empty() || j.exchange.empty()) {
            error = fmt::format("{}: [jobs.update_data] needs exchange and symbols", path);
        }
        out.update_data = j;
    }
    if (const auto* t = (*jobs)["retrain"].as_table()) {
        RetrainJob j;
        check_keys(
            *t,
            {"cron",
             "asset",
             "data",
             "features",
             "altdata",
             "model",
             "label",
             "walk_forward",
             "models",
             "metric",
             "rounds"},
            ".retrain");
        str(*t, "cron", j.cron, ".retrain");
        str(*t, "asset", j.asset, ".retrain");
        str(*t, "data", j.data, ".retrain");
        std::string f;
        str(*t, "features", f, ".retrain");
        if (!f.empty()) {
            j.features = f;
        }
        std::string a;
        str(*t, "altdata", a, ".retrain");
        if (!a.empty()) {
            j.altdata = a;
        }
        str(*t, "model", j.model, ".retrain");
        str(*t, "label", j.label, ".retrain");
        str(*t, "walk_forward", j.walk_forward, ".retrain");
        str(*t, "models", j.models, ".retrain");
        str(*t, "metric", j.metric, ".retrain");
        if (const auto* n = t->get("rounds")) {
            const auto v = n->value<std::int64_t>();
            if (!v || *v < 1 || *v > 10'000) {
                error = fmt::format("{}: [jobs.retrain] rounds: expected 1..10000", path);
            } else {
                j.rounds = static_cast<int>(*v);
            }
        }
        if (j.data.empty() || (j.metric != "auc" && j.metric != "accuracy")) {
            error = fmt::format("{}: [jobs.retrain] needs data, and metric auc or accuracy", path);
        }
        out.retrain = j;
    }
    if (const auto* t = (*jobs)["backtest"].as_table()) {
        BacktestJob j;
        check_keys(
            *t, {"cron", "config", "reports", "live_state", "max_divergence_pct"}, ".backtest");
        str(*t, "cron", j.cron, ".backtest");
        str(*t, "config", j.config, ".backtest");
        str(*t, "reports", j.reports, ".backtest");
        std::string live;
        str(*t, "live_state", live, ".backtest");
        if (!live.empty()) {
            j.live_state = live;
        }
        if (const auto* n = t->get("max_divergence_pct")) {
            const auto v = n->value<double>();
            if (!v || !(*v > 0 && *v <= 1000)) {
                error = fmt::format(
                    "{}: [jobs.backtest] max_divergence_pct: expected a number in (0, 1000]", path);
            } else {
                j.max_divergence_pct = *v;
            }
        }
        if (j.config.empty()) {
            error = fmt::format("{}: [jobs.backtest] needs config", path);
        }
        out.backtest = j;
    }
    for (const auto* cron :
         {out.update_data ? &out.update_data->cron : nullptr,
          out.retrain ? &out.retrain->cron : nullptr,
          out.backtest ? &out.backtest->cron : nullptr}) {
        if (cron != nullptr) {
            if (auto c = bus::CronExpression::parse(*cron); !c) {
                error = fmt::format("{}: [jobs] cron '{}': {}", path, *cron, c.error().message);
            }
        }
    }
    if (!error.empty()) {
        return make_error(ErrorCode::kInvalidArgument, error);
    }
    if (!out.update_data && !out.retrain && !out.backtest) {
        return make_error(
            ErrorCode::kInvalidArgument,
            fmt::format("{}: [jobs] schedules nothing (update_data, retrain, backtest)", path));
    }
    return out;
}

/// Alerts of the jobs, on stderr (and in the job history as failed runs).
class StderrNotifier final : public model::Notifier {
public:
    void notify(const model::AlertLogged& alert) override {
        std::fprintf(stderr, "ALERT %s\n", alert.message.str().c_str());
    }
};

std::string stamp(Timestamp t) {
    auto s = t.to_iso8601();  // 2024-01-08T03:00:00Z
    std::erase(s, ':');
    std::erase(s, '-');
    return s;
}

/// Replays `j.config` over the bars the live session traded and compares the returns: an alert
/// when they differ by more than `max_divergence_pct` points.
Status compare_with_live(
    const BacktestJob& j, const std::string& db, Timestamp now, model::Notifier& alerts) {
    auto live = runtime::read_session_status(*j.live_state);
    if (!live) {
        return make_error(
            live.error().code,
            fmt::format("backtest vs live: {}: {}", *j.live_state, live.error().message));
    }
    if (live->first_bar_open_ms == 0 || !live->initial_cash.is_positive()) {
        std::printf("backtest vs live: %s has traded no bar yet\n", j.live_state->c_str());
        return ok_status();
    }
    const Timestamp from = Timestamp::from_unix_ms(live->first_bar_open_ms);
    const Timestamp to = Timestamp::from_unix_ms(live->last_bar_open_ms + 1);
    BacktestArgs b;
    b.config = j.config;
    b.from = from.to_iso8601();
    b.to = to.to_iso8601();
    b.report = (fs::path(j.reports) / (stamp(now) + "-live-window")).string();
    b.db = db;
    b.no_progress = true;
    if (const int code = run_backtest_command(b); code != kExitOk) {
        return make_error(
            ErrorCode::kInternal, fmt::format("backtest over the live window: exited {}", code));
    }
    double replayed = 0;
    std::int64_t trades = 0;
    try {
        std::ifstream in(fs::path(*b.report) / "metrics.json");
        const auto m = nlohmann::json::parse(in);
        replayed = m.at("total_return_pct").get<double>();
        trades = m.at("trades").get<std::int64_t>();
    } catch (const std::exception& e) {
        return make_error(
            ErrorCode::kParse, fmt::format("backtest over the live window: {}", e.what()));
    }
    const double actual = (live->equity.to_double() / live->initial_cash.to_double() - 1.0) * 100.0;
    const double apart = std::abs(replayed - actual);
    const auto text = fmt::format(
        "backtest vs live over {} to {}: backtest {:+.3f}% ({} trades), live {:+.3f}% ({} fills): "
        "{:.3f} points apart (limit {})",
        from.to_iso8601(),
        to.to_iso8601(),
        replayed,
        trades,
        actual,
        live->fills,
        apart,
        j.max_divergence_pct);
    std::printf("%s\n", text.c_str());
    if (apart > j.max_divergence_pct) {
        alerts.notify(model::AlertLogged{
            now,
            now,
            model::AlertLevel::kCritical,
            // Short (an alert holds 119 characters); the line above has the whole comparison.
            model::Text(fmt::format(
                "live diverges from its backtest by {:.3f} pts (limit {}): live {:+.2f}% vs "
                "backtest {:+.2f}%",
                apart,
                j.max_divergence_pct,
                actual,
                replayed))});
    }
    return ok_status();
}

std::optional<double> metric_of(const fs::path& model_dir, const std::string& metric) {
    std::ifstream in(model_dir / "metadata.json");
    if (!in) {
        return std::nullopt;
    }
    try {
        const auto doc = nlohmann::json::parse(in);
        return doc.at("out_of_sample").at(metric == "auc" ? "roc_auc" : "accuracy").get<double>();
    } catch (const std::exception&) {
        return std::nullopt;
    }
}

/// Writes `text` to `path` atomically (a crash leaves the old or the new file, never half).
Status write_atomic(const fs::path& path, const std::string& text) {
    const auto tmp = path.string() + ".tmp";
    {
        std::ofstream out(tmp, std::ios::trunc);
        out << text;
        out.flush();
        if (!out) {
            return make_error(ErrorCode::kIo, fmt::format("cannot write {}", tmp));
        }
    }
    std::error_code ec;
    fs::rename(tmp, path, ec);
    if (ec) {
        return make_error(
            ErrorCode::kIo, fmt::format("cannot replace {}: {}", path.string(), ec.message()));
    }
    return ok_status();
}

Status retrain(const RetrainJob& j, const std::string& db, Timestamp now, model::Notifier& alerts) {
    const fs::path root(j.models);
    const auto version = root / stamp(now);
    TrainArgs t;
    t.asset = j.asset;
    t.data = j.data;
    t.features = j.features;
    t.altdata = j.altdata;
    t.model = j.model;
    t.label = j.label;
    t.walk_forward = j.walk_forward;
    t.rounds = j.rounds;
    t.to = now.to_iso8601();  // only what was known at the slot (simulated time included)
    t.output = version.string();
    t.db = db;
    t.no_progress = true;
    if (const int code = run_train(t); code != kExitOk) {
        return make_error(ErrorCode::kInternal, fmt::format("retrain: ats train exited {}", code));
    }
    const auto fresh = metric_of(version, j.metric);
    if (!fresh) {
        return make_error(
            ErrorCode::kParse, fmt::format("retrain: no {} in {}", j.metric, version.string()));
    }
    std::string serving;
    if (std::ifstream in(root / "CURRENT"); in) {
        std::getline(in, serving);
    }
    // (A plain double: GCC 12 warns about an optional<double> read through fmt.)
    bool has_old = false;
    double old = 0;
    if (!serving.empty()) {
        if (const auto m = metric_of(root / serving, j.metric)) {
            has_old = true;
            old = *m;
        }
    }
    if (has_old && *fresh < old) {
        const auto text = fmt::format(
            "retrain: the new model {} has walk-forward {} {:.4f}, worse than the serving {} "
            "({:.4f}): {} keeps serving",
            version.filename().string(),
            j.metric,
            *fresh,
            serving,
            old,
            serving);
        alerts.notify(model::AlertLogged{now, now, model::AlertLevel::kWarning, model::Text(text)});
        std::printf("%s\n", text.c_str());
        return ok_status();
    }
    if (auto s = write_atomic(root / "CURRENT", version.filename().string() + "\n"); !s) {
        return s;
    }
    const std::string was = has_old ? fmt::format(", was {:.4f}", old) : "";
    std::printf(
        "retrain: %s serves now (walk-forward %s %.4f%s)\n",
        version.filename().string().c_str(),
        j.metric.c_str(),
        *fresh,
        was.c_str());
    return ok_status();
}

}  // namespace

int run_jobs(const JobsArgs& args) {
    auto config = load_jobs_config(args.config);
    if (!config) {
        return fail(config.error().message, exit_code_for(config.error()));
    }
    if (const auto parent = fs::path(config->history).parent_path(); !parent.empty()) {
        std::error_code ec;
        fs::create_directories(parent, ec);  // a failure shows as the open's error below
    }
    auto history = store::SqliteStateStore::open(config->history);
    if (!history) {
        return fail(history.error().message, exit_code_for(history.error()));
    }
    std::optional<Timestamp> sim_from;
    std::optional<Timestamp> sim_to;
    Duration step = Duration::from_hours(1);
    if (args.simulate_from || args.simulate_to) {
        if (!args.simulate_from || !args.simulate_to) {
            return fail("--simulate-from and --simulate-to go together", kExitUsage);
        }
        auto f = Timestamp::parse_iso8601(*args.simulate_from);
        auto t = Timestamp::parse_iso8601(*args.simulate_to);
        if (!f || !t || !(*f < *t)) {
            return fail("--simulate-from/--simulate-to: UTC dates, from before to", kExitUsage);
        }
        if (args.step_minutes < 1 || args.step_minutes > 7 * 24 * 60) {
            return fail("--step-minutes: 1 to 10080", kExitUsage);
        }
        sim_from = *f;
        sim_to = *t;
        step = Duration::from_minutes(args.step_minutes);
    }
    RealClock real;
    SimulatedClock simulated(sim_from.value_or(Timestamp{}));
    const Clock& clock = sim_from ? static_cast<const Clock&>(simulated) : real;
    StderrNotifier alerts;
    bus::Scheduler scheduler(clock, history->get(), &alerts);
    const auto add = [&](const char* name, const std::string& cron, bus::Scheduler::Job job) {
        return scheduler.add(name, cron, std::move(job), /*catch_up=*/true);
    };
    const JobsConfig& c = *config;
    if (c.update_data) {
        const auto& j = *c.update_data;
        if (auto s = add(
                "update-data",
                j.cron,
                [&clock, j]() -> Status {
                    const auto endpoints = runtime::endpoints_for(j.exchange);
                    if (!endpoints) {
                        return make_error(ErrorCode::kInvalidArgument, "update-data: bad exchange");
                    }
                    const auto interval = parse_duration(j.interval);
                    if (!interval || !(interval->ns() > 0)) {
                        return make_error(ErrorCode::kInvalidArgument, "update-data: bad interval");
                    }
                    std::error_code ec;
                    fs::create_directories(j.dir, ec);
                    for (const auto& symbol : j.symbols) {
                        DataDownloadArgs d;
                        d.asset = symbol;
                        d.interval = j.interval;
                        d.from = j.from;
                        // Bars that have closed by the slot: opened at least one interval ago
                        // (`to` is exclusive).
                        d.to = (clock.now() - *interval + Duration::from_ms(1)).to_iso8601();
                        d.output = (fs::path(j.dir) / fmt::format("{}_{}.csv", symbol, j.interval))
                                       .string();
                        d.base_url = endpoints->rest;
                        d.no_progress = true;
                        if (const int code = run_data_download(d); code != kExitOk) {
                            return make_error(
                                ErrorCode::kUnavailable,
                                fmt::format("update-data: {} download exited {}", symbol, code));
                        }
                    }
                    return ok_status();
                });
            !s) {
            return fail(s.error().message, kExitUsage);
        }
    }
    if (c.retrain) {
        const auto j = *c.retrain;
        const auto db = c.db;
        if (auto s =
                add("retrain",
                    j.cron,
                    [&clock, &alerts, j, db] { return retrain(j, db, clock.now(), alerts); });
            !s) {
            return fail(s.error().message, kExitUsage);
        }
    }
    if (c.backtest) {
        const auto j = *c.backtest;
        const auto db = c.db;
        if (auto s =
                add("backtest",
                    j.cron,
                    [&clock, &alerts, j, db]() -> Status {
                        BacktestArgs b;
                        b.config = j.config;
                        b.to = clock.now().to_iso8601();
                        b.report = (fs::path(j.reports) / stamp(clock.now())).string();
                        b.db = db;
                        b.no_progress = true;
                        if (const int code = run_backtest_command(b); code != kExitOk) {
                            return make_error(
                                ErrorCode::kInternal, fmt::format("backtest: exited {}", code));
                        }
                        if (j.live_state) {
                            return compare_with_live(j, db, clock.now(), alerts);
                        }
                        return ok_status();
                    });
            !s) {
            return fail(s.error().message, kExitUsage);
        }
    }
    const std::atomic<bool>& g_stop = stop_on_signals();
    std::size_t ran = 0;
    if (sim_from) {
        // Simulated time: the clock steps through the range and due jobs run at each step.
        for (Timestamp t = *sim_from; t <= *sim_to && !g_stop; t = t + step) {
            simulated.advance_to(t);
            ran += scheduler.run_due();
        }
    } else {
        do {
            ran += scheduler.run_due();
            if (args.once) {
                break;
            }
            for (int i = 0; i < 20 && !g_stop; ++i) {
                std::this_thread::sleep_for(std::chrono::seconds(1));
            }
        } while (!g_stop);
    }
    std::printf(
        "jobs: %zu run(s), %llu failed; history in %s\n",
        ran,
        static_cast<unsigned long long>(scheduler.failures()),
        c.history.c_str());
    return scheduler.failures() > 0 ? kExitBadData : kExitOk;
}

}  // namespace ats::cli
