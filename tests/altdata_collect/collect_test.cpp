// The alternative-data collectors against a local stub of each API on 127.0.0.1, serving the
// bundled real data in the API's own format: paging, 429 with Retry-After, 5xx and dropped
// connections with backoff, a permanent failure that keeps what was committed and resumes without
// duplicates, revisions stored as vintages, malformed JSON, and the same values as the CSV
// loaders. Waits are recorded on a fake clock, never slept.
#include <atomic>
#include <deque>
#include <fstream>
#include <functional>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <utility>  // Boost 1.74's asio needs it first with GCC 12
#include <vector>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include "ats/altdata/alt_db.hpp"
#include "ats/altdata/alt_features.hpp"
#include "ats/altdata/headlines.hpp"
#include "ats/altdata/loaders.hpp"
#include "ats/altdata_collect/collectors.hpp"

namespace ats::altdata {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;
using Json = nlohmann::json;

Timestamp at(const char* iso) {
    return *Timestamp::parse_iso8601(iso);
}

/// A keep-alive HTTP server on 127.0.0.1 answering each request with `handler(target)`.
class StubApi {
public:
    struct Reply {
        Reply(int s = 200, std::string b = {}, std::string ra = {}, bool d = false)
            : status(s), body(std::move(b)), retry_after(std::move(ra)), drop(d) {}
        int status;
        std::string body;
        std::string retry_after;
        bool drop;  ///< close the connection without answering
    };
    using Handler = std::function<Reply(const std::string& target)>;

    explicit StubApi(Handler handler)
        : handler_(std::move(handler)),
          acceptor_(ioc_, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0)) {
        port_ = acceptor_.local_endpoint().port();
        thread_ = std::thread([this] { serve(); });
    }
    ~StubApi() {
        stop_ = true;
        try {
            net::io_context ioc;
            tcp::socket s(ioc);
            s.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port_));
        } catch (const std::exception&) {
        }
        thread_.join();
    }
    std::string base() const { return "http://127.0.0.1:" + std::to_string(port_); }
    std::vector<std::string> targets() const {
        std::lock_guard lock(mu_);
        return targets_;
    }

private:
    void serve() {
        while (!stop_) {
            tcp::socket socket(ioc_);
            beast::error_code ec;
            acceptor_.accept(socket, ec);
            if (ec || stop_) {
                continue;
            }
            beast::flat_buffer buffer;
            while (!stop_) {
                http::request<http::string_body> req;
                http::read(socket, buffer, req, ec);
                if (ec) {
                    break;
                }
                const std::string target(req.target());
                {
                    std::lock_guard lock(mu_);
                    targets_.push_back(target);
                }
                const Reply reply = handler_(target);
                if (reply.drop) {
                    socket.shutdown(tcp::socket::shutdown_both, ec);
                    break;
                }
                http::response<http::string_body> res{static_cast<http::status>(reply.status), 11};
                res.set(http::field::content_type, "application/json");
                if (!reply.retry_after.empty()) {
                    res.set(http::field::retry_after, reply.retry_after);
                }
                res.keep_alive(true);
                res.body() = reply.body;
                res.prepare_payload();
                http::write(socket, res, ec);
                if (ec) {
                    break;
                }
            }
        }
    }

    Handler handler_;
    net::io_context ioc_;
    tcp::acceptor acceptor_;
    unsigned short port_ = 0;
    std::atomic<bool> stop_{false};
    std::thread thread_;
    mutable std::mutex mu_;
    std::vector<std::string> targets_;  // Guarded by mu_
};

/// A fake clock the collectors' waits advance; every wait is recorded.
struct FakeTime {
    Timestamp now;
    std::vector<Duration> waits;
    CollectOptions options(const std::string& base) {
        CollectOptions o;
        o.base_url = base;
        o.requests_per_second = 10;
        o.sleep = [this](Duration d) {
            waits.push_back(d);
            now = now + d;
        };
        o.now = [this] {
            return now;
        };
        return o;
    }
};

