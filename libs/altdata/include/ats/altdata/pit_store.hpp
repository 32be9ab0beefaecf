#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "ats/core/error.hpp"
#include "ats/core/time.hpp"

namespace ats::altdata {

/// One value of an external series with its three times (docs/altdata.md): what it describes
/// (`event`, the start of its day for daily data), when a trader could first have known it
/// (`available`), and when it was stored (`ingested`); plus its source and vintage (a revised
/// value is a new vintage, never an overwrite).
struct Observation {
    std::string series;  ///< e.g. "onchain.BTC.AdrActCnt", "fear_greed"
    Timestamp event;
    std::optional<Timestamp> available;  ///< required: the store refuses a value without it
    Timestamp ingested;
    double value = 0;
    std::string source;
    std::int64_t vintage = 0;
};

/// How late a source's values can be known: `available = event_end + lag`, with event_end the
/// end of the period the value describes (a day's end for daily data; the event itself for
/// instants such as headlines).
struct AvailabilityRule {
    Duration period;  ///< length of what one value describes (1 day; 0 for instants)
    Duration lag;     ///< after the period's end
    Timestamp available_for(Timestamp event) const { return event + period + lag; }
};

/// Documented defaults (docs/altdata.md).
AvailabilityRule coinmetrics_daily_rule();  ///< the next day at 07:00 UTC
AvailabilityRule fear_greed_rule();         ///< the file's own time (00:00 UTC of its day) + 1 h

/// The point-in-time store: values are read as of a decision time, using only what was
/// available then (the latest event available by then, at its latest vintage available by
/// then). A value without an available time, or known before its event, is refused.
class PointInTimeStore {
public:
    /// kInvalidArgument when `available` is unset or before `event`, the value is not finite,
    /// or the same (series, event, vintage) is already stored with a different value.
    Status add(const Observation& o);
    Status add(const std::vector<Observation>& all);

    /// The value of `series` a trader had at `decision` (nullopt: nothing available yet).
    std::optional<double> as_of(const std::string& series, Timestamp decision) const;
    /// The same with the observation's times, for audits.
    std::optional<Observation> as_of_observation(
        const std::string& series, Timestamp decision) const;
    /// The naive join (for comparison only): the value whose event period covers `t`, whenever
    /// it was published. This is the look-ahead the store exists to prevent.
    std::optional<double> by_event_time(const std::string& series, Timestamp t) const;
    /// A window join: (event, value) of every event of `series` with a value that became
    /// available in (after, decision], each at its latest vintage available by `decision`, in
    /// event order (e.g. the hourly headline buckets read in the last 24 h).
    std::vector<std::pair<Timestamp, double>> available_in(
        const std::string& series, Timestamp after, Timestamp decision) const;

    std::vector<std::string> series() const;
    /// Every stored value of `series` (all vintages), in available-time order.
    std::vector<Observation> observations(const std::string& series) const;
    std::size_t size() const noexcept { return count_; }
    /// A copy holding only what was available by `t` (the truncation test). Every series stays
    /// listed by series(), possibly empty.
    PointInTimeStore available_by(Timestamp t) const;

private:
    struct Entry {
        Timestamp event;
        Timestamp available;
        Timestamp ingested;
        std::int64_t vintage = 0;
        double value = 0;
        std::string source;
    };
    /// Per series, sorted by available time (then event, then vintage), with the index of the
    /// latest (event, vintage) in each prefix, rebuilt lazily after adds.
    struct Series {
        std::vector<Entry> v;
        mutable std::vector<std::uint32_t> best;
        mutable bool dirty = true;
    };
    std::map<std::string, Series> data_;
    std::size_t count_ = 0;
};

}  // namespace ats::altdata
