#include "ats/store/sqlite_state_store.hpp"

#include <array>
#include <filesystem>
#include <utility>

#include <fmt/format.h>
#include <sqlite3.h>

namespace ats::store {
namespace {

// "ATS1": tags the file as an ats state store.
constexpr int kApplicationId = 0x41545331;

// Migration k (1-based) brings the schema from version k-1 to k. Never edit a released step;
// append a new one.
constexpr std::array<const char*, SqliteStateStore::kSchemaVersion> kMigrations = {
    R"SQL(
CREATE TABLE journal (
  seq INTEGER PRIMARY KEY,
  ts_event_ns INTEGER NOT NULL,
  type TEXT NOT NULL,
  body TEXT NOT NULL
);
CREATE TABLE orders (
  id TEXT PRIMARY KEY,
  symbol TEXT NOT NULL,
  side TEXT NOT NULL,
  type TEXT NOT NULL,
  qty INTEGER NOT NULL,
  limit_price INTEGER,
  trigger_price INTEGER,
  reduce_only INTEGER NOT NULL,
  oco_group INTEGER NOT NULL,
  quote_budget INTEGER,
  status TEXT NOT NULL,
  filled_qty INTEGER NOT NULL DEFAULT 0,
  created_ns INTEGER NOT NULL,
  intent_seq INTEGER NOT NULL
);
CREATE TABLE order_events (
  seq INTEGER PRIMARY KEY,
  order_id TEXT NOT NULL,
  event TEXT NOT NULL,
  ts_ns INTEGER NOT NULL
);
CREATE INDEX order_events_by_order ON order_events(order_id);
CREATE TABLE fills (
  seq INTEGER PRIMARY KEY,
  order_id TEXT NOT NULL,
  symbol TEXT NOT NULL,
  side TEXT NOT NULL,
  qty INTEGER NOT NULL,
  price INTEGER NOT NULL,
  fee INTEGER NOT NULL,
  maker INTEGER NOT NULL,
  ts_ns INTEGER NOT NULL
);
CREATE TABLE positions (
  symbol TEXT PRIMARY KEY,
  qty INTEGER NOT NULL,
  average_entry INTEGER NOT NULL,
  realized_pnl INTEGER NOT NULL,
  seq INTEGER NOT NULL
);
CREATE TABLE balances (
  asset TEXT PRIMARY KEY,
  amount INTEGER NOT NULL,
  seq INTEGER NOT NULL
);
CREATE TABLE state (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL,
  seq INTEGER NOT NULL
);
CREATE TABLE snapshots (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  seq INTEGER NOT NULL,
  inputs INTEGER NOT NULL,
  ts_ns INTEGER NOT NULL,
  cash INTEGER NOT NULL,
  equity INTEGER NOT NULL,
  body TEXT NOT NULL
);
)SQL",
    R"SQL(
CREATE TABLE job_runs (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  job TEXT NOT NULL,
  scheduled_ns INTEGER NOT NULL,
  started_ns INTEGER NOT NULL,
  finished_ns INTEGER NOT NULL,
  ok INTEGER NOT NULL,
  message TEXT NOT NULL
);
CREATE INDEX job_runs_by_job ON job_runs(job, id);
)SQL",
    R"SQL(
ALTER TABLE fills ADD COLUMN base_fee INTEGER NOT NULL DEFAULT 0;
)SQL",
    R"SQL(
CREATE TABLE order_latency (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  order_id TEXT NOT NULL,
  request_ns INTEGER NOT NULL,
  exchange_ns INTEGER NOT NULL,
  response_ns INTEGER NOT NULL
);
)SQL",
};

class Statement {
public:
    Statement() = default;
    Statement(sqlite3* db, const char* sql) {
        rc_ = sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr);
    }
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;
    Statement(Statement&& o) noexcept
        : stmt_(std::exchange(o.stmt_, nullptr)), rc_(std::exchange(o.rc_, SQLITE_ERROR)) {}
    Statement& operator=(Statement&& o) noexcept {
        std::swap(stmt_, o.stmt_);
        std::swap(rc_, o.rc_);
        return *this;
    }
    ~Statement() { sqlite3_finalize(stmt_); }

    bool ok() const { return rc_ == SQLITE_OK; }
    void bind(int i, std::string_view v) {
        sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    }
    void bind(int i, std::int64_t v) { sqlite3_bind_int64(stmt_, i, v); }
    /// 128-bit raw values (Qty, Money): an INTEGER when it fits 64 bits, else the raw count as
    /// TEXT "raw:<digits>" (the prefix keeps SQLite's INTEGER affinity from turning it into a
    /// lossy REAL), so older files and ordinary values keep their integer columns.
    void bind(int i, detail::Int128 v) {
        if (detail::fits_int64(v)) {
            bind(i, static_cast<std::int64_t>(v));
        } else {
            bind(i, "raw:" + raw_text(v));
        }
    }
    void bind_null(int i) { sqlite3_bind_null(stmt_, i); }
    template <class T>
    void bind_opt(int i, const std::optional<T>& v) {
        if (v) {
            bind(i, v->raw());
        } else {
            bind_null(i);
        }
    }
    /// Steps once; SQLITE_ROW or SQLITE_DONE, anything else is an error.
    int step() { return sqlite3_step(stmt_); }
    void reset() {
        sqlite3_reset(stmt_);
        sqlite3_clear_bindings(stmt_);
        bad_cell_ = false;
    }
    std::string text(int i) {
        const auto* p = sqlite3_column_text(stmt_, i);
        return p == nullptr ? std::string() : std::string(reinterpret_cast<const char*>(p));
    }
    std::int64_t integer(int i) { return sqlite3_column_int64(stmt_, i); }
    /// A 128-bit raw value written by bind(int, Int128); nullopt for anything else (a corrupt
    /// cell).
    std::optional<detail::Int128> wide(int i) {
        if (sqlite3_column_type(stmt_, i) == SQLITE_INTEGER) {
            return detail::Int128{integer(i)};
        }
        return parse_raw_text(text(i));
    }
    template <class T>
    T fixed(int i) {
        const auto v = wide(i);
        bad_cell_ = bad_cell_ || !v;
        return T::from_raw(v.value_or(0));
    }
    /// Whether a fixed() read since the last reset found a cell that is not a number.
    bool bad_cell() const { return bad_cell_; }
    bool is_null(int i) { return sqlite3_column_type(stmt_, i) == SQLITE_NULL; }

