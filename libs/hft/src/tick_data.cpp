#include "ats/hft/tick_data.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <limits>
#include <numeric>
#include <string_view>
#include <utility>

#include <fmt/format.h>
#include <zlib.h>

#include "ats/data/catalog.hpp"
#include "ats/data/parquet_market.hpp"

namespace ats::hft {
namespace {

constexpr std::int64_t kMaxBaseFeedLatencyNs = 10'000'000'000;

/// Splits a CSV line (no quoting: the recorder never writes commas inside fields).
template <std::size_t N>
bool split(std::string_view line, std::array<std::string_view, N>& out) {
    std::size_t field = 0;
    std::size_t start = 0;
    for (std::size_t i = 0; i <= line.size(); ++i) {
        if (i == line.size() || line[i] == ',') {
            if (field == N) {
                return false;
            }
            out[field++] = line.substr(start, i - start);
            start = i + 1;
        }
    }
    return field == N;
}

std::string where(const LineReader& r) {
    return fmt::format("{}:{}", r.path(), r.line_number());
}

tl::unexpected<Error> bad_row(const LineReader& r, std::string_view column, std::string_view why) {
    return make_error(ErrorCode::kParse, fmt::format("{}: column '{}': {}", where(r), column, why));
}

Result<std::int64_t> parse_int(const LineReader& r, std::string_view column, std::string_view s) {
    std::int64_t v = 0;
    const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || p != s.data() + s.size()) {
        return bad_row(r, column, fmt::format("'{}' is not an integer", s));
    }
    return v;
}

Result<Price> parse_price(const LineReader& r, std::string_view column, std::string_view s) {
    auto p = Price::parse(s);
    if (!p) {
        return bad_row(r, column, p.error().message);
    }
    if (!p->is_positive()) {
        return bad_row(r, column, fmt::format("price {} must be positive", s));
    }
    return *p;
}

Result<Qty> parse_qty(const LineReader& r, std::string_view column, std::string_view s) {
    auto q = Qty::parse(s);
    if (!q) {
        return bad_row(r, column, q.error().message);
    }
    if (q->is_negative()) {
        return bad_row(r, column, fmt::format("quantity {} must not be negative", s));
    }
    return *q;
}

/// Opens `path` and checks its header line.
Result<LineReader> open_csv(const std::string& path, std::string_view header) {
    auto reader = LineReader::open(path);
    if (!reader) {
        return tl::unexpected(reader.error());
    }
    std::string line;
    auto got = reader->next(line);
    if (!got) {
        return tl::unexpected(got.error());
    }
    if (!*got) {
        return make_error(ErrorCode::kParse, fmt::format("{}: empty file", path));
    }
    if (line != header) {
        return make_error(
            ErrorCode::kParse,
            fmt::format("{}:1: expected the header '{}', got '{}'", path, header, line));
    }
    return std::move(*reader);
}

struct RawEvent {
    MarketEvent event;
    std::int64_t recv_ns = 0;
    std::uint64_t order = 0;  // file order, trades before depth at equal exchange times
};

}  // namespace

Result<LineReader> LineReader::open(const std::string& path) {
    LineReader r;
    r.path_ = path;
    r.file_ = gzopen(path.c_str(), "rb");
    if (r.file_ == nullptr) {
        return make_error(
            ErrorCode::kIo, fmt::format("{}: cannot open: {}", path, std::strerror(errno)));
    }
    gzbuffer(static_cast<gzFile>(r.file_), 1 << 17);
    r.buffer_.resize(1 << 16);
    return r;
}

LineReader::LineReader(LineReader&& other) noexcept
    : file_(std::exchange(other.file_, nullptr)),
      path_(std::move(other.path_)),
      line_(other.line_),
      buffer_(std::move(other.buffer_)) {}

