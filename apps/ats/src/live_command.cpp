#include "live_command.hpp"

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <utility>

#include <fmt/format.h>
#include <sys/stat.h>

#include "ats/backtest/backtest.hpp"
#include "ats/runtime/live_session.hpp"

#include "cli_common.hpp"
#include "exit_codes.hpp"
#include "trading_setup.hpp"

namespace ats::cli {
namespace {

/// Critical alerts (kill switch, ...) and the session's own warnings (order poll failures) go to
/// stderr; rejected signals and fills are in the journal and the summary.
class StderrNotifier final : public model::Notifier {
public:
    void notify(const model::AlertLogged& alert) override {
        const auto text = alert.message.view();
        if (alert.level == model::AlertLevel::kCritical || text.rfind("live: ", 0) == 0) {
            std::fprintf(
                stderr,
                "ats: %s %s: %s\n",
                alert.ts_event.to_iso8601().c_str(),
                std::string(model::to_string(alert.level)).c_str(),
                alert.message.str().c_str());
        }
    }
};

struct Keys {
    std::string key;
    std::string secret;
};

/// Keys from a file (mode 0600 or stricter: refused when group or others may read it) or from
/// ATS_BINANCE_API_KEY / ATS_BINANCE_API_SECRET. Errors never contain the values.
Result<Keys> load_keys(const std::optional<std::string>& file) {
    Keys keys;
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

bool is_local_url(const std::string& url) {
    for (const char* scheme : {"http://", "https://"}) {
        for (const char* host : {"127.0.0.1", "localhost"}) {
            const std::string p = std::string(scheme) + host;
            if (url.rfind(p, 0) == 0 &&
                (url.size() == p.size() || url[p.size()] == ':' || url[p.size()] == '/')) {
                return true;
            }
        }
    }
    return false;
}

}  // namespace

int run_live_command(const LiveArgs& args) {
    const std::atomic<bool>& stop = stop_on_signals();
    std::vector<std::string> assets;
    for (const auto& a : args.assets) {
        for (auto& part : split_list(a)) {
            assets.push_back(std::move(part));
        }
    }
    if (assets.empty()) {
        return fail("--assets: give at least one symbol", kExitUsage);
    }
    // Safety first: real money needs the explicit flag, whatever else is wrong.
    const std::string& target = args.exchange;
    const bool testnet = target == "testnet";
    const bool local = is_local_url(target);
    const auto endpoints = endpoints_for(target);
    if (!endpoints) {
        return fail(
            fmt::format(
                "--exchange '{}': use binance, testnet or http(s)://127.0.0.1:PORT", target),
            kExitUsage);
    }
    if (!args.paper && !testnet && !local && !args.real_money) {
        return fail(
            fmt::format(
                "--exchange {} trades real money: add --i-understand-this-trades-real-money "
                "(not needed for testnet or http(s)://127.0.0.1)",
                target),
            kExitUsage);
    }
    auto keys = args.paper ? Result<Keys>(Keys{}) : load_keys(args.keys);
    if (!keys) {
        return fail(keys.error().message, kExitUsage);
    }
    auto setup = load_trading_setup(args.config, args.strategy, args.params);
    if (!setup) {
        return fail(setup.error().message, kExitUsage);
    }
    std::vector<model::Instrument> instruments;
    for (const auto& a : assets) {
        auto symbol = Symbol::parse(a);
        if (!symbol) {
            return fail(symbol.error().message, kExitUsage);
        }
        instruments.push_back(backtest::default_instrument(*symbol));
    }
    runtime::LiveConfig config;
    config.strategy = setup->strategy;
    config.params = setup->params;
    config.engine = setup->engine;
    config.engine.order_id_prefix = args.paper ? "paper" : "live";
    config.paper = args.paper;
    config.paper_venue = setup->venue;
    config.paper_slippage = setup->slippage;
    config.rest_url = endpoints->rest;
    config.ws_url = endpoints->ws;
    if (args.ca_file) {
        config.ca_file = *args.ca_file;
    }
    config.api_key = keys->key;
    config.api_secret = keys->secret;
    config.interval = args.interval;
    config.read_timeout = Duration::from_ms(static_cast<std::int64_t>(args.read_timeout_s * 1000));
    config.user_stream = !args.no_user_stream;
    config.state_path = args.state;
    config.max_bars = args.max_bars;
    config.stop = &stop;
    StderrNotifier notifier;
    config.notifier = &notifier;
    config.session_text = fmt::format(
        "[{}]\nassets = \"{}\"\nexchange = \"{}\"\ninterval = \"{}\"\n{}",
        args.paper ? "paper-live" : "live",
        fmt::join(assets, ","),
        target,
        args.interval,
        setup->config_text);
    auto result = runtime::run_live(config, instruments);
    if (!result) {
        return fail(result.error().message, exit_code_for(result.error()));
    }
    const auto& r = *result;
    fmt::print(
        "{} {} : {} on {} at {}\n",
        args.paper ? "paper (live feed)" : "live",
        args.state,
        setup->strategy,
        fmt::join(assets, ","),
        target);
    if (r.starts > 1) {
        fmt::print(
            "resumed       start {}: {} fills restored from the journal, {} open orders settled\n",
            r.starts,
            r.restored_fills,
            r.settled_orders);
    }
    fmt::print("warm-up       {} closed bars over REST\n", r.warmup_bars);
    fmt::print("bars          {}\n", r.bars);
    for (const auto& s : r.symbols) {
        fmt::print(
            "bars {}  {} ({} to {})\n",
            s.symbol,
            s.open_times.size(),
            s.open_times.empty() ? std::string("-") : s.open_times.front().to_iso8601(),
            s.open_times.empty() ? std::string("-") : s.open_times.back().to_iso8601());
        for (const auto& g : s.gaps.gaps()) {
            fmt::print(
                "gap {}  {} bars from {} ({})\n",
                s.symbol,
                g.bars,
                g.first.to_iso8601(),
                model::to_string(g.state));
        }
    }
    fmt::print(
        "feed          {} messages ({:.1f}/s), {} connects, {} reconnects, {} gaps, {} "
        "backfilled, {} missing, {} duplicates, {} bad, {} rotations\n",
        r.feed.messages,
        r.seconds > 0 ? static_cast<double>(r.feed.messages) / r.seconds : 0.0,
        r.feed.connects,
        r.feed.reconnects,
        r.feed.gaps,
        r.feed.backfilled,
        r.feed.missing,
        r.feed.duplicates,
        r.feed.bad_messages,
        r.feed.rotations);
    fmt::print("orders        {} sent ({} REST requests)\n", r.orders_sent, r.rest_requests);
    const auto& flow = r.order_flow;
    if (args.paper) {
        fmt::print(
            "paper venue   orders filled from the live bars (nothing sent to the exchange)\n");
    } else if (flow.user_stream) {
        fmt::print(
            "user stream   {} connects, {} drops, {} events, {} fills from the stream, {} over "
            "REST, {} REST polls\n",
            flow.stream_connects,
            flow.stream_drops,
            flow.stream_events,
            flow.stream_fills,
            flow.rest_fills,
            flow.rest_polls);
    } else {
        fmt::print(
            "user stream   off: {} fills over REST, {} REST polls\n",
            flow.rest_fills,
            flow.rest_polls);
    }
    fmt::print("fills         {}, fees {}\n", r.fills.size(), r.fees);
    for (const auto& f : r.fills) {
        fmt::print(
            "fill {} {} {} {} @ {} fee {}{}\n",
            f.order_id.str(),
            f.symbol,
            to_string(f.side),
            f.qty,
            f.price,
            f.fee,
            f.base_fee.is_zero() ? std::string() : fmt::format(" + {} base", f.base_fee));
    }
    for (const auto& rec : r.reconciliation) {
        fmt::print(
            "reconcile {:<6} engine {} account {} {}\n",
            rec.asset,
            rec.engine,
            rec.account,
            rec.matches() ? "ok" : "MISMATCH");
    }
    fmt::print("cash          {} (from {})\n", r.cash, r.initial_cash);
    fmt::print("equity        {}\n", r.equity);
    fmt::print("stopped after {:.3f} s\n", r.seconds);
    return kExitOk;
}

}  // namespace ats::cli