std::string query(const std::string& target, const std::string& key) {
    const auto at_key = target.find(key + "=");
    if (at_key == std::string::npos) {
        return {};
    }
    const auto start = at_key + key.size() + 1;
    return target.substr(start, target.find('&', start) - start);
}

std::vector<std::vector<std::string>> read_csv(const std::string& path) {
    std::ifstream in(path);
    std::vector<std::vector<std::string>> rows;
    std::string line;
    while (std::getline(in, line)) {
        std::vector<std::string> cells;
        std::stringstream ss(line);
        std::string cell;
        while (std::getline(ss, cell, ',')) {
            cells.push_back(cell);
        }
        if (!line.empty() && line.back() == ',') {
            cells.emplace_back();
        }
        rows.push_back(cells);
    }
    return rows;
}

const std::string kData = ATS_BUNDLED_DATA_DIR;
const std::string kBtcCsv = kData + "/onchain/BTC_coinmetrics_daily_2020-01-01_2026-03-22.csv";
const std::vector<std::string> kMetrics = {"AdrActCnt", "TxCnt", "CapMVRVCur", "HashRate"};

/// Coin Metrics' asset-metrics endpoint over the bundled BTC file, 100 days a page, from
/// start_time; `edit` may change a row before it is served.
struct CoinMetricsStub {
    std::vector<std::vector<std::string>> csv = read_csv(kBtcCsv);
    std::function<void(Json&)> edit;
    std::function<std::optional<StubApi::Reply>(int page)> fault;
    int served = 0;

    StubApi::Reply operator()(const std::string& target) {
        ++served;
        if (fault) {
            const auto token = query(target, "next_page_token");
            const int page = token.empty() ? 1 : std::stoi(token.substr(1));
            if (auto r = fault(page)) {
                return *r;
            }
        }
        const auto& header = csv[0];
        const std::string from = query(target, "start_time");
        const auto token = query(target, "next_page_token");
        std::size_t first = 1;
        while (first < csv.size() && csv[first][0] < from) {
            ++first;
        }
        const std::size_t page = token.empty() ? 0 : std::stoul(token.substr(1)) - 1;
        const std::size_t begin = first + (page * 100);
        Json data = Json::array();
        for (std::size_t r = begin; r < std::min(csv.size(), begin + 100); ++r) {
            Json row = {{"asset", "btc"}, {"time", csv[r][0] + "T00:00:00.000000000Z"}};
            for (std::size_t c = 1; c < header.size(); ++c) {
                if (std::find(kMetrics.begin(), kMetrics.end(), header[c]) != kMetrics.end()) {
                    row[header[c]] =
                        c < csv[r].size() && !csv[r][c].empty() ? Json(csv[r][c]) : Json(nullptr);
                }
            }
            if (edit) {
                edit(row);
            }
            data.push_back(row);
        }
        Json doc = {{"data", data}};
        if (begin + 100 < csv.size()) {
            doc["next_page_token"] = "p" + std::to_string(page + 2);
        }
        return {200, doc.dump()};
    }
};

std::string temp_db(const char* name) {
    const auto path = std::string(::testing::TempDir()) + "ats_collect_" + name + "_" +
                      std::to_string(::getpid()) + ".db";
    std::remove(path.c_str());
    return path;
}

