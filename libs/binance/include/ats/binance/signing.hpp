#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ats::binance {

/// Lowercase hex HMAC-SHA256 of `message` keyed by `secret` (OpenSSL). This is Binance's request
/// signature: the message is the query string followed directly by the request body, exactly as
/// sent. Thread-safe.
std::string hmac_sha256_hex(std::string_view secret, std::string_view message);

/// One request parameter, in the order it is sent.
using Param = std::pair<std::string, std::string>;
using Params = std::vector<Param>;

/// Percent-encodes a query value the way Binance's docs and ccxt do: unreserved characters
/// (A-Z a-z 0-9 - _ . ~) stay, everything else, including non-ASCII UTF-8 bytes, becomes %XX.
std::string url_encode(std::string_view text);

/// Decodes %XX and '+' (as space). Returns false on a malformed escape.
bool url_decode(std::string_view text, std::string& out);

/// "k1=v1&k2=v2" with values percent-encoded, in the given order.
std::string encode_params(const Params& params);

/// Parses "k1=v1&k2=v2" (form or query string), decoding keys and values. Returns false on a
/// malformed escape.
bool parse_params(std::string_view text, Params& out);

/// Appends "&signature=<hex>" (or "signature=<hex>" when `payload` is empty) for `payload`, which
/// must be exactly the query string the request will carry.
std::string sign_query(std::string_view secret, std::string_view payload);

/// Case-insensitive comparison of two hex signatures in constant time for equal lengths.
bool signature_equals(std::string_view a, std::string_view b);

}  // namespace ats::binance
