#pragma once

// A server (Api) in a temporary directory with two users and a day of real BTCUSDT 1m bars.

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "ats/server/api.hpp"
#include "ats/server/auth.hpp"

namespace ats::server::testing {

namespace fs = std::filesystem;
using Json = nlohmann::json;

inline std::string web_root() {
    return (fs::path(ATS_TEST_DATA_DIR) / ".." / ".." / "web" / "dashboard").string();
}

class ServerFixture : public ::testing::Test {
protected:
    void SetUp() override {
        const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
        dir_ = fs::temp_directory_path() /
               (std::string("ats_server_") + info->test_suite_name() + "_" + info->name());
        fs::remove_all(dir_);
        fs::create_directories(dir_ / "data");
        day_ = (dir_ / "data" / "BTCUSDT_1m_day.csv").string();
        fs::copy_file(
            fs::path(ATS_TEST_DATA_DIR) / "BTCUSDT-1m-2024-12-02-positional.csv", day_);
        ServerOptions o;
        o.db_path = (dir_ / "ats.db").string();
        o.web_root = web_root();
        o.data_dirs = {(dir_ / "data").string()};
        o.sessions_dir = (dir_ / "sessions").string();
        o.jobs_dir = (dir_ / "jobs").string();
        o.version = "test";
        auto api = Api::create(o);
        ASSERT_TRUE(api) << api.error().message;
        api_ = std::move(*api);
        ASSERT_TRUE(api_->auth().add_user("tina", "trader-pass-1", Role::kTrader));
        ASSERT_TRUE(api_->auth().add_user("vic", "viewer-pass-1", Role::kViewer));
        trader_ = login("tina", "trader-pass-1");
        viewer_ = login("vic", "viewer-pass-1");
    }
    void TearDown() override {
        api_.reset();
        fs::remove_all(dir_);
    }

    std::string login(const std::string& user, const std::string& password) {
        auto r = call("POST", "/api/v1/auth/login",
                      Json{{"username", user}, {"password", password}}.dump(), "");
        EXPECT_EQ(r.status, 200) << r.body;
        return r.status == 200 ? Json::parse(r.body)["access_token"].get<std::string>() : "";
    }

    Response call(const std::string& method, const std::string& target, const std::string& body,
                  const std::string& token) {
        Request r;
        r.method = method;
        r.target = target;
        r.body = body;
        r.client = "127.0.0.1";
        if (!token.empty()) {
            r.headers["authorization"] = "Bearer " + token;
        }
        if (!r.parse_target()) {
            return Response::error(400, "bad_request", "malformed target");
        }
        return api_->handle(r);
    }
    Response get(const std::string& target, const std::string& token) {
        return call("GET", target, "", token);
    }
    Response post(const std::string& target, const Json& body, const std::string& token) {
        return call("POST", target, body.dump(), token);
    }

    /// Starts a paper session replaying the day file; returns its id.
    std::string start_paper(const std::string& speed) {
        auto r = post(
            "/api/v1/sessions",
            Json{{"mode", "paper"},
                 {"assets", {"BTCUSDT"}},
                 {"feed", "replay:" + day_},
                 {"strategy", "sma_cross"},
                 {"params", {{"fast", 3}, {"slow", 8}}},
                 {"speed", speed}},
            trader_);
        EXPECT_EQ(r.status, 200) << r.body;
        return r.status == 200 ? Json::parse(r.body)["id"].get<std::string>() : "";
    }

    Json session(const std::string& id) {
        auto r = get("/api/v1/sessions/" + id, trader_);
        return r.status == 200 ? Json::parse(r.body) : Json();
    }

    /// Waits until the session's status is `status` (or `seconds` pass).
    bool wait_status(const std::string& id, const std::string& status, int seconds = 60) {
        for (int i = 0; i < seconds * 20; ++i) {
            if (session(id).value("status", "") == status) {
                return true;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        return false;
    }

    fs::path dir_;
    std::string day_;
    std::unique_ptr<Api> api_;
    std::string trader_;
    std::string viewer_;
};

}  // namespace ats::server::testing
