#include <cstdio>
#include <exception>

#include <CLI/CLI.hpp>

#include "ats/version.hpp"

#include "src/data_commands.hpp"
#include "src/exit_codes.hpp"
#include "src/indicators_command.hpp"

int main(int argc, char** argv) {
    using namespace ats::cli;  // NOLINT(google-build-using-namespace): tiny entry point
    CLI::App app{"ats: an AI trading system for crypto markets"};
    app.set_version_flag("--version", std::string("ats ") + ats::kVersion);
    app.require_subcommand(1);

    auto* data = app.add_subcommand("data", "Inspect and transform market data files");
    data->require_subcommand(1);

    DataInspectArgs inspect;
    auto* inspect_cmd = data->add_subcommand(
        "inspect", "Summarize a kline CSV: rows, time span, gaps, duplicates, bad rows, prices");
    inspect_cmd->add_option("file", inspect.file, "Kline CSV file")->required();
    inspect_cmd->add_option(
        "--interval", inspect.interval, "Bar interval, e.g. 1m, 1h (default: inferred)");
    inspect_cmd->add_option("--policy", inspect.policy, "Bad row policy")
        ->check(CLI::IsMember({"strict", "skip", "repair"}));
    inspect_cmd->add_flag("--json", inspect.json, "Print the summary as JSON");

    DataResampleArgs resample;
    auto* resample_cmd =
        data->add_subcommand("resample", "Aggregate bars into UTC-aligned buckets and write a CSV");
    resample_cmd->add_option("file", resample.file, "Kline CSV file")->required();
    resample_cmd->add_option("--to", resample.to, "Target interval, e.g. 5m, 15m, 1h, 4h, 1d")
        ->required();
    resample_cmd->add_option("--output,-o", resample.output, "Output CSV file")->required();
    resample_cmd->add_option(
        "--interval", resample.interval, "Source interval (default: inferred)");
    resample_cmd->add_option("--policy", resample.policy, "Bad row policy")
        ->check(CLI::IsMember({"strict", "skip", "repair"}));
    resample_cmd->add_flag(
        "--drop-incomplete", resample.drop_incomplete, "Leave out buckets missing source bars");

    IndicatorsArgs indicators;
    auto* indicators_cmd = app.add_subcommand(
        "indicators", "Compute technical indicators (TA-Lib-exact) over a kline CSV into a CSV");
    indicators_cmd->add_option("--data", indicators.data, "Kline CSV file")->required();
    indicators_cmd
        ->add_option(
            "--set",
            indicators.set,
            "Indicators, e.g. \"sma:20,ema:20,rsi:14,macd:12:26:9,bbands:20:2:2\" (TA-Lib's "
            "parameters in TA-Lib's order; omitted trailing ones take TA-Lib's defaults)")
        ->required();
    indicators_cmd->add_option("--output,-o", indicators.output, "Output CSV file (- for stdout)")
        ->required();
    indicators_cmd->add_option(
        "--interval", indicators.interval, "Bar interval, e.g. 1m, 1h (default: inferred)");
    indicators_cmd->add_option("--policy", indicators.policy, "Bad row policy")
        ->check(CLI::IsMember({"strict", "skip", "repair"}));

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        const int code = app.exit(e);
        return code == 0 ? kExitOk : kExitUsage;
    }
    try {
        if (inspect_cmd->parsed()) {
            return run_data_inspect(inspect);
        }
        if (resample_cmd->parsed()) {
            return run_data_resample(resample);
        }
        if (indicators_cmd->parsed()) {
            return run_indicators(indicators);
        }
    } catch (const std::exception& e) {
        std::fprintf(stderr, "ats: internal error: %s\n", e.what());
        return kExitInternal;
    }
    return kExitUsage;
}
