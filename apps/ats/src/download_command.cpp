#include "src/download_command.hpp"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <string>

#include <fmt/format.h>

#include "ats/binance/kline_download.hpp"
#include "ats/binance/rest_client.hpp"
#include "ats/core/clock.hpp"
#include "ats/core/symbol.hpp"
#include "ats/data/catalog.hpp"
#include "ats/data/kline_csv.hpp"

#include "src/exit_codes.hpp"

namespace ats::cli {

int run_data_download(const DataDownloadArgs& args) {
    auto from = Timestamp::parse_iso8601(args.from);
    auto to = Timestamp::parse_iso8601(args.to);
    if (!from || !to) {
        std::fprintf(stderr, "ats data download: --from and --to must be UTC dates or times\n");
        return kExitUsage;
    }
    if (args.base_url.empty()) {
        std::fprintf(
            stderr,
            "ats data download: --base-url is required (e.g. https://api.binance.com, or "
            "http://127.0.0.1:8900 for `ats exchange-sim`)\n");
        return kExitUsage;
    }
    const bool parquet = args.format == "parquet";
    auto symbol = Symbol::parse(args.asset);
    if (!symbol) {
        std::fprintf(stderr, "ats data download: --asset: %s\n", symbol.error().message.c_str());
        return kExitUsage;
    }
    auto interval = parse_duration(args.interval);
    if (!interval) {
        std::fprintf(
            stderr, "ats data download: --interval: %s\n", interval.error().message.c_str());
        return kExitUsage;
    }
    // Parquet: pages go to a resumable staging CSV inside the catalog, merged in at the end.
    std::string output = args.output;
    if (parquet) {
        const auto staging = std::filesystem::path(args.output) / ".staging";
        std::error_code ec;
        std::filesystem::create_directories(staging, ec);
        if (ec) {
            std::fprintf(
                stderr,
                "ats data download: %s: cannot create: %s\n",
                staging.c_str(),
                ec.message().c_str());
            return kExitIo;
        }
        output = (staging /
                  fmt::format(
                      "{}_{}_{}_{}.csv", args.asset, args.interval, from->unix_ms(), to->unix_ms()))
                     .string();
    }
    binance::RestConfig config;
    config.base_url = args.base_url;
    config.tls.ca_file = args.ca_file;
    const RealClock clock;
    auto client = binance::RestClient::create(config, clock);
    if (!client) {
        std::fprintf(stderr, "ats data download: %s\n", client.error().message.c_str());
        return exit_code_for(client.error());
    }
    const binance::DownloadRequest request{
        args.asset, args.interval, from->unix_ms(), to->unix_ms(), output, 1000};
    const auto span = static_cast<double>(request.to_ms - request.from_ms);
    auto progress = [&](std::int64_t reached_ms, const binance::DownloadReport& report) {
        if (args.no_progress) {
            return;
        }
        const double fraction =
            std::min(1.0, static_cast<double>(reached_ms - request.from_ms) / span);
        const int filled = static_cast<int>(fraction * 30);
        std::fprintf(
            stderr,
            "\r[%-30s] %5.1f%%  %zu bars  weight %d",
            std::string(static_cast<std::size_t>(filled), '#').c_str(),
            fraction * 100.0,
            report.bars_written + report.bars_already_present,
            client->stats().used_weight);
        std::fflush(stderr);
    };
    auto report = binance::download_klines(*client, request, progress);
    if (!args.no_progress) {
        std::fprintf(stderr, "\n");
    }
    if (!report) {
        std::fprintf(stderr, "ats data download: %s\n", report.error().to_string().c_str());
        return exit_code_for(report.error());
    }
    if (parquet) {
        data::KlineCsvOptions csv_options;
        csv_options.interval = *interval;
        auto loaded = data::load_klines_csv(output, csv_options);
        if (!loaded) {
            std::fprintf(stderr, "ats data download: %s\n", loaded.error().message.c_str());
            return exit_code_for(loaded.error());
        }
        loaded->series.set_symbol(*symbol);
        auto written = data::write_bars_to_catalog(args.output, loaded->series, {});
        if (!written) {
            std::fprintf(stderr, "ats data download: %s\n", written.error().message.c_str());
            return exit_code_for(written.error());
        }
        std::error_code ec;
        std::filesystem::remove(output, ec);
        std::filesystem::remove(std::filesystem::path(output).parent_path(), ec);  // if empty
        std::printf(
            "%s %s: %zu bars merged into catalog %s (%zu month file(s), %zu new bars)\n",
            args.asset.c_str(),
            args.interval.c_str(),
            loaded->series.size(),
            args.output.c_str(),
            written->files_written,
            written->bars_new);
    }
    const auto& stats = client->stats();
    std::printf(
        "%s %s: %zu bars written to %s (%zu already there), %zu pages, %zu missing bars in %zu "
        "gaps; %lld requests, %lld rate-limited, %lld retries\n",
        args.asset.c_str(),
        args.interval.c_str(),
        report->bars_written,
        args.output.c_str(),
        report->bars_already_present,
        report->pages,
        report->missing_bars,
        report->gaps.size(),
        static_cast<long long>(stats.requests),      // NOLINT(google-runtime-int): printf
        static_cast<long long>(stats.rate_limited),  // NOLINT(google-runtime-int)
        static_cast<long long>(stats.retries));      // NOLINT(google-runtime-int)
    for (const auto& [gap_from, gap_to] : report->gaps) {
        std::printf(
            "  gap: %s .. %s\n",
            Timestamp::from_unix_ms(gap_from).to_iso8601().c_str(),
            Timestamp::from_unix_ms(gap_to).to_iso8601().c_str());
    }
    return kExitOk;
}

}  // namespace ats::cli
