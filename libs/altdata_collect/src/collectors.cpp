#include "ats/altdata_collect/collectors.hpp"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <optional>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "ats/binance/http_client.hpp"

namespace ats::altdata {
namespace {

using Json = nlohmann::json;

Timestamp system_now() {
    return Timestamp::from_unix_ns(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                       std::chrono::system_clock::now().time_since_epoch())
                                       .count());
}

/// GETs with client-side spacing, retries with exponential backoff for 5xx, timeouts and
/// dropped connections, and Retry-After for 429; a clear error after `max_attempts`.
class Fetcher {
public:
    Fetcher(const CollectOptions& o, CollectReport& report) : o_(o), report_(report) {
        sleep_ = o.sleep ? o.sleep : [](Duration d) {
            std::this_thread::sleep_for(std::chrono::nanoseconds(d.ns()));
        };
        now_ = o.now ? o.now : system_now;
    }

    Status check() const {
        if (!(o_.requests_per_second > 0) || o_.requests_per_second > 100) {
            return make_error(
                ErrorCode::kInvalidArgument, "requests per second must be in (0, 100]");
        }
        if (o_.max_attempts < 1 || o_.max_attempts > 100) {
            return make_error(ErrorCode::kInvalidArgument, "attempts must be in [1, 100]");
        }
        return ok_status();
    }

    Result<std::string> get(const std::string& target) {
        std::string last = "no attempt";
        for (int attempt = 1; attempt <= o_.max_attempts; ++attempt) {
            space();
            if (!client_) {
                auto c = binance::HttpClient::create(o_.base_url, o_.timeout);
                if (!c) {
                    return tl::unexpected(c.error());
                }
                client_.emplace(std::move(*c));
            }
            ++report_.requests;
            auto reply = client_->request("GET", target, "", {{"Accept", "application/json"}});
            if (!reply) {
                // Timeout or dropped connection: a fresh connection after a backoff.
                last = reply.error().message;
                client_.reset();
                ++report_.retries;
                backoff(attempt);
                continue;
            }
            if (reply->status == 200) {
                return std::move(reply->body);
            }
            last = fmt::format("HTTP {}", reply->status);
            if (reply->status == 429) {
                ++report_.rate_limited;
                const auto header = reply->header("Retry-After");
                std::int64_t seconds = 60;
                if (!header.empty()) {
                    std::from_chars(header.data(), header.data() + header.size(), seconds);
                }
                const auto wait = Duration::from_seconds(std::max<std::int64_t>(seconds, 1));
                if (wait > o_.max_wait) {
                    return make_error(
                        ErrorCode::kRejected,
                        fmt::format(
                            "{}{}: rate limited with Retry-After {} s (more than the {} s allowed)",
                            o_.base_url,
                            target,
                            seconds,
                            o_.max_wait.seconds()));
                }
                if (attempt < o_.max_attempts) {
                    wait_for(wait);
                }
                continue;
            }
            if (reply->status >= 500) {
                ++report_.retries;
                backoff(attempt);
                continue;
            }
            return make_error(
                ErrorCode::kRejected,
                fmt::format(
                    "{}{}: HTTP {}: {}",
                    o_.base_url,
                    target,
                    reply->status,
                    reply->body.substr(0, 200)));
        }
        return make_error(
            ErrorCode::kUnavailable,
            fmt::format(
                "{}{}: gave up after {} attempts (last: {})",
                o_.base_url,
                target,
                o_.max_attempts,
                last));
    }

