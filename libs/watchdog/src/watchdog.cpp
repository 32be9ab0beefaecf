#include "ats/watchdog/watchdog.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <memory>
#include <set>
#include <thread>

#include <fmt/format.h>

#include "ats/binance/rest_client.hpp"
#include "ats/core/clock.hpp"
#include "ats/notify/telegram_notifier.hpp"
#include "ats/runtime/session_setup.hpp"

namespace ats::watchdog {
namespace {

double held(const AccountView& account, const std::string& asset) {
    const auto it = account.balances.find(asset);
    return it == account.balances.end() ? 0.0 : it->second.to_double();
}

double at_start(const runtime::SessionStatus& status, const std::string& asset) {
    const auto it = status.held_at_start.find(asset);
    return it == status.held_at_start.end() ? 0.0 : it->second.to_double();
}

/// The session's own amount of `asset` in the account: what the account holds beyond what was
/// there before it began (its quote: the free quote balance it started with, plus changes).
double owned(
    const runtime::SessionStatus& status, const AccountView& account, const std::string& asset) {
    const double base = held(account, asset) - at_start(status, asset);
    return asset == status.quote ? base + status.initial_cash.to_double() : base;
}

double price_of(const AccountView& account, const std::string& symbol) {
    const auto it = account.prices.find(symbol);
    return it == account.prices.end() ? 0.0 : it->second.to_double();
}

}  // namespace

Money account_value(const runtime::SessionStatus& status, const AccountView& account) {
    double value = owned(status, account, status.quote);
    for (const auto& symbol : status.symbols) {
        const auto base = status.base_of.find(symbol);
        if (base != status.base_of.end()) {
            value += owned(status, account, base->second) * price_of(account, symbol);
        }
    }
    return Money::from_double(value).value_or(Money{});
}

std::optional<std::string> judge(
    const runtime::SessionStatus& status,
    const AccountView& account,
    const WatchedSession& session,
    Timestamp now,
    WatchMemory& memory) {
    const std::int64_t now_ms = now.unix_ms();
    const double silent_s = static_cast<double>(now_ms - status.heartbeat_ms) / 1000.0;
    if (silent_s * 1e9 > static_cast<double>(session.heartbeat_timeout.ns())) {
        return fmt::format(
            "no heartbeat for {:.1f} s (limit {:.1f} s): the session is frozen or gone",
            silent_s,
            static_cast<double>(session.heartbeat_timeout.ns()) / 1e9);
    }
    const Duration stale = session.stale_after.ns() > 0
                               ? session.stale_after
                               : Duration::from_ms(status.interval_ms * 3 + 10'000);
    const std::int64_t last_bar = status.last_bar_ms > 0 ? status.last_bar_ms : status.started_ms;
    const double quiet_s = static_cast<double>(now_ms - last_bar) / 1000.0;
    if (quiet_s * 1e9 > static_cast<double>(stale.ns())) {
        return fmt::format(
            "no closed bar for {:.1f} s (limit {:.1f} s): the market data feed stopped",
            quiet_s,
            static_cast<double>(stale.ns()) / 1e9);
    }
    const Money value = account_value(status, account);
    memory.peak = std::max({memory.peak, value, status.initial_cash});
    if (memory.peak.is_positive()) {
        const double drawdown = 1.0 - value.to_double() / memory.peak.to_double();
        if (drawdown > session.max_drawdown) {
            return fmt::format(
                "drawdown {:.3f}% of the account value {} from its peak {} (limit {:.3f}%)",
                drawdown * 100,
                value,
                memory.peak,
                session.max_drawdown * 100);
        }
    }
    // Books against the account, in quote value.
    double drift = std::abs(owned(status, account, status.quote) - status.cash.to_double());
    std::string worst = fmt::format(
        "{} engine {} account {:.8f}",
        status.quote,
        status.cash,
        owned(status, account, status.quote));
    double worst_value = drift;
    for (const auto& symbol : status.symbols) {
        const auto base = status.base_of.find(symbol);
        if (base == status.base_of.end()) {
            continue;
        }
        const auto pos = status.positions.find(base->second);
        const double engine = pos == status.positions.end() ? 0.0 : pos->second.to_double();
        const double account_qty = owned(status, account, base->second);
        const double value_apart = std::abs(account_qty - engine) * price_of(account, symbol);
        drift += value_apart;
        if (value_apart > worst_value) {
            worst_value = value_apart;
            worst =
                fmt::format("{} engine {:.8f} account {:.8f}", base->second, engine, account_qty);
        }
    }
    if (drift <= session.drift_tolerance) {
        memory.drift_since_ms = 0;
        return std::nullopt;
    }
    if (memory.drift_since_ms == 0) {
        memory.drift_since_ms = now_ms;
    }
    const Duration grace = session.drift_grace.ns() > 0
                               ? session.drift_grace
                               : Duration::from_ms(status.interval_ms + 10'000);
    if (static_cast<double>(now_ms - memory.drift_since_ms) * 1e6 >=
        static_cast<double>(grace.ns())) {
        return fmt::format(
            "books and account apart by {:.2f} {} for {:.1f} s ({}; limit {})",
            drift,
            status.quote,
            static_cast<double>(now_ms - memory.drift_since_ms) / 1000.0,
            worst,
            session.drift_tolerance);
    }
    return std::nullopt;
}

Result<WatchdogStats> run_watchdog(
    const WatchdogConfig& config,
    const std::atomic<bool>* stop,
    std::uint64_t max_rounds,
    const std::function<void(const std::string&)>& report) {
    const auto endpoints = runtime::endpoints_for(config.exchange);
    if (!endpoints) {
        return make_error(
            ErrorCode::kInvalidArgument,
            fmt::format(
                "watchdog: exchange '{}': use binance, testnet or http(s)://127.0.0.1:PORT",
                config.exchange));
    }
    RealClock wall;
    binance::RestConfig rc;
    rc.base_url = endpoints->rest;
    rc.tls.ca_file = config.ca_file;
    rc.api_key = config.api_key;
    rc.api_secret = config.api_secret;
    rc.max_attempts = 3;
    auto rest = binance::RestClient::create(rc, wall);
    if (!rest) {
        return tl::unexpected(rest.error());
    }
    if (auto s = rest->sync_time(); !s) {
        return tl::unexpected(s.error());
    }
    std::unique_ptr<notify::TelegramNotifier> telegram;
    if (config.telegram) {
        auto credentials = notify::load_telegram_credentials(config.telegram_credentials);
        if (!credentials) {
            return tl::unexpected(credentials.error());
        }
        notify::TelegramConfig tc;
        tc.credentials = std::move(*credentials);
        tc.api_base = config.telegram_api;
        auto made = notify::TelegramNotifier::create(std::move(tc));
        if (!made) {
            return tl::unexpected(made.error());
        }
        telegram = std::move(*made);
    }
    const auto alert = [&](const std::string& text, bool critical) {
        report(text);
        if (telegram) {
            telegram->send("ats watchdog: " + text, critical);
        }
    };
    // The Redis window of each session that has one.
    std::vector<std::optional<runtime::RedisWindow>> windows(config.sessions.size());
    for (std::size_t i = 0; i < config.sessions.size(); ++i) {
        if (!config.sessions[i].redis.empty()) {
            auto made =
                runtime::RedisWindow::create(config.sessions[i].redis, config.sessions[i].key);
            if (!made) {
                return make_error(
                    ErrorCode::kInvalidArgument,
                    fmt::format("[[session]] redis: {}", made.error().message));
            }
            windows[i].emplace(std::move(*made));
        }
    }
    std::vector<WatchMemory> memory(config.sessions.size());
    std::vector<std::string> said(config.sessions.size());  // last state reported per session
    const auto say_once = [&](std::size_t i, const std::string& text) {
        if (said[i] != text) {
            said[i] = text;
            alert(text, false);
        }
    };
    WatchdogStats stats;
    while ((stop == nullptr || !stop->load()) && (max_rounds == 0 || stats.rounds < max_rounds)) {
        ++stats.rounds;
        std::optional<AccountView> account;
        for (std::size_t i = 0; i < config.sessions.size(); ++i) {
            const WatchedSession& session = config.sessions[i];
            auto& window = windows[i];
            const std::string name = session.state.empty() ? session.key : session.state;
            auto halt =
                session.state.empty()
                    ? Result<std::optional<runtime::HaltMark>>(std::optional<runtime::HaltMark>{})
                    : runtime::read_halt(session.state);
            if (halt && !*halt && window) {
                if (auto remote = window->read_halt(); remote && *remote) {
                    halt = std::move(remote);
                }
            }
            if (!halt || *halt) {
                say_once(
                    i,
                    fmt::format(
                        "{}: halted ({}); not watched until the halt mark is removed",
                        name,
                        !halt ? halt.error().message : (*halt)->reason));
                continue;
            }
            auto status =
                window ? window->read_status() : runtime::read_session_status(session.state);
            if (!status) {
                say_once(
                    i,
                    status.error().code == ErrorCode::kNotFound
                        ? fmt::format("{}: waiting for the session to start", name)
                        : fmt::format("{}: {}", name, status.error().message));
                continue;
            }
            if (!account) {
                auto balances = rest->balances();
                if (!balances) {
                    alert(
                        fmt::format("the account cannot be read: {}", balances.error().message),
                        false);
                    break;
                }
                account.emplace();
                for (const auto& b : *balances) {
                    account->balances[b.asset] = b.free + b.locked;
                }
            }
            for (const auto& symbol : status->symbols) {
                if (account->prices.count(symbol) == 0) {
                    if (auto price = rest->last_price(symbol)) {
                        account->prices[symbol] = *price;
                    }
                }
            }
            if (status->stopped) {
                say_once(
                    i,
                    fmt::format("{}: stopped by itself (pid {}); not watched", name, status->pid));
                continue;
            }
            say_once(i, fmt::format("{}: watching (pid {})", name, status->pid));
            const auto reason = judge(*status, *account, session, wall.now(), memory[i]);
            if (!reason) {
                continue;
            }
            // The emergency stop from outside: the halt mark first (the session stops placing
            // orders at once), then every open order of its symbols, then its coins if asked.
            ++stats.emergencies;
            std::vector<std::string> done;
            const runtime::HaltMark mark{wall.now().unix_ms(), "watchdog", *reason};
            bool halted = false;
            if (!session.state.empty()) {
                if (auto s = runtime::write_halt(session.state, mark); !s) {
                    done.push_back(fmt::format("halt mark NOT written: {}", s.error().message));
                } else {
                    halted = true;
                }
            }
            if (window) {
                if (auto s = window->write_halt(mark); !s) {
                    done.push_back(
                        fmt::format("halt mark NOT set in Redis: {}", s.error().message));
                } else {
                    halted = true;
                }
            }
            if (halted) {
                done.push_back("session halted");
            }
            std::size_t canceled = 0;
            for (const auto& symbol : status->symbols) {
                auto n = rest->cancel_open_orders(symbol);
                if (n) {
                    canceled += *n;
                } else {
                    done.push_back(fmt::format(
                        "open orders of {} NOT canceled: {}", symbol, n.error().message));
                }
            }
            done.push_back(fmt::format("{} open orders canceled", canceled));
            for (const auto& symbol :
                 session.flatten ? status->symbols : std::vector<std::string>{}) {
                const auto& base = status->base_of.at(symbol);
                auto balances = rest->balances();
                auto inst = rest->instrument(symbol);
                if (!balances || !inst) {
                    done.push_back(fmt::format("{} NOT sold: the account cannot be read", base));
                    continue;
                }
                Qty mine;
                for (const auto& b : *balances) {
                    if (b.asset == base) {
                        const auto start = status->held_at_start.find(base);
                        mine =
                            b.free - (start == status->held_at_start.end() ? Qty{} : start->second);
                    }
                }
                const Qty qty = inst->round_qty(mine, Round::kTowardZero);
                if (!qty.is_positive() || qty < inst->min_qty) {
                    continue;
                }
                binance::NewOrder sell;
                sell.symbol = symbol;
                sell.side = Side::kSell;
                sell.type = "MARKET";
                sell.quantity = qty;
                sell.client_order_id = fmt::format("watchdog-{}", wall.now().unix_ms());
                auto placed = rest->place_order(sell);
                done.push_back(
                    placed ? fmt::format("{} {} sold at market", qty, base)
                           : fmt::format("{} {} NOT sold: {}", qty, base, placed.error().message));
            }
            alert(
                fmt::format(
                    "EMERGENCY STOP {}: {}; {}; remove the halt mark ({}) after checking the "
                    "account to let it trade again",
                    name,
                    *reason,
                    fmt::join(done, ", "),
                    session.state.empty() ? window->key() + ":halt"
                                          : runtime::halt_path(session.state) +
                                                (window ? " and " + window->key() + ":halt" : "")),
                true);
            said[i] = "emergency";
        }
        const auto until =
            std::chrono::steady_clock::now() + std::chrono::nanoseconds(config.check_every.ns());
        while ((stop == nullptr || !stop->load()) && std::chrono::steady_clock::now() < until &&
               (max_rounds == 0 || stats.rounds < max_rounds)) {
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
    }
    if (telegram) {
        telegram->flush(Duration::from_seconds(10));
    }
    return stats;
}

}  // namespace ats::watchdog