TEST(CollectTest, CoinMetricsPagesEqualTheCsvLoaderAndResumeWithoutDuplicates) {
    CoinMetricsStub cm;
    StubApi api([&](const std::string& t) { return cm(t); });
    FakeTime clock{at("2026-03-25T00:00:00Z"), {}};
    auto db = AltDb::open(temp_db("cm"));
    ASSERT_TRUE(db) << db.error().message;
    auto r = collect_coinmetrics(*db, clock.options(api.base()), "btc", kMetrics, "2020-01-01");
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(r->requests, 23U);  // 2,273 days, 100 a page
    EXPECT_EQ(r->retries, 0U);
    // The same values, times and series as the CSV loader gives.
    auto from_csv = load_coinmetrics_csv(kBtcCsv, "BTC", Timestamp{});
    ASSERT_TRUE(from_csv);
    std::size_t compared = 0;
    auto store = db->load_store();
    ASSERT_TRUE(store);
    for (const auto& o : *from_csv) {
        if (std::find(kMetrics.begin(), kMetrics.end(), o.series.substr(12)) == kMetrics.end()) {
            continue;
        }
        const auto got = store->as_of_observation(o.series, *o.available);
        ASSERT_TRUE(got) << o.series;
        ASSERT_EQ(got->event, o.event) << o.series;
        ASSERT_EQ(got->value, o.value) << o.series << " " << o.event.to_iso8601();
        ASSERT_EQ(*got->available, *o.available);
        ++compared;
    }
    EXPECT_EQ(compared, r->saved.added);
    EXPECT_GT(compared, 9000U);
    // Requests were spaced by the rate limit (10/s), on the fake clock.
    EXPECT_FALSE(clock.waits.empty());
    // A second run resumes a week before the last day: nothing new, nothing duplicated.
    auto again = collect_coinmetrics(*db, clock.options(api.base()), "btc", kMetrics);
    ASSERT_TRUE(again) << again.error().message;
    EXPECT_EQ(again->saved.added, 0U);
    EXPECT_EQ(again->saved.revised, 0U);
    EXPECT_EQ(again->saved.unchanged, 8U * 4U);  // 8 days x 4 metrics
    EXPECT_EQ(query(api.targets().back(), "start_time"), "2026-03-15");
}

TEST(CollectTest, RateLimitsErrorsAndDroppedConnectionsAreRetriedThenSucceed) {
    CoinMetricsStub cm;
    int calls = 0;
    cm.fault = [&](int page) -> std::optional<StubApi::Reply> {
        if (page != 2) {
            return std::nullopt;
        }
        ++calls;
        if (calls == 1) {
            return StubApi::Reply{429, R"({"error":"rate"})", "7"};
        }
        if (calls == 2 || calls == 3) {
            return StubApi::Reply{503, "busy"};
        }
        if (calls == 4 || calls == 5) {
            // Dropped twice: the client's own reconnect of a stale keep-alive connection meets
            // the second drop, so the collector's retry has to act.
            return StubApi::Reply{0, "", "", true};
        }
        return std::nullopt;
    };
    StubApi api([&](const std::string& t) { return cm(t); });
    FakeTime clock{at("2020-12-01T00:00:00Z"), {}};
    auto db = AltDb::open(temp_db("retry"));
    ASSERT_TRUE(db);
    auto r = collect_coinmetrics(*db, clock.options(api.base()), "btc", kMetrics, "2020-01-01");
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(r->rate_limited, 1U);
    EXPECT_EQ(r->retries, 3U);  // two 503s and the dropped connection
    // The Retry-After wait, then exponential backoff by attempt (2 s, 4 s, 8 s).
    const auto has = [&](Duration d) {
        return std::find(clock.waits.begin(), clock.waits.end(), d) != clock.waits.end();
    };
    EXPECT_TRUE(has(Duration::from_seconds(7)));
    EXPECT_TRUE(has(Duration::from_seconds(2)));
    EXPECT_TRUE(has(Duration::from_seconds(4)));
    EXPECT_TRUE(has(Duration::from_seconds(8)));
    // 2020-01-01 .. 2020-11-30: every complete day before "now".
    EXPECT_EQ(r->saved.added, 335U * 4U);
    // A Retry-After beyond the allowed wait is an error, not a long sleep.
    cm.fault = [](int) -> std::optional<StubApi::Reply> {
        return StubApi::Reply{429, "{}", "3600"};
    };
    auto refused =
        collect_coinmetrics(*db, clock.options(api.base()), "btc", kMetrics, "2020-01-01");
    ASSERT_FALSE(refused);
    EXPECT_NE(refused.error().message.find("Retry-After 3600"), std::string::npos);
}

