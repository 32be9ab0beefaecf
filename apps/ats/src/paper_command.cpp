#include "paper_command.hpp"

#include <atomic>
#include <cstdio>
#include <filesystem>

#include <fmt/format.h>

#include "ats/backtest/backtest.hpp"
#include "ats/data/kline_csv.hpp"
#include "ats/notify/telegram_notifier.hpp"
#include "ats/redis/event_publisher.hpp"
#include "ats/runtime/paper_session.hpp"
#include "ats/runtime/session_setup.hpp"
#include "ats/store/sqlite_state_store.hpp"

#include "cli_common.hpp"
#include "exit_codes.hpp"
#include "live_command.hpp"
#include "trading_setup.hpp"

namespace ats::cli {
namespace {

/// Prints critical and info alerts (recovery findings, job failures, summaries) to stderr;
/// warnings such as rejected signals are in the journal.
class StderrNotifier final : public model::Notifier {
public:
    void notify(const model::AlertLogged& alert) override {
        // Fills are info alerts for Telegram; on stderr they would drown everything else.
        if (alert.level == model::AlertLevel::kCritical ||
            (alert.level == model::AlertLevel::kInfo &&
             alert.message.view().rfind("filled ", 0) != 0)) {
            std::fprintf(
                stderr,
                "ats: %s %s: %s\n",
                alert.ts_event.to_iso8601().c_str(),
                std::string(model::to_string(alert.level)).c_str(),
                alert.message.str().c_str());
        }
    }
};

/// Sends each alert to several notifiers.
class FanOutNotifier final : public model::Notifier {
public:
    void add(model::Notifier* n) { targets_.push_back(n); }
    void notify(const model::AlertLogged& alert) override {
        for (auto* n : targets_) {
            n->notify(alert);
        }
    }

private:
    std::vector<model::Notifier*> targets_;
};

}  // namespace

int run_paper_command(const PaperArgs& args) {
    // First thing, so a stop request during start-up is a clean stop too.
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
    if (args.feed.rfind("live:", 0) == 0) {
        // The exchange's live klines and filters, orders filled by the paper venue: the live
        // session's code with a paper venue instead of the account.
        LiveArgs live;
        live.assets = assets;
        live.exchange = args.feed.substr(5);
        live.ca_file = args.ca_file;
        live.strategy = args.strategy;
        live.params = args.params;
        live.config = args.config;
        live.model = args.model;
        live.state = args.state;
        live.interval = args.interval;
        live.max_bars = args.max_bars;
        live.paper = true;
        return run_live_command(live);
    }
    auto setup = load_trading_setup(args.config, args.strategy, args.params, args.model);
    if (!setup) {
        return fail(
            setup.error().message,
            setup.error().code == ErrorCode::kNotFound ? kExitIo : kExitUsage);
    }
    if (args.sync != "normal" && args.sync != "full") {
        return fail(fmt::format("--sync '{}': use normal or full", args.sync), kExitUsage);
    }
    runtime::SessionRequest request;
    request.assets = assets;
    request.feed = args.feed;
    request.speed = args.speed;
    request.setup = std::move(*setup);
    request.state_path = args.state;
    request.commit_every = args.commit_every;
    request.snapshot_every = args.snapshot_every;
    request.sync_full = args.sync == "full";
    auto made = runtime::make_paper_setup(request);
    if (!made) {
        const bool usage = made.error().code == ErrorCode::kInvalidArgument;
        return fail(
            usage ? fmt::format("--{}", made.error().message) : made.error().message,
            usage ? kExitUsage : exit_code_for(made.error()));
    }
    runtime::PaperConfig& config = made->config;
    std::vector<runtime::PaperAsset>& paper_assets = made->assets;
    const runtime::TradingSetup* const trading = &request.setup;

    StderrNotifier stderr_notifier;
    FanOutNotifier notifier;
    notifier.add(&stderr_notifier);
    std::unique_ptr<notify::TelegramNotifier> telegram;
    if (args.telegram) {
        auto credentials = notify::load_telegram_credentials(args.telegram_credentials);
        if (!credentials) {
            return fail(credentials.error().message, exit_code_for(credentials.error()));
        }
        notify::TelegramConfig tc;
        tc.credentials = std::move(*credentials);
        tc.api_base = args.telegram_api;
        auto created = notify::TelegramNotifier::create(std::move(tc));
        if (!created) {
            return fail(created.error().message, kExitUsage);
        }
        telegram = std::move(*created);
        notifier.add(telegram.get());
    }
    config.notifier = &notifier;
    for (const auto& spec : args.jobs) {
        const auto eq = spec.find('=');
        const std::string name = spec.substr(0, eq);
        if (eq == std::string::npos || name != "summary") {
            return fail(
                fmt::format("--job '{}': expected summary=CRON (e.g. summary=0 0 * * *)", spec),
                kExitUsage);
        }
        config.jobs.push_back(runtime::PaperJob{
            name,
            spec.substr(eq + 1),
            [&notifier](const engine::TradingEngine& engine, Timestamp now) {
                const auto& pf = engine.portfolio();
                std::size_t open = 0;
                for (const auto& p : pf.positions()) {
                    open += p.qty.is_zero() ? 0U : 1U;
                }
                const std::string text = fmt::format(
                    "summary: equity {} cash {} open positions {} fills {}",
                    pf.equity(),
                    pf.cash(),
                    open,
                    engine.fills().size());
                notifier.notify(
                    model::AlertLogged{now, now, model::AlertLevel::kInfo, model::Text(text)});
                return ok_status();
            }});
    }
    // Redis: an optional mirror of the event stream for other processes; never in the way.
    std::unique_ptr<redis::EventPublisher> publisher;
    if (args.redis) {
        auto endpoint = redis::Endpoint::parse(*args.redis);
        if (!endpoint) {
            return fail(fmt::format("--redis: {}", endpoint.error().message), kExitUsage);
        }
        redis::PublisherConfig pc;
        pc.endpoint = *endpoint;
        pc.stream = args.redis_stream;
        // A restart replays the journal to the observers: those events were published already.
        std::error_code ec;
        if (std::filesystem::exists(config.state_path, ec)) {
            auto db = store::SqliteStateStore::open(config.state_path);
            if (!db) {
                return fail(db.error().message, exit_code_for(db.error()));
            }
            pc.skip_first = (*db)->journal_size();
        }
        pc.on_warning = [](const std::string& w) {
            std::fprintf(stderr, "ats: warning: %s\n", w.c_str());
        };
        auto started = redis::EventPublisher::start(std::move(pc));
        if (!started) {
            return fail(started.error().message, kExitUsage);
        }
        publisher = std::move(*started);
        config.observer = publisher.get();
    }
    config.stop = &stop;
    auto result = runtime::run_paper(config, paper_assets);
    if (publisher) {
        // Up to 2 s to publish the rest, unless Redis is known to be away.
        const auto before = publisher->counters();
        const bool drained = publisher->flush(
            std::chrono::milliseconds(before.connected || before.failures == 0 ? 2000 : 100));
        const auto c = publisher->counters();
        std::fprintf(
            stderr,
            "ats: redis: %llu events published to %s, %llu dropped, %llu reconnects%s\n",
            static_cast<unsigned long long>(c.published),  // NOLINT(google-runtime-int)
            args.redis_stream.c_str(),
            static_cast<unsigned long long>(c.dropped),     // NOLINT(google-runtime-int)
            static_cast<unsigned long long>(c.reconnects),  // NOLINT(google-runtime-int)
            drained ? ""
                    : fmt::format(" ({} not published: redis unavailable)", c.buffered).c_str());
    }
    if (telegram) {
        if (!result) {
            telegram->send(fmt::format("ats paper stopped: {}", result.error().message), true);
        }
        const bool drained = telegram->flush(Duration::from_seconds(30));
        const auto s = telegram->stats();
        std::fprintf(
            stderr,
            "ats: telegram: %llu sent, %llu failed, %llu dropped, %llu suppressed%s%s\n",
            static_cast<unsigned long long>(s.sent),
            static_cast<unsigned long long>(s.failed),
            static_cast<unsigned long long>(s.dropped),
            static_cast<unsigned long long>(s.suppressed),
            drained ? "" : " (queue not drained)",
            s.last_error.empty() ? "" : (", last error: " + s.last_error).c_str());
    }
    if (!result) {
        // A state file held by another process is an I/O condition, not a bug.
        const int code = result.error().code == ErrorCode::kUnavailable
                             ? kExitIo
                             : exit_code_for(result.error());
        return fail(result.error().message, code);
    }
    const auto& r = *result;
    fmt::print(
        "paper {} : start {}, {} on {}\n",
        args.state,
        r.starts,
        trading->strategy,
        fmt::join(assets, ","));
    fmt::print(
        "bars          {} of {} ({} replayed from the journal, {} new)\n",
        r.bars_replayed + r.bars_new,
        r.bars_total,
        r.bars_replayed,
        r.bars_new);
    fmt::print(
        "orders        {} sent by this process, {} recovered (intent already on disk, not "
        "resent)\n",
        r.orders_sent,
        r.orders_recovered);
    fmt::print("fills         {} ({} closed trades), fees {}\n", r.fills, r.trades, r.fees);
    fmt::print("cash          {}\n", r.cash);
    fmt::print(
        "equity        {} (from {}, {:+.4f}%)\n",
        r.equity,
        r.initial_cash,
        (r.equity.to_double() / r.initial_cash.to_double() - 1) * 100);
    if (r.positions.empty()) {
        fmt::print("positions     none\n");
    }
    for (const auto& p : r.positions) {
        fmt::print("position      {} {} @ {}\n", p.symbol, p.qty, p.average_entry);
    }
    fmt::print(
        "journal       {} events ({} dispatched by this process in {:.3f} s)\n",
        r.journal_size,
        r.events,
        r.seconds);
    fmt::print(
        "recovery      {}\n",
        r.starts == 1              ? std::string("fresh start")
        : r.recovery_notes.empty() ? std::string("journal, venue and state agree")
                                   : fmt::format("{}", fmt::join(r.recovery_notes, "; ")));
    if (!args.jobs.empty()) {
        fmt::print("jobs          {} runs, {} failed\n", r.job_runs, r.job_failures);
    }
    fmt::print("feed          {}\n", r.finished ? "ended" : "stopped (state saved)");
    return kExitOk;
}

}  // namespace ats::cli
