#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <variant>

#include "ats/core/error.hpp"
#include "ats/server/http.hpp"

namespace ats::server {

/// The server side of one WebSocket connection, as the application sees it. Thread-safe.
class WsPeer {
public:
    virtual ~WsPeer() = default;
    /// Queues a text frame (shared: one message fanned out to many peers is not copied). Never
    /// blocks: false when the connection is closed or its queue is full (the reader is too slow;
    /// the application decides what to do, e.g. a snapshot later).
    virtual bool send(std::shared_ptr<const std::string> text) = 0;
    bool send(std::string text) {
        return send(std::make_shared<const std::string>(std::move(text)));
    }
    /// Frames queued and not yet written.
    virtual std::size_t queued() const = 0;
    virtual void close() = 0;
};

/// What the application does with one accepted WebSocket connection. Called on the server's I/O
/// threads (one at a time per connection).
class WsEndpoint {
public:
    virtual ~WsEndpoint() = default;
    virtual void on_message(std::string_view text) = 0;
    virtual void on_close() = 0;
};

struct WebServerOptions {
    std::string bind = "127.0.0.1";
    std::uint16_t port = 8080;  ///< 0 picks a free one
    int threads = 2;
    std::size_t max_body_bytes = 1 << 20;  ///< larger requests get 413
    std::size_t ws_queue_limit = 1024;     ///< frames queued per WebSocket before send() refuses
    std::string tls_cert;                  ///< both or neither: https:// and wss://
    std::string tls_key;
};

/// A small HTTP/1.1 + WebSocket server on Boost.Beast (kept out of this header), plain or TLS.
/// Every request goes to `http`, which must be thread-safe. A WebSocket upgrade goes to `ws`,
/// which returns either a Response (a refusal: sent as plain HTTP) or the endpoint that will
/// receive the connection's messages.
class WebServer {
public:
    using HttpHandler = std::function<Response(Request&)>;
    using WsAccept = std::function<std::variant<Response, std::shared_ptr<WsEndpoint>>(
        const Request&, std::shared_ptr<WsPeer>)>;

    /// kUnavailable when the address cannot be bound, kInvalidArgument for bad TLS files or a bad
    /// address.
    static Result<std::unique_ptr<WebServer>> start(
        const WebServerOptions& options, HttpHandler http, WsAccept ws);

    ~WebServer();  ///< stops and joins
    WebServer(const WebServer&) = delete;
    WebServer& operator=(const WebServer&) = delete;

    std::uint16_t port() const noexcept;
    bool tls() const noexcept;
    void stop();

private:
    struct Impl;
    explicit WebServer(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

/// Whether `address` is a loopback address (127.0.0.0/8, ::1, "localhost").
bool is_loopback(std::string_view address);

}  // namespace ats::server
