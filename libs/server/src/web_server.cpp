#include "ats/server/web_server.hpp"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <deque>
#include <fstream>
#include <mutex>
#include <thread>
#include <utility>  // Boost 1.74's asio needs it first with GCC 12
#include <vector>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <fmt/format.h>

namespace ats::server {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

namespace {

using PlainStream = beast::tcp_stream;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;

template <class Self>
void shutdown_connection(PlainStream& stream, const std::shared_ptr<Self>& /*keep_alive*/) {
    beast::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
}

template <class Self>
void shutdown_connection(TlsStream& stream, const std::shared_ptr<Self>& keep_alive) {
    beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(1));
    stream.async_shutdown([&stream, keep_alive](beast::error_code) {
        beast::error_code ignored;
        beast::get_lowest_layer(stream).socket().shutdown(tcp::socket::shutdown_send, ignored);
    });
}

Request to_request(const http::request<http::string_body>& in, const std::string& client) {
    Request r;
    r.method = std::string(in.method_string());
    r.target = std::string(in.target());
    r.body = in.body();
    r.client = client;
    for (const auto& field : in) {
        std::string name(field.name_string());
        std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) {
            return static_cast<char>(std::tolower(c));
        });
        r.headers[name] = std::string(field.value());
    }
    return r;
}

template <class Stream>
std::string remote_of(Stream& stream) {
    beast::error_code ec;
    const auto remote = beast::get_lowest_layer(stream).socket().remote_endpoint(ec);
    return ec ? std::string("unknown") : remote.address().to_string();
}

/// One WebSocket connection. Writes are serialized on the connection's strand; send() from any
/// thread posts onto it, with a bound on what may wait.
template <class Stream>
class WsSession final : public WsPeer, public std::enable_shared_from_this<WsSession<Stream>> {
    using std::enable_shared_from_this<WsSession<Stream>>::shared_from_this;

public:
    WsSession(Stream stream, std::size_t limit) : ws_(std::move(stream)), limit_(limit) {}

    void start(
        http::request<http::string_body> upgrade, const WebServer::WsAccept& accept, Request req) {
        auto self = shared_from_this();
        auto decision = accept(req, self);
        if (std::holds_alternative<Response>(decision)) {
            // Refused: answer the upgrade request as plain HTTP.
            const auto& refusal = std::get<Response>(decision);
            auto reply = std::make_shared<http::response<http::string_body>>();
            reply->version(upgrade.version());
            reply->result(static_cast<unsigned>(refusal.status));
            reply->set(http::field::content_type, refusal.content_type);
            reply->body() = refusal.body;
            reply->keep_alive(false);
            reply->prepare_payload();
            http::async_write(
                ws_.next_layer(), *reply, [self, reply](beast::error_code, std::size_t) {
                    shutdown_connection(self->ws_.next_layer(), self);
                });
            return;
        }
        endpoint_ = std::get<std::shared_ptr<WsEndpoint>>(decision);
        beast::get_lowest_layer(ws_).expires_never();
        ws_.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
        ws_.read_message_max(64 * 1024);
        ws_.async_accept(upgrade, [self](beast::error_code ec) {
            if (ec) {
                self->finish();
                return;
            }
            {
                const std::lock_guard lock(self->mu_);
                self->open_ = true;
            }
            self->flush();
            self->read();
        });
    }

    using WsPeer::send;
    bool send(std::shared_ptr<const std::string> text) override {
        {
            const std::lock_guard lock(mu_);
            if (closed_ || queue_.size() >= limit_) {
                return false;
            }
            queue_.push_back(std::move(text));
            if (!open_ || writing_) {
                return true;
            }
            writing_ = true;
        }
        asio::post(ws_.get_executor(), [self = shared_from_this()] { self->write(); });
        return true;
    }

    std::size_t queued() const override {
        const std::lock_guard lock(mu_);
        return queue_.size();
    }

    void close() override {
        asio::post(ws_.get_executor(), [self = shared_from_this()] {
            beast::error_code ignored;
            if (self->ws_.is_open()) {
                self->ws_.async_close(
                    websocket::close_code::normal, [self](beast::error_code) { self->finish(); });
            } else {
                self->finish();
            }
        });
    }

private:
    void flush() {
        {
            const std::lock_guard lock(mu_);
            if (queue_.empty() || writing_) {
                return;
            }
            writing_ = true;
        }
        write();
    }