LineReader& LineReader::operator=(LineReader&& other) noexcept {
    if (this != &other) {
        if (file_ != nullptr) {
            gzclose(static_cast<gzFile>(file_));
        }
        file_ = std::exchange(other.file_, nullptr);
        path_ = std::move(other.path_);
        line_ = other.line_;
        buffer_ = std::move(other.buffer_);
    }
    return *this;
}

LineReader::~LineReader() {
    if (file_ != nullptr) {
        gzclose(static_cast<gzFile>(file_));
    }
}

Result<bool> LineReader::next(std::string& line) {
    line.clear();
    auto* f = static_cast<gzFile>(file_);
    while (true) {
        const char* got = gzgets(f, buffer_.data(), static_cast<int>(buffer_.size()));
        if (got == nullptr) {
            int code = 0;
            const char* message = gzerror(f, &code);
            if (code != Z_OK && code != Z_STREAM_END) {
                return make_error(
                    ErrorCode::kIo,
                    fmt::format("{}:{}: damaged file: {}", path_, line_ + 1, message));
            }
            if (line.empty()) {
                return false;
            }
            ++line_;
            return true;
        }
        const std::size_t n = std::strlen(buffer_.data());
        line.append(buffer_.data(), n);
        if (n > 0 && buffer_[n - 1] == '\n') {
            line.pop_back();
            if (!line.empty() && line.back() == '\r') {
                line.pop_back();
            }
            ++line_;
            return true;
        }
    }
}

Result<std::vector<BookTickerRow>> load_book_ticker(const std::string& path) {
    auto reader = open_csv(path, "recv_time_ns,update_id,bid_price,bid_qty,ask_price,ask_qty");
    if (!reader) {
        return tl::unexpected(reader.error());
    }
    std::vector<BookTickerRow> rows;
    std::string line;
    std::array<std::string_view, 6> f;
    while (true) {
        auto got = reader->next(line);
        if (!got) {
            return tl::unexpected(got.error());
        }
        if (!*got) {
            break;
        }
        if (!split(line, f)) {
            return make_error(
                ErrorCode::kParse, fmt::format("{}: expected 6 columns", where(*reader)));
        }
        BookTickerRow row;
        auto id = parse_int(*reader, "update_id", f[1]);
        auto bid = parse_price(*reader, "bid_price", f[2]);
        auto bid_qty = parse_qty(*reader, "bid_qty", f[3]);
        auto ask = parse_price(*reader, "ask_price", f[4]);
        auto ask_qty = parse_qty(*reader, "ask_qty", f[5]);
        for (const Error* e :
             {id ? nullptr : &id.error(),
              bid ? nullptr : &bid.error(),
              bid_qty ? nullptr : &bid_qty.error(),
              ask ? nullptr : &ask.error(),
              ask_qty ? nullptr : &ask_qty.error()}) {
            if (e != nullptr) {
                return tl::unexpected(*e);
            }
        }
        rows.push_back(BookTickerRow{*id, *bid, *bid_qty, *ask, *ask_qty});
    }
    return rows;
}

namespace {

/// Turns rows of a recording (from CSV files or the Parquet catalog) into a TickData, with
/// Binance's rules for the snapshot and the diffs. Rows come in that order: the snapshot, every
/// trade, then the diffs. `where` names the row in errors.
class Builder {
public:
    explicit Builder(const Symbol& symbol) : data_(symbol) {}

    template <class Where>
    Status snapshot_level(
        Where&& where, std::int64_t recv, std::int64_t id, Side side, Price price, Qty qty) {
        if (!has_snapshot_) {
            data_.snapshot_update_id = id;
            data_.snapshot_local_ns = recv;
            has_snapshot_ = true;
        } else if (id != data_.snapshot_update_id || recv != data_.snapshot_local_ns) {
            return make_error(
                ErrorCode::kInvalidArgument,
                fmt::format(
                    "{}: a second snapshot (last_update_id {}) in the file; one is expected",
                    where(),
                    id));
        }
        auto& levels = side == Side::kBuy ? data_.snapshot_bids : data_.snapshot_asks;
        if (!levels.empty() &&
            (side == Side::kBuy ? price >= levels.back().price : price <= levels.back().price)) {
            return make_error(
                ErrorCode::kParse,
                fmt::format("{}: column 'price': levels must run from the best outward", where()));
        }
        levels.push_back(SnapshotLevel{price, qty});
        return ok_status();
    }

