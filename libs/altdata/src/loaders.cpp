#include "ats/altdata/loaders.hpp"

#include <charconv>
#include <cmath>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

namespace ats::altdata {
namespace {

std::vector<std::string> split(const std::string& line) {
    std::vector<std::string> out;
    std::string cell;
    std::stringstream ss(line);
    while (std::getline(ss, cell, ',')) {
        out.push_back(cell);
    }
    if (!line.empty() && line.back() == ',') {
        out.emplace_back();
    }
    return out;
}

bool parse_double(const std::string& s, double& out) {
    const char* b = s.data();
    const char* e = s.data() + s.size();
    const auto [p, ec] = std::from_chars(b, e, out);
    return ec == std::errc() && p == e && std::isfinite(out);
}

}  // namespace

Result<std::vector<Observation>> load_coinmetrics_csv(
    const std::string& path,
    const std::string& asset,
    Timestamp ingested,
    const AvailabilityRule& rule) {
    std::ifstream in(path);
    if (!in) {
        return make_error(ErrorCode::kNotFound, fmt::format("{}: cannot read", path));
    }
    std::string line;
    if (!std::getline(in, line)) {
        return make_error(ErrorCode::kParse, fmt::format("{}: empty file", path));
    }
    const auto header = split(line);
    if (header.empty() || header[0] != "date" || header.size() < 2) {
        return make_error(
            ErrorCode::kParse, fmt::format("{}:1: expected a header date,<metric>,...", path));
    }
    std::vector<Observation> out;
    std::size_t line_no = 1;
    std::optional<Timestamp> previous;
    while (std::getline(in, line)) {
        ++line_no;
        if (line.empty()) {
            continue;
        }
        const auto cells = split(line);
        if (cells.size() != header.size()) {
            return make_error(
                ErrorCode::kParse,
                fmt::format(
                    "{}:{}: {} cells, the header has {}",
                    path,
                    line_no,
                    cells.size(),
                    header.size()));
        }
        auto day = Timestamp::parse_iso8601(cells[0]);
        if (!day || cells[0].size() != 10) {
            return make_error(
                ErrorCode::kParse,
                fmt::format(
                    "{}:{}: column 'date': '{}' is not YYYY-MM-DD", path, line_no, cells[0]));
        }
        if (previous && *day <= *previous) {
            return make_error(
                ErrorCode::kParse,
                fmt::format(
                    "{}:{}: date {} does not follow the previous row (duplicate or out of "
                    "order)",
                    path,
                    line_no,
                    cells[0]));
        }
        previous = *day;
        for (std::size_t c = 1; c < cells.size(); ++c) {
            if (cells[c].empty()) {
                continue;  // Coin Metrics has no value that day
            }
            double v = 0;
            if (!parse_double(cells[c], v)) {
                return make_error(
                    ErrorCode::kParse,
                    fmt::format(
                        "{}:{}: column '{}': '{}' is not a number",
                        path,
                        line_no,
                        header[c],
                        cells[c]));
            }
            out.push_back(Observation{
                fmt::format("onchain.{}.{}", asset, header[c]),
                *day,
                rule.available_for(*day),
                ingested,
                v,
                "coinmetrics-community",
                0});
        }
    }
    return out;
}

Result<std::vector<Observation>> load_fear_greed_csv(
    const std::string& path, Timestamp ingested, const AvailabilityRule& rule) {
    std::ifstream in(path);
    if (!in) {
        return make_error(ErrorCode::kNotFound, fmt::format("{}: cannot read", path));
    }
    std::string line;
    if (!std::getline(in, line) || line.rfind("date,timestamp_s,value", 0) != 0) {
        return make_error(
            ErrorCode::kParse,
            fmt::format("{}:1: expected the header date,timestamp_s,value,classification", path));
    }
    std::vector<Observation> out;
    std::size_t line_no = 1;
    while (std::getline(in, line)) {
        ++line_no;
        if (line.empty()) {
            continue;
        }
        const auto cells = split(line);
        double ts = 0;
        double v = 0;
        if (cells.size() < 3 || !parse_double(cells[1], ts) || !parse_double(cells[2], v) ||
            v < 0 || v > 100 || ts != std::floor(ts)) {
            return make_error(
                ErrorCode::kParse,
                fmt::format(
                    "{}:{}: expected a whole timestamp_s and a value in [0, 100]", path, line_no));
        }
        const auto event = Timestamp::from_unix_seconds(static_cast<std::int64_t>(ts));
        out.push_back(Observation{
            "fear_greed", event, rule.available_for(event), ingested, v, "alternative.me", 0});
    }
    return out;
}

}  // namespace ats::altdata
