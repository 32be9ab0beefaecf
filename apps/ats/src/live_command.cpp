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
#include "ats/runtime/session_setup.hpp"

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
    if (!runtime::endpoints_for(target)) {
        return fail(
            fmt::format(
                "--exchange '{}': use binance, testnet or http(s)://127.0.0.1:PORT", target),
            kExitUsage);
    }
    if (!args.paper && target != "testnet" && !runtime::is_local_url(target) && !args.real_money) {
        return fail(
            fmt::format(
                "--exchange {} trades real money: add --i-understand-this-trades-real-money "
                "(not needed for testnet or http(s)://127.0.0.1)",
                target),
            kExitUsage);
    }
    auto keys = args.paper ? Result<ApiKeys>(ApiKeys{}) : load_api_keys(args.keys);
    if (!keys) {
        return fail(keys.error().message, kExitUsage);
    }
    auto setup = load_trading_setup(args.config, args.strategy, args.params, args.model);
    if (!setup) {
        return fail(
            setup.error().message,
            setup.error().code == ErrorCode::kNotFound ? kExitIo : kExitUsage);
    }
    runtime::SessionRequest request;
    request.assets = assets;
    request.feed = args.paper ? "live:" + target : std::string();
    request.live = !args.paper;
    request.exchange = target;
    request.real_money = args.real_money;
    request.interval = args.interval;
    request.ca_file = args.ca_file;
    request.setup = std::move(*setup);
    request.state_path = args.state;
    request.api_key = keys->key;
    request.api_secret = keys->secret;
    request.user_stream = !args.no_user_stream;
    request.client_stops = args.client_stops;
    request.redis = args.redis;
    request.redis_key = args.redis_key;
    request.read_timeout_s = args.read_timeout_s;
    request.max_bars = args.max_bars;
    auto made = runtime::make_live_setup(request);
    if (!made) {
        return fail(made.error().message, kExitUsage);
    }
    runtime::LiveConfig& config = made->config;
    const std::vector<model::Instrument>& instruments = made->instruments;
    const runtime::TradingSetup* const trading = &request.setup;
    config.stop = &stop;
    StderrNotifier notifier;
    config.notifier = &notifier;
    auto result = runtime::run_live(config, instruments);
    if (!result) {
        return fail(result.error().message, exit_code_for(result.error()));
    }
    const auto& r = *result;
    fmt::print(
        "{} {} : {} on {} at {}\n",
        args.paper ? "paper (live feed)" : "live",
        args.state,
        trading->strategy,
        fmt::join(assets, ","),
        target);
    if (r.starts > 1) {
        fmt::print(
            "resumed       start {}: {} fills restored from the journal, {} open orders "
            "settled{}\n",
            r.starts,
            r.restored_fills,
            r.settled_orders,
            r.kept_orders > 0
                ? fmt::format(", {} stops/targets kept on the exchange", r.kept_orders)
                : std::string());
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
    if (!args.paper) {
        fmt::print(
            "protection    {}\n",
            args.client_stops
                ? fmt::format(
                      "client-side (bookTicker quotes, closed bars as backstop): {} fired on "
                      "quotes",
                      r.quote_stops)
                : std::string("on the exchange (STOP_LOSS / TAKE_PROFIT, OCO lists)"));
    }
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
