#include "ats/altdata/pit_store.hpp"

#include <algorithm>
#include <cmath>
#include <tuple>

#include <fmt/format.h>

namespace ats::altdata {

AvailabilityRule coinmetrics_daily_rule() {
    return AvailabilityRule{Duration::from_days(1), Duration::from_seconds(7 * 3600)};
}

AvailabilityRule fear_greed_rule() {
    return AvailabilityRule{Duration::from_ns(0), Duration::from_seconds(3600)};
}

Status PointInTimeStore::add(const Observation& o) {
    if (o.series.empty()) {
        return make_error(ErrorCode::kInvalidArgument, "an observation needs a series name");
    }
    if (!o.available) {
        return make_error(
            ErrorCode::kInvalidArgument,
            fmt::format(
                "{} at {}: no available time (when could a trader first have known it?); the "
                "point-in-time store refuses it",
                o.series,
                o.event.to_iso8601()));
    }
    if (*o.available < o.event) {
        return make_error(
            ErrorCode::kInvalidArgument,
            fmt::format(
                "{} at {}: available {} is before the event it describes",
                o.series,
                o.event.to_iso8601(),
                o.available->to_iso8601()));
    }
    if (!std::isfinite(o.value)) {
        return make_error(
            ErrorCode::kInvalidArgument,
            fmt::format(
                "{} at {}: the value is not a finite number", o.series, o.event.to_iso8601()));
    }
    auto& ser = data_[o.series];
    auto& v = ser.v;
    for (const auto& e : v) {
        if (e.event == o.event && e.vintage == o.vintage) {
            if (e.value == o.value) {
                return ok_status();  // the same value loaded twice
            }
            return make_error(
                ErrorCode::kInvalidArgument,
                fmt::format(
                    "{} at {}: vintage {} is already stored with another value ({} vs {}); a "
                    "revision is a new vintage",
                    o.series,
                    o.event.to_iso8601(),
                    o.vintage,
                    e.value,
                    o.value));
        }
    }
    const Entry entry{o.event, *o.available, o.ingested, o.vintage, o.value, o.source};
    const auto at = std::upper_bound(v.begin(), v.end(), entry, [](const Entry& a, const Entry& b) {
        return std::tie(a.available, a.event, a.vintage) <
               std::tie(b.available, b.event, b.vintage);
    });
    v.insert(at, entry);
    ser.dirty = true;
    ++count_;
    return ok_status();
}

Status PointInTimeStore::add(const std::vector<Observation>& all) {
    for (const auto& o : all) {
        if (auto st = add(o); !st) {
            return st;
        }
    }
    return ok_status();
}

std::optional<Observation> PointInTimeStore::as_of_observation(
    const std::string& series, Timestamp decision) const {
    const auto it = data_.find(series);
    if (it == data_.end()) {
        return std::nullopt;
    }
    const Series& ser = it->second;
    const auto& v = ser.v;
    if (ser.dirty) {
        ser.best.resize(v.size());
        for (std::size_t i = 0; i < v.size(); ++i) {
            const std::uint32_t prev = i == 0 ? 0 : ser.best[i - 1];
            ser.best[i] = i == 0 || std::tie(v[i].event, v[i].vintage) >
                                        std::tie(v[prev].event, v[prev].vintage)
                              ? static_cast<std::uint32_t>(i)
                              : prev;
        }
        ser.dirty = false;
    }
    // Everything available by the decision, then the latest event, at its latest vintage.
    const auto end = std::upper_bound(
        v.begin(), v.end(), decision, [](Timestamp t, const Entry& e) { return t < e.available; });
    if (end == v.begin()) {
        return std::nullopt;
    }
    const Entry* best = &v[ser.best[static_cast<std::size_t>(end - v.begin()) - 1]];
    return Observation{
        series,
        best->event,
        best->available,
        best->ingested,
        best->value,
        best->source,
        best->vintage};
}

std::optional<double> PointInTimeStore::as_of(const std::string& series, Timestamp decision) const {
    auto o = as_of_observation(series, decision);
    return o ? std::optional<double>(o->value) : std::nullopt;
}

std::vector<Observation> PointInTimeStore::observations(const std::string& series) const {
    std::vector<Observation> out;
    const auto it = data_.find(series);
    if (it == data_.end()) {
        return out;
    }
    out.reserve(it->second.v.size());
    for (const auto& e : it->second.v) {
        out.push_back(
            Observation{series, e.event, e.available, e.ingested, e.value, e.source, e.vintage});
    }
    return out;
}

std::vector<std::pair<Timestamp, double>> PointInTimeStore::available_in(
    const std::string& series, Timestamp after, Timestamp decision) const {
    std::vector<std::pair<Timestamp, double>> out;
    const auto it = data_.find(series);
    if (it == data_.end() || decision <= after) {
        return out;
    }
    const auto& v = it->second.v;
    const auto by_available = [](const Entry& e, Timestamp t) {
        return e.available <= t;
    };
    const auto first = std::lower_bound(v.begin(), v.end(), after, by_available);
    const auto last = std::lower_bound(first, v.end(), decision, by_available);
    std::vector<const Entry*> picked;
    for (auto e = first; e != last; ++e) {
        picked.push_back(&*e);
    }
    std::sort(picked.begin(), picked.end(), [](const Entry* a, const Entry* b) {
        return std::tie(a->event, a->vintage) < std::tie(b->event, b->vintage);
    });
    for (std::size_t i = 0; i < picked.size(); ++i) {
        if (i + 1 < picked.size() && picked[i + 1]->event == picked[i]->event) {
            continue;  // a later vintage of the same event follows
        }
        out.emplace_back(picked[i]->event, picked[i]->value);
    }
    return out;
}

std::optional<double> PointInTimeStore::by_event_time(
    const std::string& series, Timestamp t) const {
    const auto it = data_.find(series);
    if (it == data_.end()) {
        return std::nullopt;
    }
    const Entry* best = nullptr;
    for (const auto& e : it->second.v) {
        if (e.event <= t && (best == nullptr ||
                             std::tie(e.event, e.vintage) > std::tie(best->event, best->vintage))) {
            best = &e;
        }
    }
    return best != nullptr ? std::optional<double>(best->value) : std::nullopt;
}

std::vector<std::string> PointInTimeStore::series() const {
    std::vector<std::string> out;
    for (const auto& [name, ser] : data_) {
        out.push_back(name);
    }
    return out;
}

PointInTimeStore PointInTimeStore::available_by(Timestamp t) const {
    PointInTimeStore out;
    for (const auto& [name, ser] : data_) {
        auto& kept = out.data_[name];  // the series stays known even with nothing yet
        for (const auto& e : ser.v) {
            if (e.available <= t) {
                kept.v.push_back(e);
                ++out.count_;
            }
        }
    }
    return out;
}

}  // namespace ats::altdata
