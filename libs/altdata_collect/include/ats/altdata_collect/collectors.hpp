#pragma once

#include <functional>
#include <string>
#include <vector>

#include "ats/altdata/alt_db.hpp"
#include "ats/core/error.hpp"
#include "ats/core/time.hpp"

namespace ats::altdata {

/// How a collector talks to its API (docs/altdata.md).
struct CollectOptions {
    std::string base_url;            ///< e.g. https://community-api.coinmetrics.io or a local stub
    double requests_per_second = 1;  ///< client-side spacing of requests, (0, 100]
    int max_attempts = 5;  ///< per request, across 429, 5xx, timeouts, dropped connections
    Duration timeout = Duration::from_seconds(20);
    Duration max_wait = Duration::from_seconds(300);  ///< a longer Retry-After is an error
    /// Waits; tests record the waits instead of sleeping. Default: sleep_for.
    std::function<void(Duration)> sleep;
    /// The ingest time of collected values. Default: the system clock.
    std::function<Timestamp()> now;
    /// Progress lines ("page 3: 100 values"); none by default.
    std::function<void(const std::string&)> progress;
};

struct CollectReport {
    std::size_t requests = 0;
    std::size_t retries = 0;       ///< 5xx, timeouts, dropped connections
    std::size_t rate_limited = 0;  ///< 429 replies
    AltDb::Saved saved;
    std::size_t headlines = 0;  ///< new headlines (news)
};

/// Coin Metrics community API v4 (`/v4/timeseries/asset-metrics`), daily metrics of `asset`
/// ("btc") from `start` (a UTC day; default: the day after the last collected one, else
/// 2020-01-01), following `next_page_token`. Values become "onchain.<ASSET>.<metric>" exactly as
/// load_coinmetrics_csv names them, available by coinmetrics_daily_rule(). Each page is committed
/// with the cursor, so an interrupted run resumes where it stopped.
Result<CollectReport> collect_coinmetrics(
    AltDb& db,
    const CollectOptions& options,
    const std::string& asset,
    const std::vector<std::string>& metrics,
    const std::string& start = {});

/// Alternative.me Fear & Greed (`/fng/?limit=N&format=json`): the whole history on the first run,
/// then the days since the last one (plus a few, to see revisions). Series "fear_greed".
Result<CollectReport> collect_fear_greed(AltDb& db, const CollectOptions& options);

/// CryptoCompare news v2 (`/data/v2/news/?lang=EN&lTs=...`): headlines published from the second
/// of the newest collected one (or from `start`), paging back in time with lTs = the oldest
/// second seen (headlines sharing a second across pages are all kept; none is stored twice);
/// scored in-process at load time. The cursor moves only when a run completes.
Result<CollectReport> collect_news(
    AltDb& db,
    const CollectOptions& options,
    Timestamp start,
    const std::string& feed = "cryptocompare");

}  // namespace ats::altdata