    // On the strand; writing_ is true.
    void write() {
        std::shared_ptr<const std::string> front;
        {
            const std::lock_guard lock(mu_);
            if (queue_.empty() || closed_) {
                writing_ = false;
                return;
            }
            front = queue_.front();
        }
        ws_.text(true);
        ws_.async_write(
            asio::buffer(*front),
            [self = shared_from_this(), front](beast::error_code ec, std::size_t) {
                if (ec) {
                    self->finish();
                    return;
                }
                {
                    const std::lock_guard lock(self->mu_);
                    self->queue_.pop_front();
                }
                self->write();
            });
    }

    void read() {
        ws_.async_read(buffer_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
            if (ec) {
                self->finish();
                return;
            }
            const auto text = beast::buffers_to_string(self->buffer_.data());
            self->buffer_.consume(self->buffer_.size());
            if (self->endpoint_) {
                self->endpoint_->on_message(text);
            }
            self->read();
        });
    }

    void finish() {
        std::shared_ptr<WsEndpoint> endpoint;
        {
            const std::lock_guard lock(mu_);
            if (closed_) {
                return;
            }
            closed_ = true;
            queue_.clear();
            endpoint = std::move(endpoint_);
        }
        if (endpoint) {
            endpoint->on_close();
        }
    }

    websocket::stream<Stream> ws_;
    beast::flat_buffer buffer_;
    std::size_t limit_;
    std::shared_ptr<WsEndpoint> endpoint_;
    mutable std::mutex mu_;
    std::deque<std::shared_ptr<const std::string>> queue_;  // Guarded by mu_
    bool open_ = false;                                     // Guarded by mu_
    bool writing_ = false;  // Guarded by mu_: a write chain runs on the strand
    bool closed_ = false;   // Guarded by mu_
};

/// One HTTP connection (keep-alive), plain or TLS.
template <class Stream>
class HttpSession final : public std::enable_shared_from_this<HttpSession<Stream>> {
    using std::enable_shared_from_this<HttpSession<Stream>>::shared_from_this;

public:
    HttpSession(
        Stream stream,
        const WebServer::HttpHandler& http,
        const WebServer::WsAccept& ws,
        const WebServerOptions& options)
        : stream_(std::move(stream)), http_(http), ws_(ws), options_(options) {}

    void start() { read(); }

    void handshake() {
        beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(30));
        stream_.async_handshake(
            asio::ssl::stream_base::server, [self = shared_from_this()](beast::error_code ec) {
                if (!ec) {
                    self->read();
                }
            });
    }

private:
    void read() {
        parser_.emplace();
        parser_->body_limit(options_.max_body_bytes);
        parser_->header_limit(16 * 1024);
        beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(60));
        http::async_read(
            stream_,
            buffer_,
            *parser_,
            [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
    }

    void on_read(beast::error_code ec) {
        if (ec == http::error::body_limit) {
            reply(Response::error(413, "payload_too_large", "request body too large"), false);
            return;
        }
        if (ec) {
            shutdown_connection(stream_, shared_from_this());
            return;
        }
        auto request = parser_->release();
        Request in = to_request(request, remote_of(stream_));
        if (websocket::is_upgrade(request)) {
            if (!in.parse_target()) {
                reply(Response::error(400, "bad_request", "malformed request target"), false);
                return;
            }
            std::make_shared<WsSession<Stream>>(std::move(stream_), options_.ws_queue_limit)
                ->start(std::move(request), ws_, std::move(in));
            return;
        }
        Response out = in.parse_target()
                           ? http_(in)
                           : Response::error(400, "bad_request", "malformed request target");
        reply(std::move(out), request.keep_alive(), request.version());
    }

    void reply(Response out, bool keep_alive, unsigned version = 11) {
        response_ = {};
        response_.version(version);
        response_.result(static_cast<unsigned>(out.status));
        response_.set(http::field::server, "ats");
        response_.set(http::field::content_type, out.content_type);
        response_.set("X-Content-Type-Options", "nosniff");
        for (const auto& [name, value] : out.headers) {
            response_.insert(name, value);
        }
        response_.body() = std::move(out.body);
        response_.keep_alive(keep_alive);
        response_.prepare_payload();
        http::async_write(
            stream_, response_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
                if (ec || !self->response_.keep_alive()) {
                    shutdown_connection(self->stream_, self);
                    return;
                }
                self->read();
            });
    }

    Stream stream_;
    beast::flat_buffer buffer_;
    std::optional<http::request_parser<http::string_body>> parser_;
    http::response<http::string_body> response_;
    const WebServer::HttpHandler& http_;
    const WebServer::WsAccept& ws_;
    const WebServerOptions& options_;
};

}  // namespace

