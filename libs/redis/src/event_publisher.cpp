#include "ats/redis/event_publisher.hpp"

#include <condition_variable>
#include <deque>
#include <mutex>
#include <random>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "ats/core/log.hpp"

namespace ats::redis {
namespace {

struct Queued {
    std::uint64_t seq = 0;
    model::Event event;
};

std::int64_t event_time_ns(const model::Event& e) {
    return std::visit([](const auto& x) { return x.ts_event.unix_ns(); }, e);
}

}  // namespace

struct EventPublisher::Impl {
    PublisherConfig config;
    std::string id;
    mutable std::mutex mu;
    std::condition_variable wake;      // the sender waits for events or stop
    std::condition_variable progress;  // flush() waits for the sender
    // Guarded by mu.
    std::deque<Queued> queue;
    std::uint64_t next_seq = 0;
    std::uint64_t acked_seq = 0;  // every seq <= this is published (or dropped)
    Counters counters;
    bool stop = false;
    std::thread sender;

    void warn(const std::string& message) {
        log::warn("{}", message);
        if (config.on_warning) {
            config.on_warning(message);
        }
    }

    // Builds the XADD (and the latest-bar HSET) of one event.
    void commands(const Queued& q, std::vector<std::vector<std::string>>& out) const {
        out.push_back(
            {"XADD",
             config.stream,
             "MAXLEN",
             "~",
             std::to_string(config.max_len),
             "*",
             "type",
             std::string(model::event_name(q.event)),
             "ts",
             std::to_string(event_time_ns(q.event)),
             "publisher",
             id,
             "seq",
             std::to_string(q.seq),
             "json",
             model::to_json_line(q.event)});
        if (const auto* md = std::get_if<model::MarketData>(&q.event)) {
            const model::Bar& b = md->bar;
            out.push_back(
                {"HSET",
                 config.key_prefix + "bar:" + md->symbol.to_string(),
                 "open_time_ms",
                 std::to_string(b.open_time.unix_ms()),
                 "close_time_ms",
                 std::to_string(b.close_time.unix_ms()),
                 "open",
                 b.open.to_string(),
                 "high",
                 b.high.to_string(),
                 "low",
                 b.low.to_string(),
                 "close",
                 b.close.to_string(),
                 "volume",
                 b.volume.to_string(),
                 "seq",
                 std::to_string(q.seq)});
        }
    }

