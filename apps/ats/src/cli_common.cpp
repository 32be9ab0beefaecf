#include "cli_common.hpp"

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>
#include <sys/stat.h>

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

std::string installed_share_dir() {
    std::error_code ec;
    const auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
    if (ec) {
        return {};
    }
    const auto share = exe.parent_path().parent_path() / "share" / "ats";
    return std::filesystem::is_directory(share, ec) ? share.string() : std::string();
}

std::string plotly_js_path() {
    if (const char* env = std::getenv("ATS_PLOTLY_JS")) {
        return env;
    }
    if (const auto share = installed_share_dir(); !share.empty()) {
        return share + "/web/plotly.min.js";
    }
    return std::string(ATS_SOURCE_DIR) + "/web/node_modules/plotly.js-dist-min/plotly.min.js";
}

/// Keys from a file (mode 0600 or stricter: refused when group or others may read it) or from
/// ATS_BINANCE_API_KEY / ATS_BINANCE_API_SECRET. Errors never contain the values.
Result<ApiKeys> load_api_keys(const std::optional<std::string>& file) {
    ApiKeys keys;
    if (file) {
        struct stat st {};
        if (::stat(file->c_str(), &st) != 0) {
            return make_error(ErrorCode::kNotFound, fmt::format("--keys {}: cannot read", *file));
        }
        if ((st.st_mode & 077U) != 0) {
            return make_error(
                ErrorCode::kInvalidArgument,
                fmt::format(
                    "--keys {}: mode {:o} lets others read the keys; chmod 600 it",
                    *file,
                    st.st_mode & 0777U));
        }
        std::ifstream in(*file);
        std::string line;
        while (std::getline(in, line)) {
            if (!line.empty() && line.back() == '\r') {
                line.pop_back();
            }
            const auto eq = line.find('=');
            if (eq == std::string::npos || line[0] == '#') {
                continue;
            }
            const std::string name = line.substr(0, eq);
            if (name == "api_key") {
                keys.key = line.substr(eq + 1);
            } else if (name == "api_secret") {
                keys.secret = line.substr(eq + 1);
            }
        }
        if (keys.key.empty() || keys.secret.empty()) {
            return make_error(
                ErrorCode::kInvalidArgument,
                fmt::format("--keys {}: needs api_key=... and api_secret=... lines", *file));
        }
        return keys;
    }
    const char* key = std::getenv("ATS_BINANCE_API_KEY");
    const char* secret = std::getenv("ATS_BINANCE_API_SECRET");
    if (key == nullptr || secret == nullptr || *key == '\0' || *secret == '\0') {
        return make_error(
            ErrorCode::kInvalidArgument,
            "no API keys: set ATS_BINANCE_API_KEY and ATS_BINANCE_API_SECRET or give --keys FILE "
            "(mode 0600)");
    }
    keys.key = key;
    keys.secret = secret;
    return keys;
}

}  // namespace ats::cli
