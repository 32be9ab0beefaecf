#include "ats/backtest/outputs.hpp"

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>

#include <nlohmann/json.hpp>

namespace ats::backtest {
namespace {

double finite_or_zero(double v) {
    return std::isfinite(v) ? v : 0.0;
}

}  // namespace

Status write_text(const std::string& path, const std::string& text) {
    std::FILE* f = std::fopen(path.c_str(), "wb");
    if (f == nullptr) {
        return make_error(
            ErrorCode::kIo, fmt::format("{}: cannot write: {}", path, std::strerror(errno)));
    }
    const bool ok = std::fwrite(text.data(), 1, text.size(), f) == text.size();
    if (std::fclose(f) != 0 || !ok) {
        return make_error(ErrorCode::kIo, fmt::format("{}: write failed", path));
    }
    return ok_status();
}

Status write_trades_csv(const BacktestResult& result, const std::string& path) {
    std::string out =
        "symbol,side,entry_time_ms,entry_price,exit_time_ms,exit_price,quantity,pnl_gross,fees,pnl_"
        "net\n";
    for (const auto& t : result.trades) {
        fmt::format_to(
            std::back_inserter(out),
            "{},{},{},{},{},{},{},{},{},{}\n",
            t.symbol,
            t.side == Side::kBuy ? "long" : "short",
            t.entry_time.unix_ms(),
            t.entry_price,
            t.exit_time.unix_ms(),
            t.exit_price,
            t.qty,
            t.pnl_gross,
            t.fees,
            t.pnl_net());
    }
    return write_text(path, out);
}

Status write_equity_csv(const BacktestResult& result, const std::string& path) {
    std::string out = "time_ms,equity\n";
    for (const auto& p : result.equity) {
        fmt::format_to(std::back_inserter(out), "{},{}\n", p.time.unix_ms(), p.equity);
    }
    return write_text(path, out);
}

std::string metrics_json(const BacktestResult& result, const RunInfo& info) {
    const Metrics& m = result.metrics;
    nlohmann::ordered_json j;
    j["run_id"] = info.run_id;
    j["strategy"] = info.strategy;
    j["params"] = info.params;
    j["assets"] = info.assets;
    j["initial_equity"] = m.initial_equity;
    j["final_equity"] = result.final_equity.to_double();
    j["final_equity_exact"] = result.final_equity.to_string();
    j["final_cash_exact"] = result.final_cash.to_string();
    j["total_return_pct"] = finite_or_zero(m.total_return_pct);
    j["cagr_pct"] = finite_or_zero(m.cagr_pct);
    j["annual_volatility_pct"] = finite_or_zero(m.annual_volatility_pct);
    j["sharpe"] = finite_or_zero(m.sharpe);
    j["sortino"] = finite_or_zero(m.sortino);
    j["calmar"] = finite_or_zero(m.calmar);
    j["max_drawdown_pct"] = m.max_drawdown_pct;
    j["max_drawdown_money"] = m.max_drawdown_money;
    j["max_drawdown_duration_hours"] = static_cast<double>(m.max_drawdown_duration.ns()) / 3600e9;
    j["trades"] = m.trades;
    j["win_rate_pct"] = m.win_rate_pct;
    j["profit_factor"] = m.profit_factor;
    j["expectancy"] = m.expectancy;
    j["average_trade_pct"] = m.average_trade_pct;
    j["exposure_pct"] = m.exposure_pct;
    j["fees"] = m.fees;
    j["turnover"] = m.turnover;
    j["benchmark_return_pct"] = m.benchmark_return_pct;
    j["bars"] = m.bars;
    j["years"] = m.years;
    j["signals"] = result.signals;
    j["rejections"] = result.rejections;
    j["order_rejections"] = result.order_rejections;
    j["events"] = result.events;
    nlohmann::ordered_json open = nlohmann::ordered_json::array();
    for (const auto& p : result.open_positions) {
        open.push_back(
            {{"symbol", p.symbol.to_string()},
             {"qty", p.qty.to_string()},
             {"average_entry", p.average_entry().to_string()},
             {"unrealized_pnl", p.unrealized_pnl().to_string()}});
    }
    j["open_positions"] = open;
    return j.dump(2) + "\n";
}

}  // namespace ats::backtest

