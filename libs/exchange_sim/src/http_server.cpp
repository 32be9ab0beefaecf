#include "ats/exchange_sim/http_server.hpp"

#include <chrono>
#include <deque>
#include <fstream>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <utility>  // Boost 1.74's asio needs it first with GCC 12
#include <vector>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace ats::exchange_sim {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace websocket = beast::websocket;

namespace {

/// The transports a session runs on: plain TCP, or TLS over TCP (`--tls-cert`/`--tls-key`).
using PlainStream = beast::tcp_stream;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;

/// Ends an HTTP connection after a reply or an error: a TCP half-close, preceded over TLS by
/// the close_notify alert (best effort, bounded by a short deadline).
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

/// One WebSocket client of the market streams. Stream events arrive on whatever thread publishes
/// them (under the source's lock) and are posted onto this session's strand.
template <class Stream>
class WsSession : public std::enable_shared_from_this<WsSession<Stream>> {
    using std::enable_shared_from_this<WsSession<Stream>>::shared_from_this;

public:
    WsSession(Stream stream, StreamSource& source)
        : ws_(std::move(stream)), source_(source), drop_timer_(ws_.get_executor()) {}

    void start(http::request<http::string_body> request) {
        const std::string target(request.target());
        const auto question = target.find('?');
        const std::string path = target.substr(0, question);
        auto add_list = [this](std::string_view list) {
            std::size_t pos = 0;
            while (pos <= list.size()) {
                auto slash = list.find('/', pos);
                if (slash == std::string_view::npos) {
                    slash = list.size();
                }
                const auto name = std::string(list.substr(pos, slash - pos));
                if (source_.has_stream(name)) {
                    subscriptions_.insert(name);
                }
                pos = slash + 1;
            }
        };
        if (path == "/stream" && question != std::string::npos) {
            combined_ = true;
            const auto query = std::string_view(target).substr(question + 1);
            if (query.starts_with("streams=")) {
                add_list(query.substr(8));
            }
        } else if (path.starts_with("/ws/")) {
            add_list(std::string_view(path).substr(4));
        } else if (path == "/ws-api/v3") {
            api_ = true;  // WebSocket API requests (the user data stream), not stream control
        }
        beast::get_lowest_layer(ws_).expires_never();
        ws_.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
        ws_.async_accept(request, [self = shared_from_this()](beast::error_code ec) {
            if (ec) {
                return;
            }
            std::weak_ptr<WsSession> weak = self;
            self->sink_id_ = self->source_.add_stream_sink(
                [weak](const std::string& stream, const std::string& payload) {
                    if (auto session = weak.lock()) {
                        session->deliver(stream, payload);
                    }
                });
            self->read();
            if (const auto ms = self->source_.stream_drop_ms(); ms > 0) {
                // Fault: the connection is cut (TCP close, no close frame) after `ms`.
                self->drop_timer_.expires_after(std::chrono::milliseconds(ms));
                self->drop_timer_.async_wait([self](beast::error_code e) {
                    if (e) {
                        return;
                    }
                    self->close();
                    beast::get_lowest_layer(self->ws_).close();
                });
            }
        });
    }

private:
    void deliver(const std::string& stream, const std::string& payload) {
        bool user = false;
        {
            const std::lock_guard lock(mu_);
            user = !user_stream_.empty() && stream == user_stream_;
            if (!user && subscriptions_.count(stream) == 0) {
                return;
            }
        }
        auto message = user        ? fmt::format(R"({{"subscriptionId":0,"event":{}}})", payload)
                       : combined_ ? fmt::format(R"({{"stream":"{}","data":{}}})", stream, payload)
                                   : payload;
        asio::post(
            ws_.get_executor(), [self = shared_from_this(), m = std::move(message)]() mutable {
                self->enqueue(std::move(m));
            });
    }

    void enqueue(std::string message) {
        queue_.push_back(std::move(message));
        if (queue_.size() == 1) {
            write();
        }
    }

