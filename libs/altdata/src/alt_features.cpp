#include "ats/altdata/alt_features.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <limits>

#include <fmt/format.h>
#include <toml++/toml.h>

#include "ats/altdata/alt_db.hpp"
#include "ats/altdata/loaders.hpp"
#include "ats/altdata/onchain_features.hpp"
#include "ats/core/toml_file.hpp"

namespace ats::altdata {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
/// A daily value older than this at the decision is stale (the feed stopped): NaN, not the last
/// value carried forward for months.
constexpr Duration kDailyMaxAge = Duration::from_days(3);
constexpr const char* kNewsMean = "news.sentiment_mean:1h";
constexpr const char* kNewsCount = "news.count:1h";

/// "<prefix>:<int>" -> the int in [lo, hi], or -1.
int window_of(std::string_view name, std::string_view prefix, int lo, int hi) {
    if (!name.starts_with(prefix) || name.size() <= prefix.size() + 1 ||
        name[prefix.size()] != ':') {
        return -1;
    }
    const auto digits = name.substr(prefix.size() + 1);
    int v = 0;
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v);
    if (ec != std::errc{} || end != digits.data() + digits.size() || v < lo || v > hi) {
        return -1;
    }
    return v;
}

/// "24h" / "7d" -> hours in [1, 90 days], or -1.
int hours_of(std::string_view w) {
    if (w.size() < 2) {
        return -1;
    }
    const char unit = w.back();
    const auto digits = w.substr(0, w.size() - 1);
    int v = 0;
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v);
    if (ec != std::errc{} || end != digits.data() + digits.size() || v < 1) {
        return -1;
    }
    const long hours = unit == 'h' ? v : unit == 'd' ? static_cast<long>(v) * 24 : -1;
    return hours >= 1 && hours <= 90 * 24 ? static_cast<int>(hours) : -1;
}

constexpr std::array<std::string_view, 5> kOnchainZ = {
    "onchain_active_addresses_z",
    "onchain_tx_count_z",
    "onchain_fees_z",
    "onchain_exchange_netflow_z",
    "onchain_mvrv_z"};
constexpr std::array<std::string_view, 3> kNewsKinds = {
    "news_sentiment_mean", "news_count", "news_surprise"};

/// The latest value of one series as of the decision, NaN when none or stale.
class AsOfSeries final : public AltSeries {
public:
    AsOfSeries(std::shared_ptr<const PointInTimeStore> store, std::string series)
        : store_(std::move(store)), series_(std::move(series)) {}
    double at(Timestamp decision) const override {
        const auto o = store_->as_of_observation(series_, decision);
        if (!o || o->event + Duration::from_days(1) + kDailyMaxAge < decision) {
            return kNaN;
        }
        return o->value;
    }
    std::vector<Observation> observations() const override { return store_->observations(series_); }

private:
    std::shared_ptr<const PointInTimeStore> store_;
    std::string series_;
};

enum class NewsKind : unsigned char { kMean, kCount, kSurprise };

/// Hourly headline buckets read in a window before the decision.
class NewsWindow final : public AltSeries {
public:
    NewsWindow(std::shared_ptr<const PointInTimeStore> store, Duration window, NewsKind kind)
        : store_(std::move(store)), window_(window), kind_(kind) {}

    double at(Timestamp decision) const override {
        // Before the first headline, or when the newest one readable is older than the window
        // and a week (the feed stopped), a count of zero would be a fabrication. Decided from
        // what was readable at the decision only.
        const auto newest = store_->as_of_observation(kNewsCount, decision);
        if (!newest || !newest->available ||
            decision - *newest->available > std::max(window_, Duration::from_days(7))) {
            return kNaN;
        }
        const auto [sum, count] = totals(decision - window_, decision);
        const double mean = count > 0 ? sum / count : 0.0;
        switch (kind_) {
            case NewsKind::kMean:
                return mean;
            case NewsKind::kCount:
                return count;
            case NewsKind::kSurprise: {
                const auto [psum, pcount] = totals(decision - window_ * 11, decision - window_);
                return mean - (pcount > 0 ? psum / pcount : 0.0);
            }
        }
        return kNaN;
    }

private:
    /// (sum of compounds, headline count) of the buckets readable in (after, until].
    std::pair<double, double> totals(Timestamp after, Timestamp until) const {
        const auto means = store_->available_in(kNewsMean, after, until);
        const auto counts = store_->available_in(kNewsCount, after, until);
        double sum = 0;
        double count = 0;
        for (std::size_t i = 0; i < means.size() && i < counts.size(); ++i) {
            sum += means[i].second * counts[i].second;
            count += counts[i].second;
        }
        return {sum, count};
    }

