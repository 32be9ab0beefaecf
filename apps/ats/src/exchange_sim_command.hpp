#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace ats::cli {

struct ExchangeSimArgs {
    std::string bind = "127.0.0.1";
    std::uint16_t port = 8900;
    std::vector<std::string> data;  ///< SYMBOL=FILE
    std::string api_key;            ///< default: $ATS_SIM_API_KEY
    std::string api_secret;         ///< default: $ATS_SIM_API_SECRET
    std::string balance = "USDT=10000";
    std::string faults;
    std::int64_t bar_ms = 1000;
    bool quote_path = false;  ///< --quote-path: intra-bar bookTicker quotes
    std::size_t start_bar = 1000;
    int weight_limit = 6000;
    int orders_per_10s = 100;
    int fee_bps = 10;
    int threads = 1;
    std::string tls_cert;  ///< with tls_key: serve https:// and wss://
    std::string tls_key;
};

/// `ats exchange-sim`: serves the Binance Spot REST subset (docs/binance.md) on bind:port until
/// SIGINT/SIGTERM. Prints "exchange-sim listening on http://ADDR:PORT" (https:// with TLS) once
/// ready.
int run_exchange_sim(const ExchangeSimArgs& args);

}  // namespace ats::cli
