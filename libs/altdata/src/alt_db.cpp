#include "ats/altdata/alt_db.hpp"

#include <cmath>

#include <fmt/format.h>
#include <sqlite3.h>

namespace ats::altdata {
namespace {

constexpr const char* kSchema = R"SQL(
PRAGMA journal_mode=WAL;
PRAGMA synchronous=NORMAL;
CREATE TABLE IF NOT EXISTS observations (
  series TEXT NOT NULL, event_ns INTEGER NOT NULL, vintage INTEGER NOT NULL,
  available_ns INTEGER NOT NULL, ingested_ns INTEGER NOT NULL, value REAL NOT NULL,
  source TEXT NOT NULL, PRIMARY KEY (series, event_ns, vintage));
CREATE TABLE IF NOT EXISTS headlines (
  feed TEXT NOT NULL, key TEXT NOT NULL, published_ns INTEGER NOT NULL,
  available_ns INTEGER NOT NULL, title TEXT NOT NULL, source TEXT NOT NULL,
  PRIMARY KEY (feed, key));
CREATE TABLE IF NOT EXISTS cursors (collector TEXT PRIMARY KEY, value TEXT NOT NULL);
)SQL";

/// One prepared statement, finalized on destruction.
class Stmt {
public:
    Stmt(sqlite3* db, const char* sql) {
        ok_ = sqlite3_prepare_v2(db, sql, -1, &s_, nullptr) == SQLITE_OK;
    }
    ~Stmt() { sqlite3_finalize(s_); }
    Stmt(const Stmt&) = delete;
    Stmt& operator=(const Stmt&) = delete;
    bool ok() const { return ok_; }
    sqlite3_stmt* get() const { return s_; }
    void text(int i, const std::string& v) {
        sqlite3_bind_text(s_, i, v.c_str(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    }
    void i64(int i, std::int64_t v) { sqlite3_bind_int64(s_, i, v); }
    void real(int i, double v) { sqlite3_bind_double(s_, i, v); }
    int step() { return sqlite3_step(s_); }
    void reset() {
        sqlite3_reset(s_);
        sqlite3_clear_bindings(s_);
    }
    std::string col_text(int i) const {
        const auto* p = sqlite3_column_text(s_, i);
        return p != nullptr ? reinterpret_cast<const char*>(p) : "";
    }
    std::int64_t col_i64(int i) const { return sqlite3_column_int64(s_, i); }
    double col_real(int i) const { return sqlite3_column_double(s_, i); }

private:
    sqlite3_stmt* s_ = nullptr;
    bool ok_ = false;
};

}  // namespace

struct AltDb::Impl {
    sqlite3* db = nullptr;
    std::string path;
    ~Impl() { sqlite3_close(db); }