    void write() {
        ws_.text(true);
        ws_.async_write(
            asio::buffer(queue_.front()),
            [self = shared_from_this()](beast::error_code ec, std::size_t) {
                if (ec) {
                    self->close();
                    return;
                }
                self->queue_.pop_front();
                if (!self->queue_.empty()) {
                    self->write();
                }
            });
    }

    void read() {
        ws_.async_read(buffer_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
            if (ec) {
                self->close();
                return;
            }
            const auto text = beast::buffers_to_string(self->buffer_.data());
            self->buffer_.consume(self->buffer_.size());
            self->enqueue(self->api_ ? self->api(text) : self->control(text));
            self->read();
            if (const auto ms = self->source_.stream_drop_ms(); ms > 0) {
                // Fault: the connection is cut (TCP close, no close frame) after `ms`.
                self->drop_timer_.expires_after(std::chrono::milliseconds(ms));
                self->drop_timer_.async_wait([self](beast::error_code e) {
                    if (e) {
                        return;
                    }
                    self->close();
                    beast::get_lowest_layer(self->ws_).close();
                });
            }
        });
    }

    /// Answers a WebSocket API request; a user data stream subscription starts forwarding the
    /// account's events on this connection.
    std::string api(const std::string& text) {
        std::string stream;
        {
            const std::lock_guard lock(mu_);
            stream = user_stream_;
        }
        auto reply = source_.ws_api(text, stream);
        const std::lock_guard lock(mu_);
        user_stream_ = stream;
        return reply;
    }

    /// Answers a control message; malformed ones get Binance's {"code":2,...} error.
    std::string control(const std::string& text) {
        using Json = nlohmann::json;
        try {
            const auto request = Json::parse(text);
            const auto method = request.at("method").get<std::string>();
            const auto id = request.contains("id") ? request.at("id") : Json();
            if (method == "SUBSCRIBE" || method == "UNSUBSCRIBE") {
                const std::lock_guard lock(mu_);
                for (const auto& name : request.at("params")) {
                    const auto stream = name.get<std::string>();
                    if (!source_.has_stream(stream)) {
                        return Json{
                            {"code", 2},
                            {"msg", "Invalid request: unknown stream " + stream},
                            {"id", id}}
                            .dump();
                    }
                    if (method == "SUBSCRIBE") {
                        subscriptions_.insert(stream);
                    } else {
                        subscriptions_.erase(stream);
                    }
                }
                return Json{{"result", nullptr}, {"id", id}}.dump();
            }
            if (method == "LIST_SUBSCRIPTIONS") {
                const std::lock_guard lock(mu_);
                return Json{{"result", subscriptions_}, {"id", id}}.dump();
            }
            return Json{
                {"code", 2}, {"msg", "Invalid request: unknown method " + method}, {"id", id}}
                .dump();
        } catch (const std::exception& e) {
            return Json{{"code", 2}, {"msg", std::string("Invalid request: ") + e.what()}}.dump();
        }
    }

    void close() {
        if (sink_id_ != 0) {
            source_.remove_stream_sink(sink_id_);
            sink_id_ = 0;
        }
    }

    websocket::stream<Stream> ws_;
    StreamSource& source_;
    asio::steady_timer drop_timer_;
    beast::flat_buffer buffer_;
    std::deque<std::string> queue_;  // strand only
    std::mutex mu_;
    std::set<std::string> subscriptions_;  // Guarded by mu_
    bool combined_ = false;
    bool api_ = false;           // a /ws-api/v3 connection
    std::string user_stream_;    // Guarded by mu_: the subscribed user data stream, if any
    std::uint64_t sink_id_ = 0;  // strand only
};

/// One HTTP connection (keep-alive), plain or TLS; hands WebSocket upgrades to a WsSession on
/// the same transport.
template <class Stream>
class Session : public std::enable_shared_from_this<Session<Stream>> {
    using std::enable_shared_from_this<Session<Stream>>::shared_from_this;

public:
    Session(Stream stream, const HttpServer::Handler& handler, StreamSource* streams)
        : stream_(std::move(stream)),
          timer_(stream_.get_executor()),
          handler_(handler),
          streams_(streams) {}

    void start() { read(); }

