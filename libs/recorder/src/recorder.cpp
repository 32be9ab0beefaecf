#include "ats/recorder/recorder.hpp"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <filesystem>
#include <map>
#include <mutex>
#include <random>
#include <thread>

#include <fmt/format.h>

#include "ats/binance/kline_feed.hpp"
#include "ats/binance/local_book.hpp"
#include "ats/binance/market_events.hpp"
#include "ats/binance/rest_client.hpp"
#include "ats/binance/ws_client.hpp"
#include "ats/core/clock.hpp"
#include "ats/data/catalog.hpp"
#include "ats/data/parquet_market.hpp"
#include "ats/parquet/writer.hpp"
#include "ats/redis/market_cache.hpp"

#include "hourly_writer.hpp"

namespace ats::recorder {
namespace {

namespace fs = std::filesystem;
using detail::HourlyWriter;
using parquet::ColumnData;
using parquet::ColumnSchema;
using parquet::LogicalType;
using parquet::PhysicalType;
using parquet::Repetition;
using SteadyClock = std::chrono::steady_clock;

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) {
        return static_cast<char>(std::tolower(c));
    });
    return s;
}

// One row of the recorder's gap ledger (gaps/ files).
struct LedgerRow {
    Timestamp ts;  ///< when it was recorded
    std::string stream;
    std::string
        kind;  ///< disconnect, backfilled, missing, book_gap, book_resync, file_recovered, ...
    Timestamp from;
    Timestamp to;
    std::int64_t count = 0;
    std::string detail;
};

std::vector<ColumnSchema> ledger_schema() {
    const auto us = LogicalType::timestamp(parquet::TimeUnit::kMicros);
    const auto text = [](const char* n) {
        return ColumnSchema{
            n, PhysicalType::kByteArray, Repetition::kRequired, 0, LogicalType::string()};
    };
    return {
        ColumnSchema{"ts", PhysicalType::kInt64, Repetition::kRequired, 0, us},
        text("stream"),
        text("kind"),
        ColumnSchema{"from_ts", PhysicalType::kInt64, Repetition::kRequired, 0, us},
        ColumnSchema{"to_ts", PhysicalType::kInt64, Repetition::kRequired, 0, us},
        ColumnSchema{"count", PhysicalType::kInt64, Repetition::kRequired, 0, {}},
        text("detail")};
}

Result<std::vector<ColumnData>> ledger_columns(std::span<const LedgerRow> rows) {
    std::vector<ColumnData> c = {
        ColumnData(PhysicalType::kInt64),
        ColumnData(PhysicalType::kByteArray),
        ColumnData(PhysicalType::kByteArray),
        ColumnData(PhysicalType::kInt64),
        ColumnData(PhysicalType::kInt64),
        ColumnData(PhysicalType::kInt64),
        ColumnData(PhysicalType::kByteArray)};
    for (const auto& r : rows) {
        c[0].int64s.push_back(r.ts.unix_us());
        c[1].push_bytes(r.stream);
        c[2].push_bytes(r.kind);
        c[3].int64s.push_back(r.from.unix_us());
        c[4].int64s.push_back(r.to.unix_us());
        c[5].int64s.push_back(r.count);
        c[6].push_bytes(r.detail);
    }
    return c;
}

parquet::WriterOptions writer_options(
    const data::ParquetWriteOptions& o, std::vector<parquet::KeyValue> kv) {
    parquet::WriterOptions w;
    w.codec = o.codec;
    w.zstd_level = o.zstd_level;
    w.sync = o.sync;
    w.metadata = std::move(kv);
    return w;
}

std::string hour_name(Timestamp hour) {
    return hour.to_iso8601().substr(11, 2);
}

// The bar schema of recorded files: every optional kline column, volumes as DECIMAL(38, 8)
// (the values of future bars are not known when the file opens).
data::BarSchemaOptions recorded_bar_schema() {
    data::BarSchemaOptions o;
    o.wide_volumes = true;
    return o;
}

