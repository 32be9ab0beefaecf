#include "ats/server/api.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "ats/altdata/alt_features.hpp"
#include "ats/backtest/backtest.hpp"
#include "ats/backtest/outputs.hpp"
#include "ats/core/log.hpp"
#include "ats/data/bar_source.hpp"
#include "ats/data/kline_csv.hpp"
#include "ats/indicators/batch.hpp"
#include "ats/indicators/registry.hpp"
#include "ats/runtime/backtest_job.hpp"
#include "ats/runtime/session_control.hpp"
#include "ats/server/auth.hpp"
#include "ats/server/hub.hpp"
#include "ats/server/router.hpp"
#include "ats/server/session_host.hpp"
#include "ats/server/web_server.hpp"
#include "ats/store/run_store.hpp"
#include "ats/strategy/strategy.hpp"

namespace ats::server {

using Json = nlohmann::json;
namespace fs = std::filesystem;

namespace {

Timestamp wall_now() {
    return Timestamp::from_unix_ns(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                       std::chrono::system_clock::now().time_since_epoch())
                                       .count());
}

Response ok_json(const Json& j) {
    return Response::json(200, j.dump());
}

Response from_error(const Error& e) {
    switch (e.code) {
        case ErrorCode::kNotFound:
            return Response::error(404, "not_found", e.message);
        case ErrorCode::kAlreadyExists:
            return Response::error(409, "conflict", e.message);
        case ErrorCode::kFailedPrecondition:
            return Response::error(409, "conflict", e.message);
        case ErrorCode::kUnavailable:
            return Response::error(503, "unavailable", e.message);
        case ErrorCode::kIo:
        case ErrorCode::kInternal:
            return Response::error(500, "internal", e.message);
        default:
            return Response::error(400, "bad_request", e.message);
    }
}

std::optional<Json> parse_body(const Request& r, Response& error) {
    if (r.body.empty()) {
        return Json::object();
    }
    try {
        auto j = Json::parse(r.body);
        if (!j.is_object()) {
            error = Response::error(400, "bad_request", "the body must be a JSON object");
            return std::nullopt;
        }
        return j;
    } catch (const std::exception& e) {
        error = Response::error(400, "bad_request", fmt::format("bad JSON: {}", e.what()));
        return std::nullopt;
    }
}

std::string content_type_of(const fs::path& p) {
    const std::string ext = p.extension().string();
    if (ext == ".html") {
        return "text/html; charset=utf-8";
    }
    if (ext == ".js" || ext == ".mjs") {
        return "text/javascript; charset=utf-8";
    }
    if (ext == ".css") {
        return "text/css; charset=utf-8";
    }
    if (ext == ".svg") {
        return "image/svg+xml";
    }
    if (ext == ".png") {
        return "image/png";
    }
    if (ext == ".json") {
        return "application/json";
    }
    return "application/octet-stream";
}

std::optional<std::string> read_file(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    if (!in) {
        return std::nullopt;
    }
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

/// The web UI: strict by default; Plotly needs inline styles.
void secure(Response& r) {
    r.headers.emplace_back(
        "Content-Security-Policy",
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' "
        "data: blob:; connect-src 'self' ws: wss:; frame-ancestors 'none'; base-uri 'none'");
    r.headers.emplace_back("X-Frame-Options", "DENY");
    r.headers.emplace_back("Referrer-Policy", "no-referrer");
}

std::optional<std::int64_t> time_param(const std::string& text) {
    if (text.empty()) {
        return std::nullopt;
    }
    if (std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        return std::strtoll(text.c_str(), nullptr, 10);
    }
    auto t = Timestamp::parse_iso8601(text);
    if (!t) {
        return std::nullopt;
    }
    return t->unix_ms();
}

struct Job {
    std::string id;
    std::string user;
    runtime::BacktestSettings settings;
    std::string status = "queued";  // queued | running | done | failed
    std::string error;
    std::atomic<std::size_t> done{0};
    std::atomic<std::size_t> total{0};
    Json result = Json::object();
    std::int64_t created_ms = 0;
};

}  // namespace

struct Api::Impl {
    ServerOptions options;
    std::unique_ptr<AuthStore> auth;
    Hub hub;
    std::unique_ptr<SessionHost> host;
    std::unique_ptr<Router> router;

    // Backtest jobs: one worker, in submission order (a backtest uses a whole core).
    std::mutex jobs_mu;
    std::condition_variable jobs_cv;
    std::map<std::string, std::shared_ptr<Job>> jobs;  // Guarded by jobs_mu
    std::deque<std::shared_ptr<Job>> job_queue;        // Guarded by jobs_mu
    std::uint64_t next_job = 1;                        // Guarded by jobs_mu
    bool stopping = false;                             // Guarded by jobs_mu
    std::size_t running_jobs = 0;                      // Guarded by jobs_mu
    std::thread worker;

    // Bars read for /candles, kept while the file is unchanged.
    struct Cached {
        fs::file_time_type mtime;
        std::shared_ptr<const model::BarSeries> series;
    };
    std::mutex candles_mu;
    std::map<std::string, Cached> candles;  // Guarded by candles_mu

    // Alternative data for /altdata, loaded on first use.
    std::mutex altdata_mu;
    std::shared_ptr<const altdata::AltData> altdata;  // Guarded by altdata_mu

    const std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
    std::size_t resumed = 0;

    ~Impl() {
        {
            const std::lock_guard lock(jobs_mu);
            stopping = true;
        }
        jobs_cv.notify_all();
        if (worker.joinable()) {
            worker.join();
        }
        host.reset();  // stops sessions before the hub goes
    }

    void audit(
        const Call& call,
        std::string action,
        std::string target,
        std::string result,
        std::string detail) {
        AuditEntry e;
        e.time = wall_now();
        e.user = call.user ? call.user->name : std::string("-");
        e.action = std::move(action);
        e.target = std::move(target);
        e.result = std::move(result);
        e.detail = std::move(detail);
        if (auto st = auth->audit(e); !st) {
            // The action already happened: say loudly that its record is missing.
            log::error(
                "audit log write failed for '{}' on '{}': {}",
                e.action,
                e.target,
                st.error().message);
        }
        hub.publish(
            "server",
            "logs",
            Json{
                {"time_ms", e.time.unix_ms()},
                {"user", e.user},
                {"action", e.action},
                {"target", e.target},
                {"result", e.result}}
                .dump());
    }

    void run_jobs() {
        while (true) {
            std::shared_ptr<Job> job;
            {
                std::unique_lock lock(jobs_mu);
                jobs_cv.wait(lock, [&] { return stopping || !job_queue.empty(); });
                if (stopping) {
                    return;
                }
                job = job_queue.front();
                job_queue.pop_front();
                job->status = "running";
                ++running_jobs;
            }
            runtime::BacktestJobOptions o;
            o.plotly_js = options.plotly_js;
            o.record = true;
            o.progress = [this, job, last = -1](std::size_t done, std::size_t total) mutable {
                job->done = done;
                job->total = total;
                const int pct = total == 0 ? 0 : static_cast<int>(done * 100 / total);
                if (pct != last) {  // about a hundred messages per job
                    last = pct;
                    hub.publish(
                        "server",
                        "jobs",
                        Json{
                            {"id", job->id},
                            {"status", "running"},
                            {"progress", static_cast<double>(pct) / 100.0}}
                            .dump());
                }
            };
            auto r = runtime::run_backtest_job(job->settings, o);
            {
                const std::lock_guard lock(jobs_mu);
                if (r) {
                    job->status = "done";
                    const auto& m = r->result.metrics;
                    job->result = {
                        {"run_id", r->run_id ? Json(*r->run_id) : Json()},
                        {"config_id", r->info.run_id},
                        {"final_equity", r->result.final_equity.to_string()},
                        {"total_return_pct", m.total_return_pct},
                        {"sharpe", m.sharpe},
                        {"max_drawdown_pct", m.max_drawdown_pct},
                        {"trades", m.trades},
                        {"report", r->report_html.empty() ? Json() : Json(r->report_html)},
                        {"warnings", r->warnings},
                        {"seconds", r->seconds}};
                } else {
                    job->status = "failed";
                    job->error = r.error().message;
                }
                --running_jobs;
            }
            hub.publish(
                "server",
                "jobs",
                Json{{"id", job->id}, {"status", job->status}, {"error", job->error}}.dump());
            jobs_cv.notify_all();
        }
    }

    Json job_json(const Job& j) {
        const std::size_t total = j.total;
        return Json{
            {"id", j.id},
            {"status", j.status},
            {"error", j.error},
            {"progress",
             total == 0 ? 0.0 : static_cast<double>(j.done) / static_cast<double>(total)},
            {"bars_done", j.done.load()},
            {"bars_total", total},
            {"result", j.result},
            {"created_by", j.user},
            {"created_ms", j.created_ms}};
    }

    Result<std::shared_ptr<const model::BarSeries>> load_bars(const std::string& file) {
        std::error_code ec;
        const auto mtime = fs::last_write_time(file, ec);
        {
            const std::lock_guard lock(candles_mu);
            const auto it = candles.find(file);
            if (it != candles.end() && !ec && it->second.mtime == mtime) {
                return it->second.series;
            }
        }
        auto loaded = data::load_bars(data::bar_request(file));
        if (!loaded) {
            return tl::unexpected(loaded.error());
        }
        auto series = std::make_shared<const model::BarSeries>(std::move(loaded->series));
        const std::lock_guard lock(candles_mu);
        candles[file] = Cached{mtime, series};
        return series;
    }