private:
    static std::string raw_text(detail::Int128 v) {
        std::string out;
        const bool negative = v < 0;
        auto m =
            negative ? static_cast<detail::UInt128>(-(v + 1)) + 1 : static_cast<detail::UInt128>(v);
        do {
            out.insert(out.begin(), static_cast<char>('0' + static_cast<int>(m % 10)));
            m /= 10;
        } while (m != 0);
        return negative ? "-" + out : out;
    }
    static std::optional<detail::Int128> parse_raw_text(std::string_view t) {
        if (!t.starts_with("raw:")) {
            return std::nullopt;
        }
        t.remove_prefix(4);
        const bool negative = !t.empty() && t.front() == '-';
        if (negative) {
            t.remove_prefix(1);
        }
        if (t.empty() || t.size() > 38) {
            return std::nullopt;
        }
        detail::Int128 v = 0;
        for (const char c : t) {
            if (c < '0' || c > '9') {
                return std::nullopt;
            }
            v = v * 10 + (c - '0');
        }
        return negative ? -v : v;
    }

    sqlite3_stmt* stmt_ = nullptr;
    int rc_ = SQLITE_ERROR;
    bool bad_cell_ = false;
};

tl::unexpected<Error> sqlite_error(sqlite3* db, std::string_view path, std::string_view what) {
    return make_error(
        ErrorCode::kIo,
        fmt::format(
            "state store {}: {}: {}",
            path,
            what,
            db != nullptr ? sqlite3_errmsg(db) : "cannot open"));
}

}  // namespace

struct SqliteStateStore::Impl {
    sqlite3* db = nullptr;
    std::string path;
    int version = 0;
    bool in_batch = false;
    bool intents_full = false;   ///< Durability::kIntents
    bool sync_full_now = false;  ///< PRAGMA synchronous is FULL (kIntents, during an intent)
    std::uint64_t seq = 0;
    Statement begin, commit, insert_journal, order_event, order_status, insert_fill,
        order_fill_state, fill_order, upsert_position, find_order, insert_order, upsert_balance,
        upsert_state;

    ~Impl() {
        // Statements first, then the handle.
        begin = {};
        commit = {};
        insert_journal = {};
        order_event = {};
        order_status = {};
        insert_fill = {};
        order_fill_state = {};
        fill_order = {};
        upsert_position = {};
        find_order = {};
        insert_order = {};
        upsert_balance = {};
        upsert_state = {};
        sqlite3_close(db);
    }

    tl::unexpected<Error> error(std::string_view what) const {
        return sqlite_error(db, path, what);
    }

    Status exec(const char* sql, std::string_view what) {
        char* message = nullptr;
        if (sqlite3_exec(db, sql, nullptr, nullptr, &message) != SQLITE_OK) {
            std::string text = message != nullptr ? message : sqlite3_errmsg(db);
            sqlite3_free(message);
            return make_error(
                ErrorCode::kIo, fmt::format("state store {}: {}: {}", path, what, text));
        }
        return ok_status();
    }

    Status ensure_batch() {
        if (in_batch) {
            return ok_status();
        }
        const int rc = begin.step();
        begin.reset();
        if (rc != SQLITE_DONE) {
            return error("begin");
        }
        in_batch = true;
        return ok_status();
    }

