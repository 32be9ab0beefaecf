#include "run_store.hpp"

#include <chrono>
#include <cstdio>
#include <filesystem>

#include "ats/store/run_store.hpp"

#include "exit_codes.hpp"

namespace ats::cli {

std::string make_run_id(const std::string& config_text) {
    std::uint64_t h = 1469598103934665603ULL;
    for (const char c : config_text) {
        h ^= static_cast<unsigned char>(c);
        h *= 1099511628211ULL;
    }
    return fmt::format("cfg-{:012x}", h & 0xFFFFFFFFFFFFULL);
}

Status record_run(
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
    auto id = db->record(run, rows);
    if (!id) {
        return tl::unexpected(id.error());
    }
    return ok_status();
}

int run_runs_list(const std::string& db_path, std::size_t limit) {
    if (!std::filesystem::exists(db_path)) {
        std::fprintf(
            stderr, "ats: %s: no runs recorded yet (run `ats backtest` first)\n", db_path.c_str());
        return kExitIo;
    }
    auto db = store::RunStore::open(db_path);
    if (!db) {
        std::fprintf(stderr, "ats: %s\n", db.error().message.c_str());
        return kExitIo;
    }
    auto runs = db->list(limit);
    if (!runs) {
        std::fprintf(stderr, "ats: %s\n", runs.error().message.c_str());
        return kExitIo;
    }
    fmt::print(
        "{:>4}  {:<20}  {:<18}  {:<16}  {:<22}  {:>12}  {:>9}  {:>8}  {:>7}  {:>6}\n",
        "id",
        "created (UTC)",
        "config",
        "strategy",
        "assets",
        "final equity",
        "return %",
        "max dd %",
        "sharpe",
        "trades");
    for (const auto& r : *runs) {
        const std::string created =
            Timestamp::from_unix_ms(r.created_ms).to_iso8601().substr(0, 19);
        fmt::print(
            "{:>4}  {:<20}  {:<18}  {:<16}  {:<22}  {:>12.2f}  {:>9.2f}  {:>8.2f}  {:>7.3f}  "
            "{:>6}\n",
            r.id,
            created,
            r.run_key,
            r.strategy,
            r.assets,
            r.final_equity,
            r.total_return_pct,
            r.max_drawdown_pct,
            r.sharpe,
            r.trades);
    }
    return kExitOk;
}

int run_runs_show(const std::string& db_path, std::int64_t id, bool trades) {
    if (!std::filesystem::exists(db_path)) {
        std::fprintf(stderr, "ats: %s: no runs recorded yet\n", db_path.c_str());
        return kExitIo;
    }
    auto db = store::RunStore::open(db_path);
    if (!db) {
        std::fprintf(stderr, "ats: %s\n", db.error().message.c_str());
        return kExitIo;
    }
    auto run = db->get(id);
    if (!run) {
        std::fprintf(stderr, "ats: %s\n", run.error().message.c_str());
        return run.error().code == ErrorCode::kNotFound ? kExitUsage : kExitIo;
    }
    fmt::print(
        "run {} ({}), {} {} on {}\n",
        run->id,
        run->run_key,
        run->strategy,
        run->params,
        run->assets);
    fmt::print(
        "created {}\nreport  {}\n\n",
        Timestamp::from_unix_ms(run->created_ms).to_iso8601(),
        run->report_dir);
    fmt::print("{}\n{}", run->config_toml, run->metrics_json);
    if (trades) {
        auto rows = db->trades(id);
        if (!rows) {
            std::fprintf(stderr, "ats: %s\n", rows.error().message.c_str());
            return kExitIo;
        }
        fmt::print(
            "symbol,side,entry_time_ms,entry_price,exit_time_ms,exit_price,quantity,pnl_gross,fees,"
            "pnl_net\n");
        for (const auto& t : *rows) {
            fmt::print(
                "{},{},{},{},{},{},{},{},{},{}\n",
                t.symbol,
                t.side,
                t.entry_time_ms,
                t.entry_price,
                t.exit_time_ms,
                t.exit_price,
                t.quantity,
                t.pnl_gross,
                t.fees,
                t.pnl_net);
        }
    }
    return kExitOk;
}

}  // namespace ats::cli
