#include "ats/server/hub.hpp"

#include <mutex>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace ats::server {
namespace {

using Json = nlohmann::json;

/// A WebSocket peer that records frames; `limit` frames fit in its queue until drain().
class FakePeer final : public WsPeer {
public:
    explicit FakePeer(std::size_t limit = 1000) : limit_(limit) {}
    bool send(std::shared_ptr<const std::string> text) override {
        const std::lock_guard lock(mu_);
        if (queued_ >= limit_) {
            return false;
        }
        ++queued_;
        frames.push_back(Json::parse(*text));
        return true;
    }
    std::size_t queued() const override {
        const std::lock_guard lock(mu_);
        return queued_;
    }
    void close() override {}
    void drain() {
        const std::lock_guard lock(mu_);
        queued_ = 0;
    }
    std::vector<Json> frames;

private:
    mutable std::mutex mu_;
    std::size_t limit_;
    std::size_t queued_ = 0;
};

std::string snapshot_of(const std::string& session) {
    return Json{{"snapshot_of", session}}.dump();
}

TEST(Hub, DeliversFollowedTopicsWithIncreasingSequenceNumbers) {
    Hub hub;
    auto peer = std::make_shared<FakePeer>();
    const auto c = hub.attach(peer, snapshot_of);
    hub.subscribe(c, "s1", {"fills"});
    ASSERT_EQ(peer->frames.size(), 1U);
    EXPECT_EQ(peer->frames[0]["topic"], "snapshot");
    EXPECT_EQ(peer->frames[0]["data"]["snapshot_of"], "s1");
    hub.publish("s1", "fills", R"({"n":1})");
    hub.publish("s1", "bars", R"({"n":2})");  // not followed
    hub.publish("s2", "fills", R"({"n":3})");  // another session
    hub.publish("s1", "fills", R"({"n":4})");
    ASSERT_EQ(peer->frames.size(), 3U);
    EXPECT_EQ(peer->frames[1]["data"]["n"], 1);
    EXPECT_EQ(peer->frames[2]["data"]["n"], 4);
    EXPECT_LT(peer->frames[1]["seq"].get<std::uint64_t>(), peer->frames[2]["seq"].get<std::uint64_t>());
    EXPECT_EQ(peer->frames[2]["seq"].get<std::uint64_t>(), 4U);  // one sequence for the hub
}

TEST(Hub, AReconnectingClientGetsExactlyWhatItMissed) {
    Hub hub(64);
    auto first = std::make_shared<FakePeer>();
    const auto c1 = hub.attach(first, snapshot_of);
    hub.subscribe(c1, "s1", {"*"});
    for (int i = 0; i < 5; ++i) {
        hub.publish("s1", "fills", Json{{"n", i}}.dump());
    }
    const auto last = first->frames.back()["seq"].get<std::uint64_t>();
    hub.detach(c1);  // the connection drops
    for (int i = 5; i < 9; ++i) {
        hub.publish("s1", "fills", Json{{"n", i}}.dump());
        hub.publish("s2", "fills", Json{{"n", 100 + i}}.dump());
    }
    auto second = std::make_shared<FakePeer>();
    const auto c2 = hub.attach(second, snapshot_of);
    hub.subscribe(c2, "s1", {"*"}, last);
    ASSERT_EQ(second->frames.size(), 4U);  // no snapshot, nothing doubled, nothing of s2
    for (int i = 0; i < 4; ++i) {
        EXPECT_EQ(second->frames[static_cast<std::size_t>(i)]["data"]["n"], 5 + i);
    }
    hub.publish("s1", "fills", Json{{"n", 9}}.dump());
    EXPECT_EQ(second->frames.back()["data"]["n"], 9);
}

TEST(Hub, AClientThatMissedTooMuchGetsASnapshot) {
    Hub hub(16);
    auto peer = std::make_shared<FakePeer>();
    const auto c = hub.attach(peer, snapshot_of);
    for (int i = 0; i < 40; ++i) {
        hub.publish("s1", "fills", Json{{"n", i}}.dump());
    }
    hub.subscribe(c, "s1", {"*"}, 2);  // seq 3.. were dropped from the buffer
    ASSERT_EQ(peer->frames.size(), 1U);
    EXPECT_EQ(peer->frames[0]["topic"], "snapshot");
    EXPECT_EQ(peer->frames[0]["seq"].get<std::uint64_t>(), 40U);
}

TEST(Hub, ASlowClientNeverBlocksAndCatchesUpWithASnapshot) {
    Hub hub;
    auto slow = std::make_shared<FakePeer>(3);
    auto fast = std::make_shared<FakePeer>();
    const auto cs = hub.attach(slow, snapshot_of);
    const auto cf = hub.attach(fast, snapshot_of);
    hub.subscribe(cs, "s1", {"*"});
    hub.subscribe(cf, "s1", {"*"});
    for (int i = 0; i < 100; ++i) {
        hub.publish("s1", "bars", Json{{"n", i}}.dump());
    }
    EXPECT_EQ(fast->frames.size(), 101U);  // everything
    EXPECT_EQ(slow->frames.size(), 3U);    // its queue is full: skipped, not waited for
    EXPECT_GT(hub.stats().dropped, 90U);
    slow->drain();
    hub.publish("s1", "bars", Json{{"n", 100}}.dump());
    // Drained: a fresh snapshot first, then it follows again.
    ASSERT_EQ(slow->frames.size(), 5U);
    EXPECT_EQ(slow->frames[3]["topic"], "snapshot");
    EXPECT_EQ(slow->frames[4]["data"]["n"], 100);
}

}  // namespace
}  // namespace ats::server
