#include "indicators_command.hpp"

#include <cmath>
#include <cstdio>
#include <memory>
#include <vector>

#include "ats/core/time.hpp"
#include "ats/data/bar_source.hpp"
#include "ats/indicators/registry.hpp"

#include "exit_codes.hpp"

namespace ats::cli {
namespace {

struct FileCloser {
    void operator()(std::FILE* f) const noexcept {
        if (f != nullptr && f != stdout) {
            std::fclose(f);
        }
    }
};

}  // namespace

int run_indicators(const IndicatorsArgs& args) {
    auto specs = indicators::parse_indicator_set(args.set);
    if (!specs) {
        std::fprintf(stderr, "ats: --set: %s\n", specs.error().message.c_str());
        return kExitUsage;
    }
    data::KlineCsvOptions options;
    auto policy = data::parse_policy(args.policy);
    if (!policy) {
        std::fprintf(stderr, "ats: %s\n", policy.error().message.c_str());
        return kExitUsage;
    }
    options.policy = *policy;
    if (args.interval) {
        auto d = parse_duration(*args.interval);
        if (!d) {
            std::fprintf(stderr, "ats: %s\n", d.error().message.c_str());
            return kExitUsage;
        }
        options.interval = *d;
    }
    data::BarRequest request;
    request.data = args.data;
    request.options = options;
    auto loaded = data::load_bars(request);
    if (!loaded) {
        std::fprintf(stderr, "ats: %s\n", loaded.error().message.c_str());
        return exit_code_for(loaded.error());
    }
    const auto bars = indicators::BarColumns::from(loaded->series);

    std::vector<std::string> names;
    std::vector<std::vector<double>> columns;
    for (const auto& spec : *specs) {
        auto out = indicators::compute(spec, bars);
        if (!out) {
            std::fprintf(stderr, "ats: %s\n", out.error().message.c_str());
            return kExitUsage;
        }
        for (std::size_t k = 0; k < out->size(); ++k) {
            names.push_back(spec.columns[k]);
            columns.push_back(std::move((*out)[k]));
        }
    }

    std::unique_ptr<std::FILE, FileCloser> file(
        args.output == "-" ? stdout : std::fopen(args.output.c_str(), "w"));
    if (!file) {
        std::fprintf(stderr, "ats: cannot write %s\n", args.output.c_str());
        return kExitIo;
    }
    std::FILE* f = file.get();
    std::fputs("open_time", f);
    for (const auto& name : names) {
        std::fputc(',', f);
        std::fputs(name.c_str(), f);
    }
    std::fputc('\n', f);
    const auto open_time = loaded->series.open_time();
    for (std::size_t i = 0; i < bars.size(); ++i) {
        std::fprintf(f, "%lld", static_cast<long long>(open_time[i].unix_ms()));
        for (const auto& column : columns) {
            if (std::isnan(column[i])) {
                std::fputc(',', f);
            } else {
                std::fprintf(f, ",%.17g", column[i]);
            }
        }
        std::fputc('\n', f);
    }
    if (std::fflush(f) != 0 || std::ferror(f) != 0) {
        std::fprintf(stderr, "ats: error writing %s\n", args.output.c_str());
        return kExitIo;
    }
    if (args.output != "-") {
        std::fprintf(
            stderr,
            "ats: %zu bars, %zu indicator column(s) -> %s\n",
            bars.size(),
            names.size(),
            args.output.c_str());
    }
    return kExitOk;
}

}  // namespace ats::cli
