// `ats altdata collect` and `ats altdata show` (docs/altdata.md).
#include "altdata_command.hpp"

#include <cstdio>
#include <map>
#include <sstream>

#include <fmt/format.h>

#include "ats/altdata/alt_db.hpp"
#include "ats/altdata_collect/collectors.hpp"

#include "cli_common.hpp"
#include "exit_codes.hpp"

namespace ats::cli {
namespace {

std::vector<std::string> split(const std::string& s) {
    std::vector<std::string> out;
    std::stringstream ss(s);
    std::string item;
    while (std::getline(ss, item, ',')) {
        if (!item.empty()) {
            out.push_back(item);
        }
    }
    return out;
}

}  // namespace

int run_altdata_collect(const AltdataCollectArgs& args) {
    static const std::map<std::string, std::string> kDefaultUrl = {
        {"coinmetrics", "https://community-api.coinmetrics.io"},
        {"fear-greed", "https://api.alternative.me"},
        {"news", "https://min-api.cryptocompare.com"}};
    const auto url = kDefaultUrl.find(args.source);
    if (url == kDefaultUrl.end()) {
        return fail("--source: coinmetrics, fear-greed or news", kExitUsage);
    }
    if (!(args.rate > 0) || args.rate > 100 || args.max_attempts < 1 || args.max_attempts > 100) {
        return fail("--rate must be in (0, 100] and --max-attempts in [1, 100]", kExitUsage);
    }
    auto db = altdata::AltDb::open(args.db);
    if (!db) {
        return fail(db.error().message, exit_code_for(db.error()));
    }
    altdata::CollectOptions o;
    o.base_url = args.base_url.value_or(url->second);
    o.requests_per_second = args.rate;
    o.max_attempts = args.max_attempts;
    if (!args.no_progress) {
        o.progress = [](const std::string& line) {
            std::fprintf(stderr, "%s\n", line.c_str());
        };
    }
    Result<altdata::CollectReport> r = make_error(ErrorCode::kInternal, "no source");
    if (args.source == "coinmetrics") {
        r = altdata::collect_coinmetrics(*db, o, args.asset, split(args.metrics), args.start);
    } else if (args.source == "fear-greed") {
        r = altdata::collect_fear_greed(*db, o);
    } else {
        const auto start = Timestamp::parse_iso8601(args.start.empty() ? "2020-01-01" : args.start);
        if (!start) {
            return fail(fmt::format("--start: {}", start.error().message), kExitUsage);
        }
        r = altdata::collect_news(*db, o, *start);
    }
    if (!r) {
        return fail(r.error().message, exit_code_for(r.error()));
    }
    std::printf(
        "collected %s into %s: %zu requests (%zu retried, %zu rate limited), %zu new values, "
        "%zu revisions (new vintages), %zu unchanged, %zu new headlines\n",
        args.source.c_str(),
        args.db.c_str(),
        r->requests,
        r->retries,
        r->rate_limited,
        r->saved.added,
        r->saved.revised,
        r->saved.unchanged,
        r->headlines);
    return kExitOk;
}

int run_altdata_show(const std::string& db_path) {
    auto db = altdata::AltDb::open(db_path);
    if (!db) {
        return fail(db.error().message, exit_code_for(db.error()));
    }
    auto all = db->observations({});
    auto headlines = db->load_headlines();
    if (!all || !headlines) {
        return fail(!all ? all.error().message : headlines.error().message, kExitIo);
    }
    struct Summary {
        std::size_t values = 0;
        std::size_t revisions = 0;
        Timestamp first;
        Timestamp last;
    };
    std::map<std::string, Summary> by;
    for (const auto& o : *all) {
        auto& s = by[o.series];
        if (s.values == 0) {
            s.first = s.last = o.event;
        }
        ++s.values;
        s.revisions += o.vintage > 0 ? 1U : 0U;
        s.first = std::min(s.first, o.event);
        s.last = std::max(s.last, o.event);
    }
    std::printf("%-32s %8s %9s  %-10s  %-10s\n", "series", "values", "revisions", "first", "last");
    for (const auto& [name, s] : by) {
        std::printf(
            "%-32s %8zu %9zu  %-10s  %-10s\n",
            name.c_str(),
            s.values,
            s.revisions,
            s.first.to_iso8601().substr(0, 10).c_str(),
            s.last.to_iso8601().substr(0, 10).c_str());
    }
    std::printf("headlines %zu", headlines->size());
    if (!headlines->empty()) {
        std::printf(
            " (%s .. %s)",
            headlines->front().published.to_iso8601().c_str(),
            headlines->back().published.to_iso8601().c_str());
    }
    std::printf("\n");
    return kExitOk;
}

}  // namespace ats::cli