    /// The data file of a symbol at an interval, inside the first data directory that has one.
    Result<std::string> data_file(const std::string& symbol, const std::string& interval) {
        for (const auto& dir : options.data_dirs) {
            std::error_code ec;
            std::vector<std::string> matches;
            for (const auto& entry : fs::directory_iterator(dir, ec)) {
                const std::string name = entry.path().filename().string();
                if (entry.is_regular_file() && entry.path().extension() == ".csv" &&
                    name.rfind(symbol + "_", 0) == 0 &&
                    (interval.empty() || name.find("_" + interval + "_") != std::string::npos ||
                     name.find("_" + interval + ".") != std::string::npos)) {
                    matches.push_back(entry.path().string());
                }
            }
            if (!matches.empty()) {
                std::sort(matches.begin(), matches.end());
                return matches.front();
            }
        }
        return make_error(
            ErrorCode::kNotFound,
            fmt::format(
                "no {} bars for {} in the data directories",
                interval.empty() ? std::string("") : interval,
                symbol));
    }

    Result<std::shared_ptr<const altdata::AltData>> alt_data() {
        const std::lock_guard lock(altdata_mu);
        if (!altdata) {
            if (options.altdata_config.empty()) {
                return make_error(
                    ErrorCode::kNotFound,
                    "no alternative data: start the server with --altdata FILE (an [altdata] "
                    "table; docs/altdata.md)");
            }
            auto config = altdata::load_altdata_config(options.altdata_config);
            if (!config) {
                return tl::unexpected(config.error());
            }
            auto loaded = altdata::AltData::load(*config, Timestamp{});
            if (!loaded) {
                return tl::unexpected(loaded.error());
            }
            altdata = *loaded;
        }
        return altdata;
    }

    /// Alternative-data features of a symbol's asset over a range: each sampled at decision
    /// times (what a strategy deciding then would read) and, for published series, every value
    /// with its event and available time.
    Response altdata_route(Call& call) {
        const auto& q = call.request.query;
        const auto get = [&](const char* key) {
            const auto it = q.find(key);
            return it == q.end() ? std::string() : it->second;
        };
        const std::string symbol = get("symbol");
        if (!Symbol::parse(symbol)) {
            return Response::error(400, "bad_request", "symbol: e.g. BTCUSDT");
        }
        const auto from = time_param(get("from"));
        const auto to = time_param(get("to"));
        if (!from || !to || *to <= *from) {
            return Response::error(
                400, "bad_request", "from and to: epoch ms or ISO-8601, from before to");
        }
        std::string names = get("features");
        if (names.empty()) {
            names =
                "fear_greed,onchain_active_addresses_z:30,onchain_mvrv_z:365,"
                "news_sentiment_mean:24h,news_count:24h";
        }
        auto data = alt_data();
        if (!data) {
            return from_error(data.error());
        }
        const std::string asset = altdata::base_asset(symbol);
        // At most ~4000 decision times: hourly, or coarser for long ranges.
        const std::int64_t hour = 3'600'000;
        const std::int64_t span = *to - *from;
        const std::int64_t step =
            std::max<std::int64_t>(hour, (span / 4000 + hour - 1) / hour * hour);
        Json series = Json::array();
        Json missing = Json::array();
        std::size_t count = 0;
        for (std::size_t start = 0; start <= names.size();) {
            auto comma = names.find(',', start);
            if (comma == std::string::npos) {
                comma = names.size();
            }
            const std::string name = names.substr(start, comma - start);
            start = comma + 1;
            if (name.empty()) {
                continue;
            }
            if (++count > 12) {
                return Response::error(400, "bad_request", "features: at most 12");
            }
            auto feature = (*data)->feature(name, asset);
            if (!feature) {
                if (feature.error().code == ErrorCode::kInvalidArgument) {
                    return from_error(feature.error());
                }
                missing.push_back({{"name", name}, {"reason", feature.error().message}});
                continue;
            }
            Json t = Json::array();
            Json v = Json::array();
            for (std::int64_t ms = *from; ms < *to; ms += step) {
                const double x = (*feature)->at(Timestamp::from_unix_ms(ms));
                t.push_back(ms);
                v.push_back(std::isfinite(x) ? Json(x) : Json(nullptr));
            }
            Json events = Json::array();
            for (const auto& o : (*feature)->observations()) {
                const auto available = o.available->unix_ms();
                if (available >= *from && available < *to) {
                    events.push_back(
                        {{"event_ms", o.event.unix_ms()},
                         {"available_ms", available},
                         {"value", o.value},
                         {"vintage", o.vintage}});
                }
            }
            series.push_back({{"name", name}, {"t", t}, {"v", v}, {"events", events}});
        }
        return ok_json(Json{
            {"symbol", symbol},
            {"asset", asset},
            {"source", (*data)->source()},
            {"step_ms", step},
            {"series", series},
            {"missing", missing}});
    }

    Response candles_route(Call& call) {
        const auto& q = call.request.query;
        const auto get = [&](const char* key) {
            const auto it = q.find(key);
            return it == q.end() ? std::string() : it->second;
        };
        const std::string symbol = get("symbol");
        if (!Symbol::parse(symbol)) {
            return Response::error(400, "bad_request", "symbol: e.g. BTCUSDT");
        }
        std::size_t limit = 100'000;
        if (const auto l = get("limit"); !l.empty()) {
            char* end = nullptr;
            const auto v = std::strtoull(l.c_str(), &end, 10);
            if (*end != '\0' || v == 0 || v > 1'000'000) {
                return Response::error(400, "bad_request", "limit: 1 to 1000000");
            }
            limit = v;
        }
        const auto from = time_param(get("from"));
        const auto to = time_param(get("to"));
        if ((!get("from").empty() && !from) || (!get("to").empty() && !to)) {
            return Response::error(400, "bad_request", "from/to: epoch ms or ISO-8601");
        }
        std::shared_ptr<const model::BarSeries> series;
        if (const auto session = get("session"); !session.empty()) {
            auto bars = host->view(session, "bars", symbol);
            if (!bars) {
                return Response::error(404, "not_found", fmt::format("no session {}", session));
            }
            model::BarSeries s(Duration::from_minutes(1), *Symbol::parse(symbol));
            for (const auto& row : Json::parse(*bars)) {
                model::Bar b;
                b.open_time = Timestamp::from_unix_ms(row[0].get<std::int64_t>());
                b.close_time = b.open_time;
                b.open = Price::from_double(row[1].get<double>()).value_or(Price{});
                b.high = Price::from_double(row[2].get<double>()).value_or(Price{});
                b.low = Price::from_double(row[3].get<double>()).value_or(Price{});
                b.close = Price::from_double(row[4].get<double>()).value_or(Price{});
                b.volume = Qty::from_double(row[5].get<double>()).value_or(Qty{});
                s.push_back(b);
            }
            series = std::make_shared<const model::BarSeries>(std::move(s));
        } else {
            auto file = data_file(symbol, get("interval"));
            if (!file) {
                return from_error(file.error());
            }
            auto loaded = load_bars(*file);
            if (!loaded) {
                return from_error(loaded.error());
            }
            series = *loaded;
        }
        const auto times = series->open_time();
        std::size_t first = 0;
        std::size_t last = times.size();
        if (from) {
            first = static_cast<std::size_t>(
                std::lower_bound(times.begin(), times.end(), Timestamp::from_unix_ms(*from)) -
                times.begin());
        }
        if (to) {
            last = static_cast<std::size_t>(
                std::lower_bound(times.begin(), times.end(), Timestamp::from_unix_ms(*to)) -
                times.begin());
        }
        if (last < first) {
            last = first;
        }
        if (last - first > limit) {
            first = last - limit;  // the most recent `limit` bars of the range
        }
        std::vector<indicators::IndicatorSpec> specs;
        if (const auto set = get("indicators"); !set.empty()) {
            auto parsed = indicators::parse_indicator_set(set);
            if (!parsed) {
                return Response::error(400, "bad_request", parsed.error().message);
            }
            specs = std::move(*parsed);
        }
        // Columns as JSON arrays, written directly (100k bars in a few milliseconds).
        fmt::memory_buffer out;
        const auto column = [&](const char* name, auto&& value) {
            fmt::format_to(std::back_inserter(out), R"("{}":[)", name);
            for (std::size_t i = first; i < last; ++i) {
                if (i != first) {
                    out.push_back(',');
                }
                value(i);
            }
            out.push_back(']');
        };
        fmt::format_to(
            std::back_inserter(out),
            R"({{"symbol":"{}","interval_ms":{},"count":{},)",
            symbol,
            series->interval().ms(),
            last - first);
        column("time", [&](std::size_t i) {
            fmt::format_to(std::back_inserter(out), "{}", times[i].unix_ms());
        });
        const auto price_column = [&](const char* name, std::span<const Price> values) {
            out.push_back(',');
            column(name, [&](std::size_t i) {
                char buf[48];
                const auto n = detail::format_fixed(values[i].raw(), buf);
                out.append(buf, buf + n);
            });
        };
        price_column("open", series->open());
        price_column("high", series->high());
        price_column("low", series->low());
        price_column("close", series->close());
        out.push_back(',');
        column("volume", [&](std::size_t i) {
            char buf[48];
            const auto n = detail::format_fixed(series->volume()[i].raw(), buf);
            out.append(buf, buf + n);
        });
        fmt::format_to(std::back_inserter(out), R"(,"indicators":{{)");
        if (!specs.empty()) {
            const auto bars = indicators::BarColumns::from(*series);
            bool first_col = true;
            for (const auto& spec : specs) {
                auto values = indicators::compute(spec, bars);
                if (!values) {
                    return Response::error(400, "bad_request", values.error().message);
                }
                for (std::size_t k = 0; k < values->size(); ++k) {
                    if (!first_col) {
                        out.push_back(',');
                    }
                    first_col = false;
                    column(spec.columns[k].c_str(), [&](std::size_t i) {
                        const double v = (*values)[k][i];
                        if (std::isfinite(v)) {
                            fmt::format_to(std::back_inserter(out), "{}", v);
                        } else {
                            out.append(std::string_view("null"));
                        }
                    });
                }
            }
        }
        out.append(std::string_view("}}"));
        return Response::json(200, fmt::to_string(out));
    }

