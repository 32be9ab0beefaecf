#include "ats/server/hub.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace ats::server {

namespace {

constexpr std::size_t kDrained = 8;  // a lagging client follows again below this many queued

std::string frame(
    std::uint64_t seq,
    const std::string& session,
    const std::string& topic,
    const std::string& data) {
    return fmt::format(
        R"({{"seq":{},"session":{},"topic":{},"data":{}}})",
        seq,
        nlohmann::json(session).dump(),
        nlohmann::json(topic).dump(),
        data.empty() ? std::string("null") : data);
}

}  // namespace

Hub::Hub(std::size_t buffer) : capacity_(std::max<std::size_t>(buffer, 16)) {}

bool Hub::follows(const Client& c, const Message& m) const {
    for (const auto& key : {m.session, std::string("*")}) {
        const auto it = c.follows.find(key);
        if (it != c.follows.end() &&
            (it->second.count(m.topic) != 0 || it->second.count("*") != 0)) {
            return true;
        }
    }
    return false;
}

bool Hub::deliver(Client& c, const Message& m) {
    if (c.lagging) {
        // Skipped until its queue has drained; then a snapshot replaces what it missed.
        if (c.peer->queued() > kDrained) {
            ++stats_.dropped;
            return false;
        }
        c.lagging = false;
        send_snapshots(c, "");
    }
    if (!c.peer->send(m.frame)) {
        c.lagging = true;
        ++stats_.dropped;
        return false;
    }
    ++stats_.delivered;
    return true;
}

std::uint64_t Hub::publish(const std::string& session, const std::string& topic, std::string data) {
    const std::lock_guard lock(mu_);
    Message m{++seq_, session, topic, nullptr};
    m.frame = std::make_shared<const std::string>(frame(m.seq, session, topic, data));
    ++stats_.published;
    sessions_.insert(session);
    for (auto& [id, c] : clients_) {
        if (follows(c, m)) {
            deliver(c, m);
        }
    }
    buffer_.push_back(std::move(m));
    if (buffer_.size() > capacity_) {
        buffer_.pop_front();
    }
    return seq_;
}

std::uint64_t Hub::attach(std::shared_ptr<WsPeer> peer, Snapshot snapshot) {
    const std::lock_guard lock(mu_);
    const std::uint64_t id = next_client_++;
    clients_[id] = Client{std::move(peer), std::move(snapshot), {}, false};
    stats_.clients = clients_.size();
    return id;
}

void Hub::detach(std::uint64_t client) {
    const std::lock_guard lock(mu_);
    clients_.erase(client);
    stats_.clients = clients_.size();
}

void Hub::send_snapshots(Client& c, const std::string& only_session) {
    if (!c.snapshot) {
        return;
    }
    std::set<std::string> sessions;
    for (const auto& [session, topics] : c.follows) {
        if (!only_session.empty() && session != only_session) {
            continue;
        }
        if (session == "*") {
            sessions.insert(sessions_.begin(), sessions_.end());
        } else {
            sessions.insert(session);
        }
    }
    for (const auto& session : sessions) {
        const std::string data = c.snapshot(session);
        if (data.empty()) {
            continue;
        }
        // A snapshot carries the current sequence: the client resumes after it.
        c.peer->send(frame(seq_, session, "snapshot", data));
        ++stats_.snapshots;
    }
}

void Hub::subscribe(
    std::uint64_t client,
    const std::string& session,
    const std::vector<std::string>& topics,
    std::optional<std::uint64_t> last_seq) {
    const std::lock_guard lock(mu_);
    const auto it = clients_.find(client);
    if (it == clients_.end()) {
        return;
    }
    Client& c = it->second;
    auto& set = c.follows[session];
    set.insert(topics.begin(), topics.end());
    const bool kept = last_seq && (*last_seq >= seq_ ||
                                   (!buffer_.empty() && buffer_.front().seq <= *last_seq + 1));
    if (!kept) {
        send_snapshots(c, session);
        return;
    }
    // Only this subscription's messages: others the client follows were delivered already.
    const bool all = set.count("*") != 0;
    for (const auto& m : buffer_) {
        if (m.seq > *last_seq && (session == "*" || m.session == session) &&
            (all || set.count(m.topic) != 0) && !deliver(c, m)) {
            return;
        }
    }
}

void Hub::unsubscribe(std::uint64_t client, const std::string& session) {
    const std::lock_guard lock(mu_);
    const auto it = clients_.find(client);
    if (it != clients_.end()) {
        it->second.follows.erase(session);
    }
}

void Hub::resume(std::uint64_t client, std::uint64_t last_seq) {
    const std::lock_guard lock(mu_);
    const auto it = clients_.find(client);
    if (it == clients_.end()) {
        return;
    }
    Client& c = it->second;
    const bool kept = last_seq >= seq_ || (!buffer_.empty() && buffer_.front().seq <= last_seq + 1);
    if (!kept) {
        send_snapshots(c, "");
        return;
    }
    for (const auto& m : buffer_) {
        if (m.seq > last_seq && follows(c, m) && !deliver(c, m)) {
            return;
        }
    }
}

Hub::Stats Hub::stats() const {
    const std::lock_guard lock(mu_);
    return stats_;
}

std::uint64_t Hub::last_seq() const {
    const std::lock_guard lock(mu_);
    return seq_;
}

}  // namespace ats::server
