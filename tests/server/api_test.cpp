#include <set>

#include "ats/server/router.hpp"
#include "ats/server/session_host.hpp"
#include "server_fixture.hpp"

namespace ats::server::testing {
namespace {

using ApiTest = ServerFixture;

std::string concrete(std::string path) {
    for (const auto& [param, value] :
         {std::pair{"{id}", "s999"}, std::pair{"{symbol}", "BTCUSDT"}}) {
        for (auto at = path.find(param); at != std::string::npos; at = path.find(param)) {
            path.replace(at, std::string(param).size(), value);
        }
    }
    return path;
}

TEST_F(ApiTest, EveryRouteEnforcesItsAccessRule) {
    const auto doc = Json::parse(api_->openapi());
    EXPECT_EQ(doc["openapi"], "3.1.0");
    std::size_t routes = 0;
    for (const auto& [path, methods] : doc["paths"].items()) {
        for (const auto& [method, op] : methods.items()) {
            ++routes;
            std::string m = method;
            for (auto& ch : m) {
                ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
            }
            const std::string target = concrete(path);
            const bool is_public = op["security"].empty();
            const bool trader_only = op.value("x-role", "") == "trader";
            SCOPED_TRACE(m + " " + target);
            const auto anonymous = call(m, target, "{}", "");
            if (is_public) {
                EXPECT_NE(anonymous.status, 403);
            } else {
                EXPECT_EQ(anonymous.status, 401);
                EXPECT_EQ(Json::parse(anonymous.body)["error"]["code"], "unauthorized");
            }
            if (is_public || target == "/api/v1/auth/logout") {
                continue;  // logout would end the token the other checks use
            }
            const auto as_viewer = call(m, target, "{}", viewer_);
            if (!is_public && trader_only) {
                EXPECT_EQ(as_viewer.status, 403) << as_viewer.body;
            } else {
                EXPECT_NE(as_viewer.status, 401);
                EXPECT_NE(as_viewer.status, 403);
            }
            const auto as_trader = call(m, target, "{}", trader_);
            EXPECT_NE(as_trader.status, 401) << as_trader.body;
            EXPECT_NE(as_trader.status, 403) << as_trader.body;
            EXPECT_NE(as_trader.status, 500) << as_trader.body;
            // Every error is {"error":{"code","message"}}.
            if (as_trader.status >= 400) {
                const auto e = Json::parse(as_trader.body);
                EXPECT_TRUE(e["error"]["code"].is_string());
                EXPECT_TRUE(e["error"]["message"].is_string());
            }
        }
    }
    EXPECT_GE(routes, 35U);
    api_->wait_for_jobs();
    // Unknown paths and wrong methods.
    EXPECT_EQ(get("/api/v1/nope", trader_).status, 404);
    EXPECT_EQ(call("DELETE", "/api/v1/sessions", "", trader_).status, 405);
    // A cookie alone authenticates reads, never actions (CSRF).
    Request r;
    r.method = "POST";
    r.target = "/api/v1/emergency-stop";
    r.headers["cookie"] = "ats_session=" + trader_;
    ASSERT_TRUE(r.parse_target());
    EXPECT_EQ(api_->handle(r).status, 401);
    r.method = "GET";
    r.target = "/api/v1/status";
    ASSERT_TRUE(r.parse_target());
    EXPECT_EQ(api_->handle(r).status, 200);
    // Logout ends the token.
    const auto token = login("vic", "viewer-pass-1");
    EXPECT_EQ(post("/api/v1/auth/logout", Json::object(), token).status, 200);
    EXPECT_EQ(get("/api/v1/status", token).status, 401);
}

TEST_F(ApiTest, BadBodiesAreClearErrors) {
    for (const std::string body : {"{", "[1,2]", "\"text\"", "{\"mode\": 3}", "null"}) {
        SCOPED_TRACE(body);
        const auto r = call("POST", "/api/v1/sessions", body, trader_);
        EXPECT_EQ(r.status, 400) << r.body;
    }
    const auto unknown = post(
        "/api/v1/sessions", Json{{"assets", {"BTCUSDT"}}, {"feed", "replay:" + day_}, {"colour", 1}},
        trader_);
    EXPECT_EQ(unknown.status, 400);
    EXPECT_NE(unknown.body.find("colour"), std::string::npos) << unknown.body;
    EXPECT_EQ(call("POST", "/api/v1/auth/login", "{not json", "").status, 400);
    EXPECT_EQ(call("PUT", "/api/v1/sessions/s1/risk", "[]", trader_).status, 400);
    EXPECT_EQ(post("/api/v1/backtests", Json{{"backtest", {{"cash", -5}}}}, trader_).status, 400);
    EXPECT_EQ(post("/api/v1/backtests", Json{{"backtest", {{"nested", {{"x", {1, {2}}}}}}}}, trader_).status, 400);
}

TEST_F(ApiTest, NothingOutsideTheDataDirectoriesCanBeReadOrWritten) {
    // Feeds and models outside the data directories, however spelled.
    for (const std::string& feed : std::vector<std::string>{
             "replay:/etc/passwd", "replay:" + (dir_ / "data" / ".." / "ats.db").string(),
             "replay:" + (dir_ / "data" / "missing.csv").string()}) {
        SCOPED_TRACE(feed);
        const auto r = post(
            "/api/v1/sessions", Json{{"assets", {"BTCUSDT"}}, {"feed", feed}}, trader_);
        EXPECT_EQ(r.status, 400) << r.body;
    }
    const auto model = post(
        "/api/v1/sessions",
        Json{{"assets", {"BTCUSDT"}}, {"feed", "replay:" + day_}, {"strategy", "ml"}, {"model", "/etc"}},
        trader_);
    EXPECT_EQ(model.status, 400);
    // Backtests: data, model and journal paths; the report always goes to the job's directory.
    EXPECT_EQ(post("/api/v1/backtests", Json{{"backtest", {{"data", "/etc"}}}}, trader_).status, 400);
    EXPECT_EQ(post("/api/v1/backtests", Json{{"files", {{"BTCUSDT", "/etc/passwd"}}}}, trader_).status, 400);
    EXPECT_EQ(post("/api/v1/backtests", Json{{"backtest", {{"journal", "/tmp/x.db"}}}}, trader_).status, 400);
    // Static files: traversal in any encoding is refused before it reaches the file system.
    for (const std::string target :
         {"/static/../../etc/passwd", "/static/%2e%2e/%2e%2e/etc/passwd", "/static/..%2f..%2fetc%2fpasswd",
          "/static/..\\..\\etc\\passwd", "/static/x%00.js"}) {
        Request r;
        r.method = "GET";
        r.target = target;
        EXPECT_FALSE(r.parse_target()) << target;
    }
    EXPECT_EQ(get("/static/nope.js", "").status, 404);
    const auto index = get("/", "");
    EXPECT_EQ(index.status, 200);
    EXPECT_NE(index.body.find("<title>ats dashboard</title>"), std::string::npos);
    bool csp = false;
    for (const auto& [k, v] : index.headers) {
        csp = csp || (k == "Content-Security-Policy" && v.find("script-src 'self'") != std::string::npos);
    }
    EXPECT_TRUE(csp);
    EXPECT_EQ(get("/static/charts.js", "").status, 200);
    // A run's report is only its own report.html.
    EXPECT_EQ(get("/api/v1/runs/999/report", trader_).status, 404);
    EXPECT_EQ(get("/api/v1/runs/..%2f..%2fetc%2fpasswd/report", trader_).status, 400);
}

TEST_F(ApiTest, MarkupInNamesComesBackAsJsonTextOnly) {
    const std::string payload = "<img src=x onerror=alert(1)>";
    const auto r = post(
        "/api/v1/sessions",
        Json{{"assets", {payload}}, {"feed", "replay:" + day_}, {"strategy", payload}}, trader_);
    EXPECT_EQ(r.status, 400);
    EXPECT_EQ(r.content_type, "application/json");
    bool nosniff = false;
    for (const auto& [k, v] : r.headers) {
        nosniff = nosniff || (k == "X-Content-Type-Options" && v == "nosniff");
    }
    EXPECT_TRUE(nosniff);
    const auto candles = get("/api/v1/candles?symbol=%3Cscript%3E", trader_);
    EXPECT_EQ(candles.status, 400);
    EXPECT_EQ(candles.body.find("<script>"), std::string::npos);
    // The audit log keeps the attempt; it is data, escaped by JSON, shown as text by the UI.
    const auto audit = Json::parse(get("/api/v1/audit", viewer_).body);
    ASSERT_FALSE(audit.empty());
    EXPECT_EQ(audit[0]["action"], "session.start");
    EXPECT_NE(audit[0]["detail"].get<std::string>().find(payload), std::string::npos);
}

TEST_F(ApiTest, CandlesComeFromTheDataWithIndicatorColumns) {
    const auto r = get("/api/v1/candles?symbol=BTCUSDT&interval=1m&indicators=rsi:14,bbands:20:2:2", viewer_);
    ASSERT_EQ(r.status, 200) << r.body;
    const auto d = Json::parse(r.body);
    EXPECT_EQ(d["count"], 1440);
    EXPECT_EQ(d["time"].size(), 1440U);
    EXPECT_EQ(d["time"][0], 1733097600000);
    EXPECT_EQ(d["open"][0], 97185.17);
    EXPECT_EQ(d["close"][1], 97228.52);
    ASSERT_TRUE(d["indicators"].contains("rsi_14"));
    ASSERT_TRUE(d["indicators"].contains("bbands_20_2_2_upperband"));
    EXPECT_TRUE(d["indicators"]["rsi_14"][13].is_null());  // warm-up
    EXPECT_TRUE(d["indicators"]["rsi_14"][14].is_number());
    const auto range = Json::parse(
        get("/api/v1/candles?symbol=BTCUSDT&from=2024-12-02T01:00:00Z&to=1733104800000", viewer_).body);
    EXPECT_EQ(range["count"], 60);
    EXPECT_EQ(range["time"][0], 1733101200000);
    EXPECT_EQ(Json::parse(get("/api/v1/candles?symbol=BTCUSDT&limit=10", viewer_).body)["count"], 10);
    for (const std::string bad :
         {"symbol=", "symbol=BTCUSDT&limit=0", "symbol=BTCUSDT&limit=x", "symbol=BTCUSDT&from=yesterday",
          "symbol=BTCUSDT&indicators=nope:3", "symbol=BTCUSDT&indicators=rsi:-4"}) {
        SCOPED_TRACE(bad);
        EXPECT_EQ(get("/api/v1/candles?" + bad, viewer_).status, 400);
    }
    EXPECT_EQ(get("/api/v1/candles?symbol=ETHUSDT", viewer_).status, 404);
}

TEST_F(ApiTest, APaperSessionRunsAndEqualsItsBacktest) {
    const auto id = start_paper("max");
    ASSERT_TRUE(wait_status(id, "finished")) << session(id).dump();
    const auto s = session(id);
    EXPECT_EQ(s["bars"], 1440);
    const auto trades = Json::parse(get("/api/v1/sessions/" + id + "/trades", viewer_).body);
    ASSERT_GT(trades.size(), 10U);
    for (const char* column : {"symbol", "side", "entry_time_ms", "entry_price", "exit_time_ms",
                               "exit_price", "quantity", "pnl_gross", "fees", "pnl_net"}) {
        EXPECT_TRUE(trades[0].contains(column)) << column;
    }
    const auto equity = Json::parse(get("/api/v1/sessions/" + id + "/equity", viewer_).body);
    ASSERT_GT(equity.size(), 100U);
    EXPECT_TRUE(equity[0].contains("time_ms"));
    EXPECT_TRUE(equity[0].contains("equity"));
    const auto balances = Json::parse(get("/api/v1/sessions/" + id + "/balances", viewer_).body);
    EXPECT_EQ(balances["equity"], s["equity"]);
    const auto c = Json::parse(post("/api/v1/sessions/" + id + "/compare", Json::object(), viewer_).body);
    EXPECT_TRUE(c["identical"].get<bool>()) << c["differences"].dump() << c["trade_differences"].dump();
    EXPECT_EQ(c["session_fills"], c["simulation_fills"]);
    EXPECT_EQ(c["session_equity"], c["simulation_equity"]);
    EXPECT_EQ(c["trades_matched"].get<std::size_t>(), trades.size());
    // A finished session takes no commands.
    EXPECT_EQ(post("/api/v1/sessions/" + id + "/pause-entries", Json::object(), trader_).status, 409);
}

TEST_F(ApiTest, OperatorCommandsReachARunningSessionAndAreAudited) {
    const auto id = start_paper("120x");  // two bars a second
    ASSERT_TRUE(wait_status(id, "running", 20));
    EXPECT_EQ(call("PUT", "/api/v1/sessions/" + id + "/risk", R"({"max_drawdown_pct": 40})", trader_).status, 400);
    const auto put = call(
        "PUT", "/api/v1/sessions/" + id + "/risk", R"({"max_drawdown_pct": 0.25, "stop_loss_atr": 2})", trader_);
    ASSERT_EQ(put.status, 200) << put.body;
    ASSERT_EQ(post("/api/v1/sessions/" + id + "/pause-entries", Json{{"paused", true}}, trader_).status, 200);
    EXPECT_EQ(post("/api/v1/sessions/" + id + "/positions/BTCUSDT/close", Json{{"fraction", 1.5}}, trader_).status, 400);
    EXPECT_EQ(post("/api/v1/sessions/" + id + "/positions/BTCUSDT/close", Json{{"fraction", 0.5}}, trader_).status, 200);
    Json risk;
    for (int i = 0; i < 100; ++i) {
        risk = Json::parse(get("/api/v1/sessions/" + id + "/risk", viewer_).body);
        if (risk["entries_paused"] == true && risk["limits"].value("max_drawdown_pct", 0.0) == 0.25) {
            break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    EXPECT_EQ(risk["limits"]["max_drawdown_pct"], 0.25);
    EXPECT_EQ(risk["limits"]["stop_loss_atr"], 2);
    EXPECT_TRUE(risk["entries_paused"].get<bool>());
    ASSERT_EQ(post("/api/v1/emergency-stop", Json::object(), trader_).status, 200);
    for (int i = 0; i < 100 && !risk["halted"].get<bool>(); ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        risk = Json::parse(get("/api/v1/sessions/" + id + "/risk", viewer_).body);
    }
    EXPECT_TRUE(risk["halted"].get<bool>());
    EXPECT_EQ(Json::parse(get("/api/v1/sessions/" + id + "/positions", viewer_).body).size(), 0U);
    ASSERT_EQ(post("/api/v1/sessions/" + id + "/stop", Json::object(), trader_).status, 200);
    EXPECT_EQ(session(id)["status"], "stopped");
    std::set<std::string> actions;
    for (const auto& e : Json::parse(get("/api/v1/audit", viewer_).body)) {
        actions.insert(e["action"].get<std::string>() + ":" + e["result"].get<std::string>());
        EXPECT_EQ(e["user"], e["action"] == "login" ? e["user"] : Json("tina"));
    }
    for (const char* a : {"session.start:ok", "session.risk:ok", "session.pause_entries:ok",
                          "position.close:ok", "emergency_stop:ok", "session.stop:ok", "login:ok"}) {
        EXPECT_EQ(actions.count(a), 1U) << a;
    }
    // Stopped, it resumes from its state file.
    ASSERT_EQ(post("/api/v1/sessions/" + id + "/resume", Json::object(), trader_).status, 200);
    // The emergency stop persisted: replayed with the commands at their bars, it halts again.
    bool halted = false;
    for (int i = 0; i < 400 && !halted; ++i) {
        halted = session(id).value("halted", false);
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    EXPECT_TRUE(halted);
    ASSERT_EQ(post("/api/v1/sessions/" + id + "/stop", Json::object(), trader_).status, 200);
}

TEST_F(ApiTest, BacktestJobsRunInTheBackgroundAndAreRecorded) {
    const auto r = post(
        "/api/v1/backtests",
        Json{{"files", {{"BTCUSDT", day_}}},
             {"strategy", {{"name", "sma_cross"}, {"params", {{"fast", 5}, {"slow", 20}}}}},
             {"config", "[backtest]\ncash = 5000\n"}},
        trader_);
    ASSERT_EQ(r.status, 200) << r.body;
    const auto job = Json::parse(r.body)["job"].get<std::string>();
    api_->wait_for_jobs();
    const auto j = Json::parse(get("/api/v1/jobs/" + job, viewer_).body);
    ASSERT_EQ(j["status"], "done") << j.dump();
    EXPECT_EQ(j["progress"], 1.0);
    const auto run_id = j["result"]["run_id"].get<std::int64_t>();
    const auto run = Json::parse(get("/api/v1/runs/" + std::to_string(run_id), viewer_).body);
    EXPECT_EQ(run["strategy"], "sma_cross");
    EXPECT_EQ(run["params"], "fast=5 slow=20");
    EXPECT_EQ(run["trades"].size(), j["result"]["trades"].get<std::size_t>());
    EXPECT_GT(run["equity"].size(), 1000U);
    EXPECT_EQ(run["equity"][0]["equity"], 5000);
    EXPECT_NE(run["config"].get<std::string>().find("cash = 5000"), std::string::npos);
    const auto runs = Json::parse(get("/api/v1/runs", viewer_).body);
    ASSERT_EQ(runs.size(), 1U);
    EXPECT_EQ(runs[0]["id"], run_id);
    EXPECT_EQ(get("/api/v1/jobs/job-99", viewer_).status, 404);
}

TEST_F(ApiTest, TheStreamRefusesOtherSitesAndUnknownTokens) {
    auto accept = api_->ws_accept();
    Request r;
    r.method = "GET";
    r.target = "/api/v1/ws";
    ASSERT_TRUE(r.parse_target());
    r.headers["host"] = "127.0.0.1:8080";
    r.headers["origin"] = "https://evil.example";
    r.headers["cookie"] = "ats_session=" + trader_;
    auto refused = accept(r, nullptr);
    ASSERT_TRUE(std::holds_alternative<Response>(refused));
    EXPECT_EQ(std::get<Response>(refused).status, 403);
    r.headers["origin"] = "http://127.0.0.1:8080";
    r.headers["cookie"] = "ats_session=not-a-token";
    auto bad = accept(r, nullptr);
    ASSERT_TRUE(std::holds_alternative<Response>(bad));
    EXPECT_EQ(std::get<Response>(bad).status, 401);
}

}  // namespace
}  // namespace ats::server::testing
