#include "src/hft_sim_command.hpp"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "ats/backtest/outputs.hpp"
#include "ats/hft/market_maker.hpp"
#include "ats/hft/simulator.hpp"
#include "ats/hft/tick_data.hpp"

#include "src/cli_common.hpp"
#include "src/exit_codes.hpp"

namespace ats::cli {
namespace {

namespace fs = std::filesystem;

/// The one file in `dir` whose name starts with `prefix` (plain or .gz).
Result<std::string> find_file(const std::string& dir, const std::string& prefix) {
    std::error_code ec;
    std::string found;
    for (const auto& entry : fs::directory_iterator(dir, ec)) {
        const std::string name = entry.path().filename().string();
        if (name.rfind(prefix, 0) == 0 && (name.ends_with(".csv") || name.ends_with(".csv.gz"))) {
            if (!found.empty()) {
                return make_error(
                    ErrorCode::kInvalidArgument,
                    fmt::format("--ticks {}: more than one {}* file", dir, prefix));
            }
            found = entry.path().string();
        }
    }
    if (ec) {
        return make_error(ErrorCode::kIo, fmt::format("--ticks {}: {}", dir, ec.message()));
    }
    if (found.empty()) {
        return make_error(
            ErrorCode::kNotFound, fmt::format("--ticks {}: no {}* file", dir, prefix));
    }
    return found;
}

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

Status write_outputs(const std::string& dir, const hft::SimResult& r, const std::string& title) {
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
    auto plotly = backtest::read_plotly(plotly_js_path());
    std::string html =
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>" + title +
        "</title><style>body{font-family:system-ui,sans-serif;margin:20px}.chart{width:100%;"
        "height:380px}</style><script>" +
        (plotly ? *plotly : std::string()) + "</script></head><body><h1>" + title +
        "</h1><div id=\"price\" class=\"chart\"></div><div id=\"pnl\" class=\"chart\"></div>"
        "<script>const D=" +
        backtest::script_safe(d.dump()) + ";";
    html += R"JS(
const ts = a => a.map(v => new Date(v));
Plotly.newPlot('price', [
  {x: ts(D.t), y: D.mid, name: 'mid', line: {color: '#888'}},
  {x: ts(D.buys.t), y: D.buys.p, name: 'buy fills', mode: 'markers', marker: {color: '#26a69a', symbol: 'triangle-up'}},
  {x: ts(D.sells.t), y: D.sells.p, name: 'sell fills', mode: 'markers', marker: {color: '#ef5350', symbol: 'triangle-down'}}],
  {title: 'Mid price and fills', margin: {t: 40}});
Plotly.newPlot('pnl', [
  {x: ts(D.t), y: D.eq, name: 'P&L (quote, after fees)'},
  {x: ts(D.t), y: D.pos, name: 'position', yaxis: 'y2'}],
  {title: 'P&L and inventory', margin: {t: 40}, yaxis2: {overlaying: 'y', side: 'right'}});
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

int run_hft_sim(const HftSimArgs& args) {
    auto symbol = Symbol::parse(args.symbol);
    if (!symbol) {
        return fail(
            fmt::format("--symbol '{}': {}", args.symbol, symbol.error().message), kExitUsage);
    }
    hft::TickFiles files;
    for (auto [out, kind] :
         {std::pair{&files.trades, "trades"},
          std::pair{&files.depth_snapshot, "depth_snapshot"},
          std::pair{&files.depth_diffs, "depth_diff_100ms"}}) {
        auto f = find_file(args.ticks, args.symbol + "_spot_" + kind + "_");
        if (!f) {
            return fail(f.error().message, exit_code_for(f.error()));
        }
        *out = *f;
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
    auto data = hft::load_binance_ticks(*symbol, files, load);
    if (!data) {
        return fail(data.error().message, exit_code_for(data.error()));
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
        "hft-sim %s: %zu events over %.0f s (%zu depth rows, %zu trades), loaded in %.2f s\n",
        args.symbol.c_str(),
        r->events,
        span_s,
        data->depth_rows,
        data->trade_rows,
        load_s);
    std::printf(
        "models     queue %s, %s fills, entry %s ms, response %.3g ms, feed %.3g ms\n",
        args.queue.c_str(),
        args.fill.c_str(),
        args.entry_ms.c_str(),
        args.response_ms,
        args.feed_latency_ms);
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
        "speed      %.2f s, %.2f M events/s\n",
        run_s,
        static_cast<double>(r->events) / run_s / 1e6);
    if (!args.output.empty()) {
        if (auto st = write_outputs(args.output, *r, "ats hft-sim " + args.symbol); !st) {
            return fail(st.error().message, exit_code_for(st.error()));
        }
        std::printf("outputs    %s/{fills.csv,report.html}\n", args.output.c_str());
    }
    return kExitOk;
}

}  // namespace ats::cli
