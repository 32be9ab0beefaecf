#include "ats/store/run_store.hpp"

#include <fmt/format.h>
#include <sqlite3.h>

namespace ats::store {
namespace {

constexpr const char* kSchema = R"SQL(
CREATE TABLE IF NOT EXISTS runs (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  run_key TEXT NOT NULL,
  created_ms INTEGER NOT NULL,
  kind TEXT NOT NULL,
  strategy TEXT NOT NULL,
  params TEXT NOT NULL,
  assets TEXT NOT NULL,
  config_toml TEXT NOT NULL,
  metrics_json TEXT NOT NULL,
  report_dir TEXT NOT NULL,
  final_equity REAL NOT NULL,
  total_return_pct REAL NOT NULL,
  max_drawdown_pct REAL NOT NULL,
  sharpe REAL NOT NULL,
  trades INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS trades (
  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  seq INTEGER NOT NULL,
  symbol TEXT NOT NULL,
  side TEXT NOT NULL,
  entry_time_ms INTEGER NOT NULL,
  entry_price TEXT NOT NULL,
  exit_time_ms INTEGER NOT NULL,
  exit_price TEXT NOT NULL,
  quantity TEXT NOT NULL,
  pnl_gross TEXT NOT NULL,
  fees TEXT NOT NULL,
  pnl_net TEXT NOT NULL,
  PRIMARY KEY (run_id, seq)
);
CREATE TABLE IF NOT EXISTS models (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  created_ms INTEGER NOT NULL,
  asset TEXT NOT NULL,
  model TEXT NOT NULL,
  label TEXT NOT NULL,
  features TEXT NOT NULL,
  train_from_ms INTEGER NOT NULL,
  train_to_ms INTEGER NOT NULL,
  data_hash TEXT NOT NULL,
  walk_forward TEXT NOT NULL,
  walk_forward_json TEXT NOT NULL,
  dir TEXT NOT NULL,
  oos_accuracy REAL NOT NULL,
  oos_auc REAL NOT NULL,
  oos_rows INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS evolutions (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  created_ms INTEGER NOT NULL,
  mode TEXT NOT NULL,
  asset TEXT NOT NULL,
  algorithm TEXT NOT NULL,
  config TEXT NOT NULL,
  trials INTEGER NOT NULL,
  best_fitness REAL NOT NULL,
  winner TEXT NOT NULL,
  in_sample_sharpe REAL NOT NULL,
  holdout_sharpe REAL NOT NULL,
  deflated_sharpe REAL NOT NULL,
  summary_json TEXT NOT NULL,
  dir TEXT NOT NULL
);
)SQL";

/// One owner per statement handle.
class Statement {
public:
    Statement(sqlite3* db, const char* sql) {
        rc_ = sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr);
    }
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;
    ~Statement() { sqlite3_finalize(stmt_); }

    bool ok() const { return rc_ == SQLITE_OK; }
    sqlite3_stmt* get() { return stmt_; }
    void bind(int i, const std::string& v) {
        sqlite3_bind_text(stmt_, i, v.c_str(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    }
    void bind(int i, std::int64_t v) { sqlite3_bind_int64(stmt_, i, v); }
    void bind(int i, double v) { sqlite3_bind_double(stmt_, i, v); }
    int step() { return sqlite3_step(stmt_); }
    std::string text(int i) {
        const auto* p = sqlite3_column_text(stmt_, i);
        return p == nullptr ? std::string() : std::string(reinterpret_cast<const char*>(p));
    }
    std::int64_t integer(int i) { return sqlite3_column_int64(stmt_, i); }
    double real(int i) { return sqlite3_column_double(stmt_, i); }

private:
    sqlite3_stmt* stmt_ = nullptr;
    int rc_ = SQLITE_ERROR;
};

tl::unexpected<Error> sqlite_error(sqlite3* db, std::string_view what) {
    return make_error(
        ErrorCode::kIo,
        fmt::format("sqlite: {}: {}", what, db != nullptr ? sqlite3_errmsg(db) : "no database"));
}

constexpr const char* kRunColumns =
    "id, run_key, created_ms, kind, strategy, params, assets, config_toml, metrics_json, "
    "report_dir, "
    "final_equity, total_return_pct, max_drawdown_pct, sharpe, trades";

RunRecord read_run(Statement& s) {
    RunRecord r;
    r.id = s.integer(0);
    r.run_key = s.text(1);
    r.created_ms = s.integer(2);
    r.kind = s.text(3);
    r.strategy = s.text(4);
    r.params = s.text(5);
    r.assets = s.text(6);
    r.config_toml = s.text(7);
    r.metrics_json = s.text(8);
    r.report_dir = s.text(9);
    r.final_equity = s.real(10);
    r.total_return_pct = s.real(11);
    r.max_drawdown_pct = s.real(12);
    r.sharpe = s.real(13);
    r.trades = s.integer(14);
    return r;
}

}  // namespace

struct RunStore::Impl {
    sqlite3* db = nullptr;
    ~Impl() { sqlite3_close(db); }
};

RunStore::RunStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
RunStore::RunStore(RunStore&&) noexcept = default;
RunStore& RunStore::operator=(RunStore&&) noexcept = default;
RunStore::~RunStore() = default;

Result<RunStore> RunStore::open(const std::string& path) {
    auto impl = std::make_unique<Impl>();
    if (sqlite3_open_v2(
            path.c_str(), &impl->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) !=
        SQLITE_OK) {
        return sqlite_error(impl->db, path);
    }
    sqlite3_busy_timeout(impl->db, 5000);
    char* message = nullptr;
    if (sqlite3_exec(impl->db, "PRAGMA foreign_keys = ON;", nullptr, nullptr, &message) !=
            SQLITE_OK ||
        sqlite3_exec(impl->db, kSchema, nullptr, nullptr, &message) != SQLITE_OK) {
        const std::string text = message != nullptr ? message : "unknown";
        sqlite3_free(message);
        return make_error(ErrorCode::kIo, fmt::format("sqlite: {}: {}", path, text));
    }
    return RunStore(std::move(impl));
}

Result<std::int64_t> RunStore::record(const RunRecord& run, const std::vector<TradeRow>& trades) {
    sqlite3* db = impl_->db;
    if (sqlite3_exec(db, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) != SQLITE_OK) {
        return sqlite_error(db, "begin");
    }
    auto rollback = [&](std::string_view what) {
        auto err = sqlite_error(db, what);
        sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
        return err;
    };
    Statement insert(
        db,
        "INSERT INTO runs (run_key, created_ms, kind, strategy, params, assets, config_toml, "
        "metrics_json, report_dir, "
        "final_equity, total_return_pct, max_drawdown_pct, sharpe, trades) VALUES "
        "(?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
    if (!insert.ok()) {
        return rollback("prepare insert run");
    }
    insert.bind(1, run.run_key);
    insert.bind(2, run.created_ms);
    insert.bind(3, run.kind);
    insert.bind(4, run.strategy);
    insert.bind(5, run.params);
    insert.bind(6, run.assets);
    insert.bind(7, run.config_toml);
    insert.bind(8, run.metrics_json);
    insert.bind(9, run.report_dir);
    insert.bind(10, run.final_equity);
    insert.bind(11, run.total_return_pct);
    insert.bind(12, run.max_drawdown_pct);
    insert.bind(13, run.sharpe);
    insert.bind(14, run.trades);
    if (insert.step() != SQLITE_DONE) {
        return rollback("insert run");
    }
    const std::int64_t id = sqlite3_last_insert_rowid(db);
    Statement trade(
        db,
        "INSERT INTO trades (run_id, seq, symbol, side, entry_time_ms, entry_price, exit_time_ms, "
        "exit_price, quantity, "
        "pnl_gross, fees, pnl_net) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)");
    if (!trade.ok()) {
        return rollback("prepare insert trade");
    }
    std::int64_t seq = 0;
    for (const auto& t : trades) {
        sqlite3_reset(trade.get());
        trade.bind(1, id);
        trade.bind(2, ++seq);
        trade.bind(3, t.symbol);
        trade.bind(4, t.side);
        trade.bind(5, t.entry_time_ms);
        trade.bind(6, t.entry_price);
        trade.bind(7, t.exit_time_ms);
        trade.bind(8, t.exit_price);
        trade.bind(9, t.quantity);
        trade.bind(10, t.pnl_gross);
        trade.bind(11, t.fees);
        trade.bind(12, t.pnl_net);
        if (trade.step() != SQLITE_DONE) {
            return rollback("insert trade");
        }
    }
    if (sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK) {
        return rollback("commit");
    }
    return id;
}

Result<std::vector<RunRecord>> RunStore::list(std::size_t limit) {
    Statement s(
        impl_->db,
        fmt::format("SELECT {} FROM runs ORDER BY id DESC LIMIT ?", kRunColumns).c_str());
    if (!s.ok()) {
        return sqlite_error(impl_->db, "list runs");
    }
    s.bind(1, static_cast<std::int64_t>(limit));
    std::vector<RunRecord> out;
    int rc = 0;
    while ((rc = s.step()) == SQLITE_ROW) {
        out.push_back(read_run(s));
    }
    if (rc != SQLITE_DONE) {
        return sqlite_error(impl_->db, "list runs");
    }
    return out;
}

Result<RunRecord> RunStore::get(std::int64_t id) {
    Statement s(impl_->db, fmt::format("SELECT {} FROM runs WHERE id = ?", kRunColumns).c_str());
    if (!s.ok()) {
        return sqlite_error(impl_->db, "get run");
    }
    s.bind(1, id);
    const int rc = s.step();
    if (rc == SQLITE_ROW) {
        return read_run(s);
    }
    if (rc == SQLITE_DONE) {
        return make_error(ErrorCode::kNotFound, fmt::format("run {} not found", id));
    }
    return sqlite_error(impl_->db, "get run");
}

Result<std::vector<TradeRow>> RunStore::trades(std::int64_t id) {
    Statement s(
        impl_->db,
        "SELECT symbol, side, entry_time_ms, entry_price, exit_time_ms, exit_price, quantity, "
        "pnl_gross, fees, pnl_net "
        "FROM trades WHERE run_id = ? ORDER BY seq");
    if (!s.ok()) {
        return sqlite_error(impl_->db, "trades");
    }
    s.bind(1, id);
    std::vector<TradeRow> out;
    int rc = 0;
    while ((rc = s.step()) == SQLITE_ROW) {
        out.push_back(TradeRow{
            s.text(0),
            s.text(1),
            s.integer(2),
            s.text(3),
            s.integer(4),
            s.text(5),
            s.text(6),
            s.text(7),
            s.text(8),
            s.text(9)});
    }
    if (rc != SQLITE_DONE) {
        return sqlite_error(impl_->db, "trades");
    }
    return out;
}

Result<std::int64_t> RunStore::record_model(const ModelRecord& m) {
    Statement s(
        impl_->db,
        "INSERT INTO models (created_ms, asset, model, label, features, train_from_ms, "
        "train_to_ms, data_hash, "
        "walk_forward, walk_forward_json, dir, oos_accuracy, oos_auc, oos_rows) VALUES "
        "(?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
    if (!s.ok()) {
        return sqlite_error(impl_->db, "prepare insert model");
    }
    s.bind(1, m.created_ms);
    s.bind(2, m.asset);
    s.bind(3, m.model);
    s.bind(4, m.label);
    s.bind(5, m.features);
    s.bind(6, m.train_from_ms);
    s.bind(7, m.train_to_ms);
    s.bind(8, m.data_hash);
    s.bind(9, m.walk_forward);
    s.bind(10, m.walk_forward_json);
    s.bind(11, m.dir);
    s.bind(12, m.oos_accuracy);
    s.bind(13, m.oos_auc);
    s.bind(14, m.oos_rows);
    if (s.step() != SQLITE_DONE) {
        return sqlite_error(impl_->db, "insert model");
    }
    return sqlite3_last_insert_rowid(impl_->db);
}

Result<std::int64_t> RunStore::record_evolution(const EvolutionRecord& e) {
    Statement s(
        impl_->db,
        "INSERT INTO evolutions (created_ms, mode, asset, algorithm, config, trials, "
        "best_fitness, winner, in_sample_sharpe, holdout_sharpe, deflated_sharpe, summary_json, "
        "dir) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)");
    if (!s.ok()) {
        return sqlite_error(impl_->db, "prepare insert evolution");
    }
    s.bind(1, e.created_ms);
    s.bind(2, e.mode);
    s.bind(3, e.asset);
    s.bind(4, e.algorithm);
    s.bind(5, e.config);
    s.bind(6, e.trials);
    s.bind(7, e.best_fitness);
    s.bind(8, e.winner);
    s.bind(9, e.in_sample_sharpe);
    s.bind(10, e.holdout_sharpe);
    s.bind(11, e.deflated_sharpe);
    s.bind(12, e.summary_json);
    s.bind(13, e.dir);
    if (s.step() != SQLITE_DONE) {
        return sqlite_error(impl_->db, "insert evolution");
    }
    return sqlite3_last_insert_rowid(impl_->db);
}

Result<std::vector<EvolutionRecord>> RunStore::list_evolutions(std::size_t limit) {
    Statement s(
        impl_->db,
        "SELECT id, created_ms, mode, asset, algorithm, config, trials, best_fitness, winner, "
        "in_sample_sharpe, holdout_sharpe, deflated_sharpe, summary_json, dir FROM evolutions "
        "ORDER BY id DESC LIMIT ?");
    if (!s.ok()) {
        return sqlite_error(impl_->db, "list evolutions");
    }
    s.bind(1, static_cast<std::int64_t>(limit));
    std::vector<EvolutionRecord> out;
    while (s.step() == SQLITE_ROW) {
        EvolutionRecord e;
        e.id = s.integer(0);
        e.created_ms = s.integer(1);
        e.mode = s.text(2);
        e.asset = s.text(3);
        e.algorithm = s.text(4);
        e.config = s.text(5);
        e.trials = s.integer(6);
        e.best_fitness = s.real(7);
        e.winner = s.text(8);
        e.in_sample_sharpe = s.real(9);
        e.holdout_sharpe = s.real(10);
        e.deflated_sharpe = s.real(11);
        e.summary_json = s.text(12);
        e.dir = s.text(13);
        out.push_back(std::move(e));
    }
    return out;
}

Result<std::vector<ModelRecord>> RunStore::list_models(std::size_t limit) {
    Statement s(
        impl_->db,
        "SELECT id, created_ms, asset, model, label, features, train_from_ms, train_to_ms, "
        "data_hash, walk_forward, "
        "walk_forward_json, dir, oos_accuracy, oos_auc, oos_rows FROM models ORDER BY id DESC "
        "LIMIT ?");
    if (!s.ok()) {
        return sqlite_error(impl_->db, "list models");
    }
    s.bind(1, static_cast<std::int64_t>(limit));
    std::vector<ModelRecord> out;
    int rc = 0;
    while ((rc = s.step()) == SQLITE_ROW) {
        ModelRecord m;
        m.id = s.integer(0);
        m.created_ms = s.integer(1);
        m.asset = s.text(2);
        m.model = s.text(3);
        m.label = s.text(4);
        m.features = s.text(5);
        m.train_from_ms = s.integer(6);
        m.train_to_ms = s.integer(7);
        m.data_hash = s.text(8);
        m.walk_forward = s.text(9);
        m.walk_forward_json = s.text(10);
        m.dir = s.text(11);
        m.oos_accuracy = s.real(12);
        m.oos_auc = s.real(13);
        m.oos_rows = s.integer(14);
        out.push_back(std::move(m));
    }
    if (rc != SQLITE_DONE) {
        return sqlite_error(impl_->db, "list models");
    }
    return out;
}

}  // namespace ats::store