    bool has_snapshot() const { return has_snapshot_; }
    std::int64_t snapshot_recv() const { return data_.snapshot_local_ns; }

    /// `aggressor` kBuy when the buyer took liquidity. Trades received before the snapshot are
    /// counted and dropped.
    template <class Where>
    Status trade(
        Where&& where,
        Price price,
        Qty qty,
        std::int64_t time_ns,
        Side aggressor,
        std::int64_t recv) {
        if (!qty.is_positive()) {
            return make_error(
                ErrorCode::kParse,
                fmt::format("{}: column 'qty': a trade's quantity must be positive", where()));
        }
        if (time_ns < last_trade_) {
            return make_error(
                ErrorCode::kParse,
                fmt::format("{}: column 'trade_time_ms': trade times go backwards", where()));
        }
        last_trade_ = time_ns;
        if (recv < data_.snapshot_local_ns) {
            ++data_.trades_before_snapshot;
            return ok_status();
        }
        RawEvent e;
        e.event.qty = qty;
        e.event.price = price;
        e.event.exch_ns = time_ns;
        e.event.kind = aggressor == Side::kSell ? EventKind::kTradeSell : EventKind::kTradeBuy;
        e.event.end_of_batch = true;
        e.recv_ns = recv;
        e.order = order_++;
        raw_.push_back(e);
        ++data_.trade_rows;
        return ok_status();
    }

    template <class Where>
    Status diff(
        Where&& where,
        std::int64_t recv,
        std::int64_t time_ns,
        std::int64_t first_id,
        std::int64_t final_id,
        Side side,
        Price price,
        Qty qty) {
        if (first_id > final_id) {
            return make_error(
                ErrorCode::kParse,
                fmt::format("{}: column 'first_update_id': U is after u", where()));
        }
        if (!diffs_started_) {
            diffs_started_ = true;  // every trade is in; batches count depth rows only
            batch_start_ = raw_.size();
        }
        const bool new_batch = first_id != batch_first_ || final_id != batch_final_;
        if (new_batch) {
            close_batch();
            batch_first_ = first_id;
            batch_final_ = final_id;
            if (final_id <= data_.snapshot_update_id) {
                dropping_ = true;  // older than the snapshot: Binance says drop it
                ++data_.diffs_before_snapshot;
            } else if (applied_final_ < 0) {
                if (first_id > data_.snapshot_update_id + 1) {
                    return make_error(
                        ErrorCode::kInvalidArgument,
                        fmt::format(
                            "{}: the first diff after the snapshot starts at U={} but the "
                            "snapshot ends at lastUpdateId={}: updates are missing",
                            where(),
                            first_id,
                            data_.snapshot_update_id));
                }
                dropping_ = false;
                applied_final_ = final_id;
            } else {
                if (first_id != applied_final_ + 1) {
                    return make_error(
                        ErrorCode::kInvalidArgument,
                        fmt::format(
                            "{}: gap in the depth diffs: U={} after u={} (updates {}..{} are "
                            "missing)",
                            where(),
                            first_id,
                            applied_final_,
                            applied_final_ + 1,
                            first_id - 1));
                }
                dropping_ = false;
                applied_final_ = final_id;
            }
        }
        if (dropping_) {
            return ok_status();
        }
        RawEvent e;
        e.event.qty = qty;
        e.event.price = price;
        e.event.exch_ns = time_ns;
        e.event.kind = side == Side::kBuy ? EventKind::kDepthBid : EventKind::kDepthAsk;
        e.recv_ns = recv;
        e.order = order_++;
        raw_.push_back(e);
        ++data_.depth_rows;
        return ok_status();
    }