    Response static_file(const Request& r) {
        std::string rel = r.path == "/" ? std::string("index.html") : r.path.substr(8);  // /static/
        if (rel == "charts.js") {  // the chart module the offline reports inline
            Response out{
                200, "text/javascript; charset=utf-8", std::string(backtest::charts_js()), {}};
            out.headers.emplace_back("Cache-Control", "no-cache");
            return out;
        }
        if (rel == "vendor/plotly.min.js") {
            auto body = read_file(options.plotly_js);
            if (!body) {
                return Response::error(
                    404, "not_found", "Plotly.js is not installed (npm ci in web/)");
            }
            Response out{200, "text/javascript; charset=utf-8", std::move(*body), {}};
            out.headers.emplace_back("Cache-Control", "max-age=86400");
            return out;
        }
        std::error_code ec;
        const fs::path root = fs::weakly_canonical(options.web_root, ec);
        const fs::path file = fs::weakly_canonical(root / rel, ec);
        const std::string f = file.string();
        if (ec || f.rfind(root.string() + "/", 0) != 0 || !fs::is_regular_file(file, ec)) {
            return Response::error(404, "not_found", "no such file");
        }
        auto body = read_file(file);
        if (!body) {
            return Response::error(404, "not_found", "no such file");
        }
        Response out{200, content_type_of(file), std::move(*body), {}};
        secure(out);
        out.headers.emplace_back("Cache-Control", "no-cache");
        return out;
    }

    Response compare(Call& call);
    Response submit_backtest(Call& call);
    void add_routes();
};

namespace {

constexpr const char* kSessionSchema = R"json({
  "type": "object",
  "required": ["assets"],
  "properties": {
    "mode": {"enum": ["paper", "live"]},
    "assets": {"type": "array", "items": {"type": "string"}},
    "feed": {"type": "string", "description": "replay:PATH[,PATH] or live:TARGET (paper)"},
    "exchange": {"type": "string", "description": "live: binance, testnet or http(s)://HOST:PORT"},
    "confirm": {"type": "string", "description": "live on a real exchange: its name, typed"},
    "strategy": {"type": "string"},
    "params": {"type": "object", "additionalProperties": {"type": "number"}},
    "speed": {"type": "string", "description": "max or e.g. 60x"},
    "interval": {"type": "string"},
    "config": {"type": "string", "description": "TOML text in the backtest format"},
    "model": {"type": "string"},
    "risk": {"type": "object"}
  }})json";

constexpr const char* kRiskSchema = R"json({
  "type": "object",
  "properties": {
    "max_position_qty": {"type": ["number", "string"]},
    "max_position_notional": {"type": ["number", "string"]},
    "max_gross_exposure": {"type": "number"},
    "max_open_orders": {"type": "integer"},
    "max_daily_loss_pct": {"type": "number"},
    "max_drawdown_pct": {"type": "number"},
    "stop_loss_atr": {"type": "number"},
    "take_profit_atr": {"type": "number"},
    "trailing_stop_atr": {"type": "number"},
    "trailing_stop_pct": {"type": "number"},
    "atr_period": {"type": "integer"},
    "cooldown_after_stop_s": {"type": "integer"}
  }})json";

}  // namespace