    Status run(Statement& s, std::string_view what) {
        const int rc = s.step();
        s.reset();
        if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
            return error(what);
        }
        return ok_status();
    }

    /// PRAGMA synchronous, which SQLite lets change only between transactions.
    Status set_sync(bool full) {
        if (full == sync_full_now) {
            return ok_status();
        }
        if (auto s = exec(
                full ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL",
                "intent durability");
            !s) {
            return s;
        }
        sync_full_now = full;
        return ok_status();
    }

    Status do_commit() {
        if (!in_batch) {
            return ok_status();
        }
        const int rc = commit.step();
        commit.reset();
        if (rc == SQLITE_DONE && intents_full && sync_full_now) {
            // kIntents: the intent's batch was committed with FULL; back to NORMAL.
            in_batch = false;
            return set_sync(false);
        }
        if (rc != SQLITE_DONE) {
            auto e = error("commit");
            // A failed COMMIT may leave the transaction open; roll it back so the file stays at
            // the last good batch.
            if (sqlite3_get_autocommit(db) == 0) {
                sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
            }
            in_batch = false;
            return e;
        }
        in_batch = false;
        return ok_status();
    }
};

SqliteStateStore::SqliteStateStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SqliteStateStore::~SqliteStateStore() {
    if (impl_ && impl_->in_batch) {
        (void)impl_->do_commit();
    }
}