bool complete(const model::Bar& b) {
    return b.quote_volume && b.trade_count && b.taker_buy_base_volume && b.taker_buy_quote_volume;
}

}  // namespace

Result<RecoveryReport> recover_catalog(const std::string& root) {
    RecoveryReport report;
    std::vector<std::string> partials;
    std::error_code ec;
    for (auto it = fs::recursive_directory_iterator(root, ec);
         !ec && it != fs::recursive_directory_iterator();
         it.increment(ec)) {
        const std::string p = it->path().string();
        if (it->is_regular_file(ec) && p.size() > 16 &&
            p.compare(p.size() - 16, 16, ".parquet.partial") == 0) {
            partials.push_back(p);
        }
    }
    std::sort(partials.begin(), partials.end());
    for (const auto& p : partials) {
        auto recovered = parquet::recover_file(p);
        if (!recovered || recovered->rows == 0) {
            if (!recovered && recovered.error().code != ErrorCode::kParse) {
                return tl::unexpected(recovered.error());
            }
            fs::remove(p, ec);
            ++report.discarded;
            continue;
        }
        const std::string stem = p.substr(0, p.size() - 16);
        const std::string target = detail::free_name(stem);
        fs::rename(p, target, ec);
        if (ec) {
            return make_error(
                ErrorCode::kIo,
                fmt::format("{}: cannot rename to {}: {}", p, target, ec.message()));
        }
        ++report.recovered;
        report.rows += static_cast<std::uint64_t>(recovered->rows);
        report.files.push_back(target);
    }
    return report;
}

struct Recorder::Impl {
    RecorderConfig config;
    std::atomic<bool> stop{false};
    mutable std::mutex mu;
    RecorderCounters counters;  // Guarded by mu.
    const RealClock wall;

    template <class T>
    void bump(T RecorderCounters::*field, T by = 1) {
        std::lock_guard lock(mu);
        counters.*field += by;
    }

    void warn(const std::string& message) {
        if (config.on_warning) {
            config.on_warning(message);
        }
    }

    bool stopping() const { return stop.load() || (config.stop != nullptr && config.stop->load()); }

    // Redis is optional: a failure is counted and warned about once per outage, and retried.
    struct Cache {
        Impl* impl = nullptr;
        std::optional<redis::Endpoint> endpoint;
        std::optional<redis::MarketCache> cache;
        SteadyClock::time_point retry_at{};
        bool warned = false;

        redis::MarketCache* get() {
            if (!endpoint) {
                return nullptr;
            }
            if (!cache && SteadyClock::now() >= retry_at) {
                auto c = redis::MarketCache::connect(*endpoint);
                if (c) {
                    cache.emplace(std::move(*c));
                    if (warned) {
                        impl->warn(fmt::format("redis {} is back", endpoint->to_string()));
                    }
                    warned = false;
                    std::lock_guard lock(impl->mu);
                    impl->counters.redis_connected = true;
                } else {
                    failed(c.error());
                }
            }
            return cache ? &*cache : nullptr;
        }
        void failed(const Error& e) {
            cache.reset();
            retry_at = SteadyClock::now() + std::chrono::seconds(2);
            {
                std::lock_guard lock(impl->mu);
                ++impl->counters.redis_errors;
                impl->counters.redis_connected = false;
            }
            if (!warned) {
                warned = true;
                impl->warn(fmt::format(
                    "redis unavailable ({}); recording goes on without the cache", e.message));
            }
        }
    };

    Cache make_cache() {
        Cache c;
        c.impl = this;
        if (config.redis) {
            c.endpoint = redis::Endpoint::parse(*config.redis).value();
        }
        return c;
    }

    binance::RestConfig rest_config() const {
        binance::RestConfig rc;
        rc.base_url = config.rest_base;
        rc.tls.ca_file = config.ca_file;
        rc.max_attempts = 3;
        return rc;
    }

