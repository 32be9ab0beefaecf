#include "ats/server/auth.hpp"

#include <algorithm>
#include <map>
#include <utility>

#include <fmt/format.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <sqlite3.h>

namespace ats::server {

std::string_view to_string(Role role) noexcept {
    return role == Role::kTrader ? "trader" : "viewer";
}

std::optional<Role> parse_role(std::string_view text) noexcept {
    if (text == "viewer") {
        return Role::kViewer;
    }
    if (text == "trader") {
        return Role::kTrader;
    }
    return std::nullopt;
}

namespace {

std::string hex(const unsigned char* data, std::size_t n) {
    static const char* const kDigits = "0123456789abcdef";
    std::string out(n * 2, '0');
    for (std::size_t i = 0; i < n; ++i) {
        out[2 * i] = kDigits[data[i] >> 4];
        out[2 * i + 1] = kDigits[data[i] & 15];
    }
    return out;
}

std::string random_hex(std::size_t bytes) {
    std::vector<unsigned char> buf(bytes);
    if (RAND_bytes(buf.data(), static_cast<int>(buf.size())) != 1) {
        return {};
    }
    return hex(buf.data(), buf.size());
}

std::string sha256_hex(std::string_view text) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    EVP_Digest(text.data(), text.size(), digest, &n, EVP_sha256(), nullptr);
    return hex(digest, n);
}

bool valid_name(std::string_view name) {
    return !name.empty() && name.size() <= 64 && std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '_' || c == '-' || c == '.';
    });
}

class Stmt {
public:
    Stmt(sqlite3* db, const char* sql) { sqlite3_prepare_v2(db, sql, -1, &s_, nullptr); }
    ~Stmt() { sqlite3_finalize(s_); }
    Stmt(const Stmt&) = delete;
    Stmt& operator=(const Stmt&) = delete;
    bool ok() const { return s_ != nullptr; }
    Stmt& bind(int i, std::string_view v) {
        sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
        return *this;
    }
    Stmt& bind(int i, std::int64_t v) {
        sqlite3_bind_int64(s_, i, v);
        return *this;
    }
    int step() { return sqlite3_step(s_); }
    std::string text(int i) {
        const auto* p = sqlite3_column_text(s_, i);
        return p == nullptr ? std::string() : std::string(reinterpret_cast<const char*>(p));
    }
    std::int64_t integer(int i) { return sqlite3_column_int64(s_, i); }

private:
    sqlite3_stmt* s_ = nullptr;
};

constexpr const char* kSchema = R"(
CREATE TABLE IF NOT EXISTS users (
  name TEXT PRIMARY KEY,
  role TEXT NOT NULL,
  salt TEXT NOT NULL,
  hash TEXT NOT NULL,
  iterations INTEGER NOT NULL,
  created_ms INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS tokens (
  hash TEXT PRIMARY KEY,
  user TEXT NOT NULL,
  kind TEXT NOT NULL,
  expires_ms INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS audit (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  ts_ms INTEGER NOT NULL,
  user TEXT NOT NULL,
  action TEXT NOT NULL,
  target TEXT NOT NULL,
  result TEXT NOT NULL,
  detail TEXT NOT NULL
);
)";

}  // namespace

std::string pbkdf2_hex(std::string_view password, std::string_view salt, int iterations) {
    unsigned char out[32];
    if (PKCS5_PBKDF2_HMAC(
            password.data(),
            static_cast<int>(password.size()),
            reinterpret_cast<const unsigned char*>(salt.data()),
            static_cast<int>(salt.size()),
            iterations,
            EVP_sha256(),
            sizeof out,
            out) != 1) {
        return {};
    }
    return hex(out, sizeof out);
}

