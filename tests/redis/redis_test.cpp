#include <atomic>
#include <chrono>
#include <mutex>
#include <set>
#include <thread>

#include <gtest/gtest.h>

#include "ats/redis/connection.hpp"
#include "ats/redis/event_publisher.hpp"
#include "ats/redis/market_cache.hpp"
#include "ats/redis/streams.hpp"

#include "redis_server.hpp"

namespace ats::redis {
namespace {

using namespace std::chrono_literals;
using testing::RedisServer;

model::Event bar_event(int i) {
    model::Bar b;
    b.open_time = Timestamp::from_unix_ms(1'733'011'200'000 + i * 60'000LL);
    b.close_time = b.open_time + Duration::from_ms(59'999);
    b.open = Price::from_raw(9'600'000'000'000 + i);
    b.high = b.open + Price::from_raw(500);
    b.low = b.open - Price::from_raw(500);
    b.close = b.open + Price::from_raw(7);
    b.volume = *Qty::parse("1.25");
    return model::MarketData{b.close_time, b.close_time, Symbol::parse("BTCUSDT").value(), b};
}

std::int64_t xlen(const Endpoint& e, const std::string& stream) {
    auto c = Connection::connect(e);
    auto r = c->command({"XLEN", stream});
    return r ? r->integer : -1;
}

std::vector<StreamEntry> all_entries(const Endpoint& e, const std::string& stream) {
    auto c = Connection::connect(e);
    auto r = c->command({"XRANGE", stream, "-", "+"});
    if (!r) {
        return {};
    }
    return parse_entries(*r).value_or(std::vector<StreamEntry>{});
}

TEST(RedisEndpointTest, ParsesUrlsAndRefusesBadOnes) {
    auto e = Endpoint::parse("redis://:secret@10.0.0.5:6380/2");
    ASSERT_TRUE(e);
    EXPECT_EQ(e->host, "10.0.0.5");
    EXPECT_EQ(e->port, 6380);
    EXPECT_EQ(e->password, "secret");
    EXPECT_EQ(e->db, 2);
    EXPECT_EQ(e->to_string().find("secret"), std::string::npos);
    auto d = Endpoint::parse("redis://localhost");
    ASSERT_TRUE(d);
    EXPECT_EQ(d->port, 6379);
    EXPECT_FALSE(Endpoint::parse("http://x:1"));
    EXPECT_FALSE(Endpoint::parse("redis://x:0"));
    EXPECT_FALSE(Endpoint::parse("redis://x:99999"));
    EXPECT_FALSE(Endpoint::parse("redis://x:1/abc"));
}

TEST(RedisPublisherTest, PublishesEveryEventInOrderWithTheLatestBar) {
    RedisServer server;
    PublisherConfig config;
    config.endpoint = server.endpoint();
    config.stream = "test:events";
    auto publisher = EventPublisher::start(config);
    ASSERT_TRUE(publisher);
    for (int i = 0; i < 1000; ++i) {
        (*publisher)->on_event(bar_event(i));
    }
    (*publisher)
        ->on_event(model::AlertLogged{
            Timestamp::from_unix_ms(5),
            Timestamp::from_unix_ms(6),
            model::AlertLevel::kWarning,
            model::Text("hello")});
    ASSERT_TRUE((*publisher)->flush(5s));
    const auto entries = all_entries(server.endpoint(), "test:events");
    ASSERT_EQ(entries.size(), 1001U);
    for (std::size_t i = 0; i < entries.size(); ++i) {
        EXPECT_EQ(entries[i].field("seq"), std::to_string(i + 1));
        EXPECT_EQ(entries[i].field("publisher"), (*publisher)->publisher_id());
    }
    EXPECT_EQ(entries[0].field("type"), "MarketData");
    EXPECT_NE(entries[0].field("json").find("\"MarketData\""), std::string::npos)
        << entries[0].field("json");
    EXPECT_EQ(entries.back().field("type"), "AlertLogged");
    EXPECT_EQ(entries.back().field("ts"), "5000000");
    auto cache = MarketCache::connect(server.endpoint());
    ASSERT_TRUE(cache);
    auto bar = cache->get_bar(Symbol::parse("BTCUSDT").value());
    ASSERT_TRUE(bar && *bar);
    EXPECT_EQ(**bar, std::get<model::MarketData>(bar_event(999)).bar);
    const auto c = (*publisher)->counters();
    EXPECT_EQ(c.published, 1001U);
    EXPECT_EQ(c.dropped, 0U);
    EXPECT_TRUE(c.connected);
}

TEST(RedisPublisherTest, TrimsTheStreamWithMaxlen) {
    RedisServer server;
    PublisherConfig config;
    config.endpoint = server.endpoint();
    config.stream = "test:trim";
    config.max_len = 1000;
    auto publisher = EventPublisher::start(config);
    ASSERT_TRUE(publisher);
    for (int i = 0; i < 20'000; ++i) {
        (*publisher)->on_event(bar_event(i));
    }
    ASSERT_TRUE((*publisher)->flush(10s));
    const auto n = xlen(server.endpoint(), "test:trim");
    EXPECT_GE(n, 1000);
    EXPECT_LT(n, 2000);  // "~": trimmed by whole macro nodes
}

TEST(RedisPublisherTest, ServerRestartWarnsBuffersAndReconnects) {
    RedisServer server;
    std::mutex mu;
    std::vector<std::string> warnings;
    PublisherConfig config;
    config.endpoint = server.endpoint();
    config.stream = "test:restart";
    config.retry_min = 10ms;
    config.retry_max = 50ms;
    config.on_warning = [&](const std::string& w) {
        std::lock_guard lock(mu);
        warnings.push_back(w);
    };
    auto publisher = EventPublisher::start(config);
    ASSERT_TRUE(publisher);
    for (int i = 0; i < 100; ++i) {
        (*publisher)->on_event(bar_event(i));
    }
    ASSERT_TRUE((*publisher)->flush(5s));
    server.stop();
    // Trading goes on: queuing never waits for Redis.
    const auto t0 = std::chrono::steady_clock::now();
    for (int i = 100; i < 300; ++i) {
        (*publisher)->on_event(bar_event(i));
    }
    EXPECT_LT(std::chrono::steady_clock::now() - t0, 100ms);
    EXPECT_FALSE((*publisher)->flush(300ms));
    server.start();
    ASSERT_TRUE((*publisher)->flush(10s));
    const auto c = (*publisher)->counters();
    EXPECT_EQ(c.published, 300U);
    EXPECT_EQ(c.dropped, 0U);
    EXPECT_GE(c.reconnects, 1U);
    EXPECT_GE(c.failures, 1U);
    // The restarted server (no persistence) holds what was published after it came back: the
    // 200 buffered events, in order, none lost.
    const auto entries = all_entries(server.endpoint(), "test:restart");
    std::set<std::string> seqs;
    for (const auto& e : entries) {
        seqs.insert(e.field("seq"));
    }
    for (int s = 101; s <= 300; ++s) {
        EXPECT_TRUE(seqs.count(std::to_string(s))) << "seq " << s;
    }
    std::lock_guard lock(mu);
    ASSERT_GE(warnings.size(), 2U);
    bool down = false;
    bool back = false;
    for (const auto& w : warnings) {
        down = down || w.find("unavailable") != std::string::npos ||
               w.find("lost") != std::string::npos;
        back = back || w.find("is back") != std::string::npos;
    }
    EXPECT_TRUE(down);
    EXPECT_TRUE(back);
}

TEST(RedisPublisherTest, BoundedBufferDropsWhenFullWhileRedisIsAway) {
    PublisherConfig config;
    config.endpoint.port = testing::free_port();  // nobody listens
    config.max_buffer = 50;
    config.retry_min = 10ms;
    config.retry_max = 20ms;
    auto publisher = EventPublisher::start(config);
    ASSERT_TRUE(publisher);
    for (int i = 0; i < 120; ++i) {
        (*publisher)->on_event(bar_event(i));
    }
    const auto c = (*publisher)->counters();
    EXPECT_EQ(c.dropped, 70U);
    EXPECT_EQ(c.buffered, 50U);
    EXPECT_FALSE(c.connected);
}

TEST(RedisPublisherTest, APublisherRestartContinuesTheStream) {
    RedisServer server;
    PublisherConfig config;
    config.endpoint = server.endpoint();
    config.stream = "test:pubrestart";
    std::string first_id;
    {
        auto a = EventPublisher::start(config);
        ASSERT_TRUE(a);
        first_id = (*a)->publisher_id();
        for (int i = 0; i < 50; ++i) {
            (*a)->on_event(bar_event(i));
        }
    }  // destroyed: flushes
    auto b = EventPublisher::start(config);
    ASSERT_TRUE(b);
    for (int i = 50; i < 100; ++i) {
        (*b)->on_event(bar_event(i));
    }
    ASSERT_TRUE((*b)->flush(5s));
    const auto entries = all_entries(server.endpoint(), "test:pubrestart");
    ASSERT_EQ(entries.size(), 100U);
    EXPECT_EQ(entries[49].field("publisher"), first_id);
    EXPECT_EQ(entries[50].field("publisher"), (*b)->publisher_id());
    EXPECT_EQ(entries[50].field("seq"), "1");
}

TEST(RedisStreamTest, FanOutReaderResumesFromItsLastIdAndBlocks) {
    RedisServer server;
    PublisherConfig config;
    config.endpoint = server.endpoint();
    config.stream = "test:fanout";
    auto publisher = EventPublisher::start(config);
    ASSERT_TRUE(publisher);
    for (int i = 0; i < 100; ++i) {
        (*publisher)->on_event(bar_event(i));
    }
    ASSERT_TRUE((*publisher)->flush(5s));
    std::string saved;
    {
        auto reader = StreamReader::connect(server.endpoint(), "test:fanout", "0");
        ASSERT_TRUE(reader);
        auto batch = reader->read(30, 100ms);
        ASSERT_TRUE(batch);
        ASSERT_EQ(batch->size(), 30U);
        saved = reader->last_id();
    }  // the reader "crashes" and comes back with its token
    auto reader = StreamReader::connect(server.endpoint(), "test:fanout", saved);
    ASSERT_TRUE(reader);
    auto rest = reader->read(1000, 100ms);
    ASSERT_TRUE(rest);
    ASSERT_EQ(rest->size(), 70U);
    EXPECT_EQ(rest->front().field("seq"), "31");
    // Nothing new: the blocking read times out empty; a new event wakes it.
    auto none = reader->read(10, 50ms);
    ASSERT_TRUE(none);
    EXPECT_TRUE(none->empty());
    std::thread later([&] {
        std::this_thread::sleep_for(50ms);
        (*publisher)->on_event(bar_event(1000));
    });
    auto woke = reader->read(10, 5000ms);
    later.join();
    ASSERT_TRUE(woke);
    ASSERT_EQ(woke->size(), 1U);
    EXPECT_EQ(woke->front().field("seq"), "101");
}

TEST(RedisStreamTest, ConsumerGroupRestartAndClaimOfADeadConsumer) {
    RedisServer server;
    PublisherConfig config;
    config.endpoint = server.endpoint();
    config.stream = "test:group";
    auto publisher = EventPublisher::start(config);
    ASSERT_TRUE(publisher);
    for (int i = 0; i < 100; ++i) {
        (*publisher)->on_event(bar_event(i));
    }
    ASSERT_TRUE((*publisher)->flush(5s));
    std::vector<std::string> first_twenty;
    {
        auto c1 = GroupConsumer::connect(server.endpoint(), "test:group", "watchdog", "c1");
        ASSERT_TRUE(c1) << c1.error().message;
        auto got = c1->read_new(20, 100ms);
        ASSERT_TRUE(got);
        ASSERT_EQ(got->size(), 20U);
        for (const auto& e : *got) {
            first_twenty.push_back(e.id);
        }
        ASSERT_TRUE(c1->ack({first_twenty.begin(), first_twenty.begin() + 10}));
    }  // c1 dies with 10 entries unacknowledged
    // c1 restarts under its name: its pending entries come back first.
    auto c1 = GroupConsumer::connect(server.endpoint(), "test:group", "watchdog", "c1");
    ASSERT_TRUE(c1);
    auto pending = c1->read_pending(100);
    ASSERT_TRUE(pending);
    ASSERT_EQ(pending->size(), 10U);
    EXPECT_EQ(pending->front().id, first_twenty[10]);
    ASSERT_TRUE(c1->ack(
        {(*pending)[0].id,
         (*pending)[1].id,
         (*pending)[2].id,
         (*pending)[3].id,
         (*pending)[4].id}));
    // c1 dies for good; c2 claims what it left (idle longer than 0 ms).
    auto c2 = GroupConsumer::connect(server.endpoint(), "test:group", "watchdog", "c2");
    ASSERT_TRUE(c2);
    auto claimed = c2->claim_idle(0ms, 100);
    ASSERT_TRUE(claimed) << claimed.error().message;
    ASSERT_EQ(claimed->size(), 5U);
    std::vector<std::string> ids;
    for (const auto& e : *claimed) {
        ids.push_back(e.id);
    }
    ASSERT_TRUE(c2->ack(ids));
    auto rest = c2->read_new(1000, 100ms);
    ASSERT_TRUE(rest);
    EXPECT_EQ(rest->size(), 80U);  // the group never hands an entry to two consumers
    std::vector<std::string> rest_ids;
    for (const auto& e : *rest) {
        rest_ids.push_back(e.id);
    }
    ASSERT_TRUE(c2->ack(rest_ids));
    auto left = c2->pending_count();
    ASSERT_TRUE(left);
    EXPECT_EQ(*left, 0);
}

TEST(RedisCacheTest, BarsAndBooksRoundTripExactly) {
    RedisServer server;
    auto cache = MarketCache::connect(server.endpoint(), "t:");
    ASSERT_TRUE(cache);
    const auto sym = Symbol::parse("ETHUSDT").value();
    auto none = cache->get_book(sym);
    ASSERT_TRUE(none);
    EXPECT_FALSE(none->has_value());
    BookSnapshot book;
    book.update_id = 123456789;
    book.ts = Timestamp::from_unix_ns(1'733'011'200'123'456'789);
    book.bids = {
        {*Price::parse("3500.01"), *Qty::parse("1.5")},
        {*Price::parse("3500"), *Qty::parse("123456789012.12345678")}};
    book.asks = {{*Price::parse("3500.02"), *Qty::parse("0.00000001")}};
    ASSERT_TRUE(cache->put_book(sym, book));
    auto back = cache->get_book(sym);
    ASSERT_TRUE(back && *back);
    EXPECT_EQ(**back, book);
    const auto bar = std::get<model::MarketData>(bar_event(3)).bar;
    ASSERT_TRUE(cache->put_bar(sym, bar));
    auto got = cache->get_bar(sym);
    ASSERT_TRUE(got && *got);
    EXPECT_EQ(**got, bar);
    server.stop();
    auto down = cache->get_bar(sym);
    ASSERT_FALSE(down);
    EXPECT_EQ(down.error().code, ErrorCode::kUnavailable);
}

}  // namespace
}  // namespace ats::redis
