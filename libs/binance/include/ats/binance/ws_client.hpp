#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "ats/binance/tls.hpp"
#include "ats/core/error.hpp"
#include "ats/core/time.hpp"

namespace ats::binance {

/// Blocking WebSocket client (Boost.Beast and OpenSSL, kept out of this header) for
/// `ws://host[:port]/path` and `wss://host[:port]/path` market streams; wss verifies the server
/// (see TlsOptions). Answers the server's pings automatically. Not thread-safe.
class WsClient {
public:
    /// Connects and performs the (TLS and WebSocket) handshakes, each within `timeout`.
    /// kInvalidArgument for a URL that is not ws:// or wss:// or a CA file that cannot be loaded,
    /// kUnavailable / kTimeout when the server cannot be reached or its certificate is refused
    /// (the message names the reason, e.g. "certificate verify failed (hostname mismatch)").
    static Result<WsClient> connect(
        const std::string& url, Duration timeout, const TlsOptions& tls = {});

    WsClient(WsClient&&) noexcept;
    WsClient& operator=(WsClient&&) noexcept;
    ~WsClient();

    Status send(std::string_view text);

    /// The next text message. kTimeout when none arrives within `timeout` (the connection is then
    /// closed: reconnect), kUnavailable when the server closed it.
    Result<std::string> read(Duration timeout);

    /// Waits up to `wait` for the next text message without closing the connection when none
    /// comes (nullopt): the read stays pending for the next call. kUnavailable when the server
    /// closed the connection. Do not mix with read() on one connection.
    Result<std::optional<std::string>> poll(Duration wait);

    void close();

private:
    struct Impl;
    explicit WsClient(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace ats::binance