Result<std::unique_ptr<SqliteStateStore>> SqliteStateStore::open(
    const std::string& path, StateStoreOptions options) {
    std::error_code ec;
    const bool exists = std::filesystem::exists(path, ec);
    if (!exists && !options.create) {
        return make_error(ErrorCode::kNotFound, fmt::format("state store {}: no such file", path));
    }
    if (!exists && options.read_only) {
        return make_error(
            ErrorCode::kNotFound,
            fmt::format("state store {}: no such file (cannot create it read-only)", path));
    }
    auto impl = std::make_unique<Impl>();
    impl->path = path;
    const int flags =
        options.read_only ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    if (sqlite3_open_v2(path.c_str(), &impl->db, flags, nullptr) != SQLITE_OK) {
        return impl->error("open");
    }
    sqlite3_busy_timeout(impl->db, 1000);
    auto corrupt = [&](std::string_view why) {
        const int code = sqlite3_errcode(impl->db) & 0xFF;
        if (code == SQLITE_BUSY || code == SQLITE_LOCKED) {
            return make_error(
                ErrorCode::kUnavailable,
                fmt::format("state store {} is in use by another process", path));
        }
        return make_error(
            ErrorCode::kParse,
            fmt::format(
                "state store {} is corrupt or truncated ({}); refusing to start from empty state: "
                "restore a backup or move the file away",
                path,
                why));
    };
    auto scalar = [&](const char* sql) -> Result<std::int64_t> {
        Statement s(impl->db, sql);
        if (!s.ok() || s.step() != SQLITE_ROW) {
            return corrupt(sqlite3_errmsg(impl->db));
        }
        return s.integer(0);
    };
    if (exists) {
        // A file that exists must be one of ours and intact, whatever its size.
        Statement check(impl->db, "PRAGMA quick_check");
        if (!check.ok()) {
            return corrupt(sqlite3_errmsg(impl->db));
        }
        const int rc = check.step();
        if (rc != SQLITE_ROW) {
            return corrupt(sqlite3_errmsg(impl->db));
        }
        if (const std::string verdict = check.text(0); verdict != "ok") {
            return corrupt(verdict);
        }
        auto app = scalar("PRAGMA application_id");
        if (!app) {
            return tl::unexpected(app.error());
        }
        if (*app != kApplicationId) {
            // The backtest run history (ats.db) is a different kind of SQLite file: say so
            // rather than calling it corrupt.
            auto runs =
                scalar("SELECT COUNT(*) FROM sqlite_master WHERE type='table' AND name='runs'");
            if (runs && *runs > 0) {
                return make_error(
                    ErrorCode::kInvalidArgument,
                    fmt::format(
                        "{} is a backtest run history (the file `ats backtest --db` writes), not "
                        "a paper or live state file; give another --state (default paper.db)",
                        path));
            }
            return corrupt("not an ats state file: application_id does not match");
        }
        auto version = scalar("PRAGMA user_version");
        if (!version) {
            return tl::unexpected(version.error());
        }
        if (*version < 1) {
            return corrupt("no schema");
        }
        if (*version > kSchemaVersion) {
            return make_error(
                ErrorCode::kFailedPrecondition,
                fmt::format(
                    "state store {} has schema version {}, newer than this ats ({}); upgrade ats",
                    path,
                    *version,
                    kSchemaVersion));
        }
        impl->version = static_cast<int>(*version);
    }
    if (!options.read_only) {
        if (auto s = impl->exec("PRAGMA journal_mode=WAL", "enable WAL"); !s) {
            return tl::unexpected(s.error());
        }
        const char* sync = options.durability == Durability::kFull ? "PRAGMA synchronous=FULL"
                                                                   : "PRAGMA synchronous=NORMAL";
        impl->intents_full = options.durability == Durability::kIntents;
        if (auto s = impl->exec(sync, "set synchronous"); !s) {
            return tl::unexpected(s.error());
        }
        // Bigger page cache and rarer checkpoints: fewer reads and fsyncs per commit.
        if (auto s = impl->exec(
                "PRAGMA cache_size=-32768; PRAGMA wal_autocheckpoint=8192", "tune cache");
            !s) {
            return tl::unexpected(s.error());
        }
        if (options.exclusive) {
            if (auto s = impl->exec("PRAGMA locking_mode=EXCLUSIVE", "lock the file"); !s) {
                return tl::unexpected(s.error());
            }
        }
        if (options.max_pages) {
            const std::string sql = fmt::format("PRAGMA max_page_count={}", *options.max_pages);
            if (auto s = impl->exec(sql.c_str(), "set max_page_count"); !s) {
                return tl::unexpected(s.error());
            }
        }
        if (!exists) {
            const std::string sql = fmt::format("PRAGMA application_id={}", kApplicationId);
            if (auto s = impl->exec(sql.c_str(), "tag file"); !s) {
                return tl::unexpected(s.error());
            }
        }
        while (impl->version < kSchemaVersion) {
            const int next = impl->version + 1;
            const std::string sql = fmt::format(
                "BEGIN IMMEDIATE;\n{}\nPRAGMA user_version={};\nCOMMIT;",
                kMigrations[static_cast<std::size_t>(next - 1)],
                next);
            if (auto s = impl->exec(sql.c_str(), fmt::format("migrate to schema {}", next).c_str());
                !s) {
                sqlite3_exec(impl->db, "ROLLBACK", nullptr, nullptr, nullptr);
                return tl::unexpected(s.error());
            }
            impl->version = next;
        }
    } else if (!exists || impl->version < kSchemaVersion) {
        return make_error(
            ErrorCode::kFailedPrecondition,
            fmt::format("state store {}: read-only and needs a schema migration", path));
    }
    auto seq = scalar("SELECT COALESCE(MAX(seq), 0) FROM journal");
    if (!seq) {
        return tl::unexpected(seq.error());
    }
    impl->seq = static_cast<std::uint64_t>(*seq);

    sqlite3* db = impl->db;
    impl->begin = Statement(db, "BEGIN");
    impl->commit = Statement(db, "COMMIT");
    impl->insert_journal =
        Statement(db, "INSERT INTO journal(seq, ts_event_ns, type, body) VALUES(?,?,?,?)");
    impl->order_event =
        Statement(db, "INSERT INTO order_events(seq, order_id, event, ts_ns) VALUES(?,?,?,?)");
    impl->order_status = Statement(db, "UPDATE orders SET status=? WHERE id=?");
    impl->insert_fill = Statement(
        db,
        "INSERT INTO fills(seq, order_id, symbol, side, qty, price, fee, maker, ts_ns, base_fee) "
        "VALUES(?,?,?,?,?,?,?,?,?,?)");
    // Quantities may exceed 64 bits, so totals are summed here, not in SQL.
    impl->order_fill_state = Statement(db, "SELECT qty, filled_qty FROM orders WHERE id=?");
    impl->fill_order = Statement(db, "UPDATE orders SET filled_qty=?1, status=?3 WHERE id=?2");
    impl->upsert_position = Statement(
        db,
        "INSERT INTO positions(symbol, qty, average_entry, realized_pnl, seq) VALUES(?,?,?,?,?) "
        "ON CONFLICT(symbol) DO UPDATE SET qty=excluded.qty, "
        "average_entry=excluded.average_entry, realized_pnl=excluded.realized_pnl, "
        "seq=excluded.seq");
    impl->find_order = Statement(
        db,
        "SELECT symbol, side, type, qty, limit_price, trigger_price, reduce_only, oco_group, "
        "quote_budget FROM orders WHERE id=?");
    impl->insert_order = Statement(
        db,
        "INSERT INTO orders(id, symbol, side, type, qty, limit_price, trigger_price, "
        "reduce_only, oco_group, quote_budget, status, created_ns, intent_seq) "
        "VALUES(?,?,?,?,?,?,?,?,?,?,'sent',?,?)");
    impl->upsert_balance = Statement(
        db,
        "INSERT INTO balances(asset, amount, seq) VALUES(?,?,?) ON CONFLICT(asset) DO UPDATE "
        "SET amount=excluded.amount, seq=excluded.seq");
    impl->upsert_state = Statement(
        db,
        "INSERT INTO state(key, value, seq) VALUES(?,?,?) ON CONFLICT(key) DO UPDATE SET "
        "value=excluded.value, seq=excluded.seq");
    for (Statement* s :
         {&impl->insert_journal,
          &impl->order_event,
          &impl->order_status,
          &impl->insert_fill,
          &impl->order_fill_state,
          &impl->fill_order,
          &impl->upsert_position,
          &impl->find_order,
          &impl->insert_order,
          &impl->upsert_balance,
          &impl->upsert_state}) {
        if (!options.read_only && !s->ok()) {
            return impl->error("prepare");
        }
    }
    return std::unique_ptr<SqliteStateStore>(new SqliteStateStore(std::move(impl)));
}

