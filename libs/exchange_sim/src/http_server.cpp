#include "ats/exchange_sim/http_server.hpp"

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <utility>  // Boost 1.74's asio needs it first with GCC 12
#include <vector>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <fmt/format.h>

namespace ats::exchange_sim {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

class Session : public std::enable_shared_from_this<Session> {
public:
    Session(tcp::socket socket, const HttpServer::Handler& handler)
        : stream_(std::move(socket)), timer_(stream_.get_executor()), handler_(handler) {}

    void start() { read(); }

private:
    void read() {
        request_ = {};
        stream_.expires_after(std::chrono::seconds(60));
        http::async_read(
            stream_,
            buffer_,
            request_,
            [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
    }

    void on_read(beast::error_code ec) {
        if (ec) {
            beast::error_code ignored;
            stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
            return;
        }
        HttpRequest in;
        in.method = std::string(request_.method_string());
        in.target = std::string(request_.target());
        in.body = request_.body();
        if (auto it = request_.find("X-MBX-APIKEY"); it != request_.end()) {
            in.api_key = std::string(it->value());
        }
        beast::error_code endpoint_ec;
        const auto remote = stream_.socket().remote_endpoint(endpoint_ec);
        in.client = endpoint_ec ? "unknown" : remote.address().to_string();
        HttpResponse out = handler_(in);
        response_ = {};
        response_.version(request_.version());
        response_.result(static_cast<unsigned>(out.status));
        response_.set(http::field::server, "ats-exchange-sim");
        response_.set(http::field::content_type, "application/json;charset=UTF-8");
        for (const auto& [name, value] : out.headers) {
            response_.set(name, value);
        }
        response_.body() = std::move(out.body);
        response_.keep_alive(request_.keep_alive());
        response_.prepare_payload();
        if (out.delay_ms > 0) {
            timer_.expires_after(std::chrono::milliseconds(out.delay_ms));
            timer_.async_wait([self = shared_from_this()](beast::error_code) { self->write(); });
        } else {
            write();
        }
    }

    void write() {
        http::async_write(
            stream_, response_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
                if (ec || !self->response_.keep_alive()) {
                    beast::error_code ignored;
                    self->stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
                    return;
                }
                self->read();
            });
    }

    beast::tcp_stream stream_;
    asio::steady_timer timer_;
    beast::flat_buffer buffer_;
    http::request<http::string_body> request_;
    http::response<http::string_body> response_;
    const HttpServer::Handler& handler_;
};

}  // namespace

struct HttpServer::Impl {
    asio::io_context io;
    tcp::acceptor acceptor{io};
    Handler handler;
    std::vector<std::thread> threads;
    std::uint16_t port = 0;
    bool stopped = false;

    void accept() {
        acceptor.async_accept(
            asio::make_strand(io), [this](beast::error_code ec, tcp::socket socket) {
                if (ec) {
                    return;  // closed by stop()
                }
                std::make_shared<Session>(std::move(socket), handler)->start();
                accept();
            });
    }
};

HttpServer::HttpServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

HttpServer::~HttpServer() {
    stop();
}

Result<std::unique_ptr<HttpServer>> HttpServer::start(
    const std::string& address, std::uint16_t port, Handler handler, int threads) {
    auto impl = std::make_unique<Impl>();
    impl->handler = std::move(handler);
    beast::error_code ec;
    const auto ip = asio::ip::make_address(address, ec);
    if (ec) {
        return make_error(
            ErrorCode::kInvalidArgument, fmt::format("bad bind address '{}'", address));
    }
    const tcp::endpoint endpoint(ip, port);
    impl->acceptor.open(endpoint.protocol(), ec);
    if (!ec) {
        impl->acceptor.set_option(asio::socket_base::reuse_address(true), ec);
    }
    if (!ec) {
        impl->acceptor.bind(endpoint, ec);
    }
    if (!ec) {
        impl->acceptor.listen(asio::socket_base::max_listen_connections, ec);
    }
    if (ec) {
        return make_error(
            ErrorCode::kUnavailable,
            fmt::format("cannot listen on {}:{}: {}", address, port, ec.message()));
    }
    impl->port = impl->acceptor.local_endpoint().port();
    impl->accept();
    for (int i = 0; i < std::max(1, threads); ++i) {
        impl->threads.emplace_back([io = &impl->io] { io->run(); });
    }
    return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
}

std::uint16_t HttpServer::port() const noexcept {
    return impl_->port;
}

void HttpServer::stop() {
    if (impl_ == nullptr || impl_->stopped) {
        return;
    }
    impl_->stopped = true;
    asio::post(impl_->io, [impl = impl_.get()] {
        beast::error_code ignored;
        impl->acceptor.close(ignored);
    });
    impl_->io.stop();
    for (auto& t : impl_->threads) {
        t.join();
    }
}

}  // namespace ats::exchange_sim
