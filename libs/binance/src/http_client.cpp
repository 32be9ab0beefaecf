#include "ats/binance/http_client.hpp"

#include <algorithm>
#include <chrono>
#include <optional>
#include <utility>  // Boost 1.74's asio needs it first with GCC 12

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <fmt/format.h>

#include "tls_client.hpp"

namespace ats::binance {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               auto lower = [](char c) {
                   return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
               };
               return lower(x) == lower(y);
           });
}

}  // namespace

std::string HttpResult::header(std::string_view name) const {
    for (const auto& [key, value] : headers) {
        if (iequals(key, name)) {
            return value;
        }
    }
    return {};
}

struct HttpClient::Impl {
    asio::io_context io;
    std::unique_ptr<asio::ssl::context> tls;  ///< https only; outlives `secure`
    std::optional<beast::tcp_stream> plain;   ///< http: the connection, when open
    std::optional<detail::TlsStream> secure;  ///< https: the connection, when open
    beast::flat_buffer buffer;
    std::string host;
    std::string port;
    std::string prefix;
    std::chrono::nanoseconds timeout{};

    bool connected() const { return plain.has_value() || secure.has_value(); }

    beast::tcp_stream& lowest() { return secure ? beast::get_lowest_layer(*secure) : *plain; }

    void drop() {
        plain.reset();
        secure.reset();
    }

    /// Calls `f` with the open connection, plain or TLS.
    template <class F>
    void with_stream(F&& f) {
        if (secure) {
            f(*secure);
        } else {
            f(*plain);
        }
    }

    Error fail(const beast::error_code& ec, std::string_view step) {
        drop();
        const bool timed_out = ec == beast::error::timeout;
        return Error{
            timed_out ? ErrorCode::kTimeout : ErrorCode::kUnavailable,
            fmt::format("{} {}:{}: {}", step, host, port, ec.message())};
    }

    /// Runs the queued async operation to completion.
    void run() {
        io.restart();
        io.run();
    }

    std::optional<Error> connect() {
        beast::error_code ec;
        tcp::resolver resolver(io);
        const auto endpoints = resolver.resolve(host, port, ec);
        if (ec) {
            return fail(ec, "resolve");
        }
        if (tls) {
            secure.emplace(io, *tls);
            if (auto s = detail::prepare_client_stream(*secure, host); !s) {
                drop();
                return s.error();
            }
        } else {
            plain.emplace(io);
        }
        lowest().expires_after(timeout);
        lowest().async_connect(
            endpoints, [&ec](beast::error_code e, const tcp::endpoint&) { ec = e; });
        run();
        if (ec) {
            return fail(ec, "connect");
        }
        if (secure) {
            lowest().expires_after(timeout);
            secure->async_handshake(
                asio::ssl::stream_base::client, [&ec](beast::error_code e) { ec = e; });
            run();
            if (ec) {
                auto error = detail::handshake_error(ec, *secure, host, port);
                drop();
                return error;
            }
        }
        buffer.clear();
        return std::nullopt;
    }

    Result<HttpResult> once(
        std::string_view method,
        std::string_view target,
        std::string_view body,
        const Headers& headers,
        bool& stale) {
        stale = false;
        const bool reused = connected();
        if (!reused) {
            if (auto e = connect()) {
                return tl::unexpected(*e);
            }
        }
        http::request<http::string_body> request;
        request.method(http::string_to_verb(beast::string_view(method.data(), method.size())));
        request.target(prefix + std::string(target));
        request.version(11);
        request.set(http::field::host, host);
        request.set(http::field::user_agent, "ats");
        request.keep_alive(true);
        for (const auto& [key, value] : headers) {
            request.set(key, value);
        }
        if (!body.empty()) {
            request.set(http::field::content_type, "application/x-www-form-urlencoded");
            request.body() = std::string(body);
        }
        request.prepare_payload();
        beast::error_code ec;
        lowest().expires_after(timeout);
        with_stream([&](auto& stream) {
            http::async_write(stream, request, [&ec](beast::error_code e, std::size_t) { ec = e; });
        });
        run();
        if (ec) {
            stale = reused && ec != beast::error::timeout;
            return tl::unexpected(fail(ec, "write"));
        }
        http::response<http::string_body> response;
        lowest().expires_after(timeout);
        with_stream([&](auto& stream) {
            http::async_read(
                stream, buffer, response, [&ec](beast::error_code e, std::size_t) { ec = e; });
        });
        run();
        if (ec) {
            // A keep-alive connection the server closed while idle fails before any byte of
            // the reply: safe to reconnect and send a read again. A POST may have been executed
            // before the connection dropped, so it is never resent here: place_order queries
            // its fate first.
            // Over TLS a server that closes without close_notify gives stream_truncated.
            stale = reused && method != "POST" &&
                    (ec == http::error::end_of_stream || ec == asio::error::connection_reset ||
                     ec == asio::ssl::error::stream_truncated);
            return tl::unexpected(fail(ec, "read"));
        }
        HttpResult out;
        out.status = static_cast<int>(response.result_int());
        out.body = std::move(response.body());
        for (const auto& field : response) {
            out.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
        }
        if (!response.keep_alive()) {
            beast::error_code ignored;
            lowest().socket().shutdown(tcp::socket::shutdown_both, ignored);
            drop();
        }
        return out;
    }
};

HttpClient::HttpClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
HttpClient::HttpClient(HttpClient&&) noexcept = default;
HttpClient& HttpClient::operator=(HttpClient&&) noexcept = default;
HttpClient::~HttpClient() = default;

Result<HttpClient> HttpClient::create(
    const std::string& base_url, Duration timeout, const TlsOptions& tls) {
    auto endpoint = detail::parse_endpoint(base_url, "http", "https");
    if (!endpoint) {
        return make_error(
            ErrorCode::kInvalidArgument, fmt::format("base URL: {}", endpoint.error().message));
    }
    auto impl = std::make_unique<Impl>();
    if (endpoint->tls) {
        auto context = detail::make_client_context(tls);
        if (!context) {
            return tl::unexpected(context.error());
        }
        impl->tls = std::move(*context);
    }
    impl->host = endpoint->host;
    impl->port = endpoint->port;
    impl->prefix = endpoint->path;
    while (!impl->prefix.empty() && impl->prefix.back() == '/') {
        impl->prefix.pop_back();
    }
    impl->timeout = std::chrono::nanoseconds(timeout.ns());
    return HttpClient(std::move(impl));
}

Result<HttpResult> HttpClient::request(
    std::string_view method,
    std::string_view target,
    std::string_view body,
    const Headers& headers) {
    bool stale = false;
    auto out = impl_->once(method, target, body, headers, stale);
    if (!out && stale) {
        out = impl_->once(method, target, body, headers, stale);
    }
    return out;
}

}  // namespace ats::binance
