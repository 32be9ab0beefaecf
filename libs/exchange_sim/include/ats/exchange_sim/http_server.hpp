#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "ats/core/error.hpp"
#include "ats/exchange_sim/http.hpp"

namespace ats::exchange_sim {

/// The server's TLS certificate: both PEM files, or neither (plain HTTP).
struct ServerTls {
    std::string cert_file;  ///< certificate chain, leaf first
    std::string key_file;   ///< its private key (unencrypted)
};

/// A small HTTP/1.1 server (Boost.Beast, kept out of this header) that hands every request to a
/// handler and writes its reply, with keep-alive. The handler runs on the server's I/O threads and
/// must be thread-safe. With a StreamSource, WebSocket upgrades are served Binance-style:
/// `/ws/<stream>[/<stream>...]` (raw events), `/stream?streams=a/b` (wrapped as
/// {"stream","data"}), and SUBSCRIBE / UNSUBSCRIBE / LIST_SUBSCRIPTIONS control messages on any
/// `/ws...` path (ccxt connects to `/ws/0`). Used by `ats exchange-sim`.
class HttpServer {
public:
    using Handler = std::function<HttpResponse(const HttpRequest&)>;

    /// Binds address:port (port 0 picks a free one) and starts `threads` I/O threads.
    /// kUnavailable when the address cannot be bound, kInvalidArgument when the TLS files cannot
    /// be loaded. `streams` (optional, not owned) must outlive the server. With `tls` files every
    /// connection is TLS (https:// and wss://); without, plain HTTP (http:// and ws://).
    static Result<std::unique_ptr<HttpServer>> start(
        const std::string& address,
        std::uint16_t port,
        Handler handler,
        int threads = 1,
        StreamSource* streams = nullptr,
        const ServerTls& tls = {});

    ~HttpServer();  ///< stops and joins
    HttpServer(const HttpServer&) = delete;
    HttpServer& operator=(const HttpServer&) = delete;

    /// The bound port.
    std::uint16_t port() const noexcept;

    /// Stops accepting, closes connections and joins the I/O threads. Idempotent.
    void stop();

private:
    struct Impl;
    explicit HttpServer(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace ats::exchange_sim