    std::shared_ptr<const PointInTimeStore> store_;
    Duration window_;
    NewsKind kind_;
};

Status bad(const std::string& source, const std::string& what) {
    return make_error(ErrorCode::kInvalidArgument, fmt::format("{}: [altdata] {}", source, what));
}

}  // namespace

Result<AltDataConfig> load_altdata_config(const std::string& path) {
    auto parsed = read_toml_file(path);
    if (!parsed) {
        return tl::unexpected(parsed.error());
    }
    const toml::table& root = *parsed;
    const auto* table = root["altdata"].as_table();
    if (table == nullptr) {
        return make_error(ErrorCode::kNotFound, fmt::format("{}: no [altdata] table", path));
    }
    AltDataConfig out;
    out.source = path;
    for (const auto& [key, node] : *table) {
        const std::string k(key.str());
        if (k == "onchain") {
            const auto* assets = node.as_table();
            if (assets == nullptr) {
                return tl::unexpected(
                    bad(path, "onchain: expected a table of ASSET = \"file.csv\"").error());
            }
            for (const auto& [asset, file] : *assets) {
                const auto f = file.value<std::string>();
                if (!f || f->empty()) {
                    return tl::unexpected(
                        bad(path, fmt::format("onchain.{}: expected a file name", asset.str()))
                            .error());
                }
                out.onchain[std::string(asset.str())] = *f;
            }
        } else if (k == "fear_greed") {
            const auto f = node.value<std::string>();
            if (!f) {
                return tl::unexpected(bad(path, "fear_greed: expected a file name").error());
            }
            out.fear_greed = *f;
        } else if (k == "headlines") {
            const auto* files = node.as_array();
            if (files == nullptr) {
                return tl::unexpected(
                    bad(path, "headlines: expected a list of file names").error());
            }
            for (const auto& f : *files) {
                const auto name = f.value<std::string>();
                if (!name || name->empty()) {
                    return tl::unexpected(
                        bad(path, "headlines: every entry must be a file name").error());
                }
                out.headlines.push_back(*name);
            }
        } else if (k == "db") {
            const auto f = node.value<std::string>();
            if (!f || f->empty()) {
                return tl::unexpected(bad(path, "db: expected a file name").error());
            }
            out.db = *f;
        } else if (
            k == "unstated_tz_lag_hours" || k == "coinmetrics_lag_hours" ||
            k == "fear_greed_lag_hours") {
            const double max = k == "unstated_tz_lag_hours" ? 48 : 168;
            const auto v = node.value<double>();
            if (!v || !std::isfinite(*v) || *v < 0 || *v > max) {
                return tl::unexpected(
                    bad(path, fmt::format("{}: expected a number of hours in [0, {}]", k, max))
                        .error());
            }
            (k == "unstated_tz_lag_hours"   ? out.unstated_tz_lag_hours
             : k == "coinmetrics_lag_hours" ? out.coinmetrics_lag_hours
                                            : out.fear_greed_lag_hours) = *v;
        } else {
            return tl::unexpected(
                bad(path,
                    fmt::format(
                        "unknown key '{}' (valid: onchain, fear_greed, headlines, db, "
                        "unstated_tz_lag_hours, coinmetrics_lag_hours, fear_greed_lag_hours)",
                        k))
                    .error());
        }
    }
    return out;
}

std::string base_asset(std::string_view symbol) {
    for (const std::string_view quote :
         {"FDUSD", "USDT", "USDC", "BUSD", "TUSD", "DAI", "USD", "EUR", "BTC", "ETH", "BNB"}) {
        if (symbol.size() > quote.size() && symbol.ends_with(quote)) {
            return std::string(symbol.substr(0, symbol.size() - quote.size()));
        }
    }
    return std::string(symbol);
}

bool is_alt_feature_name(std::string_view name) {
    return name.starts_with("onchain_") || name.starts_with("news_") ||
           name.starts_with("fear_greed");
}