    /// Ends the diffs (call once, after every diff row).
    Status end_diffs(const std::string& name) {
        if (diffs_started_) {
            close_batch();
        }
        if (applied_final_ < 0) {
            return make_error(
                ErrorCode::kInvalidArgument,
                fmt::format(
                    "{}: no diff after the snapshot's lastUpdateId {}",
                    name,
                    data_.snapshot_update_id));
        }
        return ok_status();
    }

    Result<TickData> finish(const TickLoadOptions& options) {
        if (raw_.empty()) {
            return make_error(ErrorCode::kInvalidArgument, "no events after the snapshot");
        }
        // Merge by exchange time (stable: trades come first, so they come first at a tie).
        std::stable_sort(raw_.begin(), raw_.end(), [](const RawEvent& a, const RawEvent& b) {
            return a.event.exch_ns < b.event.exch_ns;
        });
        if (options.max_events != 0 && raw_.size() > options.max_events) {
            raw_.resize(options.max_events);
            // Cut at a batch boundary so the book stays consistent.
            while (!raw_.empty() && !raw_.back().event.end_of_batch) {
                raw_.pop_back();
            }
        }
        if (raw_.size() > std::numeric_limits<std::uint32_t>::max()) {
            return make_error(ErrorCode::kOutOfRange, "more than 2^32 events in one recording");
        }
        // Local times: the recorder's clock shifted so no feed latency is below the base.
        std::int64_t min_latency = std::numeric_limits<std::int64_t>::max();
        for (const auto& e : raw_) {
            min_latency = std::min(min_latency, e.recv_ns - e.event.exch_ns);
        }
        data_.feed_offset_ns = min_latency < options.base_feed_latency.ns()
                                   ? options.base_feed_latency.ns() - min_latency
                                   : 0;
        data_.snapshot_local_ns += data_.feed_offset_ns;
        data_.events.reserve(raw_.size());
        for (auto& e : raw_) {
            e.event.local_ns = e.recv_ns + data_.feed_offset_ns;
            data_.events.push_back(e.event);
        }
        // The batch ids were recorded in order of depth batches; the merge keeps depth batches
        // in their order (stable sort on non-decreasing E), so they still match.
        data_.local_order.resize(data_.events.size());
        std::iota(data_.local_order.begin(), data_.local_order.end(), 0U);
        std::stable_sort(
            data_.local_order.begin(),
            data_.local_order.end(),
            [&](std::uint32_t a, std::uint32_t b) {
                return data_.events[a].local_ns < data_.events[b].local_ns;
            });
        return std::move(data_);
    }

private:
    void close_batch() {
        if (raw_.size() > batch_start_) {
            raw_.back().event.end_of_batch = true;
            data_.batch_update_ids.push_back(batch_final_);
        }
        batch_start_ = raw_.size();
    }

    TickData data_;
    bool has_snapshot_ = false;
    std::vector<RawEvent> raw_;
    std::uint64_t order_ = 0;
    std::int64_t last_trade_ = std::numeric_limits<std::int64_t>::min();
    std::int64_t batch_first_ = -1;
    std::int64_t batch_final_ = -1;
    std::int64_t applied_final_ = -1;
    bool dropping_ = false;
    bool diffs_started_ = false;
    std::size_t batch_start_ = 0;
};

Status check_options(const TickLoadOptions& options) {
    if (options.base_feed_latency.ns() < 0 ||
        options.base_feed_latency.ns() > kMaxBaseFeedLatencyNs) {
        return make_error(
            ErrorCode::kInvalidArgument,
            fmt::format(
                "base_feed_latency must be in [0, 10 s], got {} ns",
                options.base_feed_latency.ns()));
    }
    return ok_status();
}

}  // namespace