    /// TLS: the server side of the handshake first, bounded by the idle timeout.
    void handshake() {
        beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(60));
        stream_.async_handshake(
            asio::ssl::stream_base::server, [self = shared_from_this()](beast::error_code ec) {
                if (!ec) {
                    self->read();
                }
            });
    }

private:
    void read() {
        request_ = {};
        beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(60));
        http::async_read(
            stream_,
            buffer_,
            request_,
            [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
    }

    void on_read(beast::error_code ec) {
        if (ec) {
            shutdown_connection(stream_, shared_from_this());
            return;
        }
        if (streams_ != nullptr && websocket::is_upgrade(request_)) {
            std::make_shared<WsSession<Stream>>(std::move(stream_), *streams_)
                ->start(std::move(request_));
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
        const auto remote = beast::get_lowest_layer(stream_).socket().remote_endpoint(endpoint_ec);
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
                    shutdown_connection(self->stream_, self);
                    return;
                }
                self->read();
            });
    }

    Stream stream_;
    asio::steady_timer timer_;
    beast::flat_buffer buffer_;
    http::request<http::string_body> request_;
    http::response<http::string_body> response_;
    const HttpServer::Handler& handler_;
    StreamSource* streams_;
};

}  // namespace

struct HttpServer::Impl {
    std::unique_ptr<asio::ssl::context> tls;  ///< set: every connection is TLS; outlives `io`
    asio::io_context io;
    tcp::acceptor acceptor{io};
    Handler handler;
    StreamSource* streams = nullptr;
    std::vector<std::thread> threads;
    std::uint16_t port = 0;
    bool stopped = false;

    void accept() {
        acceptor.async_accept(
            asio::make_strand(io), [this](beast::error_code ec, tcp::socket socket) {
                if (ec) {
                    return;  // closed by stop()
                }
                if (tls) {
                    std::make_shared<Session<TlsStream>>(
                        TlsStream(PlainStream(std::move(socket)), *tls), handler, streams)
                        ->handshake();
                } else {
                    std::make_shared<Session<PlainStream>>(
                        PlainStream(std::move(socket)), handler, streams)
                        ->start();
                }
                accept();
            });
    }
};

HttpServer::HttpServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

HttpServer::~HttpServer() {
    stop();
}

Result<std::unique_ptr<HttpServer>> HttpServer::start(
    const std::string& address,
    std::uint16_t port,
    Handler handler,
    int threads,
    StreamSource* streams,
    const ServerTls& tls) {
    auto impl = std::make_unique<Impl>();
    impl->handler = std::move(handler);
    impl->streams = streams;
    beast::error_code ec;
    if (!tls.cert_file.empty() || !tls.key_file.empty()) {
        if (tls.cert_file.empty() || tls.key_file.empty()) {
            return make_error(
                ErrorCode::kInvalidArgument, "TLS needs both a certificate and a key file");
        }
        impl->tls = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_server);
        impl->tls->set_options(
            asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                asio::ssl::context::no_tlsv1_1,
            ec);
        for (const auto* file : {&tls.cert_file, &tls.key_file}) {
            if (!std::ifstream(*file)) {
                return make_error(
                    ErrorCode::kInvalidArgument, fmt::format("TLS: '{}' cannot be read", *file));
            }
        }
        if (!ec) {
            impl->tls->use_certificate_chain_file(tls.cert_file, ec);
            if (ec) {
                return make_error(
                    ErrorCode::kInvalidArgument,
                    fmt::format(
                        "TLS: '{}' is not a PEM certificate chain ({})",
                        tls.cert_file,
                        ec.message()));
            }
        }
        if (!ec) {
            impl->tls->use_private_key_file(tls.key_file, asio::ssl::context::pem, ec);
            if (ec) {
                return make_error(
                    ErrorCode::kInvalidArgument,
                    fmt::format(
                        "TLS: '{}' is not the unencrypted PEM key of '{}' ({})",
                        tls.key_file,
                        tls.cert_file,
                        ec.message()));
            }
        }
        if (ec) {
            return make_error(ErrorCode::kInvalidArgument, fmt::format("TLS: {}", ec.message()));
        }
    }
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