Status check_alt_feature_name(std::string_view name) {
    if (name == "fear_greed" || name == "onchain_mvrv") {
        return ok_status();
    }
    for (const auto prefix : kOnchainZ) {
        if (name.starts_with(prefix)) {
            if (window_of(name, prefix, 2, 3650) > 0) {
                return ok_status();
            }
            return make_error(
                ErrorCode::kInvalidArgument,
                fmt::format("'{}': expected {}:N with N days in [2, 3650]", name, prefix));
        }
    }
    if (name.starts_with("onchain_hash_rate_chg")) {
        if (window_of(name, "onchain_hash_rate_chg", 1, 3650) > 0) {
            return ok_status();
        }
        return make_error(
            ErrorCode::kInvalidArgument,
            fmt::format("'{}': expected onchain_hash_rate_chg:N with N days in [1, 3650]", name));
    }
    for (const auto kind : kNewsKinds) {
        if (name.starts_with(kind) && name.size() > kind.size() && name[kind.size()] == ':') {
            if (hours_of(name.substr(kind.size() + 1)) > 0) {
                return ok_status();
            }
            return make_error(
                ErrorCode::kInvalidArgument,
                fmt::format("'{}': expected {}:W with W like 24h or 7d (1h..90d)", name, kind));
        }
    }
    return make_error(
        ErrorCode::kInvalidArgument,
        fmt::format(
            "unknown alternative-data feature '{}' (valid: fear_greed, onchain_mvrv, "
            "onchain_active_addresses_z:N, onchain_tx_count_z:N, onchain_fees_z:N, "
            "onchain_exchange_netflow_z:N, onchain_hash_rate_chg:N, onchain_mvrv_z:N, "
            "news_sentiment_mean:W, news_count:W, news_surprise:W)",
            name));
}

Result<std::shared_ptr<const AltData>> AltData::load(
    const AltDataConfig& config, Timestamp ingested) {
    PointInTimeStore store;
    const auto hours = [](double h) {
        return Duration::from_seconds(static_cast<std::int64_t>(std::llround(h * 3600)));
    };
    AvailabilityRule onchain_rule = coinmetrics_daily_rule();
    onchain_rule.lag = hours(config.coinmetrics_lag_hours);
    AvailabilityRule fg_rule = fear_greed_rule();
    fg_rule.lag = hours(config.fear_greed_lag_hours);
    for (const auto& [asset, path] : config.onchain) {
        auto raw = load_coinmetrics_csv(path, asset, ingested, onchain_rule);
        if (!raw) {
            return tl::unexpected(raw.error());
        }
        if (auto s = store.add(*raw); !s) {
            return tl::unexpected(s.error());
        }
    }
    if (!config.fear_greed.empty()) {
        auto fg = load_fear_greed_csv(config.fear_greed, ingested, fg_rule);
        if (!fg) {
            return tl::unexpected(fg.error());
        }
        if (auto s = store.add(*fg); !s) {
            return tl::unexpected(s.error());
        }
    }
    std::vector<Headline> headlines;
    const auto lag = Duration::from_seconds(
        static_cast<std::int64_t>(std::llround(config.unstated_tz_lag_hours * 3600)));
    for (const auto& path : config.headlines) {
        auto h = load_headlines_csv(path, lag);
        if (!h) {
            return tl::unexpected(h.error());
        }
        headlines.insert(headlines.end(), h->begin(), h->end());
    }
    if (!config.db.empty()) {
        if (!std::filesystem::exists(config.db)) {
            return make_error(
                ErrorCode::kNotFound,
                fmt::format("{}: [altdata] db {} does not exist", config.source, config.db));
        }
        auto db = AltDb::open(config.db);
        if (!db) {
            return tl::unexpected(db.error());
        }
        auto collected = db->observations({});
        if (!collected) {
            return tl::unexpected(collected.error());
        }
        if (auto s = store.add(*collected); !s) {
            return tl::unexpected(s.error());
        }
        auto h = db->load_headlines();
        if (!h) {
            return tl::unexpected(h.error());
        }
        headlines.insert(headlines.end(), h->begin(), h->end());
    }
    if (!headlines.empty()) {
        auto news = aggregate_sentiment(headlines, Duration::from_hours(1), "1h", 0, ingested);
        if (auto s = store.add(news); !s) {
            return tl::unexpected(s.error());
        }
    }
    return from_store(std::move(store), std::move(headlines), config.source);
}