Status SqliteStateStore::append(const model::Event& event) {
    Impl& m = *impl_;
    if (auto s = m.ensure_batch(); !s) {
        return s;
    }
    const auto seq = static_cast<std::int64_t>(m.seq + 1);
    const std::string body = model::to_json_line(event);
    const Timestamp ts = std::visit([](const auto& e) { return e.ts_event; }, event);
    m.insert_journal.bind(1, seq);
    m.insert_journal.bind(2, ts.unix_ns());
    m.insert_journal.bind(3, model::event_name(event));
    m.insert_journal.bind(4, body);
    if (auto s = m.run(m.insert_journal, "append to journal"); !s) {
        return s;
    }
    auto order_event = [&](const ClientOrderId& id, std::string_view status) -> Status {
        m.order_event.bind(1, seq);
        m.order_event.bind(2, id.str());
        m.order_event.bind(3, model::event_name(event));
        m.order_event.bind(4, ts.unix_ns());
        if (auto s = m.run(m.order_event, "record order event"); !s) {
            return s;
        }
        if (status.empty()) {
            return ok_status();
        }
        m.order_status.bind(1, status);
        m.order_status.bind(2, id.str());
        return m.run(m.order_status, "update order");
    };
    Status result = ok_status();
    if (const auto* placed = std::get_if<model::OrderPlaced>(&event)) {
        result = order_event(placed->order_id, "");
    } else if (const auto* filled = std::get_if<model::OrderFilled>(&event)) {
        const model::Fill& f = filled->fill;
        m.insert_fill.bind(1, seq);
        m.insert_fill.bind(2, f.order_id.str());
        m.insert_fill.bind(3, f.symbol.view());
        m.insert_fill.bind(4, to_string(f.side));
        m.insert_fill.bind(5, f.qty.raw());
        m.insert_fill.bind(6, f.price.raw());
        m.insert_fill.bind(7, f.fee.raw());
        m.insert_fill.bind(8, std::int64_t{f.maker ? 1 : 0});
        m.insert_fill.bind(9, f.ts.unix_ns());
        m.insert_fill.bind(10, f.base_fee.raw());
        result = m.run(m.insert_fill, "record fill");
        if (result) {
            // An order placed outside this store (a test, an import) has no row: nothing to sum.
            m.order_fill_state.bind(1, f.order_id.str());
            const int rc = m.order_fill_state.step();
            if (rc == SQLITE_ROW) {
                const Qty ordered = m.order_fill_state.fixed<Qty>(0);
                const Qty filled_before = m.order_fill_state.fixed<Qty>(1);
                const bool bad = m.order_fill_state.bad_cell();
                m.order_fill_state.reset();
                const auto total = Qty::checked_add(filled_before, f.qty);
                if (bad || !total) {
                    result = make_error(
                        ErrorCode::kParse,
                        fmt::format(
                            "state store {}: order {} has an unreadable filled quantity",
                            m.path,
                            f.order_id.str()));
                } else {
                    // A quantity order ends at its quantity; a quote-budget one (qty 0) when the
                    // venue says so.
                    const bool done =
                        filled->order_complete || (ordered.is_positive() && *total >= ordered);
                    m.fill_order.bind(1, total->raw());
                    m.fill_order.bind(2, f.order_id.str());
                    m.fill_order.bind(3, done ? "filled" : "partially_filled");
                    result = m.run(m.fill_order, "update order");
                }
            } else {
                m.order_fill_state.reset();
                if (rc != SQLITE_DONE) {
                    result = m.error("read order");
                }
            }
        }
        if (result) {
            result = order_event(f.order_id, "");
        }
    } else if (const auto* canceled = std::get_if<model::OrderCanceled>(&event)) {
        result = order_event(canceled->order_id, "canceled");
    } else if (const auto* rejected = std::get_if<model::OrderRejected>(&event)) {
        result = order_event(rejected->order_id, "rejected");
    } else if (const auto* position = std::get_if<model::PositionUpdated>(&event)) {
        m.upsert_position.bind(1, position->symbol.view());
        m.upsert_position.bind(2, position->qty.raw());
        m.upsert_position.bind(3, position->average_entry.raw());
        m.upsert_position.bind(4, position->realized_pnl.raw());
        m.upsert_position.bind(5, seq);
        result = m.run(m.upsert_position, "update position");
    }
    if (result) {
        ++m.seq;
    }
    return result;
}

