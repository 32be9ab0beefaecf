#include "src/hft_sim_command.hpp"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <tuple>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "ats/backtest/outputs.hpp"
#include "ats/hft/calibration.hpp"
#include "ats/hft/market_maker.hpp"
#include "ats/hft/simulator.hpp"
#include "ats/hft/tick_data.hpp"
#include "ats/store/sqlite_state_store.hpp"

#include "src/cli_common.hpp"
#include "src/exit_codes.hpp"

namespace ats::cli {
namespace {

namespace fs = std::filesystem;

Result<std::int64_t> ms_to_ns(const char* flag, double ms) {
    if (!std::isfinite(ms) || ms < 0 || ms > 60'000) {
        return make_error(
            ErrorCode::kInvalidArgument,
            fmt::format("{} must be in [0, 60000] ms, got {}", flag, ms));
    }
    return static_cast<std::int64_t>(std::llround(ms * 1e6));
}

Result<hft::QueueModel> parse_queue(const std::string& text) {
    if (text == "risk-averse") {
        return hft::QueueModel{hft::QueueKind::kRiskAverse, 0};
    }
    if (text == "log") {
        return hft::QueueModel{hft::QueueKind::kLog, 0};
    }
    if (text.rfind("power:", 0) == 0) {
        try {
            std::size_t used = 0;
            const double n = std::stod(text.substr(6), &used);
            if (used == text.size() - 6) {
                hft::QueueModel m{hft::QueueKind::kPower, n};
                if (auto st = m.validate(); !st) {
                    return tl::unexpected(st.error());
                }
                return m;
            }
        } catch (const std::exception&) {
        }
    }
    return make_error(
        ErrorCode::kInvalidArgument,
        fmt::format("--queue '{}': risk-averse, power:N (0 < N <= 10) or log", text));
}

template <class T>
Result<T> parse_fixed(const char* flag, const std::string& text) {
    auto v = T::parse(text);
    if (!v || !v->is_positive()) {
        return make_error(
            ErrorCode::kInvalidArgument,
            fmt::format("{} '{}' must be a positive number", flag, text));
    }
    return *v;
}

std::string escape_html(const std::string& text) {
    std::string out;
    for (const char c : text) {
        switch (c) {
            case '<':
                out += "&lt;";
                break;
            case '>':
                out += "&gt;";
                break;
            case '&':
                out += "&amp;";
                break;
            case '"':
                out += "&quot;";
                break;
            default:
                out += c;
        }
    }
    return out;
}

bool is_database(const std::string& path) {
    return path.ends_with(".db") || path.ends_with(".sqlite") || path.ends_with(".sqlite3");
}

Result<std::unique_ptr<store::SqliteStateStore>> open_session(const std::string& path) {
    store::StateStoreOptions o;
    o.read_only = true;
    o.create = false;
    return store::SqliteStateStore::open(path, o);
}

/// Recorded order latencies: a CSV of rows, or the `order_latency` table of an `ats live` state.
Result<std::vector<hft::LatencyRow>> latency_rows(const std::string& path) {
    if (!is_database(path)) {
        return hft::load_latency_rows(path);
    }
    auto db = open_session(path);
    if (!db) {
        return tl::unexpected(db.error());
    }
    auto rows = (*db)->order_latencies();
    if (!rows) {
        return tl::unexpected(rows.error());
    }
    std::vector<hft::LatencyRow> out;
    for (const auto& r : *rows) {
        out.push_back(hft::LatencyRow{r.request_ns, r.exchange_ns, r.response_ns});
    }
    if (out.empty()) {
        return make_error(
            ErrorCode::kInvalidArgument,
            fmt::format("--latency-file {}: the session recorded no order latencies", path));
    }
    std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
        return a.request_ns < b.request_ns;
    });
    return out;
}