Result<std::shared_ptr<const AltData>> AltData::from_store(
    PointInTimeStore store, std::vector<Headline> headlines, std::string source) {
    auto out = std::make_shared<AltData>();
    if (!headlines.empty() && store.observations(kNewsMean).empty()) {
        auto news = aggregate_sentiment(headlines, Duration::from_hours(1), "1h", 0, Timestamp{});
        for (auto& o : news) {
            o.ingested = o.available.value_or(Timestamp{});
        }
        if (auto s = store.add(news); !s) {
            return tl::unexpected(s.error());
        }
    }
    const auto names = store.series();
    out->has_news_ = std::find(names.begin(), names.end(), kNewsCount) != names.end();
    out->store_ = std::move(store);
    out->source_ = std::move(source);
    return std::shared_ptr<const AltData>(std::move(out));
}

Result<std::shared_ptr<const AltSeries>> AltData::feature(
    std::string_view name, std::string_view asset) const {
    if (auto s = check_alt_feature_name(name); !s) {
        return tl::unexpected(s.error());
    }
    const auto known = [&](const std::string& series) {
        const auto all = store_.series();
        return std::find(all.begin(), all.end(), series) != all.end();
    };
    if (name == "fear_greed") {
        if (!known("fear_greed")) {
            return make_error(
                ErrorCode::kNotFound,
                fmt::format("fear_greed: {} has no Fear & Greed file", source_));
        }
        return std::shared_ptr<const AltSeries>(
            std::make_shared<AsOfSeries>(shared_store(), "fear_greed"));
    }
    if (name.starts_with("news_")) {
        if (!has_news_) {
            return make_error(
                ErrorCode::kNotFound, fmt::format("{}: {} has no headline files", name, source_));
        }
        const auto colon = name.find(':');
        const auto kind = name.substr(0, colon);
        const int hours = hours_of(name.substr(colon + 1));
        return std::shared_ptr<const AltSeries>(std::make_shared<NewsWindow>(
            shared_store(),
            Duration::from_hours(hours),
            kind == "news_sentiment_mean" ? NewsKind::kMean
            : kind == "news_count"        ? NewsKind::kCount
                                          : NewsKind::kSurprise));
    }
    // On-chain: derived from the asset's raw metrics, with the window the name asks for.
    const auto colon = name.find(':');
    int window = 30;
    if (colon != std::string_view::npos) {
        std::from_chars(name.data() + colon + 1, name.data() + name.size(), window);
    }
    // The raw metrics the feature is derived from; absent metrics are an error, metrics with no
    // value yet (data cut early) give a feature that is NaN until they have.
    std::vector<std::string> needs;
    if (name.starts_with("onchain_active_addresses")) {
        needs = {"AdrActCnt"};
    } else if (name.starts_with("onchain_tx_count")) {
        needs = {"TxCnt"};
    } else if (name.starts_with("onchain_fees")) {
        needs = {"FeeTotNtv"};
    } else if (name.starts_with("onchain_exchange_netflow")) {
        needs = {"FlowInExNtv", "FlowOutExNtv"};
    } else if (name.starts_with("onchain_hash_rate")) {
        needs = {"HashRate"};
    } else {
        needs = {"CapMVRVCur"};
    }
    std::vector<Observation> raw;
    for (const auto& metric : needs) {
        const std::string series = fmt::format("onchain.{}.{}", asset, metric);
        if (!known(series)) {
            return make_error(
                ErrorCode::kNotFound,
                fmt::format(
                    "{}: {} has no {} for {} (an on-chain file with that column is needed)",
                    name,
                    source_,
                    metric,
                    asset));
        }
        auto obs = store_.observations(series);
        raw.insert(raw.end(), obs.begin(), obs.end());
    }
    Timestamp ingested;
    for (const auto& o : raw) {
        ingested = std::max(ingested, o.ingested);
    }
    auto derived = onchain_features(raw, std::string(asset), window, window, ingested);
    std::erase_if(derived, [&](const Observation& o) { return o.series != name; });
    auto own = std::make_shared<PointInTimeStore>();
    if (auto s = own->add(derived); !s) {
        return tl::unexpected(s.error());
    }
    return std::shared_ptr<const AltSeries>(
        std::make_shared<AsOfSeries>(std::move(own), std::string(name)));
}

}  // namespace ats::altdata
