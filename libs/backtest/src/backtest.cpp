#include "ats/backtest/backtest.hpp"

#include <algorithm>
#include <cmath>

#include "ats/backtest/replay_kernel.hpp"
#include "ats/core/clock.hpp"

namespace ats::backtest {

model::Instrument default_instrument(const Symbol& symbol) {
    const std::string s = symbol.to_string();
    std::string base = s;
    std::string quote = "USDT";
    for (const char* q : {"USDT", "USDC", "FDUSD", "BUSD", "BTC", "ETH", "EUR"}) {
        const std::string qs = q;
        if (s.size() > qs.size() && s.compare(s.size() - qs.size(), qs.size(), qs) == 0) {
            base = s.substr(0, s.size() - qs.size());
            quote = qs;
            break;
        }
    }
    return model::Instrument{
        symbol, base, quote, Price::from_raw(1), Qty::from_raw(1), Qty{}, std::nullopt, Money{}};
}

Result<BacktestResult> run_backtest(
    const BacktestConfig& config, const std::vector<Asset>& assets) {
    if (assets.empty()) {
        return make_error(ErrorCode::kInvalidArgument, "backtest: no assets");
    }
    for (const auto& a : assets) {
        if (auto s = a.instrument.validate(); !s) {
            return tl::unexpected(s.error());
        }
        if (a.series.empty()) {
            return make_error(
                ErrorCode::kInvalidArgument,
                fmt::format("backtest: no bars for {}", a.instrument.symbol));
        }
    }
    if (config.from && config.to && *config.to <= *config.from) {
        return make_error(ErrorCode::kInvalidArgument, "backtest: 'to' must be after 'from'");
    }
    auto strategy = strategy::make_strategy(config.strategy, config.params, config.sources);
    if (!strategy) {
        return tl::unexpected(strategy.error());
    }
    auto slippage = sim::make_slippage(config.slippage);
    if (!slippage) {
        return tl::unexpected(slippage.error());
    }

    std::vector<ReplayInput> inputs;
    inputs.reserve(assets.size());
    for (const auto& a : assets) {
        inputs.push_back(ReplayInput{a.instrument.symbol, &a.series});
    }
    if (auto s = ReplayKernel::check_inputs(inputs); !s) {
        return tl::unexpected(s.error());
    }
    if (auto s = config.venue.fees.validate(); !s) {
        return tl::unexpected(s.error());
    }

    Timestamp start = assets.front().series.open_time().front();
    for (const auto& a : assets) {
        start = std::min(start, a.series.open_time().front());
    }
    SimulatedClock clock(start - Duration::from_ns(1));
    engine::TradingEngine engine(config.engine, clock, **strategy);
    sim::BarVenueConfig venue_config = config.venue;
    venue_config.quote_balance = config.engine.initial_cash;  // spot account: no leverage
    venue_config.allow_short = config.engine.allow_short;
    sim::BarVenue venue(clock, engine.sink(), venue_config, std::move(*slippage));
    engine.set_venue(&venue);
    for (const auto& a : assets) {
        engine.add_instrument(a.instrument);
        venue.add_instrument(a.instrument);
    }
    if (config.observer != nullptr) {
        engine.bus().set_observer(config.observer);
    }
    if (config.journal_path) {
        if (auto s = engine.bus().open_journal(*config.journal_path); !s) {
            return tl::unexpected(s.error());
        }
    }

    BacktestResult result;
    const std::size_t n_assets = assets.size();
    ReplayKernel kernel(clock, engine, venue, std::move(inputs));
    const std::size_t total = kernel.bars_total();
    // Buy-and-hold benchmark: equal weight at the first traded open of each asset, same fee.
    std::vector<double> bh_qty(n_assets, 0);
    std::vector<double> bh_close(n_assets, 0);
    std::vector<bool> bh_started(n_assets, false);
    double bh_cash = config.engine.initial_cash.to_double();
    const double bh_slice = bh_cash / static_cast<double>(n_assets);
    const double fee_rate = config.venue.fees.taker_bps / 10'000.0;

    result.first_traded_bar.assign(n_assets, SIZE_MAX);
    result.equity.reserve(assets.front().series.size());
    std::vector<double> plot_row;
    result.plot_names = (*strategy)->plot_names();
    result.plot_values.assign(n_assets, std::vector<std::vector<float>>(result.plot_names.size()));
    for (std::size_t i = 0; i < n_assets; ++i) {
        for (auto& line : result.plot_values[i]) {
            line.reserve(assets[i].series.size());
        }
    }
    std::size_t in_range_steps = 0;
    std::size_t next_progress = 0;
    double benchmark_final = config.engine.initial_cash.to_double();
    while (const auto t = kernel.next_time()) {
        if (config.to && *t >= *config.to) {
            break;
        }
        const bool in_range = !config.from || *t >= *config.from;
        // Warm-up counts time steps in range, traded or not.
        const bool trading = in_range && in_range_steps >= config.warmup_bars;
        in_range_steps += in_range ? 1 : 0;
        engine.set_trading_enabled(trading);
        const auto& step = kernel.step();
        for (const auto& ref : step.bars) {
            const std::size_t i = ref.input;
            const auto& series = assets[i].series;
            ++result.bars;
            bh_close[i] = series.close()[ref.index].to_double();
            if (!trading) {
                continue;
            }
            if (result.first_traded_bar[i] == SIZE_MAX) {
                result.first_traded_bar[i] = ref.index;
            }
            if (!bh_started[i]) {
                bh_started[i] = true;
                bh_qty[i] = bh_slice / (series.open()[ref.index].to_double() * (1 + fee_rate));
                bh_cash -= bh_slice;
            }
            (*strategy)->plot_values(assets[i].instrument.symbol, plot_row);
            auto& lines = result.plot_values[i];
            for (std::size_t k = 0; k < plot_row.size() && k < lines.size(); ++k) {
                lines[k].push_back(static_cast<float>(plot_row[k]));
            }
        }
        if (trading) {
            double bh = bh_cash;
            for (std::size_t i = 0; i < n_assets; ++i) {
                bh += bh_qty[i] * bh_close[i];
            }
            bool exposed = false;
            for (const auto& p : engine.portfolio().positions()) {
                exposed = exposed || !p.qty.is_zero();
            }
            benchmark_final = bh;
            result.equity.push_back(
                EquityPoint{engine.portfolio().equity(), *t, static_cast<float>(bh), exposed});
        }
        if (config.progress && kernel.bars_done() >= next_progress) {
            config.progress(kernel.bars_done(), total);
            next_progress = kernel.bars_done() + std::max<std::size_t>(total / 100, 1);
        }
    }
    if (config.progress) {
        config.progress(total, total);
    }
    if (result.equity.empty()) {
        return make_error(
            ErrorCode::kInvalidArgument,
            fmt::format(
                "backtest: no bar to trade between {} and {} (data: {} to {})",
                config.from ? config.from->to_iso8601() : std::string("the start"),
                config.to ? config.to->to_iso8601() : std::string("the end"),
                assets.front().series.open_time().front(),
                assets.front().series.open_time().back()));
    }
    engine.bus().close_journal();

    const auto& pf = engine.portfolio();
    result.trades = pf.closed_trades();
    for (const auto& p : pf.positions()) {
        if (!p.qty.is_zero()) {
            result.open_positions.push_back(p);
        }
    }
    for (const auto& f : engine.fills()) {
        result.fills.push_back(FillMark{f.symbol, f.ts, f.side, f.price, f.qty});
    }
    result.final_cash = pf.cash();
    result.fees = pf.fees();
    result.final_equity = pf.equity();
    result.events = engine.bus().dispatched();
    result.signals = engine.signals();
    result.rejections = engine.rejections();
    result.order_rejections = engine.order_rejections();
    result.alerts = engine.alerts();
    const Duration interval = assets.front().series.interval();
    result.metrics = compute_metrics(
        result.equity,
        result.trades,
        config.engine.initial_cash,
        pf.fees(),
        pf.traded_notional(),
        interval,
        benchmark_final);
    return result;
}

}  // namespace ats::backtest