    HourlyWriter<LedgerRow> ledger_writer(const Symbol& symbol, const std::string& part) {
        HourlyWriter<LedgerRow> w(
            ledger_schema(),
            writer_options(config.parquet, data::market_metadata("gaps/1", symbol, std::nullopt)),
            ledger_columns,
            [this, symbol, part](Timestamp hour) {
                return (fs::path(data::catalog::day_dir(config.catalog, "gaps", symbol, hour)) /
                        (hour_name(hour) + "-" + part))
                    .string();
            },
            config.checkpoint_every);
        return w;
    }

    Status ledger(HourlyWriter<LedgerRow>& w, LedgerRow row) {
        bump(&RecorderCounters::ledger_entries);
        const Timestamp hour = data::catalog::hour_start(row.ts);
        return w.add(row, hour);
    }

    // Closed klines through KlineFeed (reconnects, REST backfill, gap ledger).
    Status run_klines() {
        const std::string interval = *config.kline_interval;
        auto step = parse_duration(interval);
        if (!step) {
            return tl::unexpected(step.error());
        }
        auto rest = binance::RestClient::create(rest_config(), wall);
        if (!rest) {
            return tl::unexpected(rest.error());
        }
        binance::KlineFeedConfig fc;
        fc.ws_base = config.ws_base;
        fc.tls.ca_file = config.ca_file;
        fc.symbols = config.symbols;
        fc.interval = interval;
        fc.read_timeout = config.read_timeout;
        fc.seed = static_cast<std::uint64_t>(wall.now().unix_ns());
        binance::KlineFeed feed(fc, *rest);
        const std::string stream = "kline_" + interval;
        std::map<Symbol, HourlyWriter<model::Bar>> bars;
        std::map<Symbol, HourlyWriter<LedgerRow>> ledgers;
        std::map<Symbol, std::size_t> ledger_seen;
        const auto schema_options = recorded_bar_schema();
        for (const auto& symbol : config.symbols) {
            // Continue after the last recorded bar: what was missed is backfilled and ledgered.
            const std::string dir = data::catalog::bars_dir(config.catalog, symbol, *step);
            std::error_code ec;
            if (fs::is_directory(dir, ec)) {
                std::vector<std::string> months;
                for (const auto& m : fs::directory_iterator(dir, ec)) {
                    months.push_back(m.path().string());
                }
                std::sort(months.begin(), months.end());
                if (!months.empty()) {
                    data::KlineCsvOptions o;
                    o.interval = *step;
                    auto last = data::load_bar_files(
                        data::catalog::parquet_files(months.back()), months.back(), o);
                    if (last && !last->series.empty()) {
                        feed.resume_after(symbol, last->series.open_time().back());
                    }
                }
            }
            model::BarSeries proto(*step, symbol);
            auto kv = data::bar_metadata(proto, std::nullopt);
            kv.push_back({"ats.recorder", "1"});
            HourlyWriter<model::Bar> w(
                data::bar_schema(schema_options),
                writer_options(config.parquet, kv),
                [step = *step, symbol, schema_options](std::span<const model::Bar> rows) {
                    model::BarSeries s(step, symbol);
                    s.reserve(rows.size());
                    for (const auto& b : rows) {
                        s.push_back(b);
                    }
                    return Result<std::vector<ColumnData>>(
                        data::bar_columns(s, 0, s.size(), schema_options));
                },
                [this, symbol, step = *step](Timestamp hour) {
                    const std::string stem = hour.to_iso8601().substr(0, 13);  // 2024-12-02T13
                    std::string compact;
                    for (const char c : stem) {
                        if (c != '-') {
                            compact += c;
                        }
                    }
                    return (fs::path(data::catalog::month_dir(config.catalog, symbol, step, hour)) /
                            compact)
                        .string();
                },
                config.checkpoint_every);
            // The file's ats.gaps: the feed's ledger entries that start in its hour.
            w.before_footer([&feed, symbol, step = *step](parquet::FileWriter& fw, Timestamp hour) {
                model::GapLedger part(step);
                for (const auto& g : feed.gaps(symbol).gaps()) {
                    if (g.first >= hour && g.first < hour + Duration::from_hours(1)) {
                        part.record(g.first, g.bars);
                        part.set_state(part.gaps().size() - 1, g.state);
                    }
                }
                fw.set_metadata("ats.gaps", data::gaps_to_json(part));
            });
            bars.emplace(symbol, std::move(w));
            ledgers.emplace(symbol, ledger_writer(symbol, "kline"));
            ledger_seen[symbol] = 0;
        }
        Cache cache = make_cache();
        std::uint64_t reconnects_seen = 0;
        std::uint64_t messages_seen = 0;
        std::atomic<bool> feed_stop{false};
        // The feed waits for bars; a watcher turns our stop into its stop.
        std::thread watcher([&] {
            while (!stopping()) {
                std::this_thread::sleep_for(std::chrono::milliseconds(50));
            }
            feed_stop = true;
        });
        Status result = ok_status();
        while (true) {
            auto next = feed.next(&feed_stop);
            if (!next) {
                result = tl::unexpected(next.error());
                break;
            }
            const auto now = SteadyClock::now();
            const auto& st = feed.stats();
            {
                std::lock_guard lock(mu);
                counters.messages += st.messages - messages_seen;
                counters.reconnects += st.reconnects - reconnects_seen;
            }
            messages_seen = st.messages;
            reconnects_seen = st.reconnects;
            if (!*next) {
                break;
            }
            const binance::ClosedBar& cb = **next;
            if (!complete(cb.bar)) {
                bump(&RecorderCounters::bad_messages);
            } else if (auto s = bars.at(cb.symbol).add(
                           cb.bar, data::catalog::hour_start(cb.bar.open_time));
                       !s) {
                result = s;
                break;
            } else {
                bump(&RecorderCounters::bars);
                if (cb.backfilled) {
                    bump(&RecorderCounters::bars_backfilled);
                }
            }
            if (auto* c = cache.get()) {
                if (auto s = c->put_bar(cb.symbol, cb.bar); !s) {
                    cache.failed(s.error());
                }
            }
            // New ledger entries of the feed (backfilled or missing runs).
            const auto& gaps = feed.gaps(cb.symbol).gaps();
            for (std::size_t i = ledger_seen[cb.symbol]; i < gaps.size(); ++i) {
                const auto& g = gaps[i];
                LedgerRow row{
                    wall.now(),
                    stream,
                    std::string(model::to_string(g.state)),
                    g.first,
                    g.last(*step),
                    g.bars,
                    "klines"};
                if (auto s = ledger(ledgers.at(cb.symbol), row); !s) {
                    result = s;
                }
            }
            ledger_seen[cb.symbol] = gaps.size();
            for (auto& [sym, w] : bars) {
                if (auto s = w.tick(now); !s) {
                    result = s;
                }
            }
            for (auto& [sym, w] : ledgers) {
                if (auto s = w.tick(now); !s) {
                    result = s;
                }
            }
            if (!result) {
                break;
            }
        }
        stop = true;
        watcher.join();
        for (auto* group : {&bars}) {
            for (auto& [sym, w] : *group) {
                if (auto s = w.close(); !s && result) {
                    result = s;
                }
                bump(&RecorderCounters::files_closed, w.files_closed());
            }
        }
        for (auto& [sym, w] : ledgers) {
            if (auto s = w.close(); !s && result) {
                result = s;
            }
            bump(&RecorderCounters::files_closed, w.files_closed());
        }
        return result;
    }

