#include "tls_client.hpp"

#include <fstream>
#include <utility>  // Boost 1.74's asio needs it first with GCC 12

#include <boost/asio/ip/address.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/ssl/verify_context.hpp>
#include <fmt/format.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

namespace ats::binance::detail {

namespace asio = boost::asio;
namespace ssl = asio::ssl;

Result<Endpoint> parse_endpoint(
    std::string_view url, std::string_view plain, std::string_view secure) {
    Endpoint out;
    std::string_view rest;
    const auto plain_prefix = std::string(plain) + "://";
    const auto secure_prefix = std::string(secure) + "://";
    if (url.starts_with(secure_prefix)) {
        out.tls = true;
        rest = url.substr(secure_prefix.size());
    } else if (url.starts_with(plain_prefix)) {
        rest = url.substr(plain_prefix.size());
    } else {
        return make_error(
            ErrorCode::kInvalidArgument,
            fmt::format("URL '{}': use {}:// or {}://", url, plain, secure));
    }
    const auto slash = rest.find('/');
    const auto authority = rest.substr(0, slash);
    if (slash != std::string_view::npos) {
        out.path = std::string(rest.substr(slash));
    }
    const auto colon = authority.rfind(':');
    out.host = std::string(authority.substr(0, colon));
    out.port = colon == std::string_view::npos ? std::string(out.tls ? "443" : "80")
                                               : std::string(authority.substr(colon + 1));
    if (out.host.empty() || out.port.empty()) {
        return make_error(ErrorCode::kInvalidArgument, fmt::format("URL '{}': no host", url));
    }
    return out;
}

Result<std::unique_ptr<ssl::context>> make_client_context(const TlsOptions& options) {
    auto context = std::make_unique<ssl::context>(ssl::context::tls_client);
    boost::system::error_code ec;
    context->set_options(
        ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
            ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1,
        ec);
    if (!ec) {
        context->set_default_verify_paths(ec);
    }
    if (ec) {
        return make_error(
            ErrorCode::kUnavailable, fmt::format("TLS: system trust store: {}", ec.message()));
    }
    if (!options.ca_file.empty()) {
        if (!std::ifstream(options.ca_file)) {
            return make_error(
                ErrorCode::kInvalidArgument,
                fmt::format("TLS: CA file '{}' cannot be read", options.ca_file));
        }
        context->load_verify_file(options.ca_file, ec);
        if (ec) {
            return make_error(
                ErrorCode::kInvalidArgument,
                fmt::format(
                    "TLS: CA file '{}' holds no PEM certificate ({})",
                    options.ca_file,
                    ec.message()));
        }
    }
    context->set_verify_mode(ssl::verify_peer);
    return context;
}

Status prepare_client_stream(TlsStream& stream, const std::string& host) {
    boost::system::error_code ec;
    (void)asio::ip::make_address(host, ec);
    const bool is_ip = !ec;
    ec.clear();
    // SNI names a host; RFC 6066 does not allow IP literals there.
    bool sni = true;
    if (!is_ip) {
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wold-style-cast"  // OpenSSL's macro casts C-style
        sni = SSL_set_tlsext_host_name(stream.native_handle(), host.c_str()) == 1;
#pragma GCC diagnostic pop
    }
    if (!sni) {
        return make_error(
            ErrorCode::kUnavailable, fmt::format("TLS: cannot set SNI host name '{}'", host));
    }
    stream.set_verify_mode(ssl::verify_peer);
    stream.set_verify_callback(
        [verify = ssl::host_name_verification(host), is_ip](
            bool preverified, ssl::verify_context& context) {
            if (!preverified) {
                return false;  // the chain failed; OpenSSL holds the reason
            }
            if (verify(preverified, context)) {
                return true;
            }
            // host_name_verification only says no: record why, so the error can name it.
            X509_STORE_CTX_set_error(
                context.native_handle(),
                is_ip ? X509_V_ERR_IP_ADDRESS_MISMATCH : X509_V_ERR_HOSTNAME_MISMATCH);
            return false;
        },
        ec);
    if (ec) {
        return make_error(ErrorCode::kUnavailable, fmt::format("TLS: {}", ec.message()));
    }
    return ok_status();
}

Error handshake_error(
    const boost::beast::error_code& ec,
    TlsStream& stream,
    const std::string& host,
    const std::string& port) {
    if (ec == boost::beast::error::timeout) {
        return Error{
            ErrorCode::kTimeout, fmt::format("TLS handshake with {}:{}: timed out", host, port)};
    }
    const long verify =
        SSL_get_verify_result(stream.native_handle());  // NOLINT(google-runtime-int)
    std::string reason = ec.message();
    if (verify != X509_V_OK) {
        reason =
            fmt::format("certificate verify failed ({})", X509_verify_cert_error_string(verify));
    }
    return Error{
        ErrorCode::kUnavailable,
        fmt::format("TLS handshake with {}:{} failed: {}", host, port, reason)};
}

}  // namespace ats::binance::detail
