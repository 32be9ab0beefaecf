#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ats/core/error.hpp"
#include "ats/core/time.hpp"

namespace ats::server {

/// `viewer` reads; `trader` also controls (start, stop, close, emergency stop, risk).
enum class Role : std::uint8_t { kViewer, kTrader };
std::string_view to_string(Role role) noexcept;
std::optional<Role> parse_role(std::string_view text) noexcept;

struct User {
    std::string name;
    Role role = Role::kViewer;
};

struct Tokens {
    std::string access_token;
    std::string refresh_token;
    std::int64_t expires_in = 0;  ///< seconds the access token lives
};

struct AuditEntry {
    std::int64_t id = 0;
    Timestamp time;
    std::string user;
    std::string action;  ///< "session.start", "emergency_stop", "login", ...
    std::string target;  ///< what it acted on ("s1", "BTCUSDT", ...)
    std::string result;  ///< "ok" or the error
    std::string detail;  ///< the request's parameters (never a secret)
};

/// Users, tokens and the audit log in the server's SQLite file (tables `users`, `tokens`,
/// `audit`; they can share a file with the run history). Passwords are salted and hashed with
/// PBKDF2-HMAC-SHA256 (200,000 iterations, OpenSSL); tokens are 256 random bits, stored only as
/// SHA-256 hashes; every comparison of secrets is constant-time. Thread-safe.
class AuthStore {
public:
    static constexpr int kIterations = 200'000;
    static constexpr std::int64_t kAccessSeconds = 15 * 60;
    static constexpr std::int64_t kRefreshSeconds = 7 * 24 * 3600;
    static constexpr int kMaxFailures = 5;  ///< failed logins per user and address per window
    static constexpr std::int64_t kFailureWindowSeconds = 60;

    /// Opens or creates the file. kIo when it cannot.
    static Result<std::unique_ptr<AuthStore>> open(const std::string& path);
    ~AuthStore();
    AuthStore(const AuthStore&) = delete;
    AuthStore& operator=(const AuthStore&) = delete;

    /// kAlreadyExists for a taken name; kInvalidArgument for a bad name (letters, digits, '_',
    /// '-', '.', 1 to 64) or a password shorter than 8 characters.
    Status add_user(std::string_view name, std::string_view password, Role role);
    Status remove_user(std::string_view name);
    Result<std::vector<User>> users();

    /// Checks the password and issues tokens. kUnauthenticated-like kRejected for a wrong name or
    /// password (the same message for both), kUnavailable while `client` is rate limited
    /// (`retry_after` then holds the seconds to wait).
    Result<Tokens> login(
        std::string_view name,
        std::string_view password,
        std::string_view client,
        Timestamp now,
        std::int64_t* retry_after = nullptr);
    /// A new pair for a valid refresh token (the old refresh token is spent).
    Result<Tokens> refresh(std::string_view refresh_token, Timestamp now);
    /// The user an access token belongs to; nullopt when unknown or expired.
    std::optional<User> authenticate(std::string_view access_token, Timestamp now);
    void logout(std::string_view access_token);

    Status audit(const AuditEntry& entry);
    Result<std::vector<AuditEntry>> audit_log(std::size_t limit);

private:
    struct Impl;
    explicit AuthStore(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

/// PBKDF2-HMAC-SHA256 of `password` with `salt`, hex; exposed for tests.
std::string pbkdf2_hex(std::string_view password, std::string_view salt, int iterations);
/// Constant-time equality of two strings of equal length (false for different lengths).
bool constant_time_equal(std::string_view a, std::string_view b) noexcept;

}  // namespace ats::server