void Api::Impl::add_routes() {
    Router& r = *router;
    const auto add = [&](std::string method,
                         std::string pattern,
                         Access access,
                         std::string tag,
                         std::string summary,
                         std::function<Response(Call&)> handler,
                         std::vector<QueryParam> query = {},
                         std::string request_schema = "") {
        r.add(Route{
            std::move(method),
            "/api/v1" + pattern,
            access,
            std::move(tag),
            std::move(summary),
            std::move(query),
            std::move(request_schema),
            "",
            std::move(handler)});
    };

    add("GET", "/ping", Access::kPublic, "system", "Liveness: {\"pong\":true}", [](Call&) {
        return ok_json(Json{{"pong", true}});
    });
    add("GET", "/version", Access::kViewer, "system", "Server version", [this](Call&) {
        return ok_json(Json{{"version", options.version}, {"api", "v1"}});
    });
    add("GET",
        "/status",
        Access::kViewer,
        "system",
        "Sessions, health and last update",
        [this](Call& call) {
            Json sessions = Json::array();
            std::int64_t last = 0;
            for (const auto& id : host->ids()) {
                if (auto v = host->view(id, "summary")) {
                    auto j = Json::parse(*v);
                    last = std::max(last, j.value("updated_ms", std::int64_t{0}));
                    sessions.push_back(std::move(j));
                }
            }
            std::size_t queued = 0;
            std::size_t running = 0;
            {
                const std::lock_guard lock(jobs_mu);
                queued = job_queue.size();
                running = running_jobs;
            }
            const auto hub_stats = hub.stats();
            return ok_json(Json{
                {"health", "ok"},
                {"version", options.version},
                {"user", call.user->name},
                {"role", std::string(to_string(call.user->role))},
                {"uptime_s",
                 std::chrono::duration_cast<std::chrono::seconds>(
                     std::chrono::steady_clock::now() - started)
                     .count()},
                {"mode",
                 std::any_of(
                     sessions.begin(),
                     sessions.end(),
                     [](const Json& s) {
                         return s.value("mode", "") == "live" && s.value("status", "") == "running";
                     })
                     ? "live"
                     : "paper"},
                {"last_update_ms", last},
                {"sessions", sessions},
                {"jobs", {{"queued", queued}, {"running", running}}},
                {"stream",
                 {{"clients", hub_stats.clients},
                  {"published", hub_stats.published},
                  {"dropped", hub_stats.dropped},
                  {"snapshots", hub_stats.snapshots}}}});
        });
    add("GET", "/openapi.json", Access::kViewer, "system", "This document", [this](Call&) {
        return Response::json(200, router->openapi_json(options.version));
    });

    add("GET",
        "/ws",
        Access::kPublic,
        "stream",
        "The WebSocket stream (upgrade required). Send {\"type\":\"auth\",\"token\"} first (or "
        "connect with the bearer header or session cookie), then {\"type\":\"subscribe\","
        "\"session\":ID|\"*\",\"topics\":[status,bars,fills,orders,positions,balances,equity,"
        "trades,alerts,signals]|[\"*\"],\"last_seq\":N?}; the server session \"server\" has "
        "topics jobs and logs. Every message is {seq, session, topic, data}; with last_seq the "
        "missed messages are replayed, else a snapshot comes first. {\"type\":\"ping\"} -> pong.",
        [](Call&) {
            return Response::error(
                426, "upgrade_required", "connect with a WebSocket client (Upgrade: websocket)");
        });

    // Authentication.
    add(
        "POST",
        "/auth/login",
        Access::kPublic,
        "auth",
        "Log in: {username, password} -> {access_token, refresh_token, expires_in}",
        [this](Call& call) {
            Response bad;
            auto body = parse_body(call.request, bad);
            if (!body) {
                return bad;
            }
            const auto name = body->value("username", std::string());
            const auto password = body->value("password", std::string());
            std::int64_t retry = 0;
            auto tokens = auth->login(name, password, call.request.client, wall_now(), &retry);
            AuditEntry e{
                0,
                wall_now(),
                name,
                "login",
                call.request.client,
                tokens ? "ok" : tokens.error().message,
                ""};
            if (auto st = auth->audit(e); !st) {
                log::error(
                    "audit log write failed for a login by '{}': {}", name, st.error().message);
            }
            if (!tokens) {
                if (tokens.error().code == ErrorCode::kUnavailable) {
                    auto out = Response::error(429, "too_many_requests", tokens.error().message);
                    out.headers.emplace_back("Retry-After", std::to_string(retry));
                    return out;
                }
                return Response::error(401, "unauthorized", tokens.error().message);
            }
            auto out = ok_json(Json{
                {"access_token", tokens->access_token},
                {"refresh_token", tokens->refresh_token},
                {"expires_in", tokens->expires_in},
                {"token_type", "Bearer"}});
            out.headers.emplace_back(
                "Set-Cookie",
                fmt::format(
                    "ats_session={}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}",
                    tokens->access_token,
                    tokens->expires_in));
            out.headers.emplace_back(
                "Set-Cookie",
                fmt::format(
                    "ats_refresh={}; Path=/api/v1/auth; HttpOnly; SameSite=Strict; Max-Age={}",
                    tokens->refresh_token,
                    AuthStore::kRefreshSeconds));
            return out;
        },
        {},
        R"({"type":"object","required":["username","password"],"properties":{"username":{"type":"string"},"password":{"type":"string"}}})");
    add("POST",
        "/auth/refresh",
        Access::kPublic,
        "auth",
        "New tokens for {refresh_token} (or the ats_refresh cookie)",
        [this](Call& call) {
            Response bad;
            auto body = parse_body(call.request, bad);
            if (!body) {
                return bad;
            }
            std::string token = body->value("refresh_token", std::string());
            if (token.empty()) {
                token = call.request.cookie("ats_refresh").value_or("");
            }
            auto tokens = auth->refresh(token, wall_now());
            if (!tokens) {
                return Response::error(401, "unauthorized", tokens.error().message);
            }
            auto out = ok_json(Json{
                {"access_token", tokens->access_token},
                {"refresh_token", tokens->refresh_token},
                {"expires_in", tokens->expires_in},
                {"token_type", "Bearer"}});
            out.headers.emplace_back(
                "Set-Cookie",
                fmt::format(
                    "ats_session={}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}",
                    tokens->access_token,
                    tokens->expires_in));
            out.headers.emplace_back(
                "Set-Cookie",
                fmt::format(
                    "ats_refresh={}; Path=/api/v1/auth; HttpOnly; SameSite=Strict; Max-Age={}",
                    tokens->refresh_token,
                    AuthStore::kRefreshSeconds));
            return out;
        });
    add("POST", "/auth/logout", Access::kViewer, "auth", "Ends this token", [this](Call& call) {
        if (auto token = token_of(call.request)) {
            auth->logout(*token);
        }
        // The refresh token goes too: a reload must not log the user back in.
        if (auto refresh = call.request.cookie("ats_refresh")) {
            auth->logout(*refresh);
        }
        auto out = ok_json(Json{{"ok", true}});
        out.headers.emplace_back(
            "Set-Cookie", "ats_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
        out.headers.emplace_back(
            "Set-Cookie", "ats_refresh=; Path=/api/v1/auth; HttpOnly; SameSite=Strict; Max-Age=0");
        return out;
    });
    add("GET", "/me", Access::kViewer, "auth", "Who the token belongs to", [](Call& call) {
        return ok_json(
            Json{{"username", call.user->name}, {"role", std::string(to_string(call.user->role))}});
    });

    // Market data.
    add("GET",
        "/symbols",
        Access::kViewer,
        "market",
        "Bar files in the data directories",
        [this](Call&) {
            Json files = Json::array();
            for (const auto& dir : options.data_dirs) {
                std::error_code ec;
                std::vector<std::string> names;
                for (const auto& entry : fs::directory_iterator(dir, ec)) {
                    if (entry.is_regular_file() && entry.path().extension() == ".csv") {
                        names.push_back(entry.path().filename().string());
                    }
                }
                std::sort(names.begin(), names.end());
                for (const auto& name : names) {
                    const auto underscore = name.find('_');
                    const auto second = name.find('_', underscore + 1);
                    files.push_back(
                        {{"file", (fs::path(dir) / name).string()},
                         {"symbol", name.substr(0, underscore)},
                         {"interval",
                          second == std::string::npos
                              ? std::string()
                              : name.substr(underscore + 1, second - underscore - 1)}});
                }
            }
            return ok_json(files);
        });
    add("GET",
        "/candles",
        Access::kViewer,
        "market",
        "Bars (columns) from the data directories or a session, with indicators as extra columns",
        [this](Call& call) { return candles_route(call); },
        {{"symbol", "e.g. BTCUSDT", true},
         {"interval", "1m, 1h, ... (the file's interval)", false},
         {"from", "epoch ms or ISO-8601", false},
         {"to", "epoch ms or ISO-8601 (exclusive)", false},
         {"limit", "most recent N bars of the range (default 100000)", false},
         {"indicators", "e.g. rsi:14,bbands:20:2:2 (any registry name)", false},
         {"session", "a session's bars instead of a file", false}});
    add("GET",
        "/altdata",
        Access::kViewer,
        "market",
        "Alternative-data features of a symbol, point in time: values a strategy deciding at "
        "each time would read, and each published value with its event and available time",
        [this](Call& call) { return altdata_route(call); },
        {{"symbol", "e.g. BTCUSDT (its base asset's on-chain data)", true},
         {"from", "epoch ms or ISO-8601", true},
         {"to", "epoch ms or ISO-8601 (exclusive)", true},
         {"features", "e.g. fear_greed,onchain_mvrv_z:365,news_sentiment_mean:24h", false}});
    add("GET", "/indicators", Access::kViewer, "market", "The indicator registry", [](Call&) {
        Json list = Json::array();
        for (const auto& i : indicators::indicator_catalog()) {
            Json params = Json::array();
            for (const auto& p : i.params) {
                params.push_back({{"name", std::string(p.name)}, {"default", p.default_value}});
            }
            list.push_back(
                {{"name", std::string(i.name)},
                 {"summary", std::string(i.summary)},
                 {"params", params}});
        }
        return ok_json(list);
    });

    add("GET",
        "/strategies",
        Access::kViewer,
        "market",
        "Built-in strategies with their parameters and defaults",
        [](Call&) {
            Json list = Json::array();
            for (const auto& line : strategy::describe_strategies()) {
                std::istringstream in(line);
                std::string name;
                in >> name;
                Json params = Json::object();
                std::string word;
                std::string note;
                while (in >> word) {
                    const auto eq = word.find('=');
                    char* end = nullptr;
                    const double v =
                        eq == std::string::npos ? 0.0 : std::strtod(word.c_str() + eq + 1, &end);
                    if (eq != std::string::npos && eq > 0 && end != nullptr && *end == '\0' &&
                        note.empty()) {
                        params[word.substr(0, eq)] = v;
                    } else {
                        note += (note.empty() ? "" : " ") + word;
                    }
                }
                list.push_back({{"name", name}, {"params", params}, {"note", note}});
            }
            return ok_json(list);
        });

    // Sessions.
    add("GET",
        "/sessions",
        Access::kViewer,
        "sessions",
        "Every session the server hosts",
        [this](Call&) {
            Json list = Json::array();
            for (const auto& id : host->ids()) {
                if (auto v = host->view(id, "summary")) {
                    list.push_back(Json::parse(*v));
                }
            }
            return ok_json(list);
        });
    add(
        "POST",
        "/sessions",
        Access::kTrader,
        "sessions",
        "Start a paper or live session -> {id}",
        [this](Call& call) {
            auto spec =
                SessionSpec::from_json(call.request.body.empty() ? "{}" : call.request.body);
            if (!spec) {
                audit(call, "session.start", "", spec.error().message, call.request.body);
                return from_error(spec.error());
            }
            spec->created_by = call.user->name;
            spec->id.clear();
            spec->status = "running";
            auto id = host->start(*spec);
            audit(
                call,
                "session.start",
                id ? *id : std::string(),
                id ? std::string("ok") : id.error().message,
                fmt::format("{} {} {}", spec->mode, fmt::join(spec->assets, ","), spec->strategy));
            if (!id) {
                return from_error(id.error());
            }
            return ok_json(Json{{"id", *id}});
        },
        {},
        kSessionSchema);
    add("GET",
        "/sessions/{id}",
        Access::kViewer,
        "sessions",
        "A session's state",
        [this](Call& call) {
            auto v = host->view(call.params["id"], "snapshot");
            return v ? Response::json(200, *v)
                     : Response::error(404, "not_found", "no such session");
        });
    for (const char* what :
         {"positions", "orders", "trades", "balances", "equity", "alerts", "fills", "risk"}) {
        add("GET",
            fmt::format("/sessions/{{id}}/{}", what),
            Access::kViewer,
            "sessions",
            fmt::format("A session's {}", what),
            [this, w = std::string(what)](Call& call) {
                auto v = host->view(call.params["id"], w);
                return v ? Response::json(200, *v)
                         : Response::error(404, "not_found", "no such session");
            });
    }
    add("POST",
        "/sessions/{id}/stop",
        Access::kTrader,
        "sessions",
        "Stop a session (state saved; starting it again resumes)",
        [this](Call& call) {
            const std::string id = call.params["id"];
            auto s = host->stop(id);
            audit(call, "session.stop", id, s ? "ok" : s.error().message, "");
            return s ? ok_json(Json{{"stopped", id}}) : from_error(s.error());
        });
    add("POST",
        "/sessions/{id}/resume",
        Access::kTrader,
        "sessions",
        "Start a stopped session again: it resumes from its state file",
        [this](Call& call) {
            const std::string id = call.params["id"];
            auto restarted = host->restart(id);
            audit(
                call,
                "session.resume",
                id,
                restarted ? std::string("ok") : restarted.error().message,
                "");
            return restarted ? ok_json(Json{{"id", *restarted}}) : from_error(restarted.error());
        });
    add("POST",
        "/sessions/{id}/pause-entries",
        Access::kTrader,
        "sessions",
        "Pause (or with {\"paused\":false} resume) new entries",
        [this](Call& call) {
            Response bad;
            auto body = parse_body(call.request, bad);
            if (!body) {
                return bad;
            }
            const bool paused = body->value("paused", true);
            runtime::SessionCommand c;
            c.kind = paused ? runtime::SessionCommand::Kind::kPauseEntries
                            : runtime::SessionCommand::Kind::kResumeEntries;
            c.reason = fmt::format("{} via the dashboard", call.user->name);
            const std::string id = call.params["id"];
            auto s = host->command(id, c);
            audit(
                call,
                paused ? "session.pause_entries" : "session.resume_entries",
                id,
                s ? "ok" : s.error().message,
                "");
            return s ? ok_json(Json{{"queued", true}, {"paused", paused}}) : from_error(s.error());
        });
    add(
        "POST",
        "/sessions/{id}/positions/{symbol}/close",
        Access::kTrader,
        "sessions",
        "Close a position, or {\"fraction\":0.5} of it",
        [this](Call& call) {
            Response bad;
            auto body = parse_body(call.request, bad);
            if (!body) {
                return bad;
            }
            const std::string id = call.params["id"];
            auto symbol = Symbol::parse(call.params["symbol"]);
            double fraction = 1.0;
            if (body->contains("fraction")) {
                if (!body->at("fraction").is_number()) {
                    return Response::error(400, "bad_request", "fraction: a number in (0, 1]");
                }
                fraction = body->at("fraction").get<double>();
            }
            if (!symbol || !(fraction > 0.0 && fraction <= 1.0)) {
                audit(call, "position.close", id, "bad request", call.request.body);
                return Response::error(
                    400, "bad_request", "a symbol and a fraction in (0, 1] are needed");
            }
            runtime::SessionCommand c;
            c.kind = runtime::SessionCommand::Kind::kClosePosition;
            c.symbol = *symbol;
            c.fraction = fraction;
            c.reason = fmt::format("{} via the dashboard", call.user->name);
            auto s = host->command(id, c);
            audit(
                call,
                "position.close",
                fmt::format("{}/{}", id, symbol->to_string()),
                s ? "ok" : s.error().message,
                fmt::format("fraction {}", fraction));
            return s ? ok_json(Json{{"queued", true}}) : from_error(s.error());
        },
        {},
        R"({"type":"object","properties":{"fraction":{"type":"number","exclusiveMinimum":0,"maximum":1}}})");
    add(
        "PUT",
        "/sessions/{id}/risk",
        Access::kTrader,
        "sessions",
        "New risk limits (validated like the TOML [risk] table; applied at the next bar)",
        [this](Call& call) {
            const std::string id = call.params["id"];
            auto limits = runtime::parse_risk_limits_json(
                call.request.body.empty() ? "{}" : call.request.body);
            if (!limits) {
                audit(call, "session.risk", id, limits.error().message, call.request.body);
                return from_error(limits.error());
            }
            runtime::SessionCommand c;
            c.kind = runtime::SessionCommand::Kind::kSetRisk;
            c.risk = *limits;
            c.reason = fmt::format("{} via the dashboard", call.user->name);
            auto s = host->command(id, c);
            audit(
                call,
                "session.risk",
                id,
                s ? "ok" : s.error().message,
                runtime::risk_limits_json(*limits));
            return s ? ok_json(Json{
                           {"queued", true},
                           {"limits", Json::parse(runtime::risk_limits_json(*limits))}})
                     : from_error(s.error());
        },
        {},
        kRiskSchema);
    add("POST",
        "/emergency-stop",
        Access::kTrader,
        "sessions",
        "Every session: cancel working orders, flatten, halt (persisted)",
        [this](Call& call) {
            const std::size_t n =
                host->emergency_stop_all(fmt::format("{} via the dashboard", call.user->name));
            audit(call, "emergency_stop", "*", "ok", fmt::format("{} sessions", n));
            return ok_json(Json{{"sessions", n}});
        });
    add("POST",
        "/sessions/{id}/compare",
        Access::kViewer,
        "sessions",
        "Session vs simulation: the same configuration as a backtest over the same bars",
        [this](Call& call) { return compare(call); });

    // Runs, jobs, evolutions, models.
    add("GET",
        "/runs",
        Access::kViewer,
        "runs",
        "Recorded backtests, newest first",
        [this](Call& call) {
            auto db = store::RunStore::open(options.db_path);
            if (!db) {
                return from_error(db.error());
            }
            std::size_t limit = 100;
            if (auto it = call.request.query.find("limit"); it != call.request.query.end()) {
                limit = std::clamp<std::size_t>(
                    std::strtoull(it->second.c_str(), nullptr, 10), 1, 1000);
            }
            auto runs = db->list(limit);
            if (!runs) {
                return from_error(runs.error());
            }
            Json list = Json::array();
            for (const auto& run : *runs) {
                list.push_back(
                    {{"id", run.id},
                     {"config_id", run.run_key},
                     {"created_ms", run.created_ms},
                     {"strategy", run.strategy},
                     {"params", run.params},
                     {"assets", run.assets},
                     {"final_equity", run.final_equity},
                     {"total_return_pct", run.total_return_pct},
                     {"max_drawdown_pct", run.max_drawdown_pct},
                     {"sharpe", run.sharpe},
                     {"trades", run.trades}});
            }
            return ok_json(list);
        },
        {{"limit", "at most this many (default 100)", false}});
    add("GET",
        "/runs/{id}",
        Access::kViewer,
        "runs",
        "A run: metrics, trades and equity",
        [this](Call& call) {
            const auto id = std::strtoll(call.params["id"].c_str(), nullptr, 10);
            auto db = store::RunStore::open(options.db_path);
            if (!db) {
                return from_error(db.error());
            }
            auto run = db->get(id);
            if (!run) {
                return from_error(run.error());
            }
            auto trades = db->trades(id);
            Json t = Json::array();
            if (trades) {
                for (const auto& row : *trades) {
                    t.push_back(
                        {{"symbol", row.symbol},
                         {"side", row.side},
                         {"entry_time_ms", row.entry_time_ms},
                         {"entry_price", row.entry_price},
                         {"exit_time_ms", row.exit_time_ms},
                         {"exit_price", row.exit_price},
                         {"quantity", row.quantity},
                         {"pnl_gross", row.pnl_gross},
                         {"fees", row.fees},
                         {"pnl_net", row.pnl_net}});
                }
            }
            Json equity = Json::array();
            if (auto csv = read_file(fs::path(run->report_dir) / "equity.csv")) {
                std::istringstream in(*csv);
                std::string line;
                std::getline(in, line);
                while (std::getline(in, line)) {
                    const auto comma = line.find(',');
                    if (comma != std::string::npos) {
                        equity.push_back(
                            {{"time_ms", std::strtoll(line.c_str(), nullptr, 10)},
                             {"equity", std::strtod(line.c_str() + comma + 1, nullptr)}});
                    }
                }
            }
            Json metrics = Json::object();
            try {
                metrics = Json::parse(run->metrics_json);
            } catch (const std::exception&) {
            }
            return ok_json(Json{
                {"id", run->id},
                {"config_id", run->run_key},
                {"created_ms", run->created_ms},
                {"strategy", run->strategy},
                {"params", run->params},
                {"assets", run->assets},
                {"config", run->config_toml},
                {"metrics", metrics},
                {"trades", t},
                {"equity", equity},
                {"has_report", fs::exists(fs::path(run->report_dir) / "report.html")}});
        });
    add("GET",
        "/runs/{id}/report",
        Access::kViewer,
        "runs",
        "A run's HTML report",
        [this](Call& call) {
            const auto id = std::strtoll(call.params["id"].c_str(), nullptr, 10);
            auto db = store::RunStore::open(options.db_path);
            if (!db) {
                return from_error(db.error());
            }
            auto run = db->get(id);
            if (!run) {
                return from_error(run.error());
            }
            // Only the report.html of the run's own directory, never another path.
            auto body = read_file(fs::path(run->report_dir) / "report.html");
            if (!body) {
                return Response::error(404, "not_found", "this run has no report.html");
            }
            Response out{200, "text/html; charset=utf-8", std::move(*body), {}};
            out.headers.emplace_back(
                "Content-Security-Policy",
                "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
                "img-src data: blob:; frame-ancestors 'self'");
            return out;
        });
    add(
        "POST",
        "/backtests",
        Access::kTrader,
        "runs",
        "Run a backtest in the background: {\"config\": TOML text} or the TOML tables as JSON -> "
        "{job}",
        [this](Call& call) { return submit_backtest(call); },
        {},
        R"({"type":"object","properties":{"config":{"type":"string"},"backtest":{"type":"object"},"strategy":{"type":"object"},"risk":{"type":"object"}}})");
    add("GET", "/jobs", Access::kViewer, "runs", "Backtest jobs", [this](Call&) {
        Json list = Json::array();
        const std::lock_guard lock(jobs_mu);
        for (auto it = jobs.rbegin(); it != jobs.rend(); ++it) {
            list.push_back(job_json(*it->second));
        }
        return ok_json(list);
    });
    add("GET",
        "/jobs/{id}",
        Access::kViewer,
        "runs",
        "A backtest job: status and progress",
        [this](Call& call) {
            const std::lock_guard lock(jobs_mu);
            const auto it = jobs.find(call.params["id"]);
            if (it == jobs.end()) {
                return Response::error(404, "not_found", "no such job");
            }
            return ok_json(job_json(*it->second));
        });
    add("GET",
        "/evolutions",
        Access::kViewer,
        "runs",
        "Strategy and hyperparameter searches",
        [this](Call&) {
            auto db = store::RunStore::open(options.db_path);
            if (!db) {
                return from_error(db.error());
            }
            auto list = db->list_evolutions(200);
            if (!list) {
                return from_error(list.error());
            }
            Json out = Json::array();
            for (const auto& e : *list) {
                Json summary = Json::object();
                try {
                    summary = Json::parse(e.summary_json);
                } catch (const std::exception&) {
                }
                out.push_back(
                    {{"id", e.id},
                     {"created_ms", e.created_ms},
                     {"mode", e.mode},
                     {"asset", e.asset},
                     {"algorithm", e.algorithm},
                     {"trials", e.trials},
                     {"best_fitness", e.best_fitness},
                     {"winner", e.winner},
                     {"in_sample_sharpe", e.in_sample_sharpe},
                     {"holdout_sharpe", e.holdout_sharpe},
                     {"deflated_sharpe", e.deflated_sharpe},
                     {"summary", summary}});
            }
            return ok_json(out);
        });
    add("GET",
        "/models",
        Access::kViewer,
        "models",
        "Trained models in the registry",
        [this](Call&) {
            auto db = store::RunStore::open(options.db_path);
            if (!db) {
                return from_error(db.error());
            }
            auto list = db->list_models(200);
            if (!list) {
                return from_error(list.error());
            }
            Json out = Json::array();
            for (const auto& m : *list) {
                out.push_back(
                    {{"id", m.id},
                     {"created_ms", m.created_ms},
                     {"asset", m.asset},
                     {"model", m.model},
                     {"label", m.label},
                     {"features", m.features},
                     {"train_from_ms", m.train_from_ms},
                     {"train_to_ms", m.train_to_ms},
                     {"oos_accuracy", m.oos_accuracy},
                     {"oos_auc", m.oos_auc},
                     {"oos_rows", m.oos_rows},
                     {"dir", m.dir}});
            }
            return ok_json(out);
        });
    add("GET",
        "/models/{id}",
        Access::kViewer,
        "models",
        "A model: walk-forward metrics and feature importance",
        [this](Call& call) {
            auto db = store::RunStore::open(options.db_path);
            if (!db) {
                return from_error(db.error());
            }
            auto list = db->list_models(10'000);
            if (!list) {
                return from_error(list.error());
            }
            const auto id = std::strtoll(call.params["id"].c_str(), nullptr, 10);
            const auto it =
                std::find_if(list->begin(), list->end(), [&](const auto& m) { return m.id == id; });
            if (it == list->end()) {
                return Response::error(404, "not_found", "no such model");
            }
            Json wf = Json::object();
            try {
                wf = Json::parse(it->walk_forward_json);
            } catch (const std::exception&) {
            }
            Json importance = Json::array();
            if (auto csv = read_file(fs::path(it->dir) / "importance.csv")) {
                std::istringstream in(*csv);
                std::string line;
                std::getline(in, line);
                std::map<std::string, double> total;
                while (std::getline(in, line)) {
                    const auto c1 = line.find(',');
                    const auto c2 = line.rfind(',');
                    if (c1 != std::string::npos && c2 != c1) {
                        total[line.substr(0, c1)] += std::strtod(line.c_str() + c2 + 1, nullptr);
                    }
                }
                std::vector<std::pair<std::string, double>> sorted(total.begin(), total.end());
                std::sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) {
                    return a.second > b.second;
                });
                for (const auto& [feature, gain] : sorted) {
                    importance.push_back({{"feature", feature}, {"total_gain", gain}});
                }
            }
            return ok_json(Json{
                {"id", it->id},
                {"asset", it->asset},
                {"model", it->model},
                {"label", it->label},
                {"features", it->features},
                {"oos_accuracy", it->oos_accuracy},
                {"oos_auc", it->oos_auc},
                {"walk_forward", wf},
                {"importance", importance},
                {"dir", it->dir}});
        });
    add("GET",
        "/audit",
        Access::kViewer,
        "system",
        "Every control action: who, when, what, result",
        [this](Call&) {
            auto log = auth->audit_log(500);
            if (!log) {
                return from_error(log.error());
            }
            Json out = Json::array();
            for (const auto& e : *log) {
                out.push_back(
                    {{"id", e.id},
                     {"time_ms", e.time.unix_ms()},
                     {"user", e.user},
                     {"action", e.action},
                     {"target", e.target},
                     {"result", e.result},
                     {"detail", e.detail}});
            }
            return ok_json(out);
        });
}

