#pragma once

#include <cstdint>
#include <set>
#include <string>

#include "ats/core/error.hpp"

namespace ats::cli {

struct HftSimArgs {
    std::string ticks =
        "data/ticks";  ///< directory of
                       ///< SYMBOL_spot_{trades,depth_snapshot,depth_diff_100ms}_*.csv[.gz]
    std::string symbol = "BTCUSDT";
    std::string strategy = "maker";  ///< maker (QuoteMaker), as (Avellaneda-Stoikov) or imbalance
    double as_gamma = 0.1;
    double as_kappa = 1.5;
    double as_tau_s = 30;
    int imbalance_levels = 5;
    double imbalance_threshold = 0.6;
    double cooldown_ms = 1000;
    std::string queue = "power:2";  ///< risk-averse, power:N, log
    std::string fill = "partial";   ///< partial, no-partial
    std::string entry_ms = "5";     ///< one value, or a comma list drawn at random (seeded)
    double response_ms = 5;
    double feed_latency_ms = 5;
    double maker_fee_bps = 1;
    double taker_fee_bps = 7.5;
    std::string quote_qty = "0.001";
    std::string max_position = "0.01";
    double skew_ticks = 2;
    double requote_ms = 100;
    std::string tick_size = "0.01";
    std::string lot_size = "0.00001";
    std::uint64_t seed = 1;
    std::string output;  ///< directory for fills.csv, orders.csv, report.html (alias --report)
    std::string latency_file;           ///< recorded rows: CSV or an `ats live` state database
    double impact_halflife_ms = 0;      ///< 0: no self-impact
    double cash = 10'000;               ///< the local account's starting quote balance
    std::string risk_max_position_qty;  ///< empty: no limit
    double max_drawdown_pct = 0;        ///< 0: off; else the kill switch, in (0, 1]
    double max_daily_loss_pct = 0;      ///< 0: off; else in (0, 1]
    int max_open_orders = 50;
    std::string calibrate;  ///< an `ats live` / `ats paper` state database to compare fill rates
    std::string session;    ///< write the simulated orders and fills here (a state database)
    std::string config;     ///< TOML file (docs/hft.md); flags given on the command line win
    std::set<std::string> explicit_flags;  ///< long names of the flags given (no dashes)
};

/// Fills `args` from the TOML file `args.config`, except the flags in `args.explicit_flags`.
/// Unknown sections and keys, wrong types and values out of range are errors naming the key.
Status apply_hft_config(HftSimArgs& args);

/// `ats hft-sim`: the example market maker on a tick recording through the tick-level simulator
/// (docs/hft.md).
int run_hft_sim(HftSimArgs args);

}  // namespace ats::cli
