#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ats::server {

/// One HTTP request, transport-free (the API is tested without sockets).
struct Request {
    std::string method;  ///< "GET", "POST", "PUT", "DELETE"
    std::string target;  ///< raw: "/api/v1/candles?symbol=BTCUSDT"
    std::string path;    ///< decoded path without the query: "/api/v1/candles"
    std::map<std::string, std::string> query;    ///< decoded query parameters (last one wins)
    std::map<std::string, std::string> headers;  ///< names lowercased
    std::string body;
    std::string client;  ///< remote address

    /// A header by lowercase name, or "".
    std::string header(std::string_view name) const;
    /// A cookie by name, or nullopt.
    std::optional<std::string> cookie(std::string_view name) const;

    /// Fills path and query from target; false for a malformed target (bad %-escape, a path
    /// that is not absolute, or a ".." segment).
    bool parse_target();
};

struct Response {
    int status = 200;
    std::string content_type = "application/json";
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;

    static Response json(int status, std::string body);
    /// {"error":{"code","message"}} with the status; `code` is a short machine word
    /// ("unauthorized", "not_found", "bad_request", ...).
    static Response error(int status, std::string_view code, std::string_view message);
};

/// %-decoding of a URL component ('+' is a space in queries); nullopt for a bad escape.
std::optional<std::string> url_decode(std::string_view text, bool plus_is_space);

/// Text safe inside HTML (for pages the server renders itself).
std::string html_escape(std::string_view text);

}  // namespace ats::server
