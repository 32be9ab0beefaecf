#include "ats/binance/ws_client.hpp"

#include <chrono>
#include <optional>
#include <utility>  // Boost 1.74's asio needs it first with GCC 12

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <fmt/format.h>

#include "tls_client.hpp"

namespace ats::binance {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

struct WsClient::Impl {
    asio::io_context io;
    std::unique_ptr<asio::ssl::context> tls;                  ///< wss only; outlives `wss`
    std::optional<websocket::stream<beast::tcp_stream>> ws;   ///< ws://, when open
    std::optional<websocket::stream<detail::TlsStream>> wss;  ///< wss://, when open
    beast::flat_buffer buffer;
    std::string where;
    bool reading = false;  ///< an async_read started by poll() is pending
    bool read_done = false;
    beast::error_code read_ec;

    bool open() const { return ws.has_value() || wss.has_value(); }

    beast::tcp_stream& lowest() {
        return wss ? beast::get_lowest_layer(*wss) : beast::get_lowest_layer(*ws);
    }

    /// Calls `f` with the open connection, plain or TLS.
    template <class F>
    void with_stream(F&& f) {
        if (wss) {
            f(*wss);
        } else {
            f(*ws);
        }
    }

    void drop() {
        ws.reset();
        wss.reset();
    }

    void run() {
        io.restart();
        io.run();
    }

    Error fail(const beast::error_code& ec, std::string_view step) {
        drop();
        const bool timed_out = ec == beast::error::timeout;
        return Error{
            timed_out ? ErrorCode::kTimeout : ErrorCode::kUnavailable,
            fmt::format("websocket {} {}: {}", step, where, ec.message())};
    }
};

WsClient::WsClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
WsClient::WsClient(WsClient&&) noexcept = default;
WsClient& WsClient::operator=(WsClient&&) noexcept = default;
WsClient::~WsClient() {
    if (impl_) {
        close();
    }
}

Result<WsClient> WsClient::connect(
    const std::string& url, Duration timeout, const TlsOptions& tls) {
    auto endpoint = detail::parse_endpoint(url, "ws", "wss");
    if (!endpoint) {
        return tl::unexpected(endpoint.error());
    }
    const std::string& host = endpoint->host;
    const std::string& port = endpoint->port;
    const std::string path = endpoint->path.empty() ? "/" : endpoint->path;
    auto impl = std::make_unique<Impl>();
    impl->where = url;
    if (endpoint->tls) {
        auto context = detail::make_client_context(tls);
        if (!context) {
            return tl::unexpected(context.error());
        }
        impl->tls = std::move(*context);
    }
    const auto limit = std::chrono::nanoseconds(timeout.ns());
    beast::error_code ec;
    tcp::resolver resolver(impl->io);
    const auto endpoints = resolver.resolve(host, port, ec);
    if (ec) {
        return tl::unexpected(impl->fail(ec, "resolve"));
    }
    if (impl->tls) {
        impl->wss.emplace(impl->io, *impl->tls);
        if (auto s = detail::prepare_client_stream(impl->wss->next_layer(), host); !s) {
            return tl::unexpected(s.error());
        }
    } else {
        impl->ws.emplace(impl->io);
    }
    auto& lowest = impl->lowest();
    lowest.expires_after(limit);
    lowest.async_connect(endpoints, [&ec](beast::error_code e, const tcp::endpoint&) { ec = e; });
    impl->run();
    if (ec) {
        return tl::unexpected(impl->fail(ec, "connect"));
    }
    if (impl->wss) {
        lowest.expires_after(limit);
        impl->wss->next_layer().async_handshake(
            asio::ssl::stream_base::client, [&ec](beast::error_code e) { ec = e; });
        impl->run();
        if (ec) {
            auto error = detail::handshake_error(ec, impl->wss->next_layer(), host, port);
            impl->drop();
            return tl::unexpected(error);
        }
    }
    lowest.expires_after(limit);
    impl->with_stream([&](auto& stream) {
        stream.async_handshake(host + ":" + port, path, [&ec](beast::error_code e) { ec = e; });
    });
    impl->run();
    if (ec) {
        return tl::unexpected(impl->fail(ec, "handshake"));
    }
    lowest.expires_never();
    return WsClient(std::move(impl));
}

Status WsClient::send(std::string_view text) {
    if (!impl_->open()) {
        return make_error(ErrorCode::kUnavailable, "websocket closed");
    }
    beast::error_code ec;
    impl_->with_stream([&](auto& stream) {
        stream.text(true);
        stream.async_write(
            asio::buffer(text.data(), text.size()),
            [&ec](beast::error_code e, std::size_t) { ec = e; });
    });
    impl_->run();
    if (ec) {
        return tl::unexpected(impl_->fail(ec, "write"));
    }
    return ok_status();
}

Result<std::string> WsClient::read(Duration timeout) {
    if (!impl_->open()) {
        return make_error(ErrorCode::kUnavailable, "websocket closed");
    }
    beast::error_code ec;
    impl_->lowest().expires_after(std::chrono::nanoseconds(timeout.ns()));
    impl_->with_stream([&](auto& stream) {
        stream.async_read(impl_->buffer, [&ec](beast::error_code e, std::size_t) { ec = e; });
    });
    impl_->run();
    if (ec) {
        return tl::unexpected(impl_->fail(ec, "read"));
    }
    impl_->lowest().expires_never();
    auto text = beast::buffers_to_string(impl_->buffer.data());
    impl_->buffer.consume(impl_->buffer.size());
    return text;
}

Result<std::optional<std::string>> WsClient::poll(Duration wait) {
    if (!impl_->open()) {
        return make_error(ErrorCode::kUnavailable, "websocket closed");
    }
    if (!impl_->reading) {
        impl_->reading = true;
        impl_->read_done = false;
        Impl* impl = impl_.get();
        impl_->with_stream([&](auto& stream) {
            stream.async_read(impl->buffer, [impl](beast::error_code e, std::size_t) {
                impl->read_ec = e;
                impl->read_done = true;
            });
        });
    }
    impl_->io.restart();
    if (wait.ns() > 0) {
        impl_->io.run_for(std::chrono::nanoseconds(wait.ns()));
    } else {
        impl_->io.poll();  // no wait: whatever the socket already holds
    }
    if (!impl_->read_done) {
        return std::optional<std::string>{};
    }
    impl_->reading = false;
    if (impl_->read_ec) {
        return tl::unexpected(impl_->fail(impl_->read_ec, "read"));
    }
    auto text = beast::buffers_to_string(impl_->buffer.data());
    impl_->buffer.consume(impl_->buffer.size());
    return std::optional<std::string>(std::move(text));
}

void WsClient::close() {
    if (!impl_->open()) {
        return;
    }
    if (impl_->reading) {
        // A poll() read is still pending: a close handshake would wait behind it. Drop the
        // connection instead and let the read finish as aborted.
        beast::error_code ignored;
        impl_->lowest().socket().close(ignored);
        impl_->run();
        impl_->reading = false;
        impl_->drop();
        return;
    }
    beast::error_code ec;
    impl_->lowest().expires_after(std::chrono::seconds(1));
    impl_->with_stream([&](auto& stream) {
        stream.async_close(websocket::close_code::normal, [&ec](beast::error_code e) { ec = e; });
    });
    impl_->run();
    impl_->drop();
}

}  // namespace ats::binance
