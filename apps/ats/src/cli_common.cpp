#include "cli_common.hpp"

#include <csignal>
#include <cstdio>
#include <cstdlib>

namespace ats::cli {
namespace {

std::atomic<bool> g_stop{false};  // NOLINT(cppcoreguidelines-avoid-non-const-global-variables)

extern "C" void on_stop_signal(int /*signal*/) {
    g_stop.store(true);
}

}  // namespace

int fail(const std::string& message, int code) {
    std::fprintf(stderr, "ats: %s\n", message.c_str());
    return code;
}

const std::atomic<bool>& stop_on_signals() {
    (void)std::signal(SIGINT, on_stop_signal);
    (void)std::signal(SIGTERM, on_stop_signal);
    return g_stop;
}

std::vector<std::string> split_list(const std::string& text) {
    std::vector<std::string> out;
    std::size_t start = 0;
    while (start <= text.size()) {
        const auto comma = text.find(',', start);
        std::string part = text.substr(start, comma - start);
        if (!part.empty()) {
            out.push_back(std::move(part));
        }
        if (comma == std::string::npos) {
            break;
        }
        start = comma + 1;
    }
    return out;
}

std::string plotly_js_path() {
    const char* env = std::getenv("ATS_PLOTLY_JS");
    return env != nullptr
               ? std::string(env)
               : std::string(ATS_SOURCE_DIR) + "/web/node_modules/plotly.js-dist-min/plotly.min.js";
}

/// Where `--exchange` trades. The named venues are Binance's Spot endpoints (api.binance.com
/// and stream.binance.com:9443 from ../shared/specs/binance-spot.md §1 and §10; the spec keeps
/// the Spot testnet's URLs out of library code, so they live only in this CLI table, from the
/// testnet's own site). A URL is used as given for REST and its stream URL is the same
/// authority with ws:// or wss://.
std::optional<Endpoints> endpoints_for(const std::string& target) {
    if (target == "binance") {
        return Endpoints{"https://api.binance.com", "wss://stream.binance.com:9443"};
    }
    if (target == "testnet") {
        return Endpoints{"https://testnet.binance.vision", "wss://stream.testnet.binance.vision"};
    }
    std::string base = target;
    while (!base.empty() && base.back() == '/') {
        base.pop_back();
    }
    for (const auto& [http, ws] :
         {std::pair<std::string, std::string>{"http://", "ws://"},
          std::pair<std::string, std::string>{"https://", "wss://"}}) {
        if (base.rfind(http, 0) == 0 && base.size() > http.size()) {
            return Endpoints{base, ws + base.substr(http.size())};
        }
    }
    return std::nullopt;
}

}  // namespace ats::cli
