#pragma once

#include <string>
#include <vector>

#include "ats/altdata/pit_store.hpp"
#include "ats/core/error.hpp"

namespace ats::altdata {

/// A Coin Metrics daily CSV (`date,<metric>,...`, one row per UTC day): one observation per
/// non-empty cell, series "onchain.<ASSET>.<metric>", event = the day's 00:00 UTC, available by
/// `rule` (default: the next day 07:00 UTC), vintage 0, source "coinmetrics-community".
/// kParse names file:line and column for a bad cell; never a crash.
Result<std::vector<Observation>> load_coinmetrics_csv(
    const std::string& path,
    const std::string& asset,
    Timestamp ingested,
    const AvailabilityRule& rule = coinmetrics_daily_rule());

/// The Alternative.me Fear & Greed CSV (`date,timestamp_s,value,classification`): series
/// "fear_greed", event = `timestamp_s`, available by `rule` (default: that time + 1 h).
Result<std::vector<Observation>> load_fear_greed_csv(
    const std::string& path, Timestamp ingested, const AvailabilityRule& rule = fear_greed_rule());

}  // namespace ats::altdata