    void run() {
        std::optional<Connection> connection;
        std::chrono::milliseconds backoff = config.retry_min;
        bool warned_down = false;
        std::vector<Queued> batch;
        std::vector<std::vector<std::string>> cmds;
        std::vector<std::size_t> owner;  // command index -> batch index
        while (true) {
            {
                std::unique_lock lock(mu);
                wake.wait_for(
                    lock, std::chrono::milliseconds(50), [&] { return stop || !queue.empty(); });
                if (queue.empty()) {
                    if (stop) {
                        return;
                    }
                    continue;
                }
                if (stop && !connection) {
                    return;  // shutting down with Redis away: nothing more to try
                }
                batch.assign(
                    queue.begin(),
                    queue.begin() +
                        static_cast<std::ptrdiff_t>(std::min(queue.size(), config.batch)));
            }
            if (!connection) {
                auto c = Connection::connect(config.endpoint);
                if (!c) {
                    {
                        std::lock_guard lock(mu);
                        ++counters.failures;
                        counters.connected = false;
                    }
                    if (!warned_down) {
                        warned_down = true;
                        warn(fmt::format(
                            "redis unavailable ({}); events are kept in memory (up to {}) and "
                            "trading goes on",
                            c.error().message,
                            config.max_buffer));
                    }
                    std::unique_lock lock(mu);
                    wake.wait_for(lock, backoff, [&] { return stop; });
                    backoff = std::min(config.retry_max, backoff * 2);
                    continue;
                }
                connection = std::move(*c);
                backoff = config.retry_min;
                std::size_t buffered = 0;
                {
                    std::lock_guard lock(mu);
                    counters.connected = true;
                    if (warned_down) {
                        ++counters.reconnects;
                    }
                    buffered = queue.size();
                }
                if (warned_down) {
                    warned_down = false;
                    warn(fmt::format(
                        "redis {} is back; publishing {} buffered events",
                        config.endpoint.to_string(),
                        buffered));
                }
            }
            cmds.clear();
            owner.clear();
            for (std::size_t i = 0; i < batch.size(); ++i) {
                const std::size_t before = cmds.size();
                commands(batch[i], cmds);
                owner.insert(owner.end(), cmds.size() - before, i);
            }
            bool broken = false;
            for (const auto& c : cmds) {
                if (!connection->append(c)) {
                    broken = true;
                    break;
                }
            }
            // Entries are confirmed in order; the first lost reply ends the batch.
            std::size_t confirmed = 0;  // batch entries whose commands all succeeded
            std::size_t rejected = 0;
            if (!broken) {
                std::size_t i = 0;
                for (; i < cmds.size(); ++i) {
                    auto reply = connection->get_reply();
                    if (!reply && reply.error().code != ErrorCode::kRejected) {
                        broken = true;
                        break;
                    }
                    if (!reply) {
                        ++rejected;  // a server error for one command: not retried
                        log::warn("redis publisher: {}", reply.error().message);
                    }
                    if (i + 1 == cmds.size() || owner[i + 1] != owner[i]) {
                        confirmed = owner[i] + 1;
                    }
                }
            }
            {
                std::lock_guard lock(mu);
                // Drop the confirmed entries from the front (drops while sending may have removed
                // some already: match by sequence number).
                const std::uint64_t last = confirmed > 0 ? batch[confirmed - 1].seq : 0;
                while (!queue.empty() && queue.front().seq <= last) {
                    queue.pop_front();
                }
                counters.published += confirmed;
                counters.failures += rejected;
                if (last > acked_seq) {
                    acked_seq = last;
                }
                counters.buffered = queue.size();
                if (broken) {
                    ++counters.failures;
                    counters.connected = false;
                }
            }
            progress.notify_all();
            if (broken) {
                connection.reset();
                warned_down = true;
                warn(fmt::format(
                    "redis {} connection lost; reconnecting (events are kept, trading goes on)",
                    config.endpoint.to_string()));
            }
        }
    }
};

EventPublisher::EventPublisher(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Result<std::unique_ptr<EventPublisher>> EventPublisher::start(PublisherConfig config) {
    if (config.batch == 0 || config.max_buffer == 0 || config.max_len == 0 ||
        config.stream.empty()) {
        return make_error(
            ErrorCode::kInvalidArgument,
            "redis publisher: batch, buffer, max_len and stream must be set");
    }
    auto impl = std::make_unique<Impl>();
    impl->config = std::move(config);
    std::random_device rd;
    impl->id = fmt::format("{:08x}", rd());
    Impl* raw = impl.get();
    std::unique_ptr<EventPublisher> p(new EventPublisher(std::move(impl)));
    raw->sender = std::thread([raw] { raw->run(); });
    return p;
}

EventPublisher::~EventPublisher() {
    // Up to a second to publish what is queued, unless Redis is known to be away.
    const Counters c = counters();
    if (c.connected || c.failures == 0) {
        flush(std::chrono::milliseconds(1000));
    }
    {
        std::lock_guard lock(impl_->mu);
        impl_->stop = true;
    }
    impl_->wake.notify_all();
    if (impl_->sender.joinable()) {
        impl_->sender.join();
    }
}

void EventPublisher::on_event(const model::Event& event) {
    bool notify = false;
    {
        std::lock_guard lock(impl_->mu);
        Impl& m = *impl_;
        if (m.queue.size() >= m.config.max_buffer) {
            m.acked_seq = std::max(m.acked_seq, m.queue.front().seq);
            m.queue.pop_front();
            ++m.counters.dropped;
        }
        m.queue.push_back(Queued{++m.next_seq, event});
        ++m.counters.queued;
        m.counters.buffered = m.queue.size();
        // Wake the sender for a full batch, or when it may be idle.
        notify = m.queue.size() == 1 || m.queue.size() % m.config.batch == 0;
    }
    if (notify) {
        impl_->wake.notify_one();
    }
}

bool EventPublisher::flush(std::chrono::milliseconds timeout) {
    std::unique_lock lock(impl_->mu);
    const std::uint64_t target = impl_->next_seq;
    impl_->wake.notify_one();
    return impl_->progress.wait_for(lock, timeout, [&] { return impl_->acked_seq >= target; });
}

EventPublisher::Counters EventPublisher::counters() const {
    std::lock_guard lock(impl_->mu);
    return impl_->counters;
}

const std::string& EventPublisher::publisher_id() const noexcept {
    return impl_->id;
}

}  // namespace ats::redis