TEST(CollectTest, APermanentFailureKeepsCommittedPagesAndTheNextRunFinishes) {
    CoinMetricsStub cm;
    bool broken = true;
    cm.fault = [&](int page) -> std::optional<StubApi::Reply> {
        if (broken && page >= 3) {
            return StubApi::Reply{500, "down"};
        }
        return std::nullopt;
    };
    StubApi api([&](const std::string& t) { return cm(t); });
    FakeTime clock{at("2026-03-25T00:00:00Z"), {}};
    const auto path = temp_db("resume");
    {
        auto db = AltDb::open(path);
        ASSERT_TRUE(db);
        auto r = collect_coinmetrics(*db, clock.options(api.base()), "btc", kMetrics, "2020-01-01");
        ASSERT_FALSE(r);
        EXPECT_EQ(r.error().code, ErrorCode::kUnavailable);
        EXPECT_NE(r.error().message.find("gave up after 5 attempts"), std::string::npos);
        auto obs = db->observations("onchain.BTC.TxCnt");
        ASSERT_TRUE(obs);
        EXPECT_EQ(obs->size(), 200U);  // the two pages before the failure
        auto cursor = db->cursor("coinmetrics:btc");
        ASSERT_TRUE(cursor && *cursor);
        EXPECT_EQ(**cursor, "2020-07-18");  // the last day of page 2
    }
    broken = false;
    auto db = AltDb::open(path);  // a new process, the same file
    ASSERT_TRUE(db);
    auto r = collect_coinmetrics(*db, clock.options(api.base()), "btc", kMetrics);
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(query(api.targets().back(), "start_time"), "2020-07-11");  // a week back
    EXPECT_EQ(r->saved.unchanged, 8U * 4U);
    auto obs = db->observations("onchain.BTC.TxCnt");
    ASSERT_TRUE(obs);
    EXPECT_EQ(obs->size(), 2273U);  // every day once
}

TEST(CollectTest, ARevisedValueIsANewVintageKnownFromItsCollection) {
    CoinMetricsStub cm;
    StubApi api([&](const std::string& t) { return cm(t); });
    FakeTime clock{at("2026-03-25T00:00:00Z"), {}};
    auto db = AltDb::open(temp_db("vintage"));
    ASSERT_TRUE(db);
    ASSERT_TRUE(collect_coinmetrics(*db, clock.options(api.base()), "btc", kMetrics, "2026-03-01"));
    auto before = db->load_store();
    ASSERT_TRUE(before);
    const double original = *before->as_of("onchain.BTC.AdrActCnt", at("2026-03-21T08:00:00Z"));
    // Coin Metrics revises 2026-03-20's active addresses; the next run sees it three days later.
    cm.edit = [](Json& row) {
        if (row["time"] == "2026-03-20T00:00:00.000000000Z") {
            row["AdrActCnt"] = "999999";
        }
    };
    clock.now = at("2026-03-28T00:00:00Z");
    auto r = collect_coinmetrics(*db, clock.options(api.base()), "btc", kMetrics);
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(r->saved.revised, 1U);
    const Timestamp revised_at = clock.now;
    auto store = db->load_store();
    ASSERT_TRUE(store);
    // Before the revision was collected, the day reads as first published; after, revised.
    const auto rows = db->observations("onchain.BTC.AdrActCnt");
    ASSERT_TRUE(rows);
    std::size_t vintages = 0;
    for (const auto& o : *rows) {
        if (o.event == at("2026-03-20")) {
            ++vintages;
            if (o.vintage == 1) {
                EXPECT_EQ(o.value, 999999);
                EXPECT_GE(*o.available, revised_at - Duration::from_seconds(1));
            } else {
                EXPECT_EQ(o.value, original);
            }
        }
    }
    EXPECT_EQ(vintages, 2U);  // never overwritten
    EXPECT_EQ(*store->as_of("onchain.BTC.AdrActCnt", at("2026-03-21T08:00:00Z")), original);
    const auto later = store->as_of_observation("onchain.BTC.AdrActCnt", revised_at);
    ASSERT_TRUE(later);
    EXPECT_EQ(later->event, at("2026-03-22"));  // the latest day; the revision is of an older one
    auto truncated = store->available_by(revised_at - Duration::from_hours(1));
    EXPECT_LT(truncated.size(), store->size());
}