namespace {

/// TOML text for the tables of a JSON request ({"backtest": {...}, "strategy": {...}, ...}):
/// numbers, strings, booleans, arrays of them and nested tables, nothing else.
Result<std::string> json_tables_to_toml(const Json& body) {
    std::string out;
    std::function<Status(const std::string&, const Json&)> table = [&](const std::string& name,
                                                                       const Json& t) -> Status {
        if (!t.is_object()) {
            return make_error(
                ErrorCode::kInvalidArgument, fmt::format("'{}': expected an object", name));
        }
        out += fmt::format("[{}]\n", name);
        std::vector<std::pair<std::string, const Json*>> nested;
        for (const auto& [key, value] : t.items()) {
            const bool bare = !key.empty() && std::all_of(key.begin(), key.end(), [](char c) {
                return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '-';
            });
            if (!bare) {
                return make_error(
                    ErrorCode::kInvalidArgument,
                    fmt::format("'{}.{}': not a valid key", name, key));
            }
            if (value.is_object()) {
                nested.emplace_back(key, &value);
                continue;
            }
            const auto scalar_ok = [](const Json& v) {
                return v.is_number() || v.is_string() || v.is_boolean();
            };
            const bool ok =
                scalar_ok(value) ||
                (value.is_array() && std::all_of(value.begin(), value.end(), scalar_ok));
            if (!ok) {
                return make_error(
                    ErrorCode::kInvalidArgument,
                    fmt::format(
                        "'{}.{}': numbers, strings, booleans or arrays of them", name, key));
            }
            out += fmt::format("{} = {}\n", key, value.dump());
        }
        for (const auto& [key, value] : nested) {
            if (auto st = table(name + "." + key, *value); !st) {
                return st;
            }
        }
        return ok_status();
    };
    for (const auto& [key, value] : body.items()) {
        if (key == "config" || key == "files") {
            continue;
        }
        if (auto st = table(key, value); !st) {
            return tl::unexpected(st.error());
        }
    }
    return out;
}

/// The WebSocket stream of one client: authentication (the handshake's token, or a first
/// {"type":"auth","token":...} message), then subscribe / unsubscribe / resume / ping.
class StreamEndpoint final : public WsEndpoint {
public:
    StreamEndpoint(
        AuthStore& auth,
        Hub& hub,
        SessionHost& host,
        std::shared_ptr<WsPeer> peer,
        std::optional<User> user)
        : auth_(auth), hub_(hub), host_(host), peer_(std::move(peer)) {
        if (user) {
            admit(*user);
        }
    }

