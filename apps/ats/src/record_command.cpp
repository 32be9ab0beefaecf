#include "record_command.hpp"

#include <chrono>
#include <cstdio>
#include <thread>

#include <fmt/format.h>
#include <unistd.h>

#include "ats/core/symbol.hpp"
#include "ats/recorder/recorder.hpp"
#include "ats/runtime/session_setup.hpp"

#include "cli_common.hpp"
#include "exit_codes.hpp"

namespace ats::cli {
namespace {

std::string progress_line(const recorder::RecorderCounters& c, double seconds, bool redis) {
    const auto s = static_cast<long long>(seconds);  // NOLINT(google-runtime-int)
    return fmt::format(
        "record {:02}:{:02}:{:02}  msgs {}  bars {} ({} backfilled)  trades {}  depth {} diffs, {} "
        "snapshots  files {}  reconnects {}  gaps {}{}",
        s / 3600,
        s / 60 % 60,
        s % 60,
        c.messages,
        c.bars,
        c.bars_backfilled,
        c.trades,
        c.depth_updates,
        c.snapshots,
        c.files_closed,
        c.reconnects,
        c.book_gaps,
        redis ? (c.redis_connected ? "  redis ok" : "  redis down") : "");
}

}  // namespace

int run_record_command(const RecordArgs& args) {
    recorder::RecorderConfig config;
    for (const auto& item : args.symbols) {
        for (const auto& part : split_list(item)) {
            auto symbol = Symbol::parse(part);
            if (!symbol) {
                return fail(fmt::format("--symbols: {}", symbol.error().message), kExitUsage);
            }
            config.symbols.push_back(*symbol);
        }
    }
    for (const auto& item : args.streams) {
        for (const auto& part : split_list(item)) {
            if (part.rfind("kline_", 0) == 0) {
                config.kline_interval = part.substr(6);
            } else if (part == "trade") {
                config.trades = true;
            } else if (part == "depth") {
                config.depth = true;
            } else {
                return fail(
                    fmt::format("--streams: '{}': use kline_<interval>, trade, depth", part),
                    kExitUsage);
            }
        }
    }
    const auto endpoints = runtime::endpoints_for(args.exchange);
    if (!endpoints) {
        return fail(
            fmt::format(
                "--exchange '{}': use binance, testnet or http(s)://HOST:PORT", args.exchange),
            kExitUsage);
    }
    config.rest_base = endpoints->rest;
    config.ws_base = endpoints->ws;
    config.ca_file = args.ca_file.value_or("");
    config.catalog = args.catalog;
    config.redis = args.redis;
    if (!(args.checkpoint_seconds > 0) || args.checkpoint_seconds > 3600) {
        return fail("--checkpoint-seconds must be in (0, 3600]", kExitUsage);
    }
    config.checkpoint_every =
        Duration::from_ms(static_cast<std::int64_t>(args.checkpoint_seconds * 1000));
    if (args.duration_seconds) {
        if (!(*args.duration_seconds > 0) || *args.duration_seconds > 1e7) {
            return fail("--duration must be a positive number of seconds", kExitUsage);
        }
        config.max_duration =
            Duration::from_ms(static_cast<std::int64_t>(*args.duration_seconds * 1000));
    }
    if (args.codec == "zstd") {
        config.parquet.codec = parquet::Codec::kZstd;
    } else if (args.codec == "snappy") {
        config.parquet.codec = parquet::Codec::kSnappy;
    } else if (args.codec == "none") {
        config.parquet.codec = parquet::Codec::kUncompressed;
    } else {
        return fail(fmt::format("--codec '{}': use zstd, snappy or none", args.codec), kExitUsage);
    }
    config.stop = &stop_on_signals();
    config.on_warning = [](const std::string& w) {
        std::fprintf(stderr, "\nats: warning: %s\n", w.c_str());
    };
    auto created = recorder::Recorder::create(std::move(config));
    if (!created) {
        return fail(created.error().message, exit_code_for(created.error()));
    }
    recorder::Recorder& rec = **created;
    const bool tty = ::isatty(STDERR_FILENO) == 1;
    const bool progress = !args.no_progress;
    const auto started = std::chrono::steady_clock::now();
    std::atomic<bool> done{false};
    std::thread ticker([&] {
        auto next_print = std::chrono::steady_clock::now();
        while (!done) {
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
            const auto now = std::chrono::steady_clock::now();
            if (!progress || now < next_print) {
                continue;
            }
            // A terminal gets a line rewritten every second, a log one line every 10 seconds.
            next_print = now + std::chrono::seconds(tty ? 1 : 10);
            const double secs = std::chrono::duration<double>(now - started).count();
            const std::string line = progress_line(rec.counters(), secs, args.redis.has_value());
            std::fprintf(stderr, tty ? "\r%s" : "%s\n", line.c_str());
            std::fflush(stderr);
        }
    });
    const Status status = rec.run();
    done = true;
    ticker.join();
    const auto c = rec.counters();
    if (progress && tty) {
        std::fprintf(stderr, "\n");
    }
    const double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    fmt::print("{}\n", progress_line(c, secs, args.redis.has_value()));
    fmt::print(
        "catalog {}: {} files closed, {} recovered ({} rows), {} discarded, {} ledger entries, {} "
        "depth levels, {} bad messages\n",
        args.catalog,
        c.files_closed,
        c.files_recovered,
        c.rows_recovered,
        c.files_discarded,
        c.ledger_entries,
        c.depth_levels,
        c.bad_messages);
    if (!status) {
        return fail(status.error().message, exit_code_for(status.error()));
    }
    return kExitOk;
}

}  // namespace ats::cli