TEST(CollectTest, FearGreedAndNewsMatchTheirFilesAndCollectOnlyWhatIsNew) {
    const auto fg_rows =
        read_csv(kData + "/sentiment/fear_greed_index_daily_2020-01-01_2026-08-22.csv");
    StubApi fg_api([&](const std::string& target) {
        const auto limit = std::stoll(query(target, "limit"));
        Json data = Json::array();
        // Newest first, as the API serves it.
        for (std::size_t r = fg_rows.size() - 1; r >= 1; --r) {
            if (limit > 0 && static_cast<std::int64_t>(data.size()) >= limit) {
                break;
            }
            data.push_back(
                {{"value", fg_rows[r][2]},
                 {"value_classification", fg_rows[r][3]},
                 {"timestamp", fg_rows[r][1]}});
        }
        return StubApi::Reply{200, Json{{"name", "Fear and Greed Index"}, {"data", data}}.dump()};
    });
    FakeTime clock{at("2026-08-23T00:00:00Z"), {}};
    const auto fg_path = temp_db("fg");
    auto db = AltDb::open(fg_path);
    ASSERT_TRUE(db);
    auto r = collect_fear_greed(*db, clock.options(fg_api.base()));
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(r->saved.added, 2425U);
    auto from_csv = load_fear_greed_csv(
        kData + "/sentiment/fear_greed_index_daily_2020-01-01_2026-08-22.csv", Timestamp{});
    ASSERT_TRUE(from_csv);
    auto collected = db->observations("fear_greed");
    ASSERT_TRUE(collected);
    ASSERT_EQ(collected->size(), from_csv->size());
    for (std::size_t i = 0; i < collected->size(); ++i) {
        ASSERT_EQ((*collected)[i].event, (*from_csv)[i].event);
        ASSERT_EQ((*collected)[i].value, (*from_csv)[i].value);
        ASSERT_EQ(*(*collected)[i].available, *(*from_csv)[i].available);
    }
    clock.now = at("2026-08-30T00:00:00Z");
    auto again = collect_fear_greed(*db, clock.options(fg_api.base()));
    ASSERT_TRUE(again);
    EXPECT_EQ(query(fg_api.targets().back(), "limit"), "16");  // 8 days since + 8
    EXPECT_EQ(again->saved.added, 0U);

    // News: CryptoCompare-style pages of 50, newest first, paged back with lTs.
    const auto news_rows =
        read_csv(kData + "/sentiment/coindesk_bitcoin_headlines_2020-03_2025-06.csv");
    std::vector<std::pair<std::int64_t, std::string>> items;  // (published_on, title)
    for (std::size_t row = 1; row < news_rows.size(); ++row) {
        const auto t = Timestamp::parse_iso8601(news_rows[row][0]);
        if (t && news_rows[row].size() >= 2) {
            items.emplace_back(t->unix_ms() / 1000, news_rows[row][1]);
        }
    }
    std::size_t visible = items.size() - 100;  // the last 100 appear later
    StubApi news_api([&](const std::string& target) {
        if (target.find("broken") != std::string::npos) {
            return StubApi::Reply{200, "{not json"};
        }
        const auto lts = query(target, "lTs");
        const std::int64_t before = lts.empty() ? INT64_MAX : std::stoll(lts);
        Json data = Json::array();
        for (std::size_t i = visible; i-- > 0 && data.size() < 50;) {
            if (items[i].first <= before) {
                data.push_back(
                    {{"id", std::to_string(i)},
                     {"published_on", items[i].first},
                     {"title", items[i].second},
                     {"source", "coindesk"}});
            }
        }
        return StubApi::Reply{200, Json{{"Type", 100}, {"Data", data}}.dump()};
    });
    auto n = collect_news(*db, clock.options(news_api.base()), at("2025-01-01"));
    ASSERT_TRUE(n) << n.error().message;
    std::size_t expected = 0;
    for (std::size_t i = 0; i < visible; ++i) {
        expected += items[i].first > at("2025-01-01").unix_ms() / 1000 ? 1U : 0U;
    }
    EXPECT_EQ(n->headlines, expected);
    visible = items.size();
    auto more = collect_news(*db, clock.options(news_api.base()), at("2025-01-01"));
    ASSERT_TRUE(more) << more.error().message;
    EXPECT_EQ(more->headlines, 100U);  // exactly the new ones, also those sharing a second
    auto stored = db->load_headlines();
    ASSERT_TRUE(stored);
    EXPECT_EQ(stored->size(), n->headlines + more->headlines);
    // The collected data feeds the features through an [altdata] db entry.
    AltDataConfig c;
    c.db = fg_path;
    auto alt = AltData::load(c, Timestamp{});
    ASSERT_TRUE(alt) << alt.error().message;
    auto fgf = (*alt)->feature("fear_greed", "BTC");
    ASSERT_TRUE(fgf);
    EXPECT_EQ((*fgf)->at(at("2026-08-22T01:00:00Z")), std::stod(fg_rows.back()[2]));
    auto newsf = (*alt)->feature("news_count:7d", "BTC");
    ASSERT_TRUE(newsf);
    EXPECT_GT((*newsf)->at(at("2025-05-15T00:00:00Z")), 5);
    // Malformed JSON is a parse error naming the source.
    CollectOptions bad = clock.options(news_api.base() + "/broken");
    auto parse = collect_news(*db, bad, at("2025-01-01"));
    ASSERT_FALSE(parse);
    EXPECT_EQ(parse.error().code, ErrorCode::kParse);
}

