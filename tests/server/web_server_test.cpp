// The server over real sockets on 127.0.0.1: limits, and the WebSocket stream's resume after a
// dropped connection.
#include "ats/server/web_server.hpp"

#include <map>

#include "ats/binance/http_client.hpp"
#include "ats/binance/ws_client.hpp"
#include "ats/server/hub.hpp"
#include "server_fixture.hpp"

namespace ats::server::testing {
namespace {

class WebServerTest : public ServerFixture {
protected:
    void SetUp() override {
        ServerFixture::SetUp();
        WebServerOptions o;
        o.port = 0;
        o.max_body_bytes = 64 * 1024;
        auto web = WebServer::start(
            o, [this](Request& r) { return api_->handle(r); }, api_->ws_accept());
        ASSERT_TRUE(web) << web.error().message;
        web_ = std::move(*web);
        base_ = "http://127.0.0.1:" + std::to_string(web_->port());
    }
    void TearDown() override {
        web_.reset();
        ServerFixture::TearDown();
    }

    binance::WsClient stream() {
        auto ws = binance::WsClient::connect(
            "ws://127.0.0.1:" + std::to_string(web_->port()) + "/api/v1/ws", Duration::from_seconds(5));
        EXPECT_TRUE(ws) << ws.error().message;
        return std::move(*ws);
    }

    std::unique_ptr<WebServer> web_;
    std::string base_;
};

TEST_F(WebServerTest, ServesTheApiAndRefusesOversizedOrMalformedRequests) {
    auto http = binance::HttpClient::create(base_, Duration::from_seconds(5));
    ASSERT_TRUE(http);
    auto ping = http->request("GET", "/api/v1/ping", "", {});
    ASSERT_TRUE(ping);
    EXPECT_EQ(ping->status, 200);
    EXPECT_EQ(ping->body, R"({"pong":true})");
    auto status = http->request("GET", "/api/v1/status", "", {{"Authorization", "Bearer " + trader_}});
    ASSERT_TRUE(status);
    EXPECT_EQ(status->status, 200);
    EXPECT_EQ(Json::parse(status->body)["user"], "tina");
    const std::string big(200 * 1024, 'x');
    auto huge = binance::HttpClient::create(base_, Duration::from_seconds(5));
    auto oversized = huge->request("POST", "/api/v1/backtests", big, {{"Authorization", "Bearer " + trader_}});
    ASSERT_TRUE(oversized) << oversized.error().message;
    EXPECT_EQ(oversized->status, 413);
    auto again = binance::HttpClient::create(base_, Duration::from_seconds(5));
    auto traversal = again->request("GET", "/static/%2e%2e/%2e%2e/etc/passwd", "", {});
    ASSERT_TRUE(traversal);
    EXPECT_EQ(traversal->status, 400);
    EXPECT_EQ(traversal->body.find("root:"), std::string::npos);
}

TEST_F(WebServerTest, TheStreamNeedsATokenFirst) {
    auto ws = stream();
    ASSERT_TRUE(ws.send(R"({"type":"subscribe","session":"*"})"));
    auto m = ws.read(Duration::from_seconds(5));
    ASSERT_TRUE(m);
    EXPECT_EQ(Json::parse(*m)["type"], "error");
    auto closed = ws.read(Duration::from_seconds(5));
    EXPECT_FALSE(closed);  // the server closed it
    auto bad = stream();
    ASSERT_TRUE(bad.send(R"({"type":"auth","token":"0000"})"));
    auto refused = bad.read(Duration::from_seconds(5));
    ASSERT_TRUE(refused);
    EXPECT_EQ(Json::parse(*refused)["message"], "unauthorized");
}

TEST_F(WebServerTest, AStreamResumesAfterADroppedConnectionWithNothingLostOrDoubled) {
    const auto id = start_paper("600x");  // ten bars a second
    std::uint64_t last = 0;
    std::vector<Json> first_fills;
    {
        auto ws = stream();
        ASSERT_TRUE(ws.send(Json{{"type", "auth"}, {"token", viewer_}}.dump()));
        auto hello = ws.read(Duration::from_seconds(5));
        ASSERT_TRUE(hello);
        ASSERT_EQ(Json::parse(*hello)["type"], "hello");
        ASSERT_TRUE(ws.send(Json{{"type", "subscribe"}, {"session", id}, {"topics", {"*"}}}.dump()));
        auto snap = Json::parse(*ws.read(Duration::from_seconds(5)));
        EXPECT_EQ(snap["topic"], "snapshot");
        // Read for a while, then drop the connection without a word.
        for (int i = 0; i < 40; ++i) {
            auto m = ws.read(Duration::from_seconds(5));
            ASSERT_TRUE(m) << m.error().message;
            const auto j = Json::parse(*m);
            EXPECT_EQ(j["session"], id);
            EXPECT_GT(j["seq"].get<std::uint64_t>(), last);
            last = j["seq"].get<std::uint64_t>();
        }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(800));  // the session goes on meanwhile
    auto ws = stream();
    ASSERT_TRUE(ws.send(Json{{"type", "auth"}, {"token", viewer_}}.dump()));
    ASSERT_TRUE(ws.read(Duration::from_seconds(5)));  // hello
    ASSERT_TRUE(ws.send(
        Json{{"type", "subscribe"}, {"session", id}, {"topics", {"*"}}, {"last_seq", last}}.dump()));
    // What was missed comes first, in order, from exactly the next sequence number (this session
    // is the only publisher while no request is made).
    std::uint64_t expected = last + 1;
    std::size_t replayed = 0;
    for (int i = 0; i < 60; ++i) {
        auto m = ws.read(Duration::from_seconds(5));
        ASSERT_TRUE(m);
        const auto j = Json::parse(*m);
        ASSERT_NE(j["topic"], "snapshot");
        ASSERT_EQ(j["seq"].get<std::uint64_t>(), expected) << j.dump().substr(0, 200);
        ++expected;
        ++replayed;
    }
    EXPECT_EQ(replayed, 60U);
    ASSERT_EQ(post("/api/v1/sessions/" + id + "/stop", Json::object(), trader_).status, 200);
}

}  // namespace
}  // namespace ats::server::testing
