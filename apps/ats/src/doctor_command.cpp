// `ats doctor`: checks the machine ats runs on and prints what to fix (docs/operations.md).
#include "doctor_command.hpp"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ats/binance/rest_client.hpp"
#include "ats/core/clock.hpp"
#include "ats/git_revision.hpp"
#include "ats/redis/connection.hpp"
#include "ats/runtime/session_setup.hpp"
#include "ats/version.hpp"

#include "cli_common.hpp"
#include "exit_codes.hpp"

namespace ats::cli {
namespace {

enum class Verdict : unsigned char { kOk, kWarn, kFail, kSkip };

struct Check {
    std::string name;
    Verdict verdict = Verdict::kOk;
    std::string detail;
    std::string fix;
};

const char* label(Verdict v) {
    switch (v) {
        case Verdict::kOk:
            return "ok";
        case Verdict::kWarn:
            return "WARN";
        case Verdict::kFail:
            return "FAIL";
        case Verdict::kSkip:
            return "skip";
    }
    return "?";
}

bool on_path(const std::string& program) {
    const char* path = std::getenv("PATH");
    if (path == nullptr) {
        return false;
    }
    std::string p = path;
    std::size_t start = 0;
    while (start <= p.size()) {
        const auto colon = p.find(':', start);
        const auto dir =
            p.substr(start, colon == std::string::npos ? std::string::npos : colon - start);
        if (!dir.empty() && ::access((std::filesystem::path(dir) / program).c_str(), X_OK) == 0) {
            return true;
        }
        if (colon == std::string::npos) {
            break;
        }
        start = colon + 1;
    }
    return false;
}

Check state_dir_check(const std::string& dir) {
    Check c{"state directory", Verdict::kOk, dir, ""};
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    const auto probe = std::filesystem::path(dir) / ".ats-doctor-probe";
    {
        std::ofstream out(probe);
        out << "probe\n";
        out.flush();
        if (ec || !out) {
            c.verdict = Verdict::kFail;
            c.detail = fmt::format("{} is not writable", dir);
            c.fix =
                fmt::format("create it and give the ats user write access: chown/chmod {}", dir);
            return c;
        }
    }
    std::filesystem::remove(probe, ec);
    const auto space = std::filesystem::space(dir, ec);
    if (!ec) {
        const double gib = static_cast<double>(space.available) / (1024.0 * 1024.0 * 1024.0);
        c.detail = fmt::format("{} writable, {:.1f} GiB free", dir, gib);
        if (gib < 1.0) {
            c.verdict = Verdict::kWarn;
            c.fix = "less than 1 GiB free: recordings and state databases grow; free some space";
        }
    }
    return c;
}

Check file_limit_check() {
    Check c{"open files limit", Verdict::kOk, "", ""};
    rlimit lim{};
    if (::getrlimit(RLIMIT_NOFILE, &lim) != 0) {
        c.verdict = Verdict::kWarn;
        c.detail = "getrlimit failed";
        return c;
    }
    c.detail = fmt::format("soft {}, hard {}", lim.rlim_cur, lim.rlim_max);
    if (lim.rlim_cur < 4096) {
        c.verdict = Verdict::kWarn;
        c.fix =
            "raise it to 4096 or more (ulimit -n 4096, LimitNOFILE= in a systemd unit, "
            "--ulimit nofile=4096 for Docker): every session, socket and Parquet file holds one";
    }
    return c;
}

Check keys_check(const std::optional<std::string>& file) {
    Check c{"API key file", Verdict::kOk, "", ""};
    if (!file) {
        const bool env = std::getenv("ATS_BINANCE_API_KEY") != nullptr;
        c.verdict = env ? Verdict::kOk : Verdict::kSkip;
        c.detail = env ? "from ATS_BINANCE_API_KEY / ATS_BINANCE_API_SECRET"
                       : "none given (--keys FILE); paper trading needs none";
        return c;
    }
    struct stat st {};
    if (::stat(file->c_str(), &st) != 0) {
        c.verdict = Verdict::kFail;
        c.detail = fmt::format("{} cannot be read", *file);
        c.fix = "create it with api_key=... and api_secret=... lines, mode 600";
        return c;
    }
    c.detail = fmt::format("{} mode {:o}", *file, st.st_mode & 0777U);
    if ((st.st_mode & 077U) != 0) {
        c.verdict = Verdict::kFail;
        c.fix = fmt::format("others can read the keys: chmod 600 {}", *file);
        return c;
    }
    auto keys = load_api_keys(file);
    if (!keys) {
        c.verdict = Verdict::kFail;
        c.detail = keys.error().message;  // never contains the values
        c.fix = "the file needs api_key=... and api_secret=... lines";
    }
    return c;
}

std::vector<Check> exchange_checks(
    const std::string& target, const std::optional<std::string>& ca) {
    std::vector<Check> out;
    Check c{"exchange clock", Verdict::kOk, "", ""};
    const auto endpoints = runtime::endpoints_for(target);
    if (!endpoints) {
        c.verdict = Verdict::kFail;
        c.detail = fmt::format("--exchange {}: not binance, testnet or an http(s) URL", target);
        out.push_back(c);
        return out;
    }
    binance::RestConfig config;
    config.base_url = endpoints->rest;
    config.timeout = Duration::from_seconds(5);
    config.max_attempts = 2;
    if (ca) {
        config.tls.ca_file = *ca;
    }
    static const RealClock clock;
    auto client = binance::RestClient::create(config, clock);
    if (!client) {
        c.verdict = Verdict::kFail;
        c.detail = client.error().message;
        out.push_back(c);
        return out;
    }
    const auto t0 = std::chrono::steady_clock::now();
    auto st = client->sync_time();
    const double rtt_ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    if (!st) {
        c.verdict = Verdict::kFail;
        c.detail = fmt::format("{}: {}", endpoints->rest, st.error().message);
        c.fix = "check the network, DNS and firewall (or the URL), then run doctor again";
        out.push_back(c);
        return out;
    }
    const auto offset = client->time_offset_ms();
    c.detail = fmt::format(
        "{}: offset {:+} ms (exchange - local), round trip {:.0f} ms",
        endpoints->rest,
        offset,
        rtt_ms);
    // Binance refuses signed requests outside recvWindow (5 s) and ahead of its time by 1 s.
    if (std::llabs(offset) > 1000) {
        c.verdict = std::llabs(offset) > 5000 ? Verdict::kFail : Verdict::kWarn;
        c.fix =
            "synchronise the clock (systemd-timesyncd, chrony): signed orders are refused when "
            "the local clock is off by more than about a second";
    }
    out.push_back(c);
    return out;
}

Check redis_check(const std::string& url) {
    Check c{"Redis", Verdict::kOk, "", ""};
    auto endpoint = redis::Endpoint::parse(url);
    if (!endpoint) {
        c.verdict = Verdict::kFail;
        c.detail = endpoint.error().message;
        return c;
    }
    auto conn = redis::Connection::connect(*endpoint);
    if (!conn) {
        c.verdict = Verdict::kFail;
        c.detail = fmt::format("{}: {}", endpoint->to_string(), conn.error().message);
        c.fix = "start redis-server, or fix the URL (redis://HOST:PORT)";
        return c;
    }
    auto pong = conn->command({"PING"});
    if (!pong || pong->str != "PONG") {
        c.verdict = Verdict::kFail;
        c.detail = fmt::format("{}: no PONG", endpoint->to_string());
        return c;
    }
    c.detail = fmt::format("{} answers PING", endpoint->to_string());
    return c;
}

}  // namespace

int run_doctor(const DoctorArgs& args) {
    std::vector<Check> checks;
    checks.push_back(
        {"ats", Verdict::kOk, fmt::format("version {} (git {})", kVersion, kGitRevision), ""});
    // Assets the reports and the dashboard need.
    {
        Check c{"Plotly.js", Verdict::kOk, plotly_js_path(), ""};
        std::error_code ec;
        if (!std::filesystem::is_regular_file(c.detail, ec)) {
            c.verdict = Verdict::kWarn;
            c.fix =
                "reports will have no charts: run scripts/install-deps.sh (npm ci in web/) or "
                "set ATS_PLOTLY_JS";
        }
        checks.push_back(c);
    }
    for (const auto& [program, why] :
         {std::pair<const char*, const char*>{"redis-server", "Redis, the real-time cache"},
          {"chromium", "browser tests of reports and the dashboard"}}) {
        Check c{program, on_path(program) ? Verdict::kOk : Verdict::kWarn, why, ""};
        if (c.verdict != Verdict::kOk) {
            c.fix = fmt::format("apt-get install {} (scripts/install-deps.sh)", program);
        }
        checks.push_back(c);
    }
    checks.push_back(state_dir_check(args.state_dir));
    checks.push_back(file_limit_check());
    checks.push_back(keys_check(args.keys));
    if (args.exchange) {
        for (auto& c : exchange_checks(*args.exchange, args.ca_file)) {
            checks.push_back(std::move(c));
        }
    } else {
        checks.push_back(
            {"exchange clock", Verdict::kSkip, "no --exchange (binance, testnet or a URL)", ""});
    }
    if (args.redis) {
        checks.push_back(redis_check(*args.redis));
    } else {
        checks.push_back({"Redis", Verdict::kSkip, "no --redis URL", ""});
    }
    std::size_t fails = 0;
    std::size_t warns = 0;
    for (const auto& c : checks) {
        std::printf("%-5s %-18s %s\n", label(c.verdict), c.name.c_str(), c.detail.c_str());
        if (!c.fix.empty()) {
            std::printf("      %-18s fix: %s\n", "", c.fix.c_str());
        }
        fails += c.verdict == Verdict::kFail ? 1U : 0U;
        warns += c.verdict == Verdict::kWarn ? 1U : 0U;
    }
    std::printf("doctor: %zu checks, %zu failed, %zu warnings\n", checks.size(), fails, warns);
    return fails > 0 ? kExitBadData : kExitOk;
}

}  // namespace ats::cli