/// The limit orders of `symbol` in a recorded session, with their fate.
Result<std::vector<hft::RecordedOrder>> recorded_orders(
    const std::string& path, const Symbol& symbol) {
    auto db = open_session(path);
    if (!db) {
        return tl::unexpected(db.error());
    }
    auto orders = (*db)->orders();
    if (!orders) {
        return tl::unexpected(orders.error());
    }
    auto times = (*db)->order_times();
    if (!times) {
        return tl::unexpected(times.error());
    }
    std::map<std::string, store::OrderTimes> by_id;
    for (auto& t : *times) {
        by_id.emplace(t.order_id, t);
    }
    std::vector<hft::RecordedOrder> out;
    for (const auto& o : *orders) {
        const auto it = by_id.find(o.id.str());
        if (o.request.symbol != symbol || o.request.type != model::OrderType::kLimit ||
            !o.request.limit_price || it == by_id.end() || it->second.placed_ns < 0) {
            continue;
        }
        out.push_back(hft::RecordedOrder{
            it->second.placed_ns,
            o.request.side,
            *o.request.limit_price,
            o.request.qty,
            o.filled_qty,
            it->second.first_fill_ns,
            it->second.canceled_ns});
    }
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
        return a.placed_ns < b.placed_ns;
    });
    if (out.empty()) {
        return make_error(
            ErrorCode::kInvalidArgument,
            fmt::format("--calibrate {}: no placed {} limit orders in the session", path, symbol));
    }
    return out;
}

/// The simulated session as a state database in `ats live`'s format (orders, their events,
/// fills and the round trips of resting orders), so it can be inspected like a live one or
/// given to --calibrate and --latency-file.
Status write_session(const std::string& path, const hft::SimResult& r, const Symbol& symbol) {
    std::error_code ec;
    fs::remove(path, ec);
    auto opened = store::SqliteStateStore::open(path);
    if (!opened) {
        return tl::unexpected(opened.error());
    }
    store::SqliteStateStore& db = **opened;
    std::vector<std::vector<const hft::SimFill*>> fills(r.orders.size());
    for (const auto& f : r.fills) {
        fills[f.order_id - 1].push_back(&f);
    }
    for (const auto& o : r.orders) {
        auto id = ClientOrderId::parse(fmt::format("hft-{}", o.id));
        const model::OrderRequest request{
            symbol,
            o.side,
            o.market ? model::OrderType::kMarket : model::OrderType::kLimit,
            o.qty,
            o.market ? std::nullopt : std::optional<Price>(o.price),
            std::nullopt,
            false,
            0};
        const Timestamp sent = Timestamp::from_unix_ns(o.sent_ns);
        if (auto st = db.record_order_intent(model::Order(*id, request, sent), std::nullopt); !st) {
            return st;
        }
        if (auto st = db.append(model::OrderPlaced{sent, sent, *id, request}); !st) {
            return st;
        }
        if (o.arrive_ns >= 0 && o.ack_ns >= 0) {
            const store::OrderLatency l{id->str(), o.sent_ns, o.arrive_ns, o.ack_ns};
            if (auto st = db.record_order_latency(l); !st) {
                return st;
            }
        }
        Qty got;
        for (const auto* f : fills[o.id - 1]) {
            got += f->qty;
            const Timestamp heard = Timestamp::from_unix_ns(f->local_ns);
            const model::Fill fill{
                *id, symbol, f->side, f->qty, f->price, f->fee, f->maker, heard, Qty{}};
            if (auto st = db.append(model::OrderFilled{heard, heard, fill, got >= o.qty}); !st) {
                return st;
            }
        }
        if (o.cancel_ns >= 0 && got < o.qty) {
            const Timestamp at = Timestamp::from_unix_ns(o.cancel_ns);
            if (auto st = db.append(model::OrderCanceled{at, at, *id, symbol, {}}); !st) {
                return st;
            }
        }
    }
    return db.commit();
}

