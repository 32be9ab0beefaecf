#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
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

/// Receives one stream event: the stream name ("btcusdt@trade") and its JSON payload. Called with
/// the source's lock held: it must not block and must not call back into the source.
using StreamSink = std::function<void(const std::string& stream, const std::string& payload)>;

/// A publisher of Binance-style market streams, served over WebSocket by HttpServer.
class StreamSource {
public:
    virtual ~StreamSource() = default;
    virtual std::uint64_t add_stream_sink(StreamSink sink) = 0;
    virtual void remove_stream_sink(std::uint64_t id) = 0;
    /// Whether `name` is a stream this source publishes.
    virtual bool has_stream(std::string_view name) const = 0;
    /// Fault injection: close every WebSocket connection this many milliseconds after it was
    /// opened (0: never).
    virtual std::int64_t stream_drop_ms() const { return 0; }
    /// The WebSocket API (`/ws-api/v3`): answers one request (JSON text). When the request
    /// subscribed the user data stream, sets `user_stream` to the stream name carrying the
    /// account's events (published to the sinks like market streams); unsubscribing clears it.
    virtual std::string ws_api(const std::string& request, std::string& user_stream) {
        (void)request;
        user_stream.clear();
        return R"({"status":400,"error":{"code":-1000,"msg":"no WebSocket API here"}})";
    }
};

}  // namespace ats::exchange_sim