/// The bundled CoinDesk headlines as CryptoCompare items (published_on, title), oldest first,
/// with their times either cut to the hour (many share a second) or made one second apart.
std::vector<std::pair<std::int64_t, std::string>> retimed_headlines(bool hourly) {
    const auto rows = read_csv(kData + "/sentiment/coindesk_bitcoin_headlines_2020-03_2025-06.csv");
    std::vector<std::pair<std::int64_t, std::string>> items;
    for (std::size_t row = 1; row < rows.size(); ++row) {
        const auto t = Timestamp::parse_iso8601(rows[row][0]);
        if (t && rows[row].size() >= 2) {
            items.emplace_back(t->unix_ms() / 1000, rows[row][1]);
        }
    }
    std::stable_sort(
        items.begin(), items.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    for (std::size_t i = 0; i < items.size(); ++i) {
        items[i].first = hourly ? items[i].first / 3600 * 3600
                                : at("2024-06-01").unix_ms() / 1000 + static_cast<std::int64_t>(i);
    }
    return items;
}

TEST(CollectTest, NewsPagesBackWithoutLosingHeadlinesAtPageBoundaries) {
    // "Before lTs" read both ways: inclusive, with headlines sharing a second across pages; and
    // strictly before (the API's wording), with headlines one second apart (asking for the oldest
    // second minus one would skip one headline a page). Pages of 7.
    for (const bool inclusive : {true, false}) {
        SCOPED_TRACE(inclusive ? "lTs inclusive, shared seconds" : "lTs exclusive, 1 s apart");
        const auto items = retimed_headlines(inclusive);
        std::size_t visible = items.size() - 40;
        StubApi api([&](const std::string& target) {
            const auto lts = query(target, "lTs");
            const std::int64_t before = lts.empty() ? INT64_MAX : std::stoll(lts);
            Json data = Json::array();
            for (std::size_t i = visible; i-- > 0 && data.size() < 7;) {
                if (inclusive ? items[i].first <= before : items[i].first < before) {
                    data.push_back(
                        {{"id", std::to_string(i)},
                         {"published_on", items[i].first},
                         {"title", items[i].second},
                         {"source", "coindesk"},
                         {"url", "https://coindesk.com/" + std::to_string(i)}});
                }
            }
            return StubApi::Reply{200, Json{{"Type", 100}, {"Data", data}}.dump()};
        });
        const std::int64_t from = items[items.size() - 500].first;  // ~500 headlines
        const auto count_from = [&](std::size_t end) {
            std::size_t n = 0;
            for (std::size_t i = 0; i < end; ++i) {
                n += items[i].first >= from ? 1U : 0U;
            }
            return n;
        };
        if (inclusive) {
            std::size_t shared = 0;
            for (std::size_t i = 1; i < visible; ++i) {
                shared += items[i].first >= from && items[i].first == items[i - 1].first ? 1U : 0U;
            }
            ASSERT_GT(shared, 50U);  // the case means something
        }
        FakeTime clock{at("2025-07-01T00:00:00Z"), {}};
        auto db = AltDb::open(temp_db(inclusive ? "news_incl" : "news_excl"));
        ASSERT_TRUE(db);
        const Timestamp start = Timestamp::from_unix_seconds(from);
        auto first = collect_news(*db, clock.options(api.base()), start);
        ASSERT_TRUE(first) << first.error().message;
        EXPECT_EQ(first->headlines, count_from(visible));
        // Newer headlines appear (some in the newest second of the first run, when shared).
        visible = items.size();
        auto second = collect_news(*db, clock.options(api.base()), start);
        ASSERT_TRUE(second) << second.error().message;
        EXPECT_EQ(second->headlines, 40U);
        EXPECT_LT(second->requests, 12U);  // back only to the newest stored, not to the start
        auto third = collect_news(*db, clock.options(api.base()), start);
        ASSERT_TRUE(third) << third.error().message;
        EXPECT_EQ(third->headlines, 0U);
        auto stored = db->load_headlines();
        ASSERT_TRUE(stored);
        ASSERT_EQ(stored->size(), count_from(items.size()));
        // Each once, available at publication (UTC epoch times), oldest first.
        std::size_t k = items.size() - stored->size();
        for (const auto& h : *stored) {
            ASSERT_EQ(h.published.unix_ms() / 1000, items[k].first);
            EXPECT_EQ(h.available, h.published);
            EXPECT_EQ(h.source, "coindesk");
            ++k;
        }
        // The stored headlines feed the sentiment aggregates.
        const auto buckets =
            aggregate_sentiment(*stored, Duration::from_days(1), "1d", 5, clock.now);
        EXPECT_FALSE(buckets.empty());
    }
}

TEST(CollectTest, ANewsApiThatIgnoresLtsIsAnErrorNotAnEndlessLoop) {
    StubApi api([](const std::string&) {
        Json data = Json::array();
        for (int i = 0; i < 3; ++i) {
            data.push_back({{"published_on", 1'740'000'000 - i}, {"title", "t"}, {"source", "s"}});
        }
        return StubApi::Reply{200, Json{{"Type", 100}, {"Data", data}}.dump()};
    });
    FakeTime clock{at("2025-07-01T00:00:00Z"), {}};
    auto db = AltDb::open(temp_db("news_loop"));
    ASSERT_TRUE(db);
    auto r = collect_news(*db, clock.options(api.base()), at("2025-01-01"));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, ErrorCode::kParse);
    EXPECT_NE(r.error().message.find("does not page back"), std::string::npos) << r.error().message;
    EXPECT_LE(api.targets().size(), 3U);
}

TEST(CollectTest, MalformedJsonIsAParseErrorAndKeepsCommittedPages) {
    CoinMetricsStub cm;
    bool broken = true;
    cm.fault = [&](int page) -> std::optional<StubApi::Reply> {
        if (broken && page == 3) {
            return StubApi::Reply{200, R"({"data":[{"asset":"btc","time":"2020-07-19T00:00)"};
        }
        return std::nullopt;
    };
    StubApi api([&](const std::string& t) { return cm(t); });
    FakeTime clock{at("2026-03-25T00:00:00Z"), {}};
    auto db = AltDb::open(temp_db("cm_parse"));
    ASSERT_TRUE(db);
    auto r = collect_coinmetrics(*db, clock.options(api.base()), "btc", kMetrics, "2020-01-01");
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, ErrorCode::kParse);
    EXPECT_NE(r.error().message.find("coinmetrics page 3"), std::string::npos);
    EXPECT_EQ(cm.served, 3);  // a parse error is not retried
    auto kept = db->observations("onchain.BTC.AdrActCnt");
    ASSERT_TRUE(kept);
    EXPECT_EQ(kept->size(), 200U);
    broken = false;
    auto again = collect_coinmetrics(*db, clock.options(api.base()), "btc", kMetrics);
    ASSERT_TRUE(again) << again.error().message;
    auto all = db->observations("onchain.BTC.AdrActCnt");
    ASSERT_TRUE(all);
    EXPECT_EQ(all->size(), 2273U);

    // Fear & Greed: malformed JSON and an error the API reports.
    std::string body = "<html>502 Bad Gateway</html>";
    StubApi fg([&](const std::string&) { return StubApi::Reply{200, body}; });
    auto fg_r = collect_fear_greed(*db, clock.options(fg.base()));
    ASSERT_FALSE(fg_r);
    EXPECT_EQ(fg_r.error().code, ErrorCode::kParse);
    EXPECT_NE(fg_r.error().message.find("fear_greed"), std::string::npos);
    body = R"({"name":"Fear and Greed Index","data":[],"metadata":{"error":"limit too large"}})";
    fg_r = collect_fear_greed(*db, clock.options(fg.base()));
    ASSERT_FALSE(fg_r);
    EXPECT_EQ(fg_r.error().code, ErrorCode::kRejected);
    EXPECT_NE(fg_r.error().message.find("limit too large"), std::string::npos);
    auto none = db->observations("fear_greed");
    ASSERT_TRUE(none);
    EXPECT_TRUE(none->empty());
}

TEST(CollectTest, RetriesAreBoundedAndTheErrorNamesTheUrlAndLastStatus) {
    int calls = 0;
    StubApi api([&](const std::string&) {
        ++calls;
        return StubApi::Reply{503, "busy"};
    });
    FakeTime clock{at("2026-03-25T00:00:00Z"), {}};
    auto db = AltDb::open(temp_db("bounded"));
    ASSERT_TRUE(db);
    auto o = clock.options(api.base());
    o.max_attempts = 4;
    auto r = collect_fear_greed(*db, o);
    ASSERT_FALSE(r);
    EXPECT_EQ(calls, 4);
    EXPECT_EQ(r.error().code, ErrorCode::kUnavailable);
    EXPECT_NE(r.error().message.find(api.base() + "/fng/?limit=0"), std::string::npos);
    EXPECT_NE(r.error().message.find("HTTP 503"), std::string::npos) << r.error().message;
    // Backoff 1 s, 2 s, 4 s between the attempts (each also spaced by the rate limit), none
    // after the last.
    std::vector<Duration> backoffs;
    for (const auto d : clock.waits) {
        if (d >= Duration::from_seconds(1)) {
            backoffs.push_back(d);
        }
    }
    EXPECT_EQ(
        backoffs,
        (std::vector<Duration>{
            Duration::from_seconds(1), Duration::from_seconds(2), Duration::from_seconds(4)}));
    // Bad options are refused before any request.
    o.requests_per_second = 0;
    calls = 0;
    auto bad = collect_fear_greed(*db, o);
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(calls, 0);
}

}  // namespace
}  // namespace ats::altdata
