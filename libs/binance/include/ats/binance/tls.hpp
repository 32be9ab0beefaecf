#pragma once

#include <string>

namespace ats::binance {

/// TLS settings of the `https://` and `wss://` clients (HttpClient, WsClient, RestClient,
/// KlineFeed). The peer is always verified: its certificate chain against the trust store and
/// its host name (or IP address) against the certificate; there is no switch to turn that off.
/// SNI carries the host name (not an IP literal). TLS 1.2 or newer.
struct TlsOptions {
    /// PEM file of extra trusted certificates (e.g. `ats exchange-sim`'s self-signed
    /// certificate), trusted in addition to the system store (`/etc/ssl/certs`). Empty: the
    /// system store only.
    std::string ca_file;
};

}  // namespace ats::binance