    Timestamp now() const { return now_(); }
    void say(const std::string& s) const {
        if (o_.progress) {
            o_.progress(s);
        }
    }

private:
    void wait_for(Duration d) {
        sleep_(d);
        last_ = now_();
    }
    void backoff(int attempt) {
        if (attempt >= o_.max_attempts) {
            return;  // the last attempt: nothing to wait for
        }
        const std::int64_t ms = std::min<std::int64_t>(60'000, 500LL << std::min(attempt, 7));
        wait_for(Duration::from_ms(ms));
    }
    void space() {
        const auto interval = Duration::from_ns(
            static_cast<std::int64_t>(std::llround(1e9 / o_.requests_per_second)));
        if (started_) {
            const Duration since = now_() - last_;
            if (since < interval) {
                sleep_(interval - since);
            }
        }
        started_ = true;
        last_ = now_();
    }

    const CollectOptions& o_;
    CollectReport& report_;
    std::function<void(Duration)> sleep_;
    std::function<Timestamp()> now_;
    std::optional<binance::HttpClient> client_;
    Timestamp last_;
    bool started_ = false;
};

Result<Json> parse_json(const std::string& body, const std::string& what) {
    try {
        return Json::parse(body);
    } catch (const std::exception& e) {
        return make_error(ErrorCode::kParse, fmt::format("{}: not JSON: {}", what, e.what()));
    }
}

std::string upper(std::string s) {
    for (char& c : s) {
        c = static_cast<char>(c >= 'a' && c <= 'z' ? c - 32 : c);
    }
    return s;
}

std::string lower(std::string s) {
    for (char& c : s) {
        c = static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
    }
    return s;
}

Result<double> number(const Json& v, const std::string& what) {
    double x = 0;
    if (v.is_number()) {
        x = v.get<double>();
    } else if (v.is_string()) {
        const auto s = v.get<std::string>();
        const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), x);
        if (ec != std::errc{} || end != s.data() + s.size()) {
            return make_error(ErrorCode::kParse, fmt::format("{}: '{}' is not a number", what, s));
        }
    } else {
        return make_error(ErrorCode::kParse, fmt::format("{}: not a number", what));
    }
    if (!std::isfinite(x)) {
        return make_error(ErrorCode::kParse, fmt::format("{}: not finite", what));
    }
    return x;
}

std::string url_join(const std::vector<std::string>& v) {
    std::string out;
    for (const auto& s : v) {
        out += (out.empty() ? "" : ",") + s;
    }
    return out;
}

/// Percent-encodes a query value (Coin Metrics' page tokens are base64).
std::string encode(const std::string& s) {
    std::string out;
    for (const char ch : s) {
        const auto c = static_cast<unsigned char>(ch);
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '_' || c == '.' || c == '~') {
            out += static_cast<char>(c);
        } else {
            out += fmt::format("%{:02X}", c);
        }
    }
    return out;
}

void add_saved(AltDb::Saved& into, const AltDb::Saved& s) {
    into.added += s.added;
    into.revised += s.revised;
    into.unchanged += s.unchanged;
}

}  // namespace

Result<CollectReport> collect_coinmetrics(
    AltDb& db,
    const CollectOptions& options,
    const std::string& asset,
    const std::vector<std::string>& metrics,
    const std::string& start) {
    CollectReport report;
    Fetcher fetch(options, report);
    if (auto s = fetch.check(); !s) {
        return tl::unexpected(s.error());
    }
    if (metrics.empty() || asset.empty()) {
        return make_error(ErrorCode::kInvalidArgument, "coinmetrics: an asset and metrics");
    }
    const std::string cursor_key = "coinmetrics:" + lower(asset);
    std::string from = start;
    if (from.empty()) {
        auto cursor = db.cursor(cursor_key);
        if (!cursor) {
            return tl::unexpected(cursor.error());
        }
        // Resume a week before the last collected day: revised values become new vintages.
        from = *cursor ? (Timestamp::parse_iso8601(**cursor).value_or(Timestamp{}) -
                          Duration::from_days(7))
                             .to_iso8601()
                             .substr(0, 10)
                       : "2020-01-01";
    }
    if (!Timestamp::parse_iso8601(from)) {
        return make_error(ErrorCode::kInvalidArgument, fmt::format("--start {}: not a date", from));
    }
    const auto rule = coinmetrics_daily_rule();
    const std::string ASSET = upper(asset);
    std::string target = fmt::format(
        "/v4/timeseries/asset-metrics?assets={}&metrics={}&frequency=1d&start_time={}&page_size="
        "1000&paging_from=start",
        lower(asset),
        url_join(metrics),
        from);
    for (int page = 1; !target.empty(); ++page) {
        auto body = fetch.get(target);
        if (!body) {
            return tl::unexpected(body.error());
        }
        auto doc = parse_json(*body, fmt::format("coinmetrics page {}", page));
        if (!doc) {
            return tl::unexpected(doc.error());
        }
        if (!doc->contains("data") || !(*doc)["data"].is_array()) {
            return make_error(
                ErrorCode::kParse, fmt::format("coinmetrics page {}: no data array", page));
        }
        const Timestamp ingested = fetch.now();
        std::vector<Observation> obs;
        Timestamp last_day;
        for (const auto& row : (*doc)["data"]) {
            const auto t = Timestamp::parse_iso8601(row.value("time", std::string()));
            if (!t) {
                return make_error(
                    ErrorCode::kParse,
                    fmt::format("coinmetrics page {}: a row without a time", page));
            }
            const Timestamp day = t->floor(Duration::from_days(1));
            if (day + Duration::from_days(1) > ingested) {
                continue;  // the day is not over: its value is partial
            }
            for (const auto& m : metrics) {
                if (!row.contains(m) || row[m].is_null()) {
                    continue;
                }
                auto v = number(row[m], fmt::format("coinmetrics {} {}", row.value("time", ""), m));
                if (!v) {
                    return tl::unexpected(v.error());
                }
                obs.push_back(Observation{
                    fmt::format("onchain.{}.{}", ASSET, m),
                    day,
                    rule.available_for(day),
                    ingested,
                    *v,
                    "coinmetrics-community",
                    0});
            }
            last_day = std::max(last_day, day);
        }
        auto saved = db.save(obs);
        if (!saved) {
            return tl::unexpected(saved.error());
        }
        add_saved(report.saved, *saved);
        if (!obs.empty()) {
            if (auto s = db.set_cursor(cursor_key, last_day.to_iso8601().substr(0, 10)); !s) {
                return tl::unexpected(s.error());
            }
        }
        fetch.say(fmt::format(
            "coinmetrics page {}: {} values ({} new, {} revised)",
            page,
            obs.size(),
            saved->added,
            saved->revised));
        const auto token = doc->value("next_page_token", std::string());
        target = token.empty() ? std::string()
                               : fmt::format(
                                     "/v4/timeseries/asset-metrics?assets={}&metrics={}&frequency="
                                     "1d&start_time={}&page_size=1000&paging_from=start&next_"
                                     "page_token={}",
                                     lower(asset),
                                     url_join(metrics),
                                     from,
                                     encode(token));
    }
    return report;
}

