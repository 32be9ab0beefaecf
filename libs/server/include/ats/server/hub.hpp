#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "ats/server/web_server.hpp"

namespace ats::server {

/// Live updates for WebSocket clients: every message is `{"seq":N,"session":ID,"topic":T,
/// "data":...}` with one increasing sequence number for the whole hub. Clients subscribe to
/// topics of sessions ("*" for every session). The last `buffer` messages are kept, so a client
/// that reconnects with its last sequence gets exactly what it missed; one that missed more gets
/// a snapshot of each session it follows instead.
///
/// A slow client never slows a publisher: sending only queues (bounded, see WsPeer). A client
/// whose queue is full is marked lagging and skipped; when its queue has drained it gets a fresh
/// snapshot and follows again. Thread-safe; publish() takes one lock and does no I/O.
class Hub {
public:
    /// The full state of a session as a JSON object (the "snapshot" topic's data).
    using Snapshot = std::function<std::string(const std::string& session)>;

    explicit Hub(std::size_t buffer = 8192);

    /// Queues `data` (a JSON value) to every client following (session, topic); returns its
    /// sequence number.
    std::uint64_t publish(const std::string& session, const std::string& topic, std::string data);

    std::uint64_t attach(std::shared_ptr<WsPeer> peer, Snapshot snapshot);
    void detach(std::uint64_t client);
    /// Follows `topics` of `session` ("*": every session). Without `last_seq`, sends the
    /// session's snapshot first; with it (a client coming back after a dropped connection),
    /// replays the messages of this subscription after `last_seq` when the buffer still holds
    /// them, else sends the snapshot.
    void subscribe(
        std::uint64_t client,
        const std::string& session,
        const std::vector<std::string>& topics,
        std::optional<std::uint64_t> last_seq = std::nullopt);
    void unsubscribe(std::uint64_t client, const std::string& session);
    /// Replays what the client missed after `last_seq`, or snapshots when that is no longer kept.
    void resume(std::uint64_t client, std::uint64_t last_seq);

    struct Stats {
        std::uint64_t published = 0;
        std::uint64_t delivered = 0;
        std::uint64_t dropped = 0;    ///< messages not queued to a lagging client
        std::uint64_t snapshots = 0;  ///< sent to clients that fell behind or resumed too late
        std::size_t clients = 0;
    };
    Stats stats() const;
    std::uint64_t last_seq() const;

private:
    struct Message {
        std::uint64_t seq = 0;
        std::string session;
        std::string topic;
        std::shared_ptr<const std::string> frame;
    };
    struct Client {
        std::shared_ptr<WsPeer> peer;
        Snapshot snapshot;
        std::map<std::string, std::set<std::string>> follows;  // session -> topics
        bool lagging = false;
    };
    bool follows(const Client& c, const Message& m) const;
    void send_snapshots(Client& c, const std::string& only_session);
    bool deliver(Client& c, const Message& m);

    mutable std::mutex mu_;
    std::size_t capacity_;
    std::deque<Message> buffer_;               // Guarded by mu_
    std::map<std::uint64_t, Client> clients_;  // Guarded by mu_
    std::set<std::string> sessions_;           // Guarded by mu_: every session seen
    std::uint64_t seq_ = 0;                    // Guarded by mu_
    std::uint64_t next_client_ = 1;            // Guarded by mu_
    Stats stats_;                              // Guarded by mu_
};

}  // namespace ats::server
