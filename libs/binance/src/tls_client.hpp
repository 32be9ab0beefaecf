#pragma once

// Private to libs/binance: what HttpClient and WsClient share for https:// and wss://.

#include <memory>
#include <string>
#include <string_view>
#include <utility>  // Boost 1.74's asio needs it first with GCC 12

#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include "ats/binance/tls.hpp"
#include "ats/core/error.hpp"

namespace ats::binance::detail {

using TlsStream = boost::beast::ssl_stream<boost::beast::tcp_stream>;

/// A parsed `scheme://host[:port][/path]` URL.
struct Endpoint {
    bool tls = false;
    std::string host;
    std::string port;
    std::string path;  ///< "" when the URL has none
};

/// Parses `url` whose scheme is `plain` (e.g. "http") or `secure` ("https"); the port defaults
/// to 80 / 443. kInvalidArgument for another scheme or no host.
Result<Endpoint> parse_endpoint(
    std::string_view url, std::string_view plain, std::string_view secure);

/// A client context: TLS 1.2+, peer verification, the system trust store plus `options.ca_file`.
/// kInvalidArgument when the CA file cannot be loaded.
Result<std::unique_ptr<boost::asio::ssl::context>> make_client_context(const TlsOptions& options);

/// Before the handshake: SNI (`SSL_set_tlsext_host_name`, host names only), `verify_peer`, and
/// `host_name_verification(host)` on the leaf certificate (a mismatch is recorded as
/// X509_V_ERR_HOSTNAME_MISMATCH / X509_V_ERR_IP_ADDRESS_MISMATCH so the error names it).
Status prepare_client_stream(TlsStream& stream, const std::string& host);

/// "TLS handshake with HOST:PORT failed: certificate verify failed (self-signed certificate)".
Error handshake_error(
    const boost::beast::error_code& ec,
    TlsStream& stream,
    const std::string& host,
    const std::string& port);

}  // namespace ats::binance::detail