    Error error(const char* what) const {
        return Error{ErrorCode::kIo, fmt::format("{}: {}: {}", path, what, sqlite3_errmsg(db))};
    }
    /// Ends the open transaction after `e` and returns `e`; a failed rollback is added to it
    /// (SQLite then rolls back on close, so the file keeps its last committed state either way).
    tl::unexpected<Error> abort(Error e) {
        if (auto s = exec("ROLLBACK"); !s) {
            e.message += fmt::format(" (and the rollback failed: {})", s.error().message);
        }
        return tl::unexpected(std::move(e));
    }
    Status exec(const char* sql) {
        char* msg = nullptr;
        if (sqlite3_exec(db, sql, nullptr, nullptr, &msg) != SQLITE_OK) {
            const std::string m = msg != nullptr ? msg : "?";
            sqlite3_free(msg);
            return make_error(ErrorCode::kIo, fmt::format("{}: {}", path, m));
        }
        return ok_status();
    }
};

AltDb::AltDb(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
AltDb::AltDb(AltDb&&) noexcept = default;
AltDb& AltDb::operator=(AltDb&&) noexcept = default;
AltDb::~AltDb() = default;

Result<AltDb> AltDb::open(const std::string& path) {
    auto impl = std::make_unique<Impl>();
    impl->path = path;
    if (sqlite3_open(path.c_str(), &impl->db) != SQLITE_OK) {
        return tl::unexpected(impl->error("cannot open"));
    }
    sqlite3_busy_timeout(impl->db, 5000);
    if (auto s = impl->exec(kSchema); !s) {
        return tl::unexpected(s.error());
    }
    return AltDb(std::move(impl));
}

Result<AltDb::Saved> AltDb::save(const std::vector<Observation>& observations) {
    Saved out;
    Impl& d = *impl_;
    if (auto s = d.exec("BEGIN IMMEDIATE"); !s) {
        return tl::unexpected(s.error());
    }
    Stmt latest(
        d.db,
        "SELECT vintage, value FROM observations WHERE series=?1 AND event_ns=?2 ORDER BY vintage "
        "DESC LIMIT 1");
    Stmt insert(
        d.db,
        "INSERT INTO observations(series, event_ns, vintage, available_ns, ingested_ns, value, "
        "source) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
    if (!latest.ok() || !insert.ok()) {
        return d.abort(d.error("prepare"));
    }
    for (const auto& o : observations) {
        if (!o.available || !std::isfinite(o.value)) {
            return d.abort(Error{
                ErrorCode::kInvalidArgument,
                fmt::format("{}: a value without an available time or not finite", o.series)});
        }
        latest.text(1, o.series);
        latest.i64(2, o.event.unix_ns());
        std::int64_t vintage = 0;
        Timestamp available = *o.available;
        if (latest.step() == SQLITE_ROW) {
            if (latest.col_real(1) == o.value) {
                ++out.unchanged;
                latest.reset();
                continue;
            }
            // A revision: the next vintage, known only from when it was collected.
            vintage = latest.col_i64(0) + 1;
            available = std::max(available, o.ingested);
            ++out.revised;
        } else {
            ++out.added;
        }
        latest.reset();
        insert.text(1, o.series);
        insert.i64(2, o.event.unix_ns());
        insert.i64(3, vintage);
        insert.i64(4, available.unix_ns());
        insert.i64(5, o.ingested.unix_ns());
        insert.real(6, o.value);
        insert.text(7, o.source);
        if (insert.step() != SQLITE_DONE) {
            return d.abort(d.error("insert"));
        }
        insert.reset();
    }
    if (auto s = d.exec("COMMIT"); !s) {
        return tl::unexpected(s.error());
    }
    return out;
}

Result<std::size_t> AltDb::save_headlines(
    const std::vector<Headline>& headlines, const std::string& feed) {
    Impl& d = *impl_;
    if (auto s = d.exec("BEGIN IMMEDIATE"); !s) {
        return tl::unexpected(s.error());
    }
    Stmt insert(
        d.db,
        "INSERT OR IGNORE INTO headlines(feed, key, published_ns, available_ns, title, source) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
    if (!insert.ok()) {
        return d.abort(d.error("prepare"));
    }
    std::size_t added = 0;
    for (const auto& h : headlines) {
        insert.text(1, feed);
        insert.text(2, fmt::format("{}|{}|{}", h.published.unix_ns(), h.source, h.title));
        insert.i64(3, h.published.unix_ns());
        insert.i64(4, h.available.unix_ns());
        insert.text(5, h.title);
        insert.text(6, h.source);
        if (insert.step() != SQLITE_DONE) {
            return d.abort(d.error("insert"));
        }
        added += static_cast<std::size_t>(sqlite3_changes(d.db));
        insert.reset();
    }
    if (auto s = d.exec("COMMIT"); !s) {
        return tl::unexpected(s.error());
    }
    return added;
}

Result<std::optional<std::string>> AltDb::cursor(const std::string& collector) {
    Stmt q(impl_->db, "SELECT value FROM cursors WHERE collector=?1");
    if (!q.ok()) {
        return tl::unexpected(impl_->error("prepare"));
    }
    q.text(1, collector);
    if (q.step() == SQLITE_ROW) {
        return std::optional<std::string>(q.col_text(0));
    }
    return std::optional<std::string>{};
}

Status AltDb::set_cursor(const std::string& collector, const std::string& value) {
    Stmt q(impl_->db, "INSERT OR REPLACE INTO cursors(collector, value) VALUES (?1, ?2)");
    if (!q.ok()) {
        return tl::unexpected(impl_->error("prepare"));
    }
    q.text(1, collector);
    q.text(2, value);
    if (q.step() != SQLITE_DONE) {
        return tl::unexpected(impl_->error("cursor"));
    }
    return ok_status();
}

Result<std::vector<Observation>> AltDb::observations(const std::string& series) {
    Stmt q(
        impl_->db,
        series.empty()
            ? "SELECT series, event_ns, vintage, available_ns, ingested_ns, value, source "
              "FROM observations ORDER BY series, event_ns, vintage"
            : "SELECT series, event_ns, vintage, available_ns, ingested_ns, value, source "
              "FROM observations WHERE series=?1 ORDER BY event_ns, vintage");
    if (!q.ok()) {
        return tl::unexpected(impl_->error("prepare"));
    }
    if (!series.empty()) {
        q.text(1, series);
    }
    std::vector<Observation> out;
    while (q.step() == SQLITE_ROW) {
        out.push_back(Observation{
            q.col_text(0),
            Timestamp::from_unix_ns(q.col_i64(1)),
            Timestamp::from_unix_ns(q.col_i64(3)),
            Timestamp::from_unix_ns(q.col_i64(4)),
            q.col_real(5),
            q.col_text(6),
            q.col_i64(2)});
    }
    return out;
}

Result<PointInTimeStore> AltDb::load_store() {
    auto all = observations({});
    if (!all) {
        return tl::unexpected(all.error());
    }
    PointInTimeStore store;
    if (auto s = store.add(*all); !s) {
        return tl::unexpected(s.error());
    }
    return store;
}

Result<std::vector<Headline>> AltDb::load_headlines() {
    Stmt q(
        impl_->db,
        "SELECT published_ns, available_ns, title, source FROM headlines ORDER BY published_ns");
    if (!q.ok()) {
        return tl::unexpected(impl_->error("prepare"));
    }
    std::vector<Headline> out;
    while (q.step() == SQLITE_ROW) {
        out.push_back(Headline{
            Timestamp::from_unix_ns(q.col_i64(0)),
            Timestamp::from_unix_ns(q.col_i64(1)),
            q.col_text(2),
            q.col_text(3)});
    }
    return out;
}

}  // namespace ats::altdata
