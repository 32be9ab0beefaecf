#include "ats/hft/simulator.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <queue>
#include <random>
#include <tuple>
#include <unordered_map>

#include <fmt/format.h>

#include "ats/core/ids.hpp"
#include "ats/model/bar.hpp"
#include "ats/model/order.hpp"

namespace ats::hft {

TakerQuote walk_book(const L2Book& book, Side side, Qty qty, Price limit) {
    TakerQuote q;
    const Side take = opposite(side);  // a buy takes asks
    if (!qty.is_positive() || book.best_tick(take) == L2Book::kNoBid ||
        book.best_tick(take) == L2Book::kNoAsk) {
        return q;
    }
    q.best = book.to_price(book.best_tick(take));
    Qty left = qty;
    book.walk(take, [&](std::int64_t tick, Qty available) {
        const Price price = book.to_price(tick);
        if (limit.is_positive() && (side == Side::kBuy ? price > limit : price < limit)) {
            return false;
        }
        const Qty take_qty = std::min(left, available);
        q.notional += *notional(price, take_qty, Round::kHalfEven);
        q.filled += take_qty;
        q.last = price;
        ++q.levels;
        left -= take_qty;
        return left.is_positive();
    });
    if (q.filled.is_positive()) {
        q.vwap = q.notional.to_double() / q.filled.to_double();
        const double best = q.best.to_double();
        q.impact_bps = (side == Side::kBuy ? q.vwap - best : best - q.vwap) / best * 1e4;
    }
    return q;
}

Status LatencyModel::validate() const {
    constexpr std::int64_t kMax = 60'000'000'000;  // a minute
    if (constant_ns < 0 || constant_ns > kMax) {
        return make_error(
            ErrorCode::kInvalidArgument,
            fmt::format("latency must be in [0, 60 s], got {} ns", constant_ns));
    }
    for (const auto s : samples_ns) {
        if (s < 0 || s > kMax) {
            return make_error(
                ErrorCode::kInvalidArgument,
                fmt::format("latency sample {} ns is outside [0, 60 s]", s));
        }
    }
    return ok_status();
}

Result<std::vector<LatencyRow>> load_latency_rows(const std::string& path) {
    auto reader = LineReader::open(path);
    if (!reader) {
        return tl::unexpected(reader.error());
    }
    std::vector<LatencyRow> rows;
    std::string line;
    bool header = true;
    constexpr std::int64_t kMax = 60'000'000'000;
    while (true) {
        auto more = reader->next(line);
        if (!more) {
            return tl::unexpected(more.error());
        }
        if (!*more) {
            break;
        }
        if (header) {
            header = false;
            if (line.rfind("request_ns,exchange_ns,response_ns", 0) != 0) {
                return make_error(
                    ErrorCode::kParse,
                    fmt::format(
                        "{}:1: expected the header request_ns,exchange_ns,response_ns", path));
            }
            continue;
        }
        if (line.empty()) {
            continue;
        }
        LatencyRow r;
        std::int64_t* fields[] = {&r.request_ns, &r.exchange_ns, &r.response_ns};
        const char* p = line.data();
        const char* end = line.data() + line.size();
        bool good = true;
        for (std::size_t k = 0; k < 3 && good; ++k) {
            const auto [next, ec] = std::from_chars(p, end, *fields[k]);
            good = ec == std::errc() &&
                   (k == 2 ? (next == end || *next == ',') : next != end && *next == ',');
            p = next + 1;
        }
        if (!good) {
            return make_error(
                ErrorCode::kParse,
                fmt::format(
                    "{}:{}: expected three integers (nanoseconds)", path, reader->line_number()));
        }
        const std::int64_t entry = r.exchange_ns - r.request_ns;
        const std::int64_t response = r.response_ns - r.exchange_ns;
        if (entry < 0 || response < 0 || entry > kMax || response > kMax) {
            return make_error(
                ErrorCode::kInvalidArgument,
                fmt::format(
                    "{}:{}: latencies {} and {} ns must be in [0, 60 s] (clocks out of sync?)",
                    path,
                    reader->line_number(),
                    entry,
                    response));
        }
        rows.push_back(r);
    }
    if (rows.empty()) {
        return make_error(ErrorCode::kInvalidArgument, fmt::format("{}: no rows", path));
    }
    std::stable_sort(rows.begin(), rows.end(), [](const LatencyRow& a, const LatencyRow& b) {
        return a.request_ns < b.request_ns;
    });
    return rows;
}

Status SimConfig::validate() const {
    for (const auto* l : {&entry, &response}) {
        if (auto st = l->validate(); !st) {
            return st;
        }
    }
    if (auto st = queue.validate(); !st) {
        return st;
    }
    for (const double fee : {maker_fee_bps, taker_fee_bps}) {
        if (!std::isfinite(fee) || fee < -100 || fee > 1000) {
            return make_error(
                ErrorCode::kInvalidArgument,
                fmt::format("fees must be in [-100, 1000] bps, got {}", fee));
        }
    }
    if (!tick_size.is_positive() || !lot_size.is_positive()) {
        return make_error(ErrorCode::kInvalidArgument, "tick and lot sizes must be positive");
    }
    for (const auto& r : recorded_latency) {
        if (r.exchange_ns < r.request_ns || r.response_ns < r.exchange_ns ||
            r.exchange_ns - r.request_ns > 60'000'000'000 ||
            r.response_ns - r.exchange_ns > 60'000'000'000) {
            return make_error(
                ErrorCode::kInvalidArgument,
                "recorded latency rows need request <= exchange <= response, within 60 s");
        }
    }
    if (impact_halflife_ns < 0 || impact_halflife_ns > 3'600'000'000'000) {
        return make_error(
            ErrorCode::kInvalidArgument,
            fmt::format("the impact half-life must be in [0, 1 h], got {} ns", impact_halflife_ns));
    }
    if (!initial_cash.is_positive() || initial_cash > Money::from_units(10'000'000'000)) {
        return make_error(
            ErrorCode::kInvalidArgument, "the initial cash must be in (0, 1e10] quote units");
    }
    return risk::validate(risk);
}

namespace {

constexpr std::int64_t kNever = std::numeric_limits<std::int64_t>::max();

enum class ActionKind : std::uint8_t { kArrive, kCancelArrive, kReport, kTimer };
enum class ReportKind : std::uint8_t { kAck, kFill, kDone };

struct Action {
    std::int64_t time = 0;
    std::uint64_t seq = 0;
    ActionKind kind = ActionKind::kArrive;
    ReportKind report = ReportKind::kAck;
    std::uint64_t order = 0;
    std::size_t fill = 0;
    bool operator>(const Action& o) const { return time != o.time ? time > o.time : seq > o.seq; }
};

struct ExchOrder {
    OpenOrder o;
    bool market = false;
    bool arrived = false;
    bool done = false;
    bool cancel_requested = false;
    double traded_at_level = 0;  // trades at the order's price since the level's last update
};

/// Entry (`response` false) or response latency at time `t`.
class Latency {
public:
    Latency(
        const LatencyModel& m,
        const std::vector<LatencyRow>& rows,
        bool response,
        std::int64_t replay_start)
        : m_(m), rows_(rows), response_(response), start_(replay_start), rng_(m.seed) {}

    std::int64_t draw(std::int64_t t) {
        if (!rows_.empty()) {
            return interpolate(t);
        }
        if (m_.samples_ns.empty()) {
            return m_.constant_ns;
        }
        std::uniform_int_distribution<std::size_t> pick(0, m_.samples_ns.size() - 1);
        return m_.samples_ns[pick(rng_)];
    }

private:
    double of(const LatencyRow& r) const {
        return static_cast<double>(
            response_ ? r.response_ns - r.exchange_ns : r.exchange_ns - r.request_ns);
    }

    std::int64_t interpolate(std::int64_t t) const {
        const std::int64_t first = rows_.front().request_ns;
        const std::int64_t span = rows_.back().request_ns - first;
        if (t < first || t > rows_.back().request_ns) {
            // A recording from another period: aligned to the replay's start and repeated.
            t = first + (span > 0 ? ((t - start_) % span + span) % span : 0);
        }
        auto hi = std::lower_bound(
            rows_.begin(), rows_.end(), t, [](const LatencyRow& r, std::int64_t v) {
                return r.request_ns < v;
            });
        if (hi == rows_.begin()) {
            return static_cast<std::int64_t>(of(*hi));
        }
        if (hi == rows_.end()) {
            return static_cast<std::int64_t>(of(rows_.back()));
        }
        const auto lo = hi - 1;
        const double w = hi->request_ns == lo->request_ns
                             ? 0
                             : static_cast<double>(t - lo->request_ns) /
                                   static_cast<double>(hi->request_ns - lo->request_ns);
        return static_cast<std::int64_t>(std::llround(of(*lo) + w * (of(*hi) - of(*lo))));
    }

    LatencyModel m_;
    const std::vector<LatencyRow>& rows_;
    bool response_;
    std::int64_t start_;
    std::mt19937_64 rng_;
};

/// Consumed depth at a level, coming back with a half-life.
struct Impact {
    double qty = 0;
    std::int64_t t = 0;
};

}  // namespace

struct Simulator::Impl {
    Impl(const TickData& d, SimConfig c, L2Book exch, L2Book local)
        : data(d),
          config(std::move(c)),
          exch_book(std::move(exch)),
          local_book(std::move(local)),
          entry(config.entry, config.recorded_latency, false, d.events.front().exch_ns),
          response(config.response, config.recorded_latency, true, d.events.front().exch_ns),
          portfolio(config.initial_cash),
          risk(config.risk) {
        risk.start(config.initial_cash);
    }

    const TickData& data;
    SimConfig config;
    L2Book exch_book;
    L2Book local_book;
    Latency entry;
    Latency response;
    std::vector<ExchOrder> orders;     // by id - 1
    std::vector<std::size_t> resting;  // indices of live orders at the exchange (done ones pruned)
    std::vector<OpenOrder> local_orders;
    std::priority_queue<Action, std::vector<Action>, std::greater<>> actions;
    std::uint64_t seq = 0;
    std::int64_t now_local = 0;
    bool closed = false;  // the recording has ended: no new orders
    SimResult result;
    execution::Portfolio portfolio;  // the local account, from the reports
    risk::RiskManager risk;
    std::unordered_map<std::int64_t, Impact> impacts;  // by tick * 2 + side
    // One-second bars of the local mid for the risk manager.
    std::int64_t bar_second = std::numeric_limits<std::int64_t>::min();
    double bar_open = 0, bar_high = 0, bar_low = 0, bar_close = 0;
    std::uint64_t flatten_order = 0;  // the kill switch's market order in flight
    // The replay loop's position (stepwise runs keep it between advance() calls).
    HftStrategy* running = nullptr;
    std::size_t ei = 0;
    std::size_t li = 0;
    std::int64_t last_sample = std::numeric_limits<std::int64_t>::min() / 2;

    void schedule(Action a) {
        a.seq = seq++;
        actions.push(a);
    }

    Money fee_of(Money notional, double bps) const {
        auto f = Money::from_double(notional.to_double() * bps / 1e4, Round::kHalfEven);
        return f ? *f : Money{};
    }

    void fill(ExchOrder& x, Price price, Qty qty, bool maker, std::int64_t t) {
        const Money value = *notional(price, qty, Round::kHalfEven);
        SimFill f;
        f.order_id = x.o.id;
        f.side = x.o.side;
        f.price = price;
        f.qty = qty;
        f.maker = maker;
        f.fee = fee_of(value, maker ? config.maker_fee_bps : config.taker_fee_bps);
        f.sent_ns = x.o.sent_local_ns;
        f.mid = exch_book.mid();
        f.exch_ns = t;
        f.local_ns = t + response.draw(t);
        x.o.filled += qty;
        OrderRecord& rec = result.orders[x.o.id - 1];
        rec.filled += qty;
        if (rec.first_fill_ns < 0) {
            rec.first_fill_ns = t;
        }
        if (x.o.side == Side::kBuy) {
            result.position += qty;
            result.cash -= value;
        } else {
            result.position -= qty;
            result.cash += value;
        }
        result.cash -= f.fee;
        result.fees += f.fee;
        ++(maker ? result.maker_fills : result.taker_fills);
        result.fills.push_back(f);
        Action a;
        a.time = f.local_ns;
        a.kind = ActionKind::kReport;
        a.report = ReportKind::kFill;
        a.order = x.o.id;
        a.fill = result.fills.size() - 1;
        schedule(a);
        if (x.o.filled >= x.o.qty) {
            x.done = true;
        }
    }

    void report_done(const ExchOrder& x, std::int64_t t) {
        Action a;
        a.time = t + response.draw(t);
        a.kind = ActionKind::kReport;
        a.report = ReportKind::kDone;
        a.order = x.o.id;
        schedule(a);
    }

    // What remains of our earlier consumption at a level (0 without self-impact).
    double residual(Side side, std::int64_t tick, std::int64_t t) {
        if (config.impact_halflife_ns == 0) {
            return 0;
        }
        const auto it = impacts.find(tick * 2 + (side == Side::kBuy ? 0 : 1));
        if (it == impacts.end()) {
            return 0;
        }
        const double age = static_cast<double>(t - it->second.t);
        return it->second.qty * std::exp2(-age / static_cast<double>(config.impact_halflife_ns));
    }

    // Takes liquidity for `x` up to its limit (market: no limit); one fill per level. With
    // self-impact, each level shows its recorded quantity less what we consumed there, decayed.
    void take(ExchOrder& x, std::int64_t t) {
        const Side take_side = opposite(x.o.side);
        Qty left = x.o.qty - x.o.filled;
        std::vector<std::tuple<std::int64_t, Price, Qty>> levels;
        exch_book.walk(take_side, [&](std::int64_t tick, Qty available) {
            const Price price = exch_book.to_price(tick);
            if (!x.market && (x.o.side == Side::kBuy ? price > x.o.price : price < x.o.price)) {
                return false;
            }
            const double gone = residual(take_side, tick, t);
            const Qty shown =
                gone > 0 ? std::min(available, lot_floor(available.to_double() - gone)) : available;
            const Qty q = std::min(left, shown);
            if (q.is_positive()) {
                levels.emplace_back(tick, price, q);
                left -= q;
            }
            return left.is_positive();
        });
        for (const auto& [tick, price, q] : levels) {
            if (config.impact_halflife_ns > 0) {
                const double before = residual(take_side, tick, t);
                impacts[tick * 2 + (take_side == Side::kBuy ? 0 : 1)] =
                    Impact{before + q.to_double(), t};
            }
            fill(x, price, q, false, t);
        }
    }

    void arrive(ExchOrder& x, std::int64_t t) {
        x.arrived = true;
        OrderRecord& rec = result.orders[x.o.id - 1];
        rec.arrive_ns = t;
        if (!x.market) {
            const std::int64_t own = exch_book.to_tick(x.o.price);
            const std::int64_t best = exch_book.best_tick(x.o.side);
            if (best != L2Book::kNoBid && best != L2Book::kNoAsk) {
                rec.touch_ticks = x.o.side == Side::kBuy ? best - own : own - best;
            }
        }
        if (x.cancel_requested) {
            x.done = true;
            report_done(x, t);
            return;
        }
        take(x, t);
        if (x.done) {
            return;
        }
        if (x.market) {  // the rest of a market order that emptied the book: canceled (IOC)
            x.done = true;
            report_done(x, t);
            return;
        }
        // Rests at the back of its level's queue.
        x.o.live = true;
        resting.push_back(x.o.id - 1);
        x.o.queue_ahead = exch_book.qty_at(x.o.side, exch_book.to_tick(x.o.price)).to_double();
        rec.rested = true;
        rec.queue_at_arrival = x.o.queue_ahead;
        Action a;
        a.time = t + response.draw(t);
        a.kind = ActionKind::kReport;
        a.report = ReportKind::kAck;
        a.order = x.o.id;
        schedule(a);
    }

    Qty lot_floor(double qty) const {
        const auto lots = std::floor(qty / config.lot_size.to_double() + 1e-9);
        return lots <= 0 ? Qty{} : config.lot_size * static_cast<std::int64_t>(lots);
    }

    void prune() {
        std::erase_if(resting, [&](std::size_t k) { return orders[k].done; });
    }

    void on_exchange_event(const MarketEvent& e) {
        const std::int64_t t = e.exch_ns;
        prune();
        if (is_depth(e.kind)) {
            const std::int64_t tick = exch_book.to_tick(e.price);
            const Side side = e.side();
            const double before = exch_book.qty_at(side, tick).to_double();
            exch_book.set(side, tick, e.qty);
            for (const std::size_t k : resting) {
                auto& x = orders[k];
                if (x.o.live && !x.done && x.o.side == side &&
                    exch_book.to_tick(x.o.price) == tick) {
                    x.o.queue_ahead = config.queue.on_depth(
                        x.o.queue_ahead, before, e.qty.to_double(), x.traded_at_level);
                    x.traded_at_level = 0;
                }
            }
            if (e.end_of_batch) {
                // The other side moved through a resting order: it would have matched.
                for (const std::size_t k : resting) {
                    auto& x = orders[k];
                    if (!x.o.live || x.done) {
                        continue;
                    }
                    const Side other = opposite(x.o.side);
                    const std::int64_t best = exch_book.best_tick(other);
                    if (best == L2Book::kNoBid || best == L2Book::kNoAsk) {
                        continue;
                    }
                    const std::int64_t own = exch_book.to_tick(x.o.price);
                    if (x.o.side == Side::kBuy ? best <= own : best >= own) {
                        fill(x, x.o.price, x.o.qty - x.o.filled, true, t);
                    }
                }
            }
            return;
        }
        // A trade: the aggressor's side takes the other side's orders.
        const Side aggressed = e.kind == EventKind::kTradeBuy ? Side::kSell : Side::kBuy;
        for (const std::size_t k : resting) {
            auto& x = orders[k];
            if (!x.o.live || x.done || x.o.side != aggressed) {
                continue;
            }
            const bool through =
                aggressed == Side::kBuy ? e.price < x.o.price : e.price > x.o.price;
            if (through) {
                fill(x, x.o.price, x.o.qty - x.o.filled, true, t);
                continue;
            }
            if (e.price != x.o.price) {
                continue;
            }
            const double q = e.qty.to_double();
            x.traded_at_level += q;
            x.o.queue_ahead -= q;
            if (x.o.queue_ahead >= 0) {
                continue;
            }
            const Qty rest = x.o.qty - x.o.filled;
            const Qty got = config.fill == FillModel::kNoPartial
                                ? rest
                                : std::min(rest, lot_floor(-x.o.queue_ahead));
            x.o.queue_ahead = 0;
            if (got.is_positive()) {
                fill(x, x.o.price, got, true, t);
            }
        }
    }

    Status failure = ok_status();  // a broken invariant stops the run with this error

    void on_report(const Action& a, HftStrategy& strategy, SimContext& ctx) {
        auto it = std::find_if(local_orders.begin(), local_orders.end(), [&](const OpenOrder& o) {
            return o.id == a.order;
        });
        if (a.report == ReportKind::kFill) {
            const SimFill& f = result.fills[a.fill];
            auto id = ClientOrderId::parse(fmt::format("hft-{}", f.order_id));
            model::Fill booked{
                *id,
                data.symbol,
                f.side,
                f.qty,
                f.price,
                f.fee,
                f.maker,
                Timestamp::from_unix_ns(f.local_ns),
                Qty{}};
            if (auto st = portfolio.apply_fill(booked); !st) {
                failure = st;
                return;
            }
            bool done = false;
            OpenOrder copy;
            if (it != local_orders.end()) {
                it->filled += f.qty;
                done = it->filled >= it->qty;
                copy = *it;
                if (done) {
                    local_orders.erase(it);
                }
            }
            strategy.on_fill(ctx, f);
            if (done) {
                strategy.on_order_update(ctx, copy, true);
            }
            if (f.order_id == flatten_order && done) {
                flatten_order = 0;
            }
            keep_flat();
            return;
        }
        if (it == local_orders.end()) {
            return;  // already done locally (filled in full before the report came)
        }
        if (a.report == ReportKind::kAck) {
            it->live = true;
            result.orders[a.order - 1].ack_ns = a.time;
            strategy.on_order_update(ctx, *it, false);
            return;
        }
        const OpenOrder copy = *it;
        local_orders.erase(it);
        if (a.order == flatten_order) {
            flatten_order = 0;
        }
        strategy.on_order_update(ctx, copy, true);
        keep_flat();
    }

    Price local_mid() const {
        if (!local_book.has_bid() || !local_book.has_ask()) {
            return Price{};
        }
        auto mid = Price::from_double(local_book.mid(), Round::kHalfEven);
        return mid ? *mid : Price{};
    }

    // The engine's pre-trade check; nullopt when the order may go.
    std::optional<std::string> risk_check(Side side, Qty qty, bool market, Price price) {
        const Qty pos = portfolio.position_qty(data.symbol);
        const bool reduces = (side == Side::kSell && pos.is_positive() && qty <= pos) ||
                             (side == Side::kBuy && pos.is_negative() && qty <= -pos);
        const Timestamp now = Timestamp::from_unix_ns(now_local);
        const model::RiskCheck check{
            now,
            now,
            model::OrderRequest{
                data.symbol,
                side,
                market ? model::OrderType::kMarket : model::OrderType::kLimit,
                qty,
                market ? std::nullopt : std::optional<Price>(price),
                std::nullopt,
                reduces,
                0},
            std::nullopt,
            reduces ? model::OrderPurpose::kExit : model::OrderPurpose::kEntry,
            {}};
        risk::AccountView view;
        view.equity = portfolio.equity();
        view.position = pos;
        view.reference_price = market ? local_mid() : price;
        view.open_orders = local_orders.size();
        view.gross_exposure = portfolio.gross_exposure();
        if (!view.reference_price.is_positive()) {
            return std::nullopt;  // no mid yet: nothing to measure notional against
        }
        return risk.check(check, view, now);
    }

    std::uint64_t send(Side side, Price price, Qty qty, bool market) {
        // Quantities up to 1e12 units: no notional can overflow; nothing is sent after the data.
        const bool bad_qty = !qty.is_positive() || qty.raw() % config.lot_size.raw() != 0 ||
                             qty > *Qty::parse("1000000000000") || closed;
        const bool bad_price = !market && (!price.is_positive() || !exch_book.on_tick(price));
        if (bad_qty || bad_price) {
            ++result.orders_refused;
            return 0;
        }
        if (auto why = risk_check(side, qty, market, price)) {
            ++result.orders_refused;
            ++result.risk_rejections;
            if (result.first_rejection.empty()) {
                result.first_rejection = *why;
            }
            return 0;
        }
        ExchOrder x;
        x.o.id = orders.size() + 1;
        x.o.side = side;
        x.o.price = price;
        x.o.qty = qty;
        x.o.sent_local_ns = now_local;
        x.market = market;
        orders.push_back(x);
        local_orders.push_back(x.o);
        OrderRecord rec;
        rec.id = x.o.id;
        rec.side = side;
        rec.market = market;
        rec.price = price;
        rec.qty = qty;
        rec.sent_ns = now_local;
        result.orders.push_back(rec);
        ++result.orders_sent;
        Action a;
        a.time = now_local + entry.draw(now_local);
        a.kind = ActionKind::kArrive;
        a.order = x.o.id;
        schedule(a);
        return x.o.id;
    }

    // After the kill switch: every working order canceled, the position closed at market (and
    // closed again if a fill in flight reopens it).
    void keep_flat() {
        if (!risk.halted() || flatten_order != 0 || closed) {
            return;
        }
        const Qty pos = portfolio.position_qty(data.symbol);
        const Qty size = lot_floor(std::abs(pos.to_double()));
        if (size.is_positive()) {
            flatten_order = send(pos.is_positive() ? Side::kSell : Side::kBuy, Price{}, size, true);
        }
    }

    // One-second bars of the local mid feed the risk manager (drawdown kill switch, daily loss).
    void on_local_mid(std::int64_t t) {
        const Price mid = local_mid();
        if (!mid.is_positive()) {
            return;
        }
        const double m = mid.to_double();
        const std::int64_t second = t / 1'000'000'000;
        if (second != bar_second) {
            if (bar_second != std::numeric_limits<std::int64_t>::min()) {
                close_bar();
            }
            bar_second = second;
            bar_open = bar_high = bar_low = m;
        }
        bar_high = std::max(bar_high, m);
        bar_low = std::min(bar_low, m);
        bar_close = m;
    }

    void close_bar() {
        const auto px = [](double v) {
            auto p = Price::from_double(v, Round::kHalfEven);
            return p ? *p : Price{};
        };
        model::Bar bar;
        bar.open_time = Timestamp::from_unix_ns(bar_second * 1'000'000'000);
        bar.close_time = Timestamp::from_unix_ns((bar_second + 1) * 1'000'000'000 - 1);
        bar.open = px(bar_open);
        bar.high = px(bar_high);
        bar.low = px(bar_low);
        bar.close = px(bar_close);
        portfolio.mark(data.symbol, bar.close);
        const bool was = risk.halted();
        risk.on_bar(data.symbol, bar, portfolio.equity(), bar.close_time);
        if (risk.halted() && !was) {
            result.halted = true;
            result.halt_reason = risk.halt_reason();
            result.halt_ns = now_local;
            for (const auto& o : local_orders) {
                if (o.id != flatten_order) {
                    cancel(o.id);
                }
            }
            keep_flat();
        }
    }

    void cancel(std::uint64_t id) {
        if (id == 0 || id > orders.size()) {
            return;
        }
        if (result.orders[id - 1].cancel_ns < 0) {
            result.orders[id - 1].cancel_ns = now_local;
        }
        Action a;
        a.time = now_local + entry.draw(now_local);
        a.kind = ActionKind::kCancelArrive;
        a.order = id;
        schedule(a);
    }
};

std::int64_t SimContext::now() const noexcept {
    return sim_.impl_->now_local;
}
const L2Book& SimContext::book() const noexcept {
    return sim_.impl_->local_book;
}
Qty SimContext::position() const noexcept {
    return sim_.impl_->portfolio.position_qty(sim_.impl_->data.symbol);
}
Money SimContext::cash() const noexcept {
    return sim_.impl_->portfolio.cash();
}
const execution::Portfolio& SimContext::portfolio() const noexcept {
    return sim_.impl_->portfolio;
}
bool SimContext::halted() const noexcept {
    return sim_.impl_->risk.halted();
}
void SimContext::set_timer(std::int64_t at_ns) {
    auto& s = *sim_.impl_;
    if (s.closed) {
        return;
    }
    Action a;
    a.time = std::max(at_ns, s.now_local);
    a.kind = ActionKind::kTimer;
    s.schedule(a);
}
const std::vector<OpenOrder>& SimContext::orders() const noexcept {
    return sim_.impl_->local_orders;
}
std::uint64_t SimContext::limit(Side side, Price price, Qty qty) {
    return sim_.impl_->send(side, price, qty, false);
}
std::uint64_t SimContext::market(Side side, Qty qty) {
    return sim_.impl_->send(side, Price{}, qty, true);
}
void SimContext::cancel(std::uint64_t id) {
    sim_.impl_->cancel(id);
}

Simulator::~Simulator() = default;

Result<std::unique_ptr<Simulator>> Simulator::create(const TickData& data, SimConfig config) {
    if (auto st = config.validate(); !st) {
        return tl::unexpected(st.error());
    }
    if (data.snapshot_bids.empty() || data.snapshot_asks.empty()) {
        return make_error(ErrorCode::kInvalidArgument, "the snapshot needs bids and asks");
    }
    // A dense region of +-1% around the snapshot's touch (at most L2Book::kMaxRoiTicks wide);
    // levels beyond it live in the book's sorted maps.
    const Price mid = data.snapshot_bids.front().price;
    const std::int64_t half =
        std::min(mid.raw() / 100, config.tick_size.raw() * (L2Book::kMaxRoiTicks / 2 - 1));
    const Price lo = Price::from_raw(std::max<std::int64_t>(mid.raw() - half, 0));
    const Price hi = Price::from_raw(mid.raw() + half);
    auto exch = L2Book::create(config.tick_size, lo, hi);
    if (!exch) {
        return tl::unexpected(exch.error());
    }
    auto local = *exch;
    for (auto* book : {&*exch, &local}) {
        for (const auto& l : data.snapshot_bids) {
            if (!book->on_tick(l.price)) {
                return make_error(
                    ErrorCode::kInvalidArgument,
                    fmt::format(
                        "snapshot price {} is not on the tick {}",
                        l.price.to_string(),
                        config.tick_size.to_string()));
            }
            book->set(Side::kBuy, book->to_tick(l.price), l.qty);
        }
        for (const auto& l : data.snapshot_asks) {
            if (!book->on_tick(l.price)) {
                return make_error(
                    ErrorCode::kInvalidArgument,
                    fmt::format(
                        "snapshot price {} is not on the tick {}",
                        l.price.to_string(),
                        config.tick_size.to_string()));
            }
            book->set(Side::kSell, book->to_tick(l.price), l.qty);
        }
    }
    std::unique_ptr<Simulator> sim(new Simulator());
    sim->impl_ =
        std::make_unique<Impl>(data, std::move(config), std::move(*exch), std::move(local));
    return sim;
}

Status Simulator::begin(HftStrategy& strategy) {
    Impl& s = *impl_;
    if (s.running != nullptr) {
        return make_error(ErrorCode::kFailedPrecondition, "the simulator has already run");
    }
    s.running = &strategy;
    s.now_local = s.data.snapshot_local_ns;
    return ok_status();
}

SimContext Simulator::context() {
    return SimContext(*this);
}

std::int64_t Simulator::now() const noexcept {
    return impl_->now_local;
}

Result<bool> Simulator::advance(std::int64_t until_ns) {
    Impl& s = *impl_;
    if (s.running == nullptr) {
        return make_error(ErrorCode::kFailedPrecondition, "advance() before begin()");
    }
    HftStrategy& strategy = *s.running;
    SimContext ctx(*this);
    const auto& events = s.data.events;
    const auto& local_order = s.data.local_order;
    std::size_t& ei = s.ei;
    std::size_t& li = s.li;
    while (ei < events.size() || li < local_order.size() || !s.actions.empty()) {
        s.closed = ei == events.size() && li == local_order.size();
        const std::int64_t t_ex = ei < events.size() ? events[ei].exch_ns : kNever;
        const std::int64_t t_act = s.actions.empty() ? kNever : s.actions.top().time;
        const std::int64_t t_lo =
            li < local_order.size() ? events[local_order[li]].local_ns : kNever;
        if (std::min({t_ex, t_act, t_lo}) > until_ns) {
            s.now_local = std::max(s.now_local, until_ns);
            return true;
        }
        if (t_ex <= t_act && t_ex <= t_lo) {
            const auto& e = events[ei++];
            if (!s.exch_book.on_tick(e.price)) {
                return make_error(
                    ErrorCode::kInvalidArgument,
                    fmt::format(
                        "price {} is not on the tick {}",
                        e.price.to_string(),
                        s.config.tick_size.to_string()));
            }
            s.on_exchange_event(e);
            ++s.result.events;
            if (e.exch_ns - s.last_sample >= 1'000'000'000 && s.exch_book.has_bid() &&
                s.exch_book.has_ask()) {
                s.last_sample = e.exch_ns;
                const double mid = s.exch_book.mid();
                const double pos = s.result.position.to_double();
                s.result.samples.push_back(
                    SimSample{e.exch_ns, mid, pos, s.result.cash.to_double() + pos * mid});
            }
        } else if (t_act <= t_lo) {
            const Action a = s.actions.top();
            s.actions.pop();
            if (a.kind == ActionKind::kTimer) {
                if (!s.closed) {
                    s.now_local = std::max(s.now_local, a.time);
                    strategy.on_timer(ctx, s.now_local);
                }
                continue;
            }
            ExchOrder& x = s.orders[a.order - 1];
            if (a.kind == ActionKind::kArrive) {
                s.arrive(x, a.time);
            } else if (a.kind == ActionKind::kCancelArrive) {
                if (!x.arrived) {
                    x.cancel_requested = true;
                } else if (!x.done) {
                    x.done = true;
                    x.o.live = false;
                    s.report_done(x, a.time);
                }
            } else {
                s.now_local = std::max(s.now_local, a.time);
                s.on_report(a, strategy, ctx);
                if (!s.failure) {
                    return tl::unexpected(s.failure.error());
                }
            }
        } else {
            const auto& e = events[local_order[li++]];
            s.now_local = std::max(s.now_local, e.local_ns);
            if (is_depth(e.kind)) {
                s.local_book.set(e.side(), s.local_book.to_tick(e.price), e.qty);
            }
            if (e.end_of_batch) {
                s.on_local_mid(s.now_local);
                strategy.on_market(ctx, e);
                if (is_depth(e.kind)) {
                    strategy.on_depth(ctx, e);
                } else {
                    strategy.on_trade(ctx, e);
                }
            }
        }
    }
    s.closed = true;
    return false;
}

SimResult Simulator::finish() const {
    const Impl& s = *impl_;
    SimResult out = s.result;
    out.final_mid = s.exch_book.mid();
    out.equity_change = out.cash.to_double() + out.position.to_double() * out.final_mid;
    for (const auto& f : out.fills) {
        const double edge =
            f.side == Side::kBuy ? f.mid - f.price.to_double() : f.price.to_double() - f.mid;
        out.spread_capture += edge * f.qty.to_double();
    }
    out.inventory_pnl = out.equity_change + out.fees.to_double() - out.spread_capture;
    out.local_cash = s.portfolio.cash() - s.config.initial_cash;
    out.local_position = s.portfolio.position_qty(s.data.symbol);
    return out;
}

Result<SimResult> Simulator::run(HftStrategy& strategy) {
    if (auto st = begin(strategy); !st) {
        return tl::unexpected(st.error());
    }
    auto done = advance(kNever);
    if (!done) {
        return tl::unexpected(done.error());
    }
    return finish();
}

}  // namespace ats::hft