    // Trades and depth diffs of every symbol on one combined stream, with the local order books.
    Status run_ticks() {
        auto rest = binance::RestClient::create(rest_config(), wall);
        if (!rest) {
            return tl::unexpected(rest.error());
        }
        std::vector<std::string> streams;
        for (const auto& s : config.symbols) {
            const std::string l = lower(s.to_string());
            if (config.trades) {
                streams.push_back(l + "@trade");
            }
            if (config.depth) {
                streams.push_back(l + "@depth@100ms");
            }
        }
        const std::string url =
            fmt::format("{}/stream?streams={}", config.ws_base, fmt::join(streams, "/"));
        struct PerSymbol {
            binance::LocalOrderBook book;
            std::optional<HourlyWriter<data::TradeRecord>> trades;
            std::optional<HourlyWriter<data::DepthRecord>> depth;
            std::optional<HourlyWriter<LedgerRow>> ledger;
            std::int64_t gaps_seen = 0;
            std::int64_t snapshots_seen = 0;
            Timestamp depth_hour;
        };
        std::map<std::string, PerSymbol> books;  // by symbol text
        Status result = ok_status();
        for (const auto& symbol : config.symbols) {
            PerSymbol& p = books[symbol.to_string()];
            if (config.trades) {
                p.trades.emplace(
                    data::trade_schema(),
                    writer_options(
                        config.parquet, data::market_metadata("trades/1", symbol, std::nullopt)),
                    [](std::span<const data::TradeRecord> rows) {
                        return data::trade_columns(rows);
                    },
                    [this, symbol](Timestamp hour) {
                        return (fs::path(data::catalog::day_dir(
                                    config.catalog, "trades", symbol, hour)) /
                                hour_name(hour))
                            .string();
                    },
                    config.checkpoint_every);
            }
            if (config.depth) {
                p.depth.emplace(
                    data::depth_schema(),
                    writer_options(
                        config.parquet, data::market_metadata("depth/1", symbol, std::nullopt)),
                    [](std::span<const data::DepthRecord> rows) {
                        return data::depth_columns(rows);
                    },
                    [this, symbol](Timestamp hour) {
                        return (fs::path(
                                    data::catalog::day_dir(config.catalog, "depth", symbol, hour)) /
                                hour_name(hour))
                            .string();
                    },
                    config.checkpoint_every);
                // Each hourly depth file starts with the book as it stands: it replays alone.
                PerSymbol* self = &p;
                p.depth->on_open([this, self](Timestamp hour) {
                    if (self->book.state() != binance::LocalOrderBook::State::kSynced) {
                        return ok_status();
                    }
                    return write_snapshot(*self->depth, self->book, hour, hour, wall.now());
                });
            }
            p.ledger.emplace(ledger_writer(symbol, "tick"));
        }
        Cache cache = make_cache();
        std::mt19937_64 rng(static_cast<std::uint64_t>(wall.now().unix_ns()));
        Duration backoff = Duration::from_ms(100);
        std::optional<Timestamp> down_since;
        auto last_cache = SteadyClock::now();
        binance::TradeEvent trade;
        binance::DepthUpdate update;
        while (!stopping() && result) {
            auto ws = binance::WsClient::connect(
                url, Duration::from_seconds(5), binance::TlsOptions{config.ca_file});
            if (!ws) {
                if (!down_since) {
                    down_since = wall.now();
                }
                std::uniform_int_distribution<std::int64_t> pick(backoff.ns() / 2, backoff.ns());
                const auto until = SteadyClock::now() + std::chrono::nanoseconds(pick(rng));
                while (SteadyClock::now() < until && !stopping()) {
                    std::this_thread::sleep_for(std::chrono::milliseconds(20));
                }
                backoff = std::min(Duration::from_seconds(10), backoff * 2);
                continue;
            }
            backoff = Duration::from_ms(100);
            if (down_since) {
                bump(&RecorderCounters::reconnects);
                for (auto& [name, p] : books) {
                    LedgerRow row{
                        wall.now(),
                        "trade+depth",
                        "disconnect",
                        *down_since,
                        wall.now(),
                        0,
                        "stream connection lost: trades in between are missing, the book resyncs"};
                    if (auto s = ledger(*p.ledger, row); !s) {
                        result = s;
                    }
                }
                down_since.reset();
            }
            auto last_message = SteadyClock::now();
            while (!stopping() && result) {
                auto msg = ws->poll(Duration::from_ms(100));
                const auto now = SteadyClock::now();
                if (!msg) {
                    down_since = wall.now();
                    break;
                }
                if (*msg) {
                    last_message = now;
                    bump(&RecorderCounters::messages);
                    result = on_message(**msg, books, *rest, trade, update);
                } else if (
                    now - last_message > std::chrono::nanoseconds(config.read_timeout.ns())) {
                    down_since = wall.now();  // silence: treat the connection as dead
                    break;
                }
                for (auto& [name, p] : books) {
                    for (auto* w : {p.trades ? &*p.trades : nullptr}) {
                        if (w != nullptr) {
                            if (auto s = w->tick(now); !s) {
                                result = s;
                            }
                        }
                    }
                    if (p.depth) {
                        if (auto s = p.depth->tick(now); !s) {
                            result = s;
                        }
                    }
                    if (auto s = p.ledger->tick(now); !s) {
                        result = s;
                    }
                }
                if (config.depth &&
                    now - last_cache >= std::chrono::nanoseconds(config.book_cache_every.ns())) {
                    last_cache = now;
                    cache_books(books, cache);
                }
            }
        }
        for (auto& [name, p] : books) {
            for (auto st :
                 {p.trades ? p.trades->close() : ok_status(),
                  p.depth ? p.depth->close() : ok_status(),
                  p.ledger->close()}) {
                if (!st && result) {
                    result = st;
                }
            }
            bump(
                &RecorderCounters::files_closed,
                (p.trades ? p.trades->files_closed() : 0) +
                    (p.depth ? p.depth->files_closed() : 0) + p.ledger->files_closed());
        }
        return result;
    }