Status SqliteStateStore::record_order_intent(
    const model::Order& order, std::optional<Money> quote_budget) {
    Impl& m = *impl_;
    if (m.intents_full && !m.sync_full_now) {
        // kIntents: the pending events commit as usual (NORMAL), then the intent's own batch
        // commits with FULL, fsynced before the order may leave.
        if (auto s = m.do_commit(); !s) {
            return s;
        }
        if (auto s = m.set_sync(true); !s) {
            return s;
        }
    }
    if (auto s = m.ensure_batch(); !s) {
        return s;
    }
    const model::OrderRequest& r = order.request();
    m.find_order.bind(1, order.id().str());
    const int rc = m.find_order.step();
    if (rc == SQLITE_ROW) {
        auto opt_raw = [&](int col) -> std::optional<detail::Int128> {
            if (m.find_order.is_null(col)) {
                return std::nullopt;
            }
            return m.find_order.wide(col);
        };
        auto raw = [](const auto& v) -> std::optional<detail::Int128> {
            if (!v) {
                return std::nullopt;
            }
            return v->raw();
        };
        const bool same =
            m.find_order.text(0) == r.symbol.view() && m.find_order.text(1) == to_string(r.side) &&
            m.find_order.text(2) == model::to_string(r.type) &&
            m.find_order.wide(3) == r.qty.raw() && opt_raw(4) == raw(r.limit_price) &&
            opt_raw(5) == raw(r.trigger_price) && (m.find_order.integer(6) != 0) == r.reduce_only &&
            m.find_order.integer(7) == static_cast<std::int64_t>(r.oco_group) &&
            opt_raw(8) == raw(quote_budget);
        m.find_order.reset();
        if (!same) {
            return make_error(
                ErrorCode::kFailedPrecondition,
                fmt::format(
                    "order {} is recorded with a different request; the state file belongs to "
                    "another run",
                    order.id().str()));
        }
        return make_error(
            ErrorCode::kAlreadyExists, fmt::format("order {} already recorded", order.id().str()));
    }
    m.find_order.reset();
    if (rc != SQLITE_DONE) {
        return m.error("look up order");
    }
    Statement& ins = m.insert_order;
    ins.bind(1, order.id().str());
    ins.bind(2, r.symbol.view());
    ins.bind(3, to_string(r.side));
    ins.bind(4, model::to_string(r.type));
    ins.bind(5, r.qty.raw());
    ins.bind_opt(6, r.limit_price);
    ins.bind_opt(7, r.trigger_price);
    ins.bind(8, std::int64_t{r.reduce_only ? 1 : 0});
    ins.bind(9, static_cast<std::int64_t>(r.oco_group));
    ins.bind_opt(10, quote_budget);
    ins.bind(11, order.created().unix_ns());
    ins.bind(12, static_cast<std::int64_t>(m.seq));
    if (auto s = m.run(ins, "record order intent"); !s) {
        return s;
    }
    return m.do_commit();
}

Status SqliteStateStore::set_balance(std::string_view asset, Money amount) {
    Impl& m = *impl_;
    if (auto s = m.ensure_batch(); !s) {
        return s;
    }
    m.upsert_balance.bind(1, asset);
    m.upsert_balance.bind(2, amount.raw());
    m.upsert_balance.bind(3, static_cast<std::int64_t>(m.seq));
    return m.run(m.upsert_balance, "update balance");
}

Status SqliteStateStore::put_state(std::string_view key, std::string_view value) {
    Impl& m = *impl_;
    if (auto s = m.ensure_batch(); !s) {
        return s;
    }
    m.upsert_state.bind(1, key);
    m.upsert_state.bind(2, value);
    m.upsert_state.bind(3, static_cast<std::int64_t>(m.seq));
    return m.run(m.upsert_state, "save state");
}

Status SqliteStateStore::save_snapshot(const model::Snapshot& snapshot) {
    Impl& m = *impl_;
    if (auto s = m.ensure_batch(); !s) {
        return s;
    }
    Statement s(
        m.db, "INSERT INTO snapshots(seq, inputs, ts_ns, cash, equity, body) VALUES(?,?,?,?,?,?)");
    if (!s.ok()) {
        return m.error("prepare snapshot");
    }
    s.bind(1, static_cast<std::int64_t>(snapshot.sequence));
    s.bind(2, static_cast<std::int64_t>(snapshot.inputs));
    s.bind(3, snapshot.ts.unix_ns());
    s.bind(4, snapshot.cash.raw());
    s.bind(5, snapshot.equity.raw());
    s.bind(6, snapshot.body);
    return m.run(s, "save snapshot");
}

Status SqliteStateStore::commit() {
    return impl_->do_commit();
}

Status SqliteStateStore::execute(const std::string& sql) {
    if (auto s = impl_->ensure_batch(); !s) {
        return s;
    }
    return impl_->exec(sql.c_str(), "execute");
}

std::uint64_t SqliteStateStore::journal_size() const {
    return impl_->seq;
}
int SqliteStateStore::schema_version() const {
    return impl_->version;
}
const std::string& SqliteStateStore::path() const {
    return impl_->path;
}

Result<std::vector<model::JournalEntry>> SqliteStateStore::read_journal(
    std::uint64_t first, std::size_t limit) {
    Statement s(impl_->db, "SELECT seq, type, body FROM journal WHERE seq>=? ORDER BY seq LIMIT ?");
    if (!s.ok()) {
        return impl_->error("read journal");
    }
    s.bind(1, static_cast<std::int64_t>(first));
    s.bind(2, static_cast<std::int64_t>(limit));
    std::vector<model::JournalEntry> out;
    int rc = 0;
    while ((rc = s.step()) == SQLITE_ROW) {
        out.push_back(
            model::JournalEntry{static_cast<std::uint64_t>(s.integer(0)), s.text(1), s.text(2)});
    }
    if (rc != SQLITE_DONE) {
        return impl_->error("read journal");
    }
    return out;
}

