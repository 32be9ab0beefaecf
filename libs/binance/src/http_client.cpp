#include "ats/binance/http_client.hpp"

#include <algorithm>
#include <chrono>
#include <optional>
#include <utility>  // Boost 1.74's asio needs it first with GCC 12

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <fmt/format.h>

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
    std::optional<beast::tcp_stream> stream;
    beast::flat_buffer buffer;
    std::string host;
    std::string port;
    std::string prefix;
    std::chrono::nanoseconds timeout{};

    Error fail(const beast::error_code& ec, std::string_view step) {
        stream.reset();
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
        stream.emplace(io);
        stream->expires_after(timeout);
        stream->async_connect(
            endpoints, [&ec](beast::error_code e, const tcp::endpoint&) { ec = e; });
        run();
        if (ec) {
            return fail(ec, "connect");
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
        const bool reused = stream.has_value();
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
        stream->expires_after(timeout);
        http::async_write(*stream, request, [&ec](beast::error_code e, std::size_t) { ec = e; });
        run();
        if (ec) {
            stale = reused && ec != beast::error::timeout;
            return tl::unexpected(fail(ec, "write"));
        }
        http::response<http::string_body> response;
        stream->expires_after(timeout);
        http::async_read(
            *stream, buffer, response, [&ec](beast::error_code e, std::size_t) { ec = e; });
        run();
        if (ec) {
            // A keep-alive connection the server closed while idle fails before any byte of
            // the reply: safe to reconnect and send a read again. A POST may have been executed
            // before the connection dropped, so it is never resent here: place_order queries
            // its fate first.
            stale = reused && method != "POST" &&
                    (ec == http::error::end_of_stream || ec == asio::error::connection_reset);
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
            stream->socket().shutdown(tcp::socket::shutdown_both, ignored);
            stream.reset();
        }
        return out;
    }
};

HttpClient::HttpClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
HttpClient::HttpClient(HttpClient&&) noexcept = default;
HttpClient& HttpClient::operator=(HttpClient&&) noexcept = default;
HttpClient::~HttpClient() = default;

Result<HttpClient> HttpClient::create(const std::string& base_url, Duration timeout) {
    constexpr std::string_view kHttp = "http://";
    if (!std::string_view(base_url).starts_with(kHttp)) {
        return make_error(
            ErrorCode::kInvalidArgument,
            fmt::format(
                "base URL '{}': only http:// is supported (TLS is not built yet; see "
                "docs/binance.md)",
                base_url));
    }
    auto impl = std::make_unique<Impl>();
    auto rest = std::string_view(base_url).substr(kHttp.size());
    const auto slash = rest.find('/');
    auto authority = rest.substr(0, slash);
    if (slash != std::string_view::npos) {
        impl->prefix = std::string(rest.substr(slash));
        while (!impl->prefix.empty() && impl->prefix.back() == '/') {
            impl->prefix.pop_back();
        }
    }
    const auto colon = authority.rfind(':');
    impl->host = std::string(authority.substr(0, colon));
    impl->port = colon == std::string_view::npos ? "80" : std::string(authority.substr(colon + 1));
    if (impl->host.empty() || impl->port.empty()) {
        return make_error(
            ErrorCode::kInvalidArgument, fmt::format("base URL '{}': no host", base_url));
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
