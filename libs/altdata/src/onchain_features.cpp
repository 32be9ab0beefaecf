#include "ats/altdata/onchain_features.hpp"

#include <algorithm>
#include <cmath>
#include <deque>
#include <map>

#include <fmt/format.h>

namespace ats::altdata {
namespace {

struct Point {
    Timestamp event;
    Timestamp available;
    double value = 0;
};

/// One metric's latest vintage per event, in event order.
std::vector<Point> metric(const std::vector<Observation>& raw, const std::string& series) {
    std::map<Timestamp, std::pair<std::int64_t, Point>> by_event;
    for (const auto& o : raw) {
        if (o.series != series || !o.available) {
            continue;
        }
        auto it = by_event.find(o.event);
        if (it == by_event.end() || o.vintage > it->second.first) {
            by_event[o.event] = {o.vintage, Point{o.event, *o.available, o.value}};
        }
    }
    std::vector<Point> out;
    for (const auto& [t, p] : by_event) {
        out.push_back(p.second);
    }
    return out;
}

void zscore(
    const std::vector<Point>& xs,
    int window,
    const std::string& name,
    Timestamp ingested,
    std::vector<Observation>& out) {
    // A value is known once every input in its window is: with revised vintages an older input
    // can become available after a newer one, so the latest available time of the window counts.
    std::deque<Point> w;
    double sum = 0;
    double sq = 0;
    for (const auto& p : xs) {
        w.push_back(p);
        sum += p.value;
        sq += p.value * p.value;
        if (static_cast<int>(w.size()) > window) {
            sum -= w.front().value;
            sq -= w.front().value * w.front().value;
            w.pop_front();
        }
        if (static_cast<int>(w.size()) < window) {
            continue;  // not warm yet
        }
        const double n = window;
        const double mean = sum / n;
        const double var = std::max(sq / n - mean * mean, 0.0);
        const double sd = std::sqrt(var);
        Timestamp available = p.available;
        for (const auto& q : w) {
            available = std::max(available, q.available);
        }
        out.push_back(Observation{
            name,
            p.event,
            available,
            ingested,
            sd > 0 ? (p.value - mean) / sd : 0.0,
            "derived",
            0});
    }
}

}  // namespace

std::vector<Observation> onchain_features(
    const std::vector<Observation>& raw,
    const std::string& asset,
    int window,
    int long_window,
    Timestamp ingested) {
    std::vector<Observation> out;
    const auto src = [&](const char* m) {
        return metric(raw, fmt::format("onchain.{}.{}", asset, m));
    };
    zscore(
        src("AdrActCnt"),
        window,
        fmt::format("onchain_active_addresses_z:{}", window),
        ingested,
        out);
    zscore(src("TxCnt"), window, fmt::format("onchain_tx_count_z:{}", window), ingested, out);
    zscore(src("FeeTotNtv"), window, fmt::format("onchain_fees_z:{}", window), ingested, out);
    {
        const auto in = src("FlowInExNtv");
        const auto outflow = src("FlowOutExNtv");
        std::map<Timestamp, Point> o;
        for (const auto& p : outflow) {
            o[p.event] = p;
        }
        std::vector<Point> net;
        for (const auto& p : in) {
            const auto it = o.find(p.event);
            if (it != o.end()) {
                net.push_back(Point{
                    p.event,
                    std::max(p.available, it->second.available),
                    p.value - it->second.value});
            }
        }
        zscore(net, window, fmt::format("onchain_exchange_netflow_z:{}", window), ingested, out);
    }
    {
        const auto hr = src("HashRate");
        for (std::size_t i = static_cast<std::size_t>(window); i < hr.size(); ++i) {
            const auto& now = hr[i];
            const auto& then = hr[i - static_cast<std::size_t>(window)];
            if (now.value > 0 && then.value > 0) {
                out.push_back(Observation{
                    fmt::format("onchain_hash_rate_chg:{}", window),
                    now.event,
                    std::max(now.available, then.available),
                    ingested,
                    std::log(now.value / then.value),
                    "derived",
                    0});
            }
        }
    }
    const auto mvrv = src("CapMVRVCur");
    for (const auto& p : mvrv) {
        out.push_back(
            Observation{"onchain_mvrv", p.event, p.available, ingested, p.value, "derived", 0});
    }
    zscore(mvrv, long_window, fmt::format("onchain_mvrv_z:{}", long_window), ingested, out);
    return out;
}

}  // namespace ats::altdata