Result<std::optional<model::Snapshot>> SqliteStateStore::last_snapshot() {
    Statement s(
        impl_->db,
        "SELECT seq, inputs, ts_ns, cash, equity, body FROM snapshots ORDER BY id DESC LIMIT 1");
    if (!s.ok()) {
        return impl_->error("read snapshot");
    }
    const int rc = s.step();
    if (rc == SQLITE_DONE) {
        return std::optional<model::Snapshot>();
    }
    if (rc != SQLITE_ROW) {
        return impl_->error("read snapshot");
    }
    model::Snapshot snap;
    snap.sequence = static_cast<std::uint64_t>(s.integer(0));
    snap.inputs = static_cast<std::uint64_t>(s.integer(1));
    snap.ts = Timestamp::from_unix_ns(s.integer(2));
    snap.cash = s.fixed<Money>(3);
    snap.equity = s.fixed<Money>(4);
    snap.body = s.text(5);
    if (s.bad_cell()) {
        return make_error(
            ErrorCode::kParse, fmt::format("state store {}: bad snapshot amounts", impl_->path));
    }
    return std::optional<model::Snapshot>(std::move(snap));
}

Result<std::optional<std::string>> SqliteStateStore::get_state(std::string_view key) {
    Statement s(impl_->db, "SELECT value FROM state WHERE key=?");
    if (!s.ok()) {
        return impl_->error("read state");
    }
    s.bind(1, key);
    const int rc = s.step();
    if (rc == SQLITE_DONE) {
        return std::optional<std::string>();
    }
    if (rc != SQLITE_ROW) {
        return impl_->error("read state");
    }
    return std::optional<std::string>(s.text(0));
}

Result<std::vector<model::StoredOrder>> SqliteStateStore::orders() {
    Statement s(
        impl_->db,
        "SELECT id, symbol, side, type, qty, limit_price, trigger_price, reduce_only, oco_group, "
        "quote_budget, status, filled_qty FROM orders ORDER BY intent_seq, id");
    if (!s.ok()) {
        return impl_->error("read orders");
    }
    std::vector<model::StoredOrder> out;
    int rc = 0;
    while ((rc = s.step()) == SQLITE_ROW) {
        auto id = ClientOrderId::parse(s.text(0));
        auto symbol = Symbol::parse(s.text(1));
        auto side = parse_side(s.text(2));
        auto type = model::parse_order_type(s.text(3));
        if (!id || !symbol || !side || !type) {
            return make_error(
                ErrorCode::kParse,
                fmt::format("state store {}: bad order row '{}'", impl_->path, s.text(0)));
        }
        model::OrderRequest request{
            *symbol, *side, *type, s.fixed<Qty>(4), std::nullopt, std::nullopt, false, 0};
        model::StoredOrder o{*id, std::move(request), std::nullopt, s.text(10), s.fixed<Qty>(11)};
        if (!s.is_null(5)) {
            o.request.limit_price = Price::from_raw(s.integer(5));
        }
        if (!s.is_null(6)) {
            o.request.trigger_price = Price::from_raw(s.integer(6));
        }
        o.request.reduce_only = s.integer(7) != 0;
        o.request.oco_group = static_cast<std::uint32_t>(s.integer(8));
        if (!s.is_null(9)) {
            o.quote_budget = s.fixed<Money>(9);
        }
        out.push_back(std::move(o));
    }
    if (rc != SQLITE_DONE) {
        return impl_->error("read orders");
    }
    if (s.bad_cell()) {
        return make_error(
            ErrorCode::kParse,
            fmt::format("state store {}: an order has a bad number", impl_->path));
    }
    return out;
}

Result<std::vector<model::Fill>> SqliteStateStore::fills() {
    Statement s(
        impl_->db,
        "SELECT order_id, symbol, side, qty, price, fee, maker, ts_ns, base_fee FROM fills "
        "ORDER BY seq");
    if (!s.ok()) {
        return impl_->error("read fills");
    }
    std::vector<model::Fill> out;
    int rc = 0;
    while ((rc = s.step()) == SQLITE_ROW) {
        auto id = ClientOrderId::parse(s.text(0));
        auto symbol = Symbol::parse(s.text(1));
        auto side = parse_side(s.text(2));
        if (!id || !symbol || !side) {
            return make_error(
                ErrorCode::kParse,
                fmt::format("state store {}: bad fill row for '{}'", impl_->path, s.text(0)));
        }
        out.push_back(model::Fill{
            *id,
            *symbol,
            *side,
            s.fixed<Qty>(3),
            Price::from_raw(s.integer(4)),
            s.fixed<Money>(5),
            s.integer(6) != 0,
            Timestamp::from_unix_ns(s.integer(7)),
            s.fixed<Qty>(8)});
    }
    if (rc != SQLITE_DONE) {
        return impl_->error("read fills");
    }
    if (s.bad_cell()) {
        return make_error(
            ErrorCode::kParse, fmt::format("state store {}: a fill has a bad number", impl_->path));
    }
    return out;
}