Result<CollectReport> collect_fear_greed(AltDb& db, const CollectOptions& options) {
    CollectReport report;
    Fetcher fetch(options, report);
    if (auto s = fetch.check(); !s) {
        return tl::unexpected(s.error());
    }
    auto cursor = db.cursor("fear_greed");
    if (!cursor) {
        return tl::unexpected(cursor.error());
    }
    // All of it the first time (limit=0), then the days since the last one plus a week (to see
    // revisions).
    std::int64_t limit = 0;
    if (*cursor) {
        std::int64_t last = 0;
        std::from_chars((*cursor)->data(), (*cursor)->data() + (*cursor)->size(), last);
        const auto days = (fetch.now().unix_ms() / 1000 - last) / 86'400;
        limit = std::clamp<std::int64_t>(days + 8, 8, 100'000);
    }
    auto body = fetch.get(fmt::format("/fng/?limit={}&format=json", limit));
    if (!body) {
        return tl::unexpected(body.error());
    }
    auto doc = parse_json(*body, "fear_greed");
    if (!doc) {
        return tl::unexpected(doc.error());
    }
    if (doc->contains("metadata") && (*doc)["metadata"].is_object()) {
        const auto& error = (*doc)["metadata"].value("error", Json());
        if (!error.is_null()) {
            return make_error(
                ErrorCode::kRejected,
                fmt::format(
                    "fear_greed: {}/fng/: the API reports an error: {}",
                    options.base_url,
                    error.is_string() ? error.get<std::string>() : error.dump()));
        }
    }
    if (!doc->contains("data") || !(*doc)["data"].is_array()) {
        return make_error(ErrorCode::kParse, "fear_greed: no data array");
    }
    const auto rule = fear_greed_rule();
    const Timestamp ingested = fetch.now();
    std::vector<Observation> obs;
    std::int64_t newest = 0;
    for (const auto& row : (*doc)["data"]) {
        auto ts = number(row.value("timestamp", Json()), "fear_greed timestamp");
        auto v = number(row.value("value", Json()), "fear_greed value");
        if (!ts || !v) {
            return tl::unexpected(!ts ? ts.error() : v.error());
        }
        const auto event = Timestamp::from_unix_seconds(static_cast<std::int64_t>(*ts));
        if (rule.available_for(event) > ingested) {
            continue;  // published after the collection (a stub's future rows)
        }
        obs.push_back(Observation{
            "fear_greed", event, rule.available_for(event), ingested, *v, "alternative.me", 0});
        newest = std::max(newest, static_cast<std::int64_t>(*ts));
    }
    auto saved = db.save(obs);
    if (!saved) {
        return tl::unexpected(saved.error());
    }
    report.saved = *saved;
    if (newest > 0) {
        if (auto s = db.set_cursor("fear_greed", std::to_string(newest)); !s) {
            return tl::unexpected(s.error());
        }
    }
    fetch.say(fmt::format(
        "fear_greed: {} values ({} new, {} revised)", obs.size(), saved->added, saved->revised));
    return report;
}

Result<CollectReport> collect_news(
    AltDb& db, const CollectOptions& options, Timestamp start, const std::string& feed) {
    CollectReport report;
    Fetcher fetch(options, report);
    if (auto s = fetch.check(); !s) {
        return tl::unexpected(s.error());
    }
    const std::string cursor_key = "news:" + feed;
    auto cursor = db.cursor(cursor_key);
    if (!cursor) {
        return tl::unexpected(cursor.error());
    }
    // Collect headlines published at or after this second. On a resume it is the newest stored
    // headline's second: others published in that same second may still be missing, and the ones
    // already stored are not stored twice.
    std::int64_t stop = start.unix_ms() / 1000;
    if (*cursor) {
        std::int64_t c = 0;
        std::from_chars((*cursor)->data(), (*cursor)->data() + (*cursor)->size(), c);
        stop = std::max(stop, c);
    }
    std::int64_t newest = stop;
    std::string target = "/data/v2/news/?lang=EN";
    std::optional<std::int64_t> lts;  // the lTs of the page being read (none: the newest)
    for (int page = 1; !target.empty(); ++page) {
        auto body = fetch.get(target);
        if (!body) {
            return tl::unexpected(body.error());
        }
        auto doc = parse_json(*body, fmt::format("news page {}", page));
        if (!doc) {
            return tl::unexpected(doc.error());
        }
        if (doc->value("Response", std::string()) == "Error") {
            return make_error(
                ErrorCode::kRejected,
                fmt::format("news page {}: {}", page, doc->value("Message", std::string("error"))));
        }
        if (!doc->contains("Data") || !(*doc)["Data"].is_array()) {
            return make_error(ErrorCode::kParse, fmt::format("news page {}: no Data array", page));
        }
        std::vector<Headline> headlines;
        std::int64_t oldest = 0;
        for (const auto& item : (*doc)["Data"]) {
            auto when = number(item.value("published_on", Json()), "news published_on");
            if (!when) {
                return tl::unexpected(when.error());
            }
            const auto s = static_cast<std::int64_t>(*when);
            oldest = oldest == 0 ? s : std::min(oldest, s);
            if (s < stop) {
                continue;
            }
            const auto t = Timestamp::from_unix_seconds(s);
            std::string source = item.value("source", std::string());
            if (item.contains("source_info") && item["source_info"].is_object()) {
                source = item["source_info"].value("name", source);
            }
            headlines.push_back(Headline{t, t, item.value("title", std::string()), source});
            newest = std::max(newest, s);
        }
        auto added = db.save_headlines(headlines, feed);
        if (!added) {
            return tl::unexpected(added.error());
        }
        report.headlines += *added;
        fetch.say(
            fmt::format("news page {}: {} headlines ({} new)", page, headlines.size(), *added));
        if (lts && oldest > *lts) {
            return make_error(
                ErrorCode::kParse,
                fmt::format(
                    "news page {}: {}{}: a headline of {} is newer than lTs={} (the API does not "
                    "page back)",
                    page,
                    options.base_url,
                    target,
                    oldest,
                    *lts));
        }
        // Older pages until the stop (or an empty page). The next page asks for lTs = the oldest
        // second seen, not one less: "before lTs" may be exclusive, and headlines sharing that
        // second may not all have fit on this page (repeats are not stored twice). Only a page
        // that is all one second already asked for moves one second further back.
        if (oldest == 0 || oldest < stop) {
            target.clear();
        } else {
            lts = lts && oldest == *lts ? oldest - 1 : oldest;
            target = fmt::format("/data/v2/news/?lang=EN&lTs={}", *lts);
        }
    }
    // Only a complete run moves the cursor: an interrupted one is collected again from the
    // newest page (headlines already stored are not stored twice).
    if (auto s = db.set_cursor(cursor_key, std::to_string(newest)); !s) {
        return tl::unexpected(s.error());
    }
    return report;
}

}  // namespace ats::altdata