    void on_message(std::string_view text) override {
        Json m;
        try {
            m = Json::parse(text);
        } catch (const std::exception&) {
            error("bad JSON");
            return;
        }
        if (!m.is_object() || !m.contains("type") || !m["type"].is_string()) {
            error("expected {\"type\": ...}");
            return;
        }
        const std::string type = m["type"].get<std::string>();
        if (type == "auth") {
            if (client_ != 0) {
                return;
            }
            const auto token = m.value("token", std::string());
            if (auto user = auth_.authenticate(token, wall_now())) {
                admit(*user);
            } else {
                error("unauthorized");
                peer_->close();
            }
            return;
        }
        if (client_ == 0) {
            error("unauthorized: send {\"type\":\"auth\",\"token\":...} first");
            peer_->close();
            return;
        }
        if (type == "ping") {
            peer_->send(Json{{"type", "pong"}, {"seq", hub_.last_seq()}}.dump());
            return;
        }
        const std::string session = m.value("session", std::string("*"));
        if (type == "subscribe") {
            std::vector<std::string> topics;
            if (m.contains("topics") && m["topics"].is_array()) {
                for (const auto& t : m["topics"]) {
                    if (t.is_string()) {
                        topics.push_back(t.get<std::string>());
                    }
                }
            }
            if (topics.empty()) {
                topics.emplace_back("*");
            }
            std::optional<std::uint64_t> last;
            if (m.contains("last_seq") && m["last_seq"].is_number_unsigned()) {
                last = m["last_seq"].get<std::uint64_t>();
            }
            hub_.subscribe(client_, session, topics, last);
        } else if (type == "unsubscribe") {
            hub_.unsubscribe(client_, session);
        } else if (type == "resume") {
            const auto last = m.value("last_seq", std::uint64_t{0});
            hub_.resume(client_, last);
        } else {
            error(fmt::format("unknown type '{}'", type));
        }
    }

    void on_close() override {
        if (client_ != 0) {
            hub_.detach(client_);
            client_ = 0;
        }
    }

private:
    void admit(const User& user) {
        client_ = hub_.attach(peer_, [host = &host_](const std::string& session) {
            return host->view(session, "snapshot").value_or("null");
        });
        peer_->send(Json{
            {"type", "hello"},
            {"user", user.name},
            {"role", std::string(to_string(user.role))},
            {"seq", hub_.last_seq()}}
                        .dump());
    }
    void error(const std::string& message) {
        peer_->send(Json{{"type", "error"}, {"message", message}}.dump());
    }

