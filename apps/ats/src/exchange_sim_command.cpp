#include "src/exchange_sim_command.hpp"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>
#include <utility>

#include <fmt/format.h>

#include "ats/core/clock.hpp"
#include "ats/core/log.hpp"
#include "ats/data/bar_source.hpp"
#include "ats/exchange_sim/exchange.hpp"
#include "ats/exchange_sim/http_server.hpp"

#include "src/cli_common.hpp"
#include "src/exit_codes.hpp"

namespace ats::cli {

namespace {

std::string env_or(const std::string& value, const char* name) {
    if (!value.empty()) {
        return value;
    }
    const char* env = std::getenv(name);  // NOLINT(concurrency-mt-unsafe): before any thread
    return env != nullptr ? std::string(env) : std::string();
}

Result<std::vector<std::pair<std::string, std::int64_t>>> parse_balances(const std::string& text) {
    std::vector<std::pair<std::string, std::int64_t>> out;
    std::size_t pos = 0;
    while (pos < text.size()) {
        auto comma = text.find(',', pos);
        if (comma == std::string::npos) {
            comma = text.size();
        }
        const auto item = text.substr(pos, comma - pos);
        pos = comma + 1;
        const auto eq = item.find('=');
        if (eq == std::string::npos || eq == 0) {
            return make_error(
                ErrorCode::kInvalidArgument,
                fmt::format("--balance: '{}' is not ASSET=AMOUNT", item));
        }
        auto amount = detail::parse_fixed(item.substr(eq + 1), "balance");
        if (!amount || *amount < 0) {
            return make_error(
                ErrorCode::kInvalidArgument, fmt::format("--balance: bad amount in '{}'", item));
        }
        out.emplace_back(item.substr(0, eq), *amount);
    }
    return out;
}

}  // namespace

int run_exchange_sim(const ExchangeSimArgs& args) {
    exchange_sim::ExchangeConfig config;
    config.api_key = env_or(args.api_key, "ATS_SIM_API_KEY");
    config.api_secret = env_or(args.api_secret, "ATS_SIM_API_SECRET");
    if (config.api_key.empty() || config.api_secret.empty()) {
        std::fprintf(
            stderr,
            "ats exchange-sim: --api-key and --api-secret (or ATS_SIM_API_KEY and "
            "ATS_SIM_API_SECRET) are required\n");
        return kExitUsage;
    }
    log::add_secret(config.api_key);
    log::add_secret(config.api_secret);
    auto balances = parse_balances(args.balance);
    if (!balances) {
        std::fprintf(stderr, "ats exchange-sim: %s\n", balances.error().message.c_str());
        return kExitUsage;
    }
    config.balances = std::move(*balances);
    if (!args.faults.empty()) {
        auto faults = exchange_sim::parse_faults(args.faults);
        if (!faults) {
            std::fprintf(stderr, "ats exchange-sim: %s\n", faults.error().message.c_str());
            return kExitUsage;
        }
        config.faults = *faults;
    }
    // Every number is range-checked here, naming the flag: nothing reaches the simulator that
    // would make it misbehave (a negative period, a fee that pays the trader, no I/O thread).
    const auto out_of_range = [](const char* flag, long long value, long long lo, long long hi) {
        std::fprintf(
            stderr,
            "ats exchange-sim: %s must be in [%lld, %lld], got %lld\n",
            flag,
            lo,
            hi,
            value);
        return kExitUsage;
    };
    if (args.bar_ms < 0 || args.bar_ms > 86'400'000) {
        return out_of_range("--bar-ms", args.bar_ms, 0, 86'400'000);
    }
    if (args.fee_bps < 0 || args.fee_bps > 10'000) {
        return out_of_range("--fee-bps", args.fee_bps, 0, 10'000);
    }
    if (args.threads < 1 || args.threads > 64) {
        return out_of_range("--threads", args.threads, 1, 64);
    }
    if (args.weight_limit < 1 || args.weight_limit > 1'000'000) {
        return out_of_range("--weight-limit", args.weight_limit, 1, 1'000'000);
    }
    if (args.orders_per_10s < 1 || args.orders_per_10s > 1'000'000) {
        return out_of_range("--orders-per-10s", args.orders_per_10s, 1, 1'000'000);
    }
    config.bar_period_ms = args.bar_ms;
    config.quote_path = args.quote_path;
    config.start_bar = args.start_bar;
    config.weight_limit_per_minute = args.weight_limit;
    config.orders_per_10s = args.orders_per_10s;
    config.fee_bps = args.fee_bps;

    std::vector<exchange_sim::SymbolSpec> symbols;
    for (const auto& item : args.data) {
        const auto eq = item.find('=');
        if (eq == std::string::npos) {
            std::fprintf(
                stderr, "ats exchange-sim: --data '%s' is not SYMBOL=FILE\n", item.c_str());
            return kExitUsage;
        }
        auto spec = exchange_sim::make_symbol_spec(item.substr(0, eq));
        if (!spec) {
            std::fprintf(stderr, "ats exchange-sim: %s\n", spec.error().message.c_str());
            return kExitUsage;
        }
        for (const auto& known : symbols) {
            if (known.symbol == spec->symbol) {
                std::fprintf(
                    stderr, "ats exchange-sim: --data: %s is given twice\n", spec->symbol.c_str());
                return kExitUsage;
            }
        }
        data::BarRequest request;
        request.data = item.substr(eq + 1);
        request.symbol = item.substr(0, eq);
        auto loaded = data::load_bars(request);
        if (!loaded) {
            std::fprintf(stderr, "ats exchange-sim: %s\n", loaded.error().to_string().c_str());
            return exit_code_for(loaded.error());
        }
        spec->interval = loaded->series.interval();
        spec->bars.reserve(loaded->series.size());
        for (std::size_t i = 0; i < loaded->series.size(); ++i) {
            spec->bars.push_back(loaded->series.bar(i));
        }
        symbols.push_back(std::move(*spec));
    }
    if (symbols.empty()) {
        std::fprintf(stderr, "ats exchange-sim: at least one --data SYMBOL=FILE is required\n");
        return kExitUsage;
    }
    const RealClock clock;
    auto exchange = exchange_sim::Exchange::create(std::move(config), std::move(symbols), clock);
    if (!exchange) {
        std::fprintf(stderr, "ats exchange-sim: %s\n", exchange.error().message.c_str());
        return kExitUsage;
    }
    if (args.tls_cert.empty() != args.tls_key.empty()) {
        std::fprintf(stderr, "ats exchange-sim: --tls-cert and --tls-key go together\n");
        return kExitUsage;
    }
    auto* venue = exchange->get();
    auto server = exchange_sim::HttpServer::start(
        args.bind,
        args.port,
        [venue](const exchange_sim::HttpRequest& request) { return venue->handle(request); },
        args.threads,
        venue,
        exchange_sim::ServerTls{args.tls_cert, args.tls_key});
    if (!server) {
        std::fprintf(stderr, "ats exchange-sim: %s\n", server.error().message.c_str());
        return server.error().code == ErrorCode::kInvalidArgument ? kExitUsage : kExitIo;
    }
    const std::atomic<bool>& stop = stop_on_signals();
    std::printf(
        "exchange-sim listening on %s://%s:%u\n",
        args.tls_cert.empty() ? "http" : "https",
        args.bind.c_str(),
        (*server)->port());
    std::fflush(stdout);
    while (!stop.load()) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        venue->poll();  // replay and stream events flow without REST traffic
    }
    (*server)->stop();
    std::printf("exchange-sim stopped after %zu orders\n", venue->orders_accepted());
    return kExitOk;
}

}  // namespace ats::cli