    template <class Books>
    void cache_books(Books& books, Cache& cache) {
        auto* c = cache.get();
        if (c == nullptr) {
            return;
        }
        for (auto& [name, p] : books) {
            if (p.book.state() != binance::LocalOrderBook::State::kSynced) {
                continue;
            }
            redis::BookSnapshot snap;
            snap.update_id = p.book.update_id();
            snap.ts = wall.now();
            for (const auto& [price, qty] : p.book.bids()) {
                if (static_cast<int>(snap.bids.size()) == config.book_cache_levels) {
                    break;
                }
                snap.bids.push_back({price, qty});
            }
            for (const auto& [price, qty] : p.book.asks()) {
                if (static_cast<int>(snap.asks.size()) == config.book_cache_levels) {
                    break;
                }
                snap.asks.push_back({price, qty});
            }
            if (auto s = c->put_book(Symbol::parse(name).value(), snap); !s) {
                cache.failed(s.error());
                return;
            }
        }
    }

    Status write_snapshot(
        HourlyWriter<data::DepthRecord>& w,
        const binance::LocalOrderBook& book,
        Timestamp hour,
        Timestamp ts_event,
        Timestamp ts_recv) {
        data::DepthRecord r;
        r.ts_event = ts_event;
        r.ts_recv = ts_recv;
        r.first_update_id = r.final_update_id = book.update_id();
        r.is_snapshot = true;
        std::uint64_t levels = 0;
        r.side = Side::kBuy;
        for (const auto& [price, qty] : book.bids()) {
            r.price = price;
            r.qty = qty;
            if (auto s = w.add(r, hour); !s) {
                return s;
            }
            ++levels;
        }
        r.side = Side::kSell;
        for (const auto& [price, qty] : book.asks()) {
            r.price = price;
            r.qty = qty;
            if (auto s = w.add(r, hour); !s) {
                return s;
            }
            ++levels;
        }
        bump(&RecorderCounters::depth_levels, levels);
        bump(&RecorderCounters::snapshots);
        return ok_status();
    }

