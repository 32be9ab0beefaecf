#include "ats/backtest/metrics.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace ats::backtest {

Metrics compute_metrics(
    const std::vector<EquityPoint>& equity,
    const std::vector<execution::ClosedTrade>& trades,
    Money initial_equity,
    Money fees,
    double traded_notional,
    Duration interval,
    double benchmark_final) {
    Metrics m;
    m.initial_equity = initial_equity.to_double();
    m.final_equity = equity.empty() ? m.initial_equity : equity.back().equity.to_double();
    m.bars = equity.size();
    m.fees = fees.to_double();
    m.trades = trades.size();
    m.total_return_pct = (m.final_equity / m.initial_equity - 1) * 100;
    if (!equity.empty()) {
        m.benchmark_return_pct = (benchmark_final / m.initial_equity - 1) * 100;
    }
    if (equity.size() >= 2) {
        m.years = static_cast<double>((equity.back().time - equity.front().time + interval).ns()) /
                  (365.25 * 86400e9);
    }
    if (m.years > 0 && m.final_equity > 0) {
        m.cagr_pct = (std::pow(m.final_equity / m.initial_equity, 1 / m.years) - 1) * 100;
    } else if (m.years > 0) {
        m.cagr_pct = -100;
    }
    // Per-bar returns, starting from the initial equity.
    std::vector<double> returns;
    returns.reserve(equity.size());
    double prev = m.initial_equity;
    double peak = m.initial_equity;
    Timestamp peak_time = equity.empty() ? Timestamp{} : equity.front().time;
    std::size_t exposed = 0;
    double equity_sum = 0;
    for (const auto& p : equity) {
        const double v = p.equity.to_double();
        returns.push_back(prev != 0 ? v / prev - 1 : 0);
        prev = v;
        equity_sum += v;
        exposed += p.exposed ? 1 : 0;
        if (v >= peak) {  // at the peak is not in drawdown: a flat curve has no duration
            peak = v;
            peak_time = p.time;
        } else {
            m.max_drawdown_duration = std::max(m.max_drawdown_duration, p.time - peak_time);
        }
        if (peak > 0) {
            m.max_drawdown_pct = std::max(m.max_drawdown_pct, 100 * (peak - v) / peak);
        }
        m.max_drawdown_money = std::max(m.max_drawdown_money, peak - v);
    }
    const double ppy =
        interval > Duration{} ? 365.25 * 86400e9 / static_cast<double>(interval.ns()) : 0;
    if (returns.size() >= 2) {
        const double n = static_cast<double>(returns.size());
        const double mean = std::accumulate(returns.begin(), returns.end(), 0.0) / n;
        double var = 0;
        double down = 0;
        for (const double r : returns) {
            var += (r - mean) * (r - mean);
            down += std::min(r, 0.0) * std::min(r, 0.0);
        }
        const double sd = std::sqrt(var / (n - 1));
        const double dd = std::sqrt(down / n);
        m.annual_volatility_pct = sd * std::sqrt(ppy) * 100;
        m.sharpe = sd > 0 ? mean / sd * std::sqrt(ppy) : 0;
        m.sortino = dd > 0 ? mean / dd * std::sqrt(ppy) : 0;
    }
    m.calmar = m.max_drawdown_pct > 0 ? m.cagr_pct / m.max_drawdown_pct : 0;
    m.exposure_pct =
        equity.empty() ? 0
                       : 100.0 * static_cast<double>(exposed) / static_cast<double>(equity.size());
    const double mean_equity =
        equity.empty() ? m.initial_equity : equity_sum / static_cast<double>(equity.size());
    m.turnover = mean_equity > 0 ? traded_notional / mean_equity : 0;
    if (!trades.empty()) {
        double wins = 0;
        double gross_win = 0;
        double gross_loss = 0;
        double net = 0;
        double pct = 0;
        for (const auto& t : trades) {
            const double pnl = t.pnl_net().to_double();
            net += pnl;
            const double entry_value = t.entry_price.to_double() * t.qty.to_double();
            pct += entry_value > 0 ? pnl / entry_value * 100 : 0;
            if (pnl > 0) {
                ++wins;
                gross_win += pnl;
            } else {
                gross_loss -= pnl;
            }
        }
        const double n = static_cast<double>(trades.size());
        m.win_rate_pct = 100 * wins / n;
        m.profit_factor = gross_loss > 0 ? gross_win / gross_loss : 0;
        m.expectancy = net / n;
        m.average_trade_pct = pct / n;
    }
    return m;
}

}  // namespace ats::backtest
