#include "ats/runtime/paper_session.hpp"

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <functional>
#include <optional>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "ats/backtest/replay_kernel.hpp"
#include "ats/bus/scheduler.hpp"
#include "ats/core/clock.hpp"

#include "journal.hpp"
#include "risk_state_json.hpp"

namespace ats::runtime {
namespace {

using detail::CrashHook;
using detail::DurableVenue;
using detail::Journaler;
using detail::LiveNotifier;
using detail::risk_json;

std::string strategy_json(const strategy::Strategy& s, const std::vector<PaperAsset>& assets) {
    nlohmann::json j = nlohmann::json::object();
    const auto names = s.plot_names();
    std::vector<double> row;
    for (const auto& a : assets) {
        row.clear();
        s.plot_values(a.instrument.symbol, row);
        nlohmann::json values = nlohmann::json::object();
        for (std::size_t k = 0; k < names.size() && k < row.size(); ++k) {
            values[names[k]] = row[k];  // NaN (not ready) becomes null
        }
        j[a.instrument.symbol.to_string()] = std::move(values);
    }
    return j.dump();
}

std::string snapshot_json(const engine::TradingEngine& engine) {
    nlohmann::json j;
    nlohmann::json positions = nlohmann::json::array();
    for (const auto& p : engine.portfolio().positions()) {
        positions.push_back(
            {{"symbol", p.symbol.to_string()},
             {"qty", p.total().to_string()},
             {"average_entry", p.average_entry().to_string()},
             {"realized_pnl", p.realized_pnl.to_string()}});
    }
    j["positions"] = std::move(positions);
    j["open_orders"] = engine.orders().open_order_count();
    j["fills"] = engine.fills().size();
    j["fees"] = engine.portfolio().fees().to_string();
    j["risk"] = nlohmann::json::parse(risk_json(engine.risk().state()));
    return j.dump();
}

}  // namespace

Result<PaperResult> run_paper(const PaperConfig& config, const std::vector<PaperAsset>& assets) {
    const auto started = std::chrono::steady_clock::now();
    if (assets.empty()) {
        return make_error(ErrorCode::kInvalidArgument, "paper: no assets");
    }
    for (const auto& a : assets) {
        if (auto s = a.instrument.validate(); !s) {
            return tl::unexpected(s.error());
        }
        if (a.series.empty()) {
            return make_error(
                ErrorCode::kInvalidArgument,
                fmt::format("paper: the feed of {} has no bars", a.instrument.symbol));
        }
    }
    {
        std::vector<backtest::ReplayInput> check;
        for (const auto& a : assets) {
            check.push_back(backtest::ReplayInput{a.instrument.symbol, &a.series});
        }
        if (auto s = backtest::ReplayKernel::check_inputs(check); !s) {
            return tl::unexpected(s.error());
        }
        if (auto s = config.venue.fees.validate(); !s) {
            return tl::unexpected(s.error());
        }
    }
    if (config.commit_every_bars == 0 || config.snapshot_every_bars == 0) {
        return make_error(ErrorCode::kInvalidArgument, "paper: commit and snapshot intervals > 0");
    }
    if (config.snapshot_every_bars % config.commit_every_bars != 0) {
        return make_error(
            ErrorCode::kInvalidArgument,
            fmt::format(
                "paper: the snapshot interval ({} bars) must be a multiple of the commit interval "
                "({} bars)",
                config.snapshot_every_bars,
                config.commit_every_bars));
    }
    auto strategy = strategy::make_strategy(config.strategy, config.params, config.sources);
    if (!strategy) {
        return tl::unexpected(strategy.error());
    }
    auto slippage = sim::make_slippage(config.slippage);
    if (!slippage) {
        return tl::unexpected(slippage.error());
    }

    for (const auto& job : config.jobs) {
        if (auto cron = bus::CronExpression::parse(job.cron); !cron) {
            return make_error(
                ErrorCode::kInvalidArgument,
                fmt::format("job '{}': {}", job.name, cron.error().message));
        }
    }
    store::StateStoreOptions store_options = config.store;
    store_options.exclusive = !store_options.read_only;  // one process per state file
    auto opened = store::SqliteStateStore::open(config.state_path, store_options);
    if (!opened) {
        return tl::unexpected(opened.error());
    }
    store::SqliteStateStore& db = **opened;
    auto session = db.get_state("session");
    if (!session) {
        return tl::unexpected(session.error());
    }
    if (*session && **session != config.session_text) {
        return make_error(
            ErrorCode::kFailedPrecondition,
            fmt::format(
                "state file {} belongs to another paper session (assets, feed, strategy or "
                "settings differ); use a new --state file.\nstored:\n{}\nnow:\n{}",
                config.state_path,
                **session,
                config.session_text));
    }
    auto starts_text = db.get_state("starts");
    if (!starts_text) {
        return tl::unexpected(starts_text.error());
    }
    PaperResult result;
    result.starts = *starts_text ? std::strtoull((*starts_text)->c_str(), nullptr, 10) + 1 : 1;
    auto snapshot = db.last_snapshot();
    if (!snapshot) {
        return tl::unexpected(snapshot.error());
    }
    // The session header and the start count are the first durable facts of every start.
    for (const auto& s :
         {*session ? ok_status() : db.put_state("session", config.session_text),
          db.put_state("starts", std::to_string(result.starts)),
          db.commit()}) {
        if (!s) {
            return make_error(
                ErrorCode::kIo, fmt::format("{}; trading not started", s.error().message));
        }
    }

    std::vector<backtest::ReplayInput> inputs_of;
    for (const auto& a : assets) {
        inputs_of.push_back(backtest::ReplayInput{a.instrument.symbol, &a.series});
    }
    Timestamp start = assets.front().series.open_time().front();
    for (const auto& a : assets) {
        start = std::min(start, a.series.open_time().front());
    }
    SimulatedClock clock(start - Duration::from_ns(1));
    engine::TradingEngine engine(config.engine, clock, **strategy);
    sim::BarVenueConfig venue_config = config.venue;
    venue_config.quote_balance = config.engine.initial_cash;
    venue_config.allow_short = config.engine.allow_short;
    sim::BarVenue venue(clock, engine.sink(), venue_config, std::move(*slippage));
    CrashHook crash;
    Journaler journal(db, crash);
    DurableVenue durable(db, venue, journal, crash);
    engine.set_venue(&durable);
    LiveNotifier live_notifier(config.notifier, journal);
    engine.set_notifier(&live_notifier);
    journal.set_fill_listener(
        [&](const model::OrderFilled& f) { live_notifier.on_fill(f, clock.now()); });
    engine.bus().set_observer(&journal);
    journal.set_next_observer(config.observer);
    for (const auto& a : assets) {
        engine.add_instrument(a.instrument);
        venue.add_instrument(a.instrument);
    }

    const std::string quote = assets.front().instrument.quote_asset;
    auto note = [&](model::AlertLevel level, std::string text) {
        if (config.notifier != nullptr) {
            const Timestamp now = clock.now();
            config.notifier->notify(model::AlertLogged{now, now, level, model::Text(text)});
        }
        result.recovery_notes.push_back(std::move(text));
    };
    // Recovery policy (docs/paper.md): the venue is trusted for fills and balances; a working
    // order the engine does not know is canceled; a position mismatch halts new entries.
    bool reconciled = false;
    std::optional<bus::Scheduler> scheduler;
    auto reconcile = [&] {
        reconciled = true;
        // Jobs start with the first new bar: slots replayed from the journal already ran.
        scheduler.emplace(clock, &db, config.notifier);
        for (const auto& job : config.jobs) {
            const auto run = job.run;
            if (auto s = scheduler->add(
                    job.name,
                    job.cron,
                    [&engine, &clock, run] { return run(engine, clock.now()); });
                !s) {
                journal.fail(s.error());
            }
        }
        if (journal.sequence() == 0) {
            return;  // a fresh start: nothing to reconcile
        }
        // The replay rebuilt the risk state from the bars; what only the store knows (a halt
        // ordered from outside, a later high-water mark) is restored on top of it.
        auto stored_risk = db.get_state("risk");
        if (!stored_risk) {
            journal.fail(stored_risk.error());
            return;
        }
        if (*stored_risk) {
            auto saved = detail::parse_risk_json(**stored_risk);
            if (!saved) {
                journal.fail(saved.error());
                return;
            }
            engine.restore_risk(*saved);
        }
        for (const auto& id : venue.working_order_ids()) {
            const model::Order* o = engine.orders().order(id);
            if (o == nullptr || model::is_terminal(o->status())) {
                note(
                    model::AlertLevel::kWarning,
                    fmt::format(
                        "recovery: unknown open order {} at the venue, canceled", id.str()));
                (void)venue.cancel(id);
            }
        }
        for (const auto& a : assets) {
            const Symbol& s = a.instrument.symbol;
            if (venue.net_position(s) != engine.portfolio().position_qty(s)) {
                note(
                    model::AlertLevel::kCritical,
                    fmt::format(
                        "recovery: {} position {} at the venue but {} recovered; entries halted",
                        s,
                        venue.net_position(s),
                        engine.portfolio().position_qty(s)));
                engine.emergency_stop("position mismatch after recovery");
            }
        }
        if (const auto venue_cash = venue.quote_balance();
            venue_cash && *venue_cash != engine.portfolio().cash()) {
            note(
                model::AlertLevel::kCritical,
                fmt::format(
                    "recovery: {} balance {} at the venue but {} recovered",
                    quote,
                    *venue_cash,
                    engine.portfolio().cash()));
        }
        auto stored_fills = db.fills();
        if (!stored_fills) {
            journal.fail(stored_fills.error());
            return;
        }
        const auto& fills = engine.fills();
        const bool same = stored_fills->size() == fills.size() &&
                          std::equal(
                              fills.begin(),
                              fills.end(),
                              stored_fills->begin(),
                              [](const model::Fill& a, const model::Fill& b) {
                                  return a.order_id == b.order_id && a.qty == b.qty &&
                                         a.price == b.price && a.fee == b.fee && a.ts == b.ts &&
                                         a.base_fee == b.base_fee;
                              });
        if (!same) {
            journal.fail(Error{
                ErrorCode::kFailedPrecondition,
                fmt::format(
                    "recovery: {} fills stored but {} rebuilt; refusing to trade on",
                    stored_fills->size(),
                    fills.size())});
        }
    };

    backtest::ReplayKernel kernel(clock, engine, venue, std::move(inputs_of));
    result.bars_total = kernel.bars_total();
    std::uint64_t inputs = 0;  // bars processed, replayed ones included

    // Operator commands: each is recorded (and committed) with the bar count it was applied at
    // before it takes effect, and a restart applies it again at the same point of the replay.
    struct Recorded {
        std::uint64_t bars = 0;
        SessionCommand command;
    };
    std::vector<Recorded> commands;
    {
        auto stored = db.get_state("commands");
        if (!stored) {
            return tl::unexpected(stored.error());
        }
        if (*stored) {
            try {
                for (const auto& item : nlohmann::json::parse(**stored)) {
                    auto c = SessionCommand::from_json(item.at("command").dump());
                    if (!c) {
                        return make_error(
                            ErrorCode::kParse,
                            fmt::format("state file {}: {}", config.state_path, c.error().message));
                    }
                    commands.push_back(Recorded{item.at("bars").get<std::uint64_t>(), *c});
                }
            } catch (const std::exception& e) {
                return make_error(
                    ErrorCode::kParse,
                    fmt::format("state file {}: bad command log: {}", config.state_path, e.what()));
            }
        }
    }
    std::size_t next_command = 0;
    const auto commands_json = [&] {
        nlohmann::json list = nlohmann::json::array();
        for (const auto& r : commands) {
            list.push_back(
                {{"bars", r.bars}, {"command", nlohmann::json::parse(r.command.to_json())}});
        }
        return list.dump();
    };
    const auto apply = [&](const SessionCommand& command) {
        const std::string what = apply_command(engine, command);
        ++result.commands;
        if (config.notifier != nullptr && !journal.replaying()) {
            const Timestamp now = clock.now();
            config.notifier->notify(model::AlertLogged{
                now,
                now,
                model::AlertLevel::kWarning,
                model::Text(fmt::format("operator: {} ({})", what, command.reason))});
        }
    };
    // Between two steps: the recorded commands due at this bar count, then new ones.
    const auto take_commands = [&] {
        while (next_command < commands.size() && commands[next_command].bars == inputs) {
            apply(commands[next_command++].command);
        }
        if (config.control == nullptr || journal.replaying()) {
            return;
        }
        for (auto& command : config.control->take_commands()) {
            commands.push_back(Recorded{inputs, std::move(command)});
            next_command = commands.size();
            Status s = db.put_state("commands", commands_json());
            if (s) {
                s = db.commit();
            }
            if (!s) {
                journal.fail(s.error());
                return;
            }
            apply(commands.back().command);
        }
        engine.process_pending();
    };
    std::optional<std::chrono::steady_clock::time_point> wall_start;
    Timestamp feed_start;
    // Called after every time step with the bar count before it: a commit (snapshot) point is a
    // step that reaches or crosses a multiple of the interval, the same on every replay.
    auto checkpoint = [&](bool force, std::uint64_t before) {
        const bool live = !journal.replaying();
        const bool commit_point =
            inputs / config.commit_every_bars != before / config.commit_every_bars;
        const bool snapshot_point =
            inputs / config.snapshot_every_bars != before / config.snapshot_every_bars;
        if (!live && *snapshot && (*snapshot)->inputs == inputs) {
            const auto& snap = **snapshot;
            if (snap.cash != engine.portfolio().cash() ||
                snap.equity != engine.portfolio().equity()) {
                journal.fail(Error{
                    ErrorCode::kFailedPrecondition,
                    fmt::format(
                        "replay diverges from the snapshot after {} bars: cash {} vs {}",
                        inputs,
                        snap.cash,
                        engine.portfolio().cash())});
            }
        }
        if (!commit_point && !force) {
            return;
        }
        if (live) {
            Status s = db.set_balance(quote, engine.portfolio().cash());
            if (s) {
                s = db.put_state("risk", risk_json(engine.risk().state()));
            }
            if (s) {
                s = db.put_state(
                    fmt::format("strategy.{}", config.strategy), strategy_json(**strategy, assets));
            }
            if (s && (snapshot_point || force)) {
                const Timestamp now = clock.now();
                s = db.save_snapshot(model::Snapshot{
                    journal.sequence(),
                    inputs,
                    now,
                    engine.portfolio().cash(),
                    engine.portfolio().equity(),
                    snapshot_json(engine)});
            }
            if (s) {
                s = db.commit();
            }
            if (!s) {
                journal.fail(s.error());
                return;
            }
        }
        if (commit_point && !force) {
            // Deterministic points, so a replay regenerates the same StateSaved events.
            const Timestamp now = clock.now();
            engine.sink().emit(model::StateSaved{now, now, journal.sequence()});
            engine.process_pending();
        }
    };

    while (!journal.failure()) {
        const std::optional<Timestamp> t = kernel.next_time();
        if (!t) {
            result.finished = true;
            break;
        }
        if (config.stop != nullptr && config.stop->load()) {
            break;
        }
        if (!journal.replaying()) {
            if (!reconciled) {
                reconcile();
                if (journal.failure()) {
                    break;
                }
            }
            if (config.speed > 0) {
                const auto now = std::chrono::steady_clock::now();
                if (!wall_start) {
                    wall_start = now;
                    feed_start = *t;
                }
                const double feed_ns = static_cast<double>((*t - feed_start).ns());
                const auto due =
                    *wall_start +
                    std::chrono::nanoseconds(static_cast<std::int64_t>(feed_ns / config.speed));
                // In slices, so a stop request is honoured within 50 ms even at slow speeds.
                while (std::chrono::steady_clock::now() < due &&
                       (config.stop == nullptr || !config.stop->load()) &&
                       (config.control == nullptr || !config.control->wake().load())) {
                    std::this_thread::sleep_until(std::min(
                        due, std::chrono::steady_clock::now() + std::chrono::milliseconds(50)));
                }
                if (config.stop != nullptr && config.stop->load()) {
                    break;
                }
                if (std::chrono::steady_clock::now() < due) {
                    take_commands();  // woken early by a command: apply it, keep the pace
                    continue;
                }
            }
        }
        take_commands();
        if (journal.failure()) {
            break;
        }
        const bool replayed = journal.replaying();
        const std::uint64_t before = inputs;
        const auto& step = kernel.step();
        inputs += step.bars.size();
        (replayed ? result.bars_replayed : result.bars_new) += step.bars.size();
        checkpoint(false, before);
        if (scheduler && !journal.replaying()) {
            result.job_runs += scheduler->run_due();
        }
        if (config.control != nullptr) {
            config.control->on_step(
                engine,
                SessionStep{
                    inputs, journal.replaying(), clock.now(), !kernel.next_time().has_value()});
        }
    }
    if (!journal.failure() && !reconciled) {
        reconcile();  // everything was already in the journal: a restart after the feed ended
    }
    if (!journal.failure()) {
        checkpoint(true, inputs);
    }
    if (const auto& failure = journal.failure()) {
        const ErrorCode code =
            failure->code == ErrorCode::kFailedPrecondition || failure->code == ErrorCode::kParse
                ? failure->code
                : ErrorCode::kIo;
        return make_error(
            code,
            fmt::format(
                "{}; trading halted after {} bars (no order was sent without its intent on disk)",
                failure->message,
                inputs));
    }

    const auto& pf = engine.portfolio();
    result.events = engine.bus().dispatched();
    result.journal_size = db.journal_size();
    result.orders_sent = durable.sent();
    result.orders_recovered = durable.recovered();
    result.fills = engine.fills().size();
    result.trades = pf.closed_trades().size();
    result.job_failures = scheduler ? scheduler->failures() : 0;
    result.initial_cash = config.engine.initial_cash;
    result.cash = pf.cash();
    result.equity = pf.equity();
    result.fees = pf.fees();
    for (const auto& p : pf.positions()) {
        if (!p.qty.is_zero()) {
            result.positions.push_back(PaperPosition{p.symbol, p.qty, p.average_entry()});
        }
    }
    result.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    return result;
}

}  // namespace ats::runtime
