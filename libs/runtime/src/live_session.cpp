#include "ats/runtime/live_session.hpp"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <optional>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include "ats/binance/binance_venue.hpp"
#include "ats/binance/kline_feed.hpp"
#include "ats/binance/rest_client.hpp"
#include "ats/core/clock.hpp"
#include "ats/runtime/session_status.hpp"

#include "client_stops.hpp"
#include "journal.hpp"
#include "risk_state_json.hpp"

namespace ats::runtime {

namespace {

std::vector<LiveReconciliation> reconcile(
    binance::RestClient& rest,
    const execution::Portfolio& portfolio,
    const std::string& quote,
    const std::vector<model::Instrument>& assets,
    const std::map<std::string, Qty>& held_at_start,
    Money initial_cash) {
    std::vector<LiveReconciliation> out;
    auto balances = rest.balances();
    if (!balances) {
        return out;
    }
    auto held = [&](const std::string& asset) {
        for (const auto& b : *balances) {
            if (b.asset == asset) {
                return b.free + b.locked;
            }
        }
        return Qty{};
    };
    const auto before = [&](const std::string& asset) {
        const auto it = held_at_start.find(asset);
        return it == held_at_start.end() ? Qty{} : it->second;
    };
    // The engine's cash started as the free quote balance: what was locked then is not its own.
    const Qty quote_not_owned = before(quote) - Qty::from_raw(initial_cash.raw());
    out.push_back({quote, Qty::from_raw(portfolio.cash().raw()), held(quote) - quote_not_owned});
    for (const auto& a : assets) {
        const auto* position = portfolio.position(a.symbol);
        out.push_back(
            {a.base_asset,
             position != nullptr ? position->total() : Qty{},
             held(a.base_asset) - before(a.base_asset)});
    }
    return out;
}

struct ResumeState {
    std::uint64_t starts = 0;
    std::string order_tag;
    Money initial_cash;
    std::map<std::string, Qty> held_at_start;
};

Result<ResumeState> read_resume_state(store::SqliteStateStore& db, const LiveConfig& config) {
    const auto refuse = [&](std::string why) {
        return make_error(
            ErrorCode::kFailedPrecondition,
            fmt::format("state file {}: {}; use a new --state file", config.state_path, why));
    };
    auto session = db.get_state("session");
    auto starts = db.get_state("starts");
    auto cash = db.get_state("initial_cash");
    auto held = db.get_state("held_at_start");
    auto tag = db.get_state("order_tag");
    if (!session || !starts || !cash || !held || !tag) {
        return refuse("its session state cannot be read");
    }
    if (!*session || **session != config.session_text) {
        return refuse(
            "it belongs to another session (assets, exchange, strategy or config differ)");
    }
    if (!*starts || !*cash || !*held || !*tag || (*tag)->empty()) {
        return refuse("it has no resume data (written by an older ats)");
    }
    ResumeState out;
    out.starts = std::strtoull((*starts)->c_str(), nullptr, 10) + 1;
    auto money = Money::parse(**cash);
    if (!money || out.starts < 2) {
        return refuse("bad resume data");
    }
    out.initial_cash = *money;
    out.order_tag = **tag;
    std::string_view text = **held;
    while (!text.empty()) {
        const auto comma = text.find(',');
        const auto item = text.substr(0, comma);
        const auto eq = item.find('=');
        auto qty = eq == std::string_view::npos ? Result<Qty>(tl::unexpected(Error{}))
                                                : Qty::parse(item.substr(eq + 1));
        if (!qty) {
            return refuse("bad resume data");
        }
        out.held_at_start[std::string(item.substr(0, eq))] = *qty;
        text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
    }
    return out;
}

bool is_protective(const model::OrderRequest& r) {
    return r.reduce_only &&
           (r.type == model::OrderType::kStopMarket || r.type == model::OrderType::kStopLimit ||
            r.type == model::OrderType::kTakeProfit);
}

/// Orders the journal has as sent but not finished: cancels those still open on the exchange,
/// records the fills they got that the journal does not have yet (the first N trades of an order
/// are its N recorded fills), and marks them finished. Returns how many were settled. With
/// `keep_protection`, stops and targets still waiting on the exchange untouched are not
/// canceled but returned in `kept`: the position stays protected through the restart.
Result<std::uint64_t> settle_open_orders(
    store::SqliteStateStore& db,
    binance::RestClient& rest,
    const Clock& wall,
    bool keep_protection,
    std::vector<model::Order>& kept) {
    auto orders = db.orders();
    auto fills = db.fills();
    if (!orders || !fills) {
        return tl::unexpected(!orders ? orders.error() : fills.error());
    }
    std::uint64_t settled = 0;
    for (const auto& o : *orders) {
        if (o.status != "sent" && o.status != "placed" && o.status != "accepted" &&
            o.status != "partially_filled") {
            continue;
        }
        const std::string symbol(o.request.symbol.view());
        const Timestamp now = wall.now();
        auto state = rest.query_order(symbol, o.id.str());
        if (!state && state.error().code == ErrorCode::kNotFound) {
            // The intent was written but the request never reached the exchange.
            if (auto s = db.append(model::OrderCanceled{
                    now,
                    now,
                    o.id,
                    o.request.symbol,
                    model::Text("not on the exchange at restart")});
                !s) {
                return tl::unexpected(s.error());
            }
            ++settled;
            continue;
        }
        if (!state) {
            return tl::unexpected(state.error());
        }
        if (keep_protection && is_protective(o.request) && state->status == "NEW" &&
            state->executed_qty.is_zero()) {
            kept.emplace_back(o.id, o.request, now);
            continue;
        }
        if (state->status == "NEW" || state->status == "PARTIALLY_FILLED") {
            auto canceled = rest.cancel_order(symbol, o.id.str());
            if (!canceled) {
                return tl::unexpected(canceled.error());
            }
            state = std::move(canceled);
        }
        std::size_t recorded = 0;
        for (const auto& f : *fills) {
            recorded += f.order_id == o.id ? 1U : 0U;
        }
        if (!state->executed_qty.is_zero()) {
            auto trades = rest.my_trades(symbol, state->order_id);
            if (!trades) {
                return tl::unexpected(trades.error());
            }
            for (std::size_t i = recorded; i < trades->size(); ++i) {
                const auto& t = (*trades)[i];
                const auto fee =
                    binance::split_commission(o.request.symbol, t.commission_asset, t.commission);
                const model::Fill fill{
                    o.id,
                    o.request.symbol,
                    o.request.side,
                    t.qty,
                    t.price,
                    fee.quote,
                    t.maker,
                    Timestamp::from_unix_ms(t.time_ms),
                    fee.base};
                const bool last = state->status == "FILLED" && i + 1 == trades->size();
                if (auto s = db.append(model::OrderFilled{fill.ts, now, fill, last}); !s) {
                    return tl::unexpected(s.error());
                }
            }
        }
        if (state->status != "FILLED") {
            if (auto s = db.append(model::OrderCanceled{
                    now,
                    now,
                    o.id,
                    o.request.symbol,
                    model::Text(fmt::format("settled at restart: {}", state->status))});
                !s) {
                return tl::unexpected(s.error());
            }
        }
        ++settled;
    }
    if (auto s = db.commit(); !s) {
        return tl::unexpected(s.error());
    }
    return settled;
}

}  // namespace

Result<LiveResult> run_live(
    const LiveConfig& config, const std::vector<model::Instrument>& assets) {
    const auto started = std::chrono::steady_clock::now();
    if (assets.empty()) {
        return make_error(ErrorCode::kInvalidArgument, "live: no assets");
    }
    for (const auto& a : assets) {
        if (auto s = a.validate(); !s) {
            return tl::unexpected(s.error());
        }
    }
    auto strategy = strategy::make_strategy(config.strategy, config.params, config.sources);
    if (!strategy) {
        return tl::unexpected(strategy.error());
    }
    RealClock wall;
    binance::RestConfig rc;
    rc.base_url = config.rest_url;
    rc.tls.ca_file = config.ca_file;
    rc.api_key = config.api_key;
    rc.api_secret = config.api_secret;
    auto rest = binance::RestClient::create(rc, wall);
    if (!rest) {
        return tl::unexpected(rest.error());
    }
    if (auto s = rest->sync_time(); !s) {
        return tl::unexpected(s.error());
    }
    // The exchange's own filters (tick, step, minimums), so every order the engine sizes passes
    // them: an exit of the whole position rounds down to the lot step, leaving only dust.
    std::vector<model::Instrument> listed;
    for (const auto& a : assets) {
        auto info = rest->instrument(std::string(a.symbol.view()));
        if (!info) {
            return tl::unexpected(info.error());
        }
        listed.push_back(*info);
    }
    const std::string quote = listed.front().quote_asset;
    // Warm-up history (public data): the latest closed bars, so the strategy can trade on the
    // first live bar; the still-open bar (close time in the future) is dropped.
    auto server_now = rest->server_time_ms();
    if (!server_now) {
        return tl::unexpected(server_now.error());
    }
    // Enough for the strategy and for the risk layer's ATR (stops are sized from it).
    const auto warmup = static_cast<int>(std::min<std::size_t>(
        std::max<std::size_t>(
            (*strategy)->warmup_bars(),
            static_cast<std::size_t>(std::max(config.engine.risk.atr_period, 1)) * 3) +
            1,
        1000));
    std::vector<std::vector<model::Bar>> history;
    for (const auto& a : listed) {
        auto bars = rest->klines(std::string(a.symbol.view()), config.interval, -1, -1, warmup);
        if (!bars) {
            return tl::unexpected(bars.error());
        }
        std::erase_if(
            *bars, [&](const model::Bar& b) { return b.close_time.unix_ms() >= *server_now; });
        history.push_back(std::move(*bars));
    }
    engine::EngineConfig engine_config = config.engine;
    store::StateStoreOptions store_options = config.store;
    store_options.exclusive = true;
    auto opened = store::SqliteStateStore::open(config.state_path, store_options);
    if (!opened) {
        return tl::unexpected(opened.error());
    }
    store::SqliteStateStore& db = **opened;
    // Stopped from outside (the watchdog's emergency stop): nothing trades until an operator has
    // checked the account and removed the mark.
    auto halt = read_halt(config.state_path);
    if (!halt || *halt) {
        return make_error(
            ErrorCode::kFailedPrecondition,
            !halt ? halt.error().message
                  : fmt::format(
                        "session halted by the {} at {}: {}; check the account, then delete {} "
                        "to trade again",
                        (*halt)->by,
                        Timestamp::from_unix_ms((*halt)->at_ms).to_iso8601(),
                        (*halt)->reason,
                        halt_path(config.state_path)));
    }
    std::optional<RedisWindow> window;
    if (config.redis) {
        const std::string key =
            !config.redis_key.empty()
                ? config.redis_key
                : "ats:live:" + std::filesystem::path(config.state_path).stem().string();
        auto made = RedisWindow::create(*config.redis, key);
        if (!made) {
            return make_error(
                ErrorCode::kInvalidArgument, fmt::format("--redis: {}", made.error().message));
        }
        window.emplace(std::move(*made));
        auto mark = window->read_halt();
        if (mark && *mark) {
            return make_error(
                ErrorCode::kFailedPrecondition,
                fmt::format(
                    "session halted by the {} at {}: {}; check the account, then delete the "
                    "Redis key {}:halt to trade again",
                    (*mark)->by,
                    Timestamp::from_unix_ms((*mark)->at_ms).to_iso8601(),
                    (*mark)->reason,
                    window->key()));
        }
        if (!mark && config.notifier != nullptr) {
            const Timestamp t = wall.now();
            config.notifier->notify(model::AlertLogged{
                t,
                t,
                model::AlertLevel::kWarning,
                model::Text(fmt::format("live: redis unavailable: {}", mark.error().message))});
        }
    }
    const bool resuming = db.journal_size() > 0;
    std::uint64_t starts = 1;
    // What the account held when the session first started: reconciliation compares the
    // session's own changes with it.
    std::map<std::string, Qty> held_at_start;
    std::string order_tag;
    if (resuming) {
        if (config.paper) {
            return make_error(
                ErrorCode::kFailedPrecondition,
                fmt::format(
                    "state file {} already holds a journal: resuming paper trading on a live feed "
                    "is not implemented; use a new --state file",
                    config.state_path));
        }
        auto resume = read_resume_state(db, config);
        if (!resume) {
            return tl::unexpected(resume.error());
        }
        starts = resume->starts;
        engine_config.initial_cash = resume->initial_cash;
        held_at_start = std::move(resume->held_at_start);
        order_tag = resume->order_tag;
    } else {
        // A tag of this session in every client order id: Binance keeps client ids unique only
        // among open orders, so another session's "live-1" must never be taken for ours (the
        // query-before-resend and the restart's settling look orders up by client id).
        std::int64_t ms = wall.now().unix_ms();
        do {
            order_tag.insert(order_tag.begin(), "0123456789abcdefghijklmnopqrstuvwxyz"[ms % 36]);
            ms /= 36;
        } while (ms > 0);
        std::vector<binance::AssetBalance> account;
        if (!config.paper) {
            auto balances = rest->balances();
            if (!balances) {
                return tl::unexpected(balances.error());
            }
            account = std::move(*balances);
            engine_config.initial_cash = Money{};
        }
        // Dust a previous session left (below the lot step, min qty or min notional) is fine; a
        // tradable position is not adopted.
        for (const auto& b : account) {
            held_at_start[b.asset] = b.free + b.locked;
            if (b.asset == quote) {
                engine_config.initial_cash = Money::from_raw(b.free.raw());
            }
            for (std::size_t i = 0; i < listed.size(); ++i) {
                const auto& a = listed[i];
                if (b.asset != a.base_asset) {
                    continue;
                }
                const Qty tradable = a.round_qty(b.free + b.locked, Round::kTowardZero);
                const Price last = history[i].empty() ? Price{} : history[i].back().close;
                const auto value = notional(last, tradable, Round::kHalfEven);
                const bool dust = tradable.is_zero() || tradable < a.min_qty ||
                                  (value && last.is_positive() && *value < a.min_notional);
                if (!dust) {
                    return make_error(
                        ErrorCode::kFailedPrecondition,
                        fmt::format(
                            "live: the account holds {} {}; adopting existing positions is not "
                            "implemented yet (start from an account without the traded base "
                            "assets, or resume the session that bought them with its --state)",
                            (b.free + b.locked),
                            b.asset));
                }
            }
        }
    }
    std::string held_text;
    for (const auto& [asset, qty] : held_at_start) {
        held_text += fmt::format("{}{}={}", held_text.empty() ? "" : ",", asset, qty);
    }
    if (!config.paper) {
        // live_<tag>_<start>-<n>: unique per session and per start (36 chars at most).
        engine_config.order_id_prefix += fmt::format("_{}_{}", order_tag, starts);
    }
    for (const auto& s :
         {db.put_state("session", config.session_text),
          db.put_state("starts", std::to_string(starts)),
          db.put_state("initial_cash", engine_config.initial_cash.to_string()),
          db.put_state("held_at_start", held_text),
          db.put_state("order_tag", order_tag),
          db.commit()}) {
        if (!s) {
            return make_error(
                ErrorCode::kIo, fmt::format("{}; trading not started", s.error().message));
        }
    }

    SimulatedClock clock(Timestamp::from_unix_ns(0));
    engine::TradingEngine engine(engine_config, clock, **strategy);
    binance::BinanceVenue venue(*rest, engine.sink(), clock);
    std::optional<sim::BarVenue> paper;
    if (config.paper) {
        auto slippage = sim::make_slippage(config.paper_slippage);
        if (!slippage) {
            return tl::unexpected(slippage.error());
        }
        sim::BarVenueConfig vc = config.paper_venue;
        vc.quote_balance = engine_config.initial_cash;
        vc.allow_short = engine_config.allow_short;
        paper.emplace(clock, engine.sink(), vc, std::move(*slippage));
        for (const auto& a : listed) {
            paper->add_instrument(a);
        }
    }
    if (config.user_stream && !config.paper) {
        binance::UserStreamConfig uc;
        uc.url = config.ws_api_url.empty() ? config.ws_url + "/ws-api/v3" : config.ws_api_url;
        uc.api_key = config.api_key;
        uc.api_secret = config.api_secret;
        uc.tls.ca_file = config.ca_file;
        if (auto s = venue.enable_user_stream(uc, wall); !s && config.notifier != nullptr) {
            // Not fatal: REST polling drives the orders and the stream is retried.
            const Timestamp now = wall.now();
            config.notifier->notify(model::AlertLogged{
                now,
                now,
                model::AlertLevel::kWarning,
                model::Text(fmt::format(
                    "live: user data stream unavailable ({}); polling orders over REST",
                    s.error().message))});
        }
    }
    LiveResult result;
    std::vector<model::Order> kept_protection;  // stops and targets left on the exchange
    if (resuming) {
        // Orders the last run left open are settled on the exchange (canceled if still open,
        // their fills read), then every recorded fill rebuilds the books; the account must agree
        // with them before anything trades.
        auto settled = settle_open_orders(
            db, *rest, wall, config.exchange_protection && !config.paper, kept_protection);
        if (!settled) {
            return tl::unexpected(settled.error());
        }
        result.settled_orders = *settled;
        auto fills = db.fills();
        if (!fills) {
            return tl::unexpected(fills.error());
        }
        for (const auto& f : *fills) {
            if (auto s = engine.restore_fill(f); !s) {
                return make_error(
                    ErrorCode::kFailedPrecondition,
                    fmt::format("state file {}: {}", config.state_path, s.error().message));
            }
        }
        // The risk state of the last run: a kill switch that fired stays fired, the high-water
        // mark and cooldowns carry on.
        auto stored_risk = db.get_state("risk");
        if (!stored_risk) {
            return tl::unexpected(stored_risk.error());
        }
        if (*stored_risk) {
            auto saved = detail::parse_risk_json(**stored_risk);
            if (!saved) {
                return make_error(
                    ErrorCode::kParse,
                    fmt::format("state file {}: {}", config.state_path, saved.error().message));
            }
            engine.restore_risk(*saved);
        }
        // Operator state: paused entries and changed risk limits carry over a restart.
        auto control_state = db.get_state("control");
        if (!control_state) {
            return tl::unexpected(control_state.error());
        }
        if (*control_state) {
            try {
                const auto j = nlohmann::json::parse(**control_state);
                engine.set_entries_paused(j.value("entries_paused", false));
                if (j.contains("risk")) {
                    auto limits = parse_risk_limits_json(j.at("risk").dump());
                    if (!limits) {
                        return tl::unexpected(limits.error());
                    }
                    engine.set_risk_limits(*limits);
                }
            } catch (const std::exception& e) {
                return make_error(
                    ErrorCode::kParse,
                    fmt::format(
                        "state file {}: bad control state: {}", config.state_path, e.what()));
            }
        }
        result.restored_fills = fills->size();
        result.starts = starts;
        for (const auto& r : reconcile(
                 *rest,
                 engine.portfolio(),
                 quote,
                 listed,
                 held_at_start,
                 engine_config.initial_cash)) {
            if (!r.matches()) {
                return make_error(
                    ErrorCode::kFailedPrecondition,
                    fmt::format(
                        "resume: the account's {} ({} since the session started) differs from "
                        "the journal's {}; settle it by hand or start a new session",
                        r.asset,
                        r.account,
                        r.engine));
            }
        }
    }
    detail::CrashHook crash;
    detail::Journaler journal(db, crash);
    journal.continue_after_stored();
    // Stops and targets: on the exchange (protected while ats is down), or, when the user asks,
    // kept client-side and sent as market orders once a closed bar trades through them.
    const bool client_stops = !config.exchange_protection;
    venue.set_exchange_protection(config.exchange_protection);
    detail::ClientStops stops(venue, engine.sink());
    detail::DurableVenue durable(
        db,
        paper          ? static_cast<model::ExecutionVenue&>(*paper)
        : client_stops ? static_cast<model::ExecutionVenue&>(stops)
                       : static_cast<model::ExecutionVenue&>(venue),
        journal,
        crash);
    engine.set_venue(&durable);
    detail::LiveNotifier notifier(config.notifier, journal);
    engine.set_notifier(&notifier);
    journal.set_fill_listener(
        [&](const model::OrderFilled& f) { notifier.on_fill(f, clock.now()); });
    engine.bus().set_observer(&journal);
    journal.set_next_observer(config.observer);
    for (const auto& a : listed) {
        engine.add_instrument(a);
        result.symbols.push_back(LiveSymbolBars{a.symbol, {}, {}});
    }

    binance::KlineFeedConfig fc;
    fc.ws_base = config.ws_url;
    fc.tls.ca_file = config.ca_file;
    for (const auto& a : listed) {
        fc.symbols.push_back(a.symbol);
    }
    fc.interval = config.interval;
    fc.read_timeout = config.read_timeout;
    fc.seed = static_cast<std::uint64_t>(wall.now().unix_ns());
    if (client_stops && !config.paper) {
        // The fallback's stops are judged on every best bid/ask, between bars.
        fc.on_quote = [&](const Symbol& symbol, Price bid, Price ask) {
            if (stops.on_quote(symbol, bid, ask, clock.now()) > 0) {
                engine.process_pending();
                ++result.quote_stops;
            }
        };
    }
    // The window for outside watchers: <state>.status.json after every bar and, as a
    // heartbeat, about every second while the feed waits; a halt mark stops the session.
    SessionStatus status;
    status.pid = static_cast<std::int64_t>(::getpid());
    status.started_ms = wall.now().unix_ms();
    status.quote = quote;
    for (const auto& a : listed) {
        status.symbols.emplace_back(a.symbol.view());
        status.base_of[std::string(a.symbol.view())] = a.base_asset;
    }
    status.interval_ms = parse_duration(config.interval).value_or(Duration{}).ns() / 1'000'000;
    status.initial_cash = engine_config.initial_cash;
    status.peak_equity = engine_config.initial_cash;
    status.held_at_start = held_at_start;
    if (resuming) {
        // The window of the whole session: its first bar is the first run's.
        if (auto before = read_session_status(config.state_path)) {
            status.first_bar_open_ms = before->first_bar_open_ms;
        }
    }
    auto last_beat = std::chrono::steady_clock::now() - std::chrono::hours(1);
    std::optional<std::string> halted_by;
    // Problems of the once-a-second work (status file, Redis, the idle order poll) are reported
    // when they start or change, not every second; each is retried at the next beat.
    std::map<std::string, std::string, std::less<>> reported;
    const auto report_problem = [&](std::string_view what, const Status& s) {
        auto& last = reported[std::string(what)];
        if (s) {
            last.clear();
            return;
        }
        if (last == s.error().message) {
            return;
        }
        last = s.error().message;
        if (config.notifier != nullptr) {
            const Timestamp t = wall.now();
            config.notifier->notify(model::AlertLogged{
                t,
                t,
                model::AlertLevel::kWarning,
                model::Text(fmt::format("live: {}: {}", what, last))});
        }
    };
    const auto beat = [&](bool force) {
        const auto now = std::chrono::steady_clock::now();
        if (!force && now - last_beat < std::chrono::seconds(1)) {
            return;
        }
        last_beat = now;
        if (!config.paper) {
            if (auto mark = read_halt(config.state_path); !mark || *mark) {
                halted_by = !mark ? mark.error().message : (*mark)->reason;
            }
            if (window) {
                if (auto mark = window->read_halt(); mark && *mark) {
                    halted_by = (*mark)->reason;
                }
            }
        }
        const auto& pf = engine.portfolio();
        status.heartbeat_ms = wall.now().unix_ms();
        status.cash = pf.cash();
        status.equity = pf.equity();
        status.peak_equity = std::max(status.peak_equity, status.equity);
        for (const auto& a : listed) {
            status.positions[a.base_asset] = pf.position_qty(a.symbol);
        }
        if (window) {
            report_problem("status not published to redis", window->publish(status));
        }
        report_problem("status not written", write_session_status(config.state_path, status));
    };
    // While the feed waits for the next bar, the order flow is read about every second: a
    // stop or target that filled on the exchange reaches the books (and the status) at once.
    auto last_poll = std::chrono::steady_clock::now();
    fc.idle = [&] {
        const auto now = std::chrono::steady_clock::now();
        if (!config.paper && now - last_poll >= std::chrono::seconds(1)) {
            last_poll = now;
            report_problem("order poll failed", venue.poll());
            engine.process_pending();
        }
        beat(false);
        return halted_by.has_value();
    };
    binance::KlineFeed feed(fc, *rest);

    // Warm the strategy's indicators on the history, trading off; the stream continues after it
    // (anything in between is backfilled and ledgered by the feed).
    engine.set_trading_enabled(false);
    for (std::size_t i = 0; i < listed.size(); ++i) {
        for (const auto& bar : history[i]) {
            clock.advance_to(std::max(clock.now(), bar.close_time));
            engine.on_bar_closed(listed[i].symbol, bar);
            engine.process_pending();
            ++result.warmup_bars;
        }
        if (!history[i].empty()) {
            feed.resume_after(listed[i].symbol, history[i].back().open_time);
        }
    }
    engine.set_trading_enabled(true);
    if (resuming) {
        // Protection the last run left on the exchange is taken over (what happened to it since
        // reaches the engine first); a position without it gets stops sized on fresh ATR.
        for (const auto& order : kept_protection) {
            auto adopted = venue.adopt(order);
            if (adopted) {
                adopted = engine.adopt_protective(order);
            }
            if (!adopted) {
                const Timestamp now = clock.now();
                engine.sink().emit(model::OrderCanceled{
                    now,
                    now,
                    order.id(),
                    order.request().symbol,
                    model::Text(fmt::format("not taken over: {}", adopted.error().message))});
            } else {
                ++result.kept_orders;
            }
        }
        engine.process_pending();
        engine.protect_open_positions();
    }

    // Operator commands between bars (or at once when one wakes the wait for the next bar); the
    // resulting state is saved so a restart keeps it.
    bool risk_changed = false;
    const auto take_commands = [&] {
        if (config.control == nullptr) {
            return;
        }
        bool any = false;
        for (const auto& command : config.control->take_commands()) {
            const std::string what = apply_command(engine, command);
            risk_changed = risk_changed || command.kind == SessionCommand::Kind::kSetRisk;
            any = true;
            if (config.notifier != nullptr) {
                const Timestamp now = clock.now();
                config.notifier->notify(model::AlertLogged{
                    now,
                    now,
                    model::AlertLevel::kWarning,
                    model::Text(fmt::format("operator: {} ({})", what, command.reason))});
            }
        }
        if (!any) {
            return;
        }
        engine.process_pending();
        nlohmann::json state{{"entries_paused", engine.entries_paused()}};
        if (risk_changed) {
            state["risk"] = nlohmann::json::parse(risk_limits_json(engine.risk().limits()));
        }
        Status s = db.put_state("control", state.dump());
        if (s) {
            s = db.put_state("risk", detail::risk_json(engine.risk().state()));
        }
        if (s) {
            s = db.commit();
        }
        if (!s) {
            journal.fail(s.error());
        }
    };
    const std::atomic<bool>* wait_flag =
        config.control != nullptr ? &config.control->wake() : config.stop;
    beat(true);
    while (!journal.failure() && (config.max_bars == 0 || result.bars < config.max_bars)) {
        if (halted_by) {
            break;
        }
        take_commands();
        auto next = feed.next(wait_flag);
        if (!next) {
            return tl::unexpected(next.error());
        }
        if (!*next) {
            if (halted_by) {
                break;
            }
            if (config.stop != nullptr && config.stop->load()) {
                break;  // stop requested
            }
            continue;  // woken by a command: the loop applies it
        }
        const binance::ClosedBar& closed = **next;
        const model::Bar& bar = closed.bar;
        clock.advance_to(std::max(clock.now(), bar.open_time));
        engine.process_pending();
        if (paper) {
            // The paper venue fills working orders from this bar, as in `ats paper`: along its
            // path, each fill handed to the engine at once. Bars of several symbols arrive one
            // at a time, so an order decided at one symbol's close (clock past this bar's
            // close) is not matched against this bar, only from the symbol's next bar on.
            paper->run_bar(
                closed.symbol,
                bar,
                [&](Timestamp t) { clock.advance_to(std::max(clock.now(), t)); },
                [&] { engine.process_pending(); });
            clock.advance_to(std::max(clock.now(), bar.close_time));
            engine.on_bar_closed(closed.symbol, bar);
            paper->close_bar(closed.symbol);
            engine.process_pending();
        } else {
            // Execution reports from the user data stream (REST polling while it is down).
            if (auto s = venue.poll(); !s && config.notifier != nullptr) {
                const Timestamp now = clock.now();
                config.notifier->notify(model::AlertLogged{
                    now,
                    now,
                    model::AlertLevel::kWarning,
                    model::Text(fmt::format("live: order poll failed: {}", s.error().message))});
            }
            engine.process_pending();
            clock.advance_to(std::max(clock.now(), bar.close_time));
            // Stops and targets the closed bar traded through go out as market orders first.
            if (client_stops && stops.on_bar(closed.symbol, bar, clock.now()) > 0) {
                engine.process_pending();
            }
            engine.on_bar_closed(closed.symbol, bar);
            engine.process_pending();
        }
        ++result.bars;
        for (auto& s : result.symbols) {
            if (s.symbol == closed.symbol) {
                s.open_times.push_back(bar.open_time);
            }
        }
        Status s = db.set_balance(quote, engine.portfolio().cash());
        // Order round trips measured on this bar, for the tick simulator's latency model.
        for (const auto& l : venue.take_latencies()) {
            if (s) {
                s = db.record_order_latency(
                    store::OrderLatency{l.order_id, l.request_ns, l.exchange_ns, l.response_ns});
            }
        }
        if (s) {
            s = db.put_state("risk", detail::risk_json(engine.risk().state()));
        }
        if (s) {
            s = db.commit();
        }
        if (!s) {
            journal.fail(s.error());
        }
        if (config.control != nullptr) {
            config.control->on_step(engine, SessionStep{result.bars, false, clock.now(), false});
        }
        status.last_bar_ms = wall.now().unix_ms();
        status.bars = result.bars;
        if (status.first_bar_open_ms == 0) {
            status.first_bar_open_ms = bar.open_time.unix_ms();
        }
        status.last_bar_open_ms = bar.open_time.unix_ms();
        status.fills = engine.fills().size();
        beat(true);
    }
    if (!journal.failure()) {
        status.stopped = true;  // ended on purpose: a watcher must not take it for frozen
        beat(true);
    }
    if (halted_by) {
        const Timestamp now = clock.now();
        engine.bus().emit(model::AlertLogged{
            now,
            now,
            model::AlertLevel::kCritical,
            model::Text(fmt::format("live: halted from outside: {}", *halted_by))});
        engine.process_pending();
        if (auto s = db.commit(); !s && !journal.failure()) {
            journal.fail(s.error());
        }
        return make_error(
            ErrorCode::kFailedPrecondition,
            fmt::format(
                "halted from outside after {} bars: {}; check the account, then delete {} to "
                "trade again",
                result.bars,
                *halted_by,
                halt_path(config.state_path)));
    }
    if (!paper) {
        (void)venue.poll();
        for (const auto& l : venue.take_latencies()) {
            if (auto s = db.record_order_latency(
                    store::OrderLatency{l.order_id, l.request_ns, l.exchange_ns, l.response_ns});
                !s && !journal.failure()) {
                journal.fail(s.error());
            }
        }
    }
    engine.process_pending();
    if (auto s = db.commit(); !s && !journal.failure()) {
        journal.fail(s.error());
    }
    if (const auto& failure = journal.failure()) {
        return make_error(
            failure->code,
            fmt::format("{}; live trading halted after {} bars", failure->message, result.bars));
    }
    for (auto& s : result.symbols) {
        s.gaps = feed.gaps(s.symbol);
    }
    const auto& st = feed.stats();
    result.feed = LiveFeedSummary{
        st.messages,
        st.connects,
        st.reconnects,
        st.gaps,
        st.backfilled,
        st.missing,
        st.duplicates,
        st.bad_messages,
        st.rotations};
    const auto& vs = venue.stats();
    result.order_flow = LiveOrderFlow{
        config.user_stream,
        vs.stream_connects,
        vs.stream_drops,
        vs.stream_events,
        vs.stream_fills,
        vs.rest_fills,
        vs.rest_polls};
    const auto& pf = engine.portfolio();
    result.orders_sent = durable.sent();
    result.events = engine.bus().dispatched();
    result.rest_requests = static_cast<std::uint64_t>(rest->stats().requests);
    result.fills.assign(engine.fills().begin(), engine.fills().end());
    result.initial_cash = engine_config.initial_cash;
    result.cash = pf.cash();
    result.equity = pf.equity();
    result.fees = pf.fees();
    if (paper) {
        result.reconciliation.push_back(
            {quote,
             Qty::from_raw(pf.cash().raw()),
             Qty::from_raw(paper->quote_balance().value_or(Money{}).raw())});
        for (const auto& a : listed) {
            result.reconciliation.push_back(
                {a.base_asset, pf.position_qty(a.symbol), paper->net_position(a.symbol)});
        }
    } else {
        result.reconciliation = reconcile(
            *rest, engine.portfolio(), quote, listed, held_at_start, engine_config.initial_cash);
    }
    for (const auto& r : result.reconciliation) {
        if (!r.matches() && config.notifier != nullptr) {
            const Timestamp now = clock.now();
            config.notifier->notify(model::AlertLogged{
                now,
                now,
                model::AlertLevel::kCritical,
                model::Text(fmt::format(
                    "live: {} differs: engine {} vs account {}", r.asset, r.engine, r.account))});
        }
    }
    result.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    return result;
}

}  // namespace ats::runtime
