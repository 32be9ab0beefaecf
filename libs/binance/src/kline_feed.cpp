#include "ats/binance/kline_feed.hpp"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <thread>

#include <fmt/format.h>

#include "ats/core/log.hpp"

namespace ats::binance {
namespace {

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) {
        return static_cast<char>(std::tolower(c));
    });
    return s;
}

}  // namespace

KlineFeed::KlineFeed(KlineFeedConfig config, RestClient& rest)
    : config_(std::move(config)),
      rest_(rest),
      backoff_(config_.backoff_initial),
      rng_(config_.seed) {
    std::vector<std::string> streams;
    for (const auto& s : config_.symbols) {
        streams.push_back(lower(s.to_string()) + "@kline_" + config_.interval);
        if (config_.on_quote) {
            streams.push_back(lower(s.to_string()) + "@bookTicker");
        }
        last_open_[s] = std::nullopt;
    }
    url_ = fmt::format("{}/stream?streams={}", config_.ws_base, fmt::join(streams, "/"));
    if (auto d = parse_duration(config_.interval)) {
        interval_ = *d;
    }
    for (const auto& s : config_.symbols) {
        ledgers_.emplace(s, model::GapLedger(interval_));
    }
}

void KlineFeed::resume_after(const Symbol& symbol, Timestamp open_time) {
    if (auto it = last_open_.find(symbol); it != last_open_.end()) {
        it->second = open_time;
    }
}

const model::GapLedger& KlineFeed::gaps(const Symbol& symbol) const {
    static const model::GapLedger empty;
    const auto it = ledgers_.find(symbol);
    return it == ledgers_.end() ? empty : it->second;
}

void KlineFeed::sleep_backoff(const std::atomic<bool>* stop) {
    // Full jitter in [backoff/2, backoff], then double up to the maximum.
    std::uniform_int_distribution<std::int64_t> pick(backoff_.ns() / 2, backoff_.ns());
    const auto until = std::chrono::steady_clock::now() + std::chrono::nanoseconds(pick(rng_));
    while (std::chrono::steady_clock::now() < until && (stop == nullptr || !stop->load())) {
        std::this_thread::sleep_until(
            std::min(until, std::chrono::steady_clock::now() + std::chrono::milliseconds(20)));
    }
    backoff_ = std::min(config_.backoff_max, backoff_ * 2);
}

Result<std::optional<ClosedBar>> KlineFeed::next(const std::atomic<bool>* stop) {
    if (interval_.ns() <= 0) {
        return make_error(
            ErrorCode::kInvalidArgument,
            fmt::format("kline feed: interval '{}' is not supported", config_.interval));
    }
    if (config_.ws_base.rfind("ws://", 0) != 0 && config_.ws_base.rfind("wss://", 0) != 0) {
        return make_error(
            ErrorCode::kInvalidArgument,
            fmt::format("kline feed: '{}' is not a ws:// or wss:// URL", config_.ws_base));
    }
    while (queue_.empty()) {
        if ((stop != nullptr && stop->load()) || (config_.idle && config_.idle())) {
            return std::optional<ClosedBar>{};
        }
        if (!ws_) {
            auto ws = WsClient::connect(url_, config_.connect_timeout, config_.tls);
            if (!ws) {
                sleep_backoff(stop);
                continue;
            }
            ws_.emplace(std::move(*ws));
            connected_at_ = std::chrono::steady_clock::now();
            ++stats_.connects;
        }
        // Short waits so a stop request is honoured promptly; the read stays pending between
        // them, so the connection is only replaced after read_timeout of silence.
        Duration silent;
        bool lost = false;
        while (queue_.empty() && !lost && (stop == nullptr || !stop->load())) {
            if (config_.idle && config_.idle()) {
                return std::optional<ClosedBar>{};
            }
            rotate_if_old();
            const Duration wait = Duration::from_ms(100);
            auto msg = ws_->poll(wait);
            if (!msg) {
                lost = true;
            } else if (!*msg) {
                silent = silent + wait;
                lost = silent.ns() >= config_.read_timeout.ns();
            } else {
                silent = Duration{};
                ++stats_.messages;
                backoff_ = config_.backoff_initial;
                on_message(**msg);
            }
        }
        if (lost) {
            ws_.reset();
            ++stats_.reconnects;
            sleep_backoff(stop);
        }
    }
    ClosedBar out = std::move(queue_.front());
    queue_.pop_front();
    ++stats_.bars;
    return std::optional<ClosedBar>(std::move(out));
}

void KlineFeed::rotate_if_old() {
    const auto now = std::chrono::steady_clock::now();
    if (now - connected_at_ < std::chrono::nanoseconds(config_.max_connection_age.ns())) {
        return;
    }
    auto fresh = WsClient::connect(url_, config_.connect_timeout, config_.tls);
    if (!fresh) {
        // Keep the old connection; try again after a short while.
        connected_at_ += std::chrono::nanoseconds(config_.backoff_max.ns());
        return;
    }
    ws_->close();
    ws_.emplace(std::move(*fresh));
    connected_at_ = now;
    ++stats_.connects;
    ++stats_.rotations;
}

void KlineFeed::on_message(const std::string& text) {
    if (config_.on_quote && text.find("@bookTicker\"") != std::string::npos) {
        if (auto s = parse_book_ticker(text, quote_); !s) {
            ++stats_.bad_messages;
            return;
        }
        if (auto symbol = Symbol::parse(quote_.symbol); symbol && last_open_.contains(*symbol)) {
            config_.on_quote(*symbol, quote_.bid, quote_.ask);
        }
        return;
    }
    if (auto s = parse_kline_event(text, event_); !s) {
        ++stats_.bad_messages;
        log::debug("kline feed: skipped a bad message: {}", s.error().message);
        return;
    }
    if (!event_.closed) {
        return;  // an update of a bar still open
    }
    auto symbol = Symbol::parse(event_.symbol);
    if (!symbol || !last_open_.contains(*symbol)) {
        ++stats_.bad_messages;
        return;
    }
    on_closed(*symbol, event_.bar);
}

void KlineFeed::on_closed(const Symbol& symbol, const model::Bar& bar) {
    auto& last = last_open_[symbol];
    if (last && bar.open_time <= *last) {
        ++stats_.duplicates;
        return;
    }
    if (last && bar.open_time > *last + interval_) {
        const Timestamp first = *last + interval_;
        const std::int64_t missing = (bar.open_time - first).ns() / interval_.ns();
        auto& ledger = ledgers_[symbol];
        ledger.record(first, missing);
        ++stats_.gaps;
        std::int64_t got = 0;
        Timestamp expect = first;
        // Pages of at most 1000 bars; only bars that continue the sequence are taken.
        while (expect < bar.open_time) {
            auto page = rest_.klines(
                symbol.to_string(),
                config_.interval,
                expect.unix_ms(),
                (bar.open_time - interval_).unix_ms(),
                1000);
            if (!page || page->empty()) {
                break;
            }
            bool progressed = false;
            for (const auto& b : *page) {
                if (b.open_time != expect) {
                    continue;
                }
                queue_.push_back(ClosedBar{symbol, b, true});
                expect = expect + interval_;
                ++got;
                progressed = true;
            }
            if (!progressed) {
                break;
            }
        }
        stats_.backfilled += static_cast<std::uint64_t>(got);
        if (got == missing) {
            ledger.set_state(ledger.gaps().size() - 1, model::GapState::kBackfilled);
        } else {
            stats_.missing += static_cast<std::uint64_t>(missing - got);
        }
    }
    last = bar.open_time;
    queue_.push_back(ClosedBar{symbol, bar, false});
}

}  // namespace ats::binance