/// Values for a histogram: every order's entry latency and round trip (ms), the feed latency of
/// a sample of events (ms).
nlohmann::json latency_series(const hft::SimResult& r, const hft::TickData& data) {
    std::vector<double> entry;
    std::vector<double> round_trip;
    for (const auto& o : r.orders) {
        if (o.arrive_ns >= 0) {
            entry.push_back(static_cast<double>(o.arrive_ns - o.sent_ns) / 1e6);
        }
        if (o.ack_ns >= 0) {
            round_trip.push_back(static_cast<double>(o.ack_ns - o.sent_ns) / 1e6);
        }
    }
    std::vector<double> feed;
    const std::size_t step = std::max<std::size_t>(1, data.events.size() / 20'000);
    for (std::size_t i = 0; i < data.events.size(); i += step) {
        feed.push_back(static_cast<double>(data.events[i].local_ns - data.events[i].exch_ns) / 1e6);
    }
    return {{"entry", entry}, {"round_trip", round_trip}, {"feed", feed}};
}

Status write_outputs(
    const std::string& dir,
    const hft::SimResult& r,
    const hft::TickData& data,
    const std::optional<hft::Calibration>& calibration,
    const std::string& title) {
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) {
        return make_error(ErrorCode::kIo, fmt::format("--output {}: {}", dir, ec.message()));
    }
    {
        std::ofstream f(fs::path(dir) / "fills.csv");
        f << "order_id,side,price,qty,fee,maker,sent_ns,exch_ns,local_ns\n";
        for (const auto& x : r.fills) {
            f << x.order_id << ',' << (x.side == Side::kBuy ? "buy" : "sell") << ','
              << x.price.to_string() << ',' << x.qty.to_string() << ',' << x.fee.to_string() << ','
              << (x.maker ? 1 : 0) << ',' << x.sent_ns << ',' << x.exch_ns << ',' << x.local_ns
              << '\n';
        }
        if (!f) {
            return make_error(ErrorCode::kIo, fmt::format("{}/fills.csv: write failed", dir));
        }
    }
    {
        std::ofstream f(fs::path(dir) / "orders.csv");
        f << "order_id,side,type,price,qty,filled,sent_ns,arrive_ns,ack_ns,first_fill_ns,"
             "cancel_ns,touch_ticks,queue_at_arrival\n";
        for (const auto& o : r.orders) {
            f << o.id << ',' << (o.side == Side::kBuy ? "buy" : "sell") << ','
              << (o.market ? "market" : "limit") << ','
              << (o.market ? std::string() : o.price.to_string()) << ',' << o.qty.to_string() << ','
              << o.filled.to_string() << ',' << o.sent_ns << ',' << o.arrive_ns << ',' << o.ack_ns
              << ',' << o.first_fill_ns << ',' << o.cancel_ns << ','
              << (o.rested ? std::to_string(o.touch_ticks) : std::string()) << ','
              << (o.rested ? fmt::format("{}", o.queue_at_arrival) : std::string()) << '\n';
        }
        if (!f) {
            return make_error(ErrorCode::kIo, fmt::format("{}/orders.csv: write failed", dir));
        }
    }
    nlohmann::json d;
    std::vector<double> t;
    std::vector<double> mid;
    std::vector<double> pos;
    std::vector<double> eq;
    for (const auto& s : r.samples) {
        t.push_back(static_cast<double>(s.exch_ns / 1'000'000));
        mid.push_back(s.mid);
        pos.push_back(s.position);
        eq.push_back(s.equity);
    }
    std::vector<double> bt, bp, st, sp;
    for (const auto& x : r.fills) {
        (x.side == Side::kBuy ? bt : st).push_back(static_cast<double>(x.exch_ns / 1'000'000));
        (x.side == Side::kBuy ? bp : sp).push_back(x.price.to_double());
    }
    d["t"] = t;
    d["mid"] = mid;
    d["pos"] = pos;
    d["eq"] = eq;
    d["buys"] = {{"t", bt}, {"p", bp}};
    d["sells"] = {{"t", st}, {"p", sp}};
    d["lat"] = latency_series(r, data);
    const auto ratios = hft::fill_ratios(r);
    std::vector<std::string> names;
    std::vector<double> ratio;
    std::vector<std::size_t> counts;
    for (int b = 0; b < hft::kDistanceBuckets; ++b) {
        names.emplace_back(hft::distance_bucket_name(b));
        counts.push_back(ratios.orders[b]);
        ratio.push_back(
            ratios.orders[b] > 0
                ? static_cast<double>(ratios.filled[b]) / static_cast<double>(ratios.orders[b])
                : 0.0);
    }
    d["dist"] = {{"names", names}, {"ratio", ratio}, {"orders", counts}};
    d["wait"] = ratios.queue_wait_s;
    d["parts"] = {
        {"names", {"spread capture", "inventory", "fees", "total"}},
        {"values", {r.spread_capture, r.inventory_pnl, -r.fees.to_double(), r.equity_change}}};
    std::string summary = fmt::format(
        "<table><tr><th>orders sent</th><td>{}</td><th>refused</th><td>{} ({} by risk)</td></tr>"
        "<tr><th>fills</th><td>{} ({} maker, {} taker)</td><th>fees</th><td>{}</td></tr>"
        "<tr><th>P&amp;L</th><td>{:.4f}</td><th>position</th><td>{}</td></tr>"
        "<tr><th>spread capture</th><td>{:.4f}</td><th>inventory</th><td>{:.4f}</td></tr>"
        "<tr><th>kill switch</th><td colspan=3>{}</td></tr></table>",
        r.orders_sent,
        r.orders_refused,
        r.risk_rejections,
        r.fills.size(),
        r.maker_fills,
        r.taker_fills,
        r.fees.to_string(),
        r.equity_change,
        r.position.to_string(),
        r.spread_capture,
        r.inventory_pnl,
        r.halted ? escape_html(r.halt_reason) : std::string("not fired"));
    if (calibration) {
        summary += fmt::format(
            "<h2>Calibration against the recorded session</h2><p>{} recorded limit orders "
            "replayed ({} outside the recording skipped).</p><table><tr><th>distance from "
            "touch (ticks)</th><th>orders</th><th>filled there</th><th>filled here</th>"
            "<th>mean wait there (s)</th><th>mean wait here (s)</th></tr>",
            calibration->replayed,
            calibration->outside);
        for (const auto& row : calibration->rows) {
            const auto pct = [&](std::size_t n) {
                return row.orders > 0
                           ? 100.0 * static_cast<double>(n) / static_cast<double>(row.orders)
                           : 0.0;
            };
            summary += fmt::format(
                "<tr><td>{}</td><td>{}</td><td>{:.1f}%</td><td>{:.1f}%</td><td>{:.2f}</td>"
                "<td>{:.2f}</td></tr>",
                row.bucket,
                row.orders,
                pct(row.real_filled),
                pct(row.sim_filled),
                row.real_wait_s,
                row.sim_wait_s);
        }
        summary += "</table>";
    }
    auto plotly = backtest::read_plotly(plotly_js_path());
    std::string html =
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>" + title +
        "</title><style>body{font-family:system-ui,sans-serif;margin:20px}.chart{width:100%;"
        "height:380px}.half{width:49%;height:320px;display:inline-block}table{border-collapse:"
        "collapse;margin:8px 0}td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}"
        "</style><script>" +
        (plotly ? *plotly : std::string()) + "</script></head><body><h1>" + title + "</h1>" +
        summary +
        "<div id=\"price\" class=\"chart\"></div><div id=\"pnl\" class=\"chart\"></div>"
        "<div id=\"parts\" class=\"half\"></div><div id=\"dist\" class=\"half\"></div>"
        "<div id=\"lat\" class=\"half\"></div><div id=\"wait\" class=\"half\"></div>"
        "<script>const D=" +
        backtest::script_safe(d.dump()) + ";";
    html += R"JS(
const ts = a => a.map(v => new Date(v));
const p99 = a => { const s = a.slice().sort((x, y) => x - y); return s.length ? s[Math.floor(0.99 * (s.length - 1))] || 1 : 1; };
Plotly.newPlot('price', [
  {x: ts(D.t), y: D.mid, name: 'mid', line: {color: '#888'}},
  {x: ts(D.buys.t), y: D.buys.p, name: 'buy fills', mode: 'markers', marker: {color: '#26a69a', symbol: 'triangle-up'}},
  {x: ts(D.sells.t), y: D.sells.p, name: 'sell fills', mode: 'markers', marker: {color: '#ef5350', symbol: 'triangle-down'}}],
  {title: 'Mid price and fills', margin: {t: 40}});
Plotly.newPlot('pnl', [
  {x: ts(D.t), y: D.eq, name: 'P&L (quote, after fees)'},
  {x: ts(D.t), y: D.pos, name: 'position', yaxis: 'y2'}],
  {title: 'P&L and inventory', margin: {t: 40}, yaxis2: {overlaying: 'y', side: 'right'}});
Plotly.newPlot('parts', [{type: 'bar', x: D.parts.names, y: D.parts.values,
  marker: {color: D.parts.values.map(v => v >= 0 ? '#26a69a' : '#ef5350')}}],
  {title: 'P&L decomposition (quote)', margin: {t: 50}});
Plotly.newPlot('dist', [{type: 'bar', x: D.dist.names, y: D.dist.ratio,
  text: D.dist.orders.map(n => n + ' orders'), name: 'fill ratio'}],
  {title: 'Fill ratio by ticks from the touch on arrival', margin: {t: 50},
   xaxis: {type: 'category'}, yaxis: {tickformat: '.0%', range: [0, 1]}});
Plotly.newPlot('lat', [
  {type: 'histogram', x: D.lat.entry, name: 'order entry', opacity: 0.6},
  {type: 'histogram', x: D.lat.round_trip, name: 'send to ack', opacity: 0.6},
  {type: 'histogram', x: D.lat.feed, name: 'feed (sampled)', opacity: 0.6}],
  {title: 'Latencies (ms)', barmode: 'overlay', margin: {t: 50},
   xaxis: {range: [0, p99([].concat(D.lat.entry, D.lat.round_trip, D.lat.feed)) * 1.2]}});
Plotly.newPlot('wait', [{type: 'histogram', x: D.wait, name: 'queue wait'}],
  {title: 'Queue wait, arrival to first fill (s)', margin: {t: 50},
   xaxis: {range: [0, p99(D.wait) * 1.2]}});
</script></body></html>
)JS";
    std::ofstream f(fs::path(dir) / "report.html");
    f << html;
    if (!f) {
        return make_error(ErrorCode::kIo, fmt::format("{}/report.html: write failed", dir));
    }
    return ok_status();
}

}  // namespace

