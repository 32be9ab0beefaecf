#include "backtest_command.hpp"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <tuple>

#include <nlohmann/json.hpp>
#include <toml++/toml.h>
#include <unistd.h>

#include "ats/backtest/backtest.hpp"
#include "ats/backtest/outputs.hpp"
#include "ats/data/kline_csv.hpp"

#include "cli_common.hpp"
#include "exit_codes.hpp"
#include "run_store.hpp"
#include "trading_setup.hpp"

namespace ats::cli {
namespace {

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
    runtime::BacktestSettings s;
    if (args.config) {
        if (auto st = runtime::load_backtest_toml(*args.config, s); !st) {
            return fail(
                st.error().message, st.error().code == ErrorCode::kNotFound ? kExitIo : kExitUsage);
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
        if (!(std::isfinite(*args.slippage_bps) && *args.slippage_bps >= 0 &&
              *args.slippage_bps <= 1000)) {
            return fail(
                fmt::format(
                    "--slippage-bps: expected a number in [0, 1000], got {}", *args.slippage_bps),
                kExitUsage);
        }
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
    if (args.model) {
        s.model = *args.model;
    }
    if (args.altdata) {
        s.altdata = *args.altdata;
    }
    if (args.predictions) {
        s.predictions = *args.predictions;
    }
    if (auto st = runtime::finish_settings(s, args.predictions.has_value()); !st) {
        return fail(st.error().message, exit_code_for(st.error()));
    }
    if (s.strategy == "ml" && s.model) {
        auto from = s.from ? Timestamp::parse_iso8601(*s.from) : Result<Timestamp>(Timestamp{});
        warn_if_in_sample(
            *s.model, s.from && from ? std::optional<Timestamp>(*from) : std::nullopt);
    }
    runtime::BacktestJobOptions options;
    options.plotly_js = args.plotly.value_or("");
    if (options.plotly_js.empty()) {
        options.plotly_js = plotly_js_path();
    }
    options.record = !args.no_db;
    if (::isatty(STDERR_FILENO) == 1 && !args.no_progress) {
        options.progress = print_progress;
    }
    auto job = runtime::run_backtest_job(s, options);
    if (!job) {
        return fail(job.error().message, exit_code_for(job.error()));
    }
    for (const auto& w : job->warnings) {
        std::fprintf(stderr, "ats: %s\n", printable(w).c_str());
    }
    const auto* result = &job->result;
    const auto& info = job->info;
    const double seconds = job->seconds;
    const std::string& dir = s.report;
    const bool html = !job->report_html.empty();
    const std::string& report_path = job->report_html;
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

}  // namespace ats::cli
