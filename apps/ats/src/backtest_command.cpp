#include "backtest_command.hpp"

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>

#include <nlohmann/json.hpp>
#include <toml++/toml.h>
#include <unistd.h>

#include "ats/backtest/backtest.hpp"
#include "ats/backtest/outputs.hpp"
#include "ats/data/bar_source.hpp"

#include "cli_common.hpp"
#include "exit_codes.hpp"
#include "run_store.hpp"
#include "trading_setup.hpp"

namespace ats::cli {
namespace {

namespace fs = std::filesystem;

/// Everything a backtest needs, after defaults, the config file and flags are merged.
struct Settings {
    std::vector<std::string> assets{"BTCUSDT"};
    std::string data = "data";
    std::string strategy = "sma_cross";
    strategy::Params params;
    std::optional<std::string> entry_rule;  ///< `rules` strategy
    std::optional<std::string> exit_rule;
    std::optional<std::string> from;
    std::optional<std::string> to;
    double cash = 10'000;
    double maker_fee_bps = 10;
    double taker_fee_bps = 10;
    std::string slippage = "none";
    std::string sizing = "all_in";
    std::string fill = "next_open";
    std::size_t warmup_bars = 0;
    bool allow_short = false;
    std::string report = "out/backtest";
    std::optional<std::string> journal;
    risk::RiskLimits risk;
    std::string db = "ats.db";
};

// Reads a number that TOML may write as an integer or a float.
std::optional<double> number_of(const toml::node& node) {
    if (auto v = node.value<double>()) {
        return *v;
    }
    if (auto v = node.value<std::int64_t>()) {
        return static_cast<double>(*v);
    }
    return std::nullopt;
}

Status load_config(const std::string& path, Settings& s) {
    toml::table root;
    try {
        root = toml::parse_file(path);
    } catch (const toml::parse_error& e) {
        return make_error(
            ErrorCode::kInvalidArgument,
            fmt::format(
                "{}:{}:{}: {}",
                path,
                e.source().begin.line,
                e.source().begin.column,
                e.description()));
    }
    std::string error;
    auto bad = [&](std::string_view key, std::string_view what) {
        if (error.empty()) {
            error = fmt::format("{}: {}: {}", path, key, what);
        }
    };
    auto num = [&](const toml::table& t,
                   std::string_view table,
                   std::string_view key,
                   auto&& set,
                   double min) {
        if (const toml::node* n = t.get(key)) {
            auto v = number_of(*n);
            if (!v || *v < min) {
                bad(fmt::format("[{}] {}", table, key),
                    fmt::format("expected a number >= {}", min));
            } else {
                set(*v);
            }
        }
    };
    auto str = [&](const toml::table& t, std::string_view table, std::string_view key, auto&& set) {
        if (const toml::node* n = t.get(key)) {
            if (auto v = n->value<std::string>()) {
                set(*v);
            } else {
                bad(fmt::format("[{}] {}", table, key), "expected a string");
            }
        }
    };
    static const std::map<std::string, std::vector<std::string>> kKeys = {
        {"backtest",
         {"assets",
          "data",
          "from",
          "to",
          "cash",
          "fee_bps",
          "maker_fee_bps",
          "taker_fee_bps",
          "slippage",
          "sizing",
          "fill",
          "warmup_bars",
          "allow_short",
          "report",
          "journal",
          "db"}},
        {"strategy", {"name", "params", "rules"}},
        {"risk",
         {"max_position_qty",
          "max_position_notional",
          "max_gross_exposure",
          "max_open_orders",
          "max_daily_loss_pct",
          "max_drawdown_pct",
          "stop_loss_atr",
          "take_profit_atr",
          "trailing_stop_atr",
          "trailing_stop_pct",
          "atr_period",
          "cooldown_after_stop"}},
    };
    for (const auto& [key, node] : root) {
        const std::string k(key.str());
        const auto it = kKeys.find(k);
        if (it == kKeys.end() || !node.is_table()) {
            bad(k, "unknown section (valid: [backtest], [strategy], [risk])");
            continue;
        }
        for (const auto& [sub, value] : *node.as_table()) {
            const std::string sk(sub.str());
            if (std::find(it->second.begin(), it->second.end(), sk) == it->second.end()) {
                bad(fmt::format("[{}] {}", k, sk),
                    fmt::format("unknown key (valid: {})", fmt::join(it->second, ", ")));
            }
        }
    }
    if (const auto* b = root["backtest"].as_table()) {
        if (const auto* assets = b->get("assets")) {
            if (const auto* arr = assets->as_array()) {
                s.assets.clear();
                for (const auto& a : *arr) {
                    if (auto v = a.value<std::string>()) {
                        s.assets.push_back(*v);
                    } else {
                        bad("[backtest] assets", "expected a list of symbols");
                    }
                }
            } else if (auto v = assets->value<std::string>()) {
                s.assets = {*v};
            } else {
                bad("[backtest] assets", "expected a symbol or a list of symbols");
            }
        }
        str(*b, "backtest", "data", [&](const std::string& v) { s.data = v; });
        str(*b, "backtest", "from", [&](const std::string& v) { s.from = v; });
        str(*b, "backtest", "to", [&](const std::string& v) { s.to = v; });
        num(
            *b, "backtest", "cash", [&](double v) { s.cash = v; }, 0.00000001);
        num(
            *b, "backtest", "fee_bps", [&](double v) { s.maker_fee_bps = s.taker_fee_bps = v; }, 0);
        num(
            *b, "backtest", "maker_fee_bps", [&](double v) { s.maker_fee_bps = v; }, 0);
        num(
            *b, "backtest", "taker_fee_bps", [&](double v) { s.taker_fee_bps = v; }, 0);
        str(*b, "backtest", "slippage", [&](const std::string& v) { s.slippage = v; });
        str(*b, "backtest", "sizing", [&](const std::string& v) { s.sizing = v; });
        str(*b, "backtest", "fill", [&](const std::string& v) { s.fill = v; });
        num(
            *b,
            "backtest",
            "warmup_bars",
            [&](double v) { s.warmup_bars = static_cast<std::size_t>(v); },
            0);
        if (const auto* n = b->get("allow_short")) {
            if (auto v = n->value<bool>()) {
                s.allow_short = *v;
            } else {
                bad("[backtest] allow_short", "expected true or false");
            }
        }
        str(*b, "backtest", "report", [&](const std::string& v) { s.report = v; });
        str(*b, "backtest", "journal", [&](const std::string& v) { s.journal = v; });
        str(*b, "backtest", "db", [&](const std::string& v) { s.db = v; });
    }
    if (const auto* st = root["strategy"].as_table()) {
        str(*st, "strategy", "name", [&](const std::string& v) { s.strategy = v; });
        if (const auto* p = st->get("params")) {
            if (const auto* t = p->as_table()) {
                for (const auto& [key, value] : *t) {
                    if (auto v = number_of(value)) {
                        s.params[std::string(key.str())] = *v;
                    } else if (auto flag = value.value<bool>()) {
                        s.params[std::string(key.str())] = *flag ? 1 : 0;
                    } else {
                        bad(fmt::format("[strategy.params] {}", key.str()), "expected a number");
                    }
                }
            } else {
                bad("[strategy] params", "expected a table");
            }
        }
        if (const auto* rules = st->get("rules")) {
            if (const auto* t = rules->as_table()) {
                for (const auto& [key, value] : *t) {
                    const std::string k(key.str());
                    auto v = value.value<std::string>();
                    if ((k != "entry" && k != "exit") || !v) {
                        bad(fmt::format("[strategy.rules] {}", k),
                            "expected entry = \"...\" or exit = \"...\" (rule text)");
                        continue;
                    }
                    (k == "entry" ? s.entry_rule : s.exit_rule) = *v;
                }
            } else {
                bad("[strategy] rules", "expected a table with entry and exit");
            }
        }
    }
    if (const auto* r = root["risk"].as_table()) {
        auto qty = [&](std::string_view key, std::optional<Qty>& out) {
            num(
                *r,
                "risk",
                key,
                [&](double v) { out = Qty::from_double(v, Round::kDown).value_or(Qty{}); },
                0);
        };
        auto money = [&](std::string_view key, std::optional<Money>& out) {
            num(
                *r,
                "risk",
                key,
                [&](double v) { out = Money::from_double(v, Round::kDown).value_or(Money{}); },
                0);
        };
        auto real = [&](std::string_view key, std::optional<double>& out) {
            num(
                *r, "risk", key, [&](double v) { out = v; }, 0);
        };
        qty("max_position_qty", s.risk.max_position_qty);
        money("max_position_notional", s.risk.max_position_notional);
        real("max_gross_exposure", s.risk.max_gross_exposure);
        num(
            *r,
            "risk",
            "max_open_orders",
            [&](double v) { s.risk.max_open_orders = static_cast<std::size_t>(v); },
            1);
        real("max_daily_loss_pct", s.risk.max_daily_loss_pct);
        real("max_drawdown_pct", s.risk.max_drawdown_pct);
        real("stop_loss_atr", s.risk.stop_loss_atr);
        real("take_profit_atr", s.risk.take_profit_atr);
        real("trailing_stop_atr", s.risk.trailing_stop_atr);
        real("trailing_stop_pct", s.risk.trailing_stop_pct);
        num(
            *r,
            "risk",
            "atr_period",
            [&](double v) { s.risk.atr_period = static_cast<int>(v); },
            1);
        str(*r, "risk", "cooldown_after_stop", [&](const std::string& v) {
            if (auto d = parse_duration(v)) {
                s.risk.cooldown_after_stop = *d;
            } else {
                bad("[risk] cooldown_after_stop", d.error().message);
            }
        });
    }
    if (!error.empty()) {
        return make_error(ErrorCode::kInvalidArgument, error);
    }
    return ok_status();
}

void print_progress(std::size_t done, std::size_t total) {
    const double frac = total == 0 ? 1.0 : static_cast<double>(done) / static_cast<double>(total);
    const int width = 40;
    const int filled = static_cast<int>(frac * width);
    std::fprintf(
        stderr,
        "\r[%.*s%*s] %5.1f%% %zu/%zu bars",
        filled,
        "########################################",
        width - filled,
        "",
        frac * 100,
        done,
        total);
    if (done >= total) {
        std::fputc('\n', stderr);
    }
    std::fflush(stderr);
}

std::string params_text(const strategy::Params& params) {
    if (params.empty()) {
        return "(default parameters)";
    }
    std::vector<std::string> parts;
    for (const auto& [k, v] : params) {
        parts.push_back(fmt::format("{}={}", k, v));
    }
    return fmt::format("{}", fmt::join(parts, " "));
}

std::string effective_config(const Settings& s) {
    std::string out = "[backtest]\n";
    out += fmt::format("assets = [\"{}\"]\n", fmt::join(s.assets, "\", \""));
    out += fmt::format("data = \"{}\"\n", s.data);
    if (s.from) {
        out += fmt::format("from = \"{}\"\n", *s.from);
    }
    if (s.to) {
        out += fmt::format("to = \"{}\"\n", *s.to);
    }
    out += fmt::format(
        "cash = {}\nmaker_fee_bps = {}\ntaker_fee_bps = {}\nslippage = \"{}\"\nsizing = "
        "\"{}\"\nfill = \"{}\"\n"
        "warmup_bars = {}\nallow_short = {}\n\n[strategy]\nname = \"{}\"\n\n[strategy.params]\n",
        s.cash,
        s.maker_fee_bps,
        s.taker_fee_bps,
        s.slippage,
        s.sizing,
        s.fill,
        s.warmup_bars,
        s.allow_short,
        s.strategy);
    for (const auto& [k, v] : s.params) {
        out += fmt::format("{} = {}\n", k, v);
    }
    if (s.entry_rule || s.exit_rule) {
        out += "\n[strategy.rules]\n";
        if (s.entry_rule) {
            out += fmt::format("entry = \"{}\"\n", *s.entry_rule);
        }
        if (s.exit_rule) {
            out += fmt::format("exit = \"{}\"\n", *s.exit_rule);
        }
    }
    out += "\n[risk]\n";
    const auto& r = s.risk;
    if (r.max_position_qty) {
        out += fmt::format("max_position_qty = {}\n", *r.max_position_qty);
    }
    if (r.max_position_notional) {
        out += fmt::format("max_position_notional = {}\n", *r.max_position_notional);
    }
    auto opt = [&](const char* key, const std::optional<double>& v) {
        if (v) {
            out += fmt::format("{} = {}\n", key, *v);
        }
    };
    opt("max_gross_exposure", r.max_gross_exposure);
    out += fmt::format("max_open_orders = {}\n", r.max_open_orders);
    opt("max_daily_loss_pct", r.max_daily_loss_pct);
    opt("max_drawdown_pct", r.max_drawdown_pct);
    opt("stop_loss_atr", r.stop_loss_atr);
    opt("take_profit_atr", r.take_profit_atr);
    opt("trailing_stop_atr", r.trailing_stop_atr);
    opt("trailing_stop_pct", r.trailing_stop_pct);
    out += fmt::format("atr_period = {}\n", r.atr_period);
    if (r.cooldown_after_stop) {
        out += fmt::format("cooldown_after_stop = \"{}\"\n", *r.cooldown_after_stop);
    }
    return out;
}

/// Results of an ML model on the bars it was trained on are in-sample and say nothing about
/// its edge: say so when the traded range starts before the end of the model's training range.
void warn_if_in_sample(const std::string& model_dir, const std::optional<Timestamp>& from) {
    std::ifstream in(std::filesystem::path(model_dir) / "metadata.json");
    if (!in) {
        return;  // make_strategy reports the missing model
    }
    try {
        const auto meta = nlohmann::json::parse(in);
        const auto train_to = Timestamp::parse_iso8601(meta.at("train_to").get<std::string>());
        if (train_to && (!from || *from <= *train_to)) {
            std::fprintf(
                stderr,
                "ats: warning: the model was trained on bars up to %s; bars before that are "
                "in-sample (use `ats train --to DATE` and `ats backtest --from DATE`)\n",
                meta.at("train_to").get<std::string>().c_str());
        }
    } catch (const std::exception&) {
        // A malformed metadata file is reported by make_strategy.
    }
}

}  // namespace

int run_backtest_command(const BacktestArgs& args) {
    Settings s;
    if (args.config) {
        if (auto st = load_config(*args.config, s); !st) {
            return fail(st.error().message, kExitUsage);
        }
    }
    if (!args.assets.empty()) {
        s.assets.clear();
        for (const auto& a : args.assets) {
            for (auto& part : split_list(a)) {
                s.assets.push_back(std::move(part));
            }
        }
    }
    if (args.data) {
        s.data = *args.data;
    }
    if (args.strategy) {
        s.strategy = *args.strategy;
    }
    for (const auto& p : args.params) {
        const auto eq = p.find('=');
        if (eq == std::string::npos || eq == 0) {
            return fail(fmt::format("--param '{}': expected name=value", p), kExitUsage);
        }
        try {
            std::size_t used = 0;
            const double v = std::stod(p.substr(eq + 1), &used);
            if (used != p.size() - eq - 1) {
                throw std::invalid_argument("trailing");
            }
            s.params[p.substr(0, eq)] = v;
        } catch (const std::exception&) {
            return fail(fmt::format("--param '{}': value is not a number", p), kExitUsage);
        }
    }
    if (args.from) {
        s.from = *args.from;
    }
    if (args.to) {
        s.to = *args.to;
    }
    if (args.cash) {
        s.cash = *args.cash;
    }
    if (args.fee_bps) {
        s.maker_fee_bps = s.taker_fee_bps = *args.fee_bps;
    }
    if (args.slippage) {
        s.slippage = *args.slippage;
    }
    if (args.slippage_bps) {
        s.slippage = fmt::format("fixed:{}", *args.slippage_bps);
    }
    if (args.sizing) {
        s.sizing = *args.sizing;
    }
    if (args.fill) {
        s.fill = *args.fill;
    }
    if (args.warmup_bars) {
        s.warmup_bars = *args.warmup_bars;
    }
    if (args.report) {
        s.report = *args.report;
    }
    if (args.journal) {
        s.journal = *args.journal;
    }
    if (args.db) {
        s.db = *args.db;
    }

    backtest::BacktestConfig config;
    config.strategy = s.strategy;
    config.params = s.params;
    config.sources.model_dir = args.model;
    config.sources.predictions = args.predictions;
    config.sources.entry_rule = s.entry_rule;
    config.sources.exit_rule = s.exit_rule;
    for (const auto& [key, value] :
         std::initializer_list<std::pair<const char*, const std::optional<std::string>*>>{
             {"from", &s.from}, {"to", &s.to}}) {
        if (*value) {
            auto t = Timestamp::parse_iso8601(**value);
            if (!t) {
                return fail(fmt::format("--{}: {}", key, t.error().message), kExitUsage);
            }
            (std::string_view(key) == "from" ? config.from : config.to) = *t;
        }
    }
    if (s.strategy == "ml" && args.model) {
        warn_if_in_sample(*args.model, config.from);
    }
    config.warmup_bars = s.warmup_bars;
    auto cash = Money::from_double(s.cash, Round::kDown);
    if (!cash || !cash->is_positive()) {
        return fail("--cash: must be a positive amount", kExitUsage);
    }
    config.engine.initial_cash = *cash;
    auto sizing = execution::Sizing::parse(s.sizing);
    if (!sizing) {
        return fail(sizing.error().message, kExitUsage);
    }
    config.engine.sizing = *sizing;
    config.engine.risk = s.risk;
    config.engine.allow_short = s.allow_short;
    config.venue.fees = sim::FeeModel{s.maker_fee_bps, s.taker_fee_bps};
    if (s.fill == "next_open") {
        config.venue.market_fill = sim::MarketFill::kNextOpen;
    } else if (s.fill == "close") {
        config.venue.market_fill = sim::MarketFill::kSignalClose;
    } else {
        return fail(fmt::format("fill '{}': use next_open or close", s.fill), kExitUsage);
    }
    config.slippage = s.slippage;
    config.journal_path = s.journal;

    std::vector<backtest::Asset> assets;
    for (const auto& name : s.assets) {
        auto symbol = Symbol::parse(name);
        if (!symbol) {
            return fail(symbol.error().message, kExitUsage);
        }
        data::BarRequest request;
        request.data = s.data;
        request.symbol = name;
        request.single = s.assets.size() == 1;
        auto loaded = data::load_bars(request);
        if (!loaded) {
            return fail(loaded.error().message, exit_code_for(loaded.error()));
        }
        assets.push_back(
            backtest::Asset{backtest::default_instrument(*symbol), std::move(loaded->series)});
    }
    std::error_code ec;
    fs::create_directories(s.report, ec);
    if (ec) {
        return fail(
            fmt::format("{}: cannot create report directory: {}", s.report, ec.message()), kExitIo);
    }
    if (s.journal && fs::path(*s.journal).has_parent_path()) {
        fs::create_directories(fs::path(*s.journal).parent_path(), ec);
    }
    const bool tty = ::isatty(STDERR_FILENO) == 1 && !args.no_progress;
    if (tty) {
        config.progress = print_progress;
    }
    const auto started = std::chrono::steady_clock::now();
    auto result = backtest::run_backtest(config, assets);
    if (!result) {
        return fail(result.error().message, exit_code_for(result.error()));
    }
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();

    backtest::RunInfo info;
    info.strategy = s.strategy;
    info.params =
        s.entry_rule
            ? fmt::format("entry: {}; exit: {}", *s.entry_rule, s.exit_rule.value_or("none"))
            : params_text(s.params);
    info.assets = fmt::format("{}", fmt::join(s.assets, ","));
    info.config_text = effective_config(s);
    info.run_id = make_run_id(info.config_text);
    const std::string dir = s.report;
    for (const auto& st :
         {backtest::write_trades_csv(*result, dir + "/trades.csv"),
          backtest::write_equity_csv(*result, dir + "/equity.csv"),
          backtest::write_text(dir + "/metrics.json", backtest::metrics_json(*result, info)),
          backtest::write_text(dir + "/config.toml", info.config_text)}) {
        if (!st) {
            return fail(st.error().message, kExitIo);
        }
    }
    std::string plotly = args.plotly.value_or("");
    if (plotly.empty()) {
        plotly = plotly_js_path();
    }
    const std::string report_path = dir + "/report.html";
    const auto html = backtest::write_report_html(*result, assets, info, plotly, report_path);
    if (!html) {
        std::fprintf(stderr, "ats: report.html not written: %s\n", html.error().message.c_str());
    }
    if (!args.no_db) {
        if (auto st = record_run(s.db, info, *result, dir); !st) {
            std::fprintf(
                stderr,
                "ats: run not recorded in %s: %s\n",
                s.db.c_str(),
                st.error().message.c_str());
        }
    }

    const auto& m = result->metrics;
    fmt::print("backtest {} : {} {} on {}\n", info.run_id, s.strategy, info.params, info.assets);
    fmt::print(
        "bars          {} ({} to {}), {:.2f} years\n",
        m.bars,
        result->equity.empty() ? std::string("-") : result->equity.front().time.to_iso8601(),
        result->equity.empty() ? std::string("-") : result->equity.back().time.to_iso8601(),
        m.years);
    fmt::print(
        "final equity  {:.2f} (from {:.2f})\n", result->final_equity.to_double(), m.initial_equity);
    fmt::print(
        "total return  {:.2f}% (buy and hold {:.2f}%), CAGR {:.2f}%\n",
        m.total_return_pct,
        m.benchmark_return_pct,
        m.cagr_pct);
    fmt::print(
        "risk          max drawdown {:.2f}%, volatility {:.2f}%, Sharpe {:.3f}, Sortino {:.3f}, "
        "Calmar {:.3f}\n",
        m.max_drawdown_pct,
        m.annual_volatility_pct,
        m.sharpe,
        m.sortino,
        m.calmar);
    fmt::print(
        "trades        {} closed, win rate {:.2f}%, profit factor {:.3f}, expectancy {:.2f}, fees "
        "{:.2f}, exposure {:.2f}%\n",
        m.trades,
        m.win_rate_pct,
        m.profit_factor,
        m.expectancy,
        m.fees,
        m.exposure_pct);
    fmt::print(
        "engine        {} events, {} signals ({} refused by sizing or risk), {} orders rejected, "
        "{:.3f} s ({:.2f} M bars/s)\n",
        result->events,
        result->signals,
        result->rejections,
        result->order_rejections,
        seconds,
        seconds > 0 ? static_cast<double>(result->bars) / seconds / 1e6 : 0.0);
    if (!result->alerts.empty()) {
        std::size_t critical = 0;
        for (const auto& a : result->alerts) {
            critical += a.level == model::AlertLevel::kCritical ? 1 : 0;
        }
        const auto& worst =
            *std::find_if(result->alerts.begin(), result->alerts.end(), [&](const auto& a) {
                return critical == 0 || a.level == model::AlertLevel::kCritical;
            });
        fmt::print(
            "alerts        {} ({} critical), e.g. {}: {}\n",
            result->alerts.size(),
            critical,
            worst.ts_event,
            worst.message.view());
    }
    fmt::print("outputs       {}/{{trades.csv,equity.csv,metrics.json,config.toml}}\n", dir);
    if (html) {
        fmt::print("report        {}\n", report_path);
    }
    return kExitOk;
}

Result<TradingSetup> load_trading_setup(
    const std::optional<std::string>& config,
    const std::optional<std::string>& strategy,
    const std::vector<std::string>& params) {
    Settings s;
    if (config) {
        if (auto st = load_config(*config, s); !st) {
            return tl::unexpected(st.error());
        }
    }
    if (strategy) {
        s.strategy = *strategy;
    }
    for (const auto& p : params) {
        const auto eq = p.find('=');
        if (eq == std::string::npos || eq == 0) {
            return make_error(
                ErrorCode::kInvalidArgument, fmt::format("--param '{}': expected name=value", p));
        }
        char* end = nullptr;
        const std::string value = p.substr(eq + 1);
        const double v = std::strtod(value.c_str(), &end);
        if (value.empty() || end != value.c_str() + value.size()) {
            return make_error(
                ErrorCode::kInvalidArgument, fmt::format("--param '{}': value is not a number", p));
        }
        s.params[p.substr(0, eq)] = v;
    }
    TradingSetup out;
    out.strategy = s.strategy;
    out.params = s.params;
    auto cash = Money::from_double(s.cash, Round::kDown);
    if (!cash || !cash->is_positive()) {
        return make_error(ErrorCode::kInvalidArgument, "cash: must be a positive amount");
    }
    out.engine.initial_cash = *cash;
    auto sizing = execution::Sizing::parse(s.sizing);
    if (!sizing) {
        return tl::unexpected(sizing.error());
    }
    out.engine.sizing = *sizing;
    out.engine.risk = s.risk;
    out.engine.allow_short = s.allow_short;
    out.venue.fees = sim::FeeModel{s.maker_fee_bps, s.taker_fee_bps};
    if (s.fill == "next_open") {
        out.venue.market_fill = sim::MarketFill::kNextOpen;
    } else if (s.fill == "close") {
        out.venue.market_fill = sim::MarketFill::kSignalClose;
    } else {
        return make_error(
            ErrorCode::kInvalidArgument, fmt::format("fill '{}': use next_open or close", s.fill));
    }
    out.slippage = s.slippage;
    out.config_text = effective_config(s);
    return out;
}

}  // namespace ats::cli
