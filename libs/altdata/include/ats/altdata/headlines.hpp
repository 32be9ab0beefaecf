#pragma once

#include <string>
#include <vector>

#include "ats/altdata/pit_store.hpp"
#include "ats/core/error.hpp"

namespace ats::altdata {

struct Headline {
    Timestamp published;  ///< as the file states it
    Timestamp available;  ///< when a trader could have read it (docs/altdata.md)
    std::string title;
    std::string source;
};

/// A headline CSV whose first column is `published_utc` (UTC: available at once) or
/// `published_time_tz_unstated` (timezone unknown: available `unstated_tz_lag` later, by default
/// 14 h: the file could be in any zone down to UTC-12, plus 2 h of margin). Then `title` and
/// `source`. Quoted fields are read as CSV. kParse names file:line for a bad row.
Result<std::vector<Headline>> load_headlines_csv(
    const std::string& path, Duration unstated_tz_lag = Duration::from_seconds(14 * 3600));

/// Per bucket of publication time (`bucket`, e.g. 1 h or 1 day) with at least one headline:
/// `news.sentiment_mean:<name>` (mean compound), `news.count:<name>` and
/// `news.surprise:<name>` (the mean minus the mean of the `trailing` previous buckets that had
/// headlines; none until there are that many). Event = the bucket's start; available = the
/// bucket's end or its last headline's available time, whichever is later.
std::vector<Observation> aggregate_sentiment(
    const std::vector<Headline>& headlines,
    Duration bucket,
    const std::string& name,
    int trailing,
    Timestamp ingested);

}  // namespace ats::altdata
