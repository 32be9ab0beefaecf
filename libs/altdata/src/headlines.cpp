#include "ats/altdata/headlines.hpp"

#include <algorithm>
#include <deque>
#include <fstream>
#include <map>

#include <fmt/format.h>

#include "ats/altdata/sentiment.hpp"

namespace ats::altdata {
namespace {

/// One CSV record's fields (RFC 4180 quotes; no newlines inside fields in these files).
bool parse_csv_line(const std::string& line, std::vector<std::string>& out) {
    out.clear();
    std::string cur;
    bool quoted = false;
    for (std::size_t i = 0; i < line.size(); ++i) {
        const char c = line[i];
        if (quoted) {
            if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
                cur += '"';
                ++i;
            } else if (c == '"') {
                quoted = false;
            } else {
                cur += c;
            }
        } else if (c == '"') {
            quoted = true;
        } else if (c == ',') {
            out.push_back(cur);
            cur.clear();
        } else {
            cur += c;
        }
    }
    out.push_back(cur);
    return !quoted;
}

}  // namespace

Result<std::vector<Headline>> load_headlines_csv(
    const std::string& path, Duration unstated_tz_lag) {
    std::ifstream in(path);
    if (!in) {
        return make_error(ErrorCode::kNotFound, fmt::format("{}: cannot read", path));
    }
    std::string line;
    std::vector<std::string> f;
    if (!std::getline(in, line) || !parse_csv_line(line, f) || f.size() < 3) {
        return make_error(ErrorCode::kParse, fmt::format("{}:1: expected a header", path));
    }
    Duration lag;
    if (f[0] == "published_utc") {
        lag = Duration::from_ns(0);
    } else if (f[0] == "published_time_tz_unstated") {
        lag = unstated_tz_lag;
    } else {
        return make_error(
            ErrorCode::kParse,
            fmt::format(
                "{}:1: the first column must be published_utc or published_time_tz_unstated, got "
                "'{}'",
                path,
                f[0]));
    }
    if (f[1] != "title" || f[2] != "source") {
        return make_error(ErrorCode::kParse, fmt::format("{}:1: expected title,source next", path));
    }
    std::vector<Headline> out;
    std::size_t n = 1;
    while (std::getline(in, line)) {
        ++n;
        if (line.empty()) {
            continue;
        }
        if (!parse_csv_line(line, f) || f.size() < 3) {
            return make_error(ErrorCode::kParse, fmt::format("{}:{}: a bad CSV row", path, n));
        }
        auto t = Timestamp::parse_iso8601(f[0]);
        if (!t) {
            return make_error(
                ErrorCode::kParse,
                fmt::format(
                    "{}:{}: column '{}': '{}' is not a time",
                    path,
                    n,
                    lag.ns() == 0 ? "published_utc" : "published_time_tz_unstated",
                    f[0]));
        }
        if (f[1].empty()) {
            return make_error(ErrorCode::kParse, fmt::format("{}:{}: empty title", path, n));
        }
        out.push_back(Headline{*t, *t + lag, f[1], f[2]});
    }
    return out;
}

std::vector<Observation> aggregate_sentiment(
    const std::vector<Headline>& headlines,
    Duration bucket,
    const std::string& name,
    int trailing,
    Timestamp ingested) {
    struct Acc {
        double sum = 0;
        int count = 0;
        Timestamp available;
    };
    std::map<Timestamp, Acc> buckets;
    for (const auto& h : headlines) {
        const Timestamp start = h.published.floor(bucket);
        Acc& a = buckets[start];
        a.sum += score_headline(h.title).compound;
        a.count += 1;
        a.available = std::max({a.available, start + bucket, h.available});
    }
    std::vector<Observation> out;
    std::deque<double> past;
    for (const auto& [start, a] : buckets) {
        const double mean = a.sum / a.count;
        const auto add = [&](const char* what, double v) {
            out.push_back(Observation{
                fmt::format("news.{}:{}", what, name),
                start,
                a.available,
                ingested,
                v,
                "headlines",
                0});
        };
        add("sentiment_mean", mean);
        add("count", a.count);
        if (static_cast<int>(past.size()) == trailing && trailing > 0) {
            double m = 0;
            for (const double p : past) {
                m += p;
            }
            add("surprise", mean - m / trailing);
        }
        past.push_back(mean);
        if (static_cast<int>(past.size()) > trailing) {
            past.pop_front();
        }
    }
    return out;
}

}  // namespace ats::altdata