int run_hft_sim(HftSimArgs args) {
    if (!args.config.empty()) {
        if (auto st = apply_hft_config(args); !st) {
            return fail(st.error().message, kExitUsage);
        }
    }
    auto symbol = Symbol::parse(args.symbol);
    if (!symbol) {
        return fail(
            fmt::format("--symbol '{}': {}", args.symbol, symbol.error().message), kExitUsage);
    }
    hft::SimConfig cfg;
    hft::TickLoadOptions load;
    hft::MakerParams maker;
    hft::ImbalanceParams imbalance;
    hft::AvellanedaStoikovParams as;
    {
        auto queue = parse_queue(args.queue);
        if (!queue) {
            return fail(queue.error().message, kExitUsage);
        }
        cfg.queue = *queue;
        if (args.fill != "partial" && args.fill != "no-partial") {
            return fail(fmt::format("--fill '{}': partial or no-partial", args.fill), kExitUsage);
        }
        cfg.fill = args.fill == "partial" ? hft::FillModel::kPartial : hft::FillModel::kNoPartial;
        for (const auto& part : split_list(args.entry_ms)) {
            double ms = 0;
            try {
                std::size_t used = 0;
                ms = std::stod(part, &used);
                if (used != part.size()) {
                    ms = -1;
                }
            } catch (const std::exception&) {
                ms = -1;
            }
            auto ns = ms_to_ns("--entry-ms", ms);
            if (!ns) {
                return fail(ns.error().message, kExitUsage);
            }
            cfg.entry.samples_ns.push_back(*ns);
        }
        if (cfg.entry.samples_ns.empty()) {
            return fail("--entry-ms: one value or a comma list", kExitUsage);
        }
        cfg.entry.seed = args.seed;
        auto resp = ms_to_ns("--response-ms", args.response_ms);
        auto feed = ms_to_ns("--feed-latency-ms", args.feed_latency_ms);
        auto requote = ms_to_ns("--requote-ms", args.requote_ms);
        for (const auto* r : {&resp, &feed, &requote}) {
            if (!*r) {
                return fail(r->error().message, kExitUsage);
            }
        }
        cfg.response.constant_ns = *resp;
        load.base_feed_latency = Duration::from_ns(std::min<std::int64_t>(*feed, 10'000'000'000));
        maker.min_requote_ns = *requote;
        cfg.maker_fee_bps = args.maker_fee_bps;
        cfg.taker_fee_bps = args.taker_fee_bps;
        auto impact = ms_to_ns("--impact-halflife-ms", args.impact_halflife_ms);
        if (!impact) {
            return fail(impact.error().message, kExitUsage);
        }
        cfg.impact_halflife_ns = *impact;
        if (!args.latency_file.empty()) {
            auto rows = latency_rows(args.latency_file);
            if (!rows) {
                return fail(rows.error().message, exit_code_for(rows.error()));
            }
            cfg.recorded_latency = std::move(*rows);
        }
        if (!std::isfinite(args.cash) || args.cash <= 0 || args.cash > 1e10) {
            return fail(fmt::format("--cash must be in (0, 1e10], got {}", args.cash), kExitUsage);
        }
        cfg.initial_cash = *Money::from_double(args.cash, Round::kHalfEven);
        if (!args.risk_max_position_qty.empty()) {
            auto q = parse_fixed<Qty>("--max-position-qty", args.risk_max_position_qty);
            if (!q) {
                return fail(q.error().message, kExitUsage);
            }
            cfg.risk.max_position_qty = *q;
        }
        for (const auto& [flag, value, out] :
             {std::tuple{"--max-drawdown-pct", args.max_drawdown_pct, &cfg.risk.max_drawdown_pct},
              std::tuple{
                  "--max-daily-loss-pct", args.max_daily_loss_pct, &cfg.risk.max_daily_loss_pct}}) {
            if (!std::isfinite(value) || value < 0 || value > 1) {
                return fail(
                    fmt::format("{} must be in [0, 1] (0: off), got {}", flag, value), kExitUsage);
            }
            if (value > 0) {
                *out = value;
            }
        }
        if (args.max_open_orders < 1 || args.max_open_orders > 1'000'000) {
            return fail(
                fmt::format(
                    "--max-open-orders must be in [1, 1000000], got {}", args.max_open_orders),
                kExitUsage);
        }
        cfg.risk.max_open_orders = static_cast<std::size_t>(args.max_open_orders);
        auto tick = parse_fixed<Price>("--tick-size", args.tick_size);
        auto lot = parse_fixed<Qty>("--lot-size", args.lot_size);
        auto qq = parse_fixed<Qty>("--quote-qty", args.quote_qty);
        auto mp = parse_fixed<Qty>("--max-position", args.max_position);
        if (!tick || !lot || !qq || !mp) {
            const Error& e = !tick  ? tick.error()
                             : !lot ? lot.error()
                             : !qq  ? qq.error()
                                    : mp.error();
            return fail(e.message, kExitUsage);
        }
        cfg.tick_size = *tick;
        cfg.lot_size = *lot;
        maker.quote_qty = *qq;
        maker.max_position = *mp;
        maker.skew_ticks = args.skew_ticks;
        if (auto st = cfg.validate(); !st) {
            return fail(st.error().message, kExitUsage);
        }
        if (auto st = maker.validate(); !st) {
            return fail(st.error().message, kExitUsage);
        }
        if (args.strategy != "maker" && args.strategy != "imbalance" && args.strategy != "as") {
            return fail(
                fmt::format("--strategy '{}': maker, as or imbalance", args.strategy), kExitUsage);
        }
        as.gamma = args.as_gamma;
        as.kappa = args.as_kappa;
        as.tau_s = args.as_tau_s;
        as.quote_qty = maker.quote_qty;
        as.max_position = maker.max_position;
        as.min_requote_ns = maker.min_requote_ns;
        if (auto st = as.validate(); !st) {
            return fail(st.error().message, kExitUsage);
        }
        auto cooldown = ms_to_ns("--cooldown-ms", args.cooldown_ms);
        if (!cooldown) {
            return fail(cooldown.error().message, kExitUsage);
        }
        imbalance.levels = args.imbalance_levels;
        imbalance.threshold = args.imbalance_threshold;
        imbalance.qty = maker.quote_qty;
        imbalance.max_position = maker.max_position;
        imbalance.cooldown_ns = *cooldown;
        if (auto st = imbalance.validate(); !st) {
            return fail(st.error().message, kExitUsage);
        }
    }
    const auto t0 = std::chrono::steady_clock::now();
    auto data = hft::load_ticks(args.ticks, *symbol, load);  // CSV files or a catalog
    if (!data) {
        const std::string& m = data.error().message;
        return fail((m.rfind("ticks ", 0) == 0 ? "--" : "") + m, exit_code_for(data.error()));
    }
    const auto t1 = std::chrono::steady_clock::now();
    auto sim = hft::Simulator::create(*data, cfg);
    if (!sim) {
        return fail(sim.error().message, exit_code_for(sim.error()));
    }
    hft::QuoteMaker quote_maker(maker);
    hft::ImbalanceTaker taker(imbalance);
    hft::AvellanedaStoikovMaker as_maker(as);
    hft::HftStrategy& strategy = args.strategy == "maker"
                                     ? static_cast<hft::HftStrategy&>(quote_maker)
                                 : args.strategy == "as" ? static_cast<hft::HftStrategy&>(as_maker)
                                                         : taker;
    auto r = (*sim)->run(strategy);
    if (!r) {
        return fail(r.error().message, exit_code_for(r.error()));
    }
    const auto t2 = std::chrono::steady_clock::now();
    const double load_s = std::chrono::duration<double>(t1 - t0).count();
    const double run_s = std::chrono::duration<double>(t2 - t1).count();
    const double span_s =
        static_cast<double>(data->events.back().exch_ns - data->events.front().exch_ns) / 1e9;
    std::printf(
        "hft-backtest %s: %zu events over %.0f s (%zu depth rows, %zu trades), loaded in %.2f s\n",
        args.symbol.c_str(),
        r->events,
        span_s,
        data->depth_rows,
        data->trade_rows,
        load_s);
    std::printf(
        "models     queue %s, %s fills, entry %s ms, response %.3g ms, feed %.3g ms%s\n",
        args.queue.c_str(),
        args.fill.c_str(),
        cfg.recorded_latency.empty() ? args.entry_ms.c_str() : "recorded",
        args.response_ms,
        args.feed_latency_ms,
        cfg.recorded_latency.empty()
            ? ""
            : fmt::format(" ({} recorded rows interpolated)", cfg.recorded_latency.size()).c_str());
    std::printf("strategy   %s\n", args.strategy.c_str());
    std::printf(
        "orders     %zu sent, %zu refused, %zu requotes\n",
        r->orders_sent,
        r->orders_refused,
        quote_maker.requotes());
    std::printf(
        "fills      %zu (%zu maker, %zu taker), fees %s\n",
        r->fills.size(),
        r->maker_fills,
        r->taker_fills,
        r->fees.to_string().c_str());
    std::printf(
        "result     position %s, cash %s, P&L %.2f (marked at mid %.2f)\n",
        r->position.to_string().c_str(),
        r->cash.to_string().c_str(),
        r->equity_change,
        r->final_mid);
    std::printf(
        "P&L parts  spread capture %.2f, inventory %.2f, fees -%.2f\n",
        r->spread_capture,
        r->inventory_pnl,
        r->fees.to_double());
    std::printf(
        "risk       %zu orders refused by the risk manager%s%s; kill switch %s\n",
        r->risk_rejections,
        r->first_rejection.empty() ? "" : ", first: ",
        r->first_rejection.c_str(),
        r->halted ? r->halt_reason.c_str() : "not fired");
    std::printf(
        "speed      %.2f s, %.2f M events/s\n",
        run_s,
        static_cast<double>(r->events) / run_s / 1e6);
    std::optional<hft::Calibration> calibration;
    if (!args.calibrate.empty()) {
        auto recorded = recorded_orders(args.calibrate, *symbol);
        if (!recorded) {
            return fail(recorded.error().message, exit_code_for(recorded.error()));
        }
        auto c = hft::calibrate(*data, cfg, *recorded);
        if (!c) {
            return fail(
                fmt::format("--calibrate {}: {}", args.calibrate, c.error().message),
                exit_code_for(c.error()));
        }
        std::printf(
            "calibrate  %zu recorded limit orders replayed (%zu outside the recording)\n"
            "           %-8s %7s %12s %12s %10s %10s\n",
            c->replayed,
            c->outside,
            "ticks",
            "orders",
            "filled there",
            "filled here",
            "wait there",
            "wait here");
        for (const auto& row : c->rows) {
            std::printf(
                "           %-8s %7zu %11.1f%% %11.1f%% %9.2fs %9.2fs\n",
                row.bucket.c_str(),
                row.orders,
                100.0 * static_cast<double>(row.real_filled) / static_cast<double>(row.orders),
                100.0 * static_cast<double>(row.sim_filled) / static_cast<double>(row.orders),
                row.real_wait_s,
                row.sim_wait_s);
        }
        calibration = std::move(*c);
    }
    if (!args.session.empty()) {
        if (auto st = write_session(args.session, *r, *symbol); !st) {
            return fail(
                fmt::format("--session {}: {}", args.session, st.error().message),
                exit_code_for(st.error()));
        }
        std::printf("session    %s (%zu orders)\n", args.session.c_str(), r->orders.size());
    }
    if (!args.output.empty()) {
        if (auto st = write_outputs(
                args.output, *r, *data, calibration, "ats hft-backtest " + args.symbol);
            !st) {
            return fail(st.error().message, exit_code_for(st.error()));
        }
        std::printf("outputs    %s/{fills.csv,orders.csv,report.html}\n", args.output.c_str());
    }
    return kExitOk;
}

}  // namespace ats::cli