    template <class Books>
    Status on_message(
        const std::string& text,
        Books& books,
        binance::RestClient& rest,
        binance::TradeEvent& trade,
        binance::DepthUpdate& update) {
        const Timestamp recv = wall.now();
        // Combined streams: {"stream":"btcusdt@trade","data":{...}}.
        const auto head = std::string_view(text).substr(0, std::min<std::size_t>(text.size(), 80));
        if (head.find("@trade\"") != std::string_view::npos) {
            if (!binance::parse_trade_event(text, trade)) {
                bump(&RecorderCounters::bad_messages);
                return ok_status();
            }
            auto it = books.find(trade.symbol);
            if (it == books.end() || !it->second.trades) {
                bump(&RecorderCounters::bad_messages);
                return ok_status();
            }
            data::TradeRecord r;
            r.ts_event = Timestamp::from_unix_ms(trade.trade_ms);
            r.ts_recv = recv;
            r.trade_id = trade.id;
            r.price = trade.price;
            r.qty = trade.qty;
            r.aggressor = trade.buyer_maker ? Side::kSell : Side::kBuy;
            bump(&RecorderCounters::trades);
            return it->second.trades->add(r, data::catalog::hour_start(r.ts_event));
        }
        if (head.find("@depth") == std::string_view::npos) {
            bump(&RecorderCounters::bad_messages);
            return ok_status();
        }
        if (!binance::parse_depth_update(text, update)) {
            bump(&RecorderCounters::bad_messages);
            return ok_status();
        }
        auto it = books.find(update.symbol);
        if (it == books.end() || !it->second.depth) {
            bump(&RecorderCounters::bad_messages);
            return ok_status();
        }
        auto& p = it->second;
        // The raw diff, as received (duplicates and reordering included): a reader rebuilds the
        // book with Binance's procedure from the snapshots that follow every (re)sync.
        const Timestamp event = Timestamp::from_unix_ms(update.event_ms);
        const Timestamp hour = data::catalog::hour_start(event);
        data::DepthRecord r;
        r.ts_event = event;
        r.ts_recv = recv;
        r.first_update_id = update.first_id;
        r.final_update_id = update.final_id;
        std::uint64_t levels = 0;
        for (const auto* side : {&update.bids, &update.asks}) {
            r.side = side == &update.bids ? Side::kBuy : Side::kSell;
            for (const auto& [price, qty] : *side) {
                r.price = price;
                r.qty = qty;
                if (auto s = p.depth->add(r, hour); !s) {
                    return s;
                }
                ++levels;
            }
        }
        bump(&RecorderCounters::depth_updates);
        bump(&RecorderCounters::depth_levels, levels);
        p.book.on_update(update);
        // Gaps the book found: ledgered; the book then needs a snapshot.
        const auto& gaps = p.book.gaps();
        const std::int64_t total_gaps = p.book.counters().gaps;
        if (total_gaps > p.gaps_seen) {
            const auto fresh = static_cast<std::size_t>(std::min<std::int64_t>(
                total_gaps - p.gaps_seen, static_cast<std::int64_t>(gaps.size())));
            for (std::size_t i = gaps.size() - fresh; i < gaps.size(); ++i) {
                const auto& g = gaps[i];
                LedgerRow row{
                    recv,
                    "depth",
                    "book_gap",
                    Timestamp::from_unix_ms(g.event_ms),
                    event,
                    g.missing_to - g.missing_from + 1,
                    fmt::format("update ids {}..{} never arrived", g.missing_from, g.missing_to)};
                if (auto s = ledger(*p.ledger, row); !s) {
                    return s;
                }
            }
            bump(
                &RecorderCounters::book_gaps, static_cast<std::uint64_t>(total_gaps - p.gaps_seen));
            p.gaps_seen = total_gaps;
        }
        if (p.book.needs_snapshot()) {
            auto snapshot = rest.depth(update.symbol, config.depth_snapshot_levels);
            if (!snapshot) {
                warn(fmt::format(
                    "{}: depth snapshot failed: {}", update.symbol, snapshot.error().message));
                return ok_status();  // the next diff tries again
            }
            if (auto s = p.book.on_snapshot(*snapshot); !s) {
                return ok_status();  // older than the buffered diffs: the next diff tries again
            }
            const Timestamp now = wall.now();
            if (auto s = write_snapshot(*p.depth, p.book, hour, now, now); !s) {
                return s;
            }
            LedgerRow row{
                now,
                "depth",
                "book_resync",
                now,
                now,
                0,
                fmt::format(
                    "book rebuilt from snapshot {} (now at update {})",
                    snapshot->last_update_id,
                    p.book.update_id())};
            return ledger(*p.ledger, row);
        }
        return ok_status();
    }
};

