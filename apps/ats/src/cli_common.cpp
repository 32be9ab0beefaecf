#include "cli_common.hpp"

#include <csignal>
#include <cstdio>
#include <cstdlib>

#include <fmt/format.h>

namespace ats::cli {
namespace {

std::atomic<bool> g_stop{false};  // NOLINT(cppcoreguidelines-avoid-non-const-global-variables)

extern "C" void on_stop_signal(int /*signal*/) {
    g_stop.store(true);
}

}  // namespace

std::string printable(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (const char c : text) {
        const auto u = static_cast<unsigned char>(c);
        if (u < 0x20 || u == 0x7f) {
            out += fmt::format("\\x{:02x}", u);
        } else {
            out += c;
        }
    }
    return out;
}

int fail(const std::string& message, int code) {
    std::fprintf(stderr, "ats: %s\n", printable(message).c_str());
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

}  // namespace ats::cli