bool is_loopback(std::string_view address) {
    if (address == "localhost" || address == "::1") {
        return true;
    }
    return address.rfind("127.", 0) == 0;
}

struct WebServer::Impl {
    WebServerOptions options;
    std::unique_ptr<asio::ssl::context> tls;  // outlives io
    asio::io_context io;
    tcp::acceptor acceptor{io};
    HttpHandler http;
    WsAccept ws;
    std::vector<std::thread> threads;
    std::uint16_t port = 0;
    bool stopped = false;

    void accept() {
        acceptor.async_accept(
            asio::make_strand(io), [this](beast::error_code ec, tcp::socket socket) {
                if (ec) {
                    return;
                }
                if (tls) {
                    std::make_shared<HttpSession<TlsStream>>(
                        TlsStream(PlainStream(std::move(socket)), *tls), http, ws, options)
                        ->handshake();
                } else {
                    std::make_shared<HttpSession<PlainStream>>(
                        PlainStream(std::move(socket)), http, ws, options)
                        ->start();
                }
                accept();
            });
    }
};

WebServer::WebServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

WebServer::~WebServer() {
    stop();
}

Result<std::unique_ptr<WebServer>> WebServer::start(
    const WebServerOptions& options, HttpHandler http, WsAccept ws) {
    auto impl = std::make_unique<Impl>();
    impl->options = options;
    impl->http = std::move(http);
    impl->ws = std::move(ws);
    beast::error_code ec;
    if (!options.tls_cert.empty() || !options.tls_key.empty()) {
        if (options.tls_cert.empty() || options.tls_key.empty()) {
            return make_error(
                ErrorCode::kInvalidArgument, "TLS needs both --tls-cert and --tls-key");
        }
        for (const auto* file : {&options.tls_cert, &options.tls_key}) {
            if (!std::ifstream(*file)) {
                return make_error(
                    ErrorCode::kInvalidArgument, fmt::format("TLS: '{}' cannot be read", *file));
            }
        }
        impl->tls = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_server);
        impl->tls->set_options(
            asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                asio::ssl::context::no_tlsv1_1,
            ec);
        if (!ec) {
            impl->tls->use_certificate_chain_file(options.tls_cert, ec);
        }
        if (!ec) {
            impl->tls->use_private_key_file(options.tls_key, asio::ssl::context::pem, ec);
        }
        if (ec) {
            return make_error(
                ErrorCode::kInvalidArgument,
                fmt::format(
                    "TLS: '{}' / '{}' are not a PEM certificate chain and its unencrypted key ({})",
                    options.tls_cert,
                    options.tls_key,
                    ec.message()));
        }
    }
    const std::string bind = options.bind == "localhost" ? "127.0.0.1" : options.bind;
    const auto ip = asio::ip::make_address(bind, ec);
    if (ec) {
        return make_error(
            ErrorCode::kInvalidArgument, fmt::format("bad bind address '{}'", options.bind));
    }
    const tcp::endpoint endpoint(ip, options.port);
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
            fmt::format("cannot listen on {}:{}: {}", options.bind, options.port, ec.message()));
    }
    impl->port = impl->acceptor.local_endpoint().port();
    impl->accept();
    for (int i = 0; i < std::max(1, options.threads); ++i) {
        impl->threads.emplace_back([io = &impl->io] { io->run(); });
    }
    return std::unique_ptr<WebServer>(new WebServer(std::move(impl)));
}

std::uint16_t WebServer::port() const noexcept {
    return impl_->port;
}

bool WebServer::tls() const noexcept {
    return impl_->tls != nullptr;
}

void WebServer::stop() {
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

}  // namespace ats::server
