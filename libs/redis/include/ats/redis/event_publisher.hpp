#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "ats/core/error.hpp"
#include "ats/model/events.hpp"
#include "ats/model/ports.hpp"
#include "ats/redis/connection.hpp"

namespace ats::redis {

struct PublisherConfig {
    Endpoint endpoint;
    std::string stream = "ats:events";
    /// XADD MAXLEN ~ trimming: the stream keeps at least this many recent entries.
    std::size_t max_len = 100'000;
    /// Events per pipelined round trip.
    std::size_t batch = 512;
    /// Events kept in memory while Redis is unreachable; beyond it new events are dropped and
    /// counted (the state store, not Redis, is the record).
    std::size_t max_buffer = 1'000'000;
    /// Latest bar per symbol: the hash <prefix>bar:<SYMBOL> (open_time_ms, open, ..., stream_id).
    std::string key_prefix = "ats:";
    std::chrono::milliseconds retry_min{100};
    std::chrono::milliseconds retry_max{2000};
    /// Events to pass over first: a restarted session replays its journal to its observers, and
    /// those events were published by the run that first journaled them.
    std::uint64_t skip_first = 0;
    /// Told when Redis becomes unreachable and when it is back (from the sender thread).
    std::function<void(const std::string&)> on_warning;
};

/// Publishes every engine event to a Redis Stream so other processes (the dashboard, a watchdog, a
/// notebook) can follow a session; it implements the model's EventObserver port, so a session
/// attaches it like its journal. Never the source of truth and never in the way: on_event only
/// queues a copy (no I/O on the engine thread), a sender thread writes batches with pipelined
/// XADD ... MAXLEN ~ N. When Redis is down or restarts the session goes on, on_warning is told,
/// events wait in a bounded buffer and the sender reconnects with backoff; an entry whose reply
/// was lost with the connection is sent again, so delivery is at least once: each entry carries
/// `publisher` and `seq` fields for consumers that must drop repeats.
///
/// Entry fields: type (event name), ts (ts_event, ns), publisher, seq, json (the event as JSON).
class EventPublisher final : public model::EventObserver {
public:
    struct Counters {
        std::uint64_t queued = 0;
        std::uint64_t published = 0;   ///< entries acknowledged by Redis
        std::uint64_t dropped = 0;     ///< events not kept because the buffer was full
        std::uint64_t reconnects = 0;  ///< connections made after a failure
        std::uint64_t failures = 0;    ///< connection or command failures
        std::size_t buffered = 0;
        bool connected = false;
    };

    /// Starts the sender thread; Redis need not be up yet.
    static Result<std::unique_ptr<EventPublisher>> start(PublisherConfig config);

    EventPublisher(const EventPublisher&) = delete;
    EventPublisher& operator=(const EventPublisher&) = delete;
    /// Tries for up to a second to publish what is queued, then stops the sender.
    ~EventPublisher() override;

    void on_event(const model::Event& event) override;

    /// Waits until everything queued so far is published; false on timeout.
    bool flush(std::chrono::milliseconds timeout);
    Counters counters() const;
    const std::string& publisher_id() const noexcept;

private:
    struct Impl;
    explicit EventPublisher(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace ats::redis
