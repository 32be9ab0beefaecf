#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "ats/altdata/headlines.hpp"
#include "ats/altdata/pit_store.hpp"
#include "ats/core/error.hpp"

namespace ats::altdata {

/// Where a run's alternative data comes from: the `[altdata]` table of a TOML file
/// (docs/altdata.md). Paths are as written (relative to the working directory).
struct AltDataConfig {
    std::map<std::string, std::string> onchain;  ///< asset ("BTC") -> Coin Metrics daily CSV
    std::string fear_greed;                      ///< Fear & Greed CSV ("" = none)
    std::vector<std::string> headlines;          ///< headline CSVs (see load_headlines_csv)
    double unstated_tz_lag_hours = 14;           ///< lag for headline times without a timezone
    /// Coin Metrics daily values: available this many hours after their day ends (default 7:
    /// the next day 07:00 UTC); Fear & Greed: hours after the file's time (default 1).
    double coinmetrics_lag_hours = 7;
    double fear_greed_lag_hours = 1;
    std::string db;  ///< a database `ats altdata collect` filled ("" = none), read with the files
    std::string source;  ///< the file it was read from, for messages
};

/// Reads the `[altdata]` table of `path`. kNotFound without the file or the table,
/// kInvalidArgument for a bad key or value (named), kParse for bad TOML.
Result<AltDataConfig> load_altdata_config(const std::string& path);

/// "BTCUSDT" -> "BTC": the symbol without its quote asset (USDT, USDC, FDUSD, BUSD, TUSD, DAI,
/// USD, EUR, BTC, ETH, BNB). The symbol itself when no quote matches.
std::string base_asset(std::string_view symbol);

/// True when `name` is spelled like an alternative-data feature (it may still be unknown):
/// it starts with "onchain_", "news_" or "fear_greed".
bool is_alt_feature_name(std::string_view name);

/// Checks the spelling and ranges of an alternative-data feature name (no data needed):
///   fear_greed                        the latest Fear & Greed value (0..100)
///   onchain_active_addresses_z:N      and the other on-chain features of onchain_features(),
///   onchain_tx_count_z:N              N (days) in [2, 3650] for z-scores, [1, 3650] for
///   onchain_fees_z:N                  onchain_hash_rate_chg
///   onchain_exchange_netflow_z:N
///   onchain_hash_rate_chg:N
///   onchain_mvrv
///   onchain_mvrv_z:N
///   news_sentiment_mean:W             mean headline compound of the headlines readable in the
///                                     last W (e.g. 24h, 7d; 1h..90d); 0 when there were none;
///                                     NaN before the first headline or when the newest one is
///                                     older than max(W, 7 days) (the feed stopped)
///   news_count:W                      how many
///   news_surprise:W                   news_sentiment_mean:W minus the mean over the 10 W
///                                     before that window
/// kInvalidArgument names the problem.
Status check_alt_feature_name(std::string_view name);

/// One alternative-data feature of one asset, read point in time: `at(decision)` uses only
/// values available by `decision` (NaN when nothing is, or outside the data's coverage).
class AltSeries {
public:
    virtual ~AltSeries() = default;
    virtual double at(Timestamp decision) const = 0;
    /// The values behind it with their event and available times (for charts and audits); empty
    /// for windows computed at each decision (news_*).
    virtual std::vector<Observation> observations() const { return {}; }
};

/// Alternative data loaded once and shared read-only by every feature that reads it.
class AltData : public std::enable_shared_from_this<AltData> {
public:
    /// Loads every file of `config` into a point-in-time store (their values ingested at
    /// `ingested`). Errors name the file and line.
    static Result<std::shared_ptr<const AltData>> load(
        const AltDataConfig& config, Timestamp ingested);
    /// The same from values already stored (e.g. collected by `ats altdata collect`).
    static Result<std::shared_ptr<const AltData>> from_store(
        PointInTimeStore store, std::vector<Headline> headlines, std::string source);

    /// The feature `name` for `asset` ("BTC"). kInvalidArgument for a bad name, kNotFound when
    /// the data has no such series for the asset (e.g. no on-chain file for it).
    Result<std::shared_ptr<const AltSeries>> feature(
        std::string_view name, std::string_view asset) const;

    const PointInTimeStore& store() const noexcept { return store_; }
    /// Where the data came from (a config path), for metadata and messages.
    const std::string& source() const noexcept { return source_; }

private:
    /// The store, kept alive by this object (features outlive their caller's handle).
    std::shared_ptr<const PointInTimeStore> shared_store() const {
        return {shared_from_this(), &store_};
    }

    PointInTimeStore store_;
    bool has_news_ = false;
    std::string source_;
};

}  // namespace ats::altdata