    AuthStore& auth_;
    Hub& hub_;
    SessionHost& host_;
    std::shared_ptr<WsPeer> peer_;
    std::uint64_t client_ = 0;  // I/O thread only (one message at a time per connection)
};

}  // namespace

Response Api::Impl::submit_backtest(Call& call) {
    Response bad;
    auto body = parse_body(call.request, bad);
    if (!body) {
        return bad;
    }
    std::string text;
    if (body->contains("config")) {
        if (!body->at("config").is_string()) {
            return Response::error(400, "bad_request", "'config': TOML text");
        }
        text = body->at("config").get<std::string>();
    }
    auto tables = json_tables_to_toml(*body);
    if (!tables) {
        return from_error(tables.error());
    }
    text += "\n" + *tables;
    runtime::BacktestSettings s;
    s.data = options.data_dirs.empty() ? std::string("data") : options.data_dirs.front();
    if (auto st = runtime::parse_backtest_toml(text, "request", s); !st) {
        audit(call, "backtest.submit", "", st.error().message, "");
        return from_error(st.error());
    }
    // Everything read comes from the data directories; everything written goes to the job's
    // own directory and the server's database.
    auto data = host->resolve_data_path(s.data);
    if (!data) {
        return Response::error(400, "bad_request", fmt::format("'data': {}", data.error().message));
    }
    s.data = *data;
    for (auto* path : {&s.model, &s.predictions}) {
        if (*path) {
            auto resolved = host->resolve_data_path(**path);
            if (!resolved) {
                return Response::error(
                    400, "bad_request", fmt::format("[strategy]: {}", resolved.error().message));
            }
            *path = *resolved;
        }
    }
    if (s.journal) {
        return Response::error(400, "bad_request", "'journal' cannot be set through the API");
    }
    s.db = options.db_path;
    std::shared_ptr<Job> job = std::make_shared<Job>();
    {
        const std::lock_guard lock(jobs_mu);
        job->id = fmt::format("job-{}", next_job++);
    }
    s.report = (fs::path(options.jobs_dir) / job->id).string();
    // {"files": {"BTCUSDT": PATH, ...}}: exactly these files (e.g. one interval of several), as
    // links in the job's own data directory.
    if (body->contains("files")) {
        const Json& files = body->at("files");
        if (!files.is_object() || files.empty()) {
            return Response::error(400, "bad_request", "'files': {\"SYMBOL\": \"PATH\", ...}");
        }
        const fs::path dir = fs::path(s.report) / "data";
        std::error_code ec;
        fs::create_directories(dir, ec);
        for (const auto& [symbol, path] : files.items()) {
            if (!Symbol::parse(symbol) || !path.is_string()) {
                return Response::error(
                    400, "bad_request", fmt::format("'files': bad entry '{}'", symbol));
            }
            auto resolved = host->resolve_data_path(path.get<std::string>());
            if (!resolved) {
                return Response::error(
                    400,
                    "bad_request",
                    fmt::format("'files.{}': {}", symbol, resolved.error().message));
            }
            fs::create_symlink(*resolved, dir / (symbol + "_data.csv"), ec);
            if (ec) {
                return Response::error(
                    500, "internal", fmt::format("cannot link {}: {}", symbol, ec.message()));
            }
        }
        s.data = dir.string();
    }
    if (auto st = runtime::finish_settings(s, true); !st) {
        audit(call, "backtest.submit", job->id, st.error().message, "");
        return from_error(st.error());
    }
    job->user = call.user->name;
    job->settings = std::move(s);
    job->created_ms = wall_now().unix_ms();
    {
        const std::lock_guard lock(jobs_mu);
        jobs[job->id] = job;
        job_queue.push_back(job);
        // The oldest finished jobs are forgotten (their runs stay in the run history).
        while (jobs.size() > 200) {
            const auto oldest = std::find_if(jobs.begin(), jobs.end(), [](const auto& j) {
                return j.second->status == "done" || j.second->status == "failed";
            });
            if (oldest == jobs.end()) {
                break;
            }
            jobs.erase(oldest);
        }
    }
    jobs_cv.notify_all();
    audit(
        call,
        "backtest.submit",
        job->id,
        "ok",
        fmt::format("{} {}", fmt::join(job->settings.assets, ","), job->settings.strategy));
    return ok_json(Json{{"job", job->id}});
}