Result<TickData> load_binance_ticks(
    const Symbol& symbol, const TickFiles& files, const TickLoadOptions& options) {
    if (auto st = check_options(options); !st) {
        return tl::unexpected(st.error());
    }
    Builder b(symbol);
    std::string line;

    // 1. The snapshot.
    {
        auto reader =
            open_csv(files.depth_snapshot, "recv_time_ns,last_update_id,side,level,price,qty");
        if (!reader) {
            return tl::unexpected(reader.error());
        }
        const auto at = [&] {
            return where(*reader);
        };
        std::array<std::string_view, 6> f;
        while (true) {
            auto got = reader->next(line);
            if (!got) {
                return tl::unexpected(got.error());
            }
            if (!*got) {
                break;
            }
            if (!split(line, f)) {
                return make_error(
                    ErrorCode::kParse, fmt::format("{}: expected 6 columns", where(*reader)));
            }
            auto recv = parse_int(*reader, "recv_time_ns", f[0]);
            auto id = parse_int(*reader, "last_update_id", f[1]);
            auto price = parse_price(*reader, "price", f[4]);
            auto qty = parse_qty(*reader, "qty", f[5]);
            for (const Error* e :
                 {recv ? nullptr : &recv.error(),
                  id ? nullptr : &id.error(),
                  price ? nullptr : &price.error(),
                  qty ? nullptr : &qty.error()}) {
                if (e != nullptr) {
                    return tl::unexpected(*e);
                }
            }
            if (f[2] != "bid" && f[2] != "ask") {
                return bad_row(*reader, "side", fmt::format("'{}' is not bid or ask", f[2]));
            }
            const Side side = f[2] == "bid" ? Side::kBuy : Side::kSell;
            if (auto st = b.snapshot_level(at, *recv, *id, side, *price, *qty); !st) {
                return tl::unexpected(st.error());
            }
        }
        if (!b.has_snapshot()) {
            return make_error(
                ErrorCode::kParse,
                fmt::format("{}: the snapshot has no levels", files.depth_snapshot));
        }
    }

    // 2. Trades after the snapshot arrived.
    {
        auto reader = open_csv(
            files.trades,
            "trade_id,price,qty,trade_time_ms,is_buyer_maker,event_time_ms,recv_time_ns");
        if (!reader) {
            return tl::unexpected(reader.error());
        }
        const auto at = [&] {
            return where(*reader);
        };
        std::array<std::string_view, 7> f;
        while (true) {
            auto got = reader->next(line);
            if (!got) {
                return tl::unexpected(got.error());
            }
            if (!*got) {
                break;
            }
            if (!split(line, f)) {
                return make_error(
                    ErrorCode::kParse, fmt::format("{}: expected 7 columns", where(*reader)));
            }
            auto price = parse_price(*reader, "price", f[1]);
            auto qty = parse_qty(*reader, "qty", f[2]);
            auto time = parse_int(*reader, "trade_time_ms", f[3]);
            auto recv = parse_int(*reader, "recv_time_ns", f[6]);
            for (const Error* e :
                 {price ? nullptr : &price.error(),
                  qty ? nullptr : &qty.error(),
                  time ? nullptr : &time.error(),
                  recv ? nullptr : &recv.error()}) {
                if (e != nullptr) {
                    return tl::unexpected(*e);
                }
            }
            if (f[4] != "0" && f[4] != "1") {
                return bad_row(*reader, "is_buyer_maker", fmt::format("'{}' is not 0 or 1", f[4]));
            }
            // is_buyer_maker = 1: the buyer rested, so the aggressor sold.
            const Side aggressor = f[4] == "1" ? Side::kSell : Side::kBuy;
            if (auto st = b.trade(at, *price, *qty, *time * 1'000'000, aggressor, *recv); !st) {
                return tl::unexpected(st.error());
            }
        }
    }

    // 3. Depth diffs from the first one that straddles the snapshot.
    {
        auto reader = open_csv(
            files.depth_diffs,
            "recv_time_ns,event_time_ms,first_update_id,final_update_id,side,price,qty");
        if (!reader) {
            return tl::unexpected(reader.error());
        }
        const auto at = [&] {
            return where(*reader);
        };
        std::array<std::string_view, 7> f;
        while (true) {
            auto got = reader->next(line);
            if (!got) {
                return tl::unexpected(got.error());
            }
            if (!*got) {
                break;
            }
            if (!split(line, f)) {
                return make_error(
                    ErrorCode::kParse, fmt::format("{}: expected 7 columns", where(*reader)));
            }
            auto recv = parse_int(*reader, "recv_time_ns", f[0]);
            auto time = parse_int(*reader, "event_time_ms", f[1]);
            auto first_id = parse_int(*reader, "first_update_id", f[2]);
            auto final_id = parse_int(*reader, "final_update_id", f[3]);
            auto price = parse_price(*reader, "price", f[5]);
            auto qty = parse_qty(*reader, "qty", f[6]);
            for (const Error* e :
                 {recv ? nullptr : &recv.error(),
                  time ? nullptr : &time.error(),
                  first_id ? nullptr : &first_id.error(),
                  final_id ? nullptr : &final_id.error(),
                  price ? nullptr : &price.error(),
                  qty ? nullptr : &qty.error()}) {
                if (e != nullptr) {
                    return tl::unexpected(*e);
                }
            }
            if (f[4] != "bid" && f[4] != "ask") {
                return bad_row(*reader, "side", fmt::format("'{}' is not bid or ask", f[4]));
            }
            const Side side = f[4] == "bid" ? Side::kBuy : Side::kSell;
            if (auto st =
                    b.diff(at, *recv, *time * 1'000'000, *first_id, *final_id, side, *price, *qty);
                !st) {
                return tl::unexpected(st.error());
            }
        }
        if (auto st = b.end_diffs(files.depth_diffs); !st) {
            return tl::unexpected(st.error());
        }
    }
    return b.finish(options);
}

