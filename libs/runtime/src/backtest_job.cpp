#include "ats/runtime/backtest_job.hpp"

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <tuple>

#include <fmt/format.h>
#include <toml++/toml.h>

#include "ats/data/bar_source.hpp"
#include "ats/data/kline_csv.hpp"
#include "ats/store/run_store.hpp"

namespace ats::runtime {
namespace {

namespace fs = std::filesystem;

/// The range a number from a flag or a TOML key must lie in.
struct Range {
    double min;
    double max;
    bool min_exclusive = false;
    bool integer = false;
};

constexpr Range kCashRange{0, 1e15, true};
constexpr Range kFeeRange{0, 10'000};
constexpr Range kWarmupRange{0, 1e9, false, true};

std::string range_text(const Range& r) {
    return fmt::format(
        "{} in {}{}, {}]",
        r.integer ? "an integer" : "a number",
        r.min_exclusive ? "(" : "[",
        r.min,
        r.max);
}

bool in_range(double v, const Range& r) {
    return std::isfinite(v) && (r.min_exclusive ? v > r.min : v >= r.min) && v <= r.max &&
           (!r.integer || v == std::floor(v));
}

// A number TOML wrote as an integer or a float; booleans and strings are not numbers.
std::optional<double> number_of(const toml::node& node) {
    if (node.is_integer()) {
        return static_cast<double>(*node.value<std::int64_t>());
    }
    if (node.is_floating_point()) {
        return *node.value<double>();
    }
    return std::nullopt;
}

/// FNV-1a 64 of a file's bytes: part of a run's identity for inputs read by path.
Result<std::string> content_hash(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        return make_error(ErrorCode::kNotFound, fmt::format("cannot open {}", path));
    }
    std::uint64_t h = 1469598103934665603ULL;
    char buf[1 << 16];
    while (in.read(buf, sizeof buf) || in.gcount() > 0) {
        for (std::streamsize i = 0; i < in.gcount(); ++i) {
            h ^= static_cast<unsigned char>(buf[i]);
            h *= 1099511628211ULL;
        }
    }
    return fmt::format("fnv1a64:{:016x}", h);
}

}  // namespace

Status load_backtest_toml(const std::string& path, BacktestSettings& s) {
    std::error_code ec;
    if (!fs::exists(path, ec)) {
        return make_error(ErrorCode::kNotFound, fmt::format("--config {}: no such file", path));
    }
    if (!fs::is_regular_file(path, ec)) {
        return make_error(
            ErrorCode::kInvalidArgument,
            fmt::format("--config {}: not a file (a TOML file is expected)", path));
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        return make_error(ErrorCode::kIo, fmt::format("--config {}: cannot be read", path));
    }
    std::stringstream text;
    text << in.rdbuf();
    return parse_backtest_toml(text.str(), path, s);
}

Status parse_backtest_toml(std::string_view text, std::string_view origin, BacktestSettings& s) {
    const std::string path(origin);
    toml::table root;
    try {
        root = toml::parse(text, origin);
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
                   Range range) {
        if (const toml::node* n = t.get(key)) {
            auto v = number_of(*n);
            if (!v || (range.integer && !n->is_integer()) || !in_range(*v, range)) {
                bad(fmt::format("[{}] {}", table, key),
                    fmt::format(
                        "expected {}, got {}",
                        range_text(range),
                        n->is_string()    ? fmt::format("\"{}\"", *n->value<std::string>())
                        : n->is_boolean() ? (*n->value<bool>() ? "true" : "false")
                        : v               ? fmt::format("{}", *v)
                                          : "a table or array"));
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
        {"strategy",
         {"name", "params", "rules", "model", "predictions", "predictions_hash", "altdata"}},
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
            *b, "backtest", "cash", [&](double v) { s.cash = v; }, kCashRange);
        num(
            *b,
            "backtest",
            "fee_bps",
            [&](double v) { s.maker_fee_bps = s.taker_fee_bps = v; },
            kFeeRange);
        num(
            *b, "backtest", "maker_fee_bps", [&](double v) { s.maker_fee_bps = v; }, kFeeRange);
        num(
            *b, "backtest", "taker_fee_bps", [&](double v) { s.taker_fee_bps = v; }, kFeeRange);
        str(*b, "backtest", "slippage", [&](const std::string& v) { s.slippage = v; });
        str(*b, "backtest", "sizing", [&](const std::string& v) { s.sizing = v; });
        str(*b, "backtest", "fill", [&](const std::string& v) { s.fill = v; });
        num(
            *b,
            "backtest",
            "warmup_bars",
            [&](double v) { s.warmup_bars = static_cast<std::size_t>(v); },
            kWarmupRange);
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
        str(*st, "strategy", "model", [&](const std::string& v) { s.model = v; });
        str(*st, "strategy", "altdata", [&](const std::string& v) { s.altdata = v; });
        str(*st, "strategy", "predictions", [&](const std::string& v) { s.predictions = v; });
        str(*st, "strategy", "predictions_hash", [&](const std::string& v) {
            s.predictions_hash = v;
        });
        if (const auto* p = st->get("params")) {
            if (const auto* t = p->as_table()) {
                for (const auto& [key, value] : *t) {
                    if (auto v = number_of(value); v && std::isfinite(*v)) {
                        s.params[std::string(key.str())] = *v;
                    } else if (value.is_boolean()) {
                        s.params[std::string(key.str())] = *value.value<bool>() ? 1 : 0;
                    } else {
                        bad(fmt::format("[strategy.params] {}", key.str()),
                            "expected a finite number");
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
                Range{0, 1e18, true});
        };
        auto money = [&](std::string_view key, std::optional<Money>& out) {
            num(
                *r,
                "risk",
                key,
                [&](double v) { out = Money::from_double(v, Round::kDown).value_or(Money{}); },
                Range{0, 1e18, true});
        };
        auto real = [&](std::string_view key, std::optional<double>& out, Range range) {
            num(
                *r, "risk", key, [&](double v) { out = v; }, range);
        };
        qty("max_position_qty", s.risk.max_position_qty);
        money("max_position_notional", s.risk.max_position_notional);
        real("max_gross_exposure", s.risk.max_gross_exposure, Range{0, 1000, true});
        num(
            *r,
            "risk",
            "max_open_orders",
            [&](double v) { s.risk.max_open_orders = static_cast<std::size_t>(v); },
            Range{1, 1e6, false, true});
        real("max_daily_loss_pct", s.risk.max_daily_loss_pct, Range{0, 1, true});
        real("max_drawdown_pct", s.risk.max_drawdown_pct, Range{0, 1, true});
        real("stop_loss_atr", s.risk.stop_loss_atr, Range{0, 100, true});
        real("take_profit_atr", s.risk.take_profit_atr, Range{0, 1000, true});
        real("trailing_stop_atr", s.risk.trailing_stop_atr, Range{0, 100, true});
        real("trailing_stop_pct", s.risk.trailing_stop_pct, Range{0, 0.99, true});
        num(
            *r,
            "risk",
            "atr_period",
            [&](double v) { s.risk.atr_period = static_cast<int>(v); },
            Range{1, 1000, false, true});
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

std::string effective_config(const BacktestSettings& s) {
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
        "warmup_bars = {}\nallow_short = {}\n\n[strategy]\nname = \"{}\"\n",
        s.cash,
        s.maker_fee_bps,
        s.taker_fee_bps,
        s.slippage,
        s.sizing,
        s.fill,
        s.warmup_bars,
        s.allow_short,
        s.strategy);
    if (s.model) {
        out += fmt::format("model = \"{}\"\n", *s.model);
    }
    if (s.altdata) {
        out += fmt::format("altdata = \"{}\"\n", *s.altdata);
    }
    if (s.predictions) {
        // The file's content is part of the run: the same path with other numbers is another run.
        out += fmt::format("predictions = \"{}\"\n", *s.predictions);
        out += fmt::format("predictions_hash = \"{}\"\n", s.predictions_hash.value_or(""));
    }
    out += "\n[strategy.params]\n";
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

Result<std::string> find_data_file(
    const std::string& data, const std::string& symbol, bool single) {
    return data::find_data_file(data, symbol, single);
}

std::string make_run_id(const std::string& config_text) {
    std::uint64_t h = 1469598103934665603ULL;
    for (const char c : config_text) {
        h ^= static_cast<unsigned char>(c);
        h *= 1099511628211ULL;
    }
    return fmt::format("cfg-{:012x}", h & 0xFFFFFFFFFFFFULL);
}

Result<std::int64_t> record_run(
    const std::string& db_path,
    const backtest::RunInfo& info,
    const backtest::BacktestResult& result,
    const std::string& report_dir) {
    auto db = store::RunStore::open(db_path);
    if (!db) {
        return tl::unexpected(db.error());
    }
    store::RunRecord run;
    run.run_key = info.run_id;
    run.created_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
    run.strategy = info.strategy;
    run.params = info.params;
    run.assets = info.assets;
    run.config_toml = info.config_text;
    run.metrics_json = backtest::metrics_json(result, info);
    std::error_code ec;
    run.report_dir = std::filesystem::absolute(report_dir, ec).string();
    run.final_equity = result.final_equity.to_double();
    run.total_return_pct = result.metrics.total_return_pct;
    run.max_drawdown_pct = result.metrics.max_drawdown_pct;
    run.sharpe = result.metrics.sharpe;
    run.trades = static_cast<std::int64_t>(result.trades.size());
    std::vector<store::TradeRow> rows;
    rows.reserve(result.trades.size());
    for (const auto& t : result.trades) {
        rows.push_back(store::TradeRow{
            t.symbol.to_string(),
            t.side == Side::kBuy ? "long" : "short",
            t.entry_time.unix_ms(),
            t.entry_price.to_string(),
            t.exit_time.unix_ms(),
            t.exit_price.to_string(),
            t.qty.to_string(),
            t.pnl_gross.to_string(),
            t.fees.to_string(),
            t.pnl_net().to_string()});
    }
    return db->record(run, rows);
}

Status finish_settings(BacktestSettings& s, bool fresh_predictions) {
    // Numbers from flags get the ranges the TOML keys have; the message names both.
    for (const auto& [name, value, range] :
         std::initializer_list<std::tuple<const char*, double, Range>>{
             {"--cash / [backtest] cash", s.cash, kCashRange},
             {"--fee-bps / [backtest] maker_fee_bps", s.maker_fee_bps, kFeeRange},
             {"--fee-bps / [backtest] taker_fee_bps", s.taker_fee_bps, kFeeRange},
             {"--warmup / [backtest] warmup_bars",
              static_cast<double>(s.warmup_bars),
              kWarmupRange}}) {
        if (!in_range(value, range)) {
            return make_error(
                ErrorCode::kInvalidArgument,
                fmt::format("{}: expected {}, got {}", name, range_text(range), value));
        }
    }
    if (auto st = risk::validate(s.risk); !st) {
        return make_error(
            ErrorCode::kInvalidArgument, fmt::format("[risk] {}", st.error().message));
    }
    if (s.predictions) {
        auto hash = content_hash(*s.predictions);
        if (!hash) {
            return make_error(
                ErrorCode::kNotFound,
                fmt::format("--predictions {}: cannot be read", *s.predictions));
        }
        if (s.predictions_hash && !fresh_predictions && *s.predictions_hash != *hash) {
            return make_error(
                ErrorCode::kInvalidArgument,
                fmt::format(
                    "predictions {} changed since this configuration was written ({} now, {} in "
                    "the config)",
                    *s.predictions,
                    *hash,
                    *s.predictions_hash));
        }
        s.predictions_hash = *hash;
    }
    return ok_status();
}

Result<backtest::BacktestConfig> make_backtest_config(const BacktestSettings& s) {
    backtest::BacktestConfig config;
    config.strategy = s.strategy;
    config.params = s.params;
    config.sources.model_dir = s.model;
    config.sources.altdata = s.altdata;
    config.sources.predictions = s.predictions;
    config.sources.entry_rule = s.entry_rule;
    config.sources.exit_rule = s.exit_rule;
    for (const auto& [key, value] :
         std::initializer_list<std::pair<const char*, const std::optional<std::string>*>>{
             {"from", &s.from}, {"to", &s.to}}) {
        if (*value) {
            auto t = Timestamp::parse_iso8601(**value);
            if (!t) {
                return make_error(
                    ErrorCode::kInvalidArgument, fmt::format("--{}: {}", key, t.error().message));
            }
            (std::string_view(key) == "from" ? config.from : config.to) = *t;
        }
    }
    config.warmup_bars = s.warmup_bars;
    auto cash = Money::from_double(s.cash, Round::kDown);
    if (!cash || !cash->is_positive()) {
        return make_error(ErrorCode::kInvalidArgument, "--cash: must be a positive amount");
    }
    config.engine.initial_cash = *cash;
    auto sizing = execution::Sizing::parse(s.sizing);
    if (!sizing) {
        return tl::unexpected(sizing.error());
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
        return make_error(
            ErrorCode::kInvalidArgument, fmt::format("fill '{}': use next_open or close", s.fill));
    }
    config.slippage = s.slippage;
    config.journal_path = s.journal;
    return config;
}

Result<std::vector<backtest::Asset>> load_assets(const BacktestSettings& s) {
    std::vector<backtest::Asset> assets;
    for (const auto& name : s.assets) {
        auto symbol = Symbol::parse(name);
        if (!symbol) {
            return tl::unexpected(symbol.error());
        }
        // A CSV or Parquet file, a directory of SYMBOL_* files, or a catalog (docs/catalog.md).
        data::BarRequest request;
        request.data = s.data;
        request.symbol = name;
        request.single = s.assets.size() == 1;
        auto loaded = data::load_bars(request);
        if (!loaded) {
            return tl::unexpected(loaded.error());
        }
        assets.push_back(
            backtest::Asset{backtest::default_instrument(*symbol), std::move(loaded->series)});
    }
    return assets;
}

Result<BacktestJobResult> run_backtest_job(
    const BacktestSettings& s, const BacktestJobOptions& options) {
    auto config = make_backtest_config(s);
    if (!config) {
        return tl::unexpected(config.error());
    }
    config->progress = options.progress;
    auto assets = load_assets(s);
    if (!assets) {
        return tl::unexpected(assets.error());
    }
    std::error_code ec;
    fs::create_directories(s.report, ec);
    if (ec) {
        return make_error(
            ErrorCode::kIo,
            fmt::format("{}: cannot create report directory: {}", s.report, ec.message()));
    }
    if (s.journal && fs::path(*s.journal).has_parent_path()) {
        fs::create_directories(fs::path(*s.journal).parent_path(), ec);
    }
    const auto started = std::chrono::steady_clock::now();
    auto result = backtest::run_backtest(*config, *assets);
    if (!result) {
        return tl::unexpected(result.error());
    }
    BacktestJobResult out;
    out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    out.info.strategy = s.strategy;
    out.info.params =
        s.entry_rule
            ? fmt::format("entry: {}; exit: {}", *s.entry_rule, s.exit_rule.value_or("none"))
            : params_text(s.params);
    out.info.assets = fmt::format("{}", fmt::join(s.assets, ","));
    out.info.config_text = effective_config(s);
    out.info.run_id = make_run_id(out.info.config_text);
    const std::string& dir = s.report;
    for (const auto& st :
         {backtest::write_trades_csv(*result, dir + "/trades.csv"),
          backtest::write_equity_csv(*result, dir + "/equity.csv"),
          backtest::write_text(dir + "/metrics.json", backtest::metrics_json(*result, out.info)),
          backtest::write_text(dir + "/config.toml", out.info.config_text)}) {
        if (!st) {
            return tl::unexpected(st.error());
        }
    }
    if (!options.plotly_js.empty()) {
        const std::string report_path = dir + "/report.html";
        const auto html =
            backtest::write_report_html(*result, *assets, out.info, options.plotly_js, report_path);
        if (html) {
            out.report_html = report_path;
        } else {
            out.warnings.push_back(
                fmt::format("report.html not written: {}", html.error().message));
        }
    }
    if (options.record) {
        auto id = record_run(s.db, out.info, *result, dir);
        if (id) {
            out.run_id = *id;
        } else {
            out.warnings.push_back(
                fmt::format("run not recorded in {}: {}", s.db, id.error().message));
        }
    }
    out.result = std::move(*result);
    return out;
}

Result<TradingSetup> load_trading_setup(
    const std::optional<std::string>& config,
    const std::optional<std::string>& strategy,
    const std::vector<std::string>& params,
    const std::optional<std::string>& model,
    const std::optional<std::string>& config_text) {
    BacktestSettings s;
    if (config) {
        if (auto st = load_backtest_toml(*config, s); !st) {
            return tl::unexpected(st.error());
        }
    } else if (config_text) {
        if (auto st = parse_backtest_toml(*config_text, "config", s); !st) {
            return tl::unexpected(st.error());
        }
    }
    if (strategy) {
        s.strategy = *strategy;
    }
    if (model) {
        s.model = *model;
    }
    if (s.predictions) {
        auto hash = content_hash(*s.predictions);
        if (!hash) {
            return make_error(
                ErrorCode::kNotFound,
                fmt::format("[strategy] predictions {}: cannot be read", *s.predictions));
        }
        if (s.predictions_hash && *s.predictions_hash != *hash) {
            return make_error(
                ErrorCode::kInvalidArgument,
                fmt::format(
                    "[strategy] predictions {} changed since the configuration was written",
                    *s.predictions));
        }
        s.predictions_hash = *hash;
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
    out.sources.model_dir = s.model;
    out.sources.altdata = s.altdata;
    out.sources.predictions = s.predictions;
    for (const auto& [name, value, range] :
         std::initializer_list<std::tuple<const char*, double, Range>>{
             {"[backtest] cash", s.cash, kCashRange},
             {"[backtest] maker_fee_bps", s.maker_fee_bps, kFeeRange},
             {"[backtest] taker_fee_bps", s.taker_fee_bps, kFeeRange}}) {
        if (!in_range(value, range)) {
            return make_error(
                ErrorCode::kInvalidArgument,
                fmt::format("{}: expected {}, got {}", name, range_text(range), value));
        }
    }
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

}  // namespace ats::runtime
