#include "ats/binance/ws_client.hpp"

#include <chrono>
#include <optional>
#include <utility>  // Boost 1.74's asio needs it first with GCC 12

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <fmt/format.h>

namespace ats::binance {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

struct WsClient::Impl {
    asio::io_context io;
    std::optional<websocket::stream<beast::tcp_stream>> ws;
    beast::flat_buffer buffer;
    std::string where;
    bool reading = false;  ///< an async_read started by poll() is pending
    bool read_done = false;
    beast::error_code read_ec;

    void run() {
        io.restart();
        io.run();
    }

    Error fail(const beast::error_code& ec, std::string_view step) {
        ws.reset();
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

Result<WsClient> WsClient::connect(const std::string& url, Duration timeout) {
    constexpr std::string_view kWs = "ws://";
    if (!std::string_view(url).starts_with(kWs)) {
        return make_error(
            ErrorCode::kInvalidArgument, fmt::format("'{}': only ws:// is supported", url));
    }
    const auto rest = std::string_view(url).substr(kWs.size());
    const auto slash = rest.find('/');
    const auto authority = rest.substr(0, slash);
    const std::string path =
        slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
    const auto colon = authority.rfind(':');
    const std::string host(authority.substr(0, colon));
    const std::string port =
        colon == std::string_view::npos ? "80" : std::string(authority.substr(colon + 1));
    auto impl = std::make_unique<Impl>();
    impl->where = url;
    const auto limit = std::chrono::nanoseconds(timeout.ns());
    beast::error_code ec;
    tcp::resolver resolver(impl->io);
    const auto endpoints = resolver.resolve(host, port, ec);
    if (ec) {
        return tl::unexpected(impl->fail(ec, "resolve"));
    }
    impl->ws.emplace(impl->io);
    auto& lowest = beast::get_lowest_layer(*impl->ws);
    lowest.expires_after(limit);
    lowest.async_connect(endpoints, [&ec](beast::error_code e, const tcp::endpoint&) { ec = e; });
    impl->run();
    if (ec) {
        return tl::unexpected(impl->fail(ec, "connect"));
    }
    lowest.expires_after(limit);
    impl->ws->async_handshake(host + ":" + port, path, [&ec](beast::error_code e) { ec = e; });
    impl->run();
    if (ec) {
        return tl::unexpected(impl->fail(ec, "handshake"));
    }
    lowest.expires_never();
    return WsClient(std::move(impl));
}

Status WsClient::send(std::string_view text) {
    if (!impl_->ws) {
        return make_error(ErrorCode::kUnavailable, "websocket closed");
    }
    beast::error_code ec;
    impl_->ws->text(true);
    impl_->ws->async_write(
        asio::buffer(text.data(), text.size()),
        [&ec](beast::error_code e, std::size_t) { ec = e; });
    impl_->run();
    if (ec) {
        return tl::unexpected(impl_->fail(ec, "write"));
    }
    return ok_status();
}

Result<std::string> WsClient::read(Duration timeout) {
    if (!impl_->ws) {
        return make_error(ErrorCode::kUnavailable, "websocket closed");
    }
    beast::error_code ec;
    beast::get_lowest_layer(*impl_->ws).expires_after(std::chrono::nanoseconds(timeout.ns()));
    impl_->ws->async_read(impl_->buffer, [&ec](beast::error_code e, std::size_t) { ec = e; });
    impl_->run();
    if (ec) {
        return tl::unexpected(impl_->fail(ec, "read"));
    }
    beast::get_lowest_layer(*impl_->ws).expires_never();
    auto text = beast::buffers_to_string(impl_->buffer.data());
    impl_->buffer.consume(impl_->buffer.size());
    return text;
}

Result<std::optional<std::string>> WsClient::poll(Duration wait) {
    if (!impl_->ws) {
        return make_error(ErrorCode::kUnavailable, "websocket closed");
    }
    if (!impl_->reading) {
        impl_->reading = true;
        impl_->read_done = false;
        Impl* impl = impl_.get();
        impl_->ws->async_read(impl_->buffer, [impl](beast::error_code e, std::size_t) {
            impl->read_ec = e;
            impl->read_done = true;
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
    if (!impl_->ws) {
        return;
    }
    if (impl_->reading) {
        // A poll() read is still pending: a close handshake would wait behind it. Drop the
        // connection instead and let the read finish as aborted.
        beast::error_code ignored;
        beast::get_lowest_layer(*impl_->ws).socket().close(ignored);
        impl_->run();
        impl_->reading = false;
        impl_->ws.reset();
        return;
    }
    beast::error_code ec;
    beast::get_lowest_layer(*impl_->ws).expires_after(std::chrono::seconds(1));
    impl_->ws->async_close(websocket::close_code::normal, [&ec](beast::error_code e) { ec = e; });
    impl_->run();
    impl_->ws.reset();
}

}  // namespace ats::binance
