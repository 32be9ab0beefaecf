#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ats/binance/tls.hpp"
#include "ats/core/error.hpp"
#include "ats/core/time.hpp"

namespace ats::binance {

using Headers = std::vector<std::pair<std::string, std::string>>;

struct HttpResult {
    int status = 0;
    std::string body;
    Headers headers;

    /// The first header named `name` (case-insensitive), or "" when absent.
    std::string header(std::string_view name) const;
};

/// Blocking HTTP/1.1 client over one keep-alive connection (Boost.Beast and OpenSSL, kept out of
/// this header). Supports `http://host[:port][/prefix]` and `https://host[:port][/prefix]` base
/// URLs; https verifies the server (see TlsOptions). Every step (resolve, connect, TLS handshake,
/// write, read) is bounded by `timeout`. Not thread-safe: one client per thread.
class HttpClient {
public:
    /// kInvalidArgument for a URL it cannot use or a CA file it cannot load. Connects lazily: a
    /// refused certificate is a kUnavailable error of the first request, naming the reason.
    static Result<HttpClient> create(
        const std::string& base_url, Duration timeout, const TlsOptions& tls = {});

    HttpClient(HttpClient&&) noexcept;
    HttpClient& operator=(HttpClient&&) noexcept;
    ~HttpClient();

    /// Sends `method prefix+target` with `body` (form-encoded when not empty) and `headers`.
    /// kTimeout when the deadline passes (the request may have been processed: the caller decides
    /// whether that is safe to retry), kUnavailable when the connection fails.
    Result<HttpResult> request(
        std::string_view method,
        std::string_view target,
        std::string_view body,
        const Headers& headers);

private:
    struct Impl;
    explicit HttpClient(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace ats::binance