namespace ats::backtest {
namespace {

std::string read_all(const std::string& path, bool& ok) {
    std::ifstream in(path, std::ios::binary);
    ok = static_cast<bool>(in);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

}  // namespace

Result<std::string> read_plotly(const std::string& path) {
    bool ok = false;
    std::string plotly = read_all(path, ok);
    if (!ok || plotly.empty()) {
        return make_error(
            ErrorCode::kNotFound,
            fmt::format("{}: Plotly.js not found (run `npm ci` in web/, or `make deps`)", path));
    }
    return plotly;
}

std::string script_safe(std::string s) {
    std::string::size_type pos = 0;
    while ((pos = s.find("</", pos)) != std::string::npos) {
        s.replace(pos, 2, "<\\/");
        pos += 3;
    }
    return s;
}

namespace {

std::string html_escape(std::string_view s) {
    std::string out;
    for (const char c : s) {
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

constexpr std::size_t kMaxCandles = 6000;
constexpr std::size_t kMaxTradeRows = 2000;

nlohmann::json chart_data(const BacktestResult& r, const std::vector<Asset>& assets) {
    nlohmann::json j;
    // Equity, benchmark, drawdown.
    nlohmann::json t = nlohmann::json::array();
    nlohmann::json eq = nlohmann::json::array();
    nlohmann::json bh = nlohmann::json::array();
    nlohmann::json dd = nlohmann::json::array();
    double peak = r.metrics.initial_equity;
    for (const auto& p : r.equity) {
        const double v = p.equity.to_double();
        peak = std::max(peak, v);
        t.push_back(p.time.unix_ms());
        eq.push_back(v);
        bh.push_back(static_cast<double>(p.benchmark));
        dd.push_back(peak > 0 ? -100 * (peak - v) / peak : 0);
    }
    j["time"] = t;
    j["equity"] = eq;
    j["benchmark"] = bh;
    j["drawdown"] = dd;
    // Monthly returns from month-end equity.
    std::map<std::pair<int, int>, double> month_end;
    for (const auto& p : r.equity) {
        const std::string iso = p.time.to_iso8601();
        const int year = std::stoi(iso.substr(0, 4));
        const int month = std::stoi(iso.substr(5, 2));
        month_end[{year, month}] = p.equity.to_double();
    }
    nlohmann::json years = nlohmann::json::array();
    nlohmann::json grid = nlohmann::json::array();
    double prev = r.metrics.initial_equity;
    std::map<int, std::vector<nlohmann::json>> rows;
    for (const auto& [ym, v] : month_end) {
        auto& row = rows[ym.first];
        if (row.empty()) {
            row.assign(12, nullptr);
        }
        row[static_cast<std::size_t>(ym.second - 1)] = prev > 0 ? 100 * (v / prev - 1) : 0.0;
        prev = v;
    }
    for (const auto& [year, row] : rows) {
        years.push_back(std::to_string(year));
        grid.push_back(row);
    }
    j["months_years"] = years;
    j["months_grid"] = grid;
    // Candles per asset (aggregated when there are too many to draw), indicators, fills.
    nlohmann::json assets_json = nlohmann::json::array();
    for (std::size_t a = 0; a < assets.size(); ++a) {
        const auto& s = assets[a].series;
        const std::size_t first = r.first_traded_bar.size() > a ? r.first_traded_bar[a] : 0;
        if (first == SIZE_MAX || first >= s.size()) {
            continue;
        }
        const std::size_t n = std::min(
            s.size() - first,
            r.plot_values.size() > a && !r.plot_values[a].empty() ? r.plot_values[a][0].size()
                                                                  : s.size() - first);
        const std::size_t step = (n + kMaxCandles - 1) / kMaxCandles;
        nlohmann::json x = nlohmann::json::array();
        nlohmann::json o = nlohmann::json::array();
        nlohmann::json h = nlohmann::json::array();
        nlohmann::json l = nlohmann::json::array();
        nlohmann::json c = nlohmann::json::array();
        std::vector<nlohmann::json> lines(r.plot_names.size(), nlohmann::json::array());
        for (std::size_t i = 0; i < n; i += step) {
            const std::size_t end = std::min(i + step, n);
            double hi = s.high()[first + i].to_double();
            double lo = s.low()[first + i].to_double();
            for (std::size_t k = i; k < end; ++k) {
                hi = std::max(hi, s.high()[first + k].to_double());
                lo = std::min(lo, s.low()[first + k].to_double());
            }
            x.push_back(s.open_time()[first + i].unix_ms());
            o.push_back(s.open()[first + i].to_double());
            h.push_back(hi);
            l.push_back(lo);
            c.push_back(s.close()[first + end - 1].to_double());
            for (std::size_t k = 0;
                 k < lines.size() && a < r.plot_values.size() && k < r.plot_values[a].size();
                 ++k) {
                const double v = static_cast<double>(r.plot_values[a][k][end - 1]);
                lines[k].push_back(std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr));
            }
        }
        nlohmann::json fills = {
            {"buy_t", nlohmann::json::array()},
            {"buy_p", nlohmann::json::array()},
            {"sell_t", nlohmann::json::array()},
            {"sell_p", nlohmann::json::array()}};
        for (const auto& f : r.fills) {
            if (f.symbol != assets[a].instrument.symbol) {
                continue;
            }
            const char* side = f.side == Side::kBuy ? "buy" : "sell";
            fills[std::string(side) + "_t"].push_back(f.time.unix_ms());
            fills[std::string(side) + "_p"].push_back(f.price.to_double());
        }
        nlohmann::json ind = nlohmann::json::object();
        for (std::size_t k = 0; k < lines.size(); ++k) {
            ind[r.plot_names[k]] = lines[k];
        }
        assets_json.push_back(
            {{"symbol", assets[a].instrument.symbol.to_string()},
             {"bars_per_candle", step},
             {"x", x},
             {"open", o},
             {"high", h},
             {"low", l},
             {"close", c},
             {"indicators", ind},
             {"fills", fills}});
    }
    j["assets"] = assets_json;
    return j;
}

}  // namespace

Status write_report_html(
    const BacktestResult& result,
    const std::vector<Asset>& assets,
    const RunInfo& info,
    const std::string& plotly_js_path,
    const std::string& path) {
    auto loaded = read_plotly(plotly_js_path);
    if (!loaded) {
        return tl::unexpected(loaded.error());
    }
    const std::string& plotly = *loaded;
    const Metrics& m = result.metrics;
    std::string metrics_rows;
    const std::pair<const char*, std::string> rows[] = {
        {"Final equity", fmt::format("{:.2f}", result.final_equity.to_double())},
        {"Total return", fmt::format("{:.2f}%", m.total_return_pct)},
        {"Buy and hold", fmt::format("{:.2f}%", m.benchmark_return_pct)},
        {"CAGR", fmt::format("{:.2f}%", m.cagr_pct)},
        {"Annual volatility", fmt::format("{:.2f}%", m.annual_volatility_pct)},
        {"Sharpe", fmt::format("{:.3f}", m.sharpe)},
        {"Sortino", fmt::format("{:.3f}", m.sortino)},
        {"Calmar", fmt::format("{:.3f}", m.calmar)},
        {"Max drawdown", fmt::format("{:.2f}% ({:.2f})", m.max_drawdown_pct, m.max_drawdown_money)},
        {"Max drawdown duration",
         fmt::format("{:.1f} days", static_cast<double>(m.max_drawdown_duration.ns()) / 86400e9)},
        {"Trades", fmt::format("{}", m.trades)},
        {"Win rate", fmt::format("{:.2f}%", m.win_rate_pct)},
        {"Profit factor", fmt::format("{:.3f}", m.profit_factor)},
        {"Expectancy",
         fmt::format("{:.2f} per trade ({:.3f}%)", m.expectancy, m.average_trade_pct)},
        {"Exposure", fmt::format("{:.2f}%", m.exposure_pct)},
        {"Fees", fmt::format("{:.2f}", m.fees)},
        {"Turnover", fmt::format("{:.2f}x", m.turnover)},
        {"Bars", fmt::format("{} ({:.2f} years)", m.bars, m.years)},
        {"Signals",
         fmt::format("{} ({} refused by sizing or risk)", result.signals, result.rejections)},
        {"Orders rejected", fmt::format("{}", result.order_rejections)},
    };
    for (const auto& [name, value] : rows) {
        metrics_rows += fmt::format("<tr><th>{}</th><td>{}</td></tr>", name, html_escape(value));
    }
    std::string trade_rows;
    std::size_t shown = 0;
    for (const auto& t : result.trades) {
        if (shown++ == kMaxTradeRows) {
            break;
        }
        trade_rows += fmt::format(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</"
            "td><td>{}</td><td>{}</td></tr>",
            t.symbol,
            t.side == Side::kBuy ? "long" : "short",
            t.entry_time.to_iso8601(),
            t.entry_price,
            t.exit_time.to_iso8601(),
            t.exit_price,
            t.qty,
            t.fees,
            t.pnl_net());
    }
    const std::string note = result.trades.size() > kMaxTradeRows
                                 ? fmt::format(
                                       "<p>First {} of {} trades; all are in trades.csv.</p>",
                                       kMaxTradeRows,
                                       result.trades.size())
                                 : std::string();
    std::string html;
    html +=
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>ats backtest " +
        html_escape(info.run_id) +
        "</title><style>"
        "body{font-family:system-ui,sans-serif;margin:20px;color:#222}"
        "table{border-collapse:collapse;font-size:13px}td,th{border:1px solid #ddd;padding:3px "
        "8px;text-align:right}"
        "th{text-align:left;background:#f6f6f6}.chart{width:100%;height:460px}.small{height:300px}"
        ".grid{display:flex;gap:24px;flex-wrap:wrap}pre{background:#f6f6f6;padding:8px;font-size:"
        "12px}"
        "</style><script>" +
        plotly + "</script><script>" + std::string(charts_js()) + "</script></head><body>";
    html += "<h1>Backtest " + html_escape(info.run_id) + "</h1>";
    html += "<p>Strategy <b>" + html_escape(info.strategy) + "</b> " + html_escape(info.params) +
            " on <b>" + html_escape(info.assets) + "</b></p>";
    html += "<div class=\"grid\"><table id=\"metrics\">" + metrics_rows + "</table><pre>" +
            html_escape(info.config_text) + "</pre></div>";
    html +=
        "<div id=\"candles\"></div><div id=\"equity\" class=\"chart\"></div>"
        "<div id=\"drawdown\" class=\"chart small\"></div><div id=\"monthly\" class=\"chart "
        "small\"></div>";
    html += "<h2>Trades</h2>" + note +
            "<table id=\"trades\"><tr><th>symbol</th><th>side</th><th>entry</th><th>entry "
            "price</th><th>exit</th>"
            "<th>exit price</th><th>qty</th><th>fees</th><th>net P&amp;L</th></tr>" +
            trade_rows + "</table>";
    html += "<script>const D=" + script_safe(chart_data(result, assets).dump()) + ";";
    html += "atsCharts.report(D);</script></body></html>\n";
    return write_text(path, html);
}

}  // namespace ats::backtest
