#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ats/core/error.hpp"

namespace ats::redis {

/// Where a Redis server is: redis://[:password@]host[:port][/db] (host 127.0.0.1 by default,
/// port 6379, db 0).
struct Endpoint {
    std::string host = "127.0.0.1";
    int port = 6379;
    std::string password;
    int db = 0;

    static Result<Endpoint> parse(std::string_view url);
    /// The URL without the password (for messages).
    std::string to_string() const;
};

/// Writes commands in the Redis protocol (RESP) into one buffer, for Connection::append_formatted.
class RespWriter {
public:
    /// Starts a command of `args` arguments; then exactly `args` calls of arg().
    void command(std::size_t args);
    void arg(std::string_view value);
    void arg(std::int64_t value);
    const std::string& data() const noexcept { return out_; }
    std::size_t commands() const noexcept { return commands_; }
    void clear() noexcept {
        out_.clear();
        commands_ = 0;
    }

private:
    std::string out_;
    std::size_t commands_ = 0;
};

/// One reply, copied out of hiredis at once.
struct Reply {
    enum class Type : std::uint8_t { kString, kArray, kInteger, kNil, kStatus, kError };
    Type type = Type::kNil;
    std::string str;  ///< kString, kStatus, kError
    std::int64_t integer = 0;
    std::vector<Reply> elements;  ///< kArray

    bool is_error() const noexcept { return type == Type::kError; }
};

/// A blocking connection to one Redis server (hiredis, one RAII owner of the handle). Transport
/// failures are kUnavailable (the connection is then broken: make a new one), server error
/// replies kRejected with Redis's message. Not thread-safe: one connection per thread.
class Connection {
public:
    struct Options {
        std::chrono::milliseconds connect_timeout{1000};
        std::chrono::milliseconds command_timeout{2000};
    };

    static Result<Connection> connect(const Endpoint& endpoint, const Options& options);
    static Result<Connection> connect(const Endpoint& endpoint) { return connect(endpoint, {}); }

    Connection(Connection&&) noexcept;
    Connection& operator=(Connection&&) noexcept;
    ~Connection();

    /// Sends one command and waits for its reply. An error reply is kRejected.
    Result<Reply> command(const std::vector<std::string>& args);
    /// Pipelining: queue commands, then read one reply per appended command, in order.
    Status append(const std::vector<std::string>& args);
    Result<Reply> get_reply();
    /// Pipelining without per-argument strings: `resp` holds commands already in the Redis
    /// protocol (see RespWriter); read one reply per command afterwards.
    Status append_formatted(std::string_view resp);
    /// Changes the read timeout (XREAD BLOCK waits longer than a plain command).
    Status set_timeout(std::chrono::milliseconds timeout);

    bool broken() const noexcept;
    const Endpoint& endpoint() const noexcept;

private:
    struct Impl;
    explicit Connection(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace ats::redis
