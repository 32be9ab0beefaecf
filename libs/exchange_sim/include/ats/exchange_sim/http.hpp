#pragma once

#include <string>
#include <utility>
#include <vector>

namespace ats::exchange_sim {

/// One HTTP request as the simulator sees it, transport-free so the exchange logic can be tested
/// without sockets. `target` is the raw request target ("/api/v3/order?symbol=..."), `body` the
/// raw body, both exactly as received (signatures are checked over the raw text).
struct HttpRequest {
    std::string method;  ///< "GET", "POST", "DELETE", "PUT"
    std::string target;
    std::string body;
    std::string api_key;  ///< the X-MBX-APIKEY header, empty when absent
    std::string client;   ///< remote address, the key for IP rate limits
};

struct HttpResponse {
    int status = 200;
    std::string body;  ///< JSON
    std::vector<std::pair<std::string, std::string>> headers;
    int delay_ms = 0;  ///< injected latency before the reply is written
};

}  // namespace ats::exchange_sim