bool constant_time_equal(std::string_view a, std::string_view b) noexcept {
    return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

struct AuthStore::Impl {
    sqlite3* db = nullptr;
    std::string path;
    std::mutex mu;  // guards db and failures
    struct Failures {
        std::int64_t window_start_ms = 0;
        int count = 0;
    };
    std::map<std::string, Failures> failures;  // Guarded by mu: key "user\naddress"
    // A user's hash is compared even for unknown names, so both cost the same time.
    std::string dummy_salt = random_hex(16);
    std::string dummy_hash = pbkdf2_hex("x", dummy_salt, kIterations);

    ~Impl() { sqlite3_close(db); }

    Result<Tokens> issue(const std::string& user, Timestamp now) {
        Tokens t;
        t.access_token = random_hex(32);
        t.refresh_token = random_hex(32);
        t.expires_in = kAccessSeconds;
        if (t.access_token.empty() || t.refresh_token.empty()) {
            return make_error(ErrorCode::kInternal, "no randomness for tokens");
        }
        for (const auto& [token, kind, seconds] :
             {std::tuple{t.access_token, "access", kAccessSeconds},
              std::tuple{t.refresh_token, "refresh", kRefreshSeconds}}) {
            Stmt s(db, "INSERT INTO tokens(hash, user, kind, expires_ms) VALUES(?,?,?,?)");
            s.bind(1, sha256_hex(token))
                .bind(2, user)
                .bind(3, kind)
                .bind(4, now.unix_ms() + seconds * 1000);
            if (s.step() != SQLITE_DONE) {
                return make_error(ErrorCode::kIo, fmt::format("tokens: {}", sqlite3_errmsg(db)));
            }
        }
        Stmt purge(db, "DELETE FROM tokens WHERE expires_ms < ?");
        purge.bind(1, now.unix_ms());
        purge.step();
        return t;
    }
};

AuthStore::AuthStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
AuthStore::~AuthStore() = default;

Result<std::unique_ptr<AuthStore>> AuthStore::open(const std::string& path) {
    auto impl = std::make_unique<Impl>();
    impl->path = path;
    if (sqlite3_open_v2(
            path.c_str(),
            &impl->db,
            SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
            nullptr) != SQLITE_OK) {
        return make_error(
            ErrorCode::kIo,
            fmt::format(
                "{}: cannot open: {}",
                path,
                impl->db != nullptr ? sqlite3_errmsg(impl->db) : "out of memory"));
    }
    sqlite3_busy_timeout(impl->db, 5000);
    char* err = nullptr;
    if (sqlite3_exec(impl->db, kSchema, nullptr, nullptr, &err) != SQLITE_OK) {
        const std::string message = err != nullptr ? err : "schema";
        sqlite3_free(err);
        return make_error(
            ErrorCode::kIo, fmt::format("{}: not a usable SQLite file: {}", path, message));
    }
    return std::unique_ptr<AuthStore>(new AuthStore(std::move(impl)));
}

Status AuthStore::add_user(std::string_view name, std::string_view password, Role role) {
    if (!valid_name(name)) {
        return make_error(
            ErrorCode::kInvalidArgument, "user name: 1 to 64 letters, digits, '_', '-' or '.'");
    }
    if (password.size() < 8) {
        return make_error(ErrorCode::kInvalidArgument, "password: at least 8 characters");
    }
    const std::string salt = random_hex(16);
    const std::string hash = pbkdf2_hex(password, salt, kIterations);
    if (salt.empty() || hash.empty()) {
        return make_error(ErrorCode::kInternal, "cannot hash the password");
    }
    const std::lock_guard lock(impl_->mu);
    Stmt s(
        impl_->db,
        "INSERT INTO users(name, role, salt, hash, iterations, created_ms) "
        "VALUES(?,?,?,?,?,strftime('%s','now')*1000)");
    s.bind(1, name).bind(2, to_string(role)).bind(3, salt).bind(4, hash).bind(5, kIterations);
    const int rc = s.step();
    if (rc == SQLITE_CONSTRAINT) {
        return make_error(ErrorCode::kAlreadyExists, fmt::format("user '{}' already exists", name));
    }
    if (rc != SQLITE_DONE) {
        return make_error(ErrorCode::kIo, fmt::format("users: {}", sqlite3_errmsg(impl_->db)));
    }
    return ok_status();
}

Status AuthStore::remove_user(std::string_view name) {
    const std::lock_guard lock(impl_->mu);
    Stmt s(impl_->db, "DELETE FROM users WHERE name=?");
    s.bind(1, name);
    s.step();
    if (sqlite3_changes(impl_->db) == 0) {
        return make_error(ErrorCode::kNotFound, fmt::format("no user '{}'", name));
    }
    Stmt t(impl_->db, "DELETE FROM tokens WHERE user=?");
    t.bind(1, name);
    t.step();
    return ok_status();
}

Result<std::vector<User>> AuthStore::users() {
    const std::lock_guard lock(impl_->mu);
    Stmt s(impl_->db, "SELECT name, role FROM users ORDER BY name");
    std::vector<User> out;
    while (s.step() == SQLITE_ROW) {
        out.push_back(User{s.text(0), parse_role(s.text(1)).value_or(Role::kViewer)});
    }
    return out;
}

Result<Tokens> AuthStore::login(
    std::string_view name,
    std::string_view password,
    std::string_view client,
    Timestamp now,
    std::int64_t* retry_after) {
    const std::string key = fmt::format("{}\n{}", name, client);
    std::string salt;
    std::string stored;
    int iterations = kIterations;
    std::string role;
    {
        const std::lock_guard lock(impl_->mu);
        auto& f = impl_->failures[key];
        if (now.unix_ms() - f.window_start_ms > kFailureWindowSeconds * 1000) {
            f = Impl::Failures{now.unix_ms(), 0};
        }
        if (f.count >= kMaxFailures) {
            if (retry_after != nullptr) {
                *retry_after = std::max<std::int64_t>(
                    1, (f.window_start_ms + kFailureWindowSeconds * 1000 - now.unix_ms()) / 1000);
            }
            return make_error(
                ErrorCode::kUnavailable, "too many failed logins; wait before trying again");
        }
        Stmt s(impl_->db, "SELECT salt, hash, iterations, role FROM users WHERE name=?");
        s.bind(1, name);
        if (s.step() == SQLITE_ROW) {
            salt = s.text(0);
            stored = s.text(1);
            iterations = static_cast<int>(s.integer(2));
            role = s.text(3);
        }
    }
    const bool known = !stored.empty();
    const std::string computed = pbkdf2_hex(password, known ? salt : impl_->dummy_salt, iterations);
    const bool match = constant_time_equal(computed, known ? stored : impl_->dummy_hash) && known;
    const std::lock_guard lock(impl_->mu);
    if (!match) {
        ++impl_->failures[key].count;
        return make_error(ErrorCode::kRejected, "wrong user name or password");
    }
    impl_->failures.erase(key);
    return impl_->issue(std::string(name), now);
}

Result<Tokens> AuthStore::refresh(std::string_view refresh_token, Timestamp now) {
    const std::lock_guard lock(impl_->mu);
    const std::string hash = sha256_hex(refresh_token);
    Stmt s(impl_->db, "SELECT user, expires_ms FROM tokens WHERE hash=? AND kind='refresh'");
    s.bind(1, hash);
    if (s.step() != SQLITE_ROW || s.integer(1) < now.unix_ms()) {
        return make_error(ErrorCode::kRejected, "refresh token unknown or expired");
    }
    const std::string user = s.text(0);
    Stmt spend(impl_->db, "DELETE FROM tokens WHERE hash=?");
    spend.bind(1, hash);
    spend.step();
    return impl_->issue(user, now);
}

std::optional<User> AuthStore::authenticate(std::string_view access_token, Timestamp now) {
    if (access_token.size() != 64) {
        return std::nullopt;
    }
    const std::lock_guard lock(impl_->mu);
    // Looked up by the hash of the token: no secret is compared byte by byte here.
    Stmt s(
        impl_->db,
        "SELECT t.user, t.expires_ms, u.role FROM tokens t JOIN users u ON u.name = t.user "
        "WHERE t.hash=? AND t.kind='access'");
    s.bind(1, sha256_hex(access_token));
    if (s.step() != SQLITE_ROW || s.integer(1) < now.unix_ms()) {
        return std::nullopt;
    }
    return User{s.text(0), parse_role(s.text(2)).value_or(Role::kViewer)};
}

void AuthStore::logout(std::string_view access_token) {
    const std::lock_guard lock(impl_->mu);
    Stmt s(impl_->db, "DELETE FROM tokens WHERE hash=?");
    s.bind(1, sha256_hex(access_token));
    s.step();
}

Status AuthStore::audit(const AuditEntry& e) {
    const std::lock_guard lock(impl_->mu);
    Stmt s(
        impl_->db,
        "INSERT INTO audit(ts_ms, user, action, target, result, detail) VALUES(?,?,?,?,?,?)");
    s.bind(1, e.time.unix_ms())
        .bind(2, e.user)
        .bind(3, e.action)
        .bind(4, e.target)
        .bind(5, e.result)
        .bind(6, e.detail);
    if (s.step() != SQLITE_DONE) {
        return make_error(ErrorCode::kIo, fmt::format("audit: {}", sqlite3_errmsg(impl_->db)));
    }
    return ok_status();
}

Result<std::vector<AuditEntry>> AuthStore::audit_log(std::size_t limit) {
    const std::lock_guard lock(impl_->mu);
    Stmt s(
        impl_->db,
        "SELECT id, ts_ms, user, action, target, result, detail FROM audit ORDER BY id DESC "
        "LIMIT ?");
    s.bind(1, static_cast<std::int64_t>(limit));
    std::vector<AuditEntry> out;
    while (s.step() == SQLITE_ROW) {
        out.push_back(AuditEntry{
            s.integer(0),
            Timestamp::from_unix_ms(s.integer(1)),
            s.text(2),
            s.text(3),
            s.text(4),
            s.text(5),
            s.text(6)});
    }
    return out;
}

}  // namespace ats::server