Response Api::Impl::compare(Call& call) {
    const std::string id = call.params["id"];
    const auto spec = host->spec(id);
    if (!spec) {
        return Response::error(404, "not_found", "no such session");
    }
    const auto summary = Json::parse(host->view(id, "summary").value_or("{}"));
    if (summary.value("bars", std::uint64_t{0}) == 0) {
        return Response::error(409, "conflict", "the session has not seen a bar yet");
    }
    auto setup = trading_setup(*spec);
    if (!setup) {
        return from_error(setup.error());
    }
    // The bars the session traded: a replay's files, else the bars the session kept.
    std::vector<backtest::Asset> assets;
    std::string source;
    if (spec->feed.rfind("replay:", 0) == 0) {
        source = "replay files";
        std::size_t pos = 7;
        std::size_t k = 0;
        while (pos <= spec->feed.size() && k < spec->assets.size()) {
            auto comma = spec->feed.find(',', pos);
            if (comma == std::string::npos) {
                comma = spec->feed.size();
            }
            auto loaded = data::load_bars(
                data::bar_request(spec->feed.substr(pos, comma - pos), spec->assets[k]));
            if (!loaded) {
                return from_error(loaded.error());
            }
            const auto symbol = Symbol::parse(spec->assets[k]);
            if (!symbol) {
                return Response::error(400, "bad_request", "bad asset in the session");
            }
            assets.push_back({backtest::default_instrument(*symbol), std::move(loaded->series)});
            pos = comma + 1;
            ++k;
        }
    } else {
        source = "bars the session kept (the most recent 5000 per asset)";
        const auto interval = parse_duration(spec->interval);
        for (const auto& a : spec->assets) {
            const auto symbol = Symbol::parse(a);
            if (!symbol || !interval) {
                return Response::error(400, "bad_request", "bad asset or interval in the session");
            }
            model::BarSeries series(*interval, *symbol);
            for (const auto& row : Json::parse(host->view(id, "bars", a).value_or("[]"))) {
                model::Bar b;
                b.open_time = Timestamp::from_unix_ms(row[0].get<std::int64_t>());
                b.close_time = b.open_time + *interval - Duration::from_ms(1);
                b.open = Price::from_double(row[1].get<double>()).value_or(Price{});
                b.high = Price::from_double(row[2].get<double>()).value_or(Price{});
                b.low = Price::from_double(row[3].get<double>()).value_or(Price{});
                b.close = Price::from_double(row[4].get<double>()).value_or(Price{});
                b.volume = Qty::from_double(row[5].get<double>()).value_or(Qty{});
                series.push_back(b);
            }
            assets.push_back({backtest::default_instrument(*symbol), std::move(series)});
        }
    }
    backtest::BacktestConfig c;
    c.strategy = setup->strategy;
    c.params = setup->params;
    c.sources = setup->sources;
    c.engine = setup->engine;
    c.venue = setup->venue;
    c.slippage = setup->slippage;
    // Up to the session's clock (the close of its last bar).
    const std::int64_t session_time = summary.value("time_ms", std::int64_t{0});
    c.to = Timestamp::from_unix_ms(session_time);
    auto sim = backtest::run_backtest(c, assets);
    if (!sim) {
        return from_error(sim.error());
    }
    // Fills matched by (symbol, time, side), in order.
    const auto session_fills = Json::parse(host->view(id, "fills").value_or("[]"));
    struct Row {
        std::string symbol;
        std::int64_t time_ms;
        std::string side;
        std::string qty;
        std::string price;
    };
    std::vector<Row> a;
    std::vector<Row> b;
    for (const auto& f : session_fills) {
        a.push_back(
            {f.value("symbol", ""),
             f.value("time_ms", std::int64_t{0}),
             f.value("side", ""),
             f.value("qty", ""),
             f.value("price", "")});
    }
    const std::int64_t first_kept = a.empty() ? 0 : a.front().time_ms;
    for (const auto& f : sim->fills) {
        if (f.time.unix_ms() >= first_kept) {
            b.push_back(
                {f.symbol.to_string(),
                 f.time.unix_ms(),
                 std::string(to_string(f.side)),
                 f.qty.to_string(),
                 f.price.to_string()});
        }
    }
    const auto key = [](const Row& r) {
        return std::tie(r.time_ms, r.symbol, r.side);
    };
    const auto less = [&](const Row& x, const Row& y) {
        return key(x) < key(y);
    };
    std::stable_sort(a.begin(), a.end(), less);
    std::stable_sort(b.begin(), b.end(), less);
    Json diffs = Json::array();
    std::size_t same = 0;
    std::size_t i = 0;
    std::size_t j = 0;
    const auto row_json = [](const Row& r) {
        return Json{{"qty", r.qty}, {"price", r.price}};
    };
    while (i < a.size() || j < b.size()) {
        const bool take_a = j == b.size() || (i < a.size() && less(a[i], b[j]));
        const bool take_b = i == a.size() || (j < b.size() && less(b[j], a[i]));
        Json d;
        if (take_a) {
            d = {
                {"kind", "only_in_session"},
                {"time_ms", a[i].time_ms},
                {"symbol", a[i].symbol},
                {"side", a[i].side},
                {"session", row_json(a[i])}};
            ++i;
        } else if (take_b) {
            d = {
                {"kind", "only_in_simulation"},
                {"time_ms", b[j].time_ms},
                {"symbol", b[j].symbol},
                {"side", b[j].side},
                {"simulation", row_json(b[j])}};
            ++j;
        } else {
            if (a[i].qty == b[j].qty && a[i].price == b[j].price) {
                ++same;
            } else {
                d = {
                    {"kind", "different"},
                    {"time_ms", a[i].time_ms},
                    {"symbol", a[i].symbol},
                    {"side", a[i].side},
                    {"session", row_json(a[i])},
                    {"simulation", row_json(b[j])}};
            }
            ++i;
            ++j;
        }
        if (!d.is_null() && diffs.size() < 500) {
            diffs.push_back(std::move(d));
        }
    }
    // Round trips matched by (symbol, entry time, side): per-trade differences in time, price,
    // fees and P&L.
    const auto session_trades = Json::parse(host->view(id, "trades").value_or("[]"));
    const std::int64_t first_trade =
        session_trades.empty() ? 0 : session_trades.front().value("entry_time_ms", std::int64_t{0});
    std::map<std::tuple<std::string, std::int64_t, std::string>, const execution::ClosedTrade*>
        sim_trades;
    for (const auto& t : sim->trades) {
        if (t.entry_time.unix_ms() >= first_trade) {
            sim_trades[{
                t.symbol.to_string(),
                t.entry_time.unix_ms(),
                t.side == Side::kBuy ? "long" : "short"}] = &t;
        }
    }
    const auto sim_trade_json = [](const execution::ClosedTrade& t) {
        return Json{
            {"entry_time_ms", t.entry_time.unix_ms()},
            {"entry_price", t.entry_price.to_string()},
            {"exit_time_ms", t.exit_time.unix_ms()},
            {"exit_price", t.exit_price.to_string()},
            {"quantity", t.qty.to_string()},
            {"fees", t.fees.to_string()},
            {"pnl_net", t.pnl_net().to_string()}};
    };
    Json trade_diffs = Json::array();
    std::size_t trades_same = 0;
    for (const auto& t : session_trades) {
        const std::tuple<std::string, std::int64_t, std::string> k{
            t.value("symbol", ""), t.value("entry_time_ms", std::int64_t{0}), t.value("side", "")};
        const auto it = sim_trades.find(k);
        Json d;
        if (it == sim_trades.end()) {
            d = {
                {"kind", "only_in_session"},
                {"symbol", std::get<0>(k)},
                {"side", std::get<2>(k)},
                {"session", t}};
        } else {
            const Json sj = sim_trade_json(*it->second);
            Json fields = Json::array();
            for (const char* f :
                 {"exit_time_ms", "entry_price", "exit_price", "quantity", "fees", "pnl_net"}) {
                if (t.value(f, Json()) != sj.value(f, Json())) {
                    fields.push_back(f);
                }
            }
            if (fields.empty()) {
                ++trades_same;
            } else {
                d = {
                    {"kind", "different"},
                    {"symbol", std::get<0>(k)},
                    {"side", std::get<2>(k)},
                    {"fields", fields},
                    {"session", t},
                    {"simulation", sj}};
            }
            sim_trades.erase(it);
        }
        if (!d.is_null() && trade_diffs.size() < 500) {
            trade_diffs.push_back(std::move(d));
        }
    }
    for (const auto& [k, t] : sim_trades) {
        if (trade_diffs.size() < 500) {
            trade_diffs.push_back(
                {{"kind", "only_in_simulation"},
                 {"symbol", std::get<0>(k)},
                 {"side", std::get<2>(k)},
                 {"simulation", sim_trade_json(*t)}});
        }
    }
    Json sim_fill_rows = Json::array();
    for (std::size_t k = b.size() > 1000 ? b.size() - 1000 : 0; k < b.size(); ++k) {
        sim_fill_rows.push_back(
            {{"symbol", b[k].symbol},
             {"time_ms", b[k].time_ms},
             {"side", b[k].side},
             {"qty", b[k].qty},
             {"price", b[k].price}});
    }
    Json sim_positions = Json::array();
    for (const auto& p : sim->open_positions) {
        if (!p.total().is_zero()) {
            sim_positions.push_back(
                {{"symbol", p.symbol.to_string()},
                 {"side", p.qty.is_negative() ? "short" : "long"},
                 {"qty", p.total().to_string()},
                 {"entry", p.average_entry().to_string()}});
        }
    }
    Json sim_equity = Json::array();
    const std::size_t step = std::max<std::size_t>(1, sim->equity.size() / 2000);
    for (std::size_t k = 0; k < sim->equity.size(); k += step) {
        sim_equity.push_back(
            {{"time_ms", sim->equity[k].time.unix_ms()},
             {"equity", sim->equity[k].equity.to_double()}});
    }
    audit(call, "session.compare", id, "ok", "");
    return ok_json(Json{
        {"session", id},
        {"bars_source", source},
        {"to_ms", session_time},
        {"session_fills", a.size()},
        {"simulation_fills", b.size()},
        {"matched", same},
        {"identical", diffs.empty() && trade_diffs.empty()},
        {"differences", diffs},
        {"session_trades", session_trades.size()},
        {"trades_matched", trades_same},
        {"trade_differences", trade_diffs},
        {"simulation_fill_rows", sim_fill_rows},
        {"simulation_positions", sim_positions},
        {"session_positions", Json::parse(host->view(id, "positions").value_or("[]"))},
        {"session_equity", summary.value("equity", std::string())},
        {"simulation_equity", sim->final_equity.to_string()},
        {"simulation_trades", sim->trades.size()},
        {"simulation_equity_points", sim_equity},
        {"session_equity_points", Json::parse(host->view(id, "equity").value_or("[]"))}});
}

Api::Api(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Api::~Api() = default;

Result<std::unique_ptr<Api>> Api::create(ServerOptions options) {
    auto impl = std::make_unique<Impl>();
    impl->options = std::move(options);
    auto auth = AuthStore::open(impl->options.db_path);
    if (!auth) {
        return tl::unexpected(auth.error());
    }
    impl->auth = std::move(*auth);
    impl->router = std::make_unique<Router>(*impl->auth);
    HostOptions h;
    h.sessions_dir = impl->options.sessions_dir;
    h.data_roots = impl->options.data_dirs;
    h.api_key = impl->options.api_key;
    h.api_secret = impl->options.api_secret;
    h.ca_file = impl->options.ca_file;
    h.notifier = impl->options.notifier;
    impl->host = std::make_unique<SessionHost>(std::move(h), impl->hub);
    impl->add_routes();
    impl->worker = std::thread([p = impl.get()] { p->run_jobs(); });
    if (impl->options.resume_sessions) {
        impl->resumed = impl->host->resume_all().size();
    }
    return std::unique_ptr<Api>(new Api(std::move(impl)));
}

Response Api::handle(Request& request) {
    const std::string& path = request.path;
    if (path == "/api/v1" || path.rfind("/api/v1/", 0) == 0) {
        auto out = impl_->router->dispatch(request);
        out.headers.emplace_back("Cache-Control", "no-store");
        out.headers.emplace_back("X-Content-Type-Options", "nosniff");
        return out;
    }
    if ((request.method == "GET" || request.method == "HEAD") &&
        (path == "/" || path.rfind("/static/", 0) == 0)) {
        return impl_->static_file(request);
    }
    return Response::error(404, "not_found", "no such page");
}

WebServer::WsAccept Api::ws_accept() {
    return [impl = impl_.get()](const Request& request, std::shared_ptr<WsPeer> peer)
               -> std::variant<Response, std::shared_ptr<WsEndpoint>> {
        if (request.path != "/api/v1/ws") {
            return Response::error(404, "not_found", "the stream is at /api/v1/ws");
        }
        // A page of another site may not open the stream with this browser's cookie.
        const std::string origin = request.header("origin");
        if (!origin.empty()) {
            const auto scheme = origin.find("://");
            const std::string host =
                scheme == std::string::npos ? origin : origin.substr(scheme + 3);
            if (host != request.header("host")) {
                return Response::error(403, "forbidden", "cross-origin WebSocket");
            }
        }
        std::optional<User> user;
        if (auto token = token_of(request)) {
            user = impl->auth->authenticate(*token, wall_now());
            if (!user) {
                return Response::error(401, "unauthorized", "invalid or expired token");
            }
        }
        return std::shared_ptr<WsEndpoint>(std::make_shared<StreamEndpoint>(
            *impl->auth, impl->hub, *impl->host, std::move(peer), user));
    };
}

AuthStore& Api::auth() {
    return *impl_->auth;
}
SessionHost& Api::sessions() {
    return *impl_->host;
}
Hub& Api::hub() {
    return impl_->hub;
}
std::size_t Api::resumed_sessions() const {
    return impl_->resumed;
}
std::string Api::openapi() const {
    return impl_->router->openapi_json(impl_->options.version);
}
void Api::wait_for_jobs() {
    std::unique_lock lock(impl_->jobs_mu);
    impl_->jobs_cv.wait(lock, [&] { return impl_->job_queue.empty() && impl_->running_jobs == 0; });
}

}  // namespace ats::server