Recorder::Recorder(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Recorder::~Recorder() = default;

Result<std::unique_ptr<Recorder>> Recorder::create(RecorderConfig config) {
    if (config.symbols.empty()) {
        return make_error(ErrorCode::kInvalidArgument, "record: give at least one symbol");
    }
    if (!config.kline_interval && !config.trades && !config.depth) {
        return make_error(
            ErrorCode::kInvalidArgument,
            "record: give at least one stream (kline_1m, trade, depth)");
    }
    if (config.kline_interval && !parse_duration(*config.kline_interval)) {
        return make_error(
            ErrorCode::kInvalidArgument,
            fmt::format("record: kline interval '{}' is not like 1m, 1h", *config.kline_interval));
    }
    if (config.catalog.empty()) {
        return make_error(ErrorCode::kInvalidArgument, "record: --catalog is required");
    }
    if (config.redis) {
        if (auto e = redis::Endpoint::parse(*config.redis); !e) {
            return tl::unexpected(e.error());
        }
    }
    if (config.checkpoint_every <= Duration{}) {
        return make_error(
            ErrorCode::kInvalidArgument, "record: the checkpoint interval must be positive");
    }
    std::error_code ec;
    fs::create_directories(config.catalog, ec);
    if (ec) {
        return make_error(
            ErrorCode::kIo, fmt::format("{}: cannot create: {}", config.catalog, ec.message()));
    }
    auto impl = std::make_unique<Impl>();
    impl->config = std::move(config);
    return std::unique_ptr<Recorder>(new Recorder(std::move(impl)));
}

Status Recorder::run() {
    Impl& m = *impl_;
    // A crash left *.partial files: cut them back to their last footer before recording more.
    auto recovered = recover_catalog(m.config.catalog);
    if (!recovered) {
        return tl::unexpected(recovered.error());
    }
    {
        std::lock_guard lock(m.mu);
        m.counters.files_recovered += recovered->recovered;
        m.counters.files_discarded += recovered->discarded;
        m.counters.rows_recovered += recovered->rows;
    }
    if (recovered->recovered + recovered->discarded > 0) {
        m.warn(fmt::format(
            "recovered {} file(s) ({} rows) left by a crash, discarded {} with nothing to keep",
            recovered->recovered,
            recovered->rows,
            recovered->discarded));
    }
    const auto started = SteadyClock::now();
    Status klines = ok_status();
    Status ticks = ok_status();
    std::thread kline_thread;
    std::thread tick_thread;
    if (m.config.kline_interval) {
        kline_thread = std::thread([&] {
            klines = m.run_klines();
            if (!klines) {
                m.stop = true;
            }
        });
    }
    if (m.config.trades || m.config.depth) {
        tick_thread = std::thread([&] {
            ticks = m.run_ticks();
            if (!ticks) {
                m.stop = true;
            }
        });
    }
    while (!m.stopping()) {
        if (m.config.max_duration &&
            SteadyClock::now() - started >= std::chrono::nanoseconds(m.config.max_duration->ns())) {
            break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    m.stop = true;
    if (kline_thread.joinable()) {
        kline_thread.join();
    }
    if (tick_thread.joinable()) {
        tick_thread.join();
    }
    if (!klines) {
        return klines;
    }
    return ticks;
}

RecorderCounters Recorder::counters() const {
    std::lock_guard lock(impl_->mu);
    return impl_->counters;
}

}  // namespace ats::recorder