Result<TickFiles> find_tick_files(const std::string& dir, const std::string& symbol) {
    namespace fs = std::filesystem;
    TickFiles files;
    for (auto [out, kind] :
         {std::pair{&files.trades, "trades"},
          std::pair{&files.depth_snapshot, "depth_snapshot"},
          std::pair{&files.depth_diffs, "depth_diff_100ms"}}) {
        const std::string prefix = symbol + "_spot_" + kind + "_";
        std::error_code ec;
        std::string found;
        for (const auto& entry : fs::directory_iterator(dir, ec)) {
            const std::string name = entry.path().filename().string();
            if (name.rfind(prefix, 0) == 0 &&
                (name.ends_with(".csv") || name.ends_with(".csv.gz"))) {
                if (!found.empty()) {
                    return make_error(
                        ErrorCode::kInvalidArgument,
                        fmt::format("ticks {}: more than one {}* file", dir, prefix));
                }
                found = entry.path().string();
            }
        }
        if (ec) {
            return make_error(ErrorCode::kIo, fmt::format("ticks {}: {}", dir, ec.message()));
        }
        if (found.empty()) {
            return make_error(
                ErrorCode::kNotFound, fmt::format("ticks {}: no {}* file", dir, prefix));
        }
        *out = found;
    }
    return files;
}

