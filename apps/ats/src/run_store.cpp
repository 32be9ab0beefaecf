#include "run_store.hpp"

#include <chrono>
#include <cstdio>
#include <filesystem>

#include "ats/store/run_store.hpp"

#include "exit_codes.hpp"

namespace ats::cli {

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