Result<std::optional<Money>> SqliteStateStore::balance(std::string_view asset) {
    Statement s(impl_->db, "SELECT amount FROM balances WHERE asset=?");
    if (!s.ok()) {
        return impl_->error("read balance");
    }
    s.bind(1, asset);
    const int rc = s.step();
    if (rc == SQLITE_DONE) {
        return std::optional<Money>();
    }
    if (rc != SQLITE_ROW) {
        return impl_->error("read balance");
    }
    const Money amount = s.fixed<Money>(0);
    if (s.bad_cell()) {
        return make_error(
            ErrorCode::kParse,
            fmt::format("state store {}: balance of {} is not a number", impl_->path, asset));
    }
    return std::optional<Money>(amount);
}

Status SqliteStateStore::record_job_run(const model::JobRun& run) {
    Impl& m = *impl_;
    if (auto s = m.ensure_batch(); !s) {
        return s;
    }
    Statement s(
        m.db,
        "INSERT INTO job_runs(job, scheduled_ns, started_ns, finished_ns, ok, message) "
        "VALUES(?,?,?,?,?,?)");
    if (!s.ok()) {
        return m.error("prepare job run");
    }
    s.bind(1, run.job);
    s.bind(2, run.scheduled.unix_ns());
    s.bind(3, run.started.unix_ns());
    s.bind(4, run.finished.unix_ns());
    s.bind(5, std::int64_t{run.ok ? 1 : 0});
    s.bind(6, run.message);
    if (auto r = m.run(s, "record job run"); !r) {
        return r;
    }
    return m.do_commit();
}

Status SqliteStateStore::record_order_latency(const OrderLatency& row) {
    Impl& m = *impl_;
    if (auto s = m.ensure_batch(); !s) {
        return s;
    }
    Statement s(
        m.db,
        "INSERT INTO order_latency(order_id, request_ns, exchange_ns, response_ns) "
        "VALUES(?,?,?,?)");
    if (!s.ok()) {
        return m.error("prepare order latency");
    }
    s.bind(1, row.order_id);
    s.bind(2, row.request_ns);
    s.bind(3, row.exchange_ns);
    s.bind(4, row.response_ns);
    return m.run(s, "record order latency");
}

Result<std::vector<OrderLatency>> SqliteStateStore::order_latencies() {
    Statement s(
        impl_->db,
        "SELECT order_id, request_ns, exchange_ns, response_ns FROM order_latency ORDER BY seq");
    if (!s.ok()) {
        return impl_->error("read order latencies");
    }
    std::vector<OrderLatency> out;
    int rc = 0;
    while ((rc = s.step()) == SQLITE_ROW) {
        out.push_back(OrderLatency{s.text(0), s.integer(1), s.integer(2), s.integer(3)});
    }
    if (rc != SQLITE_DONE) {
        return impl_->error("read order latencies");
    }
    return out;
}

Result<std::vector<OrderTimes>> SqliteStateStore::order_times() {
    Statement s(
        impl_->db,
        "SELECT order_id, "
        "MIN(CASE WHEN event='OrderPlaced' THEN ts_ns END), "
        "MIN(CASE WHEN event='OrderFilled' THEN ts_ns END), "
        "MIN(CASE WHEN event='OrderCanceled' THEN ts_ns END) "
        "FROM order_events GROUP BY order_id ORDER BY MIN(seq)");
    if (!s.ok()) {
        return impl_->error("read order times");
    }
    std::vector<OrderTimes> out;
    int rc = 0;
    while ((rc = s.step()) == SQLITE_ROW) {
        const auto at = [&](int col) {
            return s.is_null(col) ? -1 : s.integer(col);
        };
        out.push_back(OrderTimes{s.text(0), at(1), at(2), at(3)});
    }
    if (rc != SQLITE_DONE) {
        return impl_->error("read order times");
    }
    return out;
}

Result<std::vector<model::JobRun>> SqliteStateStore::job_runs(
    std::string_view job, std::size_t limit) {
    Statement s(
        impl_->db,
        "SELECT job, scheduled_ns, started_ns, finished_ns, ok, message FROM job_runs "
        "WHERE ?1='' OR job=?1 ORDER BY id DESC LIMIT ?2");
    if (!s.ok()) {
        return impl_->error("read job runs");
    }
    s.bind(1, job);
    s.bind(2, static_cast<std::int64_t>(limit));
    std::vector<model::JobRun> out;
    int rc = 0;
    while ((rc = s.step()) == SQLITE_ROW) {
        out.push_back(model::JobRun{
            s.text(0),
            Timestamp::from_unix_ns(s.integer(1)),
            Timestamp::from_unix_ns(s.integer(2)),
            Timestamp::from_unix_ns(s.integer(3)),
            s.integer(4) != 0,
            s.text(5)});
    }
    if (rc != SQLITE_DONE) {
        return impl_->error("read job runs");
    }
    return out;
}

}  // namespace ats::store