Result<TickData> load_catalog_ticks(
    const Symbol& symbol,
    const std::string& root,
    std::optional<Timestamp> from,
    std::optional<Timestamp> to,
    const TickLoadOptions& options) {
    if (auto st = check_options(options); !st) {
        return tl::unexpected(st.error());
    }
    const std::string sym(symbol.view());
    const data::TimeRange range{from, to};
    std::vector<data::DepthRecord> depth;
    for (const auto& f : data::catalog::parquet_files(root + "/depth/symbol=" + sym)) {
        auto rows = data::read_depth_parquet(f, range);
        if (!rows) {
            return tl::unexpected(rows.error());
        }
        depth.insert(depth.end(), rows->begin(), rows->end());
    }
    std::vector<data::TradeRecord> trades;
    for (const auto& f : data::catalog::parquet_files(root + "/trades/symbol=" + sym)) {
        auto rows = data::read_trades_parquet(f, range);
        if (!rows) {
            return tl::unexpected(rows.error());
        }
        trades.insert(trades.end(), rows->begin(), rows->end());
    }
    // The first snapshot, and where the next one (after a gap) cuts the stretch.
    const auto first = std::find_if(
        depth.begin(), depth.end(), [](const data::DepthRecord& r) { return r.is_snapshot; });
    if (first == depth.end()) {
        return make_error(
            ErrorCode::kNotFound,
            fmt::format(
                "catalog {}: no depth snapshot of {} in the time range (record with --streams "
                "depth)",
                root,
                sym));
    }
    const std::int64_t snap_id = first->final_update_id;
    auto snap_end = first;
    while (snap_end != depth.end() && snap_end->is_snapshot &&
           snap_end->final_update_id == snap_id) {
        ++snap_end;
    }
    const auto next_snapshot = std::find_if(
        snap_end, depth.end(), [](const data::DepthRecord& r) { return r.is_snapshot; });
    const std::int64_t cut = next_snapshot == depth.end() ? std::numeric_limits<std::int64_t>::max()
                                                          : next_snapshot->ts_recv.unix_ns();
    std::vector<data::DepthRecord> levels(first, snap_end);
    std::stable_sort(levels.begin(), levels.end(), [](const auto& a, const auto& b) {
        if (a.side != b.side) {
            return a.side == Side::kBuy;
        }
        return a.side == Side::kBuy ? a.price > b.price : a.price < b.price;
    });
    Builder b(symbol);
    std::size_t i = 0;
    const auto at = [&] {
        return fmt::format("catalog {} {} row {}", root, sym, i);
    };
    for (const auto& r : levels) {
        if (auto st = b.snapshot_level(
                at, r.ts_recv.unix_ns(), r.final_update_id, r.side, r.price, r.qty);
            !st) {
            return tl::unexpected(st.error());
        }
    }
    for (i = 0; i < trades.size(); ++i) {
        const auto& t = trades[i];
        if (t.ts_recv.unix_ns() >= cut) {
            break;
        }
        if (auto st =
                b.trade(at, t.price, t.qty, t.ts_event.unix_ns(), t.aggressor, t.ts_recv.unix_ns());
            !st) {
            return tl::unexpected(st.error());
        }
    }
    for (auto it = snap_end; it != next_snapshot; ++it) {
        i = static_cast<std::size_t>(it - depth.begin());
        if (auto st = b.diff(
                at,
                it->ts_recv.unix_ns(),
                it->ts_event.unix_ns(),
                it->first_update_id,
                it->final_update_id,
                it->side,
                it->price,
                it->qty);
            !st) {
            return tl::unexpected(st.error());
        }
    }
    if (auto st = b.end_diffs("catalog " + root); !st) {
        return tl::unexpected(st.error());
    }
    return b.finish(options);
}

Result<TickData> load_ticks(
    const std::string& dir, const Symbol& symbol, const TickLoadOptions& options) {
    std::error_code ec;
    if (std::filesystem::is_directory(std::filesystem::path(dir) / "depth", ec)) {
        return load_catalog_ticks(symbol, dir, std::nullopt, std::nullopt, options);
    }
    auto files = find_tick_files(dir, std::string(symbol.view()));
    if (!files) {
        return tl::unexpected(files.error());
    }
    return load_binance_ticks(symbol, *files, options);
}

}  // namespace ats::hft
